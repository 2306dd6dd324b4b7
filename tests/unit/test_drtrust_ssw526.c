// SPDX-License-Identifier: MIT
/*
 * Dr Trust SSW526 tests (driver drtrust_ssw526). The weight words are the
 * captured ones in openScale's DrTrustSSW526HandlerTest.kt
 * (android_app/app/src/test/java/com/health/openscale/core/bluetooth/
 * scales/, oliexdev/openScale@c56b59f6): 68 13 88 = 5.000 kg (the first of
 * a ramp), 69 22 82 = 74.370 kg (stable), 68 00 00 = empty; the rest of
 * each 20-byte frame is that test's (zeros, AC 27 and the 03 D5 markers).
 * Each frame is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define DT_ID "drtrust_ssw526"
#define DT_NAME "SSW526"

/* AC 27 SS W W W 00… 03 D5 00 00 */
#define FRAME(state, word) "ac27" state word "00000000000000000000" "03d50000"

#define RAMP_5KG FRAME("00", "681388")
#define STABLE_74 FRAME("80", "692282")
#define SETTLING_74 FRAME("00", "692282")
#define EMPTY FRAME("00", "680000")

static void test_ssw526_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, DT_NAME, "ffb2", RAMP_5KG, HV_CS_NONE);
	sf_decode_live(&f, &m, DT_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 5.0);
	hv_test_gatt(&f, DT_NAME, "ffb2", STABLE_74, HV_CS_NONE);
	sf_decode_final(&f, &m, DT_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 74.370);
	hv_test_gatt(&f, DT_NAME, "ffb2", EMPTY, HV_CS_NONE);
	sf_decode_control(&f, &m, DT_ID);
	/* openScale's marker test: [17] not D5 is no measurement */
	hv_test_gatt(&f, DT_NAME, "ffb2", "ac270069228200000000000000000000" "03000000",
		     HV_CS_NONE);
	sf_decode_control(&f, &m, DT_ID);
	/* short; above 300 kg */
	hv_test_gatt(&f, DT_NAME, "ffb2", "ac278069228200000000000000000000", HV_CS_NONE);
	sf_decode_invalid(&f, &m, DT_ID);
	hv_test_gatt(&f, DT_NAME, "ffb2", FRAME("80", "6d0000"), HV_CS_NONE);
	sf_decode_control(&f, &m, DT_ID);
	/* the fourth equal frame in a row is final (the run kept in quirks) */
	hv_test_gatt(&f, DT_NAME, "ffb2", SETTLING_74, HV_CS_NONE);
	f.quirks = 0x1u | 3u << 1 | 0x692282u << 8;
	sf_decode_final(&f, &m, DT_ID);
	f.quirks = 0x1u | 2u << 1 | 0x692282u << 8;
	sf_decode_live(&f, &m, DT_ID);
	f.quirks = 0x1u | 3u << 1 | 0x692283u << 8;
	sf_decode_live(&f, &m, DT_ID);
}

static void test_ssw526_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(DT_ID);
	struct hv_frame f = { .name = DT_NAME };
	struct hv_measurement m;

	(void)state;
	/* openScale: SSW526 is this handler's, not the SSW532's */
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 1;
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.name = "Dr.Trust 526";
	assert_ptr_equal(hv_registry_select(&f), d);
	f.name = "SSW532";
	assert_false(d->claims_device(&f));
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("lefu_icomon"));
	/* an incompatible service list */
	f.name = DT_NAME;
	f.service_uuids[0] = hv_uuid16(0x181D);
	assert_false(d->claims_device(&f));
	/* its frame under the SSW532's name is not ours */
	hv_test_gatt(&f, "SSW532", "ffb2", STABLE_74, HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, DT_ID);
}

/* The session: the six set-up writes, a settling run made stable by four
 * equal frames. */
static void test_ssw526_session(void **state)
{
	static const struct sf_value values[] = {
		{ "ffb2", RAMP_5KG, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
	};
	struct hv_session s = sf_session(DT_NAME);
	uint8_t buf[16];
	size_t len;
	struct sf_session_run r;

	(void)state;
	sf_assert_step_bytes(DT_ID, "config F7", "ac02f7000000ccc3");
	sf_assert_step_bytes(DT_ID, "config FA", "ac02fa000000ccc6");
	sf_assert_step_bytes(DT_ID, "unit kg", "ac02fe060000ccd0");
	/* male 44 y 180 cm: FB 01 2C B4, sum 0x2A8 → A8 */
	assert_int_equal(hv_test_find_step(DT_ID, "profile", NULL)->payload(&s, buf, sizeof(buf),
									  &len), 0);
	assert_memory_equal(buf, "\xac\x02\xfb\x01\x2c\xb4\xcc\xa8", 8);
	/* 2024-03-15 09:30:00 local */
	assert_int_equal(hv_test_find_step(DT_ID, "date", NULL)->payload(&s, buf, sizeof(buf),
									 &len), 0);
	assert_memory_equal(buf, "\xac\x02\xfd\x18\x03\x0f\xcc\xf3", 8);
	assert_int_equal(hv_test_find_step(DT_ID, "time", NULL)->payload(&s, buf, sizeof(buf),
									 &len), 0);
	assert_memory_equal(buf, "\xac\x02\xfc\x09\x1e\x00\xcc\xef", 8);
	sf_replay(&r, DT_ID, DT_NAME, values, 5);
	sf_assert_session_done(&r);
	sf_assert_live(&r.m[0], DT_ID, 5.0);
	sf_assert_live(&r.m[1], DT_ID, 74.370);
	sf_assert_live(&r.m[3], DT_ID, 74.370);
	sf_assert_final(&r.m[4], DT_ID, 74.370, false);
}

/* No final weight: 8 s after the first weight the last one is the
 * weighing's (openScale's fallback), once; a frame like it that came
 * before the 8 s was not final. */
static void test_ssw526_fallback_after_8s(void **state)
{
	static const struct sf_value values[] = {
		{ "ffb2", RAMP_5KG, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
		{ "ffb2", SETTLING_74, HV_CS_NONE },
		SF_TIMER,
	};
	const struct hv_step *st;
	struct sf_session_run r;

	(void)state;
	st = hv_test_find_step(DT_ID, "wait for a stable weight", NULL);
	assert_int_equal(st->timeout_ms, 8000);
	assert_non_null(st->on_timeout);
	sf_replay(&r, DT_ID, DT_NAME, values, 4);
	sf_assert_session_done(&r);
	sf_assert_live(&r.m[0], DT_ID, 5.0);
	sf_assert_live(&r.m[1], DT_ID, 74.370);
	sf_assert_live(&r.m[2], DT_ID, 74.370);
	sf_assert_final(&r.m[3], DT_ID, 74.370, false);
	assert_memory_equal(r.f[3].value, r.f[2].value, r.f[2].value_len);
}

/* The timer before any weight: the step times out as any other, nothing
 * is handed on and the session fails (no weighing). A stable first weight
 * ends the session at once, without the 8 s. */
static void test_ssw526_no_weight_no_fallback(void **state)
{
	static const struct sf_value none[] = { SF_TIMER };
	static const struct sf_value stable[] = { { "ffb2", STABLE_74, HV_CS_NONE } };
	struct sf_session_run r;

	(void)state;
	sf_replay(&r, DT_ID, DT_NAME, none, 1);
	assert_null(hv_conv_current(&r.c));
	assert_int_equal(r.c.result, -ETIMEDOUT);
	assert_null(r.m[0].driver);
	assert_int_equal(r.m[0].n_readings, 0);
	sf_replay(&r, DT_ID, DT_NAME, stable, 1);
	sf_assert_session_done(&r);
	sf_assert_final(&r.m[0], DT_ID, 74.370, false);
}

/* The encoder's frames decode back to what was encoded. */
static void test_ssw526_encoder_roundtrip(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(DT_ID);
	struct hv_measurement in;
	struct hv_frame f, want;

	(void)state;
	SF_ROUNDTRIP(DT_ID, DT_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 74.370 });
	SF_ROUNDTRIP(DT_ID, DT_NAME, false, 0, { HV_METRIC_BODY_WEIGHT, 74.370 });
	sf_weight_measurement(&in, DT_ID, true, 74.370, 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	hv_test_gatt(&want, NULL, "ffb2", STABLE_74, HV_CS_NONE);
	assert_memory_equal(f.value, want.value, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssw526_frames),
		cmocka_unit_test(test_ssw526_selection),
		cmocka_unit_test(test_ssw526_session),
		cmocka_unit_test(test_ssw526_fallback_after_8s),
		cmocka_unit_test(test_ssw526_no_weight_no_fallback),
		cmocka_unit_test(test_ssw526_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
