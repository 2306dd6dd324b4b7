/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The pipeline owns time and memory across frames (docs/pipeline.md): which
 * frames make one weigh-in, which packets make one body-composition
 * measurement, what is a repeat, the stable id, the best time known, the
 * person, derived body composition. Plain C over plain structs with the
 * clock passed in: tested without BlueZ or SQLite.
 *
 * Rules (docs/pipeline.md):
 *  - Advertised scales: a weigh-in is the frames from one step-on to the
 *    step-off. Live (unstable) frames are never stored. The final value is
 *    the stabilised frame (the one with impedance when the scale sends one
 *    later); it is emitted once, when the load-removed frame arrives or after
 *    `session_quiet_usec` of silence. Repeats of that value (the scale keeps
 *    advertising it) and a stray small value after the step-off are ignored
 *    for `linger_usec`. Object weighings are not body weight: ignored.
 *  - Other advertised devices: one measurement per `advert_interval_usec`
 *    per device at most, and an unchanged value only every
 *    `advert_repeat_usec`.
 *  - GATT values: every final measurement; multi-packet ones are joined; a
 *    measurement that says its context follows (glucose) waits for it.
 *  - Time: the device's clock when plausible (local time, converted with the
 *    gateway's zone), else the receive time — and until the wall clock is
 *    known the record is held (bounded) and dated once it is.
 */

#include <stdbool.h>
#include <stdint.h>

#include "daemon/common/measurement_json.h"
#include "drivers/driver.h"

struct hv_pipeline;

/* A moment as seen by the gateway. */
struct hv_clock_sample {
	uint64_t mono_usec; /* CLOCK_BOOTTIME */
	int64_t wall_usec; /* CLOCK_REALTIME; meaningful only when wall_known */
	bool wall_known; /* the system clock is synchronised */
	int32_t utc_offset_s; /* local zone offset, for device clocks */
};

struct hv_pipeline_ops {
	/* Choose the person (write r->person, or leave it "") and give that
	 * person's profile when known (return true). */
	bool (*assign)(struct hv_record *r, struct hv_profile *ret_profile,
		       void *userdata);
	/* Store it: 1 stored, 0 already stored, -errno. */
	int (*accept)(const struct hv_record *r, void *userdata);
};

struct hv_pipeline_settings {
	uint64_t session_quiet_usec; /* 10 s */
	uint64_t linger_usec; /* 90 s */
	uint64_t advert_interval_usec; /* 30 s */
	uint64_t advert_repeat_usec; /* 300 s: an unchanged value again */
	uint64_t packet_timeout_usec; /* 30 s: drop a half multi-packet */
	uint64_t context_timeout_usec; /* 5 s: wait for a glucose context */
	unsigned pending_max; /* records held while the clock is unknown */
	double stray_max_kg; /* 5 kg */
};

struct hv_pipeline_stats {
	uint64_t emitted; /* handed to accept() */
	uint64_t stored; /* accept() said stored */
	uint64_t duplicates; /* accept() said already stored */
	uint64_t failed; /* accept() failed: kept nowhere else */
	uint64_t ignored_live;
	uint64_t ignored_repeat;
	uint64_t ignored_stray;
	uint64_t ignored_object;
	uint64_t dropped_packets;
	uint64_t pending; /* held now, waiting for the wall clock */
	uint64_t pending_dropped; /* held queue overflowed */
};

void hv_pipeline_settings_default(struct hv_pipeline_settings *ret);

int hv_pipeline_new(const struct hv_pipeline_settings *settings,
		    const struct hv_pipeline_ops *ops, void *userdata,
		    struct hv_pipeline **ret);
struct hv_pipeline *hv_pipeline_free(struct hv_pipeline *p);

/*
 * Feed one decoded measurement (status OK) with the frame it came from.
 * frame->address names the device. Returns 0, or the accept() error of a
 * measurement emitted now.
 */
int hv_pipeline_feed(struct hv_pipeline *p, const struct hv_frame *frame,
		     const struct hv_driver *driver,
		     const struct hv_measurement *m,
		     const struct hv_clock_sample *now);

/* End quiet weigh-ins, release held records once the clock is known.
 * ret_next_usec: the next mono deadline, UINT64_MAX when none. */
int hv_pipeline_tick(struct hv_pipeline *p, const struct hv_clock_sample *now,
		     uint64_t *ret_next_usec);

/* Shutdown: emit every weigh-in that has a final value. */
int hv_pipeline_flush(struct hv_pipeline *p,
		      const struct hv_clock_sample *now);

const struct hv_pipeline_stats *hv_pipeline_stats(const struct hv_pipeline *p);

/* Stable id: 32 hex characters from driver, address and the event key. */
void hv_measurement_id(const char *driver, const char *address,
		       const char *event_key, char ret[HV_ID_MAX]);
