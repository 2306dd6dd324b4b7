// SPDX-License-Identifier: MIT
/*
 * Record Access Control Point 0x2A52: requests, response parsing, the
 * conversation step helpers of the Glucose and Pulse Oximeter drivers, and
 * a decoder so `homevitals decode --characteristic 2a52:HEX` explains an
 * indication. Layout (GATT XML record_access_control_point; Wireshark case
 * 0x2A52 of 3.4's packet-btatt.c; oesmith/gatt-xml@4fd2ede):
 *
 *   OP OPERATOR [OPERAND]
 *
 *   OP  1 report stored records, 2 delete, 3 abort, 4 report number of
 *       records, 5 number of records response, 6 response code
 *   OPERATOR  0 null, 1 all, 2 <=, 3 >=, 4 range, 5 first, 6 last
 *   OPERAND   requests with a filter: filter type (1 = sequence number)
 *             then uint16 bounds; response 5: count (uint16; uint8 and
 *             uint32 accepted); response 6: request op code, response code
 *             (1 success, 2 op code not supported, 3 invalid operator,
 *             4 operator not supported, 5 invalid operand, 6 no records
 *             found, 7 abort unsuccessful, 8 procedure not completed,
 *             9 operand not supported)
 *
 * Responses carry operator Null; anything else is malformed.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_racp.h"

#define RACP_UUID 0x2A52

static const char *const code_names[] = {
	NULL,
	"success",
	"op_code_not_supported",
	"invalid_operator",
	"operator_not_supported",
	"invalid_operand",
	"no_records_found",
	"abort_unsuccessful",
	"procedure_not_completed",
	"operand_not_supported",
};

static const char *const op_names[] = {
	NULL,
	"report_stored_records",
	"delete_stored_records",
	"abort_operation",
	"report_number_of_records",
	"number_of_records_response",
	"response_code",
};

const uint8_t hv_racp_abort_request[2] = { HV_RACP_ABORT,
					   HV_RACP_OPERATOR_NULL };

const char *hv_racp_code_name(unsigned code)
{
	return hv_code_name(code_names, HV_N(code_names), code);
}

const char *hv_racp_op_name(unsigned op)
{
	return hv_code_name(op_names, HV_N(op_names), op);
}

int hv_racp_parse(const uint8_t *value, size_t len,
		  struct hv_racp_response *ret)
{
	struct hv_racp_response r = { 0 };

	if (len < 2)
		return -EBADMSG;
	r.op = value[0];
	if (r.op != HV_RACP_NUMBER_RESPONSE && r.op != HV_RACP_RESPONSE_CODE)
		return r.op >= HV_RACP_REPORT_RECORDS &&
				       r.op <= HV_RACP_REPORT_NUMBER ?
			       -EOPNOTSUPP :
			       -EBADMSG;
	if (value[1] != HV_RACP_OPERATOR_NULL)
		return -EBADMSG;
	if (r.op == HV_RACP_RESPONSE_CODE) {
		if (len != 4)
			return -EBADMSG;
		r.request_op = value[2];
		r.code = value[3];
	} else if (len == 3) {
		r.count = value[2];
	} else if (len == 4) {
		r.count = hv_le16(value + 2);
	} else if (len == 6) {
		r.count = hv_le32(value + 2);
	} else {
		return -EBADMSG;
	}
	*ret = r;
	return 0;
}

size_t hv_racp_request_since(uint8_t op, int32_t last_sequence,
			     uint8_t buf[5])
{
	buf[0] = op;
	if (last_sequence < 0 || last_sequence >= 0xFFFF) {
		buf[1] = HV_RACP_OPERATOR_ALL;
		return 2;
	}
	buf[1] = HV_RACP_OPERATOR_GE;
	buf[2] = HV_RACP_FILTER_SEQUENCE;
	hv_put_le16(buf + 3, (uint16_t)(last_sequence + 1));
	return 5;
}

static int payload_since(const struct hv_session *s, uint8_t op, uint8_t *buf,
			 size_t size, size_t *ret_len)
{
	uint8_t req[5];
	size_t n = hv_racp_request_since(op, s->last_sequence, req);

	if (size < n)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++)
		buf[i] = req[i];
	*ret_len = n;
	return 0;
}

int hv_racp_payload_report_since(const struct hv_session *s, uint8_t *buf,
				 size_t size, size_t *ret_len)
{
	return payload_since(s, HV_RACP_REPORT_RECORDS, buf, size, ret_len);
}

int hv_racp_payload_count_since(const struct hv_session *s, uint8_t *buf,
				size_t size, size_t *ret_len)
{
	return payload_since(s, HV_RACP_REPORT_NUMBER, buf, size, ret_len);
}

int hv_racp_payload_report_all(const struct hv_session *s, uint8_t *buf,
			       size_t size, size_t *ret_len)
{
	(void)s;
	if (size < 2)
		return -ENOSPC;
	buf[0] = HV_RACP_REPORT_RECORDS;
	buf[1] = HV_RACP_OPERATOR_ALL;
	*ret_len = 2;
	return 0;
}

int hv_racp_handle_count(struct hv_session *s, const uint8_t *value,
			 size_t len, int skip_to)
{
	struct hv_racp_response r;

	if (hv_racp_parse(value, len, &r) < 0)
		return HV_VALUE_MORE;
	if (r.op == HV_RACP_NUMBER_RESPONSE) {
		s->records_expected = (int32_t)(r.count > INT32_MAX ? INT32_MAX :
								      r.count);
		if (r.count > 0)
			return HV_VALUE_DONE;
		s->next_step = skip_to;
		return HV_VALUE_GOTO;
	}
	if (r.request_op != HV_RACP_REPORT_NUMBER)
		return HV_VALUE_MORE;
	if (r.code == HV_RACP_NO_RECORDS) {
		s->records_expected = 0;
		s->next_step = skip_to;
		return HV_VALUE_GOTO;
	}
	/* Counting refused: fetch anyway, count unknown. */
	s->records_expected = -1;
	return HV_VALUE_DONE;
}

int hv_racp_on_report_done(struct hv_session *s, const uint8_t *value,
			   size_t len)
{
	struct hv_racp_response r;

	(void)s;
	if (hv_racp_parse(value, len, &r) < 0 ||
	    r.op != HV_RACP_RESPONSE_CODE ||
	    r.request_op != HV_RACP_REPORT_RECORDS)
		return HV_VALUE_MORE;
	if (r.code == HV_RACP_SUCCESS || r.code == HV_RACP_NO_RECORDS)
		return HV_VALUE_DONE;
	return -EIO;
}

/* decode(): an indication as a measurement without readings. */
static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_racp_response r;
	const char *name;
	int k;

	if (!hv_frame_is_characteristic(frame, RACP_UUID))
		return -ENODEV;
	k = hv_racp_parse(frame->value, frame->value_len, &r);
	if (k == -EOPNOTSUPP)
		return hv_measurement_invalid(
			ret, "op code %u (%s) is a request, not an indication",
			frame->value[0], hv_racp_op_name(frame->value[0]));
	if (k < 0) {
		if (frame->value_len < 2)
			return hv_measurement_invalid(
				ret, "value too short: %zu bytes, no room for op code and operator",
				frame->value_len);
		if (frame->value[0] != HV_RACP_NUMBER_RESPONSE &&
		    frame->value[0] != HV_RACP_RESPONSE_CODE)
			return hv_measurement_invalid(
				ret, "op code %u is reserved", frame->value[0]);
		if (frame->value[1] != HV_RACP_OPERATOR_NULL)
			return hv_measurement_invalid(
				ret, "operator %u: a response must carry operator Null (0)",
				frame->value[1]);
		return hv_measurement_invalid(
			ret, "operand of %zu bytes does not fit op code %u",
			frame->value_len - 2, frame->value[0]);
	}
	ret->final = false;
	(void)hv_measurement_add_context(ret, "racp", hv_racp_op_name(r.op));
	if (r.op == HV_RACP_NUMBER_RESPONSE) {
		/* The count is not a reading; hv_racp_parse() gives it. */
		return 0;
	}
	name = hv_racp_op_name(r.request_op);
	(void)hv_measurement_add_context(ret, "racp_request",
					 name ? name : "unknown");
	name = hv_racp_code_name(r.code);
	(void)hv_measurement_add_context(ret, "racp_response",
					 name ? name : "reserved");
	return 0;
}

static const char *const models[] = {
	"Record Access Control Point of Glucose and Pulse Oximeter devices",
	NULL,
};

static const uint16_t characteristics[] = { RACP_UUID, 0 };

const struct hv_driver sig_racp_driver = {
	.id = "sig_racp",
	.name = "Bluetooth Record Access Control Point",
	.models = models,
	.kind = HV_DRIVER_KIND_CONTROL_POINT,
	.match = {
		.characteristics = characteristics,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
};
