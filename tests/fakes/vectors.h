/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The reference frames of the JSON files in tests/vectors (its README.md
 * says where each comes from), for the cmocka tests: loading, reading entry
 * fields, turning a Theengs entry into the advert it describes, and the
 * check that a set of drivers claims none of the Theengs devices.
 *
 * Every function fails the running cmocka test on malformed input; none
 * returns an error code the caller must check, except where noted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "drivers/driver.h"

/*
 * Parses $HV_VECTORS/<file> ("tests/vectors", relative to the current
 * folder, when HV_VECTORS is unset or empty), which must hold a JSON array.
 * A file that cannot be opened fails the running test: the frames are part
 * of the repository, so a missing one is a broken checkout, not a reason to
 * skip. The caller frees the result with cJSON_Delete().
 */
cJSON *hv_test_vectors_load(const char *file);

/* o[key], or NULL (case-sensitive). */
const cJSON *hv_test_item(const cJSON *o, const char *key);

/* o[key] when it is a string, else NULL. */
const char *hv_test_str(const cJSON *o, const char *key);

/* o[key] when it is a number: true and *ret set; else false, *ret kept. */
bool hv_test_number(const cJSON *o, const char *key, double *ret);

/*
 * Hex as the Theengs test strings write it: read pairwise, a placeholder
 * digit ("xx", "YY") counts as 0 and a lone last digit is dropped.
 */
void hv_test_unhex_lenient(const char *hex, uint8_t *buf, size_t size,
			   size_t *ret_len);

/*
 * "0x181d", "181d", "fd6f" → the UUID; NULL → the nil UUID, which no driver
 * matches (the captures do not record under which UUID data came).
 */
struct hv_uuid hv_test_uuid_of(const char *text);

/*
 * The advert a Theengs entry describes, read leniently (see above), with
 * .now set to the current time: service data under the entry's UUID, or
 * manufacturer data plus, when the entry has "service_hex", service data
 * under its UUID (else the UUID as an advertised service).
 */
void hv_test_theengs_advert(const cJSON *e, struct hv_frame *ret);

/*
 * The same advert read strictly through hv_frame_add_*(): false (and the
 * entry is to be passed over) when its hex is not clean or a service-data
 * entry names no UUID; service data of a manufacturer-data entry is added
 * only when both "service_hex" and "uuid" are given.
 */
bool hv_test_theengs_advert_strict(const cJSON *e, struct hv_frame *ret);

/*
 * Every frame of theengs_all_devices.json (devices none of `ids` is for),
 * read strictly: no driver of `ids` (NULL-terminated) claims it through
 * the registry, and each, forced, decodes it without crashing; with
 * `no_select`, none of them selects it for a connection either. More
 * than 400 frames must be read.
 */
void hv_test_theengs_not_claimed(const char *const *ids, bool no_select);
