/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Whom a measurement belongs to (docs/people.md), in order:
 *  1. the device's user slot, when it is linked to a person;
 *  2. else the one person whose expected weight range, or last weight,
 *     fits the measured body weight within the tolerance;
 *  3. else nobody: the unassigned bucket. Never a guess when two fit.
 */

#include <stddef.h>

#include "daemon/store/store.h"

/* Index into people of the unique fit, -ENOENT none, -EEXIST ambiguous. */
int hv_assign_by_weight(const struct hv_person *people, size_t n_people,
			double weight_kg, double tolerance_kg);
