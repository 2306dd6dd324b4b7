// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/basic/hashmap.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/ingest/assign.h"
#include "daemon/ingest/daily_total.h"
#include "daemon/ingest/ingest.h"
#include "daemon/ingest/mibeacon.h"
#include "daemon/ingest/line_join.h"
#include "daemon/ingest/minute_summary.h"
#include "daemon/ingest/wallclock.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define SEEN_MAX 256
#define DEVICE_SEEN_INTERVAL_USEC (60 * USEC_PER_SEC)

/* A device seen: what to write, and when it was last noted for writing. */
struct seen {
	struct hv_device_info info; /* info.address is the table's key */
	uint64_t at; /* mono; 0: a free entry */
	bool pending; /* waits for hv_ingest_flush_seen() */
};

struct hv_ingest {
	struct hv_store *store;
	const struct hv_config *cfg;
	struct hv_pipeline *pipeline;
	struct hv_daily_totals *daily; /* running day counters (daily_total.h) */
	struct hv_minute_summary *minutes; /* trackers' heart rate per minute */
	struct hv_line_join *lines; /* text streams (HV_DRIVER_LINES) */
	struct hv_driver_counters *drivers; /* hv_drivers_count of them */
	struct seen seen[SEEN_MAX];
	struct hv_hashmap *seen_by_address;
	size_t n_seen_pending;
	char boot_id[HV_BOOT_ID_MAX]; /* "": unknown, held rows not kept */
	size_t held_max;
	bool restored; /* the held rows of earlier runs are back */
	const struct hv_device_keys *keys; /* bind keys; NULL none */
	struct hv_mibeacon *mibeacon; /* replays, two-packet weigh-ins */
};

int hv_ingest_new(struct hv_store *store, const struct hv_config *cfg,
		  const struct hv_pipeline_settings *settings,
		  struct hv_ingest **ret)
{
	struct hv_ingest *in;
	int r;

	if (!store || !cfg)
		return -EINVAL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->drivers = calloc(hv_drivers_count ? hv_drivers_count : 1,
			     sizeof(*in->drivers));
	r = in->drivers ? hv_hashmap_new(&in->seen_by_address) : -ENOMEM;
	if (r >= 0)
		r = hv_pipeline_new(settings, &in->pipeline);
	if (r >= 0)
		r = hv_mibeacon_new(&in->mibeacon);
	if (r >= 0)
		r = hv_daily_totals_new(&in->daily);
	if (r >= 0)
		r = hv_minute_summary_new(&in->minutes);
	if (r >= 0)
		r = hv_line_join_new(&in->lines);
	if (r < 0) {
		hv_minute_summary_free(in->minutes);
		hv_daily_totals_free(in->daily);
		hv_mibeacon_free(in->mibeacon);
		hv_pipeline_free(in->pipeline);
		hv_hashmap_free(in->seen_by_address);
		free(in->drivers);
		free(in);
		return r;
	}
	in->store = store;
	in->cfg = cfg;
	in->held_max = settings && settings->pending_max ? settings->pending_max :
							     256;
	if (hv_boot_id(in->boot_id, sizeof(in->boot_id)) < 0)
		in->boot_id[0] = '\0';
	*ret = in;
	return 0;
}

struct hv_ingest *hv_ingest_free(struct hv_ingest *in)
{
	if (!in)
		return NULL;
	hv_pipeline_free(in->pipeline);
	hv_mibeacon_free(in->mibeacon);
	hv_daily_totals_free(in->daily);
	hv_minute_summary_free(in->minutes);
	hv_line_join_free(in->lines);
	hv_hashmap_free(in->seen_by_address);
	free(in->drivers);
	free(in);
	return NULL;
}

const struct hv_pipeline_stats *hv_ingest_pipeline_stats(const struct hv_ingest *in)
{
	return hv_pipeline_stats(in->pipeline);
}

const struct hv_driver_counters *
hv_ingest_driver_counters(const struct hv_ingest *in, size_t *ret_n)
{
	*ret_n = hv_drivers_count;
	return in->drivers;
}

int hv_ingest_driver_stats(const struct hv_ingest *in, size_t driver_index,
			   const struct hv_driver_counters **ret)
{
	if (driver_index >= hv_drivers_count)
		return -ERANGE;
	*ret = &in->drivers[driver_index];
	return 0;
}

/* --- body composition ----------------------------------------------------- */

static bool calendar_date(unsigned y, unsigned m, unsigned d)
{
	static const uint8_t days[] = { 31, 29, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	return m != 2 || d < 29 || leap;
}

double hv_age_years(const char *birth_date, int64_t now_s)
{
	unsigned y, m, d;
	int64_t born;
	int end = 0;

	if (!birth_date ||
	    sscanf(birth_date, "%4u-%2u-%2u%n", &y, &m, &d, &end) != 3 ||
	    end != 10 || birth_date[end] || !calendar_date(y, m, d))
		return 0;
	born = hv_days_from_civil(y, m, d) * 86400;
	return now_s > born ? (double)(now_s - born) / (365.2425 * 86400) : 0;
}

void hv_person_profile(const struct hv_person *p, int64_t now_s,
		       struct hv_profile *ret)
{
	*ret = (struct hv_profile){
		.height_m = p->height_m,
		.age_years = hv_age_years(p->birth_date, now_s),
		.sex = (enum hv_sex)p->sex,
	};
}

/* Derived readings of `from` (those with a method) appended to m. */
static int add_derived(struct hv_measurement *m,
		       const struct hv_measurement *from)
{
	int n = 0;

	for (size_t i = 0; i < from->n_readings; i++)
		if (from->readings[i].method && m->n_readings < HV_READINGS_MAX) {
			m->readings[m->n_readings++] = from->readings[i];
			n++;
		}
	return n;
}

int hv_ingest_derive(const struct hv_frame *raw, const struct hv_driver *driver,
		     const struct hv_profile *profile,
		     struct hv_measurement *m)
{
	struct hv_measurement decoded;
	struct hv_frame f;

	if (!hv_profile_complete(profile))
		profile = NULL;
	/* What the driver's decode kept is all its derive hook needs. */
	if (m->bia.valid || !raw)
		return hv_registry_derive(driver, m, profile, m);
	/* A measurement from elsewhere (a stored record): its frame decoded
	 * once, without a profile, for the inputs. */
	f = *raw;
	f.profile = NULL;
	(void)hv_registry_decode(&f, driver, &decoded);
	if (decoded.status != HV_STATUS_OK && driver)
		(void)hv_registry_decode(&f, NULL, &decoded);
	if (decoded.status != HV_STATUS_OK)
		return -EBADMSG;
	if (hv_registry_derive(NULL, &decoded, profile, &decoded) < 0)
		return -EBADMSG;
	(void)hv_registry_derive(NULL, m, NULL, m); /* the old ones go */
	return add_derived(m, &decoded);
}

/* --- assign → derive → store ----------------------------------------------- */

/* The person (docs/people.md): a linked user slot, else an adopted
 * device's person or the weight rule; nobody's for a device not adopted. */
static enum hv_assign_outcome assign(struct hv_ingest *in,
				     const struct hv_pipeline_record *o,
				     struct hv_record *r)
{
	enum hv_assign_outcome a;
	bool adopted_now;

	a = hv_assign_record(in->store, in->cfg, o->driver ? o->driver->id : "",
			     r, &adopted_now);
	if (adopted_now)
		log_info("Adopted %s, the first %s heard (assignment.adopt \"first\"); adopt others with 'homevitals devices adopt'",
			 r->device_address, o->driver->id);
	return a;
}

static void derive(const struct hv_pipeline_record *o, struct hv_record *r,
		   const struct hv_person *person)
{
	struct hv_profile profile;

	hv_person_profile(person, r->time_usec / 1000000, &profile);
	if (!hv_profile_complete(&profile))
		return;
	if (hv_ingest_derive(&o->frame, o->driver, &profile, &r->m) < 0)
		log_debug("No body composition for %s: its frame does not decode",
			  r->id);
}

/* A record the pipeline holds for the wall clock, kept in the store so a
 * stop or a crash does not lose it. */
static void keep_held(struct hv_ingest *in, const struct hv_pipeline_record *o)
{
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	struct hv_held_row row = { .rx_boot_usec = o->rx_mono };
	int k;

	if (!in->boot_id[0])
		return;
	(void)snprintf(row.boot_id, sizeof(row.boot_id), "%s", in->boot_id);
	(void)snprintf(row.address, sizeof(row.address), "%s", o->address);
	(void)snprintf(row.driver, sizeof(row.driver), "%s",
		       o->driver ? o->driver->id : "");
	k = hv_frame_to_json(&o->frame, &j);
	if (k >= 0) {
		row.frame_json = hv_json_print(j);
		k = row.frame_json ? hv_store_held_add(in->store, &row,
							in->held_max) :
				     -ENOMEM;
	}
	free(row.frame_json);
	if (k < 0)
		log_warning_errno(k, "Failed to keep a record from %s until the clock is known, it is held in memory only: %m",
				  o->address);
}

static void unkeep_held(struct hv_ingest *in,
			const struct hv_pipeline_record *o)
{
	int k = hv_store_held_remove(in->store, o->hold_key, in->boot_id,
				     o->address, o->rx_mono);

	/* Left behind, it is dated again at the next start: the same id,
	 * or (from another boot) an estimated copy. */
	if (k < 0)
		log_debug_errno(k, "Failed to drop the held copy of a stored record: %m");
}

/* What a row is: as decoded, a day's total, a minute's summary. */
enum row_kind {
	ROW_MEASUREMENT,
	ROW_DAY_TOTAL,
	ROW_MINUTE,
};

static void store_record(struct hv_ingest *in,
			 const struct hv_pipeline_record *o, struct hv_record *r,
			 enum row_kind kind, struct hv_ingest_result *res)
{
	struct hv_person person;
	enum hv_assign_outcome a;
	bool known;
	int k;

	a = assign(in, o, r);
	known = r->person[0] &&
		hv_store_person_get(in->store, r->person, &person) >= 0;
	if (known && kind == ROW_MEASUREMENT)
		derive(o, r, &person);
	k = kind == ROW_DAY_TOTAL ? hv_daily_total_store(in->store, r) :
				    hv_store_add(in->store, r);
	if (k < 0) {
		res->failed++;
		res->store_error = k;
		(void)snprintf(res->failed_id, sizeof(res->failed_id), "%s",
			       r->id);
		return;
	}
	if (r->m.sequence_number > res->sequence_number)
		res->sequence_number = r->m.sequence_number;
	if (o->was_held || o->hold_key)
		unkeep_held(in, o);
	if (k == 0) {
		res->duplicates++;
		return;
	}
	res->stored++;
	log_info("Stored measurement %s from %s (%s)%s%s%s", r->id,
		 r->device_address, r->device_model,
		 r->person[0] ? " for " : ", unassigned",
		 r->person[0] ? r->person : "",
		 a == HV_ASSIGN_NOT_ADOPTED ?
			 " (a device not adopted: homevitals devices adopt)" :
			 "");
}

/* A running day counter: one row per day, not one per value
 * (daily_total.h). */
static void store_daily(struct hv_ingest *in,
			const struct hv_pipeline_record *o,
			struct hv_ingest_result *res)
{
	struct hv_record r = o->record, final;
	int mask, k;

	/* after a restart: the day where the stored row left it */
	k = hv_daily_totals_restore(in->daily, in->store, &r);
	if (k < 0)
		log_warning_errno(k, "Failed to take up the stored day total of %s, counting from its next value: %m",
				  r.device_address);
	mask = hv_daily_total_record(in->daily, &r, &final);

	if (mask > 0 && (mask & HV_DAILY_STORE_FINAL))
		store_record(in, o, &final, ROW_DAY_TOTAL, res);
	if (mask > 0 && (mask & HV_DAILY_STORE))
		store_record(in, o, &r, ROW_DAY_TOTAL, res);
	else if (o->was_held || o->hold_key)
		unkeep_held(in, o);
}

/* A tracker's heart rate: one row per minute (minute_summary.h). */
static void store_minute(struct hv_ingest *in,
			 const struct hv_pipeline_record *o,
			 struct hv_ingest_result *res)
{
	struct hv_record done;

	if (hv_minute_summary_feed(in->minutes, &o->record, &done) > 0)
		store_record(in, o, &done, ROW_MINUTE, res);
	if (o->was_held || o->hold_key)
		unkeep_held(in, o);
}

/* Shutdown: day totals held back and open minutes are stored now. */
static void store_held_daily(struct hv_ingest *in, struct hv_ingest_result *res)
{
	static const struct hv_pipeline_record none;
	struct hv_record r;

	while (hv_daily_totals_take_held(in->daily, &r) > 0)
		store_record(in, &none, &r, ROW_DAY_TOTAL, res);
	while (hv_minute_summary_take_held(in->minutes, &r) > 0)
		store_record(in, &none, &r, ROW_MINUTE, res);
}

static void store_one(struct hv_ingest *in, const struct hv_pipeline_record *o,
		      struct hv_ingest_result *res)
{
	struct hv_record r = o->record;

	if (hv_daily_total_applies(&r.m))
		store_daily(in, o, res);
	else if (hv_minute_summary_applies(&r.m))
		store_minute(in, o, res);
	else
		store_record(in, o, &r, ROW_MEASUREMENT, res);
}

static void store_all(struct hv_ingest *in, const struct hv_pipeline_output *out,
		      struct hv_ingest_result *res)
{
	for (size_t i = 0; i < out->n_held; i++)
		keep_held(in, &out->held[i]);
	for (size_t i = 0; i < out->n_records; i++)
		store_one(in, &out->records[i], res);
	res->next_usec = out->next_usec;
}

static void result_init(struct hv_ingest_result *res)
{
	*res = (struct hv_ingest_result){ .sequence_number = -1,
					  .next_usec = UINT64_MAX };
}

/* --- frames in ---------------------------------------------------------------- */

static const struct hv_driver *configured_driver(const struct hv_config *cfg,
						 const char *address)
{
	for (size_t i = 0; address && i < cfg->bluetooth.n_devices; i++) {
		const struct hv_config_device *dev = &cfg->bluetooth.devices[i];

		if (dev->driver && dev->address &&
		    strcasecmp(dev->address, address) == 0)
			return hv_driver_by_id(dev->driver);
	}
	return NULL;
}

/* The store's device list, at most once a minute per device. */
int hv_ingest_flush_seen(struct hv_ingest *in)
{
	struct hv_device_info batch[SEEN_MAX];
	size_t n = 0;
	int r;

	if (!in->n_seen_pending)
		return 0;
	for (size_t i = 0; i < SEEN_MAX; i++)
		if (in->seen[i].pending)
			batch[n++] = in->seen[i].info;
	r = hv_store_devices_seen(in->store, batch, n);
	/* Written or not, start over: "seen" is worth a retry next interval,
	 * not a queue that grows while the disk is full. */
	for (size_t i = 0; i < SEEN_MAX; i++)
		in->seen[i].pending = false;
	in->n_seen_pending = 0;
	return r < 0 ? r : (int)n;
}

bool hv_ingest_seen_pending(const struct hv_ingest *in)
{
	return in->n_seen_pending > 0;
}

/* The entry for an address: found, a free one, or the least recently noted
 * (its pending write goes out first). */
static struct seen *seen_entry(struct hv_ingest *in, const char *address)
{
	struct seen *e = hv_hashmap_get(in->seen_by_address, address);
	size_t oldest = 0;

	if (e)
		return e;
	for (size_t i = 0; i < SEEN_MAX; i++) {
		if (!in->seen[i].at) {
			oldest = i;
			break;
		}
		if (in->seen[i].at < in->seen[oldest].at)
			oldest = i;
	}
	e = &in->seen[oldest];
	if (e->at) {
		if (e->pending)
			(void)hv_ingest_flush_seen(in);
		(void)hv_hashmap_remove(in->seen_by_address, e->info.address);
	}
	*e = (struct seen){ .info = { .battery = -1, .last_sequence = -1 } };
	(void)snprintf(e->info.address, sizeof(e->info.address), "%s", address);
	if (hv_hashmap_put(in->seen_by_address, e->info.address, e) < 0)
		return NULL;
	return e;
}

/* A device was heard: noted for the next batch at most once per interval
 * (hv_ingest_flush_seen(), which the daemon calls once per interval). */
static void note_device(struct hv_ingest *in, const struct hv_frame *f,
			const struct hv_measurement *m,
			const struct hv_clock_sample *now)
{
	struct seen *e = seen_entry(in, f->address);

	if (!e || e->pending ||
	    (e->at && now->mono_usec - e->at < DEVICE_SEEN_INTERVAL_USEC))
		return;
	e->at = now->mono_usec ? now->mono_usec : 1;
	(void)snprintf(e->info.driver, sizeof(e->info.driver), "%s",
		       m->driver ? m->driver : "");
	if (f->name)
		(void)snprintf(e->info.name, sizeof(e->info.name), "%s",
			       f->name);
	e->info.rssi = f->rssi;
	e->info.last_seen_usec = now->wall_usec;
	e->pending = true;
	in->n_seen_pending++;
}

static void count(struct hv_ingest *in, const struct hv_frame *f,
		  const struct hv_measurement *m, int driver_index,
		  enum hv_decode_outcome outcome)
{
	if (outcome == HV_OUTCOME_INVALID)
		/* Debug level: a scale repeats itself. */
		log_debug("Dropped a malformed frame from %s (%s): %s",
			  f->address ? f->address : "?",
			  m->driver ? m->driver : "?", m->error);
	if (driver_index >= 0 && (size_t)driver_index < hv_drivers_count)
		hv_driver_counters_note(&in->drivers[driver_index], outcome,
					m->error);
}

void hv_ingest_set_device_keys(struct hv_ingest *in,
			       const struct hv_device_keys *keys)
{
	in->keys = keys;
}

static int feed_pipeline(struct hv_ingest *in, const struct hv_frame *f,
			 const struct hv_driver *driver,
			 const struct hv_measurement *m,
			 const struct hv_clock_sample *now,
			 struct hv_ingest_result *res)
{
	struct hv_pipeline_output out;
	int r;

	r = hv_pipeline_feed(in->pipeline, f, driver, m, now, &out);
	if (r >= 0)
		store_all(in, &out, res);
	return r;
}

static int feed_mibeacon_out(struct hv_ingest *in,
			     const struct hv_mibeacon_out *mb,
			     const struct hv_clock_sample *now,
			     struct hv_ingest_result *res)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < mb->n; i++)
		r = feed_pipeline(in, &mb->v[i].frame,
				  hv_driver_by_id(mb->v[i].m.driver),
				  &mb->v[i].m, now, res);
	return r;
}

/* Into the pipeline, through the MiBeacon stage (daemon/ingest/mibeacon.h)
 * for the frames it is for. */
static int feed(struct hv_ingest *in, const struct hv_frame *f,
		const struct hv_driver *driver, const struct hv_measurement *m,
		const struct hv_clock_sample *now, struct hv_ingest_result *res)
{
	struct hv_mibeacon_out mb;
	int r;

	if (!hv_mibeacon_applies(m))
		return feed_pipeline(in, f, driver, m, now, res);
	r = hv_mibeacon_feed(in->mibeacon, f, m, now->mono_usec, &mb);
	return r < 0 ? r : feed_mibeacon_out(in, &mb, now, res);
}

/* First packets whose second never came go on alone (all, with flush). */
static int release_mibeacon(struct hv_ingest *in,
			    const struct hv_clock_sample *now, bool flush,
			    struct hv_ingest_result *res)
{
	struct hv_mibeacon_out mb;
	int r;

	do {
		hv_mibeacon_tick(in->mibeacon, now->mono_usec, flush, &mb);
		r = feed_mibeacon_out(in, &mb, now, res);
	} while (r >= 0 && mb.n);
	return r;
}

/* The MiBeacon stage's waits, after the pipeline's. */
static void next_with_mibeacon(struct hv_ingest *in,
			       struct hv_ingest_result *res)
{
	uint64_t t = hv_mibeacon_next_usec(in->mibeacon);

	if (t < res->next_usec)
		res->next_usec = t;
}

/* Decode once, through the pipeline, into the store. */
static int decode_and_store(struct hv_ingest *in, const struct hv_frame *f,
			    const struct hv_driver *driver,
			    const struct hv_clock_sample *now,
			    struct hv_ingest_result *res)
{
	struct hv_measurement m;
	enum hv_decode_outcome outcome;
	int driver_index, r;

	(void)hv_registry_decode_outcome(f, driver, &m, &driver_index,
					 &outcome);
	count(in, f, &m, driver_index, outcome);
	if (m.status == HV_STATUS_OK) {
		if (now->wall_known)
			note_device(in, f, &m, now);
		r = feed(in, f, m.driver ? hv_driver_by_id(m.driver) : driver,
			 &m, now, res);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A GATT value holding several measurements (a log packet): each one. */
static int decode_records(struct hv_ingest *in, const struct hv_frame *f,
			  const struct hv_driver *driver,
			  const struct hv_clock_sample *now,
			  struct hv_ingest_result *res)
{
	unsigned n = driver && driver->records && f->has_characteristic ?
			     driver->records(f) :
			     1;
	struct hv_frame one;
	int r;

	if (n <= 1)
		return decode_and_store(in, f, driver, now, res);
	one = *f;
	for (unsigned i = 0; i < n; i++) {
		one.record = i;
		r = decode_and_store(in, &one, driver, now, res);
		if (r < 0)
			return r;
	}
	return 0;
}

struct line_ctx {
	struct hv_ingest *in;
	const struct hv_driver *driver;
	const struct hv_clock_sample *now;
	struct hv_ingest_result *res;
	int r;
};

static void on_line(const struct hv_frame *line, void *userdata)
{
	struct line_ctx *c = userdata;
	int r = decode_and_store(c->in, line, c->driver, c->now, c->res);

	if (r < 0)
		c->r = r;
}

int hv_ingest_frame(struct hv_ingest *in, const struct hv_frame *frame,
		    const struct hv_driver *driver,
		    const struct hv_clock_sample *now,
		    struct hv_ingest_result *ret)
{
	struct hv_ingest_result res;
	struct hv_frame f = *frame;
	int r;

	if (!f.address)
		return -EINVAL;
	result_init(&res);
	res.next_usec = hv_pipeline_next_usec(in->pipeline, now);
	/* Derived readings come after assignment, never from the decoder. */
	f.profile = NULL;
	f.now = now->wall_usec / (int64_t)USEC_PER_SEC;
	f.key = hv_device_keys_find(in->keys, f.address);
	if (!driver)
		driver = configured_driver(in->cfg, f.address);
	if (driver && !driver->decode) {
		/* A driver that only converses: nothing to decode. */
		if (ret)
			*ret = res;
		return 0;
	}
	if (driver && (driver->flags & HV_DRIVER_LINES) && f.has_characteristic) {
		/* A chunk of a text stream: each line it ends is a frame. */
		struct line_ctx c = { in, driver, now, &res, 0 };

		r = hv_line_join_feed(in->lines, &f, on_line, &c);
		if (r >= 0)
			r = c.r;
	} else {
		r = decode_records(in, &f, driver, now, &res);
	}
	if (r < 0)
		return r;
	next_with_mibeacon(in, &res);
	if (ret)
		*ret = res;
	return 0;
}

/* One held row of an earlier run back into the pipeline. */
static void restore_one(struct hv_ingest *in, const struct hv_held_row *row,
			int64_t estimated_before_boot_usec,
			const struct hv_clock_sample *now,
			struct hv_ingest_result *res)
{
	_cleanup_(cJSON_Deletep) cJSON *j = cJSON_Parse(row->frame_json);
	const struct hv_driver *driver = hv_driver_by_id(row->driver);
	struct hv_pipeline_output out;
	struct hv_profile profile;
	struct hv_measurement m;
	const char *driver_id;
	struct hv_frame f;
	char err[HV_ERROR_MAX];
	int k;

	if (!j || hv_frame_from_json(j, &f, &profile, &driver_id, err,
				     sizeof(err)) < 0) {
		log_warning("Dropping a held record from %s: its frame does not parse",
			    row->address);
		(void)hv_store_held_remove(in->store, row->seq, NULL, NULL, 0);
		return;
	}
	f.address = row->address;
	f.profile = NULL;
	f.key = hv_device_keys_find(in->keys, f.address);
	(void)hv_registry_decode(&f, driver, &m);
	k = m.status == HV_STATUS_OK ?
		    hv_pipeline_restore(in->pipeline, &f,
					m.driver ? hv_driver_by_id(m.driver) :
						   driver,
					&m, row->rx_boot_usec,
					estimated_before_boot_usec, row->seq,
					now, &out) :
		    -EBADMSG;
	if (k < 0) {
		log_warning_errno(k, "Dropping a held record from %s: %m",
				  row->address);
		(void)hv_store_held_remove(in->store, row->seq, NULL, NULL, 0);
		return;
	}
	store_all(in, &out, res);
}

int hv_ingest_restore(struct hv_ingest *in, const struct hv_clock_sample *now,
		      struct hv_ingest_result *ret)
{
	struct hv_held_row *rows = NULL;
	struct hv_ingest_result res;
	size_t n = 0, earlier = 0, k = 0;
	int r;

	result_init(&res);
	if (!in->restored) {
		in->restored = true;
		r = hv_store_held_list(in->store, &rows, &n);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++)
		earlier += strcmp(rows[i].boot_id, in->boot_id) != 0;
	/* Rows of an earlier boot: their age is lost with that boot's clock.
	 * Kept in the order received, a second apart, just before this boot
	 * began (they cannot be later); their time source says "estimated". */
	for (size_t i = 0; i < n; i++) {
		bool other = strcmp(rows[i].boot_id, in->boot_id) != 0;

		restore_one(in, &rows[i],
			    other ? (int64_t)(earlier - k++) * (int64_t)USEC_PER_SEC :
				    0,
			    now, &res);
	}
	hv_held_rows_free(rows, n);
	res.next_usec = hv_pipeline_next_usec(in->pipeline, now);
	if (ret)
		*ret = res;
	return 0;
}

int hv_ingest_tick(struct hv_ingest *in, const struct hv_clock_sample *now,
		   struct hv_ingest_result *ret)
{
	struct hv_ingest_result res;
	struct hv_pipeline_output out;
	int r;

	result_init(&res);
	r = release_mibeacon(in, now, false, &res);
	if (r < 0)
		return r;
	r = hv_pipeline_tick(in->pipeline, now, &out);
	if (r < 0)
		return r;
	store_all(in, &out, &res);
	next_with_mibeacon(in, &res);
	if (ret)
		*ret = res;
	return 0;
}

int hv_ingest_flush(struct hv_ingest *in, const struct hv_clock_sample *now,
		    struct hv_ingest_result *ret)
{
	struct hv_ingest_result res;
	struct hv_pipeline_output out;
	int r;

	result_init(&res);
	r = release_mibeacon(in, now, true, &res);
	if (r < 0)
		return r;
	r = hv_pipeline_flush(in->pipeline, now, &out);
	if (r < 0)
		return r;
	store_all(in, &out, &res);
	store_held_daily(in, &res);
	if (ret)
		*ret = res;
	return 0;
}
