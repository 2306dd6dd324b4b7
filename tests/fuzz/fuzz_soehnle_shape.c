// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the soehnle_shape driver. Input byte 0 picks the
 * characteristic (the records 352e3001, the other notifications 352e3004,
 * or a 16-bit one that is not Soehnle's), byte 1 the name, profile and
 * clock; the rest is the value. What decodes is encoded and decoded again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const chrs[] = {
		"352e3001-28e9-40b8-a361-6db4cca4147c",
		"352e3004-28e9-40b8-a361-6db4cca4147c", "2a9d",
	};
	static const struct hv_profile profile = { .height_m = 1.65,
						   .age_years = 35,
						   .sex = HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id("soehnle_shape");
	struct hv_frame f = { .has_characteristic = true }, again;
	struct hv_measurement m, m2;

	if (!d || size < 2)
		return 0;
	if (hv_uuid_parse(chrs[data[0] % 3], &f.characteristic) < 0)
		return 0;
	f.name = data[1] & 0x80 ? NULL : "Shape200";
	f.profile = data[1] & 0x40 ? &profile : NULL;
	f.now = data[1] & 0x20 ? 1710491400 : 0;
	f.value_len = size - 2 > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size - 2;
	memcpy(f.value, data + 2, f.value_len);

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK && d->encode(&m, NULL, &again) == 0) {
		again.name = f.name;
		(void)hv_registry_decode(&again, d, &m2);
	}
	return 0;
}
