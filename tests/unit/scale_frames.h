/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the per-family scale tests (tests/unit/test_<driver>.c):
 * decode a frame through the registry and check who claimed it and how,
 * check one reading, build the session a conversation runs in, check a
 * write step's bytes, encode-and-decode round trips. Static inline so each
 * test binary takes only what it uses.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const struct hv_profile sf_male44 = { .height_m = 1.80, .age_years = 44,
					     .sex = HV_SEX_MALE };
static const struct hv_profile sf_female35 = { .height_m = 1.65, .age_years = 35,
					       .sex = HV_SEX_FEMALE };
static const struct hv_profile sf_female30 = { .height_m = 1.67, .age_years = 30,
					       .sex = HV_SEX_FEMALE };
static const struct hv_profile sf_male35 = { .height_m = 1.80, .age_years = 35,
					     .sex = HV_SEX_MALE };

/* Claimed by id and rejected: status invalid with a reason. */
static inline void sf_assert_invalid(const struct hv_measurement *m, const char *id)
{
	assert_int_equal(m->status, HV_STATUS_INVALID);
	assert_string_equal(m->driver, id);
	assert_true(m->error[0] != 0);
}

/* Decoded by id as a protocol frame: OK, not final, no readings. */
static inline void sf_assert_control(const struct hv_measurement *m, const char *id)
{
	hv_test_assert_driver(m, id);
	assert_false(m->final);
	assert_int_equal(m->n_readings, 0);
}

/* Decode f through the registry; id must claim it and decode it. */
static inline void sf_decode_as(const struct hv_frame *f, struct hv_measurement *m,
				const char *id)
{
	hv_test_decode(f, m);
	hv_test_assert_driver(m, id);
}

/* Decode f through the registry; id must take it as a protocol frame. */
static inline void sf_decode_control(const struct hv_frame *f,
				     struct hv_measurement *m, const char *id)
{
	hv_test_decode(f, m);
	sf_assert_control(m, id);
}

/* Decode f through the registry; id must claim it and reject it. */
static inline void sf_decode_invalid(const struct hv_frame *f,
				     struct hv_measurement *m, const char *id)
{
	hv_test_decode(f, m);
	sf_assert_invalid(m, id);
}

/* No driver claims f. */
static inline void sf_assert_not_mine(const struct hv_frame *f)
{
	struct hv_measurement m;

	hv_test_decode(f, &m);
	if (m.status != HV_STATUS_NOT_MINE)
		fail_msg("claimed by %s", m.driver ? m.driver : "?");
}

/* id is one of the NULL-terminated ids. */
static inline bool sf_is_listed(const char *const *ids, const char *id)
{
	for (const char *const *d = ids; id && *d; d++)
		if (strcmp(*d, id) == 0)
			return true;
	return false;
}

/* The reading of metric is value (to 1e-9). */
static inline void sf_assert_reading(const struct hv_measurement *m,
				     enum hv_metric metric, double value)
{
	hv_assert_near(hv_test_reading(m, metric), value, 1e-9);
}

/* Whoever decoded m, it was not id. */
static inline void sf_assert_not_driver(const struct hv_measurement *m, const char *id)
{
	assert_true(m->driver == NULL || strcmp(m->driver, id) != 0);
}

/* The session a conversation test runs in: a fixed clock, user 3. */
static inline struct hv_session sf_session(const char *name)
{
	return (struct hv_session){
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.day_of_week = 5,
		.user_index = 3,
		.profile = sf_male44,
		.name = name,
		.last_sequence = -1,
		.records_expected = -1,
	};
}

/* A write step's static bytes are exactly expect (hex). */
static inline void sf_assert_step_bytes(const char *id, const char *what,
					const char *expect)
{
	const struct hv_step *st = hv_test_find_step(id, what, NULL);
	char hex[2 * 64 + 1] = "";

	assert_int_equal(st->op, HV_STEP_WRITE);
	assert_non_null(st->bytes);
	assert_true(st->n_bytes <= 64);
	for (size_t i = 0; i < st->n_bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", st->bytes[i]);
	assert_string_equal(hex, expect);
}

/*
 * Encode a measurement of n metrics with id's encoder, decode it again
 * through the registry under name and quirks: id claims it, final and
 * every value come back (to 1e-6).
 */
static inline void sf_roundtrip(const char *id, const char *name, bool final,
				const enum hv_metric *metrics, const double *values,
				size_t n, unsigned quirks)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hv_measurement_add(&in, metrics[i], values[i]), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	f.quirks = quirks;
	sf_decode_as(&f, &out, id);
	assert_int_equal(out.final, final);
	for (size_t i = 0; i < n; i++)
		hv_assert_near(hv_test_reading(&out, metrics[i]), values[i], 1e-6);
}

/*
 * Encode a weight (and an impedance when ohm > 0, a heart rate when hr > 0,
 * the record's time and user when with_time) with id's encoder and decode
 * it again under name and quirks: weight to 6 g, impedance and heart rate
 * to half a unit, final, time and user kept; another target and a
 * measurement without weight are refused.
 */
static inline void sf_roundtrip_body(const char *id, const char *name, double kg,
				     double ohm, double hr, bool final, bool with_time,
				     unsigned quirks)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid other = hv_uuid16(0x2a9d);

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	if (with_time) {
		in.has_raw_device_time = true;
		in.raw_device_time = (struct hv_datetime){ 2024, 3, 15, 8, 30, 0 };
		in.user_index = 3;
	}
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	if (hr > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_HEART_RATE, hr), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	f.quirks |= quirks;
	sf_decode_as(&f, &out, id);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 0.006);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm, 0.51);
	if (hr > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_HEART_RATE), hr, 0.51);
	assert_int_equal(out.final, final);
	if (with_time) {
		assert_int_equal(out.raw_device_time.year, 2024);
		assert_int_equal(out.raw_device_time.minute, 30);
		assert_int_equal(out.user_index, 3);
	}
	assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
	/* nothing to encode without a weight */
	hv_measurement_init(&in, id);
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL);
}

/* sf_roundtrip_body() of a weight and an impedance only. */
static inline void sf_roundtrip_weight(const char *id, const char *name, double kg,
				       double ohm, bool final)
{
	sf_roundtrip_body(id, name, kg, ohm, 0, final, false, 0);
}

/*
 * Encode a weight (and an impedance when ohm > 0) shown in unit with id's
 * encoder and decode it again under name: weight to 51 g (a display unit's
 * resolution), impedance to half an ohm, final kept when keeps_final (a
 * driver whose frames do not carry it marks its own); another target is
 * refused.
 */
static inline void sf_roundtrip_display(const char *id, const char *name, double kg,
					double ohm, bool final,
					enum hv_display_unit unit, bool keeps_final)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid other = hv_uuid16(0x2a9d);

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	in.display_unit = unit;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	sf_decode_as(&f, &out, id);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 0.051);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm, 0.51);
	if (keeps_final)
		assert_int_equal(out.final, final);
	assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
}
