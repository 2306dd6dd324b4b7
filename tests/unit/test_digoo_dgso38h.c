// SPDX-License-Identifier: MIT
/*
 * Digoo DG-SO38H scale tests (driver digoo_dgso38h), drawn from openScale's
 * scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Digoo DG-SO38H ---------------------------------------------------------- */

/* all values: 72.45 kg, fat 21.3 %, visceral 8.5, water 55.2 %, muscle
 * 38.4 %, bone 3.1 kg */
#define DIGOO_ALL "000000" "1c4d" "02" "00d5" "0000" "55" "0228" "000000" "0180" "1f" "00"

static const struct sf_case digoo_frames[] = {
	{ "Mengii", "fff1", DIGOO_ALL, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.45 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		      { HV_METRIC_VISCERAL_FAT_RATING, 8.5 },
		      { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		      { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		      { HV_METRIC_BONE_MASS, 3.1 }) },
	/* all values with fat 0: the weight alone */
	{ "Mengii", "fff1",
	  "000000" "1c4d" "02" "0000" "0000" "55" "0228" "000000" "0180" "1f" "00",
	  HV_CS_NONE, SF_FINAL, true, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.45 }) },
	/* stable weight: live (the all-values frame follows) */
	{ "mengii", "fff1",
	  "000000" "1c4d" "01" "0000" "0000" "00" "0000" "000000" "0000" "00" "00",
	  HV_CS_NONE, SF_LIVE, false, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.45 }) },
	/* empty, short */
	{ "Mengii", "fff1",
	  "000000" "0000" "00" "0000" "0000" "00" "0000" "000000" "0000" "00" "00",
	  HV_CS_NONE, SF_CONTROL },
	{ "Mengii", "fff1", "0000001c4d02", HV_CS_NONE, SF_CONTROL },
	/* 0xFFF1 without the name is not Digoo's */
	{ NULL, "fff1", DIGOO_ALL, HV_CS_NONE, SF_NOT_OURS },
};

static void test_digoo(void **state)
{
	(void)state;
	sf_check_cases("digoo_dgso38h", digoo_frames, ELEMENTSOF(digoo_frames));
}

static void test_digoo_conversation(void **state)
{
	struct hv_session s = sf_session("Mengii");
	const struct hv_step *stable, *all;
	size_t i_end;
	uint8_t live[20] = { [3] = 0x1c, [4] = 0x4d }, st[20] = { [3] = 0x1c, [4] = 0x4d, [5] = 1 };
	uint8_t result[20] = { [3] = 0x1c, [4] = 0x4d, [5] = 2 };

	(void)state;
	/* 180 cm, 44 y, male (0), kg (1); 11+0d+01+b4+2c+00+01 = 0x100 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01b42c000100000000" "0000");
	s.profile = sf_female35;
	/* 11+0d+01+a5+23+01+01 = 0xe9 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01a523010100000000" "00e9");
	s.profile = (struct hv_profile){ 0 };
	/* zeros: 11+0d+01+00+00+00+01 = 0x20 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01000000010000000000" "20");
	stable = hv_test_find_step("digoo_dgso38h", "wait for a stable weight", NULL);
	all = hv_test_find_step("digoo_dgso38h", "wait for all values", NULL);
	(void)hv_test_find_step("digoo_dgso38h", "done", &i_end);
	assert_int_equal(stable->on_value(&s, live, sizeof(live)), HV_VALUE_MORE);
	assert_int_equal(stable->on_value(&s, st, sizeof(st)), HV_VALUE_DONE);
	assert_int_equal(stable->on_value(&s, result, sizeof(result)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	assert_int_equal(all->on_value(&s, st, sizeof(st)), HV_VALUE_MORE);
	assert_int_equal(all->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_digoo_dgso38h_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("digoo_dgso38h", "Mengii", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		     { HV_METRIC_BONE_MASS, 3.1 },
		     { HV_METRIC_VISCERAL_FAT_RATING, 8.5 });
	SF_ROUNDTRIP("digoo_dgso38h", "Mengii", false, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digoo),
		cmocka_unit_test(test_digoo_conversation),
		cmocka_unit_test(test_digoo_dgso38h_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
