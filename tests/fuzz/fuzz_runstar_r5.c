// SPDX-License-Identifier: MIT
/* libFuzzer target: the runstar_r5 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "RUNSTAR-R5", "RUNSTAR-RX", NULL };
static const struct fuzz_family family = { "runstar_r5", characteristics, names };

FUZZ_FAMILY_TARGET(family)
