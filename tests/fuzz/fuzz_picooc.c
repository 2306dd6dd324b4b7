// SPDX-License-Identifier: MIT
/* libFuzzer target: the picooc driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "PICOOC-CQ", "Latin-S", "PICOOC-IS", NULL };
static const struct fuzz_family family = { "picooc", characteristics, names };

FUZZ_FAMILY_TARGET(family)
