// SPDX-License-Identifier: MIT
/* libFuzzer target: the drtrust_ssw526 driver (see fuzz_proprietary.h), and
 * its frames with a run of equal weights kept, as a session decodes them. */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "SSW526", "Dr.Trust 526", NULL };
static const struct fuzz_family family = { "drtrust_ssw526", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	fuzz_family_kept_weight("drtrust_ssw526", 0xFFB2, data, size);
	return 0;
}
