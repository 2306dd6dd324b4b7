// SPDX-License-Identifier: MIT
/*
 * Method "wla25" (drivers/bodycomp_wla25.c) and the Relaxmedic result it
 * is derived from. The cases and their expected outputs are those of
 * openScale's Wla25BodyCompositionTest.kt (android_app/app/src/test/java/
 * com/health/openscale/core/bluetooth/libs/, oliexdev/openScale@1acbe48a):
 * its impedance set, its rounding cases (26.35 kg at 100 cm gives 26.4,
 * 1.95 kg gives 1.9, 70.4 stays), the gate, the clamps and the relations
 * between the outputs.
 */
#include "drivers/bodycomp_wla25.h"
#include "tests/unit/scale_frames.h"

/* openScale's validImpedances() */
static const double valid_ohm[HV_WLA25_IMPEDANCES] = {
	20.0, 300.0, 320.0, 310.0, 305.0, 18.0, 300.0, 315.0, 308.0, 302.0,
};

static void set_of(double *ohm)
{
	memcpy(ohm, valid_ohm, sizeof(valid_ohm));
}

static void test_wla25_gate(void **state)
{
	double ohm[HV_WLA25_IMPEDANCES];
	struct hv_wla25 o;
	static const double zeros[HV_WLA25_IMPEDANCES];

	(void)state;
	set_of(ohm);
	assert_true(hv_wla25_impedances_valid(ohm, 10));
	/* not exactly ten values */
	assert_false(hv_wla25_impedances_valid(ohm, 9));
	assert_false(hv_wla25_impedances_valid(ohm, 0));
	/* the leading slots are checked against 1, the others against 100 */
	ohm[0] = ohm[5] = 1.0;
	assert_true(hv_wla25_impedances_valid(ohm, 10));
	for (unsigned slot = 1; slot < 10; slot++) {
		if (slot == 5)
			continue;
		set_of(ohm);
		ohm[slot] = 20.0;
		assert_false(hv_wla25_impedances_valid(ohm, 10));
	}
	set_of(ohm);
	ohm[0] = 0.5;
	assert_false(hv_wla25_impedances_valid(ohm, 10));
	set_of(ohm);
	ohm[5] = 0.5;
	assert_false(hv_wla25_impedances_valid(ohm, 10));
	/* compute refuses what fails the gate */
	assert_int_equal(hv_wla25_compute(170, 70.0, zeros, &o), -EINVAL);
}

static void test_wla25_rounding(void **state)
{
	struct hv_wla25 o;

	(void)state;
	/* BMI at 175 cm; at 100 cm it is the weight */
	assert_int_equal(hv_wla25_compute(175, 70.0, valid_ohm, &o), 0);
	assert_true((float)o.bmi == 22.9f);
	/* half-up: 26.35 is 26.4 (half-to-even would give 26.3) */
	assert_int_equal(hv_wla25_compute(100, 26.35, valid_ohm, &o), 0);
	assert_true((float)o.weight_kg == 26.4f);
	assert_true((float)o.bmi == 26.4f);
	/* the float32 1.95 has the fraction 0.95: down to 1.9; a weight at
	 * one decimal stays (the model's results are float32) */
	assert_int_equal(hv_wla25_compute(100, 1.95, valid_ohm, &o), 0);
	assert_true((float)o.weight_kg == 1.9f);
	assert_int_equal(hv_wla25_compute(175, 70.4, valid_ohm, &o), 0);
	assert_true((float)o.weight_kg == 70.4f);
	assert_true((float)hv_wla25_round1(26.35) == 26.4f);
	assert_true((float)hv_wla25_round1(1.95) == 1.9f);
}

/* openScale's clamps and relations, over its weights at 175 cm */
static void test_wla25_outputs(void **state)
{
	static const double weights[] = { 1.9, 45.0, 70.0, 120.0, 250.0 };
	struct hv_wla25 o;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(weights); i++) {
		assert_int_equal(hv_wla25_compute(175, weights[i], valid_ohm, &o), 0);
		assert_true(o.fat_percent >= 3.0 && o.fat_percent <= 60.0);
		assert_true(o.visceral_fat >= 1 && o.visceral_fat <= 20);
	}
	assert_int_equal(hv_wla25_compute(175, 70.0, valid_ohm, &o), 0);
	assert_true(o.fat_free_kg < o.weight_kg);
	assert_true(fabs(o.muscle_kg - o.muscle_percent / 100 * o.weight_kg) <= 0.05 + 1e-6);
	assert_int_equal(o.bmr_kcal, (int)(o.fat_free_kg * 21.6 + 370.0));
	/* fat-free mass is the weight less the rounded fat mass: a tenth */
	assert_true(fabs(o.fat_free_kg * 10 - (double)(long)(o.fat_free_kg * 10 + 0.5)) < 1e-3);
}

/* The joined result derives the model with a profile, the same as
 * deriving later from what decode() kept; a lone fragment 0 derives
 * nothing (five impedances). */
#define RX_RESULT "051900a3" "80011ad0" "00" "00c8" "0bb8" "0c80" "0c1c" "0bea" "00"
#define RX_RESULT_1 "051901" "00b4" "0bb8" "0c4e" "0c08" "0bcc" "000000000000" "00"

static void test_relaxmedic_derives_wla25(void **state)
{
	static const struct hv_profile person = { .height_m = 1.75, .age_years = 35,
						  .sex = HV_SEX_MALE };
	const struct hv_driver *d = hv_driver_by_id("relaxmedic");
	struct hv_frame f0, f1, f;
	struct hv_measurement m, later;
	struct hv_wla25 o;

	(void)state;
	hv_test_gatt(&f0, "Relaxmedic", "ffb3", RX_RESULT, HV_CS_NEW);
	hv_test_gatt(&f1, "Relaxmedic", "ffb3", RX_RESULT_1, HV_CS_NEW);
	hv_test_gatt(&f, "Relaxmedic", "ffb3", "", HV_CS_NONE);
	memcpy(f.value, f0.value, 20);
	memcpy(f.value + 20, f1.value, 20);
	f.value_len = 40;
	f.profile = &person;
	sf_decode_final(&f, &m, "relaxmedic");
	assert_int_equal(hv_wla25_compute(175, 72.4, valid_ohm, &o), 0);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, hv_round_to(o.fat_percent, 1));
	sf_assert_reading(&m, HV_METRIC_FAT_FREE_MASS, hv_round_to(o.fat_free_kg, 1));
	sf_assert_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE, o.bmr_kcal);
	sf_assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, o.visceral_fat);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "wla25");
	/* without a profile, derived later from bia */
	f.profile = NULL;
	sf_decode_final(&f, &later, "relaxmedic");
	assert_null(hv_measurement_find(&later, HV_METRIC_BODY_FAT_PERCENT));
	assert_int_equal(d->derive(&person, &later), 0);
	assert_int_equal(later.n_readings, m.n_readings);
	sf_assert_reading(&later, HV_METRIC_BODY_FAT_PERCENT, hv_round_to(o.fat_percent, 1));
	/* fragment 0 alone: weight and impedance only */
	f0.profile = &person;
	sf_decode_final(&f0, &m, "relaxmedic");
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 20.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wla25_gate),
		cmocka_unit_test(test_wla25_rounding),
		cmocka_unit_test(test_wla25_outputs),
		cmocka_unit_test(test_relaxmedic_derives_wla25),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
