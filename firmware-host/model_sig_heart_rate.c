// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Bluetooth SIG heart-rate strap (Heart Rate Service
 * 0x180D; layout in drivers/sig_heart_rate.c):
 *
 *   service 0x180D
 *     0x2A37 Heart Rate Measurement   notify   (frames from the driver)
 *     0x2A38 Body Sensor Location     read     uint8, 1 = chest
 *
 * Notifications go out only while a client is subscribed; samples taken
 * while nobody listens are lost, as on the real strap.
 * Action "measure": "readings" (one sample) or "series": [{readings}, …]
 * sent every "interval" seconds (1.0).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/vdev.h"

#define HRS 0x180D
#define HRM 0x2A37
#define BODY_SENSOR_LOCATION 0x2A38

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;

	(void)conf;
	s = vdev_add_service(d, HRS);
	if (!vdev_add_char(s, HRM, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, BODY_SENSOR_LOCATION, VDEV_CHAR_READ))
		return -ENOSPC;
	return 0;
}

static int hr_read(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		size_t size, size_t *ret_len)
{
	(void)d;
	if (!hv_uuid_is16(&c->uuid, BODY_SENSOR_LOCATION) || size < 1)
		return VDEV_ATT_READ_NOT_PERMITTED;
	buf[0] = 1;
	*ret_len = 1;
	return 0;
}

static void sample_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct hv_frame *f = arg;
	struct vdev_char *c = vdev_find_char(d, HRM);
	char hex[2 * HV_FRAME_DATA_MAX + 1];

	if (c && vdev_bus_delivers(d, c)) {
		(void)vdev_queue_notify(d, c, f->value, f->value_len, "");
		return;
	}
	vdev_hex(f->value, f->value_len, hex, sizeof(hex));
	vdev_print(v, d->id, "sample %s (nobody listening)", hex);
}

static int schedule(struct vdev_device *d, const cJSON *sample, double at)
{
	struct hv_measurement m;
	struct hv_frame *f;
	int r;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = vdev_hex_from_json(sample, f->value, sizeof(f->value));
	if (r >= 0) {
		f->value_len = (size_t)r;
		return vdev_after(d->vdev, d, at, sample_fn, f, free);
	}
	if (r == -ENOENT)
		r = vdev_measurement_from_json(d, sample, &m);
	if (r >= 0)
		r = vdev_encode(d, &m, HRM, f);
	if (r < 0) {
		free(f);
		return r;
	}
	return vdev_after(d->vdev, d, at, sample_fn, f, free);
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	const cJSON *series = cJSON_GetObjectItemCaseSensitive(ev, "series");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(ev, "interval");
	const cJSON *s;
	double interval = cJSON_IsNumber(o) ? o->valuedouble : 1.0, at = 0;
	int r;

	if (strcmp(what, "measure") != 0)
		return -EOPNOTSUPP;
	if (!cJSON_IsArray(series))
		return schedule(d, ev, 0);
	cJSON_ArrayForEach(s, series) {
		cJSON *wrap;

		if (cJSON_GetObjectItemCaseSensitive(s, "hex")) {
			r = schedule(d, s, at);
		} else {
			/* each entry is a readings object */
			wrap = cJSON_CreateObject();
			if (!wrap)
				return -ENOMEM;
			cJSON_AddItemReferenceToObject(wrap, "readings",
						       (cJSON *)s);
			r = schedule(d, wrap, at);
			cJSON_Delete(wrap);
		}
		if (r < 0)
			return r;
		at += interval;
	}
	return 0;
}

const struct vdev_model vdev_model_sig_heart_rate = {
	.id = "sig_heart_rate",
	.default_driver = "sig_heart_rate",
	.init = init,
	.action = action,
	.read = hr_read,
};
