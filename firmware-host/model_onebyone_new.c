// SPDX-License-Identifier: MIT
/*
 * Firmware model: a 1byone "new" scale ("1byone scale"), which opens a
 * measurement on the app's weight request and hands over the weighings it
 * keeps as history entries. Written from openScale's OneByoneNewHandler.kt
 * (oliexdev/openScale@f7a733b2), not from the gateway's driver:
 *
 *   service 0xFFB0
 *     0xFFB1  write   the app's 20-byte commands
 *     0xFFB2  notify  the scale's 20-byte frames, AB 2A TT …
 *
 * The weight request: AB 2A, time u32 BE (the scale's clock from then on),
 * 00, unit, one user entry (slot, height cm, last weight, sex << 7 | age,
 * impedance), 00 00 00, D7, the sum of [2..18] less [14] (`weight request:
 * clock … (+N s), user S, H cm`); one of another form or sum is ignored
 * (`frame ignored: <hex> (<why>)`; ours, the source names no refusal).
 * Then every kept entry goes out, oldest first: AB 2A 00 t(u32 BE) 80
 * grams(u24 BE) … Z(u16 BE at [15]) (`history entry`). The source has no
 * command that clears them: they are sent again on every request. A
 * weighing on a requested link: AB 2A 80 grams(u24 BE) (the final weight),
 * then AB 2A 01 00 Z(u16 BE) (its impedance).
 *
 * Fault "disconnect_after" N (ours): the first requested link drops after
 * N history entries.
 *
 * Device "records": [{ readings: body_weight, impedance; "time": the
 * scale's clock }]. Action "weigh": live on a requested link, else kept as
 * a history entry dated by the scale's clock (`keeps … kg`).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFB0
#define CHR_WRITE 0xFFB1
#define CHR_NOTIFY 0xFFB2
#define FRAME 20
#define KEPT_MAX 16

struct obn_entry {
	uint32_t time; /* the scale's clock */
	uint32_t grams;
	uint16_t ohm;
};

struct onebyone_new {
	int disconnect_after;
	bool dropped_once;
	bool requested; /* this link sent a weight request */
	int64_t clock_offset; /* scale clock − host local clock */
	size_t n_kept;
	struct obn_entry kept[KEPT_MAX];
};

static int64_t host_local(void)
{
	time_t now = time(NULL);
	struct tm tm;

	(void)localtime_r(&now, &tm);
	return (int64_t)now + tm.tm_gmtoff;
}

static int entry_from_json(struct vdev_device *d, const cJSON *o,
			   struct obn_entry *ret, struct hv_measurement *m)
{
	const struct hv_reading *w, *z;
	int r;

	r = vdev_measurement_from_json(d, o, m);
	if (r < 0)
		return r;
	w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	if (!w || w->value <= 0 || w->value * 1000 > 0x3FFFF ||
	    (z && (z->value < 0 || z->value > 65535)))
		return -EINVAL;
	ret->grams = (uint32_t)(w->value * 1000 + 0.5);
	ret->ohm = z ? (uint16_t)(z->value + 0.5) : 0;
	return 0;
}

static int keep(struct onebyone_new *b, const struct obn_entry *e)
{
	if (b->n_kept == KEPT_MAX)
		return -ENOSPC;
	b->kept[b->n_kept++] = *e;
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct onebyone_new *b;
	struct hv_measurement m;
	struct obn_entry e;
	const cJSON *o;
	int r;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	d->model_data = b;
	b->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(conf, "records")) {
		r = entry_from_json(d, o, &e, &m);
		if (r < 0)
			return r;
		if (!m.has_device_time)
			return -EINVAL;
		e.time = (uint32_t)hv_datetime_to_unix(&m.device_time);
		r = keep(b, &e);
		if (r < 0)
			return r;
	}
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return 0;
}

static void notify(struct vdev_device *d, const uint8_t *f, const char *what)
{
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), f, FRAME,
				what);
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static void send_history(struct vdev_device *d, struct onebyone_new *b)
{
	for (size_t i = 0; i < b->n_kept; i++) {
		uint8_t f[FRAME] = { 0xAB, 0x2A, 0x00 };

		if (!b->dropped_once && b->disconnect_after > 0 &&
		    i == (size_t)b->disconnect_after) {
			b->dropped_once = true;
			(void)vdev_queue_drop(d, "fault: disconnect_after");
			return;
		}
		hv_put_be32(f + 3, b->kept[i].time);
		f[7] = 0x80;
		put24(f + 8, b->kept[i].grams);
		hv_put_be16(f + 15, b->kept[i].ohm);
		notify(d, f, "history entry");
	}
}

static const char *take_request(struct vdev_device *d, struct onebyone_new *b,
				const uint8_t *v, size_t len)
{
	struct hv_datetime dt;
	int64_t t;

	if (len != FRAME || v[0] != 0xAB || v[1] != 0x2A || v[18] != 0xD7)
		return "not a weight request";
	if ((uint8_t)(hv_sum8(v + 2, 17) - v[14]) != v[19])
		return "sum";
	t = hv_be32(v + 2);
	b->clock_offset = t - host_local();
	b->requested = true;
	hv_datetime_from_unix(t, &dt);
	vdev_print(d->vdev, d->id,
		   "weight request: clock %04u-%02u-%02u %02u:%02u (%+lld s), user %u, %u cm",
		   dt.year, dt.month, dt.day, dt.hour, dt.minute,
		   (long long)b->clock_offset, v[8], v[9]);
	send_history(d, b);
	return NULL;
}

static int obn_write(struct vdev_device *d, struct vdev_char *c,
		     const uint8_t *v, size_t len)
{
	struct onebyone_new *b = d->model_data;
	const char *why;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	why = take_request(d, b, v, len);
	if (why)
		vdev_print_ignored(d, v, len, why);
	return 0;
}

static void obn_disconnected(struct vdev_device *d)
{
	struct onebyone_new *b = d->model_data;

	b->requested = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct onebyone_new *b = d->model_data;
	struct hv_measurement m;
	struct obn_entry e;
	uint8_t f[FRAME] = { 0xAB, 0x2A, 0x80 };
	int r;

	r = entry_from_json(d, ev, &e, &m);
	if (r < 0)
		return r;
	if (!b->requested || !d->connected) {
		e.time = (uint32_t)(host_local() + b->clock_offset);
		r = keep(b, &e);
		if (r < 0)
			return r;
		vdev_print(d->vdev, d->id, "keeps %.2f kg", e.grams / 1000.0);
		return 0;
	}
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", e.grams / 1000.0);
	put24(f + 3, e.grams);
	notify(d, f, "final weight");
	memset(f + 2, 0, FRAME - 2);
	f[2] = 0x01;
	hv_put_be16(f + 4, e.ohm);
	notify(d, f, "impedance");
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_onebyone_new = {
	.id = "onebyone_new",
	.default_driver = "eufy_1byone",
	.init = init,
	.action = action,
	.write = obn_write,
	.disconnected = obn_disconnected,
	.free = vdev_model_free_data,
};
