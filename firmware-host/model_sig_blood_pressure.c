// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Bluetooth SIG blood-pressure cuff (Blood Pressure Service
 * 0x1810) that keeps its readings. As BPS cuffs do (the service has no
 * RACP; docs/drivers.md, "Stored records"), it indicates every
 * stored reading as soon as the collector enables indications on 0x2A35,
 * oldest first, and forgets each one it sent. It also answers a Record
 * Access Control Point, as some newer cuffs offer:
 *
 *   service 0x1810
 *     0x2A35 Blood Pressure Measurement   indicate  (frames from the driver)
 *     0x2A49 Blood Pressure Feature       read      uint16, 0
 *     0x2A52 Record Access Control Point  write, indicate
 *
 * RACP requests (Op Code | Operator | Operand):
 *   01 01 / 01 05 / 01 06      report all / first / last: one 0x2A35
 *                              indication per record, then 06 00 01 01
 *   01 03 01 nn nn             report records with sequence >= nnnn
 *   04 01                      count: 05 00 nn nn
 *   02 01                      delete all: 06 00 02 01
 *   03 00                      abort: 06 00 03 01
 *   no record matches          06 00 01 06; unknown op 06 00 op 02;
 *   bad operator               06 00 op 04 (05 for a bad operand)
 * The RACP CCC must be on first (else ATT error 0xFD, as the spec requires).
 *
 * Settings: "records" [{readings, time, user}], "racp_only": true for a cuff
 * that hands stored readings out only on RACP request (no push on
 * subscription), "keep_until_confirmed": true for a cuff that keeps its
 * stored readings until a whole transfer went out on one link (a link lost
 * mid-way: all of them are indicated again on the next connection), faults
 * "disconnect_after" N
 * (the link drops after the N-th record of the first transfer, once) and
 * "corrupt_record".
 * Actions: "measure" (a new reading: indicated at once when subscribed,
 * stored otherwise) and "store" (stored only).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/vdev.h"

#define BPS 0x1810
#define BPM 0x2A35
#define BP_FEATURE 0x2A49
#define RACP 0x2A52
#define ATT_CCC_IMPROPER 0xFD

struct bp {
	struct vdev_records records;
	int disconnect_after; /* 0 once the fault happened */
	bool racp_only; /* no push of stored readings on subscription */
	bool keep_until_confirmed; /* forget records only after a whole push */
	struct vdev_char *bpm, *racp;
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	struct vdev_service *s;
	struct bp *bp;

	bp = calloc(1, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	d->model_data = bp;
	s = vdev_add_service(d, BPS);
	bp->bpm = vdev_add_char(s, BPM, VDEV_CHAR_INDICATE);
	(void)vdev_add_char(s, BP_FEATURE, VDEV_CHAR_READ);
	bp->racp = vdev_add_char(s, RACP, VDEV_CHAR_WRITE | VDEV_CHAR_INDICATE);
	bp->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	bp->racp_only = cJSON_IsTrue(cJSON_GetObjectItem(conf, "racp_only"));
	bp->keep_until_confirmed =
		cJSON_IsTrue(cJSON_GetObjectItem(conf, "keep_until_confirmed"));
	return vdev_records_load(d, &bp->records, conf, BPM);
}

static int bp_read(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		size_t size, size_t *ret_len)
{
	(void)d;
	if (!hv_uuid_is16(&c->uuid, BP_FEATURE) || size < 2)
		return VDEV_ATT_READ_NOT_PERMITTED;
	buf[0] = buf[1] = 0;
	*ret_len = 2;
	return 0;
}

static void respond(struct vdev_device *d, struct bp *bp, uint8_t op,
		    uint8_t code)
{
	const uint8_t v[4] = { 0x06, 0x00, op, code };

	(void)vdev_queue_notify(d, bp->racp, v, sizeof(v), "racp response");
}

static int report(struct vdev_device *d, struct bp *bp, const uint8_t *v,
		  size_t len)
{
	size_t first = 0, last = bp->records.n, sent = 0;
	char what[32];

	switch (len >= 2 ? v[1] : 0) {
	case 1: /* all */
		break;
	case 3: /* >= sequence number */
		if (len != 5 || v[2] != 0x01) {
			respond(d, bp, v[0], 0x05);
			return 0;
		}
		while (first < last &&
		       bp->records.r[first].seq < (uint16_t)(v[3] | v[4] << 8))
			first++;
		break;
	case 5: /* first */
		last = first + (last > 0);
		break;
	case 6: /* last */
		first = last > 0 ? last - 1 : 0;
		break;
	default:
		respond(d, bp, v[0], 0x04);
		return 0;
	}
	if (first >= last) {
		respond(d, bp, v[0], 0x06);
		return 0;
	}
	for (size_t i = first; i < last; i++) {
		snprintf(what, sizeof(what), "record %u",
			 bp->records.r[i].seq);
		(void)vdev_queue_notify(d, bp->bpm, bp->records.r[i].value,
					bp->records.r[i].len, what);
		if (++sent == (size_t)bp->disconnect_after) {
			bp->disconnect_after = 0;
			(void)vdev_queue_drop(d, "mid-transfer fault");
			return 0;
		}
	}
	respond(d, bp, v[0], 0x01);
	return 0;
}

/* Indications on 0x2A35 enabled: send the stored readings, each forgotten
 * once sent (queued before any link loss, so it reaches the collector). With
 * keep_until_confirmed they all stay until the last one was delivered. */
static void push_stored(struct vdev_device *d, struct bp *bp)
{
	char what[32];
	int sent = 0;

	if (bp->keep_until_confirmed) {
		for (size_t i = 0; i < bp->records.n; i++) {
			const struct vdev_record *rec = &bp->records.r[i];
			bool last = i + 1 == bp->records.n;

			snprintf(what, sizeof(what), "record %u", rec->seq);
			(void)vdev_queue_notify_tagged(d, bp->bpm, rec->value,
						       rec->len, what,
						       last ? rec->seq : 0);
			if (++sent == bp->disconnect_after) {
				bp->disconnect_after = 0;
				(void)vdev_queue_drop(d, "mid-transfer fault");
				return;
			}
		}
		return;
	}
	while (bp->records.n > 0 && vdev_bus_delivers(d, bp->bpm)) {
		snprintf(what, sizeof(what), "record %u", bp->records.r[0].seq);
		(void)vdev_queue_notify(d, bp->bpm, bp->records.r[0].value,
					bp->records.r[0].len, what);
		vdev_records_remove(&bp->records, 0);
		if (++sent == bp->disconnect_after) {
			bp->disconnect_after = 0;
			(void)vdev_queue_drop(d, "mid-transfer fault");
			return;
		}
	}
}

/* keep_until_confirmed: the last record of a push went out, so the whole
 * transfer did; forget what it covered. */
static void delivered(struct vdev_device *d, struct vdev_char *c, unsigned tag)
{
	struct bp *bp = d->model_data;
	size_t n = 0;

	if (c != bp->bpm)
		return;
	while (bp->records.n > 0 && bp->records.r[0].seq <= tag) {
		vdev_records_remove(&bp->records, 0);
		n++;
	}
	vdev_print(d->vdev, d->id, "transfer confirmed: %zu record%s forgotten",
		   n, n == 1 ? "" : "s");
}

static void subscribed(struct vdev_device *d, struct vdev_char *c)
{
	struct bp *bp = d->model_data;

	if (c == bp->bpm && !bp->racp_only)
		push_stored(d, bp);
}

static int bp_write(struct vdev_device *d, struct vdev_char *c,
		 const uint8_t *v, size_t len)
{
	struct bp *bp = d->model_data;
	uint8_t count[4];

	if (c != bp->racp)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (!vdev_bus_delivers(d, bp->racp))
		return ATT_CCC_IMPROPER;
	if (len < 2) {
		respond(d, bp, len ? v[0] : 0, 0x03);
		return 0;
	}
	switch (v[0]) {
	case 1:
		return report(d, bp, v, len);
	case 2:
		if (v[1] != 1) {
			respond(d, bp, v[0], 0x04);
			return 0;
		}
		bp->records.n = 0;
		respond(d, bp, v[0], 0x01);
		return 0;
	case 3:
		vdev_queue_clear(d);
		respond(d, bp, v[0], 0x01);
		return 0;
	case 4:
		if (v[1] != 1) {
			respond(d, bp, v[0], 0x04);
			return 0;
		}
		count[0] = 0x05;
		count[1] = 0x00;
		count[2] = (uint8_t)bp->records.n;
		count[3] = (uint8_t)(bp->records.n >> 8);
		(void)vdev_queue_notify(d, bp->racp, count, sizeof(count),
					"racp count");
		return 0;
	default:
		respond(d, bp, v[0], 0x02);
		return 0;
	}
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct bp *bp = d->model_data;
	int i, r;

	if (strcmp(what, "measure") != 0 && strcmp(what, "store") != 0)
		return -EOPNOTSUPP;
	i = vdev_records_add_json(d, &bp->records, ev, BPM);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "new reading (record %u, %zu stored)",
		   bp->records.r[i].seq, bp->records.n);
	if (strcmp(what, "measure") == 0 && vdev_bus_delivers(d, bp->bpm)) {
		r = vdev_queue_notify(d, bp->bpm, bp->records.r[i].value,
				      bp->records.r[i].len, "live");
		vdev_records_remove(&bp->records, (size_t)i);
		return r;
	}
	return 0;
}

const struct vdev_model vdev_model_sig_blood_pressure = {
	.id = "sig_blood_pressure",
	.default_driver = "sig_blood_pressure",
	.init = init,
	.action = action,
	.read = bp_read,
	.write = bp_write,
	.subscribed = subscribed,
	.delivered = delivered,
	.free = vdev_model_free_data,
};
