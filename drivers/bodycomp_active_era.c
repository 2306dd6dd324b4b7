// SPDX-License-Identifier: MIT
/*
 * Method "active_era", from openScale ActiveEraBF06Handler.estimateFatFreeMass
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * ActiveEraBF06Handler.kt, oliexdev/openScale@f7a733b2):
 *
 *   FFM = 0.36 H²/Z + 0.162 H + 0.289 W − 0.134 A + 4.83 G − 6.83
 *   fat % = (W − FFM) / W × 100
 *
 * H height cm, W weight kg, Z impedance Ohm, A age years, G 1 male, 0
 * female. openScale clamps fat mass at 0; a fat-free mass at or above the
 * weight gives nothing here instead.
 */
#include <errno.h>

#include "drivers/bodycomp_active_era.h"
#include "drivers/bytes.h"

static int add(struct hv_measurement *m, enum hv_metric metric, double v,
	       int decimals)
{
	int r = hv_measurement_add(m, metric, hv_round_to(v, decimals));

	if (r < 0)
		return r;
	m->readings[m->n_readings - 1].method = HV_METHOD_ACTIVE_ERA;
	return 0;
}

int hv_bodycomp_active_era(const struct hv_profile *p, double weight_kg,
			   double impedance_ohm, struct hv_measurement *m)
{
	double h, ffm;
	int r;

	if (!p || !hv_profile_complete(p) || !(weight_kg > 0) ||
	    !(impedance_ohm > 10))
		return 0;
	h = p->height_m * 100;
	ffm = 0.36 * (h * h / impedance_ohm) + 0.162 * h + 0.289 * weight_kg -
	      0.134 * p->age_years + 4.83 * (p->sex == HV_SEX_MALE ? 1 : 0) - 6.83;
	if (ffm <= 0 || ffm >= weight_kg)
		return 0;
	r = add(m, HV_METRIC_FAT_FREE_MASS, ffm, 2);
	if (r >= 0)
		r = add(m, HV_METRIC_BODY_FAT_PERCENT, (weight_kg - ffm) / weight_kg * 100, 1);
	return r;
}
