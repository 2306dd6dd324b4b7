// SPDX-License-Identifier: MIT
/* libFuzzer target: the yunmai driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFE4, 0 };
static const char *const names[] = { "YUNMAI-ISM2-W", "YUNMAI-ISSE-US", NULL };
static const struct fuzz_family family = { "yunmai", characteristics, names };

FUZZ_FAMILY_TARGET(family)
