// SPDX-License-Identifier: MIT
/* libFuzzer target: the eufy_c20 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "eufy T9130", "eufy T9150", NULL };
static const struct fuzz_family family = { "eufy_c20", characteristics, names };

FUZZ_FAMILY_TARGET(family)
