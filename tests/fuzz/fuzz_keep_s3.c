// SPDX-License-Identifier: MIT
/* libFuzzer target: the keep_s3 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFF01, 0 };
static const char *const names[] = { "Keep_S3", NULL };
static const struct fuzz_family family = { "keep_s3", characteristics, names };

FUZZ_FAMILY_TARGET(family)
