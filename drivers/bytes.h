/* SPDX-License-Identifier: MIT */
#pragma once

/* Little helpers for reading and writing wire bytes; all pure and inline. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/measurement.h"

/* One hexadecimal digit's value, -1 for any other character. */
static inline int hv_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline uint16_t hv_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t hv_le24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static inline uint32_t hv_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t hv_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t hv_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void hv_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void hv_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void hv_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void hv_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Bluetooth SIG Date Time (0x2A08): year LE16, month, day, h, m, s. */
#define HV_DATETIME_WIRE_LEN 7

static inline void hv_read_datetime(const uint8_t *p, struct hv_datetime *ret)
{
	*ret = (struct hv_datetime){
		.year = hv_le16(p),
		.month = p[2],
		.day = p[3],
		.hour = p[4],
		.minute = p[5],
		.second = p[6],
	};
}

static inline void hv_write_datetime(uint8_t *p, const struct hv_datetime *dt)
{
	hv_put_le16(p, dt->year);
	p[2] = dt->month;
	p[3] = dt->day;
	p[4] = dt->hour;
	p[5] = dt->minute;
	p[6] = dt->second;
}

/* Keep the raw clock always, and as device_time only when plausible. */
static inline void hv_measurement_set_clock(struct hv_measurement *m,
					    const struct hv_datetime *dt,
					    int64_t now_unix)
{
	m->has_raw_device_time = true;
	m->raw_device_time = *dt;
	m->has_device_time = hv_datetime_plausible(dt, now_unix);
	if (m->has_device_time)
		m->device_time = *dt;
}

/* The clock an encoder sends: the raw device clock first, then the
 * plausible one; NULL when the measurement has none. */
static inline const struct hv_datetime *
hv_measurement_clock(const struct hv_measurement *m)
{
	if (m->has_raw_device_time)
		return &m->raw_device_time;
	return m->has_device_time ? &m->device_time : NULL;
}

/* Round to a given number of decimals without libm. */
static inline double hv_round_to(double v, int decimals)
{
	double scale = 1;
	long long n;

	while (decimals-- > 0)
		scale *= 10;
	n = (long long)(v * scale + (v >= 0 ? 0.5 : -0.5));
	return (double)n / scale;
}

#define HV_LB_TO_KG 0.45359237
#define HV_JIN_TO_KG 0.5
