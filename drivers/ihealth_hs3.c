// SPDX-License-Identifier: MIT
/*
 * iHealth HS3 (HS33FA4A; advertised name "iHealth HS3…"): a Bluetooth
 * Classic scale that streams over the Serial Port Profile, not BLE. Source:
 * openScale IHealthHS3Handler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/IHealthHS3Handler.kt,
 * oliexdev/openScale@f7a733b2), its stream parser and its worked example.
 *
 * The stream carries packets behind the header A0 09 A6 and a type byte:
 *   28  weight: 5 bytes the handler skips, then the weight in 2 bytes whose
 *       four hex digits are the decimal digits of the weight in 0.1 kg
 *       (12 34 is 123.4 kg)
 *   33  time (its layout is not read)
 * No checksum is known. Each weight packet is the scale's result (final);
 * the handler drops the same weight repeated within 60 s, which the
 * pipeline's de-duplication of one weigh-in does here.
 *
 * The link: BlueZ's Profile1 for SPP (HV_DRIVER_SPP, daemon/bluez/
 * spp_link.c, docs/bluez.md); openScale too opens the SPP socket and reads
 * the stream without a handshake (onConnected() writes nothing).
 * stream_packet() cuts the stream into packets and each one is decoded as
 * a value on the SPP service class 0x1101 (a stand-in for the stream, no
 * GATT characteristic); a chunk of a captured stream is such a frame too:
 * `homevitals decode` reads it, the fuzz target feeds it.
 */
#include <errno.h>

#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define HS3_STREAM 0x1101 /* the SPP service class, standing for the stream */
#define HS3_WEIGHT 0x28
#define HS3_TIME 0x33
#define HS3_HEADER_LEN 4
#define HS3_WEIGHT_LEN (HS3_HEADER_LEN + 5 + 2)
#define HS3_MAX_TENTHS 2000 /* 200.0 kg: above the HS3's 180 kg range */

static bool is_header(const uint8_t *p, size_t left)
{
	return left >= HS3_HEADER_LEN && p[0] == 0xA0 && p[1] == 0x09 &&
	       p[2] == 0xA6;
}

/* The weight's four hex digits as decimal tenths; -EBADMSG for a digit
 * above 9. */
static int weight_tenths(const uint8_t *w, unsigned *ret)
{
	unsigned v = 0;

	for (int i = 0; i < 2; i++) {
		unsigned hi = w[i] >> 4, lo = w[i] & 0x0F;

		if (hi > 9 || lo > 9)
			return -EBADMSG;
		v = v * 100 + hi * 10 + lo;
	}
	*ret = v;
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *v;
	unsigned tenths;
	size_t len;

	v = hv_frame_value_on(frame, HS3_STREAM, &len);
	if (!v)
		return -ENODEV;
	/* The first weight packet of the chunk; time packets are skipped. */
	for (size_t i = 0; i < len; i++) {
		if (!is_header(v + i, len - i) || v[i + 3] != HS3_WEIGHT)
			continue;
		if (len - i < HS3_WEIGHT_LEN)
			return hv_measurement_invalid(ret, "weight packet cut after %zu of %d bytes",
						      len - i, HS3_WEIGHT_LEN);
		if (weight_tenths(v + i + 9, &tenths) < 0)
			return hv_measurement_invalid(ret, "weight bytes %02X %02X are not decimal digits",
						      v[i + 9], v[i + 10]);
		if (tenths == 0 || tenths > HS3_MAX_TENTHS)
			return hv_measurement_control(ret, "no weight");
		ret->final = true;
		ret->subject = HV_SUBJECT_PERSON;
		ret->display_unit = HV_UNIT_KG;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, tenths / 10.0);
	}
	return hv_measurement_control(ret, "no weight packet");
}

/* The stream's packets: a weight packet whole, a time packet by its
 * header and type (its layout is not read: the bytes after it are skipped
 * as garbage up to the next header); an unknown type is garbage. A header
 * cut at the end of buf is kept for the next read. */
static size_t stream_packet(const uint8_t *buf, size_t len, size_t *ret_skip)
{
	size_t i;

	for (i = 0; i < len; i++) {
		size_t left = len - i;

		if (buf[i] != 0xA0 || (left >= 2 && buf[i + 1] != 0x09) ||
		    (left >= 3 && buf[i + 2] != 0xA6))
			continue;
		if (left < HS3_HEADER_LEN)
			break;
		if (buf[i + 3] == HS3_WEIGHT) {
			*ret_skip = i;
			return left >= HS3_WEIGHT_LEN ? HS3_WEIGHT_LEN : 0;
		}
		if (buf[i + 3] == HS3_TIME) {
			*ret_skip = i;
			return HS3_HEADER_LEN;
		}
	}
	*ret_skip = i;
	return 0;
}

/* One weight packet (the skipped bytes zero). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t p[HS3_WEIGHT_LEN] = { 0xA0, 0x09, 0xA6, HS3_WEIGHT };
	unsigned tenths;

	if (target && !hv_uuid_is16(target, HS3_STREAM))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 ||
	    w->value * 10 > HS3_MAX_TENTHS)
		return -EINVAL;
	tenths = (unsigned)(w->value * 10 + 0.5);
	p[9] = (uint8_t)((tenths / 1000) << 4 | (tenths / 100) % 10);
	p[10] = (uint8_t)(((tenths / 10) % 10) << 4 | tenths % 10);
	return hv_frame_put_value(ret, HS3_STREAM, p, sizeof(p));
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "iHealth HS3");
}

static const char *const models[] = {
	"iHealth HS3 (HS33FA4A; Bluetooth Classic SPP)", NULL,
};
static const uint16_t characteristics[] = { HS3_STREAM, 0 };
static const char *const name_prefixes[] = { "iHealth HS3", NULL };

const struct hv_driver ihealth_hs3_driver = {
	.id = "ihealth_hs3",
	.name = "iHealth HS3 (Classic SPP stream)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
	.flags = HV_DRIVER_SPP,
	.stream_packet = stream_packet,
};
