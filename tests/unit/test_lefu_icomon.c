// SPDX-License-Identifier: MIT
/*
 * Lefu / iComon family scale tests (driver lefu_icomon), with its EEBBL, Dr
 * Trust SSW532 and Runstar R6 variants, drawn from openScale's scale
 * handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 * Below them, captures other projects published, each next to its source
 * (repository, path, commit) with the values the source states.
 */
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "tests/unit/scale_frames.h"

/* --- EEBBL (a lefu_icomon variant) ------------------------------------------------- */

#define A2_LOCKED_72450 "0107" "00a2" "03" "00" "011b02" "00000000000000000000" "00"
#define A2_SETTLING "0107" "00a2" "01" "00" "011a00" "00000000000000000000" "00"

/* Where a failing step leads when its on_fail step fails too (the Robi S9
 * handshake's frame 0 comes between the refused AC start and the new
 * framing's wait). */
static int lf_fail_target(const struct hv_step *st)
{
	const struct hv_conversation *c = hv_driver_by_id("lefu_icomon")->conversation;
	const struct hv_step *next = &c->steps[st->on_fail];

	assert_int_equal(next->payload != NULL, true);
	assert_memory_equal(next->what, "Robi S9: handshake frame 0", 26);
	return next->on_fail;
}

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
	sf_decode_live(&f, &m, "lefu_icomon");
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
	sf_decode_final(&f, &m, "lefu_icomon");
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
	/* by way of the Robi S9 handshake, which refuses it too */
	assert_int_equal(lf_fail_target(init), (int)i_setup0);
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);
	assert_int_equal(hv_test_payload("lefu_icomon", "Robi S9: handshake frame 0", &s,
					 hex, sizeof(hex)),
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
	sf_decode_final(&f, &m, "lefu_icomon");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7240);
	/* fragment 1: Z3 + Z4 + Z5 completes it, standard impedance */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT1, HV_CS_NONE);
	f.quirks = s.quirks;
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, "lefu_icomon");
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
	sf_decode_final(&f, &m, "lefu_icomon");
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

/* --- Runstar R6 (lefu_icomon, new framing) ------------------------------------ */

/* openScale RunstarR6HandlerTest.kt (openScale@7d4c6d71): the frame of a
 * physical R6 verbatim, and frames its helper builds (checksum computed) */
#define R6_CAPTURED "f30800a30001032e4b024500000000000000" "0007"
#define R6_A3 "010800a300014c084a01f4" "0000000000000000" "00"
#define R6_A4 "010900a46800000000014c08" "00000000000000" "00"

static void test_runstar_r6(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_CAPTURED, HV_CS_NONE);
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 66.35);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 75);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 581);

	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A3, HV_CS_NEW);
	sf_decode_as(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 85.0);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 74);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	/* a non-zero status is not a reason to drop the weighing */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010800a307014c084a01f4" "0000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 85.0);
	/* zero heart rate and impedance: absent, the weight kept */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010800a300014c0800000000" "00000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 85.0);
	assert_null(hv_measurement_find(&m, HV_METRIC_HEART_RATE));
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* checksum 0x1E where 0x1F.. is due */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A3, HV_CS_NEW);
	f.value[19] = (uint8_t)((f.value[19] + 1) & 0x1F);
	sf_decode_invalid(&f, &m, "lefu_icomon");
	/* the third byte not zero: no result */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010801a300014c084a01f4" "0000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* a live frame and the device information are not results */
	hv_test_gatt(&f, "Runstar-R6", "ffb2",
		     "010600a20100014c08" "00000000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010500a100010203" "0000000000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);

	/* RunstarR6HandlerTest's Fitdays FG2202WB frame, verbatim: the first
	 * part of a 0x1A message, status 0x25, 10.34 kg, heart rate 0 */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", "051a00a32500286400003200" "0a0000000a00001a",
		     HV_CS_NONE);
	sf_decode_as(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 10.34);
	assert_null(hv_measurement_find(&m, HV_METRIC_HEART_RATE));
	/* the Robi S9 keeps its 0x08 rule */
	f.name = "Robi S9";
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));

	/* the stored weighing (A4): 85.0 kg at Unix 0x68000000 */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A4, HV_CS_NEW);
	f.now = 1744830464 + 3600;
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 85.0);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2025);
	assert_int_equal(m.raw_device_time.month, 4);
	assert_int_equal(m.raw_device_time.day, 16);
	assert_int_equal(m.raw_device_time.hour, 19);
	assert_int_equal(m.raw_device_time.minute, 7);

	/* selected by its name alone */
	f = (struct hv_frame){ .name = "Runstar-R6" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("lefu_icomon"));
}

static void test_runstar_r6_conversation(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("lefu_icomon")->conversation;
	struct hv_session s = { .name = "Runstar-R6", .user_index = -1,
				.records_expected = -1 };
	const struct hv_step *init, *wait, *next;
	size_t i_init, i_wait, i_ack, i_next;
	struct hv_frame f;
	char hex[64];

	(void)state;
	hv_test_check_conversation(c);
	/* no AC start for it: the refused start leads to the R6 wait */
	init = hv_test_find_step("lefu_icomon", "init F7", &i_init);
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);
	wait = hv_test_find_step("lefu_icomon", "Runstar R6: wait for a frame", &i_wait);
	assert_int_equal(lf_fail_target(init), (int)i_wait);
	assert_int_equal(hv_test_payload("lefu_icomon", "Robi S9: handshake frame 0", &s,
					 hex, sizeof(hex)),
			 -EOPNOTSUPP);
	hv_test_find_step("lefu_icomon", "Runstar R6: acknowledge", &i_ack);
	next = hv_test_find_step("lefu_icomon", "Runstar R6: wait for the next", &i_next);
	assert_int_equal(i_next, i_ack + 1);

	/* the published frame, sequence 0xF3, is acknowledged: B0 F3 00 */
	hv_test_gatt(&f, NULL, "ffb3", R6_CAPTURED, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack);
	assert_int_equal(hv_test_payload("lefu_icomon", "Runstar R6: acknowledge", &s,
					 hex, sizeof(hex)), 0);
	assert_string_equal(hex, "000300b0f3000000000000000000000000000003");
	/* a stored weighing, then the device information */
	hv_test_gatt(&f, NULL, "ffb3", R6_A4, HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	hv_test_gatt(&f, NULL, "ffb3", "070500a100010203" "0000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(hv_test_payload("lefu_icomon", "Runstar R6: acknowledge", &s,
					 hex, sizeof(hex)), 0);
	assert_memory_equal(hex + 8, "07", 2);
	/* a bad checksum or an A0 echo is not acknowledged */
	f.value[19] ^= 1;
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffb3", "070300a0f300" "00000000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* the Robi S9 keeps needing its own handshake: nothing here is for
	 * it (only an SSW532 set-up frame would go on), it ends at the timeout */
	s.name = "Robi S9";
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(c->steps[wait->on_fail].op, HV_STEP_END);
}

/* --- LeFu / Icomon -------------------------------------------------------- */

static void test_lefu_ac(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* live weight 0x1C48 = 72.40 kg */
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ce00", HV_CS_AC);
	sf_decode_live(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* stable weight (0xCA): the final weight, first packet (the
	 * impedance completes it) */
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ca00", HV_CS_AC);
	sf_decode_final(&f, &m, "lefu_icomon");
	assert_true(m.more_packets);
	/* FitTrack: 0.1 kg steps, 0x02D4 = 72.4 */
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac0202d40000ca00", HV_CS_AC);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);

	/* impedance 500 Ohm with the kept weight (session quirks) */
	hv_test_gatt(&f, "Swan", "ffb2", "ac02fd0101f4cb00", HV_CS_AC);
	sf_decode_live(&f, &m, "lefu_icomon"); /* no weight kept: not a measurement */
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	f.quirks = 7240u << 8;
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "standard_impedance");

	/* FitTrack dump value: fat 23.5 %, live */
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac02fe0200ebcb00", HV_CS_AC);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac02fe040009cb00", HV_CS_AC);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 9);

	/* bad checksum; wrong length; command echo */
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ce00", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "lefu_icomon");
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c4800", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "lefu_icomon");
	hv_test_gatt(&f, "Swan", "ffb2", "ac02f7000000cc00", HV_CS_AC);
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_int_equal(m.n_readings, 0);

	/* nameless 0xFFB2: shared, nobody claims it */
	hv_test_gatt(&f, NULL, "ffb2", "ac021c480000ce00", HV_CS_AC);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);
}

static void test_lefu_composite(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* part 1: 2024-03-15 08:30:00, weight 72.4, BMI 22.3, fat 23.5 */
	hv_test_gatt(&f, "icomon", "ffb2",
		     "ac02ff" "000221" "18030f081e00" "02d4" "00df" "00eb" "0000", HV_CS_NONE);
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_true(m.more_packets);
	assert_false(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_BMI, 22.3);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.minute, 30);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* part 2: muscle 38.2 %, BMR, bone 3.1, water 55.1 %, age 41,
	 * protein 16.0 % (little-endian) */
	hv_test_gatt(&f, "icomon", "ffb2",
		     "0100" "7e01" "0000" "1f00" "2702" "29" "a000" "00000000000000",
		     HV_CS_NONE);
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 38.2);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.1);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.1);
	sf_assert_reading(&m, HV_METRIC_PROTEIN_PERCENT, 16.0);

	/* fat above 100 %: invalid */
	hv_test_gatt(&f, "icomon", "ffb2",
		     "ac02ff" "000221" "18030f081e00" "02d4" "00df" "0fff" "0000", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "lefu_icomon");
}

static void test_lefu_new_framing(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* Robi S9 final: 72 400 g = 0x011AD0, HR 72, 500 Ohm */
	hv_test_gatt(&f, "Robi S9", "ffb3",
		     "050800a3" "00" "011ad0" "48" "01f4" "0000000000000000" "00", HV_CS_NEW);
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 72);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");

	/* A2 live: locked, grams at [6..8] */
	hv_test_gatt(&f, "Robi S9", "ffb2",
		     "060700a2" "03" "00" "011ad0" "00000000000000000000" "00", HV_CS_NEW);
	sf_decode_live(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);

	/* SSW532 result: this weighing (A3), valid, grams at [9..11] */
	hv_test_gatt(&f, "SSW532", "ffb3",
		     "072300a3" "0000000000" "011ad0" "0000" "01" "0000000000", HV_CS_NEW);
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* a stored replay is not a new measurement */
	hv_test_gatt(&f, "SSW532", "ffb3",
		     "072300a1" "0000000000" "011ad0" "0000" "01" "0000000000", HV_CS_NEW);
	sf_decode_as(&f, &m, "lefu_icomon");
	assert_int_equal(m.n_readings, 0);

	/* the checksum by hand: a3+01+1a+f0+48+01+f4 = 0x2EB, mod 32 = 0x0B
	 * (mod 64 would be 0x2B) */
	hv_test_gatt(&f, "Robi S9", "ffb3",
		     "050800a3" "00" "011af0" "48" "01f4" "0000000000000000" "0b", HV_CS_NONE);
	sf_decode_as(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.432);

	/* the 5-bit checksum is checked */
	hv_test_gatt(&f, "Robi S9", "ffb3",
		     "050800a3" "00" "011ad0" "48" "01f4" "0000000000000000" "00", HV_CS_NEW);
	f.value[19] ^= 0x01;
	sf_decode_invalid(&f, &m, "lefu_icomon");
}

static void test_lefu_conversation(void **state)
{
	struct hv_session s = sf_session("Swan");
	const struct hv_step *stable, *result;
	struct hv_frame f;
	struct hv_measurement m;
	char hex[64];

	(void)state;
	hv_test_assert_payload("lefu_icomon", "init F7", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("lefu_icomon", "init FA", &s, "ac02fa000000ccc6");
	/* male (1), 44 y, 180 cm */
	hv_test_assert_payload("lefu_icomon", "user", &s, "ac02fb012cb4cca8");
	/* local date 2024-03-15 → 24 3 15, time 09:30:00 */
	hv_test_assert_payload("lefu_icomon", "date", &s, "ac02fd18030fccf3");
	hv_test_assert_payload("lefu_icomon", "time", &s, "ac02fc091e00ccef");
	hv_test_assert_payload("lefu_icomon", "unit", &s, "ac02fe060000ccd0");
	/* the Robi S9 refuses the AC start (its own handshake follows:
	 * test_robi_s9.c) */
	s.name = "Robi S9";
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);

	/* a stable weight is kept in the session; the impedance frame then
	 * decodes as the measurement */
	s = sf_session("Swan");
	stable = hv_test_find_step("lefu_icomon", "wait for a stable weight", NULL);
	result = hv_test_find_step("lefu_icomon", "wait for the impedance", NULL);
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ce00", HV_CS_AC);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ca00", HV_CS_AC);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, "Swan", "ffb2", "ac02fd0101f4cb00", HV_CS_AC);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* FitTrack: 0.1 kg steps kept as 0.01 kg */
	s = sf_session("FitTrack");
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac0202d40000ca00", HV_CS_AC);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks >> 8, 7240);
}


/* The encoder's frames decode back to what was encoded. */
static void test_lefu_icomon_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_body("lefu_icomon", "Swan", 72.4, 0, 0, false, false, 0);
	sf_roundtrip_body("lefu_icomon", "Robi S9", 72.4, 500, 72, true, false, 0);
	sf_roundtrip_body("lefu_icomon", "icomon", 150.25, 0, 0, true, false, 0);
}

/* --- published captures ---------------------------------------------------
 *
 * Frames captured from real scales and published, with the values the
 * device showed or the source decoded, by other projects: openScale's
 * handler tests (oliexdev/openScale), ble-scale-sync's adapter tests
 * (KristianP26/ble-scale-sync) and the issue threads they cite. Each frame
 * names its source (repository, path, commit) next to it; the stated
 * values are the expectations.
 */

/* --- MGB / iComon streaming (8-byte AC frames) ---------------------------- */

/*
 * oliexdev/openScale android_app/app/src/test/java/com/health/openscale/
 * core/bluetooth/scales/MGBHandlerStreamingTest.kt at
 * b6edeb4c3f3e08f9c178e4786cce641ccf66a80a (Dr Trust Smart 505 protocol
 * notes, checksums hand-verified there): AC 02 26 B6 00 00 CE AA live
 * 99.10 kg, AC 02 26 B6 00 00 CA A6 the final 99.10 kg, AC 02 FD 01 02 58
 * CB 23 600 Ohm; FD 00 (block open), FD FF (no impedance) and the date
 * echo FD 1A 07 18 CC carry no impedance.
 */
static void test_mgb_streaming_weighin(void **state)
{
	static const struct sf_weighin_frame v[] = {
		{ { "ffb2", "ac0226b60000ceaa" }, SF_LIVE, 99.10 },
		/* 0xCA: the final weight, the impedance to follow */
		{ { "ffb2", "ac0226b60000caa6" }, SF_FINAL, 99.10, true },
		{ { "ffb2", "ac02fd000000cbc8" }, SF_OK, 0, false, SF_NO_IMPEDANCE },
		{ { "ffb2", "ac02fd010258cb23" }, SF_FINAL, 99.10, false, 600 },
	};
	struct sf_session_run r;

	(void)state;
	sf_replay_weighin(&r, "lefu_icomon", "Swan", v, ELEMENTSOF(v));
	sf_assert_stored_weighin(&r, 99.10, 600);
}

static void test_mgb_streaming_not_impedance(void **state)
{
	static const char *const frames[] = { "ac02fdff0000cbc7",
					      "ac02fd1a0718cc02" };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		hv_test_gatt(&f, "Swan", "ffb2", frames[i], HV_CS_NONE);
		f.quirks = 9910u << 8; /* a weight kept */
		hv_test_decode(&f, &m);
		sf_assert_ok(&m, "lefu_icomon");
		assert_false(m.final);
		assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	}
	/* a bad checksum is no weight */
	hv_test_gatt(&f, "Swan", "ffb2", "ac0226b60000caff", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

/*
 * The composite pair, KristianP26/ble-scale-sync tests/scales/mgb.test.ts
 * at 0e73c2ee1e89de735ed086443177c3efa3c5e596: frame 1 (AC 02 FF …, weight
 * u16 BE [12..13] 800 = 80.0 kg, fat [16..17] 225 = 22.5 %; also with
 * [1] = 03) and frame 2 (01 00, muscle u16 LE [2..3] 40.0 %, bone [6..7]
 * 3.5 kg, water [8..9] 55.0 %). Frames written by that test; frame 2 there
 * is 10 bytes, here padded to the 20 bytes of openScale's MGBHandler
 * composite frames.
 */
static void test_mgb_composite(void **state)
{
	static const char *const first[] = {
		"ac02ff0000000000000000000320000000e10000",
		"ac03ff0000000000000000000320000000e10000",
	};
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(first); i++) {
		hv_test_gatt(&f, "Swan", "ffb2", first[i], HV_CS_NONE);
		assert_int_equal(f.value_len, 20);
		hv_test_decode(&f, &m);
		sf_assert_ok(&m, "lefu_icomon");
		assert_true(m.more_packets);
		sf_assert_weight(&m, 80.0);
		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
			       22.5, 1e-9);
	}
	hv_test_gatt(&f, "Swan", "ffb2",
		     "01009001000023002602" "00000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "lefu_icomon");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 40.0,
		       1e-9);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.5);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.0,
		       1e-9);
}

/*
 * FitTrack Dara 2.0 (the same AC framing, 0.1 display-unit steps), oliexdev/
 * openScale android_app/app/src/test/java/com/health/openscale/core/
 * bluetooth/scales/FitTrackDaraHandlerTest.kt at
 * c261d87d20ec3a92544bf16d939a0e4017464297, from a btsnoop capture: the
 * command echo AC 02 FE 00 00 00 CC CA and the live frame AC 02 05 51 00
 * 00 CE 24 (their sums check), and "weight in kg passes through
 * unchanged": 02 70 = 62.4 kg (the stable frame written here with 0xCA and
 * its sum). The capture's stable frame 05 5F is 137.5 lb: the scale sends
 * the unit the app set (FE 06 unit), which the frame does not carry; the
 * conversation sets kg.
 */
static void test_fittrack_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac02fe000000ccca", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "lefu_icomon");
	assert_int_equal(m.n_readings, 0);
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac0205510000ce24", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "lefu_icomon");
	assert_false(m.final);
	hv_test_gatt(&f, "FitTrack", "ffb2", "ac0202700000ca00", HV_CS_AC);
	hv_test_decode(&f, &m);
	sf_assert_final(&m, "lefu_icomon", 62.4, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eebbl),
		cmocka_unit_test(test_ssw532_conversation),
		cmocka_unit_test(test_runstar_r6),
		cmocka_unit_test(test_runstar_r6_conversation),
		cmocka_unit_test(test_lefu_ac),
		cmocka_unit_test(test_lefu_composite),
		cmocka_unit_test(test_lefu_new_framing),
		cmocka_unit_test(test_lefu_conversation),
		cmocka_unit_test(test_lefu_icomon_encoder_roundtrip),
		cmocka_unit_test(test_mgb_streaming_weighin),
		cmocka_unit_test(test_mgb_streaming_not_impedance),
		cmocka_unit_test(test_mgb_composite),
		cmocka_unit_test(test_fittrack_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
