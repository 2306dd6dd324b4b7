// SPDX-License-Identifier: MIT
/* libFuzzer target: the sinocare driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "Weight Scale", NULL };
static const struct fuzz_family family = { "sinocare", characteristics, names };

FUZZ_FAMILY_TARGET(family)
