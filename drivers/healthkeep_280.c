// SPDX-License-Identifier: MIT
/*
 * HealthKeep 280 ("Healthkeep..." names): service 0xFFB0, 0xFFB1 write,
 * 0xFFB2 live notifications, 0xFFB3 final indication. Source: openScale
 * HealthKeep280Handler (android_app/app/src/main/java/com/health/openscale/
 * core/bluetooth/scales/HealthKeep280Handler.kt, oliexdev/openScale@0a251157)
 * and its test (HealthKeep280HandlerTest.kt, same commit), whose final
 * frame is an nRF Connect capture matching the scale's display.
 *
 * App → scale (0xFFB1, with response), the person:
 *   AC 02 FB sex age height CC sum   sex 1 male, 2 female; height in cm;
 *                                    sum = low byte of the sum of [0..6]
 *
 * 0xFFB2 live (at least 9 bytes):
 *   [4]    status: 0x01, 0x02 weighing in progress
 *   [6..8] weight u24 BE, grams
 *
 * 0xFFB3 final (at least 11 bytes):
 *   [3]    command 0xA3
 *   [5..7] weight u24 BE, grams (one byte before the live frame's)
 *   [8]    heart rate, min⁻¹ (0: not measured)
 *   [9..10] impedance u16 BE, Ohm (0: none)
 *
 * The rest of the 20-byte final frame (a trailing byte 0x04 in the
 * capture) is not read; no checksum is known. Body composition from the
 * impedance and a profile: method "standard_impedance" (openScale's
 * StandardImpedanceLib, as its handler; it also clamps fat, water, muscle
 * and bone to ranges, which the method does not). The conversation (openScale's onConnected): both
 * subscriptions, the person, then wait for the final indication, after
 * which openScale disconnects.
 */
#include <errno.h>
#include <math.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define HK_LIVE 0xFFB2
#define HK_FINAL 0xFFB3
#define HK_LIVE_MIN 9
#define HK_FINAL_MIN 11
#define HK_FINAL_LEN 20
#define HK_CMD_FINAL 0xA3
#define HK_CMD_LIVE 0xA2
#define HK_HEADER 0xCF
#define HK_MAX_GRAMS 0xFFFFFFu

static bool claims_device(const struct hv_frame *f)
{
	const char *name = f->name;

	while (name && *name == ' ')
		name++;
	return hv_name_prefix_ci(name, "HEALTHKEEP");
}

static int add_weight(struct hv_measurement *ret, const uint8_t *p, bool final)
{
	uint32_t grams = hv_be16(p) << 8 | p[2];

	if (grams == 0)
		return hv_measurement_control(ret, "no weight");
	ret->final = final;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, grams / 1000.0);
}

static int decode_live(const uint8_t *v, size_t len, struct hv_measurement *ret)
{
	if (len < HK_LIVE_MIN)
		return hv_measurement_invalid(ret, "live value of %zu bytes, needs %d", len,
					      HK_LIVE_MIN);
	if (v[4] != 0x01 && v[4] != 0x02)
		return hv_measurement_control(ret, "idle");
	return add_weight(ret, v + 6, false);
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode_final(const uint8_t *v, size_t len, const struct hv_profile *profile,
			struct hv_measurement *ret)
{
	unsigned impedance;
	int r;

	if (len < HK_FINAL_MIN)
		return hv_measurement_invalid(ret, "indication of %zu bytes, needs %d", len,
					      HK_FINAL_MIN);
	if (v[3] != HK_CMD_FINAL)
		return hv_measurement_control(ret, "other command");
	r = add_weight(ret, v + 5, true);
	if (r < 0 || !ret->final)
		return r < 0 ? r : 0;
	if (v[8] > 0) {
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, v[8]);
		if (r < 0)
			return r;
	}
	impedance = hv_be16(v + 9);
	if (impedance > 0) {
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, impedance);
		if (r >= 0)
			r = hv_decode_derive(ret, (hv_be16(v + 5) << 8 | v[7]) / 1000.0, impedance,
					     profile, derive_bodycomp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *v;
	size_t len;
	int r;

	if ((v = hv_frame_value_on(frame, HK_LIVE, &len)))
		r = decode_live(v, len, ret);
	else if ((v = hv_frame_value_on(frame, HK_FINAL, &len)))
		r = decode_final(v, len, frame->profile, ret);
	else
		return -ENODEV;
	return r < 0 ? r : 0;
}

/* The final indication (target NULL or 0xFFB3) or a live frame (0xFFB2). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	bool live = target && hv_uuid_is16(target, HK_LIVE);
	uint8_t p[HK_FINAL_LEN] = { HK_HEADER, 0x08, 0x00 };
	double grams, bpm = 0, ohm = 0;

	if (target && !live && !hv_uuid_is16(target, HK_FINAL))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE)
		return -EINVAL;
	grams = round(w->value * 1000);
	if (grams < 1 || grams > HK_MAX_GRAMS)
		return -EINVAL;
	if (live || !m->final) {
		p[3] = HK_CMD_LIVE;
		p[4] = 0x01;
		hv_put_be16(p + 6, (uint16_t)((uint32_t)grams >> 8));
		p[8] = (uint8_t)((uint32_t)grams & 0xFF);
		return hv_frame_put_value(ret, HK_LIVE, p, HK_LIVE_MIN);
	}
	if (hr) {
		if (hr->absent != HV_ABSENT_NONE || hr->value < 0 || hr->value > 255)
			return -EINVAL;
		bpm = round(hr->value);
	}
	if (z) {
		if (z->absent != HV_ABSENT_NONE || z->value < 0 || z->value > 0xFFFF)
			return -EINVAL;
		ohm = round(z->value);
	}
	p[3] = HK_CMD_FINAL;
	hv_put_be16(p + 5, (uint16_t)((uint32_t)grams >> 8));
	p[7] = (uint8_t)((uint32_t)grams & 0xFF);
	p[8] = (uint8_t)bpm;
	hv_put_be16(p + 9, (uint16_t)ohm);
	p[HK_FINAL_LEN - 1] = 0x04;
	return hv_frame_put_value(ret, HK_FINAL, p, sizeof(p));
}

/* --- conversation --------------------------------------------------------- */

/* AC 02 FB sex age height CC sum: needs the person's sex, age and height. */
static int person_payload(const struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = round(p->height_m * 100), age = floor(p->age_years);

	if (size < 8)
		return -ENOSPC;
	if (!hv_profile_complete(p) || cm < 1 || cm > 255 || age < 1 || age > 255)
		return -ENODATA;
	buf[0] = 0xAC;
	buf[1] = 0x02;
	buf[2] = 0xFB;
	buf[3] = p->sex == HV_SEX_MALE ? 0x01 : 0x02;
	buf[4] = (uint8_t)age;
	buf[5] = (uint8_t)cm;
	buf[6] = 0xCC;
	buf[7] = hv_sum8(buf, 7);
	*ret_len = 8;
	return 0;
}

static int on_final(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= HK_FINAL_MIN && v[3] == HK_CMD_FINAL ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "ffb0", .characteristic = "ffb2",
	  .flags = HV_STEP_OPTIONAL, .what = "subscribe 0xFFB2 (live weight)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "ffb0", .characteristic = "ffb3",
	  .what = "subscribe 0xFFB3 (final measurement)" },
	/* Without a complete profile the scale weighs without it. */
	{ .op = HV_STEP_WRITE, .service = "ffb0", .characteristic = "ffb1",
	  .payload = person_payload, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "send the person (AC 02 FB)" },
	{ .op = HV_STEP_WAIT, .service = "ffb0", .characteristic = "ffb3",
	  .on_value = on_final, .timeout_ms = 60000,
	  .what = "wait for the final measurement (0xA3)" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "HealthKeep 280", NULL };
static const uint16_t characteristics[] = { HK_LIVE, HK_FINAL, 0 };
static const char *const name_prefixes[] = { "Healthkeep", "HEALTHKEEP", NULL };

const struct hv_driver healthkeep_280_driver = {
	.id = "healthkeep_280",
	.name = "HealthKeep 280 (0xFFB0)",
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
	.derive = derive_bodycomp,
};
