// SPDX-License-Identifier: MIT
/*
 * Firmware model: Eufy Smart Scale P2 / P2 Pro, the scale's side of the
 * handshake (layout and sources in drivers/eufy_p2_c20.c and
 * drivers/eufy_p2_auth.h):
 *
 *   service 0xFFF0
 *     0xFFF1  write, write without response   C0 / C2 segments
 *     0xFFF2  notify                          weight frames (from the driver)
 *     0xFFF4  notify                          C1 segments, C3
 *
 * C0 (the client's text, sealed with MD5 of the device's address) is
 * answered with C1 (the device's text, "device_text", sealed); C2 must be
 * "<client>_<device>" sealed, answered C3 01 00 01 00 XX (accepted) or
 * ... 01 XX (refused). Weight frames go out only on an accepted link.
 *
 * Action "weigh": readings; two live frames (90 % and 97 % of the weight)
 * and the final one, sent at once on an accepted link with 0xFFF2
 * subscribed, else kept for the next accepted link (a real P2 advertises
 * them instead: that is the mi_scale model with driver eufy_p2).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/eufy_p2_auth.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_WRITE 0xFFF1
#define CHR_DATA 0xFFF2
#define CHR_AUTH 0xFFF4
#define TEXT_MAX 96
#define PENDING_MAX 4
#define FRAMES_PER_WEIGH 3

struct reassembly {
	char b64[TEXT_MAX];
	size_t have, total;
	unsigned next;
};

struct p2 {
	char device_text[HV_EUFY_UUID_LEN + 1];
	char client_text[TEXT_MAX];
	struct reassembly c0, c2;
	bool accepted;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX][FRAMES_PER_WEIGH];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, "device_text");
	struct vdev_service *s;
	struct p2 *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	d->model_data = p;
	snprintf(p->device_text, sizeof(p->device_text), "%s",
		 cJSON_IsString(o) ? o->valuestring : "T9149A0B1C2D3E4");
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR) ||
	    !vdev_add_char(s, CHR_DATA, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_AUTH, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return 0;
}

/* Collect one segment; 1 when the text is whole, 0 for more, -errno. */
static int collect(struct reassembly *r, const uint8_t *v, size_t len)
{
	size_t chunk = len - 5;

	if (v[2] == 0)
		*r = (struct reassembly){ .total = v[3] };
	if (v[2] != r->next || r->have + chunk > r->total ||
	    r->total >= sizeof(r->b64))
		return -EBADMSG;
	memcpy(r->b64 + r->have, v + 4, chunk);
	r->have += chunk;
	r->next++;
	if (v[2] + 1u < v[1])
		return 0;
	r->b64[r->have] = '\0';
	return r->have == r->total ? 1 : -EBADMSG;
}

static int open_text(struct vdev_device *d, const struct reassembly *r,
		     char *out, size_t size)
{
	uint8_t key[16];
	size_t n;
	int ret;

	ret = hv_eufy_key(d->address, key);
	if (ret < 0)
		return ret;
	ret = hv_eufy_open(key, r->b64, r->have, (uint8_t *)out, size - 1, &n);
	if (ret < 0)
		return ret;
	out[n] = '\0';
	return 0;
}

static void send_pending(struct vdev_device *d)
{
	struct p2 *p = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_DATA);

	if (!p->accepted || !c || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < p->n_pending; i++)
		for (size_t j = 0; j < FRAMES_PER_WEIGH; j++)
			(void)vdev_queue_notify(d, c, p->pending[i][j].value,
						p->pending[i][j].value_len,
						j + 1 < FRAMES_PER_WEIGH ? "live" : "final");
	p->n_pending = 0;
}

static int answer_c0(struct vdev_device *d, struct p2 *p)
{
	struct vdev_char *auth = vdev_find_char(d, CHR_AUTH);
	uint8_t key[16], seg[HV_EUFY_SEGMENT_MAX];
	char b64[64];
	size_t n, len;
	int r;

	r = open_text(d, &p->c0, p->client_text, sizeof(p->client_text));
	if (r < 0) {
		vdev_print(d->vdev, d->id, "C0 does not open (%d)", r);
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	}
	vdev_print(d->vdev, d->id, "C0 from client %s", p->client_text);
	(void)hv_eufy_key(d->address, key);
	r = hv_eufy_seal(key, (const uint8_t *)p->device_text,
			 strlen(p->device_text), b64, sizeof(b64), &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < hv_eufy_segments(n); i++) {
		r = hv_eufy_segment(0xC1, b64, n, i, seg, sizeof(seg), &len);
		if (r < 0)
			return r;
		(void)vdev_queue_notify(d, auth, seg, len, "C1");
	}
	return 0;
}

static int answer_c2(struct vdev_device *d, struct p2 *p)
{
	struct vdev_char *auth = vdev_find_char(d, CHR_AUTH);
	char text[TEXT_MAX], expect[TEXT_MAX + HV_EUFY_UUID_LEN + 2];
	uint8_t c3[6] = { 0xC3, 0x01, 0x00, 0x01, 0x01 };

	snprintf(expect, sizeof(expect), "%s_%s", p->client_text,
		 p->device_text);
	p->accepted = p->client_text[0] &&
		      open_text(d, &p->c2, text, sizeof(text)) == 0 &&
		      strcmp(text, expect) == 0;
	c3[4] = p->accepted ? 0x00 : 0x01;
	for (int i = 0; i < 5; i++)
		c3[5] ^= c3[i];
	vdev_print(d->vdev, d->id, "C2 %s", p->accepted ? "accepted" : "refused");
	(void)vdev_queue_notify(d, auth, c3, sizeof(c3), "C3");
	send_pending(d);
	return 0;
}

static int p2_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *value, size_t len)
{
	struct p2 *p = d->model_data;
	int r;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (hv_eufy_segment_valid(0xC0, value, len)) {
		r = collect(&p->c0, value, len);
		return r == 1 ? answer_c0(d, p) : r < 0 ? VDEV_ATT_INVALID_LENGTH : 0;
	}
	if (hv_eufy_segment_valid(0xC2, value, len)) {
		r = collect(&p->c2, value, len);
		return r == 1 ? answer_c2(d, p) : r < 0 ? VDEV_ATT_INVALID_LENGTH : 0;
	}
	return VDEV_ATT_REQUEST_NOT_SUPPORTED;
}

static void p2_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	if (hv_uuid_is16(&c->uuid, CHR_DATA))
		send_pending(d);
}

static void p2_disconnected(struct vdev_device *d)
{
	struct p2 *p = d->model_data;

	p->accepted = false;
	p->client_text[0] = '\0';
	p->c0 = p->c2 = (struct reassembly){ 0 };
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct p2 *p = d->model_data;
	double kg;
	int r;

	if (p->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, CHR_DATA, p->pending[p->n_pending],
			      FRAMES_PER_WEIGH, &kg);
	if (r < 0)
		return r;
	p->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg%s", kg,
		   p->accepted ? "" : " (kept until a client is accepted)");
	send_pending(d);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_eufy_p2 = {
	.id = "eufy_p2",
	.default_driver = "eufy_p2",
	.init = init,
	.action = action,
	.write = p2_write,
	.subscribed = p2_subscribed,
	.disconnected = p2_disconnected,
	.free = vdev_model_free_data,
};
