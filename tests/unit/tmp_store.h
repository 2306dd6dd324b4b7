/* SPDX-License-Identifier: MIT */
/*
 * A folder of its own under /tmp for each test that opens real SQLite
 * files (tests/unit/test_store.c, test_store_secret.c, test_consent.c):
 * tmp_store_setup and tmp_store_teardown are the cmocka set-up and
 * teardown (tmp_store_test(f) lists f with them), so the folder goes even
 * when the test fails. tmpdir is the
 * folder, named after the test program; dbpath the store's file in it,
 * which a test may point elsewhere.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static char tmpdir[64];
static char dbpath[128];

static inline int tmp_store_setup(void **state)
{
	int n;

	(void)state;
	n = snprintf(tmpdir, sizeof(tmpdir), "/tmp/hv-%s-XXXXXX",
		     program_invocation_short_name);
	if (n < 0 || (size_t)n >= sizeof(tmpdir) || !mkdtemp(tmpdir))
		return -1;
	(void)snprintf(dbpath, sizeof(dbpath), "%s/db.sqlite", tmpdir);
	return 0;
}

static inline int tmp_store_teardown(void **state)
{
	char cmd[128];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#define tmp_store_test(f) \
	cmocka_unit_test_setup_teardown(f, tmp_store_setup, tmp_store_teardown)
