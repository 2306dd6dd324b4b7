// SPDX-License-Identifier: MIT
/* libFuzzer target: the active_era_bf06 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "AE BS-06", NULL };
static const struct fuzz_family family = { "active_era_bf06", characteristics, names };

FUZZ_FAMILY_TARGET(family)
