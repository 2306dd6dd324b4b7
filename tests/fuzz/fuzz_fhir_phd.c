// SPDX-License-Identifier: MIT
/*
 * The HL7 PHD IG Bundle builder on arbitrary stored-record JSON. A record in
 * the store was written by us, but a store is a file on a disk: a damaged or
 * hand-edited row (no address, an odd person id, a huge one, special values,
 * unknown metrics) must give an error, never a crash. The first byte picks
 * the gateway options, so both PhgDevice identities and HTEST are reached,
 * and whether the record's "device_information" object (as hand-edited
 * device_information rows would give it) is the device's information.
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
	struct hv_dis dis = { 0 };
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
	if (data[0] & 4) {
		const cJSON *info = cJSON_GetObjectItemCaseSensitive(
			record, "device_information");

		for (int f = 0; f < _HV_DIS_FIELD_MAX; f++)
			hv_dis_set(&dis, (enum hv_dis_field)f,
				   cJSON_GetStringValue(
					   cJSON_GetObjectItemCaseSensitive(
						   info, hv_dis_field_name(
								 (enum hv_dis_field)f))));
		opt.device_info = &dis;
	}
	if (hv_fhir_phd_bundle(record, &opt, &out) == 0)
		cJSON_Delete(out);
	address = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(record, "device"), "address"));
	if (address)
		(void)hv_phd_eui64_from_address(address, buf, sizeof(buf));
	cJSON_Delete(record);
	return 0;
}
