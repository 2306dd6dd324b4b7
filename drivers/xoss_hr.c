// SPDX-License-Identifier: MIT
/*
 * XOSS X2 heart-rate strap: heart rate in manufacturer data whose first two
 * bytes are 04 FF (company ID 0xFF04 as read little-endian; not an assigned
 * company ID, so the name "X2" is also required when a name is known).
 *
 * Layout (6 bytes), from Theengs decoder's public device definition
 * XOSSX2_json.h (condition: 12 hex digits starting "04ff"; bpm = byte 5;
 * battery = byte 3 & 0x7F) and its test frame:
 *
 *   04 FF B2 BA B4 HR
 *
 *   HR  heart rate, uint8, beats/min
 *   BA  battery % in bits 0-6 (no battery metric here: not reported)
 */
#include <errno.h>

#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define XOSS_COMPANY 0xFF04
#define XOSS_LEN 6

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md =
		hv_hr_advert_data(frame, XOSS_COMPANY, XOSS_LEN);

	if (!md)
		return -ENODEV;
	if (frame->name && !hv_frame_name_starts_with(frame, "X2"))
		return -ENODEV;
	return hv_hr_advert_reading(ret, md->data[5]);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	int r = hv_hr_advert_encode(m, target, XOSS_COMPANY, XOSS_LEN, 5, ret);

	if (r >= 0)
		ret->name = "X2";
	return r;
}

static const char *const models[] = { "XOSS X2 Heart Rate Sensor", NULL };

static const uint16_t company_ids[] = { XOSS_COMPANY, 0xFFFF };

const struct hv_driver xoss_hr_driver = {
	.id = "xoss_hr",
	.name = "XOSS heart rate (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_HEART_RATE,
	.match = {
		.company_ids = company_ids,
	},
	.decode = decode,
	.encode = encode,
};
