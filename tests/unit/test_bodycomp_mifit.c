// SPDX-License-Identifier: MIT
/*
 * Body composition, method "mifit". Fixtures: openScale's MiScaleLibTest
 * values (oliexdev/openScale@f7a733b2; body fat, bone, lean
 * mass = the port's muscle mass, water, and visceral fat "as coded", which
 * the port shares), and hand computations from the port's formulas for
 * BMR, BMI, protein and metabolic age (worked out in the comments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp.h"

struct fixture {
	enum hv_sex sex;
	double age, height_m, weight, z;
	double fat, bone, muscle, water, visceral, bmr, bmi, protein, metage;
};

static const struct fixture fixtures[] = {
	/* BMR 877.8 + 14.916·80 − 0.726·180 − 8.976·30 = 1671.12;
	 * BMI 80/1.8² = 24.69; protein 58.2225/80·100 − 52.6058 = 20.17;
	 * metabolic age −0.7471·180 + 0.9161·80 + 0.4184·30 + 0.0517·500
	 * + 54.2267 = 31.44. */
	{ HV_SEX_MALE, 30, 1.80, 80, 500, 23.3151, 3.1254, 58.2225, 52.6058,
	  13.36, 1671.12, 24.69, 20.17, 31.44 },
	/* Visceral −36.555 as coded, clamped to 1. BMR 864.6 + 10.2036·60
	 * − 0.39336·165 − 6.204·28 = 1238.20; BMI 22.04; protein
	 * 39.2962/60·100 − 49.7215 = 15.77; metabolic age −1.1165·165
	 * + 1.5784·60 + 0.4615·28 + 0.0415·520 + 83.2548 = 28.24. */
	{ HV_SEX_FEMALE, 28, 1.65, 60, 520, 30.3620, 2.4866, 39.2962, 49.7215,
	  1, 1238.20, 22.04, 15.77, 28.24 },
	/* BMR 877.8 + 1417.02 − 127.05 − 403.92 = 1763.85; BMI 31.02;
	 * protein 60.9304/95·100 − 48.2537 = 15.88; metabolic age
	 * −130.7425 + 87.0295 + 18.828 + 22.231 + 54.2267 = 51.57. */
	{ HV_SEX_MALE, 45, 1.75, 95, 430, 32.4178, 3.2727, 60.9304, 48.2537,
	  24.4625, 1763.85, 31.02, 15.88, 51.57 },
};

static double value_of(const struct hv_measurement *m, enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	assert_non_null(r);
	assert_non_null(r->method);
	assert_string_equal(r->method, "mifit");
	return r->value;
}

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct hv_profile p = { f->height_m, f->age, f->sex };
		struct hv_measurement m;

		hv_measurement_init(&m, "test");
		assert_int_equal(hv_bodycomp_mifit(f->weight, f->z, &p, &m), 0);
		assert_int_equal(m.n_readings, 9);
		/* Values are rounded to 2 decimals. */
		assert_float_equal(value_of(&m, HV_METRIC_BODY_FAT_PERCENT),
				   f->fat, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_BONE_MASS), f->bone,
				   0.006);
		assert_float_equal(value_of(&m, HV_METRIC_MUSCLE_MASS),
				   f->muscle, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_BODY_WATER_PERCENT),
				   f->water, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_VISCERAL_FAT_RATING),
				   f->visceral, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_BASAL_METABOLIC_RATE),
				   f->bmr, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_BMI), f->bmi, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_PROTEIN_PERCENT),
				   f->protein, 0.006);
		assert_float_equal(value_of(&m, HV_METRIC_METABOLIC_AGE),
				   f->metage, 0.006);
	}
}

static void test_without_impedance(void **state)
{
	struct hv_profile p = { 1.80, 30, HV_SEX_MALE };
	struct hv_measurement m;

	(void)state;
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_bodycomp_mifit(80, 0, &p, &m), 0);
	assert_int_equal(m.n_readings, 3);
	assert_float_equal(value_of(&m, HV_METRIC_BMI), 24.69, 0.006);
	assert_float_equal(value_of(&m, HV_METRIC_BASAL_METABOLIC_RATE),
			   1671.12, 0.006);
	assert_float_equal(value_of(&m, HV_METRIC_VISCERAL_FAT_RATING), 13.36,
			   0.006);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* The port treats > 3000 Ω as a sleeping scale: no impedance. */
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_bodycomp_mifit(80, 3500, &p, &m), 0);
	assert_int_equal(m.n_readings, 3);
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_bodycomp_mifit(80, -1, &p, &m), 0);
	assert_int_equal(m.n_readings, 3);
}

static void test_port_caps(void **state)
{
	struct hv_profile p = { 1.50, 20, HV_SEX_MALE };
	struct hv_measurement m;

	(void)state;
	/* 877.8 + 14.916·200 − 0.726·150 − 8.976·20 = 3572.58 > 2322: the
	 * port reports 5000. BMI 200/2.25 = 88.89 stays under the 90 cap. */
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_bodycomp_mifit(200, 0, &p, &m), 0);
	assert_float_equal(value_of(&m, HV_METRIC_BASAL_METABOLIC_RATE), 5000,
			   1e-9);
	assert_float_equal(value_of(&m, HV_METRIC_BMI), 88.89, 0.006);
	/* Visceral fat: clamped to 50 at most. */
	assert_true(value_of(&m, HV_METRIC_VISCERAL_FAT_RATING) <= 50);
}

static void test_refused_inputs(void **state)
{
	struct hv_profile p = { 1.80, 30, HV_SEX_MALE };
	struct hv_profile no_sex = { 1.80, 30, HV_SEX_UNKNOWN };
	struct hv_profile no_height = { 0, 30, HV_SEX_FEMALE };
	struct hv_profile tall = { 2.30, 30, HV_SEX_MALE };
	struct hv_profile old = { 1.70, 100, HV_SEX_FEMALE };
	struct hv_measurement m;

	(void)state;
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_bodycomp_mifit(80, 500, NULL, &m), -EINVAL);
	assert_int_equal(hv_bodycomp_mifit(80, 500, &no_sex, &m), -EINVAL);
	assert_int_equal(hv_bodycomp_mifit(80, 500, &no_height, &m), -EINVAL);
	assert_int_equal(hv_bodycomp_mifit(80, 500, &tall, &m), -ERANGE);
	assert_int_equal(hv_bodycomp_mifit(80, 500, &old, &m), -ERANGE);
	assert_int_equal(hv_bodycomp_mifit(9.5, 500, &p, &m), -ERANGE);
	assert_int_equal(hv_bodycomp_mifit(201, 500, &p, &m), -ERANGE);
	assert_int_equal(m.n_readings, 0);

	/* No room: nothing appended. */
	for (int i = 0; i < HV_READINGS_MAX - 5; i++)
		assert_int_equal(hv_measurement_add(&m, HV_METRIC_RR_INTERVAL, 1),
				 0);
	assert_int_equal(hv_bodycomp_mifit(80, 500, &p, &m), -ENOSPC);
	assert_int_equal(m.n_readings, HV_READINGS_MAX - 5);
	assert_int_equal(hv_bodycomp_mifit(80, 0, &p, &m), 0);
	assert_int_equal(m.n_readings, HV_READINGS_MAX - 2);
}

static void test_female_branches(void **state)
{
	/* Female over 49 uses 7.25, under 50 kg the 1.02 (× 1.03) factor:
	 * the result must differ from the same person at 49. */
	struct hv_profile p49 = { 1.62, 49, HV_SEX_FEMALE };
	struct hv_profile p50 = { 1.62, 50, HV_SEX_FEMALE };
	struct hv_measurement a, b;

	(void)state;
	hv_measurement_init(&a, "test");
	hv_measurement_init(&b, "test");
	assert_int_equal(hv_bodycomp_mifit(48, 550, &p49, &a), 0);
	assert_int_equal(hv_bodycomp_mifit(48, 550, &p50, &b), 0);
	/* C = 0.09058·162·1.62 + 0.32·48 + 12.226 − 0.0068·550 − 0.0542·A;
	 * A = 49: C = 44.9620; fat = (1 − (C − 9.25)·1.02·1.03/48)·100
	 * = 21.84 %; A = 50: C = 44.9078, (1 − (C − 7.25)·1.0506/48)·100
	 * = 17.58 %. */
	assert_float_equal(value_of(&a, HV_METRIC_BODY_FAT_PERCENT), 21.84,
			   0.006);
	assert_float_equal(value_of(&b, HV_METRIC_BODY_FAT_PERCENT), 17.58,
			   0.006);
	assert_true(value_of(&b, HV_METRIC_BODY_FAT_PERCENT) <
		    value_of(&a, HV_METRIC_BODY_FAT_PERCENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_without_impedance),
		cmocka_unit_test(test_port_caps),
		cmocka_unit_test(test_refused_inputs),
		cmocka_unit_test(test_female_branches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
