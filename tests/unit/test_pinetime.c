// SPDX-License-Identifier: MIT
/*
 * The PineTime (InfiniTime) driver: the Motion service's step count
 * (uint32 LE, InfiniTime src/components/ble/MotionService.cpp @143e34e),
 * heart rate through the SIG decoder, battery, device selection, and the
 * conversation's clock decision (write only when the watch drifted).
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

#define STEPS "00030001-78fc-48fe-8e23-433b3a1942d0"
#define MOTION "00030002-78fc-48fe-8e23-433b3a1942d0"

static const struct hv_driver *pinetime(void)
{
	const struct hv_driver *d = hv_driver_by_id("pinetime");

	assert_non_null(d);
	return d;
}

static struct hv_frame value(const char *uuid, const uint8_t *b, size_t n)
{
	struct hv_frame f = { .has_characteristic = true, .value_len = n };

	assert_int_equal(hv_uuid_parse(uuid, &f.characteristic), 0);
	memcpy(f.value, b, n);
	return f;
}

static void test_step_count(void **state)
{
	/* 10 000 steps: 0x2710, uint32 little-endian */
	static const uint8_t b[] = { 0x10, 0x27, 0x00, 0x00 };
	struct hv_frame f = value(STEPS, b, sizeof(b));
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_registry_decode(&f, pinetime(), &m), 0);
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	assert_int_equal(m.readings[0].metric, HV_METRIC_STEP_COUNT);
	assert_true(m.readings[0].value == 10000);
	assert_string_equal(hv_measurement_context(&m, "period"), "P1D");
	assert_int_equal(m.user_index, 0);

	/* the registry finds it by the watch's name */
	f.name = "InfiniTime";
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_string_equal(m.driver, "pinetime");

	f.value_len = 3;
	assert_int_equal(hv_registry_decode(&f, pinetime(), &m), -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

static void test_step_count_round_trip(void **state)
{
	struct hv_measurement m, again;
	struct hv_frame f;

	(void)state;
	hv_measurement_init(&m, "pinetime");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_STEP_COUNT, 4321), 0);
	assert_int_equal(pinetime()->encode(&m, NULL, &f), 0);
	assert_int_equal(f.value_len, 4);
	assert_int_equal(f.value[0], 0xE1);
	assert_int_equal(f.value[1], 0x10);
	assert_int_equal(hv_registry_decode(&f, pinetime(), &again), 0);
	assert_true(again.readings[0].value == 4321);
}

static void test_raw_motion_ignored(void **state)
{
	static const uint8_t b[] = { 0x10, 0x00, 0xF0, 0xFF, 0x00, 0x04 };
	struct hv_frame f = value(MOTION, b, sizeof(b));
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_registry_decode(&f, pinetime(), &m), 0);
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
}

static void test_heart_rate_and_battery_in_session(void **state)
{
	static const uint8_t hr[] = { 0x00, 72 };
	static const uint8_t low[] = { 12 };
	struct hv_frame f = { .has_characteristic = true };
	struct hv_measurement m;

	(void)state;
	hv_frame_set_value(&f, 0x2A37, hr, sizeof(hr));
	assert_int_equal(hv_registry_decode(&f, pinetime(), &m), 0);
	assert_true(m.final);
	assert_true(hv_measurement_find(&m, HV_METRIC_HEART_RATE)->value == 72);
	/* a bare 0x2A37 of an unnamed device stays the SIG decoder's */
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_string_equal(m.driver, "sig_heart_rate");

	hv_frame_set_value(&f, 0x2A19, low, sizeof(low));
	assert_int_equal(hv_registry_decode(&f, pinetime(), &m), 0);
	assert_false(m.final);
	assert_true(hv_measurement_has_flag(&m, "battery_low"));
}

static void test_selected_by_name_or_service(void **state)
{
	struct hv_frame a = { .name = "InfiniTime" };

	(void)state;
	assert_ptr_equal(hv_registry_select(&a), pinetime());
	a.name = "Other";
	assert_ptr_not_equal(hv_registry_select(&a), pinetime());
	a.n_service_uuids = 1;
	assert_int_equal(hv_uuid_parse("00030000-78fc-48fe-8e23-433b3a1942d0",
				       &a.service_uuids[0]), 0);
	assert_ptr_equal(hv_registry_select(&a), pinetime());
}

static const struct hv_step *step_named(const char *what, int *ret_index)
{
	const struct hv_conversation *c = pinetime()->conversation;

	for (size_t i = 0; i < c->n_steps; i++)
		if (c->steps[i].what && strstr(c->steps[i].what, what)) {
			*ret_index = (int)i;
			return &c->steps[i];
		}
	fail_msg("no step '%s'", what);
	return NULL;
}

static void test_clock_written_only_when_off(void **state)
{
	struct hv_session s = { .now_local = { 2026, 3, 2, 23, 59, 40 },
				.day_of_week = 1 };
	int read_at, write_at, hr_at;
	const struct hv_step *rd = step_named("read the watch's clock", &read_at);
	const struct hv_step *wr = step_named("set the watch's clock", &write_at);
	uint8_t clock[10] = { 0xEA, 0x07, 3, 2, 23, 59, 50, 0, 0, 0 };
	uint8_t out[16];
	size_t n = 0;

	(void)state;
	(void)step_named("subscribe to heart rate", &hr_at);
	assert_int_equal(write_at, read_at + 1);
	/* 10 s apart: left alone, the write is skipped */
	assert_int_equal(rd->on_value(&s, clock, sizeof(clock)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, hr_at);
	/* a watch that booted at 2020-01-01: set */
	clock[0] = 0xE4;
	clock[2] = 1;
	clock[3] = 1;
	assert_int_equal(rd->on_value(&s, clock, sizeof(clock)), HV_VALUE_DONE);
	assert_int_equal(wr->payload(&s, out, sizeof(out), &n), 0);
	assert_int_equal(n, 10);
	assert_memory_equal(out, ((uint8_t[]){ 0xEA, 0x07, 3, 2, 23, 59, 40, 1 }),
			    8);
	/* no local time known: nothing to give the watch */
	s.now_local = (struct hv_datetime){ 0 };
	assert_int_equal(rd->on_value(&s, clock, sizeof(clock)), HV_VALUE_GOTO);
	assert_int_equal(wr->payload(&s, out, sizeof(out), &n), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_count),
		cmocka_unit_test(test_step_count_round_trip),
		cmocka_unit_test(test_raw_motion_ignored),
		cmocka_unit_test(test_heart_rate_and_battery_in_session),
		cmocka_unit_test(test_selected_by_name_or_service),
		cmocka_unit_test(test_clock_written_only_when_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
