// SPDX-License-Identifier: MIT
/*
 * Firmware model: 1byone "Health Scale" / Eufy C1, P1, A1, a scale that
 * takes a unit and a clock, keeps its weighings until downloaded and
 * cleared (layout in drivers/eufy_1byone.c, after openScale's
 * OneByoneHandler.kt, oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFF0
 *     0xFFF1  write without response   the app's commands
 *     0xFFF4  notify                   weighings, records, answers
 *
 * The scale checks every command and ignores a wrong one (`frame ignored:
 * <hex> (<why>)`; writes without response get no error): FD 37 UU GG 00×6
 * XX (unit 0 kg / 1 lb / 2 st, group, XX the XOR of the bytes before it:
 * `unit kg, group 1`); F1 YH YL MO DD HH MI SS (its clock, local time,
 * answered F1 00: `clock set to … (+N s)`); F2 00 (its stored records,
 * the driver's encoder's 18-byte frames with their time, then F2 00:
 * `history asked: N`); F2 01 (clears the records this link received:
 * `N records cleared, M kept`). A weighing while 0xFFF4 is subscribed and
 * no history runs goes out live (two frames without impedance, then the
 * one with it); otherwise it is stored with the scale's clock.
 *
 * Scenario: "records" (readings with "time"), fault "disconnect_after" N
 * (the link drops after N records of the first history, before F2 00).
 * Action "weigh" (readings).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_COMMAND 0xFFF1
#define CHR_NOTIFY 0xFFF4
#define TAG_END 0xFFFFu

struct onebyone {
	int disconnect_after; /* 0 once the fault happened */
	bool downloading;
	int64_t clock_offset; /* scale clock - host local clock, s */
	struct vdev_records records;
	size_t n_delivered;
	uint16_t delivered[VDEV_RECORDS_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct onebyone *o;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	d->model_data = o;
	o->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_COMMAND, VDEV_CHAR_WRITE_NR) ||
	    !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return vdev_records_load(d, &o->records, conf, CHR_NOTIFY);
}

static int64_t host_local_now(void)
{
	time_t now = time(NULL);
	struct tm tm;

	(void)localtime_r(&now, &tm);
	return (int64_t)now + tm.tm_gmtoff;
}

static void send_history(struct vdev_device *d, struct onebyone *o)
{
	static const uint8_t end[2] = { 0xF2, 0x00 };
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);
	char what[32];

	vdev_print(d->vdev, d->id, "history asked: %zu", o->records.n);
	o->downloading = true;
	for (size_t i = 0; i < o->records.n; i++) {
		(void)snprintf(what, sizeof(what), "record %u",
			       o->records.r[i].seq);
		(void)vdev_queue_notify_tagged(d, c, o->records.r[i].value,
					       o->records.r[i].len, what,
					       o->records.r[i].seq);
		if (o->disconnect_after > 0 &&
		    (size_t)o->disconnect_after == i + 1) {
			o->disconnect_after = 0;
			(void)vdev_queue_drop(d, "fault: disconnect_after");
			return;
		}
	}
	(void)vdev_queue_notify_tagged(d, c, end, sizeof(end),
				       "end of the history", TAG_END);
}

static void clear_delivered(struct vdev_device *d, struct onebyone *o)
{
	size_t cleared = 0;

	for (size_t k = 0; k < o->n_delivered; k++)
		for (size_t i = 0; i < o->records.n; i++)
			if (o->records.r[i].seq == o->delivered[k]) {
				vdev_records_remove(&o->records, i);
				cleared++;
				break;
			}
	o->n_delivered = 0;
	vdev_print(d->vdev, d->id, "%zu records cleared, %zu kept", cleared,
		   o->records.n);
}

static const char *take_command(struct vdev_device *d, struct onebyone *o,
				const uint8_t *v, size_t len)
{
	static const uint8_t clock_ack[2] = { 0xF1, 0x00 };
	struct hv_datetime dt;

	if (len == 11 && v[0] == 0xFD && v[1] == 0x37) {
		if (hv_xor8(v, 10) != v[10])
			return "checksum";
		if (v[2] > 2)
			return "unit";
		vdev_print(d->vdev, d->id, "unit %s, group %u",
			   v[2] == 0 ? "kg" : v[2] == 1 ? "lb" : "st", v[3]);
		return NULL;
	}
	if (len == 8 && v[0] == 0xF1) {
		dt = (struct hv_datetime){ hv_be16(v + 1), v[3], v[4], v[5], v[6], v[7] };
		if (dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > 31 ||
		    dt.hour > 23 || dt.minute > 59 || dt.second > 59)
			return "date";
		o->clock_offset = hv_datetime_to_unix(&dt) - host_local_now();
		vdev_print(d->vdev, d->id,
			   "clock set to %04u-%02u-%02u %02u:%02u (%+lld s)",
			   dt.year, dt.month, dt.day, dt.hour, dt.minute,
			   (long long)o->clock_offset);
		(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY),
					clock_ack, sizeof(clock_ack), "clock ack");
		return NULL;
	}
	if (len == 2 && v[0] == 0xF2 && v[1] == 0x00) {
		if (!o->downloading)
			send_history(d, o);
		return NULL;
	}
	if (len == 2 && v[0] == 0xF2 && v[1] == 0x01) {
		clear_delivered(d, o);
		return NULL;
	}
	return "unknown command";
}

static int onebyone_write(struct vdev_device *d, struct vdev_char *c,
			  const uint8_t *v, size_t len)
{
	struct onebyone *o = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_COMMAND))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_command(d, o, v, len);
	if (fault)
		vdev_print_ignored(d, v, len, fault);
	return 0;
}

static void onebyone_delivered(struct vdev_device *d, struct vdev_char *c,
			       unsigned tag)
{
	struct onebyone *o = d->model_data;

	(void)c;
	if (tag == TAG_END) {
		o->downloading = false;
		return;
	}
	if (o->n_delivered < VDEV_RECORDS_MAX)
		o->delivered[o->n_delivered++] = (uint16_t)tag;
}

static void onebyone_disconnected(struct vdev_device *d)
{
	struct onebyone *o = d->model_data;

	/* not cleared: the next history sends them again */
	o->downloading = false;
	o->n_delivered = 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct onebyone *o = d->model_data;
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);
	struct hv_frame f[VDEV_WEIGH_FRAMES_MAX];
	struct hv_measurement m;
	double kg;
	int i, r;

	if (!o->downloading && vdev_bus_delivers(d, c)) {
		r = vdev_weigh_frames(d, ev, CHR_NOTIFY, f, VDEV_WEIGH_FRAMES_MAX,
				      &kg);
		if (r < 0)
			return r;
		vdev_print(d->vdev, d->id, "steps on: %.2f kg, live", kg);
		for (size_t j = 0; j < VDEV_WEIGH_FRAMES_MAX; j++)
			(void)vdev_queue_notify(d, c, f[j].value, f[j].value_len,
						j + 1 < VDEV_WEIGH_FRAMES_MAX ?
							"live" :
							"with impedance");
		return 0;
	}
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	if (!m.has_device_time) {
		hv_datetime_from_unix(host_local_now() + o->clock_offset,
				      &m.device_time);
		m.has_device_time = true;
		m.raw_device_time = m.device_time;
		m.has_raw_device_time = true;
	}
	i = vdev_records_add(d, &o->records, &m, CHR_NOTIFY);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: record %u stored",
		   o->records.r[i].seq);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_eufy_1byone = {
	.id = "eufy_1byone",
	.default_driver = "eufy_1byone",
	.init = init,
	.action = action,
	.write = onebyone_write,
	.delivered = onebyone_delivered,
	.disconnected = onebyone_disconnected,
	.free = vdev_model_free_data,
};
