// SPDX-License-Identifier: MIT
/*
 * Lefu Body Pod 2 (advertised exactly as "Body Pod 2"), segmental and
 * two-frequency: service 0xFFF0, 0xFFF4 notify (0xFFF2 as a fallback),
 * 0xFFF1 write. Source: openScale BodyPod2Handler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/BodyPod2Handler.kt, oliexdev/openScale@58984819) and its test
 * (BodyPod2HandlerTest.kt @ 02e42817).
 *
 * App → scale (0xFFF1, with response), as the Excelvan CF36x:
 *   FE 01 SS AA HH YY 01 CS   SS 1 male / 0 female, AA activity 0..2,
 *                             HH height cm, YY age, 01 kg, CS XOR of [1..6]
 *
 * Scale → app, every frame ending in the XOR of all bytes before it:
 *   CF, at least 11 bytes   [2] bit 7 stable, [3..4] weight u16 LE 0.01 kg
 *   BE, at least 13 bytes   [1] 0 low / 1 high frequency, [2..11] five
 *                           u16 LE, 0.1 Ohm: right arm, left arm, trunk,
 *                           right leg, left leg
 *   DF                      extended packet (not read; openScale logs it)
 *
 * The stable weight is the final weight, first packet (final and
 * more_packets); the conversation keeps it in session.quirks (bit 0, 0.01 kg
 * in bits 8..23) and the low-frequency BE frame completes it with openScale's
 * whole-body impedance, the mean of the right (arm + trunk + leg) and left
 * paths, kept only in 100..1500 Ohm (else the weight alone). openScale
 * waits for the high-frequency frame too before it publishes, but takes
 * nothing from it, and no source gives its frequency: here it is a
 * protocol frame. A low-frequency frame
 * without a weight kept gives the impedance alone, not final. No body
 * composition (openScale reports none for this scale); no clock.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

#define BP_NOTIFY 0xFFF4
#define BP_FALLBACK 0xFFF2
#define BP_WEIGHT 0xCF
#define BP_IMPEDANCE 0xBE
#define BP_EXTENDED 0xDF
#define BP_WEIGHT_MIN 11
#define BP_IMPEDANCE_MIN 13
#define BP_STABLE 0x80
#define BP_NAME "Body Pod 2"
#define BP_OHM_MIN 100.0
#define BP_OHM_MAX 1500.0

#define BP_QUIRK_KEPT 0x1u
#define BP_WEIGHT_SHIFT 8
#define BP_WEIGHT_MASK 0xFFFFu

static bool claims_device(const struct hv_frame *f)
{
	return f->name && strlen(f->name) == strlen(BP_NAME) &&
	       hv_name_prefix_ci(f->name, BP_NAME);
}

static bool checksum_ok(const uint8_t *v, size_t len)
{
	return len >= 2 && hv_xor8(v, len - 1) == v[len - 1];
}

/* The mean of the right and left paths of the five segments (Ohm). */
static double whole_body_ohm(const uint8_t *v)
{
	double seg[5];

	for (int i = 0; i < 5; i++)
		seg[i] = hv_le16(v + 2 + 2 * i) / 10.0;
	return ((seg[0] + seg[2] + seg[3]) + (seg[1] + seg[2] + seg[4])) / 2;
}

static int decode_weight(const uint8_t *v, size_t len, struct hv_measurement *ret)
{
	unsigned raw;

	if (len < BP_WEIGHT_MIN)
		return hv_measurement_invalid(ret, "weight frame of %zu bytes, needs %d", len,
					      BP_WEIGHT_MIN);
	raw = hv_le16(v + 3);
	if (raw == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = (v[2] & BP_STABLE) != 0;
	ret->more_packets = ret->final;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, raw / 100.0);
}

static int decode_impedance(const uint8_t *v, size_t len, unsigned quirks,
			    struct hv_measurement *ret)
{
	unsigned kept = quirks & BP_QUIRK_KEPT ? (quirks >> BP_WEIGHT_SHIFT) & BP_WEIGHT_MASK : 0;
	double z;
	bool plausible;
	int r;

	if (len < BP_IMPEDANCE_MIN)
		return hv_measurement_invalid(ret, "impedance frame of %zu bytes, needs %d", len,
					      BP_IMPEDANCE_MIN);
	if (v[1] == 1)
		return hv_measurement_control(ret, "high-frequency segments");
	if (v[1] != 0)
		return hv_measurement_invalid(ret, "impedance set %u", v[1]);
	z = whole_body_ohm(v);
	plausible = z >= BP_OHM_MIN && z <= BP_OHM_MAX;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	if (!kept) {
		/* No weight to go with it (decoded out of a session). */
		if (!plausible)
			return hv_measurement_control(ret, "implausible impedance");
		ret->final = false;
		return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	}
	ret->final = true;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kept / 100.0);
	if (r >= 0 && plausible)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	return r;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *v;
	size_t len;
	int r;

	v = hv_frame_value_on(frame, BP_NOTIFY, &len);
	if (!v)
		v = hv_frame_value_on(frame, BP_FALLBACK, &len);
	if (!v)
		return -ENODEV;
	if (!checksum_ok(v, len))
		return hv_measurement_invalid(ret, "checksum (XOR of %zu bytes)", len);
	switch (v[0]) {
	case BP_WEIGHT:
		r = decode_weight(v, len, ret);
		break;
	case BP_IMPEDANCE:
		r = decode_impedance(v, len, frame->quirks, ret);
		break;
	case BP_EXTENDED:
		r = hv_measurement_control(ret, "extended");
		break;
	default:
		r = hv_measurement_control(ret, "other");
		break;
	}
	return r < 0 ? r : 0;
}

/*
 * The weight frame (stable when final), or for a final measurement with an
 * impedance the low-frequency frame, all five segments a third of it
 * (decode it with the weight in frame.quirks, as a session does).
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	uint8_t p[BP_IMPEDANCE_MIN] = { 0 };
	double raw, ohm;
	int r;

	if (!hv_encode_target_ok(target, BP_NOTIFY) ||
	    hv_encode_weight(m, 100, BP_WEIGHT_MASK, &raw) < 0)
		return -EINVAL;
	r = m->final ? hv_encode_impedance(m, BP_OHM_MIN, BP_OHM_MAX, &ohm) : 0;
	if (r < 0)
		return r;
	if (r > 0) {
		double seg = round(ohm * 10 / 3);

		p[0] = BP_IMPEDANCE;
		for (int i = 0; i < 5; i++)
			hv_put_le16(p + 2 + 2 * i, (uint16_t)seg);
		p[BP_IMPEDANCE_MIN - 1] = hv_xor8(p, BP_IMPEDANCE_MIN - 1);
		r = hv_frame_put_value(ret, BP_NOTIFY, p, BP_IMPEDANCE_MIN);
		if (r == 0)
			ret->quirks = BP_QUIRK_KEPT | (unsigned)raw << BP_WEIGHT_SHIFT;
		return r;
	}
	p[0] = BP_WEIGHT;
	p[2] = m->final ? BP_STABLE : 0;
	hv_put_le16(p + 3, (uint16_t)raw);
	p[9] = 0x01;
	p[BP_WEIGHT_MIN - 1] = hv_xor8(p, BP_WEIGHT_MIN - 1);
	return hv_frame_put_value(ret, BP_NOTIFY, p, BP_WEIGHT_MIN);
}

/* --- conversation --------------------------------------------------------- */

/* The stable weight is kept for the impedance frame. */
static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned raw;

	if (len < BP_WEIGHT_MIN || v[0] != BP_WEIGHT || !checksum_ok(v, len) ||
	    !(v[2] & BP_STABLE))
		return HV_VALUE_MORE;
	raw = hv_le16(v + 3);
	if (!raw)
		return HV_VALUE_MORE;
	s->quirks = BP_QUIRK_KEPT | raw << BP_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

static int on_low_frequency(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= BP_IMPEDANCE_MIN && v[0] == BP_IMPEDANCE && v[1] == 0 &&
			       checksum_ok(v, len) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff4",
		  .what = "subscribe 0xFFF4" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff2",
		  .flags = HV_STEP_OPTIONAL, .what = "subscribe 0xFFF2 (fallback)" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
		  .payload = hv_lefu_fe_config, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "user and unit kg (0xFE)" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
		  .on_value = on_stable, .timeout_ms = 60000,
		  .what = "wait for a stable weight" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
		  .on_value = on_low_frequency, .timeout_ms = 20000,
		  .what = "wait for the low-frequency impedances" },
	/* 5 */ { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Lefu Body Pod 2", NULL };
static const uint16_t characteristics[] = { BP_NOTIFY, BP_FALLBACK, 0 };
static const char *const name_prefixes[] = { BP_NAME, NULL };

const struct hv_driver bodypod2_driver = {
	.id = "bodypod2",
	.name = "Lefu Body Pod 2 (0xFFF0)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
