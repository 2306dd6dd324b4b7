// SPDX-License-Identifier: MIT
/*
 * Family body-composition methods (openScale's core/bluetooth/libs/
 * StandardImpedanceLib.kt, YunmaiLib.kt, TrisaBodyAnalyzeLib.kt at
 * oliexdev/openScale@f7a733b2). The formulas are the published regressions as
 * openScale's code states them; each derived reading names its method.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"

double hv_sqrt(double x)
{
	double r;

	if (!(x > 0))
		return 0;
	r = x >= 1 ? x : 1;
	for (int i = 0; i < 64; i++) {
		double next = 0.5 * (r + x / r);

		if (next == r)
			break;
		r = next;
	}
	return r;
}

static int add(struct hv_measurement *m, enum hv_metric metric, double v,
	       int decimals, const char *method)
{
	int r = hv_measurement_add(m, metric, hv_round_to(v, decimals));

	if (r < 0)
		return r;
	m->readings[m->n_readings - 1].method = method;
	return 0;
}

static bool inputs_ok(const struct hv_profile *p, double weight_kg)
{
	return hv_profile_complete(p) && p->height_m > 0.5 &&
	       p->height_m < 2.6 && weight_kg > 2 && weight_kg < 400 &&
	       p->age_years > 0 && p->age_years < 130;
}

double hv_qn_impedance(double r1)
{
	return r1 < 410 ? 3.0 : 0.3 * (r1 - 400);
}

int hv_bodycomp_trisa(const struct hv_profile *p, double weight_kg,
		      double z, struct hv_measurement *m)
{
	const char *method = HV_METHOD_TRISA;
	double h, bmi, age, water, fat, muscle, bone;
	bool male;
	int r;

	if (!inputs_ok(p, weight_kg) || !(z > 0))
		return 0;
	h = p->height_m;
	age = p->age_years;
	male = p->sex == HV_SEX_MALE;
	bmi = weight_kg / (h * h);
	if (male) {
		water = 87.51 - 1.162 * bmi - 0.00813 * z + 0.07594 * age;
		fat = bmi * (1.479 + 4.4e-4 * z) + 0.1 * age - 21.764;
		muscle = 74.627 - 0.811 * bmi - 0.00565 * z - 0.367 * age;
		bone = 7.829 - 0.0855 * bmi - 5.92e-4 * z - 0.0389 * age;
	} else {
		water = 77.721 - 1.148 * bmi - 0.00573 * z + 0.06448 * age;
		fat = bmi * (1.506 + 3.908e-4 * z) + 0.1 * age - 12.834;
		muscle = 57.0 - 0.694 * bmi - 0.00344 * z - 0.255 * age;
		bone = 7.98 - 0.0973 * bmi - 4.84e-4 * z - 0.036 * age;
	}
	r = add(m, HV_METRIC_BMI, bmi, 1, method);
	if (r >= 0 && fat > 0 && fat < 100)
		r = add(m, HV_METRIC_BODY_FAT_PERCENT, fat, 1, method);
	if (r >= 0 && water > 0 && water < 100)
		r = add(m, HV_METRIC_BODY_WATER_PERCENT, water, 1, method);
	if (r >= 0 && muscle > 0 && muscle < 100)
		r = add(m, HV_METRIC_MUSCLE_PERCENT, muscle, 1, method);
	if (r >= 0 && bone > 0)
		r = add(m, HV_METRIC_BONE_MASS, bone, 2, method);
	return r < 0 ? r : 0;
}

int hv_bodycomp_yunmai(const struct hv_profile *p, double weight_kg,
		       double resistance, struct hv_measurement *m)
{
	const char *method = HV_METHOD_YUNMAI;
	double h, rr, fat, muscle, water, bone, vf, f, d;
	bool male;
	int age, r;

	if (!inputs_ok(p, weight_kg) || !(resistance > 0))
		return 0;
	h = p->height_m;
	male = p->sex == HV_SEX_MALE;
	age = (int)p->age_years;
	r = add(m, HV_METRIC_BMI, weight_kg / (h * h), 1, method);
	if (r < 0)
		return r;

	rr = (resistance - 100.0) / 100.0;
	if (rr >= 1)
		rr = hv_sqrt(rr);
	fat = weight_kg * 1.5 / (h * h) + age * 0.08 - (male ? 10.8 : 0) -
	      7.4 + rr;
	if (fat < 5 || fat > 75)
		return 0; /* the model's own validity range */
	muscle = (100 - fat) * 0.67;
	water = (100 - fat) * 0.726;
	bone = weight_kg * (muscle / 100) * 4 / 7 * (male ? 0.22 * 0.6 :
							   0.34 * 0.45) +
	       (h * 100 - 170) / 100;

	/* Visceral fat: offset by sex and age bracket, then scaled. */
	if (age < 18 || age > 120)
		age = 18;
	f = fat - (male ? (age < 40 ? 21 : age < 60 ? 22 : 24) :
			  (age < 40 ? 34 : age < 60 ? 35 : 36));
	d = f > 0 ? 1.1 : male ? 1.4 : 1.8;
	vf = f / d + 9.5;
	vf = vf < 1 ? 1 : vf > 30 ? 30 : vf;

	r = add(m, HV_METRIC_BODY_FAT_PERCENT, fat, 1, method);
	if (r >= 0)
		r = add(m, HV_METRIC_FAT_FREE_MASS,
			weight_kg * (100 - fat) / 100, 2, method);
	if (r >= 0)
		r = add(m, HV_METRIC_MUSCLE_PERCENT, muscle, 1, method);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_WATER_PERCENT, water, 1, method);
	if (r >= 0 && bone > 0)
		r = add(m, HV_METRIC_BONE_MASS, bone, 1, method);
	if (r >= 0)
		r = add(m, HV_METRIC_VISCERAL_FAT_RATING, vf, 1, method);
	return r < 0 ? r : 0;
}

int hv_bodycomp_standard(const struct hv_profile *p, double weight_kg,
			 double z, struct hv_measurement *m)
{
	const char *method = HV_METHOD_STANDARD_IMPEDANCE;
	double hcm, h2z, ffm, fat, tbw, smm, bmr, bone;
	bool male;
	int r;

	if (!inputs_ok(p, weight_kg) || !(z > 50) || z > 3000)
		return 0;
	hcm = p->height_m * 100;
	h2z = hcm * hcm / z;
	male = p->sex == HV_SEX_MALE;
	ffm = male ? -10.68 + 0.65 * h2z + 0.26 * weight_kg + 0.02 * z :
		     -9.53 + 0.69 * h2z + 0.17 * weight_kg + 0.02 * z;
	if (ffm <= 0 || ffm >= weight_kg)
		return 0;
	fat = (1 - ffm / weight_kg) * 100;
	tbw = (male ? 1.2 + 0.45 * h2z + 0.18 * weight_kg :
		      3.75 + 0.45 * h2z + 0.11 * weight_kg) *
	      0.99513;
	smm = 0.401 * h2z + (male ? 3.825 : 0) - 0.071 * p->age_years + 5.102;
	bmr = 21.6 * ffm + 370;
	bone = (male ? 0.057 : 0.05) * ffm;

	r = add(m, HV_METRIC_BMI,
		weight_kg / (p->height_m * p->height_m), 1, method);
	if (r >= 0)
		r = add(m, HV_METRIC_FAT_FREE_MASS, ffm, 2, method);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_FAT_PERCENT, fat, 1, method);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_WATER_PERCENT, tbw / weight_kg * 100,
			1, method);
	if (r >= 0 && smm > 0)
		r = add(m, HV_METRIC_MUSCLE_PERCENT, smm / weight_kg * 100, 1,
			method);
	if (r >= 0)
		r = add(m, HV_METRIC_BASAL_METABOLIC_RATE, bmr, 0, method);
	if (r >= 0)
		r = add(m, HV_METRIC_BONE_MASS, bone, 2, method);
	return r < 0 ? r : 0;
}
