// SPDX-License-Identifier: MIT
/*
 * The LeFu / Icomon family on service 0xFFB0 (0xFFB1 write, 0xFFB2
 * notify, 0xFFB3 indicate): SWAN / Icomon / YG ("MGB"), FitTrack Dara,
 * Dr Trust Smart 505 and SSW532, Robi S9, Runstar R6 and rebrands. Sources:
 * openScale MGBHandler, FitTrackDaraHandler, RobiS9Handler (+
 * RobiS9HandlerTest's captured frames), DrTrustSSW532Handler and
 * RunstarR6Handler (android_app/.../core/bluetooth/scales/ at
 * oliexdev/openScale@f7a733b2; RunstarR6HandlerTest's frames @ 7d4c6d71).
 *
 * Two framings share the service.
 *
 * "AC" framing, 8 bytes (MGB, FitTrack, Dr Trust 505):
 *   AC 02 B2 B3 B4 B5 CH CS      CS = (B2 + B3 + B4 + B5 + CH) mod 256
 *   CH 0xCE live weight, 0xCA stable weight: B2 B3 u16 BE, 0.01 kg
 *           (FitTrack: 0.1 kg, quirk bit 0, or a name "FitTrack…")
 *   CH 0xCB FD 01 ZH ZL   impedance u16 BE, Ohm (FD 00 opens the block,
 *                         FD FF: no impedance)
 *           FE II VH VL   body-composition value II (FitTrack dump):
 *                         0 weight /10, 1 BMI /10, 2 fat % /10,
 *                         3 subcutaneous fat % /10 (no metric), 4
 *                         visceral rating, 5 lean mass kg /10, 6 BMR kcal,
 *                         7 bone kg /10, 8 water % /10, 9 metabolic age,
 *                         10 protein % /10, 0xFC end of the dump
 *   CH 0xCC               command echo
 *   App → scale (0xFFB1) the same frame with CH 0xCC: F7 00 00 00 and
 *   FA 00 00 00 (init), FB sex(1 m, 2 f) age height_cm, FD yy(−2000) mm
 *   dd, FC HH MM SS, FE 06 unit(0 kg, 1 lb, 2 st) 00.
 * "AC" composite, 20 bytes, two notifications (no checksum):
 *   AC 02|03 FF 00 02 21 YY MO DD HH MI SS WH WL BH BL FH FL ?? ??
 *           scale-local time (year − 2000), weight, BMI, fat % — u16 BE,
 *           0.1
 *   01 00 MU MU BM BM BO BO WA WA AG PR PR …
 *           muscle %, BMR (not reported), bone kg, water % — u16 LE, 0.1;
 *           age; protein % u16 LE, 0.1
 *
 * "New" framing, 20 bytes (Robi S9, SSW532):
 *   SQ LL FR TT payload… CS   SQ sequence, LL message length, FR fragment
 *                             index, TT type; CS = (sum of bytes 3..18)
 *                             mod 32 (checked)
 *   SQ 07 00 A2 ST ?? GG GG GG …   live weight, grams u24 BE; ST 3 = locked
 *   SQ 08 00 A3 ?? GG GG GG HR ZH ZL …
 *                             (Runstar R6: any length but 0x23)
 *                             final result (Robi S9): grams u24 BE, heart
 *                             rate, impedance u16 BE Ohm
 *   SQ 23 00 A3|A7 … [9..11] grams u24 BE … [14] 01 valid
 *                             final result (SSW532, 0xFFB3); A3/A7 = this
 *                             weighing, other types are stored replays;
 *                             fragment 1 (segmental impedance) and 2 (end)
 *                             are not decoded
 *   SQ 18 FR …                set-up frames (SSW532)
 *   SQ 09 00 A4 TT TT TT TT ?? GG GG GG …
 *                             stored weighing (Runstar R6, 0xFFB3): time
 *                             u32 BE Unix seconds as the scale counts them
 *                             (read as its clock), grams u24 BE; no
 *                             impedance
 *   SQ LL 00 A1 …             device information (Runstar R6)
 *   app: SQ 03 00 B0 AQ 00 … CS   acknowledgement of the scale's frame AQ
 *                             (Runstar R6: A1, A3, A4; an unacknowledged
 *                             stored weighing is sent again next time)
 *
 * Stable weights, AC framing: the stable-weight frame (0xCA) is the final
 * weight, the first packet of the measurement (final and more_packets;
 * openScale's MGBHandlerStreamingTest, commit
 * b6edeb4c3f3e08f9c178e4786cce641ccf66a80a, reads AC 02 26 B6 00 00 CA A6
 * as the final 99.10 kg); the conversation keeps the weight in
 * session.quirks (bits 8..23, 0.01 kg; the runner hands the session's
 * quirks to decode() as frame.quirks) and the impedance frame then decodes
 * as the last packet (weight, impedance, method "standard_impedance" with
 * a complete profile, as openScale does); the pipeline joins the two. A
 * composite pair decodes as a two-packet measurement (first more_packets,
 * second final) with the scale's own composition. A
 * weighing that never reaches the impedance or the composite frames is not
 * stored. New framing: the final-result frame is the measurement.
 *
 * EEBBL Body Fat Scale (openScale EEBBLHandler, same commit; name
 * containing "EEBBL" — openScale also takes any name containing "P1",
 * which would take other vendors' scales, so not here): the AC
 * initialisation above, then new-framing A2 frames only. openScale takes
 * a locked (ST 03) weight seen 8 times in a row, 30..250 kg, as the
 * measurement; the conversation counts them and keeps the weight in
 * session.quirks (bit 1, bits 8..23 in 10 g), and the next locked frame
 * of that weight decodes as final, once. The A2 checksum (mod 32, as
 * Robi's) is assumed: openScale's EEBBL handler does not check it. Its
 * fallback "rich indication" path (a 1F 01 pattern searched anywhere in a
 * frame, never seen in a published frame) is not implemented.
 *
 * Not this family although on 0xFFB0: the Hoffen BBS-8107 / ProfiCare
 * PC-PW 3008 BT (FA framing, drivers/hoffen_bbs8107.c) and the Active Era
 * BF-06 (drivers/active_era_bf06.c); the service alone does not claim them.
 *
 * The conversation speaks the AC framing; for the new framing (whose names
 * the AC initialisation refuses) it goes on to the SSW532 set-up of
 * openScale's DrTrustSSW532Handler (same commit): 0xFFB3 subscribed before
 * 0xFFB2; set-up frame 0 (SQ 18 00 …, SQ the session id) and 1 (SQ 18 01);
 * then, on 0xFFB1 with response, 00 03 00 B0 SQ 0…, the profile
 * 01 1A 00 B8 TT TT TT TT 01 4A 01 HH 17 70 (80|age) 13 88 0F 00 (Unix
 * time BE, height 100..220 cm; sex is not sent) and the app id
 * 01 1A 01 00 00 00 06 "icomon" 0…, each with the mod-32 checksum; after
 * the result's end fragment, 04 03 00 B0 SQ 0… stops the blinking.
 * Fragment 0 of this weighing is the final weight, first packet; the
 * conversation keeps it (quirk bit 2, bits 8..23 in 10 g) and fragment 1
 * completes it with the foot-to-foot impedance Z3 + Z4 + Z5 (LE, 0.1 Ohm
 * at [7..12]; bit 3 set), or the end fragment with the weight alone.
 * openScale waits 5 s after a weight-only end for the handles; the
 * conversation does not.
 * Robi S9 (openScale RobiS9Handler, same commit, ported from ble-scale-sync
 * src/scales/robi-s9.ts): the refused AC start leads a "robi" name to the
 * handshake the handler replays verbatim, eleven new-framing frames (SQ
 * 00..0A) on 0xFFB1 with response, as the Fitdays app sent them in the
 * capture of ble-scale-sync #228: B0 00, B1 (a stale Unix time 6A2EEFA9
 * and a token AA 1E 55 B2 …) twice, B2 01 AA 1E 55 B2, BD 09, B1 twice,
 * B2, B1, B0 01, B0 02 (the scale accepts them for a weigh-in; openScale
 * says rebuilding them is unsafe, so nothing is taken from the session);
 * then the wait on 0xFFB3 for the A3 final result, the measurement. The
 * handler subscribes 0xFFB2 before 0xFFB3; here 0xFFB3 comes first (for
 * the SSW532), both before any write.
 * The Runstar R6 ("Runstar-R6…", RunstarR6Handler) needs no handshake
 * (openScale found none is needed): the refused AC start leads new-framing
 * scales to one wait on 0xFFB3 (ST_NEW) that acknowledges each R6 A1, A4
 * and A3 frame (and ends after the scale hangs up or goes quiet), and sends
 * any other scale's SSW532 set-up frame 0 on to the SSW532 set-up.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define LF_NOTIFY 0xFFB2
#define LF_INDICATE 0xFFB3

#define AC 0xAC
#define CH_CMD 0xCC
#define CH_LIVE 0xCE
#define CH_STABLE 0xCA
#define CH_DATA 0xCB

/* quirks */
#define LF_QUIRK_DECI 0x1u
/* EEBBL: the conversation saw a locked A2 weight settle (bits 8..23 hold it
 * in 10 g); the next locked A2 frame of that weight is the measurement */
#define LF_QUIRK_A2_SETTLED 0x2u
#define LF_A2_SETTLE_FRAMES 8
#define LF_A2_LOCKED 0x03
/* SSW532: bits 8..23 hold this weighing's result weight (10 g), kept by the
 * conversation from fragment 0; set when the impedance fragment came */
#define LF_QUIRK_SSW_KEPT 0x4u
#define LF_QUIRK_SSW_DONE 0x8u
#define LF_WEIGHT_SHIFT 8
#define LF_WEIGHT_MASK 0xFFFFu

static bool deci_units(const struct hv_frame *f)
{
	return (f->quirks & LF_QUIRK_DECI) || hv_name_prefix_ci(f->name, "FitTrack");
}

static uint8_t ac_sum(const uint8_t *p)
{
	return hv_sum8(p + 2, 5);
}

static uint8_t new_sum(const uint8_t *p)
{
	return hv_sum8(p + 3, 16) & 0x1F;
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void person_kg(struct hv_measurement *m)
{
	m->display_unit = HV_UNIT_KG;
	m->subject = HV_SUBJECT_PERSON;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int final_with_impedance(const struct hv_frame *frame, double w,
				double z, unsigned hr, struct hv_measurement *ret)
{
	int r;

	person_kg(ret);
	ret->final = true;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && hr >= 30 && hr <= 250)
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, hr);
	if (r >= 0 && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && z > 0)
		r = hv_decode_derive(ret, w, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* One FitTrack dump value: a live reading (the composite frames are the
 * measurement). */
static int dump_value(const struct hv_frame *frame, unsigned idx, unsigned v,
		      struct hv_measurement *ret)
{
	static const struct {
		enum hv_metric metric;
		double scale;
	} map[] = {
		[0] = { HV_METRIC_BODY_WEIGHT, 0.1 },
		[1] = { HV_METRIC_BMI, 0.1 },
		[2] = { HV_METRIC_BODY_FAT_PERCENT, 0.1 },
		[3] = { _HV_METRIC_MAX, 0 },
		[4] = { HV_METRIC_VISCERAL_FAT_RATING, 1 },
		[5] = { HV_METRIC_FAT_FREE_MASS, 0.1 },
		[6] = { HV_METRIC_BASAL_METABOLIC_RATE, 1 },
		[7] = { HV_METRIC_BONE_MASS, 0.1 },
		[8] = { HV_METRIC_BODY_WATER_PERCENT, 0.1 },
		[9] = { HV_METRIC_METABOLIC_AGE, 1 },
		[10] = { HV_METRIC_PROTEIN_PERCENT, 0.1 },
	};

	(void)frame;
	if (idx == 0xFC)
		return hv_measurement_control(ret, "dump_end");
	if (idx >= sizeof(map) / sizeof(map[0]) || map[idx].scale == 0)
		return hv_measurement_control(ret, "dump_other");
	ret->final = false;
	person_kg(ret);
	return hv_measurement_add(ret, map[idx].metric, v * map[idx].scale);
}

static int decode_ac8(const struct hv_frame *frame, const uint8_t *p,
		      struct hv_measurement *ret)
{
	unsigned raw, kept;
	double w;

	if (p[1] != 0x02)
		return hv_measurement_invalid(ret, "AC frame of type 0x%02x", p[1]);
	if (ac_sum(p) != p[7])
		return hv_measurement_invalid(
			ret, "checksum 0x%02x, bytes sum to 0x%02x", p[7], ac_sum(p));
	switch (p[6]) {
	case CH_LIVE:
	case CH_STABLE:
		raw = hv_be16(p + 2);
		if (!raw)
			return hv_measurement_control(ret, "empty");
		w = deci_units(frame) ? raw / 10.0 : raw / 100.0;
		/* The stable weight; the impedance frame completes it. */
		ret->final = p[6] == CH_STABLE;
		ret->more_packets = ret->final;
		person_kg(ret);
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	case CH_DATA:
		if (p[2] == 0xFE)
			return dump_value(frame, p[3], hv_be16(p + 4), ret);
		if (p[2] != 0xFD || p[3] != 0x01)
			return hv_measurement_control(ret, "impedance_block");
		raw = hv_be16(p + 4);
		if (!raw)
			return hv_measurement_control(ret, "no_impedance");
		kept = (frame->quirks >> LF_WEIGHT_SHIFT) & LF_WEIGHT_MASK;
		if (!kept) {
			ret->final = false;
			person_kg(ret);
			return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, raw);
		}
		return final_with_impedance(frame, kept / 100.0, raw, 0, ret);
	case CH_CMD:
		return hv_measurement_control(ret, "command_echo");
	default:
		return hv_measurement_control(ret, "other");
	}
}

static int decode_composite1(const struct hv_frame *frame, const uint8_t *p,
			     struct hv_measurement *ret)
{
	struct hv_datetime clock = {
		.year = (uint16_t)(2000 + p[6]), .month = p[7], .day = p[8],
		.hour = p[9], .minute = p[10], .second = p[11],
	};
	unsigned w = hv_be16(p + 12), bmi = hv_be16(p + 14), fat = hv_be16(p + 16);
	int r;

	if (!w)
		return hv_measurement_invalid(ret, "composite weight is zero");
	if (fat > 1000 || bmi > 1000)
		return hv_measurement_invalid(ret, "fat %u or BMI %u out of range",
					      fat, bmi);
	hv_measurement_set_clock(ret, &clock, frame->now);
	ret->final = false;
	ret->more_packets = true;
	person_kg(ret);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w / 10.0);
	if (r >= 0 && bmi)
		r = hv_measurement_add(ret, HV_METRIC_BMI, bmi / 10.0);
	if (r >= 0 && fat)
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, fat / 10.0);
	return r < 0 ? r : 0;
}

static int decode_composite2(const uint8_t *p, struct hv_measurement *ret)
{
	unsigned muscle = hv_le16(p + 2), bone = hv_le16(p + 6),
		 water = hv_le16(p + 8), protein = hv_le16(p + 11);
	int r = 0;

	if (muscle > 1000 || water > 1000 || protein > 1000 || bone > 500)
		return hv_measurement_invalid(
			ret, "muscle %u, water %u, protein %u or bone %u out of range",
			muscle, water, protein, bone);
	ret->final = true;
	person_kg(ret);
	if (muscle)
		r = hv_measurement_add(ret, HV_METRIC_MUSCLE_PERCENT, muscle / 10.0);
	if (r >= 0 && bone)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS, bone / 10.0);
	if (r >= 0 && water)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT,
				       water / 10.0);
	if (r >= 0 && protein)
		r = hv_measurement_add(ret, HV_METRIC_PROTEIN_PERCENT,
				       protein / 10.0);
	return r < 0 ? r : 0;
}

/*
 * SSW532 fragments 1 (segmental impedances) and 2 (end), after a live
 * fragment 0 the conversation kept: the foot-to-foot impedance Z3 + Z4 + Z5
 * completes the measurement; the end marker without it completes it with
 * the weight alone.
 */
static int decode_ssw_fragment(const struct hv_frame *frame, const uint8_t *p,
			       struct hv_measurement *ret)
{
	unsigned kept = (frame->quirks >> LF_WEIGHT_SHIFT) & LF_WEIGHT_MASK;
	double z;

	if (!(frame->quirks & LF_QUIRK_SSW_KEPT) || !kept ||
	    (frame->quirks & LF_QUIRK_SSW_DONE))
		return hv_measurement_control(ret, "fragment");
	if (p[2] == 1) {
		z = (hv_le16(p + 7) + hv_le16(p + 9) + hv_le16(p + 11)) / 10.0;
		if (z <= 0)
			return hv_measurement_control(ret, "no_impedance");
		return final_with_impedance(frame, kept / 100.0, z, 0, ret);
	}
	if (p[2] == 2)
		return final_with_impedance(frame, kept / 100.0, 0, 0, ret);
	return hv_measurement_control(ret, "fragment");
}

static bool runstar_r6_name(const char *name)
{
	return hv_name_prefix_ci(name, "runstar-r6");
}

static bool robi_name(const char *name)
{
	return hv_name_contains_ci(name, "robi");
}

/* A Runstar R6 stored weighing: its time and weight. */
static int decode_history(const struct hv_frame *frame, const uint8_t *p,
			  struct hv_measurement *ret)
{
	struct hv_datetime dt;
	uint32_t g = be24(p + 9);

	if (!g)
		return hv_measurement_invalid(ret, "stored weight is zero");
	hv_datetime_from_unix((int64_t)hv_be32(p + 4), &dt);
	hv_measurement_set_clock(ret, &dt, frame->now);
	ret->final = true;
	person_kg(ret);
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
}

static int decode_new(const struct hv_frame *frame, const uint8_t *p,
		      struct hv_measurement *ret)
{
	uint32_t g;
	int r;

	if (new_sum(p) != p[19])
		return hv_measurement_invalid(
			ret, "checksum 0x%02x, bytes 3..18 sum to 0x%02x (mod 32)",
			p[19], new_sum(p));
	if (p[1] == 0x23 && p[2] != 0)
		return decode_ssw_fragment(frame, p, ret);
	if (p[2] != 0)
		return hv_measurement_control(ret, "fragment");
	if (p[1] == 0x07 && p[3] == 0xA2) {
		g = be24(p + 6);
		if (!g)
			return hv_measurement_control(ret, "empty");
		ret->final = (frame->quirks & LF_QUIRK_A2_SETTLED) &&
			     p[4] == LF_A2_LOCKED &&
			     g / 10 == ((frame->quirks >> LF_WEIGHT_SHIFT) &
					LF_WEIGHT_MASK);
		person_kg(ret);
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
	}
	/* the R6 reads its result at any length but SSW532's 0x23 (openScale
	 * decodes a Fitdays FG2202WB's two-part 0x1A message with it) */
	if (p[3] == 0xA3 &&
	    (p[1] == 0x08 || (runstar_r6_name(frame->name) && p[1] != 0x23))) {
		g = be24(p + 5);
		if (!g)
			return hv_measurement_invalid(ret, "final weight is zero");
		return final_with_impedance(frame, g / 1000.0, hv_be16(p + 9),
					    p[8], ret);
	}
	if (p[1] == 0x23) {
		if (p[3] != 0xA3 && p[3] != 0xA7)
			return hv_measurement_control(ret, "stored_replay");
		if (p[14] != 0x01)
			return hv_measurement_control(ret, "no_result");
		g = be24(p + 9);
		if (!g)
			return hv_measurement_invalid(ret, "final weight is zero");
		/* the final weight; the impedance or the end fragment
		 * completes it */
		r = final_with_impedance(frame, g / 1000.0, 0, 0, ret);
		ret->more_packets = true;
		return r;
	}
	if (p[1] == 0x09 && p[3] == 0xA4)
		return decode_history(frame, p, ret);
	return hv_measurement_control(ret, "other");
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, LF_NOTIFY, &len);
	if (!p)
		p = hv_frame_value_on(frame, LF_INDICATE, &len);
	if (!p)
		return -ENODEV;
	if (len == 8 && p[0] == AC)
		return decode_ac8(frame, p, ret);
	if (len == 20) {
		if (p[0] == AC && (p[1] == 0x02 || p[1] == 0x03) && p[2] == 0xFF)
			return decode_composite1(frame, p, ret);
		if (p[0] == 0x01 && p[1] == 0x00)
			return decode_composite2(p, ret);
		return decode_new(frame, p, ret);
	}
	if (len >= 1 && p[0] == AC)
		return hv_measurement_invalid(ret, "AC frame of %zu bytes", len);
	return hv_measurement_control(ret, "other");
}

/*
 * Final: a Robi S9 final-result frame on 0xFFB3 (weight in grams, heart
 * rate, impedance). Not final: an AC live-weight frame on 0xFFB2.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	uint8_t b[20] = { 0 };
	double g;

	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	if (!m->final) {
		double raw = w->value * 100 + 0.5;

		if (target && !hv_uuid_is16(target, LF_NOTIFY))
			return -EINVAL;
		if (raw > UINT16_MAX)
			return -EINVAL;
		b[0] = AC;
		b[1] = 0x02;
		hv_put_be16(b + 2, (uint16_t)raw);
		b[6] = CH_LIVE;
		b[7] = ac_sum(b);
		return hv_frame_put_value(ret, LF_NOTIFY, b, 8);
	}
	if (target && !hv_uuid_is16(target, LF_INDICATE))
		return -EINVAL;
	g = w->value * 1000 + 0.5;
	if (g > 0xFFFFFF)
		return -EINVAL;
	b[1] = 0x08;
	b[3] = 0xA3;
	b[5] = (uint8_t)((uint32_t)g >> 16);
	b[6] = (uint8_t)((uint32_t)g >> 8);
	b[7] = (uint8_t)(uint32_t)g;
	if (hr && hr->absent == HV_ABSENT_NONE && hr->value >= 30 &&
	    hr->value <= 250)
		b[8] = (uint8_t)(hr->value + 0.5);
	if (z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value < UINT16_MAX)
		hv_put_be16(b + 9, (uint16_t)(z->value + 0.5));
	b[19] = new_sum(b);
	return hv_frame_put_value(ret, LF_INDICATE, b, 20);
}

/* --- selection ------------------------------------------------------------ */

static bool name_is_ci(const char *name, const char *what)
{
	return hv_name_prefix_ci(name, what) && name[strlen(what)] == '\0';
}

static bool new_framing_name(const char *name)
{
	return runstar_r6_name(name) || robi_name(name) ||
	       hv_name_prefix_ci(name, "ssw") ||
	       hv_name_contains_ci(name, "fg2211");
}

/* The Chipsea "WeChat scale" (drivers/hoffen_bbs8107.c) and the Active Era
 * BF-06 (drivers/active_era_bf06.c) speak their own framings on 0xFFB0. */
static bool own_framing_name(const char *name)
{
	return hv_name_contains_ci(name, "Hoffen BS-8107") ||
	       hv_name_contains_ci(name, "PC-PW 3008 BT") ||
	       hv_name_contains_ci(name, "AE BS-06");
}

static bool claims_device(const struct hv_frame *f)
{
	if (hv_name_contains_ci(f->name, "EEBBL"))
		return true;
	if (hv_name_prefix_ci(f->name, "swan") || name_is_ci(f->name, "icomon") ||
	    name_is_ci(f->name, "yg") || hv_name_prefix_ci(f->name, "FitTrack") ||
	    new_framing_name(f->name))
		return true;
	/* Like openScale's MGB handler: the 0xFFB0 service, except the
	 * families known to speak something else on it. */
	if (!hv_frame_has_service(f, 0xFFB0))
		return false;
	return !hv_name_contains_ci(f->name, "1byone") &&
	       !hv_name_contains_ci(f->name, "senssun") &&
	       !own_framing_name(f->name);
}

/* --- conversation (AC framing) --------------------------------------------- */

static int cfg(const struct hv_session *s, uint8_t b2, uint8_t b3, uint8_t b4,
	       uint8_t b5, uint8_t *buf, size_t size, size_t *ret_len)
{
	if (new_framing_name(s->name))
		return -EOPNOTSUPP; /* Robi S9 / SSW532: vendor handshake */
	if (size < 8)
		return -ENOSPC;
	buf[0] = AC;
	buf[1] = 0x02;
	buf[2] = b2;
	buf[3] = b3;
	buf[4] = b4;
	buf[5] = b5;
	buf[6] = CH_CMD;
	buf[7] = ac_sum(buf);
	*ret_len = 8;
	return 0;
}

static int pl_init1(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	return cfg(s, 0xF7, 0, 0, 0, buf, size, ret_len);
}

static int pl_init2(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	return cfg(s, 0xFA, 0, 0, 0, buf, size, ret_len);
}

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	double cm = s->profile.height_m * 100, age = s->profile.age_years;

	if (s->profile.sex == HV_SEX_UNKNOWN || !(cm >= 30 && cm <= 255) ||
	    !(age >= 1 && age <= 255))
		return -ENODATA;
	return cfg(s, 0xFB, s->profile.sex == HV_SEX_MALE ? 1 : 2, (uint8_t)age,
		   (uint8_t)(cm + 0.5), buf, size, ret_len);
}

static int pl_date(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (!hv_datetime_plausible(t, 0) || t->year < 2000 || t->year > 2099)
		return -EINVAL;
	return cfg(s, 0xFD, (uint8_t)(t->year - 2000), t->month, t->day, buf,
		   size, ret_len);
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (!hv_datetime_plausible(t, 0))
		return -EINVAL;
	return cfg(s, 0xFC, t->hour, t->minute, t->second, buf, size, ret_len);
}

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return cfg(s, 0xFE, 0x06, 0x00 /* kg */, 0x00, buf, size, ret_len);
}

enum {
	ST_END = 11,
	ST_A2_FINAL = 12,
	ST_A2_END = 13,
	ST_SSW = 14, /* set-up frame 1: frame 0 came to ST_NEW */
	ST_SSW_END = 20,
	ST_NEW = 21, /* the new framing's first frame: Runstar R6 or SSW532 */
	ST_R6_ACK = 22,
	ST_R6_END = 24,
	ST_ROBI = 25, /* the Robi S9 handshake, frame 0 */
	ST_ROBI_FRAMES = 11,
	ST_ROBI_END = ST_ROBI + ST_ROBI_FRAMES + 1,
};

/* --- SSW532 (openScale DrTrustSSW532Handler) ------------------------------ */

/* scratch[2]: the session id from set-up frame 0; scratch[3]: 1 once known */

static bool ssw_frame(const uint8_t *v, size_t len, uint8_t type)
{
	return len == 20 && v[1] == type && new_sum(v) == v[19];
}

/* Commands: 20 bytes, [19] = sum of [3..18] mod 32. */
static int ssw_command(const uint8_t *b, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	if (size < 20)
		return -ENOSPC;
	memcpy(buf, b, 19);
	buf[19] = new_sum(buf);
	*ret_len = 20;
	return 0;
}

static int on_ssw_setup0(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!ssw_frame(v, len, 0x18) || v[2] != 0x00)
		return HV_VALUE_MORE;
	s->scratch[2] = v[0];
	s->scratch[3] = 1;
	return HV_VALUE_DONE;
}

static int on_ssw_setup1(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return ssw_frame(v, len, 0x18) && v[2] == 0x01 ? HV_VALUE_DONE :
							   HV_VALUE_MORE;
}

static int pl_ssw_a(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	uint8_t b[20] = { 0x00, 0x03, 0x00, 0xB0 };

	if (!s->scratch[3])
		return -ENODATA;
	b[4] = (uint8_t)s->scratch[2];
	return ssw_command(b, buf, size, ret_len);
}

/* Slot 1 (as openScale), the time, height 100..220 cm, 0x80 | age. */
static int pl_ssw_b0(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	uint8_t b[20] = { 0x01, 0x1A, 0x00, 0xB8, 0, 0, 0, 0, 0x01, 0x4A, 0x01,
			  0, 0x17, 0x70, 0, 0x13, 0x88, 0x0F, 0x00 };
	double cm = s->profile.height_m * 100;
	double age = s->profile.age_years;

	hv_put_be32(b + 4, (uint32_t)s->now_unix);
	b[11] = (uint8_t)(cm < 100 ? 100 : cm > 220 ? 220 : (int)cm);
	b[14] = (uint8_t)(0x80 | (age < 0 ? 0 : age > 127 ? 127 : (int)age));
	return ssw_command(b, buf, size, ret_len);
}

static int pl_ssw_b1(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	static const uint8_t b[20] = { 0x01, 0x1A, 0x01, 0x00, 0x00, 0x00, 0x06,
				       'i', 'c', 'o', 'm', 'o', 'n' };

	(void)s;
	return ssw_command(b, buf, size, ret_len);
}

static int pl_ssw_teardown(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	uint8_t b[20] = { 0x04, 0x03, 0x00, 0xB0 };

	b[4] = (uint8_t)s->scratch[2];
	return ssw_command(b, buf, size, ret_len);
}

/*
 * Fragment 0 of this weighing (A3/A7, valid): its weight is kept for the
 * fragments that complete it; a stored replay forgets it. Fragment 1 with
 * a weight kept has completed it (decoded before this runs); fragment 2
 * ends the result.
 */
static int on_ssw_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t g;

	if (!ssw_frame(v, len, 0x23))
		return HV_VALUE_MORE;
	switch (v[2]) {
	case 0:
		s->quirks &= ~(LF_QUIRK_SSW_KEPT | LF_QUIRK_SSW_DONE |
			       (LF_WEIGHT_MASK << LF_WEIGHT_SHIFT));
		g = be24(v + 9);
		if ((v[3] == 0xA3 || v[3] == 0xA7) && v[14] == 0x01 && g &&
		    g / 10 <= LF_WEIGHT_MASK)
			s->quirks |= LF_QUIRK_SSW_KEPT | (g / 10) << LF_WEIGHT_SHIFT;
		return HV_VALUE_MORE;
	case 1:
		if (s->quirks & LF_QUIRK_SSW_KEPT)
			s->quirks |= LF_QUIRK_SSW_DONE;
		return HV_VALUE_MORE;
	case 2:
		return s->quirks & LF_QUIRK_SSW_KEPT ? HV_VALUE_DONE : HV_VALUE_MORE;
	default:
		return HV_VALUE_MORE;
	}
}

/* EEBBL: the weight of a locked A2 frame (xx 07 00 A2 03 ?? GG GG GG), 0
 * for any other frame. */
static uint32_t a2_locked_grams(const uint8_t *v, size_t len)
{
	if (len != 20 || v[1] != 0x07 || v[2] != 0x00 || v[3] != 0xA2 ||
	    new_sum(v) != v[19] || v[4] != LF_A2_LOCKED)
		return 0;
	return be24(v + 6);
}

/*
 * The same locked A2 weight LF_A2_SETTLE_FRAMES times in a row, between 30
 * and 250 kg, is the settled weight (openScale's EEBBLHandler waits for 8):
 * kept in the session so that the next such frame decodes as the
 * measurement. scratch[0] the last weight (g), scratch[1] the run length.
 */
static int on_a2(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t g = a2_locked_grams(v, len);

	if (len == 20 && v[1] == 0x07 && v[2] == 0x00 && v[3] == 0xA2 && !g) {
		s->scratch[1] = 0; /* settling: start again */
		return HV_VALUE_MORE;
	}
	if (!g)
		return HV_VALUE_MORE;
	if (g == s->scratch[0]) {
		s->scratch[1]++;
	} else {
		s->scratch[0] = g;
		s->scratch[1] = 1;
	}
	if (s->scratch[1] < LF_A2_SETTLE_FRAMES || g < 30000 || g > 250000)
		return HV_VALUE_MORE;
	s->quirks = (s->quirks & ~(LF_WEIGHT_MASK << LF_WEIGHT_SHIFT)) |
		    LF_QUIRK_A2_SETTLED | (g / 10) << LF_WEIGHT_SHIFT;
	s->next_step = ST_A2_FINAL;
	return HV_VALUE_GOTO;
}

/* The locked frame after the settled run has been decoded as the
 * measurement: no second one. */
static int on_a2_final(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!a2_locked_grams(v, len))
		return HV_VALUE_MORE;
	s->quirks &= ~LF_QUIRK_A2_SETTLED;
	return HV_VALUE_DONE;
}

/* A stable weight (kept in the session for the impedance frame), or the
 * first composite frame. */
static int on_stable(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned raw;

	if (len == 20 && v[0] == AC && v[2] == 0xFF)
		return HV_VALUE_DONE;
	if (len == 20 && v[0] != AC && hv_name_contains_ci(s->name, "EEBBL"))
		return on_a2(s, v, len);
	if (len != 8 || v[0] != AC || v[1] != 0x02 || ac_sum(v) != v[7] ||
	    v[6] != CH_STABLE)
		return HV_VALUE_MORE;
	raw = hv_be16(v + 2);
	if (!raw)
		return HV_VALUE_MORE;
	if ((s->quirks & LF_QUIRK_DECI) || hv_name_prefix_ci(s->name, "FitTrack"))
		raw *= 10;
	if (raw > LF_WEIGHT_MASK)
		return HV_VALUE_MORE;
	s->quirks = (s->quirks & ~(LF_WEIGHT_MASK << LF_WEIGHT_SHIFT)) |
		    raw << LF_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

/* The impedance, the end of the dump, or the second composite frame. */
static int on_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (len == 20 && v[0] == 0x01 && v[1] == 0x00)
		return HV_VALUE_DONE;
	if (len != 8 || v[0] != AC || ac_sum(v) != v[7] || v[6] != CH_DATA)
		return HV_VALUE_MORE;
	if (v[2] == 0xFD && (v[3] == 0x01 || v[3] == 0xFF))
		return HV_VALUE_DONE;
	return HV_VALUE_MORE;
}

static int on_more(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	(void)len;
	return HV_VALUE_MORE;
}

/*
 * Runstar R6: scratch[0] = the frame to acknowledge (seq << 8 | type).
 * After the A3 result the scale hangs up by itself a few seconds later,
 * stored weighings may still follow: wait until it does (or goes quiet).
 * The other new-framing scales come here too when the AC start is refused:
 * an SSW532's set-up frame 0 goes on to its set-up (ST_SSW); the Robi S9,
 * whose handshake is another one, waits in vain.
 */
static int on_r6_frame(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (!runstar_r6_name(s->name)) {
		r = on_ssw_setup0(s, v, len);
		if (r != HV_VALUE_DONE)
			return r;
		s->next_step = ST_SSW;
		return HV_VALUE_GOTO;
	}
	if (len != 20 || v[2] != 0 || new_sum(v) != v[19])
		return HV_VALUE_MORE;
	if (v[3] != 0xA1 && v[3] != 0xA3 && v[3] != 0xA4)
		return HV_VALUE_MORE;
	s->scratch[0] = (uint32_t)v[0] << 8 | v[3];
	s->next_step = ST_R6_ACK;
	return HV_VALUE_GOTO;
}

static int pl_r6_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	if (size < 20)
		return -ENOSPC;
	memset(buf, 0, 20);
	buf[1] = 0x03;
	buf[3] = 0xB0;
	buf[4] = (uint8_t)(s->scratch[0] >> 8);
	buf[19] = new_sum(buf);
	*ret_len = 20;
	return 0;
}

/* --- Robi S9 (openScale RobiS9Handler) ------------------------------------ */

/* RobiS9Handler.HANDSHAKE, in its order (each frame's [19] is the mod-32
 * sum of [3..18], as above). */
static const uint8_t robi_handshake[ST_ROBI_FRAMES][20] = {
	{ 0x00, 0x03, 0x00, 0xB0, 0x00, [19] = 0x10 },
	{ 0x01, 0x10, 0x00, 0xB1, 0x6A, 0x2E, 0xEF, 0xA9, 0x00, 0x3C, 0x01,
	  0xAA, 0x1E, 0x55, 0xB2, 0x0F, 0x1B, 0x58, 0x14, 0x03 },
	{ 0x02, 0x10, 0x00, 0xB1, 0x6A, 0x2E, 0xEF, 0xA9, 0x00, 0x3C, 0x01,
	  0xAA, 0x1E, 0x55, 0xB2, 0x0F, 0x1B, 0x58, 0x14, 0x03 },
	{ 0x03, 0x06, 0x00, 0xB2, 0x01, 0xAA, 0x1E, 0x55, 0xB2, [19] = 0x02 },
	{ 0x04, 0x02, 0x00, 0xBD, 0x09, [19] = 0x06 },
	{ 0x05, 0x10, 0x00, 0xB1, 0x6A, 0x2E, 0xEF, 0xA9, 0x00, 0x3C, 0x01,
	  0xAA, 0x1E, 0x55, 0xB2, 0x0F, 0x1B, 0x58, 0x14, 0x03 },
	{ 0x06, 0x10, 0x00, 0xB1, 0x6A, 0x2E, 0xEF, 0xA9, 0x00, 0x3C, 0x01,
	  0xAA, 0x1E, 0x55, 0xB2, 0x0F, 0x1B, 0x58, 0x14, 0x03 },
	{ 0x07, 0x06, 0x00, 0xB2, 0x01, 0xAA, 0x1E, 0x55, 0xB2, [19] = 0x02 },
	{ 0x08, 0x10, 0x00, 0xB1, 0x6A, 0x2E, 0xEF, 0xA9, 0x00, 0x3C, 0x01,
	  0xAA, 0x1E, 0x55, 0xB2, 0x0F, 0x1B, 0x58, 0x14, 0x03 },
	{ 0x09, 0x03, 0x00, 0xB0, 0x01, [19] = 0x11 },
	{ 0x0A, 0x03, 0x00, 0xB0, 0x02, [19] = 0x12 },
};

/* Frame 0, for a Robi S9 only: the others go on to ST_NEW. */
static int pl_robi_hello(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	if (!robi_name(s->name))
		return -EOPNOTSUPP;
	if (size < sizeof(robi_handshake[0]))
		return -ENOSPC;
	memcpy(buf, robi_handshake[0], sizeof(robi_handshake[0]));
	*ret_len = sizeof(robi_handshake[0]);
	return 0;
}

/* The A3 final result (decoded as the measurement) ends the session. */
static int on_robi_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == 20 && v[1] == 0x08 && v[2] == 0x00 && v[3] == 0xA3 &&
			       new_sum(v) == v[19] && be24(v + 5) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

#define ROBI(i) { .op = HV_STEP_WRITE, .service = "ffb0", \
		  .characteristic = "ffb1", .bytes = robi_handshake[i], \
		  .n_bytes = sizeof(robi_handshake[i]), \
		  .flags = HV_STEP_WITH_RESPONSE, \
		  .what = "Robi S9: handshake frame " #i }

#define SVC "ffb0"
#define WR(pl, text, fl) { .op = HV_STEP_WRITE, .service = SVC, \
			   .characteristic = "ffb1", .payload = pl, \
			   .flags = fl, .what = text }

static const struct hv_step steps[] = {
	/* 0xFFB3 first: the SSW532 answers it with its first set-up frame
	 * (openScale's order) */
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC,
		  .characteristic = "ffb3", .flags = HV_STEP_OPTIONAL,
		  .what = "subscribe 0xFFB3" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC,
		  .characteristic = "ffb2", .what = "subscribe 0xFFB2" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_init1, .on_fail = ST_ROBI,
		  .what = "init F7 (new framing: the Robi S9 handshake or the SSW532 set-up)" },
	/* 3 */ WR(pl_init2, "init FA", 0),
	/* 4 */ WR(pl_user, "user: sex, age, height (FB)", HV_STEP_OPTIONAL),
	/* 5 */ WR(pl_date, "date (FD)", HV_STEP_OPTIONAL),
	/* 6 */ WR(pl_time, "time (FC)", HV_STEP_OPTIONAL),
	/* 7 */ WR(pl_unit, "unit kg (FE 06)", HV_STEP_OPTIONAL),
	/* 8 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
		  .on_value = on_stable, .timeout_ms = 60000,
		  .what = "wait for a stable weight" },
	/* 9 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
		  .on_value = on_result, .timeout_ms = 15000,
		  .what = "wait for the impedance or the composition" },
	/* 10 */ { .op = HV_STEP_WAIT, .service = SVC,
		   .characteristic = "ffb2", .on_value = on_more,
		   .timeout_ms = 3000, .flags = HV_STEP_OPTIONAL,
		   .what = "linger for the last frames" },
	/* 11 */ { .op = HV_STEP_END, .what = "done" },
	/* 12 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb2",
		   .on_value = on_a2_final, .timeout_ms = 5000,
		   .what = "EEBBL: wait for the settled weight's next frame" },
	/* 13 */ { .op = HV_STEP_END, .what = "done (EEBBL)" },
	/* 14 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		   .on_value = on_ssw_setup1, .timeout_ms = 10000,
		   .what = "SSW532: set-up frame 1" },
	/* 15 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_ssw_a, .flags = HV_STEP_WITH_RESPONSE,
		   .what = "SSW532: session packet (B0 with the session id)" },
	/* 16 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_ssw_b0, .flags = HV_STEP_WITH_RESPONSE,
		   .what = "SSW532: profile and time (B8)" },
	/* 17 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_ssw_b1, .flags = HV_STEP_WITH_RESPONSE,
		   .what = "SSW532: app id (\"icomon\")" },
	/* 18 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		   .on_value = on_ssw_result, .timeout_ms = 120000,
		   .what = "SSW532: wait for the end of the result" },
	/* 19 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_ssw_teardown,
		   .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		   .what = "SSW532: teardown acknowledgement" },
	/* 20 */ { .op = HV_STEP_END, .what = "done (SSW532)" },
	/* 21 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		   .on_value = on_r6_frame, .timeout_ms = 60000,
		   .on_fail = ST_END,
		   .what = "Runstar R6: wait for a frame to acknowledge" },
	/* 22 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_r6_ack, .flags = HV_STEP_WITH_RESPONSE,
		   .on_fail = ST_END,
		   .what = "Runstar R6: acknowledge (B0)" },
	/* 23 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		   .on_value = on_r6_frame, .timeout_ms = 10000,
		   .on_fail = ST_END,
		   .what = "Runstar R6: wait for the next frame or the end" },
	/* 24 */ { .op = HV_STEP_END, .what = "Runstar R6: done" },
	/* 25 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		   .payload = pl_robi_hello, .flags = HV_STEP_WITH_RESPONSE,
		   .on_fail = ST_NEW,
		   .what = "Robi S9: handshake frame 0 (others: the SSW532 or R6 path)" },
	/* 26..35 */ ROBI(1), ROBI(2), ROBI(3), ROBI(4), ROBI(5), ROBI(6),
	ROBI(7), ROBI(8), ROBI(9), ROBI(10),
	/* 36 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		   .on_value = on_robi_result, .timeout_ms = 60000,
		   .what = "Robi S9: wait for the final result (A3)" },
	/* 37 */ { .op = HV_STEP_END, .what = "Robi S9: done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_ROBI_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"SWAN / Icomon / YG (MGB)", "FitTrack Dara 2.0", "Dr Trust Smart 505",
	"Dr Trust SSW532 / Icomon FG2211WB",
	"EEBBL Body Fat Scale (8-electrode)",
	"Robi S9", "Runstar R6", NULL,
};

static const uint16_t characteristics[] = { LF_NOTIFY, LF_INDICATE, 0 };
static const uint16_t services[] = { 0xFFB0, 0 };
static const char *const name_prefixes[] = { "Swan", "SWAN", "icomon", "YG",
					     "FitTrack", "FITTRACK", "SSW",
					     "EEBBL", NULL };

const struct hv_driver lefu_icomon_driver = {
	.id = "lefu_icomon",
	.name = "LeFu / Icomon 0xFFB0 family (MGB, FitTrack, Robi …)",
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
