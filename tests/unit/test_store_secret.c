// SPDX-License-Identifier: MIT
/*
 * Pairing secrets kept per device (daemon/store/store.c, schema 7) on a
 * real SQLite file: kept, replaced, bounded, kept through the pruning of
 * passers-by, gone with a forgotten device, and added to an older store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/store/store.h"
#include "tests/unit/tmp_store.h"

#define T0 1710491400000000LL /* 2024-03-15T08:30:00Z */
#define DAY (86400LL * 1000000)

static struct hv_store *open_ok(void)
{
	struct hv_store *s = NULL;

	if (hv_store_open(dbpath, 0, &s) < 0)
		fail_msg("open %s: %s", dbpath, hv_store_errmsg(NULL));
	return s;
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void seen(struct hv_store *s, const char *address, int64_t t)
{
	struct hv_device_info d = { .rssi = -60, .battery = -1,
				    .last_seen_usec = t };

	(void)snprintf(d.address, sizeof(d.address), "%s", address);
	(void)snprintf(d.driver, sizeof(d.driver), "trisa_body_analyze");
	assert_int_equal(hv_store_device_seen(s, &d), 0);
}

static const uint8_t password[4] = { 0x78, 0x56, 0x34, 0x12 };

static void test_kept_and_replaced(void **state)
{
	static const uint8_t again[4] = { 0xEF, 0xBE, 0xAD, 0xDE };
	const char *addr = "AA:00:00:00:01:01";
	struct hv_store *s = open_ok();
	uint8_t buf[16], small[2];
	size_t len = 99;

	(void)state;
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 -ENOENT);
	assert_int_equal(len, 99); /* ret_len untouched on failure */
	assert_int_equal(hv_store_device_secret_set(s, addr,
						    "trisa_body_analyze",
						    password, 4, T0),
			 0);
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 0);
	assert_int_equal(len, 4);
	assert_memory_equal(buf, password, 4);
	assert_int_equal(hv_store_device_secret_get(s, addr, small,
						    sizeof(small), &len),
			 -ENOBUFS);
	/* Paired again: the new one replaces it. */
	assert_int_equal(hv_store_device_secret_set(s, addr,
						    "trisa_body_analyze", again,
						    4, T0 + 1),
			 0);
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 0);
	assert_memory_equal(buf, again, 4);
	/* Bad input changes nothing. */
	assert_int_equal(hv_store_device_secret_set(s, addr, NULL, password, 0,
						    T0),
			 -EINVAL);
	assert_int_equal(hv_store_device_secret_set(s, "", NULL,
						    password, 4, T0),
			 -EINVAL);
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 0);
	assert_memory_equal(buf, again, 4);
	hv_store_close(s);

	/* On disk, across a reopen. */
	s = open_ok();
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 0);
	assert_memory_equal(buf, again, 4);
	hv_store_close(s);
}

static void test_pruning_keeps_paired_devices(void **state)
{
	const char *paired = "AA:00:00:00:01:02", *passer = "AA:00:00:00:01:03";
	struct hv_store *s = open_ok();
	uint64_t deleted = 0;
	uint8_t buf[16];
	size_t len;

	(void)state;
	seen(s, paired, T0);
	seen(s, passer, T0);
	assert_int_equal(hv_store_device_secret_set(s, paired, NULL, password,
						    4, T0),
			 0);
	assert_int_equal(hv_store_prune_devices(s, T0 + DAY, &deleted), 0);
	assert_int_equal(deleted, 1); /* the passer-by only */
	assert_int_equal(hv_store_device_secret_get(s, paired, buf,
						    sizeof(buf), &len),
			 0);
	hv_store_close(s);

	/* A device deleted all the same takes its secret with it. */
	exec_sql("DELETE FROM devices WHERE address = 'AA:00:00:00:01:02';");
	s = open_ok();
	assert_int_equal(hv_store_device_secret_get(s, paired, buf,
						    sizeof(buf), &len),
			 -ENOENT);
	hv_store_close(s);
}

static void test_added_to_an_older_store(void **state)
{
	const char *addr = "AA:00:00:00:01:04";
	struct hv_store *s = open_ok();
	uint8_t buf[16];
	size_t len;

	(void)state;
	hv_store_close(s);
	exec_sql("DROP TRIGGER device_secret_forget; DROP TABLE device_secret;"
		 " PRAGMA user_version = 6;");
	s = open_ok();
	assert_int_equal(hv_store_schema_version(s),
			 hv_store_schema_version_supported());
	assert_int_equal(hv_store_device_secret_set(s, addr, NULL, password, 4,
						    T0),
			 0);
	assert_int_equal(hv_store_device_secret_get(s, addr, buf, sizeof(buf),
						    &len),
			 0);
	hv_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tmp_store_test(test_kept_and_replaced),
		tmp_store_test(test_pruning_keeps_paired_devices),
		tmp_store_test(test_added_to_an_older_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
