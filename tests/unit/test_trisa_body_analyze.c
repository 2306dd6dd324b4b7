// SPDX-License-Identifier: MIT
/*
 * Trisa Body Analyze 4.0 scale tests (driver trisa_body_analyze), drawn from
 * openScale (oliexdev/openScale). Frames openScale publishes (its tests,
 * issue and pull-request threads) are pinned with their source and the
 * values it states; frames a source only describes are written from the
 * layout in the driver's header comment and say so. Every frame is decoded
 * through the whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Trisa Body Analyze 4.0 ----------------------------------------------------------- */

/*
 * openScale's TrisaBodyAnalyzeLibTest.java (android_app/app/src/androidTest/
 * java/com/health/openscale/, openScale@7120927d): two captured
 * measurements with their weights, times and (male, 36 y, 186 cm) the
 * composition openScale computed: fat 14.728368 %, water 64.37914 %,
 * muscle 43.36414 %, bone 4.525733 kg.
 */
#define TRISA_A "9fb01d00fedc2f8110000000ff0a1500ff000900"
#define TRISA_B "9fba1d00fe322b7110000000ff8d1400ff000900"

static void test_trisa(void **state)
{
	static const struct hv_profile male36 = { .height_m = 1.86, .age_years = 36,
						  .sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "01257B0123", "8a21", TRISA_A, HV_CS_NONE);
	f.profile = &male36;
	f.now = 1539205852 + 60;
	sf_decode_final(&f, &m, "trisa_body_analyze");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.0, 1e-3);
	/* Wed Oct 10 21:10:52 2018, the scale's clock */
	assert_true(m.has_raw_device_time);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1539205852);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 538.6, 1e-6);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "trisa");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 14.728368, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 64.37914, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 43.36414, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 4.525733, 0.005);

	/* 76.1 kg, Fri Sep 28 17:34:42 2018; no profile: no composition */
	hv_test_gatt(&f, "11257B", "8a21", TRISA_B, HV_CS_NONE);
	sf_decode_as(&f, &m, "trisa_body_analyze");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.1, 1e-3);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1538156082);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* no time bit: openScale reads nothing; flags that want more bytes */
	hv_test_gatt(&f, "01257B", "8a21", "9eb01d00fedc2f8110", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "trisa_body_analyze");
	hv_test_gatt(&f, "01257B", "8a21", "9fb01d00fedc2f811000000000", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "trisa_body_analyze");
	/* a weight alone (flags 01) */
	hv_test_gatt(&f, "01257B", "8a21", "01b01d00fedc2f8110", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.0, 1e-3);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* 0x8A21 is Medisana's too: the name (case as sent) or 0x7802 only */
	hv_test_gatt(&f, "01257b", "8a21", TRISA_A, HV_CS_NONE);
	assert_false(hv_driver_by_id("trisa_body_analyze")->claims_device(&f));
	hv_test_gatt(&f, "0203B", "8a21", TRISA_A, HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "trisa_body_analyze");
	/* the password handshake: tests/unit/test_trisa_conversation.c */
	assert_non_null(hv_driver_by_id("trisa_body_analyze")->conversation);
}


/* The encoder's frames decode back to what was encoded. */
static void test_trisa_body_analyze_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("trisa_body_analyze", "01257B", 76.1, 538.6, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trisa),
		cmocka_unit_test(test_trisa_body_analyze_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
