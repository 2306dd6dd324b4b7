// SPDX-License-Identifier: MIT
/* Bluetooth UUIDs: 16/32-bit forms in the Base UUID, parsing and printing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/uuid.h"

static const uint8_t base_uuid[16] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x10, 0x00, 0x80, 0x00, 0x00, 0x80,
				       0x5f, 0x9b, 0x34, 0xfb };

struct hv_uuid hv_uuid32(uint32_t short_uuid)
{
	struct hv_uuid u;

	memcpy(u.b, base_uuid, sizeof(u.b));
	u.b[0] = (uint8_t)(short_uuid >> 24);
	u.b[1] = (uint8_t)(short_uuid >> 16);
	u.b[2] = (uint8_t)(short_uuid >> 8);
	u.b[3] = (uint8_t)short_uuid;
	return u;
}

struct hv_uuid hv_uuid16(uint16_t short_uuid)
{
	return hv_uuid32(short_uuid);
}

bool hv_uuid_equal(const struct hv_uuid *a, const struct hv_uuid *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

int hv_uuid_to16(const struct hv_uuid *u)
{
	if (u->b[0] != 0 || u->b[1] != 0 ||
	    memcmp(u->b + 4, base_uuid + 4, 12) != 0)
		return -1;
	return u->b[2] << 8 | u->b[3];
}

bool hv_uuid_is16(const struct hv_uuid *u, uint16_t short_uuid)
{
	return hv_uuid_to16(u) == short_uuid;
}

int hv_uuid_parse(const char *text, struct hv_uuid *ret)
{
	size_t len = text ? strlen(text) : 0;
	uint8_t b[16];
	size_t n = 0;

	if (len == 4 || len == 8) {
		uint32_t v = 0;

		for (size_t i = 0; i < len; i++) {
			int h = hv_hex_digit(text[i]);

			if (h < 0)
				return -EINVAL;
			v = v << 4 | (uint32_t)h;
		}
		*ret = hv_uuid32(v);
		return 0;
	}
	if (len != 36)
		return -EINVAL;
	for (size_t i = 0; i < len;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return -EINVAL;
			i++;
			continue;
		}
		hi = hv_hex_digit(text[i]);
		lo = hv_hex_digit(text[i + 1]);
		if (hi < 0 || lo < 0 || n >= sizeof(b))
			return -EINVAL;
		b[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (n != sizeof(b))
		return -EINVAL;
	memcpy(ret->b, b, sizeof(b));
	return 0;
}

void hv_uuid_format(const struct hv_uuid *u, char buf[HV_UUID_STRING_MAX])
{
	const uint8_t *b = u->b;

	(void)snprintf(buf, HV_UUID_STRING_MAX,
		       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		       "%02x%02x%02x%02x%02x%02x",
		       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		       b[10], b[11], b[12], b[13], b[14], b[15]);
}

void hv_uuid_format_short(const struct hv_uuid *u,
			  char buf[HV_UUID_STRING_MAX])
{
	int s = hv_uuid_to16(u);

	if (s >= 0)
		(void)snprintf(buf, HV_UUID_STRING_MAX, "%04x", s);
	else
		hv_uuid_format(u, buf);
}
