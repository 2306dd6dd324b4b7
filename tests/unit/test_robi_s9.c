// SPDX-License-Identifier: MIT
/*
 * Robi S9 (driver lefu_icomon): the handshake openScale's RobiS9Handler
 * replays and the session around it. Source: openScale RobiS9Handler.kt
 * and RobiS9HandlerTest.kt (android_app/app/src/{main,test}/java/com/
 * health/openscale/core/bluetooth/scales/, oliexdev/openScale@f7a733b2),
 * whose frames come from the HCI captures of ble-scale-sync #228/#248.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* RobiS9Handler.HANDSHAKE, verbatim. */
static const char *const robi_handshake[] = {
	"000300b000000000000000000000000000000010",
	"011000b16a2eefa9003c01aa1e55b20f1b581403",
	"021000b16a2eefa9003c01aa1e55b20f1b581403",
	"030600b201aa1e55b20000000000000000000002",
	"040200bd09000000000000000000000000000006",
	"051000b16a2eefa9003c01aa1e55b20f1b581403",
	"061000b16a2eefa9003c01aa1e55b20f1b581403",
	"070600b201aa1e55b20000000000000000000002",
	"081000b16a2eefa9003c01aa1e55b20f1b581403",
	"090300b001000000000000000000000000000011",
	"0a0300b002000000000000000000000000000012",
};

#define N_FRAMES (sizeof(robi_handshake) / sizeof(robi_handshake[0]))

/* RobiS9HandlerTest: the A3 final result of capture #248, 77.25 kg, and
 * an A2 live frame. */
#define ROBI_A3 "030800a300012dc2000000000000000000000013"
#define ROBI_A2 "1d0700a20400012c000000000000000000000013"

/* The bytes a write step sends for session s, as hex. */
static void step_hex(const struct hv_step *st, const struct hv_session *s,
		     char *hex, size_t size)
{
	uint8_t buf[64];
	size_t len;

	assert_int_equal(hv_conv_write_payload(st, s, buf, sizeof(buf), &len), 0);
	assert_true(2 * len < size);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
}

/*
 * The eleven frames are the handler's, in its order, each with
 * response (writeTo(…, withResponse = true)); as RobiS9HandlerTest checks,
 * the sequence byte counts 00..0A, and as the handler's comment says,
 * [19] is the sum of [3..18] & 0x1F.
 */
static void test_robi_handshake_frames(void **state)
{
	struct hv_session s = sf_session("Robi S9");
	const struct hv_step *st;
	size_t i0;
	char hex[2 * 64 + 1], what[64];

	(void)state;
	st = hv_test_find_step("lefu_icomon", "Robi S9: handshake frame 0", &i0);
	for (size_t i = 0; i < N_FRAMES; i++, st++) {
		struct hv_frame f;
		const uint8_t *b = f.value;
		unsigned sum = 0;

		snprintf(what, sizeof(what), "Robi S9: handshake frame %zu", i);
		assert_memory_equal(st->what, what, strlen(what));
		assert_int_equal(st->op, HV_STEP_WRITE);
		assert_string_equal(st->characteristic, "ffb1");
		assert_true(st->flags & HV_STEP_WITH_RESPONSE);
		step_hex(st, &s, hex, sizeof(hex));
		assert_string_equal(hex, robi_handshake[i]);
		hv_test_gatt(&f, NULL, "ffb1", robi_handshake[i], HV_CS_NONE);
		assert_int_equal(f.value_len, 20);
		assert_int_equal(b[0], i);
		for (size_t k = 3; k <= 18; k++)
			sum += b[k];
		assert_int_equal(b[19], sum & 0x1F);
	}
	/* then the wait for the result on 0xFFB3, then the end */
	assert_int_equal(st->op, HV_STEP_WAIT);
	assert_string_equal(st->characteristic, "ffb3");
	assert_int_equal(st[1].op, HV_STEP_END);
	/* frame 0 is for a Robi only (lower case, anywhere in the name, as
	 * the handler claims) */
	s.name = "my robi scale";
	step_hex(&hv_driver_by_id("lefu_icomon")->conversation->steps[i0], &s, hex,
		 sizeof(hex));
	assert_string_equal(hex, robi_handshake[0]);
	s.name = "SSW532";
	assert_int_equal(hv_test_payload("lefu_icomon", "Robi S9: handshake frame 0", &s,
					 hex, sizeof(hex)),
			 -EOPNOTSUPP);
}

/* Run the steps that need no value as the runner does: a write whose
 * payload refuses fails the step. Returns the steps' "what", in order. */
static size_t run(struct hv_conv *c, const char **whats, size_t max)
{
	const struct hv_step *st;
	size_t n = 0;
	uint8_t buf[64];
	size_t len;

	while ((st = hv_conv_current(c)) && st->op != HV_STEP_WAIT) {
		if (n < max)
			whats[n++] = st->what;
		hv_conv_step_done(c, st->op == HV_STEP_WRITE ?
					     hv_conv_write_payload(st, c->session, buf,
								   sizeof(buf), &len) :
					     0);
	}
	return n;
}

/*
 * The session with a Robi S9: both subscriptions, the AC start refused,
 * the eleven frames, then the wait on 0xFFB3 that a live A2 frame does
 * not end and the A3 final result does; the A3 decodes as the final
 * 77.25 kg (RobiS9HandlerTest's value).
 */
static void test_robi_session(void **state)
{
	struct hv_session s = sf_session("Robi S9");
	const char *whats[32];
	struct hv_conv c;
	struct hv_frame f;
	struct hv_measurement m;
	size_t n;

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("lefu_icomon")->conversation);
	hv_conv_init(&c, hv_driver_by_id("lefu_icomon")->conversation, &s);
	n = run(&c, whats, 32);
	assert_int_equal(n, 3 + N_FRAMES);
	assert_string_equal(whats[0], "subscribe 0xFFB3");
	assert_string_equal(whats[1], "subscribe 0xFFB2");
	assert_memory_equal(whats[2], "init F7", 7);
	for (size_t i = 0; i < N_FRAMES; i++) {
		char what[64];

		snprintf(what, sizeof(what), "Robi S9: handshake frame %zu", i);
		assert_memory_equal(whats[3 + i], what, strlen(what));
	}
	assert_memory_equal(hv_conv_current(&c)->what, "Robi S9: wait for the final", 27);

	hv_test_gatt(&f, "Robi S9", "ffb3", ROBI_A2, HV_CS_NONE);
	assert_true(hv_conv_waits_for(&c, &f.characteristic));
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 0);
	hv_test_gatt(&f, "Robi S9", "ffb3", ROBI_A3, HV_CS_NONE);
	/* a bad checksum is not the result */
	f.value[19] ^= 1;
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 0);
	f.value[19] ^= 1;
	sf_decode_final(&f, &m, "lefu_icomon");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 77.25);
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 1);
	assert_null(hv_conv_current(&c));
	assert_true(c.finished);
	assert_int_equal(c.result, 0);
}

/* Without the result the session fails at the wait's timeout. */
static void test_robi_no_result(void **state)
{
	struct hv_session s = sf_session("Robi S9");
	const char *whats[32];
	struct hv_conv c;

	(void)state;
	hv_conv_init(&c, hv_driver_by_id("lefu_icomon")->conversation, &s);
	(void)run(&c, whats, 32);
	hv_conv_step_done(&c, -ETIMEDOUT);
	assert_null(hv_conv_current(&c));
	assert_int_equal(c.result, -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_robi_handshake_frames),
		cmocka_unit_test(test_robi_session),
		cmocka_unit_test(test_robi_no_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
