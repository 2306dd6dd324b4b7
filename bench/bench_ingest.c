// SPDX-License-Identifier: MIT
/*
 * Ingest with a long broker outage behind it: readings stored through the
 * daemon's ingest (decode, pipeline, assignment, store, and the backlog the
 * status reads after each one) into a store with no pending outbox rows,
 * then into one with HV_BENCH_PENDING (default 100,000) pending rows.
 * Next to it, in the same run and on the same disk, a bare SQLite baseline:
 * the same schema and the same rows (measurement, readings, outbox) written
 * in one transaction per reading with the store's pragmas (WAL,
 * synchronous=FULL, a checkpoint every 64 pages, the log cut back to
 * 1 MiB: daemon/store/store.c), and nothing else. And, to show what the benchmark
 * catches, the ingest followed by two SELECT count(*) over the outbox, as
 * the daemon did per stored reading before the backlog became a counter.
 *
 * Rounds of interleaved runs (HV_BENCH_ROUNDS, default 3) of
 * HV_BENCH_INGEST_N readings each (default 500); medians are printed. Flat
 * means: the rate at HV_BENCH_PENDING pending is the rate at 0, as it is for
 * the bare baseline. The store lives in $TMPDIR, default /var/tmp (a disk:
 * every commit's fsync is counted). It measures; it asserts no time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

#define ROUNDS_MAX 16

enum mode {
	MODE_BARE, /* bare SQLite: the rows and nothing else */
	MODE_INGEST, /* the daemon's ingest + backlog */
	MODE_COUNTING, /* as before: ingest + two count(*) over the outbox */
	_MODE_MAX,
};

static const char *const mode_name[_MODE_MAX] = {
	[MODE_BARE] = "bare SQLite",
	[MODE_INGEST] = "homevitals ingest",
	[MODE_COUNTING] = "ingest + 2 count(*) (before)",
};

/* One store under test: a mode at a backlog. */
struct target {
	enum mode mode;
	uint64_t pending;
	char path[256];
	struct hv_store *store; /* ingest modes */
	struct hv_ingest *ingest;
	sqlite3 *db; /* bare */
	sqlite3_stmt *st[6]; /* bare: begin, measurement, reading, outbox, commit */
	int64_t next_s; /* the next reading's wall clock */
	double rates[ROUNDS_MAX];
};

static struct hv_config cfg;
static const char *json_template; /* a stored measurement's JSON */
static unsigned n_readings; /* reading rows per measurement */

static unsigned env_unsigned(const char *name, unsigned def)
{
	const char *v = getenv(name);
	unsigned long n = v ? strtoul(v, NULL, 10) : 0;

	return n ? (unsigned)n : def;
}

static double now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_ingest: %s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

/* A SIG Weight Scale measurement (2A9D): kg, user 1; stored at once. */
static int ingest_one(struct target *t)
{
	static const struct hv_driver *sig;
	struct hv_clock_sample now = {
		.mono_usec = (uint64_t)t->next_s * USEC_PER_SEC,
		.wall_usec = (1700000000LL + t->next_s) * 1000000,
		.wall_known = true,
	};
	struct hv_frame fr = { .address = "AA:BB:CC:00:00:01" };
	struct hv_ingest_result res;
	uint64_t backlog;
	int r;

	if (!sig)
		sig = hv_driver_by_id("sig_weight_scale");
	t->next_s++;
	r = hv_frame_set_characteristic(&fr, "2a9d:04d43001");
	if (r >= 0)
		r = hv_ingest_frame(t->ingest, &fr, sig, &now, &res);
	if (r >= 0 && res.stored != 1)
		r = -EIO;
	/* The daemon reads the backlog for its status after each store. */
	if (r >= 0)
		r = hv_store_backlog(t->store, &backlog);
	if (r >= 0 && t->mode == MODE_COUNTING) {
		r = hv_store_outbox_count(t->store, &backlog);
		if (r >= 0)
			r = hv_store_outbox_count(t->store, &backlog);
	}
	return r;
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

/* The same rows in one transaction, and nothing else. */
static int bare_one(struct target *t)
{
	char id[32];
	int64_t usec = (1700000000LL + t->next_s++) * 1000000;
	int r;

	(void)snprintf(id, sizeof(id), "bare-%lld", (long long)t->next_s);
	r = step_reset(t->st[0]);
	sqlite3_bind_text(t->st[1], 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(t->st[1], 2, usec);
	sqlite3_bind_text(t->st[1], 3, json_template, -1, SQLITE_STATIC);
	if (r >= 0)
		r = step_reset(t->st[1]);
	for (unsigned i = 0; r >= 0 && i < n_readings; i++) {
		sqlite3_bind_text(t->st[2], 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(t->st[2], 2, (int)i);
		r = step_reset(t->st[2]);
	}
	sqlite3_bind_text(t->st[3], 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(t->st[3], 2, usec);
	if (r >= 0)
		r = step_reset(t->st[3]);
	return r >= 0 ? step_reset(t->st[4]) : r;
}

/* `pending` measurements with a pending outbox row each, written in one
 * transaction straight into the file (as a long outage leaves them). */
static int fill(const char *path, uint64_t pending)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int r;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -EIO;
	r = exec(db, "BEGIN");
	if (r >= 0 &&
	    sqlite3_prepare_v2(db,
			       "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL"
			       " SELECT i + 1 FROM c WHERE i < ?1)"
			       " INSERT INTO measurements (id, time_usec,"
			       " received_usec, device_address, device_model,"
			       " driver, person, json) SELECT 'fill-' || i,"
			       " i, i, 'AA:BB:CC:00:00:02', 'bench',"
			       " 'sig_weight_scale', '', ?2 FROM c",
			       -1, &st, NULL) != SQLITE_OK)
		r = -EIO;
	if (r >= 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)pending);
		sqlite3_bind_text(st, 2, json_template, -1, SQLITE_STATIC);
		r = step_reset(st);
	}
	sqlite3_finalize(st);
	if (r >= 0)
		r = exec(db, "INSERT INTO readings (measurement_id, idx, metric,"
			     " value, unit) SELECT id, 0, 'body_weight', 62.5,"
			     " 'kg' FROM measurements WHERE id LIKE 'fill-%';"
			     "INSERT INTO outbox (measurement_id, created_usec)"
			     " SELECT id, time_usec FROM measurements"
			     " WHERE id LIKE 'fill-%' ORDER BY time_usec;"
			     "COMMIT");
	sqlite3_close(db);
	return r;
}

static int target_open(struct target *t, const char *dir, unsigned i)
{
	static const char *const bare_sql[] = {
		"BEGIN IMMEDIATE",
		"INSERT INTO measurements (id, time_usec, received_usec,"
		" device_address, device_model, driver, person, json)"
		" VALUES (?1, ?2, ?2, 'AA:BB:CC:00:00:01', 'bench',"
		" 'sig_weight_scale', '', ?3)",
		"INSERT INTO readings (measurement_id, idx, metric, value, unit)"
		" VALUES (?1, ?2, 'body_weight', 62.5, 'kg')",
		"INSERT INTO outbox (measurement_id, created_usec) VALUES (?1, ?2)",
		"COMMIT",
	};
	struct hv_store *s;
	int r;

	(void)snprintf(t->path, sizeof(t->path), "%s/target%u.db", dir, i);
	/* The store's own schema and pragmas for every target. */
	r = hv_store_open(t->path, 0, &s);
	if (r < 0)
		return r;
	hv_store_close(s);
	if (t->pending) {
		r = fill(t->path, t->pending);
		if (r < 0)
			return r;
	}
	if (t->mode != MODE_BARE) {
		r = hv_store_open(t->path, 0, &t->store);
		return r < 0 ? r : hv_ingest_new(t->store, &cfg, NULL, &t->ingest);
	}
	if (sqlite3_open(t->path, &t->db) != SQLITE_OK ||
	    exec(t->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			"PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 64;"
			"PRAGMA journal_size_limit = 1048576") < 0)
		return -EIO;
	for (unsigned k = 0; k < ELEMENTSOF(bare_sql); k++)
		if (sqlite3_prepare_v2(t->db, bare_sql[k], -1, &t->st[k],
				       NULL) != SQLITE_OK)
			return -EIO;
	return 0;
}

static void target_close(struct target *t)
{
	for (unsigned k = 0; k < ELEMENTSOF(t->st); k++)
		sqlite3_finalize(t->st[k]);
	if (t->db)
		sqlite3_close(t->db);
	hv_ingest_free(t->ingest);
	hv_store_close(t->store);
}

/* Readings per second over n, or < 0. */
static double target_run(struct target *t, unsigned n)
{
	double t0 = now_s();

	for (unsigned i = 0; i < n; i++)
		if ((t->mode == MODE_BARE ? bare_one(t) : ingest_one(t)) < 0)
			return -1;
	return n / (now_s() - t0);
}

/* One measurement through the real ingest, for the JSON and the rows the
 * others write. */
static int learn_template(const char *dir)
{
	struct target t = { .mode = MODE_INGEST };
	struct hv_outbox_item item;
	sqlite3_stmt *st;
	size_t n = 0;
	int r;

	r = target_open(&t, dir, 99);
	if (r >= 0)
		r = ingest_one(&t);
	if (r >= 0)
		r = hv_store_outbox_next(t.store, 0, 1, &item, &n);
	if (r >= 0 && n == 1) {
		json_template = strdup(item.json);
		hv_outbox_item_done(&item);
	}
	target_close(&t);
	if (r < 0 || !json_template)
		return r < 0 ? r : -EIO;
	if (sqlite3_open(t.path, &t.db) != SQLITE_OK ||
	    sqlite3_prepare_v2(t.db, "SELECT count(*) FROM readings", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		n_readings = (unsigned)sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(t.db);
	return n_readings ? 0 : -EIO;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned n)
{
	double s[ROUNDS_MAX];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(void)
{
	unsigned n = env_unsigned("HV_BENCH_INGEST_N", 500);
	unsigned rounds = env_unsigned("HV_BENCH_ROUNDS", 3);
	uint64_t pending = env_unsigned("HV_BENCH_PENDING", 100000);
	struct target targets[2 * _MODE_MAX];
	double rate[_MODE_MAX][2];
	char dir[256], cmd[300];
	double t0;
	int rc = 0;

	if (rounds > ROUNDS_MAX)
		rounds = ROUNDS_MAX;
	(void)setenv("TMPDIR", "/var/tmp", 0);
	(void)snprintf(dir, sizeof(dir), "%s/hv-bench-ingest-XXXXXX",
		       getenv("TMPDIR"));
	if (!mkdtemp(dir)) {
		perror("bench_ingest: mkdtemp");
		return 1;
	}
	log_set_max_level(LOG_WARNING);
	hv_config_init(&cfg);
	printf("bench_ingest: stores in %s; %u readings per run, %u rounds, 0 and %llu pending outbox rows\n",
	       dir, n, rounds, (unsigned long long)pending);
	if (learn_template(dir) < 0) {
		fprintf(stderr, "bench_ingest: no measurement through the ingest\n");
		return 1;
	}
	t0 = now_s();
	for (unsigned i = 0; i < ELEMENTSOF(targets); i++) {
		targets[i] = (struct target){ .mode = i % _MODE_MAX,
					      .pending = i < _MODE_MAX ? 0 :
									 pending };
		if (target_open(&targets[i], dir, i) < 0) {
			fprintf(stderr, "bench_ingest: setting up %s failed\n",
				targets[i].path);
			return 1;
		}
	}
	printf("bench_ingest: %llu pending rows written in %.1f s (not measured)\n",
	       (unsigned long long)pending, now_s() - t0);
	/* Interleaved, so every target sees the same load of the machine. */
	for (unsigned r = 0; r < rounds && !rc; r++)
		for (unsigned i = 0; i < ELEMENTSOF(targets); i++) {
			targets[i].rates[r] = target_run(&targets[i], n);
			if (targets[i].rates[r] < 0) {
				fprintf(stderr, "bench_ingest: %s failed\n",
					mode_name[targets[i].mode]);
				rc = 1;
				break;
			}
		}
	for (unsigned i = 0; i < ELEMENTSOF(targets); i++)
		if (!rc)
			rate[targets[i].mode][i >= _MODE_MAX] =
				median(targets[i].rates, rounds);
	for (unsigned i = 0; i < ELEMENTSOF(targets); i++)
		target_close(&targets[i]);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_ingest: could not remove %s\n", dir);
	if (rc)
		return rc;
	printf("bench_ingest: %-30s %12s %12s %8s\n", "median readings/s",
	       "0 pending", "pending", "flat");
	for (unsigned m = 0; m < _MODE_MAX; m++)
		printf("bench_ingest: %-30s %12.0f %12.0f %7.0f %%\n",
		       mode_name[m], rate[m][0], rate[m][1],
		       100 * rate[m][1] / rate[m][0]);
	printf("bench_ingest: homevitals ingest at %llu pending: ratio %.1f %% of bare SQLite (%.1f %% at 0 pending)\n",
	       (unsigned long long)pending,
	       100 * rate[MODE_INGEST][1] / rate[MODE_BARE][1],
	       100 * rate[MODE_INGEST][0] / rate[MODE_BARE][0]);
	free((char *)json_template);
	hv_config_done(&cfg);
	return 0;
}
