// SPDX-License-Identifier: MIT
/*
 * Active Era BF-06 scale tests (driver active_era_bf06), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "drivers/bodycomp_active_era.h"
#include "tests/unit/scale_frames.h"

/* --- Active Era BF-06 ---------------------------------------------------------- */

#define AE_STABLE_HR "ac27" "82" "011b02" "000000000000000000000000" "d5" "00"
#define AE_STABLE "ac27" "80" "011b02" "000000000000000000000000" "d5" "00"
#define AE_Z500 "ac27" "01" "00" "01f4" "0000000000000000000000" "00" "d6" "00"
#define AE_HR72 "ac27" "00" "48" "0000000000000000000000000000" "d7" "00"

static void test_active_era(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	double ffm;

	(void)state;
	/* settling, stable: the final weight, first packet */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "00" "011b02" "000000000000000000000000" "d5" "00", HV_CS_NONE);
	sf_decode_live(&f, &m, "active_era_bf06");
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* the impedance with the weight kept: the last packet, "active_era" */
	hv_test_gatt(&f, "ae bs-06", "ffb2", AE_Z500, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final); /* no weight kept */
	f.quirks = 1u | 72450u << 8;
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, "active_era_bf06");
	assert_false(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	ffm = 0.36 * 180 * 180 / 500.0 + 0.162 * 180 + 0.289 * 72.45 - 0.134 * 44 + 4.83 - 6.83;
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS), "active_era");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), ffm, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       (72.45 - ffm) / 72.45 * 100, 0.06);
	/* a heart rate announced: the impedance is not the last packet */
	f.quirks |= 2;
	hv_test_decode(&f, &m);
	assert_true(m.more_packets);
	/* the vendor's WLA07 (id 7): the impedance alone */
	f.quirks = 1u | 72450u << 8;
	f.value[17] = 0x07;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_FAT_FREE_MASS));
	/* a raw report of 1500 or more, corrected as openScale does */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "01" "00" "09c4" "0000000000000000000000" "00" "d6" "00", HV_CS_NONE);
	f.quirks = 1u | 72450u << 8;
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE),
		       ((2500 - 1000.0) + 724.5 * -0.4) / 0.6 / 10, 0.06);
	/* the heart rate completes it */
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_HR72, HV_CS_NONE);
	f.quirks = 3u | 72450u << 8;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 72);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* balance, history: not read; other lengths: invalid */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "01" "1c4d" "01f4" "0000000000000000000000" "d0" "00", HV_CS_NONE);
	sf_decode_control(&f, &m, "active_era_bf06");
	hv_test_gatt(&f, "AE BS-06", "ffb2", "ac27d5", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "active_era_bf06");
	/* on 0xFFB0 with its service advertised: not the LeFu family's */
	f = (struct hv_frame){ .name = "AE BS-06", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("active_era_bf06"));
}

static void test_active_era_method(void **state)
{
	struct hv_measurement m;
	const struct hv_profile female = { .height_m = 1.65, .age_years = 35,
					   .sex = HV_SEX_FEMALE };
	double ffm = 0.36 * 165 * 165 / 600.0 + 0.162 * 165 + 0.289 * 60 - 0.134 * 35 - 6.83;

	(void)state;
	hv_measurement_init(&m, "active_era_bf06");
	assert_int_equal(hv_bodycomp_active_era(&female, 60, 600, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), ffm, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), (60 - ffm) / 60 * 100,
		       0.06);
	/* incomplete profile, implausible impedance, FFM above the weight */
	hv_measurement_init(&m, "active_era_bf06");
	assert_int_equal(hv_bodycomp_active_era(&(struct hv_profile){ .height_m = 1.65 }, 60,
						600, &m),
			 0);
	assert_int_equal(hv_bodycomp_active_era(&female, 60, 5, &m), 0);
	assert_int_equal(hv_bodycomp_active_era(&female, 30, 100, &m), 0);
	assert_int_equal(m.n_readings, 0);
}

static void test_active_era_conversation(void **state)
{
	struct hv_session s = sf_session("AE BS-06");
	const struct hv_step *stable, *imp, *hr;
	size_t i_end;
	struct hv_frame f;

	(void)state;
	/* time, 04, kg, user 1, 180 cm, no weights, 44 y, male; sum [2..16] */
	hv_test_assert_payload("active_era_bf06", "configuration", &s,
			       "ac2765f40708040001b400002c01000003" "00d0" "51");
	s.profile = sf_female35;
	hv_test_assert_payload("active_era_bf06", "configuration", &s,
			       "ac2765f40708040001a50000230200000300d0" "3a");
	stable = hv_test_find_step("active_era_bf06", "wait for a stable weight", NULL);
	imp = hv_test_find_step("active_era_bf06", "wait for the impedance", NULL);
	hr = hv_test_find_step("active_era_bf06", "wait for the heart rate", NULL);
	(void)hv_test_find_step("active_era_bf06", "done", &i_end);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE_HR, HV_CS_NONE);
	f.value[2] = 0x02; /* not stable yet */
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE_HR, HV_CS_NONE);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks, 3u | 72450u << 8);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_Z500, HV_CS_NONE);
	assert_int_equal(imp->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_HR72, HV_CS_NONE);
	assert_int_equal(hr->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	/* no heart rate announced: the impedance ends it */
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE, HV_CS_NONE);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_Z500, HV_CS_NONE);
	assert_int_equal(imp->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
}


/* The encoder's frames decode back to what was encoded. */
static void test_active_era_bf06_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("active_era_bf06", "AE BS-06", false, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 });
	SF_ROUNDTRIP("active_era_bf06", "AE BS-06", true, 1u | 72450u << 8,
		     { HV_METRIC_BODY_WEIGHT, 72.45 },
		     { HV_METRIC_IMPEDANCE, 500 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_era),
		cmocka_unit_test(test_active_era_method),
		cmocka_unit_test(test_active_era_conversation),
		cmocka_unit_test(test_active_era_bf06_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
