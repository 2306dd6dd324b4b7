// SPDX-License-Identifier: MIT
/*
 * Hume Health Dara 2.0 tests (driver hume_dara2). The five locked frames
 * and the live one are real weigh-ins published in openScale's
 * HumeDara2HandlerTest.kt (android_app/app/src/test/java/com/health/
 * openscale/core/bluetooth/scales/, oliexdev/openScale@27434c19), with the
 * weights and impedances stated there. Each frame is decoded through the
 * whole registry.
 */
#include "tests/unit/scale_frames.h"

#define HD_ID "hume_dara2"
#define HD_NAME "Dara 2.0"

#define LOCKED_1 "cf0a14de215a556f01004f" /* 86.70 kg, 25.80 Ohm */
#define LOCKED_2 "cfc413e821e5e796000045" /* 86.80 kg, 501.95 Ohm */
#define LOCKED_3 "cfc413ed21aca6ae000070" /* 86.85 kg, 501.95 Ohm */
#define LOCKED_4 "cfc413f7215f55750000b1" /* 86.95 kg, 501.95 Ohm */
#define LOCKED_5 "cfb013f2217075b700000d" /* 86.90 kg, 450.75 Ohm */
#define LIVE "cf0000de210000000001" "31" /* settling, 86.70 kg */

static const struct sf_case dara2_frames[] = {
	/* the first capture's 25.80 Ohm (a rushed step-on) is dropped */
	{ HD_NAME, "fff4", LOCKED_1, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.70 }, { HV_METRIC_IMPEDANCE, SF_ABSENT }) },
	{ HD_NAME, "fff4", LOCKED_2, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.80 }, { HV_METRIC_IMPEDANCE, 501.95 }) },
	{ HD_NAME, "fff4", LOCKED_3, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.85 }, { HV_METRIC_IMPEDANCE, 501.95 }) },
	{ HD_NAME, "fff4", LOCKED_4, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.95 }, { HV_METRIC_IMPEDANCE, 501.95 }) },
	{ HD_NAME, "fff4", LOCKED_5, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.90 }, { HV_METRIC_IMPEDANCE, 450.75 }) },
	{ HD_NAME, "fff4", LIVE, HV_CS_NONE, SF_LIVE, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 86.70 }, { HV_METRIC_IMPEDANCE, SF_ABSENT }) },
	/* openScale's tampered frame: a weight byte zeroed, the XOR stale */
	{ HD_NAME, "fff4", "cfc4130021aca6ae000070", HV_CS_NONE, SF_INVALID },
	/* another length, another header */
	{ HD_NAME, "fff4", "cfc413ed21aca6ae0000", HV_CS_NONE, SF_INVALID },
	{ HD_NAME, "fff4", "acc413ed21aca6ae0000d3", HV_CS_NONE, SF_INVALID },
	/* no weight */
	{ HD_NAME, "fff4", "cf00000000000000000" "0cf", HV_CS_NONE, SF_CONTROL },
	/* the frame on the shared 0xFFF4 under another name is not ours */
	{ "Electronic Scale", "fff4", LOCKED_2, HV_CS_NONE, SF_NOT_OURS },
	{ NULL, "fff4", LOCKED_2, HV_CS_NONE, SF_NOT_OURS },
};

/* A locked frame decoded with a profile. */
static void decode_with_profile(const char *hex, struct hv_measurement *m)
{
	struct hv_frame f;

	hv_test_gatt(&f, HD_NAME, "fff4", hex, HV_CS_NONE);
	f.profile = &sf_male44;
	sf_decode_final(&f, m, HD_ID);
}

static void test_dara2_captures(void **state)
{
	struct hv_measurement m;

	(void)state;
	sf_check_cases(HD_ID, dara2_frames, ELEMENTSOF(dara2_frames));
	/* with a profile: method standard_impedance, as openScale derives;
	 * not from the implausible 25.80 Ohm */
	decode_with_profile(LOCKED_5, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "standard_impedance");
	decode_with_profile(LOCKED_1, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
}

static void test_dara2_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HD_ID);
	struct hv_frame f = { 0 };

	(void)state;
	f.name = "dara 2.0";
	assert_true(d->claims_device(&f));
	/* the connection is this driver's, with or without 0xFFF0 listed */
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 1;
	f.service_uuids[0] = hv_uuid16(0xFFF0);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 0;
	f.name = "Dara 2.01";
	assert_false(d->claims_device(&f));
	f.name = "FITTRACK Dara";
	assert_false(d->claims_device(&f));
}

/* The session: the user set-up in kg, the live stream, the locked frame. */
static void test_dara2_session(void **state)
{
	static const struct sf_value values[] = {
		{ "fff4", LIVE, HV_CS_NONE },
		{ "fff4", LOCKED_5, HV_CS_NONE },
	};
	struct hv_session s = sf_session(HD_NAME);
	const struct hv_step *st = hv_test_find_step(HD_ID, "user and unit kg", NULL);
	uint8_t buf[16];
	size_t len;
	struct sf_session_run r;

	(void)state;
	/* male, 180 cm, 44 y, kg: FE 01 01 00 B4 2C 01, XOR of [1..6] 0x99 */
	assert_int_equal(st->payload(&s, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "\xfe\x01\x01\x00\xb4\x2c\x01\x99", 8);
	sf_replay(&r, HD_ID, HD_NAME, values, 2);
	sf_assert_session_done(&r);
	sf_assert_live(&r.m[0], HD_ID, 86.70);
	sf_assert_final(&r.m[1], HD_ID, 86.90, false);
}

/* The encoder's frames decode back to what was encoded. */
static void test_dara2_encoder_roundtrip(void **state)
{

	(void)state;
	SF_ROUNDTRIP(HD_ID, HD_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 86.90 },
		     { HV_METRIC_IMPEDANCE, 450.75 });
	SF_ROUNDTRIP(HD_ID, HD_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 86.70 });
	SF_ROUNDTRIP(HD_ID, HD_NAME, false, 0, { HV_METRIC_BODY_WEIGHT, 86.70 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dara2_captures),
		cmocka_unit_test(test_dara2_selection),
		cmocka_unit_test(test_dara2_session),
		cmocka_unit_test(test_dara2_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
