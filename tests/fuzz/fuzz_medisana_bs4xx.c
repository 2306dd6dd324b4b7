// SPDX-License-Identifier: MIT
/* libFuzzer target: the medisana_bs4xx driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0x8A21, 0x8A22, 0 };
static const char *const names[] = { "0202B6", "0203B2", NULL };
static const struct fuzz_family family = { "medisana_bs4xx", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	return 0;
}
