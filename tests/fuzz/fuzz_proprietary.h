/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One libFuzzer body shared by the proprietary scale families' targets:
 * input byte 0 picks how the rest is presented (a GATT value on one of the
 * family's characteristics, or manufacturer data), byte 1 picks a name and a
 * profile; the frame goes to the forced driver and through the registry,
 * and whatever decodes is encoded and decoded again; a conversation's join
 * (assemble) gets the bytes cut into notifications.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_family {
	const char *driver;
	const uint16_t *characteristics; /* 0-terminated; may be empty */
	const char *const *names; /* NULL-terminated */
};

/*
 * The runner's join (hv_conversation.assemble), when the driver has one:
 * the bytes cut into notifications of 1..20 bytes (the length picked from
 * the selector and the size) on the characteristic, each handed through
 * assemble() on one session, and what it hands on decoded.
 */
static inline void fuzz_assemble_run(const struct hv_driver *d,
				     const struct hv_frame *like,
				     const uint8_t *data, size_t size,
				     uint8_t sel)
{
	const struct hv_conversation *c = d->conversation;
	struct hv_session s = { .user_index = -1, .last_sequence = -1,
				.records_expected = -1 };
	struct hv_frame f = *like;
	struct hv_measurement m;
	size_t cut = 1 + (sel ^ size) % 20;

	if (!c || !c->assemble || !like->has_characteristic)
		return;
	for (size_t at = 0; at < size; at += cut) {
		size_t n = size - at < cut ? size - at : cut;

		f.characteristic = like->characteristic;
		if (c->assemble(&s, &f.characteristic, data + at, n, f.value,
				sizeof(f.value), &f.value_len) == 1)
			(void)hv_registry_decode(&f, d, &m);
	}
}

/*
 * The driver's conversation, as a device that answers anything: the value
 * goes to every step's on_value() in order, on one session (a step may
 * leave state for the next), and every payload() is built after it; bit 4
 * of the selector gives the session a kept 4-byte secret, bits 0..2 a user
 * slot (7: none), bit 6 a profile.
 */
static inline void fuzz_conversation_run(const struct hv_driver *d,
					 const uint8_t *data, size_t size,
					 uint8_t sel)
{
	const struct hv_conversation *c = d->conversation;
	struct hv_session s = {
		.now_unix = 1710491400,
		.now_local = { .year = 2024, .month = 3, .day = 15, .hour = 8,
			       .minute = 30 },
		.day_of_week = 5,
		.user_index = (sel & 7) == 7 ? -1 : (int)(sel & 7),
		.last_sequence = -1,
		.records_expected = -1,
		.name = "fuzz",
		.address = "C8:0F:10:11:22:33",
	};
	uint8_t buf[256];
	size_t len;

	if (!c)
		return;
	if (sel & 0x10) {
		memcpy(s.secret, "\x12\x34\x56\x78", 4);
		s.secret_len = 4;
	}
	if (sel & 0x40)
		s.profile = (struct hv_profile){ .height_m = 1.72,
						 .age_years = 41,
						 .sex = HV_SEX_FEMALE };
	for (size_t i = 0; i < c->n_steps; i++) {
		const struct hv_step *st = &c->steps[i];

		if (st->on_value)
			(void)st->on_value(&s, data, size);
		if (st->payload)
			(void)st->payload(&s, buf, sizeof(buf), &len);
	}
}

static inline void fuzz_family_run(const struct fuzz_family *fam,
				   const uint8_t *data, size_t size)
{
	static const struct hv_profile profile = { .height_m = 1.72,
						   .age_years = 41,
						   .sex = HV_SEX_FEMALE };
	const struct hv_driver *d = hv_driver_by_id(fam->driver);
	struct hv_frame f = { 0 }, again;
	struct hv_measurement m, m2;
	size_t n_chr = 0, n_names = 0;
	uint8_t mode, sel;

	if (!d || size < 2)
		return;
	mode = data[0];
	sel = data[1];
	data += 2;
	size -= 2;
	while (fam->characteristics[n_chr])
		n_chr++;
	while (fam->names[n_names])
		n_names++;
	if (size > HV_FRAME_DATA_MAX)
		size = HV_FRAME_DATA_MAX;
	if (n_chr && mode % (n_chr + 1) < n_chr) {
		f.has_characteristic = true;
		f.characteristic = hv_uuid16(fam->characteristics[mode % (n_chr + 1)]);
		f.value_len = size;
		memcpy(f.value, data, size);
	} else if (size >= 2) {
		f.n_manufacturer_data = 1;
		f.manufacturer_data[0].len = size;
		memcpy(f.manufacturer_data[0].data, data, size);
	}
	if (n_names && (sel & 0x80) == 0)
		f.name = fam->names[sel % n_names];
	if (sel & 0x40)
		f.profile = &profile;
	f.quirks = sel & 0x03;
	f.now = (sel & 0x20) ? 1710491400 : 0;

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK && d->encode &&
	    d->encode(&m, NULL, &again) == 0) {
		again.name = f.name;
		(void)hv_registry_decode(&again, d, &m2);
	}
	fuzz_assemble_run(d, &f, data, size, sel);
	fuzz_conversation_run(d, data, size, sel);
}

/*
 * Once more for a driver whose conversation keeps a stable weight in
 * frame.quirks (bits 8..23) and hands it to decode(): bytes 0-1 are the
 * kept weight, bit 0 of byte 2 the quirk flag, bytes 2.. the value of the
 * characteristic, decoded with a profile.
 */
static inline void fuzz_family_kept_weight(const char *driver,
					   uint16_t characteristic,
					   const uint8_t *data, size_t size)
{
	static const struct hv_profile profile = { .height_m = 1.80,
						   .age_years = 44,
						   .sex = HV_SEX_MALE };
	const struct hv_driver *d = hv_driver_by_id(driver);
	struct hv_frame f = { .has_characteristic = true, .profile = &profile };
	struct hv_measurement m;

	if (!d || size < 4)
		return;
	f.characteristic = hv_uuid16(characteristic);
	f.quirks = (unsigned)(data[0] | data[1] << 8) << 8 | (data[2] & 1);
	f.value_len = size - 2 > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size - 2;
	memcpy(f.value, data + 2, f.value_len);
	(void)hv_registry_decode(&f, d, &m);
}

/* The whole libFuzzer target of a family that needs nothing more. */
#define FUZZ_FAMILY_TARGET(fam)                                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)         \
	{                                                                    \
		fuzz_family_run(&(fam), data, size);                         \
		return 0;                                                    \
	}
