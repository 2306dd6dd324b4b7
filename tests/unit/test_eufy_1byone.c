// SPDX-License-Identifier: MIT
/*
 * 1byone / Eufy scale tests (driver eufy_1byone):
 * frames written from the documented layouts (the driver's header comment,
 * docs/scales.md), decoded through the whole registry.
 */
#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- 1byone / Eufy -------------------------------------------------------- */

static void test_eufy(void **state)
{
	struct hv_profile p = { .height_m = 1.80, .age_years = 30,
				.sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* CF, Z = 5270 × 0.1 = 527.0 (ZL 96 ZH 14), W 8000 LE = 80.00 kg */
	hv_test_gatt(&f, "eufy T9146", "fff4", "cf9614" "401f" "00000000" "00" "00",
		     HV_CS_NONE);
	f.profile = &p;
	sf_decode_as(&f, &m, "eufy_1byone");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 80.0);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 527.0);
	/* the standard impedance fixture: M 30 y, 1.80 m, 80 kg, 527 Ohm */
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), 60.62, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 24.2, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 53.8, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 39.3, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE), 1679, 0.51);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.46, 0.006);

	/* no impedance (b9 = 1): live weight */
	hv_test_gatt(&f, "Health Scale", "fff4", "cf0000" "401f" "00000000" "01" "00",
		     HV_CS_NONE);
	sf_decode_as(&f, &m, "eufy_1byone");
	assert_false(m.final);

	/* history record with its time, 2024-03-15 08:30:00 */
	hv_test_gatt(&f, "Health Scale", "fff4",
		     "cf9614" "401f" "00000000" "00" "00" "07e8" "030f081e00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	/* invalid record time */
	hv_test_gatt(&f, "Health Scale", "fff4",
		     "cf9614" "401f" "00000000" "00" "00" "07e8" "0d0f081e00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "Health Scale", "fff4", "cf9614401f", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}


/* The encoder's frames decode back to what was encoded. */
static void test_eufy_1byone_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_display("eufy_1byone", "eufy T9120", 80.0, 527, true, HV_UNIT_KG, true);
}

/* The conversation's payloads for a fixed clock and user. */
static void test_eufy_1byone_conversation_payloads(void **state)
{
	struct hv_session s = {
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.user_index = 0,
		.profile = { .height_m = 1.80, .age_years = 44, .sex = HV_SEX_MALE },
		.name = "0203B2",
	};

	(void)state;
	/* Eufy: unit (XOR of all previous bytes) and local clock, year BE */
	hv_test_assert_payload("eufy_1byone", "unit", &s,
			       "fd370001" "000000000000" "cb");
	hv_test_assert_payload("eufy_1byone", "clock", &s, "f107e8030f091e00");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eufy),
		cmocka_unit_test(test_eufy_1byone_encoder_roundtrip),
		cmocka_unit_test(test_eufy_1byone_conversation_payloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
