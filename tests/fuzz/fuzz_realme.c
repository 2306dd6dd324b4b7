// SPDX-License-Identifier: MIT
/* libFuzzer target: the realme driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xA621, 0 };
static const char *const names[] = { "realme Smart Scale", NULL };
static const struct fuzz_family family = { "realme", characteristics, names };

FUZZ_FAMILY_TARGET(family)
