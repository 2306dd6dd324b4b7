// SPDX-License-Identifier: MIT
/* libFuzzer target: the hesley driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "YunChen", NULL };
static const struct fuzz_family family = { "hesley", characteristics, names };

FUZZ_FAMILY_TARGET(family)
