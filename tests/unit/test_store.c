// SPDX-License-Identifier: MIT
/*
 * The SQLite store on real files in a temporary folder: migration from
 * empty, reopen, dedupe, outbox states, reassignment, retention, disk full
 * (PRAGMA max_page_count), corrupt and foreign files, newer schemas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/store/store.h"
#include "tests/unit/tmp_store.h"

#define T0 1710491400000000LL /* 2024-03-15T08:30:00Z */
#define DAY (86400LL * 1000000)

static void make_record(struct hv_record *r, const char *id, int64_t t,
			double kg)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->id, sizeof(r->id), "%s", id);
	(void)snprintf(r->device_address, sizeof(r->device_address),
		       "C8:47:8C:01:02:03");
	(void)snprintf(r->device_model, sizeof(r->device_model),
		       "MI SCALE2");
	r->time_usec = t;
	hv_measurement_init(&r->m, "xiaomi_mi_scale");
	r->m.final = true;
	assert_int_equal(hv_measurement_add(&r->m, HV_METRIC_BODY_WEIGHT, kg),
			 0);
	assert_int_equal(hv_measurement_add_absent(&r->m, HV_METRIC_IMPEDANCE,
						   HV_ABSENT_NRES),
			 0);
}

static struct hv_store *open_ok(unsigned flags)
{
	struct hv_store *s = NULL;
	int r = hv_store_open(dbpath, flags, &s);

	if (r < 0)
		fail_msg("open %s: %s (%s)", dbpath, strerror(-r),
			 hv_store_errmsg(NULL));
	return s;
}

static void add_ok(struct hv_store *s, const char *id, int64_t t, double kg)
{
	struct hv_record rec;

	make_record(&rec, id, t, kg);
	assert_int_equal(hv_store_add(s, &rec), 1);
}

/* Direct SQL, to look under the API. */
static long long query_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE,
					 NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open_v2(dbpath, &db,
					 SQLITE_OPEN_READWRITE |
						 SQLITE_OPEN_CREATE,
					 NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_migrate_from_empty_and_reopen(void **state)
{
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	assert_int_equal(hv_store_schema_version(s),
			 hv_store_schema_version_supported());
	assert_true(hv_store_schema_version(s) >= 1);
	add_ok(s, "m1", T0, 70.5);
	assert_int_equal(hv_store_check(s), 0);
	hv_store_close(s);

	assert_int_equal(query_int("PRAGMA user_version"),
			 hv_store_schema_version_supported());
	assert_int_equal(query_int("SELECT count(*) FROM measurements"), 1);
	{
		sqlite3 *db;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode",
						    -1, &st, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
				    "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}

	/* Reopen: nothing migrates again, data is there. */
	s = open_ok(0);
	{
		char *json = NULL;

		assert_int_equal(hv_store_measurement_json(s, "m1", &json), 0);
		assert_non_null(strstr(json, "\"id\":\"m1\""));
		assert_non_null(strstr(json, "\"body_weight\""));
		free(json);
	}
	hv_store_close(s);

	/* Read-only reopen works and refuses writes. */
	s = open_ok(HV_STORE_READONLY);
	{
		struct hv_record rec;
		uint64_t n;

		make_record(&rec, "m2", T0, 71);
		assert_int_equal(hv_store_add(s, &rec), -EROFS);
		assert_int_equal(hv_store_outbox_count(s, &n), 0);
		assert_int_equal(n, 1);
	}
	hv_store_close(s);
	assert_null(hv_store_close(NULL));
}

static void test_no_create_and_missing(void **state)
{
	struct hv_store *s = NULL;
	char path[160];

	(void)state;
	assert_int_equal(hv_store_open(dbpath, HV_STORE_NO_CREATE, &s),
			 -ENOENT);
	assert_null(s);
	assert_true(access(dbpath, F_OK) < 0);
	assert_int_equal(hv_store_open(dbpath, HV_STORE_READONLY, &s), -ENOENT);
	assert_true(strlen(hv_store_errmsg(NULL)) > 0);
	(void)snprintf(path, sizeof(path), "%s/no/such/dir/db", tmpdir);
	assert_int_equal(hv_store_open(path, 0, &s), -ENOENT);
	assert_int_equal(hv_store_open("", 0, &s), -EINVAL);
}

static void test_unwritable_dir(void **state)
{
	struct hv_store *s = NULL;
	char dir[128], path[160];

	(void)state;
	if (geteuid() == 0) {
		skip(); /* root ignores permissions */
		return;
	}
	(void)snprintf(dir, sizeof(dir), "%s/ro", tmpdir);
	assert_int_equal(mkdir(dir, 0500), 0);
	(void)snprintf(path, sizeof(path), "%s/db", dir);
	assert_int_equal(hv_store_open(path, 0, &s), -EACCES);
	assert_int_equal(chmod(dir, 0700), 0);
}

static void test_dedupe(void **state)
{
	struct hv_store *s;
	struct hv_record rec;
	uint64_t n;

	(void)state;
	s = open_ok(0);
	make_record(&rec, "same", T0, 80);
	assert_int_equal(hv_store_add(s, &rec), 1);
	/* The same event seen again, even with different values: once. */
	make_record(&rec, "same", T0 + 5, 81);
	assert_int_equal(hv_store_add(s, &rec), 0);
	assert_int_equal(hv_store_outbox_count(s, &n), 0);
	assert_int_equal(n, 1);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM measurements"), 1);
	assert_int_equal(query_int("SELECT count(*) FROM readings"), 2);
	assert_int_equal(query_int("SELECT count(*) FROM outbox"), 1);
	assert_int_equal(query_int("SELECT time_usec FROM measurements"), T0);
}

static void test_rejects_invalid(void **state)
{
	struct hv_store *s;
	struct hv_record rec;

	(void)state;
	s = open_ok(0);
	make_record(&rec, "", T0, 80);
	assert_int_equal(hv_store_add(s, &rec), -EINVAL);
	make_record(&rec, "bad", T0, 80);
	hv_measurement_invalid(&rec.m, "broken");
	assert_int_equal(hv_store_add(s, &rec), -EINVAL);
	make_record(&rec, "badmetric", T0, 80);
	rec.m.readings[0].metric = _HV_METRIC_MAX;
	assert_true(hv_store_add(s, &rec) < 0);
	hv_store_close(s);
	/* nothing half-written */
	assert_int_equal(query_int("SELECT count(*) FROM measurements"), 0);
	assert_int_equal(query_int("SELECT count(*) FROM readings"), 0);
	assert_int_equal(query_int("SELECT count(*) FROM outbox"), 0);
}

static void test_outbox_states(void **state)
{
	struct hv_outbox_item items[8];
	struct hv_store *s;
	size_t n;
	uint64_t count;

	(void)state;
	s = open_ok(0);
	add_ok(s, "a", T0, 70);
	add_ok(s, "b", T0 + 1, 71);
	add_ok(s, "c", T0 + 2, 72);

	assert_int_equal(hv_store_outbox_next(s, 0, 8, items, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].id, "a");
	assert_string_equal(items[1].id, "b");
	assert_string_equal(items[2].id, "c");
	assert_true(items[0].seq < items[1].seq && items[1].seq < items[2].seq);
	assert_int_equal(items[0].attempts, 0);
	assert_string_equal(items[0].person, "");
	assert_non_null(strstr(items[0].json, "\"id\":\"a\""));
	int64_t seq_a = items[0].seq, seq_b = items[1].seq,
		seq_c = items[2].seq;
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);
	hv_outbox_item_done(NULL);

	/* after_seq and max page through in order */
	assert_int_equal(hv_store_outbox_next(s, seq_a, 1, items, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].id, "b");
	hv_outbox_item_done(&items[0]);
	assert_int_equal(hv_store_outbox_next(s, seq_c, 8, items, &n), 0);
	assert_int_equal(n, 0);

	/* a failed attempt is counted, with its error */
	assert_int_equal(hv_store_outbox_mark_attempt(s, seq_b, "no PUBACK"), 0);
	assert_int_equal(hv_store_outbox_mark_attempt(s, seq_b, "refused"), 0);
	assert_int_equal(hv_store_outbox_next(s, seq_a, 1, items, &n), 0);
	assert_int_equal(items[0].attempts, 2);
	hv_outbox_item_done(&items[0]);

	/* delivered leaves the outbox */
	assert_int_equal(hv_store_outbox_mark_delivered(s, seq_a), 0);
	assert_int_equal(hv_store_outbox_mark_delivered(s, seq_a), 0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(hv_store_outbox_next(s, 0, 8, items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, "b");
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);

	assert_int_equal(hv_store_outbox_mark_delivered(s, 9999), -ENOENT);
	assert_int_equal(hv_store_outbox_mark_attempt(s, 9999, "x"), -ENOENT);
	hv_store_close(s);

	/* survives a reopen */
	s = open_ok(0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 2);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT last_error = 'refused' FROM outbox"
				   " WHERE measurement_id = 'b'"),
			 1);
}

static void test_reassign(void **state)
{
	struct hv_outbox_item items[4];
	struct hv_store *s;
	char *json = NULL;
	size_t n;
	uint64_t count;

	(void)state;
	s = open_ok(0);
	add_ok(s, "x", T0, 70);
	add_ok(s, "y", T0 + 1, 90);
	assert_int_equal(hv_store_outbox_next(s, 0, 4, items, &n), 0);
	assert_int_equal(n, 2);
	int64_t seq_x = items[0].seq;
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);
	assert_int_equal(hv_store_outbox_mark_delivered(s, seq_x), 0);

	/* delivered x: requeued as a correction, derived by the store */
	assert_int_equal(hv_store_reassign(s, "x", "p-anna", NULL), 0);
	assert_int_equal(hv_store_measurement_json(s, "x", &json), 0);
	assert_non_null(strstr(json, "\"person\":\"p-anna\""));
	assert_non_null(strstr(json, "\"correction\":true"));
	free(json);

	/* pending y: its old form is superseded, only the new one goes */
	assert_int_equal(hv_store_reassign(s, "y", "p-ben",
					   "{\"id\":\"y\",\"person\":\"p-ben\","
					   "\"correction\":true}"),
			 0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 2);
	assert_int_equal(hv_store_outbox_next(s, 0, 4, items, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].id, "x");
	assert_string_equal(items[0].person, "p-anna");
	assert_true(items[0].seq > seq_x);
	assert_string_equal(items[1].id, "y");
	assert_string_equal(items[1].person, "p-ben");
	assert_string_equal(items[1].json,
			    "{\"id\":\"y\",\"person\":\"p-ben\",\"correction\":true}");
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);

	/* unassign */
	assert_int_equal(hv_store_reassign(s, "x", "", NULL), 0);
	assert_int_equal(hv_store_measurement_json(s, "x", &json), 0);
	assert_non_null(strstr(json, "\"person\":null"));
	free(json);

	assert_int_equal(hv_store_reassign(s, "nope", "p", NULL), -ENOENT);
	assert_int_equal(hv_store_reassign(s, "x", "p", "{\"id\":\"other\"}"),
			 -EINVAL);
	assert_int_equal(hv_store_reassign(s, "x", "p", "not json"), -EINVAL);
	assert_int_equal(hv_store_measurement_json(s, "nope", &json), -ENOENT);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM outbox WHERE state ="
				   " 'superseded'"),
			 2);
}

struct collected {
	unsigned n;
	char ids[16][16];
	char metrics[16][32];
	bool has_value[16];
	double values[16];
	char absent[16][8];
	char person[16][16];
	int stop_after;
};

static int collect_row(const struct hv_reading_row *row, void *userdata)
{
	struct collected *c = userdata;

	if (c->n >= 16)
		return -ENOBUFS;
	(void)snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s",
		       row->measurement_id);
	(void)snprintf(c->metrics[c->n], sizeof(c->metrics[0]), "%s",
		       row->metric);
	(void)snprintf(c->absent[c->n], sizeof(c->absent[0]), "%s",
		       row->absent_reason ? row->absent_reason : "");
	(void)snprintf(c->person[c->n], sizeof(c->person[0]), "%s",
		       row->person);
	c->has_value[c->n] = row->has_value;
	c->values[c->n] = row->value;
	c->n++;
	if (c->stop_after && c->n == (unsigned)c->stop_after)
		return -ECANCELED;
	return 0;
}

static void test_readings_filter(void **state)
{
	struct hv_reading_filter f = { 0 };
	struct collected c;
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	add_ok(s, "r2", T0 + 2 * DAY, 72);
	add_ok(s, "r1", T0 + DAY, 71);
	add_ok(s, "r0", T0, 70);
	assert_int_equal(hv_store_reassign(s, "r1", "anna", NULL), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(hv_store_readings_foreach(s, NULL, collect_row, &c),
			 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.ids[0], "r0"); /* oldest first */
	assert_string_equal(c.metrics[0], "body_weight");
	assert_true(c.has_value[0]);
	assert_true(c.values[0] > 69.99 && c.values[0] < 70.01);
	assert_string_equal(c.metrics[1], "impedance");
	assert_false(c.has_value[1]);
	assert_string_equal(c.absent[1], "nres");
	assert_string_equal(c.ids[5], "r2");

	memset(&c, 0, sizeof(c));
	f.metric = "body_weight";
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 3);

	memset(&c, 0, sizeof(c));
	f.person = "anna";
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "r1");
	assert_string_equal(c.person[0], "anna");

	memset(&c, 0, sizeof(c));
	f.person = ""; /* unassigned */
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 2);

	memset(&c, 0, sizeof(c));
	f.person = NULL;
	f.since_usec = T0 + DAY;
	f.until_usec = T0 + 2 * DAY; /* exclusive */
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "r1");

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(hv_store_readings_foreach(s, NULL, collect_row, &c),
			 -ECANCELED);
	assert_int_equal(c.n, 2);
	hv_store_close(s);
}

/* A reassignment with re-derived readings: the reading rows follow the new
 * JSON in the same transaction (person, and readings added or gone). */
static void test_reassign_rederived_readings(void **state)
{
	struct hv_reading_filter f = { 0 };
	struct collected c;
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	add_ok(s, "m", T0, 64.2);
	add_ok(s, "other", T0 + 1, 80);
	assert_int_equal(
		hv_store_reassign(s, "m", "anna",
				  "{\"id\":\"m\",\"person\":\"anna\","
				  "\"correction\":true,\"readings\":["
				  "{\"metric\":\"body_weight\",\"value\":64.2,"
				  "\"unit\":\"kg\"},"
				  "{\"metric\":\"bmi\",\"value\":23.6,"
				  "\"unit\":\"kg/m2\",\"method\":\"test_formula\"},"
				  "{\"metric\":\"body_fat_percent\",\"value\":null,"
				  "\"absent_reason\":\"nan\",\"unit\":\"%\"}]}"),
		0);

	memset(&c, 0, sizeof(c));
	f.person = "anna";
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.metrics[0], "body_weight");
	assert_string_equal(c.metrics[1], "bmi");
	assert_true(c.values[1] > 23.59 && c.values[1] < 23.61);
	assert_string_equal(c.metrics[2], "body_fat_percent");
	assert_false(c.has_value[2]);
	assert_string_equal(c.absent[2], "nan");

	memset(&c, 0, sizeof(c));
	f.person = NULL;
	f.metric = "impedance"; /* gone from m, still on the other one */
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "other");
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " measurement_id = 'm' AND method ="
				   " 'test_formula'"),
			 1);

	/* An invalid reading: refused, nothing changed. */
	assert_int_equal(hv_store_reassign(s, "m", "ben",
					   "{\"id\":\"m\",\"readings\":["
					   "{\"metric\":\"no_such\",\"value\":1}]}"),
			 -EINVAL);
	assert_int_equal(hv_store_reassign(s, "m", "ben",
					   "{\"id\":\"m\",\"readings\":["
					   "{\"metric\":\"bmi\",\"value\":null}]}"),
			 -EINVAL);
	assert_int_equal(hv_store_reassign(s, "m", "ben",
					   "{\"id\":\"m\",\"readings\":["
					   "{\"metric\":\"body_weight\",\"value\":1,"
					   "\"unit\":\"[lb_av]\"}]}"),
			 -EINVAL);
	assert_int_equal(hv_store_reassign(s, "m", "ben",
					   "{\"id\":\"m\",\"readings\":{}}"),
			 -EINVAL);
	memset(&c, 0, sizeof(c));
	f.metric = NULL;
	f.person = "anna";
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 3);

	/* Without "readings" in the new JSON the rows stay; the person of a
	 * row is the measurement's. */
	assert_int_equal(hv_store_reassign(s, "m", "",
					   "{\"id\":\"m\",\"person\":null}"),
			 0);
	memset(&c, 0, sizeof(c));
	f.person = "";
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 5);
	hv_store_close(s);
}

/* A version 1 store where a reassignment left stale reading rows: the
 * migration to version 2 rebuilds them from the stored JSON. */
static void test_migrate_stale_reassigned_rows(void **state)
{
	struct hv_reading_filter f = { .metric = "bmi" };
	struct collected c;
	struct hv_store *s;

	(void)state;
	assert_true(hv_store_schema_version_supported() >= 2);
	s = open_ok(0);
	add_ok(s, "m", T0, 64.2);
	add_ok(s, "plain", T0 + 1, 80);
	hv_store_close(s);
	/* What version 1 left behind: JSON re-derived, rows the old ones. */
	exec_sql("UPDATE measurements SET person = 'anna', json ="
		 " '{\"id\":\"m\",\"person\":\"anna\",\"correction\":true,"
		 "\"readings\":[{\"metric\":\"body_weight\",\"value\":64.2,"
		 "\"unit\":\"kg\"},{\"metric\":\"bmi\",\"value\":23.6,"
		 "\"unit\":\"kg/m2\",\"method\":\"f\"},{\"metric\":"
		 "\"body_fat_percent\",\"value\":null,\"absent_reason\":"
		 "\"nres\",\"unit\":\"%\"},{\"metric\":null}]}'"
		 " WHERE id = 'm'; PRAGMA user_version = 1;");
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " metric = 'bmi'"),
			 0);

	s = open_ok(0);
	assert_int_equal(hv_store_schema_version(s),
			 hv_store_schema_version_supported());
	memset(&c, 0, sizeof(c));
	assert_int_equal(hv_store_readings_foreach(s, &f, collect_row, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "m");
	assert_string_equal(c.person[0], "anna");
	assert_true(c.values[0] > 23.59 && c.values[0] < 23.61);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " measurement_id = 'm'"),
			 3);
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " measurement_id = 'm' AND metric ="
				   " 'body_fat_percent' AND value IS NULL AND"
				   " absent_reason = 'nres'"),
			 1);
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " measurement_id = 'plain'"),
			 2);
}

static void test_retention_never_prunes_undelivered(void **state)
{
	struct hv_outbox_item items[8];
	struct hv_store *s;
	uint64_t deleted = 99, count;
	size_t n;
	char *json;

	(void)state;
	s = open_ok(0);
	add_ok(s, "old-delivered", T0, 70);
	add_ok(s, "old-pending", T0 + 1, 71);
	add_ok(s, "old-failing", T0 + 2, 72);
	add_ok(s, "new-delivered", T0 + 30 * DAY, 73);
	/* Retention keys on the receive time: received when they were taken. */
	exec_sql("UPDATE measurements SET received_usec = time_usec");
	assert_int_equal(hv_store_outbox_next(s, 0, 8, items, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(hv_store_outbox_mark_delivered(s, items[0].seq), 0);
	assert_int_equal(hv_store_outbox_mark_attempt(s, items[2].seq, "x"), 0);
	assert_int_equal(hv_store_outbox_mark_delivered(s, items[3].seq), 0);
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);

	assert_int_equal(hv_store_prune(s, T0 + 10 * DAY, false, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(hv_store_measurement_json(s, "old-delivered", &json),
			 -ENOENT);
	assert_int_equal(hv_store_measurement_json(s, "old-pending", &json), 0);
	free(json);
	assert_int_equal(hv_store_measurement_json(s, "old-failing", &json), 0);
	free(json);
	assert_int_equal(hv_store_measurement_json(s, "new-delivered", &json),
			 0);
	free(json);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 2);

	/* A delivered one that was requeued (correction) is pending again. */
	assert_int_equal(hv_store_reassign(s, "new-delivered", "p", NULL), 0);
	assert_int_equal(hv_store_prune(s, T0 + 100 * DAY, false, &deleted), 0);
	assert_int_equal(deleted, 0);
	hv_store_close(s);

	/* readings and outbox rows went with the measurement */
	assert_int_equal(query_int("SELECT count(*) FROM readings WHERE"
				   " measurement_id = 'old-delivered'"),
			 0);
	assert_int_equal(query_int("SELECT count(*) FROM outbox WHERE"
				   " measurement_id = 'old-delivered'"),
			 0);
	assert_int_equal(query_int("SELECT count(*) FROM measurements"), 3);
}

/* The kept backlog against SELECT count(*), and against the expected n. */
static void assert_backlog(struct hv_store *s, uint64_t want)
{
	uint64_t kept = 99, counted = 98;

	assert_int_equal(hv_store_backlog(s, &kept), 0);
	assert_int_equal(hv_store_outbox_count(s, &counted), 0);
	assert_int_equal(kept, counted);
	assert_int_equal(kept, want);
}

/* With no broker configured nothing will ever deliver: retention goes by
 * age alone, pending rows included, and the backlog follows. */
static void test_retention_without_a_broker(void **state)
{
	struct hv_store *s;
	uint64_t deleted = 99, backlog = 99;
	char *json;

	(void)state;
	s = open_ok(0);
	add_ok(s, "old-1", T0, 70);
	add_ok(s, "old-2", T0 + 1, 71);
	add_ok(s, "new", T0 + 30 * DAY, 72);
	exec_sql("UPDATE measurements SET received_usec = time_usec");
	/* as with a broker: nothing delivered, nothing pruned */
	assert_int_equal(hv_store_prune(s, T0 + 10 * DAY, false, &deleted), 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(hv_store_prune(s, T0 + 10 * DAY, true, &deleted), 0);
	assert_int_equal(deleted, 2);
	assert_int_equal(hv_store_measurement_json(s, "old-1", &json), -ENOENT);
	assert_int_equal(hv_store_measurement_json(s, "new", &json), 0);
	free(json);
	assert_int_equal(hv_store_backlog(s, &backlog), 0);
	assert_int_equal(backlog, 1);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM outbox"), 1);
}

/* The write-ahead log stays small: checkpointed every 256 KiB and cut
 * back, where SQLite's defaults let it reach 4 MiB and stay there. */
static void test_wal_stays_small(void **state)
{
	struct hv_store *s;
	char path[512], id[32];
	struct stat st;
	off_t peak = 0;

	(void)state;
	s = open_ok(0);
	(void)snprintf(path, sizeof(path), "%s-wal", dbpath);
	for (unsigned i = 0; i < 400; i++) {
		(void)snprintf(id, sizeof(id), "wal%u", i);
		add_ok(s, id, T0 + i, 70 + i % 10);
		if (stat(path, &st) == 0 && st.st_size > peak)
			peak = st.st_size;
	}
	print_message("WAL peak %lld bytes over 400 measurements\n",
		      (long long)peak);
	assert_true(peak > 0);
	assert_true(peak <= 1536 * 1024);
	hv_store_close(s);
}

static void seen_at(struct hv_store *s, const char *address, int64_t t)
{
	struct hv_device_info d = { .battery = -1, .last_sequence = -1 };

	(void)snprintf(d.address, sizeof(d.address), "%s", address);
	d.last_seen_usec = t;
	assert_int_equal(hv_store_devices_seen(s, &d, 1), 0);
}

/* The devices table stays bounded: passers-by go, what matters stays. */
static void test_prune_devices(void **state)
{
	struct hv_store *s;
	struct hv_device_info d;
	uint64_t deleted = 99;

	(void)state;
	s = open_ok(0);
	seen_at(s, "AA:00:00:00:00:01", T0);		/* a passer-by */
	seen_at(s, "AA:00:00:00:00:02", T0);		/* linked */
	seen_at(s, "C8:47:8C:01:02:03", T0);		/* has a measurement */
	seen_at(s, "AA:00:00:00:00:04", T0 + 40 * DAY); /* heard lately */
	assert_int_equal(hv_store_link_set(s, "AA:00:00:00:00:02", 1, NULL, 7),
			 0);
	add_ok(s, "m1", T0, 70); /* from C8:47:8C:01:02:03 */
	assert_int_equal(hv_store_prune_devices(s, T0 + 30 * DAY, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(hv_store_device_get(s, "AA:00:00:00:00:01", &d),
			 -ENOENT);
	assert_int_equal(hv_store_device_get(s, "AA:00:00:00:00:02", &d), 0);
	assert_int_equal(hv_store_device_get(s, "C8:47:8C:01:02:03", &d), 0);
	assert_int_equal(hv_store_device_get(s, "AA:00:00:00:00:04", &d), 0);
	hv_store_close(s);
}

static void test_backlog_counter(void **state)
{
	struct hv_outbox_item items[8];
	struct hv_store *s;
	struct hv_record rec;
	int64_t seqs[2];
	uint64_t deleted;
	size_t n;
	char id[16];

	(void)state;
	s = open_ok(0);
	assert_backlog(s, 0);
	add_ok(s, "a", T0, 70);
	add_ok(s, "b", T0 + 1, 71);
	add_ok(s, "c", T0 + 30 * DAY, 72);
	/* Retention keys on the receive time: received when they were taken. */
	exec_sql("UPDATE measurements SET received_usec = time_usec");
	assert_backlog(s, 3);
	make_record(&rec, "a", T0, 70);
	assert_int_equal(hv_store_add(s, &rec), 0); /* duplicate */
	assert_backlog(s, 3);

	assert_int_equal(hv_store_outbox_next(s, 0, 8, items, &n), 0);
	assert_int_equal(n, 3);
	seqs[0] = items[0].seq;
	seqs[1] = items[1].seq;
	assert_int_equal(hv_store_outbox_mark_attempt(s, items[2].seq, "x"), 0);
	assert_backlog(s, 3);
	assert_int_equal(hv_store_outbox_mark_delivered_many(s, seqs, 2), 0);
	assert_backlog(s, 1);
	/* marked again: found, and no longer pending */
	assert_int_equal(hv_store_outbox_mark_delivered(s, seqs[0]), 0);
	assert_backlog(s, 1);
	/* an unknown row fails the whole group */
	seqs[1] = 424242;
	assert_int_equal(hv_store_outbox_mark_delivered_many(s, seqs, 2),
			 -ENOENT);
	assert_backlog(s, 1);

	/* requeued by reassignment: a delivered one comes back ... */
	assert_int_equal(hv_store_reassign(s, "a", "p", NULL), 0);
	assert_backlog(s, 2);
	/* ... a pending one is superseded by its new form */
	assert_int_equal(hv_store_reassign(s, "c", "p", NULL), 0);
	assert_backlog(s, 2);
	/* the superseded row acknowledged late stays out of the count */
	assert_int_equal(hv_store_outbox_mark_delivered(s, items[2].seq), 0);
	assert_backlog(s, 2);
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);

	assert_int_equal(hv_store_prune(s, T0 + 10 * DAY, false, &deleted), 0);
	assert_int_equal(deleted, 1); /* "b" */
	assert_backlog(s, 2);

	/* a rolled back insert (disk full) counts nothing */
	assert_int_equal(hv_store_set_max_pages(s, 1), 0);
	for (unsigned i = 0; i < 64; i++) {
		(void)snprintf(id, sizeof(id), "full%u", i);
		make_record(&rec, id, T0 + 2 + i, 70);
		if (hv_store_add(s, &rec) < 0)
			break;
	}
	assert_backlog(s, query_int("SELECT count(*) FROM outbox"
				    " WHERE state = 'pending'"));
	assert_int_equal(hv_store_set_max_pages(s, 0), 0);

	/* another connection's commit (the CLI) is counted again */
	exec_sql("UPDATE outbox SET state = 'delivered'");
	assert_backlog(s, 0);
	hv_store_close(s);

	exec_sql("UPDATE outbox SET state = 'pending'"
		 " WHERE measurement_id = 'a'");
	s = open_ok(0);
	assert_backlog(s, (uint64_t)query_int("SELECT count(*) FROM outbox"
					      " WHERE measurement_id = 'a'"));
	add_ok(s, "d", T0 + 40 * DAY, 73);
	assert_backlog(s, (uint64_t)query_int("SELECT count(*) FROM outbox"
					      " WHERE state = 'pending'"));
	hv_store_close(s);
}

static void test_disk_full(void **state)
{
	struct hv_store *s;
	struct hv_record rec;
	unsigned stored = 0;
	char id[32];
	int r = 0;
	uint64_t count;

	(void)state;
	s = open_ok(0);
	add_ok(s, "before", T0, 70);
	assert_int_equal(hv_store_person_add(s, &(struct hv_person){
							 .id = "anna",
							 .name = "Anna" }),
			 0);
	/* The file may not grow past its current size plus a little. */
	assert_int_equal(hv_store_set_max_pages(s, 12), 0);
	for (unsigned i = 0; i < 5000; i++) {
		(void)snprintf(id, sizeof(id), "fill-%u", i);
		make_record(&rec, id, T0 + i + 1, 70 + i * 0.01);
		for (int k = 0; k < 40; k++)
			assert_int_equal(hv_measurement_add(&rec.m,
							    HV_METRIC_RR_INTERVAL,
							    0.8 + k),
					 0);
		r = hv_store_add(s, &rec);
		if (r < 0)
			break;
		stored++;
	}
	assert_int_equal(r, -ENOSPC);
	assert_true(strlen(hv_store_errmsg(s)) > 0);
	assert_true(stored > 0);

	/* The failed one left nothing behind. */
	assert_int_equal(hv_store_measurement_json(s, id, &(char *){ NULL }),
			 -ENOENT);
	/* Trying again fails the same way, reads still work. */
	assert_int_equal(hv_store_add(s, &rec), -ENOSPC);
	assert_int_equal(hv_store_person_get(s, "anna", &(struct hv_person){ 0 }),
			 0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, stored + 1);

	/* Space back: writing works again. */
	assert_int_equal(hv_store_set_max_pages(s, 0), 0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	hv_store_close(s);

	/* Everything stored before is intact and readable after a reopen. */
	s = open_ok(0);
	assert_int_equal(hv_store_check(s), 0);
	{
		char *json = NULL;
		struct hv_person p;

		assert_int_equal(hv_store_measurement_json(s, "before", &json),
				 0);
		assert_non_null(strstr(json, "\"id\":\"before\""));
		free(json);
		assert_int_equal(hv_store_person_get(s, "anna", &p), 0);
		assert_string_equal(p.name, "Anna");
		assert_int_equal(hv_store_outbox_count(s, &count), 0);
		assert_int_equal(count, stored + 2);
	}
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM measurements m WHERE"
				   " (SELECT count(*) FROM readings r WHERE"
				   "  r.measurement_id = m.id) != 42"),
			 1 /* only "before", with its 2 readings */);
	assert_int_equal(query_int("SELECT count(*) FROM measurements m WHERE"
				   " NOT EXISTS (SELECT 1 FROM outbox o WHERE"
				   "  o.measurement_id = m.id)"),
			 0);
}

static void test_not_a_database(void **state)
{
	struct hv_store *s = NULL;
	FILE *f;

	(void)state;
	f = fopen(dbpath, "wb");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7 + 3) & 0xff, f);
	fclose(f);
	assert_int_equal(hv_store_open(dbpath, 0, &s), -EBADMSG);
	assert_null(s);
	assert_non_null(strstr(hv_store_errmsg(NULL), dbpath));
	assert_int_equal(hv_store_open(dbpath, HV_STORE_READONLY, &s),
			 -EBADMSG);
}

static void test_corrupt_page(void **state)
{
	struct hv_store *s = NULL;
	int fd, r;
	char junk[4096];
	struct stat st;

	(void)state;
	s = open_ok(0);
	for (int i = 0; i < 50; i++) {
		char id[16];

		(void)snprintf(id, sizeof(id), "c%d", i);
		add_ok(s, id, T0 + i, 70);
	}
	hv_store_close(s); /* checkpoints the WAL into the main file */

	/* Overwrite everything after the first page with junk. */
	assert_int_equal(stat(dbpath, &st), 0);
	assert_true(st.st_size > 4 * 4096);
	memset(junk, 0x5a, sizeof(junk));
	fd = open(dbpath, O_WRONLY);
	assert_true(fd >= 0);
	for (off_t off = 4096; off < st.st_size; off += 4096)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), off),
				 sizeof(junk));
	close(fd);

	r = hv_store_open(dbpath, 0, &s);
	if (r == 0) {
		/* The header was intact: the damage shows on use and check. */
		uint64_t n;

		assert_int_equal(hv_store_check(s), -EBADMSG);
		assert_non_null(strstr(hv_store_errmsg(s), "corrupt"));
		assert_int_equal(hv_store_outbox_count(s, &n), -EBADMSG);
		hv_store_close(s);
	} else
		assert_int_equal(r, -EBADMSG);
}

static void test_newer_schema(void **state)
{
	struct hv_store *s = NULL;
	char sql[64];

	(void)state;
	s = open_ok(0);
	s = hv_store_close(s);
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		       hv_store_schema_version_supported() + 1);
	exec_sql(sql);
	assert_int_equal(hv_store_open(dbpath, 0, &s), -EPROTONOSUPPORT);
	assert_null(s);
	assert_non_null(strstr(hv_store_errmsg(NULL), "newer"));
	assert_int_equal(hv_store_open(dbpath, HV_STORE_READONLY, &s),
			 -EPROTONOSUPPORT);
	/* and the file was not touched */
	assert_int_equal(query_int("PRAGMA user_version"),
			 hv_store_schema_version_supported() + 1);
}

static void test_failed_migration_rolls_back(void **state)
{
	struct hv_store *s = NULL;

	(void)state;
	/* A table in the way of migration 1: it must fail as a whole. */
	exec_sql("CREATE TABLE outbox (x); INSERT INTO outbox VALUES (1);");
	assert_int_equal(hv_store_open(dbpath, 0, &s), -EIO);
	assert_non_null(strstr(hv_store_errmsg(NULL), "migrating"));
	assert_int_equal(query_int("PRAGMA user_version"), 0);
	assert_int_equal(query_int("SELECT count(*) FROM sqlite_master WHERE"
				   " name = 'measurements'"),
			 0);
	assert_int_equal(query_int("SELECT x FROM outbox"), 1);
}

static void test_old_schema_readonly(void **state)
{
	struct hv_store *s = NULL;

	(void)state;
	exec_sql("CREATE TABLE t (x)"); /* a database at version 0 */
	assert_int_equal(hv_store_open(dbpath, HV_STORE_READONLY, &s), -EROFS);
	assert_non_null(strstr(hv_store_errmsg(NULL), "migrat"));
}

struct device_list {
	unsigned n;
	char addr[4][HV_ADDRESS_MAX];
};

static int collect_device(const struct hv_device_info *d, void *userdata)
{
	struct device_list *l = userdata;

	if (l->n < 4)
		memcpy(l->addr[l->n++], d->address, HV_ADDRESS_MAX);
	return 0;
}

static int stop_device(const struct hv_device_info *d, void *userdata)
{
	(void)d;
	(void)userdata;
	return -EINTR;
}

static void test_devices(void **state)
{
	struct hv_device_info d = { 0 }, got;
	struct device_list l = { 0 };
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	(void)snprintf(d.address, sizeof(d.address), "AA:BB:CC:DD:EE:01");
	(void)snprintf(d.driver, sizeof(d.driver), "xiaomi_mi_scale");
	(void)snprintf(d.name, sizeof(d.name), "MIBFS");
	d.rssi = -60;
	d.battery = 80;
	d.last_seen_usec = T0;
	assert_int_equal(hv_store_device_seen(s, &d), 0);
	assert_int_equal(hv_store_device_get(s, d.address, &got), 0);
	assert_string_equal(got.driver, "xiaomi_mi_scale");
	assert_string_equal(got.name, "MIBFS");
	assert_int_equal(got.rssi, -60);
	assert_int_equal(got.battery, 80);
	assert_int_equal(got.last_seen_usec, T0);
	assert_int_equal(got.last_sequence, -1);

	/* Unknown fields keep what was known. */
	d.name[0] = '\0';
	d.battery = -1;
	d.rssi = 0;
	d.last_seen_usec = T0 + 10;
	assert_int_equal(hv_store_device_seen(s, &d), 0);
	assert_int_equal(hv_store_device_get(s, d.address, &got), 0);
	assert_string_equal(got.name, "MIBFS");
	assert_int_equal(got.battery, 80);
	assert_int_equal(got.rssi, -60);
	assert_int_equal(got.last_seen_usec, T0 + 10);

	assert_int_equal(hv_store_device_set_sequence(s, d.address, 17), 0);
	assert_int_equal(hv_store_device_get(s, d.address, &got), 0);
	assert_int_equal(got.last_sequence, 17);
	assert_int_equal(hv_store_device_set_sequence(s, "AA:BB:CC:DD:EE:02",
						      3),
			 0);
	(void)snprintf(d.address, sizeof(d.address), "AA:BB:CC:DD:EE:03");
	d.last_seen_usec = T0 + 20;
	assert_int_equal(hv_store_device_seen(s, &d), 0);

	assert_int_equal(hv_store_devices_foreach(s, collect_device, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.addr[0], "AA:BB:CC:DD:EE:03");
	assert_string_equal(l.addr[1], "AA:BB:CC:DD:EE:01");
	assert_string_equal(l.addr[2], "AA:BB:CC:DD:EE:02");
	assert_int_equal(hv_store_devices_foreach(s, stop_device, NULL),
			 -EINTR);
	assert_int_equal(hv_store_device_get(s, "00:00:00:00:00:00", &got),
			 -ENOENT);
	hv_store_close(s);
}

static void test_people_and_links(void **state)
{
	struct hv_person p = { .id = "anna", .name = "Anna", .height_m = 1.7,
			       .birth_date = "1980-02-29", .sex = HV_SEX_FEMALE,
			       .weight_min_kg = 55, .weight_max_kg = 70 };
	struct hv_person got, *list = NULL;
	char person[HV_PERSON_MAX];
	struct hv_store *s;
	size_t n;
	int consent;

	(void)state;
	s = open_ok(0);
	assert_int_equal(hv_store_person_add(s, &p), 0);
	assert_int_equal(hv_store_person_add(s, &p), -EEXIST);
	assert_non_null(strstr(hv_store_errmsg(s), "anna"));
	assert_int_equal(hv_store_person_get(s, "anna", &got), 0);
	assert_string_equal(got.name, "Anna");
	assert_string_equal(got.birth_date, "1980-02-29");
	assert_int_equal(got.sex, HV_SEX_FEMALE);
	assert_true(got.height_m > 1.69 && got.height_m < 1.71);
	assert_true(got.weight_max_kg > 69.9);

	p.last_weight_kg = 62.5;
	assert_int_equal(hv_store_person_update(s, &p), 0);
	assert_int_equal(hv_store_person_get(s, "anna", &got), 0);
	assert_true(got.last_weight_kg > 62.4 && got.last_weight_kg < 62.6);
	struct hv_person ghost = { .id = "ghost" };
	assert_int_equal(hv_store_person_update(s, &ghost), -ENOENT);
	assert_int_equal(hv_store_person_add(s, &(struct hv_person){ .id = "" }),
			 -EINVAL);

	struct hv_person ben = { .id = "ben" };
	assert_int_equal(hv_store_person_add(s, &ben), 0);
	assert_int_equal(hv_store_people_list(s, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, "anna");
	assert_string_equal(list[1].id, "ben");
	free(list);

	/* links */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:01", 1, "anna",
					   1234),
			 0);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:01", 1, person,
					   &consent),
			 0);
	assert_string_equal(person, "anna");
	assert_int_equal(consent, 1234);
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:01", 1, "ben",
					   -1),
			 0);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:01", 1, person,
					   NULL),
			 0);
	assert_string_equal(person, "ben");
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:01", 2, "nobody",
					   0),
			 -ENOENT);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:01", 2, person,
					   NULL),
			 -ENOENT);
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:01", 3, "anna",
					   7),
			 0);
	assert_int_equal(hv_store_link_remove(s, "AA:BB:CC:DD:EE:01", 3), 0);
	assert_int_equal(hv_store_link_remove(s, "AA:BB:CC:DD:EE:01", 3),
			 -ENOENT);

	/* removing a person unlinks the slot, the consent code stays */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:01", 1, NULL,
					   4321),
			 0);
	assert_int_equal(hv_store_person_remove(s, "ben"), 0);
	assert_int_equal(hv_store_person_remove(s, "ben"), -ENOENT);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:01", 1, person,
					   &consent),
			 0);
	assert_string_equal(person, "");
	assert_int_equal(consent, 4321);

	/* a slot registered on the device before anyone links it */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:02", 4, NULL,
					   77),
			 0);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:02", 4, person,
					   &consent),
			 0);
	assert_string_equal(person, "");
	assert_int_equal(consent, 77);
	/* linking later keeps the code (consent -1: unchanged) */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:02", 4, "anna",
					   -1),
			 0);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:02", 4, person,
					   &consent),
			 0);
	assert_string_equal(person, "anna");
	assert_int_equal(consent, 77);
	/* "" unlinks, keeping the slot */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:02", 4, "", -1),
			 0);
	assert_int_equal(hv_store_link_get(s, "AA:BB:CC:DD:EE:02", 4, person,
					   &consent),
			 0);
	assert_string_equal(person, "");
	assert_int_equal(consent, 77);
	hv_store_close(s);
}

struct links_seen {
	unsigned n;
	char text[8][64];
	struct hv_store *s;
	unsigned stop_at;
};

static int collect_link(const char *address, int user_index,
			const char *person, int consent_code, void *userdata)
{
	struct links_seen *l = userdata;
	char p[HV_PERSON_MAX];

	if (l->n >= 8)
		return -ENOBUFS;
	/* The store may be used from the callback. */
	assert_int_equal(hv_store_link_get(l->s, address, user_index, p, NULL),
			 0);
	assert_string_equal(p, person);
	(void)snprintf(l->text[l->n++], sizeof(l->text[0]), "%s/%d/%s/%d",
		       address, user_index, person, consent_code);
	if (l->stop_at && l->n == l->stop_at)
		return -ECANCELED;
	return 0;
}

static void test_links_foreach(void **state)
{
	struct hv_device_info seen = { .address = "AA:BB:CC:DD:EE:02",
				       .driver = "sig_weight_scale",
				       .battery = -1 };
	struct links_seen l = { 0 };
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	l.s = s;
	assert_int_equal(hv_store_links_foreach(s, collect_link, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(hv_store_person_add(s, &(struct hv_person){ .id = "anna" }),
			 0);
	assert_int_equal(hv_store_device_seen(s, &seen), 0);
	/* Slots of a device never seen, an index beyond a byte, unlinked. */
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:09", 300, "anna",
					   -1),
			 0);
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:02", 7, NULL, 42),
			 0);
	assert_int_equal(hv_store_link_set(s, "AA:BB:CC:DD:EE:02", 1, "anna",
					   1234),
			 0);
	assert_int_equal(hv_store_links_foreach(s, collect_link, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.text[0], "AA:BB:CC:DD:EE:02/1/anna/1234");
	assert_string_equal(l.text[1], "AA:BB:CC:DD:EE:02/7//42");
	assert_string_equal(l.text[2], "AA:BB:CC:DD:EE:09/300/anna/-1");

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.stop_at = 2;
	assert_int_equal(hv_store_links_foreach(s, collect_link, &l),
			 -ECANCELED);
	assert_int_equal(l.n, 2);
	assert_int_equal(hv_store_links_foreach(s, NULL, NULL), -EINVAL);
	hv_store_close(s);
}

static int collect_metric(const char *metric, const char *display_unit,
			  int64_t last_time_usec, void *userdata)
{
	struct links_seen *l = userdata;

	if (l->n >= 8)
		return -ENOBUFS;
	(void)snprintf(l->text[l->n++], sizeof(l->text[0]), "%s/%s/%lld",
		       metric, display_unit,
		       (long long)((last_time_usec - T0) / 1000000));
	return 0;
}

static void test_person_metrics(void **state)
{
	struct links_seen l = { 0 };
	struct hv_record rec;
	struct hv_store *s;

	(void)state;
	s = open_ok(0);
	make_record(&rec, "a", T0, 70);
	(void)snprintf(rec.person, sizeof(rec.person), "anna");
	rec.m.display_unit = HV_UNIT_LB;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_record(&rec, "b", T0 + 5000000, 71);
	(void)snprintf(rec.person, sizeof(rec.person), "anna");
	rec.m.display_unit = HV_UNIT_KG;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_record(&rec, "c", T0 + 9000000, 72); /* someone else's */
	(void)snprintf(rec.person, sizeof(rec.person), "ben");
	assert_int_equal(hv_store_add(s, &rec), 1);

	/* impedance has no value (nres) in make_record: not a metric of hers */
	assert_int_equal(hv_store_person_metrics_foreach(s, "anna",
							 collect_metric, &l),
			 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.text[0], "body_weight/kg/5");
	memset(&l, 0, sizeof(l));
	assert_int_equal(hv_store_person_metrics_foreach(s, "nobody",
							 collect_metric, &l),
			 0);
	assert_int_equal(l.n, 0);
	hv_store_close(s);
}

static void test_concurrent_reader(void **state)
{
	struct hv_store *w, *r;
	uint64_t n;

	(void)state;
	w = open_ok(0);
	add_ok(w, "one", T0, 70);
	r = open_ok(HV_STORE_READONLY);
	add_ok(w, "two", T0 + 1, 71);
	assert_int_equal(hv_store_outbox_count(r, &n), 0);
	assert_int_equal(n, 2);
	hv_store_close(r);
	hv_store_close(w);
}

/*
 * A real full file system: run by tests/integration/test_store_diskfull.sh
 * with HV_STORE_TMPFS_DIR naming a tiny tmpfs it mounted (skipped when
 * mounting is not allowed). Ballast frees space again at the end.
 */
static void test_real_disk_full(void **state)
{
	const char *dir = getenv("HV_STORE_TMPFS_DIR");
	char ballast[160], id[32];
	static char block[16384];
	struct hv_record rec;
	struct hv_store *s;
	unsigned stored = 0;
	uint64_t count;
	int r = 0, fd;

	(void)state;
	(void)snprintf(dbpath, sizeof(dbpath), "%s/homevitals.db", dir);
	(void)snprintf(ballast, sizeof(ballast), "%s/ballast", dir);
	fd = open(ballast, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(write(fd, block, sizeof(block)), sizeof(block));
	assert_int_equal(close(fd), 0);

	s = open_ok(0);
	add_ok(s, "before", T0, 70);
	for (unsigned i = 0; i < 1000000; i++) {
		(void)snprintf(id, sizeof(id), "fill-%u", i);
		make_record(&rec, id, T0 + i + 1, 70);
		for (int k = 0; k < 40; k++)
			assert_int_equal(hv_measurement_add(&rec.m,
							    HV_METRIC_RR_INTERVAL,
							    0.8 + k),
					 0);
		r = hv_store_add(s, &rec);
		if (r < 0)
			break;
		stored++;
	}
	print_message("stored %u records before: %s\n", stored,
		      hv_store_errmsg(s));
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(hv_store_measurement_json(s, id, &(char *){ NULL }),
			 -ENOENT);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, stored + 1);

	assert_int_equal(unlink(ballast), 0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	hv_store_close(s);

	s = open_ok(0);
	assert_int_equal(hv_store_check(s), 0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, stored + 2);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM measurements m WHERE"
				   " (SELECT count(*) FROM readings r WHERE"
				   "  r.measurement_id = m.id) != 42"),
			 1);
}

/* Fill the file system to its last byte: 0 bytes free. */
static void fill_to_the_last_byte(const char *path)
{
	static char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t size = sizeof(block);

	assert_true(fd >= 0);
	while (size) {
		if (write(fd, block, size) < 0) {
			assert_int_equal(errno, ENOSPC);
			size /= 2;
		}
	}
	assert_int_equal(close(fd), 0);
}

static void remove_store_files(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
						"-reserve" };
	char path[200];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s%s", dbpath, suffixes[i]);
		(void)unlink(path);
	}
}

/*
 * Another program fills the disk to its last byte while 300 readings wait
 * for the broker: the store still marks every one delivered (the reserve
 * it kept is given up for that), refuses new readings while the reserve is
 * gone, and takes them again, with the reserve back, once space returns.
 * Run in the tiny tmpfs of tests/integration/test_store_diskfull.sh.
 */
static void test_reserve_finishes_what_it_started(void **state)
{
	const char *dir = getenv("HV_STORE_TMPFS_DIR");
	struct hv_outbox_item items[64];
	char ballast[160], reserve[200], id[32];
	struct hv_record rec;
	struct hv_store *s;
	struct stat st;
	uint64_t count;
	size_t n;
	int r = 0;

	(void)state;
	(void)snprintf(dbpath, sizeof(dbpath), "%s/reserve.db", dir);
	remove_store_files();
	(void)snprintf(reserve, sizeof(reserve), "%s-reserve", dbpath);
	(void)snprintf(ballast, sizeof(ballast), "%s/ballast", dir);
	s = open_ok(0);
	assert_int_equal(stat(reserve, &st), 0);
	assert_true(st.st_blocks * 512 >= HV_STORE_RESERVE_BYTES);
	for (unsigned i = 0; i < 300; i++) {
		(void)snprintf(id, sizeof(id), "waiting-%u", i);
		add_ok(s, id, T0 + i, 70);
	}
	fill_to_the_last_byte(ballast);
	/* The log's free frames take a few more; then nothing fits. */
	for (unsigned i = 0; i < 10000; i++) {
		(void)snprintf(id, sizeof(id), "late-%u", i);
		make_record(&rec, id, T0 + 1000 + i, 71);
		r = hv_store_add(s, &rec);
		if (r < 0)
			break;
	}
	assert_int_equal(r, -ENOSPC);

	do {
		int64_t seqs[64];

		assert_int_equal(hv_store_outbox_next(s, 0, 64, items, &n), 0);
		for (size_t i = 0; i < n; i++) {
			seqs[i] = items[i].seq;
			hv_outbox_item_done(&items[i]);
		}
		assert_int_equal(hv_store_outbox_mark_delivered_many(s, seqs, n),
				 0);
	} while (n);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 0);
	/* What the reserve freed is kept for finishing, not for new rows. */
	assert_int_equal(hv_store_add(s, &rec), -ENOSPC);

	assert_int_equal(unlink(ballast), 0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(stat(reserve, &st), 0);
	assert_true(st.st_blocks * 512 >= HV_STORE_RESERVE_BYTES);
	hv_store_close(s);
	s = open_ok(0);
	assert_int_equal(hv_store_check(s), 0);
	assert_int_equal(hv_store_outbox_count(s, &count), 0);
	assert_int_equal(count, 1);
	hv_store_close(s);
	remove_store_files();
	(void)snprintf(dbpath, sizeof(dbpath), "%s/homevitals.db", dir);
}

static int list_adopted(const struct hv_device_info *d, void *userdata)
{
	char *out = userdata;
	size_t len = strlen(out);

	(void)snprintf(out + len, 512 - len, "%s%s%s%s;", d->address,
		       d->adopted ? "+" : "-", d->adopted_person,
		       d->last_seen_usec ? "" : "(unseen)");
	return 0;
}

/* Adopted devices (docs/people.md "Adopting a device"). */
static void test_adopted_devices(void **state)
{
	struct hv_device_info mi = { .driver = "xiaomi_mi_scale2",
				     .battery = -1,
				     .last_sequence = -1,
				     .last_seen_usec = T0 };
	static const struct hv_person bob = { .id = "p-bob" };
	struct hv_adoption a;
	struct hv_store *s;
	char listed[512] = "";
	uint64_t deleted;

	(void)state;
	s = open_ok(0);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:01", &a),
			 -ENOENT);
	assert_int_equal(hv_store_device_unadopt(s, "AA:00:00:00:00:01"),
			 -ENOENT);
	/* "first": one per driver. */
	assert_int_equal(hv_store_device_adopt_first(s, "AA:00:00:00:00:01",
						     "xiaomi_mi_scale2", T0),
			 1);
	assert_int_equal(hv_store_device_adopt_first(s, "AA:00:00:00:00:02",
						     "xiaomi_mi_scale2", T0),
			 0);
	assert_int_equal(hv_store_device_adopt_first(s, "AA:00:00:00:00:03",
						     "sig_blood_pressure", T0),
			 1);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:01", &a),
			 0);
	assert_string_equal(a.driver, "xiaomi_mi_scale2");
	assert_string_equal(a.person, "");
	assert_true(a.adopted_usec == T0);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:02", &a),
			 -ENOENT);

	/* Adopted by the CLI before its driver was known: the devices table
	 * knows it, and "first" counts it. */
	assert_int_equal(hv_store_device_unadopt(s, "AA:00:00:00:00:01"), 0);
	(void)snprintf(mi.address, sizeof(mi.address), "AA:00:00:00:00:04");
	assert_int_equal(hv_store_devices_seen(s, &mi, 1), 0);
	assert_int_equal(hv_store_device_adopt(s, "AA:00:00:00:00:04", NULL,
					       NULL, T0),
			 0);
	assert_int_equal(hv_store_device_adopt_first(s, "AA:00:00:00:00:02",
						     "xiaomi_mi_scale2", T0),
			 0);

	/* A person of its own; an unknown one is refused; removing the
	 * person keeps the device adopted, for the rules. */
	assert_int_equal(hv_store_device_adopt(s, "AA:00:00:00:00:05", "",
					       "p-nobody", T0),
			 -ENOENT);
	assert_int_equal(hv_store_person_add(s, &bob), 0);
	assert_int_equal(hv_store_device_adopt(s, "AA:00:00:00:00:04", "",
					       "p-bob", T0),
			 0);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:04", &a),
			 0);
	assert_string_equal(a.person, "p-bob");
	assert_string_equal(a.driver, "");
	assert_int_equal(hv_store_devices_foreach(s, list_adopted, listed), 0);
	assert_string_equal(listed, "AA:00:00:00:00:04+p-bob;"
				    "AA:00:00:00:00:03+(unseen);");
	assert_int_equal(hv_store_person_remove(s, "p-bob"), 0);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:04", &a),
			 0);
	assert_string_equal(a.person, "");

	/* Never pruned as a passer-by. */
	assert_int_equal(hv_store_prune_devices(s, T0 + 30 * DAY, &deleted), 0);
	assert_int_equal(deleted, 0);
	hv_store_close(s);
}

/* Upgrading: devices trusted before adoption existed stay trusted. */
static void test_migrate_adopts_assigned_devices(void **state)
{
	struct hv_store *s;

	(void)state;
	assert_true(hv_store_schema_version_supported() >= 4);
	s = open_ok(0);
	add_ok(s, "assigned", T0, 64.2);
	add_ok(s, "neighbour", T0 + 1, 80);
	assert_int_equal(hv_store_link_set(s, "AA:00:00:00:00:07", 1, NULL, 7),
			 0);
	hv_store_close(s);
	exec_sql("INSERT INTO people (id) VALUES ('anna');"
		 "UPDATE measurements SET person = 'anna' WHERE id = 'assigned';"
		 "UPDATE measurements SET device_address = 'AA:00:00:00:00:09'"
		 " WHERE id = 'neighbour';"
		 "INSERT INTO device_users (address, user_index, person_id)"
		 " VALUES ('AA:00:00:00:00:08', 1, 'anna');"
		 "DROP TABLE adopted; PRAGMA user_version = 3;");

	s = open_ok(0);
	assert_int_equal(hv_store_schema_version(s),
			 hv_store_schema_version_supported());
	assert_int_equal(hv_store_device_adoption(s, "C8:47:8C:01:02:03", NULL),
			 0);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:08", NULL),
			 0);
	/* Only unassigned readings, or a slot nobody is linked to: no. */
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:09", NULL),
			 -ENOENT);
	assert_int_equal(hv_store_device_adoption(s, "AA:00:00:00:00:07", NULL),
			 -ENOENT);
	hv_store_close(s);
}

/* The Device Information Service's values: kept per device, a later read
 * that lacks a value keeps the stored one, gone with the device when it is
 * forgotten, and the table comes with the migration from version 4. */
static void test_device_information(void **state)
{
	const char *addr = "AA:00:00:00:00:21";
	struct hv_dis dis = { 0 }, got;
	struct hv_store *s;
	uint64_t deleted = 0;

	(void)state;
	assert_true(hv_store_schema_version_supported() >= 5);
	s = open_ok(0);
	seen_at(s, addr, T0);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), -ENOENT);
	hv_dis_set(&dis, HV_DIS_MANUFACTURER, "Acme Health");
	hv_dis_set(&dis, HV_DIS_SERIAL, "SN-1");
	hv_dis_set(&dis, HV_DIS_SYSTEM_ID, "00-11-22-33-44-55-66-77");
	assert_int_equal(hv_store_device_set_dis(s, addr, &dis), 0);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), 0);
	assert_string_equal(got.value[HV_DIS_MANUFACTURER], "Acme Health");
	assert_string_equal(got.value[HV_DIS_SERIAL], "SN-1");
	assert_string_equal(got.value[HV_DIS_SYSTEM_ID],
			    "00-11-22-33-44-55-66-77");
	assert_string_equal(got.value[HV_DIS_FIRMWARE], "");

	dis = (struct hv_dis){ 0 };
	hv_dis_set(&dis, HV_DIS_FIRMWARE, "2.0");
	hv_dis_set(&dis, HV_DIS_SERIAL, "SN-2");
	assert_int_equal(hv_store_device_set_dis(s, addr, &dis), 0);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), 0);
	assert_string_equal(got.value[HV_DIS_MANUFACTURER], "Acme Health");
	assert_string_equal(got.value[HV_DIS_SERIAL], "SN-2");
	assert_string_equal(got.value[HV_DIS_FIRMWARE], "2.0");
	assert_int_equal(hv_store_device_set_dis(s, "", &dis), -EINVAL);
	assert_int_equal(hv_store_device_get_dis(s, "AA:00:00:00:00:22", &got),
			 -ENOENT);
	hv_store_close(s);

	/* What the file holds is sanitised on the way out too. */
	exec_sql("UPDATE device_information SET dis_model = char(77, 10, 49)"
		 " WHERE address = 'AA:00:00:00:00:21';");
	s = open_ok(0);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), 0);
	assert_string_equal(got.value[HV_DIS_MODEL], "M?1");

	/* A passer-by forgotten: its information goes with it. */
	assert_int_equal(hv_store_prune_devices(s, T0 + DAY, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), -ENOENT);
	hv_store_close(s);

	exec_sql("DROP TRIGGER device_information_forget;"
		 "DROP TABLE device_information; PRAGMA user_version = 4;");
	s = open_ok(0);
	assert_int_equal(hv_store_schema_version(s),
			 hv_store_schema_version_supported());
	assert_int_equal(hv_store_device_set_dis(s, addr, &dis), 0);
	assert_int_equal(hv_store_device_get_dis(s, addr, &got), 0);
	assert_string_equal(got.value[HV_DIS_FIRMWARE], "2.0");
	hv_store_close(s);
}

/* The statements the store keeps prepared run again on every use: what
 * another connection wrote since (a person, a consent) is seen by the next
 * reading, as it was when they were prepared per call. */
static void test_kept_statements_see_other_writers(void **state)
{
	const char *const audiences[] = { "clinic" };
	struct hv_store *s = open_ok(0), *other = open_ok(0);
	struct hv_person p1 = { .id = "p1" }, *people = NULL;
	struct hv_consent c = {
		.person = "p1",
		.audience = "clinic",
		.metrics = "all",
		.recorded_usec = T0,
	};
	struct hv_record rec;
	size_t n = 0;

	(void)state;
	assert_int_equal(hv_store_set_audiences(s, audiences, 1), 0);
	assert_int_equal(hv_store_person_add(s, &p1), 0);
	assert_int_equal(hv_store_people_list(s, &people, &n), 0);
	assert_int_equal(n, 1);
	free(people);
	exec_sql("INSERT INTO people (id) VALUES ('p2')");
	assert_int_equal(hv_store_people_list(s, &people, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(people[1].id, "p2");
	free(people);

	/* No consent yet: no row for the audience. */
	make_record(&rec, "before", T0 + 1, 70);
	(void)snprintf(rec.person, sizeof(rec.person), "p1");
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(hv_store_consent_grant(other, &c, NULL), 0);
	make_record(&rec, "after", T0 + 2, 70);
	(void)snprintf(rec.person, sizeof(rec.person), "p1");
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_record(&rec, "again", T0 + 3, 71);
	(void)snprintf(rec.person, sizeof(rec.person), "p1");
	assert_int_equal(hv_store_add(s, &rec), 1);
	hv_store_close(other);
	hv_store_close(s);
	assert_int_equal(query_int("SELECT count(*) FROM outbox o"
				   " JOIN outbox_audience a USING (seq)"
				   " WHERE a.audience = 'clinic'"
				   " AND o.measurement_id IN ('after', 'again')"),
			 2);
	assert_int_equal(query_int("SELECT count(*) FROM outbox"
				   " WHERE measurement_id = 'before'"),
			 0);
	assert_int_equal(query_int("SELECT last_weight_kg FROM people"
				   " WHERE id = 'p1'"),
			 71);
}

#define T(f) tmp_store_test(f)

int main(void)
{
	const struct CMUnitTest tmpfs_tests[] = {
		cmocka_unit_test(test_reserve_finishes_what_it_started),
		cmocka_unit_test(test_real_disk_full),
	};

	if (getenv("HV_STORE_TMPFS_DIR"))
		return cmocka_run_group_tests(tmpfs_tests, NULL, NULL);

	const struct CMUnitTest tests[] = {
		T(test_migrate_from_empty_and_reopen),
		T(test_device_information),
		T(test_no_create_and_missing),
		T(test_unwritable_dir),
		T(test_dedupe),
		T(test_rejects_invalid),
		T(test_outbox_states),
		T(test_reassign),
		T(test_readings_filter),
		T(test_reassign_rederived_readings),
		T(test_migrate_stale_reassigned_rows),
		T(test_retention_never_prunes_undelivered),
		T(test_retention_without_a_broker),
		T(test_wal_stays_small),
		T(test_prune_devices),
		T(test_backlog_counter),
		T(test_disk_full),
		T(test_not_a_database),
		T(test_corrupt_page),
		T(test_newer_schema),
		T(test_failed_migration_rolls_back),
		T(test_old_schema_readonly),
		T(test_devices),
		T(test_people_and_links),
		T(test_links_foreach),
		T(test_person_metrics),
		T(test_concurrent_reader),
		T(test_adopted_devices),
		T(test_migrate_adopts_assigned_devices),
		T(test_kept_statements_see_other_writers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
