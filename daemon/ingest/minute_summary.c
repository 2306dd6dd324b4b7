// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ingest/minute_summary.h"
#include "daemon/ingest/pipeline.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"

#define USEC_PER_MINUTE 60000000LL

struct open_minute {
	bool used;
	int64_t minute; /* time_usec / 1 min */
	double sum;
	unsigned n;
	uint64_t age; /* for replacing the least recently fed */
	struct hv_record first; /* the template: device, person, driver */
};

struct hv_minute_summary {
	struct open_minute open[HV_MINUTE_KEYS_MAX];
	uint64_t clock;
};

int hv_minute_summary_new(struct hv_minute_summary **ret)
{
	struct hv_minute_summary *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

struct hv_minute_summary *hv_minute_summary_free(struct hv_minute_summary *s)
{
	free(s);
	return NULL;
}

bool hv_minute_summary_applies(const struct hv_measurement *m)
{
	const struct hv_driver *d = m->driver ? hv_driver_by_id(m->driver) : NULL;
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);

	if (!d || d->kind != HV_DRIVER_KIND_FITNESS_BAND || !hr ||
	    hr->absent != HV_ABSENT_NONE || m->n_readings != 1)
		return false;
	/* a tracker's own history (a ring's log) is summarised already */
	for (size_t i = 0; i < m->n_context; i++)
		if (strcmp(m->context_key[i], "period") == 0)
			return false;
	return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* The finished minute as one record. */
static void close_minute(const struct open_minute *o, struct hv_record *ret)
{
	char key[48];

	*ret = o->first;
	ret->raw = NULL;
	ret->m.readings[0].value = round(o->sum / o->n);
	(void)hv_measurement_add_context(&ret->m, "period", "PT1M");
	(void)snprintf(key, sizeof(key), "hr-minute:%lld", (long long)o->minute);
	hv_measurement_id(ret->m.driver, ret->device_address, key, ret->id);
	ret->time_usec = o->minute * USEC_PER_MINUTE;
	ret->m.has_device_time = false;
}

static struct open_minute *slot_for(struct hv_minute_summary *s,
				    const char *address)
{
	struct open_minute *oldest = &s->open[0];

	for (size_t i = 0; i < HV_MINUTE_KEYS_MAX; i++) {
		struct open_minute *o = &s->open[i];

		if (o->used && strcmp(o->first.device_address, address) == 0)
			return o;
		if (!o->used || (oldest->used && o->age < oldest->age))
			oldest = o;
	}
	return oldest;
}

int hv_minute_summary_feed(struct hv_minute_summary *s,
			   const struct hv_record *r, struct hv_record *ret_done)
{
	int64_t minute = floor_div(r->time_usec, USEC_PER_MINUTE);
	struct open_minute *o;
	int done = 0;

	if (!s || !hv_minute_summary_applies(&r->m))
		return -EINVAL;
	o = slot_for(s, r->device_address);
	if (o->used && (o->minute != minute ||
			strcmp(o->first.device_address, r->device_address))) {
		/* a later minute, or a slot taken over from another device */
		close_minute(o, ret_done);
		o->used = false;
		done = 1;
	}
	if (!o->used) {
		*o = (struct open_minute){ .used = true, .minute = minute,
					   .first = *r };
		o->first.raw = NULL;
	}
	o->sum += r->m.readings[0].value;
	o->n++;
	o->age = ++s->clock;
	return done;
}

int hv_minute_summary_take_held(struct hv_minute_summary *s,
				struct hv_record *ret)
{
	for (size_t i = 0; s && i < HV_MINUTE_KEYS_MAX; i++) {
		struct open_minute *o = &s->open[i];

		if (!o->used)
			continue;
		close_minute(o, ret);
		o->used = false;
		return 1;
	}
	return 0;
}
