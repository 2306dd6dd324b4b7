/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The caregiver's status LED: one GPIO line driven from the status struct
 * by the pure pattern logic in daemon/led/led_pattern.h, blinking on sd-event
 * timers. The line itself sits behind a small ops struct: libgpiod in
 * daemon/led/led_gpiod.c, a recording fake in tests/fakes/fake_led_line.c.
 * docs/led.md is the pattern table.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/led/led_pattern.h"

struct hv_config;
struct hv_status;
struct hv_led;

/* A GPIO output line. Levels here are physical (active_low is led.c's job). */
struct hv_led_line_ops {
	const char *name;
	/*
	 * Open chip (name "gpiochip0", label, path, or number) and request
	 * line offset as an output at level initial. -ENODEV: no such chip;
	 * -EINVAL: no such line; -EBUSY: line in use; -EACCES: no permission.
	 */
	int (*open)(const char *chip, unsigned offset, bool initial,
		    void **ret_line);
	int (*set)(void *line, bool level);
	void (*close)(void *line); /* releases the line; NULL ok */
};

/* The libgpiod backend (v1 API, or v2 when built with HV_GPIOD_V2). */
extern const struct hv_led_line_ops hv_led_gpiod_ops;

/*
 * No LED configured (cfg->led.chip NULL): *ret = NULL, returns 0 (the caller
 * logs once). Chip missing: -ENODEV (the caller logs once and runs without).
 * The LED starts in the pattern for "all well" until hv_led_update().
 */
int hv_led_new(sd_event *event, const struct hv_config *cfg,
	       struct hv_led **ret);

/*
 * The same with an explicit backend. event may be NULL: no timers are armed
 * and the caller drives the LED with hv_led_dispatch() (tests, with a fake
 * clock from hv_led_set_clock()).
 */
int hv_led_new_with_ops(sd_event *event, const char *chip, unsigned line,
			bool active_low, const struct hv_led_line_ops *ops,
			struct hv_led **ret);

/* Turns the LED off and releases the line; NULL ok. */
struct hv_led *hv_led_free(struct hv_led *led);

/* Recompute the pattern from the status now. NULL led ok. */
void hv_led_update(struct hv_led *led, const struct hv_status *status);

/* A reading was just stored: show the acknowledgement. NULL led ok. */
void hv_led_reading_received(struct hv_led *led);

/* The status reduced to what the LED shows (pure; exposed for tests). */
void hv_led_conditions_from_status(const struct hv_status *status,
				   struct hv_led_conditions *ret);

/* Tests: a fake CLOCK_MONOTONIC in microseconds (NULL: the real one). */
void hv_led_set_clock(struct hv_led *led, uint64_t (*now)(void *userdata),
		      void *userdata);
/* Apply the pattern at the current time, as the timer does. */
void hv_led_dispatch(struct hv_led *led);
/* Absolute time of the next level or pattern change; UINT64_MAX: none. */
uint64_t hv_led_next_usec(const struct hv_led *led);
enum hv_led_pattern hv_led_pattern(const struct hv_led *led);
bool hv_led_is_on(const struct hv_led *led);
