// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ailink_broadcast driver. Byte 0: bit 0 lists the
 * 0xF0A0 service (without it nothing is the driver's), bit 1 adds a second
 * manufacturer record (the input's last 20 bytes); byte 1: bit 6 gives a
 * profile; the rest is manufacturer data, company ID first (two leading
 * bytes, as the other targets' corpora have). The frame goes to the forced driver and through
 * the registry, and whatever decodes is encoded and decoded again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_profile profile = { .height_m = 1.72,
						   .age_years = 41,
						   .sex = HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id("ailink_broadcast");
	struct hv_frame f = { .name = "EL1" }, again;
	struct hv_measurement m, m2;
	uint8_t sel;

	if (!d || size < 4)
		return 0;
	sel = data[0];
	if (data[1] & 0x40)
		f.profile = &profile;
	data += 2;
	size -= 2;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	if (sel & 0x01) {
		f.n_service_uuids = 1;
		f.service_uuids[0] = hv_uuid16(0xF0A0);
	}
	f.n_manufacturer_data = 1;
	f.manufacturer_data[0].len = size;
	memcpy(f.manufacturer_data[0].data, data, size);
	if ((sel & 0x02) && size >= 20) {
		f.n_manufacturer_data = 2;
		f.manufacturer_data[1].len = 20;
		memcpy(f.manufacturer_data[1].data, data + size - 20, 20);
	}

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK && d->encode(&m, NULL, &again) == 0)
		(void)hv_registry_decode(&again, d, &m2);
	return 0;
}
