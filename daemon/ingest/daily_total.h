/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Daily totals from a device's running day counter (docs/trackers.md): a
 * watch notifies "steps today" again and again, zeroes it at its midnight
 * and loses it on a reboot. The gateway keeps one row per device and local
 * day holding the day's total, updated as it grows; it is final once the
 * day is over or the counter starts again.
 *
 * How a counter value c maps to the day's total (per device key):
 *  - the same day: total = offset + c; when c drops below the last value
 *    the counter started again (a reboot, or the watch's own midnight a
 *    little after ours), so offset grows by that last value;
 *  - a new day: offset 0, unless within HV_DAILY_RESET_WINDOW_S after
 *    midnight the counter has not dropped yet (the watch's clock is a
 *    little behind): then what it counted yesterday is taken off
 *    (offset = -last), so no step is counted twice;
 *  - a day earlier than the last one (the clock went back): -ESTALE.
 * A grown total is handed out for storing at most once per
 * HV_DAILY_STORE_INTERVAL_S (each update is a row rewritten and an outbox
 * row: a watch notifies on every few steps), except the first of a day;
 * the last total of a day not handed out yet is when the next day begins,
 * or at shutdown (hv_daily_totals_take_held).
 * State lives in memory, and is taken up again after a gateway restart
 * from the day's stored row (hv_daily_totals_restore): its total, and the
 * counter value of the frame stored with it; a day's stored total is never
 * lowered (hv_daily_total_store).
 */

#include <stdbool.h>
#include <stdint.h>

#include "daemon/store/store.h"
#include "drivers/measurement.h"

#define HV_DAILY_RESET_WINDOW_S 600
#define HV_DAILY_STORE_INTERVAL_S 900
#define HV_DAILY_KEYS_MAX 32

struct hv_daily_totals;

int hv_daily_totals_new(struct hv_daily_totals **ret);
struct hv_daily_totals *hv_daily_totals_free(struct hv_daily_totals *t);

struct hv_daily_total {
	int64_t day; /* local days since 1970-01-01 */
	uint32_t total; /* the day's total so far */
	bool changed; /* to be stored: grown since the last one handed out */
	bool held; /* grown, but held back for now */
	/* A new day began while the last day's final total was still held
	 * back: store that too. */
	bool has_final;
	int64_t final_day;
	uint32_t final_total;
};

/*
 * One counter value from the device `key` at local time local_s (seconds
 * since 1970-01-01 00:00 local). 0, or -ESTALE for a day before the last
 * one seen (nothing changed), -EINVAL.
 */
int hv_daily_totals_feed(struct hv_daily_totals *t, const char *key,
			 int64_t local_s, uint32_t counter,
			 struct hv_daily_total *ret);

/* A device's running day total: a step_count with context period P1D. */
bool hv_daily_total_applies(const struct hv_measurement *m);

/*
 * Turn the record of one counter value into its day's row: the step
 * reading becomes the day's total, the id names the device and the day,
 * the time is the day's local midnight. Returns a mask: HV_DAILY_STORE
 * (store r), HV_DAILY_STORE_FINAL (store *ret_final first: the previous
 * day's last total, held back until now); 0 nothing to store; -ESTALE,
 * -EINVAL.
 */
#define HV_DAILY_STORE 1
#define HV_DAILY_STORE_FINAL 2
int hv_daily_total_record(struct hv_daily_totals *t, struct hv_record *r,
			  struct hv_record *ret_final);

/*
 * Take up a device's day where a stored row left it, before its first
 * value since the start: `total` stored, `last` the counter value it was
 * made of (-1 unknown: then a first value below the total means the
 * counter started again, and the total counts on from there). 1 seeded,
 * 0 the device is known already, -EINVAL.
 */
int hv_daily_totals_seed(struct hv_daily_totals *t, const char *key,
			 int64_t day, uint32_t total, int64_t last);
bool hv_daily_totals_knows(const struct hv_daily_totals *t, const char *key);

/*
 * For the record of a counter value from a device not seen since the
 * start: seed its state from the store's row of that local day, if any.
 * 1 seeded, 0 nothing to take up, -errno.
 */
int hv_daily_totals_restore(struct hv_daily_totals *t, struct hv_store *s,
			    const struct hv_record *r);

/* One row held back (a grown total not stored yet), cleared here: 1, or 0
 * when there is none. For shutdown. */
int hv_daily_totals_take_held(struct hv_daily_totals *t, struct hv_record *ret);

/*
 * Store the day's row: added the first time, replaced (and queued for
 * publishing again) as the total grows; a stored total is never lowered.
 * 1 written, 0 nothing to write, -errno from the store.
 */
int hv_daily_total_store(struct hv_store *s, const struct hv_record *r);
