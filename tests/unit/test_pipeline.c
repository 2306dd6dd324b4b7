// SPDX-License-Identifier: MIT
/* The pipeline: weigh-in sessions, repeats, strays, joins, ids and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "daemon/ingest/pipeline.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"

#define ADDR "C8:47:8C:00:00:01"
#define MAX_RECORDS 16

/* What the store would keep: each id once. */
struct sink {
	size_t n;
	struct hv_record records[MAX_RECORDS];
};

static struct sink *sink_now; /* the sink of the pipeline under test */

static void sink_take(const struct hv_pipeline_output *out)
{
	struct sink *s = sink_now;

	for (size_t k = 0; k < out->n_records; k++) {
		const struct hv_pipeline_record *o = &out->records[k];
		bool seen = false;

		/* the frame it came from travels with it */
		assert_ptr_equal(o->record.raw, &o->frame);
		assert_string_equal(o->frame.address, o->record.device_address);
		for (size_t i = 0; i < s->n; i++)
			seen |= strcmp(s->records[i].id, o->record.id) == 0;
		if (seen)
			continue;
		assert_true(s->n < MAX_RECORDS);
		s->records[s->n] = o->record;
		s->records[s->n].raw = NULL;
		s->n++;
	}
}

static int pnew(const struct hv_pipeline_settings *settings, struct sink *s,
		struct hv_pipeline **ret)
{
	sink_now = s;
	return hv_pipeline_new(settings, ret);
}

static int pfeed(struct hv_pipeline *p, const struct hv_frame *f,
		 const struct hv_driver *d, const struct hv_measurement *m,
		 const struct hv_clock_sample *now)
{
	struct hv_pipeline_output out;
	int r = hv_pipeline_feed(p, f, d, m, now, &out);

	if (r >= 0)
		sink_take(&out);
	return r;
}

static int ptick(struct hv_pipeline *p, const struct hv_clock_sample *now,
		 uint64_t *ret_next)
{
	struct hv_pipeline_output out;
	int r = hv_pipeline_tick(p, now, &out);

	if (r >= 0) {
		sink_take(&out);
		if (ret_next)
			*ret_next = out.next_usec;
	}
	return r;
}

static int pflush(struct hv_pipeline *p, const struct hv_clock_sample *now)
{
	struct hv_pipeline_output out;
	int r = hv_pipeline_flush(p, now, &out);

	if (r >= 0)
		sink_take(&out);
	return r;
}

static struct hv_clock_sample clock_at(double seconds)
{
	return (struct hv_clock_sample){
		.mono_usec = (uint64_t)(seconds * 1e6) + 1000 * USEC_PER_SEC,
		.wall_usec = 1763800000LL * 1000000 + (int64_t)(seconds * 1e6),
		.wall_known = true,
		.utc_offset_s = 3600,
	};
}

/* Decode a service-data frame through the registry and feed it. */
static int feed_hex(struct hv_pipeline *p, const char *uuid_hex, double t)
{
	struct hv_clock_sample now = clock_at(t);
	struct hv_frame f = { .address = ADDR };
	struct hv_measurement m;

	assert_int_equal(hv_frame_add_service_data(&f, uuid_hex), 0);
	f.now = now.wall_usec / 1000000;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	return pfeed(p, &f, hv_driver_by_id(m.driver), &m, &now);
}

/* A Mi v1 frame built by the driver's own encoder. */
static void mi_frame(char *out, size_t size, double kg, bool stable,
		     bool removed)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_measurement m;
	struct hv_frame f;
	char hex[32];

	hv_measurement_init(&m, d->id);
	m.final = stable;
	m.load_removed = removed;
	m.display_unit = HV_UNIT_KG;
	m.has_raw_device_time = true;
	m.raw_device_time = (struct hv_datetime){ 1970, 1, 1, 0, 0, 0 };
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, kg), 0);
	assert_int_equal(d->encode(&m, NULL, &f), 0);
	hv_hex(f.service_data[0].data, f.service_data[0].len, hex);
	(void)snprintf(out, size, "181d:%s", hex);
}

static void test_one_weighin_one_measurement(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	char live1[64], live2[64], stable[64], removed[64];
	double t = 0, first_stable;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(live1, sizeof(live1), 40.2, false, false);
	mi_frame(live2, sizeof(live2), 71.9, false, false);
	mi_frame(stable, sizeof(stable), 72.4, true, false);
	mi_frame(removed, sizeof(removed), 72.4, true, true);

	assert_int_equal(feed_hex(p, live1, t += 0.3), 0);
	assert_int_equal(feed_hex(p, live2, t += 0.3), 0);
	first_stable = t + 0.3;
	for (int i = 0; i < 6; i++)
		assert_int_equal(feed_hex(p, stable, t += 0.3), 0);
	assert_int_equal(s.n, 0); /* not yet: the person is still on */
	for (int i = 0; i < 20; i++)
		assert_int_equal(feed_hex(p, removed, t += 0.5), 0);
	assert_int_equal(s.n, 1);
	assert_true(fabs(s.records[0].m.readings[0].value - 72.4) < 0.01);
	assert_true(s.records[0].m.final);
	assert_int_equal(strlen(s.records[0].id), 32);
	/* Receive time (the clock says 1970) of the first stable frame. */
	assert_int_equal(s.records[0].time_usec, clock_at(first_stable).wall_usec);
	assert_int_equal(hv_pipeline_stats(p)->ignored_live, 2);
	hv_pipeline_free(p);
}

static void test_quiet_time_ends_weighin(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now;
	char stable[64];
	uint64_t next;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(stable, sizeof(stable), 80.0, true, false);
	assert_int_equal(feed_hex(p, stable, 1.0), 0);
	assert_int_equal(feed_hex(p, stable, 1.5), 0);
	now = clock_at(5);
	assert_int_equal(ptick(p, &now, &next), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(next, clock_at(11.5).mono_usec);
	now = clock_at(11.5);
	assert_int_equal(ptick(p, &now, &next), 0);
	assert_int_equal(s.n, 1);
	hv_pipeline_free(p);
}

/* Each call says when the pipeline next has work, so the daemon sleeps until
 * then: the quiet time of a weigh-in, the linger after it, nothing idle. */
static void test_calls_tell_the_next_deadline(void **state)
{
	struct hv_pipeline *p;
	struct hv_pipeline_output out;
	struct hv_clock_sample now = clock_at(1);
	struct sink s = { 0 };
	struct hv_frame f = { .address = ADDR };
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_measurement m;
	char stable[64];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	assert_int_equal(hv_pipeline_next_usec(p, &now), UINT64_MAX);
	mi_frame(stable, sizeof(stable), 80.0, true, false);
	assert_int_equal(hv_frame_add_service_data(&f, stable), 0);
	hv_measurement_init(&m, d->id);
	assert_int_equal(d->decode(&f, &m), 0);
	assert_int_equal(hv_pipeline_feed(p, &f, d, &m, &now, &out), 0);
	assert_int_equal(out.n_records, 0);
	assert_int_equal(out.next_usec, clock_at(11).mono_usec);
	/* At the deadline: emitted, and the linger ends 90 s later. */
	now = clock_at(11);
	assert_int_equal(hv_pipeline_tick(p, &now, &out), 0);
	assert_int_equal(out.n_records, 1);
	assert_true(fabs(out.records[0].record.m.readings[0].value - 80.0) < 0.01);
	assert_int_equal(out.next_usec, clock_at(101).mono_usec);
	now = clock_at(101);
	assert_int_equal(hv_pipeline_tick(p, &now, &out), 0);
	assert_int_equal(out.n_records, 0);
	assert_int_equal(out.next_usec, UINT64_MAX);
	/* Held for the clock: looked at again, only while something waits. */
	now.wall_known = false;
	assert_int_equal(hv_pipeline_feed(p, &f, d, &m, &now, &out), 0);
	assert_int_equal(hv_pipeline_flush(p, &now, &out), 0);
	assert_int_equal(hv_pipeline_stats(p)->pending, 1);
	assert_int_equal(out.next_usec, now.mono_usec + 10 * USEC_PER_SEC);
	now = clock_at(200);
	assert_int_equal(hv_pipeline_tick(p, &now, &out), 0);
	assert_int_equal(out.n_records, 1);
	assert_int_equal(out.next_usec, UINT64_MAX);
	hv_pipeline_free(p);
}

static void test_stray_and_repeat_after_stepoff(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	char stable[64], removed[64], stray[64];
	struct hv_clock_sample now;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(stable, sizeof(stable), 65.3, true, false);
	mi_frame(removed, sizeof(removed), 65.3, true, true);
	mi_frame(stray, sizeof(stray), 3.2, true, false);
	assert_int_equal(feed_hex(p, stable, 1), 0);
	assert_int_equal(feed_hex(p, removed, 2), 0);
	assert_int_equal(s.n, 1);
	/* the scale keeps advertising the final value, then a stray value */
	assert_int_equal(feed_hex(p, stable, 20), 0);
	assert_int_equal(feed_hex(p, removed, 25), 0);
	assert_int_equal(feed_hex(p, stray, 30), 0);
	now = clock_at(45);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(hv_pipeline_stats(p)->ignored_repeat, 2);
	assert_int_equal(hv_pipeline_stats(p)->ignored_stray, 1);
	hv_pipeline_free(p);
}

static void test_two_people_in_a_row(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	char a[64], a_off[64], b[64], b_off[64];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(a, sizeof(a), 72.4, true, false);
	mi_frame(a_off, sizeof(a_off), 72.4, true, true);
	mi_frame(b, sizeof(b), 58.1, true, false);
	mi_frame(b_off, sizeof(b_off), 58.1, true, true);
	assert_int_equal(feed_hex(p, a, 1), 0);
	assert_int_equal(feed_hex(p, a_off, 2), 0);
	assert_int_equal(feed_hex(p, b, 6), 0);
	assert_int_equal(feed_hex(p, b_off, 7), 0);
	assert_int_equal(s.n, 2);
	assert_string_not_equal(s.records[0].id, s.records[1].id);
	hv_pipeline_free(p);
}

static void test_clock_unknown_holds_then_dates(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now = clock_at(1);
	struct hv_frame f = { .address = ADDR };
	struct hv_measurement m;
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	char stable[64];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(stable, sizeof(stable), 90.0, true, true);
	assert_int_equal(hv_frame_add_service_data(&f, stable), 0);
	assert_int_equal(d->decode(&f, (hv_measurement_init(&m, d->id), &m)), 0);
	now.wall_known = false;
	now.wall_usec = 0; /* a Pi without RTC: 1970 */
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(hv_pipeline_stats(p)->pending, 1);
	now = clock_at(61);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 1);
	/* dated by its age on the monotonic clock, never 1970 */
	assert_int_equal(s.records[0].time_usec, clock_at(1).wall_usec);
	hv_pipeline_free(p);
}

/* A Mi v1 weigh-in (load removed) whose scale clock reads `clock`. */
static void mi_clocked(const struct hv_datetime *clock,
		       const struct hv_clock_sample *now, struct hv_frame *ret,
		       struct hv_measurement *ret_m)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_measurement m;
	struct hv_frame f;

	hv_measurement_init(&m, d->id);
	m.final = true;
	m.load_removed = true;
	m.has_raw_device_time = true;
	m.raw_device_time = *clock;
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 70), 0);
	assert_int_equal(d->encode(&m, NULL, &f), 0);
	*ret = (struct hv_frame){ .address = ADDR, .n_service_data = 1 };
	ret->service_data[0] = f.service_data[0];
	ret->now = now->wall_usec / 1000000;
	hv_measurement_init(ret_m, d->id);
	assert_int_equal(d->decode(ret, ret_m), 0);
	assert_true(ret_m->has_device_time);
}

/* A live weigh-in takes the scale's clock only when it agrees with the
 * gateway's: a never-set clock is plausible but hours or months off. */
static void test_live_device_clock_only_when_it_agrees(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now = clock_at(1);
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_datetime near;
	struct hv_measurement dec;
	struct hv_frame in;
	int64_t near_unix;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	/* months off: the receive time */
	mi_clocked(&(struct hv_datetime){ 2025, 6, 1, 7, 30, 0 }, &now, &in,
		   &dec);
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.records[0].time_usec, now.wall_usec);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_RECEIVED);
	/* the same frame replayed from a capture: the replay's receive time
	 * means nothing, the scale's clock is the witness */
	{
		struct hv_pipeline *p2;
		struct sink s2 = { 0 };

		assert_int_equal(pnew(NULL, &s2, &p2), 0);
		now.replay = true;
		assert_int_equal(pfeed(p2, &in, d, &dec, &now), 0);
		assert_int_equal(s2.n, 1);
		assert_int_equal(s2.records[0].time_usec,
				 (hv_datetime_to_unix(&(struct hv_datetime){ 2025, 6, 1, 6, 30, 0 })) *
					 (int64_t)USEC_PER_SEC);
		hv_pipeline_free(p2);
		now.replay = false;
		sink_now = &s;
	}
	/* four minutes slow, in local time (UTC+1): the scale's clock */
	near_unix = now.wall_usec / 1000000 - 240;
	hv_datetime_from_unix(near_unix + 3600, &near);
	now = clock_at(200);
	mi_clocked(&near, &now, &in, &dec);
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.records[1].time_usec, near_unix * (int64_t)USEC_PER_SEC);
	assert_string_equal(s.records[1].time_source, HV_TIME_SOURCE_DEVICE);
	hv_pipeline_free(p);
}

/* A record from the device's memory (GATT) keeps the device's clock,
 * however old: it is the only witness of when it happened. */
static void test_device_clock_used_for_stored_records(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now = clock_at(1);
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_measurement dec;
	struct hv_frame in;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_clocked(&(struct hv_datetime){ 2025, 6, 1, 7, 30, 0 }, &now, &in,
		   &dec);
	in.has_characteristic = true;
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	/* 07:30 local at UTC+1 is 06:30Z */
	assert_int_equal(s.records[0].time_usec,
			 (hv_datetime_to_unix(&(struct hv_datetime){ 2025, 6, 1, 6, 30, 0 })) *
				 (int64_t)USEC_PER_SEC);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_DEVICE);
	/* the same event seen again (a restart, a second adapter): same id */
	{
		struct hv_pipeline *p2;
		struct sink s2 = { 0 };

		assert_int_equal(pnew(NULL, &s2, &p2), 0);
		now = clock_at(500);
		assert_int_equal(pfeed(p2, &in, d, &dec, &now), 0);
		assert_int_equal(s2.n, 1);
		assert_string_equal(s2.records[0].id, s.records[0].id);
		hv_pipeline_free(p2);
	}
	hv_pipeline_free(p);
}

/* A device whose clock, read on the same connection, is 3 h slow: its
 * stored records move by the offset measured then, and say so; a clock
 * within the tolerance is taken as it is. */
static void test_stored_records_corrected_by_clock_read(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now = clock_at(1);
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	const int64_t slow = 3 * 3600;
	/* the gateway read the device's clock at 10 s; local time is UTC+1 */
	const int64_t read_unix = now.wall_usec / 1000000 + 10;
	struct hv_datetime record_clock = { 2025, 6, 1, 7, 30, 0 };
	struct hv_datetime clock;
	struct hv_measurement dec;
	struct hv_frame in;
	char first_id[sizeof(s.records[0].id)];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_clocked(&record_clock, &now, &in, &dec);
	in.has_characteristic = true;
	hv_datetime_from_unix(read_unix + 3600 - slow, &clock);
	in.has_device_clock = true;
	in.device_clock = clock;
	in.device_clock_read_usec = read_unix * (int64_t)USEC_PER_SEC;
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	/* 07:30 local at UTC+1 is 06:30Z by the device's clock: 09:30Z */
	assert_int_equal(s.records[0].time_usec,
			 (hv_datetime_to_unix(&(struct hv_datetime){ 2025, 6, 1, 9, 30, 0 })) *
				 (int64_t)USEC_PER_SEC);
	assert_string_equal(s.records[0].time_source,
			    HV_TIME_SOURCE_DEVICE_CORRECTED);
	/* both clocks at the read travel with the record (UTC) */
	assert_true(s.records[0].has_clock_read);
	assert_false(s.records[0].clock_read_fault);
	assert_int_equal(s.records[0].clock_read_gateway_usec,
			 read_unix * (int64_t)USEC_PER_SEC);
	assert_int_equal(s.records[0].clock_read_device_usec,
			 (read_unix - slow) * (int64_t)USEC_PER_SEC);
	(void)snprintf(first_id, sizeof(first_id), "%s", s.records[0].id);
	hv_pipeline_free(p);

	/* read four minutes slow: within the tolerance, the device's clock */
	assert_int_equal(pnew(NULL, &s, &p), 0);
	s.n = 0;
	hv_datetime_from_unix(read_unix + 3600 - 240, &clock);
	in.device_clock = clock;
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.records[0].time_usec,
			 (hv_datetime_to_unix(&(struct hv_datetime){ 2025, 6, 1, 6, 30, 0 })) *
				 (int64_t)USEC_PER_SEC);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_DEVICE);
	/* the correction moves the time, not the event: the same id */
	assert_string_equal(s.records[0].id, first_id);
	assert_true(s.records[0].has_clock_read);
	hv_pipeline_free(p);

	/* an unset clock read (2000-01-01): a time fault, nothing to correct
	 * by; the record keeps its own clock */
	assert_int_equal(pnew(NULL, &s, &p), 0);
	s.n = 0;
	in.device_clock = (struct hv_datetime){ 2000, 1, 1, 0, 0, 0 };
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_DEVICE);
	assert_true(s.records[0].has_clock_read);
	assert_true(s.records[0].clock_read_fault);
	hv_pipeline_free(p);

	/* a stored value without a timestamp of its own is dated on receipt:
	 * the clock read says nothing about it (the IG's Case 1) */
	assert_int_equal(pnew(NULL, &s, &p), 0);
	s.n = 0;
	hv_datetime_from_unix(read_unix + 3600 - slow, &clock);
	in.device_clock = clock;
	{
		struct hv_measurement untimed = dec;

		untimed.has_device_time = false;
		untimed.has_raw_device_time = false;
		assert_int_equal(pfeed(p, &in, d, &untimed, &now), 0);
	}
	assert_int_equal(s.n, 1);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_RECEIVED);
	assert_false(s.records[0].has_clock_read);
	hv_pipeline_free(p);

	/* read while the gateway's clock was not synchronised: nothing to
	 * compare with, the record keeps its own clock */
	assert_int_equal(pnew(NULL, &s, &p), 0);
	s.n = 0;
	now.wall_known = false;
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	now.wall_known = true;
	assert_int_equal(s.n, 1);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_DEVICE);
	assert_false(s.records[0].has_clock_read);
	hv_pipeline_free(p);

	/* a live advert never carries a clock read */
	assert_int_equal(pnew(NULL, &s, &p), 0);
	s.n = 0;
	in.has_characteristic = false;
	hv_datetime_from_unix(read_unix + 3600 - slow, &clock);
	in.device_clock = clock;
	assert_int_equal(pfeed(p, &in, d, &dec, &now), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.records[0].time_source, HV_TIME_SOURCE_RECEIVED);
	assert_false(s.records[0].has_clock_read);
	hv_pipeline_free(p);
}

static void test_object_weighing_ignored(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now = clock_at(1);
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_measurement m;
	struct hv_frame f;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	hv_measurement_init(&m, d->id);
	m.final = true;
	m.load_removed = true;
	m.subject = HV_SUBJECT_OBJECT;
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 9.55), 0);
	assert_int_equal(d->encode(&m, NULL, &f), 0);
	f.address = ADDR;
	assert_int_equal(d->decode(&f, (hv_measurement_init(&m, d->id), &m)), 0);
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
	assert_int_equal(pflush(p, &now), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(hv_pipeline_stats(p)->ignored_object, 1);
	hv_pipeline_free(p);
}

static void test_ids_are_stable_and_distinct(void **state)
{
	char a[HV_ID_MAX], b[HV_ID_MAX], c[HV_ID_MAX];

	(void)state;
	hv_measurement_id("d", "AA", "seq:1", a);
	hv_measurement_id("d", "AA", "seq:1", b);
	hv_measurement_id("d", "AA", "seq:2", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}


static void feed_weight_clock_unknown(struct hv_pipeline *p, double kg, double t)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_clock_sample now = clock_at(t);
	struct hv_frame f = { .address = ADDR };
	struct hv_measurement m;
	char frame[64];

	mi_frame(frame, sizeof(frame), kg, true, true);
	assert_int_equal(hv_frame_add_service_data(&f, frame), 0);
	hv_measurement_init(&m, d->id);
	assert_int_equal(d->decode(&f, &m), 0);
	now.wall_known = false;
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
}

static void test_held_queue_is_bounded_oldest_first(void **state)
{
	struct hv_pipeline_settings settings;
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_clock_sample now;

	(void)state;
	hv_pipeline_settings_default(&settings);
	settings.pending_max = 2;
	assert_int_equal(pnew(&settings, &s, &p), 0);
	feed_weight_clock_unknown(p, 60.0, 1);
	feed_weight_clock_unknown(p, 70.0, 2);
	feed_weight_clock_unknown(p, 80.0, 3);
	assert_int_equal(hv_pipeline_stats(p)->pending, 2);
	assert_int_equal(hv_pipeline_stats(p)->pending_dropped, 1);
	now = clock_at(10);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_true(fabs(s.records[0].m.readings[0].value - 70.0) < 0.01);
	assert_true(fabs(s.records[1].m.readings[0].value - 80.0) < 0.01);
	assert_int_equal(s.records[1].time_usec, clock_at(3).wall_usec);
	hv_pipeline_free(p);
}

/* A GATT value: decode a characteristic through its driver and feed it. */
static int feed_gatt(struct hv_pipeline *p, const char *uuid_hex,
		     const char *driver, double t, struct hv_measurement *ret)
{
	const struct hv_driver *d = hv_driver_by_id(driver);
	struct hv_clock_sample now = clock_at(t);
	struct hv_frame f = { .address = ADDR };

	assert_non_null(d);
	assert_int_equal(hv_frame_set_characteristic(&f, uuid_hex), 0);
	hv_measurement_init(ret, d->id);
	assert_int_equal(d->decode(&f, ret), 0);
	return pfeed(p, &f, d, ret, &now);
}

static void test_multi_packet_body_composition_joined(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("sig_body_composition");
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement first, second, m;
	struct hv_frame f1, f2;
	char hex[2 * HV_FRAME_DATA_MAX + 1], arg[2 * HV_FRAME_DATA_MAX + 8];

	(void)state;
	assert_non_null(d);
	assert_int_equal(pnew(NULL, &s, &p), 0);
	/* Packet one: body fat and impedance, more to come; packet two: weight. */
	hv_measurement_init(&first, d->id);
	first.more_packets = true;
	assert_int_equal(hv_measurement_add(&first, HV_METRIC_BODY_FAT_PERCENT, 21.5), 0);
	assert_int_equal(hv_measurement_add(&first, HV_METRIC_IMPEDANCE, 480), 0);
	hv_measurement_init(&second, d->id);
	second.final = true;
	assert_int_equal(hv_measurement_add(&second, HV_METRIC_BODY_FAT_PERCENT, 21.5), 0);
	assert_int_equal(hv_measurement_add(&second, HV_METRIC_BODY_WEIGHT, 74.2), 0);
	assert_int_equal(d->encode(&first, NULL, &f1), 0);
	assert_int_equal(d->encode(&second, NULL, &f2), 0);

	hv_hex(f1.value, f1.value_len, hex);
	(void)snprintf(arg, sizeof(arg), "2a9c:%s", hex);
	assert_int_equal(feed_gatt(p, arg, d->id, 1, &m), 0);
	assert_true(m.more_packets);
	assert_int_equal(s.n, 0);
	hv_hex(f2.value, f2.value_len, hex);
	(void)snprintf(arg, sizeof(arg), "2a9c:%s", hex);
	assert_int_equal(feed_gatt(p, arg, d->id, 1.2, &m), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(hv_measurement_find(&s.records[0].m, HV_METRIC_IMPEDANCE));
	assert_non_null(hv_measurement_find(&s.records[0].m, HV_METRIC_BODY_WEIGHT));
	assert_true(s.records[0].m.final);
	assert_false(s.records[0].m.more_packets);
	hv_pipeline_free(p);
}

static void test_half_multi_packet_times_out(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("sig_body_composition");
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement first, m;
	struct hv_clock_sample now;
	struct hv_frame f1;
	char hex[2 * HV_FRAME_DATA_MAX + 1], arg[2 * HV_FRAME_DATA_MAX + 8];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	hv_measurement_init(&first, d->id);
	first.more_packets = true;
	assert_int_equal(hv_measurement_add(&first, HV_METRIC_BODY_FAT_PERCENT, 20), 0);
	assert_int_equal(d->encode(&first, NULL, &f1), 0);
	hv_hex(f1.value, f1.value_len, hex);
	(void)snprintf(arg, sizeof(arg), "2a9c:%s", hex);
	assert_int_equal(feed_gatt(p, arg, d->id, 1, &m), 0);
	now = clock_at(40);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(hv_pipeline_stats(p)->dropped_packets, 1);
	hv_pipeline_free(p);
}

static void test_advertised_heart_rate_rate_limited(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("polar_hr");
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement m;
	struct hv_frame enc;

	(void)state;
	assert_non_null(d);
	assert_int_equal(pnew(NULL, &s, &p), 0);
	for (int i = 0; i < 340; i++) {
		struct hv_clock_sample now = clock_at(i);
		struct hv_frame f = { .address = ADDR, .name = "Polar H10 12345678" };

		hv_measurement_init(&m, d->id);
		m.final = true;
		assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE,
						    i < 45 || i >= 60 ? 70 : 72), 0);
		assert_int_equal(d->encode(&m, NULL, &enc), 0);
		f.n_manufacturer_data = 1;
		f.manufacturer_data[0] = enc.manufacturer_data[0];
		hv_measurement_init(&m, d->id);
		assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
		assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
	}
	/* 70 at t=0; 70 again at t=30 is no change; 72 at t=45 is; 70 at
	 * t=75 (30 s later) is; unchanged 70 again only at t=375 — not yet */
	assert_int_equal(s.n, 3);
	hv_pipeline_free(p);
}

/* Glucose Measurement 0x2A18 with "context follows" (flags bit 4), sequence
 * 5, base time 2025-06-01 07:30:00, concentration 5.4 mmol/L as SFLOAT
 * (mantissa 54, exponent -4 in mol/L: 0xC036), type/location 0x11
 * (capillary whole blood, finger); then its context 0x2A34: flags 0x02
 * (meal follows), sequence 5, meal 1 (preprandial). GATT XML layouts. */
#define GLUCOSE_WITH_CONTEXT "2a18:1605" "00" "e9070601071e00" "36c0" "11"
#define GLUCOSE_CONTEXT "2a34:02050001"

static void test_glucose_context_joined(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement m;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	assert_int_equal(feed_gatt(p, GLUCOSE_WITH_CONTEXT, "sig_glucose", 1, &m), 0);
	assert_true(hv_measurement_has_flag(&m, "context_follows"));
	assert_int_equal(s.n, 0); /* waiting for its context */
	assert_int_equal(feed_gatt(p, GLUCOSE_CONTEXT, "sig_glucose", 1.1, &m), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(hv_measurement_find(&s.records[0].m, HV_METRIC_BLOOD_GLUCOSE));
	assert_non_null(hv_measurement_context(&s.records[0].m, "meal"));
	assert_string_equal(hv_measurement_context(&s.records[0].m, "meal"),
			    "preprandial");
	hv_pipeline_free(p);
}

static void test_glucose_without_its_context_still_kept(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement m;
	struct hv_clock_sample now;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	assert_int_equal(feed_gatt(p, GLUCOSE_WITH_CONTEXT, "sig_glucose", 1, &m), 0);
	now = clock_at(3);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 0);
	now = clock_at(6.5);
	assert_int_equal(ptick(p, &now, NULL), 0);
	assert_int_equal(s.n, 1);
	assert_null(hv_measurement_context(&s.records[0].m, "meal"));
	hv_pipeline_free(p);
}

/* Glucose records (flags 0x06: concentration in mmol/L follows, no
 * context), sequence 7, device clock 2026-07-01 10:00 and 2026-01-15 10:00,
 * 5.4 mmol/L. */
#define GLUCOSE_SUMMER "2a18:06" "0700" "ea0707010a0000" "36c0" "11"
#define GLUCOSE_WINTER "2a18:06" "0800" "ea07010f0a0000" "36c0" "11"

/* A device's local time converts with the offset of its own date: read in
 * December in Berlin (UTC+1), a July reading is at UTC+2. */
static void test_device_time_converts_with_its_own_dates_offset(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("sig_glucose");
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement m;
	struct hv_frame f = { .address = ADDR };
	struct hv_clock_sample now = {
		.mono_usec = 1000 * USEC_PER_SEC,
		.wall_usec = 1796637600LL * 1000000, /* 2026-12-07 10:00Z */
		.wall_known = true,
		.utc_offset_s = 3600, /* today's offset: winter */
		.zone_rules = true,
	};
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	(void)state;
	assert_int_equal(setenv("TZ", "Europe/Berlin", 1), 0);
	tzset();
	assert_int_equal(pnew(NULL, &s, &p), 0);
	assert_int_equal(hv_frame_set_characteristic(&f, GLUCOSE_SUMMER), 0);
	hv_measurement_init(&m, d->id);
	assert_int_equal(d->decode(&f, &m), 0);
	assert_true(m.has_device_time);
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
	f = (struct hv_frame){ .address = ADDR };
	assert_int_equal(hv_frame_set_characteristic(&f, GLUCOSE_WINTER), 0);
	hv_measurement_init(&m, d->id);
	assert_int_equal(d->decode(&f, &m), 0);
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.records[0].time_usec,
			 hv_datetime_to_unix(&(struct hv_datetime){ 2026, 7, 1, 8, 0, 0 }) *
				 (int64_t)USEC_PER_SEC);
	assert_int_equal(s.records[1].time_usec,
			 hv_datetime_to_unix(&(struct hv_datetime){ 2026, 1, 15, 9, 0, 0 }) *
				 (int64_t)USEC_PER_SEC);
	hv_pipeline_free(p);
	if (old)
		assert_int_equal(setenv("TZ", old, 1), 0);
	else
		assert_int_equal(unsetenv("TZ"), 0);
	free(old);
	tzset();
}

/* A live (not final) frame from another scale: it takes a slot, emits
 * nothing. */
static void other_scale_steps_on(struct hv_pipeline *p, unsigned i, double t)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale");
	struct hv_clock_sample now = clock_at(t);
	char address[HV_ADDRESS_MAX];
	struct hv_frame f;
	struct hv_measurement m;

	(void)snprintf(address, sizeof(address), "C8:47:8C:00:01:%02X", i);
	f = (struct hv_frame){ .address = address };
	hv_measurement_init(&m, d->id);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 50), 0);
	assert_int_equal(pfeed(p, &f, d, &m, &now), 0);
}

/* 64 other devices push a clock-less scale out of its slot while it still
 * repeats its final value: the repeat is still a repeat, not a new
 * measurement under a new receive-time id. */
static void test_evicted_scale_still_ignores_its_repeat(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	char removed[64];

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	mi_frame(removed, sizeof(removed), 72.0, true, true);
	assert_int_equal(feed_hex(p, removed, 1), 0);
	assert_int_equal(s.n, 1);
	for (unsigned i = 0; i < 64; i++)
		other_scale_steps_on(p, i, 2 + 0.1 * i);
	assert_int_equal(s.n, 1);
	assert_int_equal(feed_hex(p, removed, 20), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(hv_pipeline_stats(p)->ignored_repeat, 1);
	hv_pipeline_free(p);
}

/* A glucose measurement waiting for its context is emitted, not lost, when
 * its slot goes to another device. */
static void test_evicted_slot_emits_what_it_holds(void **state)
{
	struct sink s = { 0 };
	struct hv_pipeline *p;
	struct hv_measurement m;

	(void)state;
	assert_int_equal(pnew(NULL, &s, &p), 0);
	assert_int_equal(feed_gatt(p, GLUCOSE_WITH_CONTEXT, "sig_glucose", 1, &m), 0);
	assert_int_equal(s.n, 0);
	for (unsigned i = 0; i < 64; i++)
		other_scale_steps_on(p, i, 1.01 + 0.01 * i);
	assert_int_equal(s.n, 1);
	assert_non_null(hv_measurement_find(&s.records[0].m, HV_METRIC_BLOOD_GLUCOSE));
	assert_int_equal(s.records[0].m.sequence_number, 5);
	hv_pipeline_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_weighin_one_measurement),
		cmocka_unit_test(test_quiet_time_ends_weighin),
		cmocka_unit_test(test_calls_tell_the_next_deadline),
		cmocka_unit_test(test_stray_and_repeat_after_stepoff),
		cmocka_unit_test(test_two_people_in_a_row),
		cmocka_unit_test(test_clock_unknown_holds_then_dates),
		cmocka_unit_test(test_live_device_clock_only_when_it_agrees),
		cmocka_unit_test(test_device_clock_used_for_stored_records),
		cmocka_unit_test(test_stored_records_corrected_by_clock_read),
		cmocka_unit_test(test_object_weighing_ignored),
		cmocka_unit_test(test_ids_are_stable_and_distinct),
		cmocka_unit_test(test_held_queue_is_bounded_oldest_first),
		cmocka_unit_test(test_multi_packet_body_composition_joined),
		cmocka_unit_test(test_half_multi_packet_times_out),
		cmocka_unit_test(test_advertised_heart_rate_rate_limited),
		cmocka_unit_test(test_glucose_context_joined),
		cmocka_unit_test(test_glucose_without_its_context_still_kept),
		cmocka_unit_test(test_device_time_converts_with_its_own_dates_offset),
		cmocka_unit_test(test_evicted_scale_still_ignores_its_repeat),
		cmocka_unit_test(test_evicted_slot_emits_what_it_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
