// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vitafit driver (see fuzz_proprietary.h), and once more
 * with a stable weight kept in frame.quirks (bits 8..23), as the driver's
 * conversation hands it to decode() in a session.
 */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "Vitafit", NULL };
static const struct fuzz_family family = { "vitafit", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	fuzz_family_kept_weight("vitafit", 0xFFF1, data, size);
	return 0;
}
