// SPDX-License-Identifier: MIT
/*
 * IEEE 11073 numbers (every special value, signs, exponents, the encoder),
 * the Record Access Control Point (requests from the session, responses,
 * step helpers) and the health drivers' conversations as data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"
#include "drivers/sig_racp.h"
#include "tests/fakes/frames.h"

static void test_sfloat_numbers(void **state)
{
	struct hv_ieee_number n;

	(void)state;
	n = hv_sfloat_decode(0xF800); /* mantissa -2048, exponent -1 */
	assert_int_equal(n.absent, HV_ABSENT_NONE);
	assert_float_equal(n.value, -204.8, 1e-12);
	n = hv_sfloat_decode(0x0FFF); /* -1 */
	assert_float_equal(n.value, -1, 0);
	n = hv_sfloat_decode(0x7001); /* 1e7 */
	assert_float_equal(n.value, 1e7, 0);
	n = hv_sfloat_decode(0x8001); /* 1e-8 */
	assert_float_equal(n.value, 1e-8, 1e-20);
	for (uint16_t raw = 0x07FE; raw <= 0x0802; raw++)
		assert_int_not_equal(hv_sfloat_decode(raw).absent,
				     HV_ABSENT_NONE);
	assert_int_equal(hv_sfloat_decode(0x07FD).absent, HV_ABSENT_NONE);
	assert_int_equal(hv_sfloat_decode(0x0803).absent, HV_ABSENT_NONE);
	assert_int_equal(hv_sfloat_decode(0x17FF).absent, HV_ABSENT_NONE);
}

static void test_float_numbers(void **state)
{
	struct hv_ieee_number n;

	(void)state;
	n = hv_float_decode(0x7FFFFFFF); /* -1e127: not +INF */
	assert_int_equal(n.absent, HV_ABSENT_NONE);
	assert_true(n.value < -9.9e126 && n.value > -1.1e127);
	n = hv_float_decode(0x80000001); /* 1e-128 */
	assert_true(n.value > 0 && n.value < 1e-127);
	for (uint32_t raw = 0x007FFFFE; raw <= 0x00800002; raw++)
		assert_int_not_equal(hv_float_decode(raw).absent,
				     HV_ABSENT_NONE);
}

static void test_encoders(void **state)
{
	uint16_t s;
	uint32_t f;

	(void)state;
	assert_int_equal(hv_sfloat_encode(121, 1, &s), 0);
	assert_int_equal(s, 0x0079); /* shortest: 121e0 */
	assert_int_equal(hv_sfloat_encode(18.9, 1, &s), 0);
	assert_int_equal(s, 0xF0BD);
	assert_int_equal(hv_sfloat_encode(-204.7, 1, &s), 0);
	assert_int_equal(s, 0xF801);
	assert_float_equal(hv_sfloat_decode(s).value, -204.7, 1e-9);
	assert_int_equal(hv_sfloat_encode(2046, 0, &s), 0); /* not +INF */
	assert_int_equal(hv_sfloat_decode(s).absent, HV_ABSENT_NONE);
	assert_float_equal(hv_sfloat_decode(s).value, 2050, 0);
	assert_int_equal(hv_sfloat_encode(1e12, 0, &s), -ERANGE);
	assert_int_equal(hv_float_encode(36.97, 2, &f), 0);
	assert_int_equal(f, 0xFE000E71);
	assert_int_equal(hv_float_encode(12345.67, 2, &f), 0);
	assert_int_equal(f, 0xFE12D687);
	for (int a = HV_ABSENT_NAN; a < _HV_ABSENT_MAX; a++) {
		assert_int_equal(hv_sfloat_special(a, &s), 0);
		assert_int_equal(hv_sfloat_decode(s).absent, a);
		assert_int_equal(hv_float_special(a, &f), 0);
		assert_int_equal(hv_float_decode(f).absent, a);
	}
	assert_int_equal(hv_sfloat_special(HV_ABSENT_NONE, &s), -EINVAL);
}

static void test_racp_requests(void **state)
{
	struct hv_session s = { .last_sequence = -1 };
	uint8_t buf[8];
	size_t n;

	(void)state;
	assert_int_equal(hv_racp_payload_report_since(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(buf, "\x01\x01", 2);
	s.last_sequence = 41;
	assert_int_equal(hv_racp_payload_report_since(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "\x01\x03\x01\x2a\x00", 5);
	assert_int_equal(hv_racp_payload_count_since(&s, buf, sizeof(buf), &n), 0);
	assert_memory_equal(buf, "\x04\x03\x01\x2a\x00", 5);
	s.last_sequence = 0xFFFF; /* wrapped: ask for everything */
	assert_int_equal(hv_racp_payload_report_since(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hv_racp_payload_report_since(&s, buf, 1, &n), -ENOSPC);
	assert_int_equal(hv_racp_payload_report_all(&s, buf, sizeof(buf), &n), 0);
	assert_memory_equal(buf, "\x01\x01", 2);
	assert_memory_equal(hv_racp_abort_request, "\x03\x00", 2);
}

static void test_racp_responses(void **state)
{
	struct hv_racp_response r;
	struct hv_session s = { .records_expected = -1 };

	(void)state;
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x05\x00\x07", 3, &r), 0);
	assert_int_equal(r.count, 7);
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x05\x00\x01\x00\x01\x00", 6, &r), 0);
	assert_int_equal(r.count, 65537);
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x05\x00\x01\x00\x01", 5, &r), -EBADMSG);
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x06\x00\x01\x01\x00", 5, &r), -EBADMSG);
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x04\x01", 2, &r), -EOPNOTSUPP);
	assert_int_equal(hv_racp_parse((const uint8_t *)"\x09\x00", 2, &r), -EBADMSG);

	/* Count: records -> DONE; none -> GOTO the end; refused -> DONE. */
	assert_int_equal(hv_racp_handle_count(&s, (const uint8_t *)"\x05\x00\x03\x00", 4, 9),
			 HV_VALUE_DONE);
	assert_int_equal(s.records_expected, 3);
	assert_int_equal(hv_racp_handle_count(&s, (const uint8_t *)"\x05\x00\x00\x00", 4, 9),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, 9);
	s.next_step = 0;
	assert_int_equal(hv_racp_handle_count(&s, (const uint8_t *)"\x06\x00\x04\x06", 4, 8),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, 8);
	assert_int_equal(s.records_expected, 0);
	assert_int_equal(hv_racp_handle_count(&s, (const uint8_t *)"\x06\x00\x04\x02", 4, 8),
			 HV_VALUE_DONE);
	assert_int_equal(s.records_expected, -1);
	assert_int_equal(hv_racp_handle_count(&s, (const uint8_t *)"\x01", 1, 8),
			 HV_VALUE_MORE);

	/* Report: success or no records end it; other codes fail it. */
	assert_int_equal(hv_racp_on_report_done(&s, (const uint8_t *)"\x06\x00\x01\x01", 4),
			 HV_VALUE_DONE);
	assert_int_equal(hv_racp_on_report_done(&s, (const uint8_t *)"\x06\x00\x01\x06", 4),
			 HV_VALUE_DONE);
	assert_int_equal(hv_racp_on_report_done(&s, (const uint8_t *)"\x06\x00\x01\x08", 4),
			 -EIO);
	assert_int_equal(hv_racp_on_report_done(&s, (const uint8_t *)"\x06\x00\x04\x01", 4),
			 HV_VALUE_MORE);
	assert_int_equal(hv_racp_on_report_done(&s, (const uint8_t *)"\x05\x00\x01\x00", 4),
			 HV_VALUE_MORE);
}

static void test_conversations_and_selection(void **state)
{
	static const struct {
		uint16_t service;
		const char *driver;
	} cases[] = {
		{ 0x1810, "sig_blood_pressure" }, { 0x1808, "sig_glucose" },
		{ 0x1809, "sig_temperature" },	  { 0x1822, "sig_pulse_oximeter" },
		{ 0x180D, "sig_heart_rate" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_frame advert = { .n_service_uuids = 1 };
		const struct hv_driver *d;

		advert.service_uuids[0] = hv_uuid16(cases[i].service);
		d = hv_registry_select(&advert);
		assert_non_null(d);
		assert_string_equal(d->id, cases[i].driver);
		hv_test_check_conversation(d->conversation);
	}
}

/* The glucose conversation fetches only what is new, in order. */
static void test_glucose_conversation_order(void **state)
{
	const struct hv_conversation *c =
		hv_driver_by_id("sig_glucose")->conversation;
	struct hv_session s = { .last_sequence = 9, .records_expected = -1 };
	int count_step = -1, report_step = -1, end_step = -1;
	uint8_t buf[8];
	size_t n;

	(void)state;
	assert_true(c->needs_bonding);
	for (size_t i = 0; i < c->n_steps; i++) {
		const struct hv_step *st = &c->steps[i];

		if (st->op == HV_STEP_WRITE && st->payload) {
			assert_int_equal(st->payload(&s, buf, sizeof(buf), &n), 0);
			if (buf[0] == 4)
				count_step = (int)i;
			else if (buf[0] == 1)
				report_step = (int)i;
			assert_memory_equal(buf + 1, "\x03\x01\x0a\x00", 4);
		}
		if (st->op == HV_STEP_END && end_step < 0)
			end_step = (int)i;
	}
	assert_true(count_step >= 0 && count_step < report_step &&
		    report_step < end_step);
	/* "No records" on the count skips to the first END. */
	assert_int_equal(c->steps[count_step + 1].on_value(
				 &s, (const uint8_t *)"\x05\x00\x00\x00", 4),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, end_step);
	/* A stalled transfer is aborted. */
	assert_int_equal(c->steps[c->steps[report_step + 1].on_fail].n_bytes, 2);
	assert_memory_equal(c->steps[c->steps[report_step + 1].on_fail].bytes,
			    "\x03\x00", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sfloat_numbers),
		cmocka_unit_test(test_float_numbers),
		cmocka_unit_test(test_encoders),
		cmocka_unit_test(test_racp_requests),
		cmocka_unit_test(test_racp_responses),
		cmocka_unit_test(test_conversations_and_selection),
		cmocka_unit_test(test_glucose_conversation_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
