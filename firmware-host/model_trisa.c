// SPDX-License-Identifier: MIT
/*
 * Firmware model: Trisa Body Analyze 4.0 (Transtek GBF-1257-B), the
 * scale's side of its password and challenge (layout in
 * drivers/trisa_body_analyze.c, after openScale's TrisaBodyAnalyzeHandler.kt,
 * oliexdev/openScale@f7a733b2):
 *
 *   service 0x7802
 *     0x8A21  indicate   measurements (built by the driver's encoder)
 *     0x8A81  write      the host's commands
 *     0x8A82  indicate   the scale's commands
 *
 * In pairing mode ("pairing": true, or action "pair") the scale sends its
 * password (A0 + u32 LE) once 0x8A82 is subscribed; a broadcast id (21 …)
 * pairs it: it leaves pairing mode and drops the link. Otherwise it sends a
 * challenge (A1 + u32 LE, a new one each connection); an answer (20 …)
 * other than challenge XOR password is refused and the link dropped, the
 * right one accepted. Once accepted and its clock set (02 …), the stored
 * measurements go out on 0x8A21, each forgotten when the host confirmed
 * it, and the scale drops the link. Every pairing hands out a new password
 * (the old one + 1), so a host that kept an old one is refused.
 *
 * Scenario: "password" (default 0x12345678), "pairing" (default false).
 * Actions: "weigh" (readings, "time"; without a time the host's clock
 * now), "pair".
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/record_queue.h"
#include "firmware-host/vdev.h"

#define SVC 0x7802
#define CHR_MEASUREMENT 0x8A21
#define CHR_DOWNLOAD 0x8A81
#define CHR_UPLOAD 0x8A82
#define EPOCH_2010 1262304000

struct trisa {
	uint32_t password;
	uint32_t challenge; /* of this connection */
	bool pairing;
	bool accepted; /* this connection answered the challenge */
	bool clock_set;
	struct vdev_records records;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(conf, "password");
	const cJSON *pairing = cJSON_GetObjectItemCaseSensitive(conf, "pairing");
	struct vdev_service *s;
	struct trisa *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	d->model_data = t;
	t->password = cJSON_IsNumber(pw) ? (uint32_t)pw->valuedouble :
					   0x12345678u;
	t->pairing = cJSON_IsTrue(pairing);
	t->challenge = 0x5A17C0DEu;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_MEASUREMENT, VDEV_CHAR_INDICATE) ||
	    !vdev_add_char(s, CHR_DOWNLOAD, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_UPLOAD, VDEV_CHAR_INDICATE))
		return -ENOSPC;
	return 0;
}

static void send_u32(struct vdev_device *d, uint8_t op, uint32_t v,
		     const char *what)
{
	struct vdev_char *c = vdev_find_char(d, CHR_UPLOAD);
	uint8_t b[5] = { op };

	hv_put_le32(b + 1, v);
	(void)vdev_queue_notify(d, c, b, sizeof(b), what);
}

/* The records, once the link is accepted and the clock set; the scale
 * drops the link after them. */
static void send_records(struct vdev_device *d, struct trisa *t)
{
	struct vdev_char *c = vdev_find_char(d, CHR_MEASUREMENT);

	if (!t->accepted || !t->clock_set || !vdev_bus_delivers(d, c))
		return;
	vdev_records_notify(d, c, &t->records, VDEV_RECORDS_ALL_USERS);
	(void)vdev_queue_drop(d, "all sent");
}

static void subscribed(struct vdev_device *d, struct vdev_char *c)
{
	struct trisa *t = d->model_data;

	if (hv_uuid_is16(&c->uuid, CHR_MEASUREMENT)) {
		send_records(d, t);
		return;
	}
	if (!hv_uuid_is16(&c->uuid, CHR_UPLOAD))
		return;
	if (t->pairing) {
		vdev_print(d->vdev, d->id, "pairing mode: sends its password");
		send_u32(d, 0xA0, t->password, "password");
		return;
	}
	t->challenge = t->challenge * 1103515245u + 12345u;
	vdev_print(d->vdev, d->id, "sends challenge %08x",
		   (unsigned)t->challenge);
	send_u32(d, 0xA1, t->challenge, "challenge");
}

static int write_command(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *v, size_t len)
{
	struct trisa *t = d->model_data;

	if (!hv_uuid_is16(&c->uuid, CHR_DOWNLOAD))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len != 5)
		return VDEV_ATT_INVALID_LENGTH;
	switch (v[0]) {
	case 0x21:
		if (!t->pairing)
			return VDEV_ATT_WRITE_NOT_PERMITTED;
		t->pairing = false;
		vdev_print(d->vdev, d->id, "paired (password %08x)",
			   (unsigned)t->password);
		(void)vdev_queue_drop(d, "paired");
		return 0;
	case 0x20:
		t->accepted = hv_le32(v + 1) == (t->challenge ^ t->password);
		vdev_print(d->vdev, d->id, "challenge answer %s",
			   t->accepted ? "accepted" : "refused");
		if (!t->accepted)
			(void)vdev_queue_drop(d, "wrong answer");
		return 0;
	case 0x02:
		if (!t->accepted)
			return VDEV_ATT_WRITE_NOT_PERMITTED;
		t->clock_set = true;
		vdev_print(d->vdev, d->id, "clock set: %u s since 2010",
			   (unsigned)hv_le32(v + 1));
		send_records(d, t);
		return 0;
	default:
		return VDEV_ATT_REQUEST_NOT_SUPPORTED;
	}
}

/* Confirmed by the host: forgotten. */
static void delivered(struct vdev_device *d, struct vdev_char *c, unsigned tag)
{
	struct trisa *t = d->model_data;

	(void)c;
	(void)vdev_records_remove_seq(&t->records, tag);
}

static void disconnected(struct vdev_device *d)
{
	struct trisa *t = d->model_data;

	t->accepted = false;
	t->clock_set = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct trisa *t = d->model_data;
	struct hv_measurement m;
	int i, r;

	/* the scale's own clock: the host set it */
	r = vdev_kept_weighing(d, ev, (int64_t)time(NULL), &m);
	if (r < 0)
		return r;
	i = vdev_records_add(d, &t->records, &m, CHR_MEASUREMENT);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: record %u stored",
		   t->records.r[i].seq);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct trisa *t = d->model_data;

	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	if (strcmp(what, "pair") == 0) {
		t->pairing = true;
		t->password++;
		vdev_print(d->vdev, d->id, "enters pairing mode");
		return 0;
	}
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_trisa = {
	.id = "trisa",
	.default_driver = "trisa_body_analyze",
	.init = init,
	.action = action,
	.write = write_command,
	.subscribed = subscribed,
	.delivered = delivered,
	.disconnected = disconnected,
	.free = vdev_model_free_data,
};
