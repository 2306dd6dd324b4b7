// SPDX-License-Identifier: MIT
/* libFuzzer target: the polar_hr driver on arbitrary bytes. */
#include "tests/fuzz/health_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hv_health_fuzz_one("polar_hr", data, size);
	return 0;
}
