// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the colmi_ring driver on arbitrary bytes as a value of
 * the ring's answer characteristic (fuzz_nus.h); a decoded step record that
 * re-encodes must decode again to as many readings.
 */
#include "tests/fuzz/fuzz_nus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_nus_run("colmi_ring", "R02_0000", data, size);
	return 0;
}
