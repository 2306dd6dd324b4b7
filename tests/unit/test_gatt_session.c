// SPDX-License-Identifier: MIT
/* Conversation sequencing, stash, payloads, session clock and backoff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bluez/gatt_session.h"

/* on_value: 0x01 → DONE, 0x02 → MORE, 0x03 → GOTO scratch[0], 0xEE → -EPROTO;
 * counts calls in scratch[1]. */
static int on_value(struct hv_session *s, const uint8_t *v, size_t len)
{
	s->scratch[1]++;
	if (len < 1)
		return -EBADMSG;
	switch (v[0]) {
	case 1:
		return HV_VALUE_DONE;
	case 2:
		return HV_VALUE_MORE;
	case 3:
		s->next_step = (int)s->scratch[0];
		return HV_VALUE_GOTO;
	default:
		return -EPROTO;
	}
}

static int grant_user(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 2)
		return HV_VALUE_MORE;
	s->user_index = v[1];
	s->user_registered = true;
	return HV_VALUE_DONE;
}

static int consent_payload(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	buf[0] = 0x02;
	buf[1] = (uint8_t)s->user_index;
	buf[2] = (uint8_t)s->consent_code;
	buf[3] = (uint8_t)(s->consent_code >> 8);
	*ret_len = 4;
	return 0;
}

static const uint8_t register_bytes[] = { 0x01, 0x39, 0x30 };

/* A UDS-like flow: register a user when none, else give consent. */
static const struct hv_step uds_steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "181c",
		  .characteristic = "2a9f" },
	/* 1 */ { .op = HV_STEP_WRITE, .characteristic = "2a9f",
		  .bytes = register_bytes, .n_bytes = sizeof(register_bytes),
		  .flags = HV_STEP_SKIP_IF_USER | HV_STEP_WITH_RESPONSE },
	/* 2 */ { .op = HV_STEP_WAIT, .characteristic = "2a9f",
		  .on_value = grant_user, .flags = HV_STEP_SKIP_IF_USER },
	/* 3 */ { .op = HV_STEP_WRITE, .characteristic = "2a9f",
		  .payload = consent_payload, .flags = HV_STEP_SKIP_IF_NO_USER },
	/* 4 */ { .op = HV_STEP_READ, .characteristic = "2a19",
		  .flags = HV_STEP_OPTIONAL },
	/* 5 */ { .op = HV_STEP_END },
	/* 6 */ { .op = HV_STEP_WRITE, .characteristic = "2a9f" },
};

static const struct hv_conversation uds = {
	.steps = uds_steps,
	.n_steps = ELEMENTSOF(uds_steps),
};

static void test_register_path(void **state)
{
	struct hv_session s;
	struct hv_conv c;
	const struct hv_step *st;
	struct hv_uuid cp = hv_uuid16(0x2a9f);

	(void)state;
	hv_session_init(&s, 0);
	hv_conv_init(&c, &uds, &s);
	st = hv_conv_current(&c);
	assert_ptr_equal(st, &uds_steps[0]);
	hv_conv_step_done(&c, 0);
	assert_ptr_equal(hv_conv_current(&c), &uds_steps[1]);
	/* The indication answering the write comes before the write's reply. */
	assert_false(hv_conv_waits_for(&c, &cp));
	hv_conv_stash(&c, &cp, (const uint8_t[]){ 0x20, 0x03 }, 2);
	hv_conv_step_done(&c, 0);
	assert_ptr_equal(hv_conv_current(&c), &uds_steps[2]);
	assert_true(hv_conv_waits_for(&c, &cp));
	assert_int_equal(hv_conv_replay_stash(&c), 1);
	assert_int_equal(s.user_index, 3);
	assert_true(s.user_registered);
	/* Now a user: the consent write runs (SKIP_IF_NO_USER no longer). */
	assert_ptr_equal(hv_conv_current(&c), &uds_steps[3]);
	hv_conv_step_done(&c, 0);
	/* Optional read fails: go on, and END stops before step 6. */
	assert_ptr_equal(hv_conv_current(&c), &uds_steps[4]);
	hv_conv_step_done(&c, -ENOENT);
	assert_null(hv_conv_current(&c));
	assert_true(c.finished);
	assert_int_equal(c.result, 0);
}

static void test_consent_path_and_failure(void **state)
{
	struct hv_session s;
	struct hv_conv c;
	uint8_t buf[8];
	size_t len = 0;

	(void)state;
	hv_session_init(&s, 0);
	s.user_index = 2;
	s.consent_code = 0x3039;
	hv_conv_init(&c, &uds, &s);
	hv_conv_step_done(&c, 0);
	assert_ptr_equal(hv_conv_current(&c), &uds_steps[3]);
	assert_int_equal(hv_conv_write_payload(&uds_steps[3], &s, buf,
					       sizeof(buf), &len),
			 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, ((const uint8_t[]){ 0x02, 0x02, 0x39, 0x30 }), 4);
	assert_int_equal(hv_conv_write_payload(&uds_steps[3], &s, buf, 2, &len),
			 -ENOSPC);
	assert_int_equal(hv_conv_write_payload(&uds_steps[1], &s, buf, 2, &len),
			 -ENOSPC);
	/* A mandatory step failing ends the conversation with its error. */
	hv_conv_step_done(&c, -ETIMEDOUT);
	assert_null(hv_conv_current(&c));
	assert_int_equal(c.result, -ETIMEDOUT);
	/* Nothing more happens after the end. */
	hv_conv_step_done(&c, 0);
	assert_int_equal(c.result, -ETIMEDOUT);
}

static const struct hv_step wait_steps[] = {
	/* 0 */ { .op = HV_STEP_WAIT, .characteristic = "2a52",
		  .on_value = on_value, .on_fail = 2 },
	/* 1 */ { .op = HV_STEP_END },
	/* 2 */ { .op = HV_STEP_READ, .characteristic = "2a52",
		  .on_value = on_value },
	/* 3 */ { .op = HV_STEP_WAIT, .characteristic = "2a52",
		  .on_value = on_value },
};

static const struct hv_conversation waits = {
	.steps = wait_steps,
	.n_steps = ELEMENTSOF(wait_steps),
};

static void test_wait_values(void **state)
{
	struct hv_session s;
	struct hv_conv c;

	(void)state;
	hv_session_init(&s, 0);
	hv_conv_init(&c, &waits, &s);
	assert_int_equal(hv_conv_feed(&c, (const uint8_t[]){ 2 }, 1), 0);
	assert_ptr_equal(hv_conv_current(&c), &wait_steps[0]);
	/* -errno from on_value: the step fails, on_fail goes to step 2. */
	assert_int_equal(hv_conv_feed(&c, (const uint8_t[]){ 0xee }, 1), 1);
	assert_ptr_equal(hv_conv_current(&c), &wait_steps[2]);
	/* MORE on a READ still ends the step (one value per read). */
	assert_int_equal(hv_conv_feed(&c, (const uint8_t[]){ 2 }, 1), 1);
	assert_ptr_equal(hv_conv_current(&c), &wait_steps[3]);
	/* GOTO to step 1 (END). */
	s.scratch[0] = 1;
	assert_int_equal(hv_conv_feed(&c, (const uint8_t[]){ 3 }, 1), 1);
	assert_null(hv_conv_current(&c));
	assert_int_equal(c.result, 0);
	assert_int_equal(s.scratch[1], 4);
}

static void test_goto_loop_and_bad_goto(void **state)
{
	struct hv_session s;
	struct hv_conv c;
	int n = 0;

	(void)state;
	hv_session_init(&s, 0);
	hv_conv_init(&c, &waits, &s);
	s.scratch[0] = 0; /* GOTO itself, forever */
	while (hv_conv_current(&c) && n++ < 5000)
		hv_conv_feed(&c, (const uint8_t[]){ 3 }, 1);
	assert_true(c.finished);
	assert_int_equal(c.result, -ELOOP);

	hv_session_init(&s, 0);
	hv_conv_init(&c, &waits, &s);
	hv_conv_step_done(&c, -EIO); /* → step 2 */
	s.scratch[0] = 99;
	assert_int_equal(hv_conv_feed(&c, (const uint8_t[]){ 3 }, 1), 1);
	assert_null(hv_conv_current(&c));
	assert_int_equal(c.result, -EINVAL);
}

/* on_timeout: scratch[2] says what it does (0 nothing, 1 one byte, 2 more
 * than the buffer, 3 -EPROTO). */
static int on_timeout(struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	(void)size;
	switch (s->scratch[2]) {
	case 1:
		buf[0] = 0x42;
		*ret_len = 1;
		return 1;
	case 2:
		*ret_len = size + 1;
		return 1;
	case 3:
		return -EPROTO;
	default:
		return 0;
	}
}

static const struct hv_step timeout_steps[] = {
	/* 0 */ { .op = HV_STEP_WRITE, .characteristic = "2a9f",
		  .on_timeout = on_timeout, .flags = HV_STEP_OPTIONAL },
	/* 1 */ { .op = HV_STEP_WAIT, .characteristic = "2a9d",
		  .on_value = on_value, .on_timeout = on_timeout },
	/* 2 */ { .op = HV_STEP_END },
};

static const struct hv_conversation timeouts = {
	.steps = timeout_steps,
	.n_steps = ELEMENTSOF(timeout_steps),
};

/* A timed-out step: only a WAIT step's on_timeout() may hand on a value,
 * and only one that fits; otherwise the step timed out (or failed as
 * on_timeout() said) and nothing is handed on. */
static void test_time_out(void **state)
{
	static const int results[] = { -ETIMEDOUT, 0, -ENOSPC, -EPROTO };
	struct hv_session s;
	struct hv_conv c;
	uint8_t buf[4] = { 0 };
	struct hv_uuid u, want;
	size_t len = 99;

	(void)state;
	assert_int_equal(hv_uuid_parse("2a9d", &want), 0);
	for (unsigned what = 0; what < ELEMENTSOF(results); what++) {
		hv_session_init(&s, 0);
		s.scratch[2] = what;
		len = 99;
		hv_conv_init(&c, &timeouts, &s);
		/* A WRITE's timeout is a timeout, whatever on_timeout. */
		assert_int_equal(hv_conv_time_out(&c, buf, sizeof(buf), &len, &u), 0);
		assert_ptr_equal(hv_conv_current(&c), &timeout_steps[1]);
		assert_int_equal(hv_conv_time_out(&c, buf, sizeof(buf), &len, &u),
				 what == 1);
		assert_null(hv_conv_current(&c));
		assert_int_equal(c.result, results[what]);
		if (what == 1) {
			assert_int_equal(len, 1);
			assert_int_equal(buf[0], 0x42);
			assert_true(hv_uuid_equal(&u, &want));
		} else {
			assert_int_equal(len, 99);
		}
	}
	/* After the end, a late timer changes nothing. */
	assert_int_equal(hv_conv_time_out(&c, buf, sizeof(buf), &len, &u), 0);
	assert_int_equal(c.result, -EPROTO);
}

static void test_stash_keeps_newest(void **state)
{
	struct hv_session s;
	struct hv_conv c;
	struct hv_uuid u = hv_uuid16(0x2a52), other = hv_uuid16(0x2a9d);
	uint8_t big[40] = { 0 };

	(void)state;
	hv_session_init(&s, 0);
	hv_conv_init(&c, &waits, &s);
	hv_conv_stash(&c, &u, big, sizeof(big)); /* too long: not kept */
	assert_int_equal(c.n_stash, 0);
	for (uint8_t i = 0; i < 6; i++)
		hv_conv_stash(&c, i % 2 ? &other : &u, (const uint8_t[]){ 2 }, 1);
	assert_int_equal(c.n_stash, HV_CONV_STASH_MAX);
	/* Two of the kept four are for 2a52, both MORE: not ended. */
	assert_int_equal(hv_conv_replay_stash(&c), 0);
	assert_int_equal(s.scratch[1], 2);
	assert_int_equal(c.n_stash, 0);
}

static void test_session_clock(void **state)
{
	struct hv_session s;

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	/* 2024-03-10 14:05:09 UTC was a Sunday. */
	hv_session_init(&s, 1710079509);
	assert_int_equal(s.now_local.year, 2024);
	assert_int_equal(s.now_local.month, 3);
	assert_int_equal(s.now_local.day, 10);
	assert_int_equal(s.now_local.hour, 14);
	assert_int_equal(s.now_local.minute, 5);
	assert_int_equal(s.now_local.second, 9);
	assert_int_equal(s.day_of_week, 7);
	assert_int_equal(s.user_index, -1);
	assert_int_equal(s.last_sequence, -1);
	assert_int_equal(s.records_expected, -1);
	setenv("TZ", "CET-1", 1); /* POSIX form: no tzdata needed */
	tzset();
	hv_session_init(&s, 1710079509 + 86400);
	assert_int_equal(s.now_local.hour, 15);
	assert_int_equal(s.day_of_week, 1);
	unsetenv("TZ");
	tzset();
}

/* The device's clock is the first Current Time seen on the connection:
 * another characteristic or a short value is not it, an unset clock is
 * kept (a time fault), and the value after the gateway set the clock does
 * not replace it. */
static void test_session_notes_device_clock(void **state)
{
	/* 2024-03-10 11:05:09, Sunday, Fractions256 0, Adjust Reason 0 */
	static const uint8_t read[] = { 0xE8, 0x07, 3, 10, 11, 5, 9, 7, 0, 0 };
	static const uint8_t set[] = { 0xE8, 0x07, 3, 10, 14, 5, 9, 7, 0, 0 };
	static const uint8_t unset[] = { 0xD0, 0x07, 1, 1, 0, 0, 0, 0, 0, 0 };
	struct hv_uuid cts, other;
	struct hv_session s;

	(void)state;
	assert_int_equal(hv_uuid_parse("2a2b", &cts), 0);
	assert_int_equal(hv_uuid_parse("2a9d", &other), 0);
	hv_session_init(&s, 1710079509);
	assert_false(hv_session_note_current_time(&s, &other, read,
						  sizeof(read), 1));
	assert_false(hv_session_note_current_time(&s, &cts, read, 6, 1));
	assert_false(hv_session_note_current_time(&s, &cts, read,
						  sizeof(read), 0));
	assert_false(s.has_device_clock);
	assert_true(hv_session_note_current_time(&s, &cts, read, sizeof(read),
						 1710079509000000));
	assert_false(hv_session_note_current_time(&s, &cts, set, sizeof(set),
						  1710079512000000));
	assert_true(s.has_device_clock);
	assert_int_equal(s.device_clock.year, 2024);
	assert_int_equal(s.device_clock.hour, 11);
	assert_int_equal(s.device_clock.second, 9);
	assert_int_equal(s.device_clock_read_usec, 1710079509000000);

	hv_session_init(&s, 1710079509);
	assert_true(hv_session_note_current_time(&s, &cts, unset,
						 sizeof(unset), 7));
	assert_false(hv_session_note_current_time(&s, &cts, set, sizeof(set),
						  8));
	assert_true(s.has_device_clock);
	assert_int_equal(s.device_clock.year, 2000);
	assert_int_equal(s.device_clock_read_usec, 7);
}

static void test_backoff_and_cooldown(void **state)
{
	const struct hv_gatt_timing *t = &hv_gatt_timing_default;
	struct hv_gatt_peer p = { 0 };
	usec_t now = 1000 * USEC_PER_SEC;

	(void)state;
	assert_int_equal(hv_gatt_backoff_usec(t, 0), 0);
	assert_int_equal(hv_gatt_backoff_usec(t, 1), 10 * USEC_PER_SEC);
	assert_int_equal(hv_gatt_backoff_usec(t, 3), 40 * USEC_PER_SEC);
	assert_int_equal(hv_gatt_backoff_usec(t, 60), t->backoff_max);

	assert_true(hv_gatt_peer_advert(&p, t, now));
	p.busy = true;
	assert_false(hv_gatt_peer_advert(&p, t, now + 1));
	/* Two failures: 10 s then 20 s of backoff. */
	hv_gatt_peer_finished(&p, t, -EIO, now);
	assert_false(p.busy);
	assert_false(hv_gatt_peer_advert(&p, t, now + 9 * USEC_PER_SEC));
	assert_true(hv_gatt_peer_advert(&p, t, now + 10 * USEC_PER_SEC));
	hv_gatt_peer_finished(&p, t, -EIO, now + 10 * USEC_PER_SEC);
	assert_false(hv_gatt_peer_advert(&p, t, now + 29 * USEC_PER_SEC));
	assert_true(hv_gatt_peer_advert(&p, t, now + 30 * USEC_PER_SEC));

	/* Success: no reconnect while the scale keeps advertising … */
	now += 100 * USEC_PER_SEC;
	hv_gatt_peer_finished(&p, t, 0, now);
	assert_int_equal(p.failures, 0);
	for (int i = 1; i <= 20; i++)
		assert_false(hv_gatt_peer_advert(&p, t, now + (usec_t)i * 10 * USEC_PER_SEC));
	/* … but once it went silent for `absence` and came back, at once. */
	now += 200 * USEC_PER_SEC;
	assert_true(hv_gatt_peer_advert(&p, t, now + t->absence));

	/* Or after the cool-down even if it never went quiet. */
	memset(&p, 0, sizeof(p));
	hv_gatt_peer_finished(&p, t, 0, now);
	for (usec_t d = 0; d < t->cooldown; d += 30 * USEC_PER_SEC)
		assert_false(hv_gatt_peer_advert(&p, t, now + d));
	assert_true(hv_gatt_peer_advert(&p, t, now + t->cooldown));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_path),
		cmocka_unit_test(test_consent_path_and_failure),
		cmocka_unit_test(test_wait_values),
		cmocka_unit_test(test_goto_loop_and_bad_goto),
		cmocka_unit_test(test_time_out),
		cmocka_unit_test(test_stash_keeps_newest),
		cmocka_unit_test(test_session_clock),
		cmocka_unit_test(test_session_notes_device_clock),
		cmocka_unit_test(test_backoff_and_cooldown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
