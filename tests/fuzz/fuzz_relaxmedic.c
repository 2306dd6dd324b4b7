// SPDX-License-Identifier: MIT
/* libFuzzer target: the relaxmedic driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB3, 0xFFB2, 0 };
static const char *const names[] = { "Relaxmedic", NULL };
static const struct fuzz_family family = { "relaxmedic", characteristics, names };

FUZZ_FAMILY_TARGET(family)
