// SPDX-License-Identifier: MIT
/*
 * homevitals-vdev seen from a D-Bus client, on a private dbus-daemon that
 * this test starts and stops: discovery and adverts, GATT with RACP, a
 * mid-transfer disconnect, UDS consent, bluetoothd restarts and adapter
 * loss. The stand-in runs in a forked child from libhvvdev. Frames that the
 * scenarios give as "hex" are written here by hand from the SIG layouts and
 * cross-checked with the drivers' decoders.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/registry.h"
#include "firmware-host/vdev.h"
#include "tests/unit/private_bus.h"

#define MAX_MSGS 2048
#define _cleanup_bus_error_ __attribute__((cleanup(sd_bus_error_free)))
#define _cleanup_bus_message_ __attribute__((cleanup(sd_bus_message_unrefp)))
#define ADAPTER "/org/bluez/hci0"

static pid_t vdev_pid = -1;
static sd_bus *client;
static sd_bus_message *msgs[MAX_MSGS];
static size_t n_msgs;

/* --- harness --------------------------------------------------------------------- */

static void run_child(const char *json)
{
	char log[128], error[256];
	sd_event *event = NULL;
	struct vdev *v = NULL;

	snprintf(log, sizeof(log), "%s/vdev.log", tmpdir);
	if (!freopen(log, "a", stdout))
		_exit(3);
	if (sd_event_new(&event) < 0 ||
	    sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL) < 0)
		_exit(3);
	if (vdev_new(json, 1.0, event, &v, error, sizeof(error)) < 0) {
		fprintf(stderr, "vdev_new: %s\n", error);
		_exit(4);
	}
	if (vdev_start(v) < 0)
		_exit(5);
	(void)sd_event_loop(event);
	vdev_free(v);
	sd_event_unref(event);
	_exit(0);
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	(void)userdata;
	(void)e;
	if (n_msgs < MAX_MSGS)
		msgs[n_msgs++] = sd_bus_message_ref(m);
	return 0;
}

static void pump(double seconds)
{
	struct timespec ts;
	uint64_t end, now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000 +
	      (uint64_t)(seconds * 1e6);
	for (;;) {
		int r = sd_bus_process(client, NULL);

		assert_true(r >= 0);
		if (r > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000 +
		      (uint64_t)ts.tv_nsec / 1000;
		if (now >= end)
			return;
		(void)sd_bus_wait(client, end - now);
	}
}

/* Start the stand-in with this scenario and connect the client. */
static void start(const char *json, sigset_t *mask)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, mask);
	vdev_pid = fork();
	assert_true(vdev_pid >= 0);
	if (vdev_pid == 0)
		run_child(json);
	sigprocmask(SIG_SETMASK, mask, NULL);

	assert_int_equal(sd_bus_open_system(&client), 0);
	r = sd_bus_add_match(client, NULL, "type='signal'", on_message, NULL);
	if (r < 0)
		fail_msg("AddMatch: %s", strerror(-r));
	if (private_bus_wait_for_name(client, "org.bluez") < 0)
		fail_msg("org.bluez never appeared");
}

static void stop(void)
{
	int status;

	if (vdev_pid > 0) {
		kill(vdev_pid, SIGTERM);
		waitpid(vdev_pid, &status, 0);
		vdev_pid = -1;
	}
	for (size_t i = 0; i < n_msgs; i++)
		sd_bus_message_unref(msgs[i]);
	n_msgs = 0;
	client = sd_bus_flush_close_unref(client);
}

static int teardown_stop(void **state)
{
	(void)state;
	stop();
	return 0;
}

/* --- looking at messages ----------------------------------------------------------- */

static uint8_t msg_type(sd_bus_message *m)
{
	uint8_t t = 0;

	(void)sd_bus_message_get_type(m, &t);
	return t;
}

static bool is_signal(sd_bus_message *m, const char *member, const char *path)
{
	return msg_type(m) == SD_BUS_MESSAGE_SIGNAL &&
	       strcmp(sd_bus_message_get_member(m), member) == 0 &&
	       (!path || strcmp(sd_bus_message_get_path(m), path) == 0);
}

/* Object path argument of InterfacesAdded/Removed. */
static bool ifaces_signal(sd_bus_message *m, const char *member,
			  const char *path)
{
	const char *p;

	if (!is_signal(m, member, "/"))
		return false;
	sd_bus_message_rewind(m, true);
	return sd_bus_message_read(m, "o", &p) > 0 && strcmp(p, path) == 0;
}

/* Move to the value of `prop` in a PropertiesChanged; true if present. */
static bool changed_enter(sd_bus_message *m, const char *path,
			  const char *prop, const char *sig)
{
	const char *iface, *name;

	if (!is_signal(m, "PropertiesChanged", path))
		return false;
	sd_bus_message_rewind(m, true);
	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return false;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &name) < 0)
			return false;
		if (strcmp(name, prop) == 0)
			return sd_bus_message_enter_container(m, 'v', sig) > 0;
		sd_bus_message_skip(m, "v");
		sd_bus_message_exit_container(m);
	}
	return false;
}

static bool changed_bool(sd_bus_message *m, const char *path, const char *prop,
			 bool value)
{
	int b;

	return changed_enter(m, path, prop, "b") &&
	       sd_bus_message_read(m, "b", &b) > 0 && (bool)b == value;
}

static bool changed_bytes(sd_bus_message *m, const char *path,
			  const char *prop, const uint8_t **p, size_t *n)
{
	const void *data;

	if (!changed_enter(m, path, prop, "ay") ||
	    sd_bus_message_read_array(m, 'y', &data, n) < 0)
		return false;
	*p = data;
	return true;
}

static bool invalidated(sd_bus_message *m, const char *path, const char *prop)
{
	const char *iface, *name;

	if (!is_signal(m, "PropertiesChanged", path))
		return false;
	sd_bus_message_rewind(m, true);
	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    sd_bus_message_skip(m, "a{sv}") < 0 ||
	    sd_bus_message_enter_container(m, 'a', "s") < 0)
		return false;
	while (sd_bus_message_read(m, "s", &name) > 0)
		if (strcmp(name, prop) == 0)
			return true;
	return false;
}

typedef bool (*pred_fn)(sd_bus_message *m, const void *arg);

/* Index of the first message from `from` on that matches; waits up to 8 s. */
static size_t wait_for(size_t from, pred_fn pred, const void *arg)
{
	for (int round = 0; round < 160; round++) {
		for (size_t i = from; i < n_msgs; i++)
			if (pred(msgs[i], arg))
				return i;
		pump(0.05);
	}
	fail_msg("timed out waiting for a signal");
	return 0;
}

static bool pred_added(sd_bus_message *m, const void *arg)
{
	return ifaces_signal(m, "InterfacesAdded", arg);
}

static bool pred_removed(sd_bus_message *m, const void *arg)
{
	return ifaces_signal(m, "InterfacesRemoved", arg);
}

struct bool_prop {
	const char *path, *prop;
	bool value;
};

static bool pred_bool(sd_bus_message *m, const void *arg)
{
	const struct bool_prop *b = arg;

	return changed_bool(m, b->path, b->prop, b->value);
}

struct bytes_prop {
	const char *path;
	const char *prop;
};

static bool pred_bytes(sd_bus_message *m, const void *arg)
{
	const struct bytes_prop *b = arg;
	const uint8_t *p;
	size_t n;

	return changed_bytes(m, b->path, b->prop, &p, &n);
}

static bool pred_reply(sd_bus_message *m, const void *arg)
{
	(void)arg;
	return msg_type(m) == SD_BUS_MESSAGE_METHOD_RETURN;
}

static size_t wait_bool(size_t from, const char *path, const char *prop,
			bool value)
{
	struct bool_prop b = { path, prop, value };

	return wait_for(from, pred_bool, &b);
}

/* The next Value change of path; returns its index, bytes in buf. */
static size_t wait_value(size_t from, const char *path, uint8_t *buf,
			 size_t *len)
{
	struct bytes_prop b = { path, "Value" };
	size_t i = wait_for(from, pred_bytes, &b);
	const uint8_t *p = NULL;

	assert_true(changed_bytes(msgs[i], path, "Value", &p, len));
	memcpy(buf, p, *len);
	return i;
}

/* --- calls ------------------------------------------------------------------------------- */

/* Call and return the D-Bus error name ("" on success). */
static const char *call(const char *path, const char *iface, const char *member,
			char *message, const char *sig, ...)
{
	static char name[128];
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *m = NULL, *reply = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(client, &m, "org.bluez", path, iface,
					   member);
	assert_true(r >= 0);
	if (sig) {
		va_start(ap, sig);
		r = sd_bus_message_appendv(m, sig, ap);
		va_end(ap);
		assert_true(r >= 0);
	}
	r = sd_bus_call(client, m, 5000000, &e, &reply);
	name[0] = '\0';
	if (message)
		message[0] = '\0';
	if (r < 0) {
		snprintf(name, sizeof(name), "%s", e.name ? e.name : "?");
		if (message && e.message)
			snprintf(message, 128, "%s", e.message);
	}
	return name;
}

static const char *write_value(const char *path, const uint8_t *p, size_t n,
			       char *message)
{
	static char name[128];
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *m = NULL, *reply = NULL;
	int r;

	r = sd_bus_message_new_method_call(client, &m, "org.bluez", path,
					   "org.bluez.GattCharacteristic1",
					   "WriteValue");
	assert_true(r >= 0);
	assert_true(sd_bus_message_append_array(m, 'y', p, n) >= 0);
	assert_true(sd_bus_message_append(m, "a{sv}", 1, "type", "s",
					  "request") >= 0);
	r = sd_bus_call(client, m, 5000000, &e, &reply);
	name[0] = '\0';
	if (r < 0) {
		snprintf(name, sizeof(name), "%s", e.name);
		if (message)
			snprintf(message, 128, "%s", e.message);
	}
	return name;
}

/* Path of the characteristic with this 16-bit UUID under dev. */
static void char_path(const char *dev, uint16_t uuid16, char *out, size_t size)
{
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *reply = NULL;
	char want[40];
	const char *path, *iface, *key, *s;

	snprintf(want, sizeof(want), "0000%04x-0000-1000-8000-00805f9b34fb",
		 uuid16);
	out[0] = '\0';
	assert_true(sd_bus_call_method(client, "org.bluez", "/",
				       "org.freedesktop.DBus.ObjectManager",
				       "GetManagedObjects", &e, &reply,
				       NULL) >= 0);
	assert_true(sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") > 0);
	while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
		assert_true(sd_bus_message_read(reply, "o", &path) > 0);
		assert_true(sd_bus_message_enter_container(reply, 'a', "{sa{sv}}") > 0);
		while (sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
			assert_true(sd_bus_message_read(reply, "s", &iface) > 0);
			assert_true(sd_bus_message_enter_container(reply, 'a', "{sv}") >= 0);
			while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
				assert_true(sd_bus_message_read(reply, "s", &key) > 0);
				if (strcmp(iface, "org.bluez.GattCharacteristic1") == 0 &&
				    strcmp(key, "UUID") == 0) {
					assert_true(sd_bus_message_read(reply, "v", "s", &s) > 0);
					if (strcmp(s, want) == 0 &&
					    strncmp(path, dev, strlen(dev)) == 0)
						snprintf(out, size, "%s", path);
				} else {
					sd_bus_message_skip(reply, "v");
				}
				sd_bus_message_exit_container(reply);
			}
			sd_bus_message_exit_container(reply);
			sd_bus_message_exit_container(reply);
		}
		sd_bus_message_exit_container(reply);
		sd_bus_message_exit_container(reply);
	}
	assert_true(out[0] != '\0');
}

/* --- tests ------------------------------------------------------------------------------ */

static void test_discovery_mi_scale2(void **state)
{
	static const char json[] =
		"{\"name\":\"disc\",\"end\":60,\"devices\":[{\"id\":\"mi\","
		"\"model\":\"mi_scale\",\"address\":\"c8:47:8c:00:00:01\","
		"\"name\":\"MIBFS\"}],\"timeline\":[{\"t\":0.6,\"device\":\"mi\","
		"\"do\":\"weigh\",\"readings\":{\"body_weight\":72.4,"
		"\"impedance\":503},\"unstable\":2,\"stable\":3,\"removed\":2,"
		"\"interval\":0.15}]}";
	const char *dev = ADAPTER "/dev_C8_47_8C_00_00_01";
	const struct hv_driver *drv = hv_driver_by_id("xiaomi_mi_scale2");
	char msg[128];
	sigset_t mask;
	size_t i, adverts = 0, finals = 0, unstable = 0;
	bool removed_seen = false;

	(void)state;
	if (!drv)
		skip();
	start(json, &mask);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "SetDiscoveryFilter", NULL, "a{sv}", 2,
				 "Transport", "s", "le", "DuplicateData", "b",
				 1),
			    "");
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_bool(0, ADAPTER, "Discovering", true);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", msg, NULL),
			    "org.bluez.Error.InProgress");
	assert_string_equal(msg, "Operation already in progress");
	i = wait_for(i, pred_added, dev);

	/* every advert (DuplicateData) carries the 0x181B service data */
	for (int round = 0; round < 60 && !removed_seen; round++) {
		pump(0.05);
		for (; i < n_msgs; i++) {
			sd_bus_message *m = msgs[i];
			const char *key;
			const void *data;
			size_t n;
			struct hv_frame f = { 0 };
			struct hv_measurement out;

			if (ifaces_signal(m, "InterfacesAdded", dev)) {
				/* walk to Device1's ServiceData */
				const char *iface, *name;

				sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
				while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
					sd_bus_message_read(m, "s", &iface);
					sd_bus_message_enter_container(m, 'a', "{sv}");
					while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
						sd_bus_message_read(m, "s", &name);
						if (strcmp(name, "ServiceData") == 0)
							goto service_data;
						sd_bus_message_skip(m, "v");
						sd_bus_message_exit_container(m);
					}
					sd_bus_message_exit_container(m);
					sd_bus_message_exit_container(m);
				}
				fail_msg("no ServiceData in InterfacesAdded");
			}
			if (!changed_enter(m, dev, "ServiceData", "a{sv}"))
				continue;
			goto entry;
service_data:
			assert_true(sd_bus_message_enter_container(m, 'v', "a{sv}") > 0);
entry:
			assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
			assert_true(sd_bus_message_enter_container(m, 'e', "sv") > 0);
			assert_true(sd_bus_message_read(m, "s", &key) > 0);
			assert_string_equal(key, "0000181b-0000-1000-8000-00805f9b34fb");
			assert_true(sd_bus_message_enter_container(m, 'v', "ay") > 0);
			assert_true(sd_bus_message_read_array(m, 'y', &data, &n) >= 0);
			adverts++;
			f.n_service_data = 1;
			f.service_data[0].uuid = hv_uuid16(0x181b);
			f.service_data[0].len = n;
			memcpy(f.service_data[0].data, data, n);
			hv_measurement_init(&out, drv->id);
			assert_int_equal(drv->decode(&f, &out), 0);
			if (!out.final) {
				assert_int_equal(finals, 0);
				unstable++;
				continue;
			}
			finals++;
			assert_float_equal(hv_measurement_find(&out, HV_METRIC_BODY_WEIGHT)->value,
					   72.4, 0.01);
			if (out.has_load_removed && out.load_removed) {
				removed_seen = true;
				assert_non_null(hv_measurement_find(&out, HV_METRIC_IMPEDANCE));
				assert_float_equal(hv_measurement_find(&out, HV_METRIC_IMPEDANCE)->value,
						   503, 0.5);
			}
		}
	}
	assert_true(removed_seen);
	assert_true(unstable >= 2);
	assert_true(adverts >= 6);

	/* a non-connectable temporary device goes at StopDiscovery */
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StopDiscovery", NULL, NULL),
			    "");
	i = wait_for(i, pred_removed, dev);
	wait_bool(i, ADAPTER, "Discovering", false);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StopDiscovery", msg, NULL),
			    "org.bluez.Error.Failed");
	assert_string_equal(msg, "No discovery started");
	stop();
}

/* BP records by hand (drivers/sig_blood_pressure.c): flags, systolic,
 * diastolic, MAP as SFLOAT (exponent 0: the value itself, little-endian),
 * then optional fields. */
static const uint8_t bp_rec[3][9] = {
	{ 0x00, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00 }, /* 120/80 93 */
	{ 0x00, 0x7a, 0x00, 0x52, 0x00, 0x5f, 0x00 }, /* 122/82 95 */
	{ 0x04, 0x76, 0x00, 0x4e, 0x00, 0x5b, 0x00, 0x46, 0x00 }, /* + pulse 70 */
};
static const size_t bp_len[3] = { 7, 7, 9 };

static const char bp_json_fmt[] =
	"{\"name\":\"bp\",\"end\":60,\"devices\":[{\"id\":\"bp\","
	"\"model\":\"sig_blood_pressure\",\"address\":\"A4:C1:38:00:00:02\","
	"\"name\":\"BP Cuff\",\"advertise_interval\":0.2,\"racp_only\":true,%s"
	"\"records\":[{\"hex\":\"00 78 00 50 00 5d 00\"},"
	"{\"hex\":\"00 7a 00 52 00 5f 00\"},"
	"{\"hex\":\"04 76 00 4e 00 5b 00 46 00\"}]}],\"timeline\":[]}";
static const char *bp_dev = ADAPTER "/dev_A4_C1_38_00_00_02";

/* Discover, Connect (reply after Connected=true), wait for resolution. */
static size_t bp_connect(char *bpm, char *racp, char *feature)
{
	size_t i, reply, conn;

	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_for(0, pred_added, bp_dev);
	assert_true(sd_bus_call_method_async(client, NULL, "org.bluez", bp_dev,
					     "org.bluez.Device1", "Connect",
					     on_message, NULL, NULL) >= 0);
	reply = wait_for(i, pred_reply, NULL);
	conn = wait_bool(i, bp_dev, "Connected", true);
	assert_true(conn < reply);
	i = wait_bool(reply, bp_dev, "ServicesResolved", true);
	char_path(bp_dev, 0x2a35, bpm, 128);
	char_path(bp_dev, 0x2a52, racp, 128);
	char_path(bp_dev, 0x2a49, feature, 128);
	assert_string_equal(call(bpm, "org.bluez.GattCharacteristic1",
				 "StartNotify", NULL, NULL),
			    "");
	assert_string_equal(call(racp, "org.bluez.GattCharacteristic1",
				 "StartNotify", NULL, NULL),
			    "");
	return wait_bool(i, racp, "Notifying", true);
}

static void test_bp_racp(void **state)
{
	char json[1024], bpm[128], racp[128], feature[128], msg[128];
	const struct hv_driver *drv = hv_driver_by_id("sig_blood_pressure");
	uint8_t v[64];
	size_t n, i;
	sigset_t mask;

	(void)state;
	if (!drv)
		skip();
	snprintf(json, sizeof(json), bp_json_fmt, "");
	start(json, &mask);
	i = bp_connect(bpm, racp, feature);

	/* an indicate-only characteristic: AcquireNotify is refused */
	assert_string_equal(call(bpm, "org.bluez.GattCharacteristic1",
				 "AcquireNotify", msg, "a{sv}", 0),
			    "org.bluez.Error.NotSupported");
	assert_string_equal(msg, "Operation is not supported");

	assert_string_equal(write_value(racp, (const uint8_t[]){ 0x04, 0x01 }, 2,
					NULL),
			    "");
	i = wait_value(i, racp, v, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, ((const uint8_t[]){ 0x05, 0x00, 0x03, 0x00 }), 4);

	assert_string_equal(write_value(racp, (const uint8_t[]){ 0x01, 0x01 }, 2,
					NULL),
			    "");
	for (int k = 0; k < 3; k++) {
		struct hv_frame f = { .has_characteristic = true };
		struct hv_measurement out;

		i = wait_value(i + 1, bpm, v, &n);
		assert_int_equal(n, bp_len[k]);
		assert_memory_equal(v, bp_rec[k], n);
		f.characteristic = hv_uuid16(0x2a35);
		f.value_len = n;
		memcpy(f.value, v, n);
		hv_measurement_init(&out, drv->id);
		assert_int_equal(drv->decode(&f, &out), 0);
		assert_float_equal(hv_measurement_find(&out, HV_METRIC_SYSTOLIC_PRESSURE)->value,
				   v[1], 0.01);
	}
	i = wait_value(i + 1, racp, v, &n);
	assert_memory_equal(v, ((const uint8_t[]){ 0x06, 0x00, 0x01, 0x01 }), 4);

	/* records newer than sequence 3: only the last */
	assert_string_equal(write_value(racp,
					(const uint8_t[]){ 0x01, 0x03, 0x01, 0x03, 0x00 },
					5, NULL),
			    "");
	i = wait_value(i + 1, bpm, v, &n);
	assert_memory_equal(v, bp_rec[2], bp_len[2]);
	i = wait_value(i + 1, racp, v, &n);
	assert_memory_equal(v, ((const uint8_t[]){ 0x06, 0x00, 0x01, 0x01 }), 4);

	/* reads: the feature value, a Value change before the reply; BPM refuses */
	assert_string_equal(call(feature, "org.bluez.GattCharacteristic1",
				 "ReadValue", NULL, "a{sv}", 0),
			    "");
	assert_string_equal(call(bpm, "org.bluez.GattCharacteristic1",
				 "ReadValue", msg, "a{sv}", 0),
			    "org.bluez.Error.NotPermitted");
	assert_string_equal(msg, "Read not permitted");
	assert_string_equal(call(feature, "org.bluez.GattCharacteristic1",
				 "WriteValue", msg, "aya{sv}", 1, 0x01, 0),
			    "org.bluez.Error.NotPermitted");
	assert_string_equal(msg, "Write not permitted");

	/* Disconnect: ServicesResolved=false, then Connected=false; objects stay */
	assert_string_equal(call(bp_dev, "org.bluez.Device1", "Disconnect", NULL,
				 NULL),
			    "");
	i = wait_bool(i, bp_dev, "ServicesResolved", false);
	wait_bool(i, bp_dev, "Connected", false);
	assert_string_equal(call(feature, "org.bluez.GattCharacteristic1",
				 "ReadValue", msg, "a{sv}", 0),
			    "org.bluez.Error.Failed");
	assert_string_equal(msg, "Not connected");
	stop();
}

static void test_bp_disconnect_mid_transfer(void **state)
{
	char json[1024], bpm[128], racp[128], feature[128];
	uint8_t v[64];
	size_t n, i, lost;
	sigset_t mask;

	(void)state;
	if (!hv_driver_by_id("sig_blood_pressure"))
		skip();
	snprintf(json, sizeof(json), bp_json_fmt,
		 "\"faults\":{\"disconnect_after\":2},");
	start(json, &mask);
	i = bp_connect(bpm, racp, feature);
	assert_string_equal(write_value(racp, (const uint8_t[]){ 0x01, 0x01 }, 2,
					NULL),
			    "");
	i = wait_value(i, bpm, v, &n);
	assert_memory_equal(v, bp_rec[0], n);
	i = wait_value(i + 1, bpm, v, &n);
	assert_memory_equal(v, bp_rec[1], n);
	lost = wait_bool(i, bp_dev, "Connected", false);
	assert_true(changed_bool(msgs[lost], bp_dev, "ServicesResolved", false));
	/* no third record and no RACP completion */
	for (size_t k = i + 1; k < n_msgs; k++) {
		const uint8_t *p;
		size_t len;

		assert_false(changed_bytes(msgs[k], bpm, "Value", &p, &len));
		assert_false(changed_bytes(msgs[k], racp, "Value", &p, &len));
	}
	stop();
}

/* A cuff that pushes its stored readings on subscription (no racp_only). */
static const char push_json_fmt[] =
	"{\"name\":\"push\",\"end\":60,\"devices\":[{\"id\":\"bp\","
	"\"model\":\"sig_blood_pressure\",\"address\":\"A4:C1:38:00:00:02\","
	"\"name\":\"BP Cuff\",\"advertise_interval\":0.2,%s"
	"\"records\":[{\"hex\":\"00 78 00 50 00 5d 00\"},"
	"{\"hex\":\"00 7a 00 52 00 5f 00\"},"
	"{\"hex\":\"04 76 00 4e 00 5b 00 46 00\"}]}],\"timeline\":[]}";

/* Connect, wait for the services, StartNotify on 0x2A35; then the records
 * indicated within 1 s, checked against bp_rec in order. Returns how many
 * came; *ret_i is the message index to go on from. */
static size_t push_session(size_t from, size_t *ret_i)
{
	char bpm[128];
	size_t i, n, got = 0;
	const uint8_t *p;

	assert_string_equal(call(bp_dev, "org.bluez.Device1", "Connect", NULL,
				 NULL),
			    "");
	i = wait_bool(from, bp_dev, "ServicesResolved", true);
	char_path(bp_dev, 0x2a35, bpm, sizeof(bpm));
	assert_string_equal(call(bpm, "org.bluez.GattCharacteristic1",
				 "StartNotify", NULL, NULL),
			    "");
	pump(1.0);
	for (size_t k = i; k < n_msgs; k++) {
		if (!changed_bytes(msgs[k], bpm, "Value", &p, &n))
			continue;
		assert_true(got < 3);
		assert_int_equal(n, bp_len[got]);
		assert_memory_equal(p, bp_rec[got], n);
		got++;
	}
	*ret_i = n_msgs;
	return got;
}

static void disconnect_bp(size_t *i)
{
	assert_string_equal(call(bp_dev, "org.bluez.Device1", "Disconnect",
				 NULL, NULL),
			    "");
	*i = wait_bool(*i, bp_dev, "Connected", false);
}

static void test_bp_push_on_subscribe(void **state)
{
	char json[1024];
	size_t i;
	sigset_t mask;

	(void)state;
	if (!hv_driver_by_id("sig_blood_pressure"))
		skip();
	snprintf(json, sizeof(json), push_json_fmt, "");
	start(json, &mask);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_for(0, pred_added, bp_dev);
	/* all three, oldest first, without any RACP request */
	assert_int_equal(push_session(i, &i), 3);
	disconnect_bp(&i);
	/* sent once, forgotten: nothing on the next connection */
	assert_int_equal(push_session(i, &i), 0);
	stop();
}

static void test_bp_keep_until_confirmed(void **state)
{
	char json[1024];
	size_t i;
	sigset_t mask;

	(void)state;
	if (!hv_driver_by_id("sig_blood_pressure"))
		skip();
	snprintf(json, sizeof(json), push_json_fmt,
		 "\"keep_until_confirmed\":true,"
		 "\"faults\":{\"disconnect_after\":2},");
	start(json, &mask);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_for(0, pred_added, bp_dev);
	/* two records, then the cuff drops the link */
	assert_int_equal(push_session(i, &i), 2);
	i = wait_bool(0, bp_dev, "Connected", false);
	i = n_msgs;
	/* the transfer was not complete: all three again, from the first */
	assert_int_equal(push_session(i, &i), 3);
	disconnect_bp(&i);
	/* now confirmed and forgotten */
	assert_int_equal(push_session(i, &i), 0);
	stop();
}

static void test_weight_scale_consent(void **state)
{
	/* Weight Measurement by hand (drivers/sig_weight_scale.c): flags 0x04
	 * (User ID), weight 72.4 kg / 0.005 = 14480 = 0x3890, user 0. */
	static const char json[] =
		"{\"name\":\"ws\",\"end\":60,\"devices\":[{\"id\":\"ws\","
		"\"model\":\"sig_weight_scale\",\"address\":\"D0:00:00:00:00:03\","
		"\"name\":\"Scale\",\"advertise_interval\":0.2,"
		"\"users\":[{\"index\":0,\"consent\":1234}],"
		"\"records\":[{\"hex\":\"04 90 38 00\",\"user\":0}]}],"
		"\"timeline\":[]}";
	static const uint8_t rec[] = { 0x04, 0x90, 0x38, 0x00 };
	const char *dev = ADAPTER "/dev_D0_00_00_00_00_03";
	const struct hv_driver *drv = hv_driver_by_id("sig_weight_scale");
	char wm[128], ucp[128], dbc[128], msg[128];
	uint8_t v[64];
	size_t n, i;
	sigset_t mask;

	(void)state;
	if (!drv)
		skip();
	start(json, &mask);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_for(0, pred_added, dev);
	assert_string_equal(call(dev, "org.bluez.Device1", "Connect", NULL, NULL),
			    "");
	i = wait_bool(i, dev, "ServicesResolved", true);
	char_path(dev, 0x2a9d, wm, sizeof(wm));
	char_path(dev, 0x2a9f, ucp, sizeof(ucp));
	char_path(dev, 0x2a99, dbc, sizeof(dbc));

	/* the UCP refuses writes until its indications are on */
	assert_string_equal(write_value(ucp, (const uint8_t[]){ 0x02, 0x00, 0xd2, 0x04 },
					4, msg),
			    "org.bluez.Error.Failed");
	assert_string_equal(msg, "Operation failed with ATT error: 0xfd");
	assert_string_equal(call(wm, "org.bluez.GattCharacteristic1",
				 "StartNotify", NULL, NULL),
			    "");
	assert_string_equal(call(ucp, "org.bluez.GattCharacteristic1",
				 "StartNotify", NULL, NULL),
			    "");
	/* no consent yet: user data is not accessible, and no record came */
	assert_string_equal(call(dbc, "org.bluez.GattCharacteristic1",
				 "ReadValue", msg, "a{sv}", 0),
			    "org.bluez.Error.Failed");
	assert_string_equal(msg, "Operation failed with ATT error: 0x80");

	assert_string_equal(write_value(ucp, (const uint8_t[]){ 0x02, 0x00, 0x00, 0x00 },
					4, NULL),
			    "");
	i = wait_value(i, ucp, v, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(v, ((const uint8_t[]){ 0x20, 0x02, 0x05 }), 3);

	assert_string_equal(write_value(ucp, (const uint8_t[]){ 0x02, 0x00, 0xd2, 0x04 },
					4, NULL),
			    "");
	i = wait_value(i + 1, ucp, v, &n);
	assert_memory_equal(v, ((const uint8_t[]){ 0x20, 0x02, 0x01 }), 3);
	i = wait_value(i + 1, wm, v, &n);
	assert_int_equal(n, sizeof(rec));
	assert_memory_equal(v, rec, n);
	{
		struct hv_frame f = { .has_characteristic = true };
		struct hv_measurement out;

		f.characteristic = hv_uuid16(0x2a9d);
		f.value_len = n;
		memcpy(f.value, v, n);
		hv_measurement_init(&out, drv->id);
		assert_int_equal(drv->decode(&f, &out), 0);
		assert_float_equal(hv_measurement_find(&out, HV_METRIC_BODY_WEIGHT)->value,
				   72.4, 0.001);
		assert_int_equal(out.user_index, 0);
	}
	assert_string_equal(call(dbc, "org.bluez.GattCharacteristic1",
				 "ReadValue", NULL, "a{sv}", 0),
			    "");

	/* register: consent code above 9999 is invalid; 1000 gives slot 1 */
	assert_string_equal(write_value(ucp, (const uint8_t[]){ 0x01, 0x39, 0x30 },
					3, NULL),
			    "");
	i = wait_value(i + 1, ucp, v, &n);
	assert_memory_equal(v, ((const uint8_t[]){ 0x20, 0x01, 0x03 }), 3);
	assert_string_equal(write_value(ucp, (const uint8_t[]){ 0x01, 0xe8, 0x03 },
					3, NULL),
			    "");
	i = wait_value(i + 1, ucp, v, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, ((const uint8_t[]){ 0x20, 0x01, 0x01, 0x01 }), 4);
	stop();
}

static bool pred_owner_changed(sd_bus_message *m, const void *arg)
{
	const char *name, *old, *new;
	const char *want = arg; /* "gone" or "new" */

	if (!is_signal(m, "NameOwnerChanged", NULL))
		return false;
	sd_bus_message_rewind(m, true);
	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 ||
	    strcmp(name, "org.bluez") != 0)
		return false;
	return strcmp(want, "gone") == 0 ? new[0] == '\0' && old[0] != '\0' :
					   new[0] != '\0' && old[0] == '\0';
}

static void restart(bool term)
{
	char json[512];
	const char *old_sender, *new_sender;
	size_t i, gone, back, added;
	sigset_t mask;

	snprintf(json, sizeof(json),
		 "{\"name\":\"restart\",\"end\":60,\"timeline\":[{\"t\":0.5,"
		 "\"do\":\"bluetoothd_restart\",\"how\":\"%s\",\"down\":0.3}]}",
		 term ? "term" : "kill");
	start(json, &mask);
	gone = wait_for(0, pred_owner_changed, "gone");
	back = wait_for(gone, pred_owner_changed, "new");
	added = wait_for(back, pred_added, ADAPTER);
	assert_true(wait_for(back, pred_added, "/org/bluez") < added);
	new_sender = sd_bus_message_get_sender(msgs[added]);
	old_sender = NULL;
	for (i = 0; i < gone; i++) {
		if (ifaces_signal(msgs[i], "InterfacesRemoved", ADAPTER))
			old_sender = sd_bus_message_get_sender(msgs[i]);
		assert_false(changed_bool(msgs[i], ADAPTER, "Powered", false) &&
			     !term);
	}
	if (term) {
		assert_non_null(old_sender);
		assert_string_not_equal(old_sender, new_sender);
		assert_true(wait_bool(0, ADAPTER, "Powered", false) < gone);
	} else {
		assert_null(old_sender); /* a crash removes nothing */
	}
	/* the new daemon serves the adapter, not discovering */
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1", "StopDiscovery",
				 NULL, NULL),
			    "org.bluez.Error.Failed");
	stop();
}

static void test_restart_term(void **state)
{
	(void)state;
	restart(true);
}

static void test_restart_kill(void **state)
{
	(void)state;
	restart(false);
}

static void test_adapter_removed_and_returned(void **state)
{
	static const char json[] =
		"{\"name\":\"adapter\",\"end\":60,\"timeline\":["
		"{\"t\":0.5,\"do\":\"adapter_remove\",\"adapter\":\"hci0\"},"
		"{\"t\":1.0,\"do\":\"adapter_add\",\"adapter\":\"hci0\"}]}";
	char msg[128];
	size_t i;
	sigset_t mask;

	(void)state;
	start(json, &mask);
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL, NULL),
			    "");
	i = wait_bool(0, ADAPTER, "Discovering", true);
	i = wait_bool(i, ADAPTER, "Powered", false);
	assert_true(changed_bool(msgs[i], ADAPTER, "Discovering", false));
	i = wait_for(i, pred_removed, ADAPTER);
	i = wait_for(i, pred_added, ADAPTER);
	/* the returned adapter has no session of ours */
	assert_string_equal(call(ADAPTER, "org.bluez.Adapter1", "StopDiscovery",
				 msg, NULL),
			    "org.bluez.Error.Failed");
	assert_string_equal(msg, "No discovery started");
	(void)invalidated;
	stop();
}

/* Name still owned on the bus (the driver has not yet seen it leave)? */
static bool name_has_owner(const char *name)
{
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *reply = NULL;
	int has = 0;

	assert_true(sd_bus_call_method(client, "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus", "NameHasOwner",
				       &e, &reply, "s", name) >= 0);
	assert_true(sd_bus_message_read(reply, "b", &has) >= 0);
	return has;
}

/* Clients that register an agent and leave the bus take their agent with
 * them: more of them than there are agent slots, one after another, and
 * each registration still succeeds (a gateway restarted many times). */
static void test_agents_of_departed_clients_released(void **state)
{
	static const char json[] = "{\"name\":\"agents\",\"end\":60}";
	sigset_t mask;

	(void)state;
	start(json, &mask);
	for (int i = 0; i < 3 * VDEV_AGENTS_MAX; i++) {
		_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
		_cleanup_bus_message_ sd_bus_message *reply = NULL;
		sd_bus *gateway = NULL;
		const char *unique;
		char name[64];
		int r;

		assert_int_equal(sd_bus_open_system(&gateway), 0);
		assert_true(sd_bus_get_unique_name(gateway, &unique) >= 0);
		snprintf(name, sizeof(name), "%s", unique);
		r = sd_bus_call_method(gateway, "org.bluez", "/org/bluez",
				       "org.bluez.AgentManager1",
				       "RegisterAgent", &e, &reply, "os",
				       "/org/homevitals/agent",
				       "KeyboardDisplay");
		if (r < 0)
			fail_msg("registration %d: %s: %s", i + 1,
				 e.name ? e.name : "?",
				 e.message ? e.message : "");
		gateway = sd_bus_flush_close_unref(gateway);
		/* Gone for the bus driver: its NameOwnerChanged is queued
		 * to the stand-in before our next call. */
		for (int k = 0; k < 100 && name_has_owner(name); k++)
			usleep(10000);
		assert_false(name_has_owner(name));
	}
	stop();
}

/* "This client left the bus" counts only from the bus driver: another
 * client's unicast NameOwnerChanged releases nobody's agent. */
static void test_forged_owner_change_ignored(void **state)
{
	static const char json[] = "{\"name\":\"agents\",\"end\":60}";
	_cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_bus_message_ sd_bus_message *forged = NULL, *reply = NULL;
	const char *me, *vdev;
	sd_bus *intruder = NULL;
	sigset_t mask;

	(void)state;
	start(json, &mask);
	assert_string_equal(call("/org/bluez", "org.bluez.AgentManager1",
				 "RegisterAgent", NULL, "os",
				 "/org/homevitals/agent", "KeyboardDisplay"),
			    "");
	assert_true(sd_bus_get_unique_name(client, &me) >= 0);
	assert_true(sd_bus_call_method(client, "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus", "GetNameOwner",
				       &e, &reply, "s", "org.bluez") >= 0);
	assert_true(sd_bus_message_read(reply, "s", &vdev) >= 0);

	assert_int_equal(sd_bus_open_system(&intruder), 0);
	assert_true(sd_bus_message_new_signal(intruder, &forged,
					      "/org/freedesktop/DBus",
					      "org.freedesktop.DBus",
					      "NameOwnerChanged") >= 0);
	assert_true(sd_bus_message_set_destination(forged, vdev) >= 0);
	assert_true(sd_bus_message_append(forged, "sss", me, me, "") >= 0);
	assert_true(sd_bus_send(intruder, forged, NULL) >= 0);
	/* A call from the same connection is handled after the signal. */
	reply = sd_bus_message_unref(reply);
	assert_true(sd_bus_call_method(intruder, "org.bluez", "/",
				       "org.freedesktop.DBus.Peer", "Ping", &e,
				       &reply, NULL) >= 0);
	/* still registered */
	assert_string_equal(call("/org/bluez", "org.bluez.AgentManager1",
				 "RegisterAgent", NULL, "os",
				 "/org/homevitals/agent", "KeyboardDisplay"),
			    "org.bluez.Error.AlreadyExists");
	sd_bus_flush_close_unref(intruder);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_discovery_mi_scale2, teardown_stop),
		cmocka_unit_test_teardown(test_bp_racp, teardown_stop),
		cmocka_unit_test_teardown(test_bp_disconnect_mid_transfer, teardown_stop),
		cmocka_unit_test_teardown(test_bp_push_on_subscribe, teardown_stop),
		cmocka_unit_test_teardown(test_bp_keep_until_confirmed, teardown_stop),
		cmocka_unit_test_teardown(test_weight_scale_consent, teardown_stop),
		cmocka_unit_test_teardown(test_restart_term, teardown_stop),
		cmocka_unit_test_teardown(test_restart_kill, teardown_stop),
		cmocka_unit_test_teardown(test_adapter_removed_and_returned, teardown_stop),
		cmocka_unit_test_teardown(test_agents_of_departed_clients_released, teardown_stop),
		cmocka_unit_test_teardown(test_forged_owner_change_ignored, teardown_stop),
	};

	return cmocka_run_group_tests(tests, private_bus_setup,
				      private_bus_teardown);
}
