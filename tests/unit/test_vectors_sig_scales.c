// SPDX-License-Identifier: MIT
/*
 * Conformance against the Bluetooth SIG weight and body composition frames
 * whose decoded values public test suites state, read at run time from
 * tests/vectors/sig_stated.json (a missing file fails).
 * Each frame goes through the whole registry as a GATT value; frames marked
 * {"valid": false} must be rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

/* The characteristics our scale drivers own, and the driver for each. */
static const struct {
	uint16_t uuid;
	const char *driver;
} ours[] = {
	{ 0x2A9D, "sig_weight_scale" },
	{ 0x2A9E, "sig_weight_scale" },
	{ 0x2A9C, "sig_body_composition" },
	{ 0x2A9B, "sig_body_composition" },
};

static const char *owner(const char *uuid_text)
{
	unsigned long u = strtoul(uuid_text, NULL, 16);

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (ours[i].uuid == u)
			return ours[i].driver;
	return NULL;
}

static void check_number(const struct hv_measurement *m, enum hv_metric metric,
			 const cJSON *expected, double to_canonical,
			 double tolerance, const char *name)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	if (!expected || cJSON_IsNull(expected)) {
		if (r)
			fail_msg("%s: unexpected %s reading", name,
				 hv_metric_info(metric)->name);
		return;
	}
	assert_true(cJSON_IsNumber(expected));
	if (!r)
		fail_msg("%s: no %s reading", name, hv_metric_info(metric)->name);
	if (r->value < expected->valuedouble * to_canonical - tolerance ||
	    r->value > expected->valuedouble * to_canonical + tolerance)
		fail_msg("%s: %s %.4f, expected %.4f", name,
			 hv_metric_info(metric)->name, r->value,
			 expected->valuedouble * to_canonical);
}

static void check_entry(const cJSON *e)
{
	const char *name = hv_test_item(e, "name")->valuestring;
	const cJSON *exp = hv_test_item(e, "expected"), *ts, *user, *unit;
	bool lb, body;
	struct hv_measurement m;
	struct hv_frame f = { .has_characteristic = true,
			      .now = (int64_t)time(NULL) };

	f.characteristic = hv_uuid16((uint16_t)strtoul(
		hv_test_item(e, "characteristic_uuid")->valuestring, NULL, 16));
	assert_int_equal(hv_unhex(hv_test_item(e, "hex")->valuestring, f.value,
				  sizeof(f.value), &f.value_len),
			 0);
	(void)hv_registry_decode(&f, NULL, &m);

	if (cJSON_IsFalse(hv_test_item(exp, "valid"))) {
		if (m.status == HV_STATUS_OK)
			fail_msg("%s: decoded a frame that must be rejected",
				 name);
		return;
	}
	if (m.status != HV_STATUS_OK)
		fail_msg("%s: status %s (%s)", name, hv_status_name(m.status),
			 m.error);
	assert_string_equal(
		m.driver,
		owner(hv_test_item(e, "characteristic_uuid")->valuestring));

	unit = hv_test_item(exp, "unit");
	lb = unit && cJSON_IsString(unit) && strcmp(unit->valuestring, "lb") == 0;
	if (unit && cJSON_IsString(unit))
		assert_int_equal(m.display_unit, lb ? HV_UNIT_LB : HV_UNIT_KG);
	body = hv_uuid_is16(&f.characteristic, 0x2A9C);

	check_number(&m, HV_METRIC_BODY_WEIGHT, hv_test_item(exp, "weight"),
		     lb ? HV_LB_TO_KG : 1, 0.002, name);
	check_number(&m, HV_METRIC_BMI, hv_test_item(exp, "bmi"), 1, 0.05,
		     name);
	check_number(&m, HV_METRIC_BODY_HEIGHT, hv_test_item(exp, "height"),
		     lb ? 0.0254 : 1, 0.001, name);
	if (body) {
		check_number(&m, HV_METRIC_BODY_FAT_PERCENT,
			     hv_test_item(exp, "body_fat_percentage"), 1, 0.05,
			     name);
		check_number(&m, HV_METRIC_IMPEDANCE,
			     hv_test_item(exp, "impedance"), 1, 0.05, name);
	}

	ts = hv_test_item(exp, "timestamp");
	if (ts && !cJSON_IsNull(ts)) {
		assert_true(m.has_raw_device_time);
		assert_int_equal(m.raw_device_time.year,
				 hv_test_item(ts, "year")->valueint);
		assert_int_equal(m.raw_device_time.month,
				 hv_test_item(ts, "month")->valueint);
		assert_int_equal(m.raw_device_time.day,
				 hv_test_item(ts, "day")->valueint);
		assert_int_equal(m.raw_device_time.hour,
				 hv_test_item(ts, "hours")->valueint);
		assert_int_equal(m.raw_device_time.minute,
				 hv_test_item(ts, "minutes")->valueint);
		assert_int_equal(m.raw_device_time.second,
				 hv_test_item(ts, "seconds")->valueint);
	} else if (ts) {
		assert_false(m.has_raw_device_time);
	}
	user = hv_test_item(exp, "user_id");
	if (user && cJSON_IsNumber(user))
		assert_int_equal(m.user_index,
				 user->valueint == 0xFF ? -1 : user->valueint);
	else if (user)
		assert_int_equal(m.user_index, -1);
	assert_true(m.final);
}

static void test_sig_scale_frames(void **state)
{
	cJSON *all = hv_test_vectors_load("sig_stated.json");
	const cJSON *e;
	size_t checked = 0;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const cJSON *u = hv_test_item(e, "characteristic_uuid");

		if (!cJSON_IsString(u) || !owner(u->valuestring))
			continue;
		check_entry(e);
		checked++;
	}
	printf("checked %zu weight/body composition frames\n", checked);
	assert_true(checked >= 3);
	cJSON_Delete(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_scale_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
