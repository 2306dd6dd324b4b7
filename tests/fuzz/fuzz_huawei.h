/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One libFuzzer body for the Huawei / Honor 0xFAA0 drivers (huawei_ah100,
 * huawei_ch100s): byte 0 picks the address (none, the one openScale's
 * generated frames use, the one of its CH100 capture, a malformed one) and
 * whether a profile is given, byte 1 the app user id kept in frame.quirks;
 * the rest is a 0xFAA2 value.
 * It goes to the forced driver and through the registry, what decodes is
 * encoded and decoded again, and the conversation's handlers see it as the
 * scale's answer, with its payloads built from the session they left.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_huawei_conversation(const struct hv_driver *d,
					    const char *name,
					    const char *address,
					    const uint8_t *v, size_t len,
					    uint8_t uid)
{
	const struct hv_conversation *c = d->conversation;
	struct hv_session s = {
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.day_of_week = 5,
		.user_index = uid,
		.profile = { .height_m = 1.72, .age_years = 41,
			     .sex = HV_SEX_FEMALE },
		.name = name,
		.address = address,
	};
	uint8_t buf[64];
	size_t n;

	for (size_t i = 0; i < c->n_steps; i++) {
		const struct hv_step *st = &c->steps[i];

		if (st->on_value)
			(void)st->on_value(&s, v, len);
		if (st->payload)
			(void)st->payload(&s, buf, sizeof(buf), &n);
	}
}

static inline void fuzz_huawei_run(const char *id, const char *name,
				   const uint8_t *data, size_t size)
{
	static const char *const addresses[] = {
		NULL, "5C:CA:D3:08:7B:4F", "5C:CA:D3:14:2B:B3", "5C:CA:D3:08:7B",
	};
	static const struct hv_profile profile = { .height_m = 1.72,
						   .age_years = 41,
						   .sex = HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_frame f = { .has_characteristic = true }, again;
	struct hv_measurement m, m2;

	if (!d || size < 2)
		return;
	f.name = name;
	f.address = addresses[data[0] % 4];
	if (data[0] & 0x10)
		f.profile = &profile;
	f.now = (data[0] & 0x20) ? 1780272000 : 0;
	f.quirks = data[1];
	data += 2;
	size -= 2;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	f.characteristic = hv_uuid16(0xFAA2);
	f.value_len = size;
	memcpy(f.value, data, size);

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK && d->encode) {
		again = (struct hv_frame){ .address = f.address,
					   .quirks = f.quirks };
		if (d->encode(&m, NULL, &again) == 0) {
			again.name = name;
			(void)hv_registry_decode(&again, d, &m2);
		}
	}
	fuzz_huawei_conversation(d, name, f.address, f.value, f.value_len,
				 (uint8_t)f.quirks);
}
