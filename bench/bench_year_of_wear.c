// SPDX-License-Identifier: MIT
/*
 * A year of wear: database growth per person for a PineTime at the
 * gateway's default cadence, measured by playing the watch's traffic
 * through ingest into a real SQLite store at accelerated time (docs/
 * trackers.md "A year of wear in numbers").
 *
 * The watch is in range 07:00-23:00 local; the gateway connects every 6
 * minutes (a 60 s session, then the 5-minute cool-down): per session one
 * step-count read and a notification every 3 s while the wearer walks
 * (8 000 steps a day). The frames are the pinetime driver's encoder's;
 * the clock is simulated. Two settings:
 *   steps only      InfiniTime's default (its heart-rate sensor off): a
 *                   whole year is played;
 *   steps + HR 1 Hz the heart rate notified every second of every session
 *                   (kept one row per minute, daemon/ingest/minute_summary.c):
 *                   HV_BENCH_HR_DAYS days (default 365) are played, the
 *                   figures scaled to 365.
 * And, each played for a year, the history records of the other trackers at
 * their default settings, as their encoders make them and each stored
 * once (repeats of a record keep its id):
 *   colmi_ring      a 15-minute interval for every quarter hour walked
 *                   (07:00-23:00: 64 a day)
 *   bangle_js       a 10-minute block of the health log, all day (144 a
 *                   day, steps and heart rate in one measurement)
 * Nothing is pruned and no broker takes the outbox; the file is measured
 * after the store is closed (its write-ahead log checkpointed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

#define WATCH "C7:F1:00:00:00:01"
#define DAY 86400LL
#define T0 (20454LL * DAY) /* 2026-01-01 00:00 UTC; the bench runs in UTC */
#define SESSION_EVERY (6 * 60)
#define SESSION_LENGTH 60
#define STEPS_PER_DAY 8000

struct run {
	struct hv_store *store;
	struct hv_ingest *ingest;
	struct hv_config cfg;
	const struct hv_driver *driver;
	unsigned long frames;
};

static int feed(struct run *run, int64_t t, enum hv_metric metric, double v)
{
	struct hv_clock_sample now = {
		.mono_usec = (uint64_t)(t - T0 + 100) * 1000000u,
		.wall_usec = t * 1000000,
		.wall_known = true,
	};
	struct hv_measurement m;
	struct hv_frame f;
	struct hv_uuid hr = hv_uuid16(0x2A37);
	int r;

	hv_measurement_init(&m, run->driver->id);
	r = hv_measurement_add(&m, metric, v);
	if (r >= 0)
		r = run->driver->encode(&m, metric == HV_METRIC_HEART_RATE ?
						    &hr : NULL, &f);
	if (r < 0)
		return r;
	f.address = WATCH;
	run->frames++;
	return hv_ingest_frame(run->ingest, &f, run->driver, &now, NULL);
}

static int play_day(struct run *run, int64_t day_start, bool hr)
{
	int64_t from = day_start + 7 * 3600, to = day_start + 23 * 3600;
	int64_t sessions = (to - from) / SESSION_EVERY;
	double per_second = (double)STEPS_PER_DAY / (double)(to - from);
	int r;

	for (int64_t s = 0; s < sessions; s++) {
		int64_t at = from + s * SESSION_EVERY;

		for (int64_t k = 0; k < SESSION_LENGTH; k++) {
			int64_t t = at + k;
			uint32_t steps = (uint32_t)((double)(t - from) * per_second);

			if (k % 3 == 0) {
				r = feed(run, t, HV_METRIC_STEP_COUNT, steps);
				if (r < 0)
					return r;
			}
			if (hr) {
				r = feed(run, t, HV_METRIC_HEART_RATE,
					 60 + (double)((t / 7) % 40));
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

static int feed_frame(struct run *run, int64_t t, struct hv_frame *f)
{
	struct hv_clock_sample now = {
		.mono_usec = (uint64_t)(t - T0 + 100) * 1000000u,
		.wall_usec = t * 1000000,
		.wall_known = true,
	};

	f->address = WATCH;
	run->frames++;
	return hv_ingest_frame(run->ingest, f, run->driver, &now, NULL);
}

/* One day of a history tracker's records, fetched at the day's end. */
static int play_history_day(struct run *run, int64_t day_start, bool hr)
{
	bool ring = strcmp(run->driver->id, "colmi_ring") == 0;
	unsigned from = ring ? 28 : 0, to = ring ? 92 : 144;
	int64_t minutes = ring ? 15 : 10;
	struct hv_measurement m;
	struct hv_frame f;
	int r;

	(void)hr;
	for (unsigned k = from; k < to; k++) {
		int64_t start = day_start + (int64_t)k * minutes * 60;

		hv_measurement_init(&m, run->driver->id);
		r = hv_measurement_add(&m, HV_METRIC_STEP_COUNT, 50 + k % 40);
		if (r >= 0 && ring) {
			r = hv_measurement_add(&m, HV_METRIC_DISTANCE, 35 + k % 30);
			hv_datetime_from_unix(start, &m.device_time);
			m.has_device_time = true;
		} else if (r >= 0) {
			r = hv_measurement_add(&m, HV_METRIC_HEART_RATE, 60 + k % 30);
			m.sequence_number = (int32_t)((start + 600) / 600);
		}
		if (r >= 0)
			r = run->driver->encode(&m, NULL, &f);
		/* a line of the watch's text stream ends with a newline */
		if (r >= 0 && !ring && f.value_len < sizeof(f.value))
			f.value[f.value_len++] = '\n';
		if (r >= 0)
			r = feed_frame(run, day_start + DAY - 60, &f);
		if (r < 0)
			return r;
	}
	return 0;
}

static long long count(const char *db, const char *table)
{
	char cmd[512];
	long long n = -1;
	FILE *p;

	(void)snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'SELECT count(*) FROM %s;'",
		       db, table);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%lld", &n) != 1)
		n = -1;
	(void)pclose(p);
	return n;
}

static int measure(const char *name, const char *driver, unsigned days,
		   unsigned scale_to, bool hr)
{
	char dir[] = "/tmp/hv-bench-wear-XXXXXX", db[64], cmd[96];
	struct hv_person ida = { .id = "p-ida" };
	struct hv_ingest_result res;
	struct hv_clock_sample end;
	struct run run = { .driver = hv_driver_by_id(driver) };
	bool history = strcmp(driver, "pinetime") != 0;
	struct stat st;
	long long rows, outbox;
	double factor = (double)scale_to / days;
	int r;

	if (!run.driver || !mkdtemp(dir))
		return -ENOENT;
	(void)snprintf(db, sizeof(db), "%s/h.db", dir);
	hv_config_init(&run.cfg);
	r = hv_store_open(db, 0, &run.store);
	if (r >= 0)
		r = hv_ingest_new(run.store, &run.cfg, NULL, &run.ingest);
	if (r >= 0)
		r = hv_store_person_add(run.store, &ida);
	if (r >= 0)
		r = hv_store_link_set(run.store, WATCH, 0, "p-ida", -1);
	for (unsigned d = 0; r >= 0 && d < days; d++)
		r = history ? play_history_day(&run, T0 + (int64_t)d * DAY, hr) :
			      play_day(&run, T0 + (int64_t)d * DAY, hr);
	end = (struct hv_clock_sample){ .wall_usec = (T0 + days * DAY) * 1000000,
					.wall_known = true };
	if (r >= 0)
		r = hv_ingest_flush(run.ingest, &end, &res);
	hv_ingest_free(run.ingest);
	hv_store_close(run.store);
	hv_config_done(&run.cfg);
	if (r < 0 || stat(db, &st) < 0) {
		fprintf(stderr, "%s: failed: %s\n", name, strerror(r < 0 ? -r : errno));
		return r < 0 ? r : -errno;
	}
	rows = count(db, "measurements");
	outbox = count(db, "outbox");
	printf("%-16s %3u days played, %8lu frames: %8lld measurements, %8lld outbox rows, %8.2f MiB; per person-year: %9.0f measurements, %9.0f outbox rows, %7.1f MiB\n",
	       name, days, run.frames, rows, outbox,
	       (double)st.st_size / 1048576.0, (double)rows * factor,
	       (double)outbox * factor,
	       (double)st.st_size * factor / 1048576.0);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}

int main(void)
{
	const char *e = getenv("HV_BENCH_HR_DAYS");
	unsigned hr_days = e && atoi(e) > 0 ? (unsigned)atoi(e) : 365;
	int r;

	setenv("TZ", "UTC", 1);
	r = measure("steps only", "pinetime", 365, 365, false);
	if (r >= 0)
		r = measure("steps + HR 1 Hz", "pinetime", hr_days, 365, true);
	if (r >= 0)
		r = measure("colmi ring", "colmi_ring", 365, 365, false);
	if (r >= 0)
		r = measure("bangle.js log", "bangle_js", 365, 365, false);
	return r < 0 ? 1 : 0;
}
