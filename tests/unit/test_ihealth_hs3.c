// SPDX-License-Identifier: MIT
/*
 * iHealth HS3 tests (driver ihealth_hs3). openScale publishes no captured
 * HS3 stream: the frames here are written from the stream layout of its
 * IHealthHS3Handler.kt (android_app/app/src/main/java/com/health/openscale/
 * core/bluetooth/scales/, oliexdev/openScale@f7a733b2) — header A0 09 A6,
 * type 28 weight or 33 time, five skipped bytes, then the weight — with
 * the handler's own worked example: bytes 12 34 are 123.4 kg. Each frame
 * is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define HS3_ID "ihealth_hs3"
#define HS3_NAME "iHealth HS3 1234"

/* A0 09 A6 28, five skipped bytes, the weight's two bytes */
#define WEIGHT(w) "a009a628" "0000000000" w
#define TIME_PACKET "a009a633" "0102030405"

static void test_hs3_stream(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* the handler's example */
	hv_test_gatt(&f, HS3_NAME, "1101", WEIGHT("1234"), HV_CS_NONE);
	sf_decode_final(&f, &m, HS3_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 123.4);
	/* a time packet first, noise before it: the weight packet counts */
	hv_test_gatt(&f, HS3_NAME, "1101", "00ff" TIME_PACKET WEIGHT("0724"),
		     HV_CS_NONE);
	sf_decode_final(&f, &m, HS3_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* a header that restarts (A0 A0 09 A6 …), as the handler's state 1 */
	hv_test_gatt(&f, HS3_NAME, "1101", "a0" WEIGHT("0651"), HV_CS_NONE);
	sf_decode_final(&f, &m, HS3_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 65.1);
	/* time packets only, or nothing of the stream's: no weight */
	hv_test_gatt(&f, HS3_NAME, "1101", TIME_PACKET, HV_CS_NONE);
	sf_decode_control(&f, &m, HS3_ID);
	hv_test_gatt(&f, HS3_NAME, "1101", "0102030405", HV_CS_NONE);
	sf_decode_control(&f, &m, HS3_ID);
	/* a hex digit above 9 is no decimal weight (openScale cannot parse
	 * it either); a packet cut short; zero */
	hv_test_gatt(&f, HS3_NAME, "1101", WEIGHT("1a34"), HV_CS_NONE);
	sf_decode_invalid(&f, &m, HS3_ID);
	assert_non_null(strstr(m.error, "1A 34"));
	hv_test_gatt(&f, HS3_NAME, "1101", "a009a628000000000012", HV_CS_NONE);
	sf_decode_invalid(&f, &m, HS3_ID);
	hv_test_gatt(&f, HS3_NAME, "1101", WEIGHT("0000"), HV_CS_NONE);
	sf_decode_control(&f, &m, HS3_ID);
}

static void test_hs3_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HS3_ID);
	struct hv_frame f = { .name = "IHEALTH HS3" };

	(void)state;
	assert_true(d->claims_device(&f));
	f.name = "iHealth HS5";
	assert_false(d->claims_device(&f));
	/* the stream stands on 0x1101, which no GATT scale uses */
	hv_test_gatt(&f, NULL, "1101", WEIGHT("0724"), HV_CS_NONE);
	sf_decode_final(&f, &(struct hv_measurement){ 0 }, HS3_ID);
}

static void test_hs3_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP(HS3_ID, HS3_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 72.4 });
	SF_ROUNDTRIP(HS3_ID, HS3_NAME, true, 0, { HV_METRIC_BODY_WEIGHT, 180.0 });
	SF_ROUNDTRIP(HS3_ID, NULL, true, 0, { HV_METRIC_BODY_WEIGHT, 0.1 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hs3_stream),
		cmocka_unit_test(test_hs3_selection),
		cmocka_unit_test(test_hs3_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
