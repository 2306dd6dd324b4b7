// SPDX-License-Identifier: MIT
/*
 * Xiaomi Mi Body Composition Scale / Scale 2 (XMTZC02HM, XMTZC05HM):
 * service data 0x181B.
 *
 * Layout (13 bytes, little-endian), from openScale MiScaleHandler
 * (parseLive13), xiaomi-ble _parse_scale_v2 and Theengs XMTZC05HM:
 *
 *   C0 C1 YY YY MO DD HH MI SS ZZ ZZ WW WW
 *
 *   C0  bit0 pounds; bit2 object weighing (Theengs' weighing_mode);
 *       bit1 set by every real scale seen
 *   C1  bit1 impedance present; bit5 stabilised; bit6 jin (catty);
 *       bit7 load removed; bit2 (and bit4) seen set, meaning unknown
 *   YY..SS  the scale's clock, local time (often never set)
 *   ZZ  impedance, u16, ohms: only when C1 bit1 is set, and 0, 0xFFFD,
 *       0xFFFE and 0xFFFF mean "no impedance" (sent while measuring)
 *   WW  weight, u16: kg = raw / 200; lb and jin = raw / 100
 *
 * Final: stabilised and a weight above zero (the scale repeats its final
 * value after the person steps off, with the removed bit set). Several
 * adverts arrive per weigh-in, first without impedance, then with it;
 * choosing among them is the pipeline's job.
 *
 * Body composition: when the frame carries a complete profile and a person
 * stands on the scale, readings with method "mifit" are derived
 * (drivers/bodycomp.h); the raw impedance is always kept.
 */
#include <errno.h>

#include "drivers/bodycomp.h"
#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/xiaomi_scale.h"

#define MI_SCALE2_UUID 0x181B
#define MI_SCALE2_LEN 13

#define C0_LB (1u << 0)
#define C0_KNOWN_ONES (1u << 1)
#define C0_OBJECT (1u << 2)

#define C1_IMPEDANCE (1u << 1)
#define C1_KNOWN_ONES (1u << 2)
#define C1_STABILISED (1u << 5)
#define C1_JIN (1u << 6)
#define C1_REMOVED (1u << 7)

static bool impedance_valid(uint16_t z)
{
	return z != 0 && z != 0xFFFD && z != 0xFFFE && z != 0xFFFF;
}

/* Body composition from what decode() kept (driver.h, derive); out of the
 * formulas' range the weighing stands alone. */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	int r = hv_bodycomp_mifit(m->bia.weight_kg, m->bia.impedance_ohm, p, m);

	return r == -ERANGE ? 0 : r;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_service_data *sd;
	const uint8_t *p;
	uint16_t raw, z;
	double weight_kg, impedance = 0;
	int r;

	sd = hv_frame_service_data(frame, MI_SCALE2_UUID);
	if (!sd || frame->has_characteristic)
		return -ENODEV;
	/* 0x181B is also the SIG Body Composition service: 13 bytes are ours. */
	if (sd->len != MI_SCALE2_LEN)
		return -ENODEV;
	p = sd->data;
	if ((p[0] & C0_LB) && (p[1] & C1_JIN))
		return hv_measurement_invalid(
			ret,
			"control bytes 0x%02x 0x%02x set both pound and jin units",
			p[0], p[1]);

	raw = hv_le16(p + 11);
	weight_kg = hv_mi_weight_kg(raw, p[0] & C0_LB, p[1] & C1_JIN, ret);
	hv_mi_set_state(ret, (p[1] & C1_STABILISED) && raw > 0,
			p[1] & C1_REMOVED, p[0] & C0_OBJECT, p + 2, frame->now);

	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, weight_kg);
	if (r < 0)
		return r;
	z = hv_le16(p + 9);
	if ((p[1] & C1_IMPEDANCE) && impedance_valid(z)) {
		impedance = z;
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, impedance);
		if (r < 0)
			return r;
	}
	if (ret->subject == HV_SUBJECT_PERSON) {
		hv_measurement_set_bia(ret, weight_kg, impedance);
		if (hv_profile_complete(frame->profile))
			return derive_bodycomp(frame->profile, ret);
	}
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	struct hv_service_data *sd;
	uint8_t c0 = C0_KNOWN_ONES, c1 = C1_KNOWN_ONES;
	double raw, zraw = 0;

	if (target && !hv_uuid_is16(target, MI_SCALE2_UUID))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || !(w->value >= 0))
		return -EINVAL;
	if (hv_mi_weight_raw(w->value, m->display_unit, &raw) < 0)
		return -EINVAL;
	if (m->display_unit == HV_UNIT_LB)
		c0 |= C0_LB;
	else if (m->display_unit == HV_UNIT_JIN)
		c1 |= C1_JIN;
	if (z && z->absent == HV_ABSENT_NONE) {
		zraw = z->value;
		if (!(zraw >= 1) || zraw + 0.5 >= 0xFFFD)
			return -EINVAL;
		c1 |= C1_IMPEDANCE;
	}
	if (m->final)
		c1 |= C1_STABILISED;
	if (m->load_removed)
		c1 |= C1_REMOVED;
	if (m->subject == HV_SUBJECT_OBJECT)
		c0 |= C0_OBJECT;

	*ret = (struct hv_frame){ .n_service_data = 1 };
	sd = &ret->service_data[0];
	sd->uuid = hv_uuid16(MI_SCALE2_UUID);
	sd->len = MI_SCALE2_LEN;
	sd->data[0] = c0;
	sd->data[1] = c1;
	hv_mi_write_clock(sd->data + 2, m);
	hv_put_le16(sd->data + 9, (uint16_t)(zraw + 0.5));
	hv_put_le16(sd->data + 11, (uint16_t)(raw + 0.5));
	return 0;
}

static const char *const models[] = {
	"Xiaomi Mi Body Composition Scale (XMTZC02HM)",
	"Xiaomi Mi Body Composition Scale 2 (XMTZC05HM)",
	NULL,
};

static const uint16_t service_data[] = { MI_SCALE2_UUID, 0 };
static const char *const names[] = { "MIBCS", "MIBFS", NULL };

const struct hv_driver xiaomi_mi_scale2_driver = {
	.id = "xiaomi_mi_scale2",
	.name = "Xiaomi Mi Body Composition Scale (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.service_data = service_data,
		.name_prefixes = names,
	},
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
};
