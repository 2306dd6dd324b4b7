// SPDX-License-Identifier: MIT
/* libFuzzer target: the etekcity_esf551 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "Etekcity Smart Fitness Scale", "QN-Scale", NULL };
static const struct fuzz_family family = { "etekcity_esf551", characteristics, names };

FUZZ_FAMILY_TARGET(family)
