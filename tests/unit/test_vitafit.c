// SPDX-License-Identifier: MIT
/*
 * Vitafit VT701 scale tests (driver vitafit): frames written from the
 * layouts in the driver's header comment (the checksums computed by the
 * helpers), decoded through the whole registry; the conversation's payloads
 * and its handling of the responses. Below them, captures other projects
 * published, each next to its source (repository, path, commit) with the
 * values the source states.
 */
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "tests/unit/scale_frames.h"

/* --- Vitafit -------------------------------------------------------------- */

static void test_vitafit(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* stable weight 0x1C48 = 72.40 kg: final, first packet (the
	 * impedance completes it) */
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610" "02" "000000" "1c48" "00aa",
		     HV_CS_VITAFIT);
	sf_decode_final(&f, &m, "vitafit");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);

	/* impedance 500 Ohm: final with the kept weight */
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0b2611" "0000000000" "01f4" "00aa",
		     HV_CS_VITAFIT);
	sf_decode_live(&f, &m, "vitafit");
	f.quirks = 7240u << 8;
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BASAL_METABOLIC_RATE),
			    "standard_impedance");

	/* bad XOR, bad length byte, bad trailer */
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610" "02" "000000" "1c48" "00aa", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "vitafit");
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0b2610" "02" "000000" "1c48" "00aa",
		     HV_CS_VITAFIT);
	sf_decode_invalid(&f, &m, "vitafit");
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610" "02" "000000" "1c48" "00ab",
		     HV_CS_VITAFIT);
	sf_decode_invalid(&f, &m, "vitafit");

	/* 0xFFF1 is shared with QN type 2: the name decides */
	hv_test_gatt(&f, NULL, "fff1", "5a0a2610" "02" "000000" "1c48" "00aa", HV_CS_VITAFIT);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);
}

static void test_vitafit_conversation(void **state)
{
	struct hv_session s = sf_session("Vitafit");
	const struct hv_step *wait_w, *wait_z;
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_assert_payload("vitafit", "hello 0x33", &s, "a50526330010aa");
	hv_test_assert_payload("vitafit", "hello 0x44", &s, "a504264466aa");
	hv_test_assert_payload("vitafit", "hello 0x17", &s, "a50526170135aa");
	hv_test_assert_payload("vitafit", "acknowledge the weight", &s, "a50526100231aa");
	hv_test_assert_payload("vitafit", "acknowledge the impedance", &s, "a50526110032aa");

	wait_w = hv_test_find_step("vitafit", "wait for a stable weight", NULL);
	wait_z = hv_test_find_step("vitafit", "wait for the impedance", NULL);
	/* settling: not yet */
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610" "01" "000000" "1c48" "00aa", HV_CS_VITAFIT);
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610" "02" "000000" "2134" "00aa", HV_CS_VITAFIT);
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks >> 8, 8500);
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0b2611" "0000000000" "0189" "00aa", HV_CS_VITAFIT);
	assert_int_equal(wait_z->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	sf_decode_final(&f, &m, "vitafit");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 85.0);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 393);
}


/* The encoder's frames decode back to what was encoded. */
static void test_vitafit_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_body("vitafit", "Vitafit", 85.0, 393, 0, true, false, 0);
	sf_roundtrip_body("vitafit", "Vitafit", 84.95, 0, 0, false, false, 0);
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

/* --- Vitafit VT701 -------------------------------------------------------- */

/*
 * oliexdev/openScale android_app/app/src/test/java/com/health/openscale/
 * core/bluetooth/scales/VitafitVT701HandlerTest.kt at
 * 7dbcaff58584e6a4749133b1710ff503755b67c4, "taken verbatim from the HCI
 * snoop of a Vitafit-app weigh-in; the stable weight frame was confirmed
 * against the scale's displayed 85.00 kg reading": a settling frame
 * (flag 0x01, 85.15 kg), the stable frame (85.00 kg), the impedance frame
 * of that weigh-in (393 Ohm).
 */
static void test_vitafit_weighin(void **state)
{
	static const struct sf_weighin_frame v[] = {
		{ { "fff1", "5a0a26100100002121437eaa" }, SF_LIVE, 85.15 },
		/* the stable weight: final, the impedance to follow */
		{ { "fff1", "5a0a26100200002121340aaa" }, SF_FINAL, 85.00, true },
		/* the impedance frame completes it with the weight the session
		 * kept */
		{ { "fff1", "5a0b261100000000000189b4aa" }, SF_FINAL, 85.00, false, 393 },
	};
	struct sf_session_run r;

	(void)state;
	sf_replay_weighin(&r, "vitafit", "Vitafit", v, ELEMENTSOF(v));
	assert_true(r.fed[2]);
	assert_false(r.m[2].more_packets);
	/* both acknowledged: the conversation is over */
	sf_assert_session_done(&r);
	/* one weighing stored: the stable weight joined with the impedance */
	sf_assert_stored_weighin(&r, 85.00, 393);
}

/*
 * The second weigh-in of the same test: its impedance frame (389 Ohm) is
 * published, its stable 84.95 kg frame is not; that one is written here
 * from the parser (weight 0x212F at [8..9], [7] 0x21 as in the captured
 * frames, XOR of [1..9]).
 */
static void test_vitafit_second_weighin(void **state)
{
	static const struct sf_weighin_frame v[] = {
		{ { "fff1", "5a0a261002000021212f00aa", HV_CS_VITAFIT }, SF_FINAL, 84.95 },
		{ { "fff1", "5a0b261100000000000185b8aa" }, SF_FINAL, 84.95, false, 389 },
	};
	struct sf_session_run r;

	(void)state;
	sf_replay_weighin(&r, "vitafit", "Vitafit", v, ELEMENTSOF(v));
}

/* The same test's corrupted frames: a bad XOR is no weight. */
static void test_vitafit_bad_checksum(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a2610020000212134ffaa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0b261100000000000189ffaa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vitafit),
		cmocka_unit_test(test_vitafit_conversation),
		cmocka_unit_test(test_vitafit_encoder_roundtrip),
		cmocka_unit_test(test_vitafit_weighin),
		cmocka_unit_test(test_vitafit_second_weighin),
		cmocka_unit_test(test_vitafit_bad_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
