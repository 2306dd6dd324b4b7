// SPDX-License-Identifier: MIT
/* Fuzz the sig_weight_scale driver (see tests/fuzz/fuzz_scale.h). */
#include "tests/fuzz/fuzz_scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t adverts[] = { 0 };
	static const uint16_t characteristics[] = { 0x2A9D, 0x2A9E, 0 };

	fuzz_scale("sig_weight_scale", adverts, characteristics, data, size);
	return 0;
}
