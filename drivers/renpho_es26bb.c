// SPDX-License-Identifier: MIT
/*
 * Renpho ES-26BB-B and the solar Elis Solar R-A012 / R-A020: service 0x1A10,
 * 0x2A10 notify, 0x2A11 write (with response). Source: openScale
 * RenphoES26BBHandler (android_app/app/src/main/java/com/health/openscale/
 * core/bluetooth/scales/RenphoES26BBHandler.kt, oliexdev/openScale@f7a733b2,
 * and the later revision its RenphoES26BBHandlerTest.kt @ 14da7cea tests,
 * which adds the Elis Solar names and the body-composition formulas).
 *
 * Not the QN protocol (qn_scale): its own "0x55AA" framing, both ways:
 *
 *   55 AA CC LH LL payload… SS     6 + L bytes, L = u16 BE
 *   SS  sum of every byte before it, mod 256 (checked)
 *
 *   CC 0x14 live:    [5] status (0x00/0x10 settling, 0x01/0x11 final; 0x11
 *                    is final with the impedance pass skipped, R = 0),
 *                    [6..9] weight u32 BE 0.01 kg, [10..11] R u16 BE Ohm
 *   CC 0x15 record:  [5..8] weight u32 BE 0.01 kg, [9..10] R u16 BE Ohm,
 *                    [11..14] seconds since the weighing u32 BE, reserved
 *   CC 0x11 status:  [5] power, [6] display unit (1 kg), [7] ?, [8] stored
 *                    records, [9] ?
 *   CC 0x10 result of a command: [5] 1 = success
 *   app: 55 AA 90 00 04 01 00 00 00 94  display unit kg, start streaming
 *        55 AA 95 00 01 01 96           stored record received
 *
 * A stored record says how many seconds ago it was taken, not when; a
 * driver has no local clock to turn that into the device time the pipeline
 * reads (local), so the record is dated on receipt (late by that age).
 * The scale sends no composition: method "renpho_es26bb" ports the
 * formulas openScale gives for it (a regression on BMI, age and 500/R,
 * water, skeletal muscle, bone and protein from the fat figure), with a
 * complete profile and R > 0. No user slots and no clock on the scale.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define ES_NOTIFY 0x2A10
#define ES_HEAD_LEN 5
#define CMD_RESULT 0x10
#define CMD_STATUS 0x11
#define CMD_LIVE 0x14
#define CMD_RECORD 0x15
#define CMD_UNIT 0x90
#define CMD_RECORD_ACK 0x95
#define LIVE_LEN 13
#define RECORD_MIN_LEN 16

#define METHOD_RENPHO_ES26BB "renpho_es26bb"

/* The whole frame's length from its header, or -1. */
static int frame_size(const uint8_t *p, size_t len)
{
	if (len < ES_HEAD_LEN + 1 || p[0] != 0x55 || p[1] != 0xAA)
		return -1;
	return ES_HEAD_LEN + 1 + hv_be16(p + 3);
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int add(struct hv_measurement *m, enum hv_metric metric, double v,
	       int decimals)
{
	int r = hv_measurement_add(m, metric, hv_round_to(v, decimals));

	if (r >= 0)
		m->readings[m->n_readings - 1].method = METHOD_RENPHO_ES26BB;
	return r;
}

/* The formulas of openScale's handler (its "algorithm 0x04"). */
static int bodycomp(const struct hv_profile *p, double kg, unsigned ohm,
		    struct hv_measurement *m)
{
	double bmi, fat, water, muscle, soft_lean, bone, protein;
	bool male;
	int r;

	if (!p || !hv_profile_complete(p) || ohm == 0 || p->height_m < 0.5 ||
	    p->height_m > 2.6 || p->age_years <= 0 || p->age_years > 130)
		return 0;
	male = p->sex == HV_SEX_MALE;
	bmi = kg / (p->height_m * p->height_m);
	fat = male ? 1.524 * bmi + 0.103 * p->age_years - 21.992 :
		     1.545 * bmi + 0.097 * p->age_years - 12.689;
	fat = clamp(fat - 500.0 / ohm, 1, 60);
	water = clamp(male ? 72.202 - 0.72223 * fat : 68.651 - 0.68725 * fat,
		      20, 80);
	muscle = clamp(male ? 64.713 - 0.65508 * fat : 58.390 - 0.58654 * fat,
		       17.5, 70);
	soft_lean = clamp(male ? 94.992 - 0.94969 * fat : 93.988 - 0.93960 * fat,
			  0, 100);
	soft_lean = clamp(kg * soft_lean / 100, 3.75, 110);
	bone = clamp(kg - soft_lean - fat * kg / 100, 1, 7);
	protein = clamp(male ? 22.787 - 0.22735 * fat : 25.340 - 0.30245 * fat,
			5, 24);

	r = add(m, HV_METRIC_BODY_FAT_PERCENT, fat, 1);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_WATER_PERCENT, water, 1);
	if (r >= 0)
		r = add(m, HV_METRIC_MUSCLE_PERCENT, muscle, 1);
	if (r >= 0)
		r = add(m, HV_METRIC_BONE_MASS, bone, 2);
	if (r >= 0)
		r = add(m, HV_METRIC_PROTEIN_PERCENT, protein, 1);
	if (r >= 0)
		r = add(m, HV_METRIC_FAT_FREE_MASS, kg * (100 - fat) / 100, 2);
	return r < 0 ? r : 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return bodycomp(p, m->bia.weight_kg, (unsigned)m->bia.impedance_ohm, m);
}

static int weighing(const struct hv_frame *frame, struct hv_measurement *ret,
		    uint32_t raw, unsigned ohm, bool final)
{
	double kg = raw / 100.0;
	int r;

	if (raw == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = final;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r >= 0 && final && ohm > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm);
	if (r >= 0 && final)
		r = hv_decode_derive(ret, kg, ohm, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int size;

	p = hv_frame_value_on(frame, ES_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	size = frame_size(p, len);
	if (size < 0)
		return hv_measurement_invalid(ret, "not a 55 AA frame (%zu bytes)",
					      len);
	if ((size_t)size != len)
		return hv_measurement_invalid(
			ret, "frame declares %d bytes, has %zu", size, len);
	if (hv_sum8(p, len - 1) != p[len - 1])
		return hv_measurement_invalid(ret, "checksum 0x%02x, computed 0x%02x",
					      p[len - 1], hv_sum8(p, len - 1));
	switch (p[2]) {
	case CMD_LIVE:
		if (len < LIVE_LEN)
			return hv_measurement_invalid(
				ret, "live frame has %zu bytes, needs %d", len,
				LIVE_LEN);
		return weighing(frame, ret, hv_be32(p + 6), hv_be16(p + 10),
				p[5] == 0x01 || p[5] == 0x11);
	case CMD_RECORD:
		if (len < RECORD_MIN_LEN)
			return hv_measurement_invalid(
				ret, "stored record has %zu bytes, needs %d", len,
				RECORD_MIN_LEN);
		return weighing(frame, ret, hv_be32(p + 5), hv_be16(p + 9), true);
	case CMD_STATUS:
		return hv_measurement_control(ret, "status");
	case CMD_RESULT:
		return hv_measurement_control(ret, "result");
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* A live frame (final: status 0x01) with weight and impedance. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[LIVE_LEN] = { 0x55, 0xAA, CMD_LIVE, 0x00, LIVE_LEN - 6 };

	if (target && !hv_uuid_is16(target, ES_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 ||
	    w->value > 1000)
		return -EINVAL;
	b[5] = m->final ? 0x01 : 0x00;
	hv_put_be32(b + 6, (uint32_t)(w->value * 100 + 0.5));
	if (m->final && z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
	    z->value + 0.5 < 65536)
		hv_put_be16(b + 10, (uint16_t)(z->value + 0.5));
	b[LIVE_LEN - 1] = hv_sum8(b, LIVE_LEN - 1);
	return hv_frame_put_value(ret, ES_NOTIFY, b, LIVE_LEN);
}

static const char *const names[] = { "ES-26BB-B", "R-A012", "R-A020", NULL };

static bool claims_device(const struct hv_frame *f)
{
	/* exact names: R-A033 (Elis 1C) and the other R-A0xx speak others */
	for (const char *const *n = names; *n; n++)
		if (hv_name_prefix_ci(f->name, *n) && f->name[strlen(*n)] == '\0')
			return true;
	return false;
}

/* --- conversation --------------------------------------------------------- */

static int on_measurement(struct hv_session *s, const uint8_t *v, size_t len);

static const uint8_t start_cmd[] = { 0x55, 0xAA, CMD_UNIT, 0x00, 0x04, 0x01,
				     0x00, 0x00, 0x00, 0x94 };
static const uint8_t record_ack[] = { 0x55, 0xAA, CMD_RECORD_ACK, 0x00, 0x01,
				      0x01, 0x96 };

enum { ST_ACK = 3, ST_END = 5 };

static int on_measurement(struct hv_session *s, const uint8_t *v, size_t len)
{
	int size = frame_size(v, len);

	if (size < 0 || (size_t)size != len || hv_sum8(v, len - 1) != v[len - 1])
		return HV_VALUE_MORE;
	if (v[2] == CMD_RECORD) {
		s->next_step = ST_ACK;
		return HV_VALUE_GOTO;
	}
	if (v[2] == CMD_LIVE && len >= LIVE_LEN && (v[5] == 0x01 || v[5] == 0x11)) {
		s->next_step = ST_END;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

#define SVC "1a10"
static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "2a10",
		  .what = "subscribe 0x2A10" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "2a11",
		  .bytes = start_cmd, .n_bytes = sizeof(start_cmd),
		  .flags = HV_STEP_WITH_RESPONSE,
		  .what = "unit kg and start (0x90)" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_measurement, .timeout_ms = 60000,
		  .on_fail = ST_END,
		  .what = "wait for a stored record or the final weight" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "2a11",
		  .bytes = record_ack, .n_bytes = sizeof(record_ack),
		  .flags = HV_STEP_WITH_RESPONSE,
		  .what = "acknowledge the stored record (0x95)" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_measurement, .timeout_ms = 60000,
		  .on_fail = ST_END,
		  .what = "wait for the next record or the final weight" },
	/* 5 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Renpho ES-26BB-B",
				      "Renpho Elis Solar R-A012",
				      "Renpho Elis Solar R-A020", NULL };
static const uint16_t characteristics[] = { ES_NOTIFY, 0 };
static const uint16_t services[] = { 0x1A10, 0 };

const struct hv_driver renpho_es26bb_driver = {
	.id = "renpho_es26bb",
	.name = "Renpho ES-26BB-B / Elis Solar (0x1A10, 55 AA frames)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
