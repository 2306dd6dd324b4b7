// SPDX-License-Identifier: MIT
/*
 * Realme Smart Scale (Lifesense A6 lineage): service 0xA602, 0xA621
 * notify (measurements), 0xA622 keep-alive, 0xA624 handshake, 0xA625.
 * Source: openScale RealmeSmartScaleHandler (android_app/app/src/main/java/
 * com/health/openscale/core/bluetooth/scales/RealmeSmartScaleHandler.kt,
 * oliexdev/openScale@f7a733b2).
 *
 * Every frame, both directions, is 10 LL payload…, the payload XORed with
 * the scale's MAC address, byte i with MAC[i % 6] (MAC in the order it is
 * written, AA:BB:… = AA BB …). A measurement (0xA621), 19 bytes or more:
 *
 *   10 11 | payload (deciphered):
 *     [8..9]   weight u16 BE, 0.01 kg (0.5..300 kg, else not a weight)
 *     [10..13] the scale's time, Unix seconds u32 BE (0: none)
 *     [14..15] impedance u16 BE, Ohm (0: none)
 *
 * The app: six handshake frames on 0xA624 (register, time and zone, start,
 * user, formula, unit kg), all ciphered with the address, then 00 01 D9 on
 * 0xA622 every second for as long as the link lasts.
 *
 * Decoding needs the device's address (frame.address). The conversation is
 * not implemented: a GATT session does not carry the peer's address to the
 * payload builders, and every handshake frame is keyed with it. Frames
 * captured or relayed with their address decode. The scale sends no
 * composition: openScale runs its Yunmai model, so method "yunmai" (the
 * general activity level) with the impedance and a complete profile.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define RM_NOTIFY 0xA621
#define RM_SERVICE 0xA602
#define RM_MIN_LEN 19

static int parse_mac(const char *text, uint8_t ret[6])
{
	if (!text || strlen(text) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		int hi = hv_hex_digit(text[3 * i]);
		int lo = hi < 0 ? -1 : hv_hex_digit(text[3 * i + 1]);

		if (lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_yunmai(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t mac[6], pl[HV_FRAME_DATA_MAX];
	const uint8_t *p;
	size_t len, n;
	uint32_t t;
	unsigned z;
	double kg;
	int r;

	p = hv_frame_value_on(frame, RM_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < RM_MIN_LEN || p[0] != 0x10 || p[1] != 0x11)
		return hv_measurement_control(ret, "other");
	if (parse_mac(frame->address, mac) < 0)
		return hv_measurement_control(ret, "no address to decipher with");
	n = len - 2;
	for (size_t i = 0; i < n; i++)
		pl[i] = p[2 + i] ^ mac[i % 6];
	kg = hv_be16(pl + 8) / 100.0;
	if (kg <= 0.5 || kg > 300)
		return hv_measurement_invalid(ret, "weight %.2f kg out of range", kg);
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	t = hv_be32(pl + 10);
	if (t) {
		struct hv_datetime dt;

		hv_datetime_from_unix(t, &dt);
		hv_measurement_set_clock(ret, &dt, frame->now);
	}
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	z = hv_be16(pl + 14);
	if (r >= 0 && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && z > 0)
		r = hv_decode_derive(ret, kg, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* A measurement frame for the address 00:00:00:00:00:00, with which the
 * cipher is the identity (the frame carries that address). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[RM_MIN_LEN] = { 0x10, 0x11 };
	int r;

	if (target && !hv_uuid_is16(target, RM_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0.5 ||
	    w->value > 300)
		return -EINVAL;
	hv_put_be16(b + 2 + 8, (uint16_t)(w->value * 100 + 0.5));
	if (z && z->absent == HV_ABSENT_NONE && z->value > 0 && z->value < 65535)
		hv_put_be16(b + 2 + 14, (uint16_t)(z->value + 0.5));
	r = hv_frame_put_value(ret, RM_NOTIFY, b, sizeof(b));
	if (r >= 0)
		ret->address = "00:00:00:00:00:00";
	return r;
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_contains_ci(f->name, "realme") ||
	       hv_frame_has_service(f, RM_SERVICE);
}

static const char *const models[] = { "Realme Smart Scale (decode only)", NULL };
static const uint16_t characteristics[] = { RM_NOTIFY, 0 };
static const uint16_t services[] = { RM_SERVICE, 0 };
static const char *const name_prefixes[] = { "realme", NULL };

const struct hv_driver realme_driver = {
	.id = "realme",
	.name = "Realme Smart Scale (0xA602, address-ciphered)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.claims_device = claims_device,
};
