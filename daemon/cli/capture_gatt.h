/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `homevitals capture --gatt ADDRESS`: record one device's GATT
 * conversation (services, characteristics, values read and notified, with
 * timestamps) as JSONL (docs/capture.md). The conversation is the daemon's
 * BlueZ client's (daemon/bluez/: hv_bluez_survey()); this file writes what
 * it reports.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Locally administered pseudonym 02:00:00:00:HH:LL for number n. */
void hv_capture_pseudonym(unsigned n, uint8_t ret[6]);

/* "AA:BB:CC:DD:EE:FF" → 6 bytes; -EINVAL otherwise. */
int hv_capture_parse_address(const char *text, uint8_t ret[6]);

/* Replace mac (forwards or byte-reversed) by alias wherever data holds it. */
void hv_capture_scrub(uint8_t *data, size_t len, const uint8_t mac[6],
		      const uint8_t alias[6]);

/* CLOCK_MONOTONIC in µs. */
uint64_t hv_capture_now_usec(void);

struct hv_capture_gatt_options {
	const char *adapter; /* adapter name, e.g. hci0; NULL: the first */
	const char *address; /* AA:BB:CC:DD:EE:FF */
	bool pseudonymise;
	FILE *out;
	uint64_t start_usec; /* "t" is counted from here (CLOCK_MONOTONIC) */
	uint64_t deadline_usec; /* stop recording then; 0 = at SIGINT/SIGTERM */
};

/*
 * On the system bus: wait for the device (BlueZ knows it, or it
 * advertises), survey it (hv_bluez_survey(): Connect, services and
 * characteristics, every readable one read, every notify/indicate one
 * subscribed) and write each exchange as a line until the deadline or a
 * signal, then Disconnect. Errors are logged (device not found: -ENODEV;
 * no services: -ENOENT; Connect failed: the BlueZ error's errno).
 * ret_lines: lines written (also on failure), may be NULL.
 */
int hv_capture_gatt(const struct hv_capture_gatt_options *o,
		    unsigned *ret_lines);
