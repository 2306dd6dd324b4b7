// SPDX-License-Identifier: MIT
/*
 * Bangle.js with the Gadgetbridge protocol: the Nordic UART chunks joined
 * into lines (drivers/nus_lines.h), then each line decoded
 * (drivers/bangle_js.c). The messages have the shapes gbSend() writes in
 * espruino/BangleApps apps/android/lib.js @ecfb349 (an empty line, then
 * the JSON, each println'd), cut into 20-byte notifications as a 23-byte
 * ATT MTU gives them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ingest/ingest.h"
#include "drivers/conversation.h"
#include "drivers/ieee11073.h"
#include "drivers/nus_lines.h"
#include "drivers/registry.h"

#define TX "6e400003-b5a3-f393-e0a9-e50e24dcca9e"

/* What the watch prints for one fetch: start, two stored blocks, end. */
static const char stream[] =
	"\r\n{\"t\":\"actfetch\",\"state\":\"start\"}\r\n"
	"\r\n{\"t\":\"act\",\"ts\":1700000400000,\"stp\":312,\"hrm\":71,\"mov\":1044,\"act\":\"WALKING\"}\r\n"
	"\r\n{\"t\":\"act\",\"ts\":1700001000000,\"stp\":0,\"hrm\":0,\"mov\":12,\"act\":\"SLEEP\"}\r\n"
	"\r\n{\"t\":\"actfetch\",\"state\":\"end\",\"count\":2}\r\n"
	"\r\n{\"t\":\"act\",\"stp\":5,\"hrm\":88,\"rt\":1}\r\n";

struct collected {
	size_t n;
	struct hv_measurement m[8];
	int r[8];
};

static void on_line(const char *line, size_t len, void *userdata)
{
	struct collected *c = userdata;
	struct hv_frame f = { .has_characteristic = true, .name = "Bangle.js 1a2b",
			      .value_len = len };

	assert_true(c->n < 8);
	assert_int_equal(hv_uuid_parse(TX, &f.characteristic), 0);
	memcpy(f.value, line, len);
	c->r[c->n] = hv_registry_decode(&f, NULL, &c->m[c->n]);
	c->n++;
}

static void feed_in_chunks(struct collected *c, size_t chunk)
{
	struct hv_nus_lines l = { .len = 0 };
	size_t n = strlen(stream);

	*c = (struct collected){ .n = 0 };
	for (size_t i = 0; i < n; i += chunk)
		(void)hv_nus_lines_feed(&l, (const uint8_t *)stream + i,
					n - i < chunk ? n - i : chunk, on_line,
					c);
}

static void test_fetch_through_chunks(void **state)
{
	static const size_t chunks[] = { 20, 1, 7, 244 };
	struct collected c;

	(void)state;
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		feed_in_chunks(&c, chunks[k]);
		assert_int_equal(c.n, 5);
		for (size_t i = 0; i < c.n; i++) {
			assert_int_equal(c.r[i], 0);
			assert_string_equal(c.m[i].driver, "bangle_js");
		}
		/* start and end: the watch's, no reading */
		assert_false(c.m[0].final);
		assert_false(c.m[3].final);
		/* a stored block: steps of 10 minutes, heart rate, its index */
		assert_true(c.m[1].final);
		assert_true(hv_measurement_find(&c.m[1], HV_METRIC_STEP_COUNT)->value == 312);
		assert_true(hv_measurement_find(&c.m[1], HV_METRIC_HEART_RATE)->value == 71);
		assert_string_equal(hv_measurement_context(&c.m[1], "period"), "PT10M");
		assert_int_equal(c.m[1].sequence_number, 1700000400000 / 600000);
		/* a block with no heart rate and no steps: a zero count, no bpm */
		assert_true(hv_measurement_find(&c.m[2], HV_METRIC_STEP_COUNT)->value == 0);
		assert_null(hv_measurement_find(&c.m[2], HV_METRIC_HEART_RATE));
		/* live: the heart rate only */
		assert_true(c.m[4].final);
		assert_int_equal(c.m[4].n_readings, 1);
		assert_true(hv_measurement_find(&c.m[4], HV_METRIC_HEART_RATE)->value == 88);
	}
}

static void noop(const char *line, size_t len, void *userdata)
{
	(void)line;
	(void)len;
	(*(unsigned *)userdata)++;
}

static void test_overlong_line_dropped(void **state)
{
	struct hv_nus_lines l = { .len = 0 };
	uint8_t junk[HV_NUS_LINE_MAX + 10];
	unsigned calls = 0;

	(void)state;
	memset(junk, 'x', sizeof(junk));
	assert_int_equal(hv_nus_lines_feed(&l, junk, sizeof(junk), noop, &calls), 0);
	assert_int_equal(hv_nus_lines_feed(&l, (const uint8_t *)"y\n{}\n", 5,
					   noop, &calls), 1);
	assert_int_equal(calls, 1);
}

static void test_damaged_lines(void **state)
{
	static const char *const bad[] = {
		"{\"t\":\"act\",\"stp\":-4,\"hrm\":70}",
		"{\"t\":\"act\",\"ts\":17e11,\"stp\":4}",
		"{\"t\":\"act\",\"stp\":4,\"hrm\":400}",
		"\"t\":\"act\"",
	};
	struct hv_frame f = { .has_characteristic = true };
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_uuid_parse(TX, &f.characteristic), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.value_len = strlen(bad[i]);
		memcpy(f.value, bad[i], f.value_len);
		assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"),
						    &m),
				 -EBADMSG);
	}
	/* a NUS line of a device that is not a Bangle.js: no driver's */
	f.value_len = 2;
	memcpy(f.value, "{}", 2);
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -ENODEV);
}

static void test_round_trip(void **state)
{
	struct hv_measurement m, again;
	struct hv_frame f;

	(void)state;
	hv_measurement_init(&m, "bangle_js");
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_STEP_COUNT, 312), 0);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, 71), 0);
	m.sequence_number = 2833334;
	assert_int_equal(hv_driver_by_id("bangle_js")->encode(&m, NULL, &f), 0);
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"),
					    &again), 0);
	assert_int_equal(again.sequence_number, 2833334);
	assert_int_equal(again.n_readings, 2);
}

static const struct hv_step *step(const char *what)
{
	const struct hv_conversation *c = hv_driver_by_id("bangle_js")->conversation;

	for (size_t i = 0; i < c->n_steps; i++)
		if (c->steps[i].what && strstr(c->steps[i].what, what))
			return &c->steps[i];
	fail_msg("no step '%s'", what);
	return NULL;
}

static void test_conversation(void **state)
{
	/* 2023-11-14 22:13:20 UTC, local one hour ahead */
	struct hv_session s = { .now_unix = 1700000000,
				.now_local = { 2023, 11, 14, 23, 13, 20 },
				.last_sequence = -1 };
	char buf[128] = "";
	size_t n = 0;
	const char *stream_end = "\r\n{\"t\":\"actfetch\",\"state\":\"end\",\"count\":2}\r\n";

	(void)state;
	assert_int_equal(step("clock")->payload(&s, (uint8_t *)buf, sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "\x10setTime(1700000000);if(E.setDST)"
				 "E.setDST(0,0,0,0,0,0,0,0,0,0,0,0);"
				 "E.setTimeZone(1);\n");
	/* nothing stored: the whole log */
	assert_int_equal(step("health log")->payload(&s, (uint8_t *)buf, sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "\x10GB({\"t\":\"actfetch\",\"ts\":0})\n");
	/* after the last stored block: its local slot, made the watch's MS
	 * with the zone set now (one hour ahead) */
	s.last_sequence = 2833334;
	assert_int_equal(step("health log")->payload(&s, (uint8_t *)buf, sizeof(buf) - 1, &n), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "\x10GB({\"t\":\"actfetch\",\"ts\":1699997400000})\n");
	/* the end found in 20-byte chunks, whatever the cut */
	for (size_t cut = 1; cut < 20; cut++) {
		size_t len = strlen(stream_end), i = 0, k;
		size_t mark_end = (size_t)(strstr(stream_end, "\"state\":\"end\"") -
					   stream_end) + 13;
		int r = HV_VALUE_MORE;

		memset(s.scratch, 0, sizeof(s.scratch));
		assert_int_equal(step("blocks until")->on_value(&s, (const uint8_t *)stream, 20),
				 HV_VALUE_MORE);
		for (size_t c = cut; i < len; i += k, c = 20) {
			k = len - i < c ? len - i : c;
			r = step("blocks until")->on_value(&s, (const uint8_t *)stream_end + i, k);
			if (i + k < mark_end) {
				assert_int_equal(r, HV_VALUE_MORE);
			} else {
				assert_int_equal(r, HV_VALUE_DONE);
				break;
			}
		}
		assert_int_equal(r, HV_VALUE_DONE);
	}
}

/* A stored block dated by its own end (UTC ms), as the watch's local time
 * of its start, with the zone the conversation set on the watch. */
static void test_block_dated_by_the_watch(void **state)
{
	/* 2023-11-14 22:13:20 UTC, local one hour ahead */
	struct hv_session s = { .now_unix = 1700000000,
				.now_local = { 2023, 11, 14, 23, 13, 20 },
				.last_sequence = -1 };
	static const char block[] =
		"{\"t\":\"act\",\"ts\":1700000400000,\"stp\":312,\"hrm\":71,\"mov\":1044,\"act\":\"WALKING\"}";
	struct hv_frame f = { .has_characteristic = true,
			      .value_len = sizeof(block) - 1 };
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_uuid_parse(TX, &f.characteristic), 0);
	memcpy(f.value, block, sizeof(block) - 1);
	/* alone: no zone known, dated on receipt */
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"), &m), 0);
	assert_true(m.final);
	assert_false(m.has_device_time);
	/* the fetch's answer begins: the zone is handed to decode() */
	memset(s.scratch, 0, sizeof(s.scratch));
	assert_int_equal(step("blocks until")->on_value(&s, (const uint8_t *)stream, 20),
			 HV_VALUE_MORE);
	f.quirks = s.quirks;
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"), &m), 0);
	assert_true(m.has_device_time);
	/* ends 22:20:00 UTC: starts 22:10 UTC, 23:10 local */
	assert_int_equal(m.device_time.year, 2023);
	assert_int_equal(m.device_time.month, 11);
	assert_int_equal(m.device_time.day, 14);
	assert_int_equal(m.device_time.hour, 23);
	assert_int_equal(m.device_time.minute, 10);
	assert_int_equal(m.device_time.second, 0);
	/* the index of its local slot */
	assert_int_equal(m.sequence_number, (1700000400000 + 3600000) / 600000);
	/* a zone behind UTC */
	s.now_local = (struct hv_datetime){ 2023, 11, 14, 17, 13, 20 };
	(void)step("blocks until")->on_value(&s, (const uint8_t *)stream, 20);
	f.quirks = s.quirks;
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"), &m), 0);
	assert_int_equal(m.device_time.hour, 17);
	assert_int_equal(m.device_time.minute, 10);
}

/*
 * What a Bangle.js makes of a block when asked for it (apps/android/lib.js
 * @ecfb349 "actfetch", apps/health/lib.js @091edf7): its local slot as
 * new Date(y, m, d, h, min) + 10 minutes, in the watch's zone: the fixed
 * one of E.setTimeZone(), or, while E.setDST() rules are set, that date's
 * own offset (here Europe/Paris's: the test's TZ). The watch starts with
 * rules, as its settings set them; the gateway's clock line runs first.
 */
struct watch {
	bool dst_rules;
	double zone_h;
};

static void watch_runs(struct watch *w, const char *line)
{
	const char *z = strstr(line, "E.setTimeZone(");

	if (strstr(line, "E.setDST(0,"))
		w->dst_rules = false;
	if (z && !w->dst_rules)
		w->zone_h = strtod(z + strlen("E.setTimeZone("), NULL);
}

static long long watch_block_ms(const struct watch *w,
				const struct hv_datetime *local_start)
{
	int64_t t;

	if (w->dst_rules) {
		struct tm tm = { .tm_year = local_start->year - 1900,
				 .tm_mon = local_start->month - 1,
				 .tm_mday = local_start->day,
				 .tm_hour = local_start->hour,
				 .tm_min = local_start->minute,
				 .tm_isdst = -1 };

		t = (int64_t)mktime(&tm);
	} else {
		t = hv_datetime_to_unix(local_start) -
		    (int64_t)(w->zone_h * 3600);
	}
	return (long long)t * 1000 + 600000;
}

/* A connection at now_unix: the clock line, the fetch's first chunk. */
static void connect_at(struct hv_session *s, struct watch *w, time_t now_unix)
{
	struct tm tm;
	char buf[160];
	size_t n = 0;

	assert_non_null(localtime_r(&now_unix, &tm));
	s->now_unix = now_unix;
	s->now_local = (struct hv_datetime){
		(uint16_t)(tm.tm_year + 1900), (uint8_t)(tm.tm_mon + 1),
		(uint8_t)tm.tm_mday, (uint8_t)tm.tm_hour, (uint8_t)tm.tm_min,
		(uint8_t)tm.tm_sec
	};
	assert_int_equal(step("clock")->payload(s, (uint8_t *)buf,
						sizeof(buf) - 1, &n),
			 0);
	buf[n] = '\0';
	watch_runs(w, buf);
	memset(s->scratch, 0, sizeof(s->scratch));
	(void)step("blocks until")->on_value(s, (const uint8_t *)stream, 20);
}

/* The block the watch sends for a local slot, decoded with the session's
 * zone; its time made UTC as the daemon does (daemon/ingest/pipeline.c
 * device_time_usec(): mktime() with the zone's rules). */
static int64_t fetched_block_utc(const struct hv_session *s,
				 const struct watch *w,
				 const struct hv_datetime *local_start,
				 int32_t *ret_sequence)
{
	struct hv_frame f = { .has_characteristic = true, .quirks = s->quirks };
	struct hv_measurement m;
	struct tm tm;
	int n;

	assert_int_equal(hv_uuid_parse(TX, &f.characteristic), 0);
	n = snprintf((char *)f.value, sizeof(f.value),
		     "{\"t\":\"act\",\"ts\":%lld,\"stp\":10,\"hrm\":60}",
		     watch_block_ms(w, local_start));
	f.value_len = (size_t)n;
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id("bangle_js"), &m), 0);
	assert_true(m.final);
	assert_true(m.has_device_time);
	tm = (struct tm){ .tm_year = m.device_time.year - 1900,
			  .tm_mon = m.device_time.month - 1,
			  .tm_mday = m.device_time.day,
			  .tm_hour = m.device_time.hour,
			  .tm_min = m.device_time.minute,
			  .tm_isdst = -1 };
	*ret_sequence = m.sequence_number;
	return (int64_t)mktime(&tm);
}

static void test_blocks_across_dst_changes(void **state)
{
	static const struct {
		int64_t fetch_utc; /* a connection after the change */
		struct hv_datetime local_start; /* the watch's slot */
		int64_t utc; /* that slot's start, UTC */
	} blocks[] = {
		/* spring, 2026-03-29 02:00 CET -> 03:00 CEST; asked on the
		 * 30th, 10:00 CEST */
		{ 1774857600, { 2026, 3, 28, 12, 0, 0 }, 1774695600 },
		{ 1774857600, { 2026, 3, 29, 1, 50, 0 }, 1774745400 },
		{ 1774857600, { 2026, 3, 29, 3, 0, 0 }, 1774746000 },
		{ 1774857600, { 2026, 3, 30, 9, 0, 0 }, 1774854000 },
		/* autumn, 2026-10-25 03:00 CEST -> 02:00 CET; asked on the
		 * 26th, 09:00 CET */
		{ 1793001600, { 2026, 10, 24, 12, 0, 0 }, 1792836000 },
		{ 1793001600, { 2026, 10, 25, 1, 0, 0 }, 1792882800 },
		{ 1793001600, { 2026, 10, 25, 4, 0, 0 }, 1792897200 },
		{ 1793001600, { 2026, 10, 26, 8, 0, 0 }, 1792998000 },
	};
	const char *tz = getenv("TZ");
	char *saved = tz ? strdup(tz) : NULL;

	(void)state;
	assert_int_equal(setenv("TZ", "Europe/Paris", 1), 0);
	tzset();
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		struct hv_session s = { .last_sequence = -1 };
		struct watch w = { .dst_rules = true };
		struct hv_session before = { .last_sequence = -1 };
		struct watch w_before = { .dst_rules = true };
		int32_t seq, seq_before;
		char buf[96];
		size_t n = 0;

		connect_at(&s, &w, (time_t)blocks[i].fetch_utc);
		assert_false(w.dst_rules);
		assert_int_equal(fetched_block_utc(&s, &w, &blocks[i].local_start,
						   &seq),
				 blocks[i].utc);
		/* asked for right after it was logged, in its own season:
		 * the same time, the same sequence number */
		connect_at(&before, &w_before,
			   (time_t)blocks[i].utc + 11 * 60);
		assert_int_equal(fetched_block_utc(&before, &w_before,
						   &blocks[i].local_start,
						   &seq_before),
				 blocks[i].utc);
		assert_int_equal(seq_before, seq);
		/* the next fetch asks from the slot after it, as the watch
		 * dates that slot now */
		s.last_sequence = seq;
		assert_int_equal(step("health log")->payload(&s, (uint8_t *)buf,
							    sizeof(buf) - 1,
							    &n),
				 0);
		buf[n] = '\0';
		{
			struct hv_datetime next = blocks[i].local_start;
			char want[96];

			next.minute += 10;
			(void)snprintf(want, sizeof(want),
				       "\x10GB({\"t\":\"actfetch\",\"ts\":%lld})\n",
				       watch_block_ms(&w, &next));
			assert_string_equal(buf, want);
		}
	}
	if (saved)
		(void)setenv("TZ", saved, 1);
	else
		(void)unsetenv("TZ");
	free(saved);
	tzset();
}

static int count_rows(const struct hv_reading_row *row, void *userdata)
{
	(void)row;
	(*(unsigned *)userdata)++;
	return 0;
}

static void test_stream_through_ingest(void **state)
{
	char dir[] = "/tmp/hv-bangle-XXXXXX", path[64], cmd[64];
	const struct hv_driver *d = hv_driver_by_id("bangle_js");
	struct hv_clock_sample now = { .mono_usec = 5000000,
				       .wall_usec = 1700002000LL * 1000000,
				       .wall_known = true };
	struct hv_reading_filter steps = { .metric = "step_count" };
	struct hv_ingest_result res;
	struct hv_ingest *in = NULL;
	struct hv_store *st = NULL;
	struct hv_config cfg;
	struct hv_frame f = { .has_characteristic = true,
			      .address = "E3:4B:00:00:0B:01" };
	size_t n = strlen(stream);
	unsigned rows = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/h.db", dir);
	assert_int_equal(hv_store_open(path, 0, &st), 0);
	hv_config_init(&cfg);
	assert_int_equal(hv_ingest_new(st, &cfg, NULL, &in), 0);
	assert_int_equal(hv_uuid_parse(TX, &f.characteristic), 0);
	/* 20-byte notifications, as a session hands them to ingest */
	for (size_t i = 0; i < n; i += 20) {
		f.value_len = n - i < 20 ? n - i : 20;
		memcpy(f.value, stream + i, f.value_len);
		assert_int_equal(hv_ingest_frame(in, &f, d, &now, &res), 0);
		assert_int_equal(res.failed, 0);
	}
	assert_int_equal(hv_store_readings_foreach(st, &steps, count_rows, &rows), 0);
	assert_int_equal(rows, 2); /* the two stored blocks */
	assert_int_equal(hv_ingest_driver_counters(in, &n)[0].invalid, 0);
	hv_ingest_free(in);
	hv_store_close(st);
	hv_config_done(&cfg);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_through_chunks),
		cmocka_unit_test(test_overlong_line_dropped),
		cmocka_unit_test(test_damaged_lines),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_block_dated_by_the_watch),
		cmocka_unit_test(test_blocks_across_dst_changes),
		cmocka_unit_test(test_stream_through_ingest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
