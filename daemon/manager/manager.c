// SPDX-License-Identifier: MIT
/*
 * homevitalsd's one loop (sd-event, no threads) and the wiring between the
 * rooms of architecture.md: BlueZ → registry → pipeline → store → MQTT, with
 * one status struct feeding the LED, sd_notify and the MQTT status topic.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez.h"
#include "daemon/common/config.h"
#include "daemon/common/status.h"
#include "daemon/common/version.h"
#include "daemon/ingest/assign.h"
#include "daemon/ingest/pipeline.h"
#include "daemon/ingest/wallclock.h"
#include "daemon/led/led.h"
#include "daemon/manager/manager.h"
#include "daemon/publish/mqtt.h"
#include "daemon/store/store.h"
#include "drivers/registry.h"

#define TICK_USEC (1 * USEC_PER_SEC)
#define OUTBOX_POLL_USEC (5 * USEC_PER_SEC)
#define STATUS_MIN_INTERVAL_USEC (5 * USEC_PER_SEC)
#define PRUNE_INTERVAL_USEC (24ULL * 3600 * USEC_PER_SEC)
#define DEVICE_SEEN_INTERVAL_USEC (60 * USEC_PER_SEC)
#define BUS_RETRY_USEC (10 * USEC_PER_SEC)
#define REPLAY_ADDRESS "00:00:00:00:00:00"

struct seen {
	char address[HV_ADDRESS_MAX];
	uint64_t at;
};

struct daemon {
	struct hv_config cfg;
	sd_event *event;
	sd_bus *bus;
	struct hv_store *store;
	struct hv_pipeline *pipeline;
	struct hv_mqtt *mqtt;
	struct hv_led *led;
	struct hv_bluez *bluez;
	struct hv_status status;
	sd_event_source *tick;
	sd_event_source *bus_retry;
	uint64_t last_status_publish;
	uint64_t last_outbox_poll;
	uint64_t last_prune;
	uint64_t invalid_frames;
	struct seen seen[64];
	bool storage_error_logged;
	/* replay */
	FILE *replay;
	sd_event_source *replay_timer;
	uint64_t replay_start;
	bool replay_done;
	char *replay_line;
	size_t replay_cap;
};

static uint64_t now_mono(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void clock_now(struct daemon *d, struct hv_clock_sample *ret)
{
	hv_clock_sample_now(d->cfg.time.assume_synchronised, ret);
	d->status.clock_synchronised = ret->wall_known;
}

/* --- status ----------------------------------------------------------------- */

static void status_changed(struct daemon *d)
{
	char line[256];
	uint64_t now = now_mono();
	uint64_t backlog;

	if (d->store && hv_store_backlog(d->store, &backlog) >= 0)
		d->status.backlog = backlog;
	hv_led_update(d->led, &d->status);
	hv_status_format(&d->status, now, line, sizeof(line));
	(void)sd_notifyf(false, "STATUS=%s", line);
	if (d->mqtt && now - d->last_status_publish >= STATUS_MIN_INTERVAL_USEC) {
		d->last_status_publish = now;
		(void)hv_mqtt_publish_status(d->mqtt, &d->status);
	}
}

static void on_mqtt_broker(enum hv_broker_state state, const char *error,
			   void *userdata)
{
	struct daemon *d = userdata;

	d->status.broker = state;
	(void)snprintf(d->status.broker_error, sizeof(d->status.broker_error),
		       "%s", error);
	d->last_status_publish = 0; /* a broker change is worth telling now */
	status_changed(d);
}

static void on_mqtt_delivered(uint64_t n, void *userdata)
{
	(void)n;
	status_changed(userdata); /* the backlog fell; throttled */
}

/* --- pipeline callbacks -------------------------------------------------------- */

static double age_years(const char *birth_date, int64_t now_s)
{
	unsigned y, m, day;
	int64_t born;

	if (!birth_date || sscanf(birth_date, "%4u-%2u-%2u", &y, &m, &day) != 3)
		return 0;
	born = hv_days_from_civil(y, m, day) * 86400;
	return now_s > born ? (double)(now_s - born) / (365.2425 * 86400) : 0;
}

static bool person_profile(const struct hv_person *p, int64_t now_s,
			   struct hv_profile *ret)
{
	*ret = (struct hv_profile){
		.height_m = p->height_m,
		.age_years = age_years(p->birth_date, now_s),
		.sex = (enum hv_sex)p->sex,
	};
	return true;
}

static bool on_assign(struct hv_record *r, struct hv_profile *ret_profile,
		      void *userdata)
{
	struct daemon *d = userdata;
	_cleanup_free_ struct hv_person *people = NULL;
	const struct hv_reading *w;
	struct hv_person person;
	size_t n = 0;
	int k;

	if (r->m.user_index >= 0) {
		int consent;

		if (hv_store_link_get(d->store, r->device_address,
				      r->m.user_index, r->person,
				      &consent) < 0)
			r->person[0] = '\0';
	}
	/* An unlinked slot falls through to the weight rule (docs/people.md). */
	w = hv_measurement_find(&r->m, HV_METRIC_BODY_WEIGHT);
	if (!r->person[0] && w &&
	    w->absent == HV_ABSENT_NONE &&
	    hv_store_people_list(d->store, &people, &n) >= 0) {
		k = hv_assign_by_weight(people, n, w->value,
					d->cfg.assignment.tolerance_kg);
		if (k >= 0)
			(void)snprintf(r->person, sizeof(r->person), "%s",
				       people[k].id);
	}
	if (!r->person[0] ||
	    hv_store_person_get(d->store, r->person, &person) < 0)
		return false;
	return person_profile(&person, r->time_usec / 1000000, ret_profile);
}

/* A person's last weight feeds the weight rule for people without a range. */
static void remember_weight(struct daemon *d, const struct hv_record *r)
{
	const struct hv_reading *w = hv_measurement_find(&r->m, HV_METRIC_BODY_WEIGHT);
	struct hv_person p;

	if (!r->person[0] || !w || w->absent != HV_ABSENT_NONE ||
	    hv_store_person_get(d->store, r->person, &p) < 0)
		return;
	p.last_weight_kg = w->value;
	if (hv_store_person_update(d->store, &p) < 0)
		log_debug("Failed to update the last weight of %s, ignoring",
			  r->person);
}

static int on_accept(const struct hv_record *r, void *userdata)
{
	struct daemon *d = userdata;
	int k = hv_store_add(d->store, r);

	if (k < 0) {
		enum hv_storage_state s = k == -ENOSPC ? HV_STORAGE_FULL :
							 HV_STORAGE_ERROR;

		/* One line per change of state, not one per reading. */
		if (d->status.storage != s || !d->storage_error_logged)
			log_error_errno(k, "Failed to store measurement %s from %s (%s): %m",
					r->id, r->device_address,
					hv_store_errmsg(d->store));
		d->storage_error_logged = true;
		d->status.storage = s;
		status_changed(d);
		return k;
	}
	if (d->status.storage != HV_STORAGE_OK) {
		log_notice("Storage works again");
		d->status.storage = HV_STORAGE_OK;
		d->storage_error_logged = false;
	}
	if (k == 0)
		return 0;
	remember_weight(d, r);
	d->status.accepted++;
	d->status.last_reading_usec = now_mono();
	log_info("Stored measurement %s from %s (%s)%s%s", r->id,
		 r->device_address, r->device_model,
		 r->person[0] ? " for " : ", unassigned",
		 r->person[0] ? r->person : "");
	hv_led_reading_received(d->led);
	hv_mqtt_kick(d->mqtt);
	status_changed(d);
	return 1;
}

/* --- frames in -------------------------------------------------------------------- */

static const struct hv_driver *forced_driver(struct daemon *d,
					     const char *address)
{
	for (size_t i = 0; address && i < d->cfg.bluetooth.n_devices; i++) {
		const struct hv_config_device *dev = &d->cfg.bluetooth.devices[i];

		if (dev->driver && dev->address &&
		    strcasecmp(dev->address, address) == 0)
			return hv_driver_by_id(dev->driver);
	}
	return NULL;
}

static void note_device(struct daemon *d, const struct hv_frame *f,
			const struct hv_measurement *m, int64_t wall_usec)
{
	struct hv_device_info info = { .battery = -1, .last_sequence = -1 };
	uint64_t now = now_mono();
	size_t slot = 0;

	for (size_t i = 0; i < ELEMENTSOF(d->seen); i++) {
		if (strcmp(d->seen[i].address, f->address) == 0) {
			if (now - d->seen[i].at < DEVICE_SEEN_INTERVAL_USEC)
				return;
			slot = i;
			break;
		}
		if (d->seen[i].at < d->seen[slot].at)
			slot = i;
	}
	(void)snprintf(d->seen[slot].address, sizeof(d->seen[slot].address),
		       "%s", f->address);
	d->seen[slot].at = now;
	if (hv_store_device_get(d->store, f->address, &info) < 0)
		info.last_sequence = -1;
	(void)snprintf(info.address, sizeof(info.address), "%s", f->address);
	(void)snprintf(info.driver, sizeof(info.driver), "%s",
		       m->driver ? m->driver : "");
	if (f->name)
		(void)snprintf(info.name, sizeof(info.name), "%s", f->name);
	info.rssi = f->rssi;
	info.last_seen_usec = wall_usec;
	(void)hv_store_device_seen(d->store, &info);
}

static void feed(struct daemon *d, const struct hv_frame *frame,
		 const struct hv_driver *driver, const struct hv_measurement *m)
{
	struct hv_clock_sample now;
	int k;

	clock_now(d, &now);
	k = hv_pipeline_feed(d->pipeline, frame, driver, m, &now);
	if (k < 0 && k != -ENOSPC && k != -EIO)
		log_debug_errno(k, "Pipeline refused a measurement from %s: %m",
				frame->address);
}

static void decode_and_feed(struct daemon *d, struct hv_frame *f,
			    const struct hv_driver *forced)
{
	struct hv_measurement m;
	struct hv_clock_sample now;

	clock_now(d, &now);
	f->now = now.wall_usec / (int64_t)USEC_PER_SEC;
	if (!forced)
		forced = forced_driver(d, f->address);
	(void)hv_registry_decode(f, forced, &m);
	if (m.status == HV_STATUS_NOT_MINE)
		return;
	if (m.status == HV_STATUS_INVALID) {
		/* Counted and dropped; debug level, a scale repeats itself. */
		d->invalid_frames++;
		log_debug("Dropped a malformed frame from %s (%s): %s",
			  f->address, m.driver ? m.driver : "?", m.error);
		return;
	}
	if (now.wall_known)
		note_device(d, f, &m, now.wall_usec);
	feed(d, f, m.driver ? hv_driver_by_id(m.driver) : NULL, &m);
}

static void on_advert(const struct hv_frame *frame, void *userdata)
{
	struct daemon *d = userdata;
	struct hv_frame f = *frame;

	decode_and_feed(d, &f, NULL);
}

static void on_gatt_measurement(const struct hv_frame *frame,
				const struct hv_driver *driver,
				const struct hv_measurement *m, void *userdata)
{
	struct daemon *d = userdata;

	if (m->status != HV_STATUS_OK)
		return;
	feed(d, frame, driver, m);
}

static void on_adapter_state(enum hv_adapter_state state, const char *name,
			     void *userdata)
{
	struct daemon *d = userdata;

	if (d->status.adapter != state)
		log_notice("Bluetooth adapter %s: %s", name ? name : "(none)",
			   hv_adapter_state_name(state));
	d->status.adapter = state;
	(void)snprintf(d->status.adapter_name, sizeof(d->status.adapter_name),
		       "%s", name ? name : "");
	status_changed(d);
}

struct stored_slot {
	const char *address;
	int user_index;
	int consent_code;
};

static int find_stored_slot(const char *address, int user_index,
			    const char *person, int consent_code,
			    void *userdata)
{
	struct stored_slot *slot = userdata;

	(void)person;
	if (strcasecmp(address, slot->address) != 0 || consent_code < 0)
		return 0;
	slot->user_index = user_index;
	slot->consent_code = consent_code;
	return 1; /* the first one, lowest index: stop */
}

static void on_session_prepare(const char *address,
			       const struct hv_driver *driver,
			       struct hv_session *s, void *userdata)
{
	struct daemon *d = userdata;
	struct hv_device_info info;
	struct hv_person person;
	char person_id[HV_PERSON_MAX];
	int consent = -1;

	(void)driver;
	for (size_t i = 0; i < d->cfg.bluetooth.n_devices; i++) {
		const struct hv_config_device *dev = &d->cfg.bluetooth.devices[i];

		if (!dev->address || strcasecmp(dev->address, address) != 0)
			continue;
		if (dev->user_index >= 0)
			s->user_index = dev->user_index;
		if (dev->consent_code >= 0)
			s->consent_code = (uint16_t)dev->consent_code;
	}
	if (s->user_index < 0) {
		/* A slot this gateway registered (or one linked with 'homevitals
		 * devices link --consent'): use it again rather than taking a
		 * new slot on the scale at every connection. */
		struct stored_slot slot = { .address = address,
					    .user_index = -1 };

		if (hv_store_links_foreach(d->store, find_stored_slot,
					   &slot) >= 0 &&
		    slot.user_index >= 0) {
			s->user_index = slot.user_index;
			s->consent_code = (uint16_t)slot.consent_code;
		}
	}
	if (hv_store_device_get(d->store, address, &info) >= 0)
		s->last_sequence = info.last_sequence;
	if (s->user_index >= 0 &&
	    hv_store_link_get(d->store, address, s->user_index, person_id,
			      &consent) >= 0) {
		if (consent >= 0)
			s->consent_code = (uint16_t)consent;
		if (hv_store_person_get(d->store, person_id, &person) >= 0)
			(void)person_profile(&person, s->now_unix, &s->profile);
	}
}

static void on_session_done(const char *address,
			    const struct hv_driver *driver,
			    const struct hv_session *s, int result,
			    void *userdata)
{
	struct daemon *d = userdata;

	if (result < 0)
		log_warning_errno(result, "Session with %s (%s) ended early: %m",
				  address, driver ? driver->id : "?");
	if (s->last_sequence >= 0)
		(void)hv_store_device_set_sequence(d->store, address,
						   s->last_sequence);
	if (s->user_registered && s->user_index >= 0) {
		log_notice("%s granted user slot %d (consent code %u); link it to a person with 'homevitals devices link'",
			   address, s->user_index, (unsigned)s->consent_code);
		(void)hv_store_link_set(d->store, address, s->user_index, NULL,
					s->consent_code);
	}
}

static const struct hv_bluez_callbacks bluez_callbacks = {
	.advert = on_advert,
	.measurement = on_gatt_measurement,
	.state_changed = on_adapter_state,
	.session_prepare = on_session_prepare,
	.session_done = on_session_done,
};

static int start_bluez(struct daemon *d);

static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)start_bluez(userdata);
	return 0;
}

static int start_bluez(struct daemon *d)
{
	int r;

	d->bus_retry = sd_event_source_disable_unref(d->bus_retry);
	if (!d->bus) {
		r = sd_bus_open_system(&d->bus);
		if (r >= 0)
			r = sd_bus_attach_event(d->bus, d->event, 0);
		if (r < 0) {
			d->bus = sd_bus_flush_close_unref(d->bus);
			if (d->status.adapter != HV_ADAPTER_MISSING)
				log_warning_errno(r, "Failed to connect to the system bus, retrying: %m");
			on_adapter_state(HV_ADAPTER_MISSING, NULL, d);
			return sd_event_add_time_relative(d->event,
							  &d->bus_retry,
							  CLOCK_BOOTTIME,
							  BUS_RETRY_USEC, 0,
							  on_bus_retry, d);
		}
	}
	r = hv_bluez_new(d->event, d->bus, &d->cfg, &bluez_callbacks, d,
			 &d->bluez);
	if (r < 0)
		return log_error_errno(r, "Failed to start the BlueZ client: %m");
	return 0;
}

/* --- replay ------------------------------------------------------------------------ */

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static int replay_arm(struct daemon *d);

static void replay_line(struct daemon *d, const cJSON *j)
{
	struct hv_profile profile;
	const char *driver_id;
	struct hv_frame f;
	char err[HV_ERROR_MAX];

	if (hv_frame_from_json(j, &f, &profile, &driver_id, err,
			       sizeof(err)) < 0) {
		log_warning("Replay: skipping a line: %s", err);
		return;
	}
	if (!f.address)
		f.address = REPLAY_ADDRESS;
	decode_and_feed(d, &f, driver_id ? hv_driver_by_id(driver_id) : NULL);
}

static void replay_finish(struct daemon *d)
{
	struct hv_clock_sample now;

	d->replay_done = true;
	clock_now(d, &now);
	(void)hv_pipeline_flush(d->pipeline, &now);
	log_info("Replay finished");
}

static int on_replay_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;

	(void)s;
	(void)usec;
	j = cJSON_Parse(d->replay_line);
	if (j)
		replay_line(d, j);
	else
		log_warning("Replay: skipping a line that is not JSON");
	return replay_arm(d);
}

/* Read the next line and arm a timer for its "t" (seconds after start). */
static int replay_arm(struct daemon *d)
{
	ssize_t n;

	for (;;) {
		_cleanup_(cJSON_Deletep) cJSON *j = NULL;
		const cJSON *t;
		uint64_t at;

		n = getline(&d->replay_line, &d->replay_cap, d->replay);
		if (n < 0) {
			replay_finish(d);
			return 0;
		}
		if (strspn(d->replay_line, " \t\r\n") == (size_t)n)
			continue;
		j = cJSON_Parse(d->replay_line);
		t = j ? cJSON_GetObjectItemCaseSensitive(j, "t") : NULL;
		at = d->replay_start;
		if (cJSON_IsNumber(t) && t->valuedouble > 0)
			at += (uint64_t)(t->valuedouble * USEC_PER_SEC);
		d->replay_timer = sd_event_source_disable_unref(d->replay_timer);
		return sd_event_add_time(d->event, &d->replay_timer,
					 CLOCK_BOOTTIME, at, 0,
					 on_replay_timer, d);
	}
}

/* --- periodic work ----------------------------------------------------------------- */

static void prune(struct daemon *d)
{
	struct hv_clock_sample now;
	uint64_t deleted = 0;
	int r;

	if (!d->cfg.store.retention_days)
		return;
	clock_now(d, &now);
	if (!now.wall_known)
		return;
	r = hv_store_prune(d->store,
			   now.wall_usec - (int64_t)d->cfg.store.retention_days *
						   86400 * (int64_t)USEC_PER_SEC,
			   &deleted);
	if (r < 0)
		log_warning_errno(r, "Failed to prune old measurements, ignoring: %m");
	else if (deleted)
		log_info("Pruned %llu published measurements older than %u days",
			 (unsigned long long)deleted, d->cfg.store.retention_days);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	struct hv_clock_sample now;
	uint64_t backlog = 0;

	clock_now(d, &now);
	(void)hv_pipeline_tick(d->pipeline, &now, NULL);
	if (usec - d->last_outbox_poll >= OUTBOX_POLL_USEC) {
		/* Rows queued by the CLI (reassignments) get published too. */
		d->last_outbox_poll = usec;
		hv_mqtt_kick(d->mqtt);
		status_changed(d);
	}
	if (!d->last_prune || usec - d->last_prune >= PRUNE_INTERVAL_USEC) {
		d->last_prune = usec;
		prune(d);
	}
	if (d->replay && d->replay_done &&
	    (!d->mqtt || (hv_store_backlog(d->store, &backlog) >= 0 &&
			  backlog == 0)))
		return sd_event_exit(d->event, 0);
	return sd_event_source_set_time(s, usec + TICK_USEC);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	(void)si;
	/* The CLI's nudge after a change in the store; the configuration
	 * itself is read at start (restart to apply it: docs/config.md). */
	log_info("SIGHUP: rescanning the store");
	hv_mqtt_kick(d->mqtt);
	status_changed(d);
	return 0;
}

/* --- start and stop ------------------------------------------------------------------ */

static void config_warning(const char *message, void *userdata)
{
	(void)userdata;
	log_warning("%s", message);
}

static void daemon_done(struct daemon *d)
{
	struct hv_clock_sample now;

	if (d->pipeline) {
		clock_now(d, &now);
		(void)hv_pipeline_flush(d->pipeline, &now);
	}
	d->bluez = hv_bluez_free(d->bluez);
	d->mqtt = hv_mqtt_free(d->mqtt);
	d->led = hv_led_free(d->led);
	d->pipeline = hv_pipeline_free(d->pipeline);
	d->store = hv_store_close(d->store);
	d->tick = sd_event_source_disable_unref(d->tick);
	d->bus_retry = sd_event_source_disable_unref(d->bus_retry);
	d->replay_timer = sd_event_source_disable_unref(d->replay_timer);
	d->bus = sd_bus_flush_close_unref(d->bus);
	d->event = sd_event_unref(d->event);
	if (d->replay)
		fclose(d->replay);
	free(d->replay_line);
	hv_config_done(&d->cfg);
}

static int daemon_start(struct daemon *d, const struct hv_daemon_options *o)
{
	struct hv_config_error err = { { 0 } };
	struct hv_pipeline_ops ops = { .assign = on_assign, .accept = on_accept };
	struct hv_mqtt_callbacks mqtt_cb = { .broker_changed = on_mqtt_broker,
					     .delivered = on_mqtt_delivered };
	int r;

	r = hv_config_load(o->config_path, &d->cfg, &err, config_warning, d);
	if (r < 0) {
		log_error("%s: %s", o->config_path, err.message);
		return r;
	}
	r = hv_config_resolve_secrets(&d->cfg, &err);
	if (r < 0) {
		log_error("%s", err.message);
		return r;
	}
	log_set_max_level(d->cfg.log_level);
	if (o->check_config) {
		printf("%s: ok\n", o->config_path);
		return 0;
	}

	r = sd_event_default(&d->event);
	if (r < 0)
		return log_error_errno(r, "Failed to create the event loop: %m");
	(void)sd_event_set_watchdog(d->event, true);
	r = sd_event_add_signal(d->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK,
				NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL,
					SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL,
					NULL);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL,
					SIGHUP | SD_EVENT_SIGNAL_PROCMASK,
					on_sighup, d);
	if (r < 0)
		return log_error_errno(r, "Failed to watch signals: %m");

	r = hv_store_open(d->cfg.store.path, 0, &d->store);
	if (r < 0)
		return log_error_errno(r, "Failed to open the store '%s': %m (%s)",
				       d->cfg.store.path, hv_store_errmsg(NULL));
	d->status.started_usec = now_mono();
	d->status.broker = d->cfg.mqtt.enabled ? HV_BROKER_CONNECTING :
						 HV_BROKER_DISABLED;

	r = hv_pipeline_new(NULL, &ops, d, &d->pipeline);
	if (r < 0)
		return log_error_errno(r, "Failed to create the pipeline: %m");

	r = hv_led_new(d->event, &d->cfg, &d->led);
	if (r < 0)
		log_warning_errno(r, "Status LED '%s' line %u is not available, running without it: %m",
				  d->cfg.led.chip, d->cfg.led.line);
	else if (!d->led)
		log_info("No status LED configured");

	if (d->cfg.mqtt.enabled) {
		r = hv_mqtt_new(d->event, &d->cfg, d->store, &mqtt_cb, d,
				&d->mqtt);
		if (r < 0)
			return log_error_errno(r, "Failed to start the MQTT client: %m");
	}

	if (o->replay_path) {
		d->replay = fopen(o->replay_path, "re");
		if (!d->replay)
			return log_error_errno(negative_errno(),
					       "Failed to open replay file '%s': %m",
					       o->replay_path);
		d->replay_start = now_mono();
		r = replay_arm(d);
		if (r < 0)
			return log_error_errno(r, "Failed to start the replay: %m");
	} else {
		r = start_bluez(d);
		if (r < 0)
			return r;
	}

	r = sd_event_add_time_relative(d->event, &d->tick, CLOCK_BOOTTIME,
				       TICK_USEC, 0, on_tick, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->tick, SD_EVENT_ON);
	if (r < 0)
		return log_error_errno(r, "Failed to start the timer: %m");
	return 1;
}

int hv_daemon_run(const struct hv_daemon_options *options)
{
	struct daemon d = { .status.adapter = HV_ADAPTER_UNKNOWN };
	int r;

	hv_config_init(&d.cfg);
	r = daemon_start(&d, options);
	if (r <= 0) {
		daemon_done(&d);
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	log_info("homevitalsd %s running (store %s)", HV_VERSION,
		 d.cfg.store.path);
	status_changed(&d);
	(void)sd_notify(false, "READY=1");
	r = sd_event_loop(d.event);
	(void)sd_notify(false, "STOPPING=1");
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
	daemon_done(&d);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
