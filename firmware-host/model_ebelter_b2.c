// SPDX-License-Identifier: MIT
/*
 * Firmware model: Belter / Ebelter "Body Fat-B2" (EF-916B4), a scale that
 * weighs for the app only after its two handshake frames (layout in
 * drivers/ebelter_b2.c, after openScale's EbelterBodyFatB2Handler.kt,
 * oliexdev/openScale@f7a733b2, itself from nRF Connect captures):
 *
 *   service 0xFAA0
 *     0xFAA1  write    the app's handshake
 *     0xFAA2  notify   status 8D 01, results 8D 11 (the driver's encoder)
 *
 * Once 0xFAA2 is subscribed the scale sends its status (8D 01). It checks
 * the two handshake frames byte for byte against the capture's (AB 09 98
 * …, then AB 0E 99 …; "second" (hex) makes a firmware that wants another
 * second frame); anything else, or out of order, is refused (`handshake
 * refused at frame N: <hex>`) and nothing is sent on that link. Accepted
 * (`handshake accepted`), its weighings go out as result frames.
 *
 * Action "weigh" (readings): sent on an accepted link, kept until then.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFAA0
#define CHR_WRITE 0xFAA1
#define CHR_NOTIFY 0xFAA2
#define PENDING_MAX 4

static const uint8_t capture1[] = { 0xAB, 0x09, 0x98, 0xFC, 0x12, 0x17,
				    0x11, 0x18, 0x0A, 0x27, 0x14 };
static const uint8_t capture2[] = { 0xAB, 0x0E, 0x99, 0x06, 0x15, 0x14,
				    0x42, 0x14, 0x8B, 0xBC, 0x0A, 0xA6,
				    0x11, 0xBD, 0x12, 0xE9, 0xEA };

struct ebelter {
	uint8_t second[sizeof(capture2)];
	unsigned frames; /* handshake frames taken on this link */
	bool refused;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX];
};

/* "second": another second frame, 17 bytes of hex (spaces allowed). */
static int parse_second(const cJSON *conf, uint8_t out[sizeof(capture2)])
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, "second");
	size_t n = 0;

	if (!o) {
		memcpy(out, capture2, sizeof(capture2));
		return 0;
	}
	if (!cJSON_IsString(o))
		return -EINVAL;
	for (const char *p = o->valuestring; *p;) {
		int hi, lo;

		if (*p == ' ') {
			p++;
			continue;
		}
		hi = hv_hex_digit(p[0]);
		lo = p[1] ? hv_hex_digit(p[1]) : -1;
		if (hi < 0 || lo < 0 || n == sizeof(capture2))
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	return n == sizeof(capture2) ? 0 : -EINVAL;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct ebelter *e;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	d->model_data = e;
	if (parse_second(conf, e->second) < 0) {
		vdev_print(d->vdev, d->id, "\"second\": 17 bytes of hex");
		return -EINVAL;
	}
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return 0;
}

static void send_pending(struct vdev_device *d, struct ebelter *e)
{
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);

	if (e->frames < 2 || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < e->n_pending; i++)
		(void)vdev_queue_notify(d, c, e->pending[i].value,
					e->pending[i].value_len, "result");
	e->n_pending = 0;
}

static void ebelter_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	static const uint8_t status[] = { 0x8D, 0x01, 0x00, 0x00 };

	if (hv_uuid_is16(&c->uuid, CHR_NOTIFY))
		(void)vdev_queue_notify(d, c, status, sizeof(status), "status");
}

static int ebelter_write(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *v, size_t len)
{
	struct ebelter *e = d->model_data;
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	const uint8_t *want;
	size_t want_len;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (e->refused)
		return 0;
	want = e->frames == 0 ? capture1 : e->second;
	want_len = e->frames == 0 ? sizeof(capture1) : sizeof(capture2);
	if (e->frames >= 2 || len != want_len || memcmp(v, want, len) != 0) {
		vdev_hex(v, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "handshake refused at frame %u: %s",
			   e->frames, hex);
		e->refused = true;
		return 0;
	}
	if (++e->frames == 2) {
		vdev_print(d->vdev, d->id, "handshake accepted");
		send_pending(d, e);
	}
	return 0;
}

static void ebelter_disconnected(struct vdev_device *d)
{
	struct ebelter *e = d->model_data;

	e->frames = 0;
	e->refused = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct ebelter *e = d->model_data;
	struct hv_measurement m;
	int r;

	if (e->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	m.final = true;
	r = vdev_encode(d, &m, CHR_NOTIFY, &e->pending[e->n_pending]);
	if (r < 0)
		return r;
	e->n_pending++;
	vdev_print(d->vdev, d->id, "steps on");
	send_pending(d, e);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_ebelter_b2 = {
	.id = "ebelter_b2",
	.default_driver = "ebelter_b2",
	.init = init,
	.action = action,
	.write = ebelter_write,
	.subscribed = ebelter_subscribed,
	.disconnected = ebelter_disconnected,
	.free = vdev_model_free_data,
};
