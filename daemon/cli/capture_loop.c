// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/cli/capture_loop.h"
#include "daemon/common/config.h"

struct stopper {
	struct hv_capture_loop *l;
	void *userdata;
};

static void stop(struct stopper *s, bool by_signal)
{
	if (s->l->stop)
		s->l->stop(by_signal, s->userdata);
	else
		hv_capture_loop_exit(s->l, 0);
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata)
{
	(void)src;
	(void)usec;
	stop(userdata, false);
	return 0;
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si,
		     void *userdata)
{
	(void)src;
	(void)si;
	stop(userdata, true);
	return 0;
}

/* No driver is chosen for an advert: a capture only records. */
static const struct hv_driver *select_none(const struct hv_frame *advert)
{
	(void)advert;
	return NULL;
}

void hv_capture_loop_exit(struct hv_capture_loop *l, int result)
{
	l->result = result;
	(void)sd_event_exit(l->event, 0);
}

static int run(struct hv_capture_loop *l, const struct hv_config *cfg,
	       const struct hv_bluez_callbacks *cb, void *userdata)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_event_unrefp) sd_event *event = NULL;
	struct stopper stopper = { .l = l, .userdata = userdata };
	struct hv_bluez_tuning tuning;
	sigset_t mask;
	int r;

	r = sd_event_new(&event);
	if (r < 0)
		return log_error_errno(r, "capture: cannot make an event loop: %m");
	l->event = event;
	l->result = 0;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &mask, NULL);
	r = sd_event_add_signal(event, NULL, SIGINT, on_signal, &stopper);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGTERM, on_signal, &stopper);
	if (r >= 0 && l->deadline_usec)
		r = sd_event_add_time(event, NULL, CLOCK_MONOTONIC,
				      l->deadline_usec, 0, on_deadline, &stopper);
	if (r < 0)
		return log_error_errno(r, "capture: cannot set up the event loop: %m");
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return log_error_errno(r, "capture: cannot connect to the system bus: %m");
	r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return log_error_errno(r, "capture: cannot attach the bus: %m");
	r = hv_bluez_new(event, bus, cfg, cb, userdata, &l->bluez);
	if (r < 0)
		return log_error_errno(r, "capture: cannot set up the BlueZ client: %m");
	hv_bluez_get_tuning(l->bluez, &tuning);
	tuning.select = select_none;
	hv_bluez_set_tuning(l->bluez, &tuning);
	r = sd_event_loop(event);
	l->bluez = hv_bluez_free(l->bluez);
	l->event = NULL;
	if (r < 0)
		return log_error_errno(r, "capture: event loop: %m");
	return l->result;
}

int hv_capture_loop_run(struct hv_capture_loop *l,
			const struct hv_bluez_callbacks *cb, void *userdata)
{
	struct hv_config cfg;
	int r;

	hv_config_init(&cfg);
	cfg.bluetooth.passive_only = true; /* no driver's session */
	cfg.bluetooth.stale_device_s = 0; /* BlueZ's device list is the daemon's */
	free(cfg.bluetooth.adapter);
	cfg.bluetooth.adapter = l->adapter ? strdup(l->adapter) : NULL;
	if (l->adapter && !cfg.bluetooth.adapter)
		r = log_error_errno(ENOMEM, "capture: out of memory");
	else
		r = run(l, &cfg, cb, userdata);
	hv_config_done(&cfg);
	return r;
}
