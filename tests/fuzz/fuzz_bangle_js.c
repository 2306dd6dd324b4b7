// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the bangle_js driver on arbitrary bytes as a line of
 * its Nordic UART TX characteristic (fuzz_nus.h).
 */
#include "tests/fuzz/fuzz_nus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_nus_run("bangle_js", "Bangle.js 0000", data, size);
	return 0;
}
