// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the colmi_ring driver on arbitrary bytes as a value of
 * the ring's answer characteristic; a decoded step record that re-encodes
 * must decode again to as many readings (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_driver *d = hv_driver_by_id("colmi_ring");
	struct hv_measurement m, again;
	struct hv_frame f = { .has_characteristic = true, .now = 1900000000 },
			out;

	if (!d || hv_uuid_parse("6e400003-b5a3-f393-e0a9-e50e24dcca9e",
				&f.characteristic) < 0)
		abort();
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	f.value_len = size;
	memcpy(f.value, data, size);
	(void)hv_registry_decode(&f, d, &m);
	if (m.status >= _HV_STATUS_MAX)
		abort();
	f.name = "R02_0000";
	(void)hv_registry_decode(&f, NULL, &again);
	if (m.status != HV_STATUS_OK || !m.n_readings ||
	    d->encode(&m, &f.characteristic, &out) < 0)
		return 0;
	if (hv_registry_decode(&out, d, &again) != 0 ||
	    again.n_readings != m.n_readings)
		abort();
	return 0;
}
