// SPDX-License-Identifier: MIT
/*
 * Yunmai scale tests (driver yunmai): frames written from the documented
 * layouts (the driver's header comment, docs/scales.md), decoded through the
 * whole registry.
 */
#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Yunmai --------------------------------------------------------------- */

static void test_yunmai(void **state)
{
	struct hv_profile p = { .height_m = 1.75, .age_years = 30,
				.sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 0D VV=10 LL=12 TT=02 00 ts uid W=0x1C48 R=0x01F4 XX */
	hv_test_gatt(&f, "YUNMAI-ISM2-W", "ffe4",
		     "0d101202" "00" "65f40708" "00000001" "1c48" "01f4" "00",
		     HV_CS_XOR_FROM1);
	sf_decode_final(&f, &m, "yunmai");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_int_equal(m.raw_device_time.year, 2024);

	f.profile = &p;
	hv_test_decode(&f, &m);
	/* r = sqrt(4) = 2; fat = 72.4 × 1.5 / 1.75² + 2.4 − 10.8 − 7.4 + 2 */
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "yunmai");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       72.4 * 1.5 / (1.75 * 1.75) + 2.4 - 10.8 - 7.4 + 2, 0.051);
	assert_non_null(hv_measurement_find(&m, HV_METRIC_VISCERAL_FAT_RATING));

	/* protocol >= 0x1E: the scale's fat, 21.50 % */
	hv_test_gatt(&f, "YUNMAI-SIGNAL-M1", "ffe4",
		     "0d1e1402" "00" "65f40708" "00000001" "1c48" "01f4" "0866" "00",
		     HV_CS_XOR_FROM1);
	sf_decode_as(&f, &m, "yunmai");
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 21.5);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* SE: weight only; measuring frames are live */
	hv_test_gatt(&f, "YUNMAI-ISSE-US", "ffe4",
		     "0d101201" "00" "65f40708" "00000001" "1c48" "01f4" "00",
		     HV_CS_XOR_FROM1);
	sf_decode_live(&f, &m, "yunmai");
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* wrong XOR */
	hv_test_gatt(&f, "YUNMAI-ISM2-W", "ffe4",
		     "0d101202" "00" "65f40708" "00000001" "1c48" "01f4" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}


/* The encoder's frames decode back to what was encoded. */
static void test_yunmai_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_display("yunmai", "YUNMAI-ISM", 72.4, 480, true, HV_UNIT_KG, true);
	sf_roundtrip_display("yunmai", "YUNMAI-ISM", 55.55, 0, false, HV_UNIT_KG, true);
}

/* The conversation's payloads for a fixed clock and user. */
static void test_yunmai_conversation_payloads(void **state)
{
	struct hv_session s = sf_payload_session("SANITAS SBF70");

	(void)state;
	/* Yunmai: user (uid 1, 180 cm, male, 44 y, kg) and time, XOR from 1 */
	hv_test_assert_payload("yunmai", "set user", &s,
			       "0d1210010000" "0001" "b4" "01" "2c" "555a0000" "01" "00" "95");
	hv_test_assert_payload("yunmai", "set time", &s,
			       "0d0d11" "65f40708" "000000000000" "82");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yunmai),
		cmocka_unit_test(test_yunmai_encoder_roundtrip),
		cmocka_unit_test(test_yunmai_conversation_payloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
