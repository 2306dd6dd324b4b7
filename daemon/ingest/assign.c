// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>

#include "daemon/ingest/assign.h"

static bool fits(const struct hv_person *p, double w, double tol)
{
	if (p->weight_min_kg > 0 || p->weight_max_kg > 0) {
		double lo = p->weight_min_kg > 0 ? p->weight_min_kg : 0;
		double hi = p->weight_max_kg > 0 ? p->weight_max_kg : INFINITY;

		return w >= lo - tol && w <= hi + tol;
	}
	if (p->last_weight_kg > 0)
		return fabs(w - p->last_weight_kg) <= tol;
	return false; /* nothing known of this person's weight */
}

int hv_assign_by_weight(const struct hv_person *people, size_t n_people,
			double weight_kg, double tolerance_kg)
{
	int found = -ENOENT;

	if (!(weight_kg > 0))
		return -ENOENT;
	for (size_t i = 0; i < n_people; i++) {
		if (!fits(&people[i], weight_kg, tolerance_kg))
			continue;
		if (found >= 0)
			return -EEXIST;
		found = (int)i;
	}
	return found;
}
