// SPDX-License-Identifier: MIT
/* libFuzzer target: the okok_chipsea driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "Chipsea-BLE", "ADV", NULL };
static const struct fuzz_family family = { "okok_chipsea", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	return 0;
}
