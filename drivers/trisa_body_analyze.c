// SPDX-License-Identifier: MIT
/*
 * Trisa Body Analyze 4.0 (Transtek GBF-1257-B; names "01257B…",
 * "11257B…"): service 0x7802, 0x8A21 measurement (indicate), 0x8A81
 * host-to-scale commands, 0x8A82 scale-to-host commands. Source: openScale
 * TrisaBodyAnalyzeHandler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/TrisaBodyAnalyzeHandler.kt) and
 * TrisaBodyAnalyzeLib.kt, oliexdev/openScale@f7a733b2.
 *
 * Measurement (0x8A21), little-endian:
 *
 *   FL W0 W1 W2 WE T0 T1 T2 T3 [R1: 4] [R2: 4]
 *     FL bit 0 time present (openScale reads nothing without it), bit 1
 *        R1, bit 2 R2
 *     W  weight: mantissa u24 LE × 10^WE (WE signed), kg
 *     T  seconds since 2010-01-01 00:00 (i32 LE), the scale's clock
 *     R1, R2 resistances in the same base-10 form; R2 is the BIA input:
 *        Z = R2 < 410 ? 3 : 0.3 × (R2 − 400), then the Trisa regression
 *
 * The link: on 0x8A82 the scale sends A0 + a u32 LE password once, when
 * it is paired (the host answers 21 00 00 00 00, a broadcast id, on 0x8A81,
 * and the scale drops the link), and A1 + a u32 LE challenge on every
 * later connection; the host answers 20 + (challenge XOR password) and
 * 02 + its time in the 2010 epoch, and the scale sends its measurements.
 * The password is the session's secret (conversation.h): the gateway keeps
 * it per device from the pairing session for every later one. A challenge
 * with no password kept fails the session: the scale must be paired again
 * (its pairing mode, docs/scales.md "Pairing secrets").
 *
 * The result is a record of the scale's with its clock: final. The
 * impedance reported is R2; body composition is method "trisa" (the same
 * regression and Z conversion as the QN scales) with a complete profile.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/transtek.h"
#include "drivers/vendor_util.h"

#define TR_MEASUREMENT 0x8A21
#define TR_SERVICE 0x7802
#define TR_EPOCH 1262304000

#define FL_TIME 0x01
#define FL_R1 0x02
#define FL_R2 0x04

/* mantissa u24 LE × 10^exponent; only the exponents a scale would use */
static int base10(const uint8_t *p, double *ret)
{
	int8_t e = (int8_t)p[3];
	double v = hv_le24(p);

	if (e < -6 || e > 6)
		return -ERANGE;
	for (; e > 0; e--)
		v *= 10;
	for (; e < 0; e++)
		v /= 10;
	*ret = v;
	return 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_trisa(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_datetime dt;
	const uint8_t *p;
	size_t len, need;
	double w, r2 = 0;
	int r;

	p = hv_frame_value_on(frame, TR_MEASUREMENT, &len);
	if (!p)
		return -ENODEV;
	if (len < 9)
		return hv_measurement_invalid(ret, "measurement has %zu bytes", len);
	if (!(p[0] & FL_TIME))
		return hv_measurement_invalid(ret, "measurement without a time");
	need = 9 + ((p[0] & FL_R1) ? 4 : 0) + ((p[0] & FL_R2) ? 4 : 0);
	if (len < need)
		return hv_measurement_invalid(ret, "measurement has %zu bytes, flags need %zu",
					      len, need);
	if (base10(p + 1, &w) < 0 || w <= 0 || w > 500)
		return hv_measurement_invalid(ret, "weight out of range");
	if ((p[0] & FL_R2) &&
	    base10(p + 9 + ((p[0] & FL_R1) ? 4 : 0), &r2) < 0)
		return hv_measurement_invalid(ret, "resistance out of range");
	hv_datetime_from_unix(TR_EPOCH + (int64_t)(int32_t)hv_le32(p + 5), &dt);
	hv_measurement_set_clock(ret, &dt, frame->now);
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_round_to(w, 3));
	if (r >= 0 && r2 > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_round_to(r2, 1));
	if (r >= 0 && r2 > 0)
		r = hv_decode_derive(ret, w, hv_qn_impedance(r2), frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* weight ×100 (exponent −2), R2 ×10 (exponent −1); the measurement's clock
 * (2010-01-01 without one) */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	uint8_t b[13] = { FL_TIME };
	size_t n = 9;
	uint32_t v;

	if (target && !hv_uuid_is16(target, TR_MEASUREMENT))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 || w->value > 500)
		return -EINVAL;
	v = (uint32_t)(w->value * 100 + 0.5);
	b[1] = (uint8_t)v;
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)(v >> 16);
	b[4] = (uint8_t)-2;
	if (clock && hv_datetime_to_unix(clock) >= TR_EPOCH)
		hv_put_le32(b + 5, (uint32_t)(hv_datetime_to_unix(clock) - TR_EPOCH));
	if (z && z->absent == HV_ABSENT_NONE && z->value > 0 && z->value < 100000) {
		b[0] |= FL_R2;
		v = (uint32_t)(z->value * 10 + 0.5);
		b[9] = (uint8_t)v;
		b[10] = (uint8_t)(v >> 8);
		b[11] = (uint8_t)(v >> 16);
		b[12] = (uint8_t)-1;
		n = 13;
	}
	return hv_frame_put_value(ret, TR_MEASUREMENT, b, n);
}

/* --- conversation --------------------------------------------------------- */

#define TR_CMD_RESULT 0x20
#define TR_CMD_BROADCAST_ID 0x21

enum { ST_PAIRED = 3, ST_ANSWER = 5, ST_END = 8 };

/* The password, as the scale sent it: kept per device by the runner. A
 * challenge: answered with the kept one (scratch[0]), or no session. */
static int on_upload(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (hv_transtek_keep_password(s, v, len)) {
		s->next_step = ST_PAIRED;
		return HV_VALUE_GOTO;
	}
	if (len >= 5 && v[0] == HV_TRANSTEK_CHALLENGE) {
		r = hv_transtek_answer(s, v, &s->scratch[0]);
		if (r < 0)
			return r;
		s->next_step = ST_ANSWER;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

/* Each measurement is decoded by the runner; the scale decides when it
 * has sent them all and drops the link. */
static int on_measurement(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	(void)len;
	return HV_VALUE_MORE;
}

/* Any broadcast id completes the pairing (openScale sends 0). */
static int pl_broadcast_id(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	(void)s;
	return hv_transtek_command(TR_CMD_BROADCAST_ID, 0, buf, size, ret_len);
}

static int pl_answer(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	return hv_transtek_command(TR_CMD_RESULT, s->scratch[0], buf, size, ret_len);
}


#define SVC "7802"
#define CMD(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81", \
			.payload = pl, .flags = HV_STEP_WITH_RESPONSE, .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a21",
		  .what = "subscribe 0x8A21 (measurements)" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a82",
		  .what = "subscribe 0x8A82 (the scale's commands)" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a82",
		  .on_value = on_upload, .timeout_ms = 10000,
		  .what = "password (pairing mode) or challenge" },
	/* 3 */ CMD(pl_broadcast_id, "broadcast id (0x21): paired"),
	/* 4 */ { .op = HV_STEP_END, .what = "paired; the scale drops the link" },
	/* 5 */ CMD(pl_answer, "challenge answered (0x20)"),
	/* 6 */ CMD(hv_transtek_time, "time (0x02)"),
	/* 7 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a21",
		  .on_value = on_measurement, .timeout_ms = 30000,
		  .flags = HV_STEP_OPTIONAL,
		  .what = "measurements until the scale drops the link" },
	/* 8 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static bool claims_device(const struct hv_frame *f)
{
	/* 0x8A21 is Transtek's for several brands (Medisana, Weight Gurus) */
	return hv_frame_name_starts_with(f, "01257B") ||
	       hv_frame_name_starts_with(f, "11257B") ||
	       hv_frame_has_service(f, TR_SERVICE);
}

static const char *const models[] = {
	"Trisa Body Analyze 4.0 (Transtek GBF-1257-B)", NULL,
};
static const uint16_t characteristics[] = { TR_MEASUREMENT, 0 };
static const uint16_t services[] = { TR_SERVICE, 0 };
static const char *const name_prefixes[] = { "01257B", "11257B", NULL };

const struct hv_driver trisa_body_analyze_driver = {
	.id = "trisa_body_analyze",
	.name = "Trisa Body Analyze 4.0 (0x7802)",
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
	.conversation = &conversation,
	.claims_device = claims_device,
};
