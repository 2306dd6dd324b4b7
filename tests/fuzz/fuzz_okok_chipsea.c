// SPDX-License-Identifier: MIT
/* libFuzzer target: the okok_chipsea driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0 };
static const char *const names[] = { "Chipsea-BLE", "ADV", NULL };
static const struct fuzz_family family = { "okok_chipsea", characteristics, names };

FUZZ_FAMILY_TARGET(family)
