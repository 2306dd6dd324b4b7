/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The publisher's three parts and the client that joins them:
 *   mqtt_connection.c  libmosquitto I/O on sd-event, reconnect, TLS
 *   mqtt_outbox.c      the outbox drain: window, cursor, delivered marks
 *   mqtt_format.c      the payloads: one table of formats
 *   mqtt_audience.c    one client per audience, items cut to the consent,
 *                      withdrawals (docs/consent.md)
 *   mqtt.c             the public API (mqtt.h) and the connected glue
 * Only these files include this header.
 */

#include <mosquitto.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/common/config.h"
#include "daemon/common/measurement_json.h"
#include "daemon/common/status.h"
#include "daemon/publish/mqtt.h"

struct hv_store;
struct hv_outbox_item;

#define MQTT_TOPIC_MAX	 384
#define MQTT_TRACKED_MAX 2 /* acknowledged payloads of one measurement */

struct inflight {
	int64_t seq;		   /* 0: free slot */
	int mid[MQTT_TRACKED_MAX]; /* 0: acknowledged or unused */
	unsigned pending;
	bool failed; /* a payload was not handed over or refused: stays pending */
	char refusal[64]; /* the broker's reason code, when refused */
};

/* A row the broker refused, left out of the drain until its retry time. */
struct parked {
	int64_t seq;
	uint64_t until_usec; /* CLOCK_MONOTONIC */
	unsigned refusals;
};

struct ha_seen {
	char person[HV_PERSON_MAX];
	enum hv_metric metric;
	enum hv_display_unit unit;
};

/* What a message is: its MQTT 5 properties (mqtt_properties.c). */
enum mqtt_kind {
	MQTT_KIND_AVAILABILITY,
	MQTT_KIND_STATUS,
	MQTT_KIND_MEASUREMENT,
	MQTT_KIND_FHIR,
	MQTT_KIND_PHD,
	MQTT_KIND_LATEST,
	MQTT_KIND_DISCOVERY,
	MQTT_KIND_HISTORY,
	_MQTT_KIND_MAX,
};

struct hv_mqtt {
	sd_event *event;
	const struct hv_config *cfg;
	struct hv_store *store;
	struct hv_mqtt_callbacks cb;
	void *userdata;

	/* connection */
	struct mosquitto *mosq;
	sd_event_source *io, *misc, *reconnect, *connect_timeout;
	/* CLOCK_MONOTONIC: the last packet out and in (keepalive deadline) */
	uint64_t last_out_usec, last_in_usec;
	bool connected;
	bool lib_init;
	bool v5; /* MQTT 5: acknowledgements carry reason codes */
	mosquitto_property *props[_MQTT_KIND_MAX]; /* per kind; NULL with 3.1.1 */
	unsigned failures;
	uint64_t rng;
	int sock_error;	     /* SO_ERROR of a failed non-blocking connect */
	char refusal[96];    /* CONNACK refusal text */
	char lib_error[160]; /* last error the library logged */
	bool warned;	     /* a lost connection was logged at warning level */
	enum hv_broker_state broker;
	char broker_error[128];

	char gateway[64];
	char client_id[128];
	char topic_availability[MQTT_TOPIC_MAX];
	char topic_status[MQTT_TOPIC_MAX];
	char topic_ha_status[MQTT_TOPIC_MAX];

	/* outbox */
	sd_event_source *drain, *flush, *retry, *requeue;
	int64_t cursor; /* last outbox seq handed to the library */
	struct inflight *window;
	size_t window_size, n_inflight;
	int64_t *marks; /* acknowledged, not yet marked delivered */
	size_t n_marks, marks_size;
	bool marks_failing; /* the failure was logged at warning level */
	struct parked *parked;
	size_t n_parked;

	/* history on request */
	uint64_t history_window_start; /* CLOCK_MONOTONIC */
	unsigned history_answered;

	/* formats */
	struct ha_seen *ha;
	size_t n_ha;

	/* audiences (docs/consent.md): the main client owns one client per
	 * audience; each reads the configuration through acfg, a shallow
	 * copy with the audience's broker, topic root and format. */
	const struct hv_config_audience *audience; /* NULL: the main client */
	struct hv_config acfg;
	char audience_gateway[64]; /* acfg.gateway_id when pseudonymous */
	uint8_t secret[32];
	int withdrawal_mid; /* the notice in flight; 0 none */
	int64_t withdrawal_id;
	struct hv_mqtt **children;
	size_t n_children;
};

/* --- mqtt_connection.c ---------------------------------------------------- */

int mqtt_errno(int rc);
int mqtt_connection_setup(struct hv_mqtt *m);
int mqtt_connection_start(struct hv_mqtt *m);
void mqtt_connection_done(struct hv_mqtt *m);
void mqtt_update_io_events(struct hv_mqtt *m);
/* QoS of the configuration; ret_mid 0 when the library did not take it. */
int mqtt_publish(struct hv_mqtt *m, enum mqtt_kind kind, const char *topic,
		 const char *payload, bool retain, int *ret_mid);
int mqtt_publish_json(struct hv_mqtt *m, enum mqtt_kind kind,
		      const char *topic, const cJSON *j, bool retain,
		      int *ret_mid);
uint64_t mqtt_random(struct hv_mqtt *m);

/* --- mqtt_history.c: history on request ------------------------------------------ */

int mqtt_history_subscribe(struct hv_mqtt *m);
/* true when msg was a history request (answered or refused). */
bool mqtt_history_handle(struct hv_mqtt *m, const struct mosquitto_message *msg,
			 const mosquitto_property *props);

/* --- mqtt_properties.c -------------------------------------------------------- */

/* The properties of every kind (MQTT 5 only; nothing with 3.1.1). */
int mqtt_properties_build(struct hv_mqtt *m);
/* A new list of KIND's properties without expiry (the last will, an answer
 * that adds its own); NULL with 3.1.1. */
int mqtt_properties_new(struct hv_mqtt *m, enum mqtt_kind kind,
			mosquitto_property **ret);
void mqtt_properties_free(struct hv_mqtt *m);

/* --- mqtt.c: called by the connection ---------------------------------------- */

void mqtt_set_broker(struct hv_mqtt *m, enum hv_broker_state state,
		     const char *error);
void mqtt_on_connected(struct hv_mqtt *m, bool session_present);
void mqtt_on_message(struct hv_mqtt *m, const struct mosquitto_message *msg,
		     const mosquitto_property *props);

/* --- mqtt_outbox.c ----------------------------------------------------------- */

int mqtt_outbox_setup(struct hv_mqtt *m);
void mqtt_outbox_done(struct hv_mqtt *m);
/* Connected: rescan from the start when nothing is in flight; without the
 * broker's session, what was in flight is published again. */
void mqtt_outbox_connected(struct hv_mqtt *m, bool session_present);
void mqtt_outbox_schedule(struct hv_mqtt *m);
/* The broker's acknowledgement of mid; reason >= 0x80: refused (MQTT 5). */
void mqtt_outbox_acknowledged(struct hv_mqtt *m, int mid, int reason);
/* Write the collected delivered marks now (one transaction). */
void mqtt_outbox_flush(struct hv_mqtt *m);

/* --- mqtt_format.c ------------------------------------------------------------ */

/* One outbox item being published: the stored JSON, parsed only when a
 * format needs the record. */
struct mqtt_item {
	const struct hv_outbox_item *item;
	const char *measurement_id; /* the store's id (item->id may be a pseudonym) */
	cJSON *record;
	bool parse_failed;
};

struct mqtt_format {
	const char *name;
	/* its acknowledgement is what marks the measurement delivered */
	bool tracked;
	bool needs_record;
	bool (*wanted)(const struct hv_config *cfg);
	/* Publish; a tracked format returns its message id in *ret_mid, or
	 * -ENODATA when it has nothing for this item (phd: unassigned). */
	int (*publish)(struct hv_mqtt *m, const struct mqtt_item *it,
		       int *ret_mid);
};

extern const struct mqtt_format mqtt_formats[];
extern const size_t mqtt_n_formats;

void mqtt_ha_announce_all(struct hv_mqtt *m);

/* --- mqtt_audience.c ------------------------------------------------------------ */

/* The main client's view of a configuration with audiences, and its clients
 * of the audiences (started connecting). */
int mqtt_audiences_setup(struct hv_mqtt *m, const struct hv_mqtt_callbacks *cb,
			 void *userdata);
void mqtt_audiences_done(struct hv_mqtt *m);
/* An audience client's configuration, derived from the main one. */
int mqtt_audience_config(struct hv_mqtt *m, const struct hv_config *cfg,
			 const struct hv_config_audience *a);
/* What this audience may see of an outbox item: 1 with *out filled (free
 * with hv_outbox_item_done), 2 for a daily consent (out->json the day's
 * summary, out->id its date), 0 when nothing (no consent in force, no
 * consented metric left: the row is dropped), or -errno. */
int mqtt_audience_item(struct hv_mqtt *m, const struct hv_outbox_item *in,
		       struct hv_outbox_item *out);
/* Announce the oldest withdrawal not yet announced (an audience's client,
 * connected, none in flight). */
void mqtt_audience_withdrawals(struct hv_mqtt *m);
/* true when mid was the withdrawal notice (then handled). */
bool mqtt_audience_acknowledged(struct hv_mqtt *m, int mid, int reason);
/* Create one client (the main one when audience is NULL). */
int mqtt_client_new(sd_event *event, const struct hv_config *cfg,
		    const struct hv_config_audience *audience,
		    struct hv_store *store, const struct hv_mqtt_callbacks *cb,
		    void *userdata, struct hv_mqtt **ret);
