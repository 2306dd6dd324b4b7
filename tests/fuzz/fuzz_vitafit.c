// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vitafit driver (see fuzz_proprietary.h), and once more
 * with a stable weight kept in frame.quirks (bits 8..23), as the driver's
 * conversation hands it to decode() in a session.
 */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "Vitafit", NULL };
static const struct fuzz_family family = { "vitafit", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_profile profile = { .height_m = 1.80,
						   .age_years = 44,
						   .sex = HV_SEX_MALE };
	const struct hv_driver *d = hv_driver_by_id("vitafit");
	struct hv_frame f = { .has_characteristic = true, .profile = &profile };
	struct hv_measurement m;

	fuzz_family_run(&family, data, size);
	if (!d || size < 4)
		return 0;
	f.characteristic = hv_uuid16(0xFFF1);
	f.quirks = (unsigned)(data[0] | data[1] << 8) << 8 | (data[2] & 1);
	f.value_len = size - 2 > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size - 2;
	memcpy(f.value, data + 2, f.value_len);
	(void)hv_registry_decode(&f, d, &m);
	return 0;
}
