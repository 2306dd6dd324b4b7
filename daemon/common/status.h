/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One status struct feeds the LED, sd_notify STATUS=, the retained MQTT
 * status and `homevitals status`, so they never disagree.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

const char *hv_adapter_state_name(enum hv_adapter_state s);
const char *hv_broker_state_name(enum hv_broker_state s);
const char *hv_storage_state_name(enum hv_storage_state s);

/* One line for sd_notify STATUS= and logs. */
void hv_status_format(const struct hv_status *s, uint64_t now_usec, char *buf,
		      size_t size);
