// SPDX-License-Identifier: MIT
/*
 * Mi Fit body composition ("mifit"), as the lolouk44/xiaomi_mi_scale port
 * computes it (src/Xiaomi_Scale_Body_Metrics.py). Read for its formulas
 * only; written here from them. Notation: W weight (kg), H height (cm),
 * A age (years), Z impedance (Ω), male/female from the profile.
 *
 *   LBM coefficient  C = 0.09058·H·H/100 + 0.32·W + 12.226 − 0.0068·Z − 0.0542·A
 *   body fat %       (1 − (C − k)·c / W)·100, k = 0.8 male, 9.25 female ≤ 49,
 *                    7.25 female > 49; c = 0.98 male W < 61; female W > 60:
 *                    0.96 (×1.03 if H > 160); female W < 50: 1.02 (×1.03 if
 *                    H > 160); else 1. Above 63 → 75; clamp 5–75.
 *   water %          w = (100 − fat)·0.7; ×1.02 if w ≤ 50 else ×0.98;
 *                    ≥ 65 → 75; clamp 35–75.
 *   bone kg          b = 0.05158·C − base (0.245691014 female, 0.18016894
 *                    male); +0.1 if b > 2.2 else −0.1; above 5.1 (female) /
 *                    5.2 (male) → 8; clamp 0.5–8.
 *   muscle kg        W − fat/100·W − bone; ≥ 84 (female) / 93.5 (male) → 120;
 *                    clamp 10–120.
 *   protein %        muscle/W·100 − water %; clamp 5–32.
 *   BMR kcal/d       female 864.6 + 10.2036·W − 0.39336·H − 6.204·A,
 *                    male 877.8 + 14.916·W − 0.726·H − 8.976·A; above 2996
 *                    (female) / 2322 (male) → 5000 (as the port does);
 *                    clamp 500–10000.
 *   visceral fat     female, W > 0.5·H − 13: 500·W/(1.45·H + 0.1158·H² − 120)
 *                    − 6 + 0.07·A; else −(0.027·H − (0.691 − 0.0048·H)·W)
 *                    + 0.07·A − A. Male, H < 1.6·W: 305·W/(0.0826·H² − 0.4·H
 *                    + 48) − 2.9 + 0.15·A; else −(0.143·H − (0.765 −
 *                    0.0015·H)·W) + 0.15·A − 5. Clamp 1–50.
 *   BMI              W/(H/100)²; clamp 10–90.
 *   metabolic age    female −1.1165·H + 1.5784·W + 0.4615·A + 0.0415·Z
 *                    + 83.2548; male −0.7471·H + 0.9161·W + 0.4184·A
 *                    + 0.0517·Z + 54.2267; clamp 15–80.
 *
 * These differ from openScale's MiScaleLib and from bodymiscale in places
 * (docs/drivers.md, method mifit); "mifit" means this list and nothing else.
 */
#include <errno.h>
#include <stdbool.h>

#include "drivers/bodycomp.h"
#include "drivers/bytes.h"

struct mifit_input {
	double w, h, a, z;
	bool female;
};

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double lbm_coefficient(const struct mifit_input *in)
{
	return in->h * 9.058 / 100 * (in->h / 100) + in->w * 0.32 + 12.226 -
	       in->z * 0.0068 - in->a * 0.0542;
}

static double fat_percent(const struct mifit_input *in)
{
	double k, c = 1.0, fat;

	if (in->female)
		k = in->a <= 49 ? 9.25 : 7.25;
	else
		k = 0.8;

	if (!in->female && in->w < 61) {
		c = 0.98;
	} else if (in->female && in->w > 60) {
		c = 0.96;
		if (in->h > 160)
			c *= 1.03;
	} else if (in->female && in->w < 50) {
		c = 1.02;
		if (in->h > 160)
			c *= 1.03;
	}
	fat = (1.0 - (lbm_coefficient(in) - k) * c / in->w) * 100;
	if (fat > 63)
		fat = 75;
	return clamp(fat, 5, 75);
}

static double water_percent(const struct mifit_input *in)
{
	double w = (100 - fat_percent(in)) * 0.7;

	w *= w <= 50 ? 1.02 : 0.98;
	if (w >= 65)
		w = 75;
	return clamp(w, 35, 75);
}

static double bone_mass(const struct mifit_input *in)
{
	double base = in->female ? 0.245691014 : 0.18016894;
	double b = lbm_coefficient(in) * 0.05158 - base;

	b += b > 2.2 ? 0.1 : -0.1;
	if (b > (in->female ? 5.1 : 5.2))
		b = 8;
	return clamp(b, 0.5, 8);
}

static double muscle_mass(const struct mifit_input *in)
{
	double mm = in->w - fat_percent(in) * 0.01 * in->w - bone_mass(in);

	if (mm >= (in->female ? 84 : 93.5))
		mm = 120;
	return clamp(mm, 10, 120);
}

static double protein_percent(const struct mifit_input *in)
{
	return clamp(muscle_mass(in) / in->w * 100 - water_percent(in), 5, 32);
}

static double bmr(const struct mifit_input *in)
{
	double b;

	if (in->female) {
		b = 864.6 + in->w * 10.2036 - in->h * 0.39336 - in->a * 6.204;
		if (b > 2996)
			b = 5000;
	} else {
		b = 877.8 + in->w * 14.916 - in->h * 0.726 - in->a * 8.976;
		if (b > 2322)
			b = 5000;
	}
	return clamp(b, 500, 10000);
}

static double visceral_fat(const struct mifit_input *in)
{
	double w = in->w, h = in->h, a = in->a, v;

	if (in->female) {
		if (w > h * 0.5 - 13)
			v = w * 500 / (h * 1.45 + h * h * 0.1158 - 120) - 6 +
			    a * 0.07;
		else
			v = -(h * 0.027 - (0.691 - h * 0.0048) * w) +
			    a * 0.07 - a;
	} else {
		if (h < w * 1.6)
			v = w * 305 / (h * h * 0.0826 - h * 0.4 + 48) - 2.9 +
			    a * 0.15;
		else
			v = -(h * 0.143 - (0.765 - h * 0.0015) * w) +
			    a * 0.15 - 5.0;
	}
	return clamp(v, 1, 50);
}

static double bmi(const struct mifit_input *in)
{
	return clamp(in->w / (in->h / 100 * (in->h / 100)), 10, 90);
}

static double metabolic_age(const struct mifit_input *in)
{
	double m;

	if (in->female)
		m = in->h * -1.1165 + in->w * 1.5784 + in->a * 0.4615 +
		    in->z * 0.0415 + 83.2548;
	else
		m = in->h * -0.7471 + in->w * 0.9161 + in->a * 0.4184 +
		    in->z * 0.0517 + 54.2267;
	return clamp(m, 15, 80);
}

static void add_derived(struct hv_measurement *m, enum hv_metric metric,
			double value)
{
	/* Room was checked by the caller. */
	if (hv_measurement_add(m, metric, hv_round_to(value, 2)) == 0)
		m->readings[m->n_readings - 1].method =
			HV_BODYCOMP_METHOD_MIFIT;
}

int hv_bodycomp_mifit(double weight_kg, double impedance_ohm,
		      const struct hv_profile *profile, struct hv_measurement *m)
{
	struct mifit_input in;
	bool with_z;

	if (!m || !hv_profile_complete(profile))
		return -EINVAL;
	in = (struct mifit_input){
		.w = weight_kg,
		.h = profile->height_m * 100,
		.a = profile->age_years,
		.female = profile->sex == HV_SEX_FEMALE,
	};
	/* The port's own limits ("or scale is sleeping"). NaN fails too. */
	if (!(in.h <= 220) || !(in.w >= 10 && in.w <= 200) || !(in.a <= 99))
		return -ERANGE;
	with_z = impedance_ohm > 0 && impedance_ohm <= 3000;
	in.z = with_z ? impedance_ohm : 0;
	if (m->n_readings + (with_z ? 9 : 3) > HV_READINGS_MAX)
		return -ENOSPC;

	add_derived(m, HV_METRIC_BMI, bmi(&in));
	add_derived(m, HV_METRIC_BASAL_METABOLIC_RATE, bmr(&in));
	add_derived(m, HV_METRIC_VISCERAL_FAT_RATING, visceral_fat(&in));
	if (!with_z)
		return 0;
	add_derived(m, HV_METRIC_BODY_FAT_PERCENT, fat_percent(&in));
	add_derived(m, HV_METRIC_BODY_WATER_PERCENT, water_percent(&in));
	add_derived(m, HV_METRIC_BONE_MASS, bone_mass(&in));
	add_derived(m, HV_METRIC_MUSCLE_MASS, muscle_mass(&in));
	add_derived(m, HV_METRIC_PROTEIN_PERCENT, protein_percent(&in));
	add_derived(m, HV_METRIC_METABOLIC_AGE, metabolic_age(&in));
	return 0;
}
