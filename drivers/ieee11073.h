/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * IEEE 11073-20601 SFLOAT (16 bit) and FLOAT (32 bit), as Bluetooth SIG
 * health characteristics carry them, and a small bounds-checked reader for
 * the "flags, then the fields the flags announce" layout those
 * characteristics share (Bluetooth SIG GATT XML, oesmith/gatt-xml@4fd2ede).
 *
 * SFLOAT: bits 15..12 exponent (4-bit two's complement), bits 11..0 mantissa
 * (12-bit two's complement); FLOAT: bits 31..24 exponent (8-bit signed),
 * bits 23..0 mantissa (24-bit two's complement); value = mantissa * 10^exp.
 * Special values exist only with exponent 0 and are tested on the whole raw
 * word (0xF800 is -204.8, an ordinary number):
 *
 *              SFLOAT   FLOAT
 *   NaN        0x07FF   0x007FFFFF
 *   NRes       0x0800   0x00800000
 *   +INF       0x07FE   0x007FFFFE
 *   -INF       0x0802   0x00800002
 *   reserved   0x0801   0x00800001
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"
#include "drivers/measurement.h"

#define HV_N(x) (sizeof(x) / sizeof((x)[0]))

#define HV_SFLOAT_NAN 0x07FFu
#define HV_SFLOAT_NRES 0x0800u
#define HV_SFLOAT_POS_INF 0x07FEu
#define HV_SFLOAT_NEG_INF 0x0802u
#define HV_SFLOAT_RESERVED 0x0801u

#define HV_FLOAT_NAN 0x007FFFFFu
#define HV_FLOAT_NRES 0x00800000u
#define HV_FLOAT_POS_INF 0x007FFFFEu
#define HV_FLOAT_NEG_INF 0x00800002u
#define HV_FLOAT_RESERVED 0x00800001u

/* A decoded IEEE 11073 number: a value, or the reason there is none. */
struct hv_ieee_number {
	double value; /* 0 when absent != HV_ABSENT_NONE */
	enum hv_absent absent;
};

struct hv_ieee_number hv_sfloat_decode(uint16_t raw);
struct hv_ieee_number hv_float_decode(uint32_t raw);

/* Mantissa and exponent of a raw word (meaningful for ordinary numbers). */
void hv_sfloat_parts(uint16_t raw, int *ret_mantissa, int *ret_exponent);
void hv_float_parts(uint32_t raw, int32_t *ret_mantissa, int *ret_exponent);

/*
 * Encode `value` with `decimals` digits after the point (the exponent is
 * -decimals, raised when the mantissa would not fit). Returns 0, or -ERANGE
 * when the value cannot be represented.
 */
int hv_sfloat_encode(double value, int decimals, uint16_t *ret);
int hv_float_encode(double value, int decimals, uint32_t *ret);
/* The raw word of a special value (HV_ABSENT_NONE: -EINVAL). */
int hv_sfloat_special(enum hv_absent absent, uint16_t *ret);
int hv_float_special(enum hv_absent absent, uint32_t *ret);

/* Append a reading from a decoded number, value scaled by `factor` (unit
 * conversion) and rounded to `decimals` (< 0: not rounded). */
int hv_measurement_add_number(struct hv_measurement *m, enum hv_metric metric,
			      struct hv_ieee_number n, double factor,
			      int decimals);

/*
 * A reader over one characteristic value. Every take names the field it
 * reads, so a value shorter than its flags announce is rejected with an
 * error that names that field (the measurement is marked invalid).
 */
struct hv_wire {
	const uint8_t *data;
	size_t len;
	size_t pos;
	unsigned flags; /* the value's flags, quoted in errors */
	struct hv_measurement *m;
};

void hv_wire_init(struct hv_wire *w, const uint8_t *data, size_t len,
		  struct hv_measurement *m);
/* n bytes of a mandatory `field`, or NULL after hv_measurement_invalid(). */
const uint8_t *hv_wire_take(struct hv_wire *w, size_t n, const char *field);
/* The same for a field the flags announce (the error quotes the flags). */
const uint8_t *hv_wire_take_opt(struct hv_wire *w, size_t n,
				const char *field);
/* 0 when every byte was read; else -EBADMSG naming `after`. */
int hv_wire_end(struct hv_wire *w, const char *after);
static inline size_t hv_wire_left(const struct hv_wire *w)
{
	return w->len - w->pos;
}
/* Start reading a value that opens with a uint8 flags field: init, take
 * "flags", quote them in later errors. 0, or -EBADMSG (value empty). */
int hv_wire_begin(struct hv_wire *w, const uint8_t *data, size_t len,
		  struct hv_measurement *m, unsigned *ret_flags);
/* An announced Date Time named `field`. 0, or -EBADMSG. */
int hv_wire_take_datetime(struct hv_wire *w, const char *field,
			  struct hv_datetime *ret);
/* An announced Date Time ("a time stamp") into the measurement's clock
 * (hv_measurement_set_clock with `now`). 0, or -EBADMSG. */
int hv_wire_take_clock(struct hv_wire *w, int64_t now);
/* An announced SFLOAT appended as a reading (hv_measurement_add_number). */
int hv_wire_take_sfloat(struct hv_wire *w, const char *field,
			enum hv_metric metric, double factor, int decimals);

/* A growing output buffer for encoders; -ENOSPC once it would overflow. */
struct hv_wire_out {
	uint8_t *data;
	size_t size;
	size_t len;
	int error;
};

void hv_wire_put(struct hv_wire_out *o, const void *bytes, size_t n);
void hv_wire_put_u8(struct hv_wire_out *o, uint8_t v);
void hv_wire_put_le16(struct hv_wire_out *o, uint16_t v);
void hv_wire_put_le24(struct hv_wire_out *o, uint32_t v);
void hv_wire_put_le32(struct hv_wire_out *o, uint32_t v);
/* A reading as SFLOAT: value / divisor with one decimal, or its special
 * value; NULL writes NaN. -ERANGE when it cannot be represented. */
int hv_wire_put_sfloat(struct hv_wire_out *o, const struct hv_reading *rd,
		       double divisor);
/* The measurement's clock as Date Time (the raw device clock first). */
void hv_wire_put_clock(struct hv_wire_out *o, const struct hv_measurement *m);
/* Finish an encoder: the buffer's error, or 0 with the frame set to the
 * bytes written on `characteristic`. */
int hv_wire_out_frame(const struct hv_wire_out *o, uint16_t characteristic,
		      struct hv_frame *ret);
/* The characteristic an encoder writes when it serves a final one and an
 * intermediate one of the same layout (0x2A35/0x2A36, 0x2A1C/0x2A1E):
 * `target` when it names one of them, else by m->final; -EINVAL for any
 * other target. */
int hv_pick_final_or_intermediate(const struct hv_uuid *target, bool final,
				  uint16_t final_uuid,
				  uint16_t intermediate_uuid);

/* Status bits kept as named flags: one table per characteristic field. */
struct hv_bit_name {
	uint32_t mask;
	const char *name; /* static */
};

/* Add a flag for every set bit the table names (silently stops when the
 * measurement's flag list is full). */
void hv_add_bit_flags(struct hv_measurement *m, uint32_t bits,
		      const struct hv_bit_name *table, size_t n);
/* The inverse: the bits whose names appear in m->flags. */
uint32_t hv_bits_from_flags(const struct hv_measurement *m,
			    const struct hv_bit_name *table, size_t n);
bool hv_measurement_has_flag(const struct hv_measurement *m, const char *flag);
/* The reading of a metric with a given method (NULL: the device's own,
 * without a method), or NULL. */
const struct hv_reading *
hv_measurement_find_method(const struct hv_measurement *m,
			   enum hv_metric metric, const char *method);
/* Value of a context key, or NULL. */
const char *hv_measurement_context(const struct hv_measurement *m,
				   const char *key);

/* Code -> name tables (index = code; NULL = reserved). */
const char *hv_code_name(const char *const *names, size_t n, unsigned code);
int hv_code_from_name(const char *const *names, size_t n, const char *name);

/* Fill a frame with one GATT value (encoders). */
void hv_frame_set_value(struct hv_frame *f, uint16_t characteristic,
			const uint8_t *data, size_t len);
