// SPDX-License-Identifier: MIT
/* Fuzz the sig_body_composition driver (see tests/fuzz/fuzz_scale.h). */
#include "tests/fuzz/fuzz_scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t adverts[] = { 0 };
	static const uint16_t characteristics[] = { 0x2A9C, 0x2A9B, 0 };

	fuzz_scale("sig_body_composition", adverts, characteristics, data, size);
	return 0;
}
