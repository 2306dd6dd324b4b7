// SPDX-License-Identifier: MIT
/*
 * Colmi smart rings (R02, R03, R06, R10 …): a 16-byte command protocol over
 * a UART-like service, no pairing and no vendor key.
 *
 * Layout from the open colmi_r02_client project (tahnok/colmi_r02_client:
 * client.py @0269863 for the UUIDs, packet.py @0269863 for the framing,
 * steps.py @0269863 for the step history and its example packets,
 * battery.py and set_time.py @54989ad); Gadgetbridge's Colmi R0x support
 * follows the same command set.
 *
 *   service 6e40fff0-b5a3-f393-e0a9-e50e24dcca9e
 *     6e400002-…  commands, write without response
 *     6e400003-…  responses, notify
 *
 * Every packet is 16 bytes: CC D0 … D13 SS, CC the command (bit 7 set: an
 * error), SS = sum of the 15 bytes before it, modulo 256.
 *
 *   0x01 set time     D0..D5 year-2000, month, day, hour, minute, second
 *                     in BCD, D6 language (1 English); answered, ignored
 *   0x03 battery      response D0 percent, D1 charging
 *   0x43 step history request D0 = days back from the ring's today, then
 *                     0x0F 0x00 0x5F 0x01 (constant in the source);
 *                     responses: D0 = 0xFF no data; D0 = 0xF0 a header
 *                     (D2 = 1: calories in tens); else one 15-minute
 *                     interval: D0 year-2000, D1 month, D2 day (BCD),
 *                     D3 quarter of the day (0..95), D4 its index, D5 the
 *                     count of records, D6 D7 calories LE, D8 D9 steps LE,
 *                     D10 D11 distance LE (m)
 *
 * One interval is one measurement: step_count (context "period": "PT15M")
 * and distance, dated by the ring's clock at the interval's start, with
 * sequence number days-since-2000 × 96 + quarter, so that a later session
 * asks only for the days since the last one stored (like RACP's "records
 * after"). Calories are not reported: their unit depends on the header
 * packet, which a decoder of one packet does not see.
 *
 *   0x15 heart-rate log of a day (hr.py and tests/test_hr.py @01ba299):
 *                     request D0..D3 = the day's midnight, Unix seconds LE
 *                     (the ring's local date, as if UTC); answers: D0 = 0xFF
 *                     no data; D0 = 0 a header, D1 the count of packets
 *                     (this one included), D2 the interval (5 minutes);
 *                     D0 = 1: D1..D4 the midnight again, D5..D13 the first
 *                     9 slots; D0 = k >= 2: D1..D13 slots 9 + (k - 2) × 13
 *                     on; a slot is one byte, beats/min, 0 = not measured;
 *                     the packet with D0 = count - 1 is the last
 *
 *   0xBC 0x2A SpO2 history, on a second service (Gadgetbridge
 *                     ColmiR0xConstants.java @4939de4, ColmiR0xDeviceSupport.java
 *                     @31c85be fetchHistorySpo2(), ColmiR0xPacketHandler.java
 *                     @d5c2207 historicalSpo2()): below, "SpO2 history"
 *
 * Only the first log packet is dated, so the conversation keeps the day
 * asked for in session.quirks (given to decode() with every frame): bit 31
 * set, bits 0..15 days since 2000, bits 16..24 the first slot not yet
 * complete (288 for a past day; the current slot today, so that a slot
 * still being measured is not stored). A log packet holds one measurement
 * per slot (the driver's records(); decode() gives the slot frame->record
 * names): one heart_rate at the slot's start (midnight + 5 minutes × the
 * slot, as hr.py's heart_rates_with_times() dates them), context "period"
 * "PT5M": the log's value for that slot (a history, not live samples for
 * the per-minute summary of daemon/ingest/minute_summary.c); a slot of 0 was
 * not measured and gives nothing. A complete slot never changes
 * afterwards, so a later session asking the same day again finds the same
 * measurement (same time and value: the same id). A log of another
 * interval than 5 minutes is not decoded.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/vendor_util.h"

#define RING_SERVICE "6e40fff0-b5a3-f393-e0a9-e50e24dcca9e"
#define RING_WRITE "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#define RING_NOTIFY "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
#define BIG_SERVICE "de5bf728-d711-4e47-af26-65e3012a5dc7"
#define BIG_NOTIFY "de5bf729-d711-4e47-af26-65e3012a5dc7"
#define BIG_WRITE "de5bf72a-d711-4e47-af26-65e3012a5dc7"

#define PACKET_LEN 16
#define CMD_SET_TIME 0x01
#define CMD_BATTERY 0x03
#define CMD_STEPS 0x43
#define CMD_HR_LOG 0x15
#define HR_NO_DATA 0xFF
#define HR_SLOT_MINUTES 5
#define HR_SLOTS_PER_DAY 288
#define HR_FIRST_SLOTS 9 /* slots in the dated packet */
#define HR_SLOTS_PER_PACKET 13
#define HR_Q_VALID (1u << 31)
#define HR_Q_UNSUPPORTED (1u << 30) /* an interval other than 5 minutes */
#define STEPS_NO_DATA 0xFF
#define STEPS_HEADER 0xF0
#define QUARTERS_PER_DAY 96
#define HISTORY_DAYS_MAX 7 /* days the ring is asked for at most */
#define BATTERY_LOW_PERCENT 20
#define CMD_BIG_DATA 0xBC
#define BIG_SPO2 0x2A
#define BIG_HEADER_LEN 6 /* BC, type, length LE16, CRC16 */
#define SPO2_DAY_LEN 49 /* days ago, then 24 × (min, max) */
#define SPO2_DAYS_MAX 7
#define SPO2_ANSWER_MAX 511 /* bytes followed across notifications */
#define SQ_VALID (3u << 30) /* session.quirks of the SpO2 history, below */
#define SQ_DONE (1u << 29)
#define SQ_SKIP (1u << 23)
#define SQ_PENDING (1u << 14)

static bool is_char128(const struct hv_frame *f, const char *text)
{
	struct hv_uuid u;

	return f->has_characteristic && hv_uuid_parse(text, &u) == 0 &&
	       hv_uuid_equal(&u, &f->characteristic);
}

static int from_bcd(uint8_t b)
{
	if ((b >> 4) > 9 || (b & 15) > 9)
		return -1;
	return (b >> 4) * 10 + (b & 15);
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static int64_t days_since_2000(unsigned y, unsigned m, unsigned d)
{
	return hv_days_from_civil(y, m, d) - hv_days_from_civil(2000, 1, 1);
}

static int decode_interval(const uint8_t *p, struct hv_measurement *ret)
{
	int y = from_bcd(p[1]), mo = from_bcd(p[2]), d = from_bcd(p[3]);
	unsigned quarter = p[4];
	struct hv_datetime dt;
	int r;

	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    quarter >= QUARTERS_PER_DAY)
		return hv_measurement_invalid(
			ret, "step record: date %02x-%02x-%02x or quarter %u out of range",
			p[1], p[2], p[3], quarter);
	dt = (struct hv_datetime){ (uint16_t)(2000 + y), (uint8_t)mo,
				   (uint8_t)d, (uint8_t)(quarter / 4),
				   (uint8_t)(quarter % 4 * 15), 0 };
	r = hv_measurement_add(ret, HV_METRIC_STEP_COUNT, hv_le16(p + 9));
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_DISTANCE, hv_le16(p + 11));
	if (r >= 0)
		r = hv_measurement_add_context(ret, "period", "PT15M");
	if (r < 0)
		return r;
	ret->has_device_time = hv_datetime_plausible(&dt, 0);
	ret->device_time = dt;
	ret->has_raw_device_time = true;
	ret->raw_device_time = dt;
	ret->sequence_number =
		(int32_t)(days_since_2000((unsigned)dt.year, dt.month, dt.day) *
				  QUARTERS_PER_DAY +
			  quarter);
	ret->user_index = 0;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = true;
	return 0;
}

static uint32_t hr_quirks(int64_t day2000, unsigned complete_slots)
{
	return HR_Q_VALID | (complete_slots & 0x1FF) << 16 |
	       (uint32_t)(day2000 & 0xFFFF);
}

/* A log packet's first slot and count of slots (clipped to the day), or
 * -ENOENT when the packet holds none (header, "no data", past the day). */
static int hr_packet_slots(const uint8_t *p, unsigned *ret_first,
			   unsigned *ret_n)
{
	unsigned k = p[1], first, n;

	if (k == 0 || k == HR_NO_DATA)
		return -ENOENT;
	if (k == 1) {
		first = 0;
		n = HR_FIRST_SLOTS;
	} else {
		first = HR_FIRST_SLOTS + (k - 2) * HR_SLOTS_PER_PACKET;
		n = HR_SLOTS_PER_PACKET;
	}
	if (first >= HR_SLOTS_PER_DAY)
		return -ENOENT;
	if (first + n > HR_SLOTS_PER_DAY)
		n = HR_SLOTS_PER_DAY - first;
	*ret_first = first;
	*ret_n = n;
	return 0;
}

static bool is_hr_log_packet(const struct hv_frame *f)
{
	return is_char128(f, RING_NOTIFY) && f->value_len == PACKET_LEN &&
	       f->value[0] == CMD_HR_LOG;
}

struct spo2_hour;
static unsigned spo2_hours(const struct hv_frame *f, unsigned nth,
			   struct spo2_hour *ret);

/* A log packet holds one measurement per slot; a notification of the SpO2
 * history one per hour it completes. */
static unsigned records(const struct hv_frame *frame)
{
	unsigned first, n;

	if (is_char128(frame, BIG_NOTIFY)) {
		n = (frame->quirks & SQ_VALID) == SQ_VALID ?
			    spo2_hours(frame, 0, NULL) :
			    0;
		return n ? n : 1;
	}

	if (!is_hr_log_packet(frame) ||
	    hr_packet_slots(frame->value, &first, &n) < 0)
		return 1;
	return n;
}

/* The day of the dated packet: its midnight, as asked for (the ring's
 * local date as if UTC); a client that asked with its zone's midnight
 * (colmi_r02_client's capture, made at UTC-4, asks 04:00 UTC) gets its
 * timestamp back: the nearest midnight is the day. */
static int hr_dated_day(const uint8_t *p, int64_t *ret_day2000)
{
	int64_t ts = (int64_t)hv_le32(p + 2);

	if (ts % 900)
		return -EINVAL;
	*ret_day2000 = (ts + 43200) / 86400 - hv_days_from_civil(2000, 1, 1);
	return 0;
}

/* One slot of a log packet (frame->record): one heart rate at the slot's
 * start; nothing (ret stays an empty, non-final measurement) when the
 * slot was not measured, is not complete yet, or is undated. */
static int decode_hr_log(const struct hv_frame *frame, const uint8_t *p,
			 struct hv_measurement *ret)
{
	unsigned first_slot, n, complete = HR_SLOTS_PER_DAY, slot, bpm;
	int64_t day2000 = 0, t;
	struct hv_datetime dt;
	int r;

	if (frame->quirks & HR_Q_UNSUPPORTED ||
	    hr_packet_slots(p, &first_slot, &n) < 0)
		return 0;
	if (frame->quirks & HR_Q_VALID) {
		complete = (frame->quirks >> 16) & 0x1FF;
		day2000 = frame->quirks & 0xFFFF;
	}
	if (p[1] == 1) {
		int64_t dated;

		if (hr_dated_day(p, &dated) < 0)
			return hv_measurement_invalid(
				ret, "heart-rate log day %u is not a midnight",
				(unsigned)hv_le32(p + 2));
		if (!(frame->quirks & HR_Q_VALID))
			day2000 = dated;
	} else if (!(frame->quirks & HR_Q_VALID)) {
		/* undated: only with the day the conversation asked for */
		return 0;
	}
	if (frame->record >= n)
		return 0;
	slot = first_slot + frame->record;
	bpm = p[(p[1] == 1 ? 6 : 2) + frame->record];
	if (!bpm || slot >= complete)
		return 0;
	t = (hv_days_from_civil(2000, 1, 1) + day2000) * 86400 +
	    (int64_t)slot * HR_SLOT_MINUTES * 60;
	hv_datetime_from_unix(t, &dt);
	r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, bpm);
	if (r >= 0)
		r = hv_measurement_add_context(ret, "period", "PT5M");
	if (r < 0)
		return r;
	ret->has_device_time = hv_datetime_plausible(&dt, 0);
	ret->device_time = dt;
	ret->has_raw_device_time = true;
	ret->raw_device_time = dt;
	ret->user_index = 0;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = true;
	return 0;
}


/* --- SpO2 history (big data 0xBC, type 0x2A) ------------------------------ */

/*
 * The answer (BC 2A, body length LE16, CRC16, then per day "days ago" and
 * 24 × (min, max) %, until the day of "days ago" 0) comes in as many
 * notifications as the link needs; each is decoded alone, from where the
 * answer stands before it, which the conversation keeps in
 * session.quirks:
 *   bits 30, 31 both set (a heart-rate log packet with these quirks is
 *               not dated: bit 30 alone marks an unsupported log there)
 *   bits 0..8   bytes of the answer before this notification
 *   bits 9..10  the ring's local today, days since 2000, modulo 4 (the
 *               day is the one of frame.now's UTC date ± 1 that matches)
 *   bits 11..13 "days ago" of the day in progress; bit 23 set: a day
 *               further back than SPO2_DAYS_MAX, skipped
 *   bit 14      a min is pending (its max in this notification), bits
 *               15..22 its value
 *   bits 24..28 the ring's current hour today (24: all complete): that
 *               hour is still being measured and is left for later
 *   bit 29      the answer is over
 */

struct spo2_walk {
	unsigned offset, today4, days_ago, min, hour_now;
	bool skip, pending, done;
};

struct spo2_hour {
	unsigned days_ago, hour, min, max;
	bool skip;
};

static void spo2_walk_from_quirks(unsigned q, struct spo2_walk *w)
{
	*w = (struct spo2_walk){
		.offset = q & 0x1FF,
		.today4 = (q >> 9) & 3,
		.days_ago = (q >> 11) & 7,
		.skip = q & SQ_SKIP,
		.pending = q & SQ_PENDING,
		.min = (q >> 15) & 0xFF,
		.hour_now = (q >> 24) & 0x1F,
		.done = q & SQ_DONE,
	};
}

static unsigned spo2_quirks(const struct spo2_walk *w)
{
	return SQ_VALID | (w->offset & 0x1FF) | (w->today4 & 3) << 9 |
	       (w->days_ago & 7) << 11 | (w->skip ? SQ_SKIP : 0) |
	       (w->pending ? SQ_PENDING : 0) | (w->min & 0xFF) << 15 |
	       (w->hour_now & 0x1F) << 24 | (w->done ? SQ_DONE : 0);
}

/* One byte of the answer; true when it completes an hour's pair. */
static bool spo2_step(struct spo2_walk *w, uint8_t b, struct spo2_hour *ret)
{
	unsigned pos;

	if (w->done)
		return false;
	if (w->offset >= SPO2_ANSWER_MAX) {
		w->done = true;
		return false;
	}
	pos = w->offset++;
	if (pos < BIG_HEADER_LEN) {
		if ((pos == 0 && b != CMD_BIG_DATA) || (pos == 1 && b != BIG_SPO2))
			w->done = true;
		return false;
	}
	pos = (pos - BIG_HEADER_LEN) % SPO2_DAY_LEN;
	if (pos == 0) {
		w->skip = b > SPO2_DAYS_MAX;
		w->days_ago = b & 7;
		return false;
	}
	if (pos % 2) {
		w->min = b;
		w->pending = true;
		return false;
	}
	*ret = (struct spo2_hour){ w->days_ago, (pos - 1) / 2, w->min, b,
				   w->skip };
	w->pending = false;
	/* the last day is the one of "days ago" 0 */
	if (pos == SPO2_DAY_LEN - 1 && w->days_ago == 0 && !w->skip)
		w->done = true;
	return true;
}

/* The hours a notification completes, in order; the n-th, if any. */
static unsigned spo2_hours(const struct hv_frame *f, unsigned nth,
			   struct spo2_hour *ret)
{
	struct spo2_walk w;
	struct spo2_hour h;
	unsigned n = 0;

	spo2_walk_from_quirks(f->quirks, &w);
	for (size_t i = 0; i < f->value_len; i++)
		if (spo2_step(&w, f->value[i], &h) && n++ == nth && ret)
			*ret = h;
	return n;
}

/* The ring's local today: the day within a day of frame.now's UTC date
 * that has the quirks' residue modulo 4. */
static bool spo2_today(const struct hv_frame *f, unsigned today4,
		       int64_t *ret_day2000)
{
	int64_t utc;

	if (f->now <= 0)
		return false;
	utc = f->now / 86400 - hv_days_from_civil(2000, 1, 1);
	for (int64_t d = utc - 1; d <= utc + 1; d++)
		if ((uint64_t)d % 4 == today4) {
			*ret_day2000 = d;
			return true;
		}
	return false;
}

/* One hour of the history (frame->record: the n-th pair this notification
 * completes): spo2 the middle of its min and max, as Gadgetbridge's
 * historicalSpo2() stores it, context "period" "PT1H", at the hour's
 * start; nothing for an hour without both, or still being measured. */
static int decode_spo2(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct spo2_walk w;
	struct spo2_hour h = { 0 };
	struct hv_datetime dt;
	int64_t today, t;
	int r;

	ret->final = false;
	if ((frame->quirks & SQ_VALID) != SQ_VALID)
		return 0;
	spo2_walk_from_quirks(frame->quirks, &w);
	if (spo2_hours(frame, frame->record, &h) <= frame->record || h.skip ||
	    !h.min || !h.max || !spo2_today(frame, w.today4, &today) ||
	    (h.days_ago == 0 && h.hour >= w.hour_now))
		return 0;
	if (h.min > 100 || h.max > 100 || h.min > h.max)
		return hv_measurement_invalid(ret, "SpO2 %u..%u %% out of range",
					      h.min, h.max);
	t = (hv_days_from_civil(2000, 1, 1) + today - h.days_ago) * 86400 +
	    (int64_t)h.hour * 3600;
	hv_datetime_from_unix(t, &dt);
	r = hv_measurement_add(ret, HV_METRIC_SPO2, (h.min + h.max) / 2.0);
	if (r >= 0)
		r = hv_measurement_add_context(ret, "period", "PT1H");
	if (r < 0)
		return r;
	ret->has_device_time = hv_datetime_plausible(&dt, 0);
	ret->device_time = dt;
	ret->has_raw_device_time = true;
	ret->raw_device_time = dt;
	ret->user_index = 0;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = true;
	return 0;
}

/* An hour's SpO2 as the whole answer of one day (days ago 0) holding it,
 * its quirks as the conversation has them at the answer's start, and
 * frame.now that day's noon UTC; min and max both the value. */
static int encode_spo2(const struct hv_measurement *m,
		       const struct hv_reading *spo2, struct hv_frame *ret)
{
	const struct hv_datetime *dt = &m->device_time;
	struct spo2_walk w = { .hour_now = 24 };
	int64_t day;
	uint8_t v;

	if (spo2->absent != HV_ABSENT_NONE || spo2->value < 1 ||
	    spo2->value > 100 || !m->has_device_time || dt->year < 2000 ||
	    dt->minute || dt->second ||
	    hv_uuid_parse(BIG_NOTIFY, &ret->characteristic) < 0)
		return -EINVAL;
	v = (uint8_t)(spo2->value + 0.5);
	day = days_since_2000(dt->year, dt->month, dt->day);
	w.today4 = (unsigned)((uint64_t)day % 4);
	ret->has_characteristic = true;
	ret->value_len = BIG_HEADER_LEN + SPO2_DAY_LEN;
	ret->value[0] = CMD_BIG_DATA;
	ret->value[1] = BIG_SPO2;
	hv_put_le16(ret->value + 2, SPO2_DAY_LEN);
	/* value[4..5]: the CRC16, whose polynomial is not published */
	ret->value[BIG_HEADER_LEN] = 0; /* days ago */
	ret->value[BIG_HEADER_LEN + 1 + dt->hour * 2] = v;
	ret->value[BIG_HEADER_LEN + 2 + dt->hour * 2] = v;
	ret->quirks = spo2_quirks(&w);
	ret->now = (hv_days_from_civil(2000, 1, 1) + day) * 86400 + 43200;
	ret->record = dt->hour;
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p = frame->value;

	if (is_char128(frame, BIG_NOTIFY))
		return decode_spo2(frame, ret);
	if (!is_char128(frame, RING_NOTIFY))
		return -ENODEV;
	if (frame->value_len != PACKET_LEN)
		return hv_measurement_invalid(ret, "packets are 16 bytes, not %zu",
					      frame->value_len);
	if (hv_sum8(p, PACKET_LEN - 1) != p[PACKET_LEN - 1])
		return hv_measurement_invalid(
			ret, "checksum 0x%02x, the bytes sum to 0x%02x",
			p[PACKET_LEN - 1], hv_sum8(p, PACKET_LEN - 1));
	ret->final = false;
	switch (p[0]) {
	case CMD_BATTERY:
		if (p[1] > 100)
			return hv_measurement_invalid(ret, "battery %u %%", p[1]);
		if (p[1] < BATTERY_LOW_PERCENT)
			return hv_measurement_add_flag(ret, "battery_low");
		return 0;
	case CMD_STEPS:
		if (p[1] == STEPS_NO_DATA || p[1] == STEPS_HEADER)
			return 0;
		return decode_interval(p, ret);
	case CMD_HR_LOG:
		return decode_hr_log(frame, p, ret);
	default:
		/* other answers (set time, settings): nothing to report */
		return 0;
	}
}

/* A heart rate at a slot of the log: the packet holding that slot (dated
 * for the first 9 slots, else decodable with the day in quirks), the slot
 * its record. */
static int encode_hr_log(const struct hv_measurement *m,
			 const struct hv_reading *hr, struct hv_frame *ret)
{
	const struct hv_datetime *dt = &m->device_time;
	unsigned slot;
	uint8_t *p = ret->value;

	if (hr->absent != HV_ABSENT_NONE || hr->value < 1 || hr->value > 255 ||
	    !m->has_device_time || dt->year < 2000 ||
	    dt->minute % HR_SLOT_MINUTES || dt->second)
		return -EINVAL;
	slot = dt->hour * 12u + dt->minute / HR_SLOT_MINUTES;
	if (slot < HR_FIRST_SLOTS) {
		p[1] = 1;
		hv_put_le32(p + 2,
			    (uint32_t)(hv_days_from_civil(dt->year, dt->month,
							  dt->day) * 86400));
		p[6 + slot] = (uint8_t)(hr->value + 0.5);
		ret->record = slot;
	} else {
		slot -= HR_FIRST_SLOTS;
		p[1] = (uint8_t)(2 + slot / HR_SLOTS_PER_PACKET);
		p[2 + slot % HR_SLOTS_PER_PACKET] = (uint8_t)(hr->value + 0.5);
		ret->record = slot % HR_SLOTS_PER_PACKET;
	}
	p[0] = CMD_HR_LOG;
	p[PACKET_LEN - 1] = hv_sum8(p, PACKET_LEN - 1);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *steps =
		hv_measurement_find(m, HV_METRIC_STEP_COUNT);
	const struct hv_reading *dist = hv_measurement_find(m, HV_METRIC_DISTANCE);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	const struct hv_reading *spo2 = hv_measurement_find(m, HV_METRIC_SPO2);
	const struct hv_datetime *dt = &m->device_time;
	struct hv_uuid u, big;
	uint8_t *p;

	if (hv_uuid_parse(RING_NOTIFY, &u) < 0 ||
	    hv_uuid_parse(BIG_NOTIFY, &big) < 0)
		return -EINVAL;
	if (spo2 && !steps && !hr) {
		if (target && !hv_uuid_equal(target, &big))
			return -EINVAL;
		*ret = (struct hv_frame){ .has_characteristic = true };
		return encode_spo2(m, spo2, ret);
	}
	if (target && !hv_uuid_equal(target, &u))
		return -EINVAL;
	if (!steps && hr) {
		*ret = (struct hv_frame){ .has_characteristic = true,
					  .characteristic = u,
					  .value_len = PACKET_LEN };
		return encode_hr_log(m, hr, ret);
	}
	if (!steps || steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
	    steps->value > UINT16_MAX || !m->has_device_time ||
	    dt->year < 2000 || dt->year > 2099 || dt->minute % 15 ||
	    (dist && (dist->absent != HV_ABSENT_NONE || dist->value < 0 ||
		      dist->value > UINT16_MAX)))
		return -EINVAL;
	*ret = (struct hv_frame){ .has_characteristic = true,
				  .characteristic = u,
				  .value_len = PACKET_LEN };
	p = ret->value;
	p[0] = CMD_STEPS;
	p[1] = to_bcd(dt->year - 2000u);
	p[2] = to_bcd(dt->month);
	p[3] = to_bcd(dt->day);
	p[4] = (uint8_t)(dt->hour * 4 + dt->minute / 15);
	p[6] = 1; /* one record */
	hv_put_le16(p + 9, (uint16_t)(steps->value + 0.5));
	if (dist)
		hv_put_le16(p + 11, (uint16_t)(dist->value + 0.5));
	p[PACKET_LEN - 1] = hv_sum8(p, PACKET_LEN - 1);
	return 0;
}

/* --- the conversation ------------------------------------------------------ */

/*
 * scratch[0]: days back still to ask for (the ring's history is asked
 * oldest day first, from the day after the last stored record's, at most
 * HISTORY_DAYS_MAX back, down to today); scratch[1]: the same for the
 * heart-rate log, asked for the same days after the steps; scratch[2]: the
 * count of packets of the log day being received.
 */
enum {
	STEP_SUBSCRIBE,
	STEP_SET_TIME,
	STEP_ASK_BATTERY,
	STEP_BATTERY,
	STEP_ASK_STEPS,
	STEP_STEPS,
	STEP_ASK_HR,
	STEP_HR,
	STEP_SUBSCRIBE_BIG,
	STEP_ASK_SPO2,
	STEP_SPO2,
	STEP_END,
};

static void packet_finish(uint8_t *buf)
{
	buf[PACKET_LEN - 1] = hv_sum8(buf, PACKET_LEN - 1);
}

static int set_time_payload(const struct hv_session *s, uint8_t *buf,
			    size_t size, size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (size < PACKET_LEN)
		return -ENOSPC;
	if (!hv_datetime_plausible(t, 0) || t->year < 2000 || t->year > 2099)
		return -EINVAL;
	memset(buf, 0, PACKET_LEN);
	buf[0] = CMD_SET_TIME;
	buf[1] = to_bcd(t->year - 2000u);
	buf[2] = to_bcd(t->month);
	buf[3] = to_bcd(t->day);
	buf[4] = to_bcd(t->hour);
	buf[5] = to_bcd(t->minute);
	buf[6] = to_bcd(t->second);
	buf[7] = 1; /* English */
	packet_finish(buf);
	*ret_len = PACKET_LEN;
	return 0;
}

static int battery_payload(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	(void)s;
	if (size < PACKET_LEN)
		return -ENOSPC;
	memset(buf, 0, PACKET_LEN);
	buf[0] = CMD_BATTERY;
	packet_finish(buf);
	*ret_len = PACKET_LEN;
	return 0;
}

/* Days back to start the history from: the day of the last stored
 * record (its later intervals may be new), else the whole week. */
static uint32_t history_days(const struct hv_session *s)
{
	int64_t today, last;

	if (!hv_datetime_plausible(&s->now_local, 0))
		return 0;
	if (s->last_sequence < 0)
		return HISTORY_DAYS_MAX - 1;
	today = days_since_2000(s->now_local.year, s->now_local.month,
				s->now_local.day);
	last = s->last_sequence / QUARTERS_PER_DAY;
	if (last >= today)
		return 0;
	return today - last > HISTORY_DAYS_MAX - 1 ? HISTORY_DAYS_MAX - 1 :
						      (uint32_t)(today - last);
}

static int on_battery(struct hv_session *s, const uint8_t *value, size_t len)
{
	if (len != PACKET_LEN || value[0] != CMD_BATTERY)
		return HV_VALUE_MORE;
	s->scratch[0] = history_days(s);
	s->scratch[1] = s->scratch[0];
	return HV_VALUE_DONE;
}

static int steps_payload(const struct hv_session *s, uint8_t *buf,
			 size_t size, size_t *ret_len)
{
	if (size < PACKET_LEN)
		return -ENOSPC;
	memset(buf, 0, PACKET_LEN);
	buf[0] = CMD_STEPS;
	buf[1] = (uint8_t)s->scratch[0];
	buf[2] = 0x0F;
	buf[3] = 0x00;
	buf[4] = 0x5F;
	buf[5] = 0x01;
	packet_finish(buf);
	*ret_len = PACKET_LEN;
	return 0;
}

/* One day's answer ends with "no data" or its last record; then the next
 * day, until today's. */
static int on_steps(struct hv_session *s, const uint8_t *value, size_t len)
{
	bool last;

	if (len != PACKET_LEN || value[0] != CMD_STEPS ||
	    value[1] == STEPS_HEADER)
		return HV_VALUE_MORE;
	last = value[1] == STEPS_NO_DATA || value[5] + 1 >= value[6];
	if (!last)
		return HV_VALUE_MORE;
	if (s->scratch[0] == 0)
		return HV_VALUE_DONE;
	s->scratch[0]--;
	s->next_step = STEP_ASK_STEPS;
	return HV_VALUE_GOTO;
}

static int64_t today2000(const struct hv_session *s)
{
	return days_since_2000(s->now_local.year, s->now_local.month,
			       s->now_local.day);
}

static int hr_payload(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	int64_t day = today2000(s) - s->scratch[1];

	if (size < PACKET_LEN)
		return -ENOSPC;
	if (!hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	memset(buf, 0, PACKET_LEN);
	buf[0] = CMD_HR_LOG;
	hv_put_le32(buf + 1,
		    (uint32_t)((day + hv_days_from_civil(2000, 1, 1)) * 86400));
	packet_finish(buf);
	*ret_len = PACKET_LEN;
	return 0;
}

/* The header: keep the day asked for and how much of it is complete for
 * decode() (the packets after the first are not dated). */
static void hr_header(struct hv_session *s, const uint8_t *value)
{
	unsigned complete = HR_SLOTS_PER_DAY;

	s->scratch[2] = value[2];
	if (value[3] != HR_SLOT_MINUTES) {
		s->quirks = HR_Q_UNSUPPORTED;
		return;
	}
	if (s->scratch[1] == 0)
		complete = s->now_local.hour * 12u +
			   s->now_local.minute / HR_SLOT_MINUTES;
	s->quirks = hr_quirks(today2000(s) - s->scratch[1], complete);
}

/* The SpO2 history's answer has not begun: the ring's today and hour. */
static void spo2_begin(struct hv_session *s)
{
	struct spo2_walk w = {
		.today4 = (unsigned)((uint64_t)today2000(s) % 4),
		.hour_now = s->now_local.hour,
	};

	s->quirks = spo2_quirks(&w);
	s->scratch[3] = SPO2_ANSWER_MAX;
}

/* A day's log ends with "no data" or its last packet; then the next day,
 * until today's, and then the SpO2 history. */
static int on_hr(struct hv_session *s, const uint8_t *value, size_t len)
{
	if (len != PACKET_LEN || value[0] != CMD_HR_LOG)
		return HV_VALUE_MORE;
	if (value[1] == 0) {
		hr_header(s, value);
		if (s->scratch[2] > 1)
			return HV_VALUE_MORE;
	} else if (value[1] != HR_NO_DATA && value[1] + 1u < s->scratch[2]) {
		return HV_VALUE_MORE;
	}
	s->quirks = 0;
	if (s->scratch[1] == 0) {
		spo2_begin(s);
		return HV_VALUE_DONE;
	}
	s->scratch[1]--;
	s->next_step = STEP_ASK_HR;
	return HV_VALUE_GOTO;
}

/* Gadgetbridge's request: BC 2A, then 01 00 FF 00 FF. */
static const uint8_t spo2_request[] = { CMD_BIG_DATA, BIG_SPO2, 0x01, 0x00,
					0xFF, 0x00, 0xFF };

/* The answer, followed across notifications (the position in
 * session.quirks for decode()), ends with its length or its last day. */
static int on_spo2(struct hv_session *s, const uint8_t *value, size_t len)
{
	struct spo2_walk w;
	struct spo2_hour h;

	if ((s->quirks & SQ_VALID) != SQ_VALID)
		return HV_VALUE_MORE;
	spo2_walk_from_quirks(s->quirks, &w);
	if (w.offset == 0 &&
	    (len < 4 || value[0] != CMD_BIG_DATA || value[1] != BIG_SPO2))
		return HV_VALUE_MORE; /* not this answer */
	if (w.offset == 0)
		s->scratch[3] = BIG_HEADER_LEN + hv_le16(value + 2);
	for (size_t i = 0; i < len; i++)
		(void)spo2_step(&w, value[i], &h);
	s->quirks = spo2_quirks(&w);
	if (!w.done && w.offset < s->scratch[3])
		return HV_VALUE_MORE;
	s->quirks = 0;
	return HV_VALUE_DONE;
}

static const struct hv_step steps[] = {
	[STEP_SUBSCRIBE] = { .op = HV_STEP_SUBSCRIBE, .service = RING_SERVICE,
			     .characteristic = RING_NOTIFY,
			     .what = "subscribe to the ring's answers" },
	[STEP_SET_TIME] = { .op = HV_STEP_WRITE, .service = RING_SERVICE,
			    .characteristic = RING_WRITE,
			    .payload = set_time_payload,
			    .flags = HV_STEP_OPTIONAL,
			    .what = "set the ring's clock (0x01)" },
	[STEP_ASK_BATTERY] = { .op = HV_STEP_WRITE, .service = RING_SERVICE,
			       .characteristic = RING_WRITE,
			       .payload = battery_payload,
			       .what = "ask for the battery (0x03)" },
	[STEP_BATTERY] = { .op = HV_STEP_WAIT, .service = RING_SERVICE,
			   .characteristic = RING_NOTIFY,
			   .on_value = on_battery, .timeout_ms = 5000,
			   .what = "battery answer" },
	[STEP_ASK_STEPS] = { .op = HV_STEP_WRITE, .service = RING_SERVICE,
			     .characteristic = RING_WRITE,
			     .payload = steps_payload,
			     .what = "ask for a day's steps (0x43)" },
	[STEP_STEPS] = { .op = HV_STEP_WAIT, .service = RING_SERVICE,
			 .characteristic = RING_NOTIFY, .on_value = on_steps,
			 .timeout_ms = 5000, .what = "a day's step records" },
	[STEP_ASK_HR] = { .op = HV_STEP_WRITE, .service = RING_SERVICE,
			  .characteristic = RING_WRITE,
			  .payload = hr_payload,
			  .what = "ask for a day's heart-rate log (0x15)" },
	[STEP_HR] = { .op = HV_STEP_WAIT, .service = RING_SERVICE,
		      .characteristic = RING_NOTIFY, .on_value = on_hr,
		      .timeout_ms = 5000, .what = "a day's heart-rate log packets" },
	/* the SpO2 history, on the second service: a ring without it, or
	 * without an answer, ends here */
	[STEP_SUBSCRIBE_BIG] = { .op = HV_STEP_SUBSCRIBE,
				 .service = BIG_SERVICE,
				 .characteristic = BIG_NOTIFY,
				 .on_fail = STEP_END,
				 .what = "subscribe to the ring's big-data answers" },
	[STEP_ASK_SPO2] = { .op = HV_STEP_WRITE, .service = BIG_SERVICE,
			    .characteristic = BIG_WRITE,
			    .bytes = spo2_request,
			    .n_bytes = sizeof(spo2_request),
			    .on_fail = STEP_END,
			    .what = "ask for the SpO2 history (0xBC 0x2A)" },
	[STEP_SPO2] = { .op = HV_STEP_WAIT, .service = BIG_SERVICE,
			.characteristic = BIG_NOTIFY, .on_value = on_spo2,
			.timeout_ms = 5000, .on_fail = STEP_END,
			.what = "the SpO2 history's answer" },
	[STEP_END] = { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const names[] = { "R01_", "R02_", "R03_", "R04_",
				     "R05_", "R06_", "R07_", "R08_",
				     "R09_", "R10_", NULL };

static bool claims_device(const struct hv_frame *advert)
{
	struct hv_uuid svc;

	if (hv_name_any_prefix_ci(advert->name, names))
		return true;
	if (hv_uuid_parse(RING_SERVICE, &svc) < 0)
		return false;
	for (size_t i = 0; i < advert->n_service_uuids; i++)
		if (hv_uuid_equal(&advert->service_uuids[i], &svc))
			return true;
	return false;
}

static const char *const models[] = {
	"Colmi R02, R03, R06, R10 smart rings",
	NULL,
};

static const char *const characteristics128[] = { RING_NOTIFY, BIG_NOTIFY,
						  NULL };

const struct hv_driver colmi_ring_driver = {
	.id = "colmi_ring",
	.name = "Colmi smart ring",
	.models = models,
	.kind = HV_DRIVER_KIND_FITNESS_BAND,
	.match = {
		.characteristics128 = characteristics128,
		.name_prefixes = names,
	},
	/* 6e400003 is the Nordic UART's TX too: ours only by the ring's
	 * name or service. */
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
	.records = records,
};
