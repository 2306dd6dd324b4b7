// SPDX-License-Identifier: MIT
/*
 * Daily totals from a running day counter (daemon/ingest/daily_total.c):
 * the counter's rules alone, then a PineTime's step-count notifications
 * through ingest into a real SQLite store — one row per day, updated as the
 * day grows, across the watch's midnight reset and a reboot.
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

#include "daemon/basic/macro.h"
#include "daemon/ingest/daily_total.h"
#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

#define DAY 86400
/* 2026-03-02 00:00 local (the tests run in UTC). */
#define D0 (20514LL * DAY)
#define WATCH "C7:11:22:33:44:55"
#define OTHER "C7:11:22:33:44:66"

static uint32_t feed(struct hv_daily_totals *t, const char *key,
		     int64_t local_s, uint32_t counter, int64_t *ret_day)
{
	struct hv_daily_total d;

	assert_int_equal(hv_daily_totals_feed(t, key, local_s, counter, &d), 0);
	if (ret_day)
		*ret_day = d.day;
	return d.total;
}

static void test_grows_within_a_day(void **state)
{
	struct hv_daily_totals *t = NULL;
	struct hv_daily_total d;
	int64_t day;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	assert_int_equal(feed(t, WATCH, D0 + 8 * 3600, 120, &day), 120);
	assert_int_equal(day, 20514);
	assert_int_equal(feed(t, WATCH, D0 + 9 * 3600, 900, NULL), 900);
	/* the same value again: nothing new to store */
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + 9 * 3600 + 5, 900,
					      &d), 0);
	assert_false(d.changed);
	assert_int_equal(d.total, 900);
	hv_daily_totals_free(t);
}

static void test_reboot_mid_day_adds_up(void **state)
{
	struct hv_daily_totals *t = NULL;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + 10 * 3600, 4000, NULL);
	/* the watch rebooted: its counter starts from 0 again */
	assert_int_equal(feed(t, WATCH, D0 + 11 * 3600, 30, NULL), 4030);
	assert_int_equal(feed(t, WATCH, D0 + 12 * 3600, 500, NULL), 4500);
	/* a second reboot the same day */
	assert_int_equal(feed(t, WATCH, D0 + 13 * 3600, 10, NULL), 4510);
	hv_daily_totals_free(t);
}

static void test_midnight_reset(void **state)
{
	struct hv_daily_totals *t = NULL;
	int64_t day;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + DAY - 60, 7000, NULL);
	/* our midnight, the watch already zeroed its counter */
	assert_int_equal(feed(t, WATCH, D0 + DAY + 30, 12, &day), 12);
	assert_int_equal(day, 20515);
	assert_int_equal(feed(t, WATCH, D0 + DAY + 90, 40, NULL), 40);
	hv_daily_totals_free(t);
}

static void test_watch_resets_after_our_midnight(void **state)
{
	struct hv_daily_totals *t = NULL;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + DAY - 60, 7000, NULL);
	/* our midnight; the watch (its clock a little behind) still counts
	 * yesterday: those steps stay in yesterday */
	assert_int_equal(feed(t, WATCH, D0 + DAY + 5, 7010, NULL), 10);
	/* now the watch zeroes: nothing is counted twice */
	assert_int_equal(feed(t, WATCH, D0 + DAY + 40, 3, NULL), 13);
	assert_int_equal(feed(t, WATCH, D0 + DAY + 400, 50, NULL), 60);
	hv_daily_totals_free(t);
}

static void test_watch_resets_before_our_midnight(void **state)
{
	struct hv_daily_totals *t = NULL;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + DAY - 60, 7000, NULL);
	/* the watch's clock is ahead: it zeroed before our midnight; the
	 * steps it counts until our midnight stay in today */
	assert_int_equal(feed(t, WATCH, D0 + DAY - 20, 4, NULL), 7004);
	assert_int_equal(feed(t, WATCH, D0 + DAY + 10, 9, NULL), 5);
	hv_daily_totals_free(t);
}

static void test_away_overnight(void **state)
{
	struct hv_daily_totals *t = NULL;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + 18 * 3600, 5000, NULL);
	/* back the next day at noon with more steps than yesterday's last
	 * value: today's counter, not yesterday's */
	assert_int_equal(feed(t, WATCH, D0 + DAY + 12 * 3600, 8000, NULL),
			 8000);
	/* two days later, early but with a reset counter */
	assert_int_equal(feed(t, WATCH, D0 + 3 * DAY + 60, 100, NULL), 100);
	hv_daily_totals_free(t);
}

static void test_stored_at_most_every_interval(void **state)
{
	struct hv_daily_totals *t = NULL;
	struct hv_daily_total d;
	int64_t at = D0 + 8 * 3600;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	/* the first of the day is stored at once */
	assert_int_equal(hv_daily_totals_feed(t, WATCH, at, 100, &d), 0);
	assert_true(d.changed);
	/* grown a minute later: held back */
	assert_int_equal(hv_daily_totals_feed(t, WATCH, at + 60, 150, &d), 0);
	assert_false(d.changed);
	assert_int_equal(d.total, 150);
	/* an interval after the last stored one: stored */
	assert_int_equal(hv_daily_totals_feed(t, WATCH,
					      at + HV_DAILY_STORE_INTERVAL_S,
					      170, &d), 0);
	assert_true(d.changed);
	assert_false(d.has_final);
	/* late in the day, held back; the next day hands it out as final */
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + DAY - 100, 9000,
					      &d), 0);
	assert_true(d.changed);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + DAY - 50, 9040,
					      &d), 0);
	assert_false(d.changed);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + DAY + 30, 5, &d),
			 0);
	assert_true(d.has_final);
	assert_int_equal(d.final_day, 20514);
	assert_int_equal(d.final_total, 9040);
	assert_true(d.changed);
	assert_int_equal(d.day, 20515);
	assert_int_equal(d.total, 5);
	/* nothing held back: no final */
	assert_int_equal(hv_daily_totals_feed(t, OTHER, D0 + 3600, 7, &d), 0);
	assert_int_equal(hv_daily_totals_feed(t, OTHER, D0 + DAY + 3600, 9,
					      &d), 0);
	assert_false(d.has_final);
	hv_daily_totals_free(t);
}

static void test_devices_apart_and_clock_back(void **state)
{
	struct hv_daily_totals *t = NULL;
	struct hv_daily_total d;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	feed(t, WATCH, D0 + 3600, 300, NULL);
	assert_int_equal(feed(t, OTHER, D0 + 3600, 20, NULL), 20);
	assert_int_equal(feed(t, WATCH, D0 + 7200, 310, NULL), 310);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 - 10, 5, &d),
			 -ESTALE);
	assert_int_equal(feed(t, WATCH, D0 + 7300, 320, NULL), 320);
	assert_int_equal(hv_daily_totals_feed(t, "", D0, 5, &d), -EINVAL);
	hv_daily_totals_free(t);
}

/* --- through ingest and the store ------------------------------------------ */

struct fixture {
	char dir[64];
	struct hv_config cfg;
	struct hv_store *store;
	struct hv_ingest *ingest;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct hv_person p = { .id = "p-ida" };
	char path[128];

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hv-daily-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(path, sizeof(path), "%s/h.db", f->dir);
	assert_int_equal(hv_store_open(path, 0, &f->store), 0);
	hv_config_init(&f->cfg);
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
	assert_int_equal(hv_store_person_add(f->store, &p), 0);
	assert_int_equal(hv_store_link_set(f->store, WATCH, 0, "p-ida", -1), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[96];

	hv_ingest_free(f->ingest);
	hv_store_close(f->store);
	hv_config_done(&f->cfg);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* One step-count notification of the watch at local (= UTC) time t. */
static void notify_steps(struct fixture *f, int64_t t, uint32_t steps)
{
	const struct hv_driver *d = hv_driver_by_id("pinetime");
	struct hv_clock_sample now = {
		.mono_usec = (uint64_t)(t - D0 + 1000) * USEC_PER_SEC,
		.wall_usec = t * 1000000,
		.wall_known = true,
	};
	struct hv_measurement m;
	struct hv_ingest_result res;
	struct hv_frame fr;

	assert_non_null(d);
	hv_measurement_init(&m, "pinetime");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_STEP_COUNT, steps), 0);
	assert_int_equal(d->encode(&m, NULL, &fr), 0);
	fr.address = WATCH;
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.failed, 0);
}

struct day_rows {
	size_t n;
	double value[4];
	int64_t time_usec[4];
	char person[4][16];
};

static int collect(const struct hv_reading_row *row, void *userdata)
{
	struct day_rows *rows = userdata;

	assert_true(rows->n < 4);
	rows->value[rows->n] = row->value;
	rows->time_usec[rows->n] = row->time_usec;
	(void)snprintf(rows->person[rows->n], sizeof(rows->person[0]), "%s",
		       row->person);
	rows->n++;
	return 0;
}

static void stored_days(struct fixture *f, struct day_rows *ret)
{
	struct hv_reading_filter filter = { .metric = "step_count" };

	*ret = (struct day_rows){ 0 };
	assert_int_equal(hv_store_readings_foreach(f->store, &filter, collect,
						   ret), 0);
}

static void test_one_row_per_day_through_ingest(void **state)
{
	struct fixture *f = *state;
	struct day_rows rows;
	uint64_t backlog = 0;

	notify_steps(f, D0 + 9 * 3600, 100);
	notify_steps(f, D0 + 10 * 3600, 2500);
	notify_steps(f, D0 + 10 * 3600 + 1, 2500); /* the same again */
	stored_days(f, &rows);
	assert_int_equal(rows.n, 1);
	assert_int_equal((int)rows.value[0], 2500);
	/* dated at the day's start, for the linked wearer */
	assert_int_equal(rows.time_usec[0], D0 * 1000000);
	assert_string_equal(rows.person[0], "p-ida");
	/* the superseded form is never published: one pending row */
	assert_int_equal(hv_store_outbox_count(f->store, &backlog), 0);
	assert_int_equal(backlog, 1);

	/* a reboot at noon, then the watch's midnight */
	notify_steps(f, D0 + 12 * 3600, 40);
	notify_steps(f, D0 + 23 * 3600, 1000);
	notify_steps(f, D0 + 23 * 3600 + 60, 1100); /* held back, then final */
	notify_steps(f, D0 + DAY + 3, 2);
	notify_steps(f, D0 + DAY + 3600, 77);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 2);
	assert_int_equal((int)rows.value[0], 3600);
	assert_int_equal((int)rows.value[1], 77);
	assert_int_equal(rows.time_usec[1], (D0 + DAY) * 1000000);
}

static void test_stored_total_never_lowered(void **state)
{
	struct fixture *f = *state;
	struct day_rows rows;

	notify_steps(f, D0 + 9 * 3600, 100);
	notify_steps(f, D0 + 9 * 3600 + 900, 3000);
	/* the gateway restarts (its counter memory is gone) after the watch
	 * rebooted: the counter is below what is stored */
	hv_ingest_free(f->ingest);
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
	notify_steps(f, D0 + 10 * 3600, 200);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 1);
	/* the stored row's counter (3000) tells the reboot: counted on */
	assert_int_equal((int)rows.value[0], 3200);
	notify_steps(f, D0 + 11 * 3600, 3200);
	stored_days(f, &rows);
	assert_int_equal((int)rows.value[0], 6200);
}

static void restart(struct fixture *f)
{
	hv_ingest_free(f->ingest);
	hv_store_close(f->store);
	f->ingest = NULL;
	f->store = NULL;
	{
		char path[128];

		(void)snprintf(path, sizeof(path), "%s/h.db", f->dir);
		assert_int_equal(hv_store_open(path, 0, &f->store), 0);
	}
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
}

/* The watch rebooted mid-day, then the gateway restarted (the same store
 * file): the day goes on from the stored total, neither from zero nor
 * counting the steps before the reboot twice. */
static void test_restart_takes_up_the_day(void **state)
{
	struct fixture *f = *state;
	struct day_rows rows;

	notify_steps(f, D0 + 9 * 3600, 100);
	notify_steps(f, D0 + 9 * 3600 + 900, 3000);
	notify_steps(f, D0 + 9 * 3600 + 1800, 50); /* the watch rebooted */
	stored_days(f, &rows);
	assert_int_equal((int)rows.value[0], 3050);
	restart(f);
	notify_steps(f, D0 + 10 * 3600, 250);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 1);
	assert_int_equal((int)rows.value[0], 3250);
	/* the counter keeps growing: so does the day */
	notify_steps(f, D0 + 11 * 3600, 3200);
	stored_days(f, &rows);
	assert_int_equal((int)rows.value[0], 6200);
	/* a new day after a restart: from zero */
	restart(f);
	notify_steps(f, D0 + DAY + 3600, 40);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 2);
	assert_int_equal((int)rows.value[1], 40);
}

/* A total held back is stored at shutdown with its frame: after the
 * restart its counter value is known too. */
static void test_restart_after_a_held_total(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample now = { .wall_usec = (D0 + 9 * 3600 + 400) *
						    1000000,
				       .wall_known = true };
	struct hv_ingest_result res;
	struct day_rows rows;

	notify_steps(f, D0 + 9 * 3600, 100);
	notify_steps(f, D0 + 9 * 3600 + 300, 20); /* reboot: 120, held */
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	stored_days(f, &rows);
	assert_int_equal((int)rows.value[0], 120);
	restart(f);
	notify_steps(f, D0 + 9 * 3600 + 1800, 70);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 1);
	assert_int_equal((int)rows.value[0], 170);
}

/* Seeded without the counter value: a first value below the stored
 * total means the counter started again. */
static void test_seed_without_counter(void **state)
{
	struct hv_daily_totals *t = NULL;
	struct hv_daily_total d;
	int64_t day = D0 / DAY;

	(void)state;
	assert_int_equal(hv_daily_totals_new(&t), 0);
	assert_int_equal(hv_daily_totals_seed(t, WATCH, day, 3000, -1), 1);
	assert_int_equal(hv_daily_totals_seed(t, WATCH, day, 1, -1), 0);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + 10 * 3600, 200, &d), 0);
	assert_int_equal(d.total, 3000);
	assert_false(d.changed);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + 11 * 3600, 500, &d), 0);
	assert_int_equal(d.total, 3300);
	assert_true(d.changed);
	hv_daily_totals_free(t);
	/* at or above it: the same counter going on */
	assert_int_equal(hv_daily_totals_new(&t), 0);
	assert_int_equal(hv_daily_totals_seed(t, WATCH, day, 3000, -1), 1);
	assert_int_equal(hv_daily_totals_feed(t, WATCH, D0 + 10 * 3600, 3100, &d), 0);
	assert_int_equal(d.total, 3100);
	assert_true(d.changed);
	hv_daily_totals_free(t);
}

static void test_held_total_stored_at_shutdown(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample now = { .wall_usec = (D0 + 9 * 3600 + 120) *
						    1000000,
				       .wall_known = true };
	struct hv_ingest_result res;
	struct day_rows rows;

	notify_steps(f, D0 + 9 * 3600, 100);
	notify_steps(f, D0 + 9 * 3600 + 60, 300); /* held back */
	stored_days(f, &rows);
	assert_int_equal((int)rows.value[0], 100);
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	stored_days(f, &rows);
	assert_int_equal(rows.n, 1);
	assert_int_equal((int)rows.value[0], 300);
	/* nothing left to store the second time */
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grows_within_a_day),
		cmocka_unit_test(test_seed_without_counter),
		cmocka_unit_test(test_reboot_mid_day_adds_up),
		cmocka_unit_test(test_midnight_reset),
		cmocka_unit_test(test_watch_resets_after_our_midnight),
		cmocka_unit_test(test_watch_resets_before_our_midnight),
		cmocka_unit_test(test_away_overnight),
		cmocka_unit_test(test_stored_at_most_every_interval),
		cmocka_unit_test(test_devices_apart_and_clock_back),
		cmocka_unit_test_setup_teardown(test_one_row_per_day_through_ingest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stored_total_never_lowered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_total_stored_at_shutdown,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_takes_up_the_day,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_after_a_held_total,
						setup, teardown),
	};

	/* Local days in these tests are UTC days. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
