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

#include "daemon/basic/macro.h"
#include "daemon/bluez/gatt_session.h"
#include "daemon/ingest/pipeline.h"
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

/* A reading a decoded frame must carry, to 1e-9; SF_ABSENT as the value:
 * one it must not carry. */
struct sf_reading {
	enum hv_metric metric;
	double value;
};

#define SF_ABSENT NAN

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

/* Decode f through the registry; id must claim it as a final measurement. */
static inline void sf_decode_final(const struct hv_frame *f, struct hv_measurement *m,
				   const char *id)
{
	sf_decode_as(f, m, id);
	assert_true(m->final);
}

/* Decode f through the registry; id must claim it as a live (not final)
 * measurement. */
static inline void sf_decode_live(const struct hv_frame *f, struct hv_measurement *m,
				  const char *id)
{
	sf_decode_as(f, m, id);
	assert_false(m->final);
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

/* None of the NULL-terminated ids claims f (another driver may). */
static inline void sf_assert_not_claimed_by(const struct hv_frame *f,
					    const char *const *ids)
{
	struct hv_measurement m;

	hv_test_decode(f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(ids, m.driver));
}

/* Decoded by id as a frame without a weighing: not final, no weight
 * (unlike sf_assert_control, other readings may come with it). */
static inline void sf_assert_weightless(const struct hv_measurement *m, const char *id)
{
	hv_test_assert_driver(m, id);
	assert_false(m->final);
	assert_null(hv_measurement_find(m, HV_METRIC_BODY_WEIGHT));
}

/* The reading of metric is value (to 1e-9). */
static inline void sf_assert_reading(const struct hv_measurement *m,
				     enum hv_metric metric, double value)
{
	hv_assert_near(hv_test_reading(m, metric), value, 1e-9);
}

/* m carries the scale's own time, year to minute. */
static inline void sf_assert_device_time(const struct hv_measurement *m, int year,
					 int month, int day, int hour, int minute)
{
	assert_true(m->has_device_time);
	assert_int_equal(m->device_time.year, year);
	assert_int_equal(m->device_time.month, month);
	assert_int_equal(m->device_time.day, day);
	assert_int_equal(m->device_time.hour, hour);
	assert_int_equal(m->device_time.minute, minute);
}

/* Whoever decoded m, it was not id. */
static inline void sf_assert_not_driver(const struct hv_measurement *m, const char *id)
{
	assert_true(m->driver == NULL || strcmp(m->driver, id) != 0);
}

/* --- tables of frames ------------------------------------------------------
 *
 * A family's test may list its frames with what its driver must make of
 * each (struct sf_case) and check them in one go (sf_check_cases); the
 * frames, the values and where they come from stay in the family's file.
 */

#define SF_MAX_READINGS 8

/* What the family's driver makes of a frame. */
enum sf_outcome {
	SF_OK, /* decoded, final or not */
	SF_FINAL, /* a final measurement */
	SF_LIVE, /* a measurement, not final */
	SF_CONTROL, /* a protocol frame: not final, no readings */
	SF_INVALID, /* claimed and rejected */
	SF_NOT_OURS, /* decoded by another driver, or by none */
	SF_NOT_MINE, /* decoded by no driver */
};

/*
 * A frame: the device's name, the characteristic (16-bit UUID text; NULL:
 * an advert's manufacturer data, company ID first, as hv_test_mfr), the
 * bytes as hex and how their checksum is written (as hv_test_gatt), the
 * outcome and the readings it carries. With `only`, they are all it
 * carries.
 */
struct sf_case {
	const char *name;
	const char *chr;
	const char *hex;
	enum hv_test_checksum cs;
	enum sf_outcome outcome;
	bool only;
	size_t n_readings;
	struct sf_reading readings[SF_MAX_READINGS];
};

/* The readings of an sf_case initializer: SF_READINGS({ metric, value }, …) */
#define SF_READINGS(...)                                                       \
	.n_readings = sizeof((struct sf_reading[]){ __VA_ARGS__ }) /           \
		      sizeof(struct sf_reading),                               \
	.readings = { __VA_ARGS__ }

/* m carries each of the n readings (to 1e-9), none of those SF_ABSENT;
 * returns how many it must carry. */
static inline size_t sf_assert_readings(const struct hv_measurement *m,
					const struct sf_reading *want, size_t n)
{
	size_t carried = 0;

	for (size_t i = 0; i < n; i++) {
		if (isnan(want[i].value)) {
			assert_null(hv_measurement_find(m, want[i].metric));
			continue;
		}
		hv_assert_near(hv_test_reading(m, want[i].metric), want[i].value, 1e-9);
		carried++;
	}
	return carried;
}

/* Decode c's frame through the registry into *f and *m: id's outcome is
 * c's, with c's readings. */
static inline void sf_decode_case(const struct sf_case *c, const char *id,
				  struct hv_frame *f, struct hv_measurement *m)
{
	size_t carried;

	if (c->chr)
		hv_test_gatt(f, c->name, c->chr, c->hex, c->cs);
	else
		hv_test_mfr(f, c->name, c->hex);
	switch (c->outcome) {
	case SF_OK:
		sf_decode_as(f, m, id);
		break;
	case SF_FINAL:
		sf_decode_final(f, m, id);
		break;
	case SF_LIVE:
		sf_decode_live(f, m, id);
		break;
	case SF_CONTROL:
		sf_decode_control(f, m, id);
		break;
	case SF_INVALID:
		sf_decode_invalid(f, m, id);
		break;
	case SF_NOT_OURS:
		hv_test_decode(f, m);
		sf_assert_not_driver(m, id);
		break;
	case SF_NOT_MINE:
		sf_assert_not_mine(f);
		hv_test_decode(f, m);
		break;
	}
	carried = sf_assert_readings(m, c->readings, c->n_readings);
	if (c->only)
		assert_int_equal(m->n_readings, carried);
}

/* sf_decode_case() of each of the n cases. */
static inline void sf_check_cases(const char *id, const struct sf_case *cases, size_t n)
{
	struct hv_frame f;
	struct hv_measurement m;

	for (size_t i = 0; i < n; i++)
		sf_decode_case(&cases[i], id, &f, &m);
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
 * Encode a measurement of the n readings with id's encoder, decode it
 * again through the registry under name and quirks: id claims it, final
 * and every value come back (to 1e-6).
 */
static inline void sf_roundtrip(const char *id, const char *name, bool final,
				const struct sf_reading *readings, size_t n,
				unsigned quirks)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hv_measurement_add(&in, readings[i].metric,
						    readings[i].value), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	f.quirks = quirks;
	sf_decode_as(&f, &out, id);
	assert_int_equal(out.final, final);
	for (size_t i = 0; i < n; i++)
		hv_assert_near(hv_test_reading(&out, readings[i].metric),
			       readings[i].value, 1e-6);
}

/* sf_roundtrip() of the readings listed:
 * SF_ROUNDTRIP(id, name, final, quirks, { metric, value }, …) */
#define SF_ROUNDTRIP(id, name, final, quirks, ...)                             \
	sf_roundtrip((id), (name), (final),                                    \
		     (const struct sf_reading[]){ __VA_ARGS__ },               \
		     sizeof((struct sf_reading[]){ __VA_ARGS__ }) /            \
			     sizeof(struct sf_reading),                        \
		     (quirks))

/*
 * Encode a weight (and an impedance when ohm > 0, a heart rate when hr > 0)
 * with id's encoder for target (a UUID text; NULL: the driver's default)
 * and decode it again under name: weight to 6 g, impedance and heart rate
 * to half a unit, no impedance when none was given, final kept; another
 * target and a measurement without weight are refused.
 */
static inline void sf_roundtrip_to(const char *id, const char *name, const char *target,
				   double kg, double ohm, double hr, bool final)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid t, other = hv_uuid16(0x2a9d);

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	if (hr > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_HEART_RATE, hr), 0);
	if (target)
		assert_int_equal(hv_uuid_parse(target, &t), 0);
	assert_int_equal(d->encode(&in, target ? &t : NULL, &f), 0);
	f.name = name;
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, id);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 0.006);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm, 0.51);
	else
		assert_null(hv_measurement_find(&out, HV_METRIC_IMPEDANCE));
	if (hr > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_HEART_RATE), hr, 0.51);
	assert_int_equal(out.final, final);
	assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
	hv_measurement_init(&in, id);
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL);
}

/*
 * *in: a measurement of driver id (which must exist) with a weight, and an
 * impedance when ohm > 0, ready for the driver's encoder.
 */
static inline void sf_weight_measurement(struct hv_measurement *in, const char *id,
					 bool final, double kg, double ohm)
{
	assert_non_null(hv_driver_by_id(id));
	hv_measurement_init(in, id);
	in->final = final;
	assert_int_equal(hv_measurement_add(in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(in, HV_METRIC_IMPEDANCE, ohm), 0);
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

	sf_weight_measurement(&in, id, final, kg, ohm);
	if (with_time) {
		in.has_raw_device_time = true;
		in.raw_device_time = (struct hv_datetime){ 2024, 3, 15, 8, 30, 0 };
		in.user_index = 3;
	}
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

	sf_weight_measurement(&in, id, final, kg, ohm);
	in.display_unit = unit;
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

/* --- replaying a session's frames ----------------------------------------
 *
 * Frames are decoded as a session delivers them: sf_replay() runs the
 * driver's conversation as the GATT runner does (daemon/bluez/bluez.c:
 * every value decoded by the session's driver with the session's quirks
 * and name, then handed to the step waiting on its characteristic), so
 * the scale-info and setting frames before a weight count. sf_stored()
 * then feeds what the session decoded to the pipeline, to see what a
 * weighing stores: one record, packets joined.
 */

/* 2026-08-21 12:00:00 UTC: after every capture below. */
#define SF_NOW 1787313600

#define SF_MAX_FRAMES 16

/* The user slot the Renpho app registers (0xAA). */
/* A value from the scale: the characteristic (16-bit UUID text), the
 * bytes as hex, and for frames the sources write without their checksum,
 * the checksum to write over the last byte(s). SF_TIMER in a replay: the
 * waiting step's timer fires (what the step hands on, if anything, is
 * decoded in its place). */
#define SF_TIMER { NULL, NULL, HV_CS_NONE }
struct sf_value {
	const char *chr;
	const char *hex;
	enum hv_test_checksum cs;
};

struct sf_session_run {
	struct hv_session s;
	struct hv_conv c;
	size_t n;
	struct hv_measurement m[SF_MAX_FRAMES];
	struct hv_frame f[SF_MAX_FRAMES];
	bool fed[SF_MAX_FRAMES]; /* a step took the value */
};

static inline bool sf_is_absent(const char *const *absent, const char *chr)
{
	for (; absent && *absent; absent++)
		if (strcmp(*absent, chr) == 0)
			return true;
	return false;
}

/*
 * Run the steps that need no value from the scale: subscriptions and
 * writes succeed unless their characteristic is absent; a read takes the
 * next value when it is on the read characteristic (*next advances), else
 * fails. Stops at a WAIT or the end.
 */
static inline void sf_run_to_wait(struct sf_session_run *r, const char *const *absent,
			const struct sf_value *values, size_t n, size_t *next)
{
	const struct hv_step *st;

	while ((st = hv_conv_current(&r->c)) && st->op != HV_STEP_WAIT) {
		if (sf_is_absent(absent, st->characteristic)) {
			hv_conv_step_done(&r->c, -ENOENT);
			continue;
		}
		if (st->op == HV_STEP_WRITE) {
			uint8_t buf[255];
			size_t len;

			/* What the runner would send must build. */
			if (hv_conv_write_payload(st, &r->s, buf, sizeof(buf),
						  &len) < 0 &&
			    !(st->flags & HV_STEP_OPTIONAL))
				fail_msg("step '%s' has no payload", st->what);
		}
		if (st->op == HV_STEP_READ) {
			if (*next < n && strcmp(values[*next].chr,
						st->characteristic) == 0)
				return; /* the caller feeds it */
			hv_conv_step_done(&r->c, -ENODATA);
			continue;
		}
		hv_conv_step_done(&r->c, 0);
	}
}

/* The waiting step's timer fires: r->m[i] is what it handed on decoded to
 * (no driver when it handed on nothing). */
static inline void sf_time_out(struct sf_session_run *r, const struct hv_driver *d,
			       const char *name, size_t i)
{
	struct hv_frame f = { .name = name, .has_characteristic = true };

	hv_measurement_init(&r->m[i], NULL);
	r->fed[i] = true;
	if (hv_conv_time_out(&r->c, f.value, sizeof(f.value), &f.value_len,
			     &f.characteristic) <= 0)
		return;
	f.quirks = r->s.quirks;
	f.now = SF_NOW;
	hv_measurement_init(&r->m[i], d->id);
	(void)hv_registry_decode(&f, d, &r->m[i]);
	r->f[i] = f;
}

/*
 * The session of driver `id` with the device named `name` (may be NULL)
 * receives `values` in order; r->m[i] is what values[i] decoded to.
 * *r->s may be prepared by the caller (user slot, profile) when
 * `prepared` is true.
 */
static inline void sf_replay_ex(struct sf_session_run *r, bool prepared, const char *id,
		      const char *name, const char *const *absent,
		      const struct sf_value *values, size_t n)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	size_t next = 0;

	assert_non_null(d);
	assert_non_null(d->conversation);
	assert_true(n <= SF_MAX_FRAMES);
	if (!prepared)
		hv_session_init(&r->s, SF_NOW);
	r->s.name = name;
	hv_conv_init(&r->c, d->conversation, &r->s);
	r->n = n;
	memset(r->fed, 0, sizeof(r->fed));
	sf_run_to_wait(r, absent, values, n, &next);
	while (next < n) {
		struct hv_frame f;
		size_t i = next++;

		if (!values[i].chr) {
			sf_time_out(r, d, name, i);
			sf_run_to_wait(r, absent, values, n, &next);
			continue;
		}
		hv_test_gatt(&f, name, values[i].chr, values[i].hex,
			     values[i].cs);
		f.quirks = r->s.quirks;
		f.now = SF_NOW;
		f.profile = hv_profile_complete(&r->s.profile) ? &r->s.profile :
								  NULL;
		/* The runner decodes with the session's driver alone. */
		hv_measurement_init(&r->m[i], id);
		(void)hv_registry_decode(&f, d, &r->m[i]);
		r->f[i] = f;
		if (hv_conv_waits_for(&r->c, &f.characteristic) ||
		    (hv_conv_current(&r->c) &&
		     hv_conv_current(&r->c)->op == HV_STEP_READ)) {
			(void)hv_conv_feed(&r->c, f.value, f.value_len);
			r->fed[i] = true;
		}
		sf_run_to_wait(r, absent, values, n, &next);
	}
}

static inline void sf_replay(struct sf_session_run *r, const char *id, const char *name,
		   const struct sf_value *values, size_t n)
{
	sf_replay_ex(r, false, id, name, NULL, values, n);
}

/* --- what a session stores ------------------------------------------------ */

#define SF_MAX_RECORDS 4

struct sf_sink {
	size_t n;
	struct hv_record records[SF_MAX_RECORDS];
};

/* Keep what one pipeline call emitted (the records are the pipeline's
 * until its next call). */
static inline void sf_sink_take(struct sf_sink *s, const struct hv_pipeline_output *out)
{
	for (size_t i = 0; i < out->n_records; i++) {
		assert_true(s->n < SF_MAX_RECORDS);
		s->records[s->n] = out->records[i].record;
		s->records[s->n].raw = NULL;
		s->n++;
	}
}

/*
 * Feed the session's measurements (OK ones, as the runner does) to a
 * pipeline, a second apart, then let it settle; *ret gets what it
 * emitted for storing.
 */
static inline void sf_stored(const struct sf_session_run *r, struct sf_sink *ret)
{
	struct hv_pipeline *p;
	struct hv_pipeline_output out;
	struct hv_clock_sample now = {
		.mono_usec = 1000 * USEC_PER_SEC,
		.wall_usec = (int64_t)SF_NOW * 1000000,
		.wall_known = true,
	};

	*ret = (struct sf_sink){ 0 };
	assert_int_equal(hv_pipeline_new(NULL, &p), 0);
	for (size_t i = 0; i < r->n; i++) {
		struct hv_frame f = r->f[i];

		now.mono_usec += USEC_PER_SEC;
		now.wall_usec += 1000000;
		if (r->m[i].status != HV_STATUS_OK)
			continue;
		f.address = "C8:47:8C:00:00:02";
		assert_int_equal(hv_pipeline_feed(
					 p, &f, hv_driver_by_id(r->m[i].driver),
					 &r->m[i], &now, &out),
				 0);
		sf_sink_take(ret, &out);
	}
	now.mono_usec += 120 * USEC_PER_SEC;
	now.wall_usec += 120 * 1000000LL;
	assert_int_equal(hv_pipeline_tick(p, &now, &out), 0);
	sf_sink_take(ret, &out);
	hv_pipeline_free(p);
}

static inline double sf_stored_reading(const struct hv_record *rec, enum hv_metric metric)
{
	const struct hv_reading *v = hv_measurement_find(&rec->m, metric);

	if (!v)
		fail_msg("no %s stored", hv_metric_info(metric)->name);
	return v->value;
}

static inline void sf_assert_ok(const struct hv_measurement *m, const char *id)
{
	if (m->status != HV_STATUS_OK)
		fail_msg("%s: status %d (%s)", id, m->status, m->error);
	hv_test_assert_driver(m, id);
}

static inline void sf_assert_weight(const struct hv_measurement *m, double kg)
{
	hv_assert_near(hv_test_present(m, HV_METRIC_BODY_WEIGHT), kg, 0.0051);
}

/* The session ran every step and ended well. */
static inline void sf_assert_session_done(struct sf_session_run *r)
{
	assert_null(hv_conv_current(&r->c));
	assert_int_equal(r->c.result, 0);
}

/* A stored record's reading of metric is value (to 1e-9). */
static inline void sf_assert_stored(const struct hv_record *rec, enum hv_metric metric,
				    double value)
{
	hv_assert_near(sf_stored_reading(rec, metric), value, 1e-9);
}

/* A settling weight: OK from id, not final, kg. */
static inline void sf_assert_live(const struct hv_measurement *m, const char *id,
				  double kg)
{
	sf_assert_ok(m, id);
	assert_false(m->final);
	sf_assert_weight(m, kg);
}

/* A final weight from id, kg, with packets to follow when more. */
static inline void sf_assert_final(const struct hv_measurement *m, const char *id,
				   double kg, bool more)
{
	sf_assert_ok(m, id);
	assert_true(m->final);
	if (more)
		assert_true(m->more_packets);
	sf_assert_weight(m, kg);
}

/* --- a replayed weigh-in, table-driven --------------------------------------- */

/* An ohm of struct sf_weighin_frame: the value must carry no impedance. */
#define SF_NO_IMPEDANCE (-1.0)

/*
 * A value of a weigh-in and what the session must decode from it: SF_LIVE
 * (a settling kg), SF_FINAL (the final kg, with packets to follow when
 * more) or SF_OK (decoded, nothing more said); an impedance of ohm when
 * above 0, none with SF_NO_IMPEDANCE, unchecked with 0.
 */
struct sf_weighin_frame {
	struct sf_value value;
	enum sf_outcome outcome;
	double kg;
	bool more;
	double ohm;
};

/* Replay the n frames through id's session with the device named name
 * (sf_replay); each decodes as it says. */
static inline void sf_replay_weighin(struct sf_session_run *r, const char *id,
				     const char *name,
				     const struct sf_weighin_frame *frames, size_t n)
{
	struct sf_value v[SF_MAX_FRAMES];

	assert_true(n <= SF_MAX_FRAMES);
	for (size_t i = 0; i < n; i++)
		v[i] = frames[i].value;
	sf_replay(r, id, name, v, n);
	for (size_t i = 0; i < n; i++) {
		const struct sf_weighin_frame *w = &frames[i];

		if (w->outcome == SF_LIVE)
			sf_assert_live(&r->m[i], id, w->kg);
		else if (w->outcome == SF_FINAL)
			sf_assert_final(&r->m[i], id, w->kg, w->more);
		else
			sf_assert_ok(&r->m[i], id);
		if (w->ohm > 0)
			hv_assert_near(hv_test_reading(&r->m[i], HV_METRIC_IMPEDANCE),
				       w->ohm, 1e-9);
		else if (w->ohm < 0)
			assert_null(hv_measurement_find(&r->m[i], HV_METRIC_IMPEDANCE));
	}
}

/* What the session decoded stores one weighing: kg joined with ohm. */
static inline void sf_assert_stored_weighin(const struct sf_session_run *r, double kg,
					    double ohm)
{
	struct sf_sink out;

	sf_stored(r, &out);
	assert_int_equal(out.n, 1);
	sf_assert_stored(&out.records[0], HV_METRIC_BODY_WEIGHT, kg);
	sf_assert_stored(&out.records[0], HV_METRIC_IMPEDANCE, ohm);
}

/* The session a payload test builds frames in: a fixed clock, no user
 * slot, a 44-year-old man of 1.80 m, the device named name. */
static inline struct hv_session sf_payload_session(const char *name)
{
	return (struct hv_session){
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.user_index = 0,
		.profile = sf_male44,
		.name = name,
	};
}
