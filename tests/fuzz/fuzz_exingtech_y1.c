// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the exingtech_y1 driver. Input byte 0 picks the
 * characteristic (the vendor's notify UUID, its write UUID, or a 16-bit one
 * that is not Exingtech's), byte 1 the name and profile; the rest is the
 * value. What decodes is encoded and decoded again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const chrs[] = {
		"1a2ea400-75b9-11e2-be05-0002a5d5c51b",
		"29f11080-75b9-11e2-8bf6-0002a5d5c51b", "fff4",
	};
	static const struct hv_profile profile = { .height_m = 1.65,
						   .age_years = 35,
						   .sex = HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id("exingtech_y1");
	struct hv_frame f = { .has_characteristic = true }, again;
	struct hv_measurement m, m2;

	if (!d || size < 2)
		return 0;
	if (hv_uuid_parse(chrs[data[0] % 3], &f.characteristic) < 0)
		return 0;
	f.name = data[1] & 0x80 ? NULL : "VScale";
	f.profile = data[1] & 0x40 ? &profile : NULL;
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
