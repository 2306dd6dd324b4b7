// SPDX-License-Identifier: MIT
/*
 * Hesley body-fat scale, advertised as "YunChen": service 0xFFF0, 0xFFF1
 * write, 0xFFF4 notify. Source: openScale HesleyHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * HesleyHandler.kt), oliexdev/openScale@f7a733b2 (file last changed in
 * 6ed3f626).
 *
 * The app subscribes to 0xFFF4 and writes A5 01 2C AB 50 5A 29 to 0xFFF1
 * (with response) to arm a measurement; the scale then notifies one 20-byte
 * result, all fields big-endian:
 *
 *   [2..3]   weight, 0.01 kg
 *   [4..5]   body fat, 0.1 %
 *   [8..9]   body water, 0.1 %
 *   [10..11] muscle, 0.1 %
 *   [12..13] bone, 0.1 kg
 *   [14..15] energy figure (kcal; openScale does not store it, nor do we)
 *   [17]     body age (not read: openScale does not say what it is)
 *   [0..1], [6..7], [16], [18..19] not described
 *
 * The 20-byte frame is the measurement (final); other lengths are protocol
 * frames. The composition is the scale's own: no method. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define HS_NOTIFY 0xFFF4
#define HS_RESULT_LEN 20

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	static const struct {
		size_t at;
		enum hv_metric metric;
	} fields[] = {
		{ 4, HV_METRIC_BODY_FAT_PERCENT },
		{ 8, HV_METRIC_BODY_WATER_PERCENT },
		{ 10, HV_METRIC_MUSCLE_PERCENT },
		{ 12, HV_METRIC_BONE_MASS },
	};
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, HS_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len != HS_RESULT_LEN)
		return hv_measurement_control(ret, "other");
	if (hv_be16(p + 2) == 0)
		return hv_measurement_invalid(ret, "weight is zero");
	ret->final = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_be16(p + 2) / 100.0);
	for (size_t i = 0; r >= 0 && i < sizeof(fields) / sizeof(fields[0]); i++)
		r = hv_measurement_add(ret, fields[i].metric,
				       hv_be16(p + fields[i].at) / 10.0);
	return r < 0 ? r : 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[HS_RESULT_LEN] = { 0 };
	int r;

	if (target && !hv_uuid_is16(target, HS_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 || !m->final)
		return -EINVAL;
	r = hv_put_reading(b + 2, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WEIGHT, 100);
	if (r >= 0)
		r = hv_put_reading(b + 4, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_FAT_PERCENT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 8, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WATER_PERCENT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 10, 2, HV_BIG_ENDIAN, m, HV_METRIC_MUSCLE_PERCENT, 10);
	if (r >= 0)
		r = hv_put_reading(b + 12, 2, HV_BIG_ENDIAN, m, HV_METRIC_BONE_MASS, 10);
	if (r < 0 || hv_be16(b + 2) == 0)
		return -EINVAL;
	return hv_frame_put_value(ret, HS_NOTIFY, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0xFFF0/0xFFF4 are shared by many vendors: the exact name only. */
	return hv_name_prefix_ci(f->name, "YunChen") && f->name[7] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static const uint8_t arm[] = { 0xA5, 0x01, 0x2C, 0xAB, 0x50, 0x5A, 0x29 };

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	return len == HS_RESULT_LEN ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff4",
	  .what = "subscribe 0xFFF4" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .bytes = arm, .n_bytes = sizeof(arm), .flags = HV_STEP_WITH_RESPONSE,
	  .what = "arm a measurement" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
	  .on_value = on_result, .timeout_ms = 60000,
	  .what = "wait for the result" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Hesley (YunChen)", NULL };
static const uint16_t characteristics[] = { HS_NOTIFY, 0 };
static const char *const name_prefixes[] = { "YunChen", NULL };

const struct hv_driver hesley_driver = {
	.id = "hesley",
	.name = "Hesley \"YunChen\" (0xFFF0)",
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
