// SPDX-License-Identifier: MIT
/* libFuzzer target: the eufy_p2 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF2, 0xFFF4, 0 };
static const char *const names[] = { "eufy T9149", "eufy T9148", "eufy T9146", NULL };
static const struct fuzz_family family = { "eufy_p2", characteristics, names };

FUZZ_FAMILY_TARGET(family)
