// SPDX-License-Identifier: MIT
/*
 * The iHealth HS3's SPP stream joined into packets (drivers/
 * stream_packets.h with the driver's stream_packet()), as the gateway's
 * link reads it: a packet cut at any byte, garbage before a header, a
 * hostile stream that never completes a packet (bounded, and the next
 * packet after it still taken), a weight whose digits are not decimal
 * (handed over whole, refused by decode() with the reason). The stream
 * layout and the worked example (12 34 is 123.4 kg) are openScale's
 * IHealthHS3Handler.kt (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/, oliexdev/openScale@f7a733b2).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/driver.h"
#include "drivers/registry.h"
#include "drivers/stream_packets.h"

#define PACKETS_MAX 8

static const uint8_t time_packet[] = { 0xa0, 0x09, 0xa6, 0x33, 0x1a, 0x0c,
				       0x07, 0x12, 0x1e, 0x00 };
/* the handler's example: 123.4 kg */
static const uint8_t weight_packet[] = { 0xa0, 0x09, 0xa6, 0x28, 0, 0, 0, 0,
					 0, 0x12, 0x34 };

struct got {
	size_t n;
	size_t len[PACKETS_MAX];
	uint8_t p[PACKETS_MAX][HV_STREAM_BUF_MAX];
};

static void on_packet(const uint8_t *p, size_t len, void *userdata)
{
	struct got *g = userdata;

	assert_true(g->n < PACKETS_MAX);
	assert_true(len <= HV_STREAM_BUF_MAX);
	memcpy(g->p[g->n], p, len);
	g->len[g->n++] = len;
}

static const struct hv_driver *hs3(void)
{
	const struct hv_driver *d = hv_driver_by_id("ihealth_hs3");

	assert_non_null(d);
	assert_true(d->flags & HV_DRIVER_SPP);
	assert_non_null(d->stream_packet);
	return d;
}

/* A packet decoded as the link hands it over: a value on 0x1101. */
static int decode_packet(const uint8_t *p, size_t len, struct hv_measurement *m)
{
	struct hv_frame f = { .name = "iHealth HS3 1234",
			      .has_characteristic = true,
			      .characteristic = hv_uuid16(0x1101) };

	memcpy(f.value, p, len);
	f.value_len = len;
	memset(m, 0, sizeof(*m));
	return hs3()->decode(&f, m);
}

static void assert_weight(const uint8_t *p, size_t len, double kg)
{
	struct hv_measurement m;
	const struct hv_reading *r;

	assert_int_equal(decode_packet(p, len, &m), 0);
	assert_true(m.final);
	r = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	assert_non_null(r);
	assert_float_equal(r->value, kg, 1e-9);
}

static void test_split_at_every_byte(void **state)
{
	uint8_t stream[sizeof(time_packet) + sizeof(weight_packet)];

	(void)state;
	memcpy(stream, time_packet, sizeof(time_packet));
	memcpy(stream + sizeof(time_packet), weight_packet, sizeof(weight_packet));
	for (size_t cut = 0; cut <= sizeof(stream); cut++) {
		struct hv_stream_packets s = { 0 };
		struct got g = { 0 };

		hv_stream_packets_feed(&s, hs3(), stream, cut, on_packet, &g);
		hv_stream_packets_feed(&s, hs3(), stream + cut,
				       sizeof(stream) - cut, on_packet, &g);
		/* the time packet by its header, then the weight packet */
		assert_int_equal(g.n, 2);
		assert_int_equal(g.len[0], 4);
		assert_memory_equal(g.p[0], time_packet, 4);
		assert_int_equal(g.len[1], sizeof(weight_packet));
		assert_memory_equal(g.p[1], weight_packet, sizeof(weight_packet));
		assert_weight(g.p[1], g.len[1], 123.4);
		assert_int_equal(s.len, 0);
		assert_false(s.overflowed);
	}
	/* and one byte per read */
	{
		struct hv_stream_packets s = { 0 };
		struct got g = { 0 };

		for (size_t i = 0; i < sizeof(stream); i++)
			hv_stream_packets_feed(&s, hs3(), stream + i, 1,
					       on_packet, &g);
		assert_int_equal(g.n, 2);
		assert_weight(g.p[1], g.len[1], 123.4);
	}
}

static void test_garbage_before_a_header(void **state)
{
	/* noise, a false start (A0 09 then not A6), a lone A0, the packet */
	static const uint8_t noise[] = { 0x00, 0xff, 0xa0, 0x09, 0x12, 0xa0 };
	struct hv_stream_packets s = { 0 };
	struct got g = { 0 };

	(void)state;
	hv_stream_packets_feed(&s, hs3(), noise, sizeof(noise), on_packet, &g);
	assert_int_equal(g.n, 0);
	/* only what may still start a header is kept */
	assert_int_equal(s.len, 1);
	hv_stream_packets_feed(&s, hs3(), weight_packet, sizeof(weight_packet),
			       on_packet, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], sizeof(weight_packet));
	assert_weight(g.p[0], g.len[0], 123.4);
	/* an unknown packet type is garbage too */
	g.n = 0;
	hv_stream_packets_feed(&s, hs3(), (const uint8_t[]){ 0xa0, 0x09, 0xa6, 0x44 },
			       4, on_packet, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(s.len, 0);
}

static void test_hs3_garbage_is_bounded(void **state)
{
	struct hv_stream_packets s = { 0 };
	struct got g = { 0 };
	uint8_t junk[64];

	(void)state;
	/* 64 KiB of header starts that never become a header */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (i % 2) ? 0x09 : 0xa0;
	for (int i = 0; i < 1024; i++) {
		hv_stream_packets_feed(&s, hs3(), junk, sizeof(junk), on_packet, &g);
		assert_true(s.len <= 3);
	}
	assert_int_equal(g.n, 0);
	hv_stream_packets_feed(&s, hs3(), weight_packet, sizeof(weight_packet),
			       on_packet, &g);
	assert_int_equal(g.n, 1);
	assert_weight(g.p[0], g.len[0], 123.4);
}

/* A framing whose packet ("<…>") may never end: the buffer fills. */
static size_t angle_packet(const uint8_t *buf, size_t len, size_t *ret_skip)
{
	size_t i = 0;

	while (i < len && buf[i] != '<')
		i++;
	*ret_skip = i;
	for (size_t j = i; j < len; j++)
		if (buf[j] == '>')
			return j - i + 1;
	return 0;
}

static void test_full_buffer_drops_to_the_next_header(void **state)
{
	const struct hv_driver angle = { .id = "angle",
					 .flags = HV_DRIVER_SPP,
					 .stream_packet = angle_packet };
	struct hv_stream_packets s = { 0 };
	struct got g = { 0 };
	uint8_t junk[100];

	(void)state;
	memset(junk, 'x', sizeof(junk));
	hv_stream_packets_feed(&s, &angle, (const uint8_t *)"<", 1, on_packet, &g);
	for (int i = 0; i < 100; i++) {
		hv_stream_packets_feed(&s, &angle, junk, sizeof(junk), on_packet, &g);
		assert_true(s.len <= HV_STREAM_BUF_MAX);
	}
	assert_true(s.overflowed);
	assert_int_equal(g.n, 0);
	/* the unfinished packet went when the buffer was full: the next
	 * one is taken whole */
	hv_stream_packets_feed(&s, &angle, (const uint8_t *)"<ab>", 4, on_packet, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 4);
	assert_memory_equal(g.p[0], "<ab>", 4);
	assert_int_equal(s.len, 0);
}

static void test_non_decimal_digits_refused(void **state)
{
	static const uint8_t bad[] = { 0xa0, 0x09, 0xa6, 0x28, 0, 0, 0, 0, 0,
				       0x1a, 0x34 };
	struct hv_stream_packets s = { 0 };
	struct hv_measurement m;
	struct got g = { 0 };

	(void)state;
	hv_stream_packets_feed(&s, hs3(), bad, sizeof(bad), on_packet, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(decode_packet(g.p[0], g.len[0], &m), -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	assert_non_null(strstr(m.error, "1A 34 are not decimal digits"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_at_every_byte),
		cmocka_unit_test(test_garbage_before_a_header),
		cmocka_unit_test(test_hs3_garbage_is_bounded),
		cmocka_unit_test(test_full_buffer_drops_to_the_next_header),
		cmocka_unit_test(test_non_decimal_digits_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
