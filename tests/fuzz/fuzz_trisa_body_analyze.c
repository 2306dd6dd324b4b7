// SPDX-License-Identifier: MIT
/* libFuzzer target: the trisa_body_analyze driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x8A21, 0 };
static const char *const names[] = { "01257B", "11257B", NULL };
static const struct fuzz_family family = { "trisa_body_analyze", characteristics, names };

FUZZ_FAMILY_TARGET(family)
