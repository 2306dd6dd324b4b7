// SPDX-License-Identifier: MIT
/*
 * Beurer BF450: a Bluetooth SIG weight scale (Weight Scale 0x181D, Body
 * Composition 0x181B, User Data 0x181C) with a vendor service 0xFFFF.
 * Source: openScale BeurerBF450Handler (android_app/app/src/main/java/com/
 * health/openscale/core/bluetooth/scales/BeurerBF450Handler.kt,
 * oliexdev/openScale@f7a733b2): selected by "bf450" anywhere in the name,
 * any case; it runs the SIG flow and adds
 *
 *   0xFFF2  write: the activity level, 1..5
 *   0xFFF4  write 00: take a measurement (notifies 00 measuring, 01 taken)
 *   0xFFF6  notify, 16 bytes or more: the impedance (Ohm) at [5..6]
 *           little-endian, the scale's user number at [9] (the slot); the
 *           rest is not described
 *   0xFFF0  live weight (not kept: not final), 0xFFF1 user list, 0xFFF5
 *           and 0xFFF7 (openScale logs them undecoded)
 *
 * The conversation is the SIG scale's (drivers/sig_scale_conversation.c:
 * the BF450 steps subscribe 0xFFF6 and write 0xFFF2 and 0xFFF4). Its SIG
 * values decode as any SIG scale's, as drivers sig_weight_scale and
 * sig_body_composition (which reads the BF450's body masses in 0.1 kg, as
 * the handler does: drivers/sig_body_composition.c). The impedance is its own record, kept at the time
 * it came: no published frame shows whether it comes before or after the
 * SIG weighing, so it is not joined to it (openScale adds it to the
 * weighing it publishes next); its user number is the reading's user slot
 * (openScale logs it as the scale's user id), so it goes to the person
 * linked to that slot.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "drivers/sig_scale.h"
#include "drivers/vendor_util.h"

#define BF450_EXTRA 0xFFF6
#define BF450_EXTRA_MIN 16
#define BF450_IMPEDANCE_AT 5
#define BF450_USER_AT 9

static int decode_extra(const uint8_t *p, size_t len,
			struct hv_measurement *ret)
{
	uint16_t ohm;

	if (len < BF450_EXTRA_MIN)
		return hv_measurement_invalid(ret,
					      "0xFFF6 frame has %zu bytes (%d or more)",
					      len, BF450_EXTRA_MIN);
	ohm = hv_le16(p + BF450_IMPEDANCE_AT);
	if (ohm == 0)
		return hv_measurement_control(ret, "no impedance");
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->user_index = p[BF450_USER_AT];
	return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm) < 0 ? -ENOSPC : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, BF450_EXTRA, &len);
	if (p)
		return decode_extra(p, len, ret);
	/* The SIG values of its session, named as any SIG scale's. */
	r = sig_weight_scale_driver.decode(frame, ret);
	if (r >= 0 && ret->driver == beurer_bf450_driver.id)
		ret->driver = sig_weight_scale_driver.id;
	return r;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[BF450_EXTRA_MIN] = { 0 };
	int r;

	if (target && !hv_uuid_is16(target, BF450_EXTRA))
		return sig_weight_scale_driver.encode(m, target, ret);
	if (!z || hv_measurement_find(m, HV_METRIC_BODY_WEIGHT))
		return sig_weight_scale_driver.encode(m, target, ret);
	r = hv_put_reading(b + BF450_IMPEDANCE_AT, 2, HV_LITTLE_ENDIAN, m,
			   HV_METRIC_IMPEDANCE, 1);
	if (m->user_index > 0xFF)
		return -EINVAL;
	if (m->user_index >= 0)
		b[BF450_USER_AT] = (uint8_t)m->user_index;
	if (r < 0 || hv_le16(b + BF450_IMPEDANCE_AT) == 0)
		return -EINVAL;
	return hv_frame_put_value(ret, BF450_EXTRA, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_contains_ci(f->name, "bf450");
}

static const char *const models[] = { "Beurer BF450", NULL };
static const uint16_t characteristics[] = { BF450_EXTRA, 0 };
static const uint16_t services[] = { 0xFFFF, 0 };

const struct hv_driver beurer_bf450_driver = {
	.id = "beurer_bf450",
	.name = "Beurer BF450 (SIG scale, impedance on 0xFFFF/0xFFF6)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &hv_sig_scale_conversation,
	.claims_device = claims_device,
};
