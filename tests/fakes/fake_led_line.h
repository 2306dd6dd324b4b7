/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A fake GPIO line for daemon/led/led.c: records every physical level written,
 * stamped with a fake CLOCK_MONOTONIC the test advances, so a test can read
 * the LED's on/off timeline back.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/led/led.h"

#define FAKE_LED_MAX_EVENTS 4096

struct fake_led_event {
	uint64_t usec; /* fake clock when written */
	bool level; /* physical level */
};

struct fake_led_line {
	uint64_t now_usec; /* the fake clock; tests advance it */
	int open_error; /* next open fails with this (negative) errno */
	int set_error; /* set fails with this (negative) errno */
	bool opened, closed;
	char chip[64];
	unsigned offset;
	bool level; /* current physical level */
	size_t n_events; /* including the initial level at open */
	struct fake_led_event events[FAKE_LED_MAX_EVENTS];
};

/* The one fake line (tests run one LED at a time). */
extern struct fake_led_line fake_led;
extern const struct hv_led_line_ops fake_led_line_ops;

void fake_led_line_reset(void);
/* For hv_led_set_clock(): returns fake_led.now_usec. */
uint64_t fake_led_clock(void *userdata);
