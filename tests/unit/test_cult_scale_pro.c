// SPDX-License-Identifier: MIT
/*
 * Cult Smart Scale Pro scale tests (driver cult_scale_pro), drawn from
 * openScale's scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Cult Smart Scale Pro ---------------------------------------------------------- */

/* *f = hex on 0xFFF4 under "Cult…", its last byte the XOR of all before. */
static void cult_frame(struct hv_frame *f, const char *hex)
{
	hv_test_gatt(f, "CULT-SCALE", "fff4", hex, HV_CS_NONE);
	f->value[f->value_len - 1] = 0;
	for (size_t i = 0; i + 1 < f->value_len; i++)
		f->value[f->value_len - 1] ^= f->value[i];
}

/* Impedance set 0 with the values CultSmartScaleProHandler's comment gives
 * from its capture (2867, 3013, 248, 2904, 2668 Ohm). */
#define CULT_SET0 "be00" "330b" "c50b" "f800" "580b" "6c0a" "00"

static void test_cult(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* settling, stable (no handles), handles measuring / stable */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "01" "00");
	sf_decode_live(&f, &m, "cult_scale_pro");
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	sf_decode_final(&f, &m, "cult_scale_pro");
	assert_false(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "05" "00");
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.more_packets);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "08" "00");
	hv_test_decode(&f, &m);
	assert_true(m.more_packets);
	/* set 0 out of a session: the impedance alone, not final */
	cult_frame(&f, CULT_SET0);
	sf_decode_live(&f, &m, "cult_scale_pro");
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 248);
	/* with the weight kept: the measurement, standard impedance */
	f.quirks = 7245u << 8;
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 248);
	/* 248 Ohm gives this person a fat-free mass above the weight (Sun
	 * 2003: −10.68 + 0.65 × 180²/248 + 0.26 × 72.45 + 0.02 × 248 = 98):
	 * no composition rather than a negative fat */
	assert_null(hv_measurement_find(&m, HV_METRIC_FAT_FREE_MASS));
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* 500 Ohm (written from the layout): standard impedance */
	cult_frame(&f, "be00" "330b" "c50b" "f401" "580b" "6c0a" "00");
	f.quirks = 7245u << 8;
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS),
		       -10.68 + 0.65 * 180 * 180 / 500.0 + 0.26 * 72.45 + 0.02 * 500,
		       0.006);
	/* set 1, composition frames: nothing read */
	cult_frame(&f, "be01" "330b" "c50b" "f800" "580b" "6c0a" "00");
	sf_decode_control(&f, &m, "cult_scale_pro");
	cult_frame(&f, "df000102" "000000000000000000000000" "00");
	sf_decode_control(&f, &m, "cult_scale_pro");
	/* a bad XOR, a short frame */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	f.value[10] ^= 1;
	sf_decode_invalid(&f, &m, "cult_scale_pro");
	cult_frame(&f, "cf8000" "4d1c" "0000" "00");
	sf_decode_invalid(&f, &m, "cult_scale_pro");
	/* 0xFFF4 under Excelvan's name is Excelvan's, whatever the bytes */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	f.name = "Electronic Scale";
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, "cult_scale_pro");
}

static void test_cult_conversation(void **state)
{
	struct hv_session s = sf_session("Cult Smart Scale");
	const struct hv_step *wait_w, *wait_z;
	size_t i_end;
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	wait_w = hv_test_find_step("cult_scale_pro", "wait for a stable weight", NULL);
	wait_z = hv_test_find_step("cult_scale_pro", "wait for the impedance", NULL);
	(void)hv_test_find_step("cult_scale_pro", "done", &i_end);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "01" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* measuring: kept, still waiting; stable with handles: done */
	cult_frame(&f, "cf8000" "4c1c" "00000000" "08" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7244);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "05" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks >> 8, 7245);
	cult_frame(&f, "be01" "330b" "c50b" "f800" "580b" "6c0a" "00");
	assert_int_equal(wait_z->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	cult_frame(&f, CULT_SET0);
	assert_int_equal(wait_z->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* the impedance before any 05: decoded with the 08 weight, done */
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	/* stable without handles: nothing follows */
	s = sf_session("Cult");
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	/* no weight kept: the impedance is not a reason to stop */
	cult_frame(&f, CULT_SET0);
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_cult_scale_pro_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("cult_scale_pro", "Cult", true, 0, { HV_METRIC_BODY_WEIGHT, 72.45 });
	SF_ROUNDTRIP("cult_scale_pro", "CULT", false, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 });
	SF_ROUNDTRIP("cult_scale_pro", "Cult", true, 7245u << 8,
		     { HV_METRIC_BODY_WEIGHT, 72.45 },
		     { HV_METRIC_IMPEDANCE, 248 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cult),
		cmocka_unit_test(test_cult_conversation),
		cmocka_unit_test(test_cult_scale_pro_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
