// SPDX-License-Identifier: MIT
/* libFuzzer target: the eufy_1byone driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "eufy T9146", "Health Scale", NULL };
static const struct fuzz_family family = { "eufy_1byone", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	return 0;
}
