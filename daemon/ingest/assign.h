/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Whom a measurement belongs to (docs/people.md), in order:
 *  1. the device's user slot, when it is linked to a person;
 *  2. else the one person whose expected weight range, or last weight,
 *     fits the measured body weight within the tolerance;
 *  3. else nobody: the unassigned bucket. Never a guess when two fit.
 */

#include <stdbool.h>
#include <stddef.h>

#include "daemon/store/store.h"

/* Index into people of the unique fit, -ENOENT none, -EEXIST ambiguous. */
int hv_assign_by_weight(const struct hv_person *people, size_t n_people,
			double weight_kg, double tolerance_kg);

/*
 * Whose is this record, written to r->person ("" unassigned). A linked
 * user slot decides first; otherwise the device must be adopted (docs/people.md "Adopting a
 * device"): by the store, by being listed in bluetooth.devices, or by the
 * assignment.adopt policy ("first" adopts the first device of each driver,
 * here, and says so in *ret_adopted_now). An adopted device with a person
 * of its own gives its readings to that person, after a linked user slot.
 * driver: the driver id that decoded the record ("" unknown).
 */
enum hv_assign_outcome {
	HV_ASSIGNED, /* r->person set */
	HV_ASSIGN_NOBODY, /* adopted, but no rule picked one person */
	HV_ASSIGN_NOT_ADOPTED, /* kept unassigned until it is adopted */
};

struct hv_config;

enum hv_assign_outcome hv_assign_record(struct hv_store *store,
					const struct hv_config *cfg,
					const char *driver,
					struct hv_record *r,
					bool *ret_adopted_now);
