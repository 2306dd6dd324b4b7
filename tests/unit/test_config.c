// SPDX-License-Identifier: MIT
/* The configuration parser: defaults, every key, every error path, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon/common/config.h"

struct warnings {
	unsigned n;
	char last[300];
};

static void collect(const char *message, void *userdata)
{
	struct warnings *w = userdata;

	w->n++;
	(void)snprintf(w->last, sizeof(w->last), "%s", message);
}

/* Parse text that must fail; returns the message. */
static const char *parse_fails(const char *json)
{
	static struct hv_config_error e;
	struct hv_config c = { 0 };
	int r;

	memset(&e, 0, sizeof(e));
	r = hv_config_parse(json, &c, &e, NULL, NULL);
	if (r >= 0) {
		hv_config_done(&c);
		fail_msg("parsed, but should have failed: %s", json);
	}
	assert_int_equal(r, -EINVAL);
	assert_true(e.message[0] != '\0');
	return e.message;
}

static void parse_ok(const char *json, struct hv_config *c)
{
	struct hv_config_error e = { "" };
	int r = hv_config_parse(json, c, &e, NULL, NULL);

	if (r < 0)
		fail_msg("%s: %s", json, e.message);
}

static void test_defaults(void **state)
{
	struct hv_config c = { 0 };

	(void)state;
	parse_ok("{}", &c);
	assert_string_equal(c.store.path, "/var/lib/homevitals/homevitals.db");
	assert_int_equal(c.store.retention_days, 0);
	assert_true(c.mqtt.enabled);
	assert_string_equal(c.mqtt.host, "127.0.0.1");
	assert_int_equal(c.mqtt.port, 1883);
	assert_string_equal(c.mqtt.topic_prefix, "homevitals");
	assert_int_equal(c.mqtt.protocol, HV_MQTT_PROTOCOL_5);
	assert_int_equal(c.mqtt.qos, 1);
	assert_int_equal(c.mqtt.keepalive_s, 30);
	assert_int_equal(c.mqtt.max_inflight, 20);
	assert_int_equal(c.mqtt.reconnect_min_s, 1);
	assert_int_equal(c.mqtt.reconnect_max_s, 300);
	assert_int_equal(c.mqtt.payload_format, HV_PAYLOAD_HOMEVITALS);
	assert_true(c.mqtt.retain_latest);
	assert_int_equal(c.mqtt.latest_expiry_s, 0);
	assert_false(c.mqtt.ha_discovery);
	assert_string_equal(c.mqtt.ha_prefix, "homeassistant");
	assert_false(c.mqtt.tls.enabled);
	assert_null(c.mqtt.tls.ca_file);
	assert_null(c.mqtt.username);
	assert_null(c.mqtt.password);
	assert_null(c.mqtt.password_file);
	assert_null(c.bluetooth.adapter);
	assert_int_equal(c.bluetooth.connect_timeout_s, 20);
	assert_int_equal(c.bluetooth.stale_device_s, 600);
	assert_int_equal(c.bluetooth.n_devices, 0);
	assert_null(c.led.chip);
	assert_true(c.assignment.tolerance_kg > 2.99 &&
		    c.assignment.tolerance_kg < 3.01);
	assert_int_equal(c.assignment.adopt, HV_ADOPT_FIRST);
	assert_false(c.time.assume_synchronised);
	assert_int_equal(c.log_level, LOG_INFO);

	/* gateway_id: the host name, sanitised to [A-Za-z0-9_-]. */
	assert_non_null(c.gateway_id);
	assert_true(strlen(c.gateway_id) > 0);
	assert_int_equal(strspn(c.gateway_id,
				"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
			 strlen(c.gateway_id));
	assert_non_null(c.mqtt.client_id);
	assert_int_equal(strncmp(c.mqtt.client_id, "homevitals-", 11), 0);
	assert_string_equal(c.mqtt.client_id + 11, c.gateway_id);
	hv_config_done(&c);
	hv_config_done(&c); /* idempotent */
	hv_config_done(NULL);
}

static void test_init_done(void **state)
{
	struct hv_config c = { 0 };

	(void)state;
	hv_config_init(&c);
	assert_int_equal(c.mqtt.port, 1883);
	assert_non_null(c.gateway_id);
	hv_config_done(&c);
}

static const char full_example[] =
	"{\n"
	"  \"gateway_id\": \"bathroom-pi\",\n"
	"  \"store\": { \"path\": \"/tmp/x.db\", \"retention_days\": 365 },\n"
	"  \"mqtt\": {\n"
	"    \"enabled\": true, \"host\": \"broker.lan\", \"port\": 8884,\n"
	"    \"client_id\": \"hv-1\", \"username\": \"hv\",\n"
	"    \"password_file\": \"/etc/homevitals/mqtt-password\",\n"
	"    \"topic_prefix\": \"home/vitals\", \"qos\": 2, \"keepalive_s\": 60,\n"
	"    \"protocol\": \"3.1.1\",\n"
	"    \"max_inflight\": 5, \"payload_format\": \"both\",\n"
	"    \"retain_latest\": false, \"ha_discovery\": true,\n"
	"    \"ha_prefix\": \"ha\",\n"
	"    \"tls\": { \"enabled\": true, \"ca_file\": \"/etc/ssl/ca.pem\",\n"
	"             \"cert_file\": \"/c.pem\", \"key_file\": \"/k.pem\",\n"
	"             \"insecure\": false },\n"
	"    \"reconnect_min_s\": 2, \"reconnect_max_s\": 120\n"
	"  },\n"
	"  \"bluetooth\": {\n"
	"    \"adapter\": \"hci1\", \"passive_only\": true,\n"
	"    \"connect_timeout_s\": 30, \"stale_device_s\": 900,\n"
	"    \"devices\": [\n"
	"      { \"address\": \"c8:47:8c:01:02:03\", \"driver\": \"xiaomi_mi_scale\" },\n"
	"      { \"address\": \"A4:C1:38:00:00:01\", \"passkey\": \"123456\",\n"
	"        \"user_index\": 3, \"consent_code\": 1234 }\n"
	"    ]\n"
	"  },\n"
	"  \"led\": { \"chip\": \"gpiochip0\", \"line\": 17, \"active_low\": true },\n"
	"  \"assignment\": { \"tolerance_kg\": 2.5, \"adopt\": \"manual\" },\n"
	"  \"time\": { \"assume_synchronised\": true },\n"
	"  \"log_level\": \"debug\"\n"
	"}\n";

static void test_every_key(void **state)
{
	struct warnings w = { 0 };
	struct hv_config_error e;
	struct hv_config c = { 0 };

	(void)state;
	assert_int_equal(hv_config_parse(full_example, &c, &e, collect, &w), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.gateway_id, "bathroom-pi");
	assert_string_equal(c.store.path, "/tmp/x.db");
	assert_int_equal(c.store.retention_days, 365);
	assert_string_equal(c.mqtt.host, "broker.lan");
	assert_int_equal(c.mqtt.port, 8884);
	assert_string_equal(c.mqtt.client_id, "hv-1");
	assert_string_equal(c.mqtt.username, "hv");
	assert_string_equal(c.mqtt.password_file,
			    "/etc/homevitals/mqtt-password");
	assert_null(c.mqtt.password);
	assert_string_equal(c.mqtt.topic_prefix, "home/vitals");
	assert_int_equal(c.mqtt.qos, 2);
	assert_int_equal(c.mqtt.protocol, HV_MQTT_PROTOCOL_311);
	assert_int_equal(c.mqtt.keepalive_s, 60);
	assert_int_equal(c.mqtt.max_inflight, 5);
	assert_int_equal(c.mqtt.payload_format, HV_PAYLOAD_BOTH);
	assert_false(c.mqtt.retain_latest);
	assert_true(c.mqtt.ha_discovery);
	assert_string_equal(c.mqtt.ha_prefix, "ha");
	assert_true(c.mqtt.tls.enabled);
	assert_string_equal(c.mqtt.tls.ca_file, "/etc/ssl/ca.pem");
	assert_string_equal(c.mqtt.tls.cert_file, "/c.pem");
	assert_string_equal(c.mqtt.tls.key_file, "/k.pem");
	assert_false(c.mqtt.tls.insecure);
	assert_int_equal(c.mqtt.reconnect_min_s, 2);
	assert_int_equal(c.mqtt.reconnect_max_s, 120);
	assert_string_equal(c.bluetooth.adapter, "hci1");
	assert_true(c.bluetooth.passive_only);
	assert_int_equal(c.bluetooth.connect_timeout_s, 30);
	assert_int_equal(c.bluetooth.stale_device_s, 900);
	assert_int_equal(c.bluetooth.n_devices, 2);
	/* addresses are normalised to upper case */
	assert_string_equal(c.bluetooth.devices[0].address,
			    "C8:47:8C:01:02:03");
	assert_string_equal(c.bluetooth.devices[0].driver, "xiaomi_mi_scale");
	assert_null(c.bluetooth.devices[0].passkey);
	assert_int_equal(c.bluetooth.devices[0].user_index, -1);
	assert_int_equal(c.bluetooth.devices[0].consent_code, -1);
	assert_string_equal(c.bluetooth.devices[1].address,
			    "A4:C1:38:00:00:01");
	assert_null(c.bluetooth.devices[1].driver);
	assert_string_equal(c.bluetooth.devices[1].passkey, "123456");
	assert_int_equal(c.bluetooth.devices[1].user_index, 3);
	assert_int_equal(c.bluetooth.devices[1].consent_code, 1234);
	assert_string_equal(c.led.chip, "gpiochip0");
	assert_int_equal(c.led.line, 17);
	assert_true(c.led.active_low);
	assert_true(c.assignment.tolerance_kg > 2.49 &&
		    c.assignment.tolerance_kg < 2.51);
	assert_int_equal(c.assignment.adopt, HV_ADOPT_MANUAL);
	assert_true(c.time.assume_synchronised);
	assert_int_equal(c.log_level, LOG_DEBUG);
	hv_config_done(&c);
}

static void test_tls_default_port(void **state)
{
	struct hv_config c = { 0 };

	(void)state;
	parse_ok("{\"mqtt\": {\"tls\": {\"enabled\": true}}}", &c);
	assert_int_equal(c.mqtt.port, 8883);
	hv_config_done(&c);
	parse_ok("{\"mqtt\": {\"port\": 1883, \"tls\": {\"enabled\": true}}}",
		 &c);
	assert_int_equal(c.mqtt.port, 1883);
	hv_config_done(&c);
}

static void test_nullable(void **state)
{
	struct hv_config c = { 0 };

	(void)state;
	parse_ok("{\"led\": {\"chip\": null}, \"mqtt\": {\"tls\": "
		 "{\"ca_file\": null}, \"username\": null}}",
		 &c);
	assert_null(c.led.chip);
	assert_null(c.mqtt.tls.ca_file);
	assert_null(c.mqtt.username);
	hv_config_done(&c);
}

/* Each bad value: the message names the key path, the value, the expectation. */
static const struct {
	const char *json;
	const char *message;
} bad[] = {
	{ "{\"mqtt\": {\"port\": 70000}}",
	  "mqtt.port: 70000 is not a port (1-65535)" },
	{ "{\"mqtt\": {\"port\": 0}}", "mqtt.port: 0 is not a port (1-65535)" },
	{ "{\"mqtt\": {\"port\": \"1883\"}}",
	  "mqtt.port: \"1883\" is not a port (1-65535)" },
	{ "{\"mqtt\": {\"port\": 18.5}}",
	  "mqtt.port: 18.5 is not a port (1-65535)" },
	{ "{\"mqtt\": {\"qos\": 0}}", "mqtt.qos: 0 is not a QoS of 1 or 2" },
	{ "{\"mqtt\": {\"protocol\": \"3.1\"}}",
	  "mqtt.protocol: \"3.1\" is not one of \"5\", \"3.1.1\"" },
	{ "{\"mqtt\": {\"qos\": 3}}", "mqtt.qos: 3 is not a QoS of 1 or 2" },
	{ "{\"mqtt\": {\"payload_format\": \"xml\"}}",
	  "mqtt.payload_format: \"xml\" is not one of \"homevitals\", \"fhir\", \"both\", \"phd\"" },
	{ "{\"mqtt\": {\"enabled\": \"yes\"}}",
	  "mqtt.enabled: \"yes\" is not true or false" },
	{ "{\"mqtt\": {\"enabled\": 1}}",
	  "mqtt.enabled: 1 is not true or false" },
	{ "{\"mqtt\": {\"host\": \"\"}}",
	  "mqtt.host: \"\" is not a host name or address" },
	{ "{\"mqtt\": {\"host\": null}}",
	  "mqtt.host: null is not a host name or address" },
	{ "{\"mqtt\": {\"host\": \"a b\"}}",
	  "mqtt.host: \"a b\" is not a host name or address" },
	{ "{\"mqtt\": {\"topic_prefix\": \"a/+/b\"}}",
	  "mqtt.topic_prefix: \"a/+/b\" is not a topic prefix" },
	{ "{\"mqtt\": {\"topic_prefix\": \"/abs\"}}",
	  "mqtt.topic_prefix: \"/abs\" is not a topic prefix" },
	{ "{\"mqtt\": {\"topic_prefix\": \"a//b\"}}",
	  "mqtt.topic_prefix: \"a//b\" is not a topic prefix" },
	{ "{\"mqtt\": {\"ha_prefix\": \"ha/#\"}}",
	  "mqtt.ha_prefix: \"ha/#\" is not a topic prefix" },
	{ "{\"mqtt\": {\"client_id\": \"a b\"}}",
	  "mqtt.client_id: \"a b\" is not a client id" },
	{ "{\"mqtt\": {\"keepalive_s\": 2}}",
	  "mqtt.keepalive_s: 2 is not a number of seconds (5-65535)" },
	{ "{\"mqtt\": {\"max_inflight\": 0}}",
	  "mqtt.max_inflight: 0 is not a count (1-65535)" },
	{ "{\"mqtt\": {\"reconnect_min_s\": 0}}",
	  "mqtt.reconnect_min_s: 0 is not a number of seconds (1-3600)" },
	{ "{\"mqtt\": {\"reconnect_min_s\": 60, \"reconnect_max_s\": 10}}",
	  "mqtt.reconnect_max_s: 10 is less than mqtt.reconnect_min_s (60)" },
	{ "{\"mqtt\": {\"latest_expiry_s\": -1}}",
	  "mqtt.latest_expiry_s: -1 is not a number of seconds (0-31536000)" },
	{ "{\"mqtt\": {\"latest_expiry_s\": 60, \"protocol\": \"3.1.1\"}}",
	  "mqtt.latest_expiry_s: needs mqtt.protocol \"5\"" },
	{ "{\"mqtt\": {\"tls\": {\"cert_file\": \"/c.pem\"}}}",
	  "mqtt.tls.key_file: missing" },
	{ "{\"mqtt\": {\"tls\": {\"key_file\": \"/k.pem\"}}}",
	  "mqtt.tls.cert_file: missing" },
	{ "{\"mqtt\": {\"tls\": {\"insecure\": null}}}",
	  "mqtt.tls.insecure: null is not true or false" },
	{ "{\"mqtt\": {\"tls\": {\"ca_file\": \"\"}}}",
	  "mqtt.tls.ca_file: \"\" is not a file path" },
	{ "{\"mqtt\": {\"tls\": 5}}", "mqtt.tls: 5 is not an object" },
	{ "{\"mqtt\": []}", "mqtt: [] is not an object" },
	{ "{\"mqtt\": {\"password_file\": 5}}",
	  "mqtt.password_file: 5 is not a file path" },
	{ "{\"store\": {\"path\": \"\"}}", "store.path: \"\" is not a file path" },
	{ "{\"store\": {\"retention_days\": -1}}",
	  "store.retention_days: -1 is not a number of days" },
	{ "{\"gateway_id\": \"my pi\"}",
	  "gateway_id: \"my pi\" is not a name of letters, digits" },
	{ "{\"gateway_id\": \"a/b\"}", "gateway_id: \"a/b\" is not a name" },
	{ "{\"bluetooth\": {\"adapter\": \"usb0\"}}",
	  "bluetooth.adapter: \"usb0\" is not an adapter name like \"hci0\"" },
	{ "{\"bluetooth\": {\"connect_timeout_s\": 0}}",
	  "bluetooth.connect_timeout_s: 0 is not a number of seconds (1-600)" },
	{ "{\"bluetooth\": {\"stale_device_s\": 1}}",
	  "bluetooth.stale_device_s: 1 is not a number of seconds" },
	{ "{\"bluetooth\": {\"passive_only\": \"no\"}}",
	  "bluetooth.passive_only: \"no\" is not true or false" },
	{ "{\"bluetooth\": {\"devices\": {}}}",
	  "bluetooth.devices: {} is not an array of device objects" },
	{ "{\"bluetooth\": {\"devices\": [\"AA:BB:CC:DD:EE:FF\"]}}",
	  "bluetooth.devices[0]: \"AA:BB:CC:DD:EE:FF\" is not a device object" },
	{ "{\"bluetooth\": {\"devices\": [{\"driver\": \"xiaomi_mi_scale\"}]}}",
	  "bluetooth.devices[0].address: missing" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\"},"
	  " {\"address\": \"AA:BB:CC:DD:EE:GG\"}]}}",
	  "bluetooth.devices[1].address: \"AA:BB:CC:DD:EE:GG\" is not a Bluetooth address" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AABBCCDDEEFF\"}]}}",
	  "bluetooth.devices[0].address: \"AABBCCDDEEFF\" is not a Bluetooth address" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\"},"
	  " {\"address\": \"aa:bb:cc:dd:ee:ff\"}]}}",
	  "bluetooth.devices[1].address: \"AA:BB:CC:DD:EE:FF\" is already listed as bluetooth.devices[0]" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\","
	  " \"driver\": \"no_such_driver\"}]}}",
	  "bluetooth.devices[0].driver: \"no_such_driver\" is not a driver id" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\","
	  " \"user_index\": 256}]}}",
	  "bluetooth.devices[0].user_index: 256 is not a user index (0-255)" },
	{ "{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\","
	  " \"consent_code\": 10000}]}}",
	  "bluetooth.devices[0].consent_code: 10000 is not a consent code (0-9999)" },
	{ "{\"led\": {\"line\": -1}}",
	  "led.line: -1 is not a line offset (0-65535)" },
	{ "{\"led\": {\"active_low\": 0}}",
	  "led.active_low: 0 is not true or false" },
	{ "{\"assignment\": {\"tolerance_kg\": 0}}",
	  "assignment.tolerance_kg: 0 is not a weight in kg (0.1-50)" },
	{ "{\"assignment\": {\"tolerance_kg\": 51}}",
	  "assignment.tolerance_kg: 51 is not a weight in kg (0.1-50)" },
	{ "{\"assignment\": {\"adopt\": \"any\"}}",
	  "assignment.adopt: \"any\" is not one of \"first\", \"manual\", \"all\"" },
	{ "{\"time\": {\"assume_synchronised\": \"yes\"}}",
	  "time.assume_synchronised: \"yes\" is not true or false" },
	{ "{\"log_level\": \"verbose\"}",
	  "log_level: \"verbose\" is not one of \"debug\", \"info\"" },
	{ "{\"log_level\": 7}", "log_level: 7 is not one of" },
	{ "{\"mqtt\": {\"port\": 1883, \"port\": 1884}}",
	  "mqtt.port: duplicate key" },
	{ "[]", "the configuration must be a JSON object" },
	{ "\"text\"", "the configuration must be a JSON object" },
	{ "", "line 1, column 1: not valid JSON" },
	{ "{\n  \"mqtt\": {\n    \"port\": 1883,\n  }\n}",
	  "line 4, column" },
	{ "{} trailing", "line 1, column 4: not valid JSON" },
};

static void test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *m = parse_fails(bad[i].json);

		if (strncmp(m, bad[i].message, strlen(bad[i].message)) != 0)
			fail_msg("%s\n  got:      %s\n  expected: %s...",
				 bad[i].json, m, bad[i].message);
	}
}

static void test_long_value_is_shortened(void **state)
{
	char json[600];
	char big[400];
	const char *m;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = ' ';
	(void)snprintf(json, sizeof(json), "{\"mqtt\": {\"host\": \"%s\"}}",
		       big);
	m = parse_fails(json);
	assert_non_null(strstr(m, "mqtt.host: \"xxxxxxxxxx x"));
	assert_non_null(strstr(m, "... is not a host name"));
	assert_true(strlen(m) < 200);
}

static void test_password_refused(void **state)
{
	const char *m;

	(void)state;
	m = parse_fails("{\"mqtt\": {\"password\": \"hunter2-secret\"}}");
	assert_non_null(strstr(m, "mqtt.password:"));
	assert_non_null(strstr(m, "password_file"));
	assert_non_null(strstr(m, "credential"));
	assert_null(strstr(m, "hunter2")); /* never echoed */
}

static void test_passkey_not_echoed(void **state)
{
	const char *m;

	(void)state;
	m = parse_fails("{\"bluetooth\": {\"devices\": [{\"address\": "
			"\"AA:BB:CC:DD:EE:FF\", \"passkey\": \"98765x\"}]}}");
	assert_non_null(strstr(m, "bluetooth.devices[0].passkey:"));
	assert_null(strstr(m, "98765"));
}

static void test_unknown_keys_warn(void **state)
{
	struct warnings w = { 0 };
	struct hv_config_error e;
	struct hv_config c = { 0 };

	(void)state;
	assert_int_equal(hv_config_parse("{\"mqtt\": {\"hots\": \"x\", \"tls\": "
					 "{\"verify\": 1}}, \"colour\": 1,"
					 " \"bluetooth\": {\"devices\": [{\"address\":"
					 " \"AA:BB:CC:DD:EE:FF\", \"pin\": 1}]}}",
					 &c, &e, collect, &w),
			 0);
	assert_int_equal(w.n, 4);
	assert_non_null(strstr(w.last, "bluetooth.devices[0].pin"));
	hv_config_done(&c);

	/* without a callback: still ignored */
	assert_int_equal(hv_config_parse("{\"nope\": {}}", &c, &e, NULL, NULL),
			 0);
	hv_config_done(&c);
}

static void test_unknown_warning_text(void **state)
{
	struct warnings w = { 0 };
	struct hv_config_error e;
	struct hv_config c = { 0 };

	(void)state;
	assert_int_equal(hv_config_parse("{\"mqtt\": {\"hots\": 1}}", &c, &e,
					 collect, &w),
			 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.last, "unknown configuration key mqtt.hots, ignoring");
	hv_config_done(&c);
}

static void test_failure_leaves_ret_untouched(void **state)
{
	struct hv_config c;
	struct hv_config_error e;

	(void)state;
	hv_config_init(&c);
	parse_ok("{\"mqtt\": {\"port\": 1999}}", &c);
	assert_int_equal(hv_config_parse("{\"mqtt\": {\"port\": 2000, \"qos\": 0}}",
					 &c, &e, NULL, NULL),
			 -EINVAL);
	assert_int_equal(c.mqtt.port, 1999);
	assert_int_equal(hv_config_parse(NULL, &c, &e, NULL, NULL), -EINVAL);
	assert_int_equal(c.mqtt.port, 1999);
	/* parsing again over a parsed config replaces it (no leak: ASan) */
	parse_ok(full_example, &c);
	parse_ok("{\"bluetooth\": {\"devices\": [{\"address\": \"AA:BB:CC:DD:EE:FF\"}]}}",
		 &c);
	assert_int_equal(c.bluetooth.n_devices, 1);
	assert_string_equal(c.gateway_id, c.mqtt.client_id + 11);
	hv_config_done(&c);
}

/* --- files and secrets --------------------------------------------------- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	(void)state;
	(void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/hv-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	struct hv_config_error e;
	struct hv_config c = { 0 };
	char path[128];

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/homevitals.json", tmpdir);
	write_file(path, full_example, strlen(full_example));
	assert_int_equal(hv_config_load(path, &c, &e, NULL, NULL), 0);
	assert_string_equal(c.gateway_id, "bathroom-pi");
	hv_config_done(&c);

	write_file(path, "{\"mqtt\": {\"port\": 70000}}", 25);
	assert_int_equal(hv_config_load(path, &c, &e, NULL, NULL), -EINVAL);
	assert_string_equal(e.message, "mqtt.port: 70000 is not a port (1-65535)");

	write_file(path, "{}\0{}", 5);
	assert_int_equal(hv_config_load(path, &c, &e, NULL, NULL), -EINVAL);
	assert_non_null(strstr(e.message, "NUL"));

	(void)snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	assert_int_equal(hv_config_load(path, &c, &e, NULL, NULL), -ENOENT);
	assert_string_equal(e.message, "cannot read: No such file or directory");

	assert_int_equal(hv_config_load(tmpdir, &c, &e, NULL, NULL), -EISDIR);
}

static void test_load_too_large(void **state)
{
	struct hv_config_error e;
	struct hv_config c = { 0 };
	char path[128];
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	(void)snprintf(path, sizeof(path), "%s/big.json", tmpdir);
	write_file(path, big, n);
	free(big);
	assert_int_equal(hv_config_load(path, &c, &e, NULL, NULL), -EFBIG);
	assert_non_null(strstr(e.message, "larger than"));
}

static void test_secret_from_file(void **state)
{
	struct hv_config_error e;
	struct hv_config c = { 0 };
	char path[128], json[256];

	(void)state;
	unsetenv("HOMEVITALS_MQTT_PASSWORD");
	unsetenv("CREDENTIALS_DIRECTORY");
	(void)snprintf(path, sizeof(path), "%s/pw", tmpdir);
	write_file(path, "s3cret\n", 7);
	(void)snprintf(json, sizeof(json),
		       "{\"mqtt\": {\"password_file\": \"%s\"}}", path);
	parse_ok(json, &c);
	setenv("HOMEVITALS_MQTT_PASSWORD", "from-env", 1);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "s3cret"); /* the file wins */
	/* resolving again replaces, never leaks */
	write_file(path, "other\r\n", 7);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "other");

	/* the first line only: a comment or an old password below is no
	 * part of it, whatever the line ends */
	write_file(path, "first\n# rotated\nold-one\n", 24);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "first");
	write_file(path, "crlf\r\nsecond\r\n", 14);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "crlf");
	write_file(path, "\nafter-empty-line\n", 18);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), -ENODATA);
	assert_string_equal(c.mqtt.password, "crlf");
	write_file(path, "other\n", 6);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);

	/* empty file: error naming the file, never a secret */
	write_file(path, "\n", 1);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), -ENODATA);
	assert_non_null(strstr(e.message, "mqtt.password_file"));
	assert_non_null(strstr(e.message, "is empty"));
	assert_string_equal(c.mqtt.password, "other"); /* untouched */

	assert_int_equal(unlink(path), 0);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), -ENOENT);
	assert_non_null(strstr(e.message, "cannot read"));
	assert_non_null(strstr(e.message, path));
	unsetenv("HOMEVITALS_MQTT_PASSWORD");
	hv_config_done(&c);
	assert_null(c.mqtt.password);
}

static void test_secret_from_env_and_credential(void **state)
{
	struct hv_config_error e;
	struct hv_config c = { 0 };
	char path[128];

	(void)state;
	unsetenv("HOMEVITALS_MQTT_PASSWORD");
	unsetenv("CREDENTIALS_DIRECTORY");

	parse_ok("{}", &c);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_null(c.mqtt.password); /* none anywhere: no password */

	(void)snprintf(path, sizeof(path), "%s/mqtt-password", tmpdir);
	write_file(path, "from-credential", 15);
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	setenv("HOMEVITALS_MQTT_PASSWORD", "from-env", 1);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "from-env");

	unsetenv("HOMEVITALS_MQTT_PASSWORD");
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.mqtt.password, "from-credential");

	/* the credential directory without that credential: no password */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_null(c.mqtt.password);
	unsetenv("CREDENTIALS_DIRECTORY");
	hv_config_done(&c);
}

/* The example in docs/ is complete and valid (tests run from the repo). */
static void test_example_file(void **state)
{
	struct warnings w = { 0 };
	struct hv_config_error e;
	struct hv_config c = { 0 };

	(void)state;
	if (hv_config_load("docs/homevitals.example.json", &c, &e, collect,
			   &w) < 0)
		fail_msg("%s", e.message);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.gateway_id, "bathroom-pi");
	assert_int_equal(c.bluetooth.n_devices, 2);
	hv_config_done(&c);
}

/* docs/config.md lists every key of the table, as `key` in its table. */
static void test_every_key_documented(void **state)
{
	FILE *f = fopen("docs/config.md", "re");
	static char doc[65536];
	size_t n, i;
	const char *key;

	(void)state;
	assert_non_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (i = 0; (key = hv_config_key(i)); i++) {
		char needle[80];

		(void)snprintf(needle, sizeof(needle), "| `%s` |", key);
		if (!strstr(doc, needle))
			fail_msg("docs/config.md does not document %s", key);
	}
	assert_true(i > 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_init_done),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_tls_default_port),
		cmocka_unit_test(test_nullable),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_long_value_is_shortened),
		cmocka_unit_test(test_password_refused),
		cmocka_unit_test(test_passkey_not_echoed),
		cmocka_unit_test(test_unknown_keys_warn),
		cmocka_unit_test(test_unknown_warning_text),
		cmocka_unit_test(test_failure_leaves_ret_untouched),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_secret_from_file),
		cmocka_unit_test(test_secret_from_env_and_credential),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_every_key_documented),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
