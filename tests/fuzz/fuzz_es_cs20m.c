// SPDX-License-Identifier: MIT
/* libFuzzer target: the es_cs20m driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x2A10, 0 };
static const char *const names[] = { "ES-CS20M", "ES-32MD", NULL };
static const struct fuzz_family family = { "es_cs20m", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	fuzz_family_kept_weight("es_cs20m", 0x2A10, data, size);
	return 0;
}
