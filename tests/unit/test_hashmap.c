// SPDX-License-Identifier: MIT
/* daemon/basic/hashmap.c: put, get, remove against a plain array as the
 * reference, through growth and many removals (backward shift). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/hashmap.h"

#define N 3000

static char keys[N][48];
static int values[N];
static bool present[N];

static void check_all(const struct hv_hashmap *h)
{
	size_t n = 0;

	for (size_t i = 0; i < N; i++) {
		void *v = hv_hashmap_get(h, keys[i]);

		if (present[i]) {
			assert_ptr_equal(v, &values[i]);
			n++;
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(hv_hashmap_size(h), n);
}

static void test_put_get_remove(void **state)
{
	struct hv_hashmap *h = NULL;
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]),
			 "/org/bluez/hci0/dev_C8_47_8C_%02zX_%02zX_%02zX",
			 (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
		values[i] = (int)i;
		present[i] = false;
	}
	assert_int_equal(hv_hashmap_new(&h), 0);
	assert_null(hv_hashmap_get(h, keys[0]));
	assert_null(hv_hashmap_remove(h, keys[0]));

	for (size_t i = 0; i < N; i++) {
		assert_int_equal(hv_hashmap_put(h, keys[i], &values[i]), 0);
		present[i] = true;
	}
	check_all(h);
	/* A second put of a key is refused and changes nothing. */
	assert_int_equal(hv_hashmap_put(h, keys[7], &values[8]), -EEXIST);
	assert_int_equal(hv_hashmap_put(h, keys[7], NULL), -EINVAL);
	check_all(h);

	/* Pseudo-random removals and re-insertions. */
	for (int round = 0; round < 20000; round++) {
		size_t i;

		x = x * 1103515245u + 12345u;
		i = (x >> 8) % N;
		if (present[i]) {
			assert_ptr_equal(hv_hashmap_remove(h, keys[i]), &values[i]);
			present[i] = false;
		} else {
			assert_int_equal(hv_hashmap_put(h, keys[i], &values[i]), 0);
			present[i] = true;
		}
		if (round % 4000 == 0)
			check_all(h);
	}
	check_all(h);

	for (size_t i = 0; i < N; i++)
		if (present[i]) {
			assert_ptr_equal(hv_hashmap_remove(h, keys[i]), &values[i]);
			present[i] = false;
		}
	check_all(h);
	assert_int_equal(hv_hashmap_size(h), 0);
	assert_null(hv_hashmap_free(h));
	assert_null(hv_hashmap_free(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
