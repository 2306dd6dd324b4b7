// SPDX-License-Identifier: MIT
/* libFuzzer target: the digoo_dgso38h driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF1, 0 };
static const char *const names[] = { "Mengii", NULL };
static const struct fuzz_family family = { "digoo_dgso38h", characteristics, names };

FUZZ_FAMILY_TARGET(family)
