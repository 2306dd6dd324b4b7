// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/ingest/mibeacon.h"
#include "drivers/xiaomi_s400.h"

struct beacon_device {
	char address[18]; /* "": a free slot */
	uint64_t last_heard;
	uint32_t counter; /* last accepted */
	bool held; /* a first packet waits for its second */
	uint32_t weighin;
	uint64_t held_at;
	struct hv_frame frame;
	struct hv_measurement m;
};

struct hv_mibeacon {
	struct hv_mibeacon_stats stats;
	/* Small: a linear search is enough. */
	struct beacon_device devices[HV_MIBEACON_DEVICES_MAX];
};

int hv_mibeacon_new(struct hv_mibeacon **ret)
{
	struct hv_mibeacon *mb = calloc(1, sizeof(*mb));

	if (!mb)
		return -ENOMEM;
	*ret = mb;
	return 0;
}

struct hv_mibeacon *hv_mibeacon_free(struct hv_mibeacon *mb)
{
	free(mb);
	return NULL;
}

bool hv_mibeacon_applies(const struct hv_measurement *m)
{
	return m->driver && strcmp(m->driver, "xiaomi_s400") == 0;
}

static void out_add(struct hv_mibeacon_out *out, const struct hv_frame *f,
		    const struct hv_measurement *m)
{
	if (out->n >= HV_MIBEACON_OUT_MAX)
		return; /* cannot happen: at most one release and one input */
	out->v[out->n].frame = *f;
	out->v[out->n].m = *m;
	out->n++;
}

/* The held first packet goes on alone: still a weigh-in, final. */
static void release(struct hv_mibeacon *mb, struct beacon_device *d,
		    struct hv_mibeacon_out *out)
{
	if (!d->held)
		return;
	d->held = false;
	d->m.more_packets = false;
	out_add(out, &d->frame, &d->m);
	mb->stats.alone++;
}

static struct beacon_device *device_get(struct hv_mibeacon *mb,
					const char *address,
					struct hv_mibeacon_out *out)
{
	struct beacon_device *oldest = &mb->devices[0];

	for (size_t i = 0; i < HV_MIBEACON_DEVICES_MAX; i++) {
		struct beacon_device *d = &mb->devices[i];

		if (d->address[0] && strcasecmp(d->address, address) == 0)
			return d;
		if (!d->address[0]) {
			oldest = d;
			break;
		}
		if (d->last_heard < oldest->last_heard)
			oldest = d;
	}
	/* A forgotten device's next frame is accepted whatever its counter:
	 * the bound on state costs at most one repeat per evicted device. */
	release(mb, oldest, out);
	memset(oldest, 0, sizeof(*oldest));
	(void)snprintf(oldest->address, sizeof(oldest->address), "%s", address);
	return oldest;
}

static void join(struct beacon_device *d, const struct hv_measurement *second,
		 struct hv_measurement *ret)
{
	*ret = d->m;
	for (size_t i = 0; i < second->n_readings; i++)
		if (!hv_measurement_find(ret, second->readings[i].metric))
			(void)hv_measurement_add(ret, second->readings[i].metric,
						 second->readings[i].value);
	ret->more_packets = false;
	ret->final = true;
}

int hv_mibeacon_feed(struct hv_mibeacon *mb, const struct hv_frame *frame,
		     const struct hv_measurement *m, uint64_t now,
		     struct hv_mibeacon_out *ret)
{
	struct hv_mibeacon_info info;
	struct beacon_device *d;
	struct hv_measurement joined;
	bool fresh;

	ret->n = 0;
	if (!frame->address)
		return -EINVAL;
	/* No measurement object (an idle advert): nothing to count or join. */
	if (hv_xiaomi_s400_info(frame, &info) < 0) {
		out_add(ret, frame, m);
		return 0;
	}
	d = device_get(mb, frame->address, ret);
	fresh = !d->last_heard;
	d->last_heard = now ? now : 1;
	if (!fresh && info.counter <= d->counter) {
		mb->stats.replayed++;
		return 0;
	}
	d->counter = info.counter;

	if (d->held && info.has_weighin && info.weighin == d->weighin &&
	    !hv_measurement_find(m, HV_METRIC_BODY_WEIGHT) &&
	    hv_measurement_find(m, HV_METRIC_IMPEDANCE_250KHZ)) {
		join(d, m, &joined);
		d->held = false;
		mb->stats.joined++;
		out_add(ret, &d->frame, &joined);
		return 0;
	}
	/* Anything else of this device ends the wait. */
	release(mb, d, ret);
	if (m->more_packets && info.has_weighin) {
		d->held = true;
		d->weighin = info.weighin;
		d->held_at = d->last_heard;
		d->frame = *frame;
		d->m = *m;
		return 0;
	}
	out_add(ret, frame, m);
	return 0;
}

void hv_mibeacon_tick(struct hv_mibeacon *mb, uint64_t now, bool flush,
		      struct hv_mibeacon_out *ret)
{
	ret->n = 0;
	for (size_t i = 0; i < HV_MIBEACON_DEVICES_MAX; i++) {
		struct beacon_device *d = &mb->devices[i];

		if (!d->held ||
		    (!flush && now < d->held_at + HV_MIBEACON_JOIN_USEC))
			continue;
		if (ret->n == HV_MIBEACON_OUT_MAX)
			return; /* the rest at the next tick, due at once */
		release(mb, d, ret);
	}
}

uint64_t hv_mibeacon_next_usec(const struct hv_mibeacon *mb)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < HV_MIBEACON_DEVICES_MAX; i++)
		if (mb->devices[i].held &&
		    mb->devices[i].held_at + HV_MIBEACON_JOIN_USEC < next)
			next = mb->devices[i].held_at + HV_MIBEACON_JOIN_USEC;
	return next;
}

const struct hv_mibeacon_stats *hv_mibeacon_stats(const struct hv_mibeacon *mb)
{
	return &mb->stats;
}
