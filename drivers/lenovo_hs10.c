// SPDX-License-Identifier: MIT
/*
 * Lenovo HS10 body scale: a Chipsea-style stored-record download over
 * service 0xFFF0 (commands to 0xFFF1, notifications on 0xFFF4). Source:
 * openScale LenovoHS10Handler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/LenovoHS10Handler.kt,
 * oliexdev/openScale@1d1b9f08), drawn there from one issue capture.
 *
 * 0xFFF4 values:
 *
 *   F2 00                  end of the stored records
 *   10-byte record:
 *     [0]    bits 7..4 year - 2017, bits 3..0 month (1..12)
 *     [1..4] day, hour, minute, second (the scale's local time)
 *     [5]    bits 7..4 = 0xF (a record), bits 3..0 weight bits 11..8
 *     [6]    weight bits 7..0; weight in 0.1 kg (0 < w <= 300 kg)
 *     [7..9] impedance, u24 LE, Ohm
 *
 * openScale joins notifications into a byte stream and cuts records from
 * it, the end marker first (a record never starts F2 00: day 0). A value
 * holding several whole records and end markers back to back is decoded
 * record by record (hv_driver.records; the conversation counts them all).
 * The conversation's assemble() does the join: a record cut at the end of
 * a notification is kept in the session and joined with the next one, and
 * whole units go on to decode(). A continuation whose joined fields are
 * out of range (month, day, time, type nibble) is rejected: both pieces
 * are dropped, since which one was lost cannot be told, and the next
 * value starts afresh. decode() alone, given a cut value, reports it
 * invalid. Every record is a dated, finished weighing: final. No live
 * measurement format is published (openScale takes records that arrive
 * after the end marker as new weighings, and so does this conversation).
 * No body-composition formula is known for this scale: impedance is raw.
 *
 * The conversation (openScale's onConnected and drainBuffer): notifications
 * on 0xFFF4 → write F2 00 (send the stored records) → records until F2 00
 * → when there were any, write F2 01 (the scale forgets them, so the next
 * connection does not import them again) → wait for a new weighing.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define HS_NOTIFY 0xFFF4
#define HS_RECORD_LEN 10
#define HS_END_LEN 2
#define HS_CMD 0xF2
#define HS_YEAR_BASE 2017
#define HS_RECORD_TYPE 0xF0
#define HS_MAX_DECI_KG 3000

static bool is_end(const uint8_t *v, size_t len)
{
	return len == HS_END_LEN && v[0] == HS_CMD && v[1] == 0x00;
}

/* The length of the unit (end marker or record) at v, or 0 if cut. */
static size_t unit_len(const uint8_t *v, size_t left)
{
	if (left >= HS_END_LEN && is_end(v, HS_END_LEN))
		return HS_END_LEN;
	return left >= HS_RECORD_LEN ? HS_RECORD_LEN : 0;
}

/* How many whole units the value holds back to back; 0 if it ends in a
 * cut one. */
static unsigned count_units(const uint8_t *v, size_t len)
{
	unsigned n = 0;

	for (size_t at = 0, u; at < len; at += u, n++) {
		u = unit_len(v + at, len - at);
		if (!u)
			return 0;
	}
	return n;
}

/* Unit `index` of the value (ret_len 0: none such). */
static const uint8_t *unit_at(const uint8_t *v, size_t len, unsigned index,
			      size_t *ret_len)
{
	size_t at = 0, u = 0;

	for (unsigned i = 0; at < len; i++, at += u) {
		u = unit_len(v + at, len - at);
		if (!u)
			break;
		if (i == index) {
			*ret_len = u;
			return v + at;
		}
	}
	*ret_len = 0;
	return v;
}

/* A record's type nibble and month say it is one. */
static bool is_record(const uint8_t *v, size_t len)
{
	unsigned month = v[0] & 0x0F;

	return len == HS_RECORD_LEN && month >= 1 && month <= 12 &&
	       (v[5] & 0xF0) == HS_RECORD_TYPE;
}

/* openScale's test: "HS10" in the name, and either "LENOVO" or the name is
 * exactly "HS10" (any case, surrounding spaces aside). */
static bool is_hs10_name(const char *name)
{
	size_t n;

	if (!name || !hv_name_contains_ci(name, "HS10"))
		return false;
	if (hv_name_contains_ci(name, "LENOVO"))
		return true;
	while (*name == ' ')
		name++;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		n--;
	return n == 4 && hv_name_prefix_ci(name, "HS10");
}

/* A value of several whole units: each one a record of its own. */
static unsigned records(const struct hv_frame *frame)
{
	size_t len;
	const uint8_t *v = hv_frame_value_on(frame, HS_NOTIFY, &len);
	unsigned n = v ? count_units(v, len) : 0;

	return n > 1 ? n : 1;
}

static bool claims_device(const struct hv_frame *f)
{
	/* A device listing services must list 0xFFF0. */
	if (f->n_service_uuids && !hv_frame_has_service(f, 0xFFF0))
		return false;
	return is_hs10_name(f->name);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	size_t len;
	const uint8_t *v = hv_frame_value_on(frame, HS_NOTIFY, &len);
	struct hv_datetime dt;
	unsigned deci_kg;
	int r;

	if (!v)
		return -ENODEV;
	if (count_units(v, len) > 1)
		v = unit_at(v, len, frame->record, &len);
	if (is_end(v, len))
		return hv_measurement_control(ret, "end of stored records");
	if (len != HS_RECORD_LEN)
		return hv_measurement_invalid(ret, "value of %zu bytes, a record has %d",
					      len, HS_RECORD_LEN);
	if (!is_record(v, len))
		return hv_measurement_invalid(ret, "not a record (type 0x%x, month %u)",
					      v[5] >> 4, v[0] & 0x0Fu);
	deci_kg = (unsigned)(v[5] & 0x0F) << 8 | v[6];
	if (deci_kg == 0 || deci_kg > HS_MAX_DECI_KG)
		return hv_measurement_invalid(ret, "weight %u.%u kg out of range",
					      deci_kg / 10, deci_kg % 10);
	dt = (struct hv_datetime){
		.year = (uint16_t)(HS_YEAR_BASE + (v[0] >> 4)),
		.month = v[0] & 0x0F,
		.day = v[1],
		.hour = v[2],
		.minute = v[3],
		.second = v[4],
	};
	hv_measurement_set_clock(ret, &dt, frame->now);
	ret->final = true;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, deci_kg / 10.0);
	if (r < 0)
		return r;
	r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_le24(v + 7));
	return r < 0 ? r : 0;
}

/* One record, dated by the measurement's clock (2017..2032), else 2017-01-01. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_datetime *dt = hv_measurement_clock(m);
	struct hv_datetime when = { HS_YEAR_BASE, 1, 1, 0, 0, 0 };
	uint8_t p[HS_RECORD_LEN];
	double deci_kg, ohm = 0;

	if (!hv_encode_target_ok(target, HS_NOTIFY) ||
	    hv_encode_weight(m, 10, HS_MAX_DECI_KG, &deci_kg) < 0 ||
	    hv_encode_impedance(m, 0, 0xFFFFFF, &ohm) < 0)
		return -EINVAL;
	ohm = round(ohm);
	if (dt)
		when = *dt;
	if (when.year < HS_YEAR_BASE || when.year > HS_YEAR_BASE + 15 ||
	    when.month < 1 || when.month > 12)
		return -EINVAL;
	p[0] = (uint8_t)((when.year - HS_YEAR_BASE) << 4 | when.month);
	p[1] = when.day;
	p[2] = when.hour;
	p[3] = when.minute;
	p[4] = when.second;
	p[5] = (uint8_t)(HS_RECORD_TYPE | ((unsigned)deci_kg >> 8));
	p[6] = (uint8_t)((unsigned)deci_kg & 0xFF);
	p[7] = (uint8_t)((unsigned)ohm & 0xFF);
	p[8] = (uint8_t)((unsigned)ohm >> 8 & 0xFF);
	p[9] = (uint8_t)((unsigned)ohm >> 16 & 0xFF);
	return hv_frame_put_value(ret, HS_NOTIFY, p, sizeof(p));
}

/* --- conversation --------------------------------------------------------- */

enum {
	ST_SUBSCRIBE,
	ST_REQUEST,
	ST_HISTORY,
	ST_CLEAR,
	ST_LIVE,
	ST_END,
};

/*
 * scratch[0]: whole records seen in values as they came; scratch[1] and
 * [2]: records and end markers assemble() handed on (a record cut across
 * values is counted only there). What follows the end marker in the same
 * value is a new weighing, decoded all the same.
 */
static int history_end(struct hv_session *s)
{
	if (s->scratch[0] + s->scratch[1] > 0)
		return HV_VALUE_DONE;
	s->next_step = ST_LIVE; /* nothing to clear */
	return HV_VALUE_GOTO;
}

static int on_history(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned n = count_units(v, len);

	for (unsigned i = 0; i < n; i++) {
		size_t u;
		const uint8_t *p = unit_at(v, len, i, &u);

		if (is_record(p, u))
			s->scratch[0]++;
		else if (is_end(p, u))
			return history_end(s);
	}
	/* an end marker after a cut record's remainder */
	return s->scratch[2] > 0 ? history_end(s) : HV_VALUE_MORE;
}

static int on_live(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned n = count_units(v, len);

	(void)s;
	for (unsigned i = 0; i < n; i++) {
		size_t u;
		const uint8_t *p = unit_at(v, len, i, &u);

		if (is_record(p, u))
			return HV_VALUE_DONE;
	}
	return HV_VALUE_MORE;
}

/*
 * The join. scratch_bytes[0]: how many bytes of a cut record are kept,
 * [1..9] those bytes.
 */
#define HS_KEPT_MAX (HS_RECORD_LEN - 1)

/* The first n bytes of a record hold fields in range, as far as they go. */
static bool record_head_plausible(const uint8_t *v, size_t n)
{
	unsigned month = v[0] & 0x0F;

	if (n > 0 && (month < 1 || month > 12))
		return false;
	if (n > 1 && (v[1] < 1 || v[1] > 31))
		return false;
	if ((n > 2 && v[2] > 23) || (n > 3 && v[3] > 59) || (n > 4 && v[4] > 59))
		return false;
	return n <= 5 || (v[5] & 0xF0) == HS_RECORD_TYPE;
}

static void count_handed_on(struct hv_session *s, const uint8_t *v, size_t len)
{
	size_t u;

	for (size_t at = 0; (u = unit_len(v + at, len - at)) > 0; at += u) {
		if (is_end(v + at, u))
			s->scratch[2]++;
		else if (is_record(v + at, u))
			s->scratch[1]++;
	}
}

static int assemble(struct hv_session *s, struct hv_uuid *characteristic,
		    const uint8_t *value, size_t len, uint8_t *out, size_t size,
		    size_t *ret_len)
{
	uint8_t *kept = s->scratch_bytes;
	uint8_t buf[HS_KEPT_MAX + HV_FRAME_DATA_MAX];
	size_t n = kept[0] <= HS_KEPT_MAX ? kept[0] : 0, whole = 0, u;

	if (!hv_uuid_is16(characteristic, HS_NOTIFY)) {
		if (len > size)
			return -EMSGSIZE;
		memcpy(out, value, len);
		*ret_len = len;
		return 1;
	}
	kept[0] = 0;
	if (len > HV_FRAME_DATA_MAX)
		return -EMSGSIZE;
	memcpy(buf, kept + 1, n);
	memcpy(buf + n, value, len);
	if (n > 0 && !(n + len >= HS_END_LEN && is_end(buf, HS_END_LEN)) &&
	    !record_head_plausible(buf, n + len < HS_RECORD_LEN ? n + len : HS_RECORD_LEN))
		return -EBADMSG; /* not the rest of the kept record */
	n += len;
	while ((u = unit_len(buf + whole, n - whole)) > 0)
		whole += u;
	if (whole < n && record_head_plausible(buf + whole, n - whole)) {
		kept[0] = (uint8_t)(n - whole);
		memcpy(kept + 1, buf + whole, n - whole);
	} else if (whole < n && whole == 0) {
		return -EBADMSG; /* a cut value that starts no record */
	}
	if (whole == 0)
		return 0;
	if (whole > size)
		return -EMSGSIZE;
	memcpy(out, buf, whole);
	count_handed_on(s, out, whole);
	*ret_len = whole;
	return 1;
}

static const uint8_t request_records[] = { HS_CMD, 0x00 };
static const uint8_t clear_records[] = { HS_CMD, 0x01 };

static const struct hv_step steps[] = {
	[ST_SUBSCRIBE] = { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
			   .characteristic = "fff4", .what = "subscribe 0xFFF4" },
	[ST_REQUEST] = { .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
			 .bytes = request_records, .n_bytes = sizeof(request_records),
			 .flags = HV_STEP_WITH_RESPONSE,
			 .what = "request the stored records (F2 00)" },
	/* Without the end marker nothing is cleared. */
	[ST_HISTORY] = { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
			 .on_value = on_history, .timeout_ms = 15000, .on_fail = ST_LIVE,
			 .what = "stored records until F2 00" },
	[ST_CLEAR] = { .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
		       .bytes = clear_records, .n_bytes = sizeof(clear_records),
		       .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		       .what = "clear the records read (F2 01)" },
	[ST_LIVE] = { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
		      .on_value = on_live, .timeout_ms = 60000, .flags = HV_STEP_OPTIONAL,
		      .what = "wait for a new weighing" },
	[ST_END] = { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.assemble = assemble,
};

static const char *const models[] = { "Lenovo HS10", NULL };
static const uint16_t characteristics[] = { HS_NOTIFY, 0 };
static const char *const name_prefixes[] = { "HS10", "Lenovo HS10", NULL };

const struct hv_driver lenovo_hs10_driver = {
	.id = "lenovo_hs10",
	.name = "Lenovo HS10 (0xFFF0 stored records)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
	.records = records,
};
