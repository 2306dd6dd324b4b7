/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Frames written by the tests from the drivers' layouts, and the checks
 * the scale and health tests share: building a GATT value or an advert
 * from hex (with the checksum a layout prescribes), reading values back,
 * and the conversation tables' well-formedness and payloads.
 *
 * Every function fails the running cmocka test when its check fails.
 */

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"
#include "drivers/registry.h"

#define hv_assert_near(a, b, eps) \
	assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* The checksums of the proprietary layouts, over a value of n bytes. */
enum hv_test_checksum {
	HV_CS_NONE,
	HV_CS_SUM, /* [n-1] = sum of all before (QN) */
	HV_CS_XOR_FROM1, /* [n-1] = XOR of [1 .. n-2] (Yunmai) */
	HV_CS_VITAFIT, /* [n-2] = XOR of [1 .. n-3] */
	HV_CS_AC, /* [7] = sum of [2..6] (LeFu 0xAC frames) */
	HV_CS_NEW, /* [19] = sum of [3..18] mod 32 (LeFu new framing) */
};

void hv_test_checksum(uint8_t *v, size_t n, enum hv_test_checksum cs);

/*
 * *f = the GATT value "uuid:hex" (16-bit or 128-bit UUID text) named
 * `name` (may be NULL), its checksum then written as cs says.
 */
void hv_test_gatt(struct hv_frame *f, const char *name, const char *uuid,
		  const char *hex, enum hv_test_checksum cs);

/* *f = an advert of manufacturer data (hex, company ID first). */
void hv_test_mfr(struct hv_frame *f, const char *name, const char *hex);

/* Through the whole registry; the status is in *m. */
void hv_test_decode(const struct hv_frame *f, struct hv_measurement *m);

/* The value of the metric's first reading; fails when there is none. */
double hv_test_reading(const struct hv_measurement *m, enum hv_metric metric);

/* The same, and the reading must not be absent (NaN, NRes, …). */
double hv_test_present(const struct hv_measurement *m, enum hv_metric metric);

/* The method of the metric's first reading (NULL: the device's own). */
const char *hv_test_method(const struct hv_measurement *m,
			   enum hv_metric metric);

/* m decoded OK, by driver id. */
void hv_test_assert_driver(const struct hv_measurement *m, const char *id);

/*
 * A conversation is well formed: more than one step, the last an END;
 * each step has a known op, a what, a fail target in range; every step
 * but END names a service and a characteristic that parse as UUIDs;
 * writes have a payload or bytes, waits a handler.
 */
void hv_test_check_conversation(const struct hv_conversation *c);

/* The first step of driver id whose what starts with what_prefix. */
const struct hv_step *hv_test_find_step(const char *id, const char *what_prefix,
					size_t *ret_index);

/*
 * The payload of that step for session ss, as lower-case hex in out; its
 * negative errno (and out "") when the payload function refuses.
 */
int hv_test_payload(const char *id, const char *what,
		    const struct hv_session *ss, char *out, size_t size);

/* The payload is exactly expect (hex). */
void hv_test_assert_payload(const char *id, const char *what,
			    const struct hv_session *ss, const char *expect);
