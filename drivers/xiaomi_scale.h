/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the two Xiaomi scale adverts share (drivers/xiaomi_mi_scale.c,
 * drivers/xiaomi_mi_scale2.c; openScale MiScaleHandler, xiaomi-ble):
 * the weight u16 (kg = raw / 200; lb and jin = raw / 100), the state bits
 * (stabilised, load removed, object weighing) and the scale's clock as
 * Date Time. Pure and inline.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/bytes.h"
#include "drivers/measurement.h"

/* The weight in kg (rounded to 1 g), setting the display unit. */
static inline double hv_mi_weight_kg(uint16_t raw, bool lb, bool jin,
				     struct hv_measurement *ret)
{
	double kg;

	if (lb) {
		kg = raw / 100.0 * HV_LB_TO_KG;
		ret->display_unit = HV_UNIT_LB;
	} else if (jin) {
		kg = raw / 100.0 * HV_JIN_TO_KG;
		ret->display_unit = HV_UNIT_JIN;
	} else {
		kg = raw / 200.0;
		ret->display_unit = HV_UNIT_KG;
	}
	return hv_round_to(kg, 3);
}

/* The state of an advert and its clock (7 bytes of Date Time at clock). */
static inline void hv_mi_set_state(struct hv_measurement *ret, bool final,
				   bool removed, bool object,
				   const uint8_t *clock, int64_t now)
{
	struct hv_datetime dt;

	ret->final = final;
	ret->has_load_removed = true;
	ret->load_removed = removed;
	ret->subject = object ? HV_SUBJECT_OBJECT : HV_SUBJECT_PERSON;
	hv_read_datetime(clock, &dt);
	hv_measurement_set_clock(ret, &dt, now);
}

/* Encoders: the raw weight for a display unit (lb, jin, else kg), before
 * rounding; -EINVAL when it does not fit the u16. */
static inline int hv_mi_weight_raw(double kg, enum hv_display_unit unit,
				   double *ret_raw)
{
	double raw;

	if (unit == HV_UNIT_LB)
		raw = kg / HV_LB_TO_KG * 100;
	else if (unit == HV_UNIT_JIN)
		raw = kg / HV_JIN_TO_KG * 100;
	else
		raw = kg * 200;
	if (raw + 0.5 > UINT16_MAX)
		return -EINVAL;
	*ret_raw = raw;
	return 0;
}

/* Encoders: the measurement's clock, or zeros when it has none. */
static inline void hv_mi_write_clock(uint8_t *p, const struct hv_measurement *m)
{
	static const struct hv_datetime none;
	const struct hv_datetime *dt = hv_measurement_clock(m);

	hv_write_datetime(p, dt ? dt : &none);
}
