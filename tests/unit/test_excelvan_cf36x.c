// SPDX-License-Identifier: MIT
/*
 * Excelvan CF36x scale tests (driver excelvan_cf36x), drawn from openScale's
 * scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Excelvan CF36x ------------------------------------------------------------ */

/* 72.4 kg, fat 21.3 %, bone 3.1 kg, muscle 38.4 %, visceral 9, water
 * 55.2 %, BMR 1650 */
#define EXCELVAN_RESULT "cf000000" "02d4" "00d5" "1f" "0180" "09" "0228" "0672"

static const struct sf_case excelvan_frames[] = {
	{ "Electronic Scale", "fff4", EXCELVAN_RESULT, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		      { HV_METRIC_BONE_MASS, 3.1 },
		      { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		      { HV_METRIC_VISCERAL_FAT_RATING, 9 },
		      { HV_METRIC_BODY_WATER_PERCENT, 55.2 }) },
	/* 17 bytes too */
	{ "electronic scale", "fff4", EXCELVAN_RESULT "00", HV_CS_NONE, SF_OK },
	/* other heads: protocol frames; bad length, zero weight: invalid */
	{ "Electronic Scale", "fff4", "fe0101", HV_CS_NONE, SF_CONTROL },
	{ "Electronic Scale", "fff4", "cf00000002d400d5", HV_CS_NONE, SF_INVALID },
	{ "Electronic Scale", "fff4",
	  "cf000000" "0000" "00d5" "1f" "0180" "09" "0228" "0672", HV_CS_NONE, SF_INVALID },
	/* 0xFFF4 under another name is not Excelvan's */
	{ "Electronic Scale 2", "fff4", EXCELVAN_RESULT, HV_CS_NONE, SF_NOT_OURS },
};

static void test_excelvan(void **state)
{
	(void)state;
	sf_check_cases("excelvan_cf36x", excelvan_frames, ELEMENTSOF(excelvan_frames));
}

static void test_excelvan_conversation(void **state)
{
	struct hv_session s = sf_session("Electronic Scale");
	const struct hv_step *wait;
	uint8_t result[16] = { 0xCF }, echo[8] = { 0xFE };

	(void)state;
	/* user 1, male (1), activity 0, 180 cm, 44 y, kg; XOR 01^01^00^b4^2c^01 */
	hv_test_assert_payload("excelvan_cf36x", "user and unit", &s, "fe010100b42c0199");
	s.profile = sf_female35;
	/* 01^00^00^a5^23^01 = 0x86 */
	hv_test_assert_payload("excelvan_cf36x", "user and unit", &s, "fe010000a5230186");
	wait = hv_test_find_step("excelvan_cf36x", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, echo, sizeof(echo)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_excelvan_cf36x_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("excelvan_cf36x", "Electronic Scale", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		     { HV_METRIC_BONE_MASS, 3.1 },
		     { HV_METRIC_VISCERAL_FAT_RATING, 9 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_excelvan),
		cmocka_unit_test(test_excelvan_conversation),
		cmocka_unit_test(test_excelvan_cf36x_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
