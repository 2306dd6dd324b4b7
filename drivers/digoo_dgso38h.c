// SPDX-License-Identifier: MIT
/*
 * Digoo DG-SO38H, advertised as "Mengii": service 0xFFF0, 0xFFF1 notify,
 * 0xFFF2 write. Source: openScale DigooDGSO38HHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * DigooDGSO38HHandler.kt), oliexdev/openScale@f7a733b2 (file last changed
 * in 939143c9).
 *
 * Scale → app, 20 bytes (u16 big-endian):
 *   [3..4]   weight, 0.01 kg
 *   [5]      control: bit 0 weight stable, bit 1 all values present
 *   [6..7]   body fat, 0.1 % (0 in an all-values frame: weight only)
 *   [10]     visceral fat, 0.1
 *   [11..12] body water, 0.1 %
 *   [16..17] muscle, 0.1 %
 *   [18]     bone, 0.1 kg
 *
 * When the weight is stable the app writes its profile to 0xFFF2 (with
 * response) and the scale answers with an all-values frame:
 *   09 10 12 11 0D 01 HH AA SS UU 00 00 00 00 00 CS
 *   HH height cm, AA age, SS 0 male / 1 female, UU unit (1 kg, 2 lb, 8 st),
 *   CS byte sum of [3..14]
 *
 * The all-values frame is the measurement (final), checked first; a stable
 * or settling weight without it is live (openScale acts on the stable bit
 * before the all-values bit, so a frame with both is read here as the
 * result). The conversation always asks for kg; a profile the session does
 * not have is written as zeros (openScale writes whatever its user has), and
 * the scale then sends fat 0: weight only. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define DG_NOTIFY 0xFFF1
#define DG_FRAME_LEN 20
#define DG_STABLE 0x01
#define DG_ALL_VALUES 0x02
#define DG_UNIT_KG 0x01

static int add_composition(const uint8_t *p, struct hv_measurement *ret)
{
	int r;

	r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, hv_be16(p + 6) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING, p[10] / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT,
				       hv_be16(p + 11) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_MUSCLE_PERCENT,
				       hv_be16(p + 16) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS, p[18] / 10.0);
	return r;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, DG_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len != DG_FRAME_LEN)
		return hv_measurement_control(ret, "other");
	if (hv_be16(p + 3) == 0)
		return hv_measurement_control(ret, "empty");
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = (p[5] & DG_ALL_VALUES) != 0;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_be16(p + 3) / 100.0);
	if (r >= 0 && ret->final && hv_be16(p + 6) != 0)
		r = add_composition(p, ret);
	return r < 0 ? r : 0;
}

/* Final: an all-values frame; otherwise a stable weight. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[DG_FRAME_LEN] = { 0 };
	int r;

	if (target && !hv_uuid_is16(target, DG_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	r = hv_put_reading(b + 3, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WEIGHT, 100);
	b[5] = m->final ? DG_ALL_VALUES : DG_STABLE;
	if (r >= 0 && m->final) {
		r = hv_put_reading(b + 6, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_FAT_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 10, 1, HV_BIG_ENDIAN, m, HV_METRIC_VISCERAL_FAT_RATING, 10);
		if (r >= 0)
			r = hv_put_reading(b + 11, 2, HV_BIG_ENDIAN, m, HV_METRIC_BODY_WATER_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 16, 2, HV_BIG_ENDIAN, m, HV_METRIC_MUSCLE_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 18, 1, HV_BIG_ENDIAN, m, HV_METRIC_BONE_MASS, 10);
	}
	if (r < 0 || hv_be16(b + 3) == 0)
		return -EINVAL;
	return hv_frame_put_value(ret, DG_NOTIFY, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0xFFF0/0xFFF1 are shared by many vendors: the exact name only. */
	return hv_name_prefix_ci(f->name, "Mengii") && f->name[6] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	static const uint8_t head[] = { 0x09, 0x10, 0x12, 0x11, 0x0D, 0x01 };
	double cm = s->profile.height_m * 100 + 0.5;

	if (size < 16)
		return -ENOSPC;
	memset(buf, 0, 16);
	memcpy(buf, head, sizeof(head));
	if (cm >= 1 && cm <= 255)
		buf[6] = (uint8_t)cm;
	if (s->profile.age_years > 0 && s->profile.age_years <= 255)
		buf[7] = (uint8_t)s->profile.age_years;
	buf[8] = s->profile.sex == HV_SEX_FEMALE ? 1 : 0;
	buf[9] = DG_UNIT_KG;
	buf[15] = hv_sum8(buf + 3, 12);
	*ret_len = 16;
	return 0;
}

enum { ST_END = 4 };

static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len != DG_FRAME_LEN || hv_be16(v + 3) == 0)
		return HV_VALUE_MORE;
	if (v[5] & DG_ALL_VALUES) {
		/* the result came without a request: nothing more to ask */
		s->next_step = ST_END;
		return HV_VALUE_GOTO;
	}
	return v[5] & DG_STABLE ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static int on_all_values(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == DG_FRAME_LEN && (v[5] & DG_ALL_VALUES) ? HV_VALUE_DONE :
								HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff1",
	  .what = "subscribe 0xFFF1" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
	  .on_value = on_stable, .timeout_ms = 60000,
	  .what = "wait for a stable weight" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff2",
	  .payload = pl_profile, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "profile and unit (all values request)" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
	  .on_value = on_all_values, .timeout_ms = 20000,
	  .what = "wait for all values" },
	{ .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Digoo DG-SO38H (Mengii)", NULL };
static const uint16_t characteristics[] = { DG_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Mengii", NULL };

const struct hv_driver digoo_dgso38h_driver = {
	.id = "digoo_dgso38h",
	.name = "Digoo DG-SO38H \"Mengii\" (0xFFF0)",
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
