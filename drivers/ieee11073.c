// SPDX-License-Identifier: MIT
/*
 * IEEE 11073-20601 SFLOAT/FLOAT and the field reader of the SIG health
 * decoders. Layout and special values of IEEE 11073-20601 as Wireshark 3.4
 * epan/ftypes/ftype-ieee-11073-float.c and the Bluetooth SIG GATT XML
 * (oesmith/gatt-xml@4fd2ede) state them.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/ieee11073.h"

/* 10^n for 0 <= n <= 22 is exact in a double; dividing by it rounds once. */
static double pow10i(int n)
{
	double p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

static double scale(double mantissa, int exponent)
{
	if (exponent >= 0)
		return mantissa * pow10i(exponent);
	return mantissa / pow10i(-exponent);
}

void hv_sfloat_parts(uint16_t raw, int *ret_mantissa, int *ret_exponent)
{
	int mantissa = raw & 0x0FFF;
	int exponent = (raw >> 12) & 0x0F;

	if (mantissa >= 0x0800)
		mantissa -= 0x1000;
	if (exponent >= 0x08)
		exponent -= 0x10;
	*ret_mantissa = mantissa;
	*ret_exponent = exponent;
}

void hv_float_parts(uint32_t raw, int32_t *ret_mantissa, int *ret_exponent)
{
	int32_t mantissa = (int32_t)(raw & 0x00FFFFFF);
	int exponent = (int)((raw >> 24) & 0xFF);

	if (mantissa >= 0x00800000)
		mantissa -= 0x01000000;
	if (exponent >= 0x80)
		exponent -= 0x100;
	*ret_mantissa = mantissa;
	*ret_exponent = exponent;
}

struct hv_ieee_number hv_sfloat_decode(uint16_t raw)
{
	int mantissa, exponent;

	switch (raw) {
	case HV_SFLOAT_NAN:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NAN };
	case HV_SFLOAT_NRES:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NRES };
	case HV_SFLOAT_POS_INF:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_POS_INF };
	case HV_SFLOAT_NEG_INF:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NEG_INF };
	case HV_SFLOAT_RESERVED:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_RESERVED };
	default:
		break;
	}
	hv_sfloat_parts(raw, &mantissa, &exponent);
	return (struct hv_ieee_number){ .value = scale(mantissa, exponent) };
}

struct hv_ieee_number hv_float_decode(uint32_t raw)
{
	int32_t mantissa;
	int exponent;

	switch (raw) {
	case HV_FLOAT_NAN:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NAN };
	case HV_FLOAT_NRES:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NRES };
	case HV_FLOAT_POS_INF:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_POS_INF };
	case HV_FLOAT_NEG_INF:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_NEG_INF };
	case HV_FLOAT_RESERVED:
		return (struct hv_ieee_number){ .absent = HV_ABSENT_RESERVED };
	default:
		break;
	}
	hv_float_parts(raw, &mantissa, &exponent);
	/* Exponents up to ±127 stay finite in a double (1e127 < DBL_MAX). */
	return (struct hv_ieee_number){ .value = scale(mantissa, exponent) };
}

static long long round_ll(double v)
{
	return (long long)(v >= 0 ? v + 0.5 : v - 0.5);
}

/* Find the smallest exponent >= -decimals whose mantissa fits. */
static int encode_parts(double value, int decimals, long long max_mantissa,
			int min_exp, int max_exp, long long *ret_mantissa,
			int *ret_exponent)
{
	int exponent = -decimals;

	if (value != value)
		return -ERANGE;
	/* The shortest exact form first (121 is 121e0, not 1210e-1). */
	for (int d = 0; d <= decimals && -d >= min_exp; d++) {
		double scaled = value * pow10i(d);
		long long mantissa;

		if (scaled > (double)max_mantissa || scaled < -(double)max_mantissa)
			break;
		mantissa = round_ll(scaled);
		if ((double)mantissa - scaled < 1e-6 &&
		    scaled - (double)mantissa < 1e-6) {
			*ret_mantissa = mantissa;
			*ret_exponent = -d;
			return 0;
		}
	}
	if (exponent < min_exp)
		exponent = min_exp;
	for (; exponent <= max_exp; exponent++) {
		double scaled = exponent >= 0 ? value / pow10i(exponent) :
						value * pow10i(-exponent);
		long long mantissa;

		if (scaled > (double)max_mantissa + 0.5 ||
		    scaled < -(double)max_mantissa - 0.5)
			continue;
		mantissa = round_ll(scaled);
		if (mantissa > max_mantissa || mantissa < -max_mantissa)
			continue;
		*ret_mantissa = mantissa;
		*ret_exponent = exponent;
		return 0;
	}
	return -ERANGE;
}

int hv_sfloat_encode(double value, int decimals, uint16_t *ret)
{
	long long mantissa;
	int exponent, r;
	uint16_t raw;

	r = encode_parts(value, decimals, 0x07FF, -8, 7, &mantissa, &exponent);
	if (r < 0)
		return r;
	/* At exponent 0, mantissas beyond ±2045 are the special values
	 * (0x07FE..0x0802): one digit less. */
	if (exponent == 0 && (mantissa > 0x07FD || mantissa < -0x07FD)) {
		mantissa = round_ll(value / 10);
		exponent = 1;
	}
	raw = (uint16_t)(((unsigned)exponent & 0x0F) << 12 |
			 ((unsigned)mantissa & 0x0FFF));
	*ret = raw;
	return 0;
}

int hv_float_encode(double value, int decimals, uint32_t *ret)
{
	long long mantissa;
	int exponent, r;

	r = encode_parts(value, decimals, 0x007FFFFD, -128, 127, &mantissa,
			 &exponent);
	if (r < 0)
		return r;
	*ret = ((uint32_t)exponent & 0xFF) << 24 |
	       ((uint32_t)mantissa & 0x00FFFFFF);
	return 0;
}

int hv_sfloat_special(enum hv_absent absent, uint16_t *ret)
{
	static const uint16_t raw[_HV_ABSENT_MAX] = {
		[HV_ABSENT_NAN] = HV_SFLOAT_NAN,
		[HV_ABSENT_NRES] = HV_SFLOAT_NRES,
		[HV_ABSENT_POS_INF] = HV_SFLOAT_POS_INF,
		[HV_ABSENT_NEG_INF] = HV_SFLOAT_NEG_INF,
		[HV_ABSENT_RESERVED] = HV_SFLOAT_RESERVED,
	};

	if ((int)absent <= HV_ABSENT_NONE || absent >= _HV_ABSENT_MAX)
		return -EINVAL;
	*ret = raw[absent];
	return 0;
}

int hv_float_special(enum hv_absent absent, uint32_t *ret)
{
	static const uint32_t raw[_HV_ABSENT_MAX] = {
		[HV_ABSENT_NAN] = HV_FLOAT_NAN,
		[HV_ABSENT_NRES] = HV_FLOAT_NRES,
		[HV_ABSENT_POS_INF] = HV_FLOAT_POS_INF,
		[HV_ABSENT_NEG_INF] = HV_FLOAT_NEG_INF,
		[HV_ABSENT_RESERVED] = HV_FLOAT_RESERVED,
	};

	if ((int)absent <= HV_ABSENT_NONE || absent >= _HV_ABSENT_MAX)
		return -EINVAL;
	*ret = raw[absent];
	return 0;
}

int hv_measurement_add_number(struct hv_measurement *m, enum hv_metric metric,
			      struct hv_ieee_number n, double factor,
			      int decimals)
{
	double v;

	if (n.absent != HV_ABSENT_NONE)
		return hv_measurement_add_absent(m, metric, n.absent);
	v = n.value * factor;
	/* Rounding goes through an integer: only for sane magnitudes. */
	if (decimals >= 0 && v < 1e12 && v > -1e12)
		v = hv_round_to(v, decimals);
	return hv_measurement_add(m, metric, v);
}

void hv_wire_init(struct hv_wire *w, const uint8_t *data, size_t len,
		  struct hv_measurement *m)
{
	*w = (struct hv_wire){ .data = data, .len = len, .m = m };
}

static const uint8_t *take(struct hv_wire *w, size_t n, const char *field,
			   bool announced)
{
	const uint8_t *p;

	if (w->len - w->pos < n) {
		if (announced)
			(void)hv_measurement_invalid(
				w->m,
				"flags 0x%02x say %s (%zu bytes) follows at byte %zu, but the value has %zu bytes",
				w->flags, field, n, w->pos, w->len);
		else
			(void)hv_measurement_invalid(
				w->m,
				"value too short: %zu bytes, %s needs bytes %zu..%zu",
				w->len, field, w->pos, w->pos + n - 1);
		return NULL;
	}
	p = w->data + w->pos;
	w->pos += n;
	return p;
}

const uint8_t *hv_wire_take(struct hv_wire *w, size_t n, const char *field)
{
	return take(w, n, field, false);
}

const uint8_t *hv_wire_take_opt(struct hv_wire *w, size_t n,
				const char *field)
{
	return take(w, n, field, true);
}

int hv_wire_end(struct hv_wire *w, const char *after)
{
	if (w->pos == w->len)
		return 0;
	return hv_measurement_invalid(
		w->m,
		"%zu unexpected trailing bytes after %s (flags 0x%02x announce %zu bytes)",
		w->len - w->pos, after, w->flags, w->pos);
}

int hv_wire_begin(struct hv_wire *w, const uint8_t *data, size_t len,
		  struct hv_measurement *m, unsigned *ret_flags)
{
	const uint8_t *p;

	hv_wire_init(w, data, len, m);
	p = hv_wire_take(w, 1, "flags");
	if (!p)
		return -EBADMSG;
	w->flags = *ret_flags = p[0];
	return 0;
}

int hv_wire_take_datetime(struct hv_wire *w, const char *field,
			  struct hv_datetime *ret)
{
	const uint8_t *p = hv_wire_take_opt(w, HV_DATETIME_WIRE_LEN, field);

	if (!p)
		return -EBADMSG;
	hv_read_datetime(p, ret);
	return 0;
}

int hv_wire_take_clock(struct hv_wire *w, int64_t now)
{
	struct hv_datetime dt;
	int r = hv_wire_take_datetime(w, "a time stamp", &dt);

	if (r < 0)
		return r;
	hv_measurement_set_clock(w->m, &dt, now);
	return 0;
}

int hv_wire_take_sfloat(struct hv_wire *w, const char *field,
			enum hv_metric metric, double factor, int decimals)
{
	const uint8_t *p = hv_wire_take_opt(w, 2, field);

	if (!p)
		return -EBADMSG;
	return hv_measurement_add_number(w->m, metric,
					 hv_sfloat_decode(hv_le16(p)), factor,
					 decimals);
}

void hv_wire_put(struct hv_wire_out *o, const void *bytes, size_t n)
{
	if (o->error)
		return;
	if (o->size - o->len < n) {
		o->error = -ENOSPC;
		return;
	}
	memcpy(o->data + o->len, bytes, n);
	o->len += n;
}

void hv_wire_put_u8(struct hv_wire_out *o, uint8_t v)
{
	hv_wire_put(o, &v, 1);
}

void hv_wire_put_le16(struct hv_wire_out *o, uint16_t v)
{
	uint8_t b[2];

	hv_put_le16(b, v);
	hv_wire_put(o, b, sizeof(b));
}

void hv_wire_put_le24(struct hv_wire_out *o, uint32_t v)
{
	uint8_t b[3] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16) };

	hv_wire_put(o, b, sizeof(b));
}

void hv_wire_put_le32(struct hv_wire_out *o, uint32_t v)
{
	uint8_t b[4];

	hv_put_le32(b, v);
	hv_wire_put(o, b, sizeof(b));
}

int hv_wire_put_sfloat(struct hv_wire_out *o, const struct hv_reading *rd,
		       double divisor)
{
	uint16_t raw;
	int r;

	if (!rd)
		r = hv_sfloat_special(HV_ABSENT_NAN, &raw);
	else if (rd->absent != HV_ABSENT_NONE)
		r = hv_sfloat_special(rd->absent, &raw);
	else
		r = hv_sfloat_encode(rd->value / divisor, 1, &raw);
	if (r < 0)
		return r;
	hv_wire_put_le16(o, raw);
	return 0;
}

void hv_wire_put_clock(struct hv_wire_out *o, const struct hv_measurement *m)
{
	const struct hv_datetime *dt = hv_measurement_clock(m);
	uint8_t b[HV_DATETIME_WIRE_LEN];

	if (!dt)
		return;
	hv_write_datetime(b, dt);
	hv_wire_put(o, b, sizeof(b));
}

int hv_wire_out_frame(const struct hv_wire_out *o, uint16_t characteristic,
		      struct hv_frame *ret)
{
	if (o->error)
		return o->error;
	hv_frame_set_value(ret, characteristic, o->data, o->len);
	return 0;
}

int hv_pick_final_or_intermediate(const struct hv_uuid *target, bool final,
				  uint16_t final_uuid,
				  uint16_t intermediate_uuid)
{
	if (!target)
		return final ? final_uuid : intermediate_uuid;
	if (hv_uuid_is16(target, final_uuid))
		return final_uuid;
	if (hv_uuid_is16(target, intermediate_uuid))
		return intermediate_uuid;
	return -EINVAL;
}

void hv_add_bit_flags(struct hv_measurement *m, uint32_t bits,
		      const struct hv_bit_name *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((bits & table[i].mask) == table[i].mask &&
		    hv_measurement_add_flag(m, table[i].name) < 0)
			return;
}

bool hv_measurement_has_flag(const struct hv_measurement *m, const char *flag)
{
	for (size_t i = 0; i < m->n_flags; i++)
		if (m->flags[i] && strcmp(m->flags[i], flag) == 0)
			return true;
	return false;
}

const struct hv_reading *
hv_measurement_find_method(const struct hv_measurement *m,
			   enum hv_metric metric, const char *method)
{
	for (size_t i = 0; i < m->n_readings; i++) {
		const struct hv_reading *rd = &m->readings[i];

		if (rd->metric != metric)
			continue;
		if (method ? rd->method && strcmp(rd->method, method) == 0 :
			     !rd->method)
			return rd;
	}
	return NULL;
}

uint32_t hv_bits_from_flags(const struct hv_measurement *m,
			    const struct hv_bit_name *table, size_t n)
{
	uint32_t bits = 0;

	for (size_t i = 0; i < n; i++)
		if (hv_measurement_has_flag(m, table[i].name))
			bits |= table[i].mask;
	return bits;
}

const char *hv_measurement_context(const struct hv_measurement *m,
				   const char *key)
{
	for (size_t i = 0; i < m->n_context; i++)
		if (m->context_key[i] && strcmp(m->context_key[i], key) == 0)
			return m->context_value[i];
	return NULL;
}

const char *hv_code_name(const char *const *names, size_t n, unsigned code)
{
	return code < n ? names[code] : NULL;
}

int hv_code_from_name(const char *const *names, size_t n, const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

void hv_frame_set_value(struct hv_frame *f, uint16_t characteristic,
			const uint8_t *data, size_t len)
{
	*f = (struct hv_frame){
		.has_characteristic = true,
		.characteristic = hv_uuid16(characteristic),
		.value_len = len,
	};
	memcpy(f->value, data, len);
}
