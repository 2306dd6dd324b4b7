/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the tests of the two Huawei families, which one
 * driver source holds (drivers/huawei_ah100.c): tests/unit/
 * test_huawei_ah100.c (AH100 / Honor CH100) and test_huawei_ch100s.c
 * (Honor CH100S). Their frames are sealed with a key from the scale's
 * address, so every frame here is given one. The frames and their
 * sources are in the two test files.
 */
#pragma once

#include "tests/unit/scale_frames.h"

/* The address of openScale's fixtures (HuaweiAhCh100HandlerTest.kt) */
#define HUAWEI_MAC "5C:CA:D3:08:7B:4F"
/* 2026-09-01 00:00:00 UTC: after the fixtures' and captures' dates */
#define HUAWEI_NOW 1788220800

/* A measurement frame and what it holds (app user 1). */
struct huawei_expected {
	const char *hex;
	double kg, fat, ohm;
	struct hv_datetime time;
};

static inline void huawei_frame_of(struct hv_frame *f, const char *name,
				   const char *address, const char *hex)
{
	hv_test_gatt(f, name, "faa2", hex, HV_CS_NONE);
	f->address = address;
	f->now = HUAWEI_NOW;
}

static inline void huawei_assert_expected(const struct hv_measurement *m,
					  const char *id,
					  const struct huawei_expected *e)
{
	hv_test_assert_driver(m, id);
	assert_true(m->final);
	assert_int_equal(m->user_index, 1);
	hv_assert_near(hv_test_reading(m, HV_METRIC_BODY_WEIGHT), e->kg, 1e-9);
	hv_assert_near(hv_test_reading(m, HV_METRIC_BODY_FAT_PERCENT), e->fat,
		       1e-9);
	hv_assert_near(hv_test_reading(m, HV_METRIC_IMPEDANCE), e->ohm, 1e-9);
	assert_true(m->has_device_time);
	assert_int_equal(m->device_time.year, e->time.year);
	assert_int_equal(m->device_time.month, e->time.month);
	assert_int_equal(m->device_time.day, e->time.day);
	assert_int_equal(m->device_time.hour, e->time.hour);
	assert_int_equal(m->device_time.minute, e->time.minute);
	assert_int_equal(m->device_time.second, e->time.second);
}

static inline void huawei_assert_invalid(const struct hv_measurement *m,
					 const char *id, const char *error_part)
{
	assert_int_equal(m->status, HV_STATUS_INVALID);
	assert_string_equal(m->driver, id);
	assert_non_null(strstr(m->error, error_part));
}

static inline void huawei_assert_control(const struct hv_measurement *m,
					 const char *id, const char *what)
{
	hv_test_assert_driver(m, id);
	assert_false(m->final);
	assert_int_equal(m->n_readings, 0);
	assert_int_equal(m->n_context, 1);
	assert_string_equal(m->context_value[0], what);
}

/* Selection by name: the driver each name selects, NULL for none of the
 * Huawei ones. */
struct huawei_name_case {
	const char *name;
	const char *id;
};

static inline void huawei_assert_selection(const struct huawei_name_case *cases,
					   size_t n)
{
	struct hv_frame f;
	const struct hv_driver *d;

	for (size_t i = 0; i < n; i++) {
		f = (struct hv_frame){ .name = cases[i].name };
		d = hv_registry_select(&f);
		if (cases[i].id)
			assert_ptr_equal(d, hv_driver_by_id(cases[i].id));
		else if (d)
			assert_true(strncmp(d->id, "huawei_", 7) != 0);
	}
}

static inline void huawei_roundtrip(const char *id, const char *name,
				    unsigned quirks, int user, double kg,
				    double fat, double ohm)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f = { .address = HUAWEI_MAC, .quirks = quirks };
	struct hv_uuid other = hv_uuid16(0xfaa1);

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = true;
	in.user_index = user;
	in.has_raw_device_time = true;
	in.raw_device_time = (struct hv_datetime){ 2026, 4, 2, 6, 5, 4 };
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (fat > 0)
		assert_int_equal(hv_measurement_add(
					 &in, HV_METRIC_BODY_FAT_PERCENT, fat),
				 0);
	if (ohm > 0)
		assert_int_equal(
			hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	assert_string_equal(f.address, HUAWEI_MAC);
	f.name = name;
	f.now = HUAWEI_NOW;
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, id);
	assert_true(out.final);
	assert_int_equal(out.user_index, user);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 1e-9);
	if (fat > 0)
		hv_assert_near(
			hv_test_reading(&out, HV_METRIC_BODY_FAT_PERCENT), fat,
			1e-9);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm,
			       1e-9);
	else
		assert_null(hv_measurement_find(&out, HV_METRIC_IMPEDANCE));
	assert_int_equal(out.raw_device_time.year, 2026);
	assert_int_equal(out.raw_device_time.second, 4);

	assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
	f = (struct hv_frame){ 0 };
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL); /* no address */
	f = (struct hv_frame){ .address = HUAWEI_MAC };
	hv_measurement_init(&in, id);
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL); /* no weight */
}

/* id's encoder gives back e's frame byte for byte (the weekday included). */
static inline void huawei_assert_encodes_to(const char *id,
					    const struct huawei_expected *e)
{
	struct hv_measurement in;
	struct hv_frame f;
	char hex[64];

	hv_measurement_init(&in, id);
	in.final = true;
	in.user_index = 1;
	in.has_raw_device_time = true;
	in.raw_device_time = e->time;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, e->kg),
			 0);
	assert_int_equal(
		hv_measurement_add(&in, HV_METRIC_BODY_FAT_PERCENT, e->fat), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, e->ohm),
			 0);
	f = (struct hv_frame){ .address = HUAWEI_MAC };
	assert_int_equal(hv_driver_by_id(id)->encode(&in, NULL, &f), 0);
	assert_int_equal(f.value_len, 19);
	for (size_t j = 0; j < f.value_len; j++)
		sprintf(hex + 2 * j, "%02x", f.value[j]);
	assert_string_equal(hex, e->hex);
}

static inline struct hv_session huawei_session(const char *name)
{
	return (struct hv_session){
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.day_of_week = 5,
		.user_index = -1,
		.profile = sf_male44,
		.name = name,
		.address = HUAWEI_MAC,
		.last_sequence = -1,
		.records_expected = -1,
	};
}

/* Run the conversation as the runner does, the scale answering with
 * `values` (on 0xFAA2) whenever a step waits; returns what the session
 * decoded from the measurement value (the last one fed). */
static inline int huawei_run_session(const char *id, struct hv_session *s,
				     const char *const *values,
				     struct hv_measurement *ret)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_conv c;
	const struct hv_step *st;
	size_t next = 0;
	unsigned writes = 0;

	hv_conv_init(&c, d->conversation, s);
	while ((st = hv_conv_current(&c))) {
		struct hv_frame f;
		uint8_t buf[64];
		size_t len;

		if (st->op != HV_STEP_WAIT) {
			if (st->op == HV_STEP_WRITE) {
				int r = hv_conv_write_payload(
					st, s, buf, sizeof(buf), &len);

				if (r < 0 && !(st->flags & HV_STEP_OPTIONAL))
					fail_msg("step '%s': %d", st->what, r);
				writes++;
			}
			hv_conv_step_done(&c, 0);
			continue;
		}
		if (!values[next]) {
			hv_conv_step_done(&c, -ETIMEDOUT);
			continue;
		}
		huawei_frame_of(&f, s->name, s->address, values[next++]);
		/* the runner decodes every value with the session's quirks */
		f.quirks = s->quirks;
		hv_measurement_init(ret, id);
		assert_true(hv_driver_by_id(id)->decode(&f, ret) >= 0 ||
			    ret->status == HV_STATUS_INVALID);
		(void)hv_conv_feed(&c, f.value, f.value_len);
	}
	assert_true(writes > 0);
	return c.result;
}
