// SPDX-License-Identifier: MIT
/* libFuzzer target: the cult_scale_pro driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0 };
static const char *const names[] = { "CULT", "Cult Smart Scale Pro", NULL };
static const struct fuzz_family family = { "cult_scale_pro", characteristics, names };

FUZZ_FAMILY_TARGET(family)
