// SPDX-License-Identifier: MIT
/* libFuzzer target: the ryfit driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFE1, 0 };
static const char *const names[] = { "RyFit", "ChronoCloud", NULL };
static const struct fuzz_family family = { "ryfit", characteristics, names };

FUZZ_FAMILY_TARGET(family)
