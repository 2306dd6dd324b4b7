// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the eufy_p2 driver (see fuzz_proprietary.h), and its
 * handshake's answers from the scale: the input, cut into values at each
 * 0xC1/0xC3 byte, goes to the conversation's waiting steps, and a complete
 * C1 on to the C2 payloads.
 */
#include <errno.h>

#include "drivers/conversation.h"
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xFFF2, 0xFFF4, 0 };
static const char *const names[] = { "eufy T9149", "eufy T9148", "eufy T9146", NULL };
static const struct fuzz_family family = { "eufy_p2", characteristics, names };

static void handshake(const uint8_t *data, size_t size)
{
	const struct hv_conversation *c = hv_driver_by_id("eufy_p2")->conversation;
	struct hv_session s = { .now_unix = 1710491400, .user_index = -1,
				.address = "CF:E6:03:1D:09:F7" };
	uint8_t buf[64];
	size_t from = 0, len;

	for (size_t i = 1; i <= size; i++) {
		if (i < size && data[i] != 0xC1 && data[i] != 0xC3)
			continue;
		for (size_t k = 0; k < c->n_steps; k++) {
			const struct hv_step *st = &c->steps[k];

			if (st->on_value)
				(void)st->on_value(&s, data + from, i - from);
			if (st->payload)
				(void)st->payload(&s, buf, sizeof(buf), &len);
		}
		from = i;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	handshake(data, size);
	return 0;
}
