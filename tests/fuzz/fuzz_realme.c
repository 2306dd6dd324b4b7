// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the realme driver (see fuzz_proprietary.h), and once
 * more as a session hands a value over: with the device's address (the
 * cipher's key) to decode() and to the conversation's waits.
 */
#include "drivers/conversation.h"
#include "tests/fuzz/fuzz_proprietary.h"

static const uint16_t characteristics[] = { 0xA621, 0 };
static const char *const names[] = { "realme Smart Scale", NULL };
static const struct fuzz_family family = { "realme", characteristics, names };

static void run_session_value(const uint8_t *data, size_t size)
{
	static const struct hv_profile profile = { .height_m = 1.80,
						   .age_years = 44,
						   .sex = HV_SEX_MALE };
	const struct hv_driver *d = hv_driver_by_id("realme");
	const struct hv_conversation *c = d ? d->conversation : NULL;
	struct hv_frame f = { .has_characteristic = true,
			      .address = "C8:0F:10:11:22:33",
			      .profile = &profile, .now = 1710491400 };
	struct hv_session s = { .address = f.address, .user_index = -1 };
	struct hv_measurement m;

	if (!c)
		return;
	f.characteristic = hv_uuid16(0xA621);
	f.value_len = size > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size;
	memcpy(f.value, data, f.value_len);
	(void)hv_registry_decode(&f, d, &m);
	for (size_t i = 0; i < c->n_steps; i++)
		if (c->steps[i].on_value)
			(void)c->steps[i].on_value(&s, f.value, f.value_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_family_run(&family, data, size);
	run_session_value(data, size);
	return 0;
}
