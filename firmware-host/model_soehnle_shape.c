// SPDX-License-Identifier: MIT
/*
 * Firmware model: Soehnle Shape200 / Shape100 / Shape50 / Style100, a
 * scale with User Data Service slots that hands out one user's stored
 * weighings on request (layout in drivers/soehnle_shape.c, after
 * openScale's SoehnleHandler.kt, oliexdev/openScale@f7a733b2; the User
 * Control Point as in the Bluetooth User Data Service 1.0, 3.3):
 *
 *   0x1805  0x2A2B  write              its clock
 *   0x181C  0x2A9F  write, indicate    User Control Point
 *           0x2A80, 0x2A8C, 0x2A8E     write: age, gender, height
 *   352e3000-28e9-40b8-a361-6db4cca4147c
 *           352e3001  notify            records (the driver's encoder)
 *           352e3002  write             09 UU: send user UU's records
 *           352e3004  notify            (not used here)
 *
 * Slots 1..7 ("users": [{ "index": 1, "consent": 0 }]). Register (01 cc
 * cc) takes the lowest free slot (20 01 01 idx; 20 01 04 when full,
 * `user N registered`); select (02 idx cc cc) answers 20 02 01 when the
 * code is the slot's (`user N selected`), 20 02 05 otherwise (`user N
 * refused: consent`) and 20 02 03 for an unknown slot. Age, gender and
 * height need a selected user (ATT 0x80) and are kept for it. 09 UU sends
 * user UU's stored records, oldest first, and only the selected user's
 * (`records of user N asked: M`; another: ATT 0x80); the scale keeps them
 * (the next request sends them again). Any other 0x3002 command: ATT
 * 0x06.
 *
 * Records: "records" (readings, "time", "user"). Action "weigh"
 * (readings, "user"): stored for that user, dated by the scale's clock
 * (the host's local clock until one is set).
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

#define SVC_TIME 0x1805
#define CHR_TIME 0x2A2B
#define SVC_UDS 0x181C
#define CHR_UCP 0x2A9F
#define CHR_AGE 0x2A80
#define CHR_GENDER 0x2A8C
#define CHR_HEIGHT 0x2A8E
#define SVC_VENDOR "352e3000-28e9-40b8-a361-6db4cca4147c"
#define CHR_RECORDS "352e3001-28e9-40b8-a361-6db4cca4147c"
#define CHR_COMMAND "352e3002-28e9-40b8-a361-6db4cca4147c"
#define CHR_OTHER "352e3004-28e9-40b8-a361-6db4cca4147c"
#define SLOTS 7

struct slot {
	bool used;
	uint16_t consent;
};

struct soehnle {
	struct slot slots[SLOTS + 1]; /* 1..7 */
	int selected; /* on this link; 0 none */
	int64_t clock_offset; /* scale clock - host local clock, s */
	struct vdev_records records;
	struct vdev_char *ucp, *rec_char, *cmd_char;
};

static int load_users(struct vdev_device *d, struct soehnle *s,
		      const cJSON *conf)
{
	const cJSON *u;

	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(conf, "users")) {
		int idx = vdev_conf_int(u, "index", -1),
		    code = vdev_conf_int(u, "consent", 0);

		if (idx < 1 || idx > SLOTS || code < 0 || code > 9999) {
			vdev_print(d->vdev, d->id,
				   "users: index 1..7, consent 0..9999");
			return -EINVAL;
		}
		s->slots[idx] = (struct slot){ true, (uint16_t)code };
	}
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *st, *su, *sv;
	struct hv_uuid svc, a, cmd, b;
	struct soehnle *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	d->model_data = s;
	r = load_users(d, s, conf);
	if (r < 0)
		return r;
	if (hv_uuid_parse(SVC_VENDOR, &svc) < 0 ||
	    hv_uuid_parse(CHR_RECORDS, &a) < 0 ||
	    hv_uuid_parse(CHR_COMMAND, &cmd) < 0 ||
	    hv_uuid_parse(CHR_OTHER, &b) < 0)
		return -EINVAL;
	st = vdev_add_service(d, SVC_TIME);
	su = vdev_add_service(d, SVC_UDS);
	sv = vdev_add_service_uuid(d, &svc);
	if (!st || !su || !sv || !vdev_add_char(st, CHR_TIME, VDEV_CHAR_WRITE))
		return -ENOSPC;
	s->ucp = vdev_add_char(su, CHR_UCP, VDEV_CHAR_WRITE | VDEV_CHAR_INDICATE);
	s->rec_char = vdev_add_char_uuid(sv, &a, VDEV_CHAR_NOTIFY);
	s->cmd_char = vdev_add_char_uuid(sv, &cmd, VDEV_CHAR_WRITE);
	if (!s->ucp || !s->rec_char || !s->cmd_char ||
	    !vdev_add_char(su, CHR_AGE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(su, CHR_GENDER, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(su, CHR_HEIGHT, VDEV_CHAR_WRITE) ||
	    !vdev_add_char_uuid(sv, &b, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return vdev_records_load(d, &s->records, conf, 0);
}

static void ucp_answer(struct vdev_device *d, struct soehnle *s, uint8_t op,
		       uint8_t result, int idx)
{
	uint8_t b[4] = { 0x20, op, result, (uint8_t)idx };

	(void)vdev_queue_notify(d, s->ucp, b, idx > 0 ? 4 : 3, "UCP response");
}

static int ucp_write(struct vdev_device *d, struct soehnle *s,
		     const uint8_t *v, size_t len)
{
	int idx;

	if (len == 3 && v[0] == 0x01) {
		for (idx = 1; idx <= SLOTS && s->slots[idx].used; idx++)
			;
		if (idx > SLOTS) {
			ucp_answer(d, s, 0x01, 0x04, 0);
			return 0;
		}
		s->slots[idx] = (struct slot){ true, hv_le16(v + 1) };
		s->selected = idx;
		vdev_print(d->vdev, d->id, "user %d registered", idx);
		ucp_answer(d, s, 0x01, 0x01, idx);
		return 0;
	}
	if (len == 4 && v[0] == 0x02) {
		idx = v[1];
		if (idx < 1 || idx > SLOTS || !s->slots[idx].used) {
			vdev_print(d->vdev, d->id, "user %d refused: unknown", idx);
			ucp_answer(d, s, 0x02, 0x03, 0);
			return 0;
		}
		if (hv_le16(v + 2) != s->slots[idx].consent) {
			vdev_print(d->vdev, d->id, "user %d refused: consent", idx);
			ucp_answer(d, s, 0x02, 0x05, 0);
			return 0;
		}
		s->selected = idx;
		vdev_print(d->vdev, d->id, "user %d selected", idx);
		ucp_answer(d, s, 0x02, 0x01, 0);
		return 0;
	}
	ucp_answer(d, s, len ? v[0] : 0, 0x02, 0); /* op code not supported */
	return 0;
}

static void send_records(struct vdev_device *d, struct soehnle *s, int user)
{
	vdev_print(d->vdev, d->id, "records of user %d asked: %zu", user,
		   vdev_records_of_user(&s->records, user));
	/* kept after: this model has no delivered() for the tags */
	vdev_records_notify(d, s->rec_char, &s->records, user);
}

static void set_clock(struct vdev_device *d, struct soehnle *s,
		      const uint8_t *v)
{
	struct hv_datetime dt = { hv_le16(v), v[2], v[3], v[4], v[5], v[6] };
	time_t now = time(NULL);
	struct tm tm;

	(void)localtime_r(&now, &tm);
	s->clock_offset = hv_datetime_to_unix(&dt) - ((int64_t)now + tm.tm_gmtoff);
	vdev_print(d->vdev, d->id,
		   "clock set to %04u-%02u-%02u %02u:%02u (%+lld s)", dt.year,
		   dt.month, dt.day, dt.hour, dt.minute,
		   (long long)s->clock_offset);
}

static int soehnle_write(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *v, size_t len)
{
	struct soehnle *s = d->model_data;

	if (c == s->ucp)
		return ucp_write(d, s, v, len);
	if (c == s->cmd_char) {
		if (len != 2 || v[0] != 0x09)
			return VDEV_ATT_REQUEST_NOT_SUPPORTED;
		if (!s->selected || v[1] != s->selected)
			return VDEV_ATT_UDS_NOT_PERMITTED;
		send_records(d, s, v[1]);
		return 0;
	}
	if (hv_uuid_is16(&c->uuid, CHR_TIME)) {
		if (len < 7)
			return VDEV_ATT_INVALID_LENGTH;
		set_clock(d, s, v);
		return 0;
	}
	if (!s->selected)
		return VDEV_ATT_UDS_NOT_PERMITTED;
	if (hv_uuid_is16(&c->uuid, CHR_AGE) && len == 1)
		vdev_print(d->vdev, d->id, "user %d age %u", s->selected, v[0]);
	else if (hv_uuid_is16(&c->uuid, CHR_GENDER) && len == 1)
		vdev_print(d->vdev, d->id, "user %d %s", s->selected,
			   v[0] ? "female" : "male");
	else if (hv_uuid_is16(&c->uuid, CHR_HEIGHT) && len == 2)
		vdev_print(d->vdev, d->id, "user %d height %u cm", s->selected,
			   hv_le16(v));
	else
		return VDEV_ATT_INVALID_LENGTH;
	return 0;
}

static void soehnle_disconnected(struct vdev_device *d)
{
	struct soehnle *s = d->model_data;

	s->selected = 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct soehnle *s = d->model_data;
	struct hv_measurement m;
	time_t now = time(NULL);
	struct tm tm;
	int i, r;

	/* the scale's clock: local time, as the gateway set it */
	(void)localtime_r(&now, &tm);
	r = vdev_kept_weighing(d, ev,
			       (int64_t)now + tm.tm_gmtoff + s->clock_offset, &m);
	if (r < 0)
		return r;
	i = vdev_records_add(d, &s->records, &m, 0);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: record %u stored for user %d",
		   s->records.r[i].seq, s->records.r[i].user);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_soehnle_shape = {
	.id = "soehnle_shape",
	.default_driver = "soehnle_shape",
	.init = init,
	.action = action,
	.write = soehnle_write,
	.disconnected = soehnle_disconnected,
	.free = vdev_model_free_data,
};
