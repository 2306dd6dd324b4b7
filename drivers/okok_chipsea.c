// SPDX-License-Identifier: MIT
/*
 * OKOK / Chipsea no-name scales (names "ADV", "Chipsea-BLE", "Yoda0…",
 * "Yoda1…", or nameless): weight in manufacturer-data advertisements, no
 * connection. Source: openScale OkOkHandler.kt (oliexdev/openScale@f7a733b2).
 * Offsets below count from the first byte AFTER the 2-byte company ID.
 *
 *   V20, company 0x20CA, 19 bytes:
 *     [6] bit0 final, bit2 weight /100 (else /10)
 *     [8..9] weight u16 BE   [10..11] impedance u16 BE, 0.1 Ohm
 *     [12] XOR of 0x20 and bytes 0..11 (checked)
 *   V11, company 0x11CA, 23 bytes:
 *     [3..4] weight u16 BE; [9] properties: bits1-2 decimals, bits3-4 unit
 *     [16] XOR of 0xCA ^ 0x11 and bytes 0..15 (checked)
 *   VF0, company 0xF0FF: [2..3] weight u16 LE, 0.1 kg
 *   C0, any company ID whose low byte is 0xC0 (the high byte varies), 13+:
 *     [0..1] weight u16 BE (st:lb: [0] stones, [1] pounds)
 *     [6] attributes: bit0 stable, bits1-2 decimals (0: /10, 1: /1,
 *         2: /100), bits3-4 unit (0 kg, 1 jin, 2 lb, 3 st:lb)
 *
 * The scale repeats its final value: the pipeline publishes it once.
 * Without a profile-derived method (impedance kept raw; body composition
 * with method "standard_impedance" when the V20 sends an impedance).
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define OK_V20 0x20CA
#define OK_V11 0x11CA
#define OK_VF0 0xF0FF

static const struct hv_manufacturer_data *find_c0(const struct hv_frame *f)
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len >= 2 &&
		    f->manufacturer_data[i].data[0] == 0xC0)
			return &f->manufacturer_data[i];
	return NULL;
}

static const char *const names[] = { "Yoda0", "Yoda1", NULL };

static bool okok_named(const struct hv_frame *f)
{
	if (!f->name || !f->name[0])
		return true; /* nameless: only the C0 variant, see below */
	return strcmp(f->name, "ADV") == 0 ||
	       strcmp(f->name, "Chipsea-BLE") == 0 ||
	       hv_name_any_prefix_ci(f->name, names);
}

static bool claims_device(const struct hv_frame *f)
{
	bool nameless = !f->name || !f->name[0];

	if (!okok_named(f))
		return false;
	if (nameless)
		return find_c0(f) != NULL;
	return find_c0(f) || hv_frame_manufacturer_data(f, OK_V20) ||
	       hv_frame_manufacturer_data(f, OK_V11) ||
	       hv_frame_manufacturer_data(f, OK_VF0);
}

static double divider(unsigned code)
{
	return code == 1 ? 1 : code == 2 ? 100 : 10;
}

/* weight by unit code (0 kg, 1 jin, 2 lb, 3 st:lb) */
static int add_unit_weight(struct hv_measurement *ret, const uint8_t *w,
			   unsigned unit, double div)
{
	double kg;

	switch (unit) {
	case 0:
		kg = hv_be16(w) / div;
		ret->display_unit = HV_UNIT_KG;
		break;
	case 1:
		kg = hv_be16(w) / div * HV_JIN_TO_KG;
		ret->display_unit = HV_UNIT_JIN;
		break;
	case 2:
		kg = hv_be16(w) / div * HV_LB_TO_KG;
		ret->display_unit = HV_UNIT_LB;
		break;
	default:
		kg = (w[0] * 14 + w[1] / div) * HV_LB_TO_KG;
		ret->display_unit = HV_UNIT_LB;
		(void)hv_measurement_add_context(ret, "display_unit", "st:lb");
		break;
	}
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_round_to(kg, 3));
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	const uint8_t *p;
	size_t n;
	int r;

	if (frame->has_characteristic)
		return -ENODEV;

	md = hv_frame_manufacturer_data(frame, OK_V20);
	if (md) {
		double w, z;

		p = md->data + 2;
		n = md->len - 2;
		if (n != 19)
			return hv_measurement_invalid(ret, "V20 payload has %zu bytes, needs 19", n);
		if ((hv_xor8(p, 12) ^ 0x20) != p[12])
			return hv_measurement_invalid(ret, "V20 checksum 0x%02x, computed 0x%02x",
						      p[12], hv_xor8(p, 12) ^ 0x20);
		w = hv_be16(p + 8) / ((p[6] & 0x04) ? 100.0 : 10.0);
		z = hv_be16(p + 10) / 10.0;
		ret->final = p[6] & 0x01;
		ret->display_unit = HV_UNIT_KG;
		r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
		if (r >= 0 && z > 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		if (r >= 0 && z > 0 && ret->final)
			r = hv_decode_derive(ret, w, z, frame->profile,
					     derive_bodycomp);
		return r < 0 ? r : 0;
	}

	md = hv_frame_manufacturer_data(frame, OK_V11);
	if (md) {
		p = md->data + 2;
		n = md->len - 2;
		if (n != 23)
			return hv_measurement_invalid(ret, "V11 payload has %zu bytes, needs 23", n);
		if ((hv_xor8(p, 16) ^ 0xCA ^ 0x11) != p[16])
			return hv_measurement_invalid(ret, "V11 checksum 0x%02x", p[16]);
		ret->final = true;
		return add_unit_weight(ret, p + 3, (p[9] >> 3) & 3,
				       divider((p[9] >> 1) & 3));
	}

	md = hv_frame_manufacturer_data(frame, OK_VF0);
	if (md && okok_named(frame) && frame->name && frame->name[0]) {
		if (md->len < 6)
			return hv_measurement_invalid(ret, "VF0 payload has %zu bytes", md->len - 2);
		ret->final = true;
		ret->display_unit = HV_UNIT_KG;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_le16(md->data + 4) / 10.0);
	}

	md = find_c0(frame);
	if (md && okok_named(frame)) {
		p = md->data + 2;
		n = md->len - 2;
		if (n < 13)
			return -ENODEV; /* too short to be ours */
		ret->final = p[6] & 0x01;
		return add_unit_weight(ret, p, (p[6] >> 3) & 3,
				       divider((p[6] >> 1) & 3));
	}
	return -ENODEV;
}

/* The C0 variant (company 0x01C0), kg or lb with 0.1 resolution, or jin. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	struct hv_manufacturer_data *md;
	unsigned unit = 0;
	double raw;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value;
	if (m->display_unit == HV_UNIT_LB) {
		unit = 2;
		raw /= HV_LB_TO_KG;
	} else if (m->display_unit == HV_UNIT_JIN) {
		unit = 1;
		raw /= HV_JIN_TO_KG;
	}
	raw = raw * 10 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = 2 + 13;
	md->data[0] = 0xC0;
	md->data[1] = 0x01;
	hv_put_be16(md->data + 2, (uint16_t)raw);
	md->data[2 + 6] = (uint8_t)((m->final ? 1 : 0) | unit << 3);
	return 0;
}

static const char *const models[] = {
	"OKOK / Chipsea V20 (0x20CA)", "OKOK V11 (0x11CA)", "OKOK VF0 (0xF0FF)",
	"OKOK C0 (company 0x..C0, nameless)", "Chipsea-BLE", "Yoda0 / Yoda1",
	NULL,
};

static const uint16_t company_ids[] = { OK_V20, OK_V11, OK_VF0, 0xFFFF };
static const char *const name_prefixes[] = { "ADV", "Chipsea-BLE", "Yoda0",
					     "Yoda1", NULL };

const struct hv_driver okok_chipsea_driver = {
	.id = "okok_chipsea",
	.name = "OKOK / Chipsea (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.company_ids = company_ids,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION | HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.claims_device = claims_device,
};
