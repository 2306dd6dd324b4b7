// SPDX-License-Identifier: MIT
/* libFuzzer target: the sig_glucose driver on arbitrary bytes. */
#include "tests/fuzz/health_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hv_health_fuzz_one("sig_glucose", data, size);
	return 0;
}
