/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The pure half of a GATT session: which step of a driver's conversation
 * runs next (drivers/conversation.h), what a value means for it, and when a
 * device may be connected again (cool-down, exponential backoff). The D-Bus
 * half lives in bluez.c and only executes what these functions decide, so
 * all decisions are tested without a bus.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/basic/macro.h"
#include "drivers/conversation.h"
#include "drivers/uuid.h"

/* ---- the conversation runner ------------------------------------------ */

#define HV_CONV_DEFAULT_TIMEOUT_MS 10000u
#define HV_CONV_MAX_TRANSITIONS 1024u /* GOTO loops end with -ELOOP */
#define HV_CONV_STASH_MAX 4

/* A value notified while no WAIT step listened to it (typically the answer
 * to a control-point write that arrives before the write's reply). */
struct hv_conv_stashed {
	struct hv_uuid characteristic;
	size_t len;
	uint8_t value[32];
};

struct hv_conv {
	const struct hv_conversation *conv;
	struct hv_session *session;
	size_t index; /* current step */
	unsigned transitions;
	bool finished;
	int result; /* when finished: 0 or -errno */
	size_t n_stash;
	struct hv_conv_stashed stash[HV_CONV_STASH_MAX];
};

/* Fill a session's defaults and clock: user_index -1, last_sequence -1,
 * records_expected -1, now_unix, now_local (localtime_r), day_of_week. */
void hv_session_init(struct hv_session *s, int64_t now_unix);

/* A value of `characteristic` seen on the connection at the gateway's wall
 * clock `now_usec` (0: unknown): the first Current Time (0x2A2B) is kept as
 * the device's clock, to correct its stored records by (an implausible
 * date is kept as a time fault). Later ones are the clock the gateway just
 * set. Returns true when kept. */
bool hv_session_note_current_time(struct hv_session *s,
				  const struct hv_uuid *characteristic,
				  const uint8_t *value, size_t len,
				  int64_t now_usec);

void hv_conv_init(struct hv_conv *c, const struct hv_conversation *conv,
		  struct hv_session *session);

/*
 * The step to run now, skipping those whose SKIP_IF_* flag applies; NULL
 * when the conversation is over (past the last step, HV_STEP_END, or a
 * failure): then c->result is 0 or the failing step's -errno.
 */
const struct hv_step *hv_conv_current(struct hv_conv *c);

/*
 * The current step ended: r = 0 (done) or -errno (failed, -ETIMEDOUT,
 * -ENOENT for a missing characteristic). Failure goes to on_fail, past an
 * OPTIONAL step, or ends the conversation.
 */
void hv_conv_step_done(struct hv_conv *c, int r);

/*
 * A value for the current step (the READ result, or a notification on the
 * WAIT step's characteristic): runs on_value(). Returns 1 when the step has
 * ended (the caller looks at hv_conv_current() again), 0 when the step
 * still waits.
 */
int hv_conv_feed(struct hv_conv *c, const uint8_t *value, size_t len);

/*
 * The current step's timer fired. A WAIT step with on_timeout() may hand on
 * a value: then returns 1 with it in buf (*ret_len) and the characteristic
 * to decode it as (*ret_characteristic), and the step is done. Otherwise
 * the step ends timed out (or failed, as on_timeout() says) and returns 0.
 * The caller decodes the value before it runs the next step.
 */
int hv_conv_time_out(struct hv_conv *c, uint8_t *buf, size_t size,
		     size_t *ret_len, struct hv_uuid *ret_characteristic);

/* Does this notification belong to the current WAIT step? */
bool hv_conv_waits_for(struct hv_conv *c, const struct hv_uuid *characteristic);

/* Keep a notification nobody waits for yet (the oldest is dropped when
 * full; values longer than the slot are not kept). */
void hv_conv_stash(struct hv_conv *c, const struct hv_uuid *characteristic,
		   const uint8_t *value, size_t len);

/* Feed stashed values matching the current WAIT step, then empty the stash.
 * Returns 1 when the step ended on one of them, else 0. */
int hv_conv_replay_stash(struct hv_conv *c);

/* The bytes a WRITE step sends: payload() or the static bytes. */
int hv_conv_write_payload(const struct hv_step *step,
			  const struct hv_session *s, uint8_t *buf,
			  size_t size, size_t *ret_len);

/* A step's timeout in microseconds (its own or the default). */
usec_t hv_conv_step_timeout_usec(const struct hv_step *step);

/* Parse a step's service/characteristic text; NULL service → -ENOENT. */
int hv_conv_step_uuid(const char *text, struct hv_uuid *ret);

/* ---- when to connect ----------------------------------------------------- */

struct hv_gatt_timing {
	usec_t cooldown; /* after a success: 5 min, unless the device went away */
	usec_t absence; /* silence that counts as "went away and came back" */
	usec_t backoff_base; /* first retry delay after a failure */
	usec_t backoff_max;
};

extern const struct hv_gatt_timing hv_gatt_timing_default;

/* Delay before the next attempt after `failures` consecutive failures
 * (>= 1): base * 2^(failures-1), capped at max. */
usec_t hv_gatt_backoff_usec(const struct hv_gatt_timing *t, unsigned failures);

/* Per-address connection policy; kept by address, not by D-Bus object. */
struct hv_gatt_peer {
	usec_t last_seen; /* monotonic, last advert; 0 never */
	usec_t not_before; /* no connection before this */
	unsigned failures; /* consecutive failed sessions */
	bool succeeded; /* the last session succeeded */
	bool busy; /* queued or in a session */
};

/* An advert at `now`. Returns true when a session should be queued now. */
bool hv_gatt_peer_advert(struct hv_gatt_peer *p, const struct hv_gatt_timing *t,
			 usec_t now);

/* A session ended with result (0 or -errno) at `now`. */
void hv_gatt_peer_finished(struct hv_gatt_peer *p,
			   const struct hv_gatt_timing *t, int result,
			   usec_t now);
