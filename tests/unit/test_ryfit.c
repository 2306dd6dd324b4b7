// SPDX-License-Identifier: MIT
/*
 * RyFit scale tests (driver ryfit), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- RyFit ----------------------------------------------------------------------- */

/*
 * openScale RyFitHandler.kt (openScale@f7a733b2) publishes no capture: the
 * result packets are written from its parser. RyFitHandlerTest.kt
 * (openScale@b692649f) pins the C0 age clamp (9 → 10, 101 → 100).
 */

static void test_ryfit(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* live 72.4 kg */
	hv_test_gatt(&f, "RyFit", "ffe1", "d20002d4", HV_CS_NONE);
	sf_decode_live(&f, &m, "ryfit");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* the first packet: weight 72.4, fat 21.3 %, water 55.0 % */
	hv_test_gatt(&f, "ChronoCloud-01", "ffe1", "d00001000000000002d400d50226",
		     HV_CS_NONE);
	sf_decode_live(&f, &m, "ryfit");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 21.3);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.0);
	/* the second: muscle 40.2 %, bone 4.2 % of 72.4 kg, BMR 1573,
	 * visceral level 7 */
	hv_test_gatt(&f, "RyFit", "ffe1", "d0000000019200" "2a0625" "00" "00" "07" "00",
		     HV_CS_NONE);
	f.quirks = 724u << 8;
	sf_decode_final(&f, &m, "ryfit");
	assert_false(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 40.2);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.04);
	sf_assert_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE, 1573);
	sf_assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 7);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));
	/* without the kept weight: no bone mass */
	f.quirks = 0;
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BONE_MASS));
	/* 13 bytes is malformed; the clock answer reads nothing */
	hv_test_gatt(&f, "RyFit", "ffe1", "d00001000000000002d400d502", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "ryfit");
	hv_test_gatt(&f, "RyFit", "ffe1", "fbf8", HV_CS_NONE);
	sf_decode_as(&f, &m, "ryfit");
	assert_int_equal(m.n_readings, 0);
	/* 0xFFE1 is shared: by name or the vendor's address block only */
	hv_test_gatt(&f, NULL, "ffe1", "d20002d4", HV_CS_NONE);
	sf_assert_not_mine(&f);
	f.address = "D0:39:72:01:02:03";
	sf_decode_as(&f, &m, "ryfit");
}

static void test_ryfit_conversation(void **state)
{
	struct hv_session s = { .now_unix = 1710491400, .profile = sf_male35,
				.user_index = -1, .records_expected = -1 };
	const struct hv_step *live, *first, *second;
	size_t i_ack_first;
	struct hv_frame f;
	char hex[32];

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("ryfit")->conversation);
	/* 1710491400 = 0x65F40708, little-endian */
	hv_test_assert_payload("ryfit", "set the clock", &s, "faf80807f465");
	/* 180 cm → 160, 35 y, male */
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a02301");
	/* RyFitHandlerTest: the age clamp */
	s.profile.age_years = 9;
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a00a01");
	s.profile.age_years = 101;
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a06401");
	s.profile = sf_female30;
	hv_test_assert_payload("ryfit", "profile again", &s, "c009861e00");

	live = hv_test_find_step("ryfit", "wait for someone", NULL);
	first = hv_test_find_step("ryfit", "wait for the first", NULL);
	second = hv_test_find_step("ryfit", "wait for the second", NULL);
	hv_test_find_step("ryfit", "acknowledge the first", &i_ack_first);
	hv_test_gatt(&f, NULL, "ffe1", "d20002d4", HV_CS_NONE);
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, NULL, "ffe1", "d20000", HV_CS_NONE);
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffe1", "d00001000000000002d400d50226", HV_CS_NONE);
	assert_int_equal(first->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal((s.quirks >> 8) & 0xFFFF, 724);
	assert_int_equal(hv_test_payload("ryfit", "acknowledge the first", &s, hex,
					 sizeof(hex)), 0);
	assert_string_equal(hex, "fad00001");
	/* a first packet while waiting for someone: straight to its ack */
	s.quirks = 0;
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_first);
	assert_int_equal(second->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffe1", "d10000000192002a062500000700", HV_CS_NONE);
	assert_int_equal(second->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(hv_test_payload("ryfit", "acknowledge the second", &s, hex,
					 sizeof(hex)), 0);
	assert_string_equal(hex, "fad10000");
}


/* The encoder's frames decode back to what was encoded. */
static void test_ryfit_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("ryfit", "RyFit", 72.4, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ryfit),
		cmocka_unit_test(test_ryfit_conversation),
		cmocka_unit_test(test_ryfit_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
