// SPDX-License-Identifier: MIT
/*
 * PICOOC Mini Lite (advertised as "PICOOC-L"): weight and impedance in a
 * non-connectable advert. Source: openScale PicoocBroadcastHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/PicoocBroadcastHandler.kt, oliexdev/openScale@c6acc5be), whose
 * layout was taken from the vendor app and checked on three captures
 * (PicoocBroadcastHandlerTest.kt @ fa8f7683).
 *
 * The 16 bytes after the AD type 0xFF (what a stack calls the company ID
 * is the first two bytes of the address, so any company):
 *
 *   [0..5]   the scale's address, display order
 *   [6]      state: 0x39 the completed measurement, others in progress
 *   [7]      protocol byte (0x1F in the captures; not read)
 *   [8..9]   weight u16 BE, 0.05 kg
 *   [10..11] impedance u16 BE, 0.1 Ohm; 0xFFFF none
 *   [12..13] the weight again, 0.1 lb, bit 15 masked (not read)
 *   [14]     display unit (0 in the captures; meaning not published)
 *   [15]     checksum: the sum of all 16 bytes ends in 0xFF
 *
 * Selected by the name only (any case), as openScale does: nothing else in
 * the advert is fixed. The completed state is final with its impedance; the
 * others are live weights. openScale's body composition for this scale
 * (PicoocWhiteBodyComposition) needs a per-person anchor learnt over
 * several weigh-ins and a history of corrected impedances: not done here,
 * the impedance is kept raw.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define PC_NAME "PICOOC-L"
#define PC_LEN 16
#define PC_STATE_COMPLETE 0x39
#define PC_PROTOCOL 0x1F
#define PC_IMPEDANCE_NONE 0xFFFF
#define PC_WEIGHT_MIN_KG 0.5
#define PC_WEIGHT_MAX_KG 300.0

static bool is_picooc_name(const char *name)
{
	size_t n;

	if (!name)
		return false;
	while (*name == ' ')
		name++;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	if (n != strlen(PC_NAME))
		return false;
	for (size_t i = 0; i < n; i++)
		if (hv_ascii_lower(name[i]) != hv_ascii_lower(PC_NAME[i]))
			return false;
	return true;
}

static bool claims_device(const struct hv_frame *f)
{
	return is_picooc_name(f->name);
}

/* The advert's 16-byte record (other vendors' records may come first). */
static const struct hv_manufacturer_data *record(const struct hv_frame *f)
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len == PC_LEN)
			return &f->manufacturer_data[i];
	return NULL;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	unsigned impedance;
	bool complete;
	double kg;
	int r;

	if (frame->has_characteristic || !is_picooc_name(frame->name) ||
	    frame->n_manufacturer_data == 0)
		return -ENODEV;
	md = record(frame);
	if (!md)
		return hv_measurement_invalid(ret, "manufacturer data of %zu bytes, not %d",
					      frame->manufacturer_data[0].len, PC_LEN);
	if (hv_sum8(md->data, PC_LEN) != 0xFF)
		return hv_measurement_invalid(ret, "checksum 0x%02x", md->data[PC_LEN - 1]);
	complete = md->data[6] == PC_STATE_COMPLETE;
	kg = hv_be16(md->data + 8) / 20.0;
	if (kg <= 0)
		return hv_measurement_control(ret, "idle");
	if (complete && (kg < PC_WEIGHT_MIN_KG || kg > PC_WEIGHT_MAX_KG))
		return hv_measurement_control(ret, "implausible weight");
	ret->final = complete;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r < 0)
		return r;
	impedance = hv_be16(md->data + 10);
	if (complete && impedance != PC_IMPEDANCE_NONE && impedance > 0) {
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, impedance / 10.0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The completed (or an in-progress) advert under a zero address. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t *p;
	double raw, ohm = PC_IMPEDANCE_NONE;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = round(w->value * 20);
	if (raw < 1 || raw > 0xFFFF)
		return -EINVAL;
	if (z && m->final) {
		if (z->absent != HV_ABSENT_NONE || z->value <= 0 || z->value * 10 >= 0xFFFF)
			return -EINVAL;
		ohm = round(z->value * 10);
	}
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	ret->manufacturer_data[0].len = PC_LEN;
	p = ret->manufacturer_data[0].data;
	p[6] = m->final ? PC_STATE_COMPLETE : PC_STATE_COMPLETE - 1;
	p[7] = PC_PROTOCOL;
	hv_put_be16(p + 8, (uint16_t)raw);
	hv_put_be16(p + 10, (uint16_t)ohm);
	hv_put_be16(p + 12, (uint16_t)(lround(w->value / 0.045359237) & 0x7FFF));
	p[15] = (uint8_t)~hv_sum8(p, PC_LEN - 1);
	ret->name = PC_NAME;
	return 0;
}

static const char *const models[] = { "PICOOC Mini Lite", NULL };
static const char *const names[] = { PC_NAME, NULL };

const struct hv_driver picooc_mini_lite_driver = {
	.id = "picooc_mini_lite",
	.name = "PICOOC Mini Lite broadcast scale",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.name_prefixes = names,
	},
	.flags = HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
};
