// SPDX-License-Identifier: MIT
/*
 * Firmware model: a PICOOC scale on GATT (PICOOC-CQ / S3 Lite V2.0, the
 * Latin series; with "new_opcodes": true a newer model), which repeats
 * every frame until the app acknowledges it. The device's side is written
 * from openScale's PicoocHandler.kt (oliexdev/openScale@b692649f) and the
 * PICOOC-CQ session its PicoocHandlerTest.kt publishes
 * (oliexdev/openScale@0a251157), not from the gateway's driver:
 *
 *   service 0xFFF0
 *     0xFFF1  notify  the scale's frames, [opcode][length][payload] BE
 *     0xFFF2  write   the app's frames
 *
 * Once 0xFFF1 is subscribed the scale sends its handshake, the captured
 * 3A 12 0A 00 … 46 47 03 (51 0B 01 … 09 for a newer model), asking for the
 * time: P1 0A 3A TT TT TT TT 00 UU 00 (P1 the prefix F1, A1 for a newer
 * model; T Unix seconds BE: `clock set to … (+N s), unit kg`). It weighs
 * only once it has the profile 31 06 01 SX HH AA (`profile: …`; the CQ never
 * asks for it with 0x30). A weighing is one settled frame
 *
 *   39 10 TT TT TT TT WW WW ZZ ZZ LL LL 00 PP PP 00   (0x52 newer)
 *     T the scale's clock, W kg / 0.05, Z Ohm / 0.1, L lb / 0.1, P 0
 *
 * acknowledged with P1 03 39; with a "heart_rate" reading, 4 s later
 * 3C 05 00 00 01 (measuring), acknowledged, and 6.4 s later
 * 3C 05 00 HH 02 (the result), acknowledged, as in the capture; then the
 * scale hangs up (`hangs up: done`). A frame not acknowledged is sent
 * again every second, ten times, then the scale hangs up (`hangs up: no
 * answer to 0xOP`): PicoocHandler.kt documents this for the heart-rate
 * frame of a PICOOC-CQ; this model does it for every frame it waits on.
 * An app frame with the other prefix, a wrong length, or one the scale is
 * not waiting for is ignored (`frame ignored: <hex> (<why>)`).
 *
 * Scenario switches of ours (not in the source): a weighing whose weight
 * frame was not acknowledged is kept and sent again, with its first date,
 * on the next link; fault "lose_ack" N: the first N acknowledgements of a
 * weight frame are lost in the air and the link drops (with
 * "off_after_drop_s" S: the scale is then off for S seconds, as one powers
 * off after a weighing, and comes back with the weighing it kept).
 *
 * Action "weigh" (readings: body_weight, impedance, heart_rate): kept
 * until a link has the profile.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_NOTIFY 0xFFF1
#define CHR_WRITE 0xFFF2
#define PENDING_MAX 4
#define RESEND_S 1.0
#define RESEND_MAX 10
#define HR_START_S 4.0
#define HR_RESULT_S 6.4

enum pc_state { PC_OFF, PC_HANDSHAKE, PC_TIMED, PC_READY };

struct pc_weighing {
	uint32_t time; /* the scale's clock when weighed */
	double kg, ohm;
	unsigned bpm; /* 0: no heart rate */
};

struct picooc {
	bool new_opcodes;
	int lose_ack;
	int off_after_drop_s;
	int64_t clock_offset; /* scale clock − host clock, seconds */
	enum pc_state state;
	unsigned gen; /* timers of an older link or frame do nothing */
	/* the frame waiting for its acknowledgement (len 0: none) */
	uint8_t out[20];
	size_t out_len;
	const char *out_what;
	unsigned tries;
	unsigned hr_phase; /* 0 none, 1 measuring sent, 2 result sent */
	struct pc_weighing hr; /* the weighing whose heart rate runs */
	size_t n_pending;
	struct pc_weighing pending[PENDING_MAX];
};

static uint8_t prefix(const struct picooc *p)
{
	return p->new_opcodes ? 0xA1 : 0xF1;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct picooc *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	d->model_data = p;
	p->new_opcodes = cJSON_IsTrue(
		cJSON_GetObjectItemCaseSensitive(conf, "new_opcodes"));
	p->lose_ack = vdev_conf_int(conf, "lose_ack", 0);
	p->off_after_drop_s = vdev_conf_int(conf, "off_after_drop_s", 0);
	p->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR))
		return -ENOSPC;
	return 0;
}

static void notify(struct vdev_device *d, const uint8_t *b, size_t n,
		   const char *what)
{
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), b, n, what);
}

static void resend_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct picooc *p = d->model_data;

	(void)v;
	if ((unsigned)(uintptr_t)arg != p->gen || !p->out_len || !d->connected)
		return;
	if (++p->tries > RESEND_MAX) {
		vdev_print(d->vdev, d->id, "hangs up: no answer to 0x%02X",
			   p->out[0]);
		p->out_len = 0;
		(void)vdev_queue_drop(d, "no answer");
		return;
	}
	notify(d, p->out, p->out_len, p->out_what);
	(void)vdev_after(d->vdev, d, RESEND_S, resend_fn, arg, NULL);
}

/* Send a frame and repeat it until it is answered. */
static void send_awaited(struct vdev_device *d, struct picooc *p,
			 const uint8_t *b, size_t n, const char *what)
{
	memcpy(p->out, b, n);
	p->out_len = n;
	p->out_what = what;
	p->tries = 0;
	p->gen++;
	notify(d, b, n, what);
	(void)vdev_after(d->vdev, d, RESEND_S, resend_fn,
			 (void *)(uintptr_t)p->gen, NULL);
}

static void answered(struct picooc *p)
{
	p->out_len = 0;
	p->gen++; /* the resend timer stops */
}

static void send_weight(struct vdev_device *d, struct picooc *p)
{
	const struct pc_weighing *w = &p->pending[0];
	uint8_t b[16] = { p->new_opcodes ? 0x52 : 0x39, sizeof(b) };

	hv_put_be32(b + 2, w->time);
	hv_put_be16(b + 6, (uint16_t)(w->kg * 20 + 0.5));
	hv_put_be16(b + 8, (uint16_t)(w->ohm * 10 + 0.5));
	hv_put_be16(b + 10, (uint16_t)(w->kg / 0.45359237 * 10 + 0.5));
	send_awaited(d, p, b, sizeof(b), "weight (settled)");
}

static void next_weighing(struct vdev_device *d, struct picooc *p)
{
	if (p->state == PC_READY && !p->out_len && !p->hr_phase &&
	    p->n_pending && d->connected)
		send_weight(d, p);
}

static void hang_up_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct picooc *p = d->model_data;

	(void)v;
	if ((unsigned)(uintptr_t)arg != p->gen || !d->connected)
		return;
	vdev_print(d->vdev, d->id, "hangs up: done");
	(void)vdev_queue_drop(d, "done");
}

/* A weighing and its heart rate are through: the next, or hang up. */
static void weighing_done(struct vdev_device *d, struct picooc *p)
{
	p->hr_phase = 0;
	if (p->n_pending) {
		next_weighing(d, p);
		return;
	}
	p->gen++;
	(void)vdev_after(d->vdev, d, 1.0, hang_up_fn, (void *)(uintptr_t)p->gen,
			 NULL);
}

static void hr_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct picooc *p = d->model_data;
	uint8_t b[5] = { 0x3C, sizeof(b) };

	(void)v;
	if ((unsigned)(uintptr_t)arg != p->gen || !d->connected)
		return;
	if (p->hr_phase == 0) {
		p->hr_phase = 1;
		b[4] = 0x01;
		send_awaited(d, p, b, sizeof(b), "heart rate measuring");
	} else {
		p->hr_phase = 2;
		hv_put_be16(b + 2, (uint16_t)p->hr.bpm);
		b[4] = 0x02;
		send_awaited(d, p, b, sizeof(b), "heart rate result");
	}
}

static void after_ack(struct vdev_device *d, struct picooc *p, uint8_t op)
{
	answered(p);
	if (op == 0x3C) {
		if (p->hr_phase == 1) {
			(void)vdev_after(d->vdev, d, HR_RESULT_S, hr_fn,
					 (void *)(uintptr_t)p->gen, NULL);
			return;
		}
		weighing_done(d, p);
		return;
	}
	/* the weight is through: the weighing is forgotten */
	p->hr = p->pending[0];
	memmove(&p->pending[0], &p->pending[1],
		(p->n_pending - 1) * sizeof(p->pending[0]));
	p->n_pending--;
	vdev_print(d->vdev, d->id, "weight acknowledged");
	if (!p->hr.bpm) {
		weighing_done(d, p);
		return;
	}
	(void)vdev_after(d->vdev, d, HR_START_S, hr_fn,
			 (void *)(uintptr_t)p->gen, NULL);
}

static int64_t host_now(void)
{
	return (int64_t)time(NULL);
}

static const char *take_time(struct vdev_device *d, struct picooc *p,
			     const uint8_t *b, size_t len)
{
	struct hv_datetime dt;
	int64_t t;

	if (len != 10 || b[1] != 0x0A || (b[2] != 0x3A && b[2] != 0x35) ||
	    b[7] != 0 || b[9] != 0)
		return "not a time frame";
	if (p->state != PC_HANDSHAKE)
		return "time not asked for";
	t = hv_be32(b + 3);
	p->clock_offset = t - host_now();
	p->state = PC_TIMED;
	answered(p);
	hv_datetime_from_unix(t, &dt);
	vdev_print(d->vdev, d->id,
		   "clock set to %04u-%02u-%02u %02u:%02u UTC (%+lld s), unit %s",
		   dt.year, dt.month, dt.day, dt.hour, dt.minute,
		   (long long)p->clock_offset,
		   b[8] == 0 ? "kg" : b[8] == 1 ? "lb" : "other");
	return NULL;
}

static const char *take_frame(struct vdev_device *d, struct picooc *p,
			      const uint8_t *b, size_t len)
{
	if (len >= 1 && b[0] == 0x31) {
		if (len != 6 || b[1] != 0x06 || b[2] != 0x01 ||
		    (b[3] != 1 && b[3] != 2))
			return "not a profile";
		if (p->state < PC_TIMED)
			return "profile before the time";
		vdev_print(d->vdev, d->id, "profile: %s, %u cm, age %u",
			   b[3] == 1 ? "male" : "female", 100 + b[4] / 2,
			   b[5]);
		p->state = PC_READY;
		next_weighing(d, p);
		return NULL;
	}
	if (len < 3)
		return "too short";
	if (b[0] != prefix(p))
		return "prefix";
	if (b[1] == 0x0A)
		return take_time(d, p, b, len);
	if (len != 3 || b[1] != 0x03)
		return "not an acknowledgement";
	if (!p->out_len || p->out[0] != b[2] || p->state != PC_READY)
		return "nothing of that to acknowledge";
	if ((b[2] == 0x39 || b[2] == 0x52) && p->lose_ack > 0) {
		p->lose_ack--;
		answered(p);
		vdev_print(d->vdev, d->id,
			   "acknowledgement lost, link drops (fault: lose_ack)");
		(void)vdev_queue_drop(d, "fault: lose_ack");
		if (p->off_after_drop_s > 0)
			(void)vdev_power_off_for(d, p->off_after_drop_s);
		return NULL;
	}
	after_ack(d, p, b[2]);
	return NULL;
}

static int picooc_write(struct vdev_device *d, struct vdev_char *c,
			const uint8_t *b, size_t len)
{
	struct picooc *p = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_frame(d, p, b, len);
	if (fault)
		vdev_print_ignored(d, b, len, fault);
	return 0;
}

static void picooc_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	/* the PICOOC-CQ's captured handshake; the newer one's test frame */
	static const uint8_t cq[18] = { 0x3A, 0x12, 0x0A, 0, 0, 0, 0, 0, 0,
					0, 0, 0x10, 0x39, 0x03, 0xA0, 0x46,
					0x47, 0x03 };
	static const uint8_t newer[11] = { 0x51, 0x0B, 1, 2, 3, 4, 5, 6, 7, 8,
					   9 };
	struct picooc *p = d->model_data;

	if (!hv_uuid_is16(&c->uuid, CHR_NOTIFY) || p->state != PC_OFF)
		return;
	p->state = PC_HANDSHAKE;
	if (p->new_opcodes)
		send_awaited(d, p, newer, sizeof(newer), "handshake");
	else
		send_awaited(d, p, cq, sizeof(cq), "handshake");
}

static void picooc_disconnected(struct vdev_device *d)
{
	struct picooc *p = d->model_data;

	/* an unacknowledged weight stays first in line for the next link */
	p->state = PC_OFF;
	p->out_len = 0;
	p->hr_phase = 0;
	p->gen++;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct picooc *p = d->model_data;
	const struct hv_reading *w, *z, *hr;
	struct hv_measurement m;
	struct pc_weighing *pw;
	int r;

	if (p->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	hr = hv_measurement_find(&m, HV_METRIC_HEART_RATE);
	if (!w || w->value < 2 || w->value > 250 || (z && z->value > 6000) ||
	    (hr && (hr->value < 30 || hr->value > 250)))
		return -EINVAL;
	pw = &p->pending[p->n_pending++];
	*pw = (struct pc_weighing){
		.time = (uint32_t)(host_now() + p->clock_offset),
		.kg = w->value,
		.ohm = z ? z->value : 0,
		.bpm = hr ? (unsigned)(hr->value + 0.5) : 0,
	};
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", w->value);
	next_weighing(d, p);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_picooc = {
	.id = "picooc",
	.default_driver = "picooc",
	.init = init,
	.action = action,
	.write = picooc_write,
	.subscribed = picooc_subscribed,
	.disconnected = picooc_disconnected,
	.free = vdev_model_free_data,
};
