/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `homevitals capture --gatt ADDRESS`: record one device's GATT
 * conversation (services, characteristics, values read and notified, with
 * timestamps) as JSONL (docs/capture.md).
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

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
	const char *adapter; /* adapter object path, e.g. /org/bluez/hci0 */
	const char *address; /* AA:BB:CC:DD:EE:FF */
	bool pseudonymise;
	FILE *out;
	uint64_t start_usec; /* "t" is counted from here */
	uint64_t deadline_usec; /* stop recording then; 0 = only on *stop */
	volatile sig_atomic_t *stop; /* set by a signal handler */
};

/*
 * Discover the device if BlueZ does not know it yet, Connect, wait for
 * ServicesResolved, write the services and characteristics, ReadValue every
 * readable and StartNotify every notify/indicate characteristic, record
 * values until the deadline, Disconnect. Errors are logged (device not
 * found: -ENODEV; Connect failed: the BlueZ error's errno; no services:
 * -ENOENT). ret_lines: lines written (also on failure), may be NULL.
 */
int hv_capture_gatt(sd_bus *bus, const struct hv_capture_gatt_options *o,
		    unsigned *ret_lines);
