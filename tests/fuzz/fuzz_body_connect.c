// SPDX-License-Identifier: MIT
/* libFuzzer target: the body_connect driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0x8A24, 0x8A22, 0 };
static const char *const names[] = { "1BODY CONNECT", "1X-LINE", NULL };
static const struct fuzz_family family = { "body_connect", characteristics, names };

FUZZ_FAMILY_TARGET(family)
