/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Heart rate from trackers (drivers of kind fitness band: watches, rings)
 * kept as one measurement per device and minute — the mean of the
 * minute's samples, context "period": "PT1M", dated at the minute's start
 * — not one per notification: a watch notifying at 1 Hz would write 60
 * rows a minute (docs/trackers.md "A year of wear"). Chest straps keep
 * every notification (their RR-intervals need it).
 *
 * A minute is emitted when a sample of a later minute arrives, or at
 * shutdown (hv_minute_summary_take_held).
 */

#include <stdbool.h>

#include "daemon/store/store.h"

#define HV_MINUTE_KEYS_MAX 32

struct hv_minute_summary;

int hv_minute_summary_new(struct hv_minute_summary **ret);
struct hv_minute_summary *hv_minute_summary_free(struct hv_minute_summary *s);

/* A tracker's heart-rate sample: a fitness band's measurement whose only
 * reading is a heart rate. */
bool hv_minute_summary_applies(const struct hv_measurement *m);

/*
 * Take one sample (r, dated). When it begins a new minute for its device,
 * the finished minute is written to *ret_done and 1 returned; else 0.
 * -EINVAL for a record that does not apply.
 */
int hv_minute_summary_feed(struct hv_minute_summary *s,
			   const struct hv_record *r, struct hv_record *ret_done);

/* One minute still open (cleared here): 1, or 0 when none. */
int hv_minute_summary_take_held(struct hv_minute_summary *s,
				struct hv_record *ret);
