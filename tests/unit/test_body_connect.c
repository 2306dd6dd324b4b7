// SPDX-License-Identifier: MIT
/*
 * 1BODY CONNECT / X-LINE scale tests (driver body_connect), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- 1BODY CONNECT / X-LINE ------------------------------------------------------ */

/*
 * The frames of openScale's BodyConnectHandlerTest (f7a733b2),
 * buildWeightFrame(524159516, 8020) and buildBodyFrame(524159516, 176, 616,
 * 427, 36): 80.2 kg, fat 17.6 %, water 61.6 %, muscle 42.7 %, bone 3.6.
 */
#define BC_WEIGHT_FRAME "1f541f00fe" "1c0a3e1f" "00000000" "ffb21300" "ff011900"
#define BC_BODY_FRAME "7f" "1c0a3e1f" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000"

static void test_body_connect(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "1BODY CONNECT", "8a24", BC_WEIGHT_FRAME, HV_CS_NONE);
	f.now = 1786000000;
	sf_decode_final(&f, &m, "body_connect");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 80.2);
	/* 2010-01-01 + 524159516 s = 2026-08-11 15:51:56 UTC */
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2026);
	assert_int_equal(m.raw_device_time.month, 8);
	assert_int_equal(m.raw_device_time.day, 11);
	assert_int_equal(m.raw_device_time.hour, 15);
	assert_int_equal(m.raw_device_time.minute, 51);

	/* the body frame with the weight's time kept: the last packet */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	f.quirks = 524159516u;
	sf_decode_final(&f, &m, "body_connect");
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 17.6);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 61.6);
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 42.7);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.6);
	/* the X-LINE's time, 315619200 s earlier (the test's 208540316) */
	hv_test_gatt(&f, "1X-LINE", "8a22",
		     "7f" "9c126e0c" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000", HV_CS_NONE);
	f.quirks = 524159516u;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	/* another time (123456), no weight kept: not final */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22",
		     "7f" "40e20100" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000", HV_CS_NONE);
	f.quirks = 524159516u;
	sf_decode_live(&f, &m, "body_connect");
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* no valid nibble anywhere; zero weight; the test's truncated frame */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22",
		     "7f" "1c0a3e1f" "010000" "b000" "6800" "0000" "ab00" "2400" "0000", HV_CS_NONE);
	sf_decode_control(&f, &m, "body_connect");
	hv_test_gatt(&f, "1BODY CONNECT", "8a24",
		     "1f000000fe" "1c0a3e1f" "00000000" "ffb21300" "ff011900", HV_CS_NONE);
	sf_decode_control(&f, &m, "body_connect");
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", "7f000000", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "body_connect");
	/* Medisana shares 0x8A22: its names keep it */
	hv_test_gatt(&f, "SomeOther Scale", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, "body_connect");
}

/* Selection as BodyConnectHandlerTest has it (case-sensitive prefixes). */
static void test_body_connect_selection(void **state)
{
	static const char *const ours[] = { "1BODY CONNECT", "0BODY CONNECT 12",
					    "1X-LINE", "0X-LINE", NULL };
	static const char *const not_ours[] = { "SomeOther Scale", "1body connect",
						"BODY CONNECT", NULL };
	const struct hv_driver *d = hv_driver_by_id("body_connect");
	struct hv_frame f;

	(void)state;
	for (const char *const *n = ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_ptr_equal(hv_registry_select(&f), d);
	}
	for (const char *const *n = not_ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_false(d->claims_device(&f));
	}
}

static void test_body_connect_conversation(void **state)
{
	struct hv_session s = sf_session("1BODY CONNECT");
	const struct hv_step *auth, *slots, *weights;
	/* the test's PASSWORD 0x12345678 and CHALLENGE 0xDEADBEEF */
	uint8_t password[] = { 0xA0, 0x78, 0x56, 0x34, 0x12 };
	uint8_t challenge[] = { 0xA1, 0xEF, 0xBE, 0xAD, 0xDE };
	uint8_t slot[18] = { 0x83 };
	struct hv_frame f;

	(void)state;
	auth = hv_test_find_step("body_connect", "password", NULL);
	slots = hv_test_find_step("body_connect", "the slot list", NULL);
	weights = hv_test_find_step("body_connect", "weights until", NULL);
	assert_int_equal(auth->on_value(&s, challenge, sizeof(challenge)), -ENOKEY);
	assert_int_equal(auth->on_value(&s, password, 3), HV_VALUE_MORE);
	assert_int_equal(auth->on_value(&s, password, sizeof(password)), HV_VALUE_DONE);
	assert_int_equal(s.scratch[0], 0x12345678u);
	hv_test_assert_payload("body_connect", "broadcast id", &s, "2148564243");

	/* slots 1, 2 and 4..8 taken ("Other"), 3 free: the session's slot 3 */
	s.user_index = -1;
	for (uint8_t n = 1; n <= 8; n++) {
		slot[1] = n;
		memset(slot + 2, ' ', 16);
		if (n != 3)
			memcpy(slot + 2, "Other", 5);
		assert_int_equal(slots->on_value(&s, slot, sizeof(slot)),
				 n == 8 ? HV_VALUE_DONE : HV_VALUE_MORE);
	}
	assert_int_equal(s.user_index, 3);
	assert_true(s.user_registered);
	hv_test_assert_payload("body_connect", "register the user", &s,
			       "0303" "48563320202020202020202020202020");
	/* DF, slot 3, male 1, 44 y, 180 cm, E0, activity 0, no weight, FE */
	hv_test_assert_payload("body_connect", "profile", &s,
			       "51df03012cb4e000000000" "00fe0000");
	/* 2024-03-15 08:30:00 UTC − 2010-01-01 = 448 187 400 s */
	hv_test_assert_payload("body_connect", "time", &s, "02" "08ccb61a");
	sf_assert_step_bytes("body_connect", "set-up done", "22");
	/* a linked slot is kept */
	s = sf_session("1BODY CONNECT");
	for (uint8_t n = 1; n <= 8; n++) {
		slot[1] = n;
		memset(slot + 2, 0, 16);
		(void)slots->on_value(&s, slot, sizeof(slot));
	}
	assert_int_equal(s.scratch[3], 3u);
	assert_false(s.user_registered);
	/* the weight's time is kept for its body frame */
	hv_test_gatt(&f, "1BODY CONNECT", "8a24", BC_WEIGHT_FRAME, HV_CS_NONE);
	assert_int_equal(weights->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks, 524159516u);
}


/* The encoder's frames decode back to what was encoded. */
static void test_body_connect_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("body_connect", "1BODY CONNECT", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 });
	SF_ROUNDTRIP("body_connect", "1X-LINE", true, 1,
		     { HV_METRIC_BODY_FAT_PERCENT, 17.6 },
		     { HV_METRIC_BODY_WATER_PERCENT, 61.6 },
		     { HV_METRIC_MUSCLE_PERCENT, 42.7 },
		     { HV_METRIC_BONE_MASS, 3.6 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_connect),
		cmocka_unit_test(test_body_connect_selection),
		cmocka_unit_test(test_body_connect_conversation),
		cmocka_unit_test(test_body_connect_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
