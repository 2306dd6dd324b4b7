// SPDX-License-Identifier: MIT
/*
 * Firmware model: Hoffen BBS-8107 / ProfiCare PC-PW 3008 BT (Chipsea
 * "WeChat scale"), a scale that acknowledges every command and is told
 * when its result arrived (layout in drivers/hoffen_bbs8107.c, after
 * openScale's HoffenBbs8107Handler.kt, oliexdev/openScale@f7a733b2, and
 * the Java handler it replaced, legacy/BluetoothHoffenBBS8107.java):
 *
 *   service 0xFFB0
 *     0xFFB2  notify, write   both directions: FA CC LL payload… CS
 *
 * The scale checks every frame: FA, LL the payload length, CS the XOR of
 * CC … the last payload byte (the Java handler's sum; "checksum":
 * "short" makes a firmware that wants the Kotlin port's, one byte less),
 * a known command. It takes the user (FA 85 04 00 SS AA HH: `user: male,
 * 44 y, 178 cm`) and the unit (FA 83 02 UU 00: `unit kg`), each answered
 * with an acknowledgement (FA 03 01 CC CS); once both are in, its
 * weighings go out (two live FA 01 frames, then the FA 02 result, from the
 * driver's encoder); FA 82 (`measurement received`) makes it power off
 * (the link drops). Anything else is ignored without an acknowledgement
 * (`frame ignored: <hex> (<why>)`).
 *
 * Action "weigh" (readings): sent once a link took user and unit, kept
 * until then.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFB0
#define CHR 0xFFB2
#define MAGIC 0xFA
#define CMD_ACK 0x03
#define CMD_DONE 0x82
#define CMD_UNIT 0x83
#define CMD_USER 0x85
#define PENDING_MAX 4

struct hoffen {
	bool short_checksum;
	bool user_set, unit_set; /* on this link */
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX][VDEV_WEIGH_FRAMES_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(conf, "checksum");
	struct vdev_service *s;
	struct hoffen *h;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	d->model_data = h;
	if (cs && !(cJSON_IsString(cs) && (strcmp(cs->valuestring, "short") == 0 ||
					   strcmp(cs->valuestring, "full") == 0))) {
		vdev_print(d->vdev, d->id, "\"checksum\": \"full\" or \"short\"");
		return -EINVAL;
	}
	h->short_checksum = cs && strcmp(cs->valuestring, "short") == 0;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR, VDEV_CHAR_NOTIFY | VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

static void send_pending(struct vdev_device *d, struct hoffen *h)
{
	struct vdev_char *c = vdev_find_char(d, CHR);

	if (!h->user_set || !h->unit_set || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < h->n_pending; i++)
		for (size_t j = 0; j < VDEV_WEIGH_FRAMES_MAX; j++)
			(void)vdev_queue_notify(d, c, h->pending[i][j].value,
						h->pending[i][j].value_len,
						j + 1 < VDEV_WEIGH_FRAMES_MAX ? "live" :
										"result");
	h->n_pending = 0;
}

static void send_ack(struct vdev_device *d, uint8_t cmd)
{
	uint8_t b[5] = { MAGIC, CMD_ACK, 0x01, cmd };

	b[4] = hv_xor8(b + 1, 3);
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR), b, sizeof(b),
				"acknowledged");
}

static const char *take_frame(struct vdev_device *d, struct hoffen *h,
			      const uint8_t *v, size_t len)
{
	size_t n;

	if (len < 4 || v[0] != MAGIC)
		return "not a frame";
	n = v[2];
	if (len != n + 4)
		return "length";
	if (hv_xor8(v + 1, h->short_checksum ? n + 1 : n + 2) != v[len - 1])
		return "checksum";
	switch (v[1]) {
	case CMD_USER:
		if (n != 4 || v[4] > 1)
			return "user";
		h->user_set = true;
		vdev_print(d->vdev, d->id, "user: %s, %u y, %u cm",
			   v[4] ? "male" : "female", v[5], v[6]);
		break;
	case CMD_UNIT:
		if (n != 2 || v[3] < 1 || v[3] > 3)
			return "unit";
		h->unit_set = true;
		vdev_print(d->vdev, d->id, "unit %s",
			   v[3] == 1 ? "kg" : v[3] == 2 ? "lb" : "st");
		break;
	case CMD_DONE:
		vdev_print(d->vdev, d->id, "measurement received: powers off");
		(void)vdev_queue_drop(d, "powers off");
		return NULL;
	default:
		return "unknown command";
	}
	send_ack(d, v[1]);
	send_pending(d, h);
	return NULL;
}

static int hoffen_write(struct vdev_device *d, struct vdev_char *c,
			const uint8_t *v, size_t len)
{
	struct hoffen *h = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_frame(d, h, v, len);
	if (fault)
		vdev_print_ignored(d, v, len, fault);
	return 0;
}

static void hoffen_disconnected(struct vdev_device *d)
{
	struct hoffen *h = d->model_data;

	h->user_set = false;
	h->unit_set = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct hoffen *h = d->model_data;
	double kg;
	int r;

	if (h->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, CHR, h->pending[h->n_pending],
			      VDEV_WEIGH_FRAMES_MAX, &kg);
	if (r < 0)
		return r;
	h->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", kg);
	send_pending(d, h);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_hoffen_bbs8107 = {
	.id = "hoffen_bbs8107",
	.default_driver = "hoffen_bbs8107",
	.init = init,
	.action = action,
	.write = hoffen_write,
	.disconnected = hoffen_disconnected,
	.free = vdev_model_free_data,
};
