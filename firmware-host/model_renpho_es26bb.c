// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Renpho ES-26BB-B, which keeps the weighings made with
 * no app connected and hands them over one at a time, each forgotten on
 * the app's acknowledgement. Written from openScale's RenphoES26BBHandler.kt
 * (oliexdev/openScale@f7a733b2), not from the gateway's driver:
 *
 *   service 0x1A10
 *     0x2A10  notify  the scale's frames
 *     0x2A11  write   the app's frames
 *
 * Frames 55 AA CC LH LL payload… SS (L u16 BE, SS the byte sum). The app's
 * start command (55 AA 90 00 04 01 00 00 00 94, fixed: `started`) is
 * answered with the result 10 (success) and the status 11 (power 1, unit
 * kg, precision 1, the number of kept records, battery 0); then the kept
 * records go out oldest first, each 15 (weight u32 BE 0.01 kg, R u16 BE
 * Ohm, seconds since the weighing u32 BE, one reserved byte), the next only
 * after 55 AA 95 00 01 01 96 (`record N acknowledged`, forgotten). A
 * weighing on a started link goes out live: 14 with status 00 (settling)
 * at 90 % of the weight, then 01 (final) with R. Any other frame is
 * ignored (`frame ignored: <hex> (<why>)`; the source says the scale
 * checks nothing more: ours).
 *
 * Fault "disconnect_after" N (ours): the link drops after the N-th record
 * of the first download is acknowledged.
 *
 * Device "records": [{ readings: body_weight, impedance; "age_s": seconds
 * before t=0 }]. Action "weigh" (readings): live on a started link, else
 * kept as a record (`keeps … kg`).
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

#define SVC 0x1A10
#define CHR_NOTIFY 0x2A10
#define CHR_WRITE 0x2A11
#define KEPT_MAX 16

struct es_record {
	double kg, ohm;
	int64_t when; /* host clock, Unix seconds */
};

struct es26bb {
	int disconnect_after; /* 0: none; first download only */
	bool first_download_done;
	unsigned acked; /* on this link */
	bool started;
	bool record_out;
	size_t n_kept;
	struct es_record kept[KEPT_MAX];
};

static const uint8_t start_cmd[] = { 0x55, 0xAA, 0x90, 0x00, 0x04,
				     0x01, 0x00, 0x00, 0x00, 0x94 };
static const uint8_t record_ack[] = { 0x55, 0xAA, 0x95, 0x00,
				      0x01, 0x01, 0x96 };

static int keep(struct es26bb *e, double kg, double ohm, int64_t when)
{
	if (e->n_kept == KEPT_MAX)
		return -ENOSPC;
	if (kg <= 0 || kg * 100 > UINT32_MAX || ohm < 0 || ohm > 65535)
		return -EINVAL;
	e->kept[e->n_kept++] = (struct es_record){ kg, ohm, when };
	return 0;
}

static int keep_json(struct vdev_device *d, struct es26bb *e, const cJSON *o,
		     int64_t when)
{
	const struct hv_reading *w, *z;
	struct hv_measurement m;
	int r;

	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	if (!w)
		return -EINVAL;
	return keep(e, w->value, z ? z->value : 0, when);
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct es26bb *e;
	const cJSON *o;
	int r;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	d->model_data = e;
	e->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(conf, "records")) {
		r = keep_json(d, e, o,
			      (int64_t)time(NULL) - vdev_conf_int(o, "age_s", 3600));
		if (r < 0)
			return r;
	}
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

/* 55 AA CC, the payload's length, the payload, the sum. */
static void send(struct vdev_device *d, uint8_t cc, const uint8_t *p, size_t n,
		 const char *what)
{
	uint8_t b[24] = { 0x55, 0xAA, cc, 0x00, (uint8_t)n };

	memcpy(b + 5, p, n);
	b[5 + n] = hv_sum8(b, 5 + n);
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), b, 6 + n, what);
}

static void send_record(struct vdev_device *d, struct es26bb *e)
{
	const struct es_record *r = &e->kept[0];
	int64_t age = (int64_t)time(NULL) - r->when;
	uint8_t p[11] = { 0 };

	hv_put_be32(p, (uint32_t)(r->kg * 100 + 0.5));
	hv_put_be16(p + 4, (uint16_t)(r->ohm + 0.5));
	hv_put_be32(p + 6, (uint32_t)(age < 0 ? 0 : age));
	e->record_out = true;
	send(d, 0x15, p, sizeof(p), "stored record");
}

static void start(struct vdev_device *d, struct es26bb *e)
{
	const uint8_t ok[1] = { 0x01 };
	uint8_t status[5] = { 0x01, 0x01, 0x01, (uint8_t)e->n_kept, 0x00 };

	e->started = true;
	e->acked = 0;
	vdev_print(d->vdev, d->id, "started: %zu kept records", e->n_kept);
	send(d, 0x10, ok, sizeof(ok), "result: success");
	send(d, 0x11, status, sizeof(status), "status");
	if (e->n_kept)
		send_record(d, e);
}

static const char *take_ack(struct vdev_device *d, struct es26bb *e)
{
	if (!e->record_out)
		return "no record out";
	e->record_out = false;
	memmove(&e->kept[0], &e->kept[1], (e->n_kept - 1) * sizeof(e->kept[0]));
	e->n_kept--;
	vdev_print(d->vdev, d->id, "record %u acknowledged", ++e->acked);
	if (!e->first_download_done && e->disconnect_after > 0 &&
	    e->acked == (unsigned)e->disconnect_after) {
		e->first_download_done = true;
		(void)vdev_queue_drop(d, "fault: disconnect_after");
		return NULL;
	}
	if (e->n_kept)
		send_record(d, e);
	else
		e->first_download_done = true;
	return NULL;
}

static int es_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct es26bb *e = d->model_data;
	const char *why = NULL;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len == sizeof(start_cmd) && memcmp(v, start_cmd, len) == 0)
		start(d, e);
	else if (len == sizeof(record_ack) && memcmp(v, record_ack, len) == 0)
		why = take_ack(d, e);
	else
		why = "unknown";
	if (why)
		vdev_print_ignored(d, v, len, why);
	return 0;
}

static void es_disconnected(struct vdev_device *d)
{
	struct es26bb *e = d->model_data;

	/* a record out but not acknowledged stays kept */
	e->started = false;
	e->record_out = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct es26bb *e = d->model_data;
	const struct hv_reading *w, *z;
	struct hv_measurement m;
	uint8_t p[7] = { 0x00 };
	int r;

	if (!e->started || !d->connected) {
		r = keep_json(d, e, ev, (int64_t)time(NULL));
		if (r < 0)
			return r;
		vdev_print(d->vdev, d->id, "keeps %.2f kg",
			   e->kept[e->n_kept - 1].kg);
		return 0;
	}
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	if (!w || w->value <= 0 || w->value * 100 > UINT32_MAX ||
	    (z && (z->value < 0 || z->value > 65535)))
		return -EINVAL;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", w->value);
	hv_put_be32(p + 1, (uint32_t)(w->value * 90 + 0.5));
	send(d, 0x14, p, sizeof(p), "live (settling)");
	p[0] = 0x01;
	hv_put_be32(p + 1, (uint32_t)(w->value * 100 + 0.5));
	hv_put_be16(p + 5, z ? (uint16_t)(z->value + 0.5) : 0);
	send(d, 0x14, p, sizeof(p), "live (final)");
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_renpho_es26bb = {
	.id = "renpho_es26bb",
	.default_driver = "renpho_es26bb",
	.init = init,
	.action = action,
	.write = es_write,
	.disconnected = es_disconnected,
	.free = vdev_model_free_data,
};
