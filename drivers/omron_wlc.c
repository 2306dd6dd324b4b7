// SPDX-License-Identifier: MIT
/*
 * Omron WLC body composition scales (HBF-702T, KRD-703T, HBF-222T/227T/
 * 228T/230T, BCM-500, VIVA) on the cuffs' memory-read service: the frames,
 * the unlock and the transmission are the cuffs' (drivers/omron.h), the
 * memory map and the records are the scales' (layout and source in
 * drivers/omron.h, "Omron WLC").
 *
 * The conversation, as OmronWlcHandler.kt does it: unlock with the
 * gateway's key (in pairing mode program it first, then go on), start
 * transmission, read the index block (0x01a0) for the person's user slot
 * (session.user_index; slot 1 when none is linked), read the records newer
 * than the last one stored, end transmission. Nothing is written.
 *
 * openScale reads a slot's whole ring, 32 bytes per command, with answers
 * spanning RX channels 0-2. Here every answer fits RX channel 0 (8 data
 * bytes at most), so that each is decoded alone:
 *  - probe: bytes 6-13 of the newest record, then of the one before, …,
 *    until one is not newer than the stored sequence number (the record's
 *    time, hv_omron_wlc_sequence()), is empty or undated, or 30 were read;
 *  - then each newer record, oldest first: its weight (bytes 26-27, kept
 *    in session.quirks), bytes 6-13 again (decoded as the measurement's
 *    first packet: the time, muscle, BMI, body age, the sequence number)
 *    and bytes 2-5 (its last packet: the weight from the quirks, body fat,
 *    visceral fat, BMR), which the pipeline joins into one measurement.
 * A record is taken only after the probe said it is new, so no packet is
 * left waiting for its other half.
 *
 * Quirks (bits 0-3 stay 0: the cuffs' model index):
 *   bits 4-5   profile: index in `profiles` + 1 (0: not known)
 *   bit 6      a record is being taken (the next 6-13 and 2-5 answers are
 *              its packets)
 *   bits 7-18  its raw weight (50 g)
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/omron.h"
#include "drivers/vendor_util.h"

/* OmronLib.kt PROFILE_HBF_702T, PROFILE_HBF_32, PROFILE_HBF_32_NO_BODY_AGE */
static const struct hv_omron_wlc_profile profiles[] = {
	{ 48, { 0x02c0, 0x0890, 0x0e60, 0x1430 }, true, true },
	{ 32, { 0x02c0, 0x06a0, 0x0a80, 0x0e60 }, false, true },
	{ 32, { 0x02c0, 0x06a0, 0x0a80, 0x0e60 }, false, false },
};

/* OmronWlcHandler.kt MODELS_BY_ADVERTISED_ID and MODELS_BY_DEVICE_NAME */
static const struct {
	const char *name;
	uint32_t advertised_id; /* group 1 (scales) << 16 | model id */
	uint8_t profile;
} wlc_models[] = {
	{ "HBF-702T", 0x0001000c, 0 }, { "KRD-703T", 0x00010011, 0 },
	{ "HBF-702T", 0x0001040c, 0 }, { "HBF-227T", 0x00010009, 1 },
	{ "HBF-228T", 0x0001000b, 1 }, { "HBF-230T", 0x0001000d, 1 },
	{ "HBF-222T", 0x00010408, 1 }, { "BCM-500", 0x00010110, 2 },
	{ "VIVA", 0x00010208, 2 },
};

#define ADVERTISED_PREFIX "BLEsmart_"

static int hex_id(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		int d = hv_hex_digit(p[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	*ret = v;
	return 0;
}

const struct hv_omron_wlc_profile *
hv_omron_wlc_profile_by_name(const char *name)
{
	size_t n = sizeof(wlc_models) / sizeof(wlc_models[0]);
	uint32_t id;

	if (!name)
		return NULL;
	if (hv_name_prefix_ci(name, ADVERTISED_PREFIX)) {
		if (strnlen(name, 32) < strlen(ADVERTISED_PREFIX) + 8 ||
		    hex_id(name + strlen(ADVERTISED_PREFIX), &id) < 0)
			return NULL;
		for (size_t i = 0; i < n; i++)
			if (wlc_models[i].advertised_id == id)
				return &profiles[wlc_models[i].profile];
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (hv_name_prefix_ci(name, wlc_models[i].name) &&
		    strlen(name) == strlen(wlc_models[i].name))
			return &profiles[wlc_models[i].profile];
	return NULL;
}

/* ---- records ---------------------------------------------------------------- */

struct field {
	uint8_t offset, size, shift, bits;
};

/* OmronLib.kt OmronBodyCompositionLib FIELD_* */
static const struct field f_weight = { 26, 2, 4, 12 }, f_fat = { 2, 2, 6, 10 },
			  f_visceral = { 2, 2, 0, 6 }, f_bmr = { 4, 2, 4, 12 },
			  f_muscle = { 6, 2, 6, 10 }, f_bmi = { 8, 2, 6, 10 },
			  f_age = { 10, 1, 0, 7 }, f_year = { 7, 1, 0, 6 },
			  f_minute = { 9, 1, 0, 6 }, f_month = { 11, 1, 0, 4 },
			  f_day = { 12, 1, 3, 5 }, f_hour = { 12, 2, 6, 5 },
			  f_second = { 13, 1, 0, 6 };

/* The bytes a conversation reads of a record: offset, count. */
#define TIME_AT	   6 /* muscle, year, BMI, minute, age, month, day, hour, second */
#define TIME_LEN   8
#define BODY_AT	   2 /* fat, visceral fat, BMR */
#define BODY_LEN   4
#define WEIGHT_AT  26
#define WEIGHT_LEN 2

/* A view of record bytes [from, from + n). */
struct view {
	const uint8_t *p;
	unsigned from, n;
};

static bool covers(const struct view *v, struct field f)
{
	return f.offset >= v->from && f.offset + f.size <= v->from + v->n;
}

/* The field's value, 0 when the view does not hold it. */
static unsigned get(const struct view *v, struct field f)
{
	unsigned x = 0;

	if (!covers(v, f))
		return 0;
	for (unsigned i = 0; i < f.size; i++)
		x = x << 8 | v->p[f.offset - v->from + i];
	return (x >> f.shift) & ((1u << f.bits) - 1);
}

static int put(uint8_t *rec, struct field f, unsigned value)
{
	unsigned x = 0, mask = ((1u << f.bits) - 1) << f.shift;

	if (value >> f.bits)
		return -ERANGE;
	for (unsigned i = 0; i < f.size; i++)
		x = x << 8 | rec[f.offset + i];
	x = (x & ~mask) | value << f.shift;
	for (unsigned i = f.size; i-- > 0; x >>= 8)
		rec[f.offset + i] = (uint8_t)x;
	return 0;
}

static bool view_has_time(const struct view *v)
{
	return v->from <= TIME_AT && v->from + v->n >= TIME_AT + TIME_LEN;
}

/* The date in the view; -EBADMSG when impossible (OmronLib.kt
 * decodeTimestamp: month 1-12, day 1-31, hour 0-23, minute and second
 * 0-59, and a day the month has). */
static int view_time(const struct view *v, struct hv_datetime *ret)
{
	struct hv_datetime t = {
		.year = (uint16_t)(2000 + get(v, f_year)),
		.month = (uint8_t)get(v, f_month),
		.day = (uint8_t)get(v, f_day),
		.hour = (uint8_t)get(v, f_hour),
		.minute = (uint8_t)get(v, f_minute),
		.second = (uint8_t)get(v, f_second),
	};
	struct hv_datetime back;

	if (!view_has_time(v) || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.hour > 23 || t.minute > 59 || t.second > 59)
		return -EBADMSG;
	/* 31 February comes back as March: not a date */
	hv_datetime_from_unix(hv_datetime_to_unix(&t), &back);
	if (back.day != t.day)
		return -EBADMSG;
	*ret = t;
	return 0;
}

static bool blank(const uint8_t *p, size_t n)
{
	bool ff = true, zero = true;

	for (size_t i = 0; i < n; i++) {
		ff = ff && p[i] == 0xff;
		zero = zero && p[i] == 0;
	}
	return ff || zero;
}

int hv_omron_wlc_record_decode(const struct hv_omron_wlc_profile *prof,
			       const uint8_t *p, size_t n,
			       struct hv_omron_wlc_record *ret)
{
	struct view v = { p, 0, prof->record_size };
	struct hv_omron_wlc_record r = { 0 };

	if (n < prof->record_size)
		return -EBADMSG;
	if (blank(p, prof->record_size) || !get(&v, f_weight))
		return -ENODATA;
	if (view_time(&v, &r.time) < 0)
		return -EBADMSG;
	r.weight = get(&v, f_weight);
	r.fat = get(&v, f_fat);
	r.visceral = get(&v, f_visceral);
	r.bmr = get(&v, f_bmr);
	r.muscle = get(&v, f_muscle);
	r.bmi = get(&v, f_bmi);
	r.age = prof->body_age ? get(&v, f_age) : 0;
	*ret = r;
	return 0;
}

int hv_omron_wlc_record_encode(const struct hv_omron_wlc_profile *prof,
			       const struct hv_omron_wlc_record *r,
			       uint8_t *buf)
{
	const struct hv_datetime *t = &r->time;
	int k = 0;

	if (t->year < 2000)
		return -ERANGE;
	memset(buf, 0, prof->record_size);
	k |= put(buf, f_weight, r->weight);
	k |= put(buf, f_fat, r->fat);
	k |= put(buf, f_visceral, r->visceral);
	k |= put(buf, f_bmr, r->bmr);
	k |= put(buf, f_muscle, r->muscle);
	k |= put(buf, f_bmi, r->bmi);
	k |= put(buf, f_age, prof->body_age ? r->age : 0);
	k |= put(buf, f_year, t->year - 2000u);
	k |= put(buf, f_month, t->month);
	k |= put(buf, f_day, t->day);
	k |= put(buf, f_hour, t->hour);
	k |= put(buf, f_minute, t->minute);
	k |= put(buf, f_second, t->second);
	return k ? -ERANGE : 0;
}

uint16_t hv_omron_wlc_address(const struct hv_omron_wlc_profile *prof, int user,
			      int index)
{
	return (uint16_t)(prof->bank[user] + index * prof->record_size);
}

int hv_omron_wlc_locate(const struct hv_omron_wlc_profile *prof,
			uint16_t address, int *ret_user, int *ret_index,
			unsigned *ret_offset)
{
	for (int u = 0; u < HV_OMRON_WLC_USERS; u++) {
		unsigned off = (unsigned)address - prof->bank[u];

		if (address < prof->bank[u] ||
		    off >= (unsigned)HV_OMRON_WLC_RECORDS * prof->record_size)
			continue;
		*ret_user = u;
		*ret_index = (int)(off / prof->record_size);
		*ret_offset = off % prof->record_size;
		return 0;
	}
	return -ENOENT;
}

#define UNIX_2000 946684800

int32_t hv_omron_wlc_sequence(const struct hv_datetime *t)
{
	return (int32_t)(hv_datetime_to_unix(t) - UNIX_2000);
}

/* ---- quirks ------------------------------------------------------------------ */

#define Q_PROFILE_SHIFT 4
#define Q_PROFILE_MASK	(3u << Q_PROFILE_SHIFT)
#define Q_TAKE		(1u << 6)
#define Q_WEIGHT_SHIFT	7
#define Q_WEIGHT_MASK	(0xfffu << Q_WEIGHT_SHIFT)

static unsigned profile_quirks(const struct hv_omron_wlc_profile *prof)
{
	return prof ? (unsigned)(prof - profiles + 1) << Q_PROFILE_SHIFT : 0;
}

static const struct hv_omron_wlc_profile *profile_of_quirks(unsigned quirks)
{
	unsigned i = (quirks & Q_PROFILE_MASK) >> Q_PROFILE_SHIFT;

	return i && i <= sizeof(profiles) / sizeof(profiles[0]) ?
		       &profiles[i - 1] :
		       NULL;
}

static const struct hv_omron_wlc_profile *
frame_profile(const struct hv_frame *f)
{
	const struct hv_omron_wlc_profile *prof = profile_of_quirks(f->quirks);

	return prof ? prof : hv_omron_wlc_profile_by_name(f->name);
}

/* ---- decode / encode ----------------------------------------------------------- */

/* The readings a view holds (a raw 0 is not measured), and the weight when
 * it comes from elsewhere (`weight` raw, 0 none). */
static int add_readings(const struct hv_omron_wlc_profile *prof,
			const struct view *v, unsigned weight,
			struct hv_measurement *m)
{
	const struct {
		enum hv_metric metric;
		struct field f;
		double per_unit; /* raw counts per unit */
	} fields[] = {
		{ HV_METRIC_BODY_WEIGHT, f_weight, 20 },
		{ HV_METRIC_BODY_FAT_PERCENT, f_fat, 10 },
		{ HV_METRIC_MUSCLE_PERCENT, f_muscle, 10 },
		{ HV_METRIC_BMI, f_bmi, 10 },
		{ HV_METRIC_BASAL_METABOLIC_RATE, f_bmr, 1 },
		{ HV_METRIC_VISCERAL_FAT_RATING, f_visceral,
		  prof->visceral_halves ? 2 : 1 },
		{ HV_METRIC_METABOLIC_AGE, f_age, 1 },
	};
	int k;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		unsigned raw = get(v, fields[i].f);

		if (i == 0 && !raw)
			raw = weight;
		if (fields[i].metric == HV_METRIC_METABOLIC_AGE &&
		    !prof->body_age)
			continue;
		if (raw &&
		    (k = hv_measurement_add(m, fields[i].metric,
					    raw / fields[i].per_unit)) < 0)
			return k;
	}
	return 0;
}

static int decode_view(const struct hv_frame *frame,
		       const struct hv_omron_wlc_profile *prof,
		       const struct view *v, int user, unsigned weight,
		       struct hv_measurement *ret)
{
	struct hv_datetime t;
	int k;

	if (view_has_time(v)) {
		if (view_time(v, &t) < 0)
			return hv_measurement_invalid(ret, "record date");
		hv_measurement_set_clock(ret, &t, frame->now);
		ret->sequence_number = hv_omron_wlc_sequence(&t);
	}
	k = add_readings(prof, v, weight, ret);
	if (k < 0)
		return k;
	ret->user_index = user;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

static int decode_read(const struct hv_frame *frame,
		       const struct hv_omron_wlc_profile *prof,
		       const struct hv_omron_answer *a,
		       struct hv_measurement *ret)
{
	struct view v = { a->data, 0, a->count };
	struct hv_omron_wlc_record r;
	int user, index, k;
	unsigned off;

	if (hv_omron_wlc_locate(prof, a->address, &user, &index, &off) < 0)
		return -ENOENT;
	v.from = off;
	if (off == 0 && a->count == prof->record_size) {
		/* a whole record, read in one (openScale's reads, the encoder) */
		k = hv_omron_wlc_record_decode(prof, a->data, a->count, &r);
		if (k == -ENODATA)
			return hv_measurement_add_context(ret, "omron",
							  "empty_slot");
		if (k < 0)
			return hv_measurement_invalid(ret, "record date");
		k = decode_view(frame, prof, &v, user, 0, ret);
		ret->final = k == 0;
		return k;
	}
	if (!(frame->quirks & Q_TAKE))
		return -ENOENT;
	if (off == TIME_AT && a->count == TIME_LEN) {
		k = decode_view(frame, prof, &v, user, 0, ret);
		ret->more_packets = k == 0;
		return k;
	}
	if (off == BODY_AT && a->count == BODY_LEN) {
		k = decode_view(
			frame, prof, &v, user,
			(frame->quirks & Q_WEIGHT_MASK) >> Q_WEIGHT_SHIFT, ret);
		ret->final = k == 0;
		return k;
	}
	return -ENOENT;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_omron_wlc_profile *prof;
	struct hv_omron_answer a;
	const char *what;
	int k = hv_omron_decode_answer(frame, &a, &what, ret);

	if (k < 0)
		return k;
	prof = frame_profile(frame);
	if (prof && a.data) {
		k = decode_read(frame, prof, &a, ret);
		if (k != -ENOENT)
			return k;
	}
	return hv_measurement_add_context(ret, "omron", what);
}

static unsigned raw_of(const struct hv_reading *r, double per_unit)
{
	return r && !r->absent && r->value > 0 && r->value * per_unit < 4096 ?
		       (unsigned)(r->value * per_unit + 0.5) :
		       0;
}

/*
 * What the scale answers to the read of a whole record (for the firmware
 * model and round trips): the profile from ret->quirks (else the
 * HBF-702T's), the user slot from the measurement (0 without one), the
 * record in the ring's first place.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_omron_wlc_profile *prof =
		profile_of_quirks(ret->quirks);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	struct hv_omron_wlc_record r = { 0 };
	uint8_t rec[48];
	int user = m->user_index < 0 ? 0 : m->user_index;

	if (!prof)
		prof = &profiles[0];
	if (target && !hv_omron_is_rx0(target))
		return -EINVAL;
	if (!clock || user >= HV_OMRON_WLC_USERS)
		return -EINVAL;
	r.weight = raw_of(hv_measurement_find(m, HV_METRIC_BODY_WEIGHT), 20);
	r.fat = raw_of(hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT), 10);
	r.muscle = raw_of(hv_measurement_find(m, HV_METRIC_MUSCLE_PERCENT), 10);
	r.bmi = raw_of(hv_measurement_find(m, HV_METRIC_BMI), 10);
	r.bmr = raw_of(hv_measurement_find(m, HV_METRIC_BASAL_METABOLIC_RATE),
		       1);
	r.visceral =
		raw_of(hv_measurement_find(m, HV_METRIC_VISCERAL_FAT_RATING),
		       prof->visceral_halves ? 2 : 1);
	r.age = raw_of(hv_measurement_find(m, HV_METRIC_METABOLIC_AGE), 1);
	r.time = *clock;
	if (!r.weight || hv_omron_wlc_record_encode(prof, &r, rec) < 0)
		return -EINVAL;
	return hv_omron_encode_answer(profile_quirks(prof),
				      hv_omron_wlc_address(prof, user, 0), rec,
				      prof->record_size, ret);
}

/* ---- the conversation ------------------------------------------------------------ */

enum {
	ST_SUB_UNLOCK,
	ST_SUB_RX0,
	ST_SUB_RX1,
	ST_SUB_RX2,
	ST_SUB_RX3,
	ST_UNLOCK,
	ST_UNLOCK_WAIT,
	ST_START,
	ST_START_WAIT,
	ST_INDEX,
	ST_INDEX_WAIT,
	ST_PROBE,
	ST_PROBE_WAIT,
	ST_WEIGHT,
	ST_WEIGHT_WAIT,
	ST_TAKE,
	ST_TAKE_WAIT,
	ST_BODY,
	ST_BODY_WAIT,
	ST_END_TX,
	ST_END_TX_WAIT,
	ST_DONE,
	ST_PAIR,
	ST_PAIR_WAIT,
	ST_PAIR_KEY,
	ST_PAIR_KEY_WAIT,
	_ST_MAX,
};

/* What a session keeps between steps, in session.scratch. */
struct wlc_state {
	int32_t last;  /* the last sequence stored when the session began */
	uint8_t user;  /* the person's user slot */
	uint8_t write; /* where the slot's next record goes */
	uint8_t newer; /* records found newer than `last`, newest first */
	uint8_t left;  /* of those, still to take (the oldest first) */
};

_Static_assert(sizeof(struct wlc_state) <=
		       sizeof(((struct hv_session *)0)->scratch),
	       "state fits the session's scratch");

static struct wlc_state state_get(const struct hv_session *s)
{
	struct wlc_state st;

	memcpy(&st, s->scratch, sizeof(st));
	return st;
}

static int state_goto(struct hv_session *s, const struct wlc_state *st,
		      int step)
{
	memcpy(s->scratch, st, sizeof(*st));
	s->next_step = step;
	return HV_VALUE_GOTO;
}

/* The ring index of the k-th record counting back from the newest. */
static int back_index(const struct wlc_state *st, unsigned k)
{
	return (int)((st->write + 2u * HV_OMRON_WLC_RECORDS - 1 - k) %
		     HV_OMRON_WLC_RECORDS);
}

static int on_unlock(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (hv_omron_unlock_ok(v, len, 0x81))
		return HV_VALUE_DONE;
	/* another key, or pairing mode: program ours */
	s->next_step = ST_PAIR;
	return HV_VALUE_GOTO;
}

/* The key is programmed: on to the records, as OmronWlcHandler.kt does. */
static int on_pair_key(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!hv_omron_unlock_ok(v, len, 0x80))
		return -EACCES;
	s->next_step = ST_START;
	return HV_VALUE_GOTO;
}

static int on_started(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_wlc_profile *prof = profile_of_quirks(s->quirks);
	struct wlc_state st = { .last = s->last_sequence };
	struct hv_omron_answer a;
	int k = hv_omron_answer_of(v, len, HV_OMRON_START | HV_OMRON_ANSWER,
				   &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (!prof) {
		/* the record layout is the model's: no guessing */
		prof = hv_omron_wlc_profile_by_name(s->name);
		if (!prof)
			return -EOPNOTSUPP;
	}
	s->quirks = profile_quirks(prof);
	if (s->user_index >= HV_OMRON_WLC_USERS)
		return -EINVAL;
	st.user = (uint8_t)(s->user_index < 0 ? 0 : s->user_index);
	return state_goto(s, &st, ST_INDEX);
}

static int payload_index(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	(void)s;
	return hv_omron_payload_frame(HV_OMRON_READ, HV_OMRON_WLC_INDEX,
				      HV_OMRON_PREFIX, NULL, 0, buf, size,
				      ret_len);
}

/* The slot's write position: its low 6 bits (the top two are flags); more
 * than 30 is no position (OmronWlcHandler.kt decodeSlotPointers). */
static int on_index(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct wlc_state st = state_get(s);
	struct hv_omron_answer a;
	unsigned w;
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (a.address != HV_OMRON_WLC_INDEX || a.count <= st.user)
		return -EPROTO;
	w = a.data[st.user] & 0x3f;
	if (w > HV_OMRON_WLC_RECORDS)
		return -EBADMSG;
	st.write = (uint8_t)(w % HV_OMRON_WLC_RECORDS);
	return state_goto(s, &st, ST_PROBE);
}

/* The profile while a slot is read; NULL when the session has none (or a
 * user slot the scale does not have). */
static const struct hv_omron_wlc_profile *
reading_profile(const struct hv_session *s)
{
	const struct hv_omron_wlc_profile *prof = profile_of_quirks(s->quirks);

	return prof && state_get(s).user < HV_OMRON_WLC_USERS ? prof : NULL;
}

/* The address of `at` in the record being probed (k = newer) or taken
 * (k = left - 1, counted back from the newest). */
static uint16_t record_address(const struct hv_session *s,
			       const struct hv_omron_wlc_profile *prof,
			       unsigned k, unsigned at)
{
	struct wlc_state st = state_get(s);

	return (uint16_t)(hv_omron_wlc_address(prof, st.user,
					       back_index(&st, k)) +
			  at);
}

static int read_payload(const struct hv_session *s, unsigned k, unsigned at,
			unsigned n, uint8_t *buf, size_t size, size_t *ret_len)
{
	const struct hv_omron_wlc_profile *prof = reading_profile(s);

	if (!prof)
		return -EOPNOTSUPP;
	return hv_omron_payload_frame(HV_OMRON_READ,
				      record_address(s, prof, k, at),
				      (uint8_t)n, NULL, 0, buf, size, ret_len);
}

/* The answer to the read of n bytes at `at` of record k: HV_VALUE_DONE,
 * or what the step returns. */
static int read_answer(struct hv_session *s, const uint8_t *v, size_t len,
		       unsigned k, unsigned at, unsigned n,
		       struct hv_omron_answer *ret)
{
	const struct hv_omron_wlc_profile *prof = reading_profile(s);
	int r = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER,
				   ret);

	if (r != HV_VALUE_DONE)
		return r;
	if (!prof || ret->address != record_address(s, prof, k, at) ||
	    ret->count != n)
		return -EPROTO;
	return HV_VALUE_DONE;
}

static int payload_probe(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	return read_payload(s, state_get(s).newer, TIME_AT, TIME_LEN, buf, size,
			    ret_len);
}

/* The records, oldest first, from the oldest newer one; or the end. */
static int take_next(struct hv_session *s, struct wlc_state *st)
{
	s->quirks = profile_quirks(profile_of_quirks(s->quirks));
	return state_goto(s, st, st->left ? ST_WEIGHT : ST_END_TX);
}

static int on_probe(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct wlc_state st = state_get(s);
	struct hv_omron_answer a;
	struct hv_datetime t;
	struct view view;
	int k = read_answer(s, v, len, st.newer, TIME_AT, TIME_LEN, &a);

	if (k != HV_VALUE_DONE)
		return k;
	view = (struct view){ a.data, TIME_AT, TIME_LEN };
	/* an empty or undated record ends the ring's new part too */
	if (!blank(a.data, a.count) && view_time(&view, &t) == 0 &&
	    hv_omron_wlc_sequence(&t) > st.last &&
	    ++st.newer < HV_OMRON_WLC_RECORDS)
		return state_goto(s, &st, ST_PROBE);
	st.left = st.newer;
	return take_next(s, &st);
}

static int payload_weight(const struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len)
{
	return read_payload(s, state_get(s).left - 1u, WEIGHT_AT, WEIGHT_LEN,
			    buf, size, ret_len);
}

/* The weight rides in the quirks to the record's last packet; a record
 * with none is no measurement (OmronLib.kt decodeRecord): skipped. */
static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct wlc_state st = state_get(s);
	struct hv_omron_answer a;
	struct view view;
	unsigned w;
	int k = read_answer(s, v, len, st.left - 1u, WEIGHT_AT, WEIGHT_LEN, &a);

	if (k != HV_VALUE_DONE)
		return k;
	view = (struct view){ a.data, WEIGHT_AT, WEIGHT_LEN };
	w = get(&view, f_weight);
	if (!w) {
		st.left--;
		return take_next(s, &st);
	}
	s->quirks |= Q_TAKE | w << Q_WEIGHT_SHIFT;
	return HV_VALUE_DONE;
}

static int payload_take(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	return read_payload(s, state_get(s).left - 1u, TIME_AT, TIME_LEN, buf,
			    size, ret_len);
}

static int on_take(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct hv_omron_answer a;

	return read_answer(s, v, len, state_get(s).left - 1u, TIME_AT, TIME_LEN,
			   &a);
}

static int payload_body(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	return read_payload(s, state_get(s).left - 1u, BODY_AT, BODY_LEN, buf,
			    size, ret_len);
}

/* The record's last packet came (decode() joined it): the next record. */
static int on_body(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct wlc_state st = state_get(s);
	struct hv_omron_answer a;
	int k = read_answer(s, v, len, st.left - 1u, BODY_AT, BODY_LEN, &a);

	if (k != HV_VALUE_DONE)
		return k;
	st.left--;
	return take_next(s, &st);
}

#define TX(fn, what_) HV_OMRON_STEP_TX(HV_OMRON_TX0, fn, ST_END_TX, what_)
#define RX(fn, what_) HV_OMRON_STEP_RX(fn, ST_END_TX, what_)

/* clang-format off */
static const struct hv_step steps[_ST_MAX] = {
	HV_OMRON_COMMON_STEPS(on_unlock, on_pair_key),
	[ST_START] = TX(hv_omron_payload_start, "start transmission"),
	[ST_START_WAIT] = RX(on_started, "wait for the start answer"),
	[ST_INDEX] = TX(payload_index, "read the index block"),
	[ST_INDEX_WAIT] = RX(on_index, "wait for the index block"),
	[ST_PROBE] = TX(payload_probe, "read a record's date"),
	[ST_PROBE_WAIT] = RX(on_probe, "wait for the record's date"),
	[ST_WEIGHT] = TX(payload_weight, "read a new record's weight"),
	[ST_WEIGHT_WAIT] = RX(on_weight, "wait for the weight"),
	[ST_TAKE] = TX(payload_take, "read a new record's date and values"),
	[ST_TAKE_WAIT] = RX(on_take, "wait for the date and values"),
	[ST_BODY] = TX(payload_body, "read a new record's body fat and BMR"),
	[ST_BODY_WAIT] = RX(on_body, "wait for body fat and BMR"),
};
/* clang-format on */

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = _ST_MAX,
	/* subscribing makes the scale ask for bonding (OmronWlcHandler.kt) */
	.needs_bonding = true,
};

/* By name only: the record layout is the model's (OmronWlcHandler.kt
 * aborts on a name it does not know). */
static bool claims_device(const struct hv_frame *advert)
{
	return hv_omron_wlc_profile_by_name(advert->name) != NULL;
}

static const char *const models[] = {
	"Omron HBF-702T", "Omron KRD-703T", "Omron HBF-222T",
	"Omron HBF-227T", "Omron HBF-228T", "Omron HBF-230T",
	"Omron BCM-500",  "Omron VIVA",	    NULL,
};

static const char *const characteristics128[] = { HV_OMRON_RX0, NULL };

const struct hv_driver omron_wlc_driver = {
	.id = "omron_wlc",
	.name = "Omron WLC body composition scales (memory-read service)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics128 = characteristics128,
	},
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
