// SPDX-License-Identifier: MIT
/*
 * The SQLite store (docs/store.md). One connection, prepared statements
 * cached for the life of the handle, every write one transaction. SQLite
 * result codes become -errno in one place (store_errno()); the store never
 * logs: callers read hv_store_errmsg() for their one log line.
 *
 * Durability: WAL journal with synchronous=FULL, so a transaction that
 * returned SQLITE_DONE on COMMIT has been fsync()ed to the WAL and survives
 * power loss.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/store/store.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define BUSY_TIMEOUT_MS 5000
#define ERRMSG_MAX 256

/*
 * Migrations: entry i takes the schema from user_version i to i + 1. Each
 * runs in its own transaction together with the user_version bump. Never
 * edit a released entry: append a new one.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE devices ("
	"  address TEXT PRIMARY KEY NOT NULL,"
	"  driver TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  rssi INTEGER NOT NULL DEFAULT 0,"
	"  battery INTEGER NOT NULL DEFAULT -1,"
	"  last_seen_usec INTEGER NOT NULL DEFAULT 0,"
	"  last_sequence INTEGER NOT NULL DEFAULT -1"
	");"
	"CREATE TABLE people ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  height_m REAL NOT NULL DEFAULT 0,"
	"  birth_date TEXT NOT NULL DEFAULT '',"
	"  sex INTEGER NOT NULL DEFAULT 0,"
	"  weight_min_kg REAL NOT NULL DEFAULT 0,"
	"  weight_max_kg REAL NOT NULL DEFAULT 0,"
	"  last_weight_kg REAL NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE device_users ("
	"  address TEXT NOT NULL,"
	"  user_index INTEGER NOT NULL,"
	"  person_id TEXT REFERENCES people(id) ON DELETE SET NULL,"
	"  consent_code INTEGER NOT NULL DEFAULT -1,"
	"  PRIMARY KEY (address, user_index)"
	");"
	"CREATE TABLE measurements ("
	"  id TEXT PRIMARY KEY NOT NULL,"
	"  time_usec INTEGER NOT NULL,"
	"  received_usec INTEGER NOT NULL,"
	"  device_address TEXT NOT NULL,"
	"  device_model TEXT NOT NULL,"
	"  driver TEXT NOT NULL,"
	"  person TEXT NOT NULL DEFAULT '',"
	"  json TEXT NOT NULL"
	");"
	"CREATE INDEX measurements_time ON measurements (time_usec);"
	"CREATE INDEX measurements_person ON measurements (person, time_usec);"
	"CREATE TABLE readings ("
	"  measurement_id TEXT NOT NULL"
	"    REFERENCES measurements(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  metric TEXT NOT NULL,"
	"  value REAL,"
	"  absent_reason TEXT,"
	"  unit TEXT NOT NULL,"
	"  method TEXT,"
	"  PRIMARY KEY (measurement_id, idx),"
	"  CHECK ((value IS NULL) != (absent_reason IS NULL))"
	");"
	"CREATE INDEX readings_metric ON readings (metric);"
	"CREATE TABLE outbox ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  measurement_id TEXT NOT NULL"
	"    REFERENCES measurements(id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'delivered', 'superseded')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created_usec INTEGER NOT NULL,"
	"  delivered_usec INTEGER"
	");"
	"CREATE INDEX outbox_state ON outbox (state, seq);"
	"CREATE INDEX outbox_measurement ON outbox (measurement_id);",
	/* 1 -> 2: the reading rows of reassigned measurements follow their
	 * JSON (version 1 replaced only the JSON, so rows of re-derived
	 * readings were stale). Readings the rows cannot hold are skipped. */
	"DELETE FROM readings WHERE measurement_id IN ("
	"  SELECT id FROM measurements WHERE json_valid(json)"
	"  AND json_extract(json, '$.correction') = 1"
	"  AND json_type(json, '$.readings') = 'array');"
	"INSERT INTO readings (measurement_id, idx, metric, value,"
	"  absent_reason, unit, method)"
	" SELECT m.id, r.key, json_extract(r.value, '$.metric'),"
	"  json_extract(r.value, '$.value'),"
	"  json_extract(r.value, '$.absent_reason'),"
	"  json_extract(r.value, '$.unit'), json_extract(r.value, '$.method')"
	" FROM measurements m, json_each(m.json, '$.readings') r"
	" WHERE json_valid(m.json)"
	"  AND json_extract(m.json, '$.correction') = 1"
	"  AND json_type(m.json, '$.readings') = 'array'"
	"  AND json_type(r.value, '$.metric') = 'text'"
	"  AND json_type(r.value, '$.unit') = 'text'"
	"  AND coalesce(json_type(r.value, '$.method'), 'null')"
	"   IN ('null', 'text')"
	"  AND (coalesce(json_type(r.value, '$.value'), 'null')"
	"   IN ('integer', 'real'))"
	"   != (coalesce(json_type(r.value, '$.absent_reason'), 'null')"
	"   = 'text');",
	/* 2 -> 3: records held until the wall clock is known survive a stop
	 * or a crash (docs/pipeline.md "Time"). */
	"CREATE TABLE IF NOT EXISTS held ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  boot_id TEXT NOT NULL,"
	"  rx_boot_usec INTEGER NOT NULL,"
	"  address TEXT NOT NULL,"
	"  driver TEXT NOT NULL,"
	"  frame TEXT NOT NULL"
	");",
	/* 3 -> 4: devices adopted by the household (docs/people.md "Adopting
	 * a device"). A device that already has an assigned measurement or a
	 * linked user slot was trusted before adoption existed: it stays so. */
	"CREATE TABLE IF NOT EXISTS adopted ("
	"  address TEXT PRIMARY KEY NOT NULL,"
	"  driver TEXT NOT NULL DEFAULT '',"
	"  person_id TEXT REFERENCES people(id) ON DELETE SET NULL,"
	"  adopted_usec INTEGER NOT NULL DEFAULT 0"
	");"
	"INSERT OR IGNORE INTO adopted (address, driver)"
	" SELECT device_address, max(driver) FROM measurements"
	" WHERE person != '' GROUP BY device_address;"
	"INSERT OR IGNORE INTO adopted (address)"
	" SELECT DISTINCT address FROM device_users"
	" WHERE person_id IS NOT NULL;",
	/* 4 -> 5: what a device says in its Device Information Service,
	 * read once (docs/fhir.md "Device information"); '' not known. A
	 * table of its own (not columns of devices) keeps the step
	 * repeatable, and goes with the device when it is forgotten. */
	"CREATE TABLE IF NOT EXISTS device_information ("
	"  address TEXT PRIMARY KEY NOT NULL,"
	"  dis_manufacturer TEXT NOT NULL DEFAULT '',"
	"  dis_model TEXT NOT NULL DEFAULT '',"
	"  dis_serial TEXT NOT NULL DEFAULT '',"
	"  dis_hardware TEXT NOT NULL DEFAULT '',"
	"  dis_firmware TEXT NOT NULL DEFAULT '',"
	"  dis_software TEXT NOT NULL DEFAULT '',"
	"  dis_system_id TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE TRIGGER IF NOT EXISTS device_information_forget"
	" AFTER DELETE ON devices BEGIN"
	"  DELETE FROM device_information WHERE address = old.address;"
	" END;",
	/* 5 -> 6: consent per person and audience, the outbox per audience
	 * (a row without an outbox_audience row is the one implicit
	 * audience's, so existing rows keep their meaning; a table rather
	 * than a column because ALTER TABLE ADD COLUMN cannot be run twice),
	 * what each audience acknowledged, and the gateway's secret for
	 * pseudonyms (docs/consent.md). */
	"CREATE TABLE IF NOT EXISTS consent ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,"
	"  audience TEXT NOT NULL,"
	"  metrics TEXT NOT NULL,"
	"  granularity TEXT NOT NULL DEFAULT 'each'"
	"    CHECK (granularity IN ('each', 'daily')),"
	"  device_details INTEGER NOT NULL DEFAULT 0,"
	"  from_date TEXT NOT NULL DEFAULT '',"
	"  recorded_by TEXT NOT NULL DEFAULT '',"
	"  recorded_usec INTEGER NOT NULL,"
	"  revoked_usec INTEGER"
	");"
	"CREATE INDEX IF NOT EXISTS consent_person"
	" ON consent (person_id, audience);"
	"CREATE TABLE IF NOT EXISTS outbox_audience ("
	"  seq INTEGER PRIMARY KEY REFERENCES outbox(seq) ON DELETE CASCADE,"
	"  audience TEXT NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS outbox_audience_name"
	" ON outbox_audience (audience, seq);"
	"CREATE TABLE IF NOT EXISTS shared ("
	"  measurement_id TEXT NOT NULL,"
	"  audience TEXT NOT NULL,"
	"  person_id TEXT NOT NULL,"
	"  acked_usec INTEGER NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS shared_person"
	" ON shared (person_id, audience, acked_usec);"
	"CREATE TABLE IF NOT EXISTS gateway_secret ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  value BLOB NOT NULL"
	");"
	"CREATE TABLE IF NOT EXISTS withdrawal ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  person_id TEXT NOT NULL,"
	"  audience TEXT NOT NULL,"
	"  revoked_usec INTEGER NOT NULL,"
	"  done_usec INTEGER"
	");",
	/* 6 -> 7: the secret a device handed over once, when it was paired
	 * (docs/scales.md "Pairing secrets"): every later connection answers
	 * the device's challenge with it. It goes with the device when the
	 * device is forgotten. */
	"CREATE TABLE IF NOT EXISTS device_secret ("
	"  address TEXT PRIMARY KEY NOT NULL,"
	"  driver TEXT NOT NULL DEFAULT '',"
	"  secret BLOB NOT NULL,"
	"  saved_usec INTEGER NOT NULL"
	");"
	"CREATE TRIGGER IF NOT EXISTS device_secret_forget"
	" AFTER DELETE ON devices BEGIN"
	"  DELETE FROM device_secret WHERE address = old.address;"
	" END;",
};

#define SCHEMA_VERSION ((int)ELEMENTSOF(migrations))

/* Cached statements. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MEAS_INSERT,
	ST_READING_INSERT,
	ST_OUTBOX_INSERT,
	ST_OUTBOX_NEXT,
	ST_OUTBOX_DELIVERED,
	ST_OUTBOX_DELIVERED_OTHER,
	ST_DATA_VERSION,
	ST_SYNC_NORMAL,
	ST_SYNC_FULL,
	ST_OUTBOX_ATTEMPT,
	ST_OUTBOX_COUNT,
	ST_OUTBOX_SUPERSEDE,
	ST_PRUNE,
	ST_PRUNE_UNPUBLISHED,
	ST_NEWER_READING,
	ST_PRUNE_DEVICES,
	ST_DEVICE_SEEN,
	ST_DEVICE_GET,
	ST_DEVICE_SEQUENCE,
	ST_DEVICE_DIS_SET,
	ST_DEVICE_DIS_GET,
	ST_ADOPT,
	ST_ADOPT_FIRST,
	ST_UNADOPT,
	ST_ADOPTION_GET,
	ST_PERSON_ADD,
	ST_PERSON_UPDATE,
	ST_PERSON_LAST_WEIGHT,
	ST_PERSON_REMOVE,
	ST_PERSON_GET,
	ST_LINK_SET,
	ST_LINK_REMOVE,
	ST_LINK_GET,
	ST_MEAS_JSON,
	ST_MEAS_REASSIGN,
	ST_READINGS_DELETE,
	ST_PEOPLE_LIST,
	ST_CONSENT_COVERING,
	ST_READING_METRICS,
	ST_OUTBOX_AUDIENCE_INSERT,
	_ST_MAX,
};

#define PERSON_COLUMNS                                                   \
	"id, name, height_m, birth_date, sex, weight_min_kg, weight_max_kg," \
	" last_weight_kg"
#define CONSENT_COLUMNS                                                    \
	"id, person_id, audience, metrics, granularity = 'daily',"         \
	" device_details, from_date, recorded_by, recorded_usec,"          \
	" coalesce(revoked_usec, 0)"

#define DIS_COLUMNS                                                    \
	"dis_manufacturer, dis_model, dis_serial, dis_hardware,"       \
	" dis_firmware, dis_software, dis_system_id"
#define DIS_KEEP(c) \
	" " c " = CASE WHEN excluded." c " != '' THEN excluded." c " ELSE " c " END"
#define DEVICE_COLUMNS \
	"address, driver, name, rssi, battery, last_seen_usec, last_sequence"

static const char *const stmt_sql[_ST_MAX] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_MEAS_INSERT] =
		"INSERT INTO measurements (id, time_usec, received_usec,"
		" device_address, device_model, driver, person, json)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (id) DO NOTHING",
	[ST_READING_INSERT] =
		"INSERT INTO readings (measurement_id, idx, metric, value,"
		" absent_reason, unit, method) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[ST_OUTBOX_INSERT] = "INSERT INTO outbox (measurement_id, created_usec)"
			     " VALUES (?, ?)",
	[ST_OUTBOX_NEXT] =
		"SELECT o.seq, m.id, m.person, m.json, o.attempts"
		" FROM outbox o JOIN measurements m ON m.id = o.measurement_id"
		" WHERE o.state = 'pending' AND o.seq > ?"
		" AND NOT EXISTS (SELECT 1 FROM outbox_audience a"
		"  WHERE a.seq = o.seq)"
		" ORDER BY o.seq LIMIT ?",
	[ST_OUTBOX_DELIVERED] = "UPDATE outbox SET state = 'delivered',"
				" delivered_usec = ? WHERE seq = ?"
				" AND state = 'pending'",
	/* A superseded row acknowledged late: delivered, never pending. */
	[ST_OUTBOX_DELIVERED_OTHER] = "UPDATE outbox SET state = 'delivered',"
				      " delivered_usec = ? WHERE seq = ?"
				      " AND state != 'pending'",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	[ST_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[ST_SYNC_FULL] = "PRAGMA synchronous = FULL",
	[ST_OUTBOX_ATTEMPT] = "UPDATE outbox SET attempts = attempts + 1,"
			      " last_error = ? WHERE seq = ?",
	[ST_OUTBOX_COUNT] =
		"SELECT count(*) FROM outbox WHERE state = 'pending'",
	[ST_OUTBOX_SUPERSEDE] = "UPDATE outbox SET state = 'superseded'"
				" WHERE measurement_id = ? AND state = 'pending'",
	/* By the receive time: a device clock can put a new reading in the
	 * far past by mistake. */
	[ST_PRUNE] = "DELETE FROM measurements WHERE received_usec < ?"
		     " AND NOT EXISTS (SELECT 1 FROM outbox o"
		     "  WHERE o.measurement_id = measurements.id"
		     "  AND o.state = 'pending')"
		     " AND (EXISTS (SELECT 1 FROM outbox o"
		     "  WHERE o.measurement_id = measurements.id"
		     "  AND o.state = 'delivered')"
		     /* With audiences, one no audience was (or is any
		      * longer) to receive. */
		     "  OR NOT EXISTS (SELECT 1 FROM outbox o"
		     "  WHERE o.measurement_id = measurements.id"
		     "  AND o.state != 'superseded'))",
	/* No broker configured: nothing will ever deliver them. */
	[ST_PRUNE_UNPUBLISHED] = "DELETE FROM measurements WHERE received_usec < ?",
	/* A measurement of the same person, taken later, with this metric. */
	[ST_NEWER_READING] =
		"SELECT 1 FROM measurements m, measurements this, readings r"
		" WHERE this.id = ?1 AND this.person != ''"
		" AND m.person = this.person AND m.time_usec > this.time_usec"
		" AND r.measurement_id = m.id AND r.metric = ?2"
		" AND r.value IS NOT NULL LIMIT 1",
	/* Heard long ago, never linked nor paired, nothing stored: a
	 * passer-by. */
	[ST_PRUNE_DEVICES] =
		"DELETE FROM devices WHERE last_seen_usec < ?"
		" AND NOT EXISTS (SELECT 1 FROM device_users u"
		"  WHERE u.address = devices.address)"
		" AND NOT EXISTS (SELECT 1 FROM device_secret k"
		"  WHERE k.address = devices.address)"
		" AND NOT EXISTS (SELECT 1 FROM measurements m"
		"  WHERE m.device_address = devices.address)"
		" AND NOT EXISTS (SELECT 1 FROM adopted a"
		"  WHERE a.address = devices.address)",
	[ST_DEVICE_SEEN] =
		"INSERT INTO devices (address, driver, name, rssi, battery,"
		" last_seen_usec) VALUES (?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (address) DO UPDATE SET"
		" driver = CASE WHEN excluded.driver != '' THEN excluded.driver"
		"  ELSE driver END,"
		" name = CASE WHEN excluded.name != '' THEN excluded.name"
		"  ELSE name END,"
		" rssi = CASE WHEN excluded.rssi != 0 THEN excluded.rssi"
		"  ELSE rssi END,"
		" battery = CASE WHEN excluded.battery >= 0"
		"  THEN excluded.battery ELSE battery END,"
		" last_seen_usec = max(last_seen_usec, excluded.last_seen_usec)",
	[ST_DEVICE_GET] = "SELECT " DEVICE_COLUMNS
			  " FROM devices WHERE address = ?",
	/* In enum hv_dis_field order; a value not read this time stays. */
	[ST_DEVICE_DIS_SET] =
		"INSERT INTO device_information (address, " DIS_COLUMNS ")"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		" ON CONFLICT (address) DO UPDATE SET"
		DIS_KEEP("dis_manufacturer") ","
		DIS_KEEP("dis_model") ","
		DIS_KEEP("dis_serial") ","
		DIS_KEEP("dis_hardware") ","
		DIS_KEEP("dis_firmware") ","
		DIS_KEEP("dis_software") ","
		DIS_KEEP("dis_system_id"),
	[ST_DEVICE_DIS_GET] = "SELECT " DIS_COLUMNS
			      " FROM device_information WHERE address = ?",
	[ST_DEVICE_SEQUENCE] =
		"INSERT INTO devices (address, last_sequence) VALUES (?, ?)"
		" ON CONFLICT (address) DO UPDATE SET"
		" last_sequence = excluded.last_sequence",
	/* ?3 NULL or "": no person of its own, the rules decide. */
	[ST_ADOPT] =
		"INSERT INTO adopted (address, driver, person_id, adopted_usec)"
		" VALUES (?1, ?2, NULLIF(?3, ''), ?4)"
		" ON CONFLICT (address) DO UPDATE SET"
		" driver = CASE WHEN ?2 != '' THEN ?2 ELSE driver END,"
		" person_id = NULLIF(?3, '')",
	/* Only while no device of that driver is adopted (nor known by it). */
	[ST_ADOPT_FIRST] =
		"INSERT INTO adopted (address, driver, adopted_usec)"
		" SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM adopted a"
		"  LEFT JOIN devices d ON d.address = a.address"
		"  WHERE a.driver = ?2 OR d.driver = ?2)"
		" ON CONFLICT (address) DO NOTHING",
	[ST_UNADOPT] = "DELETE FROM adopted WHERE address = ?",
	[ST_ADOPTION_GET] = "SELECT coalesce(person_id, ''), driver,"
			    " adopted_usec FROM adopted WHERE address = ?",
	[ST_PERSON_ADD] = "INSERT INTO people (" PERSON_COLUMNS ")"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_PERSON_UPDATE] =
		"UPDATE people SET name = ?2, height_m = ?3, birth_date = ?4,"
		" sex = ?5, weight_min_kg = ?6, weight_max_kg = ?7,"
		" last_weight_kg = ?8 WHERE id = ?1",
	[ST_PERSON_LAST_WEIGHT] =
		"UPDATE people SET last_weight_kg = ?2 WHERE id = ?1",
	[ST_PERSON_REMOVE] = "DELETE FROM people WHERE id = ?",
	[ST_PERSON_GET] = "SELECT " PERSON_COLUMNS " FROM people WHERE id = ?",
	/* ?3 NULL keeps the person, "" unlinks; ?4 < 0 keeps the code. */
	[ST_LINK_SET] =
		"INSERT INTO device_users (address, user_index, person_id,"
		" consent_code) VALUES (?1, ?2, NULLIF(?3, ''), ?4)"
		" ON CONFLICT (address, user_index) DO UPDATE SET"
		" person_id = CASE WHEN ?3 IS NULL THEN person_id"
		"  ELSE NULLIF(?3, '') END,"
		" consent_code = CASE WHEN ?4 < 0 THEN consent_code ELSE ?4 END",
	[ST_LINK_REMOVE] =
		"DELETE FROM device_users WHERE address = ? AND user_index = ?",
	[ST_LINK_GET] = "SELECT person_id, consent_code FROM device_users"
			" WHERE address = ? AND user_index = ?",
	[ST_MEAS_JSON] = "SELECT json FROM measurements WHERE id = ?",
	[ST_MEAS_REASSIGN] =
		"UPDATE measurements SET person = ?, json = ? WHERE id = ?",
	[ST_READINGS_DELETE] = "DELETE FROM readings WHERE measurement_id = ?",
	[ST_PEOPLE_LIST] = "SELECT " PERSON_COLUMNS " FROM people ORDER BY id",
	/* The consents in force for a measurement's person and time. */
	[ST_CONSENT_COVERING] =
		"SELECT " CONSENT_COLUMNS " FROM consent"
		" WHERE person_id = (SELECT person FROM measurements"
		"  WHERE id = ?1 AND person != '')"
		" AND revoked_usec IS NULL"
		" AND (from_date = '' OR (SELECT time_usec FROM measurements"
		"  WHERE id = ?1) >="
		"  CAST(strftime('%s', from_date) AS INTEGER) * 1000000)"
		" ORDER BY audience",
	[ST_READING_METRICS] =
		"SELECT metric FROM readings WHERE measurement_id = ?",
	[ST_OUTBOX_AUDIENCE_INSERT] =
		"INSERT INTO outbox_audience (seq, audience) VALUES (?, ?)",
};

struct hv_store {
	sqlite3 *db;
	bool readonly;
	int schema_version;
	sqlite3_stmt *stmts[_ST_MAX];
	char errmsg[ERRMSG_MAX];
	/*
	 * Pending outbox rows, counted once at open and then kept by every
	 * write of this connection: backlog_tx collects the open
	 * transaction's changes, added on commit, dropped on rollback. A
	 * commit of another connection (the CLI's reassignments) changes
	 * PRAGMA data_version, and only then is the table counted again.
	 */
	uint64_t backlog;
	int64_t backlog_tx;
	int64_t data_version;
	bool backlog_stale;
	/* hv_store_changed_elsewhere()'s own mark; 0: never asked */
	int64_t watched_version;
	/*
	 * Disk space held in reserve (PATH-reserve, HV_STORE_RESERVE_BYTES):
	 * given up when a delivered mark or a prune finds the disk full, so
	 * the store can always finish what it started; new rows are refused
	 * until it can be taken again. NULL: none (read-only).
	 */
	char *reserve_path;
	bool reserve_held;
	/* The configuration's audiences (hv_store_set_audiences): none, the
	 * one implicit audience gets every measurement; else each audience
	 * with a consent in force gets its own outbox row. */
	char (*audiences)[HV_AUDIENCE_MAX];
	size_t n_audiences;
};

static int backlog_recount(struct hv_store *s);
static int reserve_take(struct hv_store *s);

/* Why the last hv_store_open() of this thread failed: hv_store_errmsg(NULL). */
static _Thread_local char open_errmsg[ERRMSG_MAX];

static int64_t now_usec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The one mapping of SQLite result codes to -errno. */
static int store_errno(sqlite3 *db, int rc)
{
	int sys;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_NOMEM)
			return -ENOMEM;
		return -EIO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		sys = db ? sqlite3_system_errno(db) : 0;
		if (sys == EACCES || sys == EPERM || sys == EROFS)
			return -EACCES;
		return -ENOENT;
	case SQLITE_CONSTRAINT:
		/* A link to a person that does not exist. */
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return -ENOENT;
		return -EEXIST;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_MISUSE:
		return -EINVAL;
	case SQLITE_INTERRUPT:
	case SQLITE_ABORT:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

static void set_errmsg(struct hv_store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_errmsg(struct hv_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

/* Record SQLite's message for rc and return rc as -errno. */
static int sql_fail(struct hv_store *s, int rc)
{
	int r = store_errno(s->db, rc);

	set_errmsg(s, "%s", s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	return r < 0 ? r : -EIO;
}

/* A cached statement, reset and unbound, ready for binding. */
static int stmt(struct hv_store *s, enum stmt_id id, sqlite3_stmt **ret)
{
	int rc;

	if (!s->stmts[id]) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
					SQLITE_PREPARE_PERSISTENT,
					&s->stmts[id], NULL);
		if (rc != SQLITE_OK)
			return sql_fail(s, rc);
	} else {
		(void)sqlite3_reset(s->stmts[id]);
		(void)sqlite3_clear_bindings(s->stmts[id]);
	}
	*ret = s->stmts[id];
	return 0;
}

/* Run a statement that returns no rows (or ignore them); leaves it reset. */
static int step_done(struct hv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		(void)sqlite3_reset(st);
		return 0;
	}
	rc = sqlite3_reset(st);
	return sql_fail(s, rc != SQLITE_OK ? rc : SQLITE_ERROR);
}

static int exec_stmt(struct hv_store *s, enum stmt_id id)
{
	sqlite3_stmt *st;
	int r = stmt(s, id, &st);

	if (r < 0)
		return r;
	return step_done(s, st);
}

static int tx_begin(struct hv_store *s)
{
	if (s->readonly) {
		set_errmsg(s, "the store is open read-only");
		return -EROFS;
	}
	s->backlog_tx = 0;
	return exec_stmt(s, ST_BEGIN);
}

/* Roll back whatever is open; keeps the first error's message. */
static int tx_abort(struct hv_store *s, int r)
{
	char saved[ERRMSG_MAX];

	if (!sqlite3_get_autocommit(s->db)) {
		memcpy(saved, s->errmsg, sizeof(saved));
		(void)exec_stmt(s, ST_ROLLBACK);
		memcpy(s->errmsg, saved, sizeof(saved));
	}
	s->backlog_tx = 0;
	return r;
}

static int tx_commit(struct hv_store *s)
{
	int r = exec_stmt(s, ST_COMMIT);

	if (r < 0)
		return tx_abort(s, r);
	if (s->backlog_tx < 0 && (uint64_t)-s->backlog_tx > s->backlog)
		s->backlog = 0; /* cannot happen while the count is exact */
	else
		s->backlog = (uint64_t)((int64_t)s->backlog + s->backlog_tx);
	s->backlog_tx = 0;
	return 0;
}

/* End the open transaction by what its last step returned: committed when
 * r >= 0, else rolled back and r handed on. */
static int tx_finish(struct hv_store *s, int r)
{
	return r < 0 ? tx_abort(s, r) : tx_commit(s);
}

static int bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (!text)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

static void copy_column(sqlite3_stmt *st, int i, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	(void)snprintf(buf, size, "%s", t ? (const char *)t : "");
}

static bool fits(const char *text, size_t size)
{
	return text && strnlen(text, size) < size;
}

/* Begin a transaction and hand out a cached statement for it; on failure
 * nothing stays open. */
static int tx_stmt(struct hv_store *s, enum stmt_id id, sqlite3_stmt **ret)
{
	int r = tx_begin(s);

	if (r < 0)
		return r;
	r = stmt(s, id, ret);
	if (r < 0)
		return tx_abort(s, r);
	return 0;
}

/* One-statement write in its own transaction; -ENOENT when nothing changed
 * and must_change. */
static int write_one(struct hv_store *s, sqlite3_stmt *st, bool must_change,
		     const char *what)
{
	int r = step_done(s, st);

	if (r >= 0 && must_change && sqlite3_changes(s->db) == 0) {
		set_errmsg(s, "no %s", what);
		r = -ENOENT;
	}
	return tx_finish(s, r);
}

/* Fills dest from the current row. */
typedef void (*row_reader)(sqlite3_stmt *st, void *dest);

/* Step a statement that yields at most one row: 1 with the row read into
 * dest, 0 when there is none, or -errno. Leaves the statement reset. */
static int step_one(struct hv_store *s, sqlite3_stmt *st, row_reader read,
		    void *dest)
{
	int rc = sqlite3_step(st), r;

	if (rc == SQLITE_ROW) {
		read(st, dest);
		r = 1;
	} else if (rc == SQLITE_DONE)
		r = 0;
	else
		r = sql_fail(s, rc);
	(void)sqlite3_reset(st);
	return r;
}

/* A statement of its own, for queries whose callbacks may use the store. */
static int prepare(struct hv_store *s, const char *sql, sqlite3_stmt **ret)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(s, rc);
	return 0;
}

/* tx_stmt() for a statement of its own (finalized by its step). */
static int tx_prepare(struct hv_store *s, const char *sql, sqlite3_stmt **ret)
{
	int r = tx_begin(s);

	if (r < 0)
		return r;
	r = prepare(s, sql, ret);
	return r < 0 ? tx_abort(s, r) : 0;
}

/* Read every row of st into a new array of elem_size elements, each filled
 * by read; st is left stepped to its end (or to the failing row). */
static int read_rows(struct hv_store *s, sqlite3_stmt *st, size_t elem_size,
		     row_reader read, void **ret, size_t *ret_n)
{
	_cleanup_free_ void *list = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *nl = reallocarray(list, ncap, elem_size);

			if (!nl)
				return -ENOMEM;
			list = nl;
			cap = ncap;
		}
		read(st, (char *)list + n++ * elem_size);
	}
	if (rc != SQLITE_DONE)
		return sql_fail(s, rc);
	*ret = TAKE_PTR(list);
	*ret_n = n;
	return 0;
}

/* read_rows() of a statement of its own, finalized. */
static int collect_rows(struct hv_store *s, sqlite3_stmt *st, size_t elem_size,
			row_reader read, void **ret, size_t *ret_n)
{
	int r = read_rows(s, st, elem_size, read, ret, ret_n);

	(void)sqlite3_finalize(st);
	return r;
}

/* read_rows() of a cached statement, left reset for its next use. */
static int collect_cached_rows(struct hv_store *s, sqlite3_stmt *st,
			       size_t elem_size, row_reader read, void **ret,
			       size_t *ret_n)
{
	int r = read_rows(s, st, elem_size, read, ret, ret_n);

	(void)sqlite3_reset(st);
	return r;
}

/* --- open, migrate, close ------------------------------------------------ */

static int pragma_int(struct hv_store *s, const char *sql, int *ret)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ret)
			*ret = sqlite3_column_int(st, 0);
		(void)sqlite3_finalize(st);
		return 0;
	}
	if (rc == SQLITE_DONE) {
		(void)sqlite3_finalize(st);
		if (ret)
			*ret = 0;
		return 0;
	}
	r = sql_fail(s, rc);
	(void)sqlite3_finalize(st);
	return r;
}

static int exec_sql(struct hv_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(s, rc);
	return 0;
}

static int migrate(struct hv_store *s, int from)
{
	for (int v = from; v < SCHEMA_VERSION; v++) {
		char bump[48];
		int r;

		r = tx_begin(s);
		if (r < 0)
			return r;
		r = exec_sql(s, migrations[v]);
		if (r >= 0) {
			(void)snprintf(bump, sizeof(bump),
				       "PRAGMA user_version = %d", v + 1);
			r = exec_sql(s, bump);
		}
		if (r >= 0)
			r = tx_commit(s);
		if (r < 0) {
			char why[ERRMSG_MAX];

			(void)tx_abort(s, r);
			memcpy(why, s->errmsg, sizeof(why));
			set_errmsg(s, "migrating the schema from %d to %d: %s",
				   v, v + 1, why);
			return r;
		}
	}
	s->schema_version = SCHEMA_VERSION;
	return 0;
}

static int store_setup(struct hv_store *s, const char *path)
{
	const char *mode;
	int version, r;

	(void)sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	(void)sqlite3_extended_result_codes(s->db, 1);

	/* The first read of the header: "not a database" shows here. */
	r = pragma_int(s, "PRAGMA user_version", &version);
	if (r < 0) {
		char why[ERRMSG_MAX];

		memcpy(why, s->errmsg, sizeof(why));
		set_errmsg(s, "%s: %s", path, why);
		return r;
	}
	if (version > SCHEMA_VERSION) {
		set_errmsg(s,
			   "%s: schema version %d is newer than this program knows (%d); "
			   "use a newer homevitals or restore an older database",
			   path, version, SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (version < 0) {
		set_errmsg(s, "%s: invalid schema version %d", path, version);
		return -EBADMSG;
	}
	if (s->readonly && version < SCHEMA_VERSION) {
		set_errmsg(s,
			   "%s: schema version %d needs migrating to %d, which needs write access "
			   "(start the daemon once)",
			   path, version, SCHEMA_VERSION);
		return -EROFS;
	}

	r = exec_sql(s, "PRAGMA foreign_keys = ON");
	if (r < 0)
		return r;
	if (!s->readonly) {
		/* WAL + FULL: a committed transaction is on disk. */
		mode = "PRAGMA journal_mode = WAL";
		r = exec_sql(s, mode);
		if (r >= 0)
			r = exec_sql(s, "PRAGMA synchronous = FULL");
		/* A small write-ahead log on a small disk: checkpoint every
		 * 256 KiB (not 4 MiB) and cut the file back to 1 MiB after. */
		if (r >= 0)
			r = exec_sql(s, "PRAGMA wal_autocheckpoint = 64");
		if (r >= 0)
			r = exec_sql(s, "PRAGMA journal_size_limit = 1048576");
		if (r < 0)
			return r;
	}
	s->schema_version = version;
	if (version < SCHEMA_VERSION)
		return migrate(s, version);
	return 0;
}

/*
 * Why a file could not be opened. SQLite retries a failed create read-only,
 * so its system errno is often the retry's ENOENT: ask the file system.
 */
static int cantopen_errno(const char *path, int oflags)
{
	_cleanup_free_ char *dir = NULL;
	struct stat st;
	char *slash;

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
	if (errno != ENOENT)
		return negative_errno();
	if (!(oflags & SQLITE_OPEN_CREATE))
		return -ENOENT;
	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		(void)snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK) < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
	return -EACCES;
}

int hv_store_open(const char *path, unsigned flags, struct hv_store **ret)
{
	struct hv_store *s;
	int oflags, rc, r;

	open_errmsg[0] = '\0';
	if (!path || !*path || !ret) {
		(void)snprintf(open_errmsg, sizeof(open_errmsg),
			       "no database path");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->readonly = flags & HV_STORE_READONLY;
	if (s->readonly)
		oflags = SQLITE_OPEN_READONLY;
	else if (flags & HV_STORE_NO_CREATE)
		oflags = SQLITE_OPEN_READWRITE;
	else
		oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;

	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		r = store_errno(s->db, rc);
		if ((rc & 0xff) == SQLITE_CANTOPEN)
			r = cantopen_errno(path, oflags);
		(void)snprintf(open_errmsg, sizeof(open_errmsg), "%s: %s",
			       path,
			       s->db ? sqlite3_errmsg(s->db) :
				       sqlite3_errstr(rc));
		hv_store_close(s);
		return r < 0 ? r : -EIO;
	}
	r = store_setup(s, path);
	/* A table that cannot be counted (a damaged page) shows on use, like
	 * every other read: counted again on the next hv_store_backlog(). */
	if (r >= 0 && backlog_recount(s) < 0)
		s->backlog_stale = true;
	if (r < 0) {
		(void)snprintf(open_errmsg, sizeof(open_errmsg), "%s",
			       s->errmsg);
		hv_store_close(s);
		return r;
	}
	s->errmsg[0] = '\0';
	if (!s->readonly && strcmp(path, ":memory:") != 0) {
		if (asprintf(&s->reserve_path, "%s-reserve", path) < 0)
			s->reserve_path = NULL;
		else
			(void)reserve_take(s); /* checked before each new row */
	}
	*ret = s;
	return 0;
}

struct hv_store *hv_store_close(struct hv_store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < _ST_MAX; i++)
		(void)sqlite3_finalize(s->stmts[i]);
	(void)sqlite3_close(s->db);
	free(s->reserve_path);
	free(s->audiences);
	free(s);
	return NULL;
}

/* --- the reserve -------------------------------------------------------- */

/* Hold the reserve's space (again): 0, or -ENOSPC when it does not fit. */
static int reserve_take(struct hv_store *s)
{
	int fd, k;

	if (!s->reserve_path || s->reserve_held)
		return 0;
	fd = open(s->reserve_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	k = posix_fallocate(fd, 0, HV_STORE_RESERVE_BYTES);
	(void)close(fd);
	if (k != 0) {
		/* A part allocated is space new rows could not use. */
		(void)unlink(s->reserve_path);
		return -k;
	}
	s->reserve_held = true;
	return 0;
}

/*
 * A write that finishes what the store started (a delivered mark, a prune)
 * found the disk full: give up the reserve, let the write-ahead log be
 * copied back while there is room, and say whether to try again. Once.
 */
static bool reserve_give_up(struct hv_store *s, int r)
{
	if (r != -ENOSPC || !s->reserve_held)
		return false;
	s->reserve_held = false;
	if (unlink(s->reserve_path) < 0)
		return false;
	(void)sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
					NULL, NULL);
	return true;
}

/* Before new rows: the reserve must be held, or be taken again now. */
static int reserve_check(struct hv_store *s)
{
	int r = reserve_take(s);

	if (r == -ENOSPC || r == -EDQUOT) {
		set_errmsg(s, "database or disk is full (the %u KiB kept in reserve to finish delivering are not free again yet)",
			   HV_STORE_RESERVE_BYTES / 1024);
		return -ENOSPC;
	}
	/* Another failure (a read-only folder for the reserve) is no reason
	 * to refuse a reading: the store works as it did without one. */
	return 0;
}

int hv_store_schema_version(struct hv_store *s)
{
	return s ? s->schema_version : -EINVAL;
}

int hv_store_schema_version_supported(void)
{
	return SCHEMA_VERSION;
}

const char *hv_store_errmsg(struct hv_store *s)
{
	if (!s)
		return open_errmsg;
	return s->errmsg;
}

int hv_store_set_max_pages(struct hv_store *s, unsigned max_pages)
{
	char sql[64];

	/* 0: back to the largest count every SQLite 3 accepts (2^30 - 1). */
	(void)snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %u",
		       max_pages ? max_pages : 1073741823U);
	return pragma_int(s, sql, NULL);
}

int hv_store_check(struct hv_store *s)
{
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (t && strcmp((const char *)t, "ok") != 0 && r == 0) {
			set_errmsg(s, "database is corrupt: %s", t);
			r = -EBADMSG;
		}
	}
	if (rc != SQLITE_DONE && r == 0)
		r = sql_fail(s, rc);
	(void)sqlite3_finalize(st);
	return r;
}

/* --- measurements ---------------------------------------------------------- */

/* What a row of the readings table holds. */
struct json_reading {
	const struct hv_metric_info *info;
	bool has_value;
	double value;
	const char *absent_reason;
	const char *method;
};

static int insert_reading(struct hv_store *s, const char *id, int64_t idx,
			  const struct json_reading *rd)
{
	sqlite3_stmt *st;
	int r = stmt(s, ST_READING_INSERT, &st);

	if (r < 0)
		return r;
	bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, idx);
	bind_text(st, 3, rd->info->name);
	if (rd->has_value) {
		sqlite3_bind_double(st, 4, rd->value);
		sqlite3_bind_null(st, 5);
	} else {
		sqlite3_bind_null(st, 4);
		bind_text(st, 5, rd->absent_reason);
	}
	bind_text(st, 6, rd->info->unit);
	bind_text(st, 7, rd->method);
	return step_done(s, st);
}

static int insert_readings(struct hv_store *s, const struct hv_record *rec)
{
	for (size_t i = 0; i < rec->m.n_readings; i++) {
		const struct hv_reading *rd = &rec->m.readings[i];
		struct json_reading row = {
			.info = hv_metric_info(rd->metric),
			.has_value = rd->absent == HV_ABSENT_NONE,
			.value = rd->value,
			.method = rd->method,
		};
		int r;

		if (!row.info) {
			set_errmsg(s, "reading %zu: unknown metric %d", i,
				   (int)rd->metric);
			return -EINVAL;
		}
		if (!row.has_value)
			row.absent_reason = hv_absent_name(rd->absent);
		r = insert_reading(s, rec->id, (int64_t)i, &row);
		if (r < 0)
			return r;
	}
	return 0;
}

static int audience_outbox_insert(struct hv_store *s, const char *id);

/* One pending outbox row, counted in the open transaction's backlog. */
static int outbox_row_insert(struct hv_store *s, const char *id)
{
	sqlite3_stmt *st;
	int r = stmt(s, ST_OUTBOX_INSERT, &st);

	if (r < 0)
		return r;
	bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, now_usec());
	r = step_done(s, st);
	if (r < 0)
		return r;
	s->backlog_tx++;
	return 0;
}

static int outbox_insert(struct hv_store *s, const char *id)
{
	if (s->n_audiences)
		return audience_outbox_insert(s, id);
	return outbox_row_insert(s, id);
}

/* The person's last weight, which the weight rule assigns by, moves with
 * the weigh-in in the same transaction: a second commit would cost a
 * second fsync per reading. No such person: nothing to update. */
static int person_weight_update(struct hv_store *s, const struct hv_record *rec)
{
	const struct hv_reading *w =
		hv_measurement_find(&rec->m, HV_METRIC_BODY_WEIGHT);
	sqlite3_stmt *st;
	int r;

	if (!rec->person[0] || !w || w->absent != HV_ABSENT_NONE)
		return 0;
	r = stmt(s, ST_PERSON_LAST_WEIGHT, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, rec->person);
	sqlite3_bind_double(st, 2, w->value);
	return step_done(s, st);
}

/* A new measurement's rows, in the open transaction: 1, or 0 when it is
 * already stored. */
static int measurement_insert(struct hv_store *s, const struct hv_record *rec,
			      const char *json)
{
	sqlite3_stmt *st;
	int r = stmt(s, ST_MEAS_INSERT, &st);

	if (r < 0)
		return r;
	bind_text(st, 1, rec->id);
	sqlite3_bind_int64(st, 2, rec->time_usec);
	sqlite3_bind_int64(st, 3, now_usec());
	bind_text(st, 4, rec->device_address);
	bind_text(st, 5, rec->device_model);
	bind_text(st, 6, rec->m.driver ? rec->m.driver : "");
	bind_text(st, 7, rec->person);
	bind_text(st, 8, json);
	r = step_done(s, st);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	r = insert_readings(s, rec);
	if (r < 0)
		return r;
	r = outbox_insert(s, rec->id);
	if (r < 0)
		return r;
	r = person_weight_update(s, rec);
	return r < 0 ? r : 1;
}

int hv_store_add(struct hv_store *s, const struct hv_record *rec)
{
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	_cleanup_free_ char *json = NULL;
	int r;

	if (!s || !rec)
		return -EINVAL;
	if (!rec->id[0] || !fits(rec->id, sizeof(rec->id))) {
		set_errmsg(s, "measurement without an id");
		return -EINVAL;
	}
	if (rec->m.status != HV_STATUS_OK) {
		set_errmsg(s, "measurement %s is not a valid reading", rec->id);
		return -EINVAL;
	}
	r = reserve_check(s);
	if (r < 0)
		return r;
	r = hv_record_to_json(rec, &j);
	if (r < 0) {
		set_errmsg(s, "measurement %s: cannot build its JSON: %s",
			   rec->id, strerror(-r));
		return r;
	}
	json = hv_json_print(j);
	if (!json)
		return -ENOMEM;

	r = tx_begin(s);
	if (r < 0)
		return r;
	r = measurement_insert(s, rec, json);
	if (r == 0)
		return tx_abort(s, 0); /* the same event seen again */
	r = tx_finish(s, r);
	return r < 0 ? r : 1;
}

/* dest: a char *, NULL when out of memory. */
static void strdup_column0(sqlite3_stmt *st, void *dest)
{
	*(char **)dest = strdup((const char *)sqlite3_column_text(st, 0));
}

int hv_store_measurement_json(struct hv_store *s, const char *id,
			      char **ret_json)
{
	sqlite3_stmt *st;
	char *copy = NULL;
	int r;

	if (!s || !id || !ret_json)
		return -EINVAL;
	r = stmt(s, ST_MEAS_JSON, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	r = step_one(s, st, strdup_column0, &copy);
	if (r == 0) {
		set_errmsg(s, "no measurement %s", id);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (!copy)
		return -ENOMEM;
	*ret_json = copy;
	return 0;
}

static void read_nothing(sqlite3_stmt *st, void *dest)
{
	(void)st;
	(void)dest;
}

int hv_store_newer_reading(struct hv_store *s, const char *id,
			   const char *metric)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !id || !metric)
		return -EINVAL;
	r = stmt(s, ST_NEWER_READING, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	bind_text(st, 2, metric);
	return step_one(s, st, read_nothing, NULL);
}

/* The stored JSON with the new person and "correction": true. */
static int derive_correction(const char *old_json, const char *person_id,
			     char **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *j = cJSON_Parse(old_json);
	cJSON *p;
	char *out;

	if (!cJSON_IsObject(j))
		return -EBADMSG;
	p = person_id[0] ? cJSON_CreateString(person_id) : cJSON_CreateNull();
	if (!p)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(j, "person")) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(j, "person", p)) {
			cJSON_Delete(p);
			return -ENOMEM;
		}
	} else
		cJSON_AddItemToObject(j, "person", p);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "correction");
	if (!cJSON_AddBoolToObject(j, "correction", true))
		return -ENOMEM;
	out = hv_json_print(j);
	if (!out)
		return -ENOMEM;
	*ret = out;
	return 0;
}

/*
 * One reading of a record's JSON "readings" array (readings.md): a known
 * metric, a number or null with an absent reason, optional unit (the
 * metric's UCUM unit) and method. The rows keep the metric table's unit.
 */

static int json_reading(const cJSON *o, struct json_reading *ret)
{
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(o, "metric");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(o, "value");
	const cJSON *absent =
		cJSON_GetObjectItemCaseSensitive(o, "absent_reason");
	const cJSON *unit = cJSON_GetObjectItemCaseSensitive(o, "unit");
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(o, "method");
	struct json_reading rd = { 0 };
	int m;

	if (!cJSON_IsObject(o) || !cJSON_IsString(metric))
		return -EINVAL;
	m = hv_metric_from_name(metric->valuestring);
	rd.info = m >= 0 ? hv_metric_info((enum hv_metric)m) : NULL;
	if (!rd.info)
		return -EINVAL;
	if (unit && (!cJSON_IsString(unit) ||
		     strcmp(unit->valuestring, rd.info->unit) != 0))
		return -EINVAL;
	if (cJSON_IsNumber(value)) {
		if (absent && !cJSON_IsNull(absent))
			return -EINVAL;
		rd.has_value = true;
		rd.value = value->valuedouble;
	} else if ((!value || cJSON_IsNull(value)) && cJSON_IsString(absent) &&
		   hv_absent_from_name(absent->valuestring) > 0) {
		rd.absent_reason = absent->valuestring;
	} else
		return -EINVAL;
	if (method && !cJSON_IsNull(method)) {
		if (!cJSON_IsString(method))
			return -EINVAL;
		rd.method = method->valuestring;
	}
	*ret = rd;
	return 0;
}

static int check_json_readings(struct hv_store *s, const char *id,
			       const cJSON *readings)
{
	const cJSON *o;
	size_t i = 0;

	if (!cJSON_IsArray(readings)) {
		set_errmsg(s, "reassign %s: \"readings\" is not an array", id);
		return -EINVAL;
	}
	cJSON_ArrayForEach(o, readings)
	{
		struct json_reading rd;

		if (json_reading(o, &rd) < 0) {
			set_errmsg(s, "reassign %s: reading %zu is not a valid reading",
				   id, i);
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

/* Inside a transaction: the rows of id become those of the JSON array
 * (checked by check_json_readings). */
/* A cached statement whose one parameter is a measurement's id. */
static int exec_for_measurement(struct hv_store *s, enum stmt_id sid,
				const char *id)
{
	sqlite3_stmt *st;
	int r = stmt(s, sid, &st);

	if (r < 0)
		return r;
	bind_text(st, 1, id);
	return step_done(s, st);
}

static int replace_readings(struct hv_store *s, const char *id,
			    const cJSON *readings)
{
	const cJSON *o;
	int64_t i = 0;
	int r;

	r = exec_for_measurement(s, ST_READINGS_DELETE, id);
	if (r < 0)
		return r;
	cJSON_ArrayForEach(o, readings)
	{
		struct json_reading rd;

		r = json_reading(o, &rd);
		if (r < 0)
			return r;
		r = insert_reading(s, id, i++, &rd);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The reassignment's statements, in the open transaction: the person and
 * the JSON, the reading rows when given, and the outbox. */
static int reassign_rows(struct hv_store *s, const char *id,
			 const char *person_id, const char *new_json,
			 const cJSON *new_readings)
{
	sqlite3_stmt *st;
	int r;

	r = stmt(s, ST_MEAS_REASSIGN, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person_id);
	bind_text(st, 2, new_json);
	bind_text(st, 3, id);
	r = step_done(s, st);
	if (r < 0)
		return r;
	if (sqlite3_changes(s->db) == 0) {
		set_errmsg(s, "no measurement %s", id);
		return -ENOENT;
	}
	/* The reading rows follow the new form (re-derived readings). */
	if (new_readings) {
		r = replace_readings(s, id, new_readings);
		if (r < 0)
			return r;
	}
	/* A pending publication of the old form is replaced by the new one. */
	r = exec_for_measurement(s, ST_OUTBOX_SUPERSEDE, id);
	if (r < 0)
		return r;
	s->backlog_tx -= sqlite3_changes(s->db);
	return outbox_insert(s, id);
}

int hv_store_reassign(struct hv_store *s, const char *id,
		      const char *person_id, const char *new_json)
{
	_cleanup_free_ char *old = NULL, *derived = NULL;
	_cleanup_(cJSON_Deletep) cJSON *parsed = NULL;
	const cJSON *new_readings = NULL;
	int r;

	if (!s || !id)
		return -EINVAL;
	if (!person_id)
		person_id = "";
	if (!fits(person_id, HV_PERSON_MAX)) {
		set_errmsg(s, "person id too long");
		return -EINVAL;
	}
	if (new_json) {
		const cJSON *jid;

		parsed = cJSON_Parse(new_json);
		jid = cJSON_GetObjectItemCaseSensitive(parsed, "id");
		if (!cJSON_IsString(jid) || strcmp(jid->valuestring, id) != 0) {
			set_errmsg(s, "reassign %s: the new JSON is not that measurement",
				   id);
			return -EINVAL;
		}
		new_readings =
			cJSON_GetObjectItemCaseSensitive(parsed, "readings");
		if (new_readings) {
			r = check_json_readings(s, id, new_readings);
			if (r < 0)
				return r;
		}
	}

	r = tx_begin(s);
	if (r < 0)
		return r;
	if (!new_json) {
		r = hv_store_measurement_json(s, id, &old);
		if (r >= 0)
			r = derive_correction(old, person_id, &derived);
		if (r < 0)
			return tx_abort(s, r);
		new_json = derived;
	}
	return tx_finish(s, reassign_rows(s, id, person_id, new_json,
					  new_readings));
}

/* --- outbox ----------------------------------------------------------- */

void hv_outbox_item_done(struct hv_outbox_item *item)
{
	if (!item)
		return;
	free(item->json);
	item->json = NULL;
}

static int outbox_rows(struct hv_store *s, sqlite3_stmt *st, size_t max,
		       struct hv_outbox_item *items, size_t *ret_n);

int hv_store_outbox_next(struct hv_store *s, int64_t after_seq, size_t max,
			 struct hv_outbox_item *items, size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || (max && !items) || !ret_n)
		return -EINVAL;
	r = stmt(s, ST_OUTBOX_NEXT, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, after_seq);
	sqlite3_bind_int64(st, 2, (int64_t)(max > INT32_MAX ? INT32_MAX : max));
	return outbox_rows(s, st, max, items, ret_n);
}

/* The rows of a bound outbox query; leaves st reset. */
static int outbox_rows(struct hv_store *s, sqlite3_stmt *st, size_t max,
		       struct hv_outbox_item *items, size_t *ret_n)
{
	size_t n = 0;
	int rc = SQLITE_DONE, r;

	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hv_outbox_item *it = &items[n];
		const unsigned char *json = sqlite3_column_text(st, 3);

		*it = (struct hv_outbox_item){ 0 };
		it->seq = sqlite3_column_int64(st, 0);
		copy_column(st, 1, it->id, sizeof(it->id));
		copy_column(st, 2, it->person, sizeof(it->person));
		it->attempts = (unsigned)sqlite3_column_int64(st, 4);
		it->json = strdup(json ? (const char *)json : "");
		if (!it->json) {
			r = -ENOMEM;
			goto fail;
		}
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		r = sql_fail(s, rc);
		goto fail;
	}
	(void)sqlite3_reset(st);
	*ret_n = n;
	return 0;
fail:
	(void)sqlite3_reset(st);
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);
	return r;
}

static int audit_shared(struct hv_store *s, int64_t seq, int64_t now);

/* One row delivered inside the open transaction; 1 when it was pending. */
static int mark_one_delivered(struct hv_store *s, int64_t seq, int64_t now)
{
	static const enum stmt_id tries[] = { ST_OUTBOX_DELIVERED,
					      ST_OUTBOX_DELIVERED_OTHER };
	sqlite3_stmt *st;
	int r;

	if (s->n_audiences) {
		r = audit_shared(s, seq, now);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(tries); i++) {
		r = stmt(s, tries[i], &st);
		if (r < 0)
			return r;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, seq);
		r = step_done(s, st);
		if (r < 0)
			return r;
		if (sqlite3_changes(s->db) > 0)
			return tries[i] == ST_OUTBOX_DELIVERED;
	}
	set_errmsg(s, "no outbox entry %lld", (long long)seq);
	return -ENOENT;
}

static int mark_delivered_many(struct hv_store *s, const int64_t *seqs,
			       size_t n)
{
	int64_t now = now_usec();
	int r;

	/*
	 * No fsync of its own: a mark lost in a power cut only means the
	 * measurement is published again with the same id. The next FULL
	 * commit (an accepted measurement) syncs it with its own.
	 */
	if (!s->readonly)
		(void)exec_stmt(s, ST_SYNC_NORMAL);
	r = tx_begin(s);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = mark_one_delivered(s, seqs[i], now);
		if (r >= 0)
			s->backlog_tx -= r;
	}
	r = tx_finish(s, r);
	if (!s->readonly)
		(void)exec_stmt(s, ST_SYNC_FULL);
	return r;
}

int hv_store_outbox_mark_delivered_many(struct hv_store *s,
					const int64_t *seqs, size_t n)
{
	int r;

	if (!s || (n && !seqs))
		return -EINVAL;
	if (!n)
		return 0;
	r = mark_delivered_many(s, seqs, n);
	if (reserve_give_up(s, r))
		r = mark_delivered_many(s, seqs, n);
	return r;
}

int hv_store_outbox_mark_delivered(struct hv_store *s, int64_t seq)
{
	return hv_store_outbox_mark_delivered_many(s, &seq, 1);
}

static int mark_attempt(struct hv_store *s, int64_t seq, const char *error)
{
	sqlite3_stmt *st;
	int r;

	r = tx_stmt(s, ST_OUTBOX_ATTEMPT, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, error);
	sqlite3_bind_int64(st, 2, seq);
	return write_one(s, st, true, "outbox entry");
}

int hv_store_outbox_mark_attempt(struct hv_store *s, int64_t seq,
				 const char *error)
{
	int r;

	if (!s)
		return -EINVAL;
	r = mark_attempt(s, seq, error);
	if (reserve_give_up(s, r))
		r = mark_attempt(s, seq, error);
	return r;
}

static int data_version(struct hv_store *s, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc, r;

	r = stmt(s, ST_DATA_VERSION, &st);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = sql_fail(s, rc);
		(void)sqlite3_reset(st);
		return r;
	}
	*ret = sqlite3_column_int64(st, 0);
	(void)sqlite3_reset(st);
	return 0;
}

/* Count the pending rows; the data version read first, so a commit of
 * another connection in between is counted again next time. */
static int backlog_recount(struct hv_store *s)
{
	int64_t version;
	uint64_t n;
	int r;

	r = data_version(s, &version);
	if (r >= 0)
		r = hv_store_outbox_count(s, &n);
	if (r < 0)
		return r;
	s->data_version = version;
	s->backlog = n;
	s->backlog_stale = false;
	return 0;
}

int hv_store_backlog(struct hv_store *s, uint64_t *ret)
{
	int64_t version;
	int r;

	if (!s || !ret)
		return -EINVAL;
	r = data_version(s, &version);
	if (r >= 0 && (version != s->data_version || s->backlog_stale))
		r = backlog_recount(s);
	if (r < 0)
		return r;
	*ret = s->backlog;
	return 0;
}

int hv_store_changed_elsewhere(struct hv_store *s)
{
	int64_t version;
	int r;

	if (!s)
		return -EINVAL;
	r = data_version(s, &version);
	if (r < 0)
		return r;
	if (s->watched_version != 0 && version == s->watched_version)
		return 0;
	s->watched_version = version;
	return 1;
}

int hv_store_outbox_count(struct hv_store *s, uint64_t *ret)
{
	sqlite3_stmt *st;
	int rc, r;

	if (!s || !ret)
		return -EINVAL;
	r = stmt(s, ST_OUTBOX_COUNT, &st);
	if (r < 0)
		return r;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		r = sql_fail(s, rc);
		(void)sqlite3_reset(st);
		return r;
	}
	*ret = (uint64_t)sqlite3_column_int64(st, 0);
	(void)sqlite3_reset(st);
	return 0;
}

static int delete_before_once(struct hv_store *s, enum stmt_id id,
			      int64_t cutoff, uint64_t *ret_deleted)
{
	sqlite3_stmt *st;
	uint64_t n;
	int r;

	r = tx_stmt(s, id, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, cutoff);
	r = step_done(s, st);
	n = (uint64_t)sqlite3_changes64(s->db);
	r = tx_finish(s, r);
	if (r < 0)
		return r;
	if (ret_deleted)
		*ret_deleted = n;
	return 0;
}

/* One DELETE bound to a cut-off, in its own transaction: rows deleted.
 * Deleting frees space, and may need some first: the reserve's. */
static int delete_before(struct hv_store *s, enum stmt_id id, int64_t cutoff,
			 uint64_t *ret_deleted)
{
	int r;

	if (!s)
		return -EINVAL;
	r = delete_before_once(s, id, cutoff, ret_deleted);
	if (reserve_give_up(s, r))
		r = delete_before_once(s, id, cutoff, ret_deleted);
	return r;
}

int hv_store_prune(struct hv_store *s, int64_t older_than_usec,
		   bool unpublished, uint64_t *ret_deleted)
{
	uint64_t n = 0;
	int r;

	r = delete_before(s, unpublished ? ST_PRUNE_UNPUBLISHED : ST_PRUNE,
			  older_than_usec, &n);
	if (r < 0)
		return r;
	/* Pending outbox rows went with their measurements (cascade). */
	if (unpublished && n)
		s->backlog_stale = true;
	if (ret_deleted)
		*ret_deleted = n;
	return 0;
}

/* --- devices ------------------------------------------------------------ */

static void device_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_device_info *d = dest;

	*d = (struct hv_device_info){ 0 };
	copy_column(st, 0, d->address, sizeof(d->address));
	copy_column(st, 1, d->driver, sizeof(d->driver));
	copy_column(st, 2, d->name, sizeof(d->name));
	d->rssi = sqlite3_column_int(st, 3);
	d->battery = sqlite3_column_int(st, 4);
	d->last_seen_usec = sqlite3_column_int64(st, 5);
	d->last_sequence = sqlite3_column_int(st, 6);
}

static int check_address(struct hv_store *s, const char *address)
{
	if (!address || !address[0] || !fits(address, HV_ADDRESS_MAX)) {
		set_errmsg(s, "invalid device address");
		return -EINVAL;
	}
	return 0;
}

/* tx_stmt() for a write keyed by a device address, checked first. */
static int device_tx_stmt(struct hv_store *s, const char *address,
			  enum stmt_id id, sqlite3_stmt **ret)
{
	int r = check_address(s, address);

	if (r < 0)
		return r;
	return tx_stmt(s, id, ret);
}

static void bind_device_seen(sqlite3_stmt *st, const struct hv_device_info *d)
{
	bind_text(st, 1, d->address);
	bind_text(st, 2, d->driver);
	bind_text(st, 3, d->name);
	sqlite3_bind_int(st, 4, d->rssi);
	sqlite3_bind_int(st, 5, d->battery);
	sqlite3_bind_int64(st, 6, d->last_seen_usec);
}

int hv_store_device_seen(struct hv_store *s, const struct hv_device_info *d)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !d)
		return -EINVAL;
	r = device_tx_stmt(s, d->address, ST_DEVICE_SEEN, &st);
	if (r < 0)
		return r;
	bind_device_seen(st, d);
	return write_one(s, st, false, NULL);
}

int hv_store_prune_devices(struct hv_store *s, int64_t unseen_since_usec,
			   uint64_t *ret_deleted)
{
	return delete_before(s, ST_PRUNE_DEVICES, unseen_since_usec,
			     ret_deleted);
}

int hv_store_devices_seen(struct hv_store *s, const struct hv_device_info *d,
			  size_t n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || (!d && n))
		return -EINVAL;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		r = check_address(s, d[i].address);
		if (r < 0)
			return r;
	}
	r = tx_stmt(s, ST_DEVICE_SEEN, &st);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		bind_device_seen(st, &d[i]);
		r = step_done(s, st);
	}
	return tx_finish(s, r);
}

int hv_store_device_get(struct hv_store *s, const char *address,
			struct hv_device_info *ret)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = stmt(s, ST_DEVICE_GET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	r = step_one(s, st, device_from_row, ret);
	if (r == 0 || r == -ENOENT) {
		set_errmsg(s, "no device %s", address);
		return -ENOENT;
	}
	return r < 0 ? r : 0;
}

int hv_store_device_set_sequence(struct hv_store *s, const char *address,
				 int32_t last_sequence)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = device_tx_stmt(s, address, ST_DEVICE_SEQUENCE, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	sqlite3_bind_int(st, 2, last_sequence);
	return write_one(s, st, false, NULL);
}

int hv_store_device_set_dis(struct hv_store *s, const char *address,
			    const struct hv_dis *dis)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !dis)
		return -EINVAL;
	r = device_tx_stmt(s, address, ST_DEVICE_DIS_SET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	for (int i = 0; i < _HV_DIS_FIELD_MAX; i++)
		bind_text(st, i + 2, dis->value[i]);
	return write_one(s, st, false, NULL);
}

static void dis_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_dis *dis = dest;

	*dis = (struct hv_dis){ 0 };
	for (int i = 0; i < _HV_DIS_FIELD_MAX; i++)
		hv_dis_set(dis, (enum hv_dis_field)i,
			   (const char *)sqlite3_column_text(st, i));
}

int hv_store_device_get_dis(struct hv_store *s, const char *address,
			    struct hv_dis *ret)
{
	struct hv_dis dis;
	sqlite3_stmt *st;
	int r;

	if (!s || !ret)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = stmt(s, ST_DEVICE_DIS_GET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	r = step_one(s, st, dis_from_row, &dis);
	if (r == 0 || (r > 0 && hv_dis_empty(&dis))) {
		set_errmsg(s, "no device information for %s", address);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	*ret = dis;
	return 0;
}

/* DEVICE_COLUMNS, then adopted (0/1) and the adopted device's person. */
static void device_listed_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_device_info *d = dest;

	device_from_row(st, dest);
	d->adopted = sqlite3_column_int(st, 7) != 0;
	copy_column(st, 8, d->adopted_person, sizeof(d->adopted_person));
}

/* Read every row first, so that callbacks may use the store freely. */
int hv_store_devices_foreach(struct hv_store *s,
			     int (*cb)(const struct hv_device_info *d,
				       void *userdata),
			     void *userdata)
{
	_cleanup_free_ struct hv_device_info *list = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r;

	if (!s || !cb)
		return -EINVAL;
	/* Devices adopted before they were first heard come too. */
	r = prepare(s,
		    "SELECT d.address, d.driver, d.name, d.rssi, d.battery,"
		    " d.last_seen_usec, d.last_sequence,"
		    " a.address IS NOT NULL, coalesce(a.person_id, '')"
		    " FROM devices d LEFT JOIN adopted a ON a.address = d.address"
		    " UNION ALL"
		    " SELECT a.address, a.driver, '', 0, -1, 0, -1, 1,"
		    " coalesce(a.person_id, '') FROM adopted a"
		    " WHERE NOT EXISTS (SELECT 1 FROM devices d"
		    "  WHERE d.address = a.address)"
		    " ORDER BY 6 DESC, 1",
		    &st);
	if (r < 0)
		return r;
	r = collect_rows(s, st, sizeof(*list), device_listed_from_row,
			 (void **)&list, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = cb(&list[i], userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- adopted devices ------------------------------------------------------ */

static int check_adopt_args(struct hv_store *s, const char *address,
			    const char *driver, const char *person_id)
{
	if (driver && !fits(driver, HV_MODEL_MAX)) {
		set_errmsg(s, "driver id too long");
		return -EINVAL;
	}
	if (person_id && !fits(person_id, HV_PERSON_MAX)) {
		set_errmsg(s, "person id too long");
		return -EINVAL;
	}
	return check_address(s, address);
}

int hv_store_device_adopt(struct hv_store *s, const char *address,
			  const char *driver, const char *person_id,
			  int64_t now_usec)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = check_adopt_args(s, address, driver, person_id);
	if (r < 0)
		return r;
	r = tx_stmt(s, ST_ADOPT, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	bind_text(st, 2, driver ? driver : "");
	bind_text(st, 3, person_id ? person_id : "");
	sqlite3_bind_int64(st, 4, now_usec);
	r = write_one(s, st, false, NULL);
	if (r == -ENOENT)
		set_errmsg(s, "no person %s", person_id);
	return r;
}

int hv_store_device_adopt_first(struct hv_store *s, const char *address,
				const char *driver, int64_t now_usec)
{
	sqlite3_stmt *st;
	bool adopted;
	int r;

	if (!s || !driver || !driver[0])
		return -EINVAL;
	r = check_adopt_args(s, address, driver, NULL);
	if (r < 0)
		return r;
	r = tx_stmt(s, ST_ADOPT_FIRST, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	bind_text(st, 2, driver);
	sqlite3_bind_int64(st, 3, now_usec);
	r = step_done(s, st);
	adopted = sqlite3_changes(s->db) > 0;
	r = tx_finish(s, r);
	return r < 0 ? r : adopted;
}

int hv_store_device_unadopt(struct hv_store *s, const char *address)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = device_tx_stmt(s, address, ST_UNADOPT, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	return write_one(s, st, true, "such adopted device");
}

/* Columns: person, driver, adopted_usec. */
static void adoption_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_adoption *a = dest;

	*a = (struct hv_adoption){ 0 };
	copy_column(st, 0, a->person, sizeof(a->person));
	copy_column(st, 1, a->driver, sizeof(a->driver));
	a->adopted_usec = sqlite3_column_int64(st, 2);
}

int hv_store_device_adoption(struct hv_store *s, const char *address,
			     struct hv_adoption *ret)
{
	struct hv_adoption a;
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = stmt(s, ST_ADOPTION_GET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	r = step_one(s, st, adoption_from_row, &a);
	if (r == 0) {
		set_errmsg(s, "%s is not adopted", address);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (ret)
		*ret = a;
	return 0;
}

/* --- people and links --------------------------------------------------- */

static int check_person(struct hv_store *s, const struct hv_person *p)
{
	if (!p || !p->id[0] || !fits(p->id, sizeof(p->id)) ||
	    !fits(p->name, sizeof(p->name)) ||
	    !fits(p->birth_date, sizeof(p->birth_date))) {
		set_errmsg(s, "invalid person");
		return -EINVAL;
	}
	return 0;
}

static void bind_person(sqlite3_stmt *st, const struct hv_person *p)
{
	bind_text(st, 1, p->id);
	bind_text(st, 2, p->name);
	sqlite3_bind_double(st, 3, p->height_m);
	bind_text(st, 4, p->birth_date);
	sqlite3_bind_int(st, 5, p->sex);
	sqlite3_bind_double(st, 6, p->weight_min_kg);
	sqlite3_bind_double(st, 7, p->weight_max_kg);
	sqlite3_bind_double(st, 8, p->last_weight_kg);
}

static void person_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_person *p = dest;

	*p = (struct hv_person){ 0 };
	copy_column(st, 0, p->id, sizeof(p->id));
	copy_column(st, 1, p->name, sizeof(p->name));
	p->height_m = sqlite3_column_double(st, 2);
	copy_column(st, 3, p->birth_date, sizeof(p->birth_date));
	p->sex = sqlite3_column_int(st, 4);
	p->weight_min_kg = sqlite3_column_double(st, 5);
	p->weight_max_kg = sqlite3_column_double(st, 6);
	p->last_weight_kg = sqlite3_column_double(st, 7);
}

static int person_write(struct hv_store *s, enum stmt_id id,
			const struct hv_person *p)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = check_person(s, p);
	if (r < 0)
		return r;
	r = tx_stmt(s, id, &st);
	if (r < 0)
		return r;
	bind_person(st, p);
	r = write_one(s, st, id == ST_PERSON_UPDATE, "such person");
	if (r == -EEXIST)
		set_errmsg(s, "person %s already exists", p->id);
	return r;
}

int hv_store_person_add(struct hv_store *s, const struct hv_person *p)
{
	return person_write(s, ST_PERSON_ADD, p);
}

int hv_store_person_update(struct hv_store *s, const struct hv_person *p)
{
	return person_write(s, ST_PERSON_UPDATE, p);
}

int hv_store_person_remove(struct hv_store *s, const char *id)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !id)
		return -EINVAL;
	r = tx_stmt(s, ST_PERSON_REMOVE, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	return write_one(s, st, true, "such person");
}

int hv_store_person_get(struct hv_store *s, const char *id,
			struct hv_person *ret)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !id || !ret)
		return -EINVAL;
	r = stmt(s, ST_PERSON_GET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	r = step_one(s, st, person_from_row, ret);
	if (r == 0) {
		set_errmsg(s, "no person %s", id);
		return -ENOENT;
	}
	return r < 0 ? r : 0;
}

int hv_store_people_list(struct hv_store *s, struct hv_person **ret,
			 size_t *ret_n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!s || !ret || !ret_n)
		return -EINVAL;
	r = stmt(s, ST_PEOPLE_LIST, &st);
	if (r < 0)
		return r;
	return collect_cached_rows(s, st, sizeof(**ret), person_from_row,
				   (void **)ret, ret_n);
}

struct metric_row {
	char metric[48];
	char display_unit[16];
	int64_t time_usec;
};

static void metric_from_row(sqlite3_stmt *st, void *dest)
{
	struct metric_row *m = dest;

	copy_column(st, 0, m->metric, sizeof(m->metric));
	m->time_usec = sqlite3_column_int64(st, 1);
	copy_column(st, 2, m->display_unit, sizeof(m->display_unit));
}

int hv_store_person_metrics_foreach(struct hv_store *s, const char *person,
				    int (*cb)(const char *metric,
					      const char *display_unit,
					      int64_t last_time_usec,
					      void *userdata),
				    void *userdata)
{
	/* A bare column with max(): SQLite takes it from the row of the
	 * maximum, so the unit is the newest measurement's. */
	static const char sql[] =
		"SELECT r.metric, max(m.time_usec),"
		" coalesce(json_extract(m.json, '$.display_unit'), '')"
		" FROM readings r JOIN measurements m"
		"  ON m.id = r.measurement_id"
		" WHERE m.person = ? AND r.value IS NOT NULL"
		" GROUP BY r.metric ORDER BY r.metric";
	_cleanup_free_ struct metric_row *list = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r;

	if (!s || !person || !cb)
		return -EINVAL;
	r = prepare(s, sql, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	r = collect_rows(s, st, sizeof(*list), metric_from_row,
			 (void **)&list, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = cb(list[i].metric, list[i].display_unit, list[i].time_usec,
		       userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

int hv_store_link_set(struct hv_store *s, const char *address, int user_index,
		      const char *person_id, int consent_code)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	if (person_id && !fits(person_id, HV_PERSON_MAX)) {
		set_errmsg(s, "person id too long");
		return -EINVAL;
	}
	r = device_tx_stmt(s, address, ST_LINK_SET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	sqlite3_bind_int(st, 2, user_index);
	bind_text(st, 3, person_id);
	sqlite3_bind_int(st, 4, consent_code);
	r = write_one(s, st, false, NULL);
	if (r == -ENOENT)
		set_errmsg(s, "no person %s", person_id);
	return r;
}

int hv_store_link_remove(struct hv_store *s, const char *address,
			 int user_index)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = device_tx_stmt(s, address, ST_LINK_REMOVE, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	sqlite3_bind_int(st, 2, user_index);
	return write_one(s, st, true, "such link");
}

struct link_row {
	char address[HV_ADDRESS_MAX];
	int user_index;
	char person[HV_PERSON_MAX];
	int consent_code;
};

/* Columns: person_id, consent_code. */
static void link_target_from_row(sqlite3_stmt *st, void *dest)
{
	struct link_row *l = dest;

	copy_column(st, 0, l->person, sizeof(l->person));
	l->consent_code = sqlite3_column_int(st, 1);
}

/* Columns: address, user_index, person_id, consent_code. */
static void link_from_row(sqlite3_stmt *st, void *dest)
{
	struct link_row *l = dest;

	copy_column(st, 0, l->address, sizeof(l->address));
	l->user_index = sqlite3_column_int(st, 1);
	copy_column(st, 2, l->person, sizeof(l->person));
	l->consent_code = sqlite3_column_int(st, 3);
}

int hv_store_link_get(struct hv_store *s, const char *address, int user_index,
		      char ret_person[HV_PERSON_MAX], int *ret_consent_code)
{
	struct link_row link;
	sqlite3_stmt *st;
	int r;

	if (!s || !ret_person)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = stmt(s, ST_LINK_GET, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	sqlite3_bind_int(st, 2, user_index);
	r = step_one(s, st, link_target_from_row, &link);
	if (r == 0) {
		set_errmsg(s, "%s user %d is not linked", address, user_index);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	(void)snprintf(ret_person, HV_PERSON_MAX, "%s", link.person);
	if (ret_consent_code)
		*ret_consent_code = link.consent_code;
	return 0;
}

int hv_store_links_foreach(struct hv_store *s,
			   int (*cb)(const char *address, int user_index,
				     const char *person, int consent_code,
				     void *userdata),
			   void *userdata)
{
	_cleanup_free_ struct link_row *list = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r;

	if (!s || !cb)
		return -EINVAL;
	r = prepare(s,
		    "SELECT address, user_index, person_id,"
		    " consent_code FROM device_users"
		    " ORDER BY address, user_index",
		    &st);
	if (r < 0)
		return r;
	r = collect_rows(s, st, sizeof(*list), link_from_row, (void **)&list,
			 &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = cb(list[i].address, list[i].user_index, list[i].person,
		       list[i].consent_code, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- reading back --------------------------------------------------------- */

static const char *column_or_null(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int hv_store_readings_foreach(struct hv_store *s,
			      const struct hv_reading_filter *filter,
			      int (*cb)(const struct hv_reading_row *row,
					void *userdata),
			      void *userdata)
{
	static const char sql[] =
		"SELECT r.measurement_id, m.time_usec, m.person,"
		" m.device_address, m.driver, r.metric, r.value, r.unit,"
		" r.absent_reason, r.method"
		" FROM readings r JOIN measurements m"
		"  ON m.id = r.measurement_id"
		" WHERE (?1 IS NULL OR m.person = ?1)"
		" AND (?2 IS NULL OR r.metric = ?2)"
		" AND (?3 = 0 OR m.time_usec >= ?3)"
		" AND (?4 = 0 OR m.time_usec < ?4)"
		" ORDER BY m.time_usec, r.measurement_id, r.idx";
	const struct hv_reading_filter any = { 0 };
	sqlite3_stmt *st = NULL;
	int rc, r = 0;

	if (!s || !cb)
		return -EINVAL;
	if (!filter)
		filter = &any;
	/* Its own statement: callbacks may use the store, even recursively. */
	r = prepare(s, sql, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, filter->person);
	bind_text(st, 2, filter->metric);
	sqlite3_bind_int64(st, 3, filter->since_usec);
	sqlite3_bind_int64(st, 4, filter->until_usec);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hv_reading_row row = {
			.measurement_id = column_or_null(st, 0),
			.time_usec = sqlite3_column_int64(st, 1),
			.person = column_or_null(st, 2),
			.device_address = column_or_null(st, 3),
			.driver = column_or_null(st, 4),
			.metric = column_or_null(st, 5),
			.has_value = sqlite3_column_type(st, 6) != SQLITE_NULL,
			.value = sqlite3_column_double(st, 6),
			.unit = column_or_null(st, 7),
			.absent_reason = column_or_null(st, 8),
			.method = column_or_null(st, 9),
		};

		r = cb(&row, userdata);
		if (r < 0)
			break;
		r = 0;
	}
	if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = sql_fail(s, rc);
	(void)sqlite3_finalize(st);
	return r;
}

/* --- records held until the wall clock is known ---------------------------- */

void hv_held_rows_free(struct hv_held_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].frame_json);
	free(rows);
}

/* A statement of its own, run in its own transaction. */
static int held_write(struct hv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st), r = 0;

	if (rc != SQLITE_DONE)
		r = sql_fail(s, rc);
	(void)sqlite3_finalize(st);
	return r;
}

int hv_store_held_add(struct hv_store *s, const struct hv_held_row *row,
		      size_t max_rows)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!s || !row || !row->frame_json || !max_rows)
		return -EINVAL;
	r = reserve_check(s);
	if (r < 0)
		return r;
	r = tx_prepare(s,
		       "INSERT INTO held (boot_id, rx_boot_usec, address, driver,"
		       " frame) VALUES (?, ?, ?, ?, ?)",
		       &st);
	if (r < 0)
		return r;
	bind_text(st, 1, row->boot_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)row->rx_boot_usec);
	bind_text(st, 3, row->address);
	bind_text(st, 4, row->driver);
	bind_text(st, 5, row->frame_json);
	r = held_write(s, st);
	/* Bounded like the pipeline's queue: the oldest go first. */
	if (r >= 0)
		r = prepare(s,
			    "DELETE FROM held WHERE seq NOT IN"
			    " (SELECT seq FROM held ORDER BY seq DESC LIMIT ?)",
			    &st);
	if (r >= 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)max_rows);
		r = held_write(s, st);
	}
	return tx_finish(s, r);
}

static void read_held(sqlite3_stmt *st, void *dest)
{
	struct hv_held_row *h = dest;
	const unsigned char *frame = sqlite3_column_text(st, 5);

	*h = (struct hv_held_row){
		.seq = sqlite3_column_int64(st, 0),
		.rx_boot_usec = (uint64_t)sqlite3_column_int64(st, 2),
	};
	copy_column(st, 1, h->boot_id, sizeof(h->boot_id));
	copy_column(st, 3, h->address, sizeof(h->address));
	copy_column(st, 4, h->driver, sizeof(h->driver));
	h->frame_json = strdup(frame ? (const char *)frame : "{}");
}

int hv_store_held_list(struct hv_store *s, struct hv_held_row **ret,
		       size_t *ret_n)
{
	struct hv_held_row *rows = NULL;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int r;

	if (!s || !ret || !ret_n)
		return -EINVAL;
	r = prepare(s,
		    "SELECT seq, boot_id, rx_boot_usec, address, driver, frame"
		    " FROM held ORDER BY seq",
		    &st);
	if (r < 0)
		return r;
	r = collect_rows(s, st, sizeof(*rows), read_held, (void **)&rows, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].frame_json) {
			hv_held_rows_free(rows, n);
			return -ENOMEM;
		}
	*ret = rows;
	*ret_n = n;
	return 0;
}

int hv_store_held_remove(struct hv_store *s, int64_t seq, const char *boot_id,
			 const char *address, uint64_t rx_boot_usec)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (!s || (seq <= 0 && (!boot_id || !address)))
		return -EINVAL;
	r = tx_prepare(s,
		       seq > 0 ? "DELETE FROM held WHERE seq = ?1" :
				 "DELETE FROM held WHERE boot_id = ?2"
				 " AND address = ?3 AND rx_boot_usec = ?4",
		       &st);
	if (r < 0)
		return r;
	if (seq > 0)
		sqlite3_bind_int64(st, 1, seq);
	else {
		bind_text(st, 2, boot_id);
		bind_text(st, 3, address);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)rx_boot_usec);
	}
	return tx_finish(s, held_write(s, st));
}

/* --- consent (docs/consent.md) ---------------------------------------------- */

static void consent_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_consent *c = dest;

	*c = (struct hv_consent){ 0 };
	c->id = sqlite3_column_int64(st, 0);
	copy_column(st, 1, c->person, sizeof(c->person));
	copy_column(st, 2, c->audience, sizeof(c->audience));
	copy_column(st, 3, c->metrics, sizeof(c->metrics));
	c->daily = sqlite3_column_int(st, 4) != 0;
	c->device_details = sqlite3_column_int(st, 5) != 0;
	copy_column(st, 6, c->from_date, sizeof(c->from_date));
	copy_column(st, 7, c->recorded_by, sizeof(c->recorded_by));
	c->recorded_usec = sqlite3_column_int64(st, 8);
	c->revoked_usec = sqlite3_column_int64(st, 9);
}

static bool audience_name_valid(const char *a)
{
	if (!fits(a, HV_AUDIENCE_MAX) || !a[0])
		return false;
	for (; *a; a++)
		if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
		      (*a >= '0' && *a <= '9') || *a == '_' || *a == '-'))
			return false;
	return true;
}

static bool date_valid(const char *d)
{
	if (!d[0])
		return true;
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
			return false;
	return true;
}

static int check_consent(struct hv_store *s, const struct hv_consent *c)
{
	char scope[HV_CONSENT_SCOPE_MAX], bad[64];

	if (!fits(c->person, sizeof(c->person)) || !c->person[0]) {
		set_errmsg(s, "no person given");
		return -EINVAL;
	}
	if (!audience_name_valid(c->audience)) {
		set_errmsg(s, "'%.64s' is not an audience name", c->audience);
		return -EINVAL;
	}
	if (!fits(c->metrics, sizeof(c->metrics)) ||
	    hv_consent_scope_normalize(c->metrics, scope, sizeof(scope), bad,
				       sizeof(bad)) < 0 ||
	    strcmp(scope, c->metrics) != 0) {
		set_errmsg(s, "'%.64s' is not a metric scope", c->metrics);
		return -EINVAL;
	}
	if (!fits(c->from_date, sizeof(c->from_date)) ||
	    !date_valid(c->from_date)) {
		set_errmsg(s, "'%.10s' is not a date YYYY-MM-DD", c->from_date);
		return -EINVAL;
	}
	if (!fits(c->recorded_by, sizeof(c->recorded_by))) {
		set_errmsg(s, "recorded_by too long");
		return -EINVAL;
	}
	return 0;
}

static int step_finalize(struct hv_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_finalize(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return sql_fail(s, rc);
}

static int consent_end(struct hv_store *s, const char *person,
		       const char *audience, int64_t now)
{
	sqlite3_stmt *st;
	int r;

	r = prepare(s,
		    "UPDATE consent SET revoked_usec = ?3 WHERE person_id = ?1"
		    " AND audience = ?2 AND revoked_usec IS NULL",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	sqlite3_bind_int64(st, 3, now);
	r = step_finalize(s, st);
	return r < 0 ? r : sqlite3_changes(s->db);
}

/* A grant after a withdrawal: the audience's client has a retained notice
 * to replace (docs/consent.md "Withdrawal"), queued like a withdrawal; it
 * tells which by the consent in force when it announces. */
static int renewal_queue(struct hv_store *s, const char *person,
			 const char *audience, int64_t now)
{
	sqlite3_stmt *st;
	int r;

	r = prepare(s,
		    "INSERT INTO withdrawal (person_id, audience, revoked_usec)"
		    " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM withdrawal"
		    "  WHERE person_id = ?1 AND audience = ?2)",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	sqlite3_bind_int64(st, 3, now);
	return step_finalize(s, st);
}

/* The grant's statements, in the open transaction: the consent in force
 * ended, the new one recorded (ret_id), a renewal queued. */
static int consent_record(struct hv_store *s, const struct hv_consent *c,
			  int64_t *ret_id)
{
	sqlite3_stmt *st;
	int r;

	r = consent_end(s, c->person, c->audience, c->recorded_usec);
	if (r < 0)
		return r;
	r = prepare(s,
		    "INSERT INTO consent (person_id, audience, metrics,"
		    " granularity, device_details, from_date, recorded_by,"
		    " recorded_usec) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, c->person);
	bind_text(st, 2, c->audience);
	bind_text(st, 3, c->metrics);
	bind_text(st, 4, c->daily ? "daily" : "each");
	sqlite3_bind_int(st, 5, c->device_details);
	bind_text(st, 6, c->from_date);
	bind_text(st, 7, c->recorded_by);
	sqlite3_bind_int64(st, 8, c->recorded_usec);
	r = step_finalize(s, st);
	if (r == -ENOENT)
		set_errmsg(s, "no person %s", c->person);
	if (r < 0)
		return r;
	*ret_id = sqlite3_last_insert_rowid(s->db);
	return renewal_queue(s, c->person, c->audience, c->recorded_usec);
}

int hv_store_consent_grant(struct hv_store *s, const struct hv_consent *c,
			   int64_t *ret_id)
{
	int64_t id = 0;
	int r;

	if (!s || !c)
		return -EINVAL;
	r = check_consent(s, c);
	if (r < 0)
		return r;
	r = tx_begin(s);
	if (r < 0)
		return r;
	r = tx_finish(s, consent_record(s, c, &id));
	if (r < 0)
		return r;
	if (ret_id)
		*ret_id = id;
	return 0;
}

/* The revocation's statements, in the open transaction: the consent ended,
 * the audience's pending rows superseded (ret_dropped), a withdrawal
 * queued. */
static int consent_withdraw(struct hv_store *s, const char *person,
			    const char *audience, int64_t now_usec,
			    int *ret_dropped)
{
	sqlite3_stmt *st;
	int r;

	r = consent_end(s, person, audience, now_usec);
	if (r < 0)
		return r;
	if (r == 0) {
		set_errmsg(s, "%s has no consent in force for %s", person,
			   audience);
		return -ENOENT;
	}
	/* The measurements stay on the gateway; only this audience's
	 * queue of them goes. Superseded rather than deleted: one already
	 * handed to the broker may still be acknowledged, and is then marked
	 * delivered (and audited: the audience did receive it). */
	r = prepare(s,
		    "UPDATE outbox SET state = 'superseded' WHERE state = 'pending'"
		    " AND seq IN (SELECT seq FROM outbox_audience"
		    "  WHERE audience = ?2)"
		    " AND measurement_id IN (SELECT id FROM measurements"
		    "  WHERE person = ?1)",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	r = step_finalize(s, st);
	if (r < 0)
		return r;
	*ret_dropped = sqlite3_changes(s->db);
	s->backlog_tx -= *ret_dropped;
	/* The audience's client clears what it published and says so. */
	r = prepare(s,
		    "INSERT INTO withdrawal (person_id, audience, revoked_usec)"
		    " VALUES (?, ?, ?)",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	sqlite3_bind_int64(st, 3, now_usec);
	return step_finalize(s, st);
}

int hv_store_consent_revoke(struct hv_store *s, const char *person,
			    const char *audience, int64_t now_usec,
			    uint64_t *ret_dropped)
{
	int dropped = 0, r;

	if (!s || !fits(person, HV_PERSON_MAX) ||
	    !fits(audience, HV_AUDIENCE_MAX))
		return -EINVAL;
	r = tx_begin(s);
	if (r < 0)
		return r;
	r = tx_finish(s, consent_withdraw(s, person, audience, now_usec,
					  &dropped));
	if (r < 0)
		return r;
	if (ret_dropped)
		*ret_dropped = (uint64_t)dropped;
	return 0;
}

int hv_store_consent_get(struct hv_store *s, const char *person,
			 const char *audience, struct hv_consent *ret)
{
	struct hv_consent c;
	sqlite3_stmt *st;
	int r;

	if (!s || !fits(person, HV_PERSON_MAX) ||
	    !fits(audience, HV_AUDIENCE_MAX))
		return -EINVAL;
	r = prepare(s,
		    "SELECT " CONSENT_COLUMNS " FROM consent"
		    " WHERE person_id = ? AND audience = ?"
		    " AND revoked_usec IS NULL ORDER BY id DESC LIMIT 1",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	r = step_one(s, st, consent_from_row, &c);
	(void)sqlite3_finalize(st);
	if (r == 0) {
		set_errmsg(s, "%s has no consent in force for %s", person,
			   audience);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	if (ret)
		*ret = c;
	return 0;
}

int hv_store_consent_list(struct hv_store *s, const char *person,
			  bool include_revoked, struct hv_consent **ret,
			  size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret || !ret_n || (person && !fits(person, HV_PERSON_MAX)))
		return -EINVAL;
	r = prepare(s,
		    "SELECT " CONSENT_COLUMNS " FROM consent"
		    " WHERE (?1 IS NULL OR person_id = ?1)"
		    " AND (?2 OR revoked_usec IS NULL)"
		    " ORDER BY person_id, audience, id",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	sqlite3_bind_int(st, 2, include_revoked);
	return collect_rows(s, st, sizeof(**ret), consent_from_row,
			    (void **)ret, ret_n);
}

/* --- the outbox per audience ---------------------------------------------- */

int hv_store_set_audiences(struct hv_store *s, const char *const *names,
			   size_t n)
{
	char(*list)[HV_AUDIENCE_MAX] = NULL;

	if (!s || (n && !names))
		return -EINVAL;
	if (n) {
		list = calloc(n, sizeof(*list));
		if (!list)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (!audience_name_valid(names[i])) {
			free(list);
			set_errmsg(s, "'%.64s' is not an audience name",
				   names[i] ? names[i] : "");
			return -EINVAL;
		}
		memcpy(list[i], names[i], strlen(names[i]) + 1);
	}
	free(s->audiences);
	s->audiences = list;
	s->n_audiences = n;
	return 0;
}

static bool audience_configured(const struct hv_store *s, const char *name)
{
	for (size_t i = 0; i < s->n_audiences; i++)
		if (strcmp(s->audiences[i], name) == 0)
			return true;
	return false;
}

/* Does the measurement hold a reading of a metric the scope covers? */
static int scope_covers(struct hv_store *s, const char *id, const char *scope)
{
	sqlite3_stmt *st;
	int rc, r, found = 0;

	r = stmt(s, ST_READING_METRICS, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW)
		found = hv_consent_scope_allows(
			scope, (const char *)sqlite3_column_text(st, 0));
	if (!found && rc != SQLITE_DONE)
		r = sql_fail(s, rc);
	(void)sqlite3_reset(st);
	return r < 0 ? r : found;
}

static int audience_row_insert(struct hv_store *s, const char *id,
			       const char *audience)
{
	sqlite3_stmt *st;
	int r;

	r = outbox_row_insert(s, id);
	if (r < 0)
		return r;
	r = stmt(s, ST_OUTBOX_AUDIENCE_INSERT, &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->db));
	bind_text(st, 2, audience);
	return step_done(s, st);
}

/*
 * One outbox row per audience of the configuration whose consent in force
 * covers the measurement: its person, a metric of its readings, taken on or
 * after the consent's date. For a daily consent the row stands for the
 * summary of the measurement's day, computed when it is published. No
 * consent, no row: nothing reaches an audience without one.
 */
static int audience_outbox_insert(struct hv_store *s, const char *id)
{
	_cleanup_free_ struct hv_consent *list = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int r;

	r = stmt(s, ST_CONSENT_COVERING, &st);
	if (r < 0)
		return r;
	bind_text(st, 1, id);
	r = collect_cached_rows(s, st, sizeof(*list), consent_from_row,
				(void **)&list, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (!audience_configured(s, list[i].audience))
			continue;
		r = scope_covers(s, id, list[i].metrics);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = audience_row_insert(s, id, list[i].audience);
		if (r < 0)
			return r;
	}
	return 0;
}

int hv_store_outbox_next_audience(struct hv_store *s, const char *audience,
				  int64_t after_seq, size_t max,
				  struct hv_outbox_item *items, size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !audience || (max && !items) || !ret_n)
		return -EINVAL;
	if (!audience[0])
		return hv_store_outbox_next(s, after_seq, max, items, ret_n);
	r = prepare(s,
		    "SELECT o.seq, m.id, m.person, m.json, o.attempts"
		    " FROM outbox_audience a"
		    " JOIN outbox o ON o.seq = a.seq"
		    " JOIN measurements m ON m.id = o.measurement_id"
		    " WHERE a.audience = ? AND o.state = 'pending' AND o.seq > ?"
		    " ORDER BY o.seq LIMIT ?",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, audience);
	sqlite3_bind_int64(st, 2, after_seq);
	sqlite3_bind_int64(st, 3, (int64_t)(max > INT32_MAX ? INT32_MAX : max));
	r = outbox_rows(s, st, max, items, ret_n);
	(void)sqlite3_finalize(st);
	return r;
}

/* The audit trail: a row of an audience acknowledged now, unless it was
 * marked delivered before (a second acknowledgement is no second copy). */
static int audit_shared(struct hv_store *s, int64_t seq, int64_t now)
{
	sqlite3_stmt *st;
	int r;

	r = prepare(s,
		    "INSERT INTO shared (measurement_id, audience, person_id,"
		    " acked_usec)"
		    " SELECT o.measurement_id, a.audience, m.person, ?2"
		    " FROM outbox o JOIN outbox_audience a ON a.seq = o.seq"
		    " JOIN measurements m ON m.id = o.measurement_id"
		    " WHERE o.seq = ?1 AND o.state != 'delivered'",
		    &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, now);
	return step_finalize(s, st);
}

static void shared_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_shared_row *row = dest;

	*row = (struct hv_shared_row){ 0 };
	copy_column(st, 0, row->measurement_id, sizeof(row->measurement_id));
	copy_column(st, 1, row->audience, sizeof(row->audience));
	copy_column(st, 2, row->person, sizeof(row->person));
	row->acked_usec = sqlite3_column_int64(st, 3);
	row->time_usec = sqlite3_column_int64(st, 4);
}

int hv_store_shared_list(struct hv_store *s, const char *person,
			 const char *audience, int64_t since_usec,
			 struct hv_shared_row **ret, size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret || !ret_n || !fits(person, HV_PERSON_MAX) ||
	    (audience && !fits(audience, HV_AUDIENCE_MAX)))
		return -EINVAL;
	r = prepare(s,
		    "SELECT sh.measurement_id, sh.audience, sh.person_id,"
		    " sh.acked_usec, coalesce(m.time_usec, 0)"
		    " FROM shared sh LEFT JOIN measurements m"
		    "  ON m.id = sh.measurement_id"
		    " WHERE sh.person_id = ?1 AND (?2 IS NULL OR sh.audience = ?2)"
		    " AND sh.acked_usec >= ?3"
		    " ORDER BY sh.acked_usec, sh.rowid",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	bind_text(st, 2, audience);
	sqlite3_bind_int64(st, 3, since_usec);
	return collect_rows(s, st, sizeof(**ret), shared_from_row,
			    (void **)ret, ret_n);
}

static void audience_backlog_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_audience_backlog *row = dest;

	*row = (struct hv_audience_backlog){ 0 };
	copy_column(st, 0, row->audience, sizeof(row->audience));
	row->pending = (uint64_t)sqlite3_column_int64(st, 1);
}

int hv_store_backlog_by_audience(struct hv_store *s,
				 struct hv_audience_backlog **ret,
				 size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret || !ret_n)
		return -EINVAL;
	r = prepare(s,
		    "SELECT a.audience, count(*) FROM outbox_audience a"
		    " JOIN outbox o ON o.seq = a.seq"
		    " WHERE o.state = 'pending'"
		    " GROUP BY a.audience ORDER BY a.audience",
		    &st);
	if (r < 0)
		return r;
	return collect_rows(s, st, sizeof(**ret), audience_backlog_from_row,
			    (void **)ret, ret_n);
}

/* --- pairing secrets kept per device ------------------------------------------- */

struct secret_row {
	uint8_t *buf;
	size_t size, len;
};

static void secret_from_row(sqlite3_stmt *st, void *dest)
{
	struct secret_row *row = dest;
	const void *b = sqlite3_column_blob(st, 0);
	int n = sqlite3_column_bytes(st, 0);

	row->len = b && n > 0 ? (size_t)n : 0;
	if (row->len <= row->size)
		memcpy(row->buf, b, row->len);
}

int hv_store_device_secret_get(struct hv_store *s, const char *address,
			       uint8_t *buf, size_t size, size_t *ret_len)
{
	struct secret_row row = { .buf = buf, .size = size };
	sqlite3_stmt *st;
	int r;

	if (!s || (size && !buf) || !ret_len)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = prepare(s, "SELECT secret FROM device_secret WHERE address = ?",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, address);
	r = step_one(s, st, secret_from_row, &row);
	(void)sqlite3_finalize(st);
	if (r < 0)
		return r;
	if (r == 0 || row.len == 0) {
		set_errmsg(s, "no pairing secret kept for %s", address);
		return -ENOENT;
	}
	if (row.len > size) {
		set_errmsg(s, "the pairing secret of %s has %zu bytes, more than %zu",
			   address, row.len, size);
		return -ENOBUFS;
	}
	*ret_len = row.len;
	return 0;
}

int hv_store_device_secret_set(struct hv_store *s, const char *address,
			       const char *driver, const uint8_t *secret,
			       size_t len, int64_t now_usec)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !secret || !len || len > INT32_MAX)
		return -EINVAL;
	r = check_address(s, address);
	if (r < 0)
		return r;
	r = tx_begin(s);
	if (r < 0)
		return r;
	r = prepare(s,
		    "INSERT INTO device_secret (address, driver, secret, saved_usec)"
		    " VALUES (?1, ?2, ?3, ?4)"
		    " ON CONFLICT (address) DO UPDATE SET driver = ?2,"
		    " secret = ?3, saved_usec = ?4",
		    &st);
	if (r < 0)
		return tx_abort(s, r);
	bind_text(st, 1, address);
	bind_text(st, 2, driver ? driver : "");
	sqlite3_bind_blob(st, 3, secret, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now_usec);
	r = step_finalize(s, st);
	if (r < 0)
		return tx_abort(s, r);
	return tx_commit(s);
}

/* --- the gateway's secret for pseudonyms ------------------------------------- */

static void blob32_from_row(sqlite3_stmt *st, void *dest)
{
	const void *b = sqlite3_column_blob(st, 0);

	if (b && sqlite3_column_bytes(st, 0) == HV_STORE_SECRET_BYTES)
		memcpy(dest, b, HV_STORE_SECRET_BYTES);
	else
		memset(dest, 0, HV_STORE_SECRET_BYTES);
}

static int secret_read(struct hv_store *s, uint8_t ret[HV_STORE_SECRET_BYTES])
{
	sqlite3_stmt *st;
	int r;

	r = prepare(s,
		    "SELECT value FROM gateway_secret WHERE name = 'pseudonym'"
		    " AND length(value) = 32",
		    &st);
	if (r < 0)
		return r;
	r = step_one(s, st, blob32_from_row, ret);
	(void)sqlite3_finalize(st);
	return r;
}

int hv_store_pseudonym_secret(struct hv_store *s,
			      uint8_t ret[HV_STORE_SECRET_BYTES])
{
	uint8_t key[HV_STORE_SECRET_BYTES];
	sqlite3_stmt *st;
	int r;

	if (!s || !ret)
		return -EINVAL;
	r = secret_read(s, key);
	if (r < 0)
		return r;
	if (r == 0) {
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
			return -errno;
		/* Another process may have made one first: keep that one. */
		r = tx_prepare(s,
			       "INSERT INTO gateway_secret (name, value)"
			       " VALUES ('pseudonym', ?) ON CONFLICT (name) DO NOTHING",
			       &st);
		if (r < 0)
			return r;
		sqlite3_bind_blob(st, 1, key, sizeof(key), SQLITE_TRANSIENT);
		r = tx_finish(s, step_finalize(s, st));
		if (r < 0)
			return r;
		r = secret_read(s, key);
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
	}
	memcpy(ret, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	return 0;
}

int hv_store_outbox_drop(struct hv_store *s, int64_t seq)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = tx_prepare(s,
		       "DELETE FROM outbox WHERE seq = ? AND state = 'pending'",
		       &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, seq);
	r = step_finalize(s, st);
	if (r >= 0)
		s->backlog_tx -= sqlite3_changes(s->db);
	return tx_finish(s, r);
}

/* --- withdrawals to announce -------------------------------------------------- */

static void withdrawal_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_withdrawal *w = dest;

	*w = (struct hv_withdrawal){ 0 };
	w->id = sqlite3_column_int64(st, 0);
	copy_column(st, 1, w->person, sizeof(w->person));
	copy_column(st, 2, w->audience, sizeof(w->audience));
	w->revoked_usec = sqlite3_column_int64(st, 3);
}

int hv_store_withdrawal_next(struct hv_store *s, const char *audience,
			     struct hv_withdrawal *ret)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret || !fits(audience, HV_AUDIENCE_MAX))
		return -EINVAL;
	r = prepare(s,
		    "SELECT id, person_id, audience, revoked_usec FROM withdrawal"
		    " WHERE audience = ? AND done_usec IS NULL ORDER BY id LIMIT 1",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, audience);
	r = step_one(s, st, withdrawal_from_row, ret);
	(void)sqlite3_finalize(st);
	return r;
}

int hv_store_withdrawal_done(struct hv_store *s, int64_t id, int64_t now_usec)
{
	sqlite3_stmt *st;
	int r;

	if (!s)
		return -EINVAL;
	r = tx_prepare(s, "UPDATE withdrawal SET done_usec = ? WHERE id = ?",
		       &st);
	if (r < 0)
		return r;
	sqlite3_bind_int64(st, 1, now_usec);
	sqlite3_bind_int64(st, 2, id);
	return tx_finish(s, step_finalize(s, st));
}

/* --- daily summaries (docs/consent.md) ------------------------------------------- */

static void summary_from_row(sqlite3_stmt *st, void *dest)
{
	struct hv_daily_summary *d = dest;

	*d = (struct hv_daily_summary){ 0 };
	copy_column(st, 0, d->metric, sizeof(d->metric));
	copy_column(st, 1, d->unit, sizeof(d->unit));
	d->min = sqlite3_column_double(st, 2);
	d->mean = sqlite3_column_double(st, 3);
	d->max = sqlite3_column_double(st, 4);
	d->count = (unsigned)sqlite3_column_int64(st, 5);
}

int hv_store_daily_summary(struct hv_store *s, const char *person,
			   int64_t day_start_usec, struct hv_daily_summary **ret,
			   size_t *ret_n)
{
	sqlite3_stmt *st;
	int r;

	if (!s || !ret || !ret_n || !fits(person, HV_PERSON_MAX) || !person[0])
		return -EINVAL;
	r = prepare(s,
		    "SELECT r.metric, r.unit, min(r.value), avg(r.value),"
		    " max(r.value), count(r.value)"
		    " FROM measurements m JOIN readings r ON r.measurement_id = m.id"
		    " WHERE m.person = ?1 AND m.time_usec >= ?2"
		    " AND m.time_usec < ?2 + 86400000000 AND r.value IS NOT NULL"
		    " GROUP BY r.metric, r.unit ORDER BY r.metric",
		    &st);
	if (r < 0)
		return r;
	bind_text(st, 1, person);
	sqlite3_bind_int64(st, 2, day_start_usec);
	return collect_rows(s, st, sizeof(**ret), summary_from_row,
			    (void **)ret, ret_n);
}
