// SPDX-License-Identifier: MIT
/*
 * Senssun scale tests (driver senssun), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Senssun ----------------------------------------------------------------------- */

/*
 * openScale SenssunHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its parser (FF A5 V1 V2 type).
 */
static void test_senssun(void **state)
{
	const struct hv_step *stable = hv_test_find_step("senssun", "wait for the stable weight, fff0", NULL);
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* live and stable 72.4 kg: not final, the composition follows */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d40000a0", HV_CS_NONE);
	sf_decode_live(&f, &m, "senssun");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d40000aa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal((s.quirks >> 8) & 0xFFFF, 724);

	/* B0: fat 21.3 %, water 55.0 %, the first packet with the weight */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa500d50226b0", HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_as(&f, &m, "senssun");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 21.3);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.0);
	/* C0: muscle 40.2 %, bone 3.1 kg (little-endian), the last packet */
	hv_test_gatt(&f, "SENSSUN FAT", "ffb2", "ffa501921f00c0", HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_final(&f, &m, "senssun");
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 40.2);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.1);
	/* BE: the fat test failed: the kept weight alone */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa500000000be", HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	assert_int_equal(m.n_readings, 1);
	/* without a kept weight (outside a session) these read nothing */
	f.quirks = 0;
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* short, and not FF A5 */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d400", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "senssun");
	/* the exact name only on the shared UUIDs */
	hv_test_gatt(&f, "SENSSUN FAT 2", "fff1", "ffa502d40000aa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "senssun");
	/* model B's service does not make it a LeFu scale */
	f = (struct hv_frame){ .name = "Senssun Fat", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("senssun"));
}

static void test_senssun_conversation(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("senssun")->conversation;
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = sf_male35, .user_index = 2,
				.records_expected = -1 };
	const struct hv_step *sub_a;
	size_t i_sub_b;

	(void)state;
	hv_test_check_conversation(c);
	/* 2024-03-15 is day 75: A5 30 18 00 4B 00 00 sum 00 */
	hv_test_assert_payload("senssun", "date (A5 30), fff0", &s, "a53018004b00009300");
	hv_test_assert_payload("senssun", "time (A5 31), ffb0", &s, "a531091e0500005d00");
	/* male, slot 2, 35 y, 180 cm */
	hv_test_assert_payload("senssun", "user (A5 10), fff0", &s, "a510f223b40000d900");
	/* model A missing: model B's steps */
	sub_a = hv_test_find_step("senssun", "subscribe 0xFFF1", NULL);
	hv_test_find_step("senssun", "subscribe 0xFFB2", &i_sub_b);
	assert_int_equal(sub_a->on_fail, (int)i_sub_b);
	assert_int_equal(c->steps[i_sub_b - 1].op, HV_STEP_END);
}


/* The encoder's frames decode back to what was encoded. */
static void test_senssun_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("senssun", "SENSSUN FAT", 72.4, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_senssun),
		cmocka_unit_test(test_senssun_conversation),
		cmocka_unit_test(test_senssun_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
