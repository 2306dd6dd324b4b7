// SPDX-License-Identifier: MIT
/*
 * homevitals-vdev's Serial Port Profile, seen from a D-Bus client on a
 * private dbus-daemon (the stand-in in a forked child from libhvvdev):
 * ProfileManager1.RegisterProfile / UnregisterProfile, the errors of
 * Device1.ConnectProfile that bluetoothd 5.66 gives (no profile registered
 * for the UUID, a UUID the device does not offer: NotAvailable
 * "br-connection-profile-unavailable"; not a UUID: InvalidArguments;
 * BlueZ src/device.c connect_profiles(), bluez/bluez tag 5.66), a BR/EDR
 * device unheard by an LE-only discovery, and a ConnectProfile that hands
 * this client's Profile1 a stream carrying the ihealth_hs3 model's packets
 * (the weight packet joined across its two writes); Disconnect asks the
 * profile to let go (RequestDisconnection).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "drivers/stream_packets.h"
#include "firmware-host/vdev.h"
#include "tests/unit/private_bus.h"

#define _cleanup_bus_error_ __attribute__((cleanup(sd_bus_error_free)))
#define _cleanup_bus_message_ __attribute__((cleanup(sd_bus_message_unrefp)))
#define ADAPTER "/org/bluez/hci0"
#define HS3_PATH ADAPTER "/dev_00_1C_05_00_33_01"
#define LE_PATH ADAPTER "/dev_A4_C1_38_00_00_01"
#define PROFILE_PATH "/test/spp"
#define SPP "00001101-0000-1000-8000-00805f9b34fb"
#define HEART_RATE "0000180d-0000-1000-8000-00805f9b34fb"
#define LIMIT_S 10.0 /* a guard against a hang, not a timing */

static const char scenario[] =
	"{ \"name\": \"spp\", \"forever\": true,"
	"  \"devices\": [ { \"id\": \"hs3\", \"model\": \"ihealth_hs3\","
	"    \"address\": \"00:1C:05:00:33:01\", \"name\": \"iHealth HS3 3301\" },"
	"    { \"id\": \"le\", \"model\": \"etekcity_esf551\","
	"    \"address\": \"A4:C1:38:00:00:01\", \"name\": \"Etekcity\","
	"    \"advertise_interval\": 1.0 } ],"
	"  \"timeline\": [ { \"t\": 0.2, \"device\": \"hs3\", \"do\": \"weigh\","
	"    \"readings\": { \"body_weight\": 72.4 } } ] }";

static pid_t vdev_pid = -1;
static sd_bus *client;
static bool device_added;
static unsigned le_heard; /* adverts of the LE device: InterfacesAdded, then RSSI */

/* what our Profile1 was told */
static int stream_fd = -1;
static char stream_device[128];
static unsigned n_new_connection, n_request_disconnection;
static bool hold_new_connection; /* keep NewConnection unanswered */
static sd_bus_message *held;
static bool new_connection_came;

/* --- harness --------------------------------------------------------------------- */

static void run_child(void)
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
	if (vdev_new(scenario, 1.0, event, &v, error, sizeof(error)) < 0)
		_exit(4);
	if (vdev_start(v) < 0)
		_exit(5);
	(void)sd_event_loop(event);
	vdev_free(v);
	sd_event_unref(event);
	_exit(0);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Dispatch the client until *flag is set (false after LIMIT_S). */
static bool pump_until(const bool *flag)
{
	uint64_t end = now_usec() + (uint64_t)(LIMIT_S * 1e6);

	while (!*flag) {
		int r = sd_bus_process(client, NULL);
		uint64_t now;

		assert_true(r >= 0);
		if (r > 0)
			continue;
		now = now_usec();
		if (now >= end)
			return false;
		(void)sd_bus_wait(client, end - now);
	}
	return true;
}

static int on_added(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	const char *path;

	(void)userdata;
	(void)e;
	if (sd_bus_message_read(m, "o", &path) > 0 &&
	    strcmp(path, HS3_PATH) == 0)
		device_added = true;
	if (path && strcmp(path, LE_PATH) == 0)
		le_heard++;
	return 0;
}

static int on_changed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	const char *path = sd_bus_message_get_path(m);

	(void)userdata;
	(void)e;
	if (path && strcmp(path, LE_PATH) == 0)
		le_heard++;
	return 0;
}

static int profile_new_connection(sd_bus_message *m, void *userdata,
				  sd_bus_error *e)
{
	const char *path;
	int fd;

	(void)userdata;
	(void)e;
	assert_true(sd_bus_message_read(m, "oh", &path, &fd) > 0);
	snprintf(stream_device, sizeof(stream_device), "%s", path);
	stream_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	n_new_connection++;
	new_connection_came = true;
	if (hold_new_connection) {
		held = sd_bus_message_ref(m);
		return 1;
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int profile_request_disconnection(sd_bus_message *m, void *userdata,
					 sd_bus_error *e)
{
	(void)userdata;
	(void)e;
	n_request_disconnection++;
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable profile_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("NewConnection", "oha{sv}", "", profile_new_connection, 0),
	SD_BUS_METHOD("RequestDisconnection", "o", "",
		      profile_request_disconnection, 0),
	SD_BUS_VTABLE_END,
};

static void start(void)
{
	sigset_t set, mask;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &mask);
	vdev_pid = fork();
	assert_true(vdev_pid >= 0);
	if (vdev_pid == 0)
		run_child();
	sigprocmask(SIG_SETMASK, &mask, NULL);

	assert_int_equal(sd_bus_open_system(&client), 0);
	assert_true(sd_bus_add_match(client, NULL,
				     "type='signal',member='InterfacesAdded'",
				     on_added, NULL) >= 0);
	assert_true(sd_bus_add_match(client, NULL,
				     "type='signal',member='PropertiesChanged'",
				     on_changed, NULL) >= 0);
	assert_true(sd_bus_add_object_vtable(client, NULL, PROFILE_PATH,
					     "org.bluez.Profile1",
					     profile_vtable, NULL) >= 0);
	if (private_bus_wait_for_name(client, "org.bluez") < 0)
		fail_msg("org.bluez never appeared");
}

static int teardown_stop(void **state)
{
	int status;

	(void)state;
	if (vdev_pid > 0) {
		kill(vdev_pid, SIGTERM);
		waitpid(vdev_pid, &status, 0);
		vdev_pid = -1;
	}
	client = sd_bus_flush_close_unref(client);
	if (stream_fd >= 0)
		close(stream_fd);
	stream_fd = -1;
	device_added = false;
	le_heard = 0;
	hold_new_connection = new_connection_came = false;
	held = sd_bus_message_unref(held);
	n_new_connection = n_request_disconnection = 0;
	return 0;
}

/* --- calls ------------------------------------------------------------------------- */

struct pending {
	bool done;
	char error[128];
	char message[128];
};

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct pending *p = userdata;
	const sd_bus_error *err = sd_bus_message_get_error(m);

	(void)e;
	if (err) {
		snprintf(p->error, sizeof(p->error), "%s", err->name);
		snprintf(p->message, sizeof(p->message), "%s",
			 err->message ? err->message : "");
	}
	p->done = true;
	return 0;
}

/* An asynchronous call, dispatching (our Profile1 may be called meanwhile)
 * until its reply; the error name, "" on success. */
static const char *call(struct pending *p, const char *path,
			const char *iface, const char *member, const char *sig,
			...)
{
	_cleanup_bus_message_ sd_bus_message *m = NULL;
	va_list ap;

	*p = (struct pending){ 0 };
	assert_true(sd_bus_message_new_method_call(client, &m, "org.bluez", path,
						   iface, member) >= 0);
	if (sig) {
		va_start(ap, sig);
		assert_true(sd_bus_message_appendv(m, sig, ap) >= 0);
		va_end(ap);
	}
	assert_true(sd_bus_call_async(client, NULL, m, on_reply, p, 0) >= 0);
	assert_true(pump_until(&p->done));
	return p->error;
}

static const char *register_spp(struct pending *p)
{
	return call(p, "/org/bluez", "org.bluez.ProfileManager1",
		    "RegisterProfile", "osa{sv}", PROFILE_PATH, SPP, 1, "Role",
		    "s", "client");
}

static void set_filter(const char *transport)
{
	struct pending p;

	assert_string_equal(call(&p, ADAPTER, "org.bluez.Adapter1",
				 "SetDiscoveryFilter", "a{sv}", 2, "Transport",
				 "s", transport, "DuplicateData", "b", 1),
			    "");
}

static void discover(const char *transport)
{
	struct pending p;

	set_filter(transport);
	assert_string_equal(call(&p, ADAPTER, "org.bluez.Adapter1",
				 "StartDiscovery", NULL),
			    "");
}

static void assert_not_available(const char *name, const struct pending *p)
{
	assert_string_equal(name, "org.bluez.Error.NotAvailable");
	assert_string_equal(p->message, "br-connection-profile-unavailable");
}

/* --- tests ------------------------------------------------------------------------- */

static void test_connect_profile_errors(void **state)
{
	struct pending p;

	(void)state;
	start();
	discover("auto");
	assert_true(pump_until(&device_added));
	/* nobody registered SPP */
	assert_not_available(call(&p, HS3_PATH, "org.bluez.Device1",
				  "ConnectProfile", "s", SPP),
			     &p);
	assert_string_equal(register_spp(&p), "");
	assert_string_equal(register_spp(&p), "org.bluez.Error.AlreadyExists");
	/* a class the device does not offer */
	assert_not_available(call(&p, HS3_PATH, "org.bluez.Device1",
				  "ConnectProfile", "s", HEART_RATE),
			     &p);
	assert_string_equal(call(&p, HS3_PATH, "org.bluez.Device1",
				 "ConnectProfile", "s", "not a uuid"),
			    "org.bluez.Error.InvalidArguments");
	assert_int_equal(n_new_connection, 0);
	/* unregistered: unavailable again */
	assert_string_equal(call(&p, "/org/bluez", "org.bluez.ProfileManager1",
				 "UnregisterProfile", "o", PROFILE_PATH),
			    "");
	assert_string_equal(call(&p, "/org/bluez", "org.bluez.ProfileManager1",
				 "UnregisterProfile", "o", PROFILE_PATH),
			    "org.bluez.Error.DoesNotExist");
	assert_not_available(call(&p, HS3_PATH, "org.bluez.Device1",
				  "ConnectProfile", "s", SPP),
			     &p);
}

static bool le_heard_thrice;

static int on_le_count(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	(void)m;
	(void)userdata;
	(void)e;
	le_heard_thrice = le_heard >= 3;
	return 0;
}

static void test_le_only_discovery_does_not_hear_it(void **state)
{
	(void)state;
	start();
	assert_true(sd_bus_add_match(client, NULL, "type='signal'", on_le_count,
				     NULL) >= 0);
	le_heard_thrice = false;
	discover("le");
	/* the LE device's third advert (t = 3 s) comes after the awake scale
	 * answered two inquiries (t = 1.2 s, 2.2 s): none reached us */
	assert_true(pump_until(&le_heard_thrice));
	assert_false(device_added);
	/* the same scale, heard once the filter lets BR/EDR in */
	set_filter("auto");
	assert_true(pump_until(&device_added));
}

struct got {
	unsigned n;
	double kg;
};

static void on_packet(const uint8_t *p, size_t len, void *userdata)
{
	struct got *g = userdata;
	struct hv_frame f = { .has_characteristic = true,
			      .characteristic = hv_uuid16(0x1101) };
	struct hv_measurement m = { 0 };
	const struct hv_reading *r;

	g->n++;
	memcpy(f.value, p, len);
	f.value_len = len;
	if (hv_driver_by_id("ihealth_hs3")->decode(&f, &m) == 0 &&
	    (r = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT)))
		g->kg = r->value;
}

static void test_connect_profile_hands_over_the_stream(void **state)
{
	const struct hv_driver *hs3 = hv_driver_by_id("ihealth_hs3");
	struct hv_stream_packets s = { 0 };
	struct got g = { 0 };
	struct pending p;
	unsigned reads = 0;
	uint8_t buf[64];
	ssize_t n;

	(void)state;
	start();
	assert_string_equal(register_spp(&p), "");
	discover("auto");
	assert_true(pump_until(&device_added));
	assert_string_equal(call(&p, HS3_PATH, "org.bluez.Device1",
				 "ConnectProfile", "s", SPP),
			    "");
	/* NewConnection came before the reply */
	assert_int_equal(n_new_connection, 1);
	assert_string_equal(stream_device, HS3_PATH);
	assert_true(stream_fd >= 0);
	/* the scale writes, then closes: read to EOF (blocking) */
	while ((n = read(stream_fd, buf, sizeof(buf))) > 0) {
		reads++;
		hv_stream_packets_feed(&s, hs3, buf, (size_t)n, on_packet, &g);
	}
	assert_int_equal(n, 0);
	/* time packet, then the weight packet in two writes */
	assert_true(reads >= 2);
	assert_int_equal(g.n, 2);
	assert_float_equal(g.kg, 72.4, 1e-9);
	assert_int_equal(s.len, 0);
	assert_int_equal(n_request_disconnection, 0);
}

static void test_disconnect_requests_disconnection(void **state)
{
	struct pending p;

	(void)state;
	start();
	assert_string_equal(register_spp(&p), "");
	discover("auto");
	assert_true(pump_until(&device_added));
	assert_string_equal(call(&p, HS3_PATH, "org.bluez.Device1",
				 "ConnectProfile", "s", SPP),
			    "");
	assert_string_equal(call(&p, HS3_PATH, "org.bluez.Device1",
				 "Disconnect", NULL),
			    "");
	/* sent before Disconnect's reply, so dispatched before it */
	assert_int_equal(n_request_disconnection, 1);
	/* and the scale's end is closed: the stream ends */
	{
		uint8_t buf[64];
		ssize_t n;

		while ((n = read(stream_fd, buf, sizeof(buf))) > 0)
			;
		assert_int_equal(n, 0);
	}
}

static void test_connect_profile_in_progress(void **state)
{
	_cleanup_bus_message_ sd_bus_message *m = NULL;
	struct pending first, second;

	(void)state;
	start();
	assert_string_equal(register_spp(&second), "");
	discover("auto");
	assert_true(pump_until(&device_added));
	hold_new_connection = true;
	first = (struct pending){ 0 };
	assert_true(sd_bus_message_new_method_call(client, &m, "org.bluez",
						   HS3_PATH, "org.bluez.Device1",
						   "ConnectProfile") >= 0);
	assert_true(sd_bus_message_append(m, "s", SPP) >= 0);
	assert_true(sd_bus_call_async(client, NULL, m, on_reply, &first, 0) >= 0);
	assert_true(pump_until(&new_connection_came));
	/* while the profile has not answered NewConnection */
	assert_string_equal(call(&second, HS3_PATH, "org.bluez.Device1",
				 "ConnectProfile", "s", SPP),
			    "org.bluez.Error.InProgress");
	assert_false(first.done);
	assert_true(sd_bus_reply_method_return(held, NULL) >= 0);
	assert_true(pump_until(&first.done));
	assert_string_equal(first.error, "");
	assert_int_equal(n_new_connection, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_connect_profile_errors, teardown_stop),
		cmocka_unit_test_teardown(test_le_only_discovery_does_not_hear_it, teardown_stop),
		cmocka_unit_test_teardown(test_connect_profile_hands_over_the_stream, teardown_stop),
		cmocka_unit_test_teardown(test_disconnect_requests_disconnection, teardown_stop),
		cmocka_unit_test_teardown(test_connect_profile_in_progress, teardown_stop),
	};

	return cmocka_run_group_tests(tests, private_bus_setup,
				      private_bus_teardown);
}
