// SPDX-License-Identifier: MIT
/*
 * Firmware model: Realme Smart Scale (layout and source in drivers/realme.c,
 * from openScale's RealmeSmartScaleHandler):
 *
 *   service 0xA602
 *     0xA621  notify          weighings, 10 11 + payload ciphered
 *     0xA622  write           keep-alive 00 01 D9
 *     0xA624  write           handshake frames, 10 LL + payload ciphered
 *     0xA625  notify          (nothing sent)
 *
 * The cipher is the XOR with the scale's MAC, MAC[i % 6]; the scale's MAC
 * is its address unless "cipher_address" says otherwise (a scale whose
 * link address is not the MAC its firmware keys with: every frame the
 * gateway ciphers with the link address is then garbled).
 *
 * The handshake is checked as the firmware has to read it: register,
 * time and zone (the Unix time within a day of the host's), start, the
 * user (sex 00/80, age, height 50..250 cm; may be left out), formula, unit
 * kg, in that order, each deciphered. Any other frame: "handshake refused"
 * and the scale drops the link. Once accepted, keep-alives (00 01 D9 on
 * 0xA622) must come at least every 3 s, else it drops the link.
 *
 * Action "weigh": readings (body_weight, impedance); the frame the realme
 * encoder makes (for the all-zero address, i.e. plain) is ciphered with
 * the MAC and notified on 0xA621 on an accepted link, kept until one
 * otherwise.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0xA602
#define CHR_DATA 0xA621
#define CHR_KEEP_ALIVE 0xA622
#define CHR_HANDSHAKE 0xA624
#define CHR_A625 0xA625
#define PENDING_MAX 4
#define KEEP_ALIVE_MAX_S 3.0

enum rm_stage {
	RM_REGISTER,
	RM_TIME,
	RM_START,
	RM_USER, /* or the formula, without a user */
	RM_FORMULA,
	RM_UNIT,
	RM_ACCEPTED,
	RM_REFUSED,
};

struct realme {
	uint8_t mac[6];
	enum rm_stage stage;
	double last_keep_alive;
	unsigned keep_alives;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX];
};

static int parse_mac(const char *text, uint8_t ret[6])
{
	if (!text || strlen(text) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		int hi = hv_hex_digit(text[3 * i]);
		int lo = hv_hex_digit(text[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void xor_mac(const uint8_t mac[6], const uint8_t *in, size_t n,
		    uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] ^ mac[i % 6];
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, "cipher_address");
	struct vdev_service *s;
	struct realme *rm;

	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	d->model_data = rm;
	if (parse_mac(cJSON_IsString(o) ? o->valuestring : d->address, rm->mac) < 0)
		return -EINVAL;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_DATA, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_KEEP_ALIVE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_HANDSHAKE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_A625, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return 0;
}

static void send_pending(struct vdev_device *d)
{
	struct realme *rm = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_DATA);

	if (rm->stage != RM_ACCEPTED || !c || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < rm->n_pending; i++)
		(void)vdev_queue_notify(d, c, rm->pending[i].value,
					rm->pending[i].value_len, "weighing");
	rm->n_pending = 0;
}

static bool equals(const uint8_t *p, size_t n, const uint8_t *want, size_t w)
{
	return n == w && memcmp(p, want, w) == 0;
}

/* The deciphered frame p (n bytes) at the current stage: the next stage,
 * or RM_REFUSED. */
static enum rm_stage next_stage(struct vdev_device *d, enum rm_stage stage,
				const uint8_t *p, size_t n)
{
	static const uint8_t reg[] = { 0x00, 0x08, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x02 };
	static const uint8_t start[] = { 0x48, 0x01, 0x00, 0x01 };
	static const uint8_t formula[] = { 0x10, 0x04, 0x00 };
	static const uint8_t unit_kg[] = { 0x10, 0x07, 0x01 };
	int64_t t;
	unsigned cm;

	switch (stage) {
	case RM_REGISTER:
		return equals(p, n, reg, sizeof(reg)) ? RM_TIME : RM_REFUSED;
	case RM_TIME:
		if (n != 8 || p[0] != 0x00 || p[1] != 0x0A || p[2] != 0x18)
			return RM_REFUSED;
		t = hv_be32(p + 3);
		if (llabs(t - (int64_t)time(NULL)) > 86400)
			return RM_REFUSED;
		vdev_print(d->vdev, d->id, "clock set, zone %+d min", (int8_t)p[7]);
		return RM_START;
	case RM_START:
		return equals(p, n, start, sizeof(start)) ? RM_USER : RM_REFUSED;
	case RM_USER:
		if (equals(p, n, formula, sizeof(formula)))
			return RM_UNIT;
		cm = n == 11 ? hv_be16(p + 5) : 0;
		if (n != 11 || p[0] != 0x10 || p[1] != 0x01 || p[2] != 0x01 ||
		    (p[3] != 0x00 && p[3] != 0x80) || p[4] == 0 || cm < 50 ||
		    cm > 250)
			return RM_REFUSED;
		vdev_print(d->vdev, d->id, "user %s %u y %u cm",
			   p[3] ? "female" : "male", p[4], cm);
		return RM_FORMULA;
	case RM_FORMULA:
		return equals(p, n, formula, sizeof(formula)) ? RM_UNIT : RM_REFUSED;
	case RM_UNIT:
		return equals(p, n, unit_kg, sizeof(unit_kg)) ? RM_ACCEPTED :
								RM_REFUSED;
	default:
		return RM_REFUSED;
	}
}

static void check_keep_alive(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct realme *rm = d->model_data;
	unsigned gen = (unsigned)(uintptr_t)arg;

	if (gen != d->link_gen || !d->connected || rm->stage != RM_ACCEPTED)
		return;
	if (vdev_now(v) - rm->last_keep_alive > KEEP_ALIVE_MAX_S) {
		vdev_print(v, d->id, "no keep-alive for %.0f s", KEEP_ALIVE_MAX_S);
		(void)vdev_queue_drop(d, "no keep-alive");
		return;
	}
	(void)vdev_after(v, d, 1.0, check_keep_alive, arg, NULL);
}

static int handshake(struct vdev_device *d, struct realme *rm,
		     const uint8_t *v, size_t len)
{
	uint8_t p[HV_FRAME_DATA_MAX];
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	enum rm_stage before = rm->stage;

	if (rm->stage >= RM_ACCEPTED)
		return 0; /* again on the same link: ignored */
	if (len < 3 || v[0] != 0x10 || v[1] != len - 2) {
		rm->stage = RM_REFUSED;
	} else {
		xor_mac(rm->mac, v + 2, len - 2, p);
		rm->stage = next_stage(d, rm->stage, p, len - 2);
	}
	if (rm->stage == RM_REFUSED) {
		vdev_hex(v, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "handshake refused at frame %d: %s",
			   (int)before + 1, hex);
		return vdev_queue_drop(d, "handshake refused");
	}
	if (rm->stage == RM_ACCEPTED) {
		vdev_print(d->vdev, d->id, "handshake accepted");
		rm->last_keep_alive = vdev_now(d->vdev);
		(void)vdev_after(d->vdev, d, 1.0, check_keep_alive,
				 (void *)(uintptr_t)d->link_gen, NULL);
		send_pending(d);
	}
	return 0;
}

static int rm_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *value, size_t len)
{
	static const uint8_t keep_alive[] = { 0x00, 0x01, 0xD9 };
	struct realme *rm = d->model_data;

	if (hv_uuid_is16(&c->uuid, CHR_HANDSHAKE))
		return handshake(d, rm, value, len);
	if (!hv_uuid_is16(&c->uuid, CHR_KEEP_ALIVE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (!equals(value, len, keep_alive, sizeof(keep_alive)))
		return VDEV_ATT_REQUEST_NOT_SUPPORTED;
	rm->last_keep_alive = vdev_now(d->vdev);
	if (rm->keep_alives++ == 0)
		vdev_print(d->vdev, d->id, "first keep-alive");
	return 0;
}

static void rm_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	if (hv_uuid_is16(&c->uuid, CHR_DATA))
		send_pending(d);
}

static void rm_disconnected(struct vdev_device *d)
{
	struct realme *rm = d->model_data;

	if (rm->keep_alives)
		vdev_print(d->vdev, d->id, "%u keep-alives on that link",
			   rm->keep_alives);
	rm->stage = RM_REGISTER;
	rm->keep_alives = 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct realme *rm = d->model_data;
	struct hv_measurement m;
	struct hv_frame *f;
	int r;

	if (rm->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	f = &rm->pending[rm->n_pending];
	r = vdev_encode(d, &m, CHR_DATA, f);
	if (r < 0)
		return r;
	/* the encoder's frame is plain (the all-zero key): cipher it */
	xor_mac(rm->mac, f->value + 2, f->value_len - 2, f->value + 2);
	rm->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg%s",
		   hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT)->value,
		   rm->stage == RM_ACCEPTED ? "" :
					      " (kept until a handshake is accepted)");
	send_pending(d);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_realme = {
	.id = "realme",
	.default_driver = "realme",
	.init = init,
	.action = action,
	.write = rm_write,
	.subscribed = rm_subscribed,
	.disconnected = rm_disconnected,
	.free = vdev_model_free_data,
};
