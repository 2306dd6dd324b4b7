// SPDX-License-Identifier: MIT
/*
 * Firmware model: the LeFu scales on 0xFFF0 that take a user set-up (FE)
 * before they send a weighing: Excelvan CF36x ("Electronic Scale"), Hume
 * Dara 2.0, Lefu Body Pod 2 (layouts in drivers/excelvan_cf36x.c,
 * drivers/hume_dara2.c, drivers/bodypod2.c and drivers/lefu_ac_commands.h,
 * after openScale's ExcelvanCF36xHandler.kt, HumeDara2Handler.kt and
 * BodyPod2Handler.kt, oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFF0
 *     0xFFF1  write                 the user set-up
 *     0xFFF4  notify                weighing frames (the driver's encoder)
 *     0xFFF2  notify                (Body Pod 2 only: its fallback)
 *
 * The set-up is FE UU SS AA HH YY UN CS: user UU, sex SS (0/1), activity
 * AA (0..2), height HH cm, age YY, unit UN (1 kg, 2 lb, 4 st), CS the XOR
 * of [1..6]. The scale checks it: a wrong length, head, sex, activity,
 * unit or checksum, or a user other than the scale's own ("user", default
 * 1: openScale always writes 1), is ignored (`set-up ignored: <hex>
 * (<why>)`) and the scale sends nothing on that link. A set-up it takes
 * prints `set-up: user 1, male|female, activity A, H cm, Y y, kg|lb|st`;
 * a weighing then goes out on 0xFFF4 once it is subscribed: per driver,
 * Excelvan the one result frame; Dara two live frames then the locked
 * one; Body Pod 2 two live frames, the stable weight, then the
 * low-frequency impedance frame. Weighings made before a link takes a
 * set-up are kept for it (the scale measures whether or not a phone
 * listens).
 *
 * Scenario: "driver" (excelvan_cf36x default, hume_dara2, bodypod2),
 * "user". Action "weigh" (readings).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/record_queue.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_SETUP 0xFFF1
#define CHR_FALLBACK 0xFFF2
#define CHR_RESULT 0xFFF4
#define SETUP_LEN 8

/* How each scale sends one weighing. */
struct lefu_fe_kind {
	const char *driver;
	size_t n_live; /* settling frames before the final one(s) */
	bool weight_then_impedance; /* a stable weight, then the impedance */
};

static const struct lefu_fe_kind kinds[] = {
	{ "excelvan_cf36x", 0, false },
	{ "hume_dara2", 2, false },
	{ "bodypod2", 2, true },
};

struct lefu_fe {
	const struct lefu_fe_kind *kind;
	uint8_t user;
	bool set_up; /* this link's set-up was taken */
	struct vdev_pending pending;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct lefu_fe *l;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	d->model_data = l;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(d->driver->id, kinds[i].driver) == 0)
			l->kind = &kinds[i];
	if (!l->kind) {
		vdev_print(d->vdev, d->id,
			   "driver %s: not a LeFu FE scale (excelvan_cf36x, hume_dara2, bodypod2)",
			   d->driver->id);
		return -EINVAL;
	}
	l->user = (uint8_t)vdev_conf_int(conf, "user", 1);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_SETUP, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_RESULT, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	if (l->kind->weight_then_impedance &&
	    !vdev_add_char(s, CHR_FALLBACK, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return 0;
}

static void send_pending(struct vdev_device *d)
{
	struct lefu_fe *l = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_RESULT);

	if (!l->set_up || !vdev_bus_delivers(d, c))
		return;
	vdev_pending_send(d, c, &l->pending, "weighing", "result");
}

/* Why a set-up is not taken, or NULL. */
static const char *setup_fault(const struct lefu_fe *l, const uint8_t *v,
			       size_t len)
{
	uint8_t x = 0;

	if (len != SETUP_LEN)
		return "length";
	if (v[0] != 0xFE)
		return "not a set-up";
	for (size_t i = 1; i < SETUP_LEN - 1; i++)
		x ^= v[i];
	if (x != v[SETUP_LEN - 1])
		return "checksum";
	if (v[1] != l->user)
		return "another user";
	if (v[2] > 1)
		return "sex";
	if (v[3] > 2)
		return "activity";
	if (v[6] != 1 && v[6] != 2 && v[6] != 4)
		return "unit";
	return NULL;
}

static int lefu_fe_write(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *v, size_t len)
{
	struct lefu_fe *l = d->model_data;
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_SETUP))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = setup_fault(l, v, len);
	if (fault) {
		/* the write itself succeeds: the firmware drops the frame */
		vdev_hex(v, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "set-up ignored: %s (%s)", hex,
			   fault);
		return 0;
	}
	l->set_up = true;
	vdev_print(d->vdev, d->id, "set-up: user %u, %s, activity %u, %u cm, %u y, %s",
		   v[1], v[2] ? "male" : "female", v[3], v[4], v[5],
		   v[6] == 1 ? "kg" : v[6] == 2 ? "lb" : "st");
	send_pending(d);
	return 0;
}

static void lefu_fe_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	if (hv_uuid_is16(&c->uuid, CHR_RESULT))
		send_pending(d);
}

static void lefu_fe_disconnected(struct vdev_device *d)
{
	struct lefu_fe *l = d->model_data;

	l->set_up = false;
}

/* The weighing's frames, as this kind of scale sends them. */
static int weighing_frames(struct vdev_device *d, const cJSON *ev,
			   struct vdev_weighing *ret, double *ret_kg)
{
	static const double live[] = { 0.90, 0.97 };
	const struct lefu_fe_kind *k =
		((struct lefu_fe *)d->model_data)->kind;
	struct hv_measurement full, m;
	const struct hv_reading *w;
	int r;

	r = vdev_measurement_from_json(d, ev, &full);
	if (r < 0)
		return r;
	w = hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT);
	if (!w)
		return -EINVAL;
	ret->n = 0;
	for (size_t j = 0; j < k->n_live; j++) {
		m = full;
		m.final = false;
		m.n_readings = 0;
		(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT,
					 (int)(w->value * live[j] * 20) / 20.0);
		r = vdev_encode(d, &m, CHR_RESULT, &ret->f[ret->n++]);
		if (r < 0)
			return r;
	}
	full.final = true;
	if (k->weight_then_impedance) {
		m = full;
		m.n_readings = 0;
		(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, w->value);
		r = vdev_encode(d, &m, CHR_RESULT, &ret->f[ret->n++]);
		if (r < 0)
			return r;
	}
	r = vdev_encode(d, &full, CHR_RESULT, &ret->f[ret->n++]);
	if (r < 0)
		return r;
	*ret_kg = w->value;
	return 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct lefu_fe *l = d->model_data;
	struct vdev_weighing *w = vdev_pending_slot(&l->pending);
	double kg;
	int r;

	if (!w)
		return -ENOSPC;
	r = weighing_frames(d, ev, w, &kg);
	if (r < 0)
		return r;
	vdev_pending_keep(d, &l->pending, kg);
	send_pending(d);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_lefu_fe = {
	.id = "lefu_fe",
	.default_driver = "excelvan_cf36x",
	.init = init,
	.action = action,
	.write = lefu_fe_write,
	.subscribed = lefu_fe_subscribed,
	.disconnected = lefu_fe_disconnected,
	.free = vdev_model_free_data,
};
