// SPDX-License-Identifier: MIT
/* Fuzz the xiaomi_mi_scale2 driver (see tests/fuzz/fuzz_scale.h). */
#include "tests/fuzz/fuzz_scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t adverts[] = { 0x181B, 0 };
	static const uint16_t characteristics[] = { 0 };

	fuzz_scale("xiaomi_mi_scale2", adverts, characteristics, data, size);
	return 0;
}
