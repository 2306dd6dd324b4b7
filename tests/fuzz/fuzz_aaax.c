// SPDX-License-Identifier: MIT
/* libFuzzer target: the aaax driver (see fuzz_proprietary.h); its frames
 * are manufacturer data only. */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "AAA002", "AAA007", "AAA013", NULL };
static const struct fuzz_family family = { "aaax", characteristics, names };

FUZZ_FAMILY_TARGET(family)
