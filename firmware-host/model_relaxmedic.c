// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Relaxmedic body-composition scale (Fitdays app,
 * icomon protocol 107), whose result comes in two fragments and is
 * repeated until the app acknowledges it. Written from openScale's
 * RelaxmedicHandler.kt (oliexdev/openScale@f7a733b2) and the live frames of
 * openScale issue #1434, not from the gateway's driver:
 *
 *   service 0xFFB0
 *     0xFFB1  write     the app's frames (profile, acknowledgements)
 *     0xFFB2  notify    live weights (A2)
 *     0xFFB3  indicate  the result (A3)
 *
 * Every frame, both ways, is 20 bytes: SQ LL FR payload[16] CS (SQ the
 * sender's sequence number, LL the message's length after its command
 * byte, FR the fragment index, CS = sum of bytes 3..18 & 0x1F). The scale
 * drops an app frame with a wrong checksum, length or form silently (the
 * source says so of the checksum; `frame ignored: <hex> (<why>)` here).
 *
 * It weighs for the app only once it has a valid profile (BA: Unix time,
 * UTC offset, user id, height, profile weight, (sex << 7) | age, 0x2F;
 * `profile: … cm, …, age …`), as the source says it gates its display on
 * it. A weighing: two live frames (A2, state, u32 BE with the grams in the
 * low 18 bits, the high bits set as in the capture) on 0xFFB2, then
 * the result on 0xFFB3: fragment 0 = A3, the weight word, one unused byte,
 * impedances 1..5 (u16 BE, 0.1 Ohm); fragment 1 = impedances 6..10 (LL 25
 * in both). The scale repeats the result (the source: "the scale repeats
 * this frame several times") every second until it gets B0 SQ 00 with the
 * SQ of its last fragment (`result acknowledged`); five times at most here.
 * An acknowledgement with another SQ is ignored.
 *
 * Scenario switches of ours: a result not acknowledged is kept and sent
 * again on the next link; fault "drop_between_fragments" N: the first N
 * results lose the link after fragment 0.
 *
 * Action "weigh" (readings: body_weight; "impedances": ten values in Ohm,
 * default the set of openScale's Wla25BodyCompositionTest.kt): kept until
 * a link has the profile.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFB0
#define CHR_WRITE 0xFFB1
#define CHR_LIVE 0xFFB2
#define CHR_RESULT 0xFFB3
#define FRAME 20
#define PENDING_MAX 4
#define N_OHM 10
#define REPEAT_S 1.0
#define REPEAT_MAX 5

struct rx_weighing {
	double kg;
	double ohm[N_OHM];
};

struct relaxmedic {
	int drop_between; /* results left that lose the link mid-way */
	bool profiled; /* this link sent a valid profile */
	bool awaiting_ack;
	uint8_t last_sq; /* of the result's last fragment */
	uint8_t sq;
	unsigned tries, gen;
	size_t n_pending;
	struct rx_weighing pending[PENDING_MAX];
};

static const double wla25_set[N_OHM] = { 20.0,	300.0, 320.0, 310.0, 305.0,
					 18.0,	300.0, 315.0, 308.0, 302.0 };

static uint8_t frame_sum(const uint8_t *f)
{
	return hv_sum8(f + 3, 16) & 0x1F;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct relaxmedic *x;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	d->model_data = x;
	x->drop_between = vdev_conf_int(conf, "drop_between_fragments", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_LIVE, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_RESULT, VDEV_CHAR_INDICATE))
		return -ENOSPC;
	return 0;
}

/* SQ LL FR, then the message bytes given, zero-filled, then the sum. */
static void send(struct vdev_device *d, struct relaxmedic *x, uint16_t chr,
		 uint8_t ll, uint8_t fr, const uint8_t *msg, size_t n,
		 const char *what)
{
	uint8_t f[FRAME] = { x->sq++, ll, fr };

	memcpy(f + 3, msg, n);
	f[FRAME - 1] = frame_sum(f);
	if (chr == CHR_RESULT)
		x->last_sq = f[0];
	(void)vdev_queue_notify(d, vdev_find_char(d, chr), f, sizeof(f), what);
}

static uint32_t weight_word(double kg)
{
	return 0x25000000u | ((uint32_t)(kg * 1000 + 0.5) & 0x3FFFFu);
}

static void send_live(struct vdev_device *d, struct relaxmedic *x, double kg)
{
	uint8_t m[5] = { 0xA2, 0x01 };

	hv_put_be32(m + 1, weight_word(kg));
	send(d, x, CHR_LIVE, 0x07, 0, m, sizeof(m), "live");
}

static void send_result(struct vdev_device *d, struct relaxmedic *x)
{
	const struct rx_weighing *w = &x->pending[0];
	uint8_t m0[16] = { 0xA3 }, m1[10];

	hv_put_be32(m0 + 1, weight_word(w->kg));
	for (size_t i = 0; i < 5; i++) {
		hv_put_be16(m0 + 6 + 2 * i, (uint16_t)(w->ohm[i] * 10 + 0.5));
		hv_put_be16(m1 + 2 * i, (uint16_t)(w->ohm[5 + i] * 10 + 0.5));
	}
	send(d, x, CHR_RESULT, 0x19, 0, m0, sizeof(m0), "result, fragment 0");
	if (x->drop_between > 0) {
		x->drop_between--;
		(void)vdev_queue_drop(d, "fault: drop_between_fragments");
		return;
	}
	send(d, x, CHR_RESULT, 0x19, 1, m1, sizeof(m1), "result, fragment 1");
}

static void repeat_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct relaxmedic *x = d->model_data;

	(void)v;
	if ((unsigned)(uintptr_t)arg != x->gen || !x->awaiting_ack ||
	    !d->connected || ++x->tries > REPEAT_MAX)
		return;
	send_result(d, x);
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn, arg, NULL);
}

static void next_weighing(struct vdev_device *d, struct relaxmedic *x)
{
	if (!x->profiled || x->awaiting_ack || !x->n_pending || !d->connected)
		return;
	send_live(d, x, x->pending[0].kg * 0.9);
	send_live(d, x, x->pending[0].kg);
	x->awaiting_ack = true;
	x->tries = 0;
	send_result(d, x);
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn,
			 (void *)(uintptr_t)++x->gen, NULL);
}

static const char *take_profile(struct vdev_device *d, struct relaxmedic *x,
				const uint8_t *f)
{
	int64_t t = hv_be32(f + 4), off;
	unsigned tz = hv_be16(f + 8);

	if (f[1] != 0x10)
		return "profile length";
	if (f[18] != 0x2F)
		return "profile flags";
	off = t - (int64_t)time(NULL);
	x->profiled = true;
	vdev_print(d->vdev, d->id,
		   "profile: %u cm, %s, age %u, clock %+lld s, UTC offset %c%u min",
		   f[14], f[17] & 0x80 ? "male" : "female", f[17] & 0x7F,
		   (long long)off, tz & 0x8000 ? '-' : '+', tz & 0x7FFF);
	next_weighing(d, x);
	return NULL;
}

static const char *take_frame(struct vdev_device *d, struct relaxmedic *x,
			      const uint8_t *f, size_t len)
{
	if (len != FRAME)
		return "length";
	if (frame_sum(f) != f[FRAME - 1])
		return "checksum";
	if (f[2] != 0)
		return "fragment";
	if (f[3] == 0xBA)
		return take_profile(d, x, f);
	if (f[3] != 0xB0 || f[1] != 0x02 || f[5] != 0)
		return "unknown";
	if (!x->awaiting_ack || f[4] != x->last_sq)
		return "acknowledges no result";
	x->awaiting_ack = false;
	x->gen++;
	memmove(&x->pending[0], &x->pending[1],
		(x->n_pending - 1) * sizeof(x->pending[0]));
	x->n_pending--;
	vdev_print(d->vdev, d->id, "result acknowledged");
	next_weighing(d, x);
	return NULL;
}

static int relaxmedic_write(struct vdev_device *d, struct vdev_char *c,
			    const uint8_t *v, size_t len)
{
	struct relaxmedic *x = d->model_data;
	const char *why;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	why = take_frame(d, x, v, len);
	if (why)
		vdev_print_ignored(d, v, len, why);
	return 0;
}

static void relaxmedic_disconnected(struct vdev_device *d)
{
	struct relaxmedic *x = d->model_data;

	/* an unacknowledged result stays first in line */
	x->profiled = false;
	x->awaiting_ack = false;
	x->gen++;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(ev, "impedances");
	struct relaxmedic *x = d->model_data;
	const struct hv_reading *w;
	struct hv_measurement m;
	struct rx_weighing *rw;
	const cJSON *o;
	size_t i = 0;
	int r;

	if (x->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	if (!w || w->value <= 0 || w->value * 1000 > 0x3FFFF)
		return -EINVAL;
	rw = &x->pending[x->n_pending];
	rw->kg = w->value;
	memcpy(rw->ohm, wla25_set, sizeof(rw->ohm));
	if (list) {
		if (cJSON_GetArraySize(list) != N_OHM)
			return -EINVAL;
		cJSON_ArrayForEach(o, list) {
			if (!cJSON_IsNumber(o) || o->valuedouble < 0 ||
			    o->valuedouble > 6000)
				return -EINVAL;
			rw->ohm[i++] = o->valuedouble;
		}
	}
	x->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", w->value);
	next_weighing(d, x);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_relaxmedic = {
	.id = "relaxmedic",
	.default_driver = "relaxmedic",
	.init = init,
	.action = action,
	.write = relaxmedic_write,
	.disconnected = relaxmedic_disconnected,
	.free = vdev_model_free_data,
};
