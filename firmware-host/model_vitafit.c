// SPDX-License-Identifier: MIT
/*
 * Firmware model: Vitafit VT701 "Body Fat" scale, which greets the app
 * and measures the impedance only once the app acknowledged the stable
 * weight (layout in drivers/vitafit.c, after openScale's
 * VitafitVT701Handler.kt, oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFF0
 *     0xFFF1  notify                          the scale's frames
 *     0xFFF2  write, write without response   the app's frames
 *
 * Both ways: HH LL 26 TT data… CS AA (HH 5A scale, A5 app; LL the length
 * − 2; CS the XOR of LL … the last data byte). The scale checks the app's
 * frames and ignores a wrong one (`frame ignored: <hex> (<why>)`): the
 * three greetings in order (33 00, 44, 17 01: `greeted`), then, for a
 * weighing, its acknowledgement of the stable weight (10 02: the
 * impedance frame follows, `weight acknowledged`) and of the impedance
 * (11 00: `impedance acknowledged`). The frames are the driver's encoder's:
 * two settling weights, the stable one, and after the acknowledgement the
 * impedance. Fault "checksum": "sum" makes a firmware that checks a byte
 * sum instead of the XOR, which then ignores the app's greetings.
 *
 * Action "weigh" (readings): sent once a link greeted, kept until then.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vendor_util.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFF0
#define CHR_NOTIFY 0xFFF1
#define CHR_WRITE 0xFFF2
#define PENDING_MAX 4

struct vitafit {
	bool sum_checksum;
	unsigned greeted; /* greetings taken on this link, 3: all */
	bool awaiting_ack; /* the stable weight went out */
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX][VDEV_WEIGH_FRAMES_MAX + 1];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(conf, "checksum");
	struct vdev_service *s;
	struct vitafit *v;

	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->model_data = v;
	v->sum_checksum = cJSON_IsString(cs) && strcmp(cs->valuestring, "sum") == 0;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR))
		return -ENOSPC;
	return 0;
}

/* The next weighing's frames up to the stable weight. */
static void send_weighing(struct vdev_device *d, struct vitafit *v)
{
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);

	if (v->greeted < 3 || v->awaiting_ack || !v->n_pending ||
	    !vdev_bus_delivers(d, c))
		return;
	for (size_t j = 0; j < VDEV_WEIGH_FRAMES_MAX; j++)
		(void)vdev_queue_notify(d, c, v->pending[0][j].value,
					v->pending[0][j].value_len,
					j + 1 < VDEV_WEIGH_FRAMES_MAX ? "settling" :
									"stable");
	v->awaiting_ack = true;
}

static void send_impedance(struct vdev_device *d, struct vitafit *v)
{
	struct hv_frame *f = &v->pending[0][VDEV_WEIGH_FRAMES_MAX];

	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), f->value,
				f->value_len, "impedance");
	memmove(&v->pending[0], &v->pending[1],
		(v->n_pending - 1) * sizeof(v->pending[0]));
	v->n_pending--;
	v->awaiting_ack = false;
}

static const char *take_frame(struct vdev_device *d, struct vitafit *v,
			      const uint8_t *b, size_t len)
{
	static const uint8_t greetings[3][2] = { { 0x33, 0x00 }, { 0x44, 0 },
						 { 0x17, 0x01 } };
	uint8_t check;
	size_t n;

	if (len < 6 || b[0] != 0xA5 || b[2] != 0x26 || b[len - 1] != 0xAA ||
	    b[1] != len - 2)
		return "not a frame";
	check = v->sum_checksum ? hv_sum8(b + 1, len - 3) : hv_xor8(b + 1, len - 3);
	if (b[len - 2] != check)
		return "checksum";
	n = len - 6; /* data bytes */
	if (v->greeted < 3) {
		const uint8_t *g = greetings[v->greeted];

		if (b[3] != g[0] || n != (v->greeted == 1 ? 0u : 1u) ||
		    (n && b[4] != g[1]))
			return "greeting out of order";
		if (++v->greeted == 3) {
			vdev_print(d->vdev, d->id, "greeted");
			send_weighing(d, v);
		}
		return NULL;
	}
	if (b[3] == 0x10 && n == 1 && b[4] == 0x02 && v->awaiting_ack) {
		vdev_print(d->vdev, d->id, "weight acknowledged");
		send_impedance(d, v);
		return NULL;
	}
	if (b[3] == 0x11 && n == 1 && b[4] == 0x00) {
		vdev_print(d->vdev, d->id, "impedance acknowledged");
		send_weighing(d, v);
		return NULL;
	}
	return "unexpected";
}

static int vitafit_write(struct vdev_device *d, struct vdev_char *c,
			 const uint8_t *b, size_t len)
{
	struct vitafit *v = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_frame(d, v, b, len);
	if (fault)
		vdev_print_ignored(d, b, len, fault);
	return 0;
}

static void vitafit_disconnected(struct vdev_device *d)
{
	struct vitafit *v = d->model_data;

	/* a weighing whose impedance did not go out is measured again */
	v->greeted = 0;
	v->awaiting_ack = false;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct vitafit *v = d->model_data;
	struct hv_frame *f;
	struct hv_measurement m;
	double kg;
	int r;

	if (v->n_pending == PENDING_MAX)
		return -ENOSPC;
	f = v->pending[v->n_pending];
	r = vdev_weigh_frames(d, ev, CHR_NOTIFY, f, VDEV_WEIGH_FRAMES_MAX, &kg);
	if (r < 0)
		return r;
	/* the stable weight without its impedance; the impedance frame */
	r = vdev_measurement_from_json(d, ev, &m);
	if (r < 0)
		return r;
	m.final = true;
	r = vdev_encode(d, &m, CHR_NOTIFY, &f[VDEV_WEIGH_FRAMES_MAX]);
	if (r < 0)
		return r;
	m.n_readings = 0;
	(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, kg);
	r = vdev_encode(d, &m, CHR_NOTIFY, &f[VDEV_WEIGH_FRAMES_MAX - 1]);
	if (r < 0)
		return r;
	v->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", kg);
	send_weighing(d, v);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_vitafit = {
	.id = "vitafit",
	.default_driver = "vitafit",
	.init = init,
	.action = action,
	.write = vitafit_write,
	.disconnected = vitafit_disconnected,
	.free = vdev_model_free_data,
};
