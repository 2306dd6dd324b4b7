// SPDX-License-Identifier: MIT
/*
 * Scale Up scale tests (driver scaleup), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Scale Up --------------------------------------------------------------- */

/*
 * openScale ScaleupHandler.kt (openScale@f7a733b2) publishes no frame:
 * these are written from its layout (flag, weight BE, impedance BE, MAC).
 */
static void test_scaleup(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* measuring 72.40 kg */
	hv_test_mfr(&f, "da", "d01c48" "0000" "112233445566");
	sf_decode_live(&f, &m, "scaleup");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	/* stable 72.40 kg, impedance 500 */
	hv_test_mfr(&f, "DA", "e01c48" "01f4" "112233445566");
	sf_decode_final(&f, &m, "scaleup");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	/* out of range (0.49 kg, 300.01 kg): no weight */
	hv_test_mfr(&f, "da", "e00031" "01f4" "112233445566");
	sf_decode_as(&f, &m, "scaleup");
	assert_int_equal(m.n_readings, 0);
	hv_test_mfr(&f, "da", "e07531" "01f4" "112233445566");
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);

	/* nameless: only when bytes 5..10 are the device's own address */
	hv_test_mfr(&f, NULL, "e01c48" "01f4" "112233445566");
	sf_assert_not_mine(&f);
	f.address = "11:22:33:44:55:66";
	sf_decode_as(&f, &m, "scaleup");
	f.address = "66:55:44:33:22:11";
	sf_decode_as(&f, &m, "scaleup");
	f.address = "11:22:33:44:55:67";
	sf_assert_not_mine(&f);
	/* Google's company 0x00E0 with other data, even from a "da" */
	hv_test_mfr(&f, "dab", "e000" "0102030405060708");
	sf_assert_not_mine(&f);
	/* other flags are not Scale Up's */
	hv_test_mfr(&f, "da", "c01c48" "01f4" "112233445566");
	sf_assert_not_mine(&f);
}



/* The encoder's frames decode back to what was encoded. */
static void test_scaleup_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("scaleup", "da", 72.4, 500, true);
	sf_roundtrip_weight("scaleup", "da", 88.15, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scaleup),
		cmocka_unit_test(test_scaleup_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
