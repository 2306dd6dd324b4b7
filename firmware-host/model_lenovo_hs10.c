// SPDX-License-Identifier: MIT
/*
 * Firmware model: Lenovo HS10, a scale that keeps its weighings until a
 * phone downloads and clears them (layout in drivers/lenovo_hs10.c, after
 * openScale's LenovoHS10Handler.kt, oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFF0
 *     0xFFF1  write, write without response   the host's commands
 *     0xFFF4  notify                          records, end marker
 *
 * F2 00 asks for the stored records: each goes out as a 10-byte record
 * (built by the driver's encoder), then the end marker F2 00. F2 01 clears
 * the records this link received, and only those (a record weighed during
 * the download, or one whose notification was lost with the link, stays).
 * Any other command is refused (ATT 0x06, `command refused: <hex>`), as a
 * firmware of another command set would; "request" (hex, default "f200")
 * is the command this firmware answers with its records, so a scale of
 * another firmware refuses the gateway's. A weighing while 0xFFF4 is
 * subscribed and no download runs is notified at once (a live weighing,
 * not kept); otherwise it is stored.
 *
 * Scenario: "records" (readings with "time", the scale's local clock),
 * "request", fault "disconnect_after" N (the link drops after N records
 * of the first download, before the end marker). Action "weigh"
 * (readings; without a "time" the host's local clock).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_COMMAND 0xFFF1
#define CHR_RECORDS 0xFFF4
#define CMD_LEN 2

static const uint8_t end_marker[CMD_LEN] = { 0xF2, 0x00 };
static const uint8_t clear_command[CMD_LEN] = { 0xF2, 0x01 };

struct hs10 {
	uint8_t request[CMD_LEN];
	int disconnect_after; /* 0 once the fault happened */
	bool downloading; /* records queued, end marker not yet delivered */
	struct vdev_records records;
	/* sequence numbers of the records delivered on this link */
	size_t n_delivered;
	uint16_t delivered[VDEV_RECORDS_MAX];
};

#define TAG_END 0xFFFFu

static int parse_request(const cJSON *conf, uint8_t out[CMD_LEN])
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, "request");
	unsigned a, b;

	if (!o) {
		memcpy(out, end_marker, CMD_LEN);
		return 0;
	}
	if (!cJSON_IsString(o) || strlen(o->valuestring) != 4 ||
	    sscanf(o->valuestring, "%2x%2x", &a, &b) != 2)
		return -EINVAL;
	out[0] = (uint8_t)a;
	out[1] = (uint8_t)b;
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct hs10 *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	d->model_data = h;
	r = parse_request(conf, h->request);
	if (r < 0) {
		vdev_print(d->vdev, d->id, "bad \"request\": 4 hex digits");
		return r;
	}
	h->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	s = vdev_add_service(d, SVC);
	if (!s ||
	    !vdev_add_char(s, CHR_COMMAND, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR) ||
	    !vdev_add_char(s, CHR_RECORDS, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return vdev_records_load(d, &h->records, conf, CHR_RECORDS);
}

static void send_records(struct vdev_device *d, struct hs10 *h,
			 struct vdev_char *c)
{
	char what[32];

	vdev_print(d->vdev, d->id, "stored records asked: %zu",
		   h->records.n);
	h->downloading = true;
	for (size_t i = 0; i < h->records.n; i++) {
		(void)snprintf(what, sizeof(what), "record %u",
			       h->records.r[i].seq);
		(void)vdev_queue_notify_tagged(d, c, h->records.r[i].value,
					       h->records.r[i].len, what,
					       h->records.r[i].seq);
		if (h->disconnect_after > 0 &&
		    (size_t)h->disconnect_after == i + 1) {
			h->disconnect_after = 0;
			(void)vdev_queue_drop(d, "fault: disconnect_after");
			return;
		}
	}
	(void)vdev_queue_notify_tagged(d, c, end_marker, sizeof(end_marker),
				       "end of the records", TAG_END);
}

/* Forget what this link received; the rest stays for the next download. */
static void clear_delivered(struct vdev_device *d, struct hs10 *h)
{
	size_t cleared = 0;

	for (size_t k = 0; k < h->n_delivered; k++)
		for (size_t i = 0; i < h->records.n; i++)
			if (h->records.r[i].seq == h->delivered[k]) {
				vdev_records_remove(&h->records, i);
				cleared++;
				break;
			}
	h->n_delivered = 0;
	vdev_print(d->vdev, d->id, "%zu records cleared, %zu kept", cleared,
		   h->records.n);
}

static int hs10_write(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *v, size_t len)
{
	struct hs10 *h = d->model_data;
	struct vdev_char *out = vdev_find_char(d, CHR_RECORDS);
	char hex[2 * HV_FRAME_DATA_MAX + 1];

	if (!hv_uuid_is16(&c->uuid, CHR_COMMAND))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len == CMD_LEN && memcmp(v, h->request, CMD_LEN) == 0) {
		if (h->downloading)
			return 0; /* one download at a time */
		send_records(d, h, out);
		return 0;
	}
	if (len == CMD_LEN && memcmp(v, clear_command, CMD_LEN) == 0) {
		clear_delivered(d, h);
		return 0;
	}
	vdev_hex(v, len, hex, sizeof(hex));
	vdev_print(d->vdev, d->id, "command refused: %s", hex);
	return VDEV_ATT_REQUEST_NOT_SUPPORTED;
}

static void hs10_delivered(struct vdev_device *d, struct vdev_char *c,
			   unsigned tag)
{
	struct hs10 *h = d->model_data;

	(void)c;
	if (tag == TAG_END) {
		h->downloading = false;
		return;
	}
	if (h->n_delivered < VDEV_RECORDS_MAX)
		h->delivered[h->n_delivered++] = (uint16_t)tag;
}

static void hs10_disconnected(struct vdev_device *d)
{
	struct hs10 *h = d->model_data;

	/* Not cleared: the next download sends them again. */
	h->downloading = false;
	h->n_delivered = 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct hs10 *h = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_RECORDS);
	struct hv_measurement m;
	struct hv_frame f = { 0 };
	int i, r;

	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	if (!m.has_device_time) {
		time_t now = time(NULL);
		struct tm tm;

		/* the scale's clock: local time */
		(void)localtime_r(&now, &tm);
		m.device_time = (struct hv_datetime){
			.year = (uint16_t)(tm.tm_year + 1900),
			.month = (uint8_t)(tm.tm_mon + 1),
			.day = (uint8_t)tm.tm_mday,
			.hour = (uint8_t)tm.tm_hour,
			.minute = (uint8_t)tm.tm_min,
			.second = (uint8_t)tm.tm_sec,
		};
		m.has_device_time = true;
	}
	if (!h->downloading && vdev_bus_delivers(d, c)) {
		r = vdev_encode(d, &m, CHR_RECORDS, &f);
		if (r < 0)
			return r;
		vdev_print(d->vdev, d->id, "steps on: live weighing");
		return vdev_queue_notify(d, c, f.value, f.value_len,
					 "live weighing");
	}
	i = vdev_records_add(d, &h->records, &m, CHR_RECORDS);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: record %u stored",
		   h->records.r[i].seq);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_lenovo_hs10 = {
	.id = "lenovo_hs10",
	.default_driver = "lenovo_hs10",
	.init = init,
	.action = action,
	.write = hs10_write,
	.delivered = hs10_delivered,
	.disconnected = hs10_disconnected,
	.free = vdev_model_free_data,
};
