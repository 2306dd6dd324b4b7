// SPDX-License-Identifier: MIT
/*
 * Yunmai X scale tests (driver yunmai_x): frames written from the documented
 * layouts (the driver's header comment, docs/scales.md), decoded through the
 * whole registry.
 */
#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

static void test_yunmai_x(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* MAC reversed, 0B 74 17, session 04, state 03, W 0x1C48, Z 0x01F4,
	 * XOR(04 03 1C 48 01 F4) = 0xA6 */
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "03" "1c48" "01f4" "a6");
	sf_decode_final(&f, &m, "yunmai_x");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "01" "1c48" "0000" "51");
	sf_decode_live(&f, &m, "yunmai_x");
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "03" "1c48" "01f4" "a7");
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}


/* The encoder's frames decode back to what was encoded. */
static void test_yunmai_x_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_display("yunmai_x", NULL, 72.4, 500, true, HV_UNIT_KG, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yunmai_x),
		cmocka_unit_test(test_yunmai_x_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
