// SPDX-License-Identifier: MIT
/* libFuzzer target: the inlife driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "000fatscale01", "042fatscale01", NULL };
static const struct fuzz_family family = { "inlife", characteristics, names };

FUZZ_FAMILY_TARGET(family)
