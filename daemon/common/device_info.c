/* SPDX-License-Identifier: MIT */
/*
 * The Device Information Service's values (see device_info.h). Bluetooth SIG
 * Device Information Service 1.1, sections 3.1-3.7; the GATT Specification
 * Supplement gives the strings as utf8s (no terminator) and the System ID as
 * a 40-bit manufacturer identifier then a 24-bit OUI, each least significant
 * octet first.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/common/device_info.h"

static const struct {
	uint16_t uuid;
	const char *name;
} fields[_HV_DIS_FIELD_MAX] = {
	[HV_DIS_MANUFACTURER] = { 0x2A29, "manufacturer" },
	[HV_DIS_MODEL] = { 0x2A24, "model" },
	[HV_DIS_SERIAL] = { 0x2A25, "serial" },
	[HV_DIS_HARDWARE] = { 0x2A27, "hardware" },
	[HV_DIS_FIRMWARE] = { 0x2A26, "firmware" },
	[HV_DIS_SOFTWARE] = { 0x2A28, "software" },
	[HV_DIS_SYSTEM_ID] = { 0x2A23, "system_id" },
};

/* A device without a value answers at once; a slow one costs no more than
 * this before the driver's own steps. */
#define DIS_READ_TIMEOUT_MS 3000u

#define DIS_READ(uuid, text)                                                  \
	{                                                                     \
		.op = HV_STEP_READ, .service = "180a", .characteristic = uuid, \
		.timeout_ms = DIS_READ_TIMEOUT_MS, .flags = HV_STEP_OPTIONAL,  \
		.what = text,                                                 \
	}

static const struct hv_step dis_steps[] = {
	DIS_READ("2a29", "DIS manufacturer name"),
	DIS_READ("2a24", "DIS model number"),
	DIS_READ("2a25", "DIS serial number"),
	DIS_READ("2a27", "DIS hardware revision"),
	DIS_READ("2a26", "DIS firmware revision"),
	DIS_READ("2a28", "DIS software revision"),
	DIS_READ("2a23", "DIS system id"),
};

const struct hv_conversation hv_dis_conversation = {
	.steps = dis_steps,
	.n_steps = ELEMENTSOF(dis_steps),
};

int hv_dis_field_of(const struct hv_uuid *characteristic)
{
	int u = characteristic ? hv_uuid_to16(characteristic) : -1;

	for (size_t i = 0; u >= 0 && i < ELEMENTSOF(fields); i++)
		if (fields[i].uuid == u)
			return (int)i;
	return -ENOENT;
}

const char *hv_dis_field_name(enum hv_dis_field f)
{
	return (size_t)f < ELEMENTSOF(fields) ? fields[f].name : NULL;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none;
 * overlong forms, surrogates and code points past U+10FFFF are invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t n, uint32_t *ret)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*ret = cp;
	return len;
}

static bool is_blank(uint32_t cp)
{
	return cp == ' ';
}

/* Printable UTF-8 of at most HV_DIS_VALUE_MAX bytes into out; returns its
 * length. */
static size_t sanitise(const uint8_t *value, size_t len, char *out)
{
	size_t o = 0, end = 0;

	for (size_t i = 0; i < len && value[i];) {
		uint32_t cp = 0;
		size_t n = utf8_sequence(value + i, len - i, &cp);
		bool bad = n == 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
		size_t put = bad ? 1 : n;

		if (o + put > HV_DIS_VALUE_MAX)
			break;
		if (bad)
			out[o] = '?';
		else
			memcpy(out + o, value + i, n);
		/* no leading blanks; trailing ones are cut below */
		if (o > 0 || !is_blank(cp) || bad) {
			o += put;
			if (bad || !is_blank(cp))
				end = o;
		}
		i += n ? n : 1;
	}
	out[end] = '\0';
	return end;
}

static int take_system_id(char *out, const uint8_t *value, size_t len)
{
	bool zero = true, ones = true;

	if (len != 8)
		return -EINVAL;
	for (size_t i = 0; i < 8; i++) {
		zero = zero && value[i] == 0x00;
		ones = ones && value[i] == 0xFF;
	}
	if (zero || ones)
		return -EINVAL;
	/* The IG's form: octets as sent, capital hex, dash separated. */
	(void)snprintf(out, HV_DIS_VALUE_MAX + 1,
		       "%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X", value[0],
		       value[1], value[2], value[3], value[4], value[5],
		       value[6], value[7]);
	return 0;
}

int hv_dis_take(struct hv_dis *d, const struct hv_uuid *characteristic,
		const uint8_t *value, size_t len)
{
	char text[HV_DIS_VALUE_MAX + 1];
	int f = hv_dis_field_of(characteristic);

	if (f < 0)
		return f;
	if (!d || (!value && len))
		return -EINVAL;
	if (f == HV_DIS_SYSTEM_ID) {
		if (take_system_id(text, value, len) < 0)
			return -EINVAL;
	} else if (sanitise(value, len, text) == 0) {
		return -EINVAL;
	}
	memcpy(d->value[f], text, sizeof(text));
	return 0;
}

/* "XX-XX-XX-XX-XX-XX-XX-XX", capital hex: the form take_system_id() writes. */
static bool is_system_id(const char *text)
{
	for (size_t i = 0; i < 23; i++) {
		char c = text[i];

		if (i % 3 == 2 ? c != '-' :
				 !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return text[23] == '\0';
}

void hv_dis_set(struct hv_dis *d, enum hv_dis_field f, const char *text)
{
	if (!d || (size_t)f >= ELEMENTSOF(fields))
		return;
	if (!text || (f == HV_DIS_SYSTEM_ID && !is_system_id(text))) {
		d->value[f][0] = '\0';
		return;
	}
	(void)sanitise((const uint8_t *)text, strlen(text), d->value[f]);
}

bool hv_dis_empty(const struct hv_dis *d)
{
	for (size_t i = 0; i < ELEMENTSOF(d->value); i++)
		if (d->value[i][0])
			return false;
	return true;
}
