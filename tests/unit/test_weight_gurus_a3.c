// SPDX-License-Identifier: MIT
/*
 * Weight Gurus 0376 (Transtek A3) scale tests (driver weight_gurus_a3),
 * drawn from openScale (oliexdev/openScale). Frames openScale publishes (its
 * tests, issue and pull-request threads) are pinned with their source and
 * the values it states; frames a source only describes are written from the
 * layout in the driver's header comment and say so. Every frame is decoded
 * through the whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Weight Gurus 0376 (Transtek A3) --------------------------------------------------- */

/*
 * openScale WeightGurusA3HandlerTest.kt (openScale@f7a733b2) pins the
 * number encodings: FLOAT 2D 1E 00 FE = 77.25, F4 01 00 00 = 500; SFLOAT
 * F0D5 = 21.3, 000C = 12, 0FFF = −1. The frames around them are written
 * from the handler's layout; the time 0x0F000000 s after 2010-01-01.
 */
#define WG_WEIGHT_FRAME "15" "2d1e00fe" "0000000f" "f4010000" "11"
#define WG_APPEND_FRAME "3e" "0000000f" "2006" "d5f0" "2ef2" "0c00" "92f1"

static void test_weight_gurus_a3(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* weight 77.25 kg, 500 Ohm, status: composition follows */
	hv_test_gatt(&f, "00376B251016AA", "8a24", WG_WEIGHT_FRAME, HV_CS_NONE);
	sf_decode_as(&f, &m, "weight_gurus_a3");
	assert_true(m.more_packets);
	assert_false(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 77.25);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_true(m.has_raw_device_time);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1262304000 + 0x0F000000);
	/* the composition: BMR 1568, fat 21.3 %, water 55.8 %, visceral 12,
	 * muscle 40.2 % */
	hv_test_gatt(&f, "10376B", "8a22", WG_APPEND_FRAME, HV_CS_NONE);
	sf_decode_final(&f, &m, "weight_gurus_a3");
	sf_assert_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE, 1568);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 21.3);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.8);
	sf_assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 12);
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 40.2);
	assert_null(hv_measurement_find(&m, HV_METRIC_BONE_MASS));
	/* a negative SFLOAT (0FFF = −1) is no figure; bone % is skipped */
	hv_test_gatt(&f, "10376B", "8a22", "44" "0000000f" "ff0f" "23f0", HV_CS_NONE);
	sf_decode_as(&f, &m, "weight_gurus_a3");
	assert_int_equal(m.n_readings, 0);
	/* no status: the weight is the whole record */
	hv_test_gatt(&f, "00376B", "8a24", "01" "2d1e00fe" "0000000f", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_false(m.more_packets);
	/* truncated fields */
	hv_test_gatt(&f, "00376B", "8a24", "05" "2d1e00fe" "0000000f" "f401", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "weight_gurus_a3");
	hv_test_gatt(&f, "00376B", "8a22", "04" "0000000f" "d5", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "weight_gurus_a3");
	/* "[01]0376B" only: the other Transtek scales share 0x8A2x */
	hv_test_gatt(&f, "20376B", "8a24", WG_WEIGHT_FRAME, HV_CS_NONE);
	assert_false(hv_driver_by_id("weight_gurus_a3")->claims_device(&f));
	hv_test_gatt(&f, "01257B", "8a22", WG_APPEND_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "weight_gurus_a3");
	assert_non_null(hv_driver_by_id("weight_gurus_a3")->conversation);
}


/* The encoder's frames decode back to what was encoded. */
static void test_weight_gurus_a3_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("weight_gurus_a3", "00376B1", 77.25, 500, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight_gurus_a3),
		cmocka_unit_test(test_weight_gurus_a3_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
