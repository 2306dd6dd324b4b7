// SPDX-License-Identifier: MIT
/*
 * Inlife body-fat scales ("000fatscale01", "000fatscale02",
 * "042fatscale01"): 0xFFF0 (0xFFF1 notify, 0xFFF2 write). Source: openScale
 * InlifeHandler (android_app/app/src/main/java/com/health/openscale/core/
 * bluetooth/scales/InlifeHandler.kt, oliexdev/openScale@f7a733b2).
 *
 * Every frame, both directions, 14 bytes:
 *
 *   02 CMD d2 … d11 CS AA     CS = XOR of [1..11] (the XOR of [1..12] is 0)
 *
 *   D8 WH WL …              live weight u16 BE, 0.1 kg
 *   DD WH WL … [11] flag    result:
 *     flag 0x80/0x81: [4..7] impedance u32 BE, Ohm
 *     otherwise:      [4..6] lean body mass u24 BE, g (0xFFFFFF: the feet
 *                     were not on the electrodes), [7..8] visceral factor
 *                     u16 BE, 0.1
 *   DF ST …                 user accepted (ST 0)
 *   0F …                    idle
 *   app: D2 level(1 general) sex(0 m, 1 f) id age height_cm   the user
 *        D4                                                   finished
 *
 * The older result carries the scale's lean mass; openScale derives the
 * rest from it with the formulas of its port of the vendor app (fat =
 * weight − lean, water 73 % and muscle 54.8 % of the lean mass, bone
 * 5.158 % of it, a visceral figure from the factor, height and weight).
 * Those are method "inlife" here, for the general athlete level (the
 * profile carries no activity level); the lean mass itself is the scale's.
 * The newer result gives weight and impedance: method
 * "standard_impedance" with a complete profile.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define IL_NOTIFY 0xFFF1
#define IL_LEN 14
#define IL_START 0x02
#define IL_END 0xAA
#define CMD_SET_USER 0xD2
#define CMD_FINISH 0xD4
#define CMD_WEIGHT 0xD8
#define CMD_RESULT 0xDD
#define CMD_USER_ACK 0xDF
#define CMD_IDLE 0x0F
#define LBM_FAILED 0xFFFFFFu

#define METHOD_INLIFE "inlife"

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int add(struct hv_measurement *m, enum hv_metric metric, double v,
	       int decimals)
{
	int r = hv_measurement_add(m, metric, hv_round_to(v, decimals));

	if (r >= 0)
		m->readings[m->n_readings - 1].method = METHOD_INLIFE;
	return r;
}

/* openScale's derivation from the scale's lean mass (general level). */
static int inlife_method(const struct hv_profile *p, double w, double lbm,
			 double visceral_factor, struct hv_measurement *m)
{
	double fat_kg = w - lbm, h, visceral;
	int r;

	if (!p || !hv_profile_complete(p) || w <= 0)
		return 0;
	h = p->height_m * 100;
	visceral = visceral_factor - 50;
	if (p->sex == HV_SEX_MALE)
		visceral += h >= 1.6 * w + 63 ?
				    (0.765 - 0.002 * h) * w :
				    380 * w / (0.0826 * h * h - 0.4 * h + 48);
	else
		visceral += w <= h / 2 - 13 ?
				    (0.691 - 0.0024 * h) * w :
				    500 * w / (0.1158 * h * h + 1.45 * h - 120);

	r = add(m, HV_METRIC_BODY_FAT_PERCENT, clamp(fat_kg / w * 100, 5, 80), 1);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_WATER_PERCENT,
			clamp(0.73 * (w - fat_kg) / w * 100, 5, 80), 1);
	if (r >= 0)
		r = add(m, HV_METRIC_MUSCLE_PERCENT,
			clamp(0.548 * lbm / w * 100, 5, 80), 1);
	if (r >= 0)
		r = add(m, HV_METRIC_BONE_MASS, clamp(0.05158 * lbm, 0.5, 8), 2);
	if (r >= 0)
		r = add(m, HV_METRIC_VISCERAL_FAT_RATING, clamp(visceral, 1, 50), 1);
	return r < 0 ? r : 0;
}

/* Body composition from what decode() kept (driver.h, derive): the
 * impedance of an 0x80/0x81 result, else the scale's lean mass (aux[0]) and
 * visceral factor (aux[1]). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	if (m->bia.impedance_ohm > 0)
		return hv_bodycomp_standard(p, m->bia.weight_kg,
					    m->bia.impedance_ohm, m);
	return inlife_method(p, m->bia.weight_kg, m->bia.aux[0], m->bia.aux[1],
			     m);
}

static int decode_result(const struct hv_frame *frame, const uint8_t *p,
			 struct hv_measurement *ret)
{
	double w = hv_be16(p + 2) / 10.0;
	int r;

	if (w <= 0)
		return hv_measurement_invalid(ret, "result weight is zero");
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (p[11] == 0x80 || p[11] == 0x81) {
		uint32_t z = hv_be32(p + 4);

		if (r >= 0 && z > 0 && z < 100000)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		if (r >= 0 && z > 0 && z < 100000)
			r = hv_decode_derive(ret, w, z, frame->profile,
					     derive_bodycomp);
		return r < 0 ? r : 0;
	}
	if (be24(p + 4) == LBM_FAILED || be24(p + 4) == 0) {
		/* no lean mass: the weight alone */
		return r < 0 ? r : hv_measurement_add_context(ret, "frame",
							      "no_composition");
	}
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_FAT_FREE_MASS,
				       be24(p + 4) / 1000.0);
	if (r >= 0) {
		hv_measurement_set_bia(ret, w, 0);
		ret->bia.aux[0] = be24(p + 4) / 1000.0;
		ret->bia.aux[1] = hv_be16(p + 7) / 10.0;
		r = frame->profile ? derive_bodycomp(frame->profile, ret) : 0;
	}
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, IL_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len != IL_LEN || p[0] != IL_START || p[IL_LEN - 1] != IL_END)
		return hv_measurement_invalid(ret, "not an Inlife frame (%zu bytes)",
					      len);
	if (hv_xor8(p + 1, IL_LEN - 2) != 0)
		return hv_measurement_invalid(ret, "checksum 0x%02x, computed 0x%02x",
					      p[12], hv_xor8(p + 1, IL_LEN - 3));
	switch (p[1]) {
	case CMD_WEIGHT:
		if (hv_be16(p + 2) == 0)
			return hv_measurement_control(ret, "empty");
		ret->final = false;
		ret->subject = HV_SUBJECT_PERSON;
		ret->display_unit = HV_UNIT_KG;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_be16(p + 2) / 10.0);
	case CMD_RESULT:
		return decode_result(frame, p, ret);
	case CMD_USER_ACK:
		return hv_measurement_control(ret, "user accepted");
	default:
		return hv_measurement_control(ret, "other");
	}
}

static void seal(uint8_t b[IL_LEN])
{
	b[0] = IL_START;
	b[IL_LEN - 2] = hv_xor8(b + 1, IL_LEN - 3);
	b[IL_LEN - 1] = IL_END;
}

/* Final: a newer result (weight, impedance); else a live weight. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[IL_LEN] = { 0 };
	double raw;

	if (target && !hv_uuid_is16(target, IL_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	hv_put_be16(b + 2, (uint16_t)raw);
	if (m->final) {
		b[1] = CMD_RESULT;
		b[11] = 0x80;
		if (z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
		    z->value < 100000)
			hv_put_be32(b + 4, (uint32_t)(z->value + 0.5));
	} else {
		b[1] = CMD_WEIGHT;
	}
	seal(b);
	return hv_frame_put_value(ret, IL_NOTIFY, b, IL_LEN);
}

static const char *const names[] = { "000fatscale01", "000fatscale02",
				     "042fatscale01", NULL };

static bool claims_device(const struct hv_frame *f)
{
	for (const char *const *n = names; *n; n++)
		if (hv_name_prefix_ci(f->name, *n) && f->name[strlen(*n)] == '\0')
			return true;
	return false;
}

/* --- conversation --------------------------------------------------------- */

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = p->height_m * 100;
	uint8_t b[IL_LEN] = { 0 };

	if (size < IL_LEN)
		return -ENOSPC;
	if (!hv_profile_complete(p) || p->age_years <= 0 ||
	    p->age_years > 120 || cm < 50 || cm > 255)
		return -ENODATA;
	b[1] = CMD_SET_USER;
	b[2] = 1; /* general: the profile has no activity level */
	b[3] = p->sex == HV_SEX_MALE ? 0 : 1;
	b[4] = (uint8_t)(s->user_index > 0 ? s->user_index : 1);
	b[5] = (uint8_t)p->age_years;
	b[6] = (uint8_t)(cm + 0.5);
	seal(b);
	memcpy(buf, b, IL_LEN);
	*ret_len = IL_LEN;
	return 0;
}

static int pl_finish(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	uint8_t b[IL_LEN] = { 0 };

	(void)s;
	if (size < IL_LEN)
		return -ENOSPC;
	b[1] = CMD_FINISH;
	seal(b);
	memcpy(buf, b, IL_LEN);
	*ret_len = IL_LEN;
	return 0;
}

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (len != IL_LEN || v[0] != IL_START || v[IL_LEN - 1] != IL_END ||
	    hv_xor8(v + 1, IL_LEN - 2) != 0 || v[1] != CMD_RESULT)
		return HV_VALUE_MORE;
	return HV_VALUE_DONE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff1",
	  .what = "subscribe 0xFFF1" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff2",
	  .payload = pl_user, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "user (D2)" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
	  .on_value = on_result, .timeout_ms = 60000,
	  .what = "wait for the result (DD)" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff2",
	  .payload = pl_finish, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "finished (D4)" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Inlife (000fatscale01/02, 042fatscale01)",
				      NULL };
static const uint16_t characteristics[] = { IL_NOTIFY, 0 };

const struct hv_driver inlife_driver = {
	.id = "inlife",
	.name = "Inlife (0xFFF0, 02 … AA frames)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
