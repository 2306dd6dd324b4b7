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
#include "drivers/ieee11073.h"

#define XOSS_COMPANY 0xFF04
#define XOSS_LEN 6

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;

	if (frame->has_characteristic)
		return -ENODEV;
	md = hv_frame_manufacturer_data(frame, XOSS_COMPANY);
	if (!md || md->len != XOSS_LEN)
		return -ENODEV;
	if (frame->name && !hv_frame_name_starts_with(frame, "X2"))
		return -ENODEV;
	ret->final = md->data[5] > 0;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_HEART_RATE, md->data[5]);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	struct hv_manufacturer_data *md;

	if (target)
		return -EINVAL;
	if (!hr || hr->absent != HV_ABSENT_NONE || hr->value < 0 ||
	    hr->value + 0.5 >= 256)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1, .name = "X2" };
	md = &ret->manufacturer_data[0];
	md->len = XOSS_LEN;
	md->data[0] = XOSS_COMPANY & 0xFF;
	md->data[1] = XOSS_COMPANY >> 8;
	md->data[5] = (uint8_t)(hr->value + 0.5);
	return 0;
}

static const char *const models[] = { "XOSS X2 Heart Rate Sensor", NULL };

static const uint16_t company_ids[] = { XOSS_COMPANY, 0xFFFF };

const struct hv_driver xoss_hr_driver = {
	.id = "xoss_hr",
	.name = "XOSS heart rate (advertisements)",
	.models = models,
	.kind = "heart_rate",
	.match = {
		.company_ids = company_ids,
	},
	.decode = decode,
	.encode = encode,
};
