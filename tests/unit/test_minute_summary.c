// SPDX-License-Identifier: MIT
/*
 * Heart rate from trackers kept one row per device and minute
 * (daemon/ingest/minute_summary.c), through ingest into a real SQLite
 * store: a PineTime notifying every second gives one row per minute with
 * the minute's mean, the open minute is stored at shutdown, and a chest
 * strap (SIG Heart Rate driver) keeps a row per notification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/ingest/ingest.h"
#include "daemon/ingest/minute_summary.h"
#include "drivers/registry.h"

#define WATCH "C7:11:22:33:44:55"
#define STRAP "E1:5A:0D:10:20:03"
#define T0 1772438400LL /* a minute's start */

struct fixture {
	char dir[64];
	struct hv_config cfg;
	struct hv_store *store;
	struct hv_ingest *ingest;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hv-minute-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(path, sizeof(path), "%s/h.db", f->dir);
	assert_int_equal(hv_store_open(path, 0, &f->store), 0);
	hv_config_init(&f->cfg);
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
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

static struct hv_clock_sample at(int64_t t)
{
	return (struct hv_clock_sample){
		.mono_usec = (uint64_t)(t - T0 + 1000) * USEC_PER_SEC,
		.wall_usec = t * 1000000,
		.wall_known = true,
	};
}

static void heart_rate(struct fixture *f, const char *driver_id,
		       const char *address, int64_t t, unsigned bpm)
{
	const struct hv_driver *d = hv_driver_by_id(driver_id);
	struct hv_uuid hrm = hv_uuid16(0x2A37);
	struct hv_clock_sample now = at(t);
	struct hv_measurement m;
	struct hv_ingest_result res;
	struct hv_frame fr;

	assert_non_null(d);
	hv_measurement_init(&m, driver_id);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, bpm), 0);
	assert_int_equal(d->encode(&m, &hrm, &fr), 0);
	fr.address = address;
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.failed, 0);
}

struct rows {
	size_t n;
	double value[8];
	int64_t time_usec[8];
};

static int collect(const struct hv_reading_row *row, void *userdata)
{
	struct rows *rows = userdata;

	assert_true(rows->n < 8);
	rows->value[rows->n] = row->value;
	rows->time_usec[rows->n] = row->time_usec;
	rows->n++;
	return 0;
}

static void rows_of(struct fixture *f, struct rows *ret)
{
	struct hv_reading_filter filter = { .metric = "heart_rate" };

	*ret = (struct rows){ 0 };
	assert_int_equal(hv_store_readings_foreach(f->store, &filter, collect,
						   ret), 0);
}

static void test_tracker_one_row_per_minute(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample end = at(T0 + 200);
	struct hv_ingest_result res;
	struct rows rows;

	/* 60 samples in the first minute: 70 and 74 alternating */
	for (int i = 0; i < 60; i++)
		heart_rate(f, "pinetime", WATCH, T0 + i, i % 2 ? 74 : 70);
	rows_of(f, &rows);
	assert_int_equal(rows.n, 0); /* the minute is still open */
	/* the next minute's first sample closes it */
	heart_rate(f, "pinetime", WATCH, T0 + 61, 90);
	heart_rate(f, "pinetime", WATCH, T0 + 62, 92);
	rows_of(f, &rows);
	assert_int_equal(rows.n, 1);
	assert_true(rows.value[0] == 72);
	assert_int_equal(rows.time_usec[0], T0 * 1000000);
	/* shutdown: the open minute is stored */
	assert_int_equal(hv_ingest_flush(f->ingest, &end, &res), 0);
	assert_int_equal(res.stored, 1);
	rows_of(f, &rows);
	assert_int_equal(rows.n, 2);
	assert_true(rows.value[1] == 91);
	assert_int_equal(rows.time_usec[1], (T0 + 60) * 1000000);
}

static void test_chest_strap_keeps_every_notification(void **state)
{
	struct fixture *f = *state;
	struct rows rows;

	for (int i = 0; i < 5; i++)
		heart_rate(f, "sig_heart_rate", STRAP, T0 + i, 100 + i);
	rows_of(f, &rows);
	assert_int_equal(rows.n, 5);
}

static void test_applies_to_trackers_only(void **state)
{
	struct hv_measurement m;

	(void)state;
	hv_measurement_init(&m, "pinetime");
	assert_false(hv_minute_summary_applies(&m));
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, 60), 0);
	assert_true(hv_minute_summary_applies(&m));
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_STEP_COUNT, 6), 0);
	assert_false(hv_minute_summary_applies(&m));
	hv_measurement_init(&m, "sig_heart_rate");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, 60), 0);
	assert_false(hv_minute_summary_applies(&m));
	/* a ring's heart-rate log: its own period, stored as it is */
	hv_measurement_init(&m, "colmi_ring");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, 60), 0);
	assert_true(hv_minute_summary_applies(&m));
	assert_int_equal(hv_measurement_add_context(&m, "period", "PT5M"), 0);
	assert_false(hv_minute_summary_applies(&m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tracker_one_row_per_minute,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chest_strap_keeps_every_notification,
						setup, teardown),
		cmocka_unit_test(test_applies_to_trackers_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
