/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What a device says about itself in its Device Information Service (0x180A,
 * Bluetooth SIG "Device Information Service" 1.1, section 3): names and
 * revisions as UTF-8 strings, and the 8-octet System ID. The GATT session
 * reads them once per device (hv_dis_conversation), the store keeps them,
 * and the PHD formatter puts them in the PhdDevice (docs/fhir.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"
#include "drivers/uuid.h"

/* Longer values are cut at a character boundary. */
#define HV_DIS_VALUE_MAX 64

enum hv_dis_field {
	HV_DIS_MANUFACTURER, /* 0x2A29 Manufacturer Name String */
	HV_DIS_MODEL, /* 0x2A24 Model Number String */
	HV_DIS_SERIAL, /* 0x2A25 Serial Number String */
	HV_DIS_HARDWARE, /* 0x2A27 Hardware Revision String */
	HV_DIS_FIRMWARE, /* 0x2A26 Firmware Revision String */
	HV_DIS_SOFTWARE, /* 0x2A28 Software Revision String */
	HV_DIS_SYSTEM_ID, /* 0x2A23 System ID: "XX-XX-…" (8 octets, as sent) */
	_HV_DIS_FIELD_MAX,
};

/* "" = not known. */
struct hv_dis {
	char value[_HV_DIS_FIELD_MAX][HV_DIS_VALUE_MAX + 1];
};

/* Optional reads of the service's characteristics, in field order. */
extern const struct hv_conversation hv_dis_conversation;

/* The field a characteristic holds; -ENOENT when none. */
int hv_dis_field_of(const struct hv_uuid *characteristic);

/*
 * Keep a value read from a characteristic: strings are cut at the first NUL,
 * invalid UTF-8 and control characters become '?', surrounding blanks go,
 * and at most HV_DIS_VALUE_MAX bytes are kept; a System ID must be 8 octets,
 * neither all zero nor all 0xFF (placeholders some firmwares send). -EINVAL
 * when nothing usable was read (the field is left alone), -ENOENT for a
 * characteristic of no field.
 */
int hv_dis_take(struct hv_dis *d, const struct hv_uuid *characteristic,
		const uint8_t *value, size_t len);

/* Sanitise a string as hv_dis_take() does, e.g. one read from the store; a
 * System ID not in the form hv_dis_take() writes is dropped. NULL clears. */
void hv_dis_set(struct hv_dis *d, enum hv_dis_field f, const char *text);

bool hv_dis_empty(const struct hv_dis *d);

/* The store's and CLI's name of a field: "manufacturer", "serial" … */
const char *hv_dis_field_name(enum hv_dis_field f);
