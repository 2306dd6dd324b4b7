// SPDX-License-Identifier: MIT
/*
 * Hesley scale tests (driver hesley), drawn from openScale's scale handlers
 * (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Hesley ------------------------------------------------------------------ */

/* 72.45 kg, fat 21.3 %, water 55.2 %, muscle 38.4 %, bone 3.1 kg, 1650 kcal,
 * body age 40 */
#define HESLEY_RESULT "0000" "1c4d" "00d5" "0000" "0228" "0180" "001f" "0672" "00" "28" "0000"

static const struct sf_case hesley_frames[] = {
	{ "YunChen", "fff4", HESLEY_RESULT, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.45 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		      { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		      { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		      { HV_METRIC_BONE_MASS, 3.1 }) },
	/* any case of the name */
	{ "yunchen", "fff4", HESLEY_RESULT, HV_CS_NONE, SF_OK },
	/* other lengths: protocol frames; zero weight: invalid */
	{ "YunChen", "fff4", "a5012c", HV_CS_NONE, SF_CONTROL },
	{ "YunChen", "fff4",
	  "0000" "0000" "00d5" "0000" "0228" "0180" "001f" "0672" "00" "28" "0000",
	  HV_CS_NONE, SF_INVALID },
	/* 0xFFF4 under another name, or none, is not Hesley's */
	{ "YunChen2", "fff4", HESLEY_RESULT, HV_CS_NONE, SF_NOT_OURS },
	{ NULL, "fff4", HESLEY_RESULT, HV_CS_NONE, SF_NOT_OURS },
};

static void test_hesley(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases("hesley", hesley_frames, ELEMENTSOF(hesley_frames));
	/* the scale's own fat figure: nothing derived */
	sf_decode_case(&hesley_frames[0], "hesley", &f, &m);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));
}

static void test_hesley_conversation(void **state)
{
	struct hv_session s = sf_session("YunChen");
	const struct hv_step *wait;
	uint8_t result[20] = { 0 }, ack[3] = { 0 };

	(void)state;
	sf_assert_step_bytes("hesley", "arm", "a5012cab505a29");
	wait = hv_test_find_step("hesley", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, ack, sizeof(ack)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_hesley_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("hesley", "YunChen", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		     { HV_METRIC_BONE_MASS, 3.1 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hesley),
		cmocka_unit_test(test_hesley_conversation),
		cmocka_unit_test(test_hesley_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
