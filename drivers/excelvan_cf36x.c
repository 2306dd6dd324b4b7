// SPDX-License-Identifier: MIT
/*
 * Excelvan CF369BLE / CF36x, advertised as "Electronic Scale": service
 * 0xFFF0, 0xFFF1 write, 0xFFF4 notify. Source: openScale
 * ExcelvanCF36xHandler (android_app/app/src/main/java/com/health/openscale/
 * core/bluetooth/scales/ExcelvanCF36xHandler.kt), oliexdev/openScale@f7a733b2
 * (file last changed in 6ed3f626).
 *
 * App → scale, before subscribing (with response):
 *   FE 01 SS AA HH YY UU CS   user 1 (openScale always writes 1), SS 1 male
 *                             / 0 female, AA activity 0..2, HH height cm,
 *                             YY age, UU unit (1 kg, 2 lb, 4 st), CS XOR of
 *                             [1..6]
 *
 * Scale → app, 16 or 17 bytes (u16 big-endian):
 *   [0]      0xCF
 *   [4..5]   weight, 0.1 in the unit configured
 *   [6..7]   body fat, 0.1 %
 *   [8]      bone, 0.1 kg
 *   [9..10]  muscle, 0.1 %
 *   [11]     visceral fat rating
 *   [12..13] body water, 0.1 %
 *   [14..15] a BMR figure (not read: openScale does not store it)
 *
 * The frame is the scale's one result (final). The weight is in the unit
 * the app configured and the frame does not say which: the conversation
 * always configures kg, so the frame is read as kg (a scale set to lb by
 * another app decodes wrong until it is configured). The activity written
 * is 0 (the profile has no activity level). No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

#define EV_NOTIFY 0xFFF4
#define EV_HEAD 0xCF

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, EV_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 1 || p[0] != EV_HEAD)
		return hv_measurement_control(ret, "other");
	if (len != 16 && len != 17)
		return hv_measurement_invalid(ret, "result has %zu bytes, needs 16 or 17",
					      len);
	if (hv_be16(p + 4) == 0)
		return hv_measurement_invalid(ret, "weight is zero");
	ret->final = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_be16(p + 4) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT,
				       hv_be16(p + 6) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS, p[8] / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_MUSCLE_PERCENT,
				       hv_be16(p + 9) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING, p[11]);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT,
				       hv_be16(p + 12) / 10.0);
	return r < 0 ? r : 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[16] = { EV_HEAD };
	int r;

	if (target && !hv_uuid_is16(target, EV_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 || !m->final)
		return -EINVAL;
	r = hv_put_reading(b + 4, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WEIGHT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 6, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_FAT_PERCENT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 8, 1, HV_BIG_ENDIAN, m, HV_METRIC_BONE_MASS, 10);
	if (r >= 0)
		r = hv_put_reading(b + 9, 2, HV_BIG_ENDIAN, m, HV_METRIC_MUSCLE_PERCENT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 11, 1, HV_BIG_ENDIAN, m, HV_METRIC_VISCERAL_FAT_RATING, 1);
	if (r >= 0)
		r = hv_put_reading(b + 12, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WATER_PERCENT, 10);
	if (r < 0 || hv_be16(b + 4) == 0)
		return -EINVAL;
	return hv_frame_put_value(ret, EV_NOTIFY, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0xFFF0/0xFFF4 are shared: the exact (generic) name only. */
	return hv_name_prefix_ci(f->name, "Electronic Scale") && f->name[16] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return (len == 16 || len == 17) && v[0] == EV_HEAD ? HV_VALUE_DONE :
							      HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = hv_lefu_fe_config, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "user and unit kg (0xFE)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff4",
	  .what = "subscribe 0xFFF4" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
	  .on_value = on_result, .timeout_ms = 60000,
	  .what = "wait for the result" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Excelvan CF369BLE / CF36x (\"Electronic Scale\")",
				      NULL };
static const uint16_t characteristics[] = { EV_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Electronic Scale", NULL };

const struct hv_driver excelvan_cf36x_driver = {
	.id = "excelvan_cf36x",
	.name = "Excelvan CF36x \"Electronic Scale\" (0xFFF0)",
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
