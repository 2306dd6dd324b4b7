// SPDX-License-Identifier: MIT
/*
 * Firmware model: Etekcity ESF-551 (layout and sources in
 * drivers/etekcity.c):
 *
 *   service 0xFFF0
 *     0xFFF1  notify                          weight frames (from the driver)
 *     0xFFF2  write, write without response   unit command (printed)
 *
 * Action "weigh": readings; two live frames (90 % and 97 % of the weight,
 * no impedance) and the complete one ([20] = 1), notified at once while
 * 0xFFF1 is subscribed, else kept for the next subscription (the scale
 * measures whether or not a phone listens; keeping them lets a scenario
 * weigh before the gateway connects).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/record_queue.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_NOTIFY 0xFFF1
#define CHR_WRITE 0xFFF2
#define FRAMES_PER_WEIGH 3

struct esf551 {
	struct vdev_pending pending;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;

	(void)conf;
	d->model_data = calloc(1, sizeof(struct esf551));
	if (!d->model_data)
		return -ENOMEM;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR))
		return -ENOSPC;
	return 0;
}

static void send_pending(struct vdev_device *d)
{
	struct esf551 *e = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);

	if (!c || !vdev_bus_delivers(d, c))
		return;
	vdev_pending_send(d, c, &e->pending, "live", "complete");
}

static int esf551_write(struct vdev_device *d, struct vdev_char *c,
			const uint8_t *value, size_t len)
{
	char hex[2 * HV_FRAME_DATA_MAX + 1];

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	vdev_hex(value, len, hex, sizeof(hex));
	vdev_print(d->vdev, d->id, "command %s", hex);
	return 0;
}

static void esf551_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	if (hv_uuid_is16(&c->uuid, CHR_NOTIFY))
		send_pending(d);
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct esf551 *e = d->model_data;
	struct vdev_weighing *w = vdev_pending_slot(&e->pending);
	double kg;
	int r;

	if (!w)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, CHR_NOTIFY, w->f, FRAMES_PER_WEIGH, &kg);
	if (r < 0)
		return r;
	w->n = FRAMES_PER_WEIGH;
	vdev_pending_keep(d, &e->pending, kg);
	send_pending(d);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_etekcity_esf551 = {
	.id = "etekcity_esf551",
	.default_driver = "etekcity_esf551",
	.init = init,
	.action = action,
	.write = esf551_write,
	.subscribed = esf551_subscribed,
	.free = vdev_model_free_data,
};
