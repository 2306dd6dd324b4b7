// SPDX-License-Identifier: MIT
/*
 * Honor CH100S (huawei_ch100s, drivers/huawei_ah100.c): frames written
 * from its parser, malformed and control frames, selection, encoders and
 * the conversation. The AH100 / CH100, and the AES-128 both rely on, are
 * in tests/unit/test_huawei_ah100.c.
 *
 * No source publishes a CH100S frame: its frames below are the plaintexts
 * of openScale's AH100 fixtures (HuaweiAhCh100HandlerTest.kt,
 * oliexdev/openScale@45a8762d651bc551451e1096464182327c0598ba: scale
 * address 5C:CA:D3:08:7B:4F, app user 1) sealed as HuaweiCH100SHandler.kt
 * (b2ea12db) opens them, and say so. The payloads the conversation writes
 * were computed independently of the driver (Python's `cryptography`
 * AES-CTR over the layout in the handler).
 */
#include "tests/unit/huawei_frames.h"

/* The plaintexts of openScale's three AH100 fixtures (ah100_published in
 * tests/unit/test_huawei_ah100.c) sealed the CH100S way (AES with the fixed
 * key, then the address), written from HuaweiCH100SHandler.kt: no capture
 * published. */
static const struct huawei_expected ch100s_from_parser[] = {
	{ "bc100e6aa80a579e701ded01de725ca50a6d75", 97.0, 28.0, 540,
	  { 2026, 5, 19, 8, 12, 33 } },
	{ "bc100e6a4a0bf39f701de91dd16077a3fe6e75", 55.2, 18.8, 488,
	  { 2026, 1, 15, 7, 30, 10 } },
	{ "bc100e6a660c2f9e701deb13c5537da0726d75", 128.4, 35.2, 612,
	  { 2026, 3, 1, 19, 45, 0 } },
};

static void test_ch100s_from_parser(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(ch100s_from_parser); i++) {
		huawei_frame_of(&f, "CH100S", HUAWEI_MAC, ch100s_from_parser[i].hex);
		hv_test_decode(&f, &m);
		huawei_assert_expected(&m, "huawei_ch100s", &ch100s_from_parser[i]);
	}
}

static void test_malformed_and_control(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* short */
	huawei_frame_of(&f, "CH100S", HUAWEI_MAC, "bd00");
	hv_test_decode(&f, &m);
	huawei_assert_invalid(&m, "huawei_ch100s", "not a Huawei");
	/* a plain notification carries no reading */
	huawei_frame_of(&f, "CH100S", HUAWEI_MAC, "bd0100" "5c");
	hv_test_decode(&f, &m);
	huawei_assert_control(&m, "huawei_ch100s", "wakeup");
}

/* --- selection ------------------------------------------------------------- */

static void test_selection(void **state)
{
	static const struct huawei_name_case cases[] = {
		{ "CH100S", "huawei_ch100s" },
		{ "ch100s", "huawei_ch100s" },
		{ "HONOR CH100S", "huawei_ch100s" },
		{ "CH100S-1", NULL },
	};

	(void)state;
	huawei_assert_selection(cases, ELEMENTSOF(cases));
}

static void test_theengs_not_claimed(void **state)
{
	static const char *const my_drivers[] = { "huawei_ch100s", NULL };

	(void)state;
	hv_test_theengs_not_claimed(my_drivers, true);
}

/* --- encoders ------------------------------------------------------------- */

static void test_encoders_roundtrip(void **state)
{
	(void)state;
	huawei_roundtrip("huawei_ch100s", "CH100S", 0, 1, 64.9, 30.1, 612);
	huawei_roundtrip("huawei_ch100s", "CH100S", 0, 7, 99.9, 12.5, 3999);

	/* the encoder gives back the frames above */
	for (size_t i = 0; i < ELEMENTSOF(ch100s_from_parser); i++)
		huawei_assert_encodes_to("huawei_ch100s", &ch100s_from_parser[i]);
}

/* --- conversation ------------------------------------------------------------ */

static void test_conversation_payloads(void **state)
{
	struct hv_session s = huawei_session("CH100S");

	(void)state;
	assert_non_null(hv_driver_by_id("huawei_ch100s")->claims_device);
	hv_test_check_conversation(hv_driver_by_id("huawei_ch100s")->conversation);

	/* CH100S: the data length itself; the user frame the other way round */
	hv_test_assert_payload("huawei_ch100s", "authenticate", &s,
			       "db07244de8e04c2e5f5d");
	hv_test_assert_payload("huawei_ch100s", "set kg", &s, "db01025d");
	hv_test_assert_payload("huawei_ch100s", "set the clock", &s,
			       "db0808b4cdd00772515ccf");
	hv_test_assert_payload("huawei_ch100s", "ask the version", &s, "db000c");
	hv_test_assert_payload("huawei_ch100s", "acknowledge", &s, "db01135c");
	hv_test_assert_payload("huawei_ch100s", "set the user", &s,
			       "dc0e097a403a0bca8a1bc4a6d6b77f58e9");
}

static void test_session(void **state)
{
	/* wake-up, accepted (tail 01 ^ 5C), the measurement */
	static const char *const ch100s[] = { "bd0100" "5c", "bd0126" "5d",
					      "bc100e6aa80a579e701ded01de725ca50a6d75",
					      NULL };
	struct hv_session s;
	struct hv_measurement m;

	(void)state;
	s = huawei_session("CH100S");
	assert_int_equal(huawei_run_session("huawei_ch100s", &s, ch100s, &m), 0);
	huawei_assert_expected(&m, "huawei_ch100s", &ch100s_from_parser[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ch100s_from_parser),
		cmocka_unit_test(test_malformed_and_control),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_encoders_roundtrip),
		cmocka_unit_test(test_conversation_payloads),
		cmocka_unit_test(test_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
