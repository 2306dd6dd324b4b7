// SPDX-License-Identifier: MIT
/* libFuzzer target: the renpho_es26bb driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x2A10, 0 };
static const char *const names[] = { "ES-26BB-B", "R-A012", "R-A020", NULL };
static const struct fuzz_family family = { "renpho_es26bb", characteristics, names };

FUZZ_FAMILY_TARGET(family)
