// SPDX-License-Identifier: MIT
/* libFuzzer target: the bodypod2 driver (see fuzz_proprietary.h), and its
 * impedance frames with a kept weight, as a session decodes them. */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0xFFF2, 0 };
static const char *const names[] = { "Body Pod 2", NULL };
static const struct fuzz_family family = { "bodypod2", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	fuzz_family_kept_weight("bodypod2", 0xFFF4, data, size);
	return 0;
}
