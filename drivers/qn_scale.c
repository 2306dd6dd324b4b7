// SPDX-License-Identifier: MIT
/*
 * QN / Yolanda family: Renpho ES-CS20M, ES-30M "QN-Scale", FITINDEX ES-26M,
 * SEB/Tefal, GE CS10G and many rebrands. Source: openScale QNHandler and
 * QNHandlerBroadcast (scales-openscale.md §2.6).
 *
 * GATT, two variants: type 1 = service 0xFFE0 (0xFFE1 notify, 0xFFE2
 * indicate, 0xFFE3 config write, 0xFFE4 time write); type 2 = service 0xFFF0
 * (0xFFF1 notify, 0xFFF2 write). Every frame, both directions:
 *
 *   OP LL PP … CS        OP opcode, LL frame length, PP protocol type (the
 *                         app echoes the scale's), CS = byte sum of all
 *                         previous bytes, mod 256 (checked: a bad sum is
 *                         invalid)
 *
 *   10 LL PP WW WW ST R1 R1 R2 R2 CS    weight (classic layout): W u16 BE,
 *                         ST 1 = stable, R1/R2 resistances u16 BE
 *   10 LL PP UU ST WW WW R1 R1 R2 R2 CS ES-30M layout (quirk HV_QN_ES30M)
 *   12 …                  scale info: [10] == 1: weight /100, else /10
 *                         (quirk HV_QN_DIV10)
 *   14 …                  asks the time: app answers 20 08 PP t(u32 LE) CS
 *   21 …                  asks the app's A0 frames, then 22 06 PP 00 03 CS
 *                         queries the stored record
 *   23 …                  stored record: t u32 LE [6..9] (QN epoch), weight
 *                         u16 BE /100 [10..11], R1 u16 LE [13..14], R2
 *                         u16 LE [15..16]
 *
 * Weight: raw / 100 kg (raw / 10 with HV_QN_DIV10, and one more /10 on type-2
 * scales then); a result <= 5 or >= 250 kg is divided by 10 once more
 * (openScale's heuristic for scales that report 0.1 kg steps).
 * QN epoch: 2000-01-01 00:00 UTC (946 684 800; openScale uses 05:00, which
 * only shifts its 90 s staleness check). Stored records older than 90 s
 * before the caller's clock are reported as not final (already consumed).
 *
 * Broadcast variant (non-connectable): manufacturer data, company 0xFFFF,
 * payload (after the company ID) AA BB MAC×6 …, [15] bit5 = stable,
 * [17..18] weight u16 LE / 100 kg; at least 19 payload bytes.
 *
 * Body composition: impedance Z = R1 < 410 ? 3.0 : 0.3 × (R1 − 400), then
 * the Trisa regression (method "trisa"), only with a complete profile.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define QN_T1_NOTIFY 0xFFE1
#define QN_T2_NOTIFY 0xFFF1
#define QN_COMPANY 0xFFFF
#define QN_EPOCH 946684800LL

/* Quirks (frame->quirks / session.quirks). */
#define HV_QN_DIV10 (1u << 0)
#define HV_QN_ES30M (1u << 1)

static double qn_weight(unsigned raw, unsigned quirks, bool type2)
{
	double w = raw / 100.0;

	if (quirks & HV_QN_DIV10)
		w = type2 ? raw / 100.0 : raw / 10.0;
	if (w <= 5 || w >= 250)
		w /= 10;
	return w;
}

static int add_weight_impedance(const struct hv_frame *frame, double w,
				unsigned r1, struct hv_measurement *ret)
{
	int r;

	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_round_to(w, 2));
	if (r >= 0 && r1 > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, r1);
	if (r >= 0 && r1 > 0 && frame->profile)
		r = hv_bodycomp_trisa(frame->profile, w, hv_qn_impedance(r1), ret);
	return r < 0 ? r : 0;
}

static int decode_broadcast(const struct hv_frame *frame,
			    struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md =
		hv_frame_manufacturer_data(frame, QN_COMPANY);
	const uint8_t *p;
	double w;

	if (!md || md->len < 4 || md->data[2] != 0xAA || md->data[3] != 0xBB)
		return -ENODEV;
	p = md->data + 2;
	if (md->len - 2 < 19)
		return hv_measurement_invalid(
			ret, "AABB payload has %zu bytes, needs 19", md->len - 2);
	w = hv_le16(p + 17) / 100.0;
	if (w < 0.5 || w > 300)
		return hv_measurement_invalid(ret, "weight %.2f kg out of range", w);
	ret->final = p[15] & 0x20;
	ret->display_unit = HV_UNIT_KG;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	bool type2;
	unsigned raw, r1;
	struct hv_datetime clock;
	int64_t t;

	if (!frame->has_characteristic)
		return decode_broadcast(frame, ret);
	type2 = hv_frame_is_characteristic(frame, QN_T2_NOTIFY);
	p = hv_frame_value_on(frame, type2 ? QN_T2_NOTIFY : QN_T1_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 3)
		return hv_measurement_invalid(ret, "frame of %zu bytes", len);
	if (hv_sum8(p, len - 1) != p[len - 1])
		return hv_measurement_invalid(
			ret, "checksum 0x%02x, bytes sum to 0x%02x", p[len - 1],
			hv_sum8(p, len - 1));

	switch (p[0]) {
	case 0x10:
		if (frame->quirks & HV_QN_ES30M) {
			if (len < 12)
				return hv_measurement_invalid(
					ret, "ES-30M weight frame has %zu bytes",
					len);
			ret->final = p[4] == 1 || p[4] == 2;
			raw = hv_be16(p + 5);
			r1 = hv_be16(p + 7);
		} else {
			if (len < 11)
				return hv_measurement_invalid(
					ret, "weight frame has %zu bytes, needs 11",
					len);
			ret->final = p[5] == 1;
			raw = hv_be16(p + 3);
			r1 = hv_be16(p + 6);
		}
		if (raw == 0)
			return hv_measurement_control(ret, "empty");
		return add_weight_impedance(frame, qn_weight(raw, frame->quirks,
							     type2),
					    r1, ret);
	case 0x23:
		if (len < 18)
			return hv_measurement_invalid(
				ret, "stored record has %zu bytes, needs 18", len);
		raw = hv_be16(p + 10);
		if (raw == 0)
			return hv_measurement_invalid(ret, "stored weight is zero");
		t = QN_EPOCH + hv_le32(p + 6);
		hv_datetime_from_unix(t, &clock);
		hv_measurement_set_clock(ret, &clock, frame->now);
		ret->final = !(frame->now > 0 && t < frame->now - 90);
		if (!ret->final)
			(void)hv_measurement_add_flag(ret, "stale_record");
		return add_weight_impedance(frame, raw / 100.0, hv_le16(p + 13),
					    ret);
	case 0x12:
		return hv_measurement_control(ret, "scale_info");
	case 0x14:
		return hv_measurement_control(ret, "time_request");
	case 0x21:
		return hv_measurement_control(ret, "record_request");
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* A final measurement as a classic 0x10 frame on 0xFFE1 (or the target),
 * resistances R1 = R2 = the impedance reading; protocol type 0xFF. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint16_t uuid = QN_T1_NOTIFY;
	uint8_t b[11] = { 0x10, sizeof(b), 0xFF };
	double raw;

	if (target) {
		if (hv_uuid_is16(target, QN_T2_NOTIFY))
			uuid = QN_T2_NOTIFY;
		else if (!hv_uuid_is16(target, QN_T1_NOTIFY))
			return -EINVAL;
	}
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 5 ||
	    w->value >= 250)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	hv_put_be16(b + 3, (uint16_t)raw);
	b[5] = m->final ? 1 : 0;
	if (z && z->value > 0 && z->value < UINT16_MAX) {
		hv_put_be16(b + 6, (uint16_t)(z->value + 0.5));
		hv_put_be16(b + 8, (uint16_t)(z->value + 0.5));
	}
	b[10] = hv_sum8(b, 10);
	return hv_frame_put_value(ret, uuid, b, sizeof(b));
}

/* --- selection ------------------------------------------------------------ */

static const char *const qn_names[] = { "qn-scale", "renpho-scale",
					"seb-scale", NULL };

static bool claims_device(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md =
		hv_frame_manufacturer_data(f, QN_COMPANY);
	bool named = false;

	if (md && md->len >= 4 && md->data[2] == 0xAA && md->data[3] == 0xBB)
		return true;
	for (const char *const *n = qn_names; *n; n++)
		named = named || hv_name_contains_ci(f->name, *n);
	if (hv_frame_has_service(f, 0xAE00))
		return true;
	if (!named)
		return false;
	/* An advert must show the QN services; a GATT value's frame may
	 * carry the name alone. */
	if (f->n_service_uuids == 0)
		return f->has_characteristic;
	return hv_frame_has_service(f, 0xFFE0) || hv_frame_has_service(f, 0xFFF0);
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: protocol type echoed in replies. */
static int frame_ok(const uint8_t *v, size_t len)
{
	return len >= 3 && hv_sum8(v, len - 1) == v[len - 1];
}

static int on_info(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!frame_ok(v, len))
		return HV_VALUE_MORE;
	s->scratch[0] = v[2];
	if (v[0] != 0x12)
		return HV_VALUE_MORE;
	if (len > 10 && v[10] != 1)
		s->quirks |= HV_QN_DIV10;
	return HV_VALUE_DONE;
}

static int on_time_request(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return frame_ok(v, len) && v[0] == 0x14 ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (!frame_ok(v, len) || v[0] != 0x10 || len < 11)
		return HV_VALUE_MORE;
	if (s->quirks & HV_QN_ES30M)
		return v[4] == 1 || v[4] == 2 ? HV_VALUE_DONE : HV_VALUE_MORE;
	return v[5] == 1 ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static int pl_config(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	/* unit 01 = kg: the gateway converts, the display shows kilograms */
	uint8_t b[9] = { 0x13, 0x09, (uint8_t)s->scratch[0], 0x01, 0x10 };

	if (size < sizeof(b))
		return -ENOSPC;
	b[8] = hv_sum8(b, 8);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[8] = { 0x20, 0x08, (uint8_t)s->scratch[0] };

	if (size < sizeof(b))
		return -ENOSPC;
	hv_put_le32(b + 3, (uint32_t)(s->now_unix - QN_EPOCH));
	b[7] = hv_sum8(b, 7);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

#define QN_TYPE2_START 8

static const struct hv_step steps[] = {
	/* type 1: 0xFFE0 */
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffe0",
		  .characteristic = "ffe1", .on_fail = QN_TYPE2_START,
		  .what = "subscribe 0xFFE1 (type 1)" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffe0",
		  .characteristic = "ffe2", .flags = HV_STEP_OPTIONAL,
		  .what = "subscribe 0xFFE2" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_info, .timeout_ms = 15000,
		  .what = "wait for the scale info (0x12)" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = "ffe0",
		  .characteristic = "ffe3", .payload = pl_config,
		  .flags = HV_STEP_WITH_RESPONSE, .what = "config: unit kg" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_time_request, .timeout_ms = 5000,
		  .flags = HV_STEP_OPTIONAL, .what = "wait for the time request" },
	/* 5 */ { .op = HV_STEP_WRITE, .service = "ffe0",
		  .characteristic = "ffe3", .payload = pl_time,
		  .flags = HV_STEP_WITH_RESPONSE, .what = "time (QN epoch)" },
	/* 6 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_stable, .timeout_ms = 60000,
		  .what = "wait for a stable weight" },
	/* 7 */ { .op = HV_STEP_END, .what = "done" },
	/* type 2: 0xFFF0 */
	/* 8 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		  .characteristic = "fff1", .what = "subscribe 0xFFF1 (type 2)" },
	/* 9 */ { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
		  .on_value = on_info, .timeout_ms = 15000,
		  .what = "wait for the scale info (0x12)" },
	/* 10 */ { .op = HV_STEP_WRITE, .service = "fff0",
		   .characteristic = "fff2", .payload = pl_config,
		   .flags = HV_STEP_WITH_RESPONSE, .what = "config: unit kg" },
	/* 11 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_time_request,
		   .timeout_ms = 5000, .flags = HV_STEP_OPTIONAL,
		   .what = "wait for the time request" },
	/* 12 */ { .op = HV_STEP_WRITE, .service = "fff0",
		   .characteristic = "fff2", .payload = pl_time,
		   .flags = HV_STEP_WITH_RESPONSE, .what = "time (QN epoch)" },
	/* 13 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_stable,
		   .timeout_ms = 60000, .what = "wait for a stable weight" },
	/* 14 */ { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Renpho ES-CS20M", "Renpho ES-30M (QN-Scale)", "FITINDEX ES-26M",
	"SEB / Tefal Goodvibes", "GE CS10G", "QN broadcast (company 0xFFFF, AA BB)",
	NULL,
};

static const uint16_t characteristics[] = { QN_T1_NOTIFY, QN_T2_NOTIFY, 0 };
static const uint16_t services[] = { 0xAE00, 0 };
/* Company 0xFFFF is the list terminator of hv_match: the broadcast variant
 * is claimed by claims_device() (AA BB magic) instead. */
static const char *const name_prefixes[] = { "QN-Scale", "Renpho-Scale",
					     "SEB-Scale", NULL };

const struct hv_driver qn_scale_driver = {
	.id = "qn_scale",
	.name = "QN / Yolanda (Renpho, FITINDEX …)",
	.models = models,
	.kind = "scale",
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
