// SPDX-License-Identifier: MIT
/* libFuzzer target: the taylor_bia driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "5331891 BIA Scale", NULL };
static const struct fuzz_family family = { "taylor_bia", characteristics, names };

FUZZ_FAMILY_TARGET(family)
