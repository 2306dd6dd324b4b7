// SPDX-License-Identifier: MIT
/*
 * Firmware model: Medisana BS440 / BS444 (Transtek), a scale that pushes
 * the weighings it keeps once the phone sets its clock (layout in
 * drivers/medisana_bs4xx.c, after openScale's MedisanaBs44xHandler.kt,
 * oliexdev/openScale@f7a733b2, and the openScale wiki's Medisana BS444
 * page; keptenkurk/BS440's README: the scale hands over its last stored
 * sets on every connection):
 *
 *   service 0x78B2
 *     0x8A21  indicate   weight (the driver's encoder, 2010 epoch)
 *     0x8A22  indicate   feature: fat, water, muscle, bone
 *     0x8A81  write      the phone's command
 *     0x8A82  indicate   (not used here)
 *
 * Only 02 + u32 LE (its clock, seconds since 2010-01-01) starts the push
 * (`clock set to …`); any other command is ignored (`command ignored:
 * <hex>`). With 0x8A21 and 0x8A22 subscribed, every kept weighing goes out
 * as its weight indication, then its feature indication, oldest first; the
 * scale keeps them (the next link gets them again). A weighing on a
 * started link is indicated at once and kept too; otherwise only kept,
 * dated by the scale's clock (the host's, until one is set).
 *
 * Scenario: "records" (readings with "time", "user" 1..8), fault
 * "disconnect_after" N (the link drops after N indications of the first
 * push). Action "weigh" (readings, "user").
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0x78B2
#define CHR_WEIGHT 0x8A21
#define CHR_FEATURE 0x8A22
#define CHR_COMMAND 0x8A81
#define CHR_CUSTOM 0x8A82
#define EPOCH_2010 1262304000LL

struct medisana {
	int disconnect_after; /* 0 once the fault happened */
	bool started; /* this link set the clock */
	int64_t clock_offset; /* scale clock - host clock, s */
	/* the same weighings, as their two indications */
	struct vdev_records weights;
	struct vdev_records features;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct medisana *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	d->model_data = m;
	m->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WEIGHT, VDEV_CHAR_INDICATE) ||
	    !vdev_add_char(s, CHR_FEATURE, VDEV_CHAR_INDICATE) ||
	    !vdev_add_char(s, CHR_COMMAND, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_CUSTOM, VDEV_CHAR_INDICATE))
		return -ENOSPC;
	r = vdev_records_load(d, &m->weights, conf, CHR_WEIGHT);
	if (r < 0)
		return r;
	return vdev_records_load(d, &m->features, conf, CHR_FEATURE);
}

/* One weighing: its weight, then its feature; false once the fault hit. */
static bool send_weighing(struct vdev_device *d, struct medisana *m, size_t i,
			  unsigned *sent)
{
	struct vdev_char *cw = vdev_find_char(d, CHR_WEIGHT),
			 *cf = vdev_find_char(d, CHR_FEATURE);
	const struct vdev_record *rw = &m->weights.r[i], *rf = &m->features.r[i];
	char what[32];

	(void)snprintf(what, sizeof(what), "weight %u", rw->seq);
	(void)vdev_queue_notify(d, cw, rw->value, rw->len, what);
	if (m->disconnect_after > 0 && ++*sent == (unsigned)m->disconnect_after)
		goto drop;
	(void)snprintf(what, sizeof(what), "feature %u", rf->seq);
	(void)vdev_queue_notify(d, cf, rf->value, rf->len, what);
	if (m->disconnect_after > 0 && ++*sent == (unsigned)m->disconnect_after)
		goto drop;
	return true;
drop:
	m->disconnect_after = 0;
	(void)vdev_queue_drop(d, "fault: disconnect_after");
	return false;
}

static bool can_send(struct vdev_device *d, const struct medisana *m)
{
	return m->started && vdev_bus_delivers(d, vdev_find_char(d, CHR_WEIGHT)) &&
	       vdev_bus_delivers(d, vdev_find_char(d, CHR_FEATURE));
}

static void push_kept(struct vdev_device *d, struct medisana *m)
{
	unsigned sent = 0;

	if (!can_send(d, m))
		return;
	vdev_print(d->vdev, d->id, "pushes %zu kept weighings", m->weights.n);
	for (size_t i = 0; i < m->weights.n; i++)
		if (!send_weighing(d, m, i, &sent))
			return;
}

static int medisana_write(struct vdev_device *d, struct vdev_char *c,
			  const uint8_t *v, size_t len)
{
	struct medisana *m = d->model_data;
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	struct hv_datetime dt;
	int64_t t;

	if (!hv_uuid_is16(&c->uuid, CHR_COMMAND))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len != 5 || v[0] != 0x02) {
		vdev_hex(v, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "command ignored: %s", hex);
		return 0;
	}
	t = EPOCH_2010 + hv_le32(v + 1);
	m->clock_offset = t - (int64_t)time(NULL);
	m->started = true;
	hv_datetime_from_unix(t, &dt);
	vdev_print(d->vdev, d->id,
		   "clock set to %04u-%02u-%02u %02u:%02u (%+lld s)",
		   dt.year, dt.month, dt.day, dt.hour, dt.minute,
		   (long long)m->clock_offset);
	push_kept(d, m);
	return 0;
}

static void medisana_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	(void)c;
	/* a phone that set the clock first and subscribes after */
	if (((struct medisana *)d->model_data)->started)
		push_kept(d, d->model_data);
}

static void medisana_disconnected(struct vdev_device *d)
{
	struct medisana *m = d->model_data;

	m->started = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct medisana *m = d->model_data;
	struct hv_measurement meas;
	unsigned sent = 0;
	int i, r;

	r = vdev_measurement_from_json(d, ev, &meas);
	if (r < 0)
		return r;
	if (!meas.has_device_time) {
		hv_datetime_from_unix((int64_t)time(NULL) + m->clock_offset,
				      &meas.device_time);
		meas.has_device_time = true;
		meas.raw_device_time = meas.device_time;
		meas.has_raw_device_time = true;
	}
	if (m->weights.n == VDEV_RECORDS_MAX)
		return -ENOSPC;
	i = vdev_records_add(d, &m->weights, &meas, CHR_WEIGHT);
	if (i < 0)
		return i;
	r = vdev_records_add(d, &m->features, &meas, CHR_FEATURE);
	if (r < 0) {
		vdev_records_remove(&m->weights, (size_t)i);
		return r;
	}
	vdev_print(d->vdev, d->id, "steps on: weighing %u kept",
		   m->weights.r[i].seq);
	if (can_send(d, m))
		(void)send_weighing(d, m, (size_t)i, &sent);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_medisana_bs4xx = {
	.id = "medisana_bs4xx",
	.default_driver = "medisana_bs4xx",
	.init = init,
	.action = action,
	.write = medisana_write,
	.subscribed = medisana_subscribed,
	.disconnected = medisana_disconnected,
	.free = vdev_model_free_data,
};
