// SPDX-License-Identifier: MIT
/* libFuzzer target: the huawei_ah100 driver (see fuzz_huawei.h). */
#include "tests/fuzz/fuzz_huawei.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_huawei_run("huawei_ah100", "AH100", data, size);
	return 0;
}
