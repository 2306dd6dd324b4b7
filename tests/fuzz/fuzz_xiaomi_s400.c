// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the xiaomi_s400 driver (encrypted MiBeacon adverts).
 * Input: one mode byte, then bytes. Mode bit 0: the frame carries the key
 * below; bit 1: and the device address; bit 2: decode through the whole
 * registry. Bit 3 seals: the bytes are a product id (2), a counter (1) and
 * the plaintext objects, encrypted here with the key so that the object
 * parser is reached (a random frame never authenticates). What decodes to
 * readings is encoded again and must decode to the same readings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/aes128.h"
#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "drivers/xiaomi_s400.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* xiaomi-ble's published S400 test key and address (tests/vectors) */
static const uint8_t key[16] = { 0x07, 0x28, 0x97, 0x4d, 0x65, 0x7a,
				 0x4b, 0x60, 0x96, 0x4c, 0x1b, 0x16,
				 0x77, 0xf3, 0x5f, 0x7c };
#define ADDRESS "8C:D0:B2:F6:BE:EF"
static const uint8_t mac_reversed[6] = { 0xef, 0xbe, 0xf6, 0xb2, 0xd0, 0x8c };

/* FC PI PI CN ciphertext EX EX EX TAG×4, as drivers/xiaomi_s400.c reads. */
static void seal(const uint8_t *in, size_t n, struct hv_service_data *sd)
{
	static const uint8_t aad[1] = { 0x11 };
	uint8_t nonce[12], *p = sd->data;
	size_t len;

	if (n < 3)
		return;
	len = n - 3;
	if (len > HV_FRAME_DATA_MAX - 12)
		len = HV_FRAME_DATA_MAX - 12;
	hv_put_le16(p, 0x5948);
	memcpy(p + 2, in, 3);
	memset(p + 5 + len, 0, 3);
	memcpy(nonce, mac_reversed, 6);
	memcpy(nonce + 6, p + 2, 3);
	memset(nonce + 9, 0, 3);
	if (hv_ccm_encrypt(key, nonce, 12, aad, 1, in + 3, len, p + 5,
			   p + 5 + len + 3, 4) < 0)
		abort();
	sd->len = 5 + len + 3 + 4;
}

static void round_trip(const struct hv_frame *f, const struct hv_measurement *m)
{
	struct hv_mibeacon_info info;
	struct hv_mibeacon_seal s = { .key = key, .address = ADDRESS };
	struct hv_measurement m2;
	struct hv_frame g;

	if (hv_xiaomi_s400_info(f, &info) < 0)
		return;
	s.product_id = info.product_id;
	s.counter = info.counter;
	s.weighin = info.weighin;
	if (hv_xiaomi_s400_encode(m, &s, &g) < 0)
		return;
	g.address = ADDRESS;
	g.key = key;
	if (hv_registry_decode(&g, NULL, &m2) != 0 || m2.n_readings != m->n_readings)
		abort();
	for (size_t i = 0; i < m->n_readings; i++)
		if (m2.readings[i].metric != m->readings[i].metric ||
		    m2.readings[i].value != m->readings[i].value)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_s400");
	struct hv_frame f = { .n_service_data = 1 };
	struct hv_measurement m;
	struct hv_mibeacon_info info;
	uint8_t mode;
	size_t n;

	if (!d)
		abort();
	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	f.service_data[0].uuid = hv_uuid16(HV_MIBEACON_UUID);
	if (mode & 8) {
		seal(data, size, &f.service_data[0]);
		mode |= 3;
	} else {
		n = size < HV_FRAME_DATA_MAX ? size : HV_FRAME_DATA_MAX;
		f.service_data[0].len = n;
		memcpy(f.service_data[0].data, data, n);
	}
	if (mode & 1)
		f.key = key;
	if (mode & 2)
		f.address = ADDRESS;

	(void)hv_registry_decode(&f, (mode & 4) ? NULL : d, &m);
	if (m.status >= _HV_STATUS_MAX || m.n_readings > HV_READINGS_MAX)
		abort();
	(void)hv_xiaomi_s400_info(&f, &info);
	if (m.status == HV_STATUS_OK && m.driver &&
	    strcmp(m.driver, d->id) == 0 && m.n_readings)
		round_trip(&f, &m);
	return 0;
}
