// SPDX-License-Identifier: MIT
/*
 * The "AAA002 / AAA007 / AAA013" broadcast scales: weight in manufacturer
 * data, no connection. Source: openScale AAAxHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * AAAxHandler.kt), oliexdev/openScale@f7a733b2 (file last changed in
 * 6ed3f626).
 *
 * Manufacturer data (after the 2-byte company ID CI, little-endian):
 *
 *   [0..5]   the advertiser's address (not read)
 *   [6..11]  six bytes, each XOR K, K = high byte of CI:
 *     [0..3]  u32 BE: bit 31 stable, bits 30..18 reserved, bits 17..0 grams
 *     [4]     type: 0xAD weight, 0xA6 impedance (layout not published)
 *     [5]     checksum: low 5 bits = sum of [0..4], low 5 bits
 *
 * The company ID is not a registered one (it carries the key), so the
 * driver reads manufacturer data of any company and decodes only when the
 * advertised name is exactly one of the three: a 5-bit checksum alone would
 * take one advert in 32 of any other device. A stable weight is final; a
 * settling weight is live; the impedance frame is a protocol frame (openScale
 * does not decode it either). The scale has no clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define AAA_TYPE_WEIGHT 0xAD
#define AAA_TYPE_IMPEDANCE 0xA6
#define AAA_STABLE 0x80000000u
#define AAA_GRAMS_MASK 0x3FFFFu
#define AAA_DATA_LEN (2 + 12) /* company ID + address + payload */
#define AAA_ENCODE_COMPANY 0xA55A

static const char *const model_names[] = { "AAA002", "AAA007", "AAA013", NULL };

static bool is_aaa_name(const char *name)
{
	for (const char *const *n = model_names; name && *n; n++)
		if (strcmp(name, *n) == 0)
			return true;
	return false;
}

static bool claims_device(const struct hv_frame *f)
{
	return is_aaa_name(f->name);
}

/* The first manufacturer data long enough to carry a payload. */
static const struct hv_manufacturer_data *payload_data(const struct hv_frame *f)
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len >= AAA_DATA_LEN)
			return &f->manufacturer_data[i];
	return NULL;
}

static void unmask(const struct hv_manufacturer_data *md, uint8_t out[6])
{
	uint8_t key = md->data[1]; /* company ID high byte */

	for (int i = 0; i < 6; i++)
		out[i] = md->data[2 + 6 + i] ^ key;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	uint8_t p[6];
	uint32_t v, grams;
	int r;

	if (frame->has_characteristic || !is_aaa_name(frame->name))
		return -ENODEV;
	md = payload_data(frame);
	if (!md)
		return frame->n_manufacturer_data ?
			       hv_measurement_invalid(ret, "manufacturer data shorter than %d bytes",
						      AAA_DATA_LEN) :
			       -ENODEV;
	unmask(md, p);
	if ((hv_sum8(p, 5) & 0x1F) != (p[5] & 0x1F))
		return hv_measurement_invalid(ret, "checksum 0x%02x, sum 0x%02x",
					      p[5] & 0x1F, hv_sum8(p, 5) & 0x1F);
	if (p[4] == AAA_TYPE_IMPEDANCE)
		return hv_measurement_control(ret, "impedance");
	if (p[4] != AAA_TYPE_WEIGHT)
		return hv_measurement_control(ret, "other");
	v = hv_be32(p);
	grams = v & AAA_GRAMS_MASK;
	if (grams == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = (v & AAA_STABLE) != 0;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, grams / 1000.0);
	return r < 0 ? r : 0;
}

/* Company 0xA55A (key 0xA5), a zero address. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t p[6];
	double grams;
	uint32_t v;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	grams = w->value * 1000 + 0.5;
	if (grams > AAA_GRAMS_MASK)
		return -EINVAL;
	v = (uint32_t)grams | (m->final ? AAA_STABLE : 0);
	hv_put_be32(p, v);
	p[4] = AAA_TYPE_WEIGHT;
	p[5] = hv_sum8(p, 5) & 0x1F;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	ret->manufacturer_data[0].len = AAA_DATA_LEN;
	hv_put_le16(ret->manufacturer_data[0].data, AAA_ENCODE_COMPANY);
	for (int i = 0; i < 6; i++)
		ret->manufacturer_data[0].data[8 + i] =
			p[i] ^ (uint8_t)(AAA_ENCODE_COMPANY >> 8);
	ret->name = model_names[0];
	return 0;
}

static const char *const models[] = { "AAA002", "AAA007", "AAA013", NULL };

const struct hv_driver aaax_driver = {
	.id = "aaax",
	.name = "AAA-series broadcast scale",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.name_prefixes = model_names,
	},
	.flags = HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
};
