// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the iHealth HS3's SPP stream as the gateway's link
 * reads it (drivers/stream_packets.h with the driver's stream_packet()):
 * the first byte is the read size (1..64), the rest the stream. Every
 * packet handed over is non-empty, fits the buffer and decodes to a valid
 * status; the buffer never holds more than its size; and the packets do
 * not depend on how the stream was cut: read by read, byte by byte and
 * whole give the same packets (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/registry.h"
#include "drivers/stream_packets.h"

#define PACKETS_MAX 512

struct packets {
	size_t n;
	size_t bytes;
	uint8_t hash[PACKETS_MAX]; /* a byte sum per packet */
	size_t len[PACKETS_MAX];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_packet(const uint8_t *p, size_t len, void *userdata)
{
	struct packets *ps = userdata;
	const struct hv_driver *d = hv_driver_by_id("ihealth_hs3");
	struct hv_frame f = { .has_characteristic = true,
			      .characteristic = hv_uuid16(0x1101) };
	struct hv_measurement m;
	uint8_t sum = 0;

	if (len == 0 || len > HV_STREAM_BUF_MAX || len > HV_FRAME_DATA_MAX)
		abort();
	memcpy(f.value, p, len);
	f.value_len = len;
	memset(&m, 0, sizeof(m));
	(void)d->decode(&f, &m);
	if (m.status >= _HV_STATUS_MAX)
		abort();
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	if (ps->n < PACKETS_MAX) {
		ps->hash[ps->n] = sum;
		ps->len[ps->n] = len;
	}
	ps->n++;
	ps->bytes += len;
}

static void feed(const uint8_t *p, size_t n, size_t step, struct packets *ret)
{
	const struct hv_driver *d = hv_driver_by_id("ihealth_hs3");
	struct hv_stream_packets s = { 0 };

	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		(void)hv_stream_packets_feed(&s, d, p + i, take, on_packet, ret);
		if (s.len > HV_STREAM_BUF_MAX)
			abort();
	}
}

static int packets_cmp(const struct packets *a, const struct packets *b)
{
	size_t n = a->n < PACKETS_MAX ? a->n : PACKETS_MAX;

	if (a->n != b->n || a->bytes != b->bytes)
		return 1;
	return memcmp(a->hash, b->hash, n) || memcmp(a->len, b->len, n * sizeof(a->len[0]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct packets by_read, by_byte, whole;
	size_t step;

	if (size < 1 || !hv_driver_by_id("ihealth_hs3"))
		return 0;
	step = (size_t)(data[0] % 64) + 1;
	memset(&by_read, 0, sizeof(by_read));
	memset(&by_byte, 0, sizeof(by_byte));
	memset(&whole, 0, sizeof(whole));
	feed(data + 1, size - 1, step, &by_read);
	feed(data + 1, size - 1, 1, &by_byte);
	feed(data + 1, size - 1, size, &whole);
	if (packets_cmp(&by_read, &by_byte) || packets_cmp(&by_read, &whole))
		abort();
	return 0;
}
