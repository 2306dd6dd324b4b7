/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Method "active_era": the fat-free-mass estimate openScale's
 * ActiveEraBF06Handler uses for the Active Era BF-06 when the scale names
 * an algorithm other than the vendor's WLA07 (docs/scales.md). Adds
 * fat-free mass and fat %, tagged with the method, only with a complete
 * profile and a plausible result. Returns 0 (also when nothing could be
 * derived) or -ENOSPC.
 */
#include "drivers/measurement.h"

#define HV_METHOD_ACTIVE_ERA "active_era"

int hv_bodycomp_active_era(const struct hv_profile *p, double weight_kg,
			   double impedance_ohm, struct hv_measurement *m);
