// SPDX-License-Identifier: MIT
/*
 * Runstar R5 scale tests (driver runstar_r5), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Runstar R5 --------------------------------------------------------------- */

/*
 * openScale RunstarR5Handler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its layout (type A2 at [3], mode at [4], weight
 * 0x680000 + grams at [6..8]).
 */
static void test_runstar_r5(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* measuring 72.400 kg: 0x680000 + 72400 = 0x691AD0 */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20100691ad0" "0000000000000000000000", HV_CS_NONE);
	sf_decode_live(&f, &m, "runstar_r5");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* stable */
	hv_test_gatt(&f, "Runstar-RX", "ffb2",
		     "000000a20200691ad0" "0000000000000000000000", HV_CS_NONE);
	sf_decode_final(&f, &m, "runstar_r5");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* below the base: nothing on the scale */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20200680000" "0000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* other types and modes read nothing; 19 bytes is malformed */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a30200691ad0" "0000000000000000000000", HV_CS_NONE);
	sf_decode_as(&f, &m, "runstar_r5");
	assert_int_equal(m.n_readings, 0);
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20200691ad0" "00000000000000000000", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "runstar_r5");
	/* the known names only: not the R6, nor any RUNSTAR- */
	hv_test_gatt(&f, "RUNSTAR-R7", "ffb2",
		     "000000a20200691ad0" "0000000000000000000000", HV_CS_NONE);
	assert_false(hv_driver_by_id("runstar_r5")->claims_device(&f));
	f.name = "Runstar-R6";
	assert_false(hv_driver_by_id("runstar_r5")->claims_device(&f));
	/* chosen over the LeFu driver on the shared service */
	f = (struct hv_frame){ .name = "RUNSTAR-R5", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("runstar_r5"));
}

static void test_runstar_r5_conversation(void **state)
{
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = sf_male35, .user_index = -1,
				.records_expected = -1 };
	const struct hv_step *wait = hv_test_find_step("runstar_r5", "wait for the stable", NULL);
	struct hv_frame f;

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("runstar_r5")->conversation);
	hv_test_assert_payload("runstar_r5", "start (F7)", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("runstar_r5", "start (FA)", &s, "ac02fa000000ccc6");
	hv_test_assert_payload("runstar_r5", "profile", &s, "ac02fb0123b4cc9f");
	hv_test_assert_payload("runstar_r5", "date", &s, "ac02fd18030fccf3");
	hv_test_assert_payload("runstar_r5", "time", &s, "ac02fc091e05ccf4");
	/* its unit code: 0 = kg */
	hv_test_assert_payload("runstar_r5", "unit kg", &s, "ac02fe060000ccd0");
	hv_test_gatt(&f, NULL, "ffb2", "000000a20100691ad0" "0000000000000000000000",
		     HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	f.value[4] = 0x02;
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_runstar_r5_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("runstar_r5", "RUNSTAR-R5", 72.4, 0, true);
	sf_roundtrip_weight("runstar_r5", "RUNSTAR-RX", 180.25, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runstar_r5),
		cmocka_unit_test(test_runstar_r5_conversation),
		cmocka_unit_test(test_runstar_r5_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
