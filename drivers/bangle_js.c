// SPDX-License-Identifier: MIT
/*
 * Bangle.js (Espruino) watches with the Gadgetbridge app: JSON lines over
 * the Nordic UART service (TX 6e400003-b5a3-f393-e0a9-e50e24dcca9e,
 * notify), joined from MTU-sized chunks by drivers/nus_lines.h.
 *
 * Messages from the watch's side (espruino/BangleApps apps/android/lib.js
 * @ecfb349: the "act" and "actfetch" handlers, gbSend()):
 *
 *   {"t":"act","stp":S,"hrm":H,"rt":1}
 *       live, every "int" seconds while the phone asked for it: S steps
 *       since the previous one, H the last heart rate (0: none yet)
 *   {"t":"actfetch","state":"start"}
 *   {"t":"act","ts":MS,"stp":S,"hrm":H,"mov":M,"act":"…"}
 *       one stored 10-minute block of the health log, MS its end (Unix
 *       milliseconds): the answer to a fetch of the blocks since a time
 *   {"t":"actfetch","state":"end","count":N}
 *
 * One frame is one line. A live "act" gives heart_rate when H > 0 (the
 * step delta is not stored: it is a difference, not a count of a known
 * period). A stored block gives step_count (context "period": "PT10M") and
 * heart_rate when H > 0. Other lines are the watch's but carry no reading
 * (not final).
 *
 * The conversation: subscribe to TX, then write to RX (6e400002) lines the
 * watch's JavaScript runs, framed as Gadgetbridge frames them
 * (Freeyourgadget/Gadgetbridge BangleJSDeviceSupport.java uartTxJSON:
 * "\x10GB(" JSON ")\n"; \x10 keeps the REPL from echoing):
 *   \x10setTime(S);if(E.setDST)E.setDST(0,…,0);E.setTimeZone(H);\n
 *       the clock (Espruino's setTime() takes Unix seconds), the watch's
 *       own DST rules off (dstOffset 0) and the zone in hours
 *   \x10GB({"t":"actfetch","ts":MS})\n   the blocks ending at MS or later:
 *                                      after the last stored block, else 0
 *                                      (the whole health log)
 * and wait for {"t":"actfetch","state":"end",…} (30 s).
 *
 * What MS is: the health log keeps a block by the watch's local date and
 * 10-minute slot (apps/health/lib.js @091edf7, getRecordIdx()), and the
 * "actfetch" handler rebuilds its time as new Date(y, m, d, h, min) + 10
 * minutes (readAllRecordsSince(), readFullDatabase()): the local slot made
 * UTC with the zone the watch has at the fetch. That is the fixed zone of
 * E.setTimeZone() only while no DST rules are set: with E.setDST() rules
 * (a Bangle's settings can set them) E.setTimeZone() has no effect
 * (espruino/Espruino src/jswrap_espruino.c @9745e4f, E.setTimeZone and
 * E.setDST),
 * MS is made with each date's own offset, and a block from before a DST
 * change came out an hour off when dated with the zone of the connection.
 * So the gateway turns the rules off and sets its zone on every connection
 * (Gadgetbridge too sets only a fixed zone: BangleJSDeviceSupport.java
 * @4a2d09c transmitTime()), and the local slot is MS plus
 * that zone, whatever the season of the block. The conversation hands the
 * zone to decode() in session.quirks (bit 31 set, bits 0..11 the offset in
 * minutes + 2048), from the first chunk of the fetch's answer on: a block
 * is dated at its slot's start in local time (the daemon makes it UTC
 * with the zone rules of that date), and its sequence number is the index
 * of its local slot (local end / 10 minutes), which a block keeps when
 * fetched again in another season; the fetch asks from the slot after the
 * last stored one, made into MS with the zone set now. A block without the
 * zone (a line decoded alone, or complete in the very first chunk) is
 * dated on receipt, its sequence number MS / 10 minutes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/vendor_util.h"

#define NUS_TX "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
#define BLOCK_MS 600000
#define ZONE_Q_VALID (1u << 31)
#define ZONE_Q_BIAS 2048 /* minutes: the offset is stored biased */
/* E.setDST()'s twelve parameters, dstOffset 0: the watch's own DST rules
 * off, so that E.setTimeZone() applies (Espruino jswrap_espruino.c) */
#define DST_OFF "0,0,0,0,0,0,0,0,0,0,0,0"

static bool is_char128(const struct hv_frame *f, const char *text)
{
	struct hv_uuid u;

	return f->has_characteristic && hv_uuid_parse(text, &u) == 0 &&
	       hv_uuid_equal(&u, &f->characteristic);
}

/* The text right after "key": in a flat JSON object, or NULL. */
static const char *field(const char *line, size_t len, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; i + k + 3 <= len; i++) {
		size_t j;

		if (line[i] != '"' || memcmp(line + i + 1, key, k) != 0 ||
		    line[i + k + 1] != '"')
			continue;
		for (j = i + k + 2; j < len && line[j] == ' '; j++)
			;
		if (j < len && line[j] == ':') {
			for (j++; j < len && line[j] == ' '; j++)
				;
			return j < len ? line + j : NULL;
		}
	}
	return NULL;
}

/* A non-negative integer field: 0, -ENOENT when absent, -EINVAL when not
 * a plain integer. */
static int int_field(const char *line, size_t len, const char *key,
		     int64_t *ret)
{
	const char *p = field(line, len, key), *end = line + len;
	int64_t v = 0;

	if (!p)
		return -ENOENT;
	if (p >= end || *p < '0' || *p > '9')
		return -EINVAL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	/* a number goes on to its end: 1.5 or 17e11 are not integers */
	if (p < end && *p != ',' && *p != '}' && *p != ' ')
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool type_is(const char *line, size_t len, const char *t)
{
	const char *p = field(line, len, "t");
	size_t n = strlen(t);

	return p && p + n + 2 <= line + len && p[0] == '"' &&
	       memcmp(p + 1, t, n) == 0 && p[n + 1] == '"';
}

/* The zone the conversation set on the watch, in minutes east of UTC. */
static bool quirks_zone(unsigned quirks, int64_t *ret_min)
{
	if (!(quirks & ZONE_Q_VALID))
		return false;
	*ret_min = (int64_t)(quirks & 0xFFF) - ZONE_Q_BIAS;
	return true;
}

/* A stored block's end in the watch's local time (ms, as if UTC): the
 * watch made MS from its local 10-minute slot with the zone the gateway
 * set (its DST rules off), so the zone gives the slot back; without the
 * zone, MS itself. */
static int64_t block_local_end_ms(int64_t ts_ms, unsigned quirks)
{
	int64_t zone_min;

	return quirks_zone(quirks, &zone_min) ? ts_ms + zone_min * 60000 :
						ts_ms;
}

/* The block's start in the watch's local time. */
static void date_block(int64_t ts_ms, unsigned quirks,
		       struct hv_measurement *ret)
{
	int64_t end_ms = block_local_end_ms(ts_ms, quirks);
	struct hv_datetime dt;

	if (!(quirks & ZONE_Q_VALID) || end_ms < BLOCK_MS)
		return;
	hv_datetime_from_unix((end_ms - BLOCK_MS) / 1000, &dt);
	ret->has_device_time = hv_datetime_plausible(&dt, 0);
	ret->device_time = dt;
	ret->has_raw_device_time = true;
	ret->raw_device_time = dt;
}

static int decode_act(const char *line, size_t len, unsigned quirks,
		      struct hv_measurement *ret)
{
	int64_t steps = 0, hr = 0, ts = 0;
	bool stored;
	int r;

	r = int_field(line, len, "ts", &ts);
	if (r == -EINVAL)
		return hv_measurement_invalid(ret, "act: \"ts\" is not an integer");
	stored = r == 0;
	if (int_field(line, len, "stp", &steps) == -EINVAL ||
	    int_field(line, len, "hrm", &hr) == -EINVAL)
		return hv_measurement_invalid(
			ret, "act: \"stp\" or \"hrm\" is not an integer");
	if (hr > 250 || steps > 100000)
		return hv_measurement_invalid(
			ret, "act: %lld steps, %lld bpm out of range",
			(long long)steps, (long long)hr);
	if (stored) {
		r = hv_measurement_add(ret, HV_METRIC_STEP_COUNT, (double)steps);
		if (r >= 0)
			r = hv_measurement_add_context(ret, "period", "PT10M");
		if (r < 0)
			return r;
		/* the index of the watch's local slot: the same block keeps
		 * it when fetched again in another zone (after a DST change) */
		if (block_local_end_ms(ts, quirks) / BLOCK_MS <= INT32_MAX)
			ret->sequence_number = (int32_t)(
				block_local_end_ms(ts, quirks) / BLOCK_MS);
		date_block(ts, quirks, ret);
	}
	if (hr > 0) {
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, (double)hr);
		if (r < 0)
			return r;
	}
	ret->final = ret->n_readings > 0;
	ret->user_index = 0;
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const char *line = (const char *)frame->value;
	size_t len = frame->value_len;

	if (!is_char128(frame, NUS_TX))
		return -ENODEV;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len < 2 || line[0] != '{' || line[len - 1] != '}')
		return hv_measurement_invalid(ret, "not one JSON object line");
	ret->final = false;
	if (type_is(line, len, "act"))
		return decode_act(line, len, frame->quirks, ret);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *steps =
		hv_measurement_find(m, HV_METRIC_STEP_COUNT);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	struct hv_uuid u;
	int n;

	if (hv_uuid_parse(NUS_TX, &u) < 0 || (target && !hv_uuid_equal(target, &u)))
		return -EINVAL;
	if ((!steps && !hr) ||
	    (steps && (steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
		       steps->value > 100000 || m->sequence_number < 0)) ||
	    (hr && (hr->absent != HV_ABSENT_NONE || hr->value < 1 ||
		    hr->value > 250)))
		return -EINVAL;
	*ret = (struct hv_frame){ .has_characteristic = true, .characteristic = u };
	if (steps)
		n = snprintf((char *)ret->value, sizeof(ret->value),
			     "{\"t\":\"act\",\"ts\":%lld,\"stp\":%ld,\"hrm\":%ld,\"mov\":0}",
			     (long long)m->sequence_number * BLOCK_MS,
			     (long)(steps->value + 0.5),
			     hr ? (long)(hr->value + 0.5) : 0L);
	else
		n = snprintf((char *)ret->value, sizeof(ret->value),
			     "{\"t\":\"act\",\"stp\":0,\"hrm\":%ld,\"rt\":1}",
			     (long)(hr->value + 0.5));
	if (n < 0 || (size_t)n >= sizeof(ret->value))
		return -ENOSPC;
	ret->value_len = (size_t)n;
	return 0;
}

/* --- the conversation ------------------------------------------------------ */

#define NUS_SERVICE "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
#define NUS_RX "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#define END_MARK "\"state\":\"end\""
#define TAIL_MAX (sizeof(END_MARK) - 2) /* kept between chunks */

static int set_time_payload(const struct hv_session *s, uint8_t *buf,
			    size_t size, size_t *ret_len)
{
	int64_t zone_s;
	int n;

	if (s->now_unix <= 0 || !hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	zone_s = hv_datetime_to_unix(&s->now_local) - s->now_unix;
	n = snprintf((char *)buf, size,
		     "\x10setTime(%lld);if(E.setDST)E.setDST(%s);E.setTimeZone(%g);\n",
		     (long long)s->now_unix, DST_OFF, (double)zone_s / 3600.0);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	*ret_len = (size_t)n;
	return 0;
}

/* The zone set on the watch at this connection, minutes east of UTC. */
static bool session_zone(const struct hv_session *s, int64_t *ret_min)
{
	int64_t zone_min;

	if (s->now_unix <= 0 || !hv_datetime_plausible(&s->now_local, 0))
		return false;
	zone_min = (hv_datetime_to_unix(&s->now_local) - s->now_unix) / 60;
	if (zone_min <= -ZONE_Q_BIAS || zone_min >= ZONE_Q_BIAS)
		return false;
	*ret_min = zone_min;
	return true;
}

/* The blocks after the last stored one: its local slot (the sequence
 * number) made into the watch's MS with the zone set now. */
static int fetch_payload(const struct hv_session *s, uint8_t *buf,
			 size_t size, size_t *ret_len)
{
	int64_t zone_min = 0;
	long long since = 0;
	int n;

	if (s->last_sequence >= 0) {
		(void)session_zone(s, &zone_min);
		since = ((long long)s->last_sequence + 1) * BLOCK_MS -
			zone_min * 60000;
		if (since < 0)
			since = 0;
	}
	n = snprintf((char *)buf, size,
		     "\x10GB({\"t\":\"actfetch\",\"ts\":%lld})\n", since);

	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	*ret_len = (size_t)n;
	return 0;
}

/* The end of the fetch, found across chunks: scratch keeps the last
 * TAIL_MAX bytes seen (as text, scratch[7] its length). */
static int on_fetch(struct hv_session *s, const uint8_t *value, size_t len)
{
	char window[TAIL_MAX + HV_FRAME_DATA_MAX + 1];
	char *tail = (char *)s->scratch;
	size_t kept = s->scratch[7] <= TAIL_MAX ? s->scratch[7] : 0, n;
	int64_t zone_min;

	/* the zone set on the watch, for dating the blocks that follow */
	if (session_zone(s, &zone_min))
		s->quirks = ZONE_Q_VALID | (uint32_t)(zone_min + ZONE_Q_BIAS);

	if (len > HV_FRAME_DATA_MAX)
		len = HV_FRAME_DATA_MAX;
	memcpy(window, tail, kept);
	memcpy(window + kept, value, len);
	n = kept + len;
	window[n] = '\0';
	if (memchr(window, '\0', n) == NULL && strstr(window, END_MARK))
		return HV_VALUE_DONE;
	kept = n < TAIL_MAX ? n : TAIL_MAX;
	memcpy(tail, window + n - kept, kept);
	s->scratch[7] = (uint32_t)kept;
	return HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = NUS_SERVICE,
	  .characteristic = NUS_TX, .what = "subscribe to the watch's lines" },
	{ .op = HV_STEP_WRITE, .service = NUS_SERVICE, .characteristic = NUS_RX,
	  .payload = set_time_payload,
	  .flags = HV_STEP_OPTIONAL | HV_STEP_WITH_RESPONSE,
	  .what = "set the watch's clock" },
	{ .op = HV_STEP_WRITE, .service = NUS_SERVICE, .characteristic = NUS_RX,
	  .payload = fetch_payload, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "ask for the health log since the last stored block" },
	{ .op = HV_STEP_WAIT, .service = NUS_SERVICE, .characteristic = NUS_TX,
	  .on_value = on_fetch, .timeout_ms = 30000,
	  .what = "receive the blocks until the fetch ends" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Bangle.js 1 and 2 with the Gadgetbridge (Android Integration) app",
	NULL,
};

static const char *const characteristics128[] = { NUS_TX, NULL };
static const char *const names[] = { "Bangle.js", NULL };

const struct hv_driver bangle_js_driver = {
	.id = "bangle_js",
	.name = "Bangle.js (Gadgetbridge protocol)",
	.models = models,
	.kind = HV_DRIVER_KIND_FITNESS_BAND,
	.match = {
		.characteristics128 = characteristics128,
		.name_prefixes = names,
	},
	/* the Nordic UART TX is any NUS device's: ours only by name */
	.flags = HV_DRIVER_NEEDS_SELECTION | HV_DRIVER_LINES,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
