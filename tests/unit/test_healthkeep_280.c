// SPDX-License-Identifier: MIT
/*
 * HealthKeep 280 tests (driver healthkeep_280). The final indication is
 * the nRF Connect capture in openScale's HealthKeep280HandlerTest.kt
 * (android_app/app/src/test/java/com/health/openscale/core/bluetooth/
 * scales/, oliexdev/openScale@0a251157): 116.40 kg, 68 min⁻¹, 357 Ohm, as
 * the scale displayed; the live frame is the one that test builds for the
 * same weight. Each frame is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define HK_ID "healthkeep_280"

#define FINAL "cf0800a30001c6b04401650000000000000000" "04"
#define LIVE "cf0800a2010001c6b0"

static const struct sf_case healthkeep_frames[] = {
	{ "Healthkeep", "ffb3", FINAL, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 116.40 }, { HV_METRIC_HEART_RATE, 68 },
		      { HV_METRIC_IMPEDANCE, 357 }, { HV_METRIC_BODY_FAT_PERCENT, SF_ABSENT }) },
	/* live, the weight one byte further along */
	{ "Healthkeep", "ffb2", LIVE, HV_CS_NONE, SF_LIVE, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 116.40 }) },
	/* the final frame on the live characteristic: status 0, no weight */
	{ "Healthkeep", "ffb2", FINAL, HV_CS_NONE, SF_CONTROL },
	/* no heart rate, no impedance: the weight alone */
	{ "HEALTHKEEP-280", "ffb3", "cf0800a30001c6b000000000", HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_HEART_RATE, SF_ABSENT }, { HV_METRIC_IMPEDANCE, SF_ABSENT }) },
	/* another command; short values */
	{ "Healthkeep", "ffb3", "cf0800a10001c6b0440165", HV_CS_NONE, SF_CONTROL },
	{ "Healthkeep", "ffb3", "cf0800a30001c6b04401", HV_CS_NONE, SF_INVALID },
	{ "Healthkeep", "ffb2", "cf0800a2010001c6", HV_CS_NONE, SF_INVALID },
	/* the shared 0xFFB2 under the Active Era name is not ours */
	{ "AE BS-06", "ffb2", LIVE, HV_CS_NONE, SF_NOT_OURS },
};

static void test_healthkeep_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases(HK_ID, healthkeep_frames, ELEMENTSOF(healthkeep_frames));
	/* with a profile: method standard_impedance, as openScale derives */
	hv_test_gatt(&f, "Healthkeep", "ffb3", FINAL, HV_CS_NONE);
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, HK_ID);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "standard_impedance");
}

static void test_healthkeep_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HK_ID);
	struct hv_frame f = { 0 };

	(void)state;
	f.name = " healthkeep 280";
	assert_true(d->claims_device(&f));
	/* by name, the connection is this driver's, also with the 0xFFB0
	 * service lefu_icomon takes from others */
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 1;
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 0;
	f.name = "HealthKe";
	assert_false(d->claims_device(&f));
	f.name = NULL;
	assert_false(d->claims_device(&f));
}

/* The session: subscriptions, the person, the live and final frames. */
static void test_healthkeep_session(void **state)
{
	static const struct sf_value values[] = {
		{ "ffb2", LIVE, HV_CS_NONE },
		{ "ffb3", FINAL, HV_CS_NONE },
	};
	struct hv_session s = sf_session("Healthkeep");
	const struct hv_step *st = hv_test_find_step(HK_ID, "send the person", NULL);
	uint8_t buf[16];
	size_t len;
	struct sf_session_run r;

	(void)state;
	/* male, 44 y, 180 cm: AC 02 FB 01 2C B4 CC, sum 0x56 */
	assert_int_equal(st->payload(&s, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "\xac\x02\xfb\x01\x2c\xb4\xcc\x56", 8);
	s.profile.height_m = 0;
	assert_int_equal(st->payload(&s, buf, sizeof(buf), &len), -ENODATA);
	sf_replay(&r, HK_ID, "Healthkeep", values, 2);
	sf_assert_session_done(&r);
	sf_assert_live(&r.m[0], HK_ID, 116.40);
	sf_assert_final(&r.m[1], HK_ID, 116.40, false);
}

/* The encoder's frames decode back to what was encoded. */
static void test_healthkeep_encoder_roundtrip(void **state)
{
	static const enum hv_metric all[] = { HV_METRIC_BODY_WEIGHT, HV_METRIC_HEART_RATE,
					      HV_METRIC_IMPEDANCE };
	static const double capture[] = { 116.40, 68, 357 };
	const struct hv_driver *d = hv_driver_by_id(HK_ID);
	struct hv_measurement in;
	struct hv_frame f, want;

	(void)state;
	SF_ROUNDTRIP(HK_ID, "Healthkeep", true, 0, { HV_METRIC_BODY_WEIGHT, 116.40 },
		     { HV_METRIC_HEART_RATE, 68 },
		     { HV_METRIC_IMPEDANCE, 357 });
	SF_ROUNDTRIP(HK_ID, "Healthkeep", false, 0, { HV_METRIC_BODY_WEIGHT, 80.125 });
	/* and writes the capture for the capture's values */
	hv_measurement_init(&in, HK_ID);
	in.final = true;
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(hv_measurement_add(&in, all[i], capture[i]), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	hv_test_gatt(&want, NULL, "ffb3", FINAL, HV_CS_NONE);
	assert_int_equal(f.value_len, want.value_len);
	assert_memory_equal(f.value, want.value, want.value_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthkeep_frames),
		cmocka_unit_test(test_healthkeep_selection),
		cmocka_unit_test(test_healthkeep_session),
		cmocka_unit_test(test_healthkeep_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
