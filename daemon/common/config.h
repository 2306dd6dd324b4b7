/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The gateway's configuration: one JSON file (default
 * /etc/homevitals/homevitals.json), parsed by a pure function into this
 * struct. Defaults live in one table (config.c); docs/config.md documents
 * every key. Strings are owned by the struct (hv_config_done frees them).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_CONFIG_DEFAULT_PATH "/etc/homevitals/homevitals.json"

/* MQTT protocol version on the wire (mqtt.protocol; the default is 5). */
enum hv_mqtt_protocol {
	HV_MQTT_PROTOCOL_311, /* "3.1.1" */
	HV_MQTT_PROTOCOL_5, /* "5": acknowledgements carry reason codes */
};

enum hv_payload_format {
	HV_PAYLOAD_HOMEVITALS,
	HV_PAYLOAD_FHIR,
	HV_PAYLOAD_BOTH,
	HV_PAYLOAD_PHD, /* HL7 PHD IG transaction Bundles (fhir_phd.h) */
};

/* Which devices' readings may be assigned to people (assignment.adopt,
 * docs/people.md "Adopting a device"). */
enum hv_adopt_policy {
	HV_ADOPT_FIRST, /* "first": the first device of each driver, by itself */
	HV_ADOPT_MANUAL, /* "manual": only `homevitals devices adopt` */
	HV_ADOPT_ALL, /* "all": every device in radio range (no neighbours) */
};

struct hv_config_device {
	char *address; /* "AA:BB:…" */
	char *driver; /* forced driver id, or NULL */
	char *passkey; /* for bonding, or NULL */
	int user_index; /* scale user slot to use, -1 none */
	int consent_code; /* 0..9999, -1 none */
	char *bind_key_file; /* the encrypted adverts' key, or NULL */
};

/* One receiver of measurements (docs/consent.md): a topic root, a payload
 * format, optionally its own broker. Nothing reaches it without a consent. */
struct hv_config_audience {
	char *name; /* letters, digits, '_' and '-' */
	char *topic_prefix; /* its own topic root */
	enum hv_payload_format payload_format;
	bool care_identity; /* the care team: sees the person's real id */
	bool pseudonymous; /* default: !care_identity */
	/* Its own broker when host is set; else the mqtt section's. */
	char *host;
	uint16_t port; /* 0: 1883, or 8883 with TLS */
	char *username;
	char *password_file;
	char *password; /* from password_file; never logged */
	struct {
		bool enabled;
		char *ca_file;
		char *cert_file;
		char *key_file;
	} tls;
};

struct hv_config {
	char *gateway_id; /* topic component; default: hashed machine id */

	struct {
		char *path; /* SQLite file; default /var/lib/homevitals/homevitals.db */
		unsigned retention_days; /* prune published older than; 0 = never */
	} store;

	struct {
		bool enabled;
		char *host;
		uint16_t port;
		char *client_id; /* default "homevitals-<gateway_id>" */
		char *username;
		char *password; /* from password_file / env / credential; never logged */
		char *password_file;
		char *topic_prefix; /* default "homevitals" */
		enum hv_mqtt_protocol protocol;
		int qos; /* 1 or 2 */
		unsigned keepalive_s;
		unsigned max_inflight;
		enum hv_payload_format payload_format;
		bool phd_test_data; /* phd Bundles tagged HTEST (the demo) */
		bool retain_latest;
		unsigned latest_expiry_s; /* MQTT 5 message expiry of latest/; 0 = none */
		bool history_requests; /* answer …/history/request (MQTT 5) */
		bool ha_discovery;
		char *ha_prefix; /* "homeassistant" */
		struct {
			bool enabled;
			char *ca_file; /* NULL: system store */
			char *cert_file;
			char *key_file;
			bool insecure; /* skip hostname check: refused unless set */
		} tls;
		unsigned reconnect_min_s;
		unsigned reconnect_max_s;
	} mqtt;

	struct {
		char *adapter; /* "hci0", or NULL for the first one */
		bool passive_only; /* never connect */
		unsigned connect_timeout_s;
		unsigned stale_device_s; /* remove cached devices unseen this long */
		size_t n_devices;
		struct hv_config_device *devices;
	} bluetooth;

	struct {
		char *chip; /* name ("gpiochip0"), label, or path; NULL = no LED */
		unsigned line;
		bool active_low;
	} led;

	struct {
		double tolerance_kg; /* weight-based assignment window */
		enum hv_adopt_policy adopt;
	} assignment;

	struct {
		/* Trust the system clock without NTP evidence (an RTC, a
		 * container): readings are dated at once. Default false. */
		bool assume_synchronised;
	} time;

	/* None: the one implicit audience of the mqtt section, which sees
	 * everything (the behaviour before audiences existed). */
	size_t n_audiences;
	struct hv_config_audience *audiences;

	int log_level; /* syslog level, default LOG_INFO */
};

/* The audience of that name, or NULL. */
const struct hv_config_audience *hv_config_audience_find(const struct hv_config *c,
							 const char *name);

struct hv_config_error {
	char message[256]; /* "mqtt.port: 70000 is not a port (1-65535)" */
};

/* Defaults for every key. */
void hv_config_init(struct hv_config *ret);
/* "hv-" and 16 hex digits of /etc/machine-id hashed with the program's key
 * (sd_id128_get_machine_app_specific); the sanitised host name when the
 * machine has no id. Newly allocated; NULL when out of memory. */
char *hv_config_default_gateway_id(void);
void hv_config_done(struct hv_config *c);

/*
 * Parse JSON text over the defaults. On a bad value: -EINVAL and reterr names
 * the key path, the value and what was expected. Unknown keys are reported
 * through warn() (may be NULL), naming the key, and ignored.
 * ret must hold a config (hv_config_init, or all zero). On success its old
 * contents are freed and replaced by the defaults plus the file; on failure
 * it is left as it was. Either way the caller ends with hv_config_done. A key
 * "mqtt.password" is refused: secrets come from hv_config_resolve_secrets.
 */
int hv_config_parse(const char *json, struct hv_config *ret,
		    struct hv_config_error *reterr,
		    void (*warn)(const char *message, void *userdata),
		    void *userdata);

/* The i-th key path of the table, sections left out ("mqtt.tls.ca_file",
 * "bluetooth.devices[N].address"), NULL past the end: for docs and tests. */
const char *hv_config_key(size_t i);

/* Read the file and parse; -ENOENT etc. with reterr filled. The message does
 * not repeat the path ("cannot read: No such file or directory",
 * "mqtt.port: 70000 is not a port (1-65535)"): callers prefix it. */
int hv_config_load(const char *path, struct hv_config *ret,
		   struct hv_config_error *reterr,
		   void (*warn)(const char *message, void *userdata),
		   void *userdata);

/*
 * Resolve the MQTT password: mqtt.password_file, else $HOMEVITALS_MQTT_PASSWORD,
 * else the systemd credential "mqtt-password" ($CREDENTIALS_DIRECTORY).
 * 0 with c->mqtt.password NULL when none of them is there. A named file that
 * cannot be read (or is empty) is an error naming the file, never the secret.
 */
int hv_config_resolve_secrets(struct hv_config *c,
			      struct hv_config_error *reterr);
