// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the huawei_hagrid driver and its codec. Input byte 0
 * picks the characteristic (bits 0..1: realtime, history, a 16-bit one
 * that is not Hagrid's) and whether the frame carries a work key (bit 2);
 * the rest is the value. What decodes is encoded and decoded again. The
 * same bytes then go through the reassembly frame by frame and the
 * payload parsers, and, cut into frames, through the conversation's join
 * (assemble) and to every step of the conversation (with the three
 * secrets when bit 3 is set), each payload built after them.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/huawei_hagrid.h"
#include "drivers/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void codec(const uint8_t *p, size_t n)
{
	static const uint8_t key[HV_HAGRID_SECRET_LEN] = { 0x36, 0x69, 0x73 };
	uint8_t out[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_reassembly st = { 0 };
	struct hv_hagrid_weight w;
	struct hv_hagrid_frame f;
	size_t at = 0, len, plain_len;
	bool enc;
	double kg;

	while (at < n) {
		size_t step = hv_hagrid_parse_frame(p + at, n - at, &f) == 0 ?
				      f.frame_len :
				      1;

		if (hv_hagrid_reassemble(&st, p + at, n - at, out, sizeof(out),
					 &len, &enc) == 1 &&
		    hv_hagrid_decrypt(key, out, len, plain, sizeof(plain),
				      &plain_len) == 0)
			(void)hv_hagrid_parse_history(plain, plain_len, &w);
		at += step;
	}
	(void)hv_hagrid_parse_realtime(p, n, &w);
	(void)hv_hagrid_parse_history(p, n, &w);
	(void)hv_hagrid_parse_standard_weight(p, n, &kg);
}

static void conversation(const struct hv_driver *d, const uint8_t *p,
			 size_t n, bool secrets,
			 const struct hv_uuid *characteristic)
{
	const struct hv_conversation *c = d->conversation;
	struct hv_session s = {
		.now_local = { .year = 2024, .month = 3, .day = 15 },
		.day_of_week = 5,
		.user_index = -1,
		.address = "38:1E:C7:66:08:D3",
	};
	uint8_t buf[256], joined[HV_FRAME_DATA_MAX];
	size_t len;

	for (unsigned i = 0; i < sizeof(s.random); i++)
		s.random[i] = (uint8_t)i;
	if (secrets) {
		memset(s.secrets, 0x5a, sizeof(s.secrets));
		s.secrets_len = sizeof(s.secrets);
	}
	/* The runner's join: the bytes cut into frames, as notified. */
	for (size_t at = 0; c && c->assemble && at < n;
	     at += HV_HAGRID_FRAME_MAX) {
		struct hv_uuid chr = *characteristic;

		(void)c->assemble(&s, &chr, p + at,
				  n - at < HV_HAGRID_FRAME_MAX ?
					  n - at :
					  HV_HAGRID_FRAME_MAX,
				  joined, sizeof(joined), &len);
	}
	for (size_t i = 0; c && i < c->n_steps; i++) {
		const struct hv_step *st = &c->steps[i];

		for (size_t at = 0; st->on_value && at < n;
		     at += HV_HAGRID_FRAME_MAX)
			(void)st->on_value(&s, p + at,
					   n - at < HV_HAGRID_FRAME_MAX ?
						   n - at :
						   HV_HAGRID_FRAME_MAX);
		if (st->payload)
			(void)st->payload(&s, buf, sizeof(buf), &len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const chrs[] = { HV_HAGRID_REALTIME, HV_HAGRID_HISTORY,
					    "fff4", HV_HAGRID_REALTIME };
	static const uint8_t work_key[HV_HAGRID_SECRET_LEN] = {
		0x36, 0x69, 0x73, 0x70, 0x36, 0x36, 0x71, 0x70,
		0x6d, 0x64, 0x38, 0x67, 0x33, 0x69, 0x6b, 0x62,
	};
	const struct hv_driver *d = hv_driver_by_id("huawei_hagrid");
	struct hv_frame f = { .has_characteristic = true, .now = 1788220800 },
			again;
	struct hv_measurement m, m2;

	if (!d || size < 1)
		return 0;
	if (hv_uuid_parse(chrs[data[0] & 3], &f.characteristic) < 0)
		return 0;
	f.key = data[0] & 4 ? work_key : NULL;
	f.value_len = size - 1 > HV_FRAME_DATA_MAX ? HV_FRAME_DATA_MAX : size - 1;
	memcpy(f.value, data + 1, f.value_len);

	(void)hv_registry_decode(&f, d, &m);
	(void)hv_registry_decode(&f, NULL, &m2);
	if (m.status == HV_STATUS_OK && d->encode(&m, NULL, &again) == 0)
		(void)hv_registry_decode(&again, d, &m2);
	codec(data + 1, size - 1);
	conversation(d, data + 1, size - 1, data[0] & 8, &f.characteristic);
	return 0;
}
