// SPDX-License-Identifier: MIT
/* libFuzzer target: the picooc_mini_lite driver (see fuzz_proprietary.h);
 * its frames are manufacturer data only. */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "PICOOC-L", NULL };
static const struct fuzz_family family = { "picooc_mini_lite", characteristics, names };

FUZZ_FAMILY_TARGET(family)
