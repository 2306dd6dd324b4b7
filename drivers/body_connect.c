// SPDX-License-Identifier: MIT
/*
 * 1BODY CONNECT and X-LINE (Transtek family): service 0x7892, 0x8A24
 * weight and 0x8A22 body-composition notifications, 0x8A81 commands,
 * 0x8A82 the scale's messages. Sources: openScale BodyConnectHandler and
 * BodyConnectHandlerTest (android_app/app/src/{main,test}/java/com/health/
 * openscale/core/bluetooth/scales/), oliexdev/openScale@f7a733b2.
 *
 * Scale → app (integers little-endian):
 *   8A24: 1F WL WH ?? ?? TT TT TT TT …  weight 0.01 kg; TT the scale's
 *         clock, seconds since 2010-01-01 UTC (at least 20 bytes)
 *   8A22: 7F TT TT TT TT 01 ?? ?? FL FH WL WH ?? ?? ML MH BL BH …
 *         fat %, water %, muscle %, bone kg: 12 bits, 0.1, valid when the
 *         high nibble of the second byte is F; TT is the weight's time, or
 *         (X-LINE) that time − 315619200 (at least 20 bytes)
 *   8A82: A0 PP PP PP PP  password (pairing mode)
 *         A1 CC CC CC CC  challenge (answered with challenge XOR password)
 *         83 SS name[16]  one of the 8 user slots (blank or zero: free)
 *         C0              the profile echoed
 * App → scale (8A81, with response):
 *   21 ID ID ID ID   broadcast id (non-zero), after the password
 *   03 SS name[16]   register a user in slot SS (ASCII, blank padded)
 *   51 DF SS GG AA HH E0 AC 00 WL WH 00 FE 00 00
 *                    profile: GG 1 male / 2 female (3/4 when very
 *                    active), age, height cm, activity, initial weight
 *   02 TT TT TT TT   time (2010 epoch)
 *   20 RR RR RR RR   challenge response
 *   22               the scale may disconnect
 *
 * The weight frame is the final weight, first packet, with the scale's
 * clock; the conversation keeps its time in session.quirks (the whole
 * word; 0 = none) and a body frame of the same time (or the X-LINE's
 * offset) is the last packet: the scale's fat, water, muscle and bone. A
 * body frame whose time matches no kept weight is not final.
 *
 * The conversation handles the pairing session (the scale in pairing mode
 * sends its password): broadcast id, the slot list, registration in the
 * session's slot (or the lowest free one, or slot 1) as "HV<n>", profile,
 * time. The password is the session's secret (conversation.h), which the
 * gateway keeps per device. A later session starts with a challenge: it
 * is answered with the kept password, then the profile of the slot linked
 * on the gateway (slot 1 without one, as openScale's default) and the
 * time; the scale echoes the profile (C0), is told it may disconnect, and
 * sends its weights. Without a kept password such a session ends.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/transtek.h"
#include "drivers/vendor_util.h"

#define BC_WEIGHT 0x8A24
#define BC_BODY 0x8A22
#define BC_MIN_LEN 20
#define BC_OP_WEIGHT 0x1F
#define BC_OP_BODY 0x7F
#define BC_EPOCH 1262304000LL /* 2010-01-01 00:00 UTC */
#define BC_XLINE_OFFSET 315619200u

#define BC_PASSWORD 0xA0
#define BC_CHALLENGE 0xA1
#define BC_SLOT 0x83
#define BC_SLOTS 8
#define BC_NAME_LEN 16

/* A broadcast id the scale accepts: any non-zero value ("HVBC"). */
#define BC_BROADCAST_ID 0x43425648u

static int decode_weight(const struct hv_frame *frame, const uint8_t *p,
			 struct hv_measurement *ret)
{
	struct hv_datetime dt;
	int r;

	if (hv_le16(p + 1) == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = true;
	ret->more_packets = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_le16(p + 1) / 100.0);
	hv_datetime_from_unix(BC_EPOCH + hv_le32(p + 5), &dt);
	hv_measurement_set_clock(ret, &dt, frame->now);
	return r < 0 ? r : 0;
}

/* 12 bits, 0.1, valid under a high nibble F; -1 otherwise. */
static double composition(const uint8_t *p)
{
	if ((p[1] & 0xF0) != 0xF0)
		return -1;
	return (((p[1] & 0x0F) << 8) | p[0]) / 10.0;
}

static int decode_body(const struct hv_frame *frame, const uint8_t *p,
		       struct hv_measurement *ret)
{
	static const struct {
		size_t at;
		enum hv_metric metric;
	} fields[] = {
		{ 8, HV_METRIC_BODY_FAT_PERCENT },
		{ 10, HV_METRIC_BODY_WATER_PERCENT },
		{ 14, HV_METRIC_MUSCLE_PERCENT },
		{ 16, HV_METRIC_BONE_MASS },
	};
	uint32_t t = hv_le32(p + 1);
	int r = 0;

	ret->final = frame->quirks != 0 &&
		     (frame->quirks == t || frame->quirks == t + BC_XLINE_OFFSET);
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	for (size_t i = 0; r >= 0 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		double v = composition(p + fields[i].at);

		if (v >= 0)
			r = hv_measurement_add(ret, fields[i].metric, v);
	}
	if (r >= 0 && ret->n_readings == 0)
		return hv_measurement_control(ret, "no_composition");
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	uint8_t op;

	p = hv_frame_value_on(frame, BC_WEIGHT, &len);
	op = BC_OP_WEIGHT;
	if (!p) {
		p = hv_frame_value_on(frame, BC_BODY, &len);
		op = BC_OP_BODY;
	}
	if (!p)
		return -ENODEV;
	if (len < BC_MIN_LEN || p[0] != op)
		return hv_measurement_invalid(ret, "0x%02X frame: %zu bytes, opcode 0x%02x",
					      op, len, len ? p[0] : 0);
	return op == BC_OP_WEIGHT ? decode_weight(frame, p, ret) :
				    decode_body(frame, p, ret);
}

static void put_composition(uint8_t *p, const struct hv_measurement *m,
			    enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);
	unsigned v;

	p[1] = 0x00; /* not valid */
	if (!r || r->absent != HV_ABSENT_NONE || r->value < 0 || r->value > 409.5)
		return;
	v = (unsigned)(r->value * 10 + 0.5);
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(0xF0 | (v >> 8));
}

/* With a weight: the weight frame (time from the device clock, else 0);
 * without: a body frame (decode it with frame.quirks = its time). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	uint8_t b[BC_MIN_LEN] = { 0 };
	int64_t t = clock ? hv_datetime_to_unix(clock) - BC_EPOCH : 0;
	double raw;
	int r;

	if (t < 0 || t > UINT32_MAX)
		t = 0;
	if (w) {
		if ((target && !hv_uuid_is16(target, BC_WEIGHT)) ||
		    w->absent != HV_ABSENT_NONE || w->value <= 0)
			return -EINVAL;
		raw = w->value * 100 + 0.5;
		if (raw > UINT16_MAX)
			return -EINVAL;
		b[0] = BC_OP_WEIGHT;
		hv_put_le16(b + 1, (uint16_t)raw);
		hv_put_le32(b + 5, (uint32_t)t);
		return hv_frame_put_value(ret, BC_WEIGHT, b, sizeof(b));
	}
	if (target && !hv_uuid_is16(target, BC_BODY))
		return -EINVAL;
	b[0] = BC_OP_BODY;
	hv_put_le32(b + 1, (uint32_t)t ? (uint32_t)t : 1);
	b[5] = 0x01;
	put_composition(b + 8, m, HV_METRIC_BODY_FAT_PERCENT);
	put_composition(b + 10, m, HV_METRIC_BODY_WATER_PERCENT);
	put_composition(b + 14, m, HV_METRIC_MUSCLE_PERCENT);
	put_composition(b + 16, m, HV_METRIC_BONE_MASS);
	r = hv_frame_put_value(ret, BC_BODY, b, sizeof(b));
	if (r == 0)
		ret->quirks = hv_le32(b + 1);
	return r;
}

static bool claims_device(const struct hv_frame *f)
{
	/* case-sensitive prefixes, as openScale */
	return hv_frame_name_starts_with(f, "1BODY CONNECT") ||
	       hv_frame_name_starts_with(f, "0BODY CONNECT") ||
	       hv_frame_name_starts_with(f, "0X-LINE") ||
	       hv_frame_name_starts_with(f, "1X-LINE");
}

/* --- conversation (the pairing session) ----------------------------------- */

/* scratch[0]: the password, scratch[1]: 1 once received; scratch[2]: the
 * free slots seen (bit n-1 for slot n); scratch[3]: the slot chosen. */

static int pl_broadcast(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	(void)s;
	return hv_transtek_command(0x21, BC_BROADCAST_ID, buf, size, ret_len);
}

static int pl_add_user(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	return hv_transtek_add_user(s->scratch[3], BC_SLOTS, BC_NAME_LEN, buf,
				    size, ret_len);
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	unsigned slot = s->scratch[3];
	double cm = s->profile.height_m * 100 + 0.5;

	if (slot < 1 || slot > BC_SLOTS)
		return -ENODATA;
	if (size < 15)
		return -ENOSPC;
	memset(buf, 0, 15);
	buf[0] = 0x51;
	buf[1] = 0xDF;
	buf[2] = (uint8_t)slot;
	/* the profile has no activity level: the "normal" codes */
	buf[3] = s->profile.sex == HV_SEX_FEMALE ? 0x02 : 0x01;
	buf[4] = s->profile.age_years > 0 && s->profile.age_years <= 255 ?
			 (uint8_t)s->profile.age_years :
			 0;
	buf[5] = cm >= 1 && cm <= 255 ? (uint8_t)cm : 0;
	buf[6] = 0xE0;
	/* [7] activity 0; [9..10] initial weight: the profile has none */
	buf[12] = 0xFE;
	*ret_len = 15;
	return 0;
}

static const uint8_t may_disconnect[] = { 0x22 };

enum { ST_ANSWER = 12, ST_END = 18 };

/* The password: this is the pairing session, and the gateway keeps it. A
 * challenge: answered with the password kept from the pairing, in the
 * gateway's slot of the scale (scratch[3]; 1 without one). */
static int on_auth(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (hv_transtek_keep_password(s, v, len)) {
		s->scratch[0] = hv_le32(v + 1);
		s->scratch[1] = 1;
		return HV_VALUE_DONE;
	}
	if (len >= 5 && v[0] == BC_CHALLENGE) {
		r = hv_transtek_answer(s, v, &s->scratch[4]);
		if (r < 0)
			return r;
		s->scratch[3] = s->user_index >= 1 && s->user_index <= BC_SLOTS ?
					(uint32_t)s->user_index :
					1;
		s->next_step = ST_ANSWER;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

static int pl_answer(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	return hv_transtek_command(0x20, s->scratch[4], buf, size, ret_len);
}

static int on_profile_echo(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 1 && v[0] == 0xC0 ? HV_VALUE_DONE : HV_VALUE_MORE;
}

/* The slot list: the session's slot, else the lowest free one, else 1. */
static int on_slot(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned slot;
	bool occupied = false;

	if (len < 2 + BC_NAME_LEN || v[0] != BC_SLOT || v[1] < 1 || v[1] > BC_SLOTS)
		return HV_VALUE_MORE;
	slot = v[1];
	for (size_t i = 2; i < len; i++)
		occupied = occupied || (v[i] != 0x00 && v[i] != 0x20);
	if (!occupied)
		s->scratch[2] |= 1u << (slot - 1);
	if (slot != BC_SLOTS)
		return HV_VALUE_MORE;
	if (s->user_index >= 1 && s->user_index <= BC_SLOTS) {
		s->scratch[3] = (uint32_t)s->user_index;
		return HV_VALUE_DONE;
	}
	s->scratch[3] = 1;
	for (unsigned n = 1; n <= BC_SLOTS; n++)
		if (s->scratch[2] & (1u << (n - 1))) {
			s->scratch[3] = n;
			break;
		}
	s->user_index = (int)s->scratch[3];
	s->user_registered = true;
	return HV_VALUE_DONE;
}

/* The weight's time, for the body frame that goes with it. */
static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= BC_MIN_LEN && v[0] == BC_OP_WEIGHT && hv_le16(v + 1))
		s->quirks = hv_le32(v + 5);
	return HV_VALUE_MORE;
}

#define SVC "7892"
#define CMD(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81", \
			.payload = pl, .flags = HV_STEP_WITH_RESPONSE, .what = text }

/* Both sessions end the same way. */
#define SET_UP_DONE(text) \
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81", \
	  .bytes = may_disconnect, .n_bytes = sizeof(may_disconnect), \
	  .flags = HV_STEP_WITH_RESPONSE, .what = text }
#define WEIGHTS(text) \
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a24", \
	  .on_value = on_weight, .timeout_ms = 60000, .flags = HV_STEP_OPTIONAL, \
	  .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a24",
		  .what = "subscribe 0x8A24 (weight)" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a22",
		  .what = "subscribe 0x8A22 (body composition)" },
	/* 2 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a82",
		  .what = "subscribe 0x8A82 (messages)" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a82",
		  .on_value = on_auth, .timeout_ms = 10000,
		  .what = "password (pairing mode) or challenge" },
	/* the pairing session */
	/* 4 */ CMD(pl_broadcast, "broadcast id (0x21)"),
	/* 5 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a82",
		  .on_value = on_slot, .timeout_ms = 10000,
		  .what = "the slot list (0x83 x 8)" },
	/* 6 */ CMD(pl_add_user, "register the user (0x03)"),
	/* 7 */ CMD(pl_profile, "profile (0x51)"),
	/* 8 */ CMD(hv_transtek_time, "time (0x02)"),
	/* 9 */ SET_UP_DONE("set-up done (0x22)"),
	/* 10 */ WEIGHTS("weights until the scale is done"),
	/* 11 */ { .op = HV_STEP_END, .what = "done" },
	/* a later session, paired before */
	/* 12 */ CMD(pl_answer, "challenge answered (0x20)"),
	/* 13 */ CMD(pl_profile, "paired: profile (0x51)"),
	/* 14 */ CMD(hv_transtek_time, "paired: time (0x02)"),
	/* 15 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a82",
		   .on_value = on_profile_echo, .timeout_ms = 10000,
		   .flags = HV_STEP_OPTIONAL, .what = "the profile echoed (0xC0)" },
	/* 16 */ SET_UP_DONE("paired: set-up done (0x22)"),
	/* 17 */ WEIGHTS("paired: weights until the scale is done"),
	/* 18 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "1BODY CONNECT", "1X-LINE", NULL };
static const uint16_t characteristics[] = { BC_WEIGHT, BC_BODY, 0 };
static const char *const name_prefixes[] = { "1BODY CONNECT", "0BODY CONNECT",
					     "0X-LINE", "1X-LINE", NULL };

const struct hv_driver body_connect_driver = {
	.id = "body_connect",
	.name = "1BODY CONNECT / X-LINE (Transtek 0x7892)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
