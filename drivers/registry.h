/* SPDX-License-Identifier: MIT */
#pragma once

#include "drivers/driver.h"

/* Declarations of every driver, expanded from drivers.def. */
#define HV_DRIVER(name) extern const struct hv_driver name;
#include "drivers/drivers.def"
#undef HV_DRIVER

extern const struct hv_driver *const hv_drivers[];
extern const size_t hv_drivers_count;

const struct hv_driver *hv_driver_by_id(const char *id);

/* "scale", "heart_rate", … as `homevitals drivers --json` prints them;
 * NULL when out of range. */
const char *hv_driver_kind_name(enum hv_driver_kind kind);
enum hv_driver_kind hv_driver_kind_from_name(const char *name);

/*
 * How many drivers drivers.def lists, known to the compiler: the size of a
 * caller's counter array and of the dispatch index's candidate masks, so a
 * new driver needs no bound raised by hand.
 */
enum {
	HV_DRIVERS_MAX = 0
#define HV_DRIVER(name) +1
#include "drivers/drivers.def"
#undef HV_DRIVER
};

/* Distinct keys of one kind in the dispatch index (characteristics,
 * service data UUIDs, company IDs), which test_registry checks the
 * registry fits. */
#define HV_REGISTRY_KEYS_MAX 128

/*
 * Decode one frame through the whole registry: vendor drivers first, generic
 * profile decoders last; drivers marked NEEDS_SELECTION only when they claim
 * the device (name, services, manufacturer data). Only the drivers whose
 * match keys the frame carries are tried (driver.h, struct hv_match), from
 * an index built on first use. `forced` (may be NULL) tries that driver
 * alone. Always fills ret: OK, INVALID or NOT_MINE; only ret's header and
 * the array entries below its counts are written (hv_measurement_reset()).
 * Returns the hv_decode_fn code of the deciding driver, -ENODEV when none.
 */
int hv_registry_decode(const struct hv_frame *frame,
		       const struct hv_driver *forced,
		       struct hv_measurement *ret);

/*
 * Body composition without a second decode: `out` becomes `m` (they may be
 * the same) without its derived readings (those with a method), then with
 * those the driver's derive hook computes for the profile from what its
 * decode kept (m->bia). driver NULL: the one m->driver names. None with an
 * incomplete profile, a driver without the hook or nothing kept. Returns the
 * number of derived readings added, or -errno from the hook.
 */
int hv_registry_derive(const struct hv_driver *driver,
		       const struct hv_measurement *m,
		       const struct hv_profile *profile,
		       struct hv_measurement *out);

/* What one decode did, for per-driver counters. */
enum hv_decode_outcome {
	HV_OUTCOME_NOT_MINE, /* no driver claimed the frame */
	HV_OUTCOME_CLAIMED, /* a measurement, not final (a stage, a control frame) */
	HV_OUTCOME_FINAL, /* a final measurement */
	HV_OUTCOME_INVALID, /* the driver's frame, malformed: ret->error says why */
	_HV_OUTCOME_MAX,
};

const char *hv_decode_outcome_name(enum hv_decode_outcome outcome);

/*
 * hv_registry_decode(), also telling which driver decided: *ret_driver is
 * its index in hv_drivers[] (-1 when none), *ret_outcome how it went. Both
 * may be NULL and, like ret, are always written.
 */
int hv_registry_decode_outcome(const struct hv_frame *frame,
			       const struct hv_driver *forced,
			       struct hv_measurement *ret, int *ret_driver,
			       enum hv_decode_outcome *ret_outcome);

/*
 * Per-driver counts, owned by the caller (one per hv_drivers[] index):
 * `claimed` counts every frame the driver decided, of which `final` were
 * final measurements and `invalid` malformed frames, the last reason kept.
 */
struct hv_driver_counters {
	uint64_t claimed;
	uint64_t final;
	uint64_t invalid;
	char last_invalid_reason[HV_ERROR_MAX]; /* "" until the first */
};

/* Counts one outcome; `reason` (ret->error, may be NULL) for INVALID. */
void hv_driver_counters_note(struct hv_driver_counters *c,
			     enum hv_decode_outcome outcome,
			     const char *reason);

/* Whether hv_registry_decode() dispatches through the index (false only
 * if the match tables outgrow its bounds: it then walks every driver). */
bool hv_registry_indexed(void);

/* The reference for the index: every driver in turn, as the registry
 * decoded before it had one (tests and benchmarks compare against it). */
int hv_registry_decode_linear(const struct hv_frame *frame,
			      struct hv_measurement *ret);

/* The driver that should own a connection to this advertised device. */
const struct hv_driver *hv_registry_select(const struct hv_frame *advert);

/* Does the driver's match table name this frame (cheap prefilter)? */
bool hv_driver_matches(const struct hv_driver *d, const struct hv_frame *f);
