// SPDX-License-Identifier: MIT
/*
 * Polar heart-rate straps (H10 and others) broadcasting the heart rate in
 * manufacturer data, company ID 0x006B (Polar Electro Oy).
 *
 * Layout (6 bytes including the company ID), from Theengs decoder's public
 * device definition PH10_json.h (condition: manufacturer data of 12 hex
 * digits starting "6b00"; bpm = byte 5) and its test frames:
 *
 *   6B 00 B2 B3 B4 HR
 *
 *   HR  heart rate, uint8, beats/min
 *   B2..B4  not decoded (not documented in that source)
 *
 * Other lengths are other Polar adverts: not ours. A heart rate of 0 (no
 * skin contact yet) is reported with final = false.
 */
#include <errno.h>

#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define POLAR_COMPANY 0x006B
#define POLAR_HR_LEN 6

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md =
		hv_hr_advert_data(frame, POLAR_COMPANY, POLAR_HR_LEN);

	if (!md)
		return -ENODEV;
	return hv_hr_advert_reading(ret, md->data[5]);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	return hv_hr_advert_encode(m, target, POLAR_COMPANY, POLAR_HR_LEN, 5, ret);
}

static const char *const models[] = {
	"Polar H10",
	"Polar heart rate sensors advertising their heart rate",
	NULL,
};

static const uint16_t company_ids[] = { POLAR_COMPANY, 0xFFFF };
static const char *const names[] = { "Polar ", NULL };

const struct hv_driver polar_hr_driver = {
	.id = "polar_hr",
	.name = "Polar heart rate (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_HEART_RATE,
	.match = {
		.company_ids = company_ids,
		.name_prefixes = names,
	},
	.decode = decode,
	.encode = encode,
};
