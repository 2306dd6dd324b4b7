// SPDX-License-Identifier: MIT
/*
 * Method "wla25", from openScale Wla25BodyComposition
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/libs/
 * Wla25BodyComposition.kt, oliexdev/openScale@1acbe48a, unchanged at
 * f7a733b2), which documents it as the vendor library's WLA25 algorithm:
 *
 *   W = round1(weight), BMI = W / (H/100)^2, Z0..Z9 the ten impedances
 *   z0 = 0.826 Z0; z5 = 0.826 Z5 when Z5 <= Z0, else z0 - 3
 *   fat kg = -0.138 W + 0.164 H + 2.657 round1(BMI) - 0.053 Z2
 *            - 0.000491 Z1 - 0.03 z0 - 0.127 Z4 - 0.052 Z3 + 0.07 Z7
 *            + 0.019 Z6 + 0.439 z5 + 0.153 Z9 + 0.07 Z8 - 88.052
 *   fat % = fat / W, clamped to 3..60; F = round1(fat % W); FFM = W - F
 *   water % = 0.733 FFM / W; muscle % = 0.933 FFM / W (round1 each);
 *   muscle kg = round1(muscle % W); bone = 0.067 FFM; protein % = 0.2 FFM / W
 *   visceral = trunc(-0.029 FFM + 0.502 F - 0.477), 1..20
 *   BMR = trunc(21.6 FFM + 370)
 *
 * round1() is the library's: the fraction taken in float32, its tenths
 * rounded up only above .5, so 26.35 gives 26.4 and 1.95 gives 1.9 (the
 * float32 1.95 has the fraction 0.95 exactly). The order of the roundings
 * matters and is kept.
 */
#include <errno.h>

#include "drivers/bodycomp_wla25.h"
#include "drivers/bytes.h"

#define WLA25_FAT_MIN 3.0
#define WLA25_FAT_MAX 60.0

/* x - trunc(x) in float32: exact for |x| < 2^23, as fmodf(x, 1) is. */
static float frac_f(float x)
{
	return x - (float)(long)x;
}

double hv_wla25_round1(double v)
{
	volatile float f = (float)v; /* float32 steps, not wider */
	volatile float tenths = frac_f(f) * 10.0f;
	volatile float carried = frac_f(tenths) > 0.5f ? tenths + 1.0f : tenths;
	volatile float r = (float)(long)carried / 10.0f + (float)(long)f;

	return (double)r;
}

bool hv_wla25_impedances_valid(const double *ohm, unsigned n)
{
	if (!ohm || n != HV_WLA25_IMPEDANCES)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!(ohm[i] >= (i == 0 || i == 5 ? 1.0 : 100.0)))
			return false;
	return true;
}

static double bmi_of(int height_cm, double weight_kg)
{
	return weight_kg * 10000.0 / (height_cm * height_cm);
}

static double fat_mass(int h, double w, const double *z)
{
	double z0 = z[0] * 0.826;
	double z5 = z[5] <= z[0] ? z[5] * 0.826 : z0 - 3.0;

	return w * -0.138 + h * 0.164 + hv_wla25_round1(bmi_of(h, w)) * 2.657 +
	       z[2] * -0.053 + z[1] * -0.000491 + z0 * -0.03 + z[4] * -0.127 +
	       z[3] * -0.052 + z[7] * 0.07 + z[6] * 0.019 + z5 * 0.439 +
	       z[9] * 0.153 + z[8] * 0.07 - 88.052;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int hv_wla25_compute(int height_cm, double weight_kg, const double ohm[HV_WLA25_IMPEDANCES],
		     struct hv_wla25 *ret)
{
	double w, percent, fat, ffm, water, muscle, bfr;

	if (!hv_wla25_impedances_valid(ohm, HV_WLA25_IMPEDANCES) || height_cm < 50 ||
	    height_cm > 250 || !(weight_kg > 0) || weight_kg > 1000)
		return -EINVAL;
	w = hv_wla25_round1(weight_kg);
	if (!(w > 0))
		return -EINVAL;
	percent = fat_mass(height_cm, w, ohm) / w * 100.0;
	percent = clamp(percent, WLA25_FAT_MIN, WLA25_FAT_MAX);
	fat = hv_wla25_round1(percent / 100.0 * w);
	ffm = w - fat;
	water = ffm * 0.733;
	muscle = hv_wla25_round1((water + ffm * 0.2) / w * 100.0);
	bfr = hv_wla25_round1(percent);
	*ret = (struct hv_wla25){
		.weight_kg = w,
		.bmi = hv_wla25_round1(bmi_of(height_cm, w)),
		.fat_percent = bfr,
		.water_percent = hv_wla25_round1(water / w * 100.0),
		.muscle_percent = muscle,
		.muscle_kg = hv_wla25_round1(muscle / 100.0 * w),
		.bone_kg = hv_wla25_round1(ffm * 0.067),
		.protein_percent = hv_wla25_round1(ffm * 0.2 / w * 100.0),
		.visceral_fat = (int)clamp((int)(ffm * -0.029 + fat * 0.502 - 0.477), 1, 20),
		.bmr_kcal = (int)(ffm * 21.6 + 370.0),
		.fat_free_kg = (double)(float)ffm,
	};
	return 0;
}

static int add(struct hv_measurement *m, enum hv_metric metric, double v, int decimals)
{
	int r = hv_measurement_add(m, metric, hv_round_to(v, decimals));

	if (r < 0)
		return r;
	m->readings[m->n_readings - 1].method = HV_METHOD_WLA25;
	return 0;
}

/* openScale's published set, and the muscle mass the model gives */
static int add_published(struct hv_measurement *m, const struct hv_wla25 *o)
{
	const struct {
		enum hv_metric metric;
		double value;
		int decimals;
	} out[] = {
		{ HV_METRIC_BODY_FAT_PERCENT, o->fat_percent, 1 },
		{ HV_METRIC_BODY_WATER_PERCENT, o->water_percent, 1 },
		{ HV_METRIC_MUSCLE_PERCENT, o->muscle_percent, 1 },
		{ HV_METRIC_MUSCLE_MASS, o->muscle_kg, 1 },
		{ HV_METRIC_BONE_MASS, o->bone_kg, 1 },
		{ HV_METRIC_VISCERAL_FAT_RATING, o->visceral_fat, 0 },
		{ HV_METRIC_PROTEIN_PERCENT, o->protein_percent, 1 },
		{ HV_METRIC_BASAL_METABOLIC_RATE, o->bmr_kcal, 0 },
		{ HV_METRIC_FAT_FREE_MASS, o->fat_free_kg, 1 },
	};
	int r;

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		r = add(m, out[i].metric, out[i].value, out[i].decimals);
		if (r < 0)
			return r;
	}
	return 0;
}

int hv_bodycomp_wla25(const struct hv_profile *p, double weight_kg,
		      const double ohm[HV_WLA25_IMPEDANCES], struct hv_measurement *m)
{
	struct hv_wla25 o;

	if (!p || !(p->height_m > 0) ||
	    hv_wla25_compute((int)(p->height_m * 100 + 0.5), weight_kg, ohm, &o) < 0)
		return 0;
	return add_published(m, &o);
}
