// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Bluetooth SIG glucose meter (Glucose Service 0x1808,
 * GLS v1.0). A meter keeps its readings in memory, each with a sequence
 * number, and hands them out only when a Record Access Control Point
 * request ("report stored records") asks; it forgets none of them when
 * they are sent.
 *
 *   service 0x1808
 *     0x2A18 Glucose Measurement          notify    (frames from the driver)
 *     0x2A34 Glucose Measurement Context  notify    (none sent: the records
 *                                                    carry no context)
 *     0x2A51 Glucose Feature              read      uint16, 0
 *     0x2A52 Record Access Control Point  write, indicate
 *   service 0x1805 Current Time (with "clock_offset_s" only)
 *     0x2A2B Current Time                 read      10 octets
 *
 * RACP requests (Op Code | Operator | Operand):
 *   01 01 / 01 05 / 01 06      report all / first / last: one 0x2A18
 *                              notification per record, then 06 00 01 01
 *   01 03 01 nn nn             report records with sequence >= nnnn
 *   04 01 / 04 03 01 nn nn     number of records (all / >= nnnn): 05 00 nn nn
 *   02 01                      delete all: 06 00 02 01
 *   03 00                      abort: 06 00 03 01
 *   no record matches          06 00 01 06; unknown op 06 00 op 02;
 *   bad operator               06 00 op 04 (05 for a bad operand)
 * The RACP CCC must be on first (else ATT error 0xFD).
 *
 * Settings: "records" [{readings: {blood_glucose: mmol/L}, time, unit
 * ("mg/dL" or "mmol/L"), sample_type, sample_location}], "clock_offset_s"
 * (a Current Time service whose clock runs that many seconds ahead of the
 * host's, negative: behind; the records' times are in that clock), faults
 * "corrupt_record". Actions: "measure" and "store" (a new reading kept in
 * memory with the next sequence number; a meter sends nothing unasked).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/vdev.h"

#define GLS 0x1808
#define GM 0x2A18
#define GMC 0x2A34
#define GL_FEATURE 0x2A51
#define RACP 0x2A52
#define CTS 0x1805
#define CURRENT_TIME 0x2A2B
#define ATT_CCC_IMPROPER 0xFD

#define OP_REPORT 0x01
#define OP_DELETE 0x02
#define OP_ABORT 0x03
#define OP_COUNT 0x04
#define OPERATOR_ALL 0x01
#define OPERATOR_GE 0x03
#define OPERATOR_FIRST 0x05
#define OPERATOR_LAST 0x06
#define FILTER_SEQUENCE 0x01

#define RSP_SUCCESS 0x01
#define RSP_OP_UNSUPPORTED 0x02
#define RSP_INVALID_OPERATOR 0x03
#define RSP_OPERATOR_UNSUPPORTED 0x04
#define RSP_INVALID_OPERAND 0x05
#define RSP_NO_RECORDS 0x06

struct glucose {
	struct vdev_records records;
	struct vdev_char *gm, *racp;
	long clock_offset; /* seconds added to the host clock */
};

/* A reading of the scenario with the sequence number it gets when stored
 * (the driver's encoder puts it on the wire) and its sample type and
 * location as the decoder names them. */
static int add_record(struct vdev_device *d, struct glucose *g,
		      const cJSON *o)
{
	static const char *const keys[] = { "sample_type", "sample_location" };
	struct hv_measurement m;
	int r;

	if (cJSON_GetObjectItemCaseSensitive(o, "hex"))
		return vdev_records_add_json(d, &g->records, o, GM);
	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	m.sequence_number = g->records.next_seq ? g->records.next_seq : 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);

		if (cJSON_IsString(v) &&
		    hv_measurement_add_context(&m, keys[i], v->valuestring) < 0)
			return -ENOSPC;
	}
	return vdev_records_add(d, &g->records, &m, GM);
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *records = cJSON_GetObjectItemCaseSensitive(conf, "records");
	const cJSON *o;
	struct vdev_service *s;
	struct glucose *g;
	int corrupt, n = 0, r;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	d->model_data = g;
	s = vdev_add_service(d, GLS);
	g->gm = vdev_add_char(s, GM, VDEV_CHAR_NOTIFY);
	(void)vdev_add_char(s, GMC, VDEV_CHAR_NOTIFY);
	(void)vdev_add_char(s, GL_FEATURE, VDEV_CHAR_READ);
	g->racp = vdev_add_char(s, RACP, VDEV_CHAR_WRITE | VDEV_CHAR_INDICATE);
	if (cJSON_GetObjectItemCaseSensitive(conf, "clock_offset_s")) {
		g->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
		s = vdev_add_service(d, CTS);
		if (!vdev_add_char(s, CURRENT_TIME, VDEV_CHAR_READ))
			return -ENOSPC;
	}
	corrupt = vdev_conf_int(conf, "corrupt_record", 0);
	cJSON_ArrayForEach(o, records) {
		r = add_record(d, g, o);
		if (r < 0)
			return r;
		/* one byte short: a garbled record the decoder must reject */
		if (++n == corrupt && g->records.r[r].len > 1)
			g->records.r[r].len--;
	}
	return 0;
}

static int gl_read(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	const struct glucose *g = d->model_data;

	if (hv_uuid_is16(&c->uuid, CURRENT_TIME) && size >= 10) {
		vdev_current_time(g->clock_offset, buf);
		*ret_len = 10;
		return 0;
	}
	if (!hv_uuid_is16(&c->uuid, GL_FEATURE) || size < 2)
		return VDEV_ATT_READ_NOT_PERMITTED;
	buf[0] = buf[1] = 0;
	*ret_len = 2;
	return 0;
}

static void respond(struct vdev_device *d, struct glucose *g, uint8_t op,
		    uint8_t code)
{
	const uint8_t v[4] = { 0x06, 0x00, op, code };

	(void)vdev_queue_notify(d, g->racp, v, sizeof(v), "racp response");
}

/* The records a request's operator selects, [*ret_first, *ret_last);
 * a response code when the operator or operand is not understood. */
static int select_records(const struct glucose *g, const uint8_t *v,
			  size_t len, size_t *ret_first, size_t *ret_last)
{
	size_t first = 0, last = g->records.n;
	uint16_t from;

	switch (v[1]) {
	case OPERATOR_ALL:
		break;
	case OPERATOR_GE:
		if (len != 5 || v[2] != FILTER_SEQUENCE)
			return RSP_INVALID_OPERAND;
		from = (uint16_t)(v[3] | v[4] << 8);
		while (first < last && g->records.r[first].seq < from)
			first++;
		break;
	case OPERATOR_FIRST:
		last = first + (last > 0);
		break;
	case OPERATOR_LAST:
		first = last > 0 ? last - 1 : 0;
		break;
	default:
		return v[1] == 0 ? RSP_INVALID_OPERATOR :
				   RSP_OPERATOR_UNSUPPORTED;
	}
	*ret_first = first;
	*ret_last = last;
	return 0;
}

static void report(struct vdev_device *d, struct glucose *g, const uint8_t *v,
		   size_t len)
{
	size_t first, last;
	char what[32];
	int code;

	code = select_records(g, v, len, &first, &last);
	if (code) {
		respond(d, g, v[0], (uint8_t)code);
		return;
	}
	if (first >= last) {
		respond(d, g, v[0], RSP_NO_RECORDS);
		return;
	}
	for (size_t i = first; i < last; i++) {
		snprintf(what, sizeof(what), "record %u", g->records.r[i].seq);
		(void)vdev_queue_notify(d, g->gm, g->records.r[i].value,
					g->records.r[i].len, what);
	}
	respond(d, g, v[0], RSP_SUCCESS);
}

static void count(struct vdev_device *d, struct glucose *g, const uint8_t *v,
		  size_t len)
{
	size_t first, last, n;
	uint8_t rsp[4];
	int code;

	code = select_records(g, v, len, &first, &last);
	if (code) {
		respond(d, g, v[0], (uint8_t)code);
		return;
	}
	n = last > first ? last - first : 0;
	rsp[0] = 0x05;
	rsp[1] = 0x00;
	rsp[2] = (uint8_t)n;
	rsp[3] = (uint8_t)(n >> 8);
	(void)vdev_queue_notify(d, g->racp, rsp, sizeof(rsp), "racp count");
}

static int gl_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct glucose *g = d->model_data;

	if (c != g->racp)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (!vdev_bus_delivers(d, g->racp))
		return ATT_CCC_IMPROPER;
	if (len < 2) {
		respond(d, g, len ? v[0] : 0, RSP_INVALID_OPERATOR);
		return 0;
	}
	switch (v[0]) {
	case OP_REPORT:
		report(d, g, v, len);
		return 0;
	case OP_DELETE:
		if (v[1] != OPERATOR_ALL) {
			respond(d, g, v[0], RSP_OPERATOR_UNSUPPORTED);
			return 0;
		}
		g->records.n = 0;
		respond(d, g, v[0], RSP_SUCCESS);
		return 0;
	case OP_ABORT:
		vdev_queue_clear(d);
		respond(d, g, v[0], RSP_SUCCESS);
		return 0;
	case OP_COUNT:
		count(d, g, v, len);
		return 0;
	default:
		respond(d, g, v[0], RSP_OP_UNSUPPORTED);
		return 0;
	}
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct glucose *g = d->model_data;
	int i;

	if (strcmp(what, "measure") != 0 && strcmp(what, "store") != 0)
		return -EOPNOTSUPP;
	i = add_record(d, g, ev);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "new reading (record %u, %zu stored)",
		   g->records.r[i].seq, g->records.n);
	return 0;
}

const struct vdev_model vdev_model_sig_glucose = {
	.id = "sig_glucose",
	.default_driver = "sig_glucose",
	.init = init,
	.action = action,
	.read = gl_read,
	.write = gl_write,
	.free = vdev_model_free_data,
};
