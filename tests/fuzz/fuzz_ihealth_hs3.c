// SPDX-License-Identifier: MIT
/* libFuzzer target: the ihealth_hs3 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x1101, 0 };
static const char *const names[] = { "iHealth HS3 1234", NULL };
static const struct fuzz_family family = { "ihealth_hs3", characteristics, names };

FUZZ_FAMILY_TARGET(family)
