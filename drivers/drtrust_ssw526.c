// SPDX-License-Identifier: MIT
/*
 * Dr Trust SSW526: the MGB family's service 0xFFB0 (0xFFB1 write, 0xFFB2
 * notify), but an AC 27 stream on 0xFFB2 rather than the AC 02/03 frames of
 * lefu_icomon. Source: openScale DrTrustSSW526Handler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/DrTrustSSW526Handler.kt, oliexdev/openScale@c56b59f6) and its test
 * (DrTrustSSW526HandlerTest.kt, same commit), from the handler's captures.
 *
 * 0xFFB2, a measurement frame (at least 20 bytes):
 *   [0..1]  AC 27
 *   [2]     0x80: the scale calls the weight stable
 *   [3..5]  u24 BE, grams above a base of 0x680000 (0x680000 = empty)
 *   [16]    0x03, [17] 0xD5 (markers)
 * No impedance is sent. No checksum is known (none is checked).
 *
 * A weight is final when [2] is 0x80, or when it is the fourth frame in a
 * row with the same value, or, when neither comes, the last weight 8 s
 * after the first (the handler's STABLE_FRAMES and FALLBACK_DELAY_MS).
 * The conversation keeps the run in session.quirks (bit 0 set, bits 1..3
 * the number of equal frames before, bit 4 the 8 s have passed, bits 8..31
 * the raw word) and decode() reads it; the last frame waits in
 * session.scratch_bytes for the step's timeout, which hands it on.
 * Weights above 300 kg are no reading.
 *
 * App → scale (0xFFB1, with response), AC 02 B2 B3 B4 B5 CC CS, CS the low
 * byte of the sum of [2..6], in openScale's order: F7, FA, FB sex (1 male,
 * 2 female) age height, FD year−2000 month day, FC hour minute second
 * (local clock), FE 06 unit (0 kg).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define DT_NOTIFY 0xFFB2
#define DT_SERVICE 0xFFB0
#define DT_MIN_LEN 20
#define DT_BASE 0x680000u
#define DT_STABLE 0x80
#define DT_MAX_GRAMS 300000u
#define DT_STABLE_FRAMES 4

#define DT_QUIRK_RUN 0x1u
#define DT_QUIRK_FALLBACK 0x10u
#define DT_RUN_SHIFT 1
#define DT_RUN_MASK 0x7u
#define DT_RAW_SHIFT 8

static bool is_measurement(const uint8_t *v, size_t len)
{
	return len >= DT_MIN_LEN && v[0] == 0xAC && v[1] == 0x27 && v[16] == 0x03 &&
	       v[17] == 0xD5;
}

static uint32_t raw_word(const uint8_t *v)
{
	return (uint32_t)v[3] << 16 | hv_be16(v + 4);
}

static bool is_ssw526_name(const char *name)
{
	return hv_name_contains_ci(name, "SSW526") ||
	       (hv_name_contains_ci(name, "DR.TRUST") && hv_name_contains_ci(name, "526"));
}

static bool claims_device(const struct hv_frame *f)
{
	if (f->n_service_uuids && !hv_frame_has_service(f, DT_SERVICE))
		return false;
	return is_ssw526_name(f->name);
}

/* Equal frames seen before this one, from the run kept in quirks. */
static unsigned equal_before(unsigned quirks, uint32_t raw)
{
	if (!(quirks & DT_QUIRK_RUN) || quirks >> DT_RAW_SHIFT != raw)
		return 0;
	return (quirks >> DT_RUN_SHIFT) & DT_RUN_MASK;
}

/* The last weight, handed on when 8 s passed without a final one. */
static bool is_fallback(unsigned quirks, uint32_t raw)
{
	return (quirks & DT_QUIRK_FALLBACK) && quirks >> DT_RAW_SHIFT == raw;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	size_t len;
	const uint8_t *v = hv_frame_value_on(frame, DT_NOTIFY, &len);
	uint32_t raw, grams;

	if (!v)
		return -ENODEV;
	if (len < DT_MIN_LEN)
		return hv_measurement_invalid(ret, "value of %zu bytes, needs %d", len,
					      DT_MIN_LEN);
	if (!is_measurement(v, len))
		return hv_measurement_control(ret, "other");
	raw = raw_word(v);
	grams = raw > DT_BASE ? raw - DT_BASE : 0;
	if (grams == 0 || grams > DT_MAX_GRAMS)
		return hv_measurement_control(ret, "no weight");
	ret->final = v[2] == DT_STABLE ||
		     equal_before(frame->quirks, raw) + 1 >= DT_STABLE_FRAMES ||
		     is_fallback(frame->quirks, raw);
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, grams / 1000.0);
}

/* A measurement frame, stable (0x80) when final. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t p[DT_MIN_LEN] = { 0xAC, 0x27 };
	double grams;

	if (target && !hv_uuid_is16(target, DT_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE)
		return -EINVAL;
	grams = round(w->value * 1000);
	if (grams < 1 || grams > DT_MAX_GRAMS)
		return -EINVAL;
	p[2] = m->final ? DT_STABLE : 0x00;
	p[3] = (uint8_t)((DT_BASE + (uint32_t)grams) >> 16);
	hv_put_be16(p + 4, (uint16_t)((DT_BASE + (uint32_t)grams) & 0xFFFF));
	p[16] = 0x03;
	p[17] = 0xD5;
	return hv_frame_put_value(ret, DT_NOTIFY, p, sizeof(p));
}

/* --- conversation --------------------------------------------------------- */

static int config(uint8_t b2, uint8_t b3, uint8_t b4, uint8_t b5, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 8)
		return -ENOSPC;
	buf[0] = 0xAC;
	buf[1] = 0x02;
	buf[2] = b2;
	buf[3] = b3;
	buf[4] = b4;
	buf[5] = b5;
	buf[6] = 0xCC;
	buf[7] = hv_sum8(buf + 2, 5);
	*ret_len = 8;
	return 0;
}

static const uint8_t config_f7[] = { 0xAC, 0x02, 0xF7, 0x00, 0x00, 0x00, 0xCC, 0xC3 };
static const uint8_t config_fa[] = { 0xAC, 0x02, 0xFA, 0x00, 0x00, 0x00, 0xCC, 0xC6 };
static const uint8_t config_unit_kg[] = { 0xAC, 0x02, 0xFE, 0x06, 0x00, 0x00, 0xCC, 0xD0 };

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size, size_t *ret_len)
{
	double cm = floor(s->profile.height_m * 100), age = floor(s->profile.age_years);

	return config(0xFB, s->profile.sex == HV_SEX_MALE ? 1 : 2,
		      age >= 1 && age <= 255 ? (uint8_t)age : 0,
		      cm >= 1 && cm <= 255 ? (uint8_t)cm : 0, buf, size, ret_len);
}

static int pl_date(const struct hv_session *s, uint8_t *buf, size_t size, size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;
	int yy = t->year - 2000;

	return config(0xFD, (uint8_t)(yy < 0 ? 0 : yy > 99 ? 99 : yy), t->month, t->day, buf,
		      size, ret_len);
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size, size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	return config(0xFC, t->hour, t->minute, t->second, buf, size, ret_len);
}

/* A weight frame: 1 when final, 0 when not (the run and the frame kept
 * for decode() and the fallback), -1 when it is no weight. */
static int note_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t raw;
	unsigned run;

	if (!is_measurement(v, len))
		return -1;
	raw = raw_word(v);
	if (raw <= DT_BASE || raw - DT_BASE > DT_MAX_GRAMS)
		return -1;
	run = equal_before(s->quirks, raw) + 1;
	if (v[2] == DT_STABLE || run >= DT_STABLE_FRAMES)
		return 1;
	s->quirks = DT_QUIRK_RUN | run << DT_RUN_SHIFT | raw << DT_RAW_SHIFT;
	len = len < sizeof(s->scratch_bytes) ? len : sizeof(s->scratch_bytes);
	memcpy(s->scratch_bytes, v, len);
	s->scratch[0] = (uint32_t)len;
	return 0;
}

enum {
	DT_STEP_FIRST_WEIGHT = 7,
	DT_STEP_FINAL_WEIGHT,
	DT_STEP_END,
};

/* The first weight: final, the weighing is over; else the 8 s start. */
static int on_first_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r = note_weight(s, v, len);

	if (r < 0)
		return HV_VALUE_MORE;
	if (r == 0)
		return HV_VALUE_DONE;
	s->next_step = DT_STEP_END;
	return HV_VALUE_GOTO;
}

static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	return note_weight(s, v, len) > 0 ? HV_VALUE_DONE : HV_VALUE_MORE;
}

/* 8 s after the first weight without a final one: the last is final. */
static int on_fallback(struct hv_session *s, uint8_t *buf, size_t size, size_t *ret_len)
{
	size_t len = s->scratch[0];

	if (!(s->quirks & DT_QUIRK_RUN) || len == 0)
		return 0;
	if (len > size)
		return -ENOSPC;
	memcpy(buf, s->scratch_bytes, len);
	s->quirks |= DT_QUIRK_FALLBACK;
	*ret_len = len;
	return 1;
}

#define SVC "ffb0"
#define CONFIG_STEP(fn, text)                                                        \
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1", .payload = fn, \
	  .flags = HV_STEP_WITH_RESPONSE, .what = text }
#define CONFIG_BYTES(b, text)                                                         \
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1", .bytes = b,    \
	  .n_bytes = sizeof(b), .flags = HV_STEP_WITH_RESPONSE, .what = text }

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "ffb2",
	  .what = "subscribe 0xFFB2" },
	CONFIG_BYTES(config_f7, "config F7"),
	CONFIG_BYTES(config_fa, "config FA"),
	CONFIG_STEP(pl_profile, "profile (FB sex age height)"),
	CONFIG_STEP(pl_date, "date (FD)"),
	CONFIG_STEP(pl_time, "time (FC)"),
	CONFIG_BYTES(config_unit_kg, "unit kg (FE 06 00)"),
	[DT_STEP_FIRST_WEIGHT] = { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
				   .on_value = on_first_weight, .timeout_ms = 60000,
				   .what = "wait for a weight" },
	[DT_STEP_FINAL_WEIGHT] = { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
				   .on_value = on_weight, .on_timeout = on_fallback,
				   .timeout_ms = 8000,
				   .what = "wait for a stable weight, or take the last after 8 s" },
	[DT_STEP_END] = { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Dr Trust SSW526", NULL };
static const uint16_t characteristics[] = { DT_NOTIFY, 0 };
static const char *const name_prefixes[] = { "SSW526", "Dr.Trust", NULL };

const struct hv_driver drtrust_ssw526_driver = {
	.id = "drtrust_ssw526",
	.name = "Dr Trust SSW526 (0xFFB0, AC 27 weight stream)",
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
