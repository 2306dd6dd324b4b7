/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared body of the health drivers' fuzz targets. The first input byte
 * picks how the rest is presented: as the value of one of the driver's
 * characteristics, as manufacturer data, or as service data under one of
 * its service-data UUIDs. Whatever decodes must have a status and, if it
 * re-encodes, decode again to an OK measurement (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

static inline void hv_health_fuzz_one(const char *id, const uint8_t *data,
				      size_t size)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	const uint16_t *chars, *sdata;
	struct hv_measurement m, again;
	struct hv_frame f = { 0 }, out;
	size_t n_chars = 0, n_sdata = 0;
	unsigned pick;

	if (!d)
		abort();
	if (size < 1)
		return;
	pick = data[0];
	data++;
	size--;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	chars = d->match.characteristics;
	sdata = d->match.service_data;
	while (chars && chars[n_chars])
		n_chars++;
	while (sdata && sdata[n_sdata])
		n_sdata++;

	f.now = 1900000000;
	pick %= n_chars + n_sdata + 1;
	if (pick < n_chars) {
		f.has_characteristic = true;
		f.characteristic = hv_uuid16(chars[pick]);
		f.value_len = size;
		memcpy(f.value, data, size);
	} else if (pick < n_chars + n_sdata) {
		f.n_service_data = 1;
		f.service_data[0].uuid = hv_uuid16(sdata[pick - n_chars]);
		f.service_data[0].len = size;
		memcpy(f.service_data[0].data, data, size);
	} else {
		f.n_manufacturer_data = 1;
		f.manufacturer_data[0].len = size;
		memcpy(f.manufacturer_data[0].data, data, size);
		f.n_service_uuids = 1;
		f.service_uuids[0] = hv_uuid16(0xFEE0);
	}
	(void)hv_registry_decode(&f, d, &m);
	if (m.status >= _HV_STATUS_MAX)
		abort();
	(void)hv_registry_decode(&f, NULL, &again);
	if (m.status != HV_STATUS_OK || !d->encode)
		return;
	if (d->encode(&m, f.has_characteristic ? &f.characteristic : NULL,
		      &out) < 0)
		return;
	out.now = f.now;
	if (hv_registry_decode(&out, d, &again) != 0 ||
	    again.n_readings != m.n_readings)
		abort();
}
