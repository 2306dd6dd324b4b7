// SPDX-License-Identifier: MIT
/*
 * The body-composition formulas the scale drivers share
 * (drivers/bodycomp_libs.h): Trisa, Yunmai and the standard BIA set, a
 * profile too incomplete for any, the QN impedance conversion and the square
 * root the drivers use instead of libm's.
 */
#include "drivers/bodycomp_libs.h"
#include "tests/unit/scale_frames.h"

/* --- body-composition methods ---------------------------------------------- */

static void test_bodycomp_methods(void **state)
{
	struct hv_profile male = { .height_m = 1.80, .age_years = 30,
				   .sex = HV_SEX_MALE };
	struct hv_profile female = { .height_m = 1.65, .age_years = 28,
				     .sex = HV_SEX_FEMALE };
	struct hv_profile partial = { .height_m = 1.65 };
	struct hv_measurement m;

	(void)state;
	hv_assert_near(hv_sqrt(2), 1.41421356, 1e-8);
	hv_assert_near(hv_sqrt(0.25), 0.5, 1e-12);
	hv_assert_near(hv_sqrt(-1), 0, 0);

	/* Trisa female: BMI 60/1.65² = 22.04, Z 30 */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_trisa(&female, 60, 30, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       60 / (1.65 * 1.65) * (1.506 + 3.908e-4 * 30) + 2.8 - 12.834,
		       0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       77.721 - 1.148 * 60 / (1.65 * 1.65) - 0.00573 * 30 +
			    0.06448 * 28,
		       0.051);

	/* Yunmai female, R 500 */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_yunmai(&female, 60, 500, &m), 0);
	{
		double fat = 60 * 1.5 / (1.65 * 1.65) + 28 * 0.08 - 7.4 + 2;

		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), fat, 0.051);
		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
			       (100 - fat) * 0.726, 0.051);
		/* visceral: f = fat − 34 < 0 → f / 1.8 + 9.5 */
		hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING),
			       (fat - 34) / 1.8 + 9.5, 0.051);
	}

	/* incomplete profile: nothing */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_standard(&partial, 80, 527, &m), 0);
	assert_int_equal(hv_bodycomp_trisa(&partial, 80, 30, &m), 0);
	assert_int_equal(hv_bodycomp_yunmai(&partial, 80, 500, &m), 0);
	assert_int_equal(m.n_readings, 0);

	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_standard(&male, 80, 527, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), 60.62, 0.006);
	hv_assert_near(hv_qn_impedance(500), 30, 1e-9);
	hv_assert_near(hv_qn_impedance(300), 3, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodycomp_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
