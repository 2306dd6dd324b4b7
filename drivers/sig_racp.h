/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Record Access Control Point 0x2A52 (Glucose, Pulse Oximeter, CGM): the
 * requests a gateway writes and the indications it gets back
 * (GATT XML record_access_control_point, oesmith/gatt-xml@4fd2ede).
 *
 *   request:   OP OPERATOR [OPERAND...]
 *   responses: 05 00 NN NN           number of stored records (uint16;
 *                                    uint8/uint32 accepted too)
 *              06 00 RQ RC           response code RC to request op RQ
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"

enum hv_racp_op {
	HV_RACP_REPORT_RECORDS = 1,
	HV_RACP_DELETE_RECORDS = 2,
	HV_RACP_ABORT = 3,
	HV_RACP_REPORT_NUMBER = 4,
	HV_RACP_NUMBER_RESPONSE = 5,
	HV_RACP_RESPONSE_CODE = 6,
};

enum hv_racp_operator {
	HV_RACP_OPERATOR_NULL = 0,
	HV_RACP_OPERATOR_ALL = 1,
	HV_RACP_OPERATOR_LE = 2,
	HV_RACP_OPERATOR_GE = 3,
	HV_RACP_OPERATOR_RANGE = 4,
	HV_RACP_OPERATOR_FIRST = 5,
	HV_RACP_OPERATOR_LAST = 6,
};

#define HV_RACP_FILTER_SEQUENCE 0x01

enum hv_racp_code {
	HV_RACP_SUCCESS = 1,
	HV_RACP_OP_NOT_SUPPORTED = 2,
	HV_RACP_INVALID_OPERATOR = 3,
	HV_RACP_OPERATOR_NOT_SUPPORTED = 4,
	HV_RACP_INVALID_OPERAND = 5,
	HV_RACP_NO_RECORDS = 6,
	HV_RACP_ABORT_UNSUCCESSFUL = 7,
	HV_RACP_NOT_COMPLETED = 8,
	HV_RACP_OPERAND_NOT_SUPPORTED = 9,
};

struct hv_racp_response {
	uint8_t op; /* HV_RACP_NUMBER_RESPONSE or HV_RACP_RESPONSE_CODE */
	uint8_t request_op; /* RESPONSE_CODE: the request answered */
	uint8_t code; /* RESPONSE_CODE: enum hv_racp_code */
	uint32_t count; /* NUMBER_RESPONSE */
};

/* Parse an indication; -EBADMSG when malformed (too short, operator not
 * Null, trailing bytes), -EOPNOTSUPP for a request op code (not a response). */
int hv_racp_parse(const uint8_t *value, size_t len,
		  struct hv_racp_response *ret);
/* "success", "no_records_found", …; NULL when unknown. */
const char *hv_racp_code_name(unsigned code);
/* "report_stored_records", …; NULL when unknown. */
const char *hv_racp_op_name(unsigned op);

/* Requests. "since": records with sequence number >= last_sequence + 1, or
 * all records when none was seen yet (last_sequence < 0, or 0xFFFF). */
size_t hv_racp_request_since(uint8_t op, int32_t last_sequence,
			     uint8_t buf[5]);

/* Conversation hooks (drivers/conversation.h). */
int hv_racp_payload_report_since(const struct hv_session *s, uint8_t *buf,
				 size_t size, size_t *ret_len);
int hv_racp_payload_count_since(const struct hv_session *s, uint8_t *buf,
				size_t size, size_t *ret_len);
int hv_racp_payload_report_all(const struct hv_session *s, uint8_t *buf,
			       size_t size, size_t *ret_len);
/* Step helpers for a WAIT on the RACP indications:
 * count: op 5 sets session.records_expected and returns DONE, or, with no
 * records (count 0 or "no records found"), sets session.next_step =
 * skip_to and returns GOTO; an error code (count not supported) leaves
 * records_expected at -1 and returns DONE so the report still runs. */
int hv_racp_handle_count(struct hv_session *s, const uint8_t *value,
			 size_t len, int skip_to);
/* report: DONE on Success or "no records found", -EIO on any other
 * response code, MORE for anything else (records arrive meanwhile). */
int hv_racp_on_report_done(struct hv_session *s, const uint8_t *value,
			   size_t len);

extern const uint8_t hv_racp_abort_request[2];

/*
 * Steps every RACP conversation has (0x2A52 on `service_`), for step tables
 * indexed by the profile's own enum: subscribe to the indications
 * (`fail`: step on failure, 0 none); wait for the report to complete
 * (hv_racp_on_report_done, 60 s, `abort_step` on failure); abort the
 * transfer (optional); end after an abort.
 */
#define HV_RACP_STEP_SUBSCRIBE(service_, fail)                               \
	{ .op = HV_STEP_SUBSCRIBE, .service = service_,                      \
	  .characteristic = "2a52", .on_fail = fail,                         \
	  .what = "subscribe to the record access control point" }
#define HV_RACP_STEP_REPORT_WAIT(service_, abort_step, what_)                \
	{ .op = HV_STEP_WAIT, .service = service_, .characteristic = "2a52", \
	  .on_value = hv_racp_on_report_done, .timeout_ms = 60000,           \
	  .on_fail = abort_step, .what = what_ }
#define HV_RACP_STEP_ABORT(service_)                                         \
	{ .op = HV_STEP_WRITE, .service = service_, .characteristic = "2a52", \
	  .bytes = hv_racp_abort_request,                                    \
	  .n_bytes = sizeof(hv_racp_abort_request),                          \
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,                 \
	  .what = "abort the record transfer" }
#define HV_RACP_STEP_ABORT_END { .op = HV_STEP_END, .what = "done after abort" }
