// SPDX-License-Identifier: MIT
/* The reading model: metric table, special values, clocks, JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/common/measurement_json.h"
#include "drivers/measurement.h"

static void test_metric_table_complete(void **state)
{
	(void)state;
	for (int i = 0; i < _HV_METRIC_MAX; i++) {
		const struct hv_metric_info *info = hv_metric_info(i);

		assert_non_null(info);
		assert_non_null(info->name);
		assert_non_null(info->unit);
		assert_int_equal(hv_metric_from_name(info->name), i);
	}
	assert_null(hv_metric_info(_HV_METRIC_MAX));
	assert_int_equal(hv_metric_from_name("weight"), _HV_METRIC_INVALID);
}

static void test_metric_units_match_readings_md(void **state)
{
	(void)state;
	assert_string_equal(hv_metric_info(HV_METRIC_BODY_WEIGHT)->unit, "kg");
	assert_string_equal(hv_metric_info(HV_METRIC_BODY_WEIGHT)->loinc,
			    "29463-7");
	assert_string_equal(hv_metric_info(HV_METRIC_SYSTOLIC_PRESSURE)->unit,
			    "mm[Hg]");
	assert_string_equal(hv_metric_info(HV_METRIC_BLOOD_GLUCOSE)->unit,
			    "mmol/L");
	assert_string_equal(hv_metric_info(HV_METRIC_STEP_COUNT)->unit,
			    "{steps}");
	assert_null(hv_metric_info(HV_METRIC_IMPEDANCE)->loinc);
}

static void test_absent_reading_is_null_in_json(void **state)
{
	struct hv_measurement m;
	cJSON *j, *rd, *value;

	(void)state;
	hv_measurement_init(&m, "test");
	m.final = true;
	assert_int_equal(hv_measurement_add_absent(&m, HV_METRIC_SPO2,
						   HV_ABSENT_NRES),
			 0);
	assert_int_equal(hv_measurement_to_json(&m, &j), 0);
	rd = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "readings"), 0);
	value = cJSON_GetObjectItem(rd, "value");
	assert_true(cJSON_IsNull(value));
	assert_string_equal(
		cJSON_GetObjectItem(rd, "absent_reason")->valuestring, "nres");
	cJSON_Delete(j);
}

static void test_measurement_full(void **state)
{
	struct hv_measurement m;

	(void)state;
	hv_measurement_init(&m, "test");
	for (int i = 0; i < HV_READINGS_MAX; i++)
		assert_int_equal(hv_measurement_add(&m, HV_METRIC_RR_INTERVAL,
						    0.8),
				 0);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_RR_INTERVAL, 0.8),
			 -ENOSPC);
}

static void test_invalid_clears_readings(void **state)
{
	struct hv_measurement m;

	(void)state;
	hv_measurement_init(&m, "test");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 70), 0);
	assert_int_equal(hv_measurement_invalid(&m, "weight: %d bytes", 3),
			 -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	assert_int_equal(m.n_readings, 0);
	assert_string_equal(m.error, "weight: 3 bytes");
}

static void test_clock_plausibility(void **state)
{
	struct hv_datetime unset = { 1970, 1, 3, 0, 53, 38 };
	struct hv_datetime y2000 = { 2000, 1, 1, 0, 0, 0 };
	struct hv_datetime ok = { 2024, 3, 15, 8, 30, 0 };
	struct hv_datetime future = { 2031, 1, 1, 0, 0, 0 };
	struct hv_datetime bad_day = { 2024, 2, 30, 0, 0, 0 };
	int64_t now = hv_datetime_to_unix(&(struct hv_datetime){ 2026, 11, 22, 12, 0, 0 });

	(void)state;
	assert_false(hv_datetime_plausible(&unset, now));
	assert_false(hv_datetime_plausible(&y2000, now));
	assert_true(hv_datetime_plausible(&ok, now));
	assert_false(hv_datetime_plausible(&future, now));
	assert_true(hv_datetime_plausible(&future, 0));
	assert_false(hv_datetime_plausible(&bad_day, now));
}

/* A reset over a used measurement reads as a fresh one: every header
 * field as hv_measurement_init() sets it, nothing left below the counts. */
static void test_reset_is_init(void **state)
{
	struct hv_measurement fresh, used;

	(void)state;
	hv_measurement_init(&fresh, "x");
	memset(&used, 0x5A, sizeof(used));
	used.n_flags = used.n_context = used.n_readings = 0;
	assert_int_equal(hv_measurement_add_flag(&used, "f"), 0);
	assert_int_equal(hv_measurement_add_context(&used, "k", "v"), 0);
	assert_int_equal(hv_measurement_add(&used, HV_METRIC_BODY_WEIGHT, 1),
			 0);
	(void)hv_measurement_invalid(&used, "bad %d", 1);
	hv_measurement_reset(&used, "x");

	assert_int_equal(used.status, fresh.status);
	assert_ptr_equal(used.driver, fresh.driver);
	assert_string_equal(used.error, "");
	assert_int_equal(used.final, fresh.final);
	assert_int_equal(used.has_load_removed, fresh.has_load_removed);
	assert_int_equal(used.load_removed, fresh.load_removed);
	assert_int_equal(used.subject, fresh.subject);
	assert_int_equal(used.has_device_time, fresh.has_device_time);
	assert_memory_equal(&used.device_time, &fresh.device_time,
			    sizeof(used.device_time));
	assert_int_equal(used.has_raw_device_time, fresh.has_raw_device_time);
	assert_memory_equal(&used.raw_device_time, &fresh.raw_device_time,
			    sizeof(used.raw_device_time));
	assert_int_equal(used.user_index, -1);
	assert_int_equal(used.display_unit, fresh.display_unit);
	assert_int_equal(used.more_packets, fresh.more_packets);
	assert_int_equal(used.sequence_number, -1);
	assert_int_equal(used.n_flags, 0);
	assert_int_equal(used.n_context, 0);
	assert_int_equal(used.n_readings, 0);
	assert_null(hv_measurement_find(&used, HV_METRIC_BODY_WEIGHT));
	assert_int_equal(hv_measurement_add(&used, HV_METRIC_BODY_WEIGHT, 70),
			 0);
	assert_int_equal(used.n_readings, 1);
}

static void test_civil_round_trip(void **state)
{
	(void)state;
	for (int64_t t = -86400LL * 800; t < 86400LL * 365 * 200;
	     t += 86400LL * 37 + 3607) {
		struct hv_datetime dt;

		hv_datetime_from_unix(t, &dt);
		assert_int_equal(hv_datetime_to_unix(&dt), t);
	}
	assert_int_equal(hv_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(hv_days_from_civil(2000, 3, 1), 11017);
}

static void test_rfc3339(void **state)
{
	char buf[40];

	(void)state;
	hv_format_rfc3339(1710491400LL * 1000000, buf, sizeof(buf));
	assert_string_equal(buf, "2024-03-15T08:30:00Z");
}

static void test_profile_parse(void **state)
{
	struct hv_profile p;

	(void)state;
	assert_int_equal(hv_profile_parse("height=1.80,age=44,sex=male", &p), 0);
	assert_true(p.height_m > 1.79 && p.height_m < 1.81);
	assert_true(p.age_years > 43.9 && p.age_years < 44.1);
	assert_int_equal(p.sex, HV_SEX_MALE);
	assert_int_equal(hv_profile_parse("height=180,sex=female", &p), 0);
	assert_true(p.height_m > 1.79 && p.height_m < 1.81);
	assert_int_equal(hv_profile_parse("height=-1", &p), -EINVAL);
	assert_int_equal(hv_profile_parse("weight=70", &p), -EINVAL);
	assert_int_equal(hv_profile_parse("sex=other", &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_table_complete),
		cmocka_unit_test(test_metric_units_match_readings_md),
		cmocka_unit_test(test_absent_reading_is_null_in_json),
		cmocka_unit_test(test_measurement_full),
		cmocka_unit_test(test_invalid_clears_readings),
		cmocka_unit_test(test_clock_plausibility),
		cmocka_unit_test(test_reset_is_init),
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_profile_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
