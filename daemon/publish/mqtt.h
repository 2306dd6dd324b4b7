/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The MQTT store-and-forward publisher: libmosquitto driven by the daemon's
 * sd-event loop (no threads). It drains the SQLite outbox oldest first with
 * a bounded in-flight window and marks a measurement delivered only when the
 * broker acknowledged it (QoS 1 PUBACK, QoS 2 PUBCOMP; with MQTT 5 a reason
 * code below 0x80). Reconnects with exponential backoff and jitter. Topics
 * and payloads: docs/mqtt.md.
 */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/common/config.h"
#include "daemon/common/status.h"

struct hv_store;

struct hv_mqtt;

/* The client's own state; the daemon's status struct is the caller's. */
struct hv_mqtt_callbacks {
	/* The connection changed state; error is "" unless unreachable. */
	void (*broker_changed)(enum hv_broker_state state, const char *error,
			       void *userdata);
	/* An audience's own connection changed state (docs/consent.md);
	 * broker_changed is the main connection's only. */
	void (*audience_broker_changed)(const char *audience,
					enum hv_broker_state state,
					const char *error, void *userdata);
	/* n outbox rows were marked delivered (hv_store_backlog() fell). */
	void (*delivered)(uint64_t n, void *userdata);
};

/*
 * Create and start connecting (non-blocking). The store outlives the
 * client. cfg is read at creation and on reconnects; it must outlive the
 * client too. -EINVAL for an unusable configuration (bad topic prefix or
 * gateway id, TLS files the library refuses), -ENOMEM.
 */
int hv_mqtt_new(sd_event *event, const struct hv_config *cfg,
		struct hv_store *store, const struct hv_mqtt_callbacks *cb,
		void *userdata, struct hv_mqtt **ret);
/* Publishes nothing more (the broker sends the "offline" will); NULL ok. */
struct hv_mqtt *hv_mqtt_free(struct hv_mqtt *m);
/* New rows in the outbox: drain if connected. */
void hv_mqtt_kick(struct hv_mqtt *m);
/* Retained status topic from *status (hv_status_to_json; wall_usec > 0:
 * the time it was true). -ENOTCONN when not connected. */
int hv_mqtt_publish_status(struct hv_mqtt *m, const struct hv_status *status,
			   int64_t wall_usec);

/* Measurements handed to the broker and not yet acknowledged (tests, bench). */
size_t hv_mqtt_in_flight(const struct hv_mqtt *m);
