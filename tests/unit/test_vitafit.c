// SPDX-License-Identifier: MIT
/*
 * Vitafit VT701 scale tests (driver vitafit):
 * frames written from the layouts in the driver's header comment (the
 * checksums computed by the helpers), decoded through the whole registry;
 * the conversation's payloads and its handling of the responses.
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
	sf_decode_as(&f, &m, "vitafit");
	assert_true(m.final);
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);

	/* impedance 500 Ohm: final with the kept weight */
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0b2611" "0000000000" "01f4" "00aa",
		     HV_CS_VITAFIT);
	sf_decode_as(&f, &m, "vitafit");
	assert_false(m.final);
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
	sf_decode_as(&f, &m, "vitafit");
	assert_true(m.final);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vitafit),
		cmocka_unit_test(test_vitafit_conversation),
		cmocka_unit_test(test_vitafit_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
