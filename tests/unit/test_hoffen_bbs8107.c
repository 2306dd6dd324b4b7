// SPDX-License-Identifier: MIT
/*
 * Hoffen BBS-8107 scale tests (driver hoffen_bbs8107), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Hoffen BBS-8107 ------------------------------------------------------------ */

#define HOFFEN_RESULT "fa0210" "d402" "00" "d500" "2802" "8001" "0000" "1f" "0000" "5f00" "00"

static const struct sf_case hoffen_frames[] = {
	/* barefoot: 72.4 kg, fat 21.3 %, water 55.2 %, muscle 38.4 %, bone
	 * 3.1 kg, visceral 9.5 */
	{ "Hoffen BS-8107", "ffb2", HOFFEN_RESULT, HV_CS_XOR_FROM1, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 },
		      { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		      { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		      { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		      { HV_METRIC_BONE_MASS, 3.1 },
		      { HV_METRIC_VISCERAL_FAT_RATING, 9.5 }) },
	/* its checksum may come later: the result stands without it */
	{ "PC-PW 3008 BT", "ffb2", HOFFEN_RESULT, HV_CS_NONE, SF_FINAL },
	/* shoes on ([5] = 04): the weight alone */
	{ "PC-PW 3008 BT", "ffb2", "fa0204d4020400", HV_CS_XOR_FROM1, SF_FINAL, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 }) },
	/* barefoot but cut short: invalid */
	{ "PC-PW 3008 BT", "ffb2", "fa0210d40200d500280280010000", HV_CS_NONE, SF_INVALID },
	/* live weight; an acknowledgement; a bad checksum */
	{ "Hoffen BS-8107", "ffb2", "fa010300d40200", HV_CS_XOR_FROM1, SF_LIVE, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.4 }) },
	{ "Hoffen BS-8107", "ffb2", "fa03010000", HV_CS_XOR_FROM1, SF_CONTROL },
	{ "Hoffen BS-8107", "ffb2", "fa010300d40201", HV_CS_NONE, SF_INVALID },
};

static void test_hoffen(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases("hoffen_bbs8107", hoffen_frames, ELEMENTSOF(hoffen_frames));
	/* an AC frame under the LeFu name stays LeFu's */
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ce00", HV_CS_AC);
	sf_decode_as(&f, &m, "lefu_icomon");
}

/* Selection as openScale's HoffenBbs8107HandlerTest (commit f7a733b2) has it. */
static void test_hoffen_selection(void **state)
{
	static const char *const ours[] = { "Hoffen BS-8107", "PC-PW 3008 BT",
					    "pc-pw 3008 bt", " PC-PW 3008 BT ", NULL };
	static const char *const not_ours[] = { "MI Band 5", "", "PC-PW 3007 BT",
						"PC-PW 3008", NULL };
	const struct hv_driver *d = hv_driver_by_id("hoffen_bbs8107");
	struct hv_frame f;

	(void)state;
	for (const char *const *n = ours; *n; n++) {
		f = (struct hv_frame){ .name = *n, .n_service_uuids = 2 };
		f.service_uuids[0] = hv_uuid16(0xFEE7);
		f.service_uuids[1] = hv_uuid16(0xFFB0);
		/* before the LeFu family, which takes 0xFFB0 otherwise */
		assert_ptr_equal(hv_registry_select(&f), d);
	}
	for (const char *const *n = not_ours; *n; n++) {
		f = (struct hv_frame){ .name = *n, .n_service_uuids = 1 };
		f.service_uuids[0] = hv_uuid16(0xFEE7);
		assert_false(d->claims_device(&f));
	}
}

static void test_hoffen_conversation(void **state)
{
	struct hv_session s = sf_session("Hoffen BS-8107");
	const struct hv_step *ack, *fin;
	uint8_t ok[] = { 0xFA, 0x03, 0x01, 0x00, 0x02 }, bad[] = { 0xFA, 0x03, 0x01, 0x00, 0x00 };
	uint8_t result[] = { 0xFA, 0x02, 0x10, 0xD4, 0x02, 0x04 }, live[] = { 0xFA, 0x01, 0x03, 0, 0xD4, 0x02, 0xD5 };

	(void)state;
	/* user: plan 0, male 1, 44 y, 180 cm; XOR 85^04^00^01^2c^b4 */
	hv_test_assert_payload("hoffen_bbs8107", "user", &s, "fa850400012cb418");
	hv_test_assert_payload("hoffen_bbs8107", "unit kg", &s, "fa8302010080");
	hv_test_assert_payload("hoffen_bbs8107", "measurement received", &s, "fa82010083");
	ack = hv_test_find_step("hoffen_bbs8107", "user acknowledged", NULL);
	fin = hv_test_find_step("hoffen_bbs8107", "wait for the final", NULL);
	assert_int_equal(ack->on_value(&s, bad, sizeof(bad)), HV_VALUE_MORE);
	assert_int_equal(ack->on_value(&s, ok, sizeof(ok)), HV_VALUE_DONE);
	assert_int_equal(fin->on_value(&s, live, sizeof(live)), HV_VALUE_MORE);
	assert_int_equal(fin->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_hoffen_bbs8107_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("hoffen_bbs8107", "Hoffen BS-8107", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 },
		     { HV_METRIC_BODY_FAT_PERCENT, 21.3 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_MUSCLE_PERCENT, 38.4 },
		     { HV_METRIC_BONE_MASS, 3.1 },
		     { HV_METRIC_VISCERAL_FAT_RATING, 9 });
	SF_ROUNDTRIP("hoffen_bbs8107", "PC-PW 3008 BT", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 });
	SF_ROUNDTRIP("hoffen_bbs8107", "PC-PW 3008 BT", false, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.4 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hoffen),
		cmocka_unit_test(test_hoffen_selection),
		cmocka_unit_test(test_hoffen_conversation),
		cmocka_unit_test(test_hoffen_bbs8107_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
