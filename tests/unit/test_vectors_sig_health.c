// SPDX-License-Identifier: MIT
/*
 * Conformance of the health drivers against the frames of sig_stated.json
 * (values stated by Wireshark, Nordic's Android libraries and others), read
 * at run time from tests/vectors (HV_VECTORS overrides it; a missing file fails).
 * Every SFLOAT/FLOAT entry and every entry of 0x2A37, 0x2A35, 0x2A1C,
 * 0x2A18, 0x2A53 and 0x2A52 goes through the whole registry (or the
 * number decoders) and must give the stated values; {"valid": false}
 * entries must be rejected with an error.
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

#include "daemon/basic/hexutil.h"
#include "drivers/bytes.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"
#include "drivers/sig_racp.h"
#include "tests/fakes/vectors.h"

static bool is_invalid_entry(const cJSON *exp)
{
	return cJSON_IsFalse(hv_test_item(exp, "valid"));
}

static void check_close(const char *what, double got, double want,
			const char *name)
{
	double tol = 1e-6 + (want < 0 ? -want : want) * 1e-6;

	if (got < want - tol || got > want + tol)
		fail_msg("%s: %s = %.10g, expected %.10g", name, what, got,
			 want);
}

static enum hv_absent absent_of(const char *special)
{
	if (strcmp(special, "NaN") == 0)
		return HV_ABSENT_NAN;
	if (strcmp(special, "NRes") == 0)
		return HV_ABSENT_NRES;
	if (strcmp(special, "+INF") == 0)
		return HV_ABSENT_POS_INF;
	if (strcmp(special, "-INF") == 0)
		return HV_ABSENT_NEG_INF;
	assert_string_equal(special, "RESERVED");
	return HV_ABSENT_RESERVED;
}

static void check_number(const cJSON *e, const uint8_t *b, size_t n)
{
	const cJSON *exp = hv_test_item(e, "expected");
	bool sfloat =
		strcmp(hv_test_str(e, "characteristic_uuid"), "SFLOAT") == 0;
	const char *name = hv_test_str(e, "name");
	struct hv_ieee_number v;
	const char *special;
	double want = 0;

	assert_int_equal(n, sfloat ? 2 : 4);
	v = sfloat ? hv_sfloat_decode(hv_le16(b)) : hv_float_decode(hv_le32(b));
	special = hv_test_str(exp, "special");
	if (special) {
		assert_int_equal(v.absent, absent_of(special));
		assert_false(cJSON_IsTrue(hv_test_item(exp, "is_numeric")));
		return;
	}
	assert_int_equal(v.absent, HV_ABSENT_NONE);
	assert_true(hv_test_number(exp, "value", &want));
	check_close("value", v.value, want, name);
	if (sfloat) {
		int mant, ex;
		double dm = 0, de = 0;

		hv_sfloat_parts(hv_le16(b), &mant, &ex);
		assert_true(hv_test_number(exp, "mantissa", &dm));
		assert_true(hv_test_number(exp, "exponent", &de));
		assert_int_equal(mant, (int)dm);
		assert_int_equal(ex, (int)de);
	} else {
		int32_t mant;
		int ex;
		double dm = 0, de = 0;

		hv_float_parts(hv_le32(b), &mant, &ex);
		assert_true(hv_test_number(exp, "mantissa", &dm));
		assert_true(hv_test_number(exp, "exponent", &de));
		assert_int_equal(mant, (int32_t)dm);
		assert_int_equal(ex, (int)de);
	}
}

static const struct hv_reading *find_nth(const struct hv_measurement *m,
					 enum hv_metric metric, size_t nth)
{
	for (size_t i = 0; i < m->n_readings; i++)
		if (m->readings[i].metric == metric && nth-- == 0)
			return &m->readings[i];
	return NULL;
}

static void check_reading(const struct hv_measurement *m,
			  enum hv_metric metric, const cJSON *exp,
			  const char *key, double factor, const char *name)
{
	const struct hv_reading *rd = hv_measurement_find(m, metric);
	const cJSON *v = hv_test_item(exp, key);

	if (!v)
		return; /* not stated */
	if (cJSON_IsNull(v)) {
		if (rd)
			fail_msg("%s: %s present, expected none", name, key);
		return;
	}
	if (!rd)
		fail_msg("%s: no %s reading", name, key);
	if (cJSON_IsString(v)) { /* "NaN" */
		assert_int_equal(rd->absent, absent_of(v->valuestring));
		return;
	}
	assert_true(cJSON_IsNumber(v));
	assert_int_equal(rd->absent, HV_ABSENT_NONE);
	check_close(key, rd->value, v->valuedouble * factor, name);
}

static void check_datetime(const struct hv_measurement *m, const cJSON *t,
			   const char *name)
{
	const struct hv_datetime *dt;
	double y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;

	if (!t)
		return;
	if (cJSON_IsNull(t)) {
		if (m->has_raw_device_time)
			fail_msg("%s: device time present, expected none", name);
		return;
	}
	assert_true(m->has_raw_device_time);
	dt = &m->raw_device_time;
	assert_true(hv_test_number(t, "year", &y) &&
		    hv_test_number(t, "month", &mo) &&
		    hv_test_number(t, "day", &d) &&
		    hv_test_number(t, "hours", &h) &&
		    hv_test_number(t, "minutes", &mi) &&
		    hv_test_number(t, "seconds", &s));
	assert_int_equal(dt->year, (int)y);
	assert_int_equal(dt->month, (int)mo);
	assert_int_equal(dt->day, (int)d);
	assert_int_equal(dt->hour, (int)h);
	assert_int_equal(dt->minute, (int)mi);
	assert_int_equal(dt->second, (int)s);
}

static bool has_flag(const struct hv_measurement *m, const char *flag)
{
	return hv_measurement_has_flag(m, flag);
}

static void check_flag(const struct hv_measurement *m, const cJSON *status,
		       const char *key, const char *flag, const char *name)
{
	const cJSON *v = hv_test_item(status, key);

	if (!cJSON_IsBool(v))
		return;
	if (cJSON_IsTrue(v) != has_flag(m, flag))
		fail_msg("%s: flag %s should be %s", name, flag,
			 cJSON_IsTrue(v) ? "set" : "clear");
}

static void check_user(const struct hv_measurement *m, const cJSON *exp)
{
	const cJSON *u = hv_test_item(exp, "user_id");

	if (cJSON_IsNull(u))
		assert_int_equal(m->user_index, -1);
	else if (cJSON_IsNumber(u))
		assert_int_equal(m->user_index, u->valueint);
}

static void check_hr(const struct hv_measurement *m, const cJSON *exp,
		     const char *name)
{
	const cJSON *rr = hv_test_item(exp, "rr_intervals_raw"), *x;
	const cJSON *contact = hv_test_item(exp, "sensor_contact_detected");
	size_t i = 0;

	check_reading(m, HV_METRIC_HEART_RATE, exp, "heart_rate_bpm", 1, name);
	check_reading(m, HV_METRIC_ENERGY_EXPENDED, exp, "energy_expended_kJ",
		      1, name);
	cJSON_ArrayForEach(x, rr)
	{
		const struct hv_reading *rd =
			find_nth(m, HV_METRIC_RR_INTERVAL, i++);

		assert_non_null(rd);
		check_close("rr_interval", rd->value, x->valuedouble / 1024,
			    name);
	}
	if (rr)
		assert_null(find_nth(m, HV_METRIC_RR_INTERVAL, i));
	if (cJSON_IsFalse(hv_test_item(exp, "sensor_contact_supported"))) {
		assert_false(has_flag(m, "sensor_contact"));
		assert_false(has_flag(m, "no_sensor_contact"));
	}
	if (cJSON_IsBool(contact)) {
		assert_int_equal(has_flag(m, "sensor_contact"),
				 cJSON_IsTrue(contact));
		assert_int_equal(has_flag(m, "no_sensor_contact"),
				 !cJSON_IsTrue(contact));
		/* No skin contact: never a final reading. */
		assert_int_equal(m->final, cJSON_IsTrue(contact));
	}
}

static void check_bp(const struct hv_measurement *m, const cJSON *exp,
		     const char *name)
{
	const char *unit = hv_test_str(exp, "unit");
	const cJSON *status = hv_test_item(exp, "status");
	double f = 1, range = 0;

	assert_non_null(unit);
	if (strcmp(unit, "kPa") == 0) {
		f = 7.50062;
		assert_int_equal(m->display_unit, HV_UNIT_KPA);
	} else {
		assert_string_equal(unit, "mmHg");
		assert_int_equal(m->display_unit, HV_UNIT_MMHG);
	}
	assert_true(m->final);
	/* Readings are rounded to 0.01 mm[Hg] after conversion. */
	for (int i = 0; i < 3; i++) {
		static const char *const keys[] = { "systolic", "diastolic",
						    "mean_arterial_pressure" };
		static const enum hv_metric metrics[] = {
			HV_METRIC_SYSTOLIC_PRESSURE,
			HV_METRIC_DIASTOLIC_PRESSURE,
			HV_METRIC_MEAN_ARTERIAL_PRESSURE,
		};
		const struct hv_reading *rd = hv_measurement_find(m, metrics[i]);
		double want = 0;

		assert_true(hv_test_number(exp, keys[i], &want));
		assert_non_null(rd);
		if (rd->value < want * f - 0.005 || rd->value > want * f + 0.005)
			fail_msg("%s: %s %.4f, expected %.4f", name, keys[i],
				 rd->value, want * f);
	}
	check_reading(m, HV_METRIC_PULSE_RATE, exp, "pulse_rate_bpm", 1, name);
	check_user(m, exp);
	check_datetime(m, hv_test_item(exp, "timestamp"), name);
	check_flag(m, status, "body_movement", "body_movement", name);
	check_flag(m, status, "cuff_too_loose", "cuff_too_loose", name);
	check_flag(m, status, "irregular_pulse", "irregular_pulse", name);
	check_flag(m, status, "improper_measurement_position",
		   "improper_measurement_position", name);
	if (hv_test_number(status, "pulse_rate_range", &range)) {
		assert_int_equal(has_flag(m, "pulse_rate_above_range"),
				 range == 1);
		assert_int_equal(has_flag(m, "pulse_rate_below_range"),
				 range == 2);
	}
}

static void check_temperature(const struct hv_measurement *m,
			      const cJSON *exp, const char *name)
{
	const char *type = hv_test_str(exp, "temperature_type_name");
	const char *ctx = hv_measurement_context(m, "type");

	assert_string_equal(hv_test_str(exp, "unit"), "Cel");
	assert_int_equal(m->display_unit, HV_UNIT_CEL);
	check_reading(m, HV_METRIC_BODY_TEMPERATURE, exp, "temperature", 1,
		      name);
	check_datetime(m, hv_test_item(exp, "timestamp"), name);
	if (type) {
		char lower[32];
		size_t i;

		for (i = 0; type[i] && i + 1 < sizeof(lower); i++)
			lower[i] = (char)(type[i] | 0x20);
		lower[i] = 0;
		assert_non_null(ctx);
		assert_string_equal(ctx, lower);
	} else if (cJSON_IsNull(hv_test_item(exp, "temperature_type"))) {
		assert_null(ctx);
	}
}

static void check_glucose(const struct hv_measurement *m, const cJSON *exp,
			  const char *name)
{
	const char *unit = hv_test_str(exp, "concentration_unit");
	const cJSON *status = hv_test_item(exp, "status");
	const cJSON *ctx = hv_test_item(exp, "context_information_follows");
	const cJSON *uft = hv_test_item(exp, "user_facing_time");
	double seq = 0, type = 0, loc = 0;

	assert_true(hv_test_number(exp, "sequence_number", &seq));
	assert_int_equal(m->sequence_number, (int32_t)seq);
	if (unit && strcmp(unit, "kg/L") == 0) {
		check_reading(m, HV_METRIC_BLOOD_GLUCOSE, exp, "concentration",
			      100000 / 18.016, name);
		assert_int_equal(m->display_unit, HV_UNIT_MG_DL);
	} else if (unit) {
		assert_string_equal(unit, "mol/L");
		check_reading(m, HV_METRIC_BLOOD_GLUCOSE, exp, "concentration",
			      1000, name);
		assert_int_equal(m->display_unit, HV_UNIT_MMOL_L);
	} else {
		check_reading(m, HV_METRIC_BLOOD_GLUCOSE, exp, "concentration",
			      1, name);
	}
	/* The device time is the user-facing time (base + offset). */
	check_datetime(m, uft ? uft : hv_test_item(exp, "base_time"), name);
	if (hv_test_number(exp, "type", &type)) {
		static const char *const types[] = {
			NULL, "capillary_whole_blood", "capillary_plasma",
			"venous_whole_blood", "venous_plasma",
		};

		assert_true(type < 5);
		assert_string_equal(hv_measurement_context(m, "sample_type"),
				    types[(int)type]);
	}
	if (hv_test_number(exp, "sample_location", &loc)) {
		assert_true(loc == 1);
		assert_string_equal(hv_measurement_context(m, "sample_location"),
				    "finger");
	}
	check_flag(m, status, "device_battery_low", "device_battery_low", name);
	check_flag(m, status, "sample_size_insufficient",
		   "sample_size_insufficient", name);
	check_flag(m, status, "sensor_temperature_too_low",
		   "sensor_temperature_too_low", name);
	check_flag(m, status, "general_device_fault", "general_device_fault",
		   name);
	if (cJSON_IsBool(ctx))
		assert_int_equal(has_flag(m, "context_follows"),
				 cJSON_IsTrue(ctx));
	assert_true(m->final);
}

static void check_rsc(const struct hv_measurement *m, const cJSON *exp,
		      const char *name)
{
	const cJSON *running = hv_test_item(exp, "running");
	double raw = 0;

	check_reading(m, HV_METRIC_SPEED, exp, "speed_m_s", 1, name);
	check_reading(m, HV_METRIC_CADENCE, exp, "cadence_per_min", 1, name);
	if (cJSON_IsNull(hv_test_item(exp, "stride_length_raw")))
		assert_null(hv_measurement_find(m, HV_METRIC_STRIDE_LENGTH));
	else if (hv_test_number(exp, "stride_length_raw", &raw))
		check_close("stride",
			    hv_measurement_find(m, HV_METRIC_STRIDE_LENGTH)->value,
			    raw / 100, name);
	if (cJSON_IsNull(hv_test_item(exp, "total_distance_raw")))
		assert_null(hv_measurement_find(m, HV_METRIC_DISTANCE));
	else if (hv_test_number(exp, "total_distance_raw", &raw))
		check_close("distance",
			    hv_measurement_find(m, HV_METRIC_DISTANCE)->value,
			    raw / 10, name);
	if (cJSON_IsBool(running))
		assert_string_equal(hv_measurement_context(m, "motion"),
				    cJSON_IsTrue(running) ? "running" :
							    "walking");
}

static void check_racp(const struct hv_measurement *m, const uint8_t *b,
		       size_t n, const cJSON *exp)
{
	struct hv_racp_response r;
	double op = 0, v = 0;

	assert_int_equal(hv_racp_parse(b, n, &r), 0);
	assert_true(hv_test_number(exp, "opcode", &op));
	assert_int_equal(r.op, (int)op);
	if (hv_test_number(exp, "number_of_records", &v))
		assert_int_equal(r.count, (uint32_t)v);
	if (hv_test_number(exp, "request_opcode", &v)) {
		char want[64];
		size_t i, k = 0;
		const char *text = hv_test_str(exp, "response");

		assert_int_equal(r.request_op, (int)v);
		assert_true(hv_test_number(exp, "response_code", &v));
		assert_int_equal(r.code, (int)v);
		/* "Op Code not supported" -> "op_code_not_supported" */
		for (i = 0; text[i] && k + 1 < sizeof(want); i++)
			want[k++] = text[i] == ' ' ? '_' : (char)(text[i] | 0x20);
		want[k] = 0;
		assert_string_equal(hv_racp_code_name(r.code), want);
		assert_string_equal(hv_measurement_context(m, "racp_response"),
				    want);
	}
	assert_false(m->final);
	assert_int_equal(m->n_readings, 0);
}

static const struct {
	uint16_t uuid;
	const char *driver;
} owned[] = {
	{ 0x2A37, "sig_heart_rate" },	  { 0x2A35, "sig_blood_pressure" },
	{ 0x2A1C, "sig_temperature" },	  { 0x2A18, "sig_glucose" },
	{ 0x2A53, "sig_rsc" },		  { 0x2A52, "sig_racp" },
};

static void test_sig_stated(void **state)
{
	cJSON *all = hv_test_vectors_load("sig_stated.json");
	size_t numbers = 0, frames = 0, rejected = 0;
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const char *u = hv_test_str(e, "characteristic_uuid");
		const char *name = hv_test_str(e, "name");
		const cJSON *exp = hv_test_item(e, "expected");
		uint8_t b[HV_FRAME_DATA_MAX];
		struct hv_measurement m;
		struct hv_frame f;
		const char *driver = NULL;
		unsigned uuid = 0;
		size_t n;

		assert_int_equal(
			hv_unhex(hv_test_str(e, "hex"), b, sizeof(b), &n), 0);
		if (strcmp(u, "SFLOAT") == 0 || strcmp(u, "FLOAT") == 0) {
			check_number(e, b, n);
			numbers++;
			continue;
		}
		assert_int_equal(sscanf(u, "0x%x", &uuid), 1);
		for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
			if (owned[i].uuid == uuid)
				driver = owned[i].driver;
		if (!driver)
			continue;
		hv_frame_set_value(&f, (uint16_t)uuid, b, n);
		f.now = 1900000000; /* 2030: every stated clock is in the past */
		(void)hv_registry_decode(&f, NULL, &m);
		frames++;
		if (!m.driver || strcmp(m.driver, driver) != 0)
			fail_msg("%s: decoded by %s, expected %s", name,
				 m.driver ? m.driver : "(none)", driver);
		if (is_invalid_entry(exp)) {
			if (m.status != HV_STATUS_INVALID)
				fail_msg("%s: accepted a frame that must be rejected",
					 name);
			assert_true(strlen(m.error) > 10);
			printf("  rejected %s: %s\n", hv_test_str(e, "hex"),
			       m.error);
			rejected++;
			continue;
		}
		if (m.status != HV_STATUS_OK)
			fail_msg("%s: %s", name, m.error);
		switch (uuid) {
		case 0x2A37:
			check_hr(&m, exp, name);
			break;
		case 0x2A35:
			check_bp(&m, exp, name);
			break;
		case 0x2A1C:
			check_temperature(&m, exp, name);
			break;
		case 0x2A18:
			check_glucose(&m, exp, name);
			break;
		case 0x2A53:
			check_rsc(&m, exp, name);
			break;
		case 0x2A52:
			check_racp(&m, b, n, exp);
			break;
		default:
			break;
		}
	}
	printf("checked %zu numbers and %zu frames (%zu rejected)\n", numbers,
	       frames, rejected);
	assert_true(numbers >= 17);
	assert_true(frames >= 40);
	assert_true(rejected >= 10);
	cJSON_Delete(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_stated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
