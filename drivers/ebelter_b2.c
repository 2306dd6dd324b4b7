// SPDX-License-Identifier: MIT
/*
 * Belter / Ebelter "Body Fat-B2" (EF-916B4): service 0xFAA0, 0xFAA1 write,
 * 0xFAA2 notify. Source: openScale EbelterBodyFatB2Handler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * EbelterBodyFatB2Handler.kt), oliexdev/openScale@f7a733b2 (file last
 * changed in 939143c9), itself read from nRF Connect captures.
 *
 * App → scale, once subscribed (two writes, with response):
 *   AB 09 98 FC 12 17 11 18 0A 27 14
 *   AB 0E 99 06 15 14 42 14 8B BC 0A A6 11 BD 12 E9 EA
 * (what they carry is not described; openScale sends them as captured, and
 * sends them again on a status frame, at most every 2.5 s, because the fat
 * figure then comes more reliably).
 *
 * Scale → app:
 *   8D 01 …           status (stepping on; the display blinking)
 *   8D 11 ?? ?? WL WH FL FH …   measurement: W u16 LE 0.1 kg, F u16 LE 0.1 %
 *                     body fat (0: not measured)
 *
 * A measurement frame is final (openScale publishes the first one and
 * drops what follows within 6 s: the scale repeats its result; the
 * pipeline's repeat handling does the same here). A weight below 10 kg is
 * noise (openScale drops it): a protocol frame. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define EB_NOTIFY 0xFAA2
#define EB_HEAD 0x8D
#define EB_STATUS 0x01
#define EB_RESULT 0x11
#define EB_RESULT_MIN_LEN 8
#define EB_MIN_WEIGHT_RAW 100 /* 10 kg */

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, EB_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 2 || p[0] != EB_HEAD)
		return hv_measurement_invalid(ret, "not a Body Fat-B2 frame (%zu bytes)",
					      len);
	if (p[1] == EB_STATUS)
		return hv_measurement_control(ret, "status");
	if (p[1] != EB_RESULT)
		return hv_measurement_control(ret, "other");
	if (len < EB_RESULT_MIN_LEN)
		return hv_measurement_invalid(ret, "result has %zu bytes, needs %d",
					      len, EB_RESULT_MIN_LEN);
	if (hv_le16(p + 4) < EB_MIN_WEIGHT_RAW)
		return hv_measurement_control(ret, "below 10 kg");
	ret->final = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_le16(p + 4) / 10.0);
	if (r >= 0 && hv_le16(p + 6) != 0)
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT,
				       hv_le16(p + 6) / 10.0);
	return r < 0 ? r : 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *fat =
		hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	uint8_t b[EB_RESULT_MIN_LEN] = { EB_HEAD, EB_RESULT };
	double raw;

	if (target && !hv_uuid_is16(target, EB_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || !m->final)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw < EB_MIN_WEIGHT_RAW || raw > UINT16_MAX)
		return -EINVAL;
	hv_put_le16(b + 4, (uint16_t)raw);
	if (fat && fat->absent == HV_ABSENT_NONE) {
		raw = fat->value * 10 + 0.5;
		if (raw < 1 || raw > UINT16_MAX)
			return -EINVAL;
		hv_put_le16(b + 6, (uint16_t)raw);
	}
	return hv_frame_put_value(ret, EB_NOTIFY, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "Body Fat-B2");
}

/* --- conversation --------------------------------------------------------- */

static const uint8_t hello1[] = { 0xAB, 0x09, 0x98, 0xFC, 0x12, 0x17,
				  0x11, 0x18, 0x0A, 0x27, 0x14 };
static const uint8_t hello2[] = { 0xAB, 0x0E, 0x99, 0x06, 0x15, 0x14,
				  0x42, 0x14, 0x8B, 0xBC, 0x0A, 0xA6,
				  0x11, 0xBD, 0x12, 0xE9, 0xEA };

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= EB_RESULT_MIN_LEN && v[0] == EB_HEAD && v[1] == EB_RESULT &&
			       hv_le16(v + 4) >= EB_MIN_WEIGHT_RAW ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "faa0", .characteristic = "faa2",
	  .what = "subscribe 0xFAA2" },
	{ .op = HV_STEP_WRITE, .service = "faa0", .characteristic = "faa1",
	  .bytes = hello1, .n_bytes = sizeof(hello1), .flags = HV_STEP_WITH_RESPONSE,
	  .what = "handshake, first (AB 09 98)" },
	{ .op = HV_STEP_WRITE, .service = "faa0", .characteristic = "faa1",
	  .bytes = hello2, .n_bytes = sizeof(hello2), .flags = HV_STEP_WITH_RESPONSE,
	  .what = "handshake, second (AB 0E 99)" },
	{ .op = HV_STEP_WAIT, .service = "faa0", .characteristic = "faa2",
	  .on_value = on_result, .timeout_ms = 60000,
	  .what = "wait for the result" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Belter / Ebelter Body Fat-B2 (EF-916B4)",
				      NULL };
static const uint16_t characteristics[] = { EB_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Body Fat-B2", NULL };

const struct hv_driver ebelter_b2_driver = {
	.id = "ebelter_b2",
	.name = "Ebelter Body Fat-B2 (0xFAA0)",
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
