// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/ingest/pipeline.h"
#include "drivers/ieee11073.h"

#define DEVICES_MAX 64
#define NAME_MAX_LEN 64

/* A measurement kept across frames, with the frame it came from. */
struct held {
	bool valid;
	const struct hv_driver *driver;
	uint64_t rx_mono;
	/* Restored from a previous boot: its age is unknown, it is dated this
	 * long before the current boot began. 0: rx_mono is of this boot. */
	int64_t estimated_before_boot_usec;
	int64_t hold_key; /* hv_pipeline_restore()'s key; 0 none */
	bool was_held; /* waited for the wall clock */
	struct hv_measurement m;
	struct hv_frame frame;
	char name[NAME_MAX_LEN];
	char address[HV_ADDRESS_MAX];
};

enum weighin_state {
	WEIGHIN_IDLE,
	WEIGHIN_ACTIVE, /* someone is on the scale */
	WEIGHIN_LINGER, /* emitted; repeats of the value are ignored */
};

struct device {
	char address[HV_ADDRESS_MAX];
	uint64_t last_seen;
	enum weighin_state state;
	uint64_t last_frame;
	struct held candidate;
	double emitted_weight;
	uint64_t emitted_at;
	struct held partial; /* first packets of a multi-packet measurement */
	struct held awaiting; /* a measurement whose context frame follows */
	bool advert_emitted;
	uint64_t advert_emitted_at;
	struct hv_measurement advert_last;
};

/* What an evicted scale's slot remembers of its last weigh-in, so that its
 * repeats are still recognised (a clock-less scale's repeat would otherwise
 * get a new receive-time id). */
struct linger {
	char address[HV_ADDRESS_MAX];
	double weight;
	uint64_t emitted_at;
};

struct out_list {
	struct hv_pipeline_record *v;
	size_t n, cap;
};

struct hv_pipeline {
	struct hv_pipeline_settings settings;
	struct hv_pipeline_stats stats;
	struct device *devices[DEVICES_MAX];
	size_t n_devices;
	struct linger lingers[DEVICES_MAX];
	size_t next_linger; /* the slot overwritten next */
	struct held *pending;
	size_t n_pending;
	/* What the current feed/tick/flush emitted and newly held, handed
	 * back by it. */
	struct out_list out, held_out;
};

void hv_pipeline_settings_default(struct hv_pipeline_settings *ret)
{
	*ret = (struct hv_pipeline_settings){
		.session_quiet_usec = 10 * USEC_PER_SEC,
		.linger_usec = 90 * USEC_PER_SEC,
		.advert_interval_usec = 30 * USEC_PER_SEC,
		.advert_repeat_usec = 300 * USEC_PER_SEC,
		.packet_timeout_usec = 30 * USEC_PER_SEC,
		.context_timeout_usec = 5 * USEC_PER_SEC,
		.pending_max = 256,
		.stray_max_kg = 5.0,
		.clock_recheck_usec = 10 * USEC_PER_SEC,
		.device_clock_tolerance_usec = 600 * USEC_PER_SEC,
	};
}

int hv_pipeline_new(const struct hv_pipeline_settings *settings,
		    struct hv_pipeline **ret)
{
	struct hv_pipeline *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	hv_pipeline_settings_default(&p->settings);
	if (settings) {
		uint64_t recheck = p->settings.clock_recheck_usec;

		p->settings = *settings;
		/* Never zero: the daemon would spin while records are held. */
		if (!p->settings.clock_recheck_usec)
			p->settings.clock_recheck_usec = recheck;
	}
	*ret = p;
	return 0;
}

struct hv_pipeline *hv_pipeline_free(struct hv_pipeline *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_devices; i++)
		free(p->devices[i]);
	free(p->pending);
	free(p->out.v);
	free(p->held_out.v);
	free(p);
	return NULL;
}

const struct hv_pipeline_stats *hv_pipeline_stats(const struct hv_pipeline *p)
{
	return &p->stats;
}

/* FNV-1a, twice with different offsets, for 128 bits of id. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void hv_measurement_id(const char *driver, const char *address,
		       const char *event_key, char ret[HV_ID_MAX])
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	const char *parts[] = { driver ? driver : "", "|",
				address ? address : "", "|", event_key };

	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		a = fnv1a(a, parts[i]);
		b = fnv1a(b, parts[i]);
	}
	(void)snprintf(ret, HV_ID_MAX, "%016llx%016llx", (unsigned long long)a,
		       (unsigned long long)b);
}

static void held_set(struct held *h, const struct hv_driver *d,
		     const struct hv_frame *f, const struct hv_measurement *m,
		     uint64_t rx_mono)
{
	*h = (struct held){ .valid = true, .driver = d, .rx_mono = rx_mono };
	h->m = *m;
	h->frame = *f;
	h->frame.profile = NULL;
	(void)snprintf(h->name, sizeof(h->name), "%s", f->name ? f->name : "");
	(void)snprintf(h->address, sizeof(h->address), "%s",
		       f->address ? f->address : "");
	h->frame.name = f->name ? h->name : NULL;
	h->frame.address = h->address;
}

/* Pointers inside a copied held must be re-aimed at the copy. */
static void held_copy(struct held *dst, const struct held *src)
{
	*dst = *src;
	dst->frame.name = src->frame.name ? dst->name : NULL;
	dst->frame.address = dst->address;
}

static double weight_of(const struct hv_measurement *m)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);

	return w && w->absent == HV_ABSENT_NONE ? w->value : NAN;
}

static bool has_impedance(const struct hv_measurement *m)
{
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);

	return z && z->absent == HV_ABSENT_NONE && z->value > 0;
}

static bool same_weight(double a, double b)
{
	return !isnan(a) && !isnan(b) && fabs(a - b) < 0.101;
}

static void event_key(const struct hv_record *r, char *buf, size_t size)
{
	const struct hv_measurement *m = &r->m;
	double first = m->n_readings && m->readings[0].absent == HV_ABSENT_NONE ?
			       m->readings[0].value :
			       0;

	if (m->sequence_number >= 0)
		(void)snprintf(buf, size, "seq:%d", (int)m->sequence_number);
	else if (m->has_device_time)
		(void)snprintf(buf, size, "dev:%lld:%.3f",
			       (long long)hv_datetime_to_unix(&m->device_time),
			       first);
	else
		(void)snprintf(buf, size, "rx:%lld:%.3f",
			       (long long)(r->time_usec / 1000000), first);
}

static struct hv_pipeline_record *out_append(struct out_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct hv_pipeline_record *n = reallocarray(l->v, cap,
							    sizeof(*n));

		if (!n)
			return NULL;
		l->v = n;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

/* The record of a held measurement, without time or id. */
static struct hv_pipeline_record *record_of(struct out_list *l,
					    const struct held *h)
{
	struct hv_pipeline_record *o = out_append(l);

	if (!o)
		return NULL;
	*o = (struct hv_pipeline_record){ .driver = h->driver,
					  .frame = h->frame,
					  .rx_mono = h->rx_mono,
					  .hold_key = h->hold_key,
					  .was_held = h->was_held };
	(void)snprintf(o->name, sizeof(o->name), "%s", h->name);
	(void)snprintf(o->address, sizeof(o->address), "%s", h->address);
	o->record.m = h->m;
	return o;
}

static int64_t device_time_usec(const struct hv_datetime *dt,
				const struct hv_clock_sample *now);

/* Whether the record's connection read the device's clock against a
 * gateway clock worth comparing with: the value is handed on as it arrives,
 * so the wall clock known now was known at the read. */
static bool clock_read_usable(const struct held *h,
			      const struct hv_clock_sample *now)
{
	return h->frame.has_characteristic && h->frame.has_device_clock &&
	       now->wall_known && !now->replay;
}

/* The device's clock as read on the record's connection, if it was and
 * the record carries a device timestamp (one without is dated on receipt:
 * the read says nothing about it). */
static void note_clock_read(struct hv_record *r, const struct held *h,
			    const struct hv_clock_sample *now)
{
	const struct hv_frame *f = &h->frame;

	if (!clock_read_usable(h, now) ||
	    !(h->m.has_device_time || h->m.has_raw_device_time))
		return;
	r->has_clock_read = true;
	r->clock_read_gateway_usec = f->device_clock_read_usec;
	r->clock_read_fault = !hv_datetime_plausible(&f->device_clock, 0);
	if (!r->clock_read_fault)
		r->clock_read_device_usec =
			device_time_usec(&f->device_clock, now);
}

static int finish(struct hv_pipeline *p, const struct held *h,
		  const struct hv_clock_sample *now, int64_t time_usec,
		  const char *time_source)
{
	struct hv_pipeline_record *o = record_of(&p->out, h);
	struct hv_record *r;
	char key[96];

	if (!o) {
		/* Out of memory: counted, the others still go out. */
		p->stats.lost++;
		return 0;
	}
	r = &o->record;
	r->time_usec = time_usec;
	r->time_source = time_source;
	note_clock_read(r, h, now);
	r->m.final = true;
	(void)snprintf(r->device_address, sizeof(r->device_address), "%s",
		       h->address);
	(void)snprintf(r->device_model, sizeof(r->device_model), "%s",
		       h->driver ? h->driver->id : "unknown");
	event_key(r, key, sizeof(key));
	hv_measurement_id(r->device_model, r->device_address, key, r->id);
	p->stats.emitted++;
	return 0;
}

/* The records may have moved while the array grew: aim their pointers. */
static void out_settle(struct out_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct hv_pipeline_record *o = &l->v[i];

		o->frame.name = o->frame.name ? o->name : NULL;
		o->frame.address = o->address;
		o->record.raw = &o->frame;
	}
}

static void out_begin(struct hv_pipeline *p)
{
	p->out.n = 0;
	p->held_out.n = 0;
}

/* Hand back what the call emitted. */
static int out_end(struct hv_pipeline *p, int r,
		   const struct hv_clock_sample *now,
		   struct hv_pipeline_output *ret)
{
	if (r < 0)
		return r;
	out_settle(&p->out);
	out_settle(&p->held_out);
	if (ret)
		*ret = (struct hv_pipeline_output){
			.records = p->out.v,
			.n_records = p->out.n,
			.held = p->held_out.v,
			.n_held = p->held_out.n,
			.next_usec = hv_pipeline_next_usec(p, now),
		};
	return 0;
}

static int hold_pending(struct hv_pipeline *p, const struct held *h)
{
	if (!p->pending) {
		p->pending = calloc(p->settings.pending_max ?
					    p->settings.pending_max :
					    1,
				    sizeof(*p->pending));
		if (!p->pending)
			return -ENOMEM;
	}
	if (p->n_pending >= p->settings.pending_max) {
		/* Bounded by design: the oldest goes first, and is counted. */
		for (size_t i = 1; i < p->n_pending; i++)
			held_copy(&p->pending[i - 1], &p->pending[i]);
		p->n_pending--;
		p->stats.pending_dropped++;
	}
	held_copy(&p->pending[p->n_pending], h);
	p->pending[p->n_pending++].was_held = true;
	p->stats.pending = p->n_pending;
	/* Told to the caller, to keep where a stop cannot lose it; one it
	 * gave back (hold_key) is kept there already. */
	if (!h->hold_key && !record_of(&p->held_out, h))
		p->stats.lost++;
	return 0;
}

/* A device's local time in UTC, with the offset in force at that date. */
static int64_t device_time_usec(const struct hv_datetime *dt,
				const struct hv_clock_sample *now)
{
	if (now->zone_rules) {
		struct tm tm = {
			.tm_year = (int)dt->year - 1900,
			.tm_mon = dt->month - 1,
			.tm_mday = dt->day,
			.tm_hour = dt->hour,
			.tm_min = dt->minute,
			.tm_sec = dt->second,
			.tm_isdst = -1, /* the zone's rules decide */
		};
		time_t t = mktime(&tm);

		if (t != (time_t)-1)
			return (int64_t)t * (int64_t)USEC_PER_SEC;
	}
	return (hv_datetime_to_unix(dt) - now->utc_offset_s) *
	       (int64_t)USEC_PER_SEC;
}

static int64_t received_usec(const struct held *h,
			     const struct hv_clock_sample *now)
{
	return now->wall_usec - (int64_t)(now->mono_usec - h->rx_mono);
}

/* A GATT value is a record the device kept (its memory, RACP): its own
 * clock is the only witness of when it happened. An advert is live: a
 * plausible but never-set clock must not move it by hours. */
static bool device_clock_trusted(const struct hv_pipeline *p,
				 const struct held *h, int64_t device_usec,
				 const struct hv_clock_sample *now)
{
	int64_t diff;

	if (h->frame.has_characteristic || now->replay)
		return true;
	if (!now->wall_known || h->estimated_before_boot_usec)
		return false;
	diff = device_usec - received_usec(h, now);
	if (diff < 0)
		diff = -diff;
	return (uint64_t)diff <= p->settings.device_clock_tolerance_usec;
}

/* The gateway's wall clock minus the device's, as read on the connection a
 * stored record came on; false when not read or within the tolerance (the
 * device's clock is then taken as it is). */
static bool device_clock_offset(const struct hv_pipeline *p,
				const struct held *h,
				const struct hv_clock_sample *now,
				int64_t *ret_offset_usec)
{
	int64_t offset;

	if (!clock_read_usable(h, now) ||
	    !hv_datetime_plausible(&h->frame.device_clock, 0))
		return false;
	offset = h->frame.device_clock_read_usec -
		 device_time_usec(&h->frame.device_clock, now);
	if ((uint64_t)(offset < 0 ? -offset : offset) <=
	    p->settings.device_clock_tolerance_usec)
		return false;
	*ret_offset_usec = offset;
	return true;
}

/* Date a record: the device's clock when trusted (moved by the offset
 * measured on its connection), else the receive time (which needs the wall
 * clock: held until it is known). */
static int emit(struct hv_pipeline *p, const struct held *h,
		const struct hv_clock_sample *now)
{
	const struct hv_measurement *m = &h->m;

	if (m->has_device_time) {
		int64_t t = device_time_usec(&m->device_time, now);
		int64_t offset;

		if (device_clock_offset(p, h, now, &offset))
			return finish(p, h, now, t + offset,
				      HV_TIME_SOURCE_DEVICE_CORRECTED);
		if (device_clock_trusted(p, h, t, now))
			return finish(p, h, now, t, HV_TIME_SOURCE_DEVICE);
	}
	if (!now->wall_known)
		return hold_pending(p, h);
	if (h->estimated_before_boot_usec)
		return finish(p, h, now,
			      now->wall_usec - (int64_t)now->mono_usec -
				      h->estimated_before_boot_usec,
			      HV_TIME_SOURCE_ESTIMATED);
	return finish(p, h, now, received_usec(h, now),
		      HV_TIME_SOURCE_RECEIVED);
}

static void linger_save(struct hv_pipeline *p, const struct device *d)
{
	struct linger *l = &p->lingers[p->next_linger];

	(void)snprintf(l->address, sizeof(l->address), "%s", d->address);
	l->weight = d->emitted_weight;
	l->emitted_at = d->emitted_at;
	p->next_linger = (p->next_linger + 1) % ELEMENTSOF(p->lingers);
}

static void linger_restore(struct hv_pipeline *p, struct device *d,
			   const struct hv_clock_sample *now)
{
	for (size_t i = 0; i < ELEMENTSOF(p->lingers); i++) {
		struct linger *l = &p->lingers[i];

		if (!l->address[0] || strcmp(l->address, d->address) != 0)
			continue;
		if (now->mono_usec - l->emitted_at < p->settings.linger_usec) {
			d->state = WEIGHIN_LINGER;
			d->emitted_weight = l->weight;
			d->emitted_at = l->emitted_at;
		}
		l->address[0] = '\0';
	}
}

/* A slot is taken for another device: what it holds goes out as it is (a
 * weigh-in's value, a measurement still waiting for its context, the first
 * packets of a multi-packet one), and a lingering weigh-in is remembered. */
static void evict(struct hv_pipeline *p, struct device *d,
		  const struct hv_clock_sample *now)
{
	if (d->state == WEIGHIN_ACTIVE && d->candidate.valid) {
		d->emitted_weight = weight_of(&d->candidate.m);
		d->emitted_at = now->mono_usec;
		d->state = WEIGHIN_LINGER;
		(void)emit(p, &d->candidate, now);
	}
	if (d->awaiting.valid)
		(void)emit(p, &d->awaiting, now);
	if (d->partial.valid) {
		d->partial.m.more_packets = false;
		(void)emit(p, &d->partial, now);
	}
	if (d->state == WEIGHIN_LINGER &&
	    now->mono_usec - d->emitted_at < p->settings.linger_usec)
		linger_save(p, d);
}

static struct device *device_get(struct hv_pipeline *p, const char *address,
				 const struct hv_clock_sample *now)
{
	struct device *d;
	size_t oldest = 0;

	for (size_t i = 0; i < p->n_devices; i++) {
		if (strcmp(p->devices[i]->address, address) == 0)
			return p->devices[i];
		if (p->devices[i]->last_seen < p->devices[oldest]->last_seen)
			oldest = i;
	}
	if (p->n_devices == DEVICES_MAX) {
		d = p->devices[oldest];
		evict(p, d, now);
		memset(d, 0, sizeof(*d));
	} else {
		d = calloc(1, sizeof(*d));
		if (!d)
			return NULL;
		p->devices[p->n_devices++] = d;
	}
	(void)snprintf(d->address, sizeof(d->address), "%s", address);
	linger_restore(p, d, now);
	return d;
}

static int end_weighin(struct hv_pipeline *p, struct device *d,
		       const struct hv_clock_sample *now)
{
	int r = 0;

	if (d->candidate.valid) {
		d->emitted_weight = weight_of(&d->candidate.m);
		d->emitted_at = now->mono_usec;
		r = emit(p, &d->candidate, now);
		d->candidate.valid = false;
		d->state = WEIGHIN_LINGER;
	} else
		d->state = WEIGHIN_IDLE;
	return r;
}

/* The better of two final frames of one weigh-in: the one with impedance,
 * else the newer. */
static void take_candidate(struct device *d, const struct hv_driver *drv,
			   const struct hv_frame *f,
			   const struct hv_measurement *m, uint64_t rx)
{
	if (d->candidate.valid) {
		/* Keep the first stable frame unless a later one adds the
		 * impedance; the weigh-in happened when the weight settled. */
		if (has_impedance(&d->candidate.m) || !has_impedance(m))
			return;
		rx = d->candidate.rx_mono;
	}
	held_set(&d->candidate, drv, f, m, rx);
}

static int feed_scale_advert(struct hv_pipeline *p, struct device *d,
			     const struct hv_frame *f,
			     const struct hv_driver *drv,
			     const struct hv_measurement *m,
			     const struct hv_clock_sample *now)
{
	double w = weight_of(m);
	bool lingering = d->state == WEIGHIN_LINGER &&
			 now->mono_usec - d->emitted_at < p->settings.linger_usec;
	bool removed = m->has_load_removed && m->load_removed;

	if (m->subject == HV_SUBJECT_OBJECT) {
		p->stats.ignored_object++;
		return 0;
	}
	if (!m->final) {
		p->stats.ignored_live++;
		if (!removed && d->state != WEIGHIN_ACTIVE) {
			/* Someone stepped on: a new weigh-in. */
			d->state = WEIGHIN_ACTIVE;
			d->candidate.valid = false;
		}
		if (d->state == WEIGHIN_ACTIVE)
			d->last_frame = now->mono_usec;
		return 0;
	}
	if (d->state != WEIGHIN_ACTIVE) {
		if (lingering && same_weight(w, d->emitted_weight)) {
			p->stats.ignored_repeat++;
			return 0;
		}
		if (lingering && !isnan(w) && w < p->settings.stray_max_kg) {
			p->stats.ignored_stray++;
			return 0;
		}
		d->state = WEIGHIN_ACTIVE;
		d->candidate.valid = false;
	} else if (d->candidate.valid && !same_weight(w, weight_of(&d->candidate.m))) {
		if (!isnan(w) && w < p->settings.stray_max_kg) {
			p->stats.ignored_stray++;
			return 0;
		}
		/* A different person stepped on before the quiet time. */
		if (removed) {
			p->stats.ignored_stray++;
			return 0;
		}
		int r = end_weighin(p, d, now);

		if (r < 0)
			return r;
		d->state = WEIGHIN_ACTIVE;
	}
	take_candidate(d, drv, f, m, now->mono_usec);
	d->last_frame = now->mono_usec;
	return removed ? end_weighin(p, d, now) : 0;
}

static bool same_readings(const struct hv_measurement *a,
			  const struct hv_measurement *b)
{
	if (a->n_readings != b->n_readings)
		return false;
	for (size_t i = 0; i < a->n_readings; i++)
		if (a->readings[i].metric != b->readings[i].metric ||
		    a->readings[i].absent != b->readings[i].absent ||
		    a->readings[i].value != b->readings[i].value)
			return false;
	return true;
}

static int feed_other_advert(struct hv_pipeline *p, struct device *d,
			     const struct hv_frame *f,
			     const struct hv_driver *drv,
			     const struct hv_measurement *m,
			     const struct hv_clock_sample *now)
{
	struct held h;

	if (!m->final) {
		p->stats.ignored_live++;
		return 0;
	}
	uint64_t since = now->mono_usec - d->advert_emitted_at;

	if (d->advert_emitted &&
	    (since < p->settings.advert_interval_usec ||
	     (same_readings(&d->advert_last, m) &&
	      since < p->settings.advert_repeat_usec))) {
		p->stats.ignored_repeat++;
		return 0;
	}
	d->advert_emitted = true;
	d->advert_emitted_at = now->mono_usec;
	d->advert_last = *m;
	held_set(&h, drv, f, m, now->mono_usec);
	return emit(p, &h, now);
}

/* Glucose context (0x2A34) follows its measurement, same sequence number:
 * its context and flags join the measurement before it is kept. */
static bool is_context_for(const struct held *h, const struct hv_driver *drv,
			   const struct hv_measurement *m)
{
	return h->valid && h->driver == drv && !m->final &&
	       m->sequence_number >= 0 &&
	       m->sequence_number == h->m.sequence_number;
}

static int emit_awaiting(struct hv_pipeline *p, struct device *d,
			 const struct hv_clock_sample *now)
{
	if (!d->awaiting.valid)
		return 0;
	d->awaiting.valid = false;
	return emit(p, &d->awaiting, now);
}

static int feed_gatt(struct hv_pipeline *p, struct device *d,
		     const struct hv_frame *f, const struct hv_driver *drv,
		     const struct hv_measurement *m,
		     const struct hv_clock_sample *now)
{
	struct held h;
	int r;

	if (is_context_for(&d->awaiting, drv, m)) {
		struct hv_measurement *joined = &d->awaiting.m;

		for (size_t i = 0; i < m->n_context; i++)
			(void)hv_measurement_add_context(joined,
							 m->context_key[i],
							 m->context_value[i]);
		for (size_t i = 0; i < m->n_flags; i++)
			(void)hv_measurement_add_flag(joined, m->flags[i]);
		return emit_awaiting(p, d, now);
	}
	/* Anything else ends the wait: keep what we have. */
	r = emit_awaiting(p, d, now);
	if (r < 0)
		return r;

	if (m->more_packets) {
		if (d->partial.valid)
			p->stats.dropped_packets++;
		held_set(&d->partial, drv, f, m, now->mono_usec);
		return 0;
	}
	if (!m->final) {
		p->stats.ignored_live++;
		return 0;
	}
	held_set(&h, drv, f, m, now->mono_usec);
	if (d->partial.valid && d->partial.driver == drv) {
		/* Join: the first packets' readings come first. */
		struct hv_measurement joined = d->partial.m;

		for (size_t i = 0; i < m->n_readings; i++)
			if (!hv_measurement_find(&joined, m->readings[i].metric))
				(void)hv_measurement_add(&joined,
							 m->readings[i].metric,
							 m->readings[i].value);
		for (size_t i = 0; i < m->n_flags; i++)
			(void)hv_measurement_add_flag(&joined, m->flags[i]);
		if (!joined.has_device_time && m->has_device_time) {
			joined.has_device_time = true;
			joined.device_time = m->device_time;
		}
		if (joined.user_index < 0)
			joined.user_index = m->user_index;
		/* Body composition as the last packet's decode gives it. */
		joined.bia = m->bia;
		joined.more_packets = false;
		joined.final = true;
		h.m = joined;
		d->partial.valid = false;
	}
	if (h.m.sequence_number >= 0 &&
	    hv_measurement_has_flag(&h.m, "context_follows")) {
		held_copy(&d->awaiting, &h);
		return 0;
	}
	return emit(p, &h, now);
}

static int feed_one(struct hv_pipeline *p, const struct hv_frame *frame,
		    const struct hv_driver *driver,
		    const struct hv_measurement *m,
		    const struct hv_clock_sample *now)
{
	struct device *d;

	d = device_get(p, frame->address, now);
	if (!d)
		return -ENOMEM;
	d->last_seen = now->mono_usec;
	if (frame->has_characteristic)
		return feed_gatt(p, d, frame, driver, m, now);
	if (hv_measurement_find(m, HV_METRIC_BODY_WEIGHT) && driver &&
	    driver->kind == HV_DRIVER_KIND_SCALE)
		return feed_scale_advert(p, d, frame, driver, m, now);
	return feed_other_advert(p, d, frame, driver, m, now);
}

int hv_pipeline_feed(struct hv_pipeline *p, const struct hv_frame *frame,
		     const struct hv_driver *driver,
		     const struct hv_measurement *m,
		     const struct hv_clock_sample *now,
		     struct hv_pipeline_output *ret)
{
	if (!frame->address || m->status != HV_STATUS_OK)
		return -EINVAL;
	out_begin(p);
	return out_end(p, feed_one(p, frame, driver, m, now), now, ret);
}

static void next_deadline(uint64_t *next, uint64_t t)
{
	if (t < *next)
		*next = t;
}

uint64_t hv_pipeline_next_usec(const struct hv_pipeline *p,
			       const struct hv_clock_sample *now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device *d = p->devices[i];

		if (d->state == WEIGHIN_ACTIVE)
			next_deadline(&next, d->last_frame +
						     p->settings.session_quiet_usec);
		if (d->state == WEIGHIN_LINGER)
			next_deadline(&next,
				      d->emitted_at + p->settings.linger_usec);
		if (d->awaiting.valid)
			next_deadline(&next, d->awaiting.rx_mono +
						     p->settings.context_timeout_usec);
		if (d->partial.valid)
			next_deadline(&next, d->partial.rx_mono +
						     p->settings.packet_timeout_usec);
	}
	/* Nothing tells the pipeline when the clock becomes known: look
	 * again now and then, only while records wait for it. */
	if (p->n_pending)
		next_deadline(&next, now->mono_usec +
					     p->settings.clock_recheck_usec);
	return next;
}

static int tick_device(struct hv_pipeline *p, struct device *d,
		       const struct hv_clock_sample *now)
{
	int r = 0, k;

	if (d->state == WEIGHIN_ACTIVE &&
	    now->mono_usec >= d->last_frame + p->settings.session_quiet_usec)
		r = end_weighin(p, d, now);
	if (d->state == WEIGHIN_LINGER &&
	    now->mono_usec >= d->emitted_at + p->settings.linger_usec)
		d->state = WEIGHIN_IDLE;
	if (d->awaiting.valid &&
	    now->mono_usec >= d->awaiting.rx_mono +
				      p->settings.context_timeout_usec) {
		/* No context came: the measurement stands alone. */
		k = emit_awaiting(p, d, now);
		if (k < 0 && r == 0)
			r = k;
	}
	if (d->partial.valid &&
	    now->mono_usec >= d->partial.rx_mono +
				      p->settings.packet_timeout_usec) {
		d->partial.valid = false;
		p->stats.dropped_packets++;
	}
	return r;
}

static int release_pending(struct hv_pipeline *p,
			   const struct hv_clock_sample *now)
{
	size_t n = p->n_pending;
	int r = 0;

	if (!now->wall_known || !n)
		return 0;
	/* Date each held record by its age on the monotonic clock, or by a
	 * live device clock that agrees with it. */
	for (size_t i = 0; i < n; i++) {
		int k = emit(p, &p->pending[i], now);

		if (k < 0 && r == 0)
			r = k;
	}
	p->n_pending = 0;
	p->stats.pending = 0;
	return r;
}

int hv_pipeline_tick(struct hv_pipeline *p, const struct hv_clock_sample *now,
		     struct hv_pipeline_output *ret)
{
	int r = 0, k;

	out_begin(p);
	for (size_t i = 0; i < p->n_devices; i++) {
		k = tick_device(p, p->devices[i], now);
		if (k < 0 && r == 0)
			r = k;
	}
	k = release_pending(p, now);
	if (k < 0 && r == 0)
		r = k;
	return out_end(p, r, now, ret);
}

int hv_pipeline_flush(struct hv_pipeline *p, const struct hv_clock_sample *now,
		      struct hv_pipeline_output *ret)
{
	int r = 0;

	out_begin(p);
	for (size_t i = 0; i < p->n_devices; i++) {
		struct device *d = p->devices[i];
		int k = 0;

		if (d->state == WEIGHIN_ACTIVE)
			k = end_weighin(p, d, now);
		if (k >= 0)
			k = emit_awaiting(p, d, now);
		if (k < 0 && r == 0)
			r = k;
	}
	return out_end(p, r, now, ret);
}

int hv_pipeline_restore(struct hv_pipeline *p, const struct hv_frame *frame,
			const struct hv_driver *driver,
			const struct hv_measurement *m, uint64_t rx_mono,
			int64_t estimated_before_boot_usec, int64_t hold_key,
			const struct hv_clock_sample *now,
			struct hv_pipeline_output *ret)
{
	struct held h;
	int r;

	if (!frame->address || m->status != HV_STATUS_OK || hold_key <= 0 ||
	    estimated_before_boot_usec < 0)
		return -EINVAL;
	out_begin(p);
	held_set(&h, driver, frame, m, rx_mono);
	h.m.final = true;
	h.m.more_packets = false;
	h.estimated_before_boot_usec = estimated_before_boot_usec;
	h.hold_key = hold_key;
	r = emit(p, &h, now);
	return out_end(p, r, now, ret);
}
