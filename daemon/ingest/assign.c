// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "daemon/basic/macro.h"
#include "daemon/common/config.h"
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

static bool configured(const struct hv_config *cfg, const char *address)
{
	for (size_t i = 0; i < cfg->bluetooth.n_devices; i++)
		if (cfg->bluetooth.devices[i].address &&
		    strcasecmp(cfg->bluetooth.devices[i].address, address) == 0)
			return true;
	return false;
}

/* Adopted? 1 yes (ret_person its own person, or ""), 0 no. A store error
 * counts as not adopted: unassigned is never a wrong answer. */
static int adopted(struct hv_store *store, const struct hv_config *cfg,
		   const char *driver, const struct hv_record *r,
		   char ret_person[HV_PERSON_MAX], bool *ret_adopted_now)
{
	struct hv_adoption a;

	ret_person[0] = '\0';
	if (hv_store_device_adoption(store, r->device_address, &a) >= 0) {
		(void)snprintf(ret_person, HV_PERSON_MAX, "%s", a.person);
		return 1;
	}
	if (configured(cfg, r->device_address) ||
	    cfg->assignment.adopt == HV_ADOPT_ALL)
		return 1;
	if (cfg->assignment.adopt != HV_ADOPT_FIRST || !driver || !driver[0])
		return 0;
	if (hv_store_device_adopt_first(store, r->device_address, driver,
					r->time_usec) <= 0)
		return 0;
	*ret_adopted_now = true;
	return 1;
}

enum hv_assign_outcome hv_assign_record(struct hv_store *store,
					const struct hv_config *cfg,
					const char *driver,
					struct hv_record *r,
					bool *ret_adopted_now)
{
	_cleanup_free_ struct hv_person *people = NULL;
	char own[HV_PERSON_MAX];
	const struct hv_reading *w;
	size_t n = 0;
	int consent, k;

	*ret_adopted_now = false;
	/* A measurement of an object (a glucose meter's control solution) is
	 * nobody's reading, whoever owns the device. */
	if (r->m.subject == HV_SUBJECT_OBJECT) {
		r->person[0] = '\0';
		return HV_ASSIGN_NOBODY;
	}
	/* A linked slot decides, adopted or not: linking it was the
	 * household's word for that device. An unlinked one falls through. */
	if (r->m.user_index >= 0 &&
	    hv_store_link_get(store, r->device_address, r->m.user_index,
			      r->person, &consent) >= 0 && r->person[0])
		return HV_ASSIGNED;
	r->person[0] = '\0';
	if (!adopted(store, cfg, driver, r, own, ret_adopted_now))
		return HV_ASSIGN_NOT_ADOPTED;
	if (own[0]) {
		(void)snprintf(r->person, sizeof(r->person), "%s", own);
		return HV_ASSIGNED;
	}
	w = hv_measurement_find(&r->m, HV_METRIC_BODY_WEIGHT);
	if (!w || w->absent != HV_ABSENT_NONE ||
	    hv_store_people_list(store, &people, &n) < 0)
		return HV_ASSIGN_NOBODY;
	k = hv_assign_by_weight(people, n, w->value, cfg->assignment.tolerance_kg);
	if (k < 0)
		return HV_ASSIGN_NOBODY;
	(void)snprintf(r->person, sizeof(r->person), "%s", people[k].id);
	return HV_ASSIGNED;
}
