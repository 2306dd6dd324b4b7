// SPDX-License-Identifier: MIT
/*
 * 1byone / Eufy scale tests (driver eufy_1byone): frames written from the
 * documented layouts (the driver's header comment, docs/scales.md), decoded
 * through the whole registry. Below them, captures other projects published,
 * each next to its source (repository, path, commit) with the values the
 * source states.
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
	sf_decode_final(&f, &m, "eufy_1byone");
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
	sf_decode_live(&f, &m, "eufy_1byone");

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
	struct hv_session s = sf_payload_session("0203B2");

	(void)state;
	/* Eufy: unit (XOR of all previous bytes) and local clock, year BE */
	hv_test_assert_payload("eufy_1byone", "unit", &s,
			       "fd370001" "000000000000" "cb");
	hv_test_assert_payload("eufy_1byone", "clock", &s, "f107e8030f091e00");
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

/* --- 1byone classic (0xFFF0) ---------------------------------------------- */

/*
 * KristianP26/ble-scale-sync tests/scales/one-byone.test.ts at
 * 7edfe6c5ef463ff4d45678cabcb335fe81d514f9, OneByoneAdapter: CF F4 01, 8000
 * LE = 80.0 kg, impedance (0x01 << 8 | 0xF4) × 0.1 = 50.0 Ohm; [9] = 1: no
 * impedance. That test writes 10 bytes; openScale's OneByoneHandler.kt
 * (commit 48cf75780846c55c35b5d13cafd9a7041530e17a) reads CF frames of 11
 * bytes and more, so here they have an eleventh, zero.
 */
static void test_onebyone_classic(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Health Scale", "fff4", "cff401401f000000000000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_final(&m, "eufy_1byone", 80.0, false);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 50.0);
	hv_test_gatt(&f, "Health Scale", "fff4", "cff401401f000000000100",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_live(&m, "eufy_1byone", 80.0);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
}

/* --- 1byone "new" (0xFFB0) ------------------------------------------------ */

/*
 * KristianP26/ble-scale-sync tests/scales/one-byone.test.ts at
 * 7edfe6c5ef463ff4d45678cabcb335fe81d514f9, OneByoneNewAdapter: "parses
 * type 0x80 weight frame" (AB 2A 80 01 38 80: 80000 & 0x3FFFF g = 80.0 kg)
 * and "parses type 0x01 impedance frame after weight" (AB 2A 01 00 01 F4:
 * 500 Ohm). That test writes 6-byte buffers; openScale's
 * OneByoneNewHandler.kt (commit 437f7c210b683837cd9c47de9be7c2eaaf30265e)
 * takes 20-byte frames only, so here they are padded with zeros to the 20
 * bytes the scale sends.
 */
#define OB_NEW_WEIGHT "ab2a80013880" "0000000000000000000000000000"
#define OB_NEW_IMPEDANCE "ab2a010001f4" "0000000000000000000000000000"

static void test_onebyone_new_session(void **state)
{
	static const char *const no_fff4[] = { "fff4", NULL };
	const struct sf_value v[] = {
		{ "ffb2", OB_NEW_WEIGHT },
		{ "ffb2", OB_NEW_IMPEDANCE },
	};
	struct sf_session_run r;
	struct sf_sink out;

	(void)state;
	hv_session_init(&r.s, SF_NOW);
	r.s.profile = (struct hv_profile){ .height_m = 1.80, .age_years = 44,
					   .sex = HV_SEX_MALE };
	sf_replay_ex(&r, true, "eufy_1byone", "1byone scale", no_fff4, v, ELEMENTSOF(v));
	/* the final weight: first packet */
	sf_assert_final(&r.m[0], "eufy_1byone", 80.0, true);
	/* the impedance frame, claimed, completes it */
	assert_true(r.fed[1]);
	sf_assert_ok(&r.m[1], "eufy_1byone");
	assert_true(r.m[1].final);
	assert_false(r.m[1].more_packets);
	sf_assert_weight(&r.m[1], 80.0);
	hv_assert_near(hv_test_reading(&r.m[1], HV_METRIC_IMPEDANCE),
		       500, 1e-9);
	assert_string_equal(hv_test_method(&r.m[1], HV_METRIC_BODY_FAT_PERCENT),
			    "standard_impedance");
	sf_assert_session_done(&r);
	sf_stored(&r, &out);
	assert_int_equal(out.n, 1);
	sf_assert_stored(&out.records[0], HV_METRIC_BODY_WEIGHT, 80.0);
	sf_assert_stored(&out.records[0], HV_METRIC_IMPEDANCE, 500);
}

/* The test's own 6-byte frames, decoded alone. */
static void test_onebyone_new_alone(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "1byone scale", "ffb2", "ab2a80013880", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_final(&m, "eufy_1byone", 80.0, false);
	/* an impedance without its weight is not a measurement */
	hv_test_gatt(&f, "1BYONE SCALE", "ffb2", "ab2a010001f4", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "eufy_1byone");
	assert_false(m.final);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	/* "1byone" alone is not the scale (the same test) */
	hv_test_gatt(&f, "1byone", "ffb2", "ab2a80013880", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE ||
		    strcmp(m.driver, "eufy_1byone") != 0);
}

/*
 * A stored record: no source publishes one; written from openScale's
 * parser (OneByoneNewHandler.kt, type 0x00 with [7] 0x80): time u32 BE
 * [3..6] 2026-08-20 07:30:00 (0x6A86ACF8), 80.50 kg (0x013A74) at [8..10],
 * 480 Ohm at [15..16]. A unified frame without the 0x80 mark is live.
 */
static void test_onebyone_new_stored(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "1byone scale", "ffb2",
		     "ab2a00" "6a86acf8" "80" "013a74" "00000000" "01e0" "000000",
		     HV_CS_NONE);
	f.now = SF_NOW;
	hv_test_decode(&f, &m);
	sf_assert_final(&m, "eufy_1byone", 80.5, false);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 480);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.day, 20);
	assert_int_equal(m.device_time.hour, 7);
	assert_int_equal(m.device_time.minute, 30);
	hv_test_gatt(&f, "1byone scale", "ffb2",
		     "ab2a00" "6a86acf8" "00" "013a74" "00000000" "01e0" "000000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "eufy_1byone");
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
}

/* The weight request as openScale's OneByoneNewHandler.kt
 * (setupMeasurementMessage, d7Checksum) builds it, with the gateway's
 * local clock: 2024-03-15 08:30:00 = 0x65F40708, slot 2, 180 cm, no last
 * weight, male 44 (0xAC), D7, sum of [2..18] less [14]. */
static void test_onebyone_new_request(void **state)
{
	struct hv_session s = {
		.now_local = { 2024, 3, 15, 8, 30, 0 },
		.user_index = 2,
		.profile = { .height_m = 1.80, .age_years = 44,
			     .sex = HV_SEX_MALE },
	};

	(void)state;
	hv_test_assert_payload("eufy_1byone", "weight request", &s,
			       "ab2a65f40708" "0000" "02b40000ac0000" "000000"
			       "d7a1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eufy),
		cmocka_unit_test(test_eufy_1byone_encoder_roundtrip),
		cmocka_unit_test(test_eufy_1byone_conversation_payloads),
		cmocka_unit_test(test_onebyone_classic),
		cmocka_unit_test(test_onebyone_new_session),
		cmocka_unit_test(test_onebyone_new_alone),
		cmocka_unit_test(test_onebyone_new_stored),
		cmocka_unit_test(test_onebyone_new_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
