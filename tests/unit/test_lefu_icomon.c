// SPDX-License-Identifier: MIT
/*
 * Lefu / iComon family, with its EEBBL and Dr Trust SSW532 variants scale tests (driver lefu_icomon), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- EEBBL (a lefu_icomon variant) ------------------------------------------------- */

#define A2_LOCKED_72450 "0107" "00a2" "03" "00" "011b02" "00000000000000000000" "00"
#define A2_SETTLING "0107" "00a2" "01" "00" "011a00" "00000000000000000000" "00"

static void test_eebbl(void **state)
{
	struct hv_session s = sf_session("EEBBL Scale");
	const struct hv_step *stable, *fin;
	size_t i_fin, i_end;
	struct hv_frame f, settling;
	struct hv_measurement m;

	(void)state;
	assert_ptr_equal(hv_registry_select(&(struct hv_frame){ .name = "EEBBL Scale" }),
			 hv_driver_by_id("lefu_icomon"));
	/* the same AC initialisation as the family */
	hv_test_assert_payload("lefu_icomon", "init F7", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("lefu_icomon", "user", &s, "ac02fb012cb4cca8");

	stable = hv_test_find_step("lefu_icomon", "wait for a stable weight", NULL);
	fin = hv_test_find_step("lefu_icomon", "EEBBL: wait", &i_fin);
	(void)hv_test_find_step("lefu_icomon", "done (EEBBL)", &i_end);
	assert_int_equal(i_end, i_fin + 1);
	hv_test_gatt(&f, "EEBBL Scale", "ffb2", A2_LOCKED_72450, HV_CS_NEW);
	hv_test_gatt(&settling, "EEBBL Scale", "ffb2", A2_SETTLING, HV_CS_NEW);
	/* out of a session, or before it settles: live */
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_false(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* seven locked, a settling one: the run starts again */
	for (int i = 0; i < 7; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(stable->on_value(&s, settling.value, settling.value_len),
			 HV_VALUE_MORE);
	for (int i = 0; i < 7; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* the eighth: settled, kept */
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_fin);
	/* the next locked frame is the measurement, once */
	f.quirks = s.quirks;
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* a locked frame of another weight is not */
	hv_test_gatt(&settling, "EEBBL Scale", "ffb2",
		     "0107" "00a2" "03" "00" "011a00" "00000000000000000000" "00", HV_CS_NEW);
	settling.quirks = s.quirks;
	hv_test_decode(&settling, &m);
	assert_false(m.final);
	assert_int_equal(fin->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* other names on the family keep the AC path */
	s = sf_session("Swan");
	hv_test_gatt(&f, "Swan", "ffb2", A2_LOCKED_72450, HV_CS_NEW);
	for (int i = 0; i < 10; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* below 30 kg never settles */
	s = sf_session("EEBBL");
	hv_test_gatt(&f, "EEBBL", "ffb2",
		     "0107" "00a2" "03" "00" "004e20" "00000000000000000000" "00", HV_CS_NEW);
	for (int i = 0; i < 10; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

/* --- Dr Trust SSW532 (a lefu_icomon variant) ------------------------------------- */

#define SSW_RESULT0 "072300a30000000000011ad0000001000000000f"
/* Z3 42.4, Z4 230.0, Z5 227.6 Ohm: 500 Ohm foot to foot */
#define SSW_RESULT1 "07230100000000a801fc08e40800000000000019"
#define SSW_END "0723020000000000000000000000000000000000"
#define SSW_REPLAY0 "072300a10000000000011ad0000001000000000d"

static void test_ssw532_conversation(void **state)
{
	struct hv_session s = sf_session("SSW532");
	const struct hv_step *init, *setup0, *setup1, *result;
	size_t i_setup0, i_setup1, i_teardown;
	uint8_t v0[20] = { 0x5A, 0x18, 0x00 }, v1[20] = { 0x5A, 0x18, 0x01 };
	struct hv_frame f;
	struct hv_measurement m;
	char hex[64];

	(void)state;
	/* 0xFFB3 before 0xFFB2, as openScale subscribes */
	assert_string_equal(hv_driver_by_id("lefu_icomon")->conversation->steps[0].characteristic,
			    "ffb3");
	/* the AC initialisation refuses the new framing and leads to the
	 * new framing's first frame (shared with the Runstar R6), whose
	 * set-up frame 0 goes on to the SSW532 set-up */
	init = hv_test_find_step("lefu_icomon", "init F7", NULL);
	setup0 = hv_test_find_step("lefu_icomon", "Runstar R6: wait for a frame", &i_setup0);
	setup1 = hv_test_find_step("lefu_icomon", "SSW532: set-up frame 1", &i_setup1);
	result = hv_test_find_step("lefu_icomon", "SSW532: wait for the end", NULL);
	(void)hv_test_find_step("lefu_icomon", "SSW532: teardown", &i_teardown);
	assert_int_equal(init->on_fail, (int)i_setup0);
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);
	/* no session id yet: nothing to send */
	assert_int_equal(hv_test_payload("lefu_icomon", "SSW532: session packet", &s, hex,
					 sizeof(hex)),
			 -ENODATA);
	v0[19] = 0;
	assert_int_equal(setup0->on_value(&s, v1, sizeof(v1)), HV_VALUE_MORE);
	assert_int_equal(setup0->on_value(&s, v0, sizeof(v0)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_setup1);
	assert_int_equal(setup1->on_value(&s, v1, sizeof(v1)), HV_VALUE_DONE);
	/* session id 0x5A; [19] = sum of [3..18] mod 32 */
	hv_test_assert_payload("lefu_icomon", "SSW532: session packet", &s,
			       "000300b05a00000000000000000000000000000a");
	/* 2024-03-15 08:30:00 UTC, 180 cm, 0x80 | 44 */
	hv_test_assert_payload("lefu_icomon", "SSW532: profile and time", &s,
			       "011a00b865f40708014a01b41770ac13880f001d");
	hv_test_assert_payload("lefu_icomon", "SSW532: app id", &s,
			       "011a010000000669636f6d6f6e0000000000000b");
	hv_test_assert_payload("lefu_icomon", "SSW532: teardown", &s,
			       "040300b05a00000000000000000000000000000a");
	{
		const struct hv_conversation *c = hv_driver_by_id("lefu_icomon")->conversation;

		/* the teardown is the SSW532 set-up's last step before its end */
		assert_true(i_teardown + 1 < c->n_steps);
		assert_int_equal(c->steps[i_teardown + 1].op, HV_STEP_END);
	}

	/* fragment 0: the final weight, first packet; kept */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT0, HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_true(m.final);
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7240);
	/* fragment 1: Z3 + Z4 + Z5 completes it, standard impedance */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT1, HV_CS_NONE);
	f.quirks = s.quirks;
	f.profile = &sf_male44;
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_true(m.final);
	assert_false(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* the end: nothing more to decode, the conversation acknowledges */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_control(&f, &m, "lefu_icomon");
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);

	/* without the handles: the end completes it with the weight */
	s = sf_session("SSW532");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT0, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);

	/* a stored replay keeps nothing: its end is not waited for */
	s = sf_session("SSW532");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_REPLAY0, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT1, HV_CS_NONE);
	f.quirks = s.quirks;
	sf_decode_control(&f, &m, "lefu_icomon");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eebbl),
		cmocka_unit_test(test_ssw532_conversation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
