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
#include "tests/unit/huawei_scale_cases.h"

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

static const char *const ch100s_names[] = { "CH100S", NULL };

static const struct huawei_frame_case ch100s_no_reading[] = {
	/* short */
	{ "CH100S", HUAWEI_MAC, "bd00", 0, "huawei_ch100s", "not a Huawei",
	  NULL },
	/* a plain notification carries no reading */
	{ "CH100S", HUAWEI_MAC, "bd0100" "5c", 0, "huawei_ch100s", NULL,
	  "wakeup" },
};

static const struct huawei_name_case ch100s_selection[] = {
	{ "CH100S", "huawei_ch100s" },
	{ "ch100s", "huawei_ch100s" },
	{ "HONOR CH100S", "huawei_ch100s" },
	{ "CH100S-1", NULL },
};

/* encoded and decoded again; the encoder also gives back the frames above */
static const struct huawei_roundtrip_case ch100s_roundtrips[] = {
	{ "CH100S", 0, 1, 64.9, 30.1, 612 },
	{ "CH100S", 0, 7, 99.9, 12.5, 3999 },
};

/* CH100S: the data length itself; the user frame the other way round */
static const struct huawei_payload_case ch100s_payloads[] = {
	{ "authenticate", "db07244de8e04c2e5f5d" },
	{ "set kg", "db01025d" },
	{ "set the clock", "db0808b4cdd00772515ccf" },
	{ "ask the version", "db000c" },
	{ "acknowledge", "db01135c" },
	{ "set the user", "dc0e097a403a0bca8a1bc4a6d6b77f58e9" },
};

/* wake-up, accepted (tail 01 ^ 5C), the measurement */
static const char *const ch100s_session[] = {
	"bd0100" "5c", "bd0126" "5d", "bc100e6aa80a579e701ded01de725ca50a6d75",
	NULL
};

static const struct huawei_family ch100s = {
	.id = "huawei_ch100s",
	.names = ch100s_names,
	.frames = HUAWEI_CASES(ch100s_from_parser),
	.no_reading = HUAWEI_CASES(ch100s_no_reading),
	.selection = HUAWEI_CASES(ch100s_selection),
	.roundtrips = HUAWEI_CASES(ch100s_roundtrips),
	.payloads = HUAWEI_CASES(ch100s_payloads),
	.session = ch100s_session,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
		huawei_family_test(huawei_test_frames, &ch100s),
		huawei_family_test(huawei_test_malformed_and_control, &ch100s),
		huawei_family_test(huawei_test_selection, &ch100s),
		huawei_family_test(huawei_test_theengs_not_claimed, &ch100s),
		huawei_family_test(huawei_test_encoders_roundtrip, &ch100s),
		huawei_family_test(huawei_test_conversation_payloads, &ch100s),
		huawei_family_test(huawei_test_session, &ch100s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
