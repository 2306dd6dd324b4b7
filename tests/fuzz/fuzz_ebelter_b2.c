// SPDX-License-Identifier: MIT
/* libFuzzer target: the ebelter_b2 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFAA2, 0 };
static const char *const names[] = { "Body Fat-B2", NULL };
static const struct fuzz_family family = { "ebelter_b2", characteristics, names };

FUZZ_FAMILY_TARGET(family)
