/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * HL7 FHIR R4 Observations from a stored measurement (the JSON of
 * hv_record_to_json, readings.md). One Observation per reading; the blood
 * pressure readings of one measurement make one Observation (LOINC 85354-9)
 * with components. Vital signs carry category vital-signs and claim the R4
 * vital-signs profile when a subject is known; special values become
 * dataAbsentReason. Every Observation carries identifiers derived from the
 * measurement's stable id, so a subscriber can deduplicate. docs/mqtt.md
 * shows an example. Pure: no I/O, no logging.
 */

#include <cjson/cJSON.h>

/* Identifier systems used in Observation.identifier and Bundle.identifier. */
#define HV_FHIR_SYSTEM_MEASUREMENT "urn:homevitals:measurement"
#define HV_FHIR_SYSTEM_OBSERVATION "urn:homevitals:observation"
#define HV_FHIR_SYSTEM_METRIC "urn:homevitals:metric"

/*
 * A JSON array of Observations for a stored record. -EINVAL when the record
 * lacks id, time or readings (or a reading names an unknown metric),
 * -ENOMEM.
 */
int hv_fhir_observations(const cJSON *record, cJSON **ret_array);

/*
 * A Bundle of type "collection" holding those Observations: identifier = the
 * measurement id, timestamp = its time. What MQTT publishes on .../fhir.
 */
int hv_fhir_bundle(const cJSON *record, cJSON **ret_bundle);
