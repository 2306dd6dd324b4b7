// SPDX-License-Identifier: MIT
/*
 * RyFit / ChronoCloud body-composition scales: 0xFFE0/0xFFE1 (notify and
 * write on one characteristic). Source: openScale RyFitHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/RyFitHandler.kt, oliexdev/openScale@f7a733b2) and its
 * RyFitHandlerTest.kt (openScale@b692649f, the age clamp of the C0 frame).
 *
 * Scale to app:
 *   D2 ?? WH WL                 live weight u16 BE, 0.1 kg
 *   D0|D1 ?? FL …, 14 bytes+    result, two packets; FL bit 0 = the first:
 *     first:  [8..9] weight, [10..11] fat %, [12..13] water %   u16 BE /10
 *     second: [4..5] muscle %, [6..7] bone % of the weight /10, [8..9]
 *             BMR kcal, [12] visceral fat level
 *   FB F8                       the clock was set
 * App to scale:
 *   FA F8 T0 T1 T2 T3           set the clock: Unix seconds u32 LE
 *   C0 09 HC AG SX              guest slot 9: HC = 2 × height cm − 200,
 *                               age 10..100, sex 1 male / 0 female
 *   FA P0 P1 P2                 acknowledge a result packet (its first
 *                               three bytes)
 *
 * The scale computes the composition once it has the C0 profile, which
 * openScale sends after the clock answer and again a second after the
 * first live weight; the result is the two packets, each acknowledged.
 * The first decodes as the first packet (more_packets), the second as the
 * last, and the pipeline joins them. The bone figure is a percentage of
 * the weight, which only the first packet has: the conversation keeps
 * that weight in session.quirks (bits 8..23, 0.1 kg; the runner hands the
 * quirks to decode() in frame.quirks) and the bone mass is reported when
 * it is known. openScale reports a visceral level of 10 or more as 13; we
 * report the level the scale sent. No checksum.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define RF_CHR 0xFFE1
#define RF_LIVE 0xD2
#define RF_RESULT_A 0xD0
#define RF_RESULT_B 0xD1
#define RF_RESPONSE 0xFB
#define RF_RESULT_LEN 14
#define RF_GUEST_SLOT 9

#define RF_WEIGHT_SHIFT 8
#define RF_WEIGHT_MASK 0xFFFFu

static bool is_result(const uint8_t *p, size_t len)
{
	return len >= RF_RESULT_LEN && (p[0] == RF_RESULT_A || p[0] == RF_RESULT_B);
}

static int add10(struct hv_measurement *m, enum hv_metric metric,
		 const uint8_t *p)
{
	unsigned raw = hv_be16(p);

	return raw ? hv_measurement_add(m, metric, raw / 10.0) : 0;
}

static int decode_first(const uint8_t *p, struct hv_measurement *ret)
{
	int r;

	if (hv_be16(p + 8) == 0)
		return hv_measurement_invalid(ret, "result weight is zero");
	ret->final = false;
	ret->more_packets = true;
	r = add10(ret, HV_METRIC_BODY_WEIGHT, p + 8);
	if (r >= 0)
		r = add10(ret, HV_METRIC_BODY_FAT_PERCENT, p + 10);
	if (r >= 0)
		r = add10(ret, HV_METRIC_BODY_WATER_PERCENT, p + 12);
	return r < 0 ? r : 0;
}

static int decode_second(const struct hv_frame *frame, const uint8_t *p,
			 struct hv_measurement *ret)
{
	unsigned kept = (frame->quirks >> RF_WEIGHT_SHIFT) & RF_WEIGHT_MASK;
	unsigned bone_pct = hv_be16(p + 6);
	int r;

	ret->final = true;
	r = add10(ret, HV_METRIC_MUSCLE_PERCENT, p + 4);
	if (r >= 0 && kept && bone_pct)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS,
				       hv_round_to(kept / 10.0 * bone_pct / 1000.0, 2));
	if (r >= 0 && hv_be16(p + 8))
		r = hv_measurement_add(ret, HV_METRIC_BASAL_METABOLIC_RATE,
				       hv_be16(p + 8));
	if (r >= 0 && p[12])
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING, p[12]);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, RF_CHR, &len);
	if (!p)
		return -ENODEV;
	if (len < 1)
		return hv_measurement_invalid(ret, "empty value");
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	switch (p[0]) {
	case RF_LIVE:
		if (len < 4)
			return hv_measurement_invalid(ret, "live frame has %zu bytes",
						      len);
		if (hv_be16(p + 2) <= 1)
			return hv_measurement_control(ret, "empty");
		ret->final = false;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_be16(p + 2) / 10.0);
	case RF_RESULT_A:
	case RF_RESULT_B:
		if (len < RF_RESULT_LEN)
			return hv_measurement_invalid(
				ret, "result packet has %zu bytes, needs %d", len,
				RF_RESULT_LEN);
		return (p[2] & 0x01) ? decode_first(p, ret) :
				       decode_second(frame, p, ret);
	case RF_RESPONSE:
		return hv_measurement_control(ret, "response");
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* Final: the first result packet (as the join keeps it); else a live one. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *fat = hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	const struct hv_reading *water =
		hv_measurement_find(m, HV_METRIC_BODY_WATER_PERCENT);
	uint8_t b[RF_RESULT_LEN] = { 0 };
	double raw;

	if (target && !hv_uuid_is16(target, RF_CHR))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	if (!m->final) {
		b[0] = RF_LIVE;
		hv_put_be16(b + 2, (uint16_t)raw);
		return hv_frame_put_value(ret, RF_CHR, b, 4);
	}
	b[0] = RF_RESULT_A;
	b[2] = 0x01;
	hv_put_be16(b + 8, (uint16_t)raw);
	if (fat && fat->absent == HV_ABSENT_NONE && fat->value > 0 &&
	    fat->value < 100)
		hv_put_be16(b + 10, (uint16_t)(fat->value * 10 + 0.5));
	if (water && water->absent == HV_ABSENT_NONE && water->value > 0 &&
	    water->value < 100)
		hv_put_be16(b + 12, (uint16_t)(water->value * 10 + 0.5));
	return hv_frame_put_value(ret, RF_CHR, b, RF_RESULT_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0xFFE0/0xFFE1 are the HM-10's: the names, or the vendor's MAC block */
	return hv_name_contains_ci(f->name, "CHRONOCLOUD") ||
	       hv_name_contains_ci(f->name, "RYFIT") ||
	       hv_name_prefix_ci(f->address, "D0:39:72");
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: the first three bytes of the packet to acknowledge */

static int pl_clock(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	if (size < 6)
		return -ENOSPC;
	if (s->now_unix <= 0 || s->now_unix > UINT32_MAX)
		return -EINVAL;
	buf[0] = 0xFA;
	buf[1] = 0xF8;
	hv_put_le32(buf + 2, (uint32_t)s->now_unix);
	*ret_len = 6;
	return 0;
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = p->height_m * 100;
	int age = (int)p->age_years, code;

	if (!hv_profile_complete(p))
		return -ENODATA;
	if (size < 5)
		return -ENOSPC;
	cm = cm < 50 ? 50 : cm > 250 ? 250 : cm;
	code = (int)(2 * cm + 0.5) - 200;
	age = age < 10 ? 10 : age > 100 ? 100 : age;
	buf[0] = 0xC0;
	buf[1] = RF_GUEST_SLOT;
	buf[2] = (uint8_t)(code < 0 ? 0 : code > 255 ? 255 : code);
	buf[3] = (uint8_t)age;
	buf[4] = p->sex == HV_SEX_MALE ? 0x01 : 0x00;
	*ret_len = 5;
	return 0;
}

static int pl_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	buf[0] = 0xFA;
	buf[1] = (uint8_t)(s->scratch[0] >> 16);
	buf[2] = (uint8_t)(s->scratch[0] >> 8);
	buf[3] = (uint8_t)s->scratch[0];
	*ret_len = 4;
	return 0;
}

static int on_clock(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 2 && v[0] == RF_RESPONSE && v[1] == 0xF8 ? HV_VALUE_DONE :
								  HV_VALUE_MORE;
}

static void keep_ack(struct hv_session *s, const uint8_t *v)
{
	s->scratch[0] = (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
}

static int on_first(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!is_result(v, len) || !(v[2] & 0x01))
		return HV_VALUE_MORE;
	keep_ack(s, v);
	s->quirks = (s->quirks & ~(RF_WEIGHT_MASK << RF_WEIGHT_SHIFT)) |
		    (unsigned)hv_be16(v + 8) << RF_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

enum { ST_ACK_FIRST = 7, ST_END = 10 };

/* Someone on the scale; a result that comes first is taken as it is. */
static int on_live(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (on_first(s, v, len) == HV_VALUE_DONE) {
		s->next_step = ST_ACK_FIRST;
		return HV_VALUE_GOTO;
	}
	return len >= 4 && v[0] == RF_LIVE && hv_be16(v + 2) > 1 ? HV_VALUE_DONE :
								    HV_VALUE_MORE;
}

static int on_second(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!is_result(v, len) || (v[2] & 0x01))
		return HV_VALUE_MORE;
	keep_ack(s, v);
	return HV_VALUE_DONE;
}

#define SVC "ffe0"
#define CHR "ffe1"
static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = CHR,
	  .what = "subscribe 0xFFE1" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_clock, .flags = HV_STEP_OPTIONAL,
	  .what = "set the clock (FA F8)" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_clock, .timeout_ms = 5000, .flags = HV_STEP_OPTIONAL,
	  .what = "wait for the clock answer (FB F8)" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_profile, .what = "profile, guest slot 9 (C0)" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_live, .timeout_ms = 60000,
	  .what = "wait for someone on the scale" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_profile, .what = "profile again (C0)" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_first, .timeout_ms = 30000,
	  .what = "wait for the first result packet" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_ack, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "acknowledge the first packet" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_second, .timeout_ms = 10000,
	  .what = "wait for the second result packet" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_ack, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "acknowledge the second packet" },
	{ .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "RyFit / ChronoCloud smart scale", NULL };
static const uint16_t characteristics[] = { RF_CHR, 0 };
static const char *const name_prefixes[] = { "RyFit", "ChronoCloud", NULL };

const struct hv_driver ryfit_driver = {
	.id = "ryfit",
	.name = "RyFit / ChronoCloud (0xFFE0, D0/D1 results)",
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
