// SPDX-License-Identifier: MIT
/* libFuzzer target: the beurer_bf450 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF6, 0x2A9D, 0x2A9C, 0 };
static const char *const names[] = { "BF450", NULL };
static const struct fuzz_family family = { "beurer_bf450", characteristics, names };

FUZZ_FAMILY_TARGET(family)
