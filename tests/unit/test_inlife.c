// SPDX-License-Identifier: MIT
/*
 * Inlife scale tests (driver inlife), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Inlife ------------------------------------------------------------------------- */

/*
 * openScale InlifeHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its parser (02 CMD … XOR AA).
 */
#define IL_LEGACY "02dd02d400dac002580000004baa"
#define IL_NEW "02dd02d4000001f4000000807eaa"
#define IL_LIVE "02d802d400000000000000000eaa"
#define IL_FAILED "02dd02d4ffffff0258000000aeaa"
#define IL_ACK "02df00000000000000000000dfaa"

static void test_inlife(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	double w = 72.4, lbm = 56.0, fat_kg = w - lbm;

	(void)state;
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LIVE, HV_CS_NONE);
	sf_decode_live(&f, &m, "inlife");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* the older result: 72.4 kg, lean 56.000 kg, visceral factor 60.0 */
	hv_test_gatt(&f, "042FATSCALE01", "fff1", IL_LEGACY, HV_CS_NONE);
	sf_decode_final(&f, &m, "inlife");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_FAT_FREE_MASS, 56.0);
	assert_null(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS));
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* with a profile: method "inlife", the handler's formulas */
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "inlife");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       fat_kg / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       0.73 * lbm / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT),
		       0.548 * lbm / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 0.05158 * lbm, 0.005);
	/* male, 180 cm ≥ 1.6 × 72.4 + 63: factor − 50 + (0.765 − 0.002 h) w */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING),
		       60.0 - 50 + (0.765 - 0.002 * 180) * w, 0.05);
	/* the feet off the electrodes: the weight alone */
	hv_test_gatt(&f, "000fatscale02", "fff1", IL_FAILED, HV_CS_NONE);
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	/* the newer result: 72.4 kg, 500 Ohm, standard_impedance */
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_NEW, HV_CS_NONE);
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	/* checksum and framing */
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LEGACY, HV_CS_NONE);
	f.value[12] ^= 1;
	sf_decode_invalid(&f, &m, "inlife");
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LEGACY, HV_CS_NONE);
	f.value[13] = 0xAB;
	sf_decode_invalid(&f, &m, "inlife");
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_ACK, HV_CS_NONE);
	sf_decode_as(&f, &m, "inlife");
	assert_int_equal(m.n_readings, 0);
	/* exact names only on 0xFFF1 */
	hv_test_gatt(&f, "000fatscale03", "fff1", IL_LEGACY, HV_CS_NONE);
	assert_false(hv_driver_by_id("inlife")->claims_device(&f));
}

static void test_inlife_conversation(void **state)
{
	const struct hv_step *wait = hv_test_find_step("inlife", "wait for the result", NULL);
	struct hv_session s = { .profile = sf_female30, .user_index = 3,
				.records_expected = -1 };
	struct hv_frame f;

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("inlife")->conversation);
	/* general level 1, female 1, slot 3, 30 y, 167 cm */
	hv_test_assert_payload("inlife", "user (D2)", &s, "02d20101031ea7000000000068aa");
	hv_test_assert_payload("inlife", "finished (D4)", &s, "02d400000000000000000000d4aa");
	hv_test_gatt(&f, NULL, "fff1", IL_LIVE, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "fff1", IL_LEGACY, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("inlife", "user (D2)", &s, (char[64]){ 0 }, 64),
			 -ENODATA);
}


/* The encoder's frames decode back to what was encoded. */
static void test_inlife_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("inlife", "000fatscale01", 72.4, 500, true);
	sf_roundtrip_weight("inlife", "000fatscale02", 72.4, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inlife),
		cmocka_unit_test(test_inlife_conversation),
		cmocka_unit_test(test_inlife_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
