/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One status struct feeds the LED, sd_notify STATUS=, the retained MQTT
 * status and `homevitals status`, so they never disagree.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/registry.h"

struct cJSON;

enum hv_adapter_state {
	HV_ADAPTER_UNKNOWN,
	HV_ADAPTER_OK, /* powered and discovering */
	HV_ADAPTER_MISSING, /* no adapter, or bluetoothd gone */
	HV_ADAPTER_ERROR, /* powered off, discovery refused … */
};

enum hv_broker_state {
	HV_BROKER_DISABLED,
	HV_BROKER_CONNECTING,
	HV_BROKER_CONNECTED,
	HV_BROKER_UNREACHABLE, /* refused, auth, TLS, unreachable: backing off */
};

enum hv_storage_state {
	HV_STORAGE_OK,
	HV_STORAGE_FULL, /* disk full: new readings cannot be kept */
	HV_STORAGE_ERROR, /* I/O error, corrupt */
};

/* One audience's own connection (docs/consent.md): its broker may be
 * another server than the main one, and fail on its own. */
struct hv_audience_status {
	const char *name; /* the configuration's, which outlives the status */
	enum hv_broker_state broker;
	char broker_error[128];
};

struct hv_status {
	enum hv_adapter_state adapter;
	char adapter_name[16];
	enum hv_broker_state broker;
	char broker_error[128]; /* last connection error, for humans */
	enum hv_storage_state storage;
	uint64_t backlog; /* measurements not yet delivered */
	uint64_t accepted; /* measurements stored since start */
	uint64_t last_reading_usec; /* CLOCK_MONOTONIC of the last stored one */
	uint64_t started_usec; /* CLOCK_MONOTONIC at start */
	bool clock_synchronised; /* wall clock known (see pipeline time) */
	/* Frames per driver (index into hv_drivers[]), kept by ingest. */
	const struct hv_driver_counters *drivers;
	size_t n_drivers;
	/* Audiences, in the configuration's order; none without the key. */
	const struct hv_audience_status *audiences;
	size_t n_audiences;
};

const char *hv_adapter_state_name(enum hv_adapter_state s);
const char *hv_broker_state_name(enum hv_broker_state s);
const char *hv_storage_state_name(enum hv_storage_state s);

/* The worst of the main broker's state and each audience's, for the LED:
 * one audience's broker out of reach is a broker out of reach. */
enum hv_broker_state hv_status_worst_broker(const struct hv_status *s);

/* One line for sd_notify STATUS= and logs; names each audience whose
 * broker is not connected. */
void hv_status_format(const struct hv_status *s, uint64_t now_usec, char *buf,
		      size_t size);

/*
 * The status as one JSON object, for the retained MQTT status and the
 * status file `homevitals status` reads: version, gateway, time (when the
 * wall clock is known: wall_usec > 0), uptime, states, backlog, each
 * audience's broker state, and the drivers that saw frames with their
 * counts and last invalid reason.
 */
int hv_status_to_json(const struct hv_status *s, const char *gateway,
		      uint64_t now_usec, int64_t wall_usec,
		      struct cJSON **ret);

/* Write the status JSON to path atomically (a temporary file renamed). */
int hv_status_write_file(const char *path, const struct cJSON *status);
