// SPDX-License-Identifier: MIT
/*
 * Sinocare scale tests (driver sinocare), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Sinocare --------------------------------------------------------------- */

/*
 * openScale SinocareHandlerTest.kt (openScale@daeb37ff, PR #1517): a
 * CW286 advert, AD 14 FF 00 00 …, address zeroed: 74.30 kg.
 */
#define SINOCARE_CW286 "0000" "000000000000" "ce0000" "061d" "0000000001" "d4"

static void test_sinocare_published(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_mfr(&f, "Weight Scale", SINOCARE_CW286);
	sf_decode_final(&f, &m, "sinocare");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 74.30);
	assert_int_equal(m.n_readings, 1);

	/* the same payload under 0xFF64, the handler's own company ID */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001" "d4");
	sf_decode_as(&f, &m, "sinocare");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 74.30);

	/* 0x0000 is Ericsson's ID: not Sinocare's without the name */
	hv_test_mfr(&f, NULL, SINOCARE_CW286);
	sf_assert_not_mine(&f);
	hv_test_mfr(&f, "Weight Scale 2", SINOCARE_CW286);
	sf_assert_not_mine(&f);
}

static void test_sinocare_checks(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* checksum off by one */
	hv_test_mfr(&f, "Weight Scale", "0000" "000000000000" "ce0000" "061d" "0000000001" "d5");
	sf_decode_invalid(&f, &m, "sinocare");
	/* the checksum leaves bytes 0..5 out */
	hv_test_mfr(&f, NULL, "64ff" "a1b2c3d4e5f6" "ce0000" "061d" "0000000001" "d4");
	sf_decode_as(&f, &m, "sinocare");
	/* 16 bytes: too short */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001");
	sf_decode_invalid(&f, &m, "sinocare");
	/* nothing on the scale: no reading */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "0000" "0000000001" "cf");
	sf_decode_live(&f, &m, "sinocare");
	assert_int_equal(m.n_readings, 0);
}


/* The encoder's frames decode back to what was encoded. */
static void test_sinocare_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("sinocare", NULL, 74.30, 0, true);
	sf_roundtrip_weight("sinocare", "Weight Scale", 150.05, 0, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sinocare_published),
		cmocka_unit_test(test_sinocare_checks),
		cmocka_unit_test(test_sinocare_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
