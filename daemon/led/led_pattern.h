/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The caregiver's status LED, as pure logic: which pattern the daemon's
 * state maps to, and whether the LED is lit at a given time within a
 * pattern. No clock, no I/O: every function takes "now" (CLOCK_MONOTONIC,
 * microseconds) from the caller. daemon/led/led.c drives a GPIO line from it;
 * docs/led.md is the card a caregiver reads.
 *
 * Priorities, highest first (the first that applies wins):
 *   1. storage problem    long-short   new readings cannot be kept
 *   2. reading received   two blinks   for HV_LED_ACK_USEC after it was stored
 *   3. Bluetooth problem  fast blink   no adapter, or it is off or failing
 *   4. broker unreachable slow blink   readings wait safely on the gateway
 *   5. all well           steady on
 * Off means the daemon is not running (or has no power).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hv_led_pattern {
	HV_LED_OFF,
	HV_LED_STEADY,
	HV_LED_SLOW_BLINK, /* broker unreachable */
	HV_LED_FAST_BLINK, /* Bluetooth problem */
	HV_LED_DOUBLE_BLINK, /* reading received and stored */
	HV_LED_LONG_SHORT, /* storage problem */
	_HV_LED_PATTERN_MAX,
};

/* One segment of a pattern: the LED on or off for ms milliseconds. */
struct hv_led_step {
	bool on;
	uint32_t ms;
};

struct hv_led_pattern_info {
	const char *name; /* "slow-blink" */
	const char *meaning; /* one line for the caregiver's card */
	const struct hv_led_step *steps; /* one cycle, repeated */
	size_t n_steps; /* 1: constant */
};

/* What the LED reflects, reduced from the daemon's status struct. */
struct hv_led_conditions {
	bool storage_problem; /* disk full or store failing */
	bool bluetooth_problem; /* adapter missing, off or failing */
	bool broker_problem; /* an MQTT broker unreachable: the main one or an
			      * audience's (readings queued) */
};

/* How long the "reading received" pattern shows: three cycles of it. */
#define HV_LED_ACK_USEC ((uint64_t)3300000)

const struct hv_led_pattern_info *hv_led_pattern_info(enum hv_led_pattern p);

/* The pattern for these conditions; reading_ack: a reading was just stored. */
enum hv_led_pattern hv_led_pattern_choose(const struct hv_led_conditions *c,
					  bool reading_ack);

/*
 * Level of pattern p at elapsed_usec after the pattern began. When
 * ret_next_usec is not NULL it receives the elapsed time at which the level
 * next changes (UINT64_MAX: never). Unknown patterns are off.
 */
bool hv_led_pattern_level(enum hv_led_pattern p, uint64_t elapsed_usec,
			  uint64_t *ret_next_usec);

/*
 * The state machine: conditions and a pending acknowledgement in, pattern and
 * level out. A pattern's cycle starts when the pattern becomes current; a
 * reading while the acknowledgement shows extends it to HV_LED_ACK_USEC after
 * that reading and keeps its cycle going (never back to its dark start).
 */
struct hv_led_machine {
	struct hv_led_conditions cond;
	uint64_t ack_start_usec;
	uint64_t ack_until_usec; /* 0: no acknowledgement pending */
	enum hv_led_pattern pattern; /* current; HV_LED_OFF before the first step */
	uint64_t pattern_start_usec;
};

void hv_led_machine_init(struct hv_led_machine *m);
void hv_led_machine_set_conditions(struct hv_led_machine *m,
				   const struct hv_led_conditions *c);
void hv_led_machine_reading(struct hv_led_machine *m, uint64_t now_usec);

/*
 * Evaluate at now_usec (never earlier than a previous call): returns the
 * current pattern, stores whether the LED is lit in *ret_on and the absolute
 * time of the next change (level or pattern) in *ret_next_usec (UINT64_MAX:
 * nothing changes until the conditions do).
 */
enum hv_led_pattern hv_led_machine_step(struct hv_led_machine *m,
					uint64_t now_usec, bool *ret_on,
					uint64_t *ret_next_usec);
