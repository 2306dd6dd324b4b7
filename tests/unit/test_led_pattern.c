// SPDX-License-Identifier: MIT
/* The status LED's pure pattern logic (daemon/led/led_pattern.c), fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/led/led_pattern.h"

#define MS(x) ((uint64_t)(x) * 1000)

static void test_table_complete(void **state)
{
	(void)state;
	for (int i = 0; i < _HV_LED_PATTERN_MAX; i++) {
		const struct hv_led_pattern_info *a = hv_led_pattern_info(i);
		uint64_t cycle = 0;

		assert_non_null(a);
		assert_non_null(a->name);
		assert_non_null(a->meaning);
		assert_true(a->n_steps >= 1);
		for (size_t k = 0; k < a->n_steps; k++) {
			assert_true(a->steps[k].ms > 0);
			cycle += a->steps[k].ms;
			/* Neighbours differ, or the pattern would lie about its rhythm. */
			if (a->n_steps > 1)
				assert_true(a->steps[k].on !=
						    a->steps[(k + 1) % a->n_steps].on ||
					    (k + 1) % a->n_steps == 0);
		}
		/* Every blinking pattern repeats at least every 2 s. */
		assert_true(a->n_steps == 1 || cycle <= 2000);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a->name,
						hv_led_pattern_info(j)->name);
	}
	assert_null(hv_led_pattern_info(_HV_LED_PATTERN_MAX));
	assert_null(hv_led_pattern_info(-1));
}

static void test_priorities(void **state)
{
	struct hv_led_conditions c;

	(void)state;
	/* Walk all 16 combinations; the highest present condition wins. */
	for (unsigned bits = 0; bits < 16; bits++) {
		enum hv_led_pattern want;
		bool ack = bits & 8;

		c = (struct hv_led_conditions){
			.storage_problem = bits & 1,
			.bluetooth_problem = bits & 2,
			.broker_problem = bits & 4,
		};
		if (bits & 1)
			want = HV_LED_LONG_SHORT; /* outranks a received reading */
		else if (ack)
			want = HV_LED_DOUBLE_BLINK;
		else if (bits & 2)
			want = HV_LED_FAST_BLINK;
		else if (bits & 4)
			want = HV_LED_SLOW_BLINK;
		else
			want = HV_LED_STEADY;
		assert_int_equal(hv_led_pattern_choose(&c, ack), want);
	}
}

static void test_levels(void **state)
{
	uint64_t next;

	(void)state;
	assert_true(hv_led_pattern_level(HV_LED_STEADY, MS(123456), &next));
	assert_true(next == UINT64_MAX);
	assert_false(hv_led_pattern_level(HV_LED_OFF, 0, &next));
	assert_true(next == UINT64_MAX);
	assert_false(hv_led_pattern_level(_HV_LED_PATTERN_MAX, 0, NULL));

	/* slow blink: 1 s on, 1 s off */
	assert_true(hv_led_pattern_level(HV_LED_SLOW_BLINK, 0, &next));
	assert_int_equal(next, MS(1000));
	assert_true(hv_led_pattern_level(HV_LED_SLOW_BLINK, MS(1000) - 1, &next));
	assert_int_equal(next, MS(1000));
	assert_false(hv_led_pattern_level(HV_LED_SLOW_BLINK, MS(1000), &next));
	assert_int_equal(next, MS(2000));
	assert_true(hv_led_pattern_level(HV_LED_SLOW_BLINK, MS(4500), &next));
	assert_int_equal(next, MS(5000));

	/* fast blink: 125 ms each */
	assert_false(hv_led_pattern_level(HV_LED_FAST_BLINK, MS(130), &next));
	assert_int_equal(next, MS(250));

	/* double blink: dark 250, on 150, dark 150, on 150, dark 400 (+250 of
	 * the next cycle, merged into one dark stretch) */
	assert_false(hv_led_pattern_level(HV_LED_DOUBLE_BLINK, 0, &next));
	assert_int_equal(next, MS(250));
	assert_true(hv_led_pattern_level(HV_LED_DOUBLE_BLINK, MS(300), &next));
	assert_int_equal(next, MS(400));
	assert_false(hv_led_pattern_level(HV_LED_DOUBLE_BLINK, MS(450), &next));
	assert_int_equal(next, MS(550));
	assert_true(hv_led_pattern_level(HV_LED_DOUBLE_BLINK, MS(600), &next));
	assert_int_equal(next, MS(700));
	assert_false(hv_led_pattern_level(HV_LED_DOUBLE_BLINK, MS(800), &next));
	assert_int_equal(next, MS(1100 + 250));

	/* long-short: 900 on, 250 off, 200 on, 650 off */
	assert_true(hv_led_pattern_level(HV_LED_LONG_SHORT, MS(2000 + 10), &next));
	assert_int_equal(next, MS(2900));
	assert_true(hv_led_pattern_level(HV_LED_LONG_SHORT, MS(1200), &next));
	assert_int_equal(next, MS(1350));
}

/* Count rising edges of the machine's level between from and to, sampled
 * every millisecond (independent of the next-change arithmetic). */
static unsigned flashes_sampled(struct hv_led_machine *m, uint64_t from,
				uint64_t to, bool *ret_last)
{
	unsigned n = 0;
	bool prev = false, on;
	uint64_t next;

	for (uint64_t t = from; t < to; t += MS(1)) {
		(void)hv_led_machine_step(m, t, &on, &next);
		assert_true(next > t);
		if (on && !prev)
			n++;
		prev = on;
	}
	*ret_last = prev;
	return n;
}

static void test_machine_ack_and_return(void **state)
{
	struct hv_led_machine m;
	bool on, last;
	uint64_t next, t0 = MS(50000);

	(void)state;
	hv_led_machine_init(&m);
	assert_int_equal(hv_led_machine_step(&m, t0, &on, &next),
			 HV_LED_STEADY);
	assert_true(on);
	assert_true(next == UINT64_MAX);

	hv_led_machine_reading(&m, t0 + MS(10));
	assert_int_equal(hv_led_machine_step(&m, t0 + MS(10), &on, &next),
			 HV_LED_DOUBLE_BLINK);
	assert_false(on);
	assert_int_equal(next, t0 + MS(10 + 250));
	/* Three cycles of two flashes, then steady again. */
	assert_int_equal(flashes_sampled(&m, t0 + MS(10),
					 t0 + MS(10) + HV_LED_ACK_USEC, &last),
			 6);
	assert_int_equal(hv_led_machine_step(&m, t0 + MS(10) + HV_LED_ACK_USEC,
					     &on, &next),
			 HV_LED_STEADY);
	assert_true(on);
}

static void test_machine_storage_outranks_reading(void **state)
{
	struct hv_led_machine m;
	struct hv_led_conditions c = { .storage_problem = true,
				       .broker_problem = true };
	bool on;
	uint64_t next;

	(void)state;
	hv_led_machine_init(&m);
	hv_led_machine_set_conditions(&m, &c);
	assert_int_equal(hv_led_machine_step(&m, MS(1000), &on, &next),
			 HV_LED_LONG_SHORT);
	hv_led_machine_reading(&m, MS(1500));
	assert_int_equal(hv_led_machine_step(&m, MS(1500), &on, &next),
			 HV_LED_LONG_SHORT);
	/* Its cycle was not restarted by the reading: 500 ms into the long flash. */
	assert_true(on);
	assert_int_equal(next, MS(1900));
	/* Storage fixed during the acknowledgement: the acknowledgement shows. */
	c.storage_problem = false;
	hv_led_machine_set_conditions(&m, &c);
	assert_int_equal(hv_led_machine_step(&m, MS(2000), &on, &next),
			 HV_LED_DOUBLE_BLINK);
	assert_int_equal(hv_led_machine_step(&m, MS(1500) + HV_LED_ACK_USEC, &on,
					     &next),
			 HV_LED_SLOW_BLINK);
	/* The slow blink starts its cycle now: lit. */
	assert_true(on);
	assert_int_equal(next, MS(1500) + HV_LED_ACK_USEC + MS(1000));
}

/* A second reading while the first is acknowledged extends the
 * acknowledgement; its cycle goes on from the first reading. */
static void test_machine_second_reading_extends_ack(void **state)
{
	struct hv_led_machine m;
	bool on, last;
	uint64_t next;

	(void)state;
	hv_led_machine_init(&m);
	hv_led_machine_reading(&m, MS(0));
	(void)hv_led_machine_step(&m, MS(0), &on, &next);
	hv_led_machine_reading(&m, MS(2000));
	assert_int_equal(hv_led_machine_step(&m, MS(2000), &on, &next),
			 HV_LED_DOUBLE_BLINK);
	/* 900 ms into the second cycle: the closing dark, then the next
	 * cycle's dark start, the first flash at 2200 + 250 ms. */
	assert_false(on);
	assert_int_equal(next, MS(2450));
	/* Still acknowledging past the first one's end. */
	assert_int_equal(hv_led_machine_step(&m, MS(3400), &on, &next),
			 HV_LED_DOUBLE_BLINK);
	assert_int_equal(flashes_sampled(&m, MS(3400), MS(2000) + HV_LED_ACK_USEC,
					 &last),
			 4);
	assert_int_equal(hv_led_machine_step(&m, MS(2000) + HV_LED_ACK_USEC, &on,
					     &next),
			 HV_LED_STEADY);
	/* Once it has ended, the next reading starts a new cycle. */
	hv_led_machine_reading(&m, MS(9000));
	assert_int_equal(hv_led_machine_step(&m, MS(9000), &on, &next),
			 HV_LED_DOUBLE_BLINK);
	assert_false(on);
	assert_int_equal(next, MS(9250));
}

/* Waking only at the reported change times gives the same timeline as
 * sampling every millisecond. */
static void test_machine_wakeups_match_sampling(void **state)
{
	static const struct hv_led_conditions conds[] = {
		{ .broker_problem = true },
		{ .bluetooth_problem = true },
		{ .storage_problem = true },
		{ 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(conds) / sizeof(conds[0]); i++) {
		struct hv_led_machine a, b;
		uint64_t next_a = MS(100), next_b, end = MS(100 + 7000);
		bool on_a = false, on_b, on;
		unsigned changes_a = 0, changes_b = 0;
		bool prev_b = false;

		hv_led_machine_init(&a);
		hv_led_machine_init(&b);
		hv_led_machine_set_conditions(&a, &conds[i]);
		hv_led_machine_set_conditions(&b, &conds[i]);
		hv_led_machine_reading(&a, MS(1100));
		hv_led_machine_reading(&b, MS(1100));

		/* a: event driven */
		for (uint64_t t = MS(100); t < end;) {
			(void)hv_led_machine_step(&a, t, &on, &next_a);
			if (on != on_a)
				changes_a++;
			on_a = on;
			/* the reading arrives at 1100 ms */
			if (t < MS(1100) && next_a > MS(1100))
				next_a = MS(1100);
			t = next_a;
		}
		/* b: sampled */
		for (uint64_t t = MS(100); t < end; t += MS(1)) {
			(void)hv_led_machine_step(&b, t, &on_b, &next_b);
			if (on_b != prev_b)
				changes_b++;
			prev_b = on_b;
		}
		assert_int_equal(changes_a, changes_b);
		assert_true(changes_a >= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_machine_ack_and_return),
		cmocka_unit_test(test_machine_storage_outranks_reading),
		cmocka_unit_test(test_machine_second_reading_extends_ack),
		cmocka_unit_test(test_machine_wakeups_match_sampling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
