/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * HV_FHIR_DUMP_DIR: each FHIR resource a test checks is also written there
 * as PREFIX-NNN.json, for the official R4 JSON schema
 * (tests/integration/test_fhir_schema.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

static inline void fhir_dump(const cJSON *resource, const char *prefix)
{
	static unsigned n;
	const char *dir = getenv("HV_FHIR_DUMP_DIR");
	char path[512], *text;
	FILE *f;

	if (!dir)
		return;
	(void)snprintf(path, sizeof(path), "%s/%s-%03u.json", dir, prefix, n++);
	text = cJSON_Print(resource);
	assert_non_null(text);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	free(text);
}
