/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Packets out of a byte stream (Bluetooth Classic SPP, HV_DRIVER_SPP): an
 * RFCOMM read returns whatever arrived, a packet may be cut anywhere and
 * garbage may come before a header. The driver's stream_packet() says
 * where its packets are; this keeps the bytes between reads in a fixed
 * buffer. Pure, caller-owned, no allocation: a hostile stream costs
 * HV_STREAM_BUF_MAX bytes at most — when the buffer is full and holds no
 * complete packet, its first byte is dropped and the search goes on from
 * the next header (`overflowed` tells the caller to say so once).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "drivers/driver.h"

/* a packet must fit a frame's value */
#define HV_STREAM_BUF_MAX HV_FRAME_DATA_MAX

struct hv_stream_packets {
	uint8_t buf[HV_STREAM_BUF_MAX];
	size_t len;
	bool overflowed; /* bytes were dropped for want of room */
};

/* Drop the first n bytes kept. */
static inline void hv_stream_packets_drop(struct hv_stream_packets *s,
					  size_t n)
{
	if (n > s->len)
		n = s->len;
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
}

/* Hand over every complete packet now kept: on_packet(p, len, userdata). */
static inline unsigned
hv_stream_packets_take(struct hv_stream_packets *s, const struct hv_driver *d,
		       void (*on_packet)(const uint8_t *p, size_t len,
					 void *userdata),
		       void *userdata)
{
	unsigned packets = 0;

	for (;;) {
		size_t skip = 0, len;

		len = d->stream_packet(s->buf, s->len, &skip);
		if (skip > s->len)
			skip = s->len;
		hv_stream_packets_drop(s, skip);
		if (len == 0 || len > s->len)
			return packets;
		on_packet(s->buf, len, userdata);
		packets++;
		hv_stream_packets_drop(s, len);
	}
}

/*
 * Feed the bytes of one read. For each complete packet, on_packet(p, len,
 * userdata) is called in stream order. Returns the number handed over.
 */
static inline unsigned
hv_stream_packets_feed(struct hv_stream_packets *s, const struct hv_driver *d,
		       const uint8_t *chunk, size_t n,
		       void (*on_packet)(const uint8_t *p, size_t len,
					 void *userdata),
		       void *userdata)
{
	unsigned packets = 0;

	while (n > 0) {
		size_t room, take;

		if (s->len == HV_STREAM_BUF_MAX) {
			/* full of a packet that never completes */
			s->overflowed = true;
			hv_stream_packets_drop(s, 1);
			packets += hv_stream_packets_take(s, d, on_packet,
							  userdata);
			continue;
		}
		room = HV_STREAM_BUF_MAX - s->len;
		take = n < room ? n : room;
		memcpy(s->buf + s->len, chunk, take);
		s->len += take;
		chunk += take;
		n -= take;
		packets += hv_stream_packets_take(s, d, on_packet, userdata);
	}
	return packets;
}
