// SPDX-License-Identifier: MIT
/*
 * Firmware model: the Huawei AH100 / Honor CH100 / CH100S body-fat scale
 * (drivers/huawei_ah100.c has the layout and its sources):
 *
 *   service 0xFAA0
 *     0xFAA1  write   app → scale: DB/DC len op tail
 *     0xFAA2  notify  scale → app: BD/BC len op tail
 *
 * Every tail is XOR-ed with the device's address. On subscription the
 * scale sends its wake-up (BD 01 00); a token (0x24: 11 22 33 44 55 CK UU,
 * the seven XOR to zero) is accepted with BD 01 26 01, anything else
 * refused with BD 01 26 00; a bind (0x25) is answered BD 01 27 00. Unit
 * (0x02), clock (0x08), user (0x09), version (0x0C) and the measurement
 * acknowledgement (0x13) are noted. Weigh-ins made while authenticated go
 * out at once, the others after the next authentication: each as the
 * first half the driver's encoder makes (keyed with the address and the
 * authenticated user id) and a second half (BC 10 8E) no source reads.
 *
 * Settings: "refuse_first" (1: the first token is refused, so the client
 * must bind). Action "weigh": readings (body_weight, body_fat_percent,
 * impedance) and "time".
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/vdev.h"

#define HW_SERVICE 0xFAA0
#define HW_WRITE 0xFAA1
#define HW_NOTIFY 0xFAA2
#define HW_PENDING_MAX 4

struct hw {
	uint8_t mac[6];
	bool authorised;
	bool refuse_next;
	uint8_t uid;
	struct vdev_char *notify;
	size_t n_pending;
	struct hv_measurement pending[HW_PENDING_MAX];
};

static int parse_mac(const char *text, uint8_t mac[6])
{
	unsigned b[6];

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5]) != 6)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct hw *hw;

	hw = calloc(1, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	d->model_data = hw;
	if (parse_mac(d->address, hw->mac) < 0)
		return -EINVAL;
	hw->refuse_next = vdev_conf_int(conf, "refuse_first", 0) == 1;
	s = vdev_add_service(d, HW_SERVICE);
	if (!s || !vdev_add_char(s, HW_WRITE, VDEV_CHAR_WRITE))
		return -ENOSPC;
	hw->notify = vdev_add_char(s, HW_NOTIFY, VDEV_CHAR_NOTIFY);
	return hw->notify ? 0 : -ENOSPC;
}

static void unmask(const struct hw *hw, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= hw->mac[i % 6];
}

static void notify_plain(struct vdev_device *d, struct hw *hw, uint8_t op,
			 uint8_t data, const char *what)
{
	uint8_t v[4] = { 0xBD, 0x01, op, data };

	unmask(hw, v + 3, 1);
	(void)vdev_queue_notify(d, hw->notify, v, sizeof(v), what);
}

static void flush(struct vdev_device *d, struct hw *hw)
{
	static const uint8_t second[19] = { 0xBC, 0x10, 0x8E };

	if (!hw->authorised || !vdev_bus_delivers(d, hw->notify))
		return;
	for (size_t i = 0; i < hw->n_pending; i++) {
		struct hv_frame f = { .address = d->address, .quirks = hw->uid };

		if (vdev_encode(d, &hw->pending[i], HW_NOTIFY, &f) < 0)
			continue;
		(void)vdev_queue_notify(d, hw->notify, f.value, f.value_len,
					"measurement");
		(void)vdev_queue_notify(d, hw->notify, second, sizeof(second),
					"measurement, second half");
	}
	hw->n_pending = 0;
}

static bool token_ok(const uint8_t *t, size_t n)
{
	static const uint8_t head[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
	uint8_t x = 0;

	if (n != 7 || memcmp(t, head, sizeof(head)) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		x ^= t[i];
	return x == 0;
}

static void authenticate(struct vdev_device *d, struct hw *hw,
			 const uint8_t *t, size_t n)
{
	if (!token_ok(t, n) || hw->refuse_next) {
		hw->refuse_next = false;
		vdev_print(d->vdev, d->id, "authentication refused");
		notify_plain(d, hw, 0x26, 0x00, "auth refused");
		return;
	}
	hw->authorised = true;
	hw->uid = t[6];
	vdev_print(d->vdev, d->id, "authenticated user %u", hw->uid);
	notify_plain(d, hw, 0x26, 0x01, "auth accepted");
	flush(d, hw);
}

static int hw_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct hw *hw = d->model_data;
	uint8_t tail[HV_FRAME_DATA_MAX];
	size_t n;

	if (hv_uuid_to16(&c->uuid) != HW_WRITE)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len < 3 || (v[0] != 0xDB && v[0] != 0xDC))
		return VDEV_ATT_INVALID_LENGTH;
	n = len - 3;
	memcpy(tail, v + 3, n);
	if (v[0] == 0xDB)
		unmask(hw, tail, n);
	switch (v[2]) {
	case 0x24:
		authenticate(d, hw, tail, n);
		break;
	case 0x25:
		vdev_print(d->vdev, d->id, "bound");
		notify_plain(d, hw, 0x27, 0x00, "bound");
		break;
	case 0x02:
		vdev_print(d->vdev, d->id, "unit %s", n && tail[0] == 1 ? "kg" : "other");
		break;
	case 0x08:
		if (n == 8)
			vdev_print(d->vdev, d->id,
				   "clock set %04u-%02u-%02u %02u:%02u:%02u",
				   tail[0] | tail[1] << 8, tail[2], tail[3],
				   tail[4], tail[5], tail[6]);
		break;
	case 0x09:
		/* encrypted: the model notes it without opening it */
		vdev_print(d->vdev, d->id, "user information (%zu bytes)", n);
		break;
	case 0x13:
		vdev_print(d->vdev, d->id, "measurement acknowledged");
		break;
	default:
		break;
	}
	return 0;
}

static void subscribed(struct vdev_device *d, struct vdev_char *c)
{
	struct hw *hw = d->model_data;

	if (c == hw->notify)
		notify_plain(d, hw, 0x00, 0x00, "wake-up");
}

static void disconnected(struct vdev_device *d)
{
	struct hw *hw = d->model_data;

	hw->authorised = false;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct hw *hw = d->model_data;
	struct hv_measurement *m;
	int r;

	if (strcmp(what, "weigh") != 0)
		return -EOPNOTSUPP;
	if (hw->n_pending == HW_PENDING_MAX)
		return -ENOSPC;
	m = &hw->pending[hw->n_pending];
	r = vdev_measurement_from_json(d, ev, m);
	if (r < 0)
		return r;
	m->final = true;
	hw->n_pending++;
	vdev_print(d->vdev, d->id, "weighed (%zu waiting)", hw->n_pending);
	flush(d, hw);
	return 0;
}

const struct vdev_model vdev_model_huawei_scale = {
	.id = "huawei_scale",
	.default_driver = "huawei_ah100",
	.init = init,
	.action = action,
	.write = hw_write,
	.subscribed = subscribed,
	.disconnected = disconnected,
	.free = vdev_model_free_data,
};
