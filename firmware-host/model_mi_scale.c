// SPDX-License-Identifier: MIT
/*
 * Firmware model: Xiaomi Mi Smart Scale (v1, 0x181D) and Mi Body Composition
 * Scale 2 (0x181B). Advertisement only: the scale puts its measurement in
 * service data and repeats it while someone stands on it (the frames come
 * from the driver's encoder; layouts in docs/drivers.md):
 *
 *   step on        a few unstable frames, the weight settling
 *   settled        the stable frame, repeated (impedance once measured)
 *   step off       the stable frame with "load removed", repeated
 *
 * Action "weigh": readings (body_weight, impedance …), optional "time"
 * (scale clock; default the host's local time), "unstable" (3), "stable"
 * (4), "removed" (3) frame counts and "interval" seconds (0.5).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware-host/vdev.h"

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(conf, "connectable");

	d->connectable = cJSON_IsTrue(c);
	return 0;
}

static void advert_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	(void)v;
	vdev_advertise(d, arg);
}

static void stop_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	(void)arg;
	vdev_print(v, d->id, "stops advertising");
	vdev_advert_stop(d);
}

static int schedule(struct vdev_device *d, double at,
		    const struct hv_measurement *m)
{
	struct hv_frame *f;
	int r;

	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = vdev_encode(d, m, 0, f);
	if (r < 0) {
		free(f);
		return r;
	}
	return vdev_after(d->vdev, d, at, advert_fn, f, free);
}

static void local_now(struct hv_datetime *ret)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	*ret = (struct hv_datetime){
		(uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1),
		(uint8_t)tm.tm_mday,	       (uint8_t)tm.tm_hour,
		(uint8_t)tm.tm_min,	       (uint8_t)tm.tm_sec,
	};
}

/* The measurement without body composition (impedance not measured yet). */
static void weight_only(const struct hv_measurement *full, double weight,
			struct hv_measurement *ret)
{
	*ret = *full;
	ret->n_readings = 0;
	(void)hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, weight);
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	const cJSON *o;
	struct hv_measurement full, m;
	const struct hv_reading *w;
	int unstable = 3, stable = 4, removed = 3, r;
	double interval = 0.5, at = 0;

	r = vdev_measurement_from_json(d, ev, &full);
	if (r < 0)
		return r;
	w = hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT);
	if (!w)
		return -EINVAL;
	if (!full.has_device_time) {
		local_now(&full.device_time);
		full.raw_device_time = full.device_time;
		full.has_device_time = full.has_raw_device_time = true;
	}
	o = cJSON_GetObjectItemCaseSensitive(ev, "unstable");
	if (cJSON_IsNumber(o))
		unstable = o->valueint;
	o = cJSON_GetObjectItemCaseSensitive(ev, "stable");
	if (cJSON_IsNumber(o))
		stable = o->valueint;
	o = cJSON_GetObjectItemCaseSensitive(ev, "removed");
	if (cJSON_IsNumber(o))
		removed = o->valueint;
	o = cJSON_GetObjectItemCaseSensitive(ev, "interval");
	if (cJSON_IsNumber(o) && o->valuedouble > 0)
		interval = o->valuedouble;
	o = cJSON_GetObjectItemCaseSensitive(ev, "person");
	vdev_print(d->vdev, d->id, "%s steps on: %.2f kg",
		   cJSON_IsString(o) ? o->valuestring : "someone", w->value);

	for (int i = 0; i < unstable; i++) {
		/* settling from below: 80 %, 90 %, … of the final weight */
		double frac = 0.8 + 0.2 * i / (unstable > 1 ? unstable : 2);

		weight_only(&full, (int)(w->value * frac * 20) / 20.0, &m);
		m.final = false;
		r = schedule(d, at, &m);
		if (r < 0)
			return r;
		at += interval;
	}
	for (int i = 0; i < stable; i++) {
		if (i == 0 && stable > 1)
			weight_only(&full, w->value, &m);
		else
			m = full;
		m.final = true;
		r = schedule(d, at, &m);
		if (r < 0)
			return r;
		at += interval;
	}
	for (int i = 0; i < removed; i++) {
		m = full;
		m.final = true;
		m.has_load_removed = m.load_removed = true;
		r = schedule(d, at, &m);
		if (r < 0)
			return r;
		at += interval;
	}
	return vdev_after(d->vdev, d, at, stop_fn, NULL, NULL);
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_mi_scale = {
	.id = "mi_scale",
	.default_driver = "xiaomi_mi_scale2",
	.init = init,
	.action = action,
};
