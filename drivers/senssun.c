// SPDX-License-Identifier: MIT
/*
 * Senssun body-fat scales ("SENSSUN FAT"): model A on 0xFFF0 (0xFFF1
 * notify, 0xFFF2 write), model B on 0xFFB0 (0xFFB2 notify and write).
 * Source: openScale SenssunHandler (android_app/app/src/main/java/com/
 * health/openscale/core/bluetooth/scales/SenssunHandler.kt,
 * oliexdev/openScale@f7a733b2).
 *
 * Scale to app (either model), 0xFF first:
 *
 *   FF A5 V1H V1L V2H V2L TT …
 *     TT 0xA0 live weight, 0xAA stable weight: V1 u16 BE, 0.1 kg
 *        0xB0 fat % V1, water % V2 (u16 BE, 0.1)
 *        0xC0 muscle % V1 (u16 BE, 0.1), bone kg V2 read little-endian
 *             (V2L V2H, 0.1; so in openScale's port of the old driver)
 *        0xD0 kcal V1 (not reported, as in openScale)
 *        0xBE the fat measurement failed
 * App to scale, 9 bytes: A5 CMD D1 D2 D3 00 00 CS 00, CS = sum of [1..6]
 *   CMD 0x30 date: year % 100, day of the year u16 BE
 *   CMD 0x31 time: hour, minute, second
 *   CMD 0x10 user: (male ? 0xF0 : 0) + slot, age, height cm — sent once
 *            the weight is stable, then the scale measures the fat
 *
 * openScale publishes once it has the weight, B0, C0 and D0. Here the
 * conversation keeps the stable weight in session.quirks (bits 8..23,
 * 0.1 kg; the runner hands the quirks to decode() in frame.quirks): the B0
 * frame then decodes as the first packet (weight, fat, water) and the C0
 * frame as the last (muscle, bone), joined by the pipeline. A failed fat
 * measurement (BE) decodes as the kept weight alone, final. No checksum
 * on the scale's frames.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define SS_NOTIFY_A 0xFFF1
#define SS_NOTIFY_B 0xFFB2
#define SS_LEN 7
#define SS_LIVE 0xA0
#define SS_STABLE 0xAA
#define SS_FAT 0xB0
#define SS_MUSCLE 0xC0
#define SS_KCAL 0xD0
#define SS_FAT_FAILED 0xBE

#define SS_WEIGHT_SHIFT 8
#define SS_WEIGHT_MASK 0xFFFFu

static const uint8_t *value_of(const struct hv_frame *f, size_t *ret_len)
{
	const uint8_t *p = hv_frame_value_on(f, SS_NOTIFY_A, ret_len);

	return p ? p : hv_frame_value_on(f, SS_NOTIFY_B, ret_len);
}

static bool is_frame(const uint8_t *p, size_t len)
{
	return len >= SS_LEN && p[0] == 0xFF && p[1] == 0xA5;
}

static int add10(struct hv_measurement *m, enum hv_metric metric, unsigned raw)
{
	return raw ? hv_measurement_add(m, metric, raw / 10.0) : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	unsigned kept = (frame->quirks >> SS_WEIGHT_SHIFT) & SS_WEIGHT_MASK;
	const uint8_t *p;
	size_t len;
	int r;

	p = value_of(frame, &len);
	if (!p)
		return -ENODEV;
	if (!is_frame(p, len))
		return hv_measurement_invalid(ret, "not an FF A5 frame (%zu bytes)",
					      len);
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	switch (p[6]) {
	case SS_LIVE:
	case SS_STABLE:
		if (hv_be16(p + 2) == 0)
			return hv_measurement_control(ret, "empty");
		/* the composition that follows completes the measurement */
		ret->final = false;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_be16(p + 2) / 10.0);
	case SS_FAT:
		if (!kept)
			return hv_measurement_control(ret, "fat without a weight");
		ret->final = false;
		ret->more_packets = true;
		r = add10(ret, HV_METRIC_BODY_WEIGHT, kept);
		if (r >= 0)
			r = add10(ret, HV_METRIC_BODY_FAT_PERCENT, hv_be16(p + 2));
		if (r >= 0)
			r = add10(ret, HV_METRIC_BODY_WATER_PERCENT, hv_be16(p + 4));
		return r < 0 ? r : 0;
	case SS_MUSCLE:
		if (!kept)
			return hv_measurement_control(ret, "muscle without a weight");
		ret->final = true;
		r = add10(ret, HV_METRIC_MUSCLE_PERCENT, hv_be16(p + 2));
		if (r >= 0)
			r = add10(ret, HV_METRIC_BONE_MASS, hv_le16(p + 4));
		return r < 0 ? r : 0;
	case SS_FAT_FAILED:
		if (!kept)
			return hv_measurement_control(ret, "fat measurement failed");
		ret->final = true;
		return add10(ret, HV_METRIC_BODY_WEIGHT, kept) < 0 ? -ENOSPC : 0;
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* A stable-weight frame on model A's characteristic (never final: the
 * composition completes a Senssun measurement). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[SS_LEN + 1] = { 0xFF, 0xA5 };
	double raw;

	if (target && !hv_uuid_is16(target, SS_NOTIFY_A))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	hv_put_be16(b + 2, (uint16_t)raw);
	b[6] = m->final ? SS_STABLE : SS_LIVE;
	return hv_frame_put_value(ret, SS_NOTIFY_A, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "SENSSUN FAT") && f->name[11] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static int command(uint8_t cmd, uint8_t d1, uint8_t d2, uint8_t d3,
		   uint8_t *buf, size_t size, size_t *ret_len)
{
	if (size < 9)
		return -ENOSPC;
	memset(buf, 0, 9);
	buf[0] = 0xA5;
	buf[1] = cmd;
	buf[2] = d1;
	buf[3] = d2;
	buf[4] = d3;
	buf[7] = hv_sum8(buf + 1, 6);
	*ret_len = 9;
	return 0;
}

static int pl_date(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;
	int64_t doy;

	if (!hv_datetime_plausible(t, 0))
		return -EINVAL;
	doy = hv_days_from_civil(t->year, t->month, t->day) -
	      hv_days_from_civil(t->year, 1, 1) + 1;
	return command(0x30, (uint8_t)(t->year % 100), (uint8_t)(doy >> 8),
		       (uint8_t)doy, buf, size, ret_len);
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (!hv_datetime_plausible(t, 0))
		return -EINVAL;
	return command(0x31, t->hour, t->minute, t->second, buf, size, ret_len);
}

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = p->height_m * 100;
	unsigned slot = s->user_index > 0 ? (unsigned)s->user_index & 0x0F : 1;

	if (!hv_profile_complete(p) || p->age_years <= 0 ||
	    p->age_years > 120 || cm < 50 || cm > 255)
		return -ENODATA;
	return command(0x10, (uint8_t)((p->sex == HV_SEX_MALE ? 0xF0 : 0) + slot),
		       (uint8_t)p->age_years, (uint8_t)(cm + 0.5), buf, size,
		       ret_len);
}

static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned raw;

	if (!is_frame(v, len) || v[6] != SS_STABLE || !(raw = hv_be16(v + 2)))
		return HV_VALUE_MORE;
	s->quirks = (s->quirks & ~(SS_WEIGHT_MASK << SS_WEIGHT_SHIFT)) |
		    raw << SS_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

static int on_composition(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (!is_frame(v, len))
		return HV_VALUE_MORE;
	return v[6] == SS_MUSCLE || v[6] == SS_FAT_FAILED ? HV_VALUE_DONE :
							      HV_VALUE_MORE;
}

enum { ST_A_END = 6, ST_B = 7, ST_B_END = 13 };

#define STEPS(svc, nt, wr, end)                                                \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = wr,          \
	  .payload = pl_date, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL, \
	  .what = "date (A5 30), " svc },                                     \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = wr,          \
	  .payload = pl_time, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL, \
	  .what = "time (A5 31), " svc },                                     \
	{ .op = HV_STEP_WAIT, .service = svc, .characteristic = nt,           \
	  .on_value = on_stable, .timeout_ms = 60000,                         \
	  .what = "wait for the stable weight, " svc },                      \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = wr,          \
	  .payload = pl_user, .flags = HV_STEP_WITH_RESPONSE,                 \
	  .on_fail = end, .what = "user (A5 10), " svc },                     \
	{ .op = HV_STEP_WAIT, .service = svc, .characteristic = nt,           \
	  .on_value = on_composition, .timeout_ms = 20000, .on_fail = end,    \
	  .what = "wait for the composition, " svc }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		  .characteristic = "fff1", .on_fail = ST_B,
		  .what = "subscribe 0xFFF1 (model A)" },
	/* 1..5 */ STEPS("fff0", "fff1", "fff2", ST_A_END),
	/* 6 */ { .op = HV_STEP_END, .what = "done" },
	/* 7 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffb0",
		  .characteristic = "ffb2", .what = "subscribe 0xFFB2 (model B)" },
	/* 8..12 */ STEPS("ffb0", "ffb2", "ffb2", ST_B_END),
	/* 13 */ { .op = HV_STEP_END, .what = "done, model B" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_B_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Senssun Fat (model A 0xFFF0, model B 0xFFB0)",
				      NULL };
static const uint16_t characteristics[] = { SS_NOTIFY_A, SS_NOTIFY_B, 0 };
static const char *const name_prefixes[] = { "SENSSUN FAT", NULL };

const struct hv_driver senssun_driver = {
	.id = "senssun",
	.name = "Senssun Fat (FF A5 frames)",
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
