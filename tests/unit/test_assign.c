// SPDX-License-Identifier: MIT
/* Assignment rules with a household of four whose weights overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "daemon/ingest/assign.h"

/* Ann 58–64 kg, Ben 80–90, Cleo 61–70 (overlaps Ann), Dan: last 120 kg. */
static const struct hv_person household[] = {
	{ .id = "p-ann", .weight_min_kg = 58, .weight_max_kg = 64 },
	{ .id = "p-ben", .weight_min_kg = 80, .weight_max_kg = 90 },
	{ .id = "p-cleo", .weight_min_kg = 61, .weight_max_kg = 70 },
	{ .id = "p-dan", .last_weight_kg = 120 },
};

#define N (sizeof(household) / sizeof(household[0]))

static void test_unique_range(void **state)
{
	(void)state;
	assert_int_equal(hv_assign_by_weight(household, N, 85.2, 1.0), 1);
	/* 68 kg: Cleo only (Ann's range + 1 kg ends at 65) */
	assert_int_equal(hv_assign_by_weight(household, N, 68.0, 1.0), 2);
	assert_int_equal(hv_assign_by_weight(household, N, 56.0, 3.0), 0);
}

static void test_overlap_is_never_a_guess(void **state)
{
	(void)state;
	/* 62.5 kg fits Ann and Cleo: unassigned */
	assert_int_equal(hv_assign_by_weight(household, N, 62.5, 1.0), -EEXIST);
	/* a wide tolerance makes 66 kg ambiguous too */
	assert_int_equal(hv_assign_by_weight(household, N, 66.0, 3.0), -EEXIST);
}

static void test_last_weight_and_nobody(void **state)
{
	(void)state;
	assert_int_equal(hv_assign_by_weight(household, N, 118.5, 3.0), 3);
	assert_int_equal(hv_assign_by_weight(household, N, 110.0, 3.0), -ENOENT);
	assert_int_equal(hv_assign_by_weight(household, N, 45.0, 3.0), -ENOENT);
	assert_int_equal(hv_assign_by_weight(household, N, 0, 3.0), -ENOENT);
	assert_int_equal(hv_assign_by_weight(NULL, 0, 70, 3.0), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_range),
		cmocka_unit_test(test_overlap_is_never_a_guess),
		cmocka_unit_test(test_last_weight_and_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
