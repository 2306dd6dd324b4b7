// SPDX-License-Identifier: MIT
/*
 * Exingtech Y1, advertised as "VScale". Source: openScale ExingtechY1Handler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * ExingtechY1Handler.kt), oliexdev/openScale@f7a733b2 (file last changed in
 * 6ed3f626).
 *
 *   service  f433bd80-75b8-11e2-97d9-0002a5d5c51b
 *   notify   1a2ea400-75b9-11e2-be05-0002a5d5c51b
 *   write    29f11080-75b9-11e2-8bf6-0002a5d5c51b
 *
 * App → scale, once subscribed (with response):
 *   10 UU SS AA HH   UU user id (one byte), SS 0 male / 1 female, AA age,
 *                    HH height in cm
 *
 * Scale → app, 20 bytes, u16 big-endian:
 *   [4..5]   weight, 0.1 kg
 *   [6..7]   body fat, 0.1 %; [6] = 0xFF: a weight-only frame, the
 *            composition follows in a later one
 *   [8..9]   body water, 0.1 %
 *   [10..11] bone, 0.1 kg
 *   [12..13] muscle, 0.1 %
 *   [14]     visceral fat rating
 *   [15..16] energy figure, [17..] BMI: not read (openScale computes them)
 *
 * The frame with the composition is the measurement (final); a weight-only
 * frame is live. The user id written is the session's slot (openScale writes
 * its own user id, truncated to a byte); without a complete profile the
 * user block is not written and the scale gives weight only. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define EX_SERVICE "f433bd80-75b8-11e2-97d9-0002a5d5c51b"
#define EX_NOTIFY "1a2ea400-75b9-11e2-be05-0002a5d5c51b"
#define EX_WRITE "29f11080-75b9-11e2-8bf6-0002a5d5c51b"
#define EX_RESULT_LEN 20
#define EX_WEIGHT_ONLY 0xFF
#define EX_USER_BLOCK 0x10

static bool is_uuid(const struct hv_uuid *u, const char *text)
{
	struct hv_uuid t;

	return hv_uuid_parse(text, &t) == 0 && hv_uuid_equal(&t, u);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	static const struct {
		size_t at;
		enum hv_metric metric;
	} fields[] = {
		{ 6, HV_METRIC_BODY_FAT_PERCENT },
		{ 8, HV_METRIC_BODY_WATER_PERCENT },
		{ 10, HV_METRIC_BONE_MASS },
		{ 12, HV_METRIC_MUSCLE_PERCENT },
	};
	const uint8_t *p = frame->value;
	int r;

	if (!frame->has_characteristic || !is_uuid(&frame->characteristic, EX_NOTIFY))
		return -ENODEV;
	if (frame->value_len != EX_RESULT_LEN)
		return hv_measurement_control(ret, "other");
	if (hv_be16(p + 4) == 0)
		return hv_measurement_invalid(ret, "weight is zero");
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_be16(p + 4) / 10.0);
	if (p[6] == EX_WEIGHT_ONLY) {
		ret->final = false;
		return r < 0 ? r : 0;
	}
	ret->final = true;
	for (size_t i = 0; r >= 0 && i < sizeof(fields) / sizeof(fields[0]); i++)
		r = hv_measurement_add(ret, fields[i].metric,
				       hv_be16(p + fields[i].at) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING, p[14]);
	return r < 0 ? r : 0;
}

static int put_u16(uint8_t *p, const struct hv_measurement *m,
		   enum hv_metric metric, double scale)
{
	uint32_t raw;
	/* below 0xFF00: a high byte 0xFF at [6] means weight only */
	int r = hv_reading_raw(m, metric, scale, 0xFEFF, &raw);

	if (r <= 0)
		return r;
	hv_put_be16(p, (uint16_t)raw);
	return 0;
}

/* Final: the composition frame (fat 0 when none); otherwise weight only. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *vf =
		hv_measurement_find(m, HV_METRIC_VISCERAL_FAT_RATING);
	uint8_t b[EX_RESULT_LEN] = { 0 };
	int r;

	if (target && !is_uuid(target, EX_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	r = put_u16(b + 4, m, HV_METRIC_BODY_WEIGHT, 10);
	if (r >= 0 && m->final) {
		r = put_u16(b + 6, m, HV_METRIC_BODY_FAT_PERCENT, 10);
		if (r >= 0)
			r = put_u16(b + 8, m, HV_METRIC_BODY_WATER_PERCENT, 10);
		if (r >= 0)
			r = put_u16(b + 10, m, HV_METRIC_BONE_MASS, 10);
		if (r >= 0)
			r = put_u16(b + 12, m, HV_METRIC_MUSCLE_PERCENT, 10);
		if (vf && vf->absent == HV_ABSENT_NONE && vf->value >= 0 &&
		    vf->value <= 255)
			b[14] = (uint8_t)(vf->value + 0.5);
	} else {
		b[6] = EX_WEIGHT_ONLY;
	}
	if (r < 0 || hv_be16(b + 4) == 0)
		return -EINVAL;
	*ret = (struct hv_frame){ .has_characteristic = true };
	if (hv_uuid_parse(EX_NOTIFY, &ret->characteristic) < 0)
		return -EINVAL;
	ret->value_len = sizeof(b);
	memcpy(ret->value, b, sizeof(b));
	return 0;
}

static bool claims_device(const struct hv_frame *f)
{
	struct hv_uuid svc;

	if (hv_name_prefix_ci(f->name, "VScale") && f->name[6] == '\0')
		return true;
	if (hv_uuid_parse(EX_SERVICE, &svc) < 0)
		return false;
	for (size_t i = 0; i < f->n_service_uuids; i++)
		if (hv_uuid_equal(&f->service_uuids[i], &svc))
			return true;
	return false;
}

/* --- conversation --------------------------------------------------------- */

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	double cm = s->profile.height_m * 100 + 0.5;

	if (!hv_profile_complete(&s->profile) || cm > 255 ||
	    s->profile.age_years > 255)
		return -ENODATA;
	if (size < 5)
		return -ENOSPC;
	buf[0] = EX_USER_BLOCK;
	buf[1] = (uint8_t)(s->user_index > 0 ? s->user_index : 1);
	buf[2] = s->profile.sex == HV_SEX_MALE ? 0 : 1;
	buf[3] = (uint8_t)s->profile.age_years;
	buf[4] = (uint8_t)cm;
	*ret_len = 5;
	return 0;
}

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == EX_RESULT_LEN && v[6] != EX_WEIGHT_ONLY ? HV_VALUE_DONE :
								 HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = EX_SERVICE,
	  .characteristic = EX_NOTIFY, .what = "subscribe to the results" },
	{ .op = HV_STEP_WRITE, .service = EX_SERVICE, .characteristic = EX_WRITE,
	  .payload = pl_user, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "user block (0x10)" },
	{ .op = HV_STEP_WAIT, .service = EX_SERVICE, .characteristic = EX_NOTIFY,
	  .on_value = on_result, .timeout_ms = 60000,
	  .what = "wait for the composition" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Exingtech Y1 (VScale)", NULL };
static const char *const characteristics128[] = { EX_NOTIFY, NULL };
static const char *const name_prefixes[] = { "VScale", NULL };

const struct hv_driver exingtech_y1_driver = {
	.id = "exingtech_y1",
	.name = "Exingtech Y1 \"VScale\"",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics128 = characteristics128,
		.name_prefixes = name_prefixes,
	},
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
