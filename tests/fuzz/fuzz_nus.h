/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One libFuzzer body for the drivers that speak over the Nordic UART
 * service (Bangle.js lines, Colmi ring packets): arbitrary bytes as a value
 * of its TX characteristic, decoded by the forced driver and through the
 * registry under the device's NAME, each of the measurements the driver
 * says the value holds; a decoded measurement that re-encodes must decode
 * again to as many readings (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_nus_run(const char *driver, const char *name,
				const uint8_t *data, size_t size)
{
	const struct hv_driver *d = hv_driver_by_id(driver);
	struct hv_measurement m, again;
	struct hv_frame f = { .has_characteristic = true, .now = 1900000000 },
			out;
	unsigned n;

	if (!d || hv_uuid_parse("6e400003-b5a3-f393-e0a9-e50e24dcca9e",
				&f.characteristic) < 0)
		abort();
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	f.value_len = size;
	memcpy(f.value, data, size);
	n = d->records ? d->records(&f) : 1;
	/* a log packet holds one measurement per slot: each of them */
	for (unsigned i = 0; i < n; i++) {
		f.record = i;
		f.name = NULL;
		(void)hv_registry_decode(&f, d, &m);
		if (m.status >= _HV_STATUS_MAX)
			abort();
		f.name = name;
		(void)hv_registry_decode(&f, NULL, &again);
		if (m.status != HV_STATUS_OK || !m.n_readings ||
		    d->encode(&m, &f.characteristic, &out) < 0)
			continue;
		if (hv_registry_decode(&out, d, &again) != 0 ||
		    again.n_readings != m.n_readings)
			abort();
	}
}
