/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Body composition derived from weight, impedance and a person's profile.
 * Pure arithmetic, no libm: callable from drivers.
 *
 * Method "mifit" (docs: readings.md): the Mi Fit formulas as ported by the
 * widely used lolouk44/xiaomi_mi_scale (src/Xiaomi_Scale_Body_Metrics.py),
 * so that people see the numbers they know from Mi Fit / Home Assistant.
 */

#include "drivers/measurement.h"

#define HV_BODYCOMP_METHOD_MIFIT "mifit"

/* Append derived readings (method "mifit") for a weighing; impedance_ohm <= 0: only those that need no
 * impedance (BMI, BMR, visceral fat). -EINVAL if the profile is incomplete. */
int hv_bodycomp_mifit(double weight_kg, double impedance_ohm, const struct hv_profile *profile,
		      struct hv_measurement *m);

/*
 * Further details of hv_bodycomp_mifit():
 *  - the inputs the port refuses (height > 2.20 m, weight outside 10–200 kg,
 *    age > 99) give -ERANGE and append nothing;
 *  - an impedance above 3000 Ω (the port's "scale is sleeping") counts as
 *    no impedance;
 *  - -ENOSPC, appending nothing, when m has no room for the readings;
 *  - values are rounded to 2 decimals; the port's own clamps are kept
 *    (e.g. body fat 5–75 %, visceral fat 1–50).
 */
