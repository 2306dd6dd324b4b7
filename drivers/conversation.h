/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A device's GATT conversation, as data. The daemon's GATT session runs any
 * driver's steps with the same code: a new scale family adds a table, not a
 * state machine in daemon/.
 *
 * How the runner executes a conversation:
 *  - steps run in order from index 0; a step ends DONE, FAILED or TIMED OUT;
 *  - every value notified or indicated on a subscribed characteristic is
 *    decoded with the driver's decode() (frame.characteristic set, session
 *    profile and clock given) and measurements with status OK and final are
 *    handed to the pipeline, whatever step is running; a conversation with
 *    assemble() has each value pass through it first, and decode() sees
 *    only what it hands on;
 *  - a step's on_value() sees the notifications of its characteristic (or,
 *    for READ, the value read) and updates the session (user index granted,
 *    record count …);
 *  - a failed or timed-out step ends the conversation unless it is
 *    HV_STEP_OPTIONAL, or on_fail names a step to go to;
 *  - after the last step (or HV_STEP_END) the runner disconnects.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/measurement.h"
#include "drivers/uuid.h"

enum hv_step_op {
	HV_STEP_SUBSCRIBE, /* StartNotify (notify or indicate) */
	HV_STEP_READ, /* ReadValue; the value goes to on_value() and decode() */
	HV_STEP_WRITE, /* WriteValue: bytes, or payload() */
	HV_STEP_WAIT, /* wait for on_value() to return DONE (or timeout) */
	HV_STEP_END, /* stop here successfully */
	_HV_STEP_OP_MAX,
};

enum hv_step_flags {
	HV_STEP_OPTIONAL = 1 << 0, /* missing characteristic/failure: go on */
	HV_STEP_WITH_RESPONSE = 1 << 1, /* write request, not command */
	HV_STEP_SKIP_IF_NO_USER = 1 << 2, /* skip when session.user_index < 0 */
	HV_STEP_SKIP_IF_USER = 1 << 3, /* skip when session.user_index >= 0 */
	/* The device closing the link while this step runs ends the
	 * conversation as done, not failed: a device that hangs up when it
	 * has said all (PICOOC), where the gateway owes it nothing. */
	HV_STEP_HANGUP_ENDS = 1 << 4,
};

/* Per-connection context and scratch state; owned by the runner. */
struct hv_session {
	int64_t now_unix; /* wall clock, UTC seconds */
	struct hv_datetime now_local; /* wall clock, local time */
	uint8_t day_of_week; /* 1 = Monday … 7 = Sunday, 0 = unknown */
	int user_index; /* device user slot; -1 none yet */
	uint16_t consent_code; /* 0..9999 */
	int32_t last_sequence; /* last stored record seen; -1 none */
	struct hv_profile profile; /* the person linked to the slot, if any */
	const char *name; /* advertised name */
	const char *address; /* "AA:BB:CC:DD:EE:FF", or NULL: some vendors key on it */
	unsigned quirks;
	/* Results a step reports to the runner. */
	bool user_registered; /* a new slot was granted: save it */
	int32_t records_expected; /* from a count response; -1 unknown */
	int next_step; /* on_value() may set it with HV_VALUE_GOTO */
	/* The first Current Time (0x2A2B) value on this connection, as the
	 * device kept it (implausible: a time fault), and the gateway's wall
	 * clock (Unix usec) then;
	 * the runner fills them (hv_session_note_current_time()). A driver
	 * that reads the clock its own way (Omron) sets the first two in
	 * on_value() and leaves device_clock_read_usec 0: the runner stamps
	 * it with the wall clock of that value. */
	bool has_device_clock;
	struct hv_datetime device_clock;
	int64_t device_clock_read_usec;
	/* A secret the device hands over once, when it is paired (Trisa's
	 * password), that every later connection needs to answer its
	 * challenge: the runner fills it from what the gateway kept for the
	 * device (secret_len 0: none kept); a step that receives a new one
	 * writes it here and sets secret_received, and the runner keeps it. */
	uint8_t secret[16];
	uint8_t secret_len;
	bool secret_received;
	uint32_t scratch[8]; /* for the driver's own use */
	/* Entropy for this session (handshake nonces, keys, IVs): the runner
	 * fills it from getrandom() before the first step, so drivers stay
	 * pure and tests give fixed bytes. */
	uint8_t random[32];
	/* The device's secrets from the gateway's device keys (a Huawei
	 * Hagrid scale's CAK, C1 and C2, daemon/common/device_keys.h), given
	 * when the session is prepared; secrets_len 0: none. */
	uint8_t secrets[48];
	uint8_t secrets_len;
	/* Scratch for state larger than `scratch` (a message reassembled
	 * from several notifications, a challenge kept between steps). */
	uint8_t scratch_bytes[640];
};

enum hv_value_result {
	HV_VALUE_DONE = 0, /* the step is complete */
	HV_VALUE_MORE = 1, /* not (yet) what the step waits for */
	HV_VALUE_GOTO = 2, /* go to session.next_step */
};

struct hv_step {
	enum hv_step_op op;
	const char *service; /* UUID text: "181d" or full form */
	const char *characteristic;
	/* WRITE: static bytes, or payload() built from the session. */
	const uint8_t *bytes;
	size_t n_bytes;
	int (*payload)(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len);
	/* READ/WAIT: returns enum hv_value_result or -errno (step fails). */
	int (*on_value)(struct hv_session *s, const uint8_t *value, size_t len);
	unsigned timeout_ms; /* WAIT/READ/WRITE: 0 = runner default (10 s) */
	/* WAIT: a device that may never say its weighing is over (Dr Trust
	 * SSW526): when the step times out, returns 1 with a value in buf
	 * (*ret_len) that the runner decodes as if notified on the step's
	 * characteristic, and the step is done; 0 when there is nothing to
	 * hand on (the step timed out), -errno when the step fails. */
	int (*on_timeout)(struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len);
	unsigned flags;
	int on_fail; /* step index to go to on failure; 0 = none */
	const char *what; /* short description for logs and capture files */
};

/*
 * A device that splits one message over several notifications and seals it
 * under a key of this connection, or whose weighing is over only when
 * another characteristic says so (Huawei Hagrid): the runner passes every
 * value notified or read through assemble() before decode() sees it (the
 * steps' on_value() still see each value as it came). Returns 1 with the
 * value to decode in out (*ret_len), 0 when there is nothing to decode yet
 * (a piece kept in the session), or -errno when the value cannot be read
 * (-ENOKEY: no key in the session); the runner then hands nothing on.
 * characteristic: in, where the value came from; out, the characteristic
 * decode() reads the handed-on value as (the same, unless assemble() hands
 * on what another characteristic's value completed).
 */
typedef int (*hv_assemble_fn)(struct hv_session *s,
			      struct hv_uuid *characteristic,
			      const uint8_t *value, size_t len, uint8_t *out,
			      size_t size, size_t *ret_len);

struct hv_conversation {
	const struct hv_step *steps;
	size_t n_steps;
	bool needs_bonding; /* pair (Just Works or passkey) before the steps */
	hv_assemble_fn assemble; /* NULL: each value decoded as it comes */
};
