// SPDX-License-Identifier: MIT
/*
 * The configuration file (docs/config.md). One table below names every key,
 * its type, its default and what a valid value is; hv_config_init() applies
 * the defaults, hv_config_parse() walks the JSON against the same table.
 * hv_config_parse() is pure (no I/O, no environment): it is unit-tested and
 * fuzzed. Secrets are never read from the JSON and never printed.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <systemd/sd-id128.h>

#include "daemon/basic/macro.h"
#include "daemon/common/config.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define CONFIG_FILE_MAX (1024 * 1024)
#define PASSWORD_MAX 4096

enum opt_type {
	OPT_SECTION, /* a JSON object whose keys are further rows */
	OPT_BOOL,
	OPT_STRING, /* char *; NULL allowed when .nullable */
	OPT_U16,
	OPT_UINT, /* unsigned */
	OPT_INT, /* int; the JSON value must be within min..max */
	OPT_DOUBLE,
	OPT_ENUM, /* int, from a list of names */
	OPT_DEVICES, /* bluetooth.devices: array of objects */
	OPT_AUDIENCES, /* audiences: array of objects */
	OPT_REFUSED, /* a key that must not be there (secrets) */
};

struct enum_name {
	const char *name;
	int value;
};

struct option {
	const char *path;
	enum opt_type type;
	size_t offset;
	const char *def_str;
	double def_num;
	double min, max;
	bool nullable;
	bool secret; /* never print the value */
	bool (*valid)(const char *s);
	const struct enum_name *names;
	const char *expected; /* "is not <expected>" */
	const char *refused; /* OPT_REFUSED: where the secret goes instead */
};

/* --- string validators ------------------------------------------------- */

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static bool valid_nonempty(const char *s)
{
	return s[0] != '\0';
}

static bool valid_host(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 253)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || *s == '/')
			return false;
	return true;
}

static bool valid_client_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 128)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s) || *s == '+' || *s == '#' ||
		    *s == '/')
			return false;
	return true;
}

static bool valid_topic_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 128 || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "//"))
		return false;
	for (; *s; s++)
		if (*s == '+' || *s == '#' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

static bool valid_adapter(const char *s)
{
	if (strncmp(s, "hci", 3) != 0 || !s[3] || strlen(s) > 8)
		return false;
	for (s += 3; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool valid_address(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static bool valid_driver(const char *s)
{
	return hv_driver_by_id(s) != NULL;
}

static bool valid_passkey(const char *s)
{
	if (strlen(s) != 6)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* --- the table ------------------------------------------------------------- */

static const struct enum_name payload_formats[] = {
	{ "homevitals", HV_PAYLOAD_HOMEVITALS },
	{ "fhir", HV_PAYLOAD_FHIR },
	{ "both", HV_PAYLOAD_BOTH },
	{ "phd", HV_PAYLOAD_PHD },
	{ NULL, 0 },
};

static const struct enum_name mqtt_protocols[] = {
	{ "5", HV_MQTT_PROTOCOL_5 },
	{ "3.1.1", HV_MQTT_PROTOCOL_311 },
	{ NULL, 0 },
};

static const struct enum_name adopt_policies[] = {
	{ "first", HV_ADOPT_FIRST },
	{ "manual", HV_ADOPT_MANUAL },
	{ "all", HV_ADOPT_ALL },
	{ NULL, 0 },
};

static const struct enum_name log_levels[] = {
	{ "debug", LOG_DEBUG }, { "info", LOG_INFO },
	{ "notice", LOG_NOTICE }, { "warning", LOG_WARNING },
	{ "err", LOG_ERR },	{ NULL, 0 },
};

#define C(field) offsetof(struct hv_config, field)
#define D(field) offsetof(struct hv_config_device, field)
#define A(field) offsetof(struct hv_config_audience, field)

#define SECTION(p) { .path = p, .type = OPT_SECTION }
#define BOOL(p, f, d)                                            \
	{ .path = p, .type = OPT_BOOL, .offset = C(f), .def_num = d, \
	  .expected = "true or false" }
#define STRING(p, f, d, null, v, exp)                                       \
	{ .path = p, .type = OPT_STRING, .offset = C(f), .def_str = d,       \
	  .nullable = null, .valid = v, .expected = exp }
#define NUMBER(p, t, f, d, lo, hi, exp)                                    \
	{ .path = p, .type = t, .offset = C(f), .def_num = d, .min = lo,     \
	  .max = hi, .expected = exp }

#define MQTT_PASSWORD_REFUSED                                                  \
	"mqtt.password: secrets are not read from the configuration file; "   \
	"put the password in a file named by mqtt.password_file, in "          \
	"$HOMEVITALS_MQTT_PASSWORD or in the systemd credential \"mqtt-password\""
#define BIND_KEY_REFUSED                                                       \
	"bluetooth.devices[].bind_key: secrets are not read from the "         \
	"configuration file; put the key in a file named by bind_key_file, in " \
	"$HOMEVITALS_BIND_KEY_<ADDRESS> or in the systemd credential "         \
	"\"bind-key-<ADDRESS>\" (docs/config.md)"

static const struct option options[] = {
	STRING("gateway_id", gateway_id, NULL, false, valid_name,
	       "a name of letters, digits, '_' and '-' (1-64 characters)"),

	SECTION("store"),
	STRING("store.path", store.path, "/var/lib/homevitals/homevitals.db",
	       false, valid_nonempty, "a file path"),
	NUMBER("store.retention_days", OPT_UINT, store.retention_days, 0, 0,
	       36500, "a number of days (0-36500, 0 = keep forever)"),

	SECTION("mqtt"),
	BOOL("mqtt.enabled", mqtt.enabled, true),
	STRING("mqtt.host", mqtt.host, "127.0.0.1", false, valid_host,
	       "a host name or address"),
	NUMBER("mqtt.port", OPT_U16, mqtt.port, 1883, 1, 65535,
	       "a port (1-65535)"),
	STRING("mqtt.client_id", mqtt.client_id, NULL, true, valid_client_id,
	       "a client id (1-128 characters, no spaces, '+', '#' or '/')"),
	STRING("mqtt.username", mqtt.username, NULL, true, valid_nonempty,
	       "a user name"),
	{ .path = "mqtt.password", .type = OPT_REFUSED, .secret = true,
	  .refused = MQTT_PASSWORD_REFUSED },
	STRING("mqtt.password_file", mqtt.password_file, NULL, true,
	       valid_nonempty, "a file path"),
	STRING("mqtt.topic_prefix", mqtt.topic_prefix, "homevitals", false,
	       valid_topic_prefix,
	       "a topic prefix (no '+', '#', empty levels or leading/trailing '/')"),
	{ .path = "mqtt.protocol", .type = OPT_ENUM,
	  .offset = C(mqtt.protocol), .def_num = HV_MQTT_PROTOCOL_5,
	  .names = mqtt_protocols, .expected = "one of \"5\", \"3.1.1\"" },
	NUMBER("mqtt.qos", OPT_INT, mqtt.qos, 1, 1, 2, "a QoS of 1 or 2"),
	NUMBER("mqtt.keepalive_s", OPT_UINT, mqtt.keepalive_s, 30, 5, 65535,
	       "a number of seconds (5-65535)"),
	NUMBER("mqtt.max_inflight", OPT_UINT, mqtt.max_inflight, 20, 1, 65535,
	       "a count (1-65535)"),
	{ .path = "mqtt.payload_format", .type = OPT_ENUM,
	  .offset = C(mqtt.payload_format), .def_num = HV_PAYLOAD_HOMEVITALS,
	  .names = payload_formats,
	  .expected = "one of \"homevitals\", \"fhir\", \"both\", \"phd\"" },
	BOOL("mqtt.phd_test_data", mqtt.phd_test_data, false),
	BOOL("mqtt.retain_latest", mqtt.retain_latest, true),
	BOOL("mqtt.history_requests", mqtt.history_requests, true),
	NUMBER("mqtt.latest_expiry_s", OPT_UINT, mqtt.latest_expiry_s, 0, 0,
	       31536000, "a number of seconds (0-31536000)"),
	BOOL("mqtt.ha_discovery", mqtt.ha_discovery, false),
	STRING("mqtt.ha_prefix", mqtt.ha_prefix, "homeassistant", false,
	       valid_topic_prefix,
	       "a topic prefix (no '+', '#', empty levels or leading/trailing '/')"),
	SECTION("mqtt.tls"),
	BOOL("mqtt.tls.enabled", mqtt.tls.enabled, false),
	STRING("mqtt.tls.ca_file", mqtt.tls.ca_file, NULL, true,
	       valid_nonempty, "a file path"),
	STRING("mqtt.tls.cert_file", mqtt.tls.cert_file, NULL, true,
	       valid_nonempty, "a file path"),
	STRING("mqtt.tls.key_file", mqtt.tls.key_file, NULL, true,
	       valid_nonempty, "a file path"),
	BOOL("mqtt.tls.insecure", mqtt.tls.insecure, false),
	NUMBER("mqtt.reconnect_min_s", OPT_UINT, mqtt.reconnect_min_s, 1, 1,
	       3600, "a number of seconds (1-3600)"),
	NUMBER("mqtt.reconnect_max_s", OPT_UINT, mqtt.reconnect_max_s, 300, 1,
	       86400, "a number of seconds (1-86400)"),

	SECTION("bluetooth"),
	STRING("bluetooth.adapter", bluetooth.adapter, NULL, true,
	       valid_adapter, "an adapter name like \"hci0\""),
	BOOL("bluetooth.passive_only", bluetooth.passive_only, false),
	NUMBER("bluetooth.connect_timeout_s", OPT_UINT,
	       bluetooth.connect_timeout_s, 20, 1, 600,
	       "a number of seconds (1-600)"),
	NUMBER("bluetooth.stale_device_s", OPT_UINT, bluetooth.stale_device_s,
	       600, 10, 2592000, "a number of seconds (10-2592000)"),
	{ .path = "bluetooth.devices", .type = OPT_DEVICES,
	  .expected = "an array of device objects" },

	SECTION("led"),
	STRING("led.chip", led.chip, NULL, true, valid_nonempty,
	       "a GPIO chip name, label or path"),
	NUMBER("led.line", OPT_UINT, led.line, 0, 0, 65535,
	       "a line offset (0-65535)"),
	BOOL("led.active_low", led.active_low, false),

	SECTION("assignment"),
	NUMBER("assignment.tolerance_kg", OPT_DOUBLE, assignment.tolerance_kg,
	       3, 0.1, 50, "a weight in kg (0.1-50)"),
	{ .path = "assignment.adopt", .type = OPT_ENUM,
	  .offset = C(assignment.adopt), .def_num = HV_ADOPT_FIRST,
	  .names = adopt_policies,
	  .expected = "one of \"first\", \"manual\", \"all\"" },

	SECTION("time"),
	BOOL("time.assume_synchronised", time.assume_synchronised, false),

	{ .path = "audiences", .type = OPT_AUDIENCES,
	  .expected = "an array of audience objects" },

	{ .path = "log_level", .type = OPT_ENUM, .offset = C(log_level),
	  .def_num = LOG_INFO, .names = log_levels,
	  .expected =
		  "one of \"debug\", \"info\", \"notice\", \"warning\", \"err\"" },
};

/* bluetooth.devices[N]: paths relative to the element. */
static const struct option device_options[] = {
	{ .path = "address", .type = OPT_STRING, .offset = D(address),
	  .valid = valid_address,
	  .expected = "a Bluetooth address like \"AA:BB:CC:DD:EE:FF\"" },
	{ .path = "driver", .type = OPT_STRING, .offset = D(driver),
	  .nullable = true, .valid = valid_driver,
	  .expected = "a driver id (see `homevitals drivers`)" },
	{ .path = "passkey", .type = OPT_STRING, .offset = D(passkey),
	  .nullable = true, .secret = true, .valid = valid_passkey,
	  .expected = "a passkey of 6 digits" },
	{ .path = "user_index", .type = OPT_INT, .offset = D(user_index),
	  .def_num = -1, .min = 0, .max = 255,
	  .expected = "a user index (0-255)" },
	{ .path = "consent_code", .type = OPT_INT, .offset = D(consent_code),
	  .def_num = -1, .min = 0, .max = 9999,
	  .expected = "a consent code (0-9999)" },
	{ .path = "bind_key", .type = OPT_REFUSED, .secret = true,
	  .refused = BIND_KEY_REFUSED },
	{ .path = "bind_key_file", .type = OPT_STRING, .offset = D(bind_key_file),
	  .nullable = true, .valid = valid_nonempty, .expected = "a file path" },
};

#define AUDIENCE_PASSWORD_REFUSED                                              \
	"audiences[].password: secrets are not read from the configuration "  \
	"file; put the password in a file named by audiences[].password_file"

/* audiences[N]: paths relative to the element. */
static const struct option audience_options[] = {
	{ .path = "name", .type = OPT_STRING, .offset = A(name),
	  .valid = valid_name,
	  .expected = "a name of letters, digits, '_' and '-' (1-64 characters)" },
	{ .path = "topic_prefix", .type = OPT_STRING, .offset = A(topic_prefix),
	  .valid = valid_topic_prefix,
	  .expected = "a topic prefix (no '+', '#', empty levels or leading/trailing '/')" },
	{ .path = "payload_format", .type = OPT_ENUM,
	  .offset = A(payload_format), .def_num = HV_PAYLOAD_HOMEVITALS,
	  .names = payload_formats,
	  .expected = "one of \"homevitals\", \"fhir\", \"both\", \"phd\"" },
	{ .path = "care_identity", .type = OPT_BOOL, .offset = A(care_identity),
	  .def_num = false, .expected = "true or false" },
	{ .path = "pseudonymous", .type = OPT_BOOL, .offset = A(pseudonymous),
	  .def_num = true, .expected = "true or false" },
	{ .path = "host", .type = OPT_STRING, .offset = A(host),
	  .nullable = true, .valid = valid_host,
	  .expected = "a host name or address" },
	{ .path = "port", .type = OPT_U16, .offset = A(port), .def_num = 0,
	  .min = 1, .max = 65535, .expected = "a port (1-65535)" },
	{ .path = "username", .type = OPT_STRING, .offset = A(username),
	  .nullable = true, .valid = valid_nonempty, .expected = "a user name" },
	{ .path = "password", .type = OPT_REFUSED, .secret = true,
	  .refused = AUDIENCE_PASSWORD_REFUSED },
	{ .path = "password_file", .type = OPT_STRING,
	  .offset = A(password_file), .nullable = true,
	  .valid = valid_nonempty, .expected = "a file path" },
	{ .path = "tls", .type = OPT_SECTION },
	{ .path = "tls.enabled", .type = OPT_BOOL, .offset = A(tls.enabled),
	  .def_num = false, .expected = "true or false" },
	{ .path = "tls.ca_file", .type = OPT_STRING, .offset = A(tls.ca_file),
	  .nullable = true, .valid = valid_nonempty, .expected = "a file path" },
	{ .path = "tls.cert_file", .type = OPT_STRING,
	  .offset = A(tls.cert_file), .nullable = true,
	  .valid = valid_nonempty, .expected = "a file path" },
	{ .path = "tls.key_file", .type = OPT_STRING, .offset = A(tls.key_file),
	  .nullable = true, .valid = valid_nonempty, .expected = "a file path" },
};

/* --- errors ---------------------------------------------------------------- */

static int fail(struct hv_config_error *reterr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct hv_config_error *reterr, const char *fmt, ...)
{
	va_list ap;

	if (reterr) {
		va_start(ap, fmt);
		(void)vsnprintf(reterr->message, sizeof(reterr->message), fmt,
				ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The value as JSON, shortened for a message. */
static void show_value(const cJSON *v, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t n;

	text = cJSON_PrintUnformatted(v);
	if (!text) {
		(void)snprintf(buf, size, "(value)");
		return;
	}
	n = strlen(text);
	if (n >= size) {
		n = size - 4;
		/* Do not cut a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf, text, n);
		memcpy(buf + n, "...", 4);
	} else
		memcpy(buf, text, n + 1);
}

static int bad_value(struct hv_config_error *reterr, const char *path,
		     const struct option *o, const cJSON *v)
{
	char shown[64];

	if (o->secret)
		return fail(reterr, "%s: the value given is not %s", path,
			    o->expected);
	show_value(v, shown, sizeof(shown));
	return fail(reterr, "%s: %s is not %s", path, shown, o->expected);
}

static void warn_unknown(void (*warn)(const char *, void *), void *userdata,
			 const char *path)
{
	char msg[300];

	if (!warn)
		return;
	if (snprintf(msg, sizeof(msg), "unknown configuration key %s, ignoring",
		     path) < 0)
		return;
	warn(msg, userdata);
}

/* --- defaults ------------------------------------------------------------ */

static void *field(void *base, const struct option *o)
{
	return (char *)base + o->offset;
}

static void apply_defaults(void *base, const struct option *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct option *o = &table[i];
		void *f = field(base, o);

		switch (o->type) {
		case OPT_BOOL:
			*(bool *)f = o->def_num != 0;
			break;
		case OPT_STRING:
			*(char **)f = o->def_str ? strdup(o->def_str) : NULL;
			break;
		case OPT_U16:
			*(uint16_t *)f = (uint16_t)o->def_num;
			break;
		case OPT_UINT:
			*(unsigned *)f = (unsigned)o->def_num;
			break;
		case OPT_INT:
		case OPT_ENUM:
			*(int *)f = (int)o->def_num;
			break;
		case OPT_DOUBLE:
			*(double *)f = o->def_num;
			break;
		case OPT_SECTION:
		case OPT_DEVICES:
		case OPT_AUDIENCES:
		case OPT_REFUSED:
			break;
		}
	}
}

/* The key of the default gateway id (docs/fleet.md: `systemd-id128
 * machine-id --app-specific=57c299aff8b74c9598784f7a003b1d96` prints the
 * hashed id a gateway will use). Changing it renames every gateway. */
#define HV_GATEWAY_ID_APP \
	SD_ID128_MAKE(57, c2, 99, af, f8, b7, 4c, 95, 98, 78, 4f, 7a, 00, 3b, 1d, 96)
#define HV_GATEWAY_ID_DEFAULT_LEN (3 + 16) /* "hv-" and 64 bits in hex */

/* The sanitised host name: only when the machine has no id (a bare chroot). */
static char *host_gateway_id(void)
{
	char host[256] = "";
	size_t j = 0;

	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (size_t i = 0; host[i] && j < 64; i++) {
		unsigned char ch = (unsigned char)host[i];

		host[j++] = isalnum(ch) || ch == '-' || ch == '_' ? (char)ch :
								      '_';
	}
	host[j] = '\0';
	return strdup(j ? host : "homevitals");
}

/*
 * Thousands of Raspberry Pis share the host name "raspberrypi", so a fleet
 * needs an id per machine. The machine id itself must not be published
 * (machine-id(5)): it is hashed with this program's key instead, as
 * sd_id128_get_machine_app_specific() does; 64 bits keep collisions
 * negligible for a million gateways (birthday bound ~3e-8).
 */
char *hv_config_default_gateway_id(void)
{
	char id[HV_GATEWAY_ID_DEFAULT_LEN + 1];
	sd_id128_t app;

	if (sd_id128_get_machine_app_specific(HV_GATEWAY_ID_APP, &app) < 0)
		return host_gateway_id();
	snprintf(id, sizeof(id), "hv-%016" PRIx64, be64toh(app.qwords[0]));
	return strdup(id);
}

void hv_config_init(struct hv_config *ret)
{
	*ret = (struct hv_config){ 0 };
	apply_defaults(ret, options, ELEMENTSOF(options));
	ret->gateway_id = hv_config_default_gateway_id();
}

static void free_strings(void *base, const struct option *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char **p;

		if (table[i].type != OPT_STRING)
			continue;
		p = field(base, &table[i]);
		if (*p && table[i].secret)
			explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

static void free_devices(struct hv_config *c)
{
	for (size_t i = 0; i < c->bluetooth.n_devices; i++)
		free_strings(&c->bluetooth.devices[i], device_options,
			     ELEMENTSOF(device_options));
	free(c->bluetooth.devices);
	c->bluetooth.devices = NULL;
	c->bluetooth.n_devices = 0;
}

static void free_audiences(struct hv_config *c)
{
	for (size_t i = 0; i < c->n_audiences; i++) {
		struct hv_config_audience *a = &c->audiences[i];

		free_strings(a, audience_options, ELEMENTSOF(audience_options));
		if (a->password) {
			explicit_bzero(a->password, strlen(a->password));
			free(a->password);
		}
	}
	free(c->audiences);
	c->audiences = NULL;
	c->n_audiences = 0;
}

const struct hv_config_audience *hv_config_audience_find(const struct hv_config *c,
							 const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->n_audiences; i++)
		if (strcmp(c->audiences[i].name, name) == 0)
			return &c->audiences[i];
	return NULL;
}

void hv_config_done(struct hv_config *c)
{
	if (!c)
		return;
	free_strings(c, options, ELEMENTSOF(options));
	free_devices(c);
	free_audiences(c);
	if (c->mqtt.password) {
		explicit_bzero(c->mqtt.password, strlen(c->mqtt.password));
		free(c->mqtt.password);
		c->mqtt.password = NULL;
	}
}

const char *hv_config_key(size_t i)
{
	static _Thread_local char buf[64];

	/* Sections ("mqtt") are not keys of their own. */
	for (size_t k = 0; k < ELEMENTSOF(options); k++) {
		if (options[k].type == OPT_SECTION)
			continue;
		if (i == 0)
			return options[k].path;
		i--;
	}
	if (i < ELEMENTSOF(device_options)) {
		(void)snprintf(buf, sizeof(buf), "bluetooth.devices[N].%s",
			       device_options[i].path);
		return buf;
	}
	i -= ELEMENTSOF(device_options);
	for (size_t k = 0; k < ELEMENTSOF(audience_options); k++) {
		if (audience_options[k].type == OPT_SECTION)
			continue;
		if (i == 0) {
			(void)snprintf(buf, sizeof(buf), "audiences[N].%s",
				       audience_options[k].path);
			return buf;
		}
		i--;
	}
	return NULL;
}

/* --- parsing ------------------------------------------------------------- */

struct walk {
	struct hv_config_error *reterr;
	void (*warn)(const char *message, void *userdata);
	void *userdata;
	bool port_set;
};

static int parse_value(struct walk *w, const struct option *o, void *base,
		       const cJSON *v, const char *path)
{
	void *f = field(base, o);
	double d;

	switch (o->type) {
	case OPT_BOOL:
		if (!cJSON_IsBool(v))
			return bad_value(w->reterr, path, o, v);
		*(bool *)f = cJSON_IsTrue(v);
		return 0;
	case OPT_STRING: {
		char *copy;

		if (cJSON_IsNull(v) && o->nullable) {
			free(*(char **)f);
			*(char **)f = NULL;
			return 0;
		}
		if (!cJSON_IsString(v) || !v->valuestring ||
		    (o->valid && !o->valid(v->valuestring)))
			return bad_value(w->reterr, path, o, v);
		copy = strdup(v->valuestring);
		if (!copy)
			return -ENOMEM;
		free(*(char **)f);
		*(char **)f = copy;
		return 0;
	}
	case OPT_U16:
	case OPT_UINT:
	case OPT_INT:
	case OPT_DOUBLE:
		if (!cJSON_IsNumber(v))
			return bad_value(w->reterr, path, o, v);
		d = v->valuedouble;
		if (!isfinite(d) || d < o->min || d > o->max ||
		    (o->type != OPT_DOUBLE && d != floor(d)))
			return bad_value(w->reterr, path, o, v);
		if (o->type == OPT_U16)
			*(uint16_t *)f = (uint16_t)d;
		else if (o->type == OPT_UINT)
			*(unsigned *)f = (unsigned)d;
		else if (o->type == OPT_INT)
			*(int *)f = (int)d;
		else
			*(double *)f = d;
		return 0;
	case OPT_ENUM:
		if (cJSON_IsString(v) && v->valuestring)
			for (const struct enum_name *e = o->names; e->name; e++)
				if (strcmp(e->name, v->valuestring) == 0) {
					*(int *)f = e->value;
					return 0;
				}
		return bad_value(w->reterr, path, o, v);
	case OPT_SECTION:
	case OPT_DEVICES:
	case OPT_AUDIENCES:
	case OPT_REFUSED:
		break;
	}
	return -EINVAL;
}

static const struct option *find_option(const struct option *table, size_t n,
					const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].path, path) == 0)
			return &table[i];
	return NULL;
}

static int parse_devices(struct walk *w, struct hv_config *c, const cJSON *arr,
			 const char *path);
static int parse_audiences(struct walk *w, struct hv_config *c,
			   const cJSON *arr, const char *path);

/*
 * Walk one JSON object. `lookup` is the key path prefix used to find rows
 * in `table` ("" for a device element), `shown` the prefix for messages.
 */
static int walk_object(struct walk *w, const cJSON *obj, const char *lookup,
		       const char *shown, const struct option *table, size_t n,
		       void *base)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj)
	{
		char key[256], path[300];
		const struct option *o;
		int r;

		if (!item->string)
			continue;
		(void)snprintf(key, sizeof(key), "%s%s%s", lookup,
			       lookup[0] ? "." : "", item->string);
		(void)snprintf(path, sizeof(path), "%s%s%s", shown,
			       shown[0] ? "." : "", item->string);
		for (const cJSON *prev = obj->child; prev != item;
		     prev = prev->next)
			if (prev->string &&
			    strcmp(prev->string, item->string) == 0)
				return fail(w->reterr, "%s: duplicate key",
					    path);
		o = find_option(table, n, key);
		if (!o) {
			warn_unknown(w->warn, w->userdata, path);
			continue;
		}
		switch (o->type) {
		case OPT_SECTION:
			if (!cJSON_IsObject(item)) {
				char v[64];

				show_value(item, v, sizeof(v));
				return fail(w->reterr,
					    "%s: %s is not an object", path, v);
			}
			r = walk_object(w, item, key, path, table, n, base);
			break;
		case OPT_DEVICES:
			r = parse_devices(w, base, item, path);
			break;
		case OPT_AUDIENCES:
			r = parse_audiences(w, base, item, path);
			break;
		case OPT_REFUSED:
			return fail(w->reterr, "%s", o->refused);
		default:
			r = parse_value(w, o, base, item, path);
			if (r >= 0 && o->offset == C(mqtt.port) &&
			    table == options)
				w->port_set = true;
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_devices(struct walk *w, struct hv_config *c, const cJSON *arr,
			 const char *path)
{
	static const struct option what = {
		.expected = "an array of device objects",
	};
	struct hv_config_device *devs;
	const cJSON *item;
	size_t n = 0;

	if (!cJSON_IsArray(arr))
		return bad_value(w->reterr, path, &what, arr);

	/* A later "devices" key would replace an earlier one: start over. */
	free_devices(c);

	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return 0;
	devs = calloc(n, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	c->bluetooth.devices = devs;

	n = 0;
	cJSON_ArrayForEach(item, arr)
	{
		struct hv_config_device *d = &devs[n];
		char shown[300];
		int r;

		if (snprintf(shown, sizeof(shown), "%s[%zu]", path, n) < 0)
			return -EINVAL;
		apply_defaults(d, device_options, ELEMENTSOF(device_options));
		c->bluetooth.n_devices = ++n;
		if (!cJSON_IsObject(item)) {
			char v[64];

			show_value(item, v, sizeof(v));
			return fail(w->reterr, "%s: %s is not a device object",
				    shown, v);
		}
		r = walk_object(w, item, "", shown, device_options,
				ELEMENTSOF(device_options), d);
		if (r < 0)
			return r;
		if (!d->address)
			return fail(w->reterr,
				    "%s.address: missing (every device needs its address)",
				    shown);
		for (char *p = d->address; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		for (size_t i = 0; i + 1 < n; i++)
			if (strcmp(devs[i].address, d->address) == 0)
				return fail(w->reterr,
					    "%s.address: \"%s\" is already listed as %s[%zu]",
					    shown, d->address, path, i);
	}
	return 0;
}

/* The rules of one audience against those listed before it. */
static int check_audience(struct walk *w, const struct hv_config *c,
			  size_t idx, const cJSON *item, const char *shown,
			  const char *path)
{
	struct hv_config_audience *a = &c->audiences[idx];

	if (!a->name)
		return fail(w->reterr,
			    "%s.name: missing (every audience needs a name)",
			    shown);
	if (!a->topic_prefix)
		return fail(w->reterr,
			    "%s.topic_prefix: missing (every audience needs its own topic root)",
			    shown);
	/* The care team sees the real id unless told otherwise. */
	if (!cJSON_GetObjectItemCaseSensitive(item, "pseudonymous"))
		a->pseudonymous = !a->care_identity;
	if (!!a->tls.cert_file != !!a->tls.key_file)
		return fail(w->reterr,
			    "%s.%s: missing (a client certificate needs both tls.cert_file and tls.key_file)",
			    shown, a->tls.cert_file ? "tls.key_file" :
						      "tls.cert_file");
	if (!a->host && (a->port || a->username || a->password_file ||
			 a->tls.enabled || a->tls.ca_file || a->tls.cert_file))
		return fail(w->reterr,
			    "%s.host: missing (port, username, password_file and tls describe the audience's own broker)",
			    shown);
	for (size_t i = 0; i < idx; i++) {
		const struct hv_config_audience *b = &c->audiences[i];

		if (strcmp(b->name, a->name) == 0)
			return fail(w->reterr,
				    "%s.name: \"%s\" is already listed as %s[%zu]",
				    shown, a->name, path, i);
		/* Two audiences on one broker under one root would read each
		 * other's topics; on different brokers it does no harm. */
		if (strcmp(b->topic_prefix, a->topic_prefix) == 0 &&
		    strcmp(b->host ? b->host : "", a->host ? a->host : "") == 0)
			return fail(w->reterr,
				    "%s.topic_prefix: \"%s\" is already the topic root of %s[%zu] on the same broker",
				    shown, a->topic_prefix, path, i);
	}
	if (a->host && !a->port)
		a->port = a->tls.enabled ? 8883 : 1883;
	return 0;
}

static int parse_audiences(struct walk *w, struct hv_config *c,
			   const cJSON *arr, const char *path)
{
	static const struct option what = {
		.expected = "an array of audience objects",
	};
	const cJSON *item;
	size_t n;

	if (!cJSON_IsArray(arr))
		return bad_value(w->reterr, path, &what, arr);
	free_audiences(c);
	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return fail(w->reterr,
			    "%s: empty (leave the key out for the one implicit audience, docs/consent.md)",
			    path);
	c->audiences = calloc(n, sizeof(*c->audiences));
	if (!c->audiences)
		return -ENOMEM;
	n = 0;
	cJSON_ArrayForEach(item, arr)
	{
		struct hv_config_audience *a = &c->audiences[n];
		char shown[300];
		int r;

		if (snprintf(shown, sizeof(shown), "%s[%zu]", path, n) < 0)
			return -EINVAL;
		apply_defaults(a, audience_options,
			       ELEMENTSOF(audience_options));
		c->n_audiences = ++n;
		if (!cJSON_IsObject(item)) {
			char v[64];

			show_value(item, v, sizeof(v));
			return fail(w->reterr,
				    "%s: %s is not an audience object", shown,
				    v);
		}
		r = walk_object(w, item, "", shown, audience_options,
				ELEMENTSOF(audience_options), a);
		if (r < 0)
			return r;
		r = check_audience(w, c, n - 1, item, shown, path);
		if (r < 0)
			return r;
	}
	return 0;
}

static int finish(struct walk *w, struct hv_config *c)
{
	if (c->mqtt.reconnect_min_s > c->mqtt.reconnect_max_s)
		return fail(w->reterr,
			    "mqtt.reconnect_max_s: %u is less than mqtt.reconnect_min_s (%u)",
			    c->mqtt.reconnect_max_s, c->mqtt.reconnect_min_s);
	if (!!c->mqtt.tls.cert_file != !!c->mqtt.tls.key_file)
		return fail(w->reterr,
			    "%s: missing (a client certificate needs both mqtt.tls.cert_file and mqtt.tls.key_file)",
			    c->mqtt.tls.cert_file ? "mqtt.tls.key_file" :
						    "mqtt.tls.cert_file");
	/* MQTT 3.1.1 has no message properties: say so instead of ignoring it. */
	if (c->mqtt.latest_expiry_s && c->mqtt.protocol != HV_MQTT_PROTOCOL_5)
		return fail(w->reterr,
			    "mqtt.latest_expiry_s: needs mqtt.protocol \"5\" (MQTT 3.1.1 has no message expiry)");
	if (c->mqtt.tls.enabled && !w->port_set)
		c->mqtt.port = 8883;
	if (!c->gateway_id)
		c->gateway_id = strdup("homevitals");
	if (!c->mqtt.client_id && c->gateway_id) {
		if (asprintf(&c->mqtt.client_id, "homevitals-%s",
			     c->gateway_id) < 0)
			c->mqtt.client_id = NULL;
	}
	/* Defaults that failed to allocate. */
	if (!c->gateway_id || !c->mqtt.client_id || !c->store.path ||
	    !c->mqtt.host || !c->mqtt.topic_prefix || !c->mqtt.ha_prefix)
		return -ENOMEM;
	return 0;
}

/* "line 3, column 7" of a position in text. */
static void position(const char *text, const char *at, unsigned *ret_line,
		     unsigned *ret_col)
{
	unsigned line = 1, col = 1;

	for (const char *p = text; p < at && *p; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	*ret_line = line;
	*ret_col = col;
}

int hv_config_parse(const char *json, struct hv_config *ret,
		    struct hv_config_error *reterr,
		    void (*warn)(const char *message, void *userdata),
		    void *userdata)
{
	_cleanup_(cJSON_Deletep) cJSON *root = NULL;
	struct walk w = {
		.reterr = reterr,
		.warn = warn,
		.userdata = userdata,
	};
	struct hv_config c;
	const char *end = NULL;
	int r;

	if (reterr)
		reterr->message[0] = '\0';
	if (!json || !ret)
		return -EINVAL;
	root = cJSON_ParseWithOpts(json, &end, true);
	if (!root) {
		unsigned line, col;

		if (!end)
			return -ENOMEM;
		position(json, end, &line, &col);
		return fail(reterr, "line %u, column %u: not valid JSON", line,
			    col);
	}
	if (!cJSON_IsObject(root))
		return fail(reterr,
			    "the configuration must be a JSON object ({ ... })");

	hv_config_init(&c);
	r = walk_object(&w, root, "", "", options, ELEMENTSOF(options), &c);
	if (r >= 0)
		r = finish(&w, &c);
	if (r < 0) {
		if (r == -ENOMEM)
			(void)fail(reterr, "out of memory");
		hv_config_done(&c);
		return r;
	}
	hv_config_done(ret);
	*ret = c;
	return 0;
}

/* --- files and secrets ----------------------------------------------------- */

/* Whole file as a string; -EFBIG past max. Refuses NUL bytes (-EBADMSG). */
static int read_file(const char *path, size_t max, char **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t n = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k = read(fd, buf + n, max + 1 - n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > max) {
			explicit_bzero(buf, n);
			return -EFBIG;
		}
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		explicit_bzero(buf, n);
		return -EBADMSG;
	}
	*ret = TAKE_PTR(buf);
	if (ret_n)
		*ret_n = n;
	return 0;
}

int hv_config_load(const char *path, struct hv_config *ret,
		   struct hv_config_error *reterr,
		   void (*warn)(const char *message, void *userdata),
		   void *userdata)
{
	_cleanup_free_ char *text = NULL;
	struct hv_config_error e = { "" };
	int r;

	if (!path)
		path = HV_CONFIG_DEFAULT_PATH;
	r = read_file(path, CONFIG_FILE_MAX, &text, NULL);
	if (r == -EFBIG) {
		(void)fail(reterr, "larger than %d bytes", CONFIG_FILE_MAX);
		return r;
	}
	if (r == -EBADMSG) {
		(void)fail(reterr, "contains a NUL byte, not JSON text");
		return -EINVAL;
	}
	if (r < 0) {
		(void)fail(reterr, "cannot read: %s", strerror(-r));
		return r;
	}
	r = hv_config_parse(text, ret, &e, warn, userdata);
	if (r < 0)
		(void)fail(reterr, "%s", e.message);
	return r;
}

/* The secret in a file: first line, without its line end. */
/* first_line: mqtt.password_file promises its first line (docs/config.md),
 * so an editor's trailing lines or a comment below never join the secret. */
static int read_secret(const char *path, bool first_line, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char *nl;
	size_t n;
	int r;

	r = read_file(path, PASSWORD_MAX, &buf, &n);
	if (r < 0)
		return r;
	if (first_line && (nl = memchr(buf, '\n', n))) {
		/* What follows is no secret of ours, but do not keep it. */
		explicit_bzero(nl, n - (size_t)(nl - buf));
		n = (size_t)(nl - buf);
	} else if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0)
		return -ENODATA;
	*ret = TAKE_PTR(buf);
	return 0;
}

static const char *secret_error(int r)
{
	switch (r) {
	case -ENODATA:
		return "is empty";
	case -EFBIG:
		return "is too large for a password";
	case -EBADMSG:
		return "contains a NUL byte";
	default:
		return NULL;
	}
}

/* An audience with its own broker: its password_file only. */
static int resolve_audience_secrets(struct hv_config *c,
				    struct hv_config_error *reterr)
{
	for (size_t i = 0; i < c->n_audiences; i++) {
		struct hv_config_audience *a = &c->audiences[i];
		char *password = NULL;
		const char *why;
		int r;

		if (!a->password_file)
			continue;
		r = read_secret(a->password_file, true, &password);
		if (r < 0) {
			why = secret_error(r);
			if (why)
				(void)fail(reterr, "audiences[%zu].password_file: %s %s",
					   i, a->password_file, why);
			else
				(void)fail(reterr,
					   "audiences[%zu].password_file: cannot read %s: %s",
					   i, a->password_file, strerror(-r));
			return r;
		}
		if (a->password) {
			explicit_bzero(a->password, strlen(a->password));
			free(a->password);
		}
		a->password = password;
	}
	return 0;
}

int hv_config_resolve_secrets(struct hv_config *c,
			      struct hv_config_error *reterr)
{
	_cleanup_free_ char *cred = NULL;
	char *password = NULL;
	const char *env, *dir, *why;
	int r;

	if (reterr)
		reterr->message[0] = '\0';
	if (!c)
		return -EINVAL;

	if (c->mqtt.password_file) {
		r = read_secret(c->mqtt.password_file, true, &password);
		if (r < 0) {
			why = secret_error(r);
			if (why)
				(void)fail(reterr, "mqtt.password_file: %s %s",
					   c->mqtt.password_file, why);
			else
				(void)fail(reterr,
					   "mqtt.password_file: cannot read %s: %s",
					   c->mqtt.password_file, strerror(-r));
			return r;
		}
	} else if ((env = getenv("HOMEVITALS_MQTT_PASSWORD")) && *env) {
		password = strdup(env);
		if (!password)
			return -ENOMEM;
	} else if ((dir = getenv("CREDENTIALS_DIRECTORY")) && *dir) {
		if (asprintf(&cred, "%s/mqtt-password", dir) < 0)
			return -ENOMEM;
		r = read_secret(cred, false, &password);
		if (r < 0 && r != -ENOENT) {
			why = secret_error(r);
			if (why)
				(void)fail(reterr, "credential %s %s", cred,
					   why);
			else
				(void)fail(reterr,
					   "credential %s: cannot read: %s",
					   cred, strerror(-r));
			return r;
		}
	}

	if (c->mqtt.password) {
		explicit_bzero(c->mqtt.password, strlen(c->mqtt.password));
		free(c->mqtt.password);
	}
	c->mqtt.password = password;
	return resolve_audience_secrets(c, reterr);
}
