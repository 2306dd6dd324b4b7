// SPDX-License-Identifier: MIT
/*
 * Scale Up broadcast scales (name "da"): weight and impedance in a
 * non-connectable advert's manufacturer data, no connection. Source:
 * openScale ScaleupHandler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/ScaleupHandler.kt,
 * oliexdev/openScale@f7a733b2).
 *
 * The 11 bytes after the AD type 0xFF are not a company ID and a payload:
 *
 *   [0]      flag: 0xD0 measuring (impedance 0), 0xE0 stable
 *   [1..2]   weight u16 BE, 0.01 kg (0.5..300 kg, else no weight)
 *   [3..4]   impedance u16 BE, unit not established (reported as Ohm)
 *   [5..10]  the scale's MAC address
 *
 * so the "company ID" a stack reports is flag | weight MSB << 8: any
 * company whose low byte is 0xD0 or 0xE0. Both are real company IDs
 * (0x00E0 is Google's), so the driver needs selection: the name "da", or
 * an advert of exactly this length whose bytes [5..10] are the device's
 * own address (in either byte order). openScale publishes the stable
 * frame's weight alone; we keep its impedance too (raw, no method: the
 * unit is unknown). No checksum.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define SU_FLAG_MEASURING 0xD0
#define SU_FLAG_STABLE 0xE0
#define SU_LEN 11

static bool su_flag(uint8_t flag)
{
	return flag == SU_FLAG_MEASURING || flag == SU_FLAG_STABLE;
}

static const struct hv_manufacturer_data *find(const struct hv_frame *f)
{
	if (f->has_characteristic)
		return NULL;
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len >= SU_LEN &&
		    su_flag(f->manufacturer_data[i].data[0]))
			return &f->manufacturer_data[i];
	return NULL;
}

static int parse_address(const char *text, uint8_t ret[6])
{
	for (size_t i = 0; i < 6; i++) {
		int hi = hv_hex_digit(text[3 * i]);
		int lo = hi < 0 ? -1 : hv_hex_digit(text[3 * i + 1]);

		if (lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return text[17] == '\0' ? 0 : -EINVAL;
}

static bool carries_own_address(const struct hv_frame *f,
				const struct hv_manufacturer_data *md)
{
	uint8_t mac[6];
	bool forward = true, reverse = true;

	if (md->len != SU_LEN || !f->address || strlen(f->address) != 17 ||
	    parse_address(f->address, mac) < 0)
		return false;
	for (size_t i = 0; i < 6; i++) {
		forward &= md->data[5 + i] == mac[i];
		reverse &= md->data[5 + i] == mac[5 - i];
	}
	return forward || reverse;
}

static bool claims_device(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md;

	if (f->name && hv_name_prefix_ci(f->name, "da") && f->name[2] == '\0')
		return true;
	md = find(f);
	return md && carries_own_address(f, md);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md = find(frame);
	double kg;
	unsigned z;
	int r;

	if (!md)
		return -ENODEV;
	kg = hv_be16(md->data + 1) / 100.0;
	if (kg < 0.5 || kg > 300)
		return hv_measurement_control(ret, "no weight");
	ret->final = md->data[0] == SU_FLAG_STABLE;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	z = hv_be16(md->data + 3);
	if (r >= 0 && ret->final && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	return r < 0 ? r : 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	struct hv_manufacturer_data *md;
	double raw;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value < 0.5 ||
	    w->value > 300)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = SU_LEN;
	md->data[0] = m->final ? SU_FLAG_STABLE : SU_FLAG_MEASURING;
	hv_put_be16(md->data + 1, (uint16_t)raw);
	if (m->final && z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
	    z->value + 0.5 < 65536)
		hv_put_be16(md->data + 3, (uint16_t)(z->value + 0.5));
	return 0;
}

static const char *const models[] = { "Scale Up (\"da\")", NULL };
static const char *const name_prefixes[] = { "da", NULL };

const struct hv_driver scaleup_driver = {
	.id = "scaleup",
	.name = "Scale Up (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION | HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
};
