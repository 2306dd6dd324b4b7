// SPDX-License-Identifier: MIT
/* libFuzzer target: the hoffen_bbs8107 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFB2, 0 };
static const char *const names[] = { "Hoffen BS-8107", "PC-PW 3008 BT", NULL };
static const struct fuzz_family family = { "hoffen_bbs8107", characteristics, names };

FUZZ_FAMILY_TARGET(family)
