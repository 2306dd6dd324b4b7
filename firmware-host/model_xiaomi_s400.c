// SPDX-License-Identifier: MIT
/*
 * Firmware model: Xiaomi Body Composition Scale S400 (and the S200/S800 by
 * "product_id"). Advertisement only, encrypted with the device's bind key
 * by the driver's encoder (hv_xiaomi_s400_encode(), drivers/xiaomi_s400.c).
 * A weigh-in, as the published frames show it:
 *
 *   packet 1   weight, heart rate, 50 kHz impedance (its own counter)
 *   packet 2   the 250 kHz impedance, same weigh-in id (next counter)
 *   step off   all zero (next counter)
 *
 * each advertised `repeat` times (the same frame: the gateway must take it
 * once), `interval` s apart; then advertising stops. Without an
 * impedance_250khz reading packet 2 is left out (as with socks, or as a
 * lost packet).
 *
 * Device keys: "bind_key" (32 hex digits, required: the scale's own key),
 * "product_id" (0x3BD5, an S400), "counter" (the first frame's counter, 1).
 * Action "weigh": readings, "user" (the profile id, 1), "weighin" (the
 * shared u32; default the host's Unix time), "repeat" (3), "interval" (0.5).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "drivers/xiaomi_s400.h"
#include "firmware-host/vdev.h"

struct s400 {
	uint8_t key[HV_BIND_KEY_LEN];
	uint16_t product_id;
	uint32_t counter;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(conf, "bind_key");
	struct s400 *s;
	unsigned x;

	d->connectable = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(conf, "connectable"));
	if (!cJSON_IsString(k) || strlen(k->valuestring) != 2 * HV_BIND_KEY_LEN)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < HV_BIND_KEY_LEN; i++) {
		if (sscanf(k->valuestring + 2 * i, "%2x", &x) != 1) {
			free(s);
			return -EINVAL;
		}
		s->key[i] = (uint8_t)x;
	}
	s->product_id = (uint16_t)vdev_conf_int(conf, "product_id",
						HV_S400_PID_MJTZC01YM);
	s->counter = (uint32_t)vdev_conf_int(conf, "counter", 1);
	d->model_data = s;
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

/* One packet, sealed with the next counter, advertised `repeat` times. */
static int packet(struct vdev_device *d, const struct hv_measurement *m,
		  uint32_t weighin, int repeat, double interval, double *at)
{
	struct s400 *s = d->model_data;
	struct hv_mibeacon_seal seal = {
		.key = s->key, .address = d->address,
		.product_id = s->product_id, .counter = s->counter++,
		.weighin = weighin,
	};
	struct hv_frame f;
	int r;

	r = hv_xiaomi_s400_encode(m, &seal, &f);
	if (r < 0) {
		vdev_print(d->vdev, d->id, "error: cannot encode: %s",
			   strerror(-r));
		return r;
	}
	for (int i = 0; i < repeat; i++) {
		struct hv_frame *copy = malloc(sizeof(*copy));

		if (!copy)
			return -ENOMEM;
		*copy = f;
		r = vdev_after(d->vdev, d, *at, advert_fn, copy, free);
		if (r < 0)
			return r;
		*at += interval;
	}
	return 0;
}

/* Only the readings of one packet. */
static void only(const struct hv_measurement *full, const enum hv_metric *keep,
		 size_t n, struct hv_measurement *ret)
{
	*ret = *full;
	ret->n_readings = 0;
	for (size_t i = 0; i < full->n_readings; i++)
		for (size_t k = 0; k < n; k++)
			if (full->readings[i].metric == keep[k])
				ret->readings[ret->n_readings++] =
					full->readings[i];
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	static const enum hv_metric first[] = { HV_METRIC_BODY_WEIGHT,
						HV_METRIC_HEART_RATE,
						HV_METRIC_IMPEDANCE };
	static const enum hv_metric second[] = { HV_METRIC_IMPEDANCE_250KHZ };
	struct hv_measurement full, m;
	const cJSON *o;
	double interval = 0.5, at = 0;
	uint32_t weighin = (uint32_t)time(NULL);
	int repeat = vdev_conf_int(ev, "repeat", 3), r;

	r = vdev_measurement_from_json(d, ev, &full);
	if (r < 0)
		return r;
	if (!hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT))
		return -EINVAL;
	if (full.user_index < 0)
		full.user_index = 1;
	o = cJSON_GetObjectItemCaseSensitive(ev, "interval");
	if (cJSON_IsNumber(o) && o->valuedouble > 0)
		interval = o->valuedouble;
	o = cJSON_GetObjectItemCaseSensitive(ev, "weighin");
	if (cJSON_IsNumber(o))
		weighin = (uint32_t)o->valuedouble;
	vdev_print(d->vdev, d->id, "steps on: %.1f kg (profile %d)",
		   hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT)->value,
		   full.user_index);

	only(&full, first, ELEMENTSOF(first), &m);
	r = packet(d, &m, weighin, repeat, interval, &at);
	if (r >= 0 && hv_measurement_find(&full, HV_METRIC_IMPEDANCE_250KHZ)) {
		only(&full, second, ELEMENTSOF(second), &m);
		r = packet(d, &m, weighin, repeat, interval, &at);
	}
	if (r >= 0) {
		only(&full, NULL, 0, &m);
		m.has_load_removed = m.load_removed = true;
		r = packet(d, &m, weighin, repeat, interval, &at);
	}
	if (r < 0)
		return r;
	return vdev_after(d->vdev, d, at, stop_fn, NULL, NULL);
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_xiaomi_s400 = {
	.id = "xiaomi_s400",
	.default_driver = "xiaomi_s400",
	.init = init,
	.action = action,
	.free = vdev_model_free_data,
};
