// SPDX-License-Identifier: MIT
/*
 * Xiaomi Mi Band / Amazfit watches: activity heart rate in manufacturer
 * data (company ID 0x0157, Anhui Huami) and the day's step count in
 * service data 0xFEE0.
 *
 * Layout, from Theengs decoder's public device definition Miband_json.h
 * (manufacturer data of 52 hex digits starting "5701" with the device's
 * MAC at hex index 40; act_bpm = byte 5 when the data starts "570102" and
 * that byte is not 0xF_; steps = service data of 8 hex digits, little-
 * endian) and its test frames (Mi Band, Amazfit Bip S):
 *
 *   manufacturer data, 26 bytes:
 *   57 01 KK .. .. HR .. .. .. .. .. .. .. .. .. .. .. .. .. 02 M1 M2 M3 M4 M5 M6
 *
 *   KK  0x02 on bands that put the heart rate in byte 5
 *   HR  activity heart rate, uint8 /min; 0xF0..0xFF = none
 *   M1..M6  the device address, most significant byte first
 *
 *   service data 0xFEE0, 4 bytes: steps, uint32 little-endian (Theengs
 *   reads the low 16 bits; the same for fewer than 65536 steps)
 *
 * Ours only when the address in the data is the advertiser's (when the
 * caller knows it) or, with no address, when 0xFEE0 is advertised.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"

#define HUAMI_COMPANY 0x0157
#define HUAMI_LEN 26
#define HUAMI_MAC_AT 20
#define STEPS_UUID 0xFEE0
#define STEPS_LEN 4

/* "AA:BB:CC:DD:EE:FF" against six bytes, most significant first. */
static bool mac_matches(const uint8_t *mac, const char *address)
{
	if (strlen(address) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hv_hex_digit(address[3 * i]);
		int lo = hv_hex_digit(address[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && address[3 * i + 2] != ':'))
			return false;
		if (mac[i] != (uint8_t)(hi << 4 | lo))
			return false;
	}
	return true;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	const struct hv_service_data *sd;
	int r;

	if (frame->has_characteristic)
		return -ENODEV;
	md = hv_frame_manufacturer_data(frame, HUAMI_COMPANY);
	if (!md || md->len != HUAMI_LEN)
		return -ENODEV;
	sd = hv_frame_service_data(frame, STEPS_UUID);
	if (frame->address) {
		if (!mac_matches(md->data + HUAMI_MAC_AT, frame->address))
			return -ENODEV;
	} else if (!sd && !hv_frame_has_service(frame, STEPS_UUID)) {
		return -ENODEV;
	}

	if (md->data[2] == 0x02 && (md->data[5] & 0xF0) != 0xF0) {
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, md->data[5]);
		if (r < 0)
			return r;
	}
	if (sd) {
		if (sd->len != STEPS_LEN)
			return hv_measurement_invalid(
				ret, "service data fee0 (steps) has %zu bytes, not %d",
				sd->len, STEPS_LEN);
		r = hv_measurement_add(ret, HV_METRIC_STEP_COUNT,
				       hv_le32(sd->data));
		if (r < 0)
			return r;
	}
	ret->final = ret->n_readings > 0;
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

/* The advertiser's address is the caller's: the frame gets it in the data
 * only (ret->address stays NULL), 00:00:00:00:00:00 when unknown. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	const struct hv_reading *steps =
		hv_measurement_find(m, HV_METRIC_STEP_COUNT);
	struct hv_manufacturer_data *md;
	struct hv_service_data *sd;

	if (target && !hv_uuid_is16(target, STEPS_UUID))
		return -EINVAL;
	if (hr && (hr->absent != HV_ABSENT_NONE || hr->value < 0 ||
		   hr->value + 0.5 >= 0xF0))
		return -EINVAL;
	if (steps && (steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
		      steps->value + 0.5 >= 4294967296.0))
		return -EINVAL;
	if (!hr && !steps)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = HUAMI_LEN;
	memset(md->data, 0xFF, HUAMI_LEN);
	md->data[0] = HUAMI_COMPANY & 0xFF;
	md->data[1] = HUAMI_COMPANY >> 8;
	md->data[2] = 0x02;
	if (hr) {
		md->data[3] = 0x02;
		md->data[4] = 0x01;
		md->data[5] = (uint8_t)(hr->value + 0.5);
	}
	md->data[HUAMI_MAC_AT - 1] = 0x02;
	memset(md->data + HUAMI_MAC_AT, 0, 6);
	ret->n_service_uuids = 1;
	ret->service_uuids[0] = hv_uuid16(STEPS_UUID);
	if (steps) {
		ret->n_service_data = 1;
		sd = &ret->service_data[0];
		sd->uuid = hv_uuid16(STEPS_UUID);
		sd->len = STEPS_LEN;
		hv_put_le32(sd->data, (uint32_t)(steps->value + 0.5));
	}
	return 0;
}

static const char *const models[] = {
	"Xiaomi Mi Band",
	"Amazfit watches (Bip S and others)",
	NULL,
};

static const uint16_t company_ids[] = { HUAMI_COMPANY, 0xFFFF };
static const uint16_t service_data[] = { STEPS_UUID, 0 };

const struct hv_driver xiaomi_band_driver = {
	.id = "xiaomi_band",
	.name = "Xiaomi Mi Band / Amazfit (advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_FITNESS_BAND,
	.match = {
		.service_data = service_data,
		.company_ids = company_ids,
	},
	.decode = decode,
	.encode = encode,
};
