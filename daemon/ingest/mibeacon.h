/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Encrypted MiBeacon scales (drivers/xiaomi_s400.c) between the decoder and
 * the pipeline: frames whose counter is not newer than the last one accepted
 * from that device are replays (or the scale's own repeats) and go no
 * further; the S400's two packets of one weigh-in (weight, heart rate and
 * 50 kHz impedance; then the 250 kHz impedance, same weigh-in id) become
 * one measurement. A first packet whose second never comes goes on alone
 * after HV_MIBEACON_JOIN_USEC. State is bounded: HV_MIBEACON_DEVICES_MAX
 * devices, the least recently heard forgotten (its held packet goes on).
 */

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"
#include "drivers/measurement.h"

#define HV_MIBEACON_DEVICES_MAX 64
#define HV_MIBEACON_JOIN_USEC (10ULL * 1000000ULL)
#define HV_MIBEACON_OUT_MAX 2

/* What goes on to the pipeline, in order. */
struct hv_mibeacon_out {
	size_t n;
	struct {
		struct hv_frame frame;
		struct hv_measurement m;
	} v[HV_MIBEACON_OUT_MAX];
};

struct hv_mibeacon_stats {
	uint64_t replayed; /* counter not newer: ignored */
	uint64_t joined; /* weigh-ins whose two packets became one */
	uint64_t alone; /* first packets that went on without their second */
};

struct hv_mibeacon;

int hv_mibeacon_new(struct hv_mibeacon **ret);
struct hv_mibeacon *hv_mibeacon_free(struct hv_mibeacon *mb);

/* Whether a decoded measurement is one for this stage to see. */
bool hv_mibeacon_applies(const struct hv_measurement *m);

/*
 * One decoded (so authenticated) frame with its measurement, at monotonic
 * time now: ret holds what goes on (nothing for a replay or a held first
 * packet). frame->address must be set.
 */
int hv_mibeacon_feed(struct hv_mibeacon *mb, const struct hv_frame *frame,
		     const struct hv_measurement *m, uint64_t now,
		     struct hv_mibeacon_out *ret);

/* The held first packets whose wait is over (all of them with flush), at
 * most HV_MIBEACON_OUT_MAX a call: call again until ret->n is 0. */
void hv_mibeacon_tick(struct hv_mibeacon *mb, uint64_t now, bool flush,
		      struct hv_mibeacon_out *ret);

/* When to call hv_mibeacon_tick(); UINT64_MAX: never. */
uint64_t hv_mibeacon_next_usec(const struct hv_mibeacon *mb);

const struct hv_mibeacon_stats *hv_mibeacon_stats(const struct hv_mibeacon *mb);
