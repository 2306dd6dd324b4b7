// SPDX-License-Identifier: MIT
/* libFuzzer target: the alpha_scale_pro3 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "MY_SCALE", "meditive", NULL };
static const struct fuzz_family family = { "alpha_scale_pro3", characteristics, names };

FUZZ_FAMILY_TARGET(family)
