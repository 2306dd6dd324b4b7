// SPDX-License-Identifier: MIT
/*
 * Firmware model: a QN / Yolanda scale of type 1 (Renpho ES-CS20M and
 * rebrands) or type 2 (service 0xFFF0, the same frames), the scale that
 * leads the conversation: it says what it is, takes a configuration, asks
 * for the time and only then weighs (layout in
 * drivers/qn_scale.c, after openScale's QNHandler.kt,
 * oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFE0
 *     0xFFE1  notify    the scale's frames
 *     0xFFE2  indicate  (not used here)
 *     0xFFE3  write     the app's frames
 *     0xFFE4  write     (not used here)
 *
 *   type 2 (`"type": 2`): service 0xFFF0
 *     0xFFF1  notify    the scale's frames
 *     0xFFF2  write     the app's frames
 *
 * Every frame is OP LL PP … CS (LL its length, PP the protocol type, CS
 * the byte sum). Once 0xFFE1 (0xFFF1) is subscribed the scale sends its info (12,
 * [10] = 1: weights in 0.01 kg); it takes the configuration 13 09 PP UU …
 * (`config: unit kg|lb|…`) and answers with its time request (14); it
 * takes the time 20 08 PP t(u32 LE, seconds since 2000) (`clock set to …
 * (+N s)`), and then sends its weighings (two live 0x10 frames, then the
 * stable one, from the driver's encoder). The record handshake (A0 …) is
 * acknowledged (A1); a stored-record query (22 …) is answered with the
 * scale's stored slot (23, written here from the layout of
 * handleStoredMeasurementFrame in QNHandler.kt at the commit above):
 *
 *   23 12 PP 00 00 00 TT TT TT TT WW WW 00 R1 R1 R2 R2 CS
 *     T u32 LE, the scale's clock (QN epoch, as the app last set it),
 *     W u16 BE kg / 100, R1 = R2 the impedance (u16 LE); W = 0: empty
 *
 * The scale has one stored slot (openScale's "empty stored slot"; one
 * record per query): the last weighing made with no app connected. It is
 * never cleared (the source has no command for it), so every session gets
 * it again until a newer one replaces it. `"records"` in the device's JSON
 * fills the slot before t=0 (the last one given; its "time" is the
 * scale's clock). A frame with a wrong length, sum or protocol type, out
 * of order or unknown, is ignored (`frame ignored: <hex> (<why>)`).
 * Fault "corrupt_info" 1: the info frame goes out with a wrong sum, as a
 * garbled one. Fault "drop_on_query" N (a scenario switch of ours, not
 * from the source): the first N queries lose the link instead of an
 * answer.
 *
 * Action "weigh" (readings): sent once the clock is set on a subscribed
 * link, kept until then; with `"away": true` the weighing is made with no
 * app connected and goes to the stored slot (`keeps … kg`), dated by the
 * scale's clock.
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
#define T2_SVC 0xFFF0
#define T2_CHR_NOTIFY 0xFFF1
#define T2_CHR_WRITE 0xFFF2
#define PROTOCOL_TYPE 0xFF /* what the driver's encoder writes */
#define QN_EPOCH 946684800LL
#define PENDING_MAX 4

enum qn_state { QN_NEW, QN_CONFIGURED, QN_TIMED };

struct qn {
	bool corrupt_info;
	uint16_t notify_chr; /* 0xFFE1, or 0xFFF1 for type 2 */
	int drop_on_query; /* queries left that lose the link */
	int64_t clock_offset; /* scale clock − host local clock, seconds */
	bool has_slot;
	uint32_t slot_time; /* QN epoch, the scale's clock */
	uint16_t slot_raw; /* kg / 100 */
	uint16_t slot_impedance;
	enum qn_state state;
	size_t n_pending;
	struct hv_frame pending[PENDING_MAX][VDEV_WEIGH_FRAMES_MAX];
};

/* The host's local clock as the app writes it (QN epoch seconds). */
static int64_t host_local_qn(void)
{
	time_t now = time(NULL);
	struct tm tm;

	(void)localtime_r(&now, &tm);
	return (int64_t)now + tm.tm_gmtoff - QN_EPOCH;
}

static int keep(struct vdev_device *d, struct qn *q, const cJSON *o,
		int64_t t)
{
	const struct hv_reading *w, *z;
	struct hv_measurement m;
	int r;

	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	if (!w || w->value <= 5 || w->value >= 300 || t < 0 || t > UINT32_MAX)
		return -EINVAL;
	q->has_slot = true;
	q->slot_time = (uint32_t)t;
	q->slot_raw = (uint16_t)(w->value * 100 + 0.5);
	q->slot_impedance = z && z->value > 0 && z->value < UINT16_MAX ?
				    (uint16_t)(z->value + 0.5) :
				    0;
	return 0;
}

/* A record of the scenario: its "time" is the scale's clock. */
static int keep_json(struct vdev_device *d, struct qn *q, const cJSON *o)
{
	struct hv_measurement m;
	int r;

	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	if (!m.has_device_time)
		return -EINVAL;
	return keep(d, q, o, hv_datetime_to_unix(&m.device_time) - QN_EPOCH);
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	const cJSON *rec;
	struct qn *q;
	int r;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	d->model_data = q;
	q->corrupt_info = vdev_conf_int(conf, "corrupt_info", 0) != 0;
	q->drop_on_query = vdev_conf_int(conf, "drop_on_query", 0);
	q->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(conf, "records")) {
		r = keep_json(d, q, rec);
		if (r < 0)
			return r;
	}
	if (vdev_conf_int(conf, "type", 1) == 2) {
		/* type 2: one notify and one write characteristic */
		q->notify_chr = T2_CHR_NOTIFY;
		s = vdev_add_service(d, T2_SVC);
		if (!s || !vdev_add_char(s, T2_CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
		    !vdev_add_char(s, T2_CHR_WRITE, VDEV_CHAR_WRITE))
			return -ENOSPC;
		return 0;
	}
	q->notify_chr = CHR_NOTIFY;
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR_NOTIFY, VDEV_CHAR_NOTIFY) ||
	    !vdev_add_char(s, CHR_INDICATE, VDEV_CHAR_INDICATE) ||
	    !vdev_add_char(s, CHR_WRITE, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, CHR_WRITE2, VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

static struct qn *q_of(struct vdev_device *d)
{
	return d->model_data;
}

/* OP LL PP, n - 4 payload bytes (zero but [3] = b3), the sum. */
static void send_frame(struct vdev_device *d, uint8_t op, size_t n, uint8_t b3,
		       const char *what)
{
	uint8_t b[24] = { op, (uint8_t)n, PROTOCOL_TYPE, b3 };

	b[n - 1] = hv_sum8(b, n - 1);
	(void)vdev_queue_notify(d, vdev_find_char(d, q_of(d)->notify_chr), b, n,
				what);
}

static void send_record(struct vdev_device *d, struct qn *q)
{
	uint8_t b[18] = { 0x23, sizeof(b), PROTOCOL_TYPE };

	if (q->drop_on_query > 0) {
		q->drop_on_query--;
		(void)vdev_queue_drop(d, "fault: drop_on_query");
		return;
	}
	if (!q->has_slot) {
		send_frame(d, 0x23, sizeof(b), 0x00, "no stored record");
		return;
	}
	hv_put_le32(b + 6, q->slot_time);
	hv_put_be16(b + 10, q->slot_raw);
	hv_put_le16(b + 13, q->slot_impedance);
	hv_put_le16(b + 15, q->slot_impedance);
	b[sizeof(b) - 1] = hv_sum8(b, sizeof(b) - 1);
	(void)vdev_queue_notify(d, vdev_find_char(d, q->notify_chr), b, sizeof(b),
				"stored record");
}

static void send_pending(struct vdev_device *d, struct qn *q)
{
	struct vdev_char *c = vdev_find_char(d, q->notify_chr);

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

	if (!hv_uuid_is16(&c->uuid, q->notify_chr))
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
		/* the app writes its local clock */
		off = (int64_t)hv_le32(v + 3) - host_local_qn();
		q->clock_offset = off;
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
		send_record(d, q);
		return NULL;
	default:
		return "unknown";
	}
}

static int qn_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct qn *q = d->model_data;
	const char *fault;

	if (!hv_uuid_is16(&c->uuid, CHR_WRITE) &&
	    !hv_uuid_is16(&c->uuid, CHR_WRITE2) &&
	    !hv_uuid_is16(&c->uuid, T2_CHR_WRITE))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	fault = take_frame(d, q, v, len);
	if (fault)
		vdev_print_ignored(d, v, len, fault);
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

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "away"))) {
		r = keep(d, q, ev, host_local_qn() + q->clock_offset);
		if (r < 0)
			return r;
		vdev_print(d->vdev, d->id, "keeps %.2f kg in its stored slot",
			   q->slot_raw / 100.0);
		return 0;
	}

	if (q->n_pending == PENDING_MAX)
		return -ENOSPC;
	r = vdev_weigh_frames(d, ev, q->notify_chr, q->pending[q->n_pending],
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
	.free = vdev_model_free_data,
};
