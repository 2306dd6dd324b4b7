// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the pinetime driver on arbitrary bytes. The first byte
 * picks the characteristic (step count, raw motion, heart rate, battery);
 * whatever decodes must have a status, and a step count that re-encodes
 * must decode again to the same number of readings (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const chars[] = {
	"00030001-78fc-48fe-8e23-433b3a1942d0",
	"00030002-78fc-48fe-8e23-433b3a1942d0",
	"2a37",
	"2a19",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_driver *d = hv_driver_by_id("pinetime");
	struct hv_measurement m, again;
	struct hv_frame f = { .has_characteristic = true, .now = 1900000000 },
			out;

	if (!d)
		abort();
	if (size < 1)
		return 0;
	if (hv_uuid_parse(chars[data[0] % 4], &f.characteristic) < 0)
		abort();
	data++;
	size--;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	f.value_len = size;
	memcpy(f.value, data, size);
	(void)hv_registry_decode(&f, d, &m);
	if (m.status >= _HV_STATUS_MAX)
		abort();
	f.name = "InfiniTime";
	(void)hv_registry_decode(&f, NULL, &again);
	if (m.status != HV_STATUS_OK || !m.n_readings ||
	    d->encode(&m, &f.characteristic, &out) < 0)
		return 0;
	if (hv_registry_decode(&out, d, &again) != 0 ||
	    again.n_readings != m.n_readings)
		abort();
	return 0;
}
