// SPDX-License-Identifier: MIT
/* The status LED: pattern machine (daemon/led/led_pattern.c) on sd-event timers. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/config.h"
#include "daemon/common/status.h"
#include "daemon/led/led.h"

/* Blinks need not be exact; let the loop coalesce wake-ups a little. */
#define LED_TIMER_ACCURACY_USEC (10 * USEC_PER_MSEC)

struct hv_led {
	sd_event *event;
	sd_event_source *timer;
	const struct hv_led_line_ops *ops;
	void *line;
	bool active_low;
	bool on; /* logical level last written */
	bool set_failed; /* logged once */
	struct hv_led_machine machine;
	enum hv_led_pattern pattern;
	uint64_t next_usec;
	uint64_t (*now)(void *userdata);
	void *now_userdata;
};

static uint64_t led_now(const struct hv_led *led)
{
	struct timespec ts;
	uint64_t t;

	if (led->now)
		return led->now(led->now_userdata);
	if (led->event && sd_event_now(led->event, CLOCK_MONOTONIC, &t) >= 0)
		return t;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC +
	       (uint64_t)ts.tv_nsec / 1000;
}

static void led_write(struct hv_led *led, bool on)
{
	int r;

	if (on == led->on)
		return;
	r = led->ops->set(led->line, on != led->active_low);
	if (r < 0) {
		if (!led->set_failed)
			log_warning_errno(r, "Failed to set the status LED: %m, ignoring");
		led->set_failed = true;
		return;
	}
	led->on = on;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void led_arm(struct hv_led *led)
{
	int r;

	if (!led->event)
		return;
	if (led->next_usec == UINT64_MAX) {
		if (led->timer)
			(void)sd_event_source_set_enabled(led->timer,
							  SD_EVENT_OFF);
		return;
	}
	if (!led->timer) {
		r = sd_event_add_time(led->event, &led->timer, CLOCK_MONOTONIC,
				      led->next_usec, LED_TIMER_ACCURACY_USEC,
				      on_timer, led);
		if (r < 0)
			goto fail;
		(void)sd_event_source_set_description(led->timer, "status-led");
		return;
	}
	r = sd_event_source_set_time(led->timer, led->next_usec);
	if (r < 0)
		goto fail;
	r = sd_event_source_set_enabled(led->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		goto fail;
	return;
fail:
	log_warning_errno(r, "Failed to arm the status LED timer: %m, ignoring");
}

void hv_led_dispatch(struct hv_led *led)
{
	bool on;

	if (!led)
		return;
	led->pattern = hv_led_machine_step(&led->machine, led_now(led), &on,
					   &led->next_usec);
	led_write(led, on);
	led_arm(led);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	hv_led_dispatch(userdata);
	return 0;
}

int hv_led_new_with_ops(sd_event *event, const char *chip, unsigned line,
			bool active_low, const struct hv_led_line_ops *ops,
			struct hv_led **ret)
{
	struct hv_led *led;
	int r;

	if (!chip || !ops || !ret)
		return -EINVAL;
	led = calloc(1, sizeof(*led));
	if (!led)
		return -ENOMEM;
	led->ops = ops;
	led->active_low = active_low;
	led->next_usec = UINT64_MAX;
	hv_led_machine_init(&led->machine);
	/* Dark until the first dispatch: physically high when active-low. */
	r = ops->open(chip, line, active_low, &led->line);
	if (r < 0) {
		free(led);
		return r;
	}
	if (event)
		led->event = sd_event_ref(event);
	hv_led_dispatch(led);
	*ret = led;
	return 0;
}

int hv_led_new(sd_event *event, const struct hv_config *cfg,
	       struct hv_led **ret)
{
	if (!cfg || !ret)
		return -EINVAL;
	if (!cfg->led.chip) {
		*ret = NULL;
		return 0;
	}
	return hv_led_new_with_ops(event, cfg->led.chip, cfg->led.line,
				   cfg->led.active_low, &hv_led_gpiod_ops,
				   ret);
}

struct hv_led *hv_led_free(struct hv_led *led)
{
	if (!led)
		return NULL;
	led->timer = sd_event_source_disable_unref(led->timer);
	led_write(led, false);
	led->ops->close(led->line);
	sd_event_unref(led->event);
	free(led);
	return NULL;
}

void hv_led_conditions_from_status(const struct hv_status *status,
				   struct hv_led_conditions *ret)
{
	*ret = (struct hv_led_conditions){
		.storage_problem = status->storage != HV_STORAGE_OK,
		.bluetooth_problem = status->adapter == HV_ADAPTER_MISSING ||
				     status->adapter == HV_ADAPTER_ERROR,
		.broker_problem = hv_status_worst_broker(status) ==
				  HV_BROKER_UNREACHABLE,
	};
}

void hv_led_update(struct hv_led *led, const struct hv_status *status)
{
	struct hv_led_conditions c;

	if (!led || !status)
		return;
	hv_led_conditions_from_status(status, &c);
	hv_led_machine_set_conditions(&led->machine, &c);
	hv_led_dispatch(led);
}

void hv_led_reading_received(struct hv_led *led)
{
	if (!led)
		return;
	hv_led_machine_reading(&led->machine, led_now(led));
	hv_led_dispatch(led);
}

void hv_led_set_clock(struct hv_led *led, uint64_t (*now)(void *userdata),
		      void *userdata)
{
	if (!led)
		return;
	led->now = now;
	led->now_userdata = userdata;
	/* Restart the current pattern on the new clock. */
	led->machine.pattern = HV_LED_OFF;
	led->machine.ack_until_usec = 0;
	hv_led_dispatch(led);
}

uint64_t hv_led_next_usec(const struct hv_led *led)
{
	return led ? led->next_usec : UINT64_MAX;
}

enum hv_led_pattern hv_led_pattern(const struct hv_led *led)
{
	return led ? led->pattern : HV_LED_OFF;
}

bool hv_led_is_on(const struct hv_led *led)
{
	return led && led->on;
}
