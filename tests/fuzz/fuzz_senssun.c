// SPDX-License-Identifier: MIT
/* libFuzzer target: the senssun driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0xFFB2, 0 };
static const char *const names[] = { "SENSSUN FAT", NULL };
static const struct fuzz_family family = { "senssun", characteristics, names };

FUZZ_FAMILY_TARGET(family)
