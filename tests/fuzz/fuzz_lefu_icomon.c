// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the lefu_icomon driver (see fuzz_proprietary.h), and once more
 * with a stable weight kept in frame.quirks (bits 8..23), as the driver's
 * conversation hands it to decode() in a session.
 */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0xFFB3, 0 };
static const char *const names[] = { "Swan", "FitTrack", "Robi S9", "SSW532",
				     "EEBBL", "Runstar-R6", NULL };
static const struct fuzz_family family = { "lefu_icomon", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	fuzz_family_kept_weight("lefu_icomon", 0xFFB2, data, size);
	return 0;
}
