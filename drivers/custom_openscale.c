// SPDX-License-Identifier: MIT
/*
 * The openScale DIY scale ("openScale", an Arduino sketch behind an HM-10
 * module): ASCII lines on 0xFFE0/0xFFE1, both ways. Source: openScale
 * CustomOpenScaleHandler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/CustomOpenScaleHandler.kt,
 * oliexdev/openScale@f7a733b2).
 *
 * Scale to app, one line each, '\n' ended ('\r' before it tolerated):
 *
 *   $I$text   information         $E$text   error
 *   $S$n      records stored      $F$…      all records sent
 *   $D$idx,year,month,day,hour,minute,weight,fat,water,muscle,checksum
 *       year: two digits (20yy) or four; weight kg, fat/water/muscle %,
 *       decimals allowed; checksum: XOR of idx, year as sent, month, day,
 *       hour, minute and the whole parts of the four figures (checked)
 *
 * App to scale: "2<yy>,<month>,<day>,<hour>,<minute>,<second>," (decimal,
 * no padding; the local time) sets the clock; "9" clears the memory.
 *
 * A record is the stored weighing with the scale's clock and its own fat,
 * water and muscle figures. The HM-10 hands out 20 bytes per notification,
 * so a record line comes in pieces: the driver says HV_DRIVER_LINES and
 * ingest joins the pieces into lines (daemon/ingest/line_join.h), each of
 * which decode() reads (a value is one line, its '\n' or "\r\n" optional: a
 * piece of a record line decodes as a malformed record). The wait for
 * "$F$" follows it across pieces (session.scratch[0]: how much of "\n$F$"
 * the stream ended on). The conversation never sends "9" after "$F$" as
 * openScale does: erasing the scale's memory would lose any record the
 * gateway could not store; the scale sends its memory again next time and
 * the pipeline's id keeps one of each.
 */
#include <errno.h>
#include <stdio.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define CO_CHR 0xFFE1
#define CO_FIELDS 11

/* One CSV field: an unsigned decimal with an optional fraction. */
struct field {
	long whole;
	double value;
};

static int parse_field(const char *s, size_t n, struct field *ret)
{
	double v = 0, scale = 0.1;
	long whole = 0;
	size_t i = 0;
	bool digits = false;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (whole > 100000000)
			return -ERANGE;
		whole = whole * 10 + (s[i] - '0');
		digits = true;
	}
	v = (double)whole;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			v += (s[i] - '0') * scale;
			scale /= 10;
			digits = true;
		}
	if (!digits || i != n)
		return -EINVAL;
	ret->whole = whole;
	ret->value = v;
	return 0;
}

static int parse_record(const char *csv, size_t n, struct field f[CO_FIELDS])
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && csv[i] != ',')
			continue;
		if (k == CO_FIELDS || parse_field(csv + start, i - start, &f[k]) < 0)
			return -EINVAL;
		k++;
		start = i + 1;
	}
	return k == CO_FIELDS ? 0 : -EINVAL;
}

static int add_own(struct hv_measurement *m, enum hv_metric metric, double v)
{
	return v > 0 ? hv_measurement_add(m, metric, hv_round_to(v, 2)) : 0;
}

static int decode_record(const struct hv_frame *frame, const char *csv,
			 size_t n, struct hv_measurement *ret)
{
	struct field f[CO_FIELDS];
	struct hv_datetime dt;
	long x = 0;
	int r;

	if (parse_record(csv, n, f) < 0)
		return hv_measurement_invalid(ret, "data record is not 11 numbers");
	for (size_t i = 0; i < 6; i++)
		x ^= f[i].whole;
	for (size_t i = 6; i < 10; i++)
		x ^= f[i].whole;
	if (x != f[10].whole)
		return hv_measurement_invalid(ret, "checksum %ld, computed %ld",
					      f[10].whole, x);
	if (f[6].value <= 0)
		return hv_measurement_invalid(ret, "record weight is zero");
	if (f[2].whole < 1 || f[2].whole > 12 || f[3].whole < 1 ||
	    f[3].whole > 31 || f[4].whole > 23 || f[5].whole > 59 ||
	    f[1].whole > 9999)
		return hv_measurement_invalid(ret, "record date out of range");
	dt = (struct hv_datetime){
		.year = (uint16_t)(f[1].whole < 100 ? 2000 + f[1].whole : f[1].whole),
		.month = (uint8_t)f[2].whole,
		.day = (uint8_t)f[3].whole,
		.hour = (uint8_t)f[4].whole,
		.minute = (uint8_t)f[5].whole,
	};
	hv_measurement_set_clock(ret, &dt, frame->now);
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	ret->sequence_number = f[0].whole <= INT32_MAX ? (int32_t)f[0].whole : -1;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, f[6].value);
	if (r >= 0)
		r = add_own(ret, HV_METRIC_BODY_FAT_PERCENT, f[7].value);
	if (r >= 0)
		r = add_own(ret, HV_METRIC_BODY_WATER_PERCENT, f[8].value);
	if (r >= 0)
		r = add_own(ret, HV_METRIC_MUSCLE_PERCENT, f[9].value);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const char *line;
	const uint8_t *nl;
	size_t len, n;

	line = (const char *)hv_frame_value_on(frame, CO_CHR, &len);
	if (!line)
		return -ENODEV;
	/* One line: as ingest joins them (no '\n'), or as sent. */
	nl = memchr(line, '\n', len);
	n = nl ? (size_t)((const char *)nl - line) : len;
	if (n < 3 || line[0] != '$' || line[2] != '$')
		return hv_measurement_control(ret, "not a line");
	if (n > 0 && line[n - 1] == '\r')
		n--;
	switch (line[1]) {
	case 'D':
		return decode_record(frame, line + 3, n - 3, ret);
	case 'F':
		return hv_measurement_control(ret, "all records sent");
	case 'I':
	case 'E':
	case 'S':
		return hv_measurement_control(ret, "information");
	default:
		return hv_measurement_invalid(ret, "unknown line type '%c'", line[1]);
	}
}

/* v in 0..1000 (checked by the caller): at most "1000.00". */
static void put_figure(char buf[16], double v)
{
	unsigned hundredths = (unsigned)(v * 100 + 0.5) % 1000000u;

	snprintf(buf, 16, "%u.%02u", hundredths / 100, hundredths % 100);
}

/* A $D$ record line: record 0, the measurement's clock (or 2000-01-01). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const enum hv_metric metrics[4] = { HV_METRIC_BODY_WEIGHT,
					    HV_METRIC_BODY_FAT_PERCENT,
					    HV_METRIC_BODY_WATER_PERCENT,
					    HV_METRIC_MUSCLE_PERCENT };
	const struct hv_datetime *clock = hv_measurement_clock(m);
	struct hv_datetime dt = clock ? *clock :
					(struct hv_datetime){ 2000, 1, 1, 0, 0, 0 };
	char text[HV_FRAME_DATA_MAX], fig[4][16];
	long x, whole[4];
	int n;

	if (target && !hv_uuid_is16(target, CO_CHR))
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		const struct hv_reading *r = hv_measurement_find(m, metrics[i]);
		double v = r && r->absent == HV_ABSENT_NONE && r->value > 0 ?
				   r->value : 0;

		if (i == 0 && (v <= 0 || v > 1000))
			return -EINVAL;
		if (v > 1000)
			v = 0;
		put_figure(fig[i], v);
		whole[i] = (long)v;
	}
	if (dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > 31)
		return -EINVAL;
	x = 0 ^ dt.year ^ dt.month ^ dt.day ^ dt.hour ^ dt.minute;
	for (size_t i = 0; i < 4; i++)
		x ^= whole[i];
	n = snprintf(text, sizeof(text), "$D$0,%u,%u,%u,%u,%u,%s,%s,%s,%s,%ld\n",
		     dt.year, dt.month, dt.day, dt.hour, dt.minute, fig[0],
		     fig[1], fig[2], fig[3], x);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENOSPC;
	return hv_frame_put_value(ret, CO_CHR, (const uint8_t *)text, (size_t)n);
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0xFFE0/0xFFE1 are the HM-10's defaults: the exact name only */
	return hv_name_prefix_ci(f->name, "openScale") && f->name[9] == '\0';
}

/* --- conversation --------------------------------------------------------- */

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;
	int n;

	if (t->year < 2000 || t->year > 2099)
		return -EINVAL;
	n = snprintf((char *)buf, size, "2%u,%u,%u,%u,%u,%u,", t->year - 2000u,
		     t->month, t->day, t->hour, t->minute, t->second);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	*ret_len = (size_t)n;
	return 0;
}

/* DONE on "$F$" at the start of a line: every stored record was sent.
 * scratch[0]: how much of "\n$F$" the pieces so far ended on, less one
 * (0: a line starts, as at the start of the stream; END_NONE: nothing). */
#define END_MARK "\n$F$"
#define END_MARK_LEN 4
#define END_NONE (END_MARK_LEN + 1)

static int on_line(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint32_t *after = &s->scratch[0];

	for (size_t i = 0; i < len; i++) {
		unsigned matched = *after == END_NONE ? 0 : *after + 1;

		if (matched < END_MARK_LEN && v[i] == (uint8_t)END_MARK[matched])
			matched++;
		else
			matched = v[i] == '\n' ? 1 : 0;
		if (matched == END_MARK_LEN)
			return HV_VALUE_DONE;
		*after = matched ? matched - 1 : END_NONE;
	}
	return HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "ffe0", .characteristic = "ffe1",
	  .what = "subscribe 0xFFE1" },
	{ .op = HV_STEP_WRITE, .service = "ffe0", .characteristic = "ffe1",
	  .payload = pl_time, .flags = HV_STEP_OPTIONAL,
	  .what = "set the clock (2yy,M,D,h,m,s,)" },
	{ .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
	  .on_value = on_line, .timeout_ms = 60000,
	  .what = "wait for the stored records ($D$ … $F$)" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "openScale DIY scale (HM-10)", NULL };
static const uint16_t characteristics[] = { CO_CHR, 0 };
static const char *const name_prefixes[] = { "openScale", NULL };

const struct hv_driver custom_openscale_driver = {
	.id = "custom_openscale",
	.name = "openScale DIY scale (0xFFE0, ASCII lines)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION | HV_DRIVER_LINES,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
