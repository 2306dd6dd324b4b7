// SPDX-License-Identifier: MIT
/*
 * The FitDays "AC 27" protocol on service 0xFFB0 (0xFFB1 write, 0xFFB2
 * notify), in two of openScale's handlers that are variants of one:
 *  - ALPHA Smart Scale PRO 3 (model SCP-03, advertised as "MY_SCALE"):
 *    openScale AlphaSmartScalePro3Lib and AlphaSmartScalePro3Handler
 *    (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 *    {libs,scales}/AlphaSmartScalePro3*.kt, oliexdev/openScale@d99ae17a,
 *    PR #1534, issue #1358), drawn there from HCI captures of the vendor app;
 *  - Meditive Smart Scale UIP-50 (advertised as "meditive"): openScale
 *    MeditiveUip50Handler (.../scales/MeditiveUip50Handler.kt @ 572393c1),
 *    whose D6 result does not repeat the weight: the settled D5 weight is
 *    kept for it.
 *
 * Every frame is 20 bytes: AC 27, a body [2..17], the wire type [18] and a
 * checksum [19]: the scale sends sum([2..18]) & 0x1F, the phone writes the
 * whole low byte of that sum.
 *
 *   D5 live weight   [2] state (0x80 locked), [3..5] u24 BE, low 18 bits
 *                    grams
 *   D6 final result  [4..5] impedance u16 BE Ohm (0: not measured, e.g.
 *                    socks), [7] state, [8..10] weight as above
 *   D8 stored record [3..6] Unix time u32 BE (the clock the app sets),
 *                    [7] state, [8..10] weight; the two bytes after the
 *                    weight were 0 in every capture (not read)
 *   D0 time and profile (phone):  AC 27 unix32 08 00 00 HH 00 00 YY SS
 *                    00 00 03 00 D0 CS   HH height cm, YY age, SS 1 male /
 *                    2 female
 *   DF control (phone): 04 TT = acknowledge wire type TT (D6, D8); 01 once
 *                    after the profile (purpose unknown)
 *
 * The D6 result is the measurement (final); D5 frames are live even when
 * locked (the result follows); D8 records are final with the scale's clock.
 * A D6 result with weight 0 (the UIP-50's) takes the last D5 weight, which
 * the conversation keeps in session.quirks (bit 0 set, grams in bits
 * 8..25); without one it gives the impedance alone, not final.
 * No body composition: the scale sends none and openScale derives none.
 *
 * The conversation (openScale's onConnected and onNotification, as the
 * vendor app does it): notifications on 0xFFB2 → profile, session start,
 * profile again → each stored record acknowledged (DF 04 D8) → the final
 * result acknowledged (DF 04 D6) → end.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define AP_NOTIFY 0xFFB2
#define AP_LEN 20
#define AP_HEAD0 0xAC
#define AP_HEAD1 0x27
#define AP_TYPE_AT 18
#define AP_LIVE 0xD5
#define AP_FINAL 0xD6
#define AP_RECORD 0xD8
#define AP_PROFILE 0xD0
#define AP_CONTROL 0xDF
#define AP_LOCKED 0x80
#define AP_GRAMS_MASK 0x3FFFFu
#define AP_NAME "MY_SCALE"
#define AP_MEDITIVE "meditive"
#define AP_SERVICE 0xFFB0

#define AP_QUIRK_KEPT 0x1u
#define AP_WEIGHT_SHIFT 8

/* The name, blanks around it ignored, is exactly `what` (any case). */
static bool name_is(const char *name, const char *what)
{
	size_t n;

	while (name && *name == ' ')
		name++;
	if (!name)
		return false;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	return n == strlen(what) && hv_name_prefix_ci(name, what);
}

/* openScale wants the name and the 0xFFB0 service; a session's own values
 * carry no service list, so an advert without one is taken by the name. */
static bool claims_device(const struct hv_frame *f)
{
	if (f->n_service_uuids && !hv_frame_has_service(f, AP_SERVICE))
		return false;
	return name_is(f->name, AP_NAME) || name_is(f->name, AP_MEDITIVE);
}

static uint32_t kept_grams(unsigned quirks)
{
	return quirks & AP_QUIRK_KEPT ? (quirks >> AP_WEIGHT_SHIFT) & AP_GRAMS_MASK : 0;
}

static uint8_t body_sum(const uint8_t *v)
{
	return hv_sum8(v + 2, AP_TYPE_AT + 1 - 2);
}

static bool scale_frame_ok(const uint8_t *v, size_t len)
{
	return len == AP_LEN && v[0] == AP_HEAD0 && v[1] == AP_HEAD1 &&
	       (body_sum(v) & 0x1F) == v[AP_LEN - 1];
}

static uint32_t grams_at(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16 | hv_be16(p + 1)) & AP_GRAMS_MASK;
}

static int add_weight(struct hv_measurement *ret, uint32_t grams, bool final)
{
	if (grams == 0)
		return hv_measurement_control(ret, "no weight");
	ret->final = final;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, grams / 1000.0);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	size_t len;
	const uint8_t *v = hv_frame_value_on(frame, AP_NOTIFY, &len);
	struct hv_datetime dt;
	uint32_t grams;
	unsigned ohm;
	int r;

	if (!v)
		return -ENODEV;
	if (!scale_frame_ok(v, len))
		return hv_measurement_invalid(ret, "not an AC 27 frame with its checksum (%zu bytes)",
					      len);
	switch (v[AP_TYPE_AT]) {
	case AP_LIVE:
		r = add_weight(ret, grams_at(v + 3), false);
		break;
	case AP_FINAL:
		grams = grams_at(v + 8);
		if (!grams)
			grams = kept_grams(frame->quirks);
		ohm = hv_be16(v + 4);
		if (!grams) {
			/* No weight to go with it (decoded out of a session). */
			if (!ohm) {
				r = hv_measurement_control(ret, "no weight");
				break;
			}
			ret->final = false;
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm);
			break;
		}
		r = add_weight(ret, grams, true);
		if (r >= 0 && ohm > 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm);
		break;
	case AP_RECORD:
		r = add_weight(ret, grams_at(v + 8), true);
		if (r >= 0 && ret->final) {
			hv_datetime_from_unix(hv_be32(v + 3), &dt);
			hv_measurement_set_clock(ret, &dt, frame->now);
		}
		break;
	default:
		r = hv_measurement_control(ret, "other");
		break;
	}
	return r < 0 ? r : 0;
}

/*
 * The final result (with its impedance, 0 when none), a live frame when
 * not final, or with a device clock and no impedance a stored record.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_datetime *dt = hv_measurement_clock(m);
	uint8_t p[AP_LEN] = { AP_HEAD0, AP_HEAD1 };
	double grams, ohm = 0;
	int64_t t;
	int z;

	if (!hv_encode_target_ok(target, AP_NOTIFY) ||
	    hv_encode_weight(m, 1000, AP_GRAMS_MASK, &grams) < 0)
		return -EINVAL;
	z = hv_encode_impedance(m, 0, 0xFFFF, &ohm);
	if (z < 0)
		return z;
	ohm = round(ohm);
	/* the upper bits of the weight word, as captured */
	if (!m->final) {
		p[2] = 0x00;
		p[3] = (uint8_t)(0x68 | (uint32_t)grams >> 16);
		hv_put_be16(p + 4, (uint16_t)((uint32_t)grams & 0xFFFF));
		memcpy(p + 6, "\x02\x00\x30\x01", 4);
		p[17] = 0x24;
		p[AP_TYPE_AT] = AP_LIVE;
	} else if (dt && !z) {
		t = hv_datetime_to_unix(dt);
		if (t < 0 || t > UINT32_MAX)
			return -EINVAL;
		hv_put_be32(p + 3, (uint32_t)t);
		p[7] = AP_LOCKED;
		p[8] = (uint8_t)(0x68 | (uint32_t)grams >> 16);
		hv_put_be16(p + 9, (uint16_t)((uint32_t)grams & 0xFFFF));
		p[14] = 0x01;
		p[17] = 0x24;
		p[AP_TYPE_AT] = AP_RECORD;
	} else {
		p[2] = 0x01;
		hv_put_be16(p + 4, (uint16_t)ohm);
		p[6] = 0x01;
		p[7] = AP_LOCKED;
		p[8] = (uint8_t)(0x68 | (uint32_t)grams >> 16);
		hv_put_be16(p + 9, (uint16_t)((uint32_t)grams & 0xFFFF));
		p[17] = 0x24;
		p[AP_TYPE_AT] = AP_FINAL;
	}
	p[AP_LEN - 1] = body_sum(p) & 0x1F;
	return hv_frame_put_value(ret, AP_NOTIFY, p, sizeof(p));
}

/* --- conversation --------------------------------------------------------- */

enum { ST_ACK_RECORD = 5, ST_ACK_FINAL = 7, ST_END = 8 };

/* D0: the session's clock and the person (zeros for what it lacks). */
static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	double cm = round(s->profile.height_m * 100), age = floor(s->profile.age_years);

	if (size < AP_LEN)
		return -ENOSPC;
	if (s->now_unix < 0 || s->now_unix > UINT32_MAX)
		return -ERANGE;
	memset(buf, 0, AP_LEN);
	buf[0] = AP_HEAD0;
	buf[1] = AP_HEAD1;
	hv_put_be32(buf + 2, (uint32_t)s->now_unix);
	buf[6] = 0x08;
	buf[9] = cm >= 1 && cm <= 255 ? (uint8_t)cm : 0;
	buf[12] = age >= 1 && age <= 255 ? (uint8_t)age : 0;
	buf[13] = s->profile.sex == HV_SEX_MALE ? 1 : 2;
	buf[16] = 0x03;
	buf[AP_TYPE_AT] = AP_PROFILE;
	buf[AP_LEN - 1] = body_sum(buf);
	*ret_len = AP_LEN;
	return 0;
}

static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!scale_frame_ok(v, len))
		return HV_VALUE_MORE;
	if (v[AP_TYPE_AT] == AP_LIVE && grams_at(v + 3)) {
		/* for a result that does not repeat it (UIP-50) */
		s->quirks = AP_QUIRK_KEPT | grams_at(v + 3) << AP_WEIGHT_SHIFT;
		return HV_VALUE_MORE;
	}
	if (v[AP_TYPE_AT] == AP_RECORD) {
		s->next_step = ST_ACK_RECORD;
		return HV_VALUE_GOTO;
	}
	if (v[AP_TYPE_AT] == AP_FINAL) {
		s->next_step = ST_ACK_FINAL;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

static const uint8_t session_start[AP_LEN] = { AP_HEAD0, AP_HEAD1, 0x01,
					       [AP_TYPE_AT] = AP_CONTROL, 0xE0 };
static const uint8_t ack_record[AP_LEN] = { AP_HEAD0, AP_HEAD1, 0x04, AP_RECORD,
					    [AP_TYPE_AT] = AP_CONTROL, 0xBB };
static const uint8_t ack_final[AP_LEN] = { AP_HEAD0, AP_HEAD1, 0x04, AP_FINAL,
					   [AP_TYPE_AT] = AP_CONTROL, 0xB9 };

#define SVC "ffb0"
static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "ffb2",
		  .what = "subscribe 0xFFB2" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_profile, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "time and profile (D0)" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .bytes = session_start, .n_bytes = sizeof(session_start),
		  .flags = HV_STEP_WITH_RESPONSE, .what = "session start (DF 01)" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_profile, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "time and profile again (D0)" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
		  .on_value = on_result, .timeout_ms = 60000, .on_fail = ST_END,
		  .what = "wait for a stored record or the final result" },
	/* 5 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .bytes = ack_record, .n_bytes = sizeof(ack_record),
		  .flags = HV_STEP_WITH_RESPONSE, .what = "acknowledge the stored record (DF 04 D8)" },
	/* 6 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
		  .on_value = on_result, .timeout_ms = 60000, .on_fail = ST_END,
		  .what = "wait for the next record or the final result" },
	/* 7 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .bytes = ack_final, .n_bytes = sizeof(ack_final),
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "acknowledge the final result (DF 04 D6)" },
	/* 8 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1, "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "ALPHA Smart Scale PRO 3 (SCP-03, \"MY_SCALE\")",
				      "Meditive Smart Scale UIP-50", NULL };
static const uint16_t characteristics[] = { AP_NOTIFY, 0 };
static const char *const name_prefixes[] = { AP_NAME, AP_MEDITIVE, NULL };

const struct hv_driver alpha_scale_pro3_driver = {
	.id = "alpha_scale_pro3",
	.name = "FitDays AC 27 scales: ALPHA Smart Scale PRO 3, Meditive UIP-50 (0xFFB0)",
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
