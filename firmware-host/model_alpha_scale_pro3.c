// SPDX-License-Identifier: MIT
/*
 * Firmware model: ALPHA Smart Scale PRO 3 ("MY_SCALE"), a FitDays "AC 27"
 * scale that keeps its weighings until the phone acknowledges each (layout
 * in drivers/alpha_scale_pro3.c, after openScale's
 * AlphaSmartScalePro3Handler.kt and AlphaSmartScalePro3Lib.kt,
 * oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFB0
 *     0xFFB1  write    the phone's frames (20 bytes, AC 27 … type CS)
 *     0xFFB2  notify   the scale's frames (the driver's encoder)
 *
 * The scale checks every frame: AC 27 head, 20 bytes, the checksum (the
 * phone writes the low byte of the sum of [2..18]; "checksum": "masked"
 * makes a firmware that wants the 5-bit one it sends itself), a known type
 * in the right order; anything else is ignored (`frame ignored: <hex>
 * (<why>)`). The vendor app's order: D0 (its clock, Unix u32 BE, and the
 * profile: height [9], age [12], sex [13] 1 male / 2 female), DF 01
 * (session start), D0 again; then the scale sends its stored records (D8,
 * dated by its clock) one at a time, each forgotten when the phone
 * acknowledges it (DF 04 D8) and the next sent; a record whose
 * acknowledgement does not arrive stays for the next link. A weighing on a
 * started link with nothing left to acknowledge goes out as two live
 * frames (D5) and the result (D6, with its impedance), acknowledged with
 * DF 04 D6; otherwise it is stored as a record (without its impedance,
 * which a D8 has no room for), dated by the scale's clock.
 *
 * Scenario: "records" (readings with "time", UTC), "checksum", fault
 * "disconnect_after" N (the link drops right after the N-th record sent,
 * before its acknowledgement; once). Action "weigh" (readings).
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

#define SVC 0xFFB0
#define CHR_WRITE 0xFFB1
#define CHR_NOTIFY 0xFFB2
#define FRAME_LEN 20
#define TYPE_AT 18
#define TYPE_LIVE 0xD5
#define TYPE_FINAL 0xD6
#define TYPE_RECORD 0xD8
#define TYPE_PROFILE 0xD0
#define TYPE_CONTROL 0xDF
#define PENDING_MAX 4

enum link_state {
	LINK_NEW, /* nothing taken yet */
	LINK_PROFILE, /* the first D0 */
	LINK_STARTED, /* DF 01 after it */
	LINK_OPEN, /* D0 again: records and results go out */
};

struct ac27 {
	bool masked_checksum;
	int disconnect_after; /* 0 once the fault happened */
	enum link_state state;
	uint16_t record_sent; /* seq of the record awaiting its ack; 0 none */
	bool result_sent; /* a D6 awaiting its ack */
	unsigned records_sent; /* on this link */
	uint16_t drop_at; /* the fault: the link drops once this one is out */
	struct vdev_records records;
	size_t n_pending; /* weighings waiting for an open link */
	struct hv_frame pending[PENDING_MAX][VDEV_WEIGH_FRAMES_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(conf, "checksum");
	struct vdev_service *s;
	struct ac27 *a;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	d->model_data = a;
	if (cs && !(cJSON_IsString(cs) && (strcmp(cs->valuestring, "masked") == 0 ||
					   strcmp(cs->valuestring, "byte") == 0))) {
		vdev_print(d->vdev, d->id, "\"checksum\": \"byte\" or \"masked\"");
		return -EINVAL;
	}
	a->masked_checksum = cs && strcmp(cs->valuestring, "masked") == 0;
	a->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	return vdev_records_load(d, &a->records, conf, CHR_NOTIFY);
}

static void send_result(struct vdev_device *d, struct ac27 *a,
			struct vdev_char *c)
{
	for (size_t j = 0; j < VDEV_WEIGH_FRAMES_MAX; j++)
		(void)vdev_queue_notify(d, c, a->pending[0][j].value,
					a->pending[0][j].value_len,
					j + 1 < VDEV_WEIGH_FRAMES_MAX ? "live" :
									"result");
	memmove(&a->pending[0], &a->pending[1],
		(a->n_pending - 1) * sizeof(a->pending[0]));
	a->n_pending--;
	a->result_sent = true;
}

/* The oldest record, else a weighing's result, once nothing awaits an ack. */
static void send_next(struct vdev_device *d, struct ac27 *a)
{
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);
	char what[32];

	if (a->state != LINK_OPEN || a->record_sent || a->result_sent ||
	    !vdev_bus_delivers(d, c))
		return;
	if (a->records.n > 0) {
		a->record_sent = a->records.r[0].seq;
		(void)snprintf(what, sizeof(what), "record %u", a->record_sent);
		if (a->disconnect_after > 0 &&
		    ++a->records_sent == (unsigned)a->disconnect_after) {
			a->disconnect_after = 0;
			a->drop_at = a->record_sent;
		}
		(void)vdev_queue_notify_tagged(d, c, a->records.r[0].value,
					       a->records.r[0].len, what,
					       a->record_sent);
		return;
	}
	if (a->n_pending > 0)
		send_result(d, a, c);
}

static const char *frame_fault(const struct ac27 *a, const uint8_t *v,
			       size_t len)
{
	uint8_t sum;

	if (len != FRAME_LEN || v[0] != 0xAC || v[1] != 0x27)
		return "not an AC 27 frame";
	sum = hv_sum8(v + 2, TYPE_AT + 1 - 2);
	if (v[FRAME_LEN - 1] != (a->masked_checksum ? (sum & 0x1F) : sum))
		return "checksum";
	return NULL;
}

static const char *take_profile(struct vdev_device *d, struct ac27 *a,
				const uint8_t *v)
{
	if (v[13] != 1 && v[13] != 2)
		return "sex";
	if (a->state == LINK_NEW)
		a->state = LINK_PROFILE;
	else if (a->state == LINK_STARTED)
		a->state = LINK_OPEN;
	else
		return "profile out of order";
	vdev_print(d->vdev, d->id, "clock set to %u, profile %u cm, %u y, %s",
		   (unsigned)hv_be32(v + 2), v[9], v[12],
		   v[13] == 1 ? "male" : "female");
	return NULL;
}

static const char *take_control(struct vdev_device *d, struct ac27 *a,
				const uint8_t *v)
{
	if (v[2] == 0x01) {
		if (a->state != LINK_PROFILE)
			return "start out of order";
		a->state = LINK_STARTED;
		vdev_print(d->vdev, d->id, "session started");
		return NULL;
	}
	if (v[2] != 0x04)
		return "unknown control";
	if (v[3] == TYPE_RECORD && a->record_sent) {
		for (size_t i = 0; i < a->records.n; i++)
			if (a->records.r[i].seq == a->record_sent) {
				vdev_records_remove(&a->records, i);
				break;
			}
		vdev_print(d->vdev, d->id, "record %u acknowledged, %zu kept",
			   a->record_sent, a->records.n);
		a->record_sent = 0;
		return NULL;
	}
	if (v[3] == TYPE_FINAL && a->result_sent) {
		a->result_sent = false;
		vdev_print(d->vdev, d->id, "result acknowledged");
		return NULL;
	}
	return "acknowledges nothing sent";
}

static int ac27_write(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *v, size_t len)
{
	struct ac27 *a = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = frame_fault(a, v, len);
	if (!fault) {
		if (v[TYPE_AT] == TYPE_PROFILE)
			fault = take_profile(d, a, v);
		else if (v[TYPE_AT] == TYPE_CONTROL)
			fault = take_control(d, a, v);
		else
			fault = "unknown type";
	}
	if (fault) {
		/* the write succeeds: the firmware drops the frame */
		vdev_print_ignored(d, v, len, fault);
		return 0;
	}
	send_next(d, a);
	return 0;
}

/* The fault: the link drops as the record leaves, before any answer. */
static void ac27_delivered(struct vdev_device *d, struct vdev_char *c,
			   unsigned tag)
{
	struct ac27 *a = d->model_data;

	(void)c;
	if (!a->drop_at || tag != a->drop_at)
		return;
	a->drop_at = 0;
	vdev_print(d->vdev, d->id, "drops the link (fault: disconnect_after)");
	vdev_queue_clear(d);
	vdev_bus_link_lost(d);
}

static void ac27_disconnected(struct vdev_device *d)
{
	struct ac27 *a = d->model_data;

	/* what was not acknowledged stays */
	a->state = LINK_NEW;
	a->record_sent = 0;
	a->result_sent = false;
	a->records_sent = 0;
}

static int store_record(struct vdev_device *d, struct ac27 *a,
			const cJSON *ev)
{
	struct hv_measurement m;
	const struct hv_reading *w;
	int i, r;

	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	if (!w)
		return -EINVAL;
	if (!m.has_device_time) {
		/* the scale's clock, Unix time as the phone set it */
		hv_datetime_from_unix((int64_t)time(NULL), &m.device_time);
		m.has_device_time = true;
		m.raw_device_time = m.device_time;
		m.has_raw_device_time = true;
	}
	m.n_readings = 0;
	(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, w->value);
	m.final = true;
	i = vdev_records_add(d, &a->records, &m, CHR_NOTIFY);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: record %u stored",
		   a->records.r[i].seq);
	return 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct ac27 *a = d->model_data;
	double kg;
	int r;

	if (a->state != LINK_OPEN || a->records.n > 0 || a->record_sent)
		return store_record(d, a, ev);
	if (a->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, CHR_NOTIFY, a->pending[a->n_pending],
			      VDEV_WEIGH_FRAMES_MAX, &kg);
	if (r < 0)
		return r;
	a->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", kg);
	send_next(d, a);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_alpha_scale_pro3 = {
	.id = "alpha_scale_pro3",
	.default_driver = "alpha_scale_pro3",
	.init = init,
	.action = action,
	.write = ac27_write,
	.delivered = ac27_delivered,
	.disconnected = ac27_disconnected,
	.free = vdev_model_free_data,
};
