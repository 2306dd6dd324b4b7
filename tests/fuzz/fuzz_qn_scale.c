// SPDX-License-Identifier: MIT
/* libFuzzer target: the qn_scale driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFE1, 0xFFF1, 0 };
static const char *const names[] = { "QN-Scale", "Renpho-Scale", NULL };
static const struct fuzz_family family = { "qn_scale", characteristics, names };

FUZZ_FAMILY_TARGET(family)
