// SPDX-License-Identifier: MIT
/*
 * The HL7 PHD IG Bundle builder on arbitrary stored-record JSON. A record in
 * the store was written by us, but a store is a file on a disk: a damaged or
 * hand-edited row (no address, an odd person id, a huge one, special values,
 * unknown metrics) must give an error, never a crash. The first byte picks
 * the gateway options, so both PhgDevice identities and HTEST are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "daemon/common/fhir_phd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_fhir_phd_options opt = { .gateway_id = "gw" };
	const char *address;
	cJSON *record, *out = NULL;
	char *text, buf[24];

	if (!size)
		return 0;
	opt.test_data = data[0] & 1;
	if (data[0] & 2)
		opt.gateway_address = "B8:27:EB:12:34:56";
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	record = cJSON_Parse(text);
	free(text);
	if (!record)
		return 0;
	if (hv_fhir_phd_bundle(record, &opt, &out) == 0)
		cJSON_Delete(out);
	address = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(record, "device"), "address"));
	if (address)
		(void)hv_phd_eui64_from_address(address, buf, sizeof(buf));
	cJSON_Delete(record);
	return 0;
}
