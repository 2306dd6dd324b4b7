// SPDX-License-Identifier: MIT
/*
 * PICOOC scales on GATT: PICOOC-CQ (S3 Lite V2.0), -C1, -14, -25, -IS and
 * the Latin series ("Latin-S"). Service 0xFFF0, 0xFFF1 notify, 0xFFF2
 * write (command). Source: openScale PicoocHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/PicoocHandler.kt, oliexdev/openScale@dc16a3f4), drawn from a
 * public analysis of the vendor app, and its PicoocHandlerTest
 * (android_app/app/src/test/…/scales/PicoocHandlerTest.kt @ 93aaf697),
 * which publishes a PICOOC-CQ session: the handshake, a weight frame of
 * 71.7 kg / 503 Ohm and a heart rate of 68 (the scale's display agreed).
 * Not the broadcast PICOOC-L (drivers/picooc_mini_lite.c): another layout.
 *
 * Scale → app, [opcode][length][payload], big-endian:
 *   39 10 TT TT TT TT WW WW ZZ ZZ LL LL UU PP PP FF   weight (0x52 on the
 *        newer models): TT the scale's clock (Unix seconds), WW 0.05 kg,
 *        ZZ impedance 0.1 Ohm, LL pounds 0.1 (bit 15 a flag), UU unit,
 *        PP phase angle 0.01 degree, FF 0 settled, else in progress
 *   3C 05 HH HH SS   heart rate: SS 1 measuring, 2 HH is the result (bpm);
 *        a 3-byte 3C 03 HH from other models (not seen in a capture)
 *   32 14 WW WW FF FF AA AA ?? ?? BB BB ?? ?? VV GG ?? ?? ZZ ZZ
 *        composition, from the write-up only: fat and water 0.1 %, bone
 *        0.05 kg, visceral fat VV, body age GG, impedance Ohm
 *   3A …  handshake asking for the time (0x51 on the newer models, which
 *        want the 0xA1 prefix); 35 time request; 30 profile request;
 *        36/37 history; 3B low battery; 3E/3F multi-frequency BIA and
 *        balance test: no layout of 36/37/3E/3F is published (the
 *        handler only names them, its test acknowledges filler frames)
 * App → scale, prefixed 0xF1 (0xA1 once the scale used a 0x5x opcode):
 *   P1 0A OP TT TT TT TT 00 UU 00   time (OP 3A, or 35 when asked so):
 *        Unix seconds, UU unit 0 kg (the gateway keeps kilograms)
 *   P1 03 OP                        acknowledgement of frame OP
 *   31 06 01 SX HH AA               profile (no prefix): SX 1 male,
 *        2 female; HH (cm - 100) * 2, 0..255; age, at least 18
 *
 * The settled weight frame is the measurement (weight, impedance, and
 * openScale's StandardImpedanceLib composition under
 * "standard_impedance" with a profile); the heart-rate result is one of
 * its own, since whether the scale measures it, and when, is not known
 * ahead (4 s after the weight, 6.4 s to settle, in the capture); the
 * composition frame, when one comes, is one more (its weight left out).
 *
 * The conversation answers the handshake with the time, pushes the
 * profile 100 ms later (the CQ never asks for it; a frame arriving in
 * that pause is acknowledged after it), acknowledges every frame the
 * scale repeats until acknowledged, and waits up to 8 s after the last
 * of them (openScale's settle window) before hanging up; the scale
 * usually hangs up first, which ends the session as done
 * (HV_STEP_HANGUP_ENDS).
 */
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define PC_NOTIFY 0xFFF1

#define OP_USER_REQUEST 0x30
#define OP_USER_PROFILE 0x31
#define OP_COMPOSITION 0x32
#define OP_TIME_SYNC 0x35
#define OP_HISTORY 0x36
#define OP_HISTORY_DONE 0x37
#define OP_WEIGHT 0x39
#define OP_HANDSHAKE 0x3A
#define OP_HEART_RATE 0x3C
#define OP_MULTI_FREQ_BIA 0x3E
#define OP_BALANCE_TEST 0x3F
#define OP_HANDSHAKE_NEW 0x51
#define OP_WEIGHT_NEW 0x52

#define PREFIX_LATIN 0xF1
#define PREFIX_NEW 0xA1

#define WEIGHT_LEN 16
#define COMPOSITION_LEN 20
#define HR_MEASURING 0x01
#define HR_FINAL 0x02

/* openScale's plausibility bounds */
#define WEIGHT_MIN_KG 2.0
#define WEIGHT_MAX_KG 250.0
#define IMPEDANCE_MIN 100.0
#define IMPEDANCE_MAX 1500.0
#define FAT_MIN 3.0
#define FAT_MAX 75.0
#define HR_MIN 30
#define HR_MAX 250
#define AGE_MIN 18

static void person_kg(struct hv_measurement *ret)
{
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode_weight(const struct hv_frame *frame, const uint8_t *p,
			 size_t len, struct hv_measurement *ret)
{
	struct hv_datetime dt;
	double kg, ohm;
	bool settled;
	int r;

	if (len < WEIGHT_LEN)
		return hv_measurement_invalid(ret, "weight frame has %zu bytes", len);
	kg = hv_be16(p + 6) / 20.0;
	ohm = hv_be16(p + 8) / 10.0;
	settled = p[15] == 0;
	if (kg <= 0)
		return hv_measurement_control(ret, "idle");
	if (settled && (kg < WEIGHT_MIN_KG || kg > WEIGHT_MAX_KG))
		return hv_measurement_control(ret, "implausible weight");
	ret->final = settled;
	person_kg(ret);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r < 0 || !settled)
		return r < 0 ? r : 0;
	if (hv_be32(p + 2)) {
		hv_datetime_from_unix(hv_be32(p + 2), &dt);
		hv_measurement_set_clock(ret, &dt, frame->now);
	}
	if (ohm > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm);
	if (r >= 0 && ohm >= IMPEDANCE_MIN && ohm <= IMPEDANCE_MAX)
		r = hv_decode_derive(ret, kg, ohm, frame->profile, derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode_heart_rate(const uint8_t *p, size_t len, struct hv_measurement *ret)
{
	unsigned bpm;

	if (len < 3)
		return hv_measurement_invalid(ret, "heart rate frame has %zu bytes", len);
	if (len >= 5 && p[4] != HR_FINAL)
		return hv_measurement_control(ret, "heart rate measuring");
	bpm = len >= 5 ? hv_be16(p + 2) : p[2];
	if (bpm < HR_MIN || bpm > HR_MAX)
		return hv_measurement_control(ret, "no heart rate");
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_HEART_RATE, bpm);
}

static int decode_composition(const uint8_t *p, size_t len, struct hv_measurement *ret)
{
	double fat, water, bone;
	int r;

	if (len < COMPOSITION_LEN)
		return hv_measurement_invalid(ret, "composition frame has %zu bytes", len);
	fat = hv_be16(p + 4) / 10.0;
	water = hv_be16(p + 6) / 10.0;
	bone = hv_be16(p + 10) / 20.0;
	if (fat < FAT_MIN || fat > FAT_MAX)
		return hv_measurement_control(ret, "no composition");
	ret->final = true;
	person_kg(ret);
	/* openScale's clamps */
	r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, fat);
	if (r >= 0 && water <= 80)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT, water);
	if (r >= 0 && bone <= 10)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS, bone);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING, p[14]);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, PC_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 2)
		return hv_measurement_invalid(ret, "frame has %zu bytes", len);
	switch (p[0]) {
	case OP_WEIGHT:
	case OP_WEIGHT_NEW:
		return decode_weight(frame, p, len, ret);
	case OP_HEART_RATE:
		return decode_heart_rate(p, len, ret);
	case OP_COMPOSITION:
		return decode_composition(p, len, ret);
	default:
		/* handshake, requests, history and frames without a layout */
		return hv_measurement_control(ret, "other");
	}
}

static int encode_weight(const struct hv_measurement *m, double kg,
			 struct hv_frame *ret)
{
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	uint8_t b[WEIGHT_LEN] = { OP_WEIGHT, WEIGHT_LEN };
	int64_t t = clock ? hv_datetime_to_unix(clock) : 0;
	double raw = kg * 20 + 0.5, lb = kg / 0.045359237 + 0.5;

	if (raw > UINT16_MAX || lb > 0x7FFF)
		return -EINVAL;
	if (t > 0 && t <= UINT32_MAX)
		hv_put_be32(b + 2, (uint32_t)t);
	hv_put_be16(b + 6, (uint16_t)raw);
	if (z && m->final) {
		if (z->absent != HV_ABSENT_NONE || z->value < 0.1 ||
		    z->value * 10 + 0.5 > UINT16_MAX)
			return -EINVAL;
		hv_put_be16(b + 8, (uint16_t)(z->value * 10 + 0.5));
	}
	hv_put_be16(b + 10, (uint16_t)lb);
	b[15] = m->final ? 0 : 1;
	return hv_frame_put_value(ret, PC_NOTIFY, b, sizeof(b));
}

static int encode_heart_rate(const struct hv_reading *hr, struct hv_frame *ret)
{
	uint8_t b[5] = { OP_HEART_RATE, 5, 0, 0, HR_FINAL };

	if (hr->absent != HV_ABSENT_NONE || hr->value < HR_MIN || hr->value > HR_MAX)
		return -EINVAL;
	hv_put_be16(b + 2, (uint16_t)(hr->value + 0.5));
	return hv_frame_put_value(ret, PC_NOTIFY, b, sizeof(b));
}

static int put_scaled(uint8_t *p, const struct hv_measurement *m,
		      enum hv_metric metric, double scale)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	if (!r)
		return 0;
	if (r->absent != HV_ABSENT_NONE || r->value < 0 || r->value * scale > UINT16_MAX)
		return -EINVAL;
	hv_put_be16(p, (uint16_t)(r->value * scale + 0.5));
	return 0;
}

static int encode_composition(const struct hv_measurement *m, struct hv_frame *ret)
{
	const struct hv_reading *v = hv_measurement_find(m, HV_METRIC_VISCERAL_FAT_RATING);
	uint8_t b[COMPOSITION_LEN] = { OP_COMPOSITION, COMPOSITION_LEN };

	if (put_scaled(b + 4, m, HV_METRIC_BODY_FAT_PERCENT, 10) < 0 ||
	    put_scaled(b + 6, m, HV_METRIC_BODY_WATER_PERCENT, 10) < 0 ||
	    put_scaled(b + 10, m, HV_METRIC_BONE_MASS, 20) < 0)
		return -EINVAL;
	if (v) {
		if (v->absent != HV_ABSENT_NONE || v->value < 0 || v->value > 255)
			return -EINVAL;
		b[14] = (uint8_t)(v->value + 0.5);
	}
	return hv_frame_put_value(ret, PC_NOTIFY, b, sizeof(b));
}

/* A weight frame; without a weight, a heart-rate result, else a
 * composition frame. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);

	if (target && !hv_uuid_is16(target, PC_NOTIFY))
		return -EINVAL;
	if (w) {
		if (w->absent != HV_ABSENT_NONE || w->value <= 0)
			return -EINVAL;
		return encode_weight(m, w->value, ret);
	}
	if (!m->final)
		return -EINVAL;
	if (hr)
		return encode_heart_rate(hr, ret);
	if (hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT))
		return encode_composition(m, ret);
	return -EINVAL;
}

/* "PICOOC…" but not the broadcast "PICOOC-L…", and "Latin-…", any case,
 * as openScale selects them. */
static bool claims_device(const struct hv_frame *f)
{
	if (hv_name_prefix_ci(f->name, "picooc"))
		return !hv_name_prefix_ci(f->name, "picooc-l");
	return hv_name_prefix_ci(f->name, "latin-");
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: the opcode to answer; scratch[1]: flags below; scratch[2]:
 * a frame that came during a pause, acknowledged after the profile */
#define SC_NEW_PREFIX 0x1u
#define SC_PROFILE_SENT 0x2u

static uint8_t prefix(const struct hv_session *s)
{
	return s->scratch[1] & SC_NEW_PREFIX ? PREFIX_NEW : PREFIX_LATIN;
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	if (size < 10)
		return -ENOSPC;
	if (s->now_unix <= 0 || s->now_unix > UINT32_MAX)
		return -ERANGE;
	buf[0] = prefix(s);
	buf[1] = 0x0A;
	buf[2] = s->scratch[0] == OP_TIME_SYNC ? OP_TIME_SYNC : OP_HANDSHAKE;
	hv_put_be32(buf + 3, (uint32_t)s->now_unix);
	buf[7] = 0x00;
	buf[8] = 0x00; /* kg */
	buf[9] = 0x00;
	*ret_len = 10;
	return 0;
}

static int pl_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 3)
		return -ENOSPC;
	buf[0] = prefix(s);
	buf[1] = 0x03;
	buf[2] = (uint8_t)s->scratch[0];
	*ret_len = 3;
	return 0;
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	double steps = (s->profile.height_m * 1000 - 1000) / 5 + 0.5;
	double age = s->profile.age_years;

	if (size < 6)
		return -ENOSPC;
	buf[0] = OP_USER_PROFILE;
	buf[1] = 0x06;
	buf[2] = 0x01;
	buf[3] = s->profile.sex == HV_SEX_FEMALE ? 0x02 : 0x01;
	buf[4] = steps < 1 ? 0 : steps >= 255 ? 255 : (uint8_t)steps;
	buf[5] = age < AGE_MIN ? AGE_MIN : age >= 255 ? 255 : (uint8_t)age;
	*ret_len = 6;
	return 0;
}

/* The frame acknowledged during a pause, or none (-ENODATA: skipped). */
static int pl_pending_ack(const struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len)
{
	if (size < 3)
		return -ENOSPC;
	if (!s->scratch[2])
		return -ENODATA;
	buf[0] = prefix(s);
	buf[1] = 0x03;
	buf[2] = (uint8_t)s->scratch[2];
	*ret_len = 3;
	return 0;
}

enum {
	ST_TIME_FIRST = 2,
	ST_SETTLE = 6,
	ST_ACK = 7,
	ST_TIME_AGAIN = 9,
	ST_PROFILE_REQUEST = 11,
	ST_END = 16,
};

static bool needs_ack(uint8_t op)
{
	switch (op) {
	case OP_COMPOSITION:
	case OP_HISTORY:
	case OP_HISTORY_DONE:
	case OP_WEIGHT:
	case OP_WEIGHT_NEW:
	case OP_HEART_RATE:
	case OP_MULTI_FREQ_BIA:
	case OP_BALANCE_TEST:
		return true;
	default:
		return false;
	}
}

/* Every frame the scale sends: the time answered (the profile after the
 * first handshake), a profile request answered, the others acknowledged;
 * low battery and unknown opcodes are not. */
static int on_frame(struct hv_session *s, const uint8_t *v, size_t len)
{
	s->scratch[2] = 0;
	if (len < 1)
		return HV_VALUE_MORE;
	switch (v[0]) {
	case OP_HANDSHAKE_NEW:
	case OP_WEIGHT_NEW:
		s->scratch[1] |= SC_NEW_PREFIX;
		break;
	default:
		break;
	}
	s->scratch[0] = v[0];
	switch (v[0]) {
	case OP_HANDSHAKE_NEW:
	case OP_HANDSHAKE:
		if (s->scratch[1] & SC_PROFILE_SENT) {
			s->next_step = ST_TIME_AGAIN;
		} else {
			s->scratch[1] |= SC_PROFILE_SENT;
			s->next_step = ST_TIME_FIRST;
		}
		return HV_VALUE_GOTO;
	case OP_TIME_SYNC:
		s->next_step = ST_TIME_AGAIN;
		return HV_VALUE_GOTO;
	case OP_USER_REQUEST:
		s->scratch[1] |= SC_PROFILE_SENT;
		s->next_step = ST_PROFILE_REQUEST;
		return HV_VALUE_GOTO;
	default:
		if (!needs_ack(v[0]))
			return HV_VALUE_MORE;
		s->next_step = ST_ACK;
		return HV_VALUE_GOTO;
	}
}

/* The pause the vendor app leaves before the profile: a frame the scale
 * sends meanwhile is acknowledged after it (the last such frame; the
 * scale repeats the others). */
static int on_pause(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 1 && needs_ack(v[0])) {
		if (v[0] == OP_WEIGHT_NEW)
			s->scratch[1] |= SC_NEW_PREFIX;
		s->scratch[2] = v[0];
	}
	return HV_VALUE_MORE;
}

#define SVC "fff0"
#define WR(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "fff2", \
		       .payload = pl, .what = text }
#define PAUSE(text) { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "fff1", \
		      .on_value = on_pause, .timeout_ms = 100, \
		      .flags = HV_STEP_OPTIONAL, .what = text }
/* The settle window: quiet for 8 s, or the scale hung up: done. */
#define PENDING_ACK(text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "fff2", \
			    .payload = pl_pending_ack, .flags = HV_STEP_OPTIONAL, \
			    .what = text }
#define SETTLE(text) { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "fff1", \
		       .on_value = on_frame, .timeout_ms = 8000, \
		       .flags = HV_STEP_HANGUP_ENDS, .on_fail = ST_END, \
		       .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "fff1",
		  .what = "subscribe 0xFFF1" },
	/* 1 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "fff1",
		  .on_value = on_frame, .timeout_ms = 10000,
		  .what = "handshake (0x3A or 0x51)" },
	/* 2 */ WR(pl_time, "time (0x3A)"),
	/* 3 */ PAUSE("pause before the profile"),
	/* 4 */ WR(pl_profile, "profile (0x31)"),
	/* 5 */ PENDING_ACK("held acknowledgement (a frame in the pause)"),
	/* 6 */ SETTLE("frames until the settle window passes"),
	/* 7 */ WR(pl_ack, "acknowledgement"),
	/* 8 */ SETTLE("frames after an acknowledgement"),
	/* 9 */ WR(pl_time, "time again (0x3A or 0x35)"),
	/* 10 */ SETTLE("frames after the time"),
	/* 11 */ WR(pl_ack, "profile request acknowledged (0x30)"),
	/* 12 */ PAUSE("pause before the requested profile"),
	/* 13 */ WR(pl_profile, "requested profile (0x31)"),
	/* 14 */ PENDING_ACK("held acknowledgement (a frame in the second pause)"),
	/* 15 */ SETTLE("frames after the requested profile"),
	/* 16 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "PICOOC-CQ (S3 Lite V2.0)", "PICOOC-C1",
				      "PICOOC-14", "PICOOC-25", "PICOOC-IS",
				      "PICOOC Latin-S", NULL };
static const uint16_t characteristics[] = { PC_NOTIFY, 0 };
static const char *const name_prefixes[] = { "PICOOC", "Latin-", NULL };

const struct hv_driver picooc_driver = {
	.id = "picooc",
	.name = "PICOOC (GATT 0xFFF0)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
