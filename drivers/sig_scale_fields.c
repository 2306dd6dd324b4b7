// SPDX-License-Identifier: MIT
/*
 * Fields the two SIG scale characteristics share, Weight Measurement 0x2A9D
 * and Body Composition Measurement 0x2A9C (GATT XML, oesmith/gatt-xml@4fd2ede),
 * little-endian, after the flags and the first value:
 *
 *   [YY YY MO DD HH MI SS]  time stamp, Date Time (device local time)
 *   [UU]                    user index (UDS); 0xFF = unknown user
 *
 * and the resolution codes of their Feature characteristics (0x2A9E bits
 * 3-6 and 7-9, 0x2A9B bits 11-14 and 15-17):
 *
 *   mass    1 0.5 kg / 1 lb … 7 0.005 kg / 0.01 lb, 8-15 reserved
 *   height  1 0.01 m / 1 in, 2 0.005 m / 0.5 in, 3 0.001 m / 0.1 in,
 *           4-7 reserved; 0: not specified (no text)
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_scale.h"

#define USER_UNKNOWN 0xFF

static const char *const mass_res_text[16] = {
	NULL,		    "0.5 kg / 1 lb",	  "0.2 kg / 0.5 lb",
	"0.1 kg / 0.2 lb",   "0.05 kg / 0.1 lb",   "0.02 kg / 0.05 lb",
	"0.01 kg / 0.02 lb", "0.005 kg / 0.01 lb", "reserved",
	"reserved",	    "reserved",		  "reserved",
	"reserved",	    "reserved",		  "reserved",
	"reserved",
};
static const char *const height_res_text[8] = {
	NULL,	    "0.01 m / 1 in", "0.005 m / 0.5 in", "0.001 m / 0.1 in",
	"reserved", "reserved",	     "reserved",	 "reserved",
};

const char *hv_sig_mass_resolution_text(unsigned code)
{
	return mass_res_text[code & 0x0F];
}

const char *hv_sig_height_resolution_text(unsigned code)
{
	return height_res_text[code & 0x07];
}

int hv_sig_scale_need(struct hv_measurement *ret, const struct hv_frame *frame,
		      const struct hv_sig_scale_fields *fl, size_t off,
		      size_t n, const char *field)
{
	if (frame->value_len >= off + n)
		return 0;
	return hv_measurement_invalid(
		ret,
		"flags 0x%0*x say %s follows but the value has %zu bytes (need %zu)",
		fl->flag_digits, fl->flags, field, frame->value_len, off + n);
}

int hv_sig_scale_take_stamp_user(const struct hv_frame *frame,
				 struct hv_measurement *ret,
				 const struct hv_sig_scale_fields *fl,
				 size_t *off)
{
	const uint8_t *v = frame->value;
	int r;

	if (fl->flags & fl->time_stamp) {
		struct hv_datetime dt;

		r = hv_sig_scale_need(ret, frame, fl, *off,
				      HV_DATETIME_WIRE_LEN, "a time stamp");
		if (r < 0)
			return r;
		hv_read_datetime(v + *off, &dt);
		hv_measurement_set_clock(ret, &dt, frame->now);
		*off += HV_DATETIME_WIRE_LEN;
	}
	if (fl->flags & fl->user) {
		r = hv_sig_scale_need(ret, frame, fl, *off, 1, "a user id");
		if (r < 0)
			return r;
		if (v[*off] == USER_UNKNOWN) {
			r = hv_measurement_add_flag(ret, "unknown_user");
			if (r < 0)
				return r;
		} else {
			ret->user_index = v[*off];
		}
		*off += 1;
	}
	return 0;
}

int hv_sig_scale_end(struct hv_measurement *ret, const struct hv_frame *frame,
		     const struct hv_sig_scale_fields *fl, size_t off)
{
	if (off == frame->value_len)
		return 0;
	return hv_measurement_invalid(
		ret,
		"flags 0x%0*x announce %zu bytes but the value has %zu (trailing bytes)",
		fl->flag_digits, fl->flags, off, frame->value_len);
}

int hv_sig_scale_put_stamp_user(const struct hv_measurement *m,
				struct hv_sig_scale_fields *fl, uint8_t *v,
				size_t *off)
{
	const struct hv_datetime *dt = hv_measurement_clock(m);

	if (dt) {
		fl->flags |= fl->time_stamp;
		hv_write_datetime(v + *off, dt);
		*off += HV_DATETIME_WIRE_LEN;
	}
	if (m->user_index >= 0 || hv_measurement_has_flag(m, "unknown_user")) {
		if (m->user_index >= USER_UNKNOWN)
			return -EINVAL;
		fl->flags |= fl->user;
		v[(*off)++] = m->user_index >= 0 ? (uint8_t)m->user_index :
						   USER_UNKNOWN;
	}
	return 0;
}
