// SPDX-License-Identifier: MIT
/* libFuzzer target: the huawei_ch100s driver (see fuzz_huawei.h). */
#include "tests/fuzz/fuzz_huawei.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_huawei_run("huawei_ch100s", "CH100S", data, size);
	return 0;
}
