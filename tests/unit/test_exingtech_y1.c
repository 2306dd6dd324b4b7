// SPDX-License-Identifier: MIT
/*
 * Exingtech Y1 scale tests (driver exingtech_y1), drawn from openScale's
 * scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Exingtech Y1 ------------------------------------------------------------ */

#define EX_NOTIFY "1a2ea400-75b9-11e2-be05-0002a5d5c51b"


static const struct sf_case exingtech_frames[] = {
	/* 72.4 kg, fat 21.3 %, water 55.2 %, bone 3.1 kg, muscle 38.4 %,
	 * visceral 9; no name needed: the UUID is the vendor's */
	{ NULL, EX_NOTIFY,
	  "00000000" "02d4" "00d5" "0228" "001f" "0180" "09" "0672" "00e6" "00",
	  HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		      { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		      { HV_METRIC_BONE_MASS, 3.1 },
		      { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		      { HV_METRIC_VISCERAL_FAT_RATING, 9 }) },
	/* weight only ([6] = 0xFF): live, no composition */
	{ "VScale", EX_NOTIFY,
	  "00000000" "02d4" "ffff" "0000" "0000" "0000" "00" "0000" "0000" "00",
	  HV_CS_NONE, SF_LIVE, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 },
		      { HV_METRIC_BODY_FAT_PERCENT, SF_ABSENT }) },
	/* other lengths; zero weight */
	{ "VScale", EX_NOTIFY, "10030000", HV_CS_NONE, SF_CONTROL },
	{ "VScale", EX_NOTIFY,
	  "00000000" "0000" "00d5" "0228" "001f" "0180" "09" "0672" "00e6" "00",
	  HV_CS_NONE, SF_INVALID },
};

static void test_exingtech_y1(void **state)
{
	(void)state;
	sf_check_cases("exingtech_y1", exingtech_frames, ELEMENTSOF(exingtech_frames));
}

static void test_exingtech_y1_conversation(void **state)
{
	struct hv_session s = sf_session("VScale");
	const struct hv_step *wait;
	uint8_t weight_only[20] = { [5] = 0x01, [6] = 0xFF }, result[20] = { [5] = 1 };
	char hex[32];

	(void)state;
	/* slot 3, male (0), 44 y, 180 cm */
	hv_test_assert_payload("exingtech_y1", "user block", &s, "1003002cb4");
	s.profile = sf_female35;
	s.user_index = -1;
	hv_test_assert_payload("exingtech_y1", "user block", &s, "100101" "23" "a5");
	/* no profile: nothing to write (the step is optional) */
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("exingtech_y1", "user block", &s, hex,
					 sizeof(hex)),
			 -ENODATA);
	assert_true(hv_test_find_step("exingtech_y1", "user block", NULL)->flags &
		    HV_STEP_OPTIONAL);
	wait = hv_test_find_step("exingtech_y1", "wait for the composition", NULL);
	assert_int_equal(wait->on_value(&s, weight_only, sizeof(weight_only)),
			 HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
	assert_int_equal(wait->on_value(&s, result, 19), HV_VALUE_MORE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_exingtech_y1_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("exingtech_y1", NULL, true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		     { HV_METRIC_BONE_MASS, 3.1 },
		     { HV_METRIC_VISCERAL_FAT_RATING, 9 });
	SF_ROUNDTRIP("exingtech_y1", "VScale", false, 0, { HV_METRIC_BODY_WEIGHT, 72.4 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exingtech_y1),
		cmocka_unit_test(test_exingtech_y1_conversation),
		cmocka_unit_test(test_exingtech_y1_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
