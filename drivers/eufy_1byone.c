// SPDX-License-Identifier: MIT
/*
 * 1byone classic ("Health Scale") and Eufy C1 (T9146), P1 (T9147), A1
 * (T9120): service 0xFFF0, 0xFFF4 notify, 0xFFF1 write. Source: openScale
 * OneByoneHandler.kt (oliexdev/openScale@f7a733b2).
 *
 *   0xFFF4 notifications:
 *   CF ZL ZH WL WH ?? ?? ?? ?? NI ?? [YH YL MO DD HH MI SS]
 *      Z   impedance: (ZH << 8 | ZL) × 0.1 Ohm
 *      W   weight u16 LE, 0.01 kg
 *      NI  1 = no impedance
 *      Y…S stored record's time (year BE), present when the frame has 18+
 *          bytes (history)
 *   F1 00                clock acknowledged
 *   F2 00                end of history
 *
 *   0xFFF1 writes:
 *   FD 37 UU GG 00 00 00 00 00 00 XX   unit (0 kg, 1 lb, 2 st), group,
 *                                      XX = XOR of the previous bytes
 *   F1 YH YL MO DD HH MI SS            clock (local time, year BE)
 *   F2 00 / F2 01                      history request / clear history
 *
 * A frame with an impedance is the final measurement (the scale sends it
 * once the feet have been measured); a frame without is a live weight.
 * The frames carry no checksum. Body composition: method
 * "standard_impedance" (openScale's OneByoneLib is not reproduced).
 *
 * 1byone "new" ("1byone scale"): service 0xFFB0, 0xFFB2 notify, 0xFFB1
 * write, 20-byte frames AB 2A TT …. Source: openScale OneByoneNewHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/OneByoneNewHandler.kt at commit
 * 437f7c210b683837cd9c47de9be7c2eaaf30265e):
 *
 *   AB 2A 80 WW WW WW …       final weight: u24 BE & 0x3FFFF, grams; the
 *                             impedance follows
 *   AB 2A 01 ?? ZZ ZZ …       impedance u16 BE, Ohm, of that weight
 *   AB 2A 00 TT TT TT TT 80 WW WW WW … ZZ ZZ
 *                             stored record ([7] 0x80): Unix time u32 BE
 *                             [3..6], weight u24 BE & 0x3FFFF [8..10],
 *                             impedance u16 BE [15..16]; [7] other: live
 *                             (its layout is not given: no reading)
 *   App: AB 2A, time u32 BE (openScale: Unix time; the gateway writes its
 *   local clock so records read as local time), 00, unit (00 kg), one user
 *   entry (slot, height cm, last weight u16 BE ×100 (none: 0), sex << 7 |
 *   age, impedance u16), 00 00 00, D7, sum of [2..18] less [14]: the
 *   weight request that opens a measurement.
 *
 * The final-weight frame is the first packet (final, more_packets); the
 * conversation keeps its weight in session.quirks (bits 8..25, grams; the
 * runner hands them to decode() in frame.quirks) so the impedance frame
 * decodes as the last packet: weight, impedance, "standard_impedance"
 * composition. An impedance frame without a kept weight is not final.
 * openScale's history upload (D4 frames of every user) is not sent.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define OB_NOTIFY 0xFFF4
#define OB_LIVE_LEN 11
#define OB_HISTORY_LEN 18

/* 1byone new (0xFFB0) */
#define OB_NEW_NOTIFY 0xFFB2
#define OB_NEW_LEN 20 /* what the scale sends and the app writes */
#define OB_NEW_FINAL_WEIGHT 0x80
#define OB_NEW_IMPEDANCE 0x01
#define OB_NEW_UNIFIED 0x00
#define OB_NEW_HISTORY 0x80
#define OB_NEW_WEIGHT_MASK 0x3FFFFu
#define OB_NEW_WEIGHT_SHIFT 8

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int new_final(const struct hv_frame *frame, double w, unsigned z,
		     struct hv_measurement *ret)
{
	int r;

	ret->final = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && z > 0)
		r = hv_decode_derive(ret, w, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode_new(const struct hv_frame *frame, const uint8_t *p,
		      size_t len, struct hv_measurement *ret)
{
	uint32_t g, kept;
	unsigned z;

	if (len < 3 || p[0] != 0xAB || p[1] != 0x2A)
		return hv_measurement_control(ret, "other");
	/* The scale sends 20 bytes; what each type reads must be there. */
	if (len < (p[2] == OB_NEW_UNIFIED ? 8u : 6u) ||
	    (p[2] == OB_NEW_UNIFIED && p[7] == OB_NEW_HISTORY && len < 17))
		return hv_measurement_invalid(
			ret, "AB 2A frame of type 0x%02x has %zu bytes", p[2],
			len);
	switch (p[2]) {
	case OB_NEW_FINAL_WEIGHT:
		g = be24(p + 3) & OB_NEW_WEIGHT_MASK;
		if (!g)
			return hv_measurement_control(ret, "empty");
		/* The final weight; the impedance frame completes it. */
		ret->final = true;
		ret->more_packets = true;
		ret->display_unit = HV_UNIT_KG;
		ret->subject = HV_SUBJECT_PERSON;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  g / 1000.0);
	case OB_NEW_IMPEDANCE:
		z = hv_be16(p + 4);
		if (!z)
			return hv_measurement_control(ret, "no_impedance");
		kept = (frame->quirks >> OB_NEW_WEIGHT_SHIFT) &
		       OB_NEW_WEIGHT_MASK;
		if (!kept) {
			/* No weight to go with it (out of a session). */
			ret->final = false;
			ret->subject = HV_SUBJECT_PERSON;
			return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		}
		return new_final(frame, kept / 1000.0, z, ret);
	case OB_NEW_UNIFIED: {
		struct hv_datetime clock;

		if (p[7] != OB_NEW_HISTORY)
			return hv_measurement_control(ret, "live");
		g = be24(p + 8) & OB_NEW_WEIGHT_MASK;
		if (!g)
			return hv_measurement_invalid(ret,
						      "stored weight is zero");
		hv_datetime_from_unix(hv_be32(p + 3), &clock);
		hv_measurement_set_clock(ret, &clock, frame->now);
		if (!ret->has_device_time)
			return hv_measurement_invalid(
				ret, "stored record time %u is not valid",
				(unsigned)hv_be32(p + 3));
		return new_final(frame, g / 1000.0, hv_be16(p + 15), ret);
	}
	default:
		return hv_measurement_control(ret, "other");
	}
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	double w, z;
	bool has_z;
	int r;

	p = hv_frame_value_on(frame, OB_NEW_NOTIFY, &len);
	if (p)
		return decode_new(frame, p, len, ret);
	p = hv_frame_value_on(frame, OB_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len == 2 && p[0] == 0xF1)
		return hv_measurement_control(ret, "clock_ack");
	if (len == 2 && p[0] == 0xF2)
		return hv_measurement_control(ret, "history_end");
	if (len < 1 || p[0] != 0xCF)
		return hv_measurement_control(ret, "other");
	if (len < OB_LIVE_LEN)
		return hv_measurement_invalid(ret, "CF frame has %zu bytes, needs %d",
					      len, OB_LIVE_LEN);
	w = hv_le16(p + 3) / 100.0;
	z = (p[2] << 8 | p[1]) * 0.1;
	has_z = p[9] != 1 && z > 0;
	if (w <= 0)
		return hv_measurement_control(ret, "empty");
	if (len >= OB_HISTORY_LEN) {
		struct hv_datetime clock = {
			.year = hv_be16(p + 11), .month = p[13], .day = p[14],
			.hour = p[15], .minute = p[16], .second = p[17],
		};

		hv_measurement_set_clock(ret, &clock, frame->now);
		if (!ret->has_device_time)
			return hv_measurement_invalid(ret, "history record time %u-%u-%u is not valid",
						      clock.year, clock.month, clock.day);
	}
	ret->final = has_z;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && has_z)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_round_to(z, 1));
	if (r >= 0 && has_z)
		r = hv_decode_derive(ret, w, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[OB_HISTORY_LEN] = { 0xCF };
	size_t len = OB_LIVE_LEN;
	double raw;

	if (target && !hv_uuid_is16(target, OB_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	hv_put_le16(b + 3, (uint16_t)raw);
	if (z && z->value > 0 && z->value * 10 < UINT16_MAX) {
		uint16_t zr = (uint16_t)(z->value * 10 + 0.5);

		b[1] = (uint8_t)zr;
		b[2] = (uint8_t)(zr >> 8);
	} else {
		b[9] = 1;
	}
	if (m->has_raw_device_time) {
		const struct hv_datetime *dt = &m->raw_device_time;

		hv_put_be16(b + 11, dt->year);
		b[13] = dt->month;
		b[14] = dt->day;
		b[15] = dt->hour;
		b[16] = dt->minute;
		b[17] = dt->second;
		len = OB_HISTORY_LEN;
	}
	return hv_frame_put_value(ret, OB_NOTIFY, b, len);
}

static const char *const name_parts[] = { "t9146", "t9147", "t9120",
					  "health scale", NULL };

/* openScale's OneByoneNewHandler takes this exact name (any case). */
static bool is_new_name(const char *name)
{
	return hv_name_prefix_ci(name, "1byone scale") && name[12] == '\0';
}

static bool claims_device(const struct hv_frame *f)
{
	for (const char *const *n = name_parts; *n; n++)
		if (hv_name_contains_ci(f->name, *n))
			return true;
	return is_new_name(f->name);
}

/* --- conversation --------------------------------------------------------- */

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[11] = { 0xFD, 0x37, 0x00 /* kg */, 0x01 /* group */ };

	(void)s;
	if (size < sizeof(b))
		return -ENOSPC;
	b[10] = hv_xor8(b, 10);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int pl_clock(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	const struct hv_datetime *dt = &s->now_local;

	if (size < 8)
		return -ENOSPC;
	buf[0] = 0xF1;
	hv_put_be16(buf + 1, dt->year);
	buf[3] = dt->month;
	buf[4] = dt->day;
	buf[5] = dt->hour;
	buf[6] = dt->minute;
	buf[7] = dt->second;
	*ret_len = 8;
	return 0;
}

/* scratch[0]: history records seen */
static int on_clock_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == 2 && v[0] == 0xF1 && v[1] == 0x00 ? HV_VALUE_DONE :
							  HV_VALUE_MORE;
}

enum { ST_CLEAR = 6, ST_WAIT_LIVE = 7, ST_NEW = 9 };

static int on_history(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= OB_HISTORY_LEN && v[0] == 0xCF) {
		s->scratch[0]++;
		return HV_VALUE_MORE;
	}
	if (len == 2 && v[0] == 0xF2 && v[1] == 0x00) {
		s->next_step = s->scratch[0] ? ST_CLEAR : ST_WAIT_LIVE;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

static int on_live(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= OB_LIVE_LEN && v[0] == 0xCF && v[9] != 1 &&
			       (v[1] || v[2]) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

/* The 1byone new weight request (D7): the session's clock and person. */
static int pl_new_request(const struct hv_session *s, uint8_t *buf,
			  size_t size, size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	uint8_t b[OB_NEW_LEN] = { 0xAB, 0x2A };
	double cm = p->height_m * 100;

	int64_t now = s->now_unix;

	if (size < sizeof(b))
		return -ENOSPC;
	/* Stored records come back in this clock: the local one, so that
	 * they read as local time like every device clock. */
	if (hv_datetime_plausible(&s->now_local, 0))
		now = hv_datetime_to_unix(&s->now_local);
	hv_put_be32(b + 2, (uint32_t)now);
	b[7] = 0x00; /* kg */
	b[8] = s->user_index > 0 && s->user_index < 256 ?
		       (uint8_t)s->user_index :
		       1;
	b[9] = cm >= 30 && cm <= 255 ? (uint8_t)(cm + 0.5) : 0;
	b[12] = (uint8_t)((p->sex == HV_SEX_MALE ? 0x80 : 0) |
			  (p->age_years > 0 && p->age_years < 128 ?
				   (uint8_t)p->age_years :
				   0));
	b[18] = 0xD7;
	b[19] = (uint8_t)(hv_sum8(b + 2, 17) - b[14]);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

/* Keep the final weight for the impedance frame; done with the impedance
 * of a kept weight. */
static int on_new_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t g;

	if (len < 6 || v[0] != 0xAB || v[1] != 0x2A)
		return HV_VALUE_MORE;
	if (v[2] == OB_NEW_FINAL_WEIGHT) {
		g = be24(v + 3) & OB_NEW_WEIGHT_MASK;
		if (g)
			s->quirks = (s->quirks & ~(OB_NEW_WEIGHT_MASK
						   << OB_NEW_WEIGHT_SHIFT)) |
				    g << OB_NEW_WEIGHT_SHIFT;
		return HV_VALUE_MORE;
	}
	if (v[2] == OB_NEW_IMPEDANCE && hv_be16(v + 4) &&
	    (s->quirks >> OB_NEW_WEIGHT_SHIFT) & OB_NEW_WEIGHT_MASK)
		return HV_VALUE_DONE;
	return HV_VALUE_MORE;
}

static const uint8_t history_request[] = { 0xF2, 0x00 };
static const uint8_t history_clear[] = { 0xF2, 0x01 };

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		  .characteristic = "fff4", .on_fail = ST_NEW,
		  .what = "subscribe 0xFFF4 (none: 1byone new)" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff1", .payload = pl_unit,
		  .what = "unit kg, group 1" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff1", .payload = pl_clock,
		  .what = "clock (local time)" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff4", .on_value = on_clock_ack,
		  .timeout_ms = 5000, .flags = HV_STEP_OPTIONAL,
		  .what = "wait for the clock ACK (F1 00)" },
	/* 4 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff1", .bytes = history_request,
		  .n_bytes = sizeof(history_request),
		  .what = "request history (F2 00)" },
	/* 5 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff4", .on_value = on_history,
		  .timeout_ms = 15000, .flags = HV_STEP_OPTIONAL,
		  .on_fail = ST_WAIT_LIVE,
		  .what = "history records until F2 00" },
	/* 6 */ { .op = HV_STEP_WRITE, .service = "fff0",
		  .characteristic = "fff1", .bytes = history_clear,
		  .n_bytes = sizeof(history_clear),
		  .what = "clear history (F2 01)" },
	/* 7 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff4", .on_value = on_live,
		  .timeout_ms = 60000, .what = "wait for a weighing with impedance" },
	/* 8 */ { .op = HV_STEP_END, .what = "done" },
	/* 1byone new, 0xFFB0 */
	/* 9 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffb0",
		  .characteristic = "ffb2",
		  .what = "subscribe 0xFFB2 (1byone new)" },
	/* 10 */ { .op = HV_STEP_WRITE, .service = "ffb0",
		   .characteristic = "ffb1", .payload = pl_new_request,
		   .flags = HV_STEP_WITH_RESPONSE,
		   .what = "weight request (D7)" },
	/* 11 */ { .op = HV_STEP_WAIT, .service = "ffb0",
		   .characteristic = "ffb2", .on_value = on_new_result,
		   .timeout_ms = 60000,
		   .what = "wait for the final weight and its impedance" },
	/* 12 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_NEW + 4,
	       "1byone step indices out of step with the table");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"1byone classic (Health Scale)", "Eufy Smart Scale C1 (T9146)",
	"Eufy Smart Scale P1 (T9147)", "Eufy BodySense A1 (T9120)",
	"1byone new (1byone scale, 0xFFB0)", NULL,
};

static const uint16_t characteristics[] = { OB_NOTIFY, OB_NEW_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Health Scale", "eufy T9146",
					     "eufy T9147", "eufy T9120",
					     "1byone scale", NULL };

const struct hv_driver eufy_1byone_driver = {
	.id = "eufy_1byone",
	.name = "1byone / Eufy C1, P1, A1 (0xFFF0)",
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
