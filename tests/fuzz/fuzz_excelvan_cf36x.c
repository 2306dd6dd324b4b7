// SPDX-License-Identifier: MIT
/* libFuzzer target: the excelvan_cf36x driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "Electronic Scale", NULL };
static const struct fuzz_family family = { "excelvan_cf36x", characteristics, names };

FUZZ_FAMILY_TARGET(family)
