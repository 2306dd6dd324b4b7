// SPDX-License-Identifier: MIT
/* daemon/led/led.c against the fake GPIO line: the on/off timeline on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/common/config.h"
#include "daemon/common/status.h"
#include "daemon/led/led.h"
#include "tests/fakes/fake_led_line.h"

#define MS(x) ((uint64_t)(x) * 1000)
#define T0 MS(1000000) /* the fake clock's start: far from zero */

static int setup(void **state)
{
	(void)state;
	fake_led_line_reset();
	fake_led.now_usec = T0;
	return 0;
}

static struct hv_led *new_fake_led(bool active_low)
{
	struct hv_led *led = NULL;

	assert_int_equal(hv_led_new_with_ops(NULL, "gpiochip7", 17, active_low,
					     &fake_led_line_ops, &led),
			 0);
	assert_non_null(led);
	hv_led_set_clock(led, fake_led_clock, NULL);
	return led;
}

/* Run the fake clock to `until`, waking where the LED asks to. */
static void run_until(struct hv_led *led, uint64_t until)
{
	for (;;) {
		uint64_t next = hv_led_next_usec(led);

		if (next == UINT64_MAX || next > until)
			break;
		assert_true(next > fake_led.now_usec ||
			    next == fake_led.now_usec);
		fake_led.now_usec = next;
		hv_led_dispatch(led);
	}
	fake_led.now_usec = until;
}

/* The recorded physical timeline from index `from` must equal `want`
 * (pairs of ms after T0 and level). */
static void assert_timeline(size_t from, const uint64_t (*want)[2], size_t n)
{
	assert_int_equal(fake_led.n_events - from, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(fake_led.events[from + i].usec,
				 T0 + MS(want[i][0]));
		assert_int_equal(fake_led.events[from + i].level, want[i][1]);
	}
}

static void test_no_led_configured(void **state)
{
	struct hv_config cfg;
	struct hv_led *led = (struct hv_led *)&cfg; /* must be overwritten */

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(hv_led_new(NULL, &cfg, &led), 0);
	assert_null(led);
	/* Everything accepts the absent LED. */
	hv_led_update(NULL, &(struct hv_status){ 0 });
	hv_led_reading_received(NULL);
	assert_null(hv_led_free(NULL));
}

static void test_missing_chip_is_enodev(void **state)
{
	struct hv_config cfg;
	struct hv_led *led = NULL;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.led.chip = (char *)"homevitals-no-such-chip";
	assert_int_equal(hv_led_new(NULL, &cfg, &led), -ENODEV);
	assert_null(led);
	cfg.led.chip = (char *)"/dev/homevitals-no-such-gpiochip";
	assert_int_equal(hv_led_new(NULL, &cfg, &led), -ENODEV);
	assert_null(led);
}

static void test_open_error_passed_on(void **state)
{
	struct hv_led *led = NULL;

	(void)state;
	fake_led.open_error = -EBUSY;
	assert_int_equal(hv_led_new_with_ops(NULL, "gpiochip0", 3, false,
					     &fake_led_line_ops, &led),
			 -EBUSY);
	assert_null(led);
	assert_false(fake_led.opened);
}

static void test_starts_steady_and_free_turns_off(void **state)
{
	struct hv_led *led;
	static const uint64_t want[][2] = { { 0, 0 }, { 0, 1 }, { 5000, 0 } };

	(void)state;
	led = new_fake_led(false);
	assert_string_equal(fake_led.chip, "gpiochip7");
	assert_int_equal(fake_led.offset, 17);
	assert_int_equal(hv_led_pattern(led), HV_LED_STEADY);
	assert_true(hv_led_is_on(led));
	assert_true(hv_led_next_usec(led) == UINT64_MAX);
	run_until(led, T0 + MS(5000));
	led = hv_led_free(led);
	assert_null(led);
	assert_true(fake_led.closed);
	/* opened dark, lit at once, dark when freed: nothing else */
	assert_timeline(0, want, 3);
}

static void test_active_low_inverts(void **state)
{
	struct hv_led *led;
	struct hv_status st = { .broker = HV_BROKER_UNREACHABLE };
	static const uint64_t want[][2] = {
		{ 0, 1 }, /* opened dark = high */
		{ 0, 0 }, /* lit = low */
		{ 1000, 1 }, { 2000, 0 }, { 2500, 1 }, /* freed: dark */
	};

	(void)state;
	led = new_fake_led(true);
	hv_led_update(led, &st);
	run_until(led, T0 + MS(2500));
	hv_led_free(led);
	assert_timeline(0, want, sizeof(want) / sizeof(want[0]));
}

static void test_reading_acknowledged_then_back(void **state)
{
	struct hv_led *led;
	size_t from;
	/* two flashes per 1.1 s cycle, three cycles, relative to the reading */
	static const uint64_t want[][2] = {
		{ 0, 0 },    { 250, 1 },  { 400, 0 },  { 550, 1 },
		{ 700, 0 },  { 1350, 1 }, { 1500, 0 }, { 1650, 1 },
		{ 1800, 0 }, { 2450, 1 }, { 2600, 0 }, { 2750, 1 },
		{ 2900, 0 }, { 3300, 1 }, /* steady again */
	};
	uint64_t shifted[sizeof(want) / sizeof(want[0])][2];

	(void)state;
	led = new_fake_led(false);
	hv_led_update(led, &(struct hv_status){ .adapter = HV_ADAPTER_OK,
						.broker = HV_BROKER_CONNECTED });
	run_until(led, T0 + MS(777));
	from = fake_led.n_events;
	hv_led_reading_received(led);
	assert_int_equal(hv_led_pattern(led), HV_LED_DOUBLE_BLINK);
	run_until(led, T0 + MS(777 + 10000));
	assert_int_equal(hv_led_pattern(led), HV_LED_STEADY);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		shifted[i][0] = want[i][0] + 777;
		shifted[i][1] = want[i][1];
	}
	assert_timeline(from, shifted, sizeof(want) / sizeof(want[0]));
	hv_led_free(led);
}

/* The longest dark stretch of a pattern's cycle, wrapping round. */
static uint64_t longest_dark_usec(enum hv_led_pattern p)
{
	const struct hv_led_pattern_info *info = hv_led_pattern_info(p);
	uint64_t best = 0, run = 0;

	for (size_t i = 0; i < 2 * info->n_steps; i++) {
		const struct hv_led_step *st = &info->steps[i % info->n_steps];

		run = st->on ? 0 : run + MS(st->ms);
		if (run > best)
			best = run;
	}
	return best;
}

/* A burst of readings (10 a second for a minute) never holds the light
 * dark longer than the acknowledgement's own gaps: "off" means "not
 * running" on the caregiver's card. */
static void test_reading_burst_never_dark(void **state)
{
	uint64_t gap = longest_dark_usec(HV_LED_DOUBLE_BLINK), dark_since = 0;
	uint64_t longest = 0, end;
	struct hv_led *led;
	size_t seen;

	(void)state;
	assert_true(gap > 0 && gap < MS(1000));
	led = new_fake_led(false);
	hv_led_update(led, &(struct hv_status){ .adapter = HV_ADAPTER_OK,
						.broker = HV_BROKER_CONNECTED });
	seen = fake_led.n_events;
	end = T0 + MS(60000);
	for (uint64_t t = T0 + MS(100); t <= end; t += MS(100)) {
		run_until(led, t);
		hv_led_reading_received(led);
		assert_int_equal(hv_led_pattern(led), HV_LED_DOUBLE_BLINK);
		for (; seen < fake_led.n_events; seen++) {
			const struct fake_led_event *ev = &fake_led.events[seen];

			if (!ev->level)
				dark_since = ev->usec;
			else if (ev->usec - dark_since > longest)
				longest = ev->usec - dark_since;
		}
		if (!fake_led.level && t - dark_since > longest)
			longest = t - dark_since;
	}
	assert_true(longest > 0);
	assert_true(longest <= gap);
	/* and it still ends: steady once the burst is over */
	run_until(led, end + HV_LED_ACK_USEC);
	assert_int_equal(hv_led_pattern(led), HV_LED_STEADY);
	assert_true(hv_led_is_on(led));
	hv_led_free(led);
}

static void test_status_mapping(void **state)
{
	static const struct {
		struct hv_status st;
		enum hv_led_pattern want;
	} cases[] = {
		{ { .adapter = HV_ADAPTER_UNKNOWN, .broker = HV_BROKER_CONNECTING },
		  HV_LED_STEADY },
		{ { .adapter = HV_ADAPTER_OK, .broker = HV_BROKER_DISABLED },
		  HV_LED_STEADY },
		{ { .adapter = HV_ADAPTER_OK, .broker = HV_BROKER_UNREACHABLE },
		  HV_LED_SLOW_BLINK },
		{ { .adapter = HV_ADAPTER_MISSING, .broker = HV_BROKER_CONNECTED },
		  HV_LED_FAST_BLINK },
		{ { .adapter = HV_ADAPTER_ERROR, .broker = HV_BROKER_UNREACHABLE },
		  HV_LED_FAST_BLINK },
		{ { .adapter = HV_ADAPTER_OK, .storage = HV_STORAGE_FULL },
		  HV_LED_LONG_SHORT },
		{ { .adapter = HV_ADAPTER_MISSING,
		    .broker = HV_BROKER_UNREACHABLE,
		    .storage = HV_STORAGE_ERROR },
		  HV_LED_LONG_SHORT },
	};
	struct hv_led *led;

	(void)state;
	led = new_fake_led(false);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hv_led_update(led, &cases[i].st);
		assert_int_equal(hv_led_pattern(led), cases[i].want);
		fake_led.now_usec += MS(333);
		hv_led_dispatch(led);
		assert_int_equal(hv_led_pattern(led), cases[i].want);
	}
	hv_led_free(led);
}

static void test_storage_outranks_reading(void **state)
{
	struct hv_led *led;
	size_t from;
	static const uint64_t want[][2] = {
		{ 900, 0 }, { 1150, 1 }, { 1350, 0 }, { 2000, 1 }, { 2900, 0 },
		{ 3150, 1 }, { 3350, 0 }, { 4000, 1 }, { 4900, 0 },
	};

	(void)state;
	led = new_fake_led(false);
	from = fake_led.n_events;
	hv_led_update(led, &(struct hv_status){ .storage = HV_STORAGE_FULL });
	fake_led.now_usec = T0 + MS(100);
	hv_led_reading_received(led);
	assert_int_equal(hv_led_pattern(led), HV_LED_LONG_SHORT);
	run_until(led, T0 + MS(5000));
	assert_int_equal(hv_led_pattern(led), HV_LED_LONG_SHORT);
	assert_timeline(from, want, sizeof(want) / sizeof(want[0]));
	hv_led_free(led);
}

static void test_set_failure_is_survived(void **state)
{
	struct hv_led *led;
	size_t n;

	(void)state;
	led = new_fake_led(false);
	n = fake_led.n_events;
	fake_led.set_error = -EIO;
	hv_led_update(led, &(struct hv_status){ .adapter = HV_ADAPTER_MISSING });
	run_until(led, T0 + MS(1000));
	assert_int_equal(fake_led.n_events, n);
	/* The line works again: the blinking resumes on the next change. */
	fake_led.set_error = 0;
	run_until(led, T0 + MS(1300));
	assert_true(fake_led.n_events > n);
	hv_led_free(led);
}

/* The real loop: sd-event timers on CLOCK_MONOTONIC drive the blinking. */
static int on_stop(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)usec;
	(void)userdata;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void test_sd_event_timers_blink(void **state)
{
	sd_event *event = NULL;
	struct hv_led *led = NULL;
	size_t n;

	(void)state;
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(hv_led_new_with_ops(event, "gpiochip0", 4, false,
					     &fake_led_line_ops, &led),
			 0);
	hv_led_update(led, &(struct hv_status){ .adapter = HV_ADAPTER_ERROR });
	n = fake_led.n_events;
	assert_int_equal(sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC,
						    MS(1100), 0, on_stop, NULL),
			 0);
	assert_int_equal(sd_event_loop(event), 0);
	/* fast blink: 8 changes a second; allow for a slow machine */
	assert_true(fake_led.n_events - n >= 4);
	assert_true(fake_led.n_events - n <= 10);
	hv_led_free(led);
	assert_true(fake_led.closed);
	assert_false(fake_led.level);
	sd_event_unref(event);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_led_configured, setup),
		cmocka_unit_test_setup(test_missing_chip_is_enodev, setup),
		cmocka_unit_test_setup(test_open_error_passed_on, setup),
		cmocka_unit_test_setup(test_starts_steady_and_free_turns_off, setup),
		cmocka_unit_test_setup(test_active_low_inverts, setup),
		cmocka_unit_test_setup(test_reading_acknowledged_then_back, setup),
		cmocka_unit_test_setup(test_status_mapping, setup),
		cmocka_unit_test_setup(test_reading_burst_never_dark, setup),
		cmocka_unit_test_setup(test_storage_outranks_reading, setup),
		cmocka_unit_test_setup(test_set_failure_is_survived, setup),
		cmocka_unit_test_setup(test_sd_event_timers_blink, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
