// SPDX-License-Identifier: MIT
/*
 * Active Era BF-06, advertised as "AE BS-06": service 0xFFB0, 0xFFB1 write,
 * 0xFFB2 notify. Source: openScale ActiveEraBF06Handler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * ActiveEraBF06Handler.kt), oliexdev/openScale@f7a733b2 (file last changed
 * in 67517439). On the LeFu family's service, in a framing of its own.
 *
 * Every frame is 20 bytes, AC first, its type at [18]:
 *   D5 live weight: [2] flags (0x80 stable, 0x02 a heart rate follows,
 *      0x04 pH), [3..5] u24 BE, low 18 bits grams
 *   D6 impedance report: [2] number (1 = the one read), [4..5] u16 BE
 *      Ohm; a value of 1500 or more is corrected as openScale does:
 *      ((Z − 1000) − 4 × weight_kg) / 0.6 / 10; [17] the vendor's
 *      algorithm id
 *   D7 heart rate: [3] beats/min
 *   D0 balance (left/right), D8 stored record: not read (openScale only
 *      logs them)
 * App → scale (0xFFB1, with response):
 *   AC 27 TT TT TT TT 04 UU 01 HH IW IW AA SS GW GW 03 00 D0 CS
 *   Unix time BE, unit (0 kg), scale user 1, height cm, initial and goal
 *   weight 0.01 kg BE, age, sex (1 male, 2 female), CS byte sum of [2..16]
 *
 * The stable weight is the final weight, first packet (final and
 * more_packets); the conversation keeps it in session.quirks (bit 0, grams
 * in bits 8..25; bit 1 when a heart rate was announced). The impedance
 * report then carries the kept weight, the impedance and the method
 * "active_era" composition (below), as the last packet unless a heart rate
 * was announced; the heart-rate frame is the last packet then. A weighing
 * that ends before the packet that completes it is not stored (openScale
 * publishes the weight alone; the pipeline keeps no timer).
 *
 * Method "active_era": openScale's estimate for scales whose algorithm id
 * is not 7, FFM = 0.36 H²/Z + 0.162 H + 0.289 W − 0.134 A + 4.83 G − 6.83
 * (H cm, W kg, Z Ohm, A years, G 1 male / 0 female), and fat % from it.
 * For algorithm id 7 openScale ports the vendor's WLA07 model; that is not
 * done here: such reports carry the impedance alone. The profile holds no
 * weight, so the configuration's initial and goal weights are 0.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp_active_era.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define AE_NOTIFY 0xFFB2
#define AE_MAGIC 0xAC
#define AE_DEVICE_TYPE 0x27
#define AE_LEN 20
#define AE_TYPE_AT 18
#define AE_WEIGHT 0xD5
#define AE_IMPEDANCE 0xD6
#define AE_HEART_RATE 0xD7
#define AE_BALANCE 0xD0
#define AE_HISTORY 0xD8
#define AE_STABLE 0x80
#define AE_HR_FOLLOWS 0x02
#define AE_GRAMS_MASK 0x3FFFFu
#define AE_ALG_WLA07 0x07

#define AE_QUIRK_KEPT 0x1u
#define AE_QUIRK_HR 0x2u
#define AE_WEIGHT_SHIFT 8

static uint32_t kept_grams(const struct hv_frame *f)
{
	return f->quirks & AE_QUIRK_KEPT ? (f->quirks >> AE_WEIGHT_SHIFT) & AE_GRAMS_MASK :
					    0;
}

static void person_kg(struct hv_measurement *ret)
{
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* openScale's correction of a raw report of 1500 or more. */
static double corrected_impedance(unsigned raw, double weight_kg)
{
	if (raw < 1500)
		return raw;
	return (((raw - 1000.0) + weight_kg * 10.0 * -0.4) / 0.6) / 10.0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_active_era(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode_impedance(const struct hv_frame *frame, const uint8_t *p,
			    struct hv_measurement *ret)
{
	uint32_t g = kept_grams(frame);
	double w = g / 1000.0, z;
	int r;

	if (p[2] != 1 || hv_be16(p + 4) == 0)
		return hv_measurement_control(ret, "impedance");
	z = corrected_impedance(hv_be16(p + 4), w);
	person_kg(ret);
	if (!g || z <= 0) {
		/* no weight to go with it (decoded out of a session) */
		ret->final = false;
		return z > 0 ? hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z) :
			       hv_measurement_control(ret, "impedance");
	}
	ret->final = true;
	ret->more_packets = (frame->quirks & AE_QUIRK_HR) != 0;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_round_to(z, 1));
	if (r >= 0 && p[17] != AE_ALG_WLA07)
		r = hv_decode_derive(ret, w, z, frame->profile, derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	uint32_t g;
	int r;

	p = hv_frame_value_on(frame, AE_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len != AE_LEN || p[0] != AE_MAGIC)
		return hv_measurement_invalid(ret, "not a BF-06 frame (%zu bytes)", len);
	switch (p[AE_TYPE_AT]) {
	case AE_WEIGHT:
		g = be24(p + 3) & AE_GRAMS_MASK;
		if (!g)
			return hv_measurement_control(ret, "empty");
		ret->final = (p[2] & AE_STABLE) != 0;
		ret->more_packets = ret->final;
		person_kg(ret);
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
	case AE_IMPEDANCE:
		return decode_impedance(frame, p, ret);
	case AE_HEART_RATE:
		g = kept_grams(frame);
		if (p[3] < 30 || p[3] > 250)
			return hv_measurement_control(ret, "no_heart_rate");
		person_kg(ret);
		ret->final = g != 0;
		r = g ? hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0) : 0;
		if (r >= 0)
			r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, p[3]);
		return r < 0 ? r : 0;
	default:
		return hv_measurement_control(ret, p[AE_TYPE_AT] == AE_HISTORY ? "history" :
						   p[AE_TYPE_AT] == AE_BALANCE ? "balance" :
										   "other");
	}
}

/*
 * Final with an impedance: the impedance report (decode it with the
 * weight kept in frame.quirks, as a session does); final: a stable
 * weight; otherwise a settling weight.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[AE_LEN] = { AE_MAGIC, AE_DEVICE_TYPE };
	double g;
	int r;

	if (target && !hv_uuid_is16(target, AE_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	g = w->value * 1000 + 0.5;
	if (g > AE_GRAMS_MASK)
		return -EINVAL;
	if (m->final && z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value < 1500) {
		b[2] = 1;
		hv_put_be16(b + 4, (uint16_t)(z->value + 0.5));
		b[AE_TYPE_AT] = AE_IMPEDANCE;
		r = hv_frame_put_value(ret, AE_NOTIFY, b, AE_LEN);
		if (r == 0)
			ret->quirks = AE_QUIRK_KEPT | (unsigned)g << AE_WEIGHT_SHIFT;
		return r;
	}
	b[2] = m->final ? AE_STABLE : 0;
	b[3] = (uint8_t)((uint32_t)g >> 16);
	b[4] = (uint8_t)((uint32_t)g >> 8);
	b[5] = (uint8_t)(uint32_t)g;
	b[AE_TYPE_AT] = AE_WEIGHT;
	return hv_frame_put_value(ret, AE_NOTIFY, b, AE_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "AE BS-06") && f->name[8] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static int pl_config(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	double cm = s->profile.height_m * 100 + 0.5;

	if (size < AE_LEN)
		return -ENOSPC;
	memset(buf, 0, AE_LEN);
	buf[0] = AE_MAGIC;
	buf[1] = AE_DEVICE_TYPE;
	hv_put_be32(buf + 2, (uint32_t)s->now_unix);
	buf[6] = 0x04;
	buf[7] = 0x00; /* kg */
	buf[8] = 0x01; /* scale user, fixed as openScale */
	buf[9] = cm >= 1 && cm <= 255 ? (uint8_t)cm : 0;
	/* [10..11] initial weight: the profile holds none */
	buf[12] = s->profile.age_years > 0 && s->profile.age_years <= 255 ?
			  (uint8_t)s->profile.age_years :
			  0;
	buf[13] = s->profile.sex == HV_SEX_FEMALE ? 2 : 1;
	/* [14..15] goal weight: none either */
	buf[16] = 0x03;
	buf[17] = 0x00;
	buf[18] = 0xD0;
	buf[19] = hv_sum8(buf + 2, 15);
	*ret_len = AE_LEN;
	return 0;
}

static bool frame_of(const uint8_t *v, size_t len, uint8_t type)
{
	return len == AE_LEN && v[0] == AE_MAGIC && v[AE_TYPE_AT] == type;
}

enum { ST_END = 5 };

/* The stable weight is kept (and whether a heart rate follows). */
static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t g;

	if (!frame_of(v, len, AE_WEIGHT) || !(v[2] & AE_STABLE))
		return HV_VALUE_MORE;
	g = be24(v + 3) & AE_GRAMS_MASK;
	if (!g)
		return HV_VALUE_MORE;
	s->quirks = AE_QUIRK_KEPT | (v[2] & AE_HR_FOLLOWS ? AE_QUIRK_HR : 0) |
		    g << AE_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

/* The impedance report completes it, or comes before the heart rate. */
static int on_impedance(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (frame_of(v, len, AE_HEART_RATE)) {
		s->next_step = ST_END;
		return HV_VALUE_GOTO;
	}
	if (!frame_of(v, len, AE_IMPEDANCE) || v[2] != 1)
		return HV_VALUE_MORE;
	if (s->quirks & AE_QUIRK_HR)
		return HV_VALUE_DONE;
	s->next_step = ST_END;
	return HV_VALUE_GOTO;
}

static int on_heart_rate(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return frame_of(v, len, AE_HEART_RATE) ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffb0",
		  .characteristic = "ffb2", .what = "subscribe 0xFFB2" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = "ffb0", .characteristic = "ffb1",
		  .payload = pl_config, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "configuration: time, unit kg, user 1, profile" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = "ffb0", .characteristic = "ffb2",
		  .on_value = on_stable, .timeout_ms = 60000,
		  .what = "wait for a stable weight" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = "ffb0", .characteristic = "ffb2",
		  .on_value = on_impedance, .timeout_ms = 20000,
		  .what = "wait for the impedance" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = "ffb0", .characteristic = "ffb2",
		  .on_value = on_heart_rate, .timeout_ms = 20000,
		  .what = "wait for the heart rate" },
	/* 5 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Active Era BF-06 (\"AE BS-06\")", NULL };
static const uint16_t characteristics[] = { AE_NOTIFY, 0 };
static const char *const name_prefixes[] = { "AE BS-06", NULL };

const struct hv_driver active_era_bf06_driver = {
	.id = "active_era_bf06",
	.name = "Active Era BF-06 (0xFFB0, AC … type at [18])",
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
