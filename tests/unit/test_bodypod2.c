// SPDX-License-Identifier: MIT
/*
 * Lefu Body Pod 2 tests (driver bodypod2). The CF and BE frames are those
 * of openScale's BodyPod2HandlerTest.kt (android_app/app/src/test/java/com/
 * health/openscale/core/bluetooth/scales/, oliexdev/openScale@02e42817),
 * their XOR written as that test writes it: stable 92.97 kg, and the
 * low-frequency segments 331.9, 322.9, 27.0, 179.5, 232.1 Ohm, whose
 * whole-body figure by the handler's formula (BodyPod2Handler.kt
 * @ 58984819) is 560.2 Ohm. Each frame is decoded through the whole
 * registry.
 */
#include "tests/unit/scale_frames.h"

#define BP_ID "bodypod2"
#define BP_NAME "Body Pod 2"

#define CF_STABLE "cf0080512400000000013b"
#define CF_LIVE "cf000051240000000001bb"
#define BE_LOW "be00f70c9d0c0e0103071109c7"
#define BE_HIGH "be01f70c9d0c0e0103071109c6"

/* the kept weight as the conversation leaves it: 92.97 kg */
#define KEPT (0x1u | 9297u << 8)

/* The frames decoded alone (no weight kept). */
static const struct sf_case bodypod2_frames[] = {
	{ BP_NAME, "fff4", CF_STABLE, HV_CS_NONE, SF_FINAL, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 92.97 }) },
	{ BP_NAME, "fff4", CF_LIVE, HV_CS_NONE, SF_LIVE, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 92.97 }) },
	/* without a weight kept: the impedance alone, not final */
	{ BP_NAME, "fff4", BE_LOW, HV_CS_NONE, SF_LIVE, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, SF_ABSENT }, { HV_METRIC_IMPEDANCE, 560.2 }) },
	/* the same on the fallback characteristic */
	{ BP_NAME, "fff2", CF_STABLE, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 92.97 }) },
	/* the high-frequency set and the extended packet carry nothing read */
	{ BP_NAME, "fff4", BE_HIGH, HV_CS_NONE, SF_CONTROL },
	{ BP_NAME, "fff4", "df0000df", HV_CS_NONE, SF_CONTROL },
	/* openScale's corrupted BE (index byte 2, stale XOR); a short CF */
	{ BP_NAME, "fff4", "be02f70c9d0c0e0103071109c7", HV_CS_NONE, SF_INVALID },
	{ BP_NAME, "fff4", "cf008051243a", HV_CS_NONE, SF_INVALID },
	/* its frames on the shared 0xFFF4 under other names are not ours */
	{ "Electronic Scale", "fff4", CF_STABLE, HV_CS_NONE, SF_NOT_OURS },
	{ NULL, "fff4", BE_LOW, HV_CS_NONE, SF_NOT_OURS },
};

/* A low-frequency set decoded with the weight the conversation kept. */
static void decode_with_kept(const char *hex, struct hv_measurement *m)
{
	struct hv_frame f;

	hv_test_gatt(&f, BP_NAME, "fff4", hex, HV_CS_NONE);
	f.quirks = KEPT;
	sf_decode_final(&f, m, BP_ID);
	assert_false(m->more_packets);
	sf_assert_reading(m, HV_METRIC_BODY_WEIGHT, 92.97);
}

static void test_bodypod2_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases(BP_ID, bodypod2_frames, ELEMENTSOF(bodypod2_frames));
	/* the stable weight is the first packet */
	sf_decode_case(&bodypod2_frames[0], BP_ID, &f, &m);
	assert_true(m.more_packets);
	/* the low-frequency set completes the kept weight */
	decode_with_kept(BE_LOW, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 560.2, 1e-9);
	/* an implausible whole body (all segments 10 Ohm): the weight alone */
	decode_with_kept("be0064006400640064006400da", &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
}

static void test_bodypod2_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(BP_ID);
	struct hv_frame f = { 0 };

	(void)state;
	f.name = "body pod 2";
	assert_true(d->claims_device(&f));
	assert_ptr_equal(hv_registry_select(&f), d);
	f.name = "Body Pod 21";
	assert_false(d->claims_device(&f));
	f.name = "Body Pod";
	assert_false(d->claims_device(&f));
}

/* The session: the profile, live and stable weights, both impedance sets. */
static void test_bodypod2_session(void **state)
{
	static const struct sf_value values[] = {
		{ "fff4", CF_LIVE, HV_CS_NONE },
		{ "fff4", CF_STABLE, HV_CS_NONE },
		{ "fff4", BE_HIGH, HV_CS_NONE },
		{ "fff4", BE_LOW, HV_CS_NONE },
	};
	struct hv_session s = sf_session(BP_NAME);
	const struct hv_step *st = hv_test_find_step(BP_ID, "user and unit kg", NULL);
	uint8_t buf[16];
	size_t len;
	struct sf_session_run r;

	(void)state;
	/* male, 180 cm, 44 y, kg; openScale's test checks the same layout */
	assert_int_equal(st->payload(&s, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(buf, "\xfe\x01\x01\x00\xb4\x2c\x01\x99", 8);
	/* 173 cm (openScale's test user): [4] = 0xAD */
	s.profile.height_m = 1.73;
	assert_int_equal(st->payload(&s, buf, sizeof(buf), &len), 0);
	assert_int_equal(buf[4], 0xAD);
	sf_replay(&r, BP_ID, BP_NAME, values, 4);
	sf_assert_session_done(&r);
	sf_assert_live(&r.m[0], BP_ID, 92.97);
	sf_assert_final(&r.m[1], BP_ID, 92.97, true);
	sf_assert_control(&r.m[2], BP_ID);
	sf_assert_final(&r.m[3], BP_ID, 92.97, false);
	hv_assert_near(hv_test_reading(&r.m[3], HV_METRIC_IMPEDANCE), 560.2, 1e-9);
}

/* The encoder's frames decode back to what was encoded. */
static void test_bodypod2_encoder_roundtrip(void **state)
{

	(void)state;
	SF_ROUNDTRIP(BP_ID, BP_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 92.97 });
	SF_ROUNDTRIP(BP_ID, BP_NAME, false, 0, { HV_METRIC_BODY_WEIGHT, 92.97 });
	SF_ROUNDTRIP(BP_ID, BP_NAME, true, KEPT, { HV_METRIC_BODY_WEIGHT, 92.97 },
		     { HV_METRIC_IMPEDANCE, 560.1 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodypod2_frames),
		cmocka_unit_test(test_bodypod2_selection),
		cmocka_unit_test(test_bodypod2_session),
		cmocka_unit_test(test_bodypod2_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
