// SPDX-License-Identifier: MIT
/*
 * daemon/common/status.c: the one status behind sd_notify STATUS=, the
 * retained MQTT status, `homevitals status` and the LED — here with the
 * audiences' own brokers (docs/consent.md "Delivery").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <string.h>

#include "daemon/common/status.h"
#include "daemon/led/led.h"
#include "daemon/led/led_pattern.h"

#define SEC 1000000ULL

static struct hv_audience_status two_audiences[2] = {
	{ .name = "clinic", .broker = HV_BROKER_CONNECTED },
	{ .name = "community",
	  .broker = HV_BROKER_UNREACHABLE,
	  .broker_error = "Connection refused" },
};

static struct hv_status status_with(struct hv_audience_status *a, size_t n)
{
	return (struct hv_status){
		.adapter = HV_ADAPTER_OK,
		.broker = HV_BROKER_CONNECTED,
		.storage = HV_STORAGE_OK,
		.backlog = 3,
		.started_usec = 1 * SEC,
		.last_reading_usec = 5 * SEC,
		.audiences = a,
		.n_audiences = n,
	};
}

/* s's status line at 12 s (its last reading at 5 s) is want */
static void assert_status_line(const struct hv_status *s, const char *want)
{
	char line[256];

	hv_status_format(s, 12 * SEC, line, sizeof(line));
	assert_string_equal(line, want);
}

static void test_format_without_audiences(void **state)
{
	struct hv_status s = status_with(NULL, 0);

	(void)state;
	assert_status_line(&s,
			   "adapter ok, broker connected, storage ok, backlog 3, last reading 7s ago");
	s.last_reading_usec = 0;
	assert_status_line(&s,
			   "adapter ok, broker connected, storage ok, backlog 3, no reading yet");
}

static void test_format_names_each_audience_not_connected(void **state)
{
	struct hv_status s = status_with(two_audiences, 2);

	(void)state;
	assert_status_line(&s,
			   "adapter ok, broker connected, audience community broker unreachable, storage ok, backlog 3, last reading 7s ago");
}

static void test_format_truncates_safely(void **state)
{
	struct hv_status s = status_with(two_audiences, 2);
	char line[40];

	(void)state;
	memset(line, 'x', sizeof(line));
	hv_status_format(&s, 12 * SEC, line, sizeof(line));
	assert_int_equal(strlen(line), sizeof(line) - 1);
	assert_memory_equal(line, "adapter ok, broker connected, audience ", 39);
}

static void test_worst_broker(void **state)
{
	struct hv_audience_status a[2] = {
		{ .name = "clinic", .broker = HV_BROKER_CONNECTED },
		{ .name = "community", .broker = HV_BROKER_CONNECTING },
	};
	struct hv_status s = status_with(a, 2);

	(void)state;
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_CONNECTING);
	a[1].broker = HV_BROKER_UNREACHABLE;
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_UNREACHABLE);
	s.broker = HV_BROKER_CONNECTING; /* the main one no better */
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_UNREACHABLE);
	a[1].broker = HV_BROKER_CONNECTED;
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_CONNECTING);
	s.broker = HV_BROKER_UNREACHABLE; /* the main one worse */
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_UNREACHABLE);
	s.n_audiences = 0;
	s.broker = HV_BROKER_DISABLED;
	assert_int_equal(hv_status_worst_broker(&s), HV_BROKER_DISABLED);
}

static void test_json_carries_each_audience(void **state)
{
	struct hv_status s = status_with(two_audiences, 2);
	cJSON *o = NULL, *a;

	(void)state;
	assert_int_equal(hv_status_to_json(&s, "gw", 12 * SEC, 0, &o), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "broker")),
			    "connected");
	a = cJSON_GetObjectItem(o, "audiences");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(a, "clinic"), "broker")),
			    "connected");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "clinic"),
					"broker_error"));
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(a, "community"), "broker")),
			    "unreachable");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(a, "community"),
				    "broker_error")),
			    "Connection refused");
	cJSON_Delete(o);

	s = status_with(NULL, 0);
	assert_int_equal(hv_status_to_json(&s, "gw", 12 * SEC, 0, &o), 0);
	assert_null(cJSON_GetObjectItem(o, "audiences"));
	cJSON_Delete(o);
}

/* One audience's broker out of reach is the LED's broker pattern; an
 * audience still connecting is not a fault yet. */
static void test_led_follows_an_audience_broker(void **state)
{
	struct hv_audience_status a[2] = {
		{ .name = "clinic", .broker = HV_BROKER_CONNECTED },
		{ .name = "community", .broker = HV_BROKER_CONNECTING },
	};
	struct hv_status s = status_with(a, 2);
	struct hv_led_conditions c;

	(void)state;
	hv_led_conditions_from_status(&s, &c);
	assert_false(c.broker_problem);
	a[1].broker = HV_BROKER_UNREACHABLE;
	hv_led_conditions_from_status(&s, &c);
	assert_true(c.broker_problem);
	assert_false(c.storage_problem);
	assert_false(c.bluetooth_problem);
	a[1].broker = HV_BROKER_CONNECTED;
	hv_led_conditions_from_status(&s, &c);
	assert_false(c.broker_problem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_without_audiences),
		cmocka_unit_test(test_format_names_each_audience_not_connected),
		cmocka_unit_test(test_format_truncates_safely),
		cmocka_unit_test(test_worst_broker),
		cmocka_unit_test(test_json_carries_each_audience),
		cmocka_unit_test(test_led_follows_an_audience_broker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
