/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The loop `homevitals capture` runs on, with or without --gatt: the
 * system bus, the daemon's BlueZ client (daemon/bluez/) set to start no
 * driver's session and to leave BlueZ's device list alone, and the end at
 * a deadline or SIGINT/SIGTERM.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/bluez/bluez.h"

struct hv_capture_loop {
	const char *adapter; /* adapter name, e.g. hci0; NULL: the first */
	uint64_t deadline_usec; /* CLOCK_MONOTONIC; 0: only a signal ends it */
	/* The deadline passed or a signal came; NULL: the loop ends (0). */
	void (*stop)(bool by_signal, void *userdata);

	/* while running */
	sd_event *event;
	struct hv_bluez *bluez;
	int result;
};

/* Run until hv_capture_loop_exit(); cb/userdata go to hv_bluez_new().
 * Returns the result given to hv_capture_loop_exit(), or a -errno of the
 * set-up (logged). */
int hv_capture_loop_run(struct hv_capture_loop *l,
			const struct hv_bluez_callbacks *cb, void *userdata);
void hv_capture_loop_exit(struct hv_capture_loop *l, int result);
