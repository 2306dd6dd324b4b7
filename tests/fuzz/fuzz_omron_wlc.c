// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the omron_wlc driver. Input byte 0 picks the
 * characteristic (RX channel 0, the unlock channel or RX channel 1) and
 * the name (an HBF-702T, an HBF-227T, a BCM-500 or none), bytes 1-4 the
 * quirks (profile, a record being taken, its weight), byte 5 the clock and
 * the user slot; the rest is the value. What decodes is encoded and
 * decoded again; then the conversation runs on one session whose scratch,
 * quirks and stored sequence number come from the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/omron.h"
#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The conversation on one session, as a scale answering the value to every
 * step in turn: a step leaves its state (scratch, quirks) for the next. */
static void conversation(const struct hv_driver *d, const struct hv_frame *f,
			 uint8_t sel)
{
	const struct hv_conversation *c = d->conversation;
	struct hv_session s = {
		.quirks = f->quirks,
		.name = f->name,
		.user_index = (sel & 7) - 1,
		.last_sequence = (int32_t)(f->quirks >> 1),
	};
	uint8_t buf[HV_FRAME_DATA_MAX];
	size_t len;

	memcpy(s.scratch, f->value,
	       f->value_len < sizeof(s.scratch) ? f->value_len :
						  sizeof(s.scratch));
	for (size_t i = 0; i < c->n_steps; i++) {
		if (c->steps[i].payload)
			(void)c->steps[i].payload(&s, buf, sizeof(buf), &len);
		if (c->steps[i].on_value)
			(void)c->steps[i].on_value(&s, f->value, f->value_len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const chrs[] = { HV_OMRON_RX0, HV_OMRON_UNLOCK,
					    HV_OMRON_RX1, HV_OMRON_RX0 };
	static const char *const names[] = { "HBF-702T", "HBF-227T", "BCM-500",
					     NULL };
	const struct hv_driver *d = hv_driver_by_id("omron_wlc");
	struct hv_frame f = { .has_characteristic = true }, again;
	struct hv_measurement m, m2;

	if (!d || size < 6 ||
	    hv_uuid_parse(chrs[data[0] & 3], &f.characteristic) < 0)
		return 0;
	f.name = names[(data[0] >> 2) & 3];
	f.quirks = hv_be32(data + 1);
	f.now = data[5] & 0x80 ? 1893456000 : 0;
	f.value_len =
		size - 6 < HV_FRAME_DATA_MAX ? size - 6 : HV_FRAME_DATA_MAX;
	memcpy(f.value, data + 6, f.value_len);
	if (hv_registry_decode(&f, d, &m) == 0) {
		again.quirks = f.quirks;
		if (d->encode(&m, NULL, &again) == 0)
			(void)hv_registry_decode(&again, d, &m2);
	}
	(void)hv_registry_decode(&f, NULL, &m2);
	conversation(d, &f, data[5]);
	return 0;
}
