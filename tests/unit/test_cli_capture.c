// SPDX-License-Identifier: MIT
/*
 * `homevitals capture` against a tiny fake org.bluez on a private
 * dbus-daemon: an adapter (ObjectManager + Adapter1) that, when discovery
 * starts, announces three devices: a QN broadcast scale (claimed by a
 * driver), an unknown device that later changes its manufacturer data, and
 * an RSSI-only change. The real binary ($BUILD/homevitals) runs with
 * DBUS_SYSTEM_BUS_ADDRESS pointing at the private bus; its JSONL is read
 * back as `decode --jsonl` input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"

#define ADAPTER "/org/bluez/hci0"
#define DEV_QN "/org/bluez/hci0/dev_C4_11_22_33_44_55"
#define DEV_UNKNOWN "/org/bluez/hci0/dev_A4_C1_38_01_02_03"

static char dir[] = "/tmp/hv-capture-XXXXXX";
static char bus_address[400];
static pid_t daemon_pid = -1, fake_pid = -1;

/* --- the fake ------------------------------------------------------------ */

static int append_bytes_variant(sd_bus_message *m, const uint8_t *b, size_t n)
{
	int r = sd_bus_message_open_container(m, 'v', "ay");

	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', b, n);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* The {sv} entry NAME: a{Kv} of one KEY (of type K, 'q' or 's') to BYTES,
 * as BlueZ's ManufacturerData and ServiceData. */
static int append_data_entry(sd_bus_message *m, const char *name, char key_type,
			     const void *key, const uint8_t *b, size_t n)
{
	char dict[] = { 'a', '{', key_type, 'v', '}', 0 };
	char entry[] = { key_type, 'v', 0 };
	int r = sd_bus_message_open_container(m, 'e', "sv");

	if (r >= 0)
		r = sd_bus_message_append(m, "s", name);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', dict);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', dict + 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', entry);
	if (r >= 0)
		r = sd_bus_message_append_basic(m, key_type, key);
	if (r >= 0)
		r = append_bytes_variant(m, b, n);
	for (int i = 0; r >= 0 && i < 4; i++)
		r = sd_bus_message_close_container(m);
	return r;
}

/* a{sv} of Device1 properties; any of the data may be absent */
static int append_device_props(sd_bus_message *m, const char *address,
			       const char *name, int16_t rssi, uint16_t company,
			       const uint8_t *mdata, size_t mlen,
			       const char *sd_uuid, const uint8_t *sdata,
			       size_t slen)
{
	int r = sd_bus_message_open_container(m, 'a', "{sv}");

	if (r >= 0 && address)
		r = sd_bus_message_append(m, "{sv}", "Address", "s", address);
	if (r >= 0 && name)
		r = sd_bus_message_append(m, "{sv}", "Name", "s", name);
	if (r >= 0 && rssi)
		r = sd_bus_message_append(m, "{sv}", "RSSI", "n", rssi);
	if (r >= 0 && mdata)
		r = append_data_entry(m, "ManufacturerData", 'q', &company,
				      mdata, mlen);
	if (r >= 0 && sdata)
		r = append_data_entry(m, "ServiceData", 's', sd_uuid, sdata,
				      slen);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static int emit_added(sd_bus *bus, const char *path, const char *address,
		      const char *name, uint16_t company, const uint8_t *md,
		      size_t mlen, const char *sd_uuid, const uint8_t *sd,
		      size_t slen)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_signal(bus, &m, "/",
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesAdded");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "org.bluez.Device1");
	if (r >= 0)
		r = append_device_props(m, address, name, -60, company, md,
					mlen, sd_uuid, sd, slen);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_send(bus, m, NULL);
	return r;
}

static int emit_changed(sd_bus *bus, const char *path, int16_t rssi,
			uint16_t company, const uint8_t *md, size_t mlen)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_signal(bus, &m, path,
				      "org.freedesktop.DBus.Properties",
				      "PropertiesChanged");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "org.bluez.Device1");
	if (r >= 0)
		r = append_device_props(m, NULL, NULL, rssi, company, md, mlen,
					NULL, NULL, 0);
	if (r >= 0)
		r = sd_bus_message_append(m, "as", 0);
	if (r >= 0)
		r = sd_bus_send(bus, m, NULL);
	return r;
}

static int fake_start_discovery(sd_bus_message *m, void *userdata,
				sd_bus_error *ret_error)
{
	sd_bus *bus = sd_bus_message_get_bus(m);
	/* QN broadcast: company 0xFFFF, AA BB, MAC, …, stable, 72.40 kg; the
	 * payload echoes the address C4:11:22:33:44:55 */
	static const uint8_t qn[] = { 0xAA, 0xBB, 0xC4, 0x11, 0x22, 0x33, 0x44,
				      0x55, 0, 0, 0, 0, 0, 0, 0, 0x20, 0,
				      0x48, 0x1C };
	static const uint8_t unk1[] = { 0x01, 0x02, 0x03, 0x04 };
	static const uint8_t unk2[] = { 0x01, 0x02, 0x03, 0x05 };
	static const uint8_t sd[] = { 0x10, 0x20 };
	int r;

	(void)userdata;
	(void)ret_error;
	r = sd_bus_reply_method_return(m, NULL);
	if (r >= 0)
		r = emit_added(bus, DEV_QN, "C4:11:22:33:44:55", NULL, 0xFFFF, qn,
			       sizeof(qn), NULL, NULL, 0);
	if (r >= 0)
		r = emit_added(bus, DEV_UNKNOWN, "A4:C1:38:01:02:03", "Mystery",
			       0x1234, unk1, sizeof(unk1),
			       "0000feaa-0000-1000-8000-00805f9b34fb", sd,
			       sizeof(sd));
	if (r >= 0)
		r = emit_changed(bus, DEV_UNKNOWN, -70, 0, NULL, 0); /* RSSI only */
	if (r >= 0)
		r = emit_changed(bus, DEV_UNKNOWN, 0, 0x1234, unk2, sizeof(unk2));
	return r;
}

static int fake_ok(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	return sd_bus_reply_method_return(m, NULL);
}

/* The adapter's constant properties: with no getter in the vtable sd-bus
 * reads each at its offset in the object's userdata (a "b" as an int). */
static const struct fake_adapter {
	const char *address;
	int powered;
} fake_adapter = { .address = "00:AA:01:00:00:00", .powered = true };

/* sd-bus serves GetManagedObjects itself (sd_bus_add_object_manager). */
static const sd_bus_vtable adapter_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Address", "s", NULL,
			offsetof(struct fake_adapter, address),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Powered", "b", NULL,
			offsetof(struct fake_adapter, powered),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD("StartDiscovery", "", "", fake_start_discovery, 0),
	SD_BUS_METHOD("StopDiscovery", "", "", fake_ok, 0),
	SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", "", fake_ok, 0),
	SD_BUS_VTABLE_END,
};

static void run_fake(void)
{
	sd_bus *bus = NULL;

	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, bus_address) < 0 ||
	    sd_bus_set_bus_client(bus, 1) < 0 || sd_bus_start(bus) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, ADAPTER, "org.bluez.Adapter1",
				     adapter_vtable, (void *)&fake_adapter) < 0 ||
	    sd_bus_add_object_manager(bus, NULL, "/") < 0 ||
	    sd_bus_request_name(bus, "org.bluez", 0) < 0)
		_exit(3);
	for (;;) {
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			_exit(4);
		if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
			_exit(5);
	}
}

/* --- setup: a private bus and the fake on it -------------------------------- */

static bool bluez_ready(void)
{
	sd_bus *bus = NULL;
	bool ok = false;

	if (sd_bus_new(&bus) >= 0 && sd_bus_set_address(bus, bus_address) >= 0 &&
	    sd_bus_set_bus_client(bus, 1) >= 0 && sd_bus_start(bus) >= 0)
		ok = sd_bus_call_method(bus, "org.bluez", "/",
					"org.freedesktop.DBus.ObjectManager",
					"GetManagedObjects", NULL, NULL, "") >= 0;
	sd_bus_flush_close_unref(bus);
	return ok;
}

static int setup(void **state)
{
	char conf[128], sock[128];
	FILE *f;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/bus", dir);
	snprintf(bus_address, sizeof(bus_address), "unix:path=%s", sock);
	snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f,
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig><type>session</type><listen>unix:path=%s</listen>\n"
		"<auth>EXTERNAL</auth>\n"
		"<policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>\n"
		"<allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"<allow eavesdrop=\"true\"/></policy></busconfig>\n",
		sock);
	fclose(f);

	daemon_pid = fork();
	if (daemon_pid == 0) {
		char arg[600];

		snprintf(arg, sizeof(arg), "--config-file=%s", conf);
		execlp("dbus-daemon", "dbus-daemon", arg, "--nofork",
		       "--nopidfile", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(sock, F_OK) < 0; i++)
		usleep(50000);
	fake_pid = fork();
	if (fake_pid == 0)
		run_fake();
	for (int i = 0; i < 100; i++) {
		if (bluez_ready())
			return 0;
		usleep(50000);
	}
	return -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- the tests -------------------------------------------------------------- */

static int capture(const char *args, const char *out)
{
	const char *build = getenv("BUILD");
	char cmd[1200];
	int st;

	snprintf(cmd, sizeof(cmd),
		 "DBUS_SYSTEM_BUS_ADDRESS='%s' '%s/homevitals' capture --seconds 1 "
		 "--output '%s' %s 2>'%s.err'",
		 bus_address, build ? build : "build", out, args, out);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t read_lines(const char *path, cJSON **lines, size_t max)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f) && n < max) {
		lines[n] = cJSON_Parse(buf);
		assert_non_null(lines[n]);
		n++;
	}
	fclose(f);
	return n;
}

static void free_lines(cJSON **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(lines[i]);
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_capture_all(void **state)
{
	char out[300];
	cJSON *lines[16];
	size_t n;
	double t_prev = -1;

	(void)state;
	snprintf(out, sizeof(out), "%s/all.jsonl", dir);
	assert_int_equal(capture("", out), 0);
	n = read_lines(out, lines, 16);
	/* QN added, unknown added, unknown changed (RSSI-only: no line) */
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		struct hv_frame f;
		struct hv_profile p;
		const char *drv = NULL;
		char err[128];
		const cJSON *t = cJSON_GetObjectItem(lines[i], "t");

		assert_true(cJSON_IsNumber(t));
		assert_true(t->valuedouble >= t_prev && t->valuedouble < 5);
		t_prev = t->valuedouble;
		/* exactly decode --jsonl input (plus t) */
		assert_int_equal(hv_frame_from_json(lines[i], &f, &p, &drv, err,
						    sizeof(err)),
				 0);
	}
	assert_string_equal(str(lines[0], "address"), "C4:11:22:33:44:55");
	assert_string_equal(str(lines[0], "manufacturer_data"),
			    "ffffaabbc41122334455000000000000002000481c");
	assert_string_equal(str(lines[1], "address"), "A4:C1:38:01:02:03");
	assert_string_equal(str(lines[1], "name"), "Mystery");
	assert_string_equal(str(lines[1], "manufacturer_data"), "341201020304");
	assert_string_equal(str(cJSON_GetObjectItem(lines[1], "service_data"),
				"feaa"),
			    "1020");
	assert_string_equal(str(lines[2], "manufacturer_data"), "341201020305");
	assert_string_equal(str(lines[2], "name"), "Mystery");
	free_lines(lines, n);
}

static void test_capture_filters(void **state)
{
	char out[300];
	cJSON *lines[16];
	size_t n;

	(void)state;
	snprintf(out, sizeof(out), "%s/unclaimed.jsonl", dir);
	assert_int_equal(capture("--unclaimed", out), 0);
	n = read_lines(out, lines, 16);
	assert_int_equal(n, 2); /* the QN scale is a driver's */
	for (size_t i = 0; i < n; i++)
		assert_string_equal(str(lines[i], "address"), "A4:C1:38:01:02:03");
	free_lines(lines, n);

	snprintf(out, sizeof(out), "%s/one.jsonl", dir);
	assert_int_equal(capture("--address c4:11:22:33:44:55", out), 0);
	n = read_lines(out, lines, 16);
	assert_int_equal(n, 1);
	assert_string_equal(str(lines[0], "address"), "C4:11:22:33:44:55");
	free_lines(lines, n);

	assert_int_equal(capture("--address nonsense", out), 2);
	assert_int_equal(capture("--adapter hci9", out), 1);
}

static void test_capture_pseudonymise(void **state)
{
	char out[300], cmd[700];
	cJSON *lines[16];
	size_t n;
	FILE *f;
	char buf[8192];
	size_t len;

	(void)state;
	snprintf(out, sizeof(out), "%s/pseudo.jsonl", dir);
	assert_int_equal(capture("--pseudonymise", out), 0);
	f = fopen(out, "r");
	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = 0;
	fclose(f);
	/* neither address, nor its bytes inside the QN payload */
	assert_null(strstr(buf, "C4:11:22"));
	assert_null(strstr(buf, "A4:C1:38"));
	assert_null(strstr(buf, "c41122334455"));
	n = read_lines(out, lines, 16);
	assert_int_equal(n, 3);
	assert_string_equal(str(lines[0], "address"), "02:00:00:00:00:01");
	assert_string_equal(str(lines[0], "manufacturer_data"),
			    "ffffaabb020000000001000000000000002000481c");
	assert_string_equal(str(lines[1], "address"), "02:00:00:00:00:02");
	assert_string_equal(str(lines[2], "address"), "02:00:00:00:00:02");
	free_lines(lines, n);

	/* and the file replays through decode: the QN frame decodes */
	snprintf(cmd, sizeof(cmd), "'%s/homevitals' decode --jsonl < '%s' > '%s.out'",
		 getenv("BUILD") ? getenv("BUILD") : "build", out, out);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.out", out);
	n = read_lines(cmd, lines, 16);
	assert_int_equal(n, 3);
	assert_string_equal(str(lines[0], "driver"), "qn_scale");
	assert_string_equal(str(lines[1], "status"), "not_mine");
	free_lines(lines, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_all),
		cmocka_unit_test(test_capture_filters),
		cmocka_unit_test(test_capture_pseudonymise),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
