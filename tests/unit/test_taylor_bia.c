// SPDX-License-Identifier: MIT
/*
 * Taylor 5331891 BIA scale tests (driver taylor_bia), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Taylor 5331891 BIA ------------------------------------------------------ */

/*
 * openScale TaylorBIAHandlerTest.kt (openScale@f7a733b2) gives the first
 * six bytes of captured frames and their weights; the rest of the 20 bytes
 * is the layout its handler draws (02 00 00 01 … 24 D5), the last byte a
 * checksum whose rule is not known (00 here).
 */
#define TY_TAIL "0200000100000000000000" "24d5" "00"
#define TY_NAME "5331891 BIA Scale"

static void taylor_frame(struct hv_frame *f, const char *head, unsigned quirks)
{
	char hex[64];

	snprintf(hex, sizeof(hex), "%s%s", head, TY_TAIL);
	hv_test_gatt(f, TY_NAME, "ffb2", hex, HV_CS_NONE);
	f->quirks = quirks;
}

static void test_taylor_published(void **state)
{
	static const struct {
		const char *head;
		double kg;
	} published[] = {
		{ "ac27808d2f52", 77.650 }, /* 171.2 lb on the display */
		{ "ac27808d3240", 78.400 }, /* 173.0 lb */
		{ "ac27008d0000", 65.536 }, /* bit 16 from the channel */
		{ "ac27008c9c40", 40.000 },
	};
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(published); i++) {
		taylor_frame(&f, published[i].head, 0);
		sf_decode_as(&f, &m, "taylor_bia");
		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT),
			       published[i].kg, 1e-9);
		/* 0x80: the stable flag */
		assert_int_equal(m.final, i < 2);
	}
	/* the idle frame reads nothing */
	taylor_frame(&f, "ac27008c0000", 0);
	sf_decode_as(&f, &m, "taylor_bia");
	assert_int_equal(m.n_readings, 0);
	/* the summary: the locked weight again at [8..10] */
	hv_test_gatt(&f, TY_NAME, "ffb2",
		     "ac270100020301808d2f52000000000000000000", HV_CS_NONE);
	sf_decode_final(&f, &m, "taylor_bia");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 77.650);
	/* short */
	hv_test_gatt(&f, TY_NAME, "ffb2", "ac27808d2f52", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "taylor_bia");
	/* the name selects it over the LeFu driver on the shared service */
	taylor_frame(&f, "ac27808d2f52", 0);
	f.name = "BIA Scale";
	f.service_uuids[f.n_service_uuids++] = hv_uuid16(0xFFB0);
	sf_decode_as(&f, &m, "taylor_bia");
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("taylor_bia"));
	f.name = "Swan";
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "taylor_bia");
}

/* The plateau: the fourth equal weight running is final, as openScale's
 * handler takes it; the conversation keeps the run in session.quirks. */
static void test_taylor_plateau(void **state)
{
	const struct hv_step *wait = hv_test_find_step("taylor_bia", "wait for a steady", NULL);
	static const char *const frames[] = {
		"ac27008d2000", "ac27008d2f52", "ac27008d2f52", "ac27008d2f52",
		"ac27008d2f52",
	};
	static const bool final[] = { false, false, false, false, true };
	static const int step[] = { HV_VALUE_MORE, HV_VALUE_MORE, HV_VALUE_MORE,
				    HV_VALUE_MORE, HV_VALUE_DONE };
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* a 65.0 kg reading between breaks the run */
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		const char *head = i == 2 ? "ac27008cfde8" : frames[i];

		taylor_frame(&f, head, s.quirks);
		sf_decode_live(&f, &m, "taylor_bia");
		assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	}
	s.quirks = 0;
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		taylor_frame(&f, frames[i], s.quirks);
		hv_test_decode(&f, &m);
		assert_int_equal(m.final, final[i]);
		assert_int_equal(wait->on_value(&s, f.value, f.value_len), step[i]);
	}
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 77.650);
	/* the idle frame does not count */
	taylor_frame(&f, "ac27008c0000", s.quirks);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

static void test_taylor_conversation(void **state)
{
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = sf_male35, .user_index = -1,
				.records_expected = -1 };

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("taylor_bia")->conversation);
	/* the MGB framing: AC 02 B2..B5 CC, sum of B2..CC */
	hv_test_assert_payload("taylor_bia", "start (F7)", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("taylor_bia", "start (FA)", &s, "ac02fa000000ccc6");
	hv_test_assert_payload("taylor_bia", "profile", &s, "ac02fb0123b4cc9f");
	hv_test_assert_payload("taylor_bia", "date", &s, "ac02fd18030fccf3");
	hv_test_assert_payload("taylor_bia", "time", &s, "ac02fc091e05ccf4");
	hv_test_assert_payload("taylor_bia", "unit kg", &s, "ac02fe060100ccd1");
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("taylor_bia", "profile", &s, (char[64]){ 0 }, 64),
			 -ENODATA);
}


/* The encoder's frames decode back to what was encoded. */
static void test_taylor_bia_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("taylor_bia", TY_NAME, 77.65, 0, true);
	sf_roundtrip_weight("taylor_bia", TY_NAME, 130.5, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taylor_published),
		cmocka_unit_test(test_taylor_plateau),
		cmocka_unit_test(test_taylor_conversation),
		cmocka_unit_test(test_taylor_bia_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
