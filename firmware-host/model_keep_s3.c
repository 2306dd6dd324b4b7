// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Keep S3 body-composition scale, which answers every
 * request of the Keep app's set-up and has each of its events and its
 * final record acknowledged. Written from openScale's KeepS3Handler.kt and
 * its KeepS3HandlerTest.kt (oliexdev/openScale@f7a733b2: the captured
 * final events and the final record's layout), not from the gateway's
 * driver:
 *
 *   service 0x00FF
 *     0xFF01  notify  the scale's frames
 *     0xFF02  write   the app's frames
 *
 * Frames TT 53 OP 00 LL payload (TT 1 request, 2 response, 3 event, 4
 * acknowledgement; a response and an acknowledgement carry the status 80
 * before the LL payload bytes). The scale answers the set-up requests in
 * the order the Keep app sends them (openScale's init sequence): 38, 0A
 * (its time, u32 BE), 01 (the time it is given: `clock set to … UTC (+N
 * s)`), 05 (unit), E7, F5 (01), F5 (01), 03 (battery 95), 20, 32 (the
 * profile: token twice, the previous record, height, birth date:
 * `profile: 164 cm, born YYYY-MM-DD`); then 36 with the profile's token
 * (`measuring started` / `stopped`). A request out of turn, of another
 * form, or a 36 with another token is ignored (`frame ignored: <hex>
 * (<why>)`): ours, the source names no refusal.
 *
 * A weighing, once measuring: a live event (03 53 57 00 08, stage 00), the
 * final event (stage 29: weight raw / 200 kg, the scale's own impedance
 * figure 0 = none, heart rate), each acknowledged 04 53 57 00 00 80, then
 * the final record (03 53 58 00 3D: the token pair, weight, the 50 and 100
 * kHz impedances in the vendor encoding, phase angles −7.6°, heart rate),
 * acknowledged 04 53 58 00 00 80 (`record acknowledged`). The impedance
 * encoding is written from the decoding rule KeepS3Handler.kt gives
 * (U = 2Z, L = 0).
 *
 * Ours, not the source's: a frame waiting for its acknowledgement is sent
 * again each second, five times at most; a weighing whose record was not
 * sent is measured again on the next link; fault "drop_before_record" N:
 * the first N weighings lose the link after the final event's
 * acknowledgement.
 *
 * Action "weigh" (readings: body_weight, impedance, heart_rate): kept
 * until a link started measuring.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0x00FF
#define CHR_NOTIFY 0xFF01
#define CHR_WRITE 0xFF02
#define PENDING_MAX 4
#define REPEAT_S 1.0
#define REPEAT_MAX 5
#define TOKEN_LEN 48

static const uint8_t setup_order[] = { 0x38, 0x0A, 0x01, 0x05, 0xE7, 0xF5,
				       0xF5, 0x03, 0x20, 0x32 };

struct ks_weighing {
	double kg, ohm;
	unsigned bpm;
};

struct keep_s3 {
	int drop_before_record;
	int64_t clock_offset; /* scale clock − host clock */
	size_t step; /* set-up requests answered on this link */
	bool measuring;
	uint8_t token[TOKEN_LEN];
	unsigned stage; /* 0 idle, 1 live, 2 final event, 3 record: out */
	uint8_t out[66];
	size_t out_len;
	unsigned tries, gen;
	size_t n_pending;
	struct ks_weighing pending[PENDING_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct keep_s3 *k;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	d->model_data = k;
	k->drop_before_record = vdev_conf_int(conf, "drop_before_record", 0);
	k->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

static void notify(struct vdev_device *d, const uint8_t *b, size_t n,
		   const char *what)
{
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), b, n, what);
}

static void respond(struct vdev_device *d, uint8_t op, const uint8_t *data,
		    size_t n)
{
	uint8_t b[16] = { 0x02, 0x53, op, 0x00, (uint8_t)n, 0x80 };

	if (n)
		memcpy(b + 6, data, n);
	notify(d, b, 6 + n, "response");
}

static const char *stage_name(unsigned stage)
{
	return stage == 1 ? "live event" : stage == 2 ? "final event" :
							"final record";
}

static void repeat_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct keep_s3 *k = d->model_data;

	(void)v;
	if ((unsigned)(uintptr_t)arg != k->gen || !k->out_len ||
	    !d->connected || ++k->tries > REPEAT_MAX)
		return;
	notify(d, k->out, k->out_len, stage_name(k->stage));
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn, arg, NULL);
}

/* The vendor encoding of Z: U = 2Z, L = 0 in KeepS3Handler.kt's rule. */
static void put_impedance(uint8_t *p, double ohm)
{
	unsigned u = (unsigned)(2 * ohm + 0.5);

	if (ohm <= 0 || u > 0xFFF) {
		p[0] = p[1] = p[2] = 0xFF;
		return;
	}
	p[0] = (uint8_t)(u & 0xFF);
	p[1] = (uint8_t)(u >> 8);
	p[2] = 0;
}

static void send_stage(struct vdev_device *d, struct keep_s3 *k, unsigned st)
{
	const struct ks_weighing *w = &k->pending[0];
	uint8_t *b = k->out;

	memset(k->out, 0, sizeof(k->out));
	b[0] = 0x03;
	b[1] = 0x53;
	if (st < 3) {
		b[2] = 0x57;
		b[4] = 0x08;
		b[5] = st == 2 ? 0x29 : 0x00;
		hv_put_be16(b + 6,
			    (uint16_t)(w->kg * (st == 2 ? 200 : 180) + 0.5));
		b[12] = st == 2 ? (uint8_t)w->bpm : 0;
		k->out_len = 13;
	} else {
		b[2] = 0x58;
		b[4] = 0x3D;
		memcpy(b + 5, k->token, TOKEN_LEN);
		hv_put_be16(b + 53, (uint16_t)(w->kg * 200 + 0.5));
		put_impedance(b + 55, w->ohm);
		put_impedance(b + 58, w->ohm * 0.945);
		hv_put_be16(b + 61, (uint16_t)-76);
		hv_put_be16(b + 63, (uint16_t)-76);
		b[65] = (uint8_t)w->bpm;
		k->out_len = 66;
	}
	k->stage = st;
	k->tries = 0;
	notify(d, k->out, k->out_len, stage_name(st));
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn,
			 (void *)(uintptr_t)++k->gen, NULL);
}

static void go_on(struct vdev_device *d, struct keep_s3 *k)
{
	if (k->measuring && !k->stage && k->n_pending && d->connected)
		send_stage(d, k, 1);
}

static const char *take_ack(struct vdev_device *d, struct keep_s3 *k,
			    const uint8_t *b, size_t len)
{
	if (len != 6 || b[4] != 0 || b[5] != 0x80)
		return "not an acknowledgement";
	if (!k->stage || b[2] != (k->stage == 3 ? 0x58 : 0x57))
		return "acknowledges nothing sent";
	k->out_len = 0;
	k->gen++;
	if (k->stage == 1) {
		send_stage(d, k, 2);
		return NULL;
	}
	if (k->stage == 2) {
		if (k->drop_before_record > 0) {
			k->drop_before_record--;
			k->stage = 0;
			(void)vdev_queue_drop(d, "fault: drop_before_record");
			return NULL;
		}
		send_stage(d, k, 3);
		return NULL;
	}
	k->stage = 0;
	memmove(&k->pending[0], &k->pending[1],
		(k->n_pending - 1) * sizeof(k->pending[0]));
	k->n_pending--;
	vdev_print(d->vdev, d->id, "record acknowledged");
	go_on(d, k);
	return NULL;
}

static const char *take_request(struct vdev_device *d, struct keep_s3 *k,
				const uint8_t *b, size_t len)
{
	static const uint8_t f5[1] = { 0x01 }, battery[1] = { 95 };
	uint8_t op = b[2], t[4];
	struct hv_datetime dt;
	int64_t when;

	if (op == 0x36 && k->step == sizeof(setup_order)) {
		if (len != 55 || memcmp(b + 5, k->token, TOKEN_LEN) != 0 ||
		    b[53] != 0 || b[54] > 1)
			return "control with another token";
		k->measuring = b[54] == 1;
		vdev_print(d->vdev, d->id, "measuring %s",
			   k->measuring ? "started" : "stopped");
		respond(d, op, NULL, 0);
		go_on(d, k);
		return NULL;
	}
	if (k->step == sizeof(setup_order) || op != setup_order[k->step])
		return "request out of turn";
	switch (op) {
	case 0x0A:
		hv_put_be32(t, (uint32_t)(time(NULL) + k->clock_offset));
		k->step++;
		respond(d, op, t, sizeof(t));
		return NULL;
	case 0x01:
		if (len != 9)
			return "time length";
		when = hv_be32(b + 5);
		k->clock_offset = when - (int64_t)time(NULL);
		hv_datetime_from_unix(when, &dt);
		vdev_print(d->vdev, d->id,
			   "clock set to %04u-%02u-%02u %02u:%02u UTC (%+lld s)",
			   dt.year, dt.month, dt.day, dt.hour, dt.minute,
			   (long long)k->clock_offset);
		break;
	case 0x05:
		if (len != 6 || b[5] > 2)
			return "unit";
		break;
	case 0x32:
		if (len != 68)
			return "profile length";
		memcpy(k->token, b + 5, TOKEN_LEN);
		vdev_print(d->vdev, d->id, "profile: %u cm, born %04u-%02u-%02u",
			   b[63], hv_be16(b + 64), b[66], b[67]);
		break;
	default:
		if (len != 5)
			return "request length";
		break;
	}
	k->step++;
	if (op == 0xF5)
		respond(d, op, f5, sizeof(f5));
	else if (op == 0x03)
		respond(d, op, battery, sizeof(battery));
	else
		respond(d, op, NULL, 0);
	return NULL;
}

static const char *take_frame(struct vdev_device *d, struct keep_s3 *k,
			      const uint8_t *b, size_t len)
{
	if (len < 5 || b[1] != 0x53 || b[3] != 0)
		return "not a frame";
	if (b[0] == 0x04)
		return take_ack(d, k, b, len);
	if (b[0] != 0x01 || len != 5u + b[4])
		return "not a request";
	return take_request(d, k, b, len);
}

static int keep_s3_write(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *v, size_t len)
{
	struct keep_s3 *k = d->model_data;
	const char *why;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	why = take_frame(d, k, v, len);
	if (why)
		vdev_print_ignored(d, v, len, why);
	return 0;
}

static void keep_s3_disconnected(struct vdev_device *d)
{
	struct keep_s3 *k = d->model_data;

	/* a weighing whose record was not acknowledged is measured again */
	k->step = 0;
	k->measuring = false;
	k->stage = 0;
	k->out_len = 0;
	k->gen++;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct keep_s3 *k = d->model_data;
	const struct hv_reading *w, *z, *hr;
	struct hv_measurement m;
	int r;

	if (k->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	hr = hv_measurement_find(&m, HV_METRIC_HEART_RATE);
	if (!w || w->value <= 0 || w->value * 200 > UINT16_MAX ||
	    (hr && (hr->value < 0 || hr->value > 255)))
		return -EINVAL;
	k->pending[k->n_pending++] = (struct ks_weighing){
		.kg = w->value,
		.ohm = z ? z->value : 0,
		.bpm = hr ? (unsigned)(hr->value + 0.5) : 0,
	};
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", w->value);
	go_on(d, k);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_keep_s3 = {
	.id = "keep_s3",
	.default_driver = "keep_s3",
	.init = init,
	.action = action,
	.write = keep_s3_write,
	.disconnected = keep_s3_disconnected,
	.free = vdev_model_free_data,
};
