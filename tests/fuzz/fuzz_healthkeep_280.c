// SPDX-License-Identifier: MIT
/* libFuzzer target: the healthkeep_280 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0xFFB3, 0 };
static const char *const names[] = { "Healthkeep", NULL };
static const struct fuzz_family family = { "healthkeep_280", characteristics, names };

FUZZ_FAMILY_TARGET(family)
