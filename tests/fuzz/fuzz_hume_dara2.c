// SPDX-License-Identifier: MIT
/* libFuzzer target: the hume_dara2 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "Dara 2.0", NULL };
static const struct fuzz_family family = { "hume_dara2", characteristics, names };

FUZZ_FAMILY_TARGET(family)
