// SPDX-License-Identifier: MIT
/*
 * AiLink / eLink broadcast body-fat scales ("EL1" and private labels of the
 * AiLink app): non-connectable, the measurement repeated in a TEA-encrypted
 * manufacturer record. Source: openScale AiLinkLib
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/libs/
 * AiLinkLib.kt, oliexdev/openScale@f2501ca9) and AiLinkBroadcastHandler
 * (.../bluetooth/scales/AiLinkBroadcastHandler.kt @ b692649f, PR #1495).
 *
 * The advert lists service 0xF0A0. Manufacturer data, as a stack hands it
 * (the "company ID" is really the vendor's CID and VID):
 *
 *   [0]       CID          [1]  VID          [2]  PID
 *   [3..8]    the scale's address, little-endian
 *   [9]       checksum: sum of [10..19], low byte (over the cipher text)
 *   [10..19]  payload; [10..17] TEA-encrypted (32 rounds, the two words
 *             little-endian), [18..19] sent in clear, meaning unknown
 *
 * The TEA key is built from the ids: { PID + 0x41493000, VID + 0x4C327900,
 * CID + 0x31783100, 0x306C6531 } (ids of 0x10000 and more are first reduced
 * by 0xFFFF; a byte never is). Clear payload:
 *
 *   [0]    rolling sequence counter
 *   [1]    status: 0x00 measuring (or idle), 0x01 analysing, 0x02
 *          impedance ready, 0x03 impedance failed, 0x04 "data mode",
 *          0xFF complete (final weight and impedance, repeated)
 *   [2]    bits 3..5 unit (0 kg; 1 jin and 6 lb never observed),
 *          bits 1..2 decimal places of the weight
 *   [3..4] weight u16 BE; bit 7 of [3] = negative
 *   [5..6] impedance u16 BE, Ohm (0: the BIA pass failed)
 *   [7]    the vendor's body-composition algorithm id
 *
 * The checksum proves the record arrived whole, not that it is AiLink: an
 * all-zero record checks. A status outside the list above (a wrong key)
 * is therefore not ours; a bad checksum under the 0xF0A0 service is ours
 * and invalid. Only the complete frame is final, and only its impedance is
 * fresh (earlier frames repeat the previous weigh-in's): the others are
 * live weights. Weights in units openScale has not seen, negative or zero
 * weights, and complete weights outside 1..300 kg carry no reading. Body
 * composition, from a complete frame's impedance and a profile: method
 * "standard_impedance" (openScale's StandardImpedanceLib, as its handler).
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define AL_SERVICE 0xF0A0
#define AL_LEN 20 /* CID, VID, PID, address, checksum, payload */
#define AL_CHECKSUM 9
#define AL_PAYLOAD 10
#define AL_PAYLOAD_LEN 10

#define AL_STATUS_MEASURING 0x00
#define AL_STATUS_DATA_MODE 0x04
#define AL_STATUS_COMPLETE 0xFF
#define AL_UNIT_KG 0
#define AL_NEGATIVE 0x80
#define AL_WEIGHT_MIN_KG 1.0
#define AL_WEIGHT_MAX_KG 300.0

#define TEA_DELTA 0x9E3779B9u
#define TEA_ROUNDS 32

/* The encoder's ids: those of the scale openScale's fixtures come from. */
#define AL_ENCODE_CID 0x01
#define AL_ENCODE_VID 0x03
#define AL_ENCODE_PID 0x01

static void tea_key(const uint8_t *md, uint32_t k[4])
{
	k[0] = md[2] + 0x41493000u;
	k[1] = md[1] + 0x4C327900u;
	k[2] = md[0] + 0x31783100u;
	k[3] = 0x306C6531u;
}

static void tea_decrypt(uint8_t p[8], const uint32_t k[4])
{
	uint32_t v0 = hv_le32(p), v1 = hv_le32(p + 4);
	uint32_t sum = TEA_DELTA * TEA_ROUNDS;

	for (int i = 0; i < TEA_ROUNDS; i++) {
		v1 -= ((v0 << 4) + k[2]) ^ (v0 + sum) ^ ((v0 >> 5) + k[3]);
		v0 -= ((v1 << 4) + k[0]) ^ (v1 + sum) ^ ((v1 >> 5) + k[1]);
		sum -= TEA_DELTA;
	}
	hv_put_le32(p, v0);
	hv_put_le32(p + 4, v1);
}

static void tea_encrypt(uint8_t p[8], const uint32_t k[4])
{
	uint32_t v0 = hv_le32(p), v1 = hv_le32(p + 4), sum = 0;

	for (int i = 0; i < TEA_ROUNDS; i++) {
		sum += TEA_DELTA;
		v0 += ((v1 << 4) + k[0]) ^ (v1 + sum) ^ ((v1 >> 5) + k[1]);
		v1 += ((v0 << 4) + k[2]) ^ (v0 + sum) ^ ((v0 >> 5) + k[3]);
	}
	hv_put_le32(p, v0);
	hv_put_le32(p + 4, v1);
}

static bool known_status(uint8_t status)
{
	return status <= AL_STATUS_DATA_MODE || status == AL_STATUS_COMPLETE;
}

static bool checksum_ok(const struct hv_manufacturer_data *md)
{
	return md->len >= AL_LEN &&
	       hv_sum8(md->data + AL_PAYLOAD, AL_PAYLOAD_LEN) == md->data[AL_CHECKSUM];
}

/* The clear payload of md, or false when it is no AiLink record. */
static bool decrypt_record(const struct hv_manufacturer_data *md, uint8_t ret[AL_PAYLOAD_LEN])
{
	uint32_t k[4];

	if (!checksum_ok(md))
		return false;
	memcpy(ret, md->data + AL_PAYLOAD, AL_PAYLOAD_LEN);
	tea_key(md->data, k);
	tea_decrypt(ret, k);
	return known_status(ret[1]);
}

/* The first record that decrypts to a known status, if any. */
static const struct hv_manufacturer_data *find_record(const struct hv_frame *f,
						      uint8_t ret[AL_PAYLOAD_LEN])
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (decrypt_record(&f->manufacturer_data[i], ret))
			return &f->manufacturer_data[i];
	return NULL;
}

static bool is_ailink_advert(const struct hv_frame *f)
{
	return !f->has_characteristic && hv_frame_has_service(f, AL_SERVICE);
}

static bool claims_device(const struct hv_frame *f)
{
	uint8_t p[AL_PAYLOAD_LEN];

	return is_ailink_advert(f) && find_record(f, p) != NULL;
}

static double scaled_weight(const uint8_t *p)
{
	static const double divisor[] = { 1, 10, 100, 1000 };
	unsigned raw = (unsigned)(p[3] & 0x7F) << 8 | p[4];

	return raw / divisor[(p[2] >> 1) & 0x03];
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t p[AL_PAYLOAD_LEN];
	unsigned impedance;
	bool complete;
	double kg;
	int r;

	if (!is_ailink_advert(frame) || frame->n_manufacturer_data == 0)
		return -ENODEV;
	if (!find_record(frame, p)) {
		/* Ours only when a record has the length and a wrong sum. */
		for (size_t i = 0; i < frame->n_manufacturer_data; i++)
			if (frame->manufacturer_data[i].len >= AL_LEN &&
			    !checksum_ok(&frame->manufacturer_data[i]))
				return hv_measurement_invalid(ret, "checksum");
		return -ENODEV;
	}
	complete = p[1] == AL_STATUS_COMPLETE;
	kg = scaled_weight(p);
	if ((p[2] >> 3 & 0x07) != AL_UNIT_KG)
		return hv_measurement_control(ret, "unit not decoded");
	if (p[3] & AL_NEGATIVE)
		return hv_measurement_control(ret, "negative");
	if (kg <= 0)
		return hv_measurement_control(ret, "idle");
	if (complete && (kg < AL_WEIGHT_MIN_KG || kg > AL_WEIGHT_MAX_KG))
		return hv_measurement_control(ret, "implausible weight");
	ret->final = complete;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r < 0)
		return r;
	impedance = hv_be16(p + 5);
	if (complete && impedance > 0) {
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, impedance);
		if (r >= 0)
			r = hv_decode_derive(ret, kg, impedance, frame->profile, derive_bodycomp);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The complete frame (or a measuring one when not final), 0.1 kg, under
 * the ids 01/03/01 and a zero address.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	struct hv_manufacturer_data *md;
	uint8_t p[AL_PAYLOAD_LEN] = { 0 };
	double raw, ohm = 0;
	uint32_t k[4];

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = round(w->value * 10);
	if (raw < 1 || raw > 0x7FFF)
		return -EINVAL;
	if (z && m->final) {
		if (z->absent != HV_ABSENT_NONE || z->value < 0 || z->value > 0xFFFF)
			return -EINVAL;
		ohm = round(z->value);
	}
	p[1] = m->final ? AL_STATUS_COMPLETE : AL_STATUS_MEASURING;
	p[2] = 1 << 1; /* kg, one decimal */
	hv_put_be16(p + 3, (uint16_t)raw);
	hv_put_be16(p + 5, (uint16_t)ohm);
	p[7] = 1;
	p[8] = p[9] = 0xFF;

	*ret = (struct hv_frame){ .n_manufacturer_data = 1, .n_service_uuids = 1 };
	ret->service_uuids[0] = hv_uuid16(AL_SERVICE);
	md = &ret->manufacturer_data[0];
	md->len = AL_LEN;
	md->data[0] = AL_ENCODE_CID;
	md->data[1] = AL_ENCODE_VID;
	md->data[2] = AL_ENCODE_PID;
	tea_key(md->data, k);
	tea_encrypt(p, k);
	memcpy(md->data + AL_PAYLOAD, p, AL_PAYLOAD_LEN);
	md->data[AL_CHECKSUM] = hv_sum8(p, AL_PAYLOAD_LEN);
	ret->name = "EL1";
	return 0;
}

static const char *const models[] = { "AiLink broadcast body-fat scale (EL1)", NULL };
static const uint16_t services[] = { AL_SERVICE, 0 };

const struct hv_driver ailink_broadcast_driver = {
	.id = "ailink_broadcast",
	.name = "AiLink / eLink broadcast scale",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.services = services,
	},
	.flags = HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.encode = encode,
	.claims_device = claims_device,
	.derive = derive_bodycomp,
};
