// SPDX-License-Identifier: MIT
/* libFuzzer target: the beurer_sanitas driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0xFFE1, 0 };
static const char *const names[] = { "SANITAS SBF70", "bf-700", NULL };
static const struct fuzz_family family = { "beurer_sanitas", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	return 0;
}
