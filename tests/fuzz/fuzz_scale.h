/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared body of the scale drivers' fuzz targets. Input: one mode byte,
 * then the payload. Mode bit 0: the payload is a GATT value of the
 * driver's characteristic (else service data of its UUID); bit 1: give a
 * complete profile (derived body composition); bit 2: decode through the
 * whole registry instead of the driver alone; bits 3-4: which of the
 * driver's characteristics / UUIDs. Whatever decodes is encoded again and
 * re-decoded: nothing may crash, and a decoded status is always set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_scale(const char *driver_id, const uint16_t *adverts,
		       const uint16_t *characteristics, const uint8_t *data,
		       size_t size)
{
	static const struct hv_profile profile = { 1.75, 38, HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id(driver_id);
	struct hv_measurement m, m2;
	struct hv_frame f = { .now = 1717243200 }, g;
	uint8_t mode;
	size_t n;

	if (!d)
		abort();
	if (size < 1)
		return;
	mode = data[0];
	data++;
	size--;
	n = size < HV_FRAME_DATA_MAX ? size : HV_FRAME_DATA_MAX;
	if ((mode & 1) && characteristics && characteristics[0]) {
		size_t k = 0;

		while (characteristics[k + 1] && k < ((mode >> 3) & 3u))
			k++;
		f.has_characteristic = true;
		f.characteristic = hv_uuid16(characteristics[k]);
		f.value_len = n;
		memcpy(f.value, data, n);
	} else if (adverts && adverts[0]) {
		size_t k = 0;

		while (adverts[k + 1] && k < ((mode >> 3) & 3u))
			k++;
		f.n_service_data = 1;
		f.service_data[0].uuid = hv_uuid16(adverts[k]);
		f.service_data[0].len = n;
		memcpy(f.service_data[0].data, data, n);
	} else {
		return;
	}
	if (mode & 2)
		f.profile = &profile;
	if (mode & 0x80)
		f.quirks = ~0u;

	(void)hv_registry_decode(&f, (mode & 4) ? NULL : d, &m);
	if (m.status >= _HV_STATUS_MAX || m.n_readings > HV_READINGS_MAX)
		abort();
	if (m.status != HV_STATUS_OK || strcmp(m.driver, d->id) != 0)
		return;
	if (d->encode(&m, NULL, &g) == 0) {
		g.now = f.now;
		(void)hv_registry_decode(&g, d, &m2);
		if (m2.status >= _HV_STATUS_MAX)
			abort();
	}
}
