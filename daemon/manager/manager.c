// SPDX-License-Identifier: MIT
/*
 * homevitalsd's one loop (sd-event, no threads) and the wiring between the
 * rooms of docs/architecture.md: BlueZ → ingest (decode, pipeline, assign, derive,
 * store) → MQTT, with one status struct feeding the LED, sd_notify and the
 * MQTT status topic. The loop sleeps until something happens: a frame, a
 * pipeline deadline, the CLI's SIGHUP, the broker, the daily prune.
 */
#include <cjson/cJSON.h>
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
#include "daemon/common/device_keys.h"
#include "daemon/common/status.h"
#include "daemon/common/version.h"
#include "daemon/ingest/ingest.h"
#include "daemon/ingest/wallclock.h"
#include "daemon/led/led.h"
#include "daemon/manager/manager.h"
#include "daemon/manager/store_watch.h"
#include "daemon/publish/mqtt.h"
#include "daemon/store/store.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define STATUS_MIN_INTERVAL_USEC (5 * USEC_PER_SEC)
#define SEEN_FLUSH_USEC (5 * USEC_PER_SEC)
#define DEVICES_UNSEEN_DAYS 30
#define PRUNE_INTERVAL_USEC (24ULL * 3600 * USEC_PER_SEC)
#define BUS_RETRY_USEC (10 * USEC_PER_SEC)
#define REPLAY_ADDRESS "00:00:00:00:00:00"

struct daemon {
	struct hv_config cfg;
	sd_event *event;
	sd_bus *bus;
	struct hv_store *store;
	struct hv_ingest *ingest;
	struct hv_device_keys *keys; /* bind keys of encrypted adverts */
	struct hv_mqtt *mqtt;
	struct hv_led *led;
	struct hv_bluez *bluez;
	struct hv_status status;
	struct hv_audience_status *audiences; /* status.audiences */
	sd_event_source *ingest_timer; /* the pipeline's next deadline */
	sd_event_source *prune_timer;
	sd_event_source *status_flush; /* once per loop turn with a change */
	sd_event_source *status_publish_timer; /* the throttled MQTT status */
	sd_event_source *loop_stats; /* SIGUSR1: wakeups so far */
	sd_event_source *bus_retry;
	uint64_t last_status_publish;
	sd_event_source *seen_timer;
	struct hv_store_watch *store_watch; /* the CLI's commits */
	uint64_t last_seen_flush;
	char *status_path; /* RUNTIME_DIRECTORY/status.json, or NULL */
	bool status_file_failed;
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

static void status_changed(struct daemon *d);

static void clock_now(struct daemon *d, struct hv_clock_sample *ret)
{
	hv_clock_sample_now(d->cfg.time.assume_synchronised, ret);
	ret->replay = d->replay != NULL;
	if (d->status.clock_synchronised != ret->wall_known) {
		d->status.clock_synchronised = ret->wall_known;
		status_changed(d);
	}
}

/* A one-shot timer at `usec` (CLOCK_BOOTTIME); UINT64_MAX: off. */
static int timer_arm_at(struct daemon *d, sd_event_source **s, uint64_t usec,
			sd_event_time_handler_t handler)
{
	int r;

	if (usec == UINT64_MAX)
		return *s ? sd_event_source_set_enabled(*s, SD_EVENT_OFF) : 0;
	if (!*s)
		return sd_event_add_time(d->event, s, CLOCK_BOOTTIME, usec, 0,
					 handler, d);
	r = sd_event_source_set_time(*s, usec);
	if (r >= 0)
		r = sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
	return r;
}

/* --- status ----------------------------------------------------------------- */

static void replay_check(struct daemon *d);

static int on_status_publish_timer(sd_event_source *s, uint64_t usec,
				   void *userdata);

/* The status as JSON, to the retained MQTT status and the status file that
 * `homevitals status` reads (RUNTIME_DIRECTORY/status.json). */
static void status_send(struct daemon *d, uint64_t now)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	int64_t wall = 0;
	struct timespec ts;
	int r;

	if (d->status.clock_synchronised &&
	    clock_gettime(CLOCK_REALTIME, &ts) == 0)
		wall = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (d->mqtt)
		(void)hv_mqtt_publish_status(d->mqtt, &d->status, wall);
	if (!d->status_path)
		return;
	r = hv_status_to_json(&d->status, d->cfg.gateway_id, now, wall, &o);
	if (r >= 0)
		r = hv_status_write_file(d->status_path, o);
	if (r < 0 && !d->status_file_failed) {
		log_warning_errno(r, "Failed to write '%s': %m, ignoring", d->status_path);
		d->status_file_failed = true;
	}
}

/* systemd's RuntimeDirectory= (the first, when it names several). */
static int status_path_from_env(char **ret)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");
	size_t n;

	*ret = NULL;
	if (!dir || !*dir)
		return 0;
	n = strcspn(dir, ":");
	if (asprintf(ret, "%.*s/status.json", (int)n, dir) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The status goes out at most every STATUS_MIN_INTERVAL_USEC; a change
 * inside the interval goes out at its end. */
static void status_publish(struct daemon *d, uint64_t now)
{
	uint64_t due = d->last_status_publish + STATUS_MIN_INTERVAL_USEC;

	if (!d->mqtt && !d->status_path)
		return;
	if (!d->last_status_publish || now >= due) {
		d->last_status_publish = now;
		status_send(d, now);
		return;
	}
	if (timer_arm_at(d, &d->status_publish_timer, due,
			 on_status_publish_timer) < 0)
		log_debug("Failed to arm the status timer, the next change will publish");
}

static int on_status_publish_timer(sd_event_source *s, uint64_t usec,
				   void *userdata)
{
	(void)s;
	status_publish(userdata, usec);
	return 0;
}

static int on_status_flush(sd_event_source *s, void *userdata)
{
	struct daemon *d = userdata;
	char line[256];
	uint64_t now = now_mono();
	uint64_t backlog;

	(void)s;
	if (d->store && hv_store_backlog(d->store, &backlog) >= 0)
		d->status.backlog = backlog;
	hv_led_update(d->led, &d->status);
	hv_status_format(&d->status, now, line, sizeof(line));
	(void)sd_notifyf(false, "STATUS=%s", line);
	status_publish(d, now);
	replay_check(d);
	return 0;
}

/* Something in d->status changed: told once, at the end of this loop turn. */
static void status_changed(struct daemon *d)
{
	if (d->status_flush &&
	    sd_event_source_set_enabled(d->status_flush, SD_EVENT_ONESHOT) >= 0)
		return;
	(void)on_status_flush(NULL, d);
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

static void on_mqtt_audience_broker(const char *audience,
				    enum hv_broker_state state,
				    const char *error, void *userdata)
{
	struct daemon *d = userdata;

	for (size_t i = 0; i < d->status.n_audiences; i++) {
		struct hv_audience_status *a = &d->audiences[i];

		if (strcmp(a->name, audience) != 0)
			continue;
		a->broker = state;
		(void)snprintf(a->broker_error, sizeof(a->broker_error), "%s",
			       error);
		d->last_status_publish = 0;
		status_changed(d);
		return;
	}
}

/* Each audience's connection starts as the main one does. */
static int audiences_status_new(struct daemon *d)
{
	if (!d->cfg.n_audiences)
		return 0;
	d->audiences = calloc(d->cfg.n_audiences, sizeof(*d->audiences));
	if (!d->audiences)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg.n_audiences; i++) {
		d->audiences[i].name = d->cfg.audiences[i].name;
		d->audiences[i].broker = d->status.broker;
	}
	d->status.audiences = d->audiences;
	d->status.n_audiences = d->cfg.n_audiences;
	return 0;
}

static void on_mqtt_delivered(uint64_t n, void *userdata)
{
	(void)n;
	status_changed(userdata); /* the backlog fell: told once this turn */
}

/* --- what ingest did ------------------------------------------------------------- */

static int on_ingest_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void storage_state(struct daemon *d, const struct hv_ingest_result *res)
{
	enum hv_storage_state st;

	if (res->failed) {
		st = res->store_error == -ENOSPC ? HV_STORAGE_FULL :
						   HV_STORAGE_ERROR;
		/* One line per change of state, not one per reading. */
		if (d->status.storage != st || !d->storage_error_logged)
			log_error_errno(res->store_error,
					"Failed to store measurement %s: %m (%s)",
					res->failed_id,
					hv_store_errmsg(d->store));
		d->storage_error_logged = true;
		d->status.storage = st;
		status_changed(d);
		return;
	}
	if ((res->stored || res->duplicates) &&
	    d->status.storage != HV_STORAGE_OK) {
		log_notice("Storage works again");
		d->status.storage = HV_STORAGE_OK;
		d->storage_error_logged = false;
		status_changed(d);
	}
}

/* After every call into ingest: the store's news out, the next deadline in. */
/* Devices heard go to the store together, at most once per
 * SEEN_FLUSH_USEC: a block of flats full of advertisers costs a
 * transaction every few seconds, not an fsync per advert. */
static int on_seen_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void seen_flush(struct daemon *d, uint64_t now)
{
	int r = hv_ingest_flush_seen(d->ingest);

	d->last_seen_flush = now;
	if (r < 0)
		log_debug_errno(r, "Failed to note the devices seen, next time: %m");
}

static void seen_schedule(struct daemon *d)
{
	uint64_t now = now_mono(), due = d->last_seen_flush + SEEN_FLUSH_USEC;

	if (!hv_ingest_seen_pending(d->ingest))
		return;
	if (!d->last_seen_flush || now >= due) {
		seen_flush(d, now);
		return;
	}
	if (timer_arm_at(d, &d->seen_timer, due, on_seen_timer) < 0)
		seen_flush(d, now);
}

static int on_seen_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	seen_flush(userdata, usec);
	return 0;
}

static void ingest_done(struct daemon *d, const struct hv_ingest_result *res)
{
	int r;

	storage_state(d, res);
	if (res->stored) {
		d->status.accepted += res->stored;
		d->status.last_reading_usec = now_mono();
		hv_led_reading_received(d->led);
		hv_mqtt_kick(d->mqtt);
		status_changed(d);
	}
	seen_schedule(d);
	r = timer_arm_at(d, &d->ingest_timer, res->next_usec, on_ingest_timer);
	if (r < 0)
		log_warning_errno(r, "Failed to arm the pipeline timer, the next frame will: %m");
}

static int on_ingest_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	struct hv_ingest_result res;
	struct hv_clock_sample now;
	int r;

	(void)s;
	(void)usec;
	clock_now(d, &now);
	r = hv_ingest_tick(d->ingest, &now, &res);
	if (r < 0) {
		log_warning_errno(r, "Pipeline deadline failed, retrying in a second: %m");
		res = (struct hv_ingest_result){ .next_usec = now.mono_usec +
							      USEC_PER_SEC };
	}
	ingest_done(d, &res);
	return 0;
}

/* Records an earlier run held for the wall clock: back in the pipeline, or
 * stored now when the clock is known. */
static void ingest_restore(struct daemon *d)
{
	struct hv_ingest_result res;
	struct hv_clock_sample now;
	int r;

	clock_now(d, &now);
	r = hv_ingest_restore(d->ingest, &now, &res);
	if (r < 0) {
		log_warning_errno(r, "Failed to read the records held before a stop, they stay in the store: %m");
		return;
	}
	ingest_done(d, &res);
}

/* --- frames in -------------------------------------------------------------------- */

/* An advert, a GATT value or a replayed frame: ingest it. Returns the
 * highest sequence number stored, -1 none, or -EIO when a record was not
 * stored (bluez.h: the session's sequence stops before it). */
static int ingest_frame(struct daemon *d, const struct hv_frame *frame,
			const struct hv_driver *driver)
{
	struct hv_ingest_result res;
	struct hv_clock_sample now;
	int r;

	clock_now(d, &now);
	r = hv_ingest_frame(d->ingest, frame, driver, &now, &res);
	if (r < 0) {
		log_debug_errno(r, "Pipeline refused a measurement from %s: %m",
				frame->address ? frame->address : "?");
		return -EIO;
	}
	ingest_done(d, &res);
	return res.failed ? -EIO : res.sequence_number;
}

static void on_advert(const struct hv_frame *frame, void *userdata)
{
	(void)ingest_frame(userdata, frame, NULL);
}

static int on_gatt_value(const struct hv_frame *frame,
			 const struct hv_driver *driver, void *userdata)
{
	return ingest_frame(userdata, frame, driver);
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

/* The secret the device handed over when it was paired, if one was kept. */
static void session_secret_load(struct daemon *d, const char *address,
				struct hv_session *s)
{
	size_t len = 0;
	int r;

	r = hv_store_device_secret_get(d->store, address, s->secret,
				       sizeof(s->secret), &len);
	if (r >= 0)
		s->secret_len = (uint8_t)len;
	else if (r != -ENOENT)
		log_warning_errno(r, "Cannot read the pairing secret of %s, connecting without it: %m (%s)",
				  address, hv_store_errmsg(d->store));
}

/* The secrets the administrator gave for the device (a Huawei Hagrid
 * scale's CAK, C1 and C2: docs/config.md "Bind keys"). */
static void session_device_secrets(struct daemon *d, const char *address,
				   struct hv_session *s)
{
	const uint8_t *k;
	size_t len = 0;

	k = hv_device_keys_find_secrets(d->keys, address, &len);
	if (!k || len != HV_DEVICE_SECRETS_MAX || len > sizeof(s->secrets))
		return;
	memcpy(s->secrets, k, len);
	s->secrets_len = (uint8_t)len;
}

/* A device paired on this connection: what it handed over is kept for
 * every later one. */
static void session_secret_keep(struct daemon *d, const char *address,
				const struct hv_driver *driver,
				const struct hv_session *s)
{
	struct hv_clock_sample now;
	int r;

	if (!s->secret_received || !s->secret_len ||
	    s->secret_len > sizeof(s->secret))
		return;
	clock_now(d, &now); /* when: for humans only, may be unknown */
	r = hv_store_device_secret_set(d->store, address,
				       driver ? driver->id : NULL, s->secret,
				       s->secret_len, now.wall_usec);
	if (r < 0)
		log_error_errno(r, "%s was paired, but its pairing secret cannot be kept: %m (%s); pair it again once the store is writable",
				address, hv_store_errmsg(d->store));
	else
		log_notice("%s paired: its secret is kept for the next connections",
			   address);
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
	session_secret_load(d, address, s);
	session_device_secrets(d, address, s);
	if (s->user_index >= 0 &&
	    hv_store_link_get(d->store, address, s->user_index, person_id,
			      &consent) >= 0) {
		if (consent >= 0)
			s->consent_code = (uint16_t)consent;
		if (hv_store_person_get(d->store, person_id, &person) >= 0)
			hv_person_profile(&person, s->now_unix, &s->profile);
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
	session_secret_keep(d, address, driver, s);
	if (s->user_registered && s->user_index >= 0) {
		log_notice("%s granted user slot %d (consent code %u); link it to a person with 'homevitals devices link'",
			   address, s->user_index, (unsigned)s->consent_code);
		(void)hv_store_link_set(d->store, address, s->user_index, NULL,
					s->consent_code);
	}
}

/* Read once: a device whose information is stored is not asked again. */
static bool on_device_info_wanted(const char *address, void *userdata)
{
	struct daemon *d = userdata;
	struct hv_dis dis;

	return hv_store_device_get_dis(d->store, address, &dis) == -ENOENT;
}

static void on_device_info(const char *address, const struct hv_dis *dis,
			   void *userdata)
{
	struct daemon *d = userdata;
	int r;

	r = hv_store_device_set_dis(d->store, address, dis);
	if (r < 0)
		log_warning_errno(r, "Failed to store the device information of %s: %s",
				  address, hv_store_errmsg(d->store));
	else
		log_info("%s: device information: %s %s, serial %s",
			 address, dis->value[HV_DIS_MANUFACTURER],
			 dis->value[HV_DIS_MODEL], dis->value[HV_DIS_SERIAL]);
}

static const struct hv_bluez_callbacks bluez_callbacks = {
	.device_info_wanted = on_device_info_wanted,
	.device_info = on_device_info,
	.advert = on_advert,
	.gatt_value = on_gatt_value,
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
	(void)ingest_frame(d, &f, driver_id ? hv_driver_by_id(driver_id) : NULL);
}

static void replay_finish(struct daemon *d)
{
	struct hv_ingest_result res;
	struct hv_clock_sample now;

	d->replay_done = true;
	clock_now(d, &now);
	if (hv_ingest_flush(d->ingest, &now, &res) >= 0)
		ingest_done(d, &res);
	log_info("Replay finished");
	status_changed(d); /* replay_check() then */
}

/* A replay ends when its last frame is stored and, with MQTT, published. */
static void replay_check(struct daemon *d)
{
	if (d->replay && d->replay_done &&
	    (!d->mqtt || d->status.backlog == 0))
		(void)sd_event_exit(d->event, 0);
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

	clock_now(d, &now);
	if (!now.wall_known)
		return;
	r = hv_store_prune_devices(d->store,
				   now.wall_usec - DEVICES_UNSEEN_DAYS * 86400 *
							   (int64_t)USEC_PER_SEC,
				   &deleted);
	if (r < 0)
		log_warning_errno(r, "Failed to forget devices unseen for long, ignoring: %m");
	else if (deleted)
		log_info("Forgot %llu devices unseen for %d days, never linked, nothing stored",
			 (unsigned long long)deleted, DEVICES_UNSEEN_DAYS);
	deleted = 0;
	if (!d->cfg.store.retention_days)
		return;
	r = hv_store_prune(d->store,
			   now.wall_usec - (int64_t)d->cfg.store.retention_days *
						   86400 * (int64_t)USEC_PER_SEC,
			   !d->cfg.mqtt.enabled, &deleted);
	if (r < 0)
		log_warning_errno(r, "Failed to prune old measurements, ignoring: %m");
	else if (deleted)
		log_info("Pruned %llu %s measurements older than %u days",
			 (unsigned long long)deleted,
			 d->cfg.mqtt.enabled ? "published" : "(no broker)",
			 d->cfg.store.retention_days);
}

static int on_prune_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;
	int r;

	(void)s;
	prune(d);
	r = timer_arm_at(d, &d->prune_timer, usec + PRUNE_INTERVAL_USEC,
			 on_prune_timer);
	if (r < 0)
		log_warning_errno(r, "Failed to arm the prune timer, old rows stay until restart: %m");
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *userdata)
{
	struct daemon *d = userdata;

	(void)s;
	(void)si;
	/* The CLI's nudge after a change in the store, the only one: the
	 * publisher reads everything queued since it last looked, so nudges
	 * that coalesced lose nothing. The configuration itself is read at
	 * start (restart to apply it: docs/config.md). */
	log_info("SIGHUP: rescanning the store");
	hv_mqtt_kick(d->mqtt);
	status_changed(d);
	return 0;
}

/* Another process committed (the CLI's corrections, whoever ran it):
 * publish what it queued, as on SIGHUP. */
static void store_written(void *userdata)
{
	struct daemon *d = userdata;

	log_info("The store was changed by another process: publishing what it queued");
	hv_mqtt_kick(d->mqtt);
	status_changed(d);
}

/* How often the loop woke up: an idle gateway should not (tests/integration
 * test_e2e_idle.sh asks). */
static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si,
		      void *userdata)
{
	struct daemon *d = userdata;
	uint64_t n = 0;

	(void)s;
	(void)si;
	(void)sd_event_get_iteration(d->event, &n);
	log_info("Event loop: %llu wakeups since start", (unsigned long long)n);
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
	struct hv_ingest_result res;
	struct hv_clock_sample now;

	if (d->ingest) {
		hv_clock_sample_now(d->cfg.time.assume_synchronised, &now);
		if (hv_ingest_flush(d->ingest, &now, &res) >= 0 && res.failed)
			log_error_errno(res.store_error,
					"Failed to store measurement %s at exit: %m",
					res.failed_id);
	}
	d->bluez = hv_bluez_free(d->bluez);
	d->mqtt = hv_mqtt_free(d->mqtt);
	d->led = hv_led_free(d->led);
	if (d->ingest)
		(void)hv_ingest_flush_seen(d->ingest);
	d->seen_timer = sd_event_source_disable_unref(d->seen_timer);
	d->store_watch = hv_store_watch_free(d->store_watch);
	d->ingest = hv_ingest_free(d->ingest);
	d->keys = hv_device_keys_free(d->keys);
	d->status.drivers = NULL;
	d->status.n_drivers = 0;
	d->status.audiences = NULL;
	d->status.n_audiences = 0;
	free(d->audiences);
	d->audiences = NULL;
	free(d->status_path);
	d->status_path = NULL;
	d->store = hv_store_close(d->store);
	d->ingest_timer = sd_event_source_disable_unref(d->ingest_timer);
	d->prune_timer = sd_event_source_disable_unref(d->prune_timer);
	d->status_flush = sd_event_source_disable_unref(d->status_flush);
	d->status_publish_timer =
		sd_event_source_disable_unref(d->status_publish_timer);
	d->loop_stats = sd_event_source_disable_unref(d->loop_stats);
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
	struct hv_mqtt_callbacks mqtt_cb = {
		.broker_changed = on_mqtt_broker,
		.audience_broker_changed = on_mqtt_audience_broker,
		.delivered = on_mqtt_delivered,
	};
	int r;

	r = hv_config_load(o->config_path, &d->cfg, &err, config_warning, d);
	if (r < 0) {
		log_error("%s: %s", o->config_path, err.message);
		return r;
	}
	r = hv_config_resolve_secrets(&d->cfg, &err);
	if (r >= 0)
		r = hv_device_keys_load(&d->cfg, &d->keys, &err);
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
	if (r >= 0)
		r = sd_event_add_signal(d->event, &d->loop_stats,
					SIGUSR1 | SD_EVENT_SIGNAL_PROCMASK,
					on_sigusr1, d);
	if (r < 0)
		return log_error_errno(r, "Failed to watch signals: %m");

	r = hv_store_open(d->cfg.store.path, 0, &d->store);
	if (r < 0)
		return log_error_errno(r, "Failed to open the store '%s': %m (%s)",
				       d->cfg.store.path, hv_store_errmsg(NULL));
	d->status.started_usec = now_mono();
	d->status.broker = d->cfg.mqtt.enabled ? HV_BROKER_CONNECTING :
						 HV_BROKER_DISABLED;
	r = audiences_status_new(d);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the status: %m");

	r = sd_event_add_defer(d->event, &d->status_flush, on_status_flush, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->status_flush, SD_EVENT_OFF);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the status: %m");

	r = hv_ingest_new(d->store, &d->cfg, NULL, &d->ingest);
	if (r < 0)
		return log_error_errno(r, "Failed to create the pipeline: %m");
	hv_ingest_set_device_keys(d->ingest, d->keys);
	if (hv_device_keys_count(d->keys))
		log_info("Bind keys for %zu device(s) with encrypted adverts",
			 hv_device_keys_count(d->keys));
	d->status.drivers =
		hv_ingest_driver_counters(d->ingest, &d->status.n_drivers);
	r = status_path_from_env(&d->status_path);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the status file: %m");

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
	r = hv_store_watch_new(d->event, d->cfg.store.path, d->store,
			       store_written, d, &d->store_watch);
	if (r < 0)
		log_warning_errno(r, "Cannot watch the store's folder, the CLI's corrections wait for SIGHUP or the next reading: %m");

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

	ingest_restore(d);

	/* The first prune at start, then daily. */
	r = timer_arm_at(d, &d->prune_timer, 1, on_prune_timer);
	if (r < 0)
		return log_error_errno(r, "Failed to start the prune timer: %m");
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
