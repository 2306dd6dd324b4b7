// SPDX-License-Identifier: MIT
/*
 * The payload builders on arbitrary stored-record JSON: FHIR R4 Bundles,
 * Observations and the retained "latest" values. A record in the store was
 * written by us, but a store is a file on a disk: a damaged or hand-edited
 * row must give an error, never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "daemon/common/fhir.h"
#include "daemon/publish/ha_discovery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *record, *out = NULL;
	const cJSON *reading;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	record = cJSON_Parse(text);
	free(text);
	if (!record)
		return 0;
	if (hv_fhir_bundle(record, &out) == 0)
		cJSON_Delete(out);
	out = NULL;
	if (hv_fhir_observations(record, &out) == 0)
		cJSON_Delete(out);
	cJSON_ArrayForEach(reading,
			   cJSON_GetObjectItemCaseSensitive(record, "readings"))
	{
		out = NULL;
		if (hv_latest_payload(record, reading, &out) == 0)
			cJSON_Delete(out);
	}
	cJSON_Delete(record);
	return 0;
}
