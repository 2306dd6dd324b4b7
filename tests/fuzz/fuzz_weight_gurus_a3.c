// SPDX-License-Identifier: MIT
/* libFuzzer target: the weight_gurus_a3 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x8A24, 0x8A22, 0 };
static const char *const names[] = { "00376B251016AA", "10376B", NULL };
static const struct fuzz_family family = { "weight_gurus_a3", characteristics, names };

FUZZ_FAMILY_TARGET(family)
