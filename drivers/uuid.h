/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Bluetooth UUIDs, always held as 128 bits. 16- and 32-bit UUIDs sit in the
 * Bluetooth Base UUID 0000xxxx-0000-1000-8000-00805f9b34fb.
 * Bytes are kept in the textual (big-endian) order.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hv_uuid {
	uint8_t b[16];
};

#define HV_UUID_STRING_MAX 37

struct hv_uuid hv_uuid16(uint16_t short_uuid);
struct hv_uuid hv_uuid32(uint32_t short_uuid);
bool hv_uuid_equal(const struct hv_uuid *a, const struct hv_uuid *b);
bool hv_uuid_is16(const struct hv_uuid *u, uint16_t short_uuid);
/* The 16-bit value when u is in the base range, else -1. */
int hv_uuid_to16(const struct hv_uuid *u);
/* Parses "181d", "0000181d", or the full 36-character form. */
int hv_uuid_parse(const char *text, struct hv_uuid *ret);
/* Full lower-case 36-character form. */
void hv_uuid_format(const struct hv_uuid *u, char buf[HV_UUID_STRING_MAX]);
/* "181d" when 16-bit, else the full form. */
void hv_uuid_format_short(const struct hv_uuid *u,
			  char buf[HV_UUID_STRING_MAX]);
