/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The one JSON form of a measurement (readings.md), used by the CLI, the
 * store and MQTT. Built with cJSON; callers own the returned objects.
 */

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

#define HV_ID_MAX 65
#define HV_ADDRESS_MAX 18
#define HV_PERSON_MAX 64
#define HV_MODEL_MAX 64

/* A measurement as stored and published: the decoded shape plus where it
 * came from, whom it belongs to and when it was taken. */
struct hv_record {
	char id[HV_ID_MAX]; /* stable: the same event seen twice, one id */
	char device_address[HV_ADDRESS_MAX];
	char device_model[HV_MODEL_MAX];
	char person[HV_PERSON_MAX]; /* pseudonymous id; "" = unassigned */
	int64_t time_usec; /* UTC, best time known */
	const char *time_source; /* which clock gave time_usec; NULL: unsaid */
	bool correction; /* republished after reassignment */
	/* The device's clock was read on the connection the record came on
	 * (Current Time): the gateway's wall clock then and the device's
	 * (UTC), the JSON's "clock_read" (a FHIR Coincident Timestamp). A
	 * read that gave no plausible date is a time fault: no device time. */
	bool has_clock_read;
	bool clock_read_fault;
	int64_t clock_read_gateway_usec;
	int64_t clock_read_device_usec;
	struct hv_measurement m;
	/* The frame the measurement was decoded from, kept in the stored JSON
	 * as "raw" (decode --jsonl input form) so it can be re-derived for
	 * another person later. NULL: none. */
	const struct hv_frame *raw;
};

/* decode output: status, driver, final, … readings (readings.md). */
int hv_measurement_to_json(const struct hv_measurement *m, cJSON **ret);
/* Stored/published form: the above plus id, device, person, time. */
int hv_record_to_json(const struct hv_record *r, cJSON **ret);
/* The frame in `decode --jsonl` input form (no profile). */
int hv_frame_to_json(const struct hv_frame *f, cJSON **ret);
/* Print compactly; caller frees. NULL on OOM. */
char *hv_json_print(const cJSON *j);

/* RFC 3339 UTC with seconds ("2024-03-15T08:30:00Z"); buf >= 32 bytes. */
void hv_format_rfc3339(int64_t time_usec, char *buf, size_t size);
/* Device-local "2024-03-15T08:30:00" (no zone). */
void hv_format_local_datetime(const struct hv_datetime *dt, char *buf,
			      size_t size);

/* Frame input as `homevitals decode --jsonl` takes it. The frame's name and
 * address point into `line`, which must outlive it. reterr gets a message. */
int hv_frame_from_json(const cJSON *line, struct hv_frame *ret,
		       struct hv_profile *ret_profile, const char **ret_driver,
		       char *reterr, size_t errsize);

/* "height=1.80,age=44,sex=male" */
int hv_profile_parse(const char *text, struct hv_profile *ret);
/* "181d:HEX" into a frame's service data. */
int hv_frame_add_service_data(struct hv_frame *f, const char *uuid_colon_hex);
int hv_frame_add_manufacturer_data(struct hv_frame *f, const char *hex);
int hv_frame_set_characteristic(struct hv_frame *f, const char *uuid_colon_hex);
