// SPDX-License-Identifier: MIT
/* libFuzzer target: the beurer_sanitas driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFE1, 0 };
static const char *const names[] = { "SANITAS SBF70", "bf-700", NULL };
static const struct fuzz_family family = { "beurer_sanitas", characteristics, names };

FUZZ_FAMILY_TARGET(family)
