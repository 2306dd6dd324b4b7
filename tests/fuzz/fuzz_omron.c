// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the omron driver. Input byte 0 picks the characteristic
 * (RX channel 0, the unlock channel, RX channel 1 or 0x2A35), byte 1 the
 * model in the quirks (and whether a read position rides along, from bytes
 * 2-5), the name and the clock; the rest is the value. What decodes is
 * encoded and decoded again; the value also goes to every step of the
 * conversation that reads one, and every payload is built, on a session
 * whose scratch and stored sequence number come from the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/omron.h"
#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const chrs[] = { HV_OMRON_RX0, HV_OMRON_UNLOCK,
					    HV_OMRON_RX1, "2a35" };
	const struct hv_driver *d = hv_driver_by_id("omron");
	const struct hv_conversation *conv;
	struct hv_frame f = { .has_characteristic = true }, again;
	struct hv_measurement m, m2;
	struct hv_session s = { 0 };
	uint8_t buf[HV_FRAME_DATA_MAX];
	unsigned quirks;
	size_t len;

	if (!d || size < 6)
		return 0;
	conv = d->conversation;
	if (hv_uuid_parse(chrs[data[0] % 4], &f.characteristic) < 0)
		return 0;
	quirks = data[1] % (hv_omron_n_models + 1);
	if (data[1] & 0x10)
		quirks |= ((uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
			   (uint32_t)data[4] << 8 | data[5]) &
			  ~0x0fu;
	f.quirks = quirks;
	f.name = data[1] & 0x80 ? "HEM-7322T" : NULL;
	f.now = data[1] & 0x40 ? 1893456000 : 0;
	f.value_len =
		size - 6 > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size - 6;
	memcpy(f.value, data + 6, f.value_len);

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK) {
		again.quirks = f.quirks;
		if (d->encode(&m, NULL, &again) == 0)
			(void)hv_registry_decode(&again, d, &m2);
	}

	for (size_t i = 0; i < conv->n_steps; i++) {
		const struct hv_step *st = &conv->steps[i];

		memset(&s, 0, sizeof(s));
		s.quirks = quirks;
		s.name = f.name;
		s.last_sequence =
			(int32_t)(data[2] << 16 | data[3] << 8 | data[4]) -
			(data[5] & 1);
		s.now_local = (struct hv_datetime){ 2030, 1, 2, 3, 4, 5 };
		memcpy(s.scratch, f.value,
		       f.value_len < sizeof(s.scratch) ? f.value_len :
							 sizeof(s.scratch));
		if (st->on_value)
			(void)st->on_value(&s, f.value, f.value_len);
		if (st->payload)
			(void)st->payload(&s, buf, sizeof(buf), &len);
	}
	return 0;
}
