// SPDX-License-Identifier: MIT
/*
 * Firmware model: a QN / Yolanda scale of type 1 (Renpho ES-CS20M and
 * rebrands), the scale that leads the conversation: it says what it is,
 * takes a configuration, asks for the time and only then weighs (layout in
 * drivers/qn_scale.c, after openScale's QNHandler.kt,
 * oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFE0
 *     0xFFE1  notify    the scale's frames
 *     0xFFE2  indicate  (not used here)
 *     0xFFE3  write     the app's frames
 *     0xFFE4  write     (not used here)
 *
 * Every frame is OP LL PP … CS (LL its length, PP the protocol type, CS
 * the byte sum). Once 0xFFE1 is subscribed the scale sends its info (12,
 * [10] = 1: weights in 0.01 kg); it takes the configuration 13 09 PP UU …
 * (`config: unit kg|lb|…`) and answers with its time request (14); it
 * takes the time 20 08 PP t(u32 LE, seconds since 2000) (`clock set to …
 * (+N s)`), and then sends its weighings (two live 0x10 frames, then the
 * stable one, from the driver's encoder). The record handshake (A0 …) is
 * acknowledged (A1); a stored-record query (22 …) is answered with an
 * empty slot (23, weight 0: this model keeps no records). A frame with a
 * wrong length, sum or protocol type, out of order or unknown, is ignored
 * (`frame ignored: <hex> (<why>)`). Fault "corrupt_info" 1: the info
 * frame goes out with a wrong sum, as a garbled one.
 *
 * Action "weigh" (readings): sent once the clock is set on a subscribed
 * link, kept until then.
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

#define SVC 0xFFE0
#define CHR_NOTIFY 0xFFE1
#define CHR_INDICATE 0xFFE2
#define CHR_WRITE 0xFFE3
#define CHR_WRITE2 0xFFE4
#define PROTOCOL_TYPE 0xFF /* what the driver's encoder writes */
#define QN_EPOCH 946684800LL
#define PENDING_MAX 4

enum qn_state { QN_NEW, QN_CONFIGURED, QN_TIMED };

struct qn {
	bool corrupt_info;
	enum qn_state state;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX][VDEV_WEIGH_FRAMES_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct qn *q;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	d->model_data = q;
	q->corrupt_info = vdev_conf_int(conf, "corrupt_info", 0) != 0;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_INDICATE, VDEV_CHAR_INDICATE) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_WRITE2, VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

static void model_free(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

/* OP LL PP, n - 4 payload bytes (zero but [3] = b3), the sum. */
static void send_frame(struct vdev_device *d, uint8_t op, size_t n, uint8_t b3,
		       const char *what)
{
	uint8_t b[24] = { op, (uint8_t)n, PROTOCOL_TYPE, b3 };

	b[n - 1] = hv_sum8(b, n - 1);
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR_NOTIFY), b, n, what);
}

static void send_pending(struct vdev_device *d, struct qn *q)
{
	struct vdev_char *c = vdev_find_char(d, CHR_NOTIFY);

	if (q->state != QN_TIMED || !vdev_bus_delivers(d, c))
		return;
	for (size_t i = 0; i < q->n_pending; i++)
		for (size_t j = 0; j < VDEV_WEIGH_FRAMES_MAX; j++)
			(void)vdev_queue_notify(d, c, q->pending[i][j].value,
						q->pending[i][j].value_len,
						j + 1 < VDEV_WEIGH_FRAMES_MAX ? "live" :
										"stable");
	q->n_pending = 0;
}

static void qn_subscribed(struct vdev_device *d, struct vdev_char *c)
{
	struct qn *q = d->model_data;
	uint8_t b[15] = { 0x12, sizeof(b), PROTOCOL_TYPE, [10] = 0x01 };

	if (!hv_uuid_is16(&c->uuid, CHR_NOTIFY))
		return;
	b[sizeof(b) - 1] = hv_sum8(b, sizeof(b) - 1);
	if (q->corrupt_info)
		b[sizeof(b) - 1] ^= 0x5A;
	(void)vdev_queue_notify(d, c, b, sizeof(b),
				q->corrupt_info ? "info (garbled)" : "info");
}

static const char *take_frame(struct vdev_device *d, struct qn *q,
			      const uint8_t *v, size_t len)
{
	struct hv_datetime dt;
	int64_t t, off;

	if (len < 4 || v[1] != len)
		return "length";
	if (hv_sum8(v, len - 1) != v[len - 1])
		return "sum";
	switch (v[0]) {
	case 0x13:
		if (v[2] != PROTOCOL_TYPE)
			return "protocol type";
		if (len != 9 || q->state != QN_NEW)
			return "config out of order";
		q->state = QN_CONFIGURED;
		vdev_print(d->vdev, d->id, "config: unit %s",
			   v[3] == 1 ? "kg" : v[3] == 2 ? "lb" : "other");
		send_frame(d, 0x14, 5, 0x00, "time request");
		return NULL;
	case 0x20:
		if (v[2] != PROTOCOL_TYPE)
			return "protocol type";
		if (len != 8 || q->state != QN_CONFIGURED)
			return "time out of order";
		q->state = QN_TIMED;
		t = QN_EPOCH + hv_le32(v + 3);
		hv_datetime_from_unix(t, &dt);
		{
			/* the app writes its local clock */
			time_t now = time(NULL);
			struct tm tm;

			(void)localtime_r(&now, &tm);
			off = t - ((int64_t)now + tm.tm_gmtoff);
		}
		vdev_print(d->vdev, d->id,
			   "clock set to %04u-%02u-%02u %02u:%02u (%+lld s)",
			   dt.year, dt.month, dt.day, dt.hour, dt.minute,
			   (long long)off);
		send_pending(d, q);
		return NULL;
	case 0xA0:
		if (len != 13)
			return "handshake length";
		send_frame(d, 0xA1, 5, v[2], "handshake acknowledged");
		return NULL;
	case 0x22:
		if (v[2] != PROTOCOL_TYPE)
			return "protocol type";
		send_frame(d, 0x23, 18, 0x00, "no stored record");
		return NULL;
	default:
		return "unknown";
	}
}

static int qn_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct qn *q = d->model_data;
	char hex[2 * HV_FRAME_DATA_MAX + 1];
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE) &&
	    !hv_uuid_is16(&c->uuid, CHR_WRITE2))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_frame(d, q, v, len);
	if (fault) {
		vdev_hex(v, len, hex, sizeof(hex));
		vdev_print(d->vdev, d->id, "frame ignored: %s (%s)", hex, fault);
	}
	return 0;
}

static void qn_disconnected(struct vdev_device *d)
{
	struct qn *q = d->model_data;

	q->state = QN_NEW;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct qn *q = d->model_data;
	double kg;
	int r;

	if (q->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, CHR_NOTIFY, q->pending[q->n_pending],
			      VDEV_WEIGH_FRAMES_MAX, &kg);
	if (r < 0)
		return r;
	q->n_pending++;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg", kg);
	send_pending(d, q);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_qn_scale = {
	.id = "qn_scale",
	.default_driver = "qn_scale",
	.init = init,
	.action = action,
	.write = qn_write,
	.subscribed = qn_subscribed,
	.disconnected = qn_disconnected,
	.free = model_free,
};
