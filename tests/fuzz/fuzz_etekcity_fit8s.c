// SPDX-License-Identifier: MIT
/* libFuzzer target: the etekcity_fit8s driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "Etekcity Fit 8S", NULL };
static const struct fuzz_family family = { "etekcity_fit8s", characteristics, names };

FUZZ_FAMILY_TARGET(family)
