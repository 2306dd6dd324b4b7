// SPDX-License-Identifier: MIT
/*
 * Firmware model: a RyFit / ChronoCloud body-composition scale, which
 * computes the composition once it has the app's profile and hands the
 * result over in two packets, each acknowledged. Written from openScale's
 * RyFitHandler.kt (oliexdev/openScale@f7a733b2), not from the gateway's
 * driver:
 *
 *   service 0xFFE0
 *     0xFFE1  notify, write (and without response)  both ways
 *
 * App to scale: FA F8 t(u32 LE, Unix seconds), answered FB F8 (`clock set
 * to … UTC (+N s)`); C0 09 HC AG SX, the profile of guest slot 9 (`profile:
 * 180 cm, age 24, male`; HC = 2 × cm − 200); FA P0 P1 P2, the
 * acknowledgement of a result packet (its first three bytes). A weighing:
 * two live frames D2 00 WH WL (0.1 kg), then, once this link gave a
 * profile (openScale sends it after the clock answer and again after the
 * first live weight: the scale measures for that person), packet 1
 * (D0 00 01 …: [8..9] weight, [10..11] fat %, [12..13] water %, u16 BE
 * / 10) and, after its acknowledgement, packet 2 (D0 00 00 …: [4..5]
 * muscle %, [6..7] bone % of the weight, / 10; [8..9] BMR kcal; [12]
 * visceral level); `result acknowledged` after the second. No checksum:
 * a frame of another form, or an acknowledgement of a packet not sent, is
 * ignored (`frame ignored: <hex> (<why>)`).
 *
 * Ours, not the source's: a packet not acknowledged is sent again each
 * second, five times at most; a result not fully acknowledged is kept
 * and sent again, whole, on the next link; fault "drop_after_first" N: the
 * first N results lose the link once packet 1 is acknowledged.
 *
 * Action "weigh" (readings: body_weight, body_fat_percent,
 * body_water_percent, muscle_percent, bone_mass, basal_metabolic_rate,
 * visceral_fat_rating): kept until a link set the clock.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFE0
#define CHR 0xFFE1
#define PENDING_MAX 4
#define REPEAT_S 1.0
#define REPEAT_MAX 5

struct rf_weighing {
	double kg, fat, water, muscle, bone_kg, bmr, visceral;
};

struct ryfit {
	int drop_after_first;
	bool timed, profiled;
	unsigned packet; /* 0 none out, 1 or 2: the packet awaiting its ack */
	bool live_sent;
	unsigned tries, gen;
	size_t n_pending;
	struct rf_weighing pending[PENDING_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct ryfit *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	d->model_data = r;
	r->drop_after_first = vdev_conf_int(conf, "drop_after_first", 0);
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR, VDEV_CHAR_NOTIFY | VDEV_CHAR_WRITE |
						 VDEV_CHAR_WRITE_NR))
		return -ENOSPC;
	return 0;
}

static void notify(struct vdev_device *d, const uint8_t *b, size_t n,
		   const char *what)
{
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR), b, n, what);
}

static void put10(uint8_t *p, double v)
{
	hv_put_be16(p, (uint16_t)(v * 10 + 0.5));
}

static void send_packet(struct vdev_device *d, struct ryfit *r)
{
	const struct rf_weighing *w = &r->pending[0];
	uint8_t b[14] = { 0xD0, 0x00 };

	if (r->packet == 1) {
		b[2] = 0x01;
		put10(b + 8, w->kg);
		put10(b + 10, w->fat);
		put10(b + 12, w->water);
		notify(d, b, sizeof(b), "result packet 1");
		return;
	}
	put10(b + 4, w->muscle);
	put10(b + 6, w->bone_kg / w->kg * 100);
	hv_put_be16(b + 8, (uint16_t)(w->bmr + 0.5));
	b[12] = (uint8_t)(w->visceral + 0.5);
	notify(d, b, sizeof(b), "result packet 2");
}

static void repeat_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct ryfit *r = d->model_data;

	(void)v;
	if ((unsigned)(uintptr_t)arg != r->gen || !r->packet || !d->connected ||
	    ++r->tries > REPEAT_MAX)
		return;
	send_packet(d, r);
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn, arg, NULL);
}

static void start_packet(struct vdev_device *d, struct ryfit *r, unsigned n)
{
	r->packet = n;
	r->tries = 0;
	send_packet(d, r);
	(void)vdev_after(d->vdev, d, REPEAT_S, repeat_fn,
			 (void *)(uintptr_t)++r->gen, NULL);
}

/* Live weights on a timed link; the result once it has a profile. */
static void go_on(struct vdev_device *d, struct ryfit *r)
{
	uint8_t b[4] = { 0xD2, 0x00 };

	if (!r->timed || !r->n_pending || r->packet || !d->connected)
		return;
	if (!r->live_sent) {
		r->live_sent = true;
		hv_put_be16(b + 2, (uint16_t)(r->pending[0].kg * 9 + 0.5));
		notify(d, b, sizeof(b), "live");
		put10(b + 2, r->pending[0].kg);
		notify(d, b, sizeof(b), "live");
	}
	if (r->profiled)
		start_packet(d, r, 1);
}

static const char *take_ack(struct vdev_device *d, struct ryfit *r,
			    const uint8_t *b)
{
	if (!r->packet || b[1] != 0xD0 || b[2] != 0x00 ||
	    b[3] != (r->packet == 1 ? 0x01 : 0x00))
		return "acknowledges no packet sent";
	r->gen++;
	if (r->packet == 1) {
		if (r->drop_after_first > 0) {
			r->drop_after_first--;
			r->packet = 0;
			(void)vdev_queue_drop(d, "fault: drop_after_first");
			return NULL;
		}
		start_packet(d, r, 2);
		return NULL;
	}
	r->packet = 0;
	r->live_sent = false;
	memmove(&r->pending[0], &r->pending[1],
		(r->n_pending - 1) * sizeof(r->pending[0]));
	r->n_pending--;
	vdev_print(d->vdev, d->id, "result acknowledged");
	go_on(d, r);
	return NULL;
}

static const char *take_frame(struct vdev_device *d, struct ryfit *r,
			      const uint8_t *b, size_t len)
{
	struct hv_datetime dt;
	int64_t t;

	if (len == 6 && b[0] == 0xFA && b[1] == 0xF8) {
		static const uint8_t ok[2] = { 0xFB, 0xF8 };

		t = hv_le32(b + 2);
		hv_datetime_from_unix(t, &dt);
		vdev_print(d->vdev, d->id,
			   "clock set to %04u-%02u-%02u %02u:%02u UTC (%+lld s)",
			   dt.year, dt.month, dt.day, dt.hour, dt.minute,
			   (long long)(t - (int64_t)time(NULL)));
		notify(d, ok, sizeof(ok), "clock answer");
		r->timed = true;
		go_on(d, r);
		return NULL;
	}
	if (len == 5 && b[0] == 0xC0) {
		if (b[1] != 0x09)
			return "not the guest slot";
		if (b[3] < 10 || b[3] > 100 || b[4] > 1)
			return "profile out of range";
		if (!r->profiled)
			vdev_print(d->vdev, d->id, "profile: %u cm, age %u, %s",
				   (b[2] + 200) / 2, b[3],
				   b[4] ? "male" : "female");
		r->profiled = true;
		go_on(d, r);
		return NULL;
	}
	if (len == 4 && b[0] == 0xFA)
		return take_ack(d, r, b);
	return "unknown";
}

static int ryfit_write(struct vdev_device *d, struct vdev_char *c,
		       const uint8_t *v, size_t len)
{
	struct ryfit *r = d->model_data;
	const char *why;

	if (!hv_uuid_is16(&c->uuid, CHR))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	why = take_frame(d, r, v, len);
	if (why)
		vdev_print_ignored(d, v, len, why);
	return 0;
}

static void ryfit_disconnected(struct vdev_device *d)
{
	struct ryfit *r = d->model_data;

	/* a result not fully acknowledged is measured again */
	r->timed = r->profiled = r->live_sent = false;
	r->packet = 0;
	r->gen++;
}

static double reading(const struct hv_measurement *m, enum hv_metric metric)
{
	const struct hv_reading *x = hv_measurement_find(m, metric);

	return x ? x->value : 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct ryfit *r = d->model_data;
	struct hv_measurement m;
	struct rf_weighing w;
	int ret;

	if (r->n_pending == PENDING_MAX)
		return -ENOSPC;
	ret = vdev_measurement_from_json(d, ev, &m);
	if (ret < 0)
		return ret;
	w = (struct rf_weighing){
		.kg = reading(&m, HV_METRIC_BODY_WEIGHT),
		.fat = reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		.water = reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		.muscle = reading(&m, HV_METRIC_MUSCLE_PERCENT),
		.bone_kg = reading(&m, HV_METRIC_BONE_MASS),
		.bmr = reading(&m, HV_METRIC_BASAL_METABOLIC_RATE),
		.visceral = reading(&m, HV_METRIC_VISCERAL_FAT_RATING),
	};
	if (w.kg <= 0.1 || w.kg > 6000 || w.visceral > 255 || w.bmr > 65535)
		return -EINVAL;
	r->pending[r->n_pending++] = w;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", w.kg);
	go_on(d, r);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_ryfit = {
	.id = "ryfit",
	.default_driver = "ryfit",
	.init = init,
	.action = action,
	.write = ryfit_write,
	.disconnected = ryfit_disconnected,
	.free = vdev_model_free_data,
};
