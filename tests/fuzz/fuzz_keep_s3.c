// SPDX-License-Identifier: MIT
/* libFuzzer target: the keep_s3 driver (see fuzz_proprietary.h). */
#include "tests/fuzz/fuzz_proprietary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t characteristics[] = { 0xFF01, 0 };
static const char *const names[] = { "Keep_S3", NULL };
static const struct fuzz_family family = { "keep_s3", characteristics, names };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	return 0;
}
