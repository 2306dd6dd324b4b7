// SPDX-License-Identifier: MIT
/* libFuzzer target: the eufy_1byone driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF4, 0xFFB2, 0 };
static const char *const names[] = { "eufy T9146", "Health Scale", "1byone scale",
				       NULL };
static const struct fuzz_family family = { "eufy_1byone", characteristics, names };

FUZZ_FAMILY_TARGET(family)
