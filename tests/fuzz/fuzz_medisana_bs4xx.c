// SPDX-License-Identifier: MIT
/* libFuzzer target: the medisana_bs4xx driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x8A21, 0x8A22, 0 };
static const char *const names[] = { "0202B6", "0203B2", NULL };
static const struct fuzz_family family = { "medisana_bs4xx", characteristics, names };

FUZZ_FAMILY_TARGET(family)
