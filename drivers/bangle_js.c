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
 * heart_rate when H > 0, with sequence number MS / 600000 (the block
 * index), so that a later fetch can ask from the last stored block. Other
 * lines are the watch's but carry no reading (not final).
 *
 * Not yet: the conversation (subscribing, the fetch request and the clock
 * set written to 6e400002), and the block's own time (the measurement's
 * device time is local time; the block's is UTC): only the decoding of
 * lines is here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/vendor_util.h"

#define NUS_TX "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
#define BLOCK_MS 600000

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

static int decode_act(const char *line, size_t len,
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
		if (ts / BLOCK_MS <= INT32_MAX)
			ret->sequence_number = (int32_t)(ts / BLOCK_MS);
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
		return decode_act(line, len, ret);
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
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
};
