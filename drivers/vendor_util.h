/* SPDX-License-Identifier: MIT */
#pragma once

/* Small helpers shared by the proprietary drivers (scales, heart-rate
 * adverts); pure and inline. */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"

static inline char hv_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive prefix match of the advertised name. */
static inline bool hv_name_prefix_ci(const char *name, const char *prefix)
{
	if (!name || !prefix)
		return false;
	for (; *prefix; prefix++, name++)
		if (!*name || hv_ascii_lower(*name) != hv_ascii_lower(*prefix))
			return false;
	return true;
}

/* Case-insensitive substring search in the advertised name. */
static inline bool hv_name_contains_ci(const char *name, const char *needle)
{
	if (!name || !needle)
		return false;
	for (; *name; name++)
		if (hv_name_prefix_ci(name, needle))
			return true;
	return false;
}

static inline bool hv_name_any_prefix_ci(const char *name,
					 const char *const *prefixes)
{
	for (; prefixes && *prefixes; prefixes++)
		if (hv_name_prefix_ci(name, *prefixes))
			return true;
	return false;
}

/* Byte sum modulo 256 of p[0..n-1]. */
static inline uint8_t hv_sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* XOR of p[0..n-1]. */
static inline uint8_t hv_xor8(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	while (n--)
		x ^= *p++;
	return x;
}

/* A GATT value from a frame on a 16-bit characteristic, or NULL. */
static inline const uint8_t *hv_frame_value_on(const struct hv_frame *f,
					       uint16_t uuid16, size_t *ret_len)
{
	if (!hv_frame_is_characteristic(f, uuid16))
		return NULL;
	*ret_len = f->value_len;
	return f->value;
}

/* Set a frame's characteristic value (encoders). */
static inline int hv_frame_put_value(struct hv_frame *f, uint16_t uuid16,
				     const uint8_t *value, size_t len)
{
	if (len > HV_FRAME_DATA_MAX)
		return -ENOSPC;
	*f = (struct hv_frame){ .has_characteristic = true };
	f->characteristic = hv_uuid16(uuid16);
	f->value_len = len;
	memcpy(f->value, value, len);
	return 0;
}

/* Protocol frames that carry no reading (acknowledgements, user lists):
 * decoded as a non-final measurement with a "frame" context. */
static inline int hv_measurement_control(struct hv_measurement *m,
					 const char *what)
{
	m->final = false;
	return hv_measurement_add_context(m, "frame", what);
}

/*
 * Heart-rate straps that advertise beats/min as one byte of fixed-length
 * manufacturer data, company ID first (Polar, XOSS). The data when the
 * frame is such an advert (no GATT value, `company`, `len` bytes), else
 * NULL.
 */
static inline const struct hv_manufacturer_data *
hv_hr_advert_data(const struct hv_frame *f, uint16_t company, size_t len)
{
	const struct hv_manufacturer_data *md;

	if (f->has_characteristic)
		return NULL;
	md = hv_frame_manufacturer_data(f, company);
	return md && md->len == len ? md : NULL;
}

/* The heart rate of such an advert: 0 (no skin contact yet) is not final. */
static inline int hv_hr_advert_reading(struct hv_measurement *ret, uint8_t bpm)
{
	ret->final = bpm > 0;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add(ret, HV_METRIC_HEART_RATE, bpm);
}

/* The inverse: an advert of `len` bytes with the rate at byte `at` (the
 * other bytes 0). -EINVAL for a target or a rate a byte cannot hold. */
static inline int hv_hr_advert_encode(const struct hv_measurement *m,
				      const struct hv_uuid *target,
				      uint16_t company, size_t len, size_t at,
				      struct hv_frame *ret)
{
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	struct hv_manufacturer_data *md;

	if (target)
		return -EINVAL;
	if (!hr || hr->absent != HV_ABSENT_NONE || hr->value < 0 ||
	    hr->value + 0.5 >= 256)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = len;
	md->data[0] = company & 0xFF;
	md->data[1] = company >> 8;
	md->data[at] = (uint8_t)(hr->value + 0.5);
	return 0;
}

/* For the encoders: round(value × scale) of METRIC in 0..max. 1 with
 * *ret_raw set, 0 when the measurement has no value for it (nothing to
 * write), -EINVAL when it does not fit. */
static inline int hv_reading_raw(const struct hv_measurement *m,
				 enum hv_metric metric, double scale,
				 double max, uint32_t *ret_raw)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);
	double raw;

	if (!r || r->absent != HV_ABSENT_NONE)
		return 0;
	raw = r->value * scale + 0.5;
	if (raw < 0 || raw >= max + 1)
		return -EINVAL;
	*ret_raw = (uint32_t)raw;
	return 1;
}

enum hv_byte_order { HV_BIG_ENDIAN, HV_LITTLE_ENDIAN };

/* Write METRIC × scale at p in WIDTH (1 or 2) bytes of the given order;
 * 0 (also when there is no such value: nothing written), -EINVAL. */
static inline int hv_put_reading(uint8_t *p, size_t width,
				 enum hv_byte_order order,
				 const struct hv_measurement *m,
				 enum hv_metric metric, double scale)
{
	uint32_t raw;
	int r = hv_reading_raw(m, metric, scale, width == 1 ? 0xFF : 0xFFFF,
			       &raw);

	if (r <= 0)
		return r;
	if (width == 1)
		p[0] = (uint8_t)raw;
	else if (order == HV_BIG_ENDIAN)
		hv_put_be16(p, (uint16_t)raw);
	else
		hv_put_le16(p, (uint16_t)raw);
	return 0;
}

/*
 * The opening every weight encoder shares. hv_encode_target_ok(): no
 * target, or the driver's characteristic. hv_encode_weight(): the weight
 * as the frame holds it, round(kg × scale) in 1..max; -EINVAL without a
 * present weight or outside. hv_encode_impedance(): 0 when the measurement
 * has none, 1 with *ret_ohm (Ohm as read, for the caller to scale), and
 * -EINVAL for one marked absent or outside lo..hi. The clock is
 * hv_measurement_clock().
 */
static inline bool hv_encode_target_ok(const struct hv_uuid *target, uint16_t uuid16)
{
	return !target || hv_uuid_is16(target, uuid16);
}

static inline int hv_encode_weight(const struct hv_measurement *m, double scale,
				   double max, double *ret_raw)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	double raw;

	if (!w || w->absent != HV_ABSENT_NONE)
		return -EINVAL;
	raw = round(w->value * scale);
	if (raw < 1 || raw > max)
		return -EINVAL;
	*ret_raw = raw;
	return 0;
}

static inline int hv_encode_impedance(const struct hv_measurement *m, double lo,
				      double hi, double *ret_ohm)
{
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);

	if (!z)
		return 0;
	if (z->absent != HV_ABSENT_NONE || z->value < lo || z->value > hi)
		return -EINVAL;
	*ret_ohm = z->value;
	return 1;
}
