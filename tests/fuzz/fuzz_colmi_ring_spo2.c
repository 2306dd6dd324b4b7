// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the colmi_ring driver's SpO2 history (a notification
 * of the big-data characteristic): the first 4 bytes are the session's
 * quirks (where the answer stands: drivers/colmi_ring.c), the rest the
 * notification; every hour it completes is decoded, and one that
 * re-encodes must decode again to as many readings (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_driver *d = hv_driver_by_id("colmi_ring");
	struct hv_frame f = { .has_characteristic = true, .now = 1730452800 },
			out;
	struct hv_measurement m, again;
	unsigned n;

	if (!d || size < 4 ||
	    hv_uuid_parse("de5bf729-d711-4e47-af26-65e3012a5dc7",
			  &f.characteristic) < 0)
		return 0;
	f.quirks = (unsigned)data[0] | (unsigned)data[1] << 8 |
		   (unsigned)data[2] << 16 | (unsigned)data[3] << 24;
	size -= 4;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	f.value_len = size;
	memcpy(f.value, data + 4, size);
	n = d->records(&f);
	if (n > HV_FRAME_DATA_MAX)
		abort();
	for (unsigned i = 0; i < n; i++) {
		f.record = i;
		(void)hv_registry_decode(&f, d, &m);
		if (m.status >= _HV_STATUS_MAX)
			abort();
		if (m.status != HV_STATUS_OK || !m.n_readings ||
		    d->encode(&m, NULL, &out) < 0)
			continue;
		if (hv_registry_decode(&out, d, &again) != 0 ||
		    again.n_readings != m.n_readings)
			abort();
	}
	return 0;
}
