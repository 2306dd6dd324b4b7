// SPDX-License-Identifier: MIT
/*
 * Vitafit "Body Fat" scale VT701 (Vitafit / Fitdays app): service 0xFFF0,
 * 0xFFF1 notify, 0xFFF2 write. Source: openScale VitafitVT701Handler
 * (android_app/.../core/bluetooth/scales/VitafitVT701Handler.kt), itself
 * read from an HCI capture; oliexdev/openScale@f7a733b2.
 *
 * Both directions use one framing:
 *
 *   HH LL 26 TT data… CS AA
 *   HH  0x5A scale → app, 0xA5 app → scale
 *   LL  number of bytes after LL (0x26 … 0xAA) = frame length − 2
 *   26  product id
 *   TT  frame type
 *   CS  XOR of LL … last data byte (checked: a bad XOR is invalid)
 *   AA  trailer
 *
 *   5A 0A 26 10 FF 00 00 ?? WH WL CS AA   weight: FF stability, 0x02 =
 *                                         stable; W u16 BE, 0.01 kg
 *   5A 0B 26 11 00 00 00 00 00 ZH ZL CS AA
 *                                         impedance u16 BE, Ohm, sent
 *                                         after the app acknowledged the
 *                                         stable weight
 *
 *   App → scale: hello A5 05 26 33 00 CS AA, A5 04 26 44 CS AA,
 *   A5 05 26 17 01 CS AA; acknowledge the stable weight with
 *   A5 05 26 10 02 CS AA and the impedance with A5 05 26 11 00 CS AA.
 *
 * The scale sends weight and impedance in separate frames. The stable
 * weight frame (flag 0x02) is the final weight, first packet of the
 * measurement (final and more_packets: openScale's VitafitVT701HandlerTest,
 * commit 7dbcaff58584e6a4749133b1710ff503755b67c4, reads its 85.00 kg as
 * the scale's displayed reading); settling frames are live. The
 * conversation keeps the stable weight in session.quirks (bits 8..23, raw
 * 0.01 kg; the runner hands the session's quirks to decode() in
 * frame.quirks), so the impedance frame decodes as the last packet:
 * weight, impedance and body composition by method "standard_impedance"
 * (what openScale uses for this scale) with a complete profile; the
 * pipeline joins the two. An impedance frame without a weight kept is not
 * final. The scale has no clock: measurements carry none.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define VF_NOTIFY 0xFFF1
#define VF_HDR_SCALE 0x5A
#define VF_HDR_APP 0xA5
#define VF_PRODUCT 0x26
#define VF_TRAILER 0xAA
#define VF_TYPE_WEIGHT 0x10
#define VF_TYPE_IMPEDANCE 0x11
#define VF_STABLE 0x02

/* session/frame quirks: the stable weight kept by the conversation */
#define VF_WEIGHT_SHIFT 8
#define VF_WEIGHT_MASK 0xFFFFu

static int check_frame(const uint8_t *p, size_t len, struct hv_measurement *m)
{
	uint8_t x;

	if (len < 6 || p[0] != VF_HDR_SCALE || p[2] != VF_PRODUCT)
		return hv_measurement_invalid(m, "not a Vitafit frame (%zu bytes)",
					      len);
	if (p[len - 1] != VF_TRAILER || p[1] != len - 2)
		return hv_measurement_invalid(
			m, "length byte %u or trailer 0x%02x wrong for %zu bytes",
			p[1], p[len - 1], len);
	x = hv_xor8(p + 1, len - 3);
	if (x != p[len - 2])
		return hv_measurement_invalid(
			m, "checksum 0x%02x, bytes XOR to 0x%02x", p[len - 2], x);
	return 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	unsigned kept;
	double w, z;
	int r;

	p = hv_frame_value_on(frame, VF_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	r = check_frame(p, len, ret);
	if (r < 0)
		return r;

	switch (p[3]) {
	case VF_TYPE_WEIGHT:
		if (len < 12)
			return hv_measurement_invalid(
				ret, "weight frame has %zu bytes, needs 12", len);
		w = hv_be16(p + 8) / 100.0;
		if (w <= 0)
			return hv_measurement_control(ret, "empty");
		/* The stable weight; the impedance frame completes it. */
		ret->final = p[4] == VF_STABLE;
		ret->more_packets = ret->final;
		ret->display_unit = HV_UNIT_KG;
		ret->subject = HV_SUBJECT_PERSON;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	case VF_TYPE_IMPEDANCE:
		if (len < 13)
			return hv_measurement_invalid(
				ret, "impedance frame has %zu bytes, needs 13", len);
		z = hv_be16(p + 9);
		if (z <= 0)
			return hv_measurement_control(ret, "no_impedance");
		kept = (frame->quirks >> VF_WEIGHT_SHIFT) & VF_WEIGHT_MASK;
		ret->display_unit = HV_UNIT_KG;
		ret->subject = HV_SUBJECT_PERSON;
		if (!kept) {
			/* No weight to go with it (decoded out of a session). */
			ret->final = false;
			return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		}
		w = kept / 100.0;
		ret->final = true;
		r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
		if (r >= 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		if (r >= 0)
			r = hv_decode_derive(ret, w, z, frame->profile,
					     derive_bodycomp);
		return r < 0 ? r : 0;
	default:
		return hv_measurement_control(ret, "other");
	}
}

static void seal(uint8_t *b, size_t len)
{
	b[1] = (uint8_t)(len - 2);
	b[2] = VF_PRODUCT;
	b[len - 2] = hv_xor8(b + 1, len - 3);
	b[len - 1] = VF_TRAILER;
}

/* A measurement as the scale's frames: the weight frame (stable when
 * final), or with target 0xFFF1 and an impedance reading, the impedance
 * frame (decode it with the weight in frame.quirks, as a session does). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[13] = { VF_HDR_SCALE };
	double raw;
	int r;

	if (target && !hv_uuid_is16(target, VF_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw >= VF_WEIGHT_MASK)
		return -EINVAL;
	if (m->final && z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value < UINT16_MAX) {
		b[3] = VF_TYPE_IMPEDANCE;
		hv_put_be16(b + 9, (uint16_t)(z->value + 0.5));
		seal(b, 13);
		r = hv_frame_put_value(ret, VF_NOTIFY, b, 13);
		if (r == 0)
			ret->quirks = (unsigned)raw << VF_WEIGHT_SHIFT;
		return r;
	}
	b[3] = VF_TYPE_WEIGHT;
	b[4] = m->final ? VF_STABLE : 0x01;
	hv_put_be16(b + 8, (uint16_t)raw);
	seal(b, 12);
	return hv_frame_put_value(ret, VF_NOTIFY, b, 12);
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "Vitafit");
}

/* --- conversation --------------------------------------------------------- */

static int command(uint8_t type, const uint8_t *data, size_t n, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	size_t len = n + 6;

	if (size < len)
		return -ENOSPC;
	buf[0] = VF_HDR_APP;
	buf[3] = type;
	if (n)
		memcpy(buf + 4, data, n);
	seal(buf, len);
	*ret_len = len;
	return 0;
}

static int pl_hello1(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	static const uint8_t d[] = { 0x00 };

	(void)s;
	return command(0x33, d, sizeof(d), buf, size, ret_len);
}

static int pl_hello2(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	(void)s;
	return command(0x44, NULL, 0, buf, size, ret_len);
}

static int pl_hello3(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	static const uint8_t d[] = { 0x01 };

	(void)s;
	return command(0x17, d, sizeof(d), buf, size, ret_len);
}

static int pl_ack_weight(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	static const uint8_t d[] = { VF_STABLE };

	(void)s;
	return command(VF_TYPE_WEIGHT, d, sizeof(d), buf, size, ret_len);
}

static int pl_ack_impedance(const struct hv_session *s, uint8_t *buf,
			    size_t size, size_t *ret_len)
{
	static const uint8_t d[] = { 0x00 };

	(void)s;
	return command(VF_TYPE_IMPEDANCE, d, sizeof(d), buf, size, ret_len);
}

static bool frame_ok(const uint8_t *v, size_t len)
{
	struct hv_measurement m;

	hv_measurement_init(&m, NULL);
	return check_frame(v, len, &m) == 0;
}

/* A stable weight: keep it in the session for the impedance frame. */
static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned raw;

	if (!frame_ok(v, len) || v[3] != VF_TYPE_WEIGHT || len < 12 ||
	    v[4] != VF_STABLE)
		return HV_VALUE_MORE;
	raw = hv_be16(v + 8);
	if (!raw)
		return HV_VALUE_MORE;
	s->quirks = (s->quirks & ~(VF_WEIGHT_MASK << VF_WEIGHT_SHIFT)) |
		    raw << VF_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

static int on_impedance(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return frame_ok(v, len) && v[3] == VF_TYPE_IMPEDANCE ? HV_VALUE_DONE :
							       HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		  .characteristic = "fff1", .what = "subscribe 0xFFF1" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff2", .payload = pl_hello1,
		  .what = "hello 0x33" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff2", .payload = pl_hello2,
		  .what = "hello 0x44" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff2", .payload = pl_hello3,
		  .what = "hello 0x17" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff1", .on_value = on_weight,
		  .timeout_ms = 60000, .what = "wait for a stable weight" },
	/* 5 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff2", .payload = pl_ack_weight,
		  .what = "acknowledge the weight (starts the impedance)" },
	/* 6 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff1", .on_value = on_impedance,
		  .timeout_ms = 8000, .what = "wait for the impedance" },
	/* 7 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff2", .payload = pl_ack_impedance,
		  .flags = HV_STEP_OPTIONAL, .what = "acknowledge the impedance" },
	/* 8 */ { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Vitafit VT701 (Body Fat scale)", NULL };
static const uint16_t characteristics[] = { VF_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Vitafit", "VITAFIT", NULL };

const struct hv_driver vitafit_driver = {
	.id = "vitafit",
	.name = "Vitafit VT701 (0xFFF0)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
