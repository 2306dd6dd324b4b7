/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What a person agreed to share with an audience (docs/consent.md): the
 * metric groups, defined once here from the vocabulary of docs/readings.md,
 * and a consent's scope, a comma-separated list of groups and metric names
 * ("weight,blood_pressure,spo2", or "all"). Pure: no allocation, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>

#define HV_CONSENT_SCOPE_MAX 512
#define HV_AUDIENCE_MAX 65 /* a config name: 64 characters and the NUL */

struct hv_metric_group {
	const char *name; /* "blood_pressure" */
	const char *const *metrics; /* NULL-terminated metric names */
};

/* The groups, NULL-terminated by a zero entry. */
extern const struct hv_metric_group hv_metric_groups[];

const struct hv_metric_group *hv_metric_group_find(const char *name);

/*
 * Check a scope and write it in its one form: items trimmed, lower case
 * kept as given, duplicates dropped, "all" alone when it is listed.
 * -EINVAL for an empty list or an item that is neither a group nor a metric
 * (ret_bad, when not NULL, then holds that item, truncated to bad_size);
 * -ENOBUFS when the result does not fit.
 */
int hv_consent_scope_normalize(const char *scope, char *ret, size_t size,
			       char *ret_bad, size_t bad_size);

/* Does a normalized scope cover this metric (by name)? */
bool hv_consent_scope_allows(const char *scope, const char *metric);
