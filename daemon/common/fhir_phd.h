/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A stored measurement (the JSON of hv_record_to_json, readings.md) as the
 * HL7 Personal Health Device Implementation Guide wants it uploaded: one FHIR
 * R4 "transaction" Bundle holding the PhdPatient, the PhdDevice (the
 * sensor), the PhgDevice (this gateway) and one PhdObservation per reading
 * (blood pressure: one compound Observation with components). Every entry is
 * a conditional create (POST + ifNoneExist on its identifier), and every
 * fullUrl is a name-based UUID of that identifier, so delivering the same
 * record twice yields the same Bundle and creates nothing new on the server.
 * docs/fhir.md names the IG sections this follows. Pure: no I/O, no logging.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "daemon/common/clock_sync.h"
#include "daemon/common/device_info.h"

/* The IG's canonical URLs and identifier systems. */
#define HV_PHD_IG		  "http://hl7.org/fhir/uv/phd/StructureDefinition/"
#define HV_PHD_SYSTEM_EUI64	  "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
#define HV_PHD_SYSTEM_BTMAC	  "http://hl7.org/fhir/sid/eui-48/bluetooth"
#define HV_PHD_SYSTEM_OBSERVATION HV_PHD_IG "PhdBaseObservation"
#define HV_PHD_SYSTEM_PERSON	  "urn:homevitals:person"
#define HV_PHD_SYSTEM_GATEWAY	  "urn:homevitals:gateway"
#define HV_PHD_GATEWAY_DEVICE_EXTENSION \
	"http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"
/* A PhdObservation's link to the Coincident Timestamp of its connection. */
#define HV_PHD_COINCIDENT_EXTENSION HV_PHD_IG "CoincidentTimeStampReference"
#define HV_PHD_SYSTEM_COINCIDENT "urn:homevitals:coincident-timestamp"

struct hv_fhir_phd_options {
	/* This gateway's name (config gateway_id, else the host name). */
	const char *gateway_id;
	/* The gateway's Bluetooth adapter address ("AA:BB:…"), the PhgDevice's
	 * system id when known; NULL: identified by gateway_id alone. */
	const char *gateway_address;
	/* Mark every Observation as test data (meta.security HTEST). */
	bool test_data;
	/* How the gateway's clock is synchronised: the PhgDevice's
	 * MDC_TIME_SYNC_PROTOCOL property; UNKNOWN: none given. */
	enum hv_clock_sync clock_sync;
	/* The bound on the gateway clock's error (µs): the PhgDevice's
	 * MDC_TIME_SYNC_ACCURACY property; 0: not known, none given. */
	uint64_t clock_accuracy_usec;
	/* What the device's Device Information Service said (manufacturer,
	 * model, serial number, revisions, System ID); NULL: nothing known. */
	const struct hv_dis *device_info;
};

/*
 * The transaction Bundle for one stored record. -EINVAL when the record lacks
 * id, time, device address or readings, or names an unknown metric, or when
 * options lack a gateway id; -ENODATA when the record belongs to nobody yet
 * (a PhdObservation needs a Patient subject); -ENOMEM.
 */
int hv_fhir_phd_bundle(const cJSON *record,
		       const struct hv_fhir_phd_options *options,
		       cJSON **ret_bundle);

/*
 * The IEEE EUI-64 system id of a Bluetooth device address, as the Device
 * Information Service's System ID carries it (manufacturer id 0xFFFE ∥ the
 * address's low 24 bits, then the OUI, least significant octet first):
 * "00:1C:05:FF:E8:74" → "74-E8-FF-FE-FF-05-1C-00". buf >= 24 bytes.
 * -EINVAL when address is not six hex octets.
 */
int hv_phd_eui64_from_address(const char *address, char *buf, size_t size);

/* A name-based (version 5, SHA-1) UUID in the homevitals namespace, as
 * "urn:uuid:…". buf >= 46 bytes. */
void hv_phd_uuid_urn(const char *name, char *buf, size_t size);
