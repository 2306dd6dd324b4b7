// SPDX-License-Identifier: MIT
/* libFuzzer target: the lenovo_hs10 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "HS10", "Lenovo HS10", NULL };
static const struct fuzz_family family = { "lenovo_hs10", characteristics, names };

FUZZ_FAMILY_TARGET(family)
