// SPDX-License-Identifier: MIT
/*
 * Sinocare "Weight Scale" (CW286): weight in manufacturer-data
 * advertisements under company ID 0xFF64, no connection. Source: openScale
 * SinocareHandler (android_app/app/src/main/java/com/health/openscale/core/
 * bluetooth/scales/SinocareHandler.kt, oliexdev/openScale@f7a733b2), and
 * its PR #1517 with SinocareHandlerTest.kt (openScale@daeb37ff): some
 * CW286 put the same payload under company 0x0000. 0x0000 is Ericsson's
 * ID, so that form is read only from a device named "Weight Scale".
 *
 * Offsets count from the first byte after the 2-byte company ID (the way
 * Android hands the payload to openScale); 17 bytes or more:
 *
 *   [0..5]   not read (openScale leaves them out of the checksum)
 *   [6..8]   not read (checksummed)
 *   [9..10]  weight u16 LE, 0.01 kg (0 = nothing on the scale)
 *   [11..15] not read (checksummed)
 *   [16]     XOR of [6..15] (checked)
 *
 * The advert has no stability flag: openScale takes a weight once it saw
 * the same value in nine adverts running. A driver sees one advert at a
 * time, so every checked non-zero weight is decoded as final (like the OKOK
 * VF0 adverts). The pipeline keeps one per weigh-in while the weight holds
 * within 0.1 kg; a scale that advertises its settling values (not known
 * for the CW286) would have each step of the ramp end a weigh-in of its
 * own, which only a repeat count kept across adverts could prevent. No
 * impedance, no users, no history.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define SINOCARE_COMPANY 0xFF64
#define SINOCARE_COMPANY_ALT 0x0000
#define SINOCARE_NAME "Weight Scale"
#define SC_WEIGHT 9
#define SC_CHECKSUM 16
#define SC_MIN_LEN 17

static const uint8_t *payload(const struct hv_frame *f, size_t *ret_len)
{
	const struct hv_manufacturer_data *md;

	if (f->has_characteristic)
		return NULL;
	md = hv_frame_manufacturer_data(f, SINOCARE_COMPANY);
	if (!md && f->name && strcmp(f->name, SINOCARE_NAME) == 0)
		md = hv_frame_manufacturer_data(f, SINOCARE_COMPANY_ALT);
	if (!md || md->len < 2)
		return NULL;
	*ret_len = md->len - 2;
	return md->data + 2;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t n;
	unsigned raw;

	p = payload(frame, &n);
	if (!p)
		return -ENODEV;
	if (n < SC_MIN_LEN)
		return hv_measurement_invalid(ret, "payload has %zu bytes, needs %d",
					      n, SC_MIN_LEN);
	if (hv_xor8(p + 6, 10) != p[SC_CHECKSUM])
		return hv_measurement_invalid(ret, "checksum 0x%02x, computed 0x%02x",
					      p[SC_CHECKSUM], hv_xor8(p + 6, 10));
	raw = hv_le16(p + SC_WEIGHT);
	if (raw == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, raw / 100.0);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	struct hv_manufacturer_data *md;
	double raw;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = 2 + SC_MIN_LEN;
	md->data[0] = SINOCARE_COMPANY & 0xFF;
	md->data[1] = SINOCARE_COMPANY >> 8;
	hv_put_le16(md->data + 2 + SC_WEIGHT, (uint16_t)raw);
	md->data[2 + SC_CHECKSUM] = hv_xor8(md->data + 2 + 6, 10);
	return 0;
}

static bool claims_device(const struct hv_frame *f)
{
	size_t n;

	return payload(f, &n) != NULL;
}

static const char *const models[] = { "Sinocare CW286 \"Weight Scale\"", NULL };
static const uint16_t company_ids[] = { SINOCARE_COMPANY, SINOCARE_COMPANY_ALT,
					 0xFFFF };
static const char *const name_prefixes[] = { SINOCARE_NAME, NULL };

const struct hv_driver sinocare_driver = {
	.id = "sinocare",
	.name = "Sinocare (advertisements, company 0xFF64)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.company_ids = company_ids,
		.name_prefixes = name_prefixes,
	},
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
};
