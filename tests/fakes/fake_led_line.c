// SPDX-License-Identifier: MIT
/* A recording fake GPIO line for the status LED (see fake_led_line.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/fakes/fake_led_line.h"

struct fake_led_line fake_led;

void fake_led_line_reset(void)
{
	memset(&fake_led, 0, sizeof(fake_led));
}

uint64_t fake_led_clock(void *userdata)
{
	(void)userdata;
	return fake_led.now_usec;
}

static void record(bool level)
{
	fake_led.level = level;
	if (fake_led.n_events < FAKE_LED_MAX_EVENTS)
		fake_led.events[fake_led.n_events] = (struct fake_led_event){
			.usec = fake_led.now_usec,
			.level = level,
		};
	fake_led.n_events++;
}

static int fake_open(const char *chip, unsigned offset, bool initial,
		     void **ret_line)
{
	if (fake_led.open_error)
		return fake_led.open_error;
	if (fake_led.opened && !fake_led.closed)
		return -EBUSY;
	(void)snprintf(fake_led.chip, sizeof(fake_led.chip), "%s", chip);
	fake_led.offset = offset;
	fake_led.opened = true;
	fake_led.closed = false;
	record(initial);
	*ret_line = &fake_led;
	return 0;
}

static int fake_set(void *line, bool level)
{
	if (line != &fake_led || !fake_led.opened || fake_led.closed)
		return -EBADF;
	if (fake_led.set_error)
		return fake_led.set_error;
	record(level);
	return 0;
}

static void fake_close(void *line)
{
	if (line == &fake_led)
		fake_led.closed = true;
}

const struct hv_led_line_ops fake_led_line_ops = {
	.name = "fake",
	.open = fake_open,
	.set = fake_set,
	.close = fake_close,
};
