// SPDX-License-Identifier: MIT
/*
 * Ebelter Body Fat-B2 scale tests (driver ebelter_b2), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Ebelter Body Fat-B2 ------------------------------------------------------- */

static const struct sf_case ebelter_frames[] = {
	/* 72.4 kg (724 LE), fat 21.3 % (213 LE) */
	{ "Body Fat-B2", "faa2", "8d110000d402d50000", HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 }) },
	/* fat 0: weight alone; any case of the name and a suffix */
	{ "BODY FAT-B2 01", "faa2", "8d110000d4020000", HV_CS_NONE, SF_OK, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 }) },
	/* status, below 10 kg, other: protocol frames; short, foreign: invalid */
	{ "Body Fat-B2", "faa2", "8d01", HV_CS_NONE, SF_CONTROL },
	{ "Body Fat-B2", "faa2", "8d11000063000000", HV_CS_NONE, SF_CONTROL },
	{ "Body Fat-B2", "faa2", "8d22", HV_CS_NONE, SF_CONTROL },
	{ "Body Fat-B2", "faa2", "8d110000d402d5", HV_CS_NONE, SF_INVALID },
	{ "Body Fat-B2", "faa2", "ab09", HV_CS_NONE, SF_INVALID },
};

static void test_ebelter(void **state)
{
	(void)state;
	sf_check_cases("ebelter_b2", ebelter_frames, ELEMENTSOF(ebelter_frames));
}

static void test_ebelter_conversation(void **state)
{
	struct hv_session s = sf_session("Body Fat-B2");
	const struct hv_step *wait;
	uint8_t status[] = { 0x8D, 0x01 }, light[] = { 0x8D, 0x11, 0, 0, 0x63, 0, 0, 0 };
	uint8_t result[] = { 0x8D, 0x11, 0, 0, 0xD4, 0x02, 0, 0 };

	(void)state;
	sf_assert_step_bytes("ebelter_b2", "handshake, first", "ab0998fc121711180a2714");
	sf_assert_step_bytes("ebelter_b2", "handshake, second",
			  "ab0e9906151442148bbc0aa611bd12e9ea");
	/* openScale's writeTo() writes with response by default */
	assert_true(hv_test_find_step("ebelter_b2", "handshake, first", NULL)->flags &
		    HV_STEP_WITH_RESPONSE);
	assert_true(hv_test_find_step("ebelter_b2", "handshake, second", NULL)->flags &
		    HV_STEP_WITH_RESPONSE);
	wait = hv_test_find_step("ebelter_b2", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, status, sizeof(status)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, light, sizeof(light)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_ebelter_b2_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("ebelter_b2", "Body Fat-B2", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 });
	SF_ROUNDTRIP("ebelter_b2", "Body Fat-B2", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ebelter),
		cmocka_unit_test(test_ebelter_conversation),
		cmocka_unit_test(test_ebelter_b2_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
