// SPDX-License-Identifier: MIT
/*
 * Firmware model: Robi S9 (layout and sources in drivers/lefu_icomon.c,
 * from openScale's RobiS9Handler):
 *
 *   service 0xFFB0
 *     0xFFB1  write           handshake frames (20 bytes, new framing)
 *     0xFFB2  notify          live A2 frames (none sent here)
 *     0xFFB3  indicate        the A3 final result (from the driver)
 *
 * The handshake is checked as far as one capture shows what the firmware
 * reads: eleven frames, SQ counting 00..0A, each with its mod-32 checksum,
 * of the types B0 B1 B1 B2 BD B1 B1 B2 B1 B0 B0, the B1 and B2 frames with
 * the token the scale was bound with ("token", 8 hex digits, default the
 * capture's AA1E55B2), 0xFFB3 subscribed by the end. Anything else:
 * "handshake refused" and the scale drops the link (openScale: it drops
 * the link unless it gets the captured handshake with 0xFFB3 subscribed).
 *
 * Action "weigh": readings (body_weight, heart_rate, impedance); the
 * final-result frame the lefu_icomon encoder makes is indicated on 0xFFB3
 * on an accepted link, kept until one otherwise.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFB0
#define CHR_WRITE 0xFFB1
#define CHR_LIVE 0xFFB2
#define CHR_RESULT 0xFFB3
#define PENDING_MAX 4
#define FRAMES 11

static const uint8_t frame_types[FRAMES] = { 0xB0, 0xB1, 0xB1, 0xB2, 0xBD, 0xB1,
					     0xB1, 0xB2, 0xB1, 0xB0, 0xB0 };

struct robi {
	uint8_t token[4];
	unsigned next; /* frames accepted on this link */
	bool refused;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, "token");
	const char *token = cJSON_IsString(o) ? o->valuestring : "aa1e55b2";
	struct vdev_service *s;
	struct robi *rb;

	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	d->model_data = rb;
	if (strlen(token) != 8)
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		int hi = hv_hex_digit(token[2 * i]), lo = hv_hex_digit(token[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		rb->token[i] = (uint8_t)(hi << 4 | lo);
	}
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_LIVE, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_RESULT, VDEV_CHAR_INDICATE))
		return -ENOSPC;
	return 0;
}

static bool accepted(const struct robi *rb)
{
	return rb->next == FRAMES;
}

static void send_pending(struct vdev_device *d)
{
	struct robi *rb = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_RESULT);

	if (!accepted(rb) || !c || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < rb->n_pending; i++)
		(void)vdev_queue_notify(d, c, rb->pending[i].value,
					rb->pending[i].value_len, "final result");
	rb->n_pending = 0;
}

/* Frame rb->next as the capture has it; the token where B1 and B2 carry
 * it ([11..14] and [5..8]). */
static bool frame_ok(const struct robi *rb, const uint8_t *v, size_t len)
{
	unsigned sum = 0;

	if (len != 20 || v[0] != rb->next || v[2] != 0x00 ||
	    v[3] != frame_types[rb->next])
		return false;
	for (size_t i = 3; i <= 18; i++)
		sum += v[i];
	if ((sum & 0x1F) != v[19])
		return false;
	if (v[3] == 0xB1)
		return v[1] == 0x10 && memcmp(v + 11, rb->token, 4) == 0;
	if (v[3] == 0xB2)
		return v[1] == 0x06 && memcmp(v + 5, rb->token, 4) == 0;
	return true;
}

static int robi_write(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *value, size_t len)
{
	struct robi *rb = d->model_data;
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	struct vdev_char *result = vdev_find_char(d, CHR_RESULT);

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (rb->refused || accepted(rb))
		return 0; /* ignored */
	if (!frame_ok(rb, value, len) ||
	    (rb->next + 1 == FRAMES && !vdev_bus_delivers(d, result))) {
		rb->refused = true;
		vdev_hex(value, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "handshake refused at frame %u: %s",
			   rb->next, hex);
		return vdev_queue_drop(d, "handshake refused");
	}
	if (++rb->next == FRAMES) {
		vdev_print(d->vdev, d->id, "handshake accepted");
		send_pending(d);
	}
	return 0;
}

static void robi_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	if (hv_uuid_is16(&c->uuid, CHR_RESULT))
		send_pending(d);
}

static void robi_disconnected(struct vdev_device *d)
{
	struct robi *rb = d->model_data;

	rb->next = 0;
	rb->refused = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct robi *rb = d->model_data;
	struct hv_measurement m;
	int r;

	if (rb->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	m.final = true; /* the encoder's A3 final-result frame */
	r = vdev_encode(d, &m, CHR_RESULT, &rb->pending[rb->n_pending]);
	if (r < 0)
		return r;
	rb->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg%s",
		   hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT)->value,
		   accepted(rb) ? "" : " (kept until a handshake is accepted)");
	send_pending(d);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_robi_s9 = {
	.id = "robi_s9",
	.default_driver = "lefu_icomon",
	.init = init,
	.action = action,
	.write = robi_write,
	.subscribed = robi_subscribed,
	.disconnected = robi_disconnected,
	.free = vdev_model_free_data,
};
