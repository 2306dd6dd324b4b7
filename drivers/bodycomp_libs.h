/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Body-composition methods of the proprietary scale families, for scales that
 * send weight and impedance but no composition (docs/scales.md):
 *
 *   "trisa"              Trisa Body Analyze regression (QN/Yolanda, ES-CS20M)
 *   "yunmai"             Yunmai's own fat/muscle/water/bone/visceral model
 *   "standard_impedance" Sun 2003 FFM/TBW, Janssen SMM, Katch-McArdle BMR
 *
 * Each adds its readings to m, every one tagged with the method name, and
 * only when the profile is complete and the inputs are in range. Returns 0
 * (also when nothing could be derived) or -ENOSPC.
 */

#include "drivers/measurement.h"

#define HV_METHOD_TRISA "trisa"
#define HV_METHOD_YUNMAI "yunmai"
#define HV_METHOD_STANDARD_IMPEDANCE "standard_impedance"

/* Square root without libm (drivers do not link it); x < 0 gives 0. */
double hv_sqrt(double x);

/* impedance_ohm: the value the method expects (QN: already converted). */
int hv_bodycomp_trisa(const struct hv_profile *p, double weight_kg,
		      double impedance_ohm, struct hv_measurement *m);
int hv_bodycomp_yunmai(const struct hv_profile *p, double weight_kg,
		       double resistance, struct hv_measurement *m);
int hv_bodycomp_standard(const struct hv_profile *p, double weight_kg,
			 double impedance_ohm, struct hv_measurement *m);

/* QN raw resistance R1 to the impedance-like value Trisa's model takes. */
double hv_qn_impedance(double r1);
