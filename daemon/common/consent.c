// SPDX-License-Identifier: MIT
/*
 * Metric groups and consent scopes (consent.h). A metric may sit in more
 * than one group (a pulse rate comes with a blood pressure and with an
 * oximeter's SpO2): granting either group shares it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/common/consent.h"
#include "drivers/measurement.h"

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

const struct hv_metric_group hv_metric_groups[] = {
	{ "weight", LIST("body_weight", "bmi", "body_height") },
	{ "body_composition",
	  LIST("body_fat_percent", "fat_free_mass", "soft_lean_mass",
	       "muscle_mass", "muscle_percent", "body_water_mass",
	       "body_water_percent", "bone_mass", "visceral_fat_rating",
	       "basal_metabolic_rate", "impedance", "impedance_250khz",
	       "protein_percent", "metabolic_age") },
	{ "blood_pressure",
	  LIST("systolic_pressure", "diastolic_pressure",
	       "mean_arterial_pressure", "pulse_rate") },
	{ "glucose", LIST("blood_glucose") },
	{ "activity",
	  LIST("step_count", "distance", "speed", "cadence", "stride_length",
	       "energy_expended") },
	{ "heart", LIST("heart_rate", "rr_interval") },
	{ "temperature", LIST("body_temperature") },
	{ "spo2", LIST("spo2", "pulse_amplitude_index", "pulse_rate") },
	{}
};

const struct hv_metric_group *hv_metric_group_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct hv_metric_group *g = hv_metric_groups; g->name; g++)
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

static bool item_known(const char *item)
{
	return strcmp(item, "all") == 0 || hv_metric_group_find(item) ||
	       hv_metric_from_name(item) >= 0;
}

/* Is item (NUL-terminated) one of the comma-separated entries of list? */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, item, n) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

int hv_consent_scope_normalize(const char *scope, char *ret, size_t size,
			       char *ret_bad, size_t bad_size)
{
	char out[HV_CONSENT_SCOPE_MAX] = "";
	size_t used = 0;

	if (!scope || !ret || size == 0)
		return -EINVAL;
	for (const char *p = scope; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[64];

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len >= sizeof(item)) {
			if (ret_bad)
				(void)snprintf(ret_bad, bad_size, "%.*s",
					       (int)len, p);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (len) {
			if (!item_known(item)) {
				if (ret_bad)
					(void)snprintf(ret_bad, bad_size, "%s",
						       item);
				return -EINVAL;
			}
			if (!list_has(out, item)) {
				int n = snprintf(out + used, sizeof(out) - used,
						 "%s%s", used ? "," : "", item);

				if (n < 0 || (size_t)n >= sizeof(out) - used)
					return -ENOBUFS;
				used += (size_t)n;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (!used) {
		if (ret_bad)
			(void)snprintf(ret_bad, bad_size, "%s", "");
		return -EINVAL;
	}
	if (list_has(out, "all"))
		(void)snprintf(out, sizeof(out), "all");
	if (strlen(out) >= size)
		return -ENOBUFS;
	memcpy(ret, out, strlen(out) + 1);
	return 0;
}

bool hv_consent_scope_allows(const char *scope, const char *metric)
{
	if (!scope || !metric || !metric[0])
		return false;
	if (list_has(scope, "all") || list_has(scope, metric))
		return true;
	for (const struct hv_metric_group *g = hv_metric_groups; g->name; g++) {
		if (!list_has(scope, g->name))
			continue;
		for (const char *const *m = g->metrics; *m; m++)
			if (strcmp(*m, metric) == 0)
				return true;
	}
	return false;
}
