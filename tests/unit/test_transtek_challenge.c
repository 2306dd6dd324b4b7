// SPDX-License-Identifier: MIT
/*
 * The Transtek password-and-challenge conversations through the real
 * runner (daemon/bluez/gatt_session.c), the scale played by a script: the
 * pairing session hands the password to the session for the gateway to
 * keep (conversation.h, secret); a later session answers the challenge with
 * it, sets the clock and takes the measurements; a challenge with no
 * password kept ends the session without a write.
 *
 * Trisa Body Analyze 4.0 (drivers/trisa_body_analyze.c), as openScale's
 * TrisaBodyAnalyzeHandler.kt (oliexdev/openScale@f7a733b2): password A0 +
 * u32 LE, broadcast id 21 + u32 LE 0, challenge A1 + u32 LE, answer 20 +
 * u32 LE (challenge XOR password), time 02 + u32 LE seconds since
 * 2010-01-01. 1BODY CONNECT (drivers/body_connect.c): the same answer, then
 * the profile and the time, as BodyConnectHandlerTest.kt's
 * handlesChallengeResponseWhenPaired (password 0x12345678, challenge
 * 0xDEADBEEF) at the same commit, then 22 once the scale echoes C0.
 * Weight Gurus 0376 (drivers/weight_gurus_a3.c): the byte-wise XOR of
 * WeightGurusA3HandlerTest.kt (password 12 34 56 78, random 11 11 11 11:
 * 03 25 47 69), its height SFLOAT (170 cm: 0xD6A4), the slot rules of
 * chooseSlot(), and the order of WeightGurusA3Handler.kt at the same
 * commit: the random answered at once, the registration only after the
 * eighth slot.
 */
#include <errno.h>

#include "daemon/basic/macro.h"
#include "daemon/bluez/gatt_session.h"
#include "tests/unit/scale_frames.h"

#define NOW 1710491400 /* 2024-03-15T08:30:00Z */

/* openScale's TrisaBodyAnalyzeLibTest.java frame (openScale@7120927d):
 * 76.0 kg at 2018-10-10 21:10:52 (tests/unit/test_trisa_body_analyze.c) */
#define TRISA_A "9fb01d00fedc2f8110000000ff0a1500ff000900"

struct scale_script {
	const char *const *values; /* chr:hex, what the scale sends when asked */
	size_t next;
	char writes[8][64]; /* what the gateway wrote, hex */
	size_t n_writes;
	size_t n_final; /* measurements the runner would store */
};

static void to_hex(const uint8_t *b, size_t n, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < size; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * i] = '\0';
}

/* Runs the driver's conversation as the runner does; returns its result. */
static int run(const char *id, struct hv_session *s, struct scale_script *sc)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	const struct hv_step *st;
	struct hv_conv c;

	hv_conv_init(&c, d->conversation, s);
	while ((st = hv_conv_current(&c))) {
		struct hv_measurement m;
		struct hv_frame f;
		uint8_t buf[32];
		char chr[5];
		size_t len;

		if (st->op == HV_STEP_WRITE) {
			int r = hv_conv_write_payload(st, s, buf, sizeof(buf),
						      &len);

			if (r < 0 && (st->flags & HV_STEP_OPTIONAL)) {
				hv_conv_step_done(&c, r); /* left out */
				continue;
			}
			assert_int_equal(r, 0);
			assert_true(sc->n_writes < ELEMENTSOF(sc->writes));
			to_hex(buf, len, sc->writes[sc->n_writes++],
			       sizeof(sc->writes[0]));
			hv_conv_step_done(&c, 0);
			continue;
		}
		if (st->op != HV_STEP_WAIT) {
			hv_conv_step_done(&c, 0);
			continue;
		}
		if (!sc->values[sc->next]) {
			hv_conv_step_done(&c, -ETIMEDOUT); /* the scale is done */
			continue;
		}
		(void)snprintf(chr, sizeof(chr), "%.4s", sc->values[sc->next]);
		hv_test_gatt(&f, s->name, chr, sc->values[sc->next] + 5,
			     HV_CS_NONE);
		sc->next++;
		f.now = NOW;
		hv_measurement_init(&m, d->id);
		if (d->decode(&f, &m) >= 0 && m.status == HV_STATUS_OK &&
		    m.final)
			sc->n_final++;
		if (hv_conv_waits_for(&c, &f.characteristic))
			(void)hv_conv_feed(&c, f.value, f.value_len);
	}
	return c.result;
}

static struct hv_session new_session(const char *name)
{
	struct hv_session s;

	hv_session_init(&s, NOW);
	s.name = name;
	s.address = "D0:F0:18:00:12:34";
	return s;
}

static void test_pairing_hands_over_the_password(void **state)
{
	static const char *const scale[] = { "8a82:a078563412", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("01257B0123");

	(void)state;
	assert_int_equal(run("trisa_body_analyze", &s, &sc), 0);
	assert_true(s.secret_received);
	assert_int_equal(s.secret_len, 4);
	assert_memory_equal(s.secret, "\x78\x56\x34\x12", 4);
	/* the broadcast id only: the scale drops the link to pair */
	assert_int_equal(sc.n_writes, 1);
	assert_string_equal(sc.writes[0], "2100000000");
}

static void test_challenge_answered_with_the_kept_password(void **state)
{
	static const char *const scale[] = {
		"8a82:a1ddccbbaa", "8a21:" TRISA_A, "8a21:" TRISA_A, NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("01257B0123");

	(void)state;
	memcpy(s.secret, "\x78\x56\x34\x12", 4); /* kept from the pairing */
	s.secret_len = 4;
	assert_int_equal(run("trisa_body_analyze", &s, &sc), 0);
	assert_false(s.secret_received);
	assert_int_equal(sc.n_writes, 2);
	/* 0xAABBCCDD XOR 0x12345678 = 0xB88F9AA5 */
	assert_string_equal(sc.writes[0], "20a59a8fb8");
	/* 2024-03-15T08:30:00Z is 448187400 s after 2010-01-01 */
	assert_string_equal(sc.writes[1], "0208ccb61a");
	/* both records decoded while the last step listened */
	assert_int_equal(sc.n_final, 2);
	assert_int_equal(sc.next, 3);
}

static void test_challenge_without_password_ends_the_session(void **state)
{
	static const char *const scale[] = { "8a82:a1ddccbbaa", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("01257B0123");

	(void)state;
	assert_int_equal(run("trisa_body_analyze", &s, &sc), -ENOKEY);
	assert_int_equal(sc.n_writes, 0); /* nothing answered at random */
	assert_false(s.secret_received);
}

static void test_silent_scale_times_out(void **state)
{
	static const char *const scale[] = { NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("01257B0123");

	(void)state;
	assert_int_equal(run("trisa_body_analyze", &s, &sc), -ETIMEDOUT);
	assert_int_equal(sc.n_writes, 0);
}

/* A short or unknown 0x8A82 message is not a password nor a challenge. */
static void test_other_messages_wait_on(void **state)
{
	static const char *const scale[] = {
		"8a82:a0785634", "8a82:22", "8a82:a078563412", NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("01257B0123");

	(void)state;
	assert_int_equal(run("trisa_body_analyze", &s, &sc), 0);
	assert_true(s.secret_received);
	assert_memory_equal(s.secret, "\x78\x56\x34\x12", 4);
}

/* --- 1BODY CONNECT ------------------------------------------------------ */

/* BodyConnectHandlerTest.kt's frames (tests/unit/test_body_connect.c):
 * 80.2 kg at 2026-08-11 15:51:56 and its body frame. */
#define BC_WEIGHT_FRAME "1f541f00fe1c0a3e1f00000000ffb21300ff011900"
#define BC_BODY_FRAME "7f1c0a3e1f010000b0f068f200f0abf124f00000"

static void test_body_connect_later_session(void **state)
{
	static const char *const scale[] = {
		"8a82:a1efbeadde", "8a82:c0", "8a24:" BC_WEIGHT_FRAME,
		"8a22:" BC_BODY_FRAME, NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("1BODY CONNECT");

	(void)state;
	memcpy(s.secret, "\x78\x56\x34\x12", 4);
	s.secret_len = 4;
	s.user_index = 3; /* the slot linked on the gateway */
	s.profile = (struct hv_profile){ .height_m = 1.80, .age_years = 44,
					 .sex = HV_SEX_MALE };
	assert_int_equal(run("body_connect", &s, &sc), 0);
	assert_false(s.secret_received);
	assert_int_equal(sc.n_writes, 4);
	/* 0xDEADBEEF XOR 0x12345678 = 0xCC99E897 */
	assert_string_equal(sc.writes[0], "2097e899cc");
	/* the profile of slot 3: male, 44 y, 180 cm */
	assert_string_equal(sc.writes[1], "51df03012cb4e00000000000fe0000");
	assert_string_equal(sc.writes[2], "0208ccb61a");
	assert_string_equal(sc.writes[3], "22");
	assert_int_equal(sc.next, 4); /* the weight and its body frame */
	assert_true(sc.n_final >= 1);
}

/* No slot linked on the gateway: slot 1, openScale's default. */
static void test_body_connect_later_session_default_slot(void **state)
{
	static const char *const scale[] = { "8a82:a1efbeadde", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("1BODY CONNECT");

	(void)state;
	memcpy(s.secret, "\x78\x56\x34\x12", 4);
	s.secret_len = 4;
	assert_int_equal(run("body_connect", &s, &sc), 0);
	assert_int_equal(sc.n_writes, 4);
	assert_memory_equal(sc.writes[1], "51df01", 6);
	assert_false(s.user_registered);
}

static void test_body_connect_pairing_keeps_the_password(void **state)
{
	static const char *const scale[] = { "8a82:a078563412", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("1BODY CONNECT");

	(void)state;
	/* the slot list never comes: the pairing stops there, the password
	 * is the session's to keep all the same */
	assert_int_equal(run("body_connect", &s, &sc), -ETIMEDOUT);
	assert_true(s.secret_received);
	assert_memory_equal(s.secret, "\x78\x56\x34\x12", 4);
	assert_string_equal(sc.writes[0], "2148564243");
}

static void test_body_connect_challenge_without_password(void **state)
{
	static const char *const scale[] = { "8a82:a1efbeadde", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("1BODY CONNECT");

	(void)state;
	assert_int_equal(run("body_connect", &s, &sc), -ENOKEY);
	assert_int_equal(sc.n_writes, 0);
}

/* --- Weight Gurus 0376 ----------------------------------------------------- */

#define WG_NAME "00376B251016AA"
/* WeightGurusA3HandlerTest.kt's frames (tests/unit/test_weight_gurus_a3.c) */
#define WG_WEIGHT_FRAME "152d1e00fe0000000ff401000011"
#define WG_APPEND_FRAME "3e0000000f2006d5f02ef20c0092f1"
#define WG_SLOT_FREE(n) "8a82:830" #n "202020202020202020202020202020202020"
#define WG_SLOT_TAKEN(n) "8a82:830" #n "416e6e6120202020202020202020202020202020"

static const struct hv_profile wg_person = { .height_m = 1.70, .age_years = 44,
					      .sex = HV_SEX_FEMALE };

static void test_wg_later_session(void **state)
{
	static const char *const scale[] = {
		"8a82:a111111111", "8a24:" WG_WEIGHT_FRAME,
		"8a24:" WG_WEIGHT_FRAME, NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session(WG_NAME);

	(void)state;
	memcpy(s.secret, "\x12\x34\x56\x78", 4);
	s.secret_len = 4;
	s.user_index = 2;
	s.profile = wg_person;
	assert_int_equal(run("weight_gurus_a3", &s, &sc), 0);
	assert_int_equal(sc.n_writes, 3);
	assert_string_equal(sc.writes[0], "2003254769");
	assert_string_equal(sc.writes[1], "0208ccb61a");
	/* 51 17, slot 2, female, 44 y, 1.70 m (SFLOAT a4 d6), kg */
	assert_string_equal(sc.writes[2], "511702022ca4d600");
	assert_int_equal(sc.next, 3);
	assert_false(s.secret_received);
}

/* Nobody linked to a slot: no profile written, the scale keeps its own. */
static void test_wg_later_session_without_profile(void **state)
{
	static const char *const scale[] = { "8a82:a111111111", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session(WG_NAME);

	(void)state;
	memcpy(s.secret, "\x12\x34\x56\x78", 4);
	s.secret_len = 4;
	assert_int_equal(run("weight_gurus_a3", &s, &sc), 0);
	assert_int_equal(sc.n_writes, 2);
	assert_string_equal(sc.writes[1], "0208ccb61a");
}

/* Pairing, the random before the slot list: answered at once, the
 * registration after the eighth slot in the lowest free one (3). */
static void test_wg_pairing_random_first(void **state)
{
	static const char *const scale[] = {
		"8a82:a012345678", "8a82:a111111111", WG_SLOT_TAKEN(1),
		WG_SLOT_TAKEN(2), WG_SLOT_FREE(3), WG_SLOT_FREE(4),
		WG_SLOT_TAKEN(5), WG_SLOT_TAKEN(6), WG_SLOT_TAKEN(7),
		WG_SLOT_TAKEN(8), NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("10376B");

	(void)state;
	s.profile = wg_person;
	assert_int_equal(run("weight_gurus_a3", &s, &sc), 0);
	assert_true(s.secret_received);
	assert_memory_equal(s.secret, "\x12\x34\x56\x78", 4);
	assert_int_equal(sc.n_writes, 6);
	assert_string_equal(sc.writes[0], "2148565747");
	assert_string_equal(sc.writes[1], "2003254769");
	assert_string_equal(sc.writes[2],
			    "0303" "485633202020202020202020202020202020");
	assert_string_equal(sc.writes[3], "511703022ca4d600");
	assert_string_equal(sc.writes[4], "0208ccb61a");
	assert_string_equal(sc.writes[5], "22");
	assert_int_equal(s.user_index, 3);
	assert_true(s.user_registered);
}

/* Pairing, the slot list first: nothing written before the random comes,
 * then its answer, the registration in the linked slot (5) and the rest. */
static void test_wg_pairing_slots_first(void **state)
{
	static const char *const scale[] = {
		"8a82:a012345678", WG_SLOT_FREE(1), WG_SLOT_FREE(2),
		WG_SLOT_FREE(3), WG_SLOT_FREE(4), WG_SLOT_TAKEN(5),
		WG_SLOT_FREE(6), WG_SLOT_FREE(7), WG_SLOT_FREE(8),
		"8a82:a111111111", NULL,
	};
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session("10376B");

	(void)state;
	s.user_index = 5;
	s.profile = wg_person;
	assert_int_equal(run("weight_gurus_a3", &s, &sc), 0);
	assert_int_equal(sc.n_writes, 6);
	assert_string_equal(sc.writes[1], "2003254769");
	assert_memory_equal(sc.writes[2], "0305", 4);
	assert_memory_equal(sc.writes[3], "511705", 6);
	assert_false(s.user_registered); /* the slot was linked already */
}

static void test_wg_random_without_password(void **state)
{
	static const char *const scale[] = { "8a82:a111111111", NULL };
	struct scale_script sc = { .values = scale };
	struct hv_session s = new_session(WG_NAME);

	(void)state;
	assert_int_equal(run("weight_gurus_a3", &s, &sc), -ENOKEY);
	assert_int_equal(sc.n_writes, 0);
}

/* openScale's encodeHeightCm(): 170 cm is 0xD6A4; above 204 cm pinned. */
static void test_wg_profile_height(void **state)
{
	const struct hv_step *st =
		hv_test_find_step("weight_gurus_a3", "paired: profile", NULL);
	struct hv_session s = new_session(WG_NAME);
	uint8_t buf[16];
	size_t len;

	(void)state;
	s.scratch[3] = 1;
	s.profile = wg_person;
	s.profile.height_m = 2.50;
	assert_int_equal(hv_conv_write_payload(st, &s, buf, sizeof(buf), &len),
			 0);
	assert_int_equal(buf[5] | buf[6] << 8, 0xD000 | 2040);
	s.profile.height_m = 0;
	assert_int_equal(hv_conv_write_payload(st, &s, buf, sizeof(buf), &len),
			 -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairing_hands_over_the_password),
		cmocka_unit_test(test_challenge_answered_with_the_kept_password),
		cmocka_unit_test(test_challenge_without_password_ends_the_session),
		cmocka_unit_test(test_silent_scale_times_out),
		cmocka_unit_test(test_other_messages_wait_on),
		cmocka_unit_test(test_body_connect_later_session),
		cmocka_unit_test(test_body_connect_later_session_default_slot),
		cmocka_unit_test(test_body_connect_pairing_keeps_the_password),
		cmocka_unit_test(test_body_connect_challenge_without_password),
		cmocka_unit_test(test_wg_later_session),
		cmocka_unit_test(test_wg_later_session_without_profile),
		cmocka_unit_test(test_wg_pairing_random_first),
		cmocka_unit_test(test_wg_pairing_slots_first),
		cmocka_unit_test(test_wg_random_without_password),
		cmocka_unit_test(test_wg_profile_height),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
