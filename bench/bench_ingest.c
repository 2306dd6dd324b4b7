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
 * And a household, the same pair again: the weigh-in assigned to a person
 * by weight, that person's consent in force for an audience of the
 * configuration, so every reading also writes the audience's outbox row and
 * the person's last weight in its transaction; the bare writer writes those
 * rows too (it does not decide them).
 *
 * Rounds (HV_BENCH_ROUNDS, default 3) of HV_BENCH_INGEST_N readings per
 * store (default 500), taken from every store in turn, HV_BENCH_SLICE at a
 * time (default 1: one reading each), so all see the same load of a shared
 * disk, whose fsync latency swings from one second to the next; the
 * medians of the rates and of each round's ratio are printed. Flat means:
 * the rate at HV_BENCH_PENDING pending is the rate at 0, as it is for the
 * bare baseline. The store lives in $TMPDIR, default /var/tmp (a disk:
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
#include "daemon/ingest/pipeline.h"
#include "drivers/registry.h"

#define ROUNDS_MAX 16

/* The bare writer's statements, in the order it runs them. */
enum bare_stmt {
	BARE_BEGIN,
	BARE_MEASUREMENT,
	BARE_READING,
	BARE_OUTBOX,
	BARE_AUDIENCE, /* household: the audience's outbox row */
	BARE_WEIGHT, /* household: the person's last weight */
	BARE_COMMIT,
	_BARE_MAX,
};

enum mode {
	MODE_BARE, /* bare SQLite: the rows and nothing else */
	MODE_INGEST, /* the daemon's ingest + backlog */
	MODE_COUNTING, /* as before: ingest + two count(*) over the outbox */
	MODE_BARE_HOUSEHOLD, /* bare, with the household's rows */
	MODE_INGEST_HOUSEHOLD, /* ingest, assigned and shared */
	_MODE_MAX,
};

static const char *const mode_name[_MODE_MAX] = {
	[MODE_BARE] = "bare SQLite",
	[MODE_INGEST] = "homevitals ingest",
	[MODE_COUNTING] = "ingest + 2 count(*) (before)",
	[MODE_BARE_HOUSEHOLD] = "bare SQLite, household rows",
	[MODE_INGEST_HOUSEHOLD] = "homevitals ingest, household",
};

static bool is_bare(enum mode m)
{
	return m == MODE_BARE || m == MODE_BARE_HOUSEHOLD;
}

static bool is_household(enum mode m)
{
	return m == MODE_BARE_HOUSEHOLD || m == MODE_INGEST_HOUSEHOLD;
}

#define PERSON "p1"
#define AUDIENCE "family"

/* One store under test: a mode at a backlog. */
struct target {
	enum mode mode;
	uint64_t pending;
	char path[256];
	struct hv_store *store; /* ingest modes */
	struct hv_ingest *ingest;
	sqlite3 *db; /* bare */
	sqlite3_stmt *st[_BARE_MAX];
	int64_t next_s; /* the next reading's wall clock */
	double seconds, cpu_seconds; /* this round's so far */
	double rates[ROUNDS_MAX];
	double cpu_usec[ROUNDS_MAX]; /* per reading: the work, not the wait */
};

static struct hv_config cfg;
/* A stored measurement's JSON, without and with the household. */
static char *json_template[2];
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

/* This process's CPU time: what a reading costs besides waiting for the
 * disk, steady however loaded the disk is. */
static double cpu_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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
	bool household = is_household(t->mode);
	sqlite3_stmt **st = t->st;
	char key[32], id[HV_ID_MAX];
	int64_t usec = (1700000000LL + t->next_s++) * 1000000;
	int r;

	/* An id of the daemon's form: as long, and as scattered over the
	 * indexes that hold it, as a reading's. */
	(void)snprintf(key, sizeof(key), "bare-%lld", (long long)t->next_s);
	hv_measurement_id("sig_weight_scale", "AA:BB:CC:00:00:01", key, id);
	r = step_reset(st[BARE_BEGIN]);
	sqlite3_bind_text(st[BARE_MEASUREMENT], 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st[BARE_MEASUREMENT], 2, usec);
	sqlite3_bind_text(st[BARE_MEASUREMENT], 3, household ? PERSON : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st[BARE_MEASUREMENT], 4, json_template[household],
			  -1, SQLITE_STATIC);
	if (r >= 0)
		r = step_reset(st[BARE_MEASUREMENT]);
	for (unsigned i = 0; r >= 0 && i < n_readings; i++) {
		sqlite3_bind_text(st[BARE_READING], 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st[BARE_READING], 2, (int)i);
		r = step_reset(st[BARE_READING]);
	}
	sqlite3_bind_text(st[BARE_OUTBOX], 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st[BARE_OUTBOX], 2, usec);
	if (r >= 0)
		r = step_reset(st[BARE_OUTBOX]);
	if (r >= 0 && household) {
		sqlite3_bind_int64(st[BARE_AUDIENCE], 1,
				   sqlite3_last_insert_rowid(t->db));
		r = step_reset(st[BARE_AUDIENCE]);
		if (r >= 0)
			r = step_reset(st[BARE_WEIGHT]);
	}
	return r >= 0 ? step_reset(st[BARE_COMMIT]) : r;
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
		sqlite3_bind_text(st, 2, json_template[0], -1, SQLITE_STATIC);
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

/* A person the weigh-ins are assigned to by weight, and her consent in
 * force for the audience. No height nor birth date: nothing derived, so
 * the reading rows are the household's as they are the bare writer's. */
static int household_add(struct hv_store *s)
{
	struct hv_person p = {
		.id = PERSON,
		.weight_min_kg = 50,
		.weight_max_kg = 80,
	};
	struct hv_consent c = {
		.person = PERSON,
		.audience = AUDIENCE,
		.metrics = "weight",
		.recorded_usec = 1,
	};
	int r = hv_store_person_add(s, &p);

	return r < 0 ? r : hv_store_consent_grant(s, &c, NULL);
}

static int target_open(struct target *t, const char *dir, unsigned i)
{
	static const char *const bare_sql[_BARE_MAX] = {
		[BARE_BEGIN] = "BEGIN IMMEDIATE",
		[BARE_MEASUREMENT] =
			"INSERT INTO measurements (id, time_usec, received_usec,"
			" device_address, device_model, driver, person, json)"
			" VALUES (?1, ?2, ?2, 'AA:BB:CC:00:00:01', 'bench',"
			" 'sig_weight_scale', ?3, ?4)",
		[BARE_READING] =
			"INSERT INTO readings (measurement_id, idx, metric, value,"
			" unit) VALUES (?1, ?2, 'body_weight', 62.5, 'kg')",
		[BARE_OUTBOX] = "INSERT INTO outbox (measurement_id, created_usec)"
				" VALUES (?1, ?2)",
		[BARE_AUDIENCE] = "INSERT INTO outbox_audience (seq, audience)"
				  " VALUES (?1, '" AUDIENCE "')",
		[BARE_WEIGHT] = "UPDATE people SET last_weight_kg = 62.5"
				" WHERE id = '" PERSON "'",
		[BARE_COMMIT] = "COMMIT",
	};
	static const char *const audiences[] = { AUDIENCE };
	struct hv_store *s;
	int r;

	(void)snprintf(t->path, sizeof(t->path), "%s/target%u.db", dir, i);
	/* The store's own schema and pragmas for every target. */
	r = hv_store_open(t->path, 0, &s);
	if (r < 0)
		return r;
	if (is_household(t->mode))
		r = household_add(s);
	hv_store_close(s);
	if (r < 0)
		return r;
	if (t->pending) {
		r = fill(t->path, t->pending);
		if (r < 0)
			return r;
	}
	if (!is_bare(t->mode)) {
		r = hv_store_open(t->path, 0, &t->store);
		if (r >= 0 && is_household(t->mode))
			r = hv_store_set_audiences(t->store, audiences, 1);
		return r < 0 ? r : hv_ingest_new(t->store, &cfg, NULL, &t->ingest);
	}
	if (sqlite3_open(t->path, &t->db) != SQLITE_OK ||
	    exec(t->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			"PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 64;"
			"PRAGMA journal_size_limit = 1048576") < 0)
		return -EIO;
	for (unsigned k = 0; k < _BARE_MAX; k++)
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

/* n readings, their time added to the round's. */
static int target_run(struct target *t, unsigned n)
{
	double t0 = now_s(), c0 = cpu_s();

	for (unsigned i = 0; i < n; i++)
		if ((is_bare(t->mode) ? bare_one(t) : ingest_one(t)) < 0)
			return -EIO;
	t->seconds += now_s() - t0;
	t->cpu_seconds += cpu_s() - c0;
	return 0;
}

/* One measurement through the real ingest, for the JSON and the rows the
 * bare writer writes. */
static int learn_template(const char *dir, enum mode mode)
{
	struct target t = { .mode = mode };
	sqlite3_stmt *st;
	unsigned n = 0;
	int r;

	r = target_open(&t, dir, 90 + mode);
	if (r >= 0)
		r = ingest_one(&t);
	target_close(&t);
	if (r < 0)
		return r;
	/* The household's reading is its person's, shared with the audience. */
	if (sqlite3_open(t.path, &t.db) != SQLITE_OK ||
	    sqlite3_prepare_v2(t.db,
			       "SELECT json, (SELECT count(*) FROM readings)"
			       " FROM measurements WHERE person = ?1"
			       " AND (SELECT count(*) FROM outbox_audience) = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, is_household(mode) ? PERSON : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int(st, 2, is_household(mode));
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_template[is_household(mode)] =
			strdup((const char *)sqlite3_column_text(st, 0));
		n = (unsigned)sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_close(t.db);
	if (!json_template[is_household(mode)] || !n ||
	    (n_readings && n != n_readings))
		return -EIO;
	n_readings = n;
	return 0;
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

/*
 * What the run wrote besides the backlog filled in: a measurement, its
 * reading rows and outbox rows, audience rows, and measurements assigned to
 * the household's person. The bare writer's must be the ingest's.
 */
struct rows {
	long long measurements, readings, outbox, audience, assigned;
	long long bytes; /* of the measurements' ids and JSON */
};

static int rows_written(const struct target *t, struct rows *ret)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM measurements"
		"  WHERE id NOT LIKE 'fill-%'),"
		" (SELECT count(*) FROM readings"
		"  WHERE measurement_id NOT LIKE 'fill-%'),"
		" (SELECT count(*) FROM outbox"
		"  WHERE measurement_id NOT LIKE 'fill-%'),"
		" (SELECT count(*) FROM outbox_audience),"
		" (SELECT count(*) FROM measurements WHERE person = '" PERSON "'),"
		" (SELECT sum(length(id) + length(json)) FROM measurements"
		"  WHERE id NOT LIKE 'fill-%')";
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	int r = -EIO;

	if (sqlite3_open(t->path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*ret = (struct rows){
			.measurements = sqlite3_column_int64(st, 0),
			.readings = sqlite3_column_int64(st, 1),
			.outbox = sqlite3_column_int64(st, 2),
			.audience = sqlite3_column_int64(st, 3),
			.assigned = sqlite3_column_int64(st, 4),
			.bytes = sqlite3_column_int64(st, 5),
		};
		r = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

/* One round: n readings into every store, a slice from each in turn. Each
 * turn starts one store further, so every store follows every other as
 * often: the one after the count(*) over 100,000 rows finds the caches
 * cold. */
static int round_run(struct target *targets, unsigned n_targets, unsigned n,
		     unsigned slice, unsigned round)
{
	unsigned turn = 0;

	for (unsigned i = 0; i < n_targets; i++) {
		targets[i].seconds = 0;
		targets[i].cpu_seconds = 0;
	}
	for (unsigned done = 0; done < n; done += slice, turn++)
		for (unsigned j = 0; j < n_targets; j++) {
			struct target *t = &targets[(turn + j) % n_targets];

			if (target_run(t, n - done < slice ? n - done : slice) <
			    0) {
				fprintf(stderr, "bench_ingest: %s failed\n",
					mode_name[t->mode]);
				return -EIO;
			}
		}
	for (unsigned i = 0; i < n_targets; i++) {
		targets[i].rates[round] = n / targets[i].seconds;
		targets[i].cpu_usec[round] = 1e6 * targets[i].cpu_seconds / n;
	}
	return 0;
}

/* The median over the rounds of a's rate / b's rate, in %. */
static double median_ratio(const struct target *a, const struct target *b,
			   unsigned rounds)
{
	double r[ROUNDS_MAX];

	for (unsigned k = 0; k < rounds; k++)
		r[k] = 100 * a->rates[k] / b->rates[k];
	return median(r, rounds);
}

int main(void)
{
	unsigned n = env_unsigned("HV_BENCH_INGEST_N", 500);
	unsigned rounds = env_unsigned("HV_BENCH_ROUNDS", 3);
	unsigned slice = env_unsigned("HV_BENCH_SLICE", 1);
	uint64_t pending = env_unsigned("HV_BENCH_PENDING", 100000);
	static const struct {
		enum mode ingest, bare;
		const char *what;
	} pairs[] = {
		{ MODE_INGEST, MODE_BARE, "homevitals ingest" },
		{ MODE_INGEST_HOUSEHOLD, MODE_BARE_HOUSEHOLD,
		  "homevitals ingest, household" },
	};
	/* targets[m + _MODE_MAX * b]: mode m, b: with the backlog */
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
	printf("bench_ingest: stores in %s; %u readings per run in slices of %u, %u rounds, 0 and %llu pending outbox rows\n",
	       dir, n, slice, rounds, (unsigned long long)pending);
	if (learn_template(dir, MODE_INGEST) < 0 ||
	    learn_template(dir, MODE_INGEST_HOUSEHOLD) < 0) {
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
	for (unsigned r = 0; r < rounds && !rc; r++)
		rc = round_run(targets, ELEMENTSOF(targets), n, slice, r) < 0;
	for (unsigned i = 0; i < ELEMENTSOF(targets); i++)
		if (!rc)
			rate[targets[i].mode][i >= _MODE_MAX] =
				median(targets[i].rates, rounds);
	for (unsigned i = 0; i < ELEMENTSOF(targets); i++)
		target_close(&targets[i]);
	for (unsigned k = 0; !rc && k < ELEMENTSOF(pairs); k++)
		for (unsigned b = 0; !rc && b < 2; b++) {
			struct rows in, bare;

			if (rows_written(&targets[pairs[k].ingest + _MODE_MAX * b],
					 &in) < 0 ||
			    rows_written(&targets[pairs[k].bare + _MODE_MAX * b],
					 &bare) < 0 ||
			    memcmp(&in, &bare, sizeof(in)) != 0) {
				fprintf(stderr, "bench_ingest: %s and its bare writer wrote different rows\n",
					pairs[k].what);
				rc = 1;
			} else if (b == 0)
				printf("bench_ingest: %s, per reading (as the bare writer's): %.0f measurement, %.0f reading, %.0f outbox, %.0f audience, %.0f assigned, %.0f bytes of id and JSON\n",
				       pairs[k].what,
				       (double)in.measurements / in.measurements,
				       (double)in.readings / in.measurements,
				       (double)in.outbox / in.measurements,
				       (double)in.audience / in.measurements,
				       (double)in.assigned / in.measurements,
				       (double)in.bytes / in.measurements);
		}
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
	for (unsigned k = 0; k < ELEMENTSOF(pairs); k++)
		for (unsigned b = 0; b < 2; b++) {
			const struct target *in =
				&targets[pairs[k].ingest + _MODE_MAX * b];
			const struct target *bare =
				&targets[pairs[k].bare + _MODE_MAX * b];

			double in_usec = median(in->cpu_usec, rounds);
			double bare_usec = median(bare->cpu_usec, rounds);

			printf("bench_ingest: %s at %llu pending: %.1f %% of bare SQLite (ratio of medians), %.1f %% (median of the rounds' ratios); CPU per reading %.1f us against %.1f us (+%.1f us)\n",
			       pairs[k].what,
			       (unsigned long long)(b ? pending : 0),
			       100 * rate[pairs[k].ingest][b] /
				       rate[pairs[k].bare][b],
			       median_ratio(in, bare, rounds), in_usec,
			       bare_usec, in_usec - bare_usec);
		}
	free(json_template[0]);
	free(json_template[1]);
	hv_config_done(&cfg);
	return 0;
}
