// SPDX-License-Identifier: MIT
/* libFuzzer target: the custom_openscale driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFE1, 0 };
static const char *const names[] = { "openScale", NULL };
static const struct fuzz_family family = { "custom_openscale", characteristics, names };

FUZZ_FAMILY_TARGET(family)
