// SPDX-License-Identifier: MIT
/*
 * Beurer BF700/BF710/BF800, Runtastic Libra, Sanitas SBF70, SilverCrest
 * SBF75, Crane: the proprietary protocol on service 0xFFE0, characteristic
 * 0xFFE1 (write + notify). Source: openScale BeurerSanitasHandler.kt
 * (oliexdev/openScale@f7a733b2). (The SIG-based Beurer/Sanitas
 * models, BF105/BF720/BF950/SBF72…, speak the SIG Weight Scale and Body
 * Composition profiles and belong to the SIG driver.)
 *
 * Every frame:  SS CC params…
 *   SS  start byte: 0xF7 (BF700, BF800, RT-Libra) or 0xE7 (BF710, SBF70,
 *       SBF75, Crane). "Alternative" starts (SS & 0xF0) | nibble:
 *       6 = INIT (write E6 01, scale answers E6/F6 …), 9 = SET_TIME
 *       (E9 + Unix time u32 BE), 10 = DISCONNECT.
 *   CC  command. The scale acknowledges with SS F0 <cmd> …; the app must
 *       acknowledge every part of a multi-part frame with
 *       SS F1 frame[1] frame[2] frame[3].
 *
 *   SS 58 ST WW WW                live weight; ST 0 = stable; W u16 BE × 50 g
 *   SS 59 NN KK …                 measurement, part KK of NN:
 *                                   KK = 1: [5..12] scale user id u64 BE
 *                                   KK = 2: [4..19] record bytes 0..15
 *                                   KK = 3: [4..9]  record bytes 16..21
 *   SS 42 NN KK …                 saved measurement, two parts per record
 *                                   (KK odd: bytes 0..15, even: 16..21)
 *   SS 34 NN KK UU×8 AAA YY …     user KK of NN: uid u64 BE, 3-letter name,
 *                                   birth year − 1900
 *   SS F0 33 ST CC MM             ACK of the user list: CC users of MM
 *   SS 31 UU×8 AAA YY MO DD HH XX add a user (app → scale): uid u64 BE,
 *                                   3-letter name, birth year − 1900, month
 *                                   0–11, day, height cm, sex (0x80 male) |
 *                                   activity 1–5; the scale ACKs SS F0 31
 *
 * 22-byte record (big-endian):
 *   0  u32  time stamp, Unix seconds     12 u16  muscle, 0.1 %
 *   4  u16  weight, 50 g                  14 u16  bone (semantics unverified:
 *   6  u16  impedance, Ohm                        real records give 11.65 kg;
 *   8  u16  body fat, 0.1 %                       not reported)
 *   10 u16  body water, 0.1 %             16 u16  BMR, kcal  18 u16 AMR, kcal
 *                                         20 u16  BMI, 0.1
 *
 * Stable 0x58 frames are reported as not final: the record that follows is
 * the measurement (the scale sends it for users it knows). Its first half
 * is decoded with more_packets set (weight, impedance, fat, water, muscle,
 * time), the second half (BMR, BMI) as final: the pipeline joins them as
 * it joins multi-packet SIG measurements.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define BS_SERVICE 0xFFE0
#define BS_CHAR 0xFFE1

#define START_BF700 0xF7
#define START_BF710 0xE7
#define NIBBLE_INIT 0x6
#define NIBBLE_SET_TIME 0x9

#define CMD_ACK 0xF0
#define CMD_APP_ACK 0xF1
#define CMD_STATUS 0x4F
#define CMD_ADD_USER 0x31
#define CMD_USER_LIST 0x33
#define CMD_USER_INFO 0x34
#define CMD_DO_MEASUREMENT 0x40
#define CMD_GET_SAVED 0x41
#define CMD_SAVED 0x42
#define CMD_DELETE_SAVED 0x43
#define CMD_LIVE_WEIGHT 0x58
#define CMD_MEASUREMENT 0x59

#define RECORD_FIRST_LEN 16

static int decode_first_half(const uint8_t *q, int64_t now,
			     struct hv_measurement *ret)
{
	struct hv_datetime clock;
	uint16_t weight = hv_be16(q + 4), fat = hv_be16(q + 8),
		 water = hv_be16(q + 10), muscle = hv_be16(q + 12);
	int r;

	if (weight == 0)
		return hv_measurement_invalid(ret, "record weight is zero");
	if (fat > 1000 || water > 1000 || muscle > 1000)
		return hv_measurement_invalid(
			ret, "record percentage above 100 (fat %u, water %u, muscle %u)",
			fat, water, muscle);
	hv_datetime_from_unix(hv_be32(q), &clock);
	hv_measurement_set_clock(ret, &clock, now);
	/* The pipeline joins it with the second half (BMR, BMI). */
	ret->final = false;
	ret->more_packets = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, weight * 0.05);
	if (r >= 0 && hv_be16(q + 6))
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_be16(q + 6));
	if (r >= 0 && fat)
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, fat / 10.0);
	if (r >= 0 && water)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT,
				       water / 10.0);
	if (r >= 0 && muscle)
		r = hv_measurement_add(ret, HV_METRIC_MUSCLE_PERCENT,
				       muscle / 10.0);
	return r < 0 ? r : 0;
}

static int decode_second_half(const uint8_t *q, struct hv_measurement *ret)
{
	int r;

	/* BMR, AMR, BMI: the last packet of the record whose first half
	 * came before (more_packets); final, so the pipeline joins them. */
	ret->final = true;
	r = hv_measurement_add_context(ret, "frame", "record_part_2");
	if (r >= 0 && hv_be16(q))
		r = hv_measurement_add(ret, HV_METRIC_BASAL_METABOLIC_RATE,
				       hv_be16(q));
	if (r >= 0 && hv_be16(q + 4))
		r = hv_measurement_add(ret, HV_METRIC_BMI, hv_be16(q + 4) / 10.0);
	return r < 0 ? r : 0;
}

static int decode_part(const uint8_t *p, size_t len, bool first_half,
		       int64_t now, struct hv_measurement *ret)
{
	if (first_half) {
		if (len < 4 + RECORD_FIRST_LEN)
			return hv_measurement_invalid(
				ret, "record part 1 has %zu bytes, needs %d", len,
				4 + RECORD_FIRST_LEN);
		return decode_first_half(p + 4, now, ret);
	}
	if (len < 10)
		return hv_measurement_invalid(
			ret, "record part 2 has %zu bytes, needs 10", len);
	return decode_second_half(p + 4, ret);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, BS_CHAR, &len);
	if (!p)
		return -ENODEV;
	if (len < 2)
		return hv_measurement_invalid(ret, "frame of %zu bytes", len);
	if ((p[0] & 0xF0) != 0xE0 && (p[0] & 0xF0) != 0xF0)
		return hv_measurement_invalid(ret, "start byte 0x%02x is not Ex/Fx",
					      p[0]);
	if ((p[0] & 0x0F) == NIBBLE_INIT)
		return hv_measurement_control(ret, "init");
	if ((p[0] & 0x0F) != 0x7)
		return hv_measurement_control(ret, "alternative");

	switch (p[1]) {
	case CMD_LIVE_WEIGHT:
		if (len < 5)
			return hv_measurement_invalid(
				ret, "live weight frame has %zu bytes, needs 5", len);
		ret->final = false;
		ret->display_unit = HV_UNIT_KG;
		(void)hv_measurement_add_context(ret, "frame",
						 p[2] == 0 ? "stable_weight" :
							     "live_weight");
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_be16(p + 3) * 0.05);
	case CMD_MEASUREMENT:
		if (len < 4)
			return hv_measurement_invalid(
				ret, "measurement frame has %zu bytes", len);
		if (p[3] == 0 || p[3] > p[2])
			return hv_measurement_invalid(ret, "part %u of %u", p[3],
						      p[2]);
		if (p[3] == 1)
			return hv_measurement_control(ret, "measurement_user");
		return decode_part(p, len, p[3] == 2, frame->now, ret);
	case CMD_SAVED:
		if (len < 4)
			return hv_measurement_invalid(
				ret, "saved measurement frame has %zu bytes", len);
		if (p[3] == 0 || p[3] > p[2])
			return hv_measurement_invalid(ret, "part %u of %u", p[3],
						      p[2]);
		return decode_part(p, len, p[3] % 2 == 1, frame->now, ret);
	case CMD_USER_INFO:
		if (len < 16)
			return hv_measurement_invalid(
				ret, "user frame has %zu bytes, needs 16", len);
		return hv_measurement_control(ret, "user_info");
	case CMD_ACK:
		return hv_measurement_control(ret, "ack");
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* Encodes a final (or first-packet) measurement as the first-half part of
 * a 0x59 record (part 2 of 3), a live one as a 0x58 live weight frame. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_reading *fat =
		hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	const struct hv_reading *water =
		hv_measurement_find(m, HV_METRIC_BODY_WATER_PERCENT);
	const struct hv_reading *muscle =
		hv_measurement_find(m, HV_METRIC_MUSCLE_PERCENT);
	uint8_t b[20] = { START_BF710 };
	double raw;

	if (target && !hv_uuid_is16(target, BS_CHAR))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value / 0.05 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	if (!m->final && !m->more_packets) {
		b[1] = CMD_LIVE_WEIGHT;
		b[2] = 1;
		hv_put_be16(b + 3, (uint16_t)raw);
		return hv_frame_put_value(ret, BS_CHAR, b, 5);
	}
	b[1] = CMD_MEASUREMENT;
	b[2] = 3;
	b[3] = 2;
	if (m->has_raw_device_time)
		hv_put_be32(b + 4, (uint32_t)hv_datetime_to_unix(&m->raw_device_time));
	hv_put_be16(b + 8, (uint16_t)raw);
	if (z)
		hv_put_be16(b + 10, (uint16_t)(z->value + 0.5));
	if (fat)
		hv_put_be16(b + 12, (uint16_t)(fat->value * 10 + 0.5));
	if (water)
		hv_put_be16(b + 14, (uint16_t)(water->value * 10 + 0.5));
	if (muscle)
		hv_put_be16(b + 16, (uint16_t)(muscle->value * 10 + 0.5));
	return hv_frame_put_value(ret, BS_CHAR, b, sizeof(b));
}

/* --- selection ------------------------------------------------------------ */

static const char *const names_f7[] = { "bf-700", "bf-800", "rt-libra",
					"libra-", NULL };
static const char *const names_e7[] = { "bf700", "beurer bf710",
					"sanitas sbf70", "sbf75",
					"aicdscale1", NULL };

static bool claims_device(const struct hv_frame *advert)
{
	return hv_name_any_prefix_ci(advert->name, names_f7) ||
	       hv_name_any_prefix_ci(advert->name, names_e7);
}

static uint8_t start_byte(const struct hv_session *s)
{
	return hv_name_any_prefix_ci(s->name, names_f7) ? START_BF700 :
							  START_BF710;
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0], [1]: uid of the session's user slot (hi, lo); scratch[2]: 1
 * when known; scratch[3]: header bytes 1..3 of the last multi-part frame;
 * scratch[4], [5]: users on the scale and its maximum (user list ACK). */
enum {
	S_UID_HI,
	S_UID_LO,
	S_UID_KNOWN,
	S_LAST_HDR,
	S_USER_COUNT,
	S_USER_MAX,
};

/* The uid the gateway gives a user it adds: "HV" and the time. */
#define ADD_UID_HI 0x48560000u

static int put(uint8_t *buf, size_t size, const uint8_t *b, size_t n,
	       size_t *ret_len)
{
	if (size < n)
		return -ENOSPC;
	memcpy(buf, b, n);
	*ret_len = n;
	return 0;
}

static int pl_init(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[2] = { (uint8_t)((start_byte(s) & 0xF0) | NIBBLE_INIT), 0x01 };

	return put(buf, size, b, sizeof(b), ret_len);
}

static int pl_set_time(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	uint8_t b[5] = { (uint8_t)((start_byte(s) & 0xF0) | NIBBLE_SET_TIME) };

	hv_put_be32(b + 1, (uint32_t)s->now_unix);
	return put(buf, size, b, sizeof(b), ret_len);
}

static int pl_cmd_uid(const struct hv_session *s, uint8_t cmd, bool need_uid,
		      uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t b[10] = { start_byte(s), cmd };

	if (need_uid) {
		if (!s->scratch[S_UID_KNOWN])
			return -ENOENT;
		hv_put_be32(b + 2, s->scratch[S_UID_HI]);
		hv_put_be32(b + 6, s->scratch[S_UID_LO]);
	}
	return put(buf, size, b, sizeof(b), ret_len);
}

static int pl_status(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	return pl_cmd_uid(s, CMD_STATUS, false, buf, size, ret_len);
}

static int pl_user_list(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	uint8_t b[2] = { start_byte(s), CMD_USER_LIST };

	return put(buf, size, b, sizeof(b), ret_len);
}

/*
 * Add a user for the session's person (0x31), when the slot's uid is not on
 * the scale. The protocol wants a birth date and a name the profile does not
 * have: the birth year is the one the age gives (January 1st), the name
 * "HV" and the slot number, the activity level 3 (of 1–5).
 */
static int pl_add_user(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	uint8_t b[18] = { start_byte(s), CMD_ADD_USER };
	unsigned slot = s->scratch[S_USER_COUNT] + 1;
	int year;

	if (!hv_profile_complete(p))
		return -ENOENT;
	year = s->now_local.year - (int)p->age_years;
	if (year < 1900 || year > 1900 + 255 || p->height_m * 100 > 255)
		return -ERANGE;
	hv_put_be32(b + 2, s->scratch[S_UID_HI]);
	hv_put_be32(b + 6, s->scratch[S_UID_LO]);
	b[10] = 'H';
	b[11] = 'V';
	b[12] = (uint8_t)('0' + slot % 10);
	b[13] = (uint8_t)(year - 1900);
	b[14] = 0; /* January */
	b[15] = 1;
	b[16] = (uint8_t)(p->height_m * 100 + 0.5);
	b[17] = (uint8_t)((p->sex == HV_SEX_MALE ? 0x80 : 0x00) | 3);
	return put(buf, size, b, sizeof(b), ret_len);
}

static int pl_get_saved(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	return pl_cmd_uid(s, CMD_GET_SAVED, true, buf, size, ret_len);
}

static int pl_delete_saved(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	return pl_cmd_uid(s, CMD_DELETE_SAVED, true, buf, size, ret_len);
}

static int pl_measure(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	return pl_cmd_uid(s, CMD_DO_MEASUREMENT, true, buf, size, ret_len);
}

static int pl_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	uint32_t h = s->scratch[S_LAST_HDR];
	uint8_t b[5] = { start_byte(s), CMD_APP_ACK, (uint8_t)(h >> 16),
			 (uint8_t)(h >> 8), (uint8_t)h };

	return put(buf, size, b, sizeof(b), ret_len);
}

static int on_init(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 1 && (v[0] & 0x0F) == NIBBLE_INIT ? HV_VALUE_DONE :
							  HV_VALUE_MORE;
}

static int on_status(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 3 && v[1] == CMD_ACK && v[2] == CMD_STATUS ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

/* Step indices of the conversation below. */
enum {
	ST_USERS_ACK_MORE = 8,
	ST_USERS_ACK_LAST = 10,
	ST_GET_SAVED = 11,
	ST_SAVED_ACK_MORE = 13,
	ST_SAVED_ACK_LAST = 15,
	ST_DELETE_SAVED = 16,
	ST_MEAS_ACK_MORE = 19,
	ST_MEAS_ACK_LAST = 21,
	ST_END = 22,
	ST_ADD_ACK_LAST = 23,
	ST_ADD_USER = 24,
	ST_ADD_WAIT = 25,
};

/* A part of a multi-part answer: remember its header for the ACK and go
 * to the ACK step (more to come, or the last one). */
static int multipart(struct hv_session *s, const uint8_t *v, int more,
		     int last)
{
	s->scratch[S_LAST_HDR] = (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 |
				 v[3];
	s->next_step = v[3] >= v[2] ? last : more;
	return HV_VALUE_GOTO;
}

/*
 * After the user list: add the session's person (0x31) when their slot has
 * no uid on the scale, the person's profile is known and the slot is the
 * one the scale gives next (it numbers users 1..count, so a new user is
 * count + 1): the slot's link to the person then stays true.
 */
static bool add_user_wanted(struct hv_session *s)
{
	if (s->user_index < 0 || s->scratch[S_UID_KNOWN] ||
	    !hv_profile_complete(&s->profile))
		return false;
	if (s->scratch[S_USER_MAX] &&
	    s->scratch[S_USER_COUNT] >= s->scratch[S_USER_MAX])
		return false;
	if ((uint32_t)s->user_index != s->scratch[S_USER_COUNT])
		return false;
	s->scratch[S_UID_HI] = ADD_UID_HI;
	s->scratch[S_UID_LO] = (uint32_t)s->now_unix;
	return true;
}

static int on_users(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 6 && v[1] == CMD_ACK && v[2] == CMD_USER_LIST) {
		s->scratch[S_USER_COUNT] = v[4];
		s->scratch[S_USER_MAX] = v[5];
	}
	if (len >= 5 && v[1] == CMD_ACK && v[2] == CMD_USER_LIST && v[4] == 0) {
		/* no users on the scale */
		s->next_step = add_user_wanted(s) ? ST_ADD_USER : ST_GET_SAVED;
		return HV_VALUE_GOTO;
	}
	if (len < 16 || v[1] != CMD_USER_INFO)
		return HV_VALUE_MORE;
	s->scratch[S_USER_COUNT] = v[2];
	/* Slot numbers are 1-based on the wire, 0-based in the session. */
	if (s->user_index >= 0 && v[3] == s->user_index + 1) {
		s->scratch[S_UID_HI] = hv_be32(v + 4);
		s->scratch[S_UID_LO] = hv_be32(v + 8);
		s->scratch[S_UID_KNOWN] = 1;
	}
	(void)multipart(s, v, ST_USERS_ACK_MORE, ST_USERS_ACK_LAST);
	if (s->next_step == ST_USERS_ACK_LAST && add_user_wanted(s))
		s->next_step = ST_ADD_ACK_LAST;
	return HV_VALUE_GOTO;
}

/* The scale's ACK of 0x31: the new user's uid is the one sent. */
static int on_user_added(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 3 || v[1] != CMD_ACK || v[2] != CMD_ADD_USER)
		return HV_VALUE_MORE;
	s->scratch[S_UID_KNOWN] = 1;
	s->next_step = ST_GET_SAVED;
	return HV_VALUE_GOTO;
}

static int on_saved(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 4 && v[1] == CMD_ACK && v[2] == CMD_GET_SAVED && v[3] == 0) {
		s->next_step = ST_DELETE_SAVED + 1; /* nothing stored */
		return HV_VALUE_GOTO;
	}
	if (len < 4 || v[1] != CMD_SAVED)
		return HV_VALUE_MORE;
	return multipart(s, v, ST_SAVED_ACK_MORE, ST_SAVED_ACK_LAST);
}

static int on_measurement(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 4 || v[1] != CMD_MEASUREMENT)
		return HV_VALUE_MORE;
	return multipart(s, v, ST_MEAS_ACK_MORE, ST_MEAS_ACK_LAST);
}

#define SVC "ffe0"
#define CHR "ffe1"
#define USER (HV_STEP_SKIP_IF_NO_USER | HV_STEP_OPTIONAL)

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = CHR,
		  .what = "subscribe 0xFFE1" },
	/* 1 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		  .payload = pl_init, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "init (alternative start 6)" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		  .on_value = on_init, .timeout_ms = 5000,
		  .what = "wait for the init answer" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		  .payload = pl_set_time, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "set time (Unix, big-endian)" },
	/* 4 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		  .payload = pl_status, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "scale status" },
	/* 5 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		  .on_value = on_status, .timeout_ms = 5000,
		  .flags = HV_STEP_OPTIONAL, .what = "wait for the status" },
	/* 6 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		  .payload = pl_user_list, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "user list" },
	/* 7 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		  .on_value = on_users, .timeout_ms = 5000,
		  .what = "wait for the users" },
	/* 8 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		  .payload = pl_ack, .what = "acknowledge a user" },
	/* 9 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		  .on_value = on_users, .timeout_ms = 5000,
		  .what = "wait for the next user" },
	/* 10 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack, .what = "acknowledge the last user" },
	/* 11 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_get_saved, .flags = USER | HV_STEP_WITH_RESPONSE,
		   .on_fail = ST_END, .what = "get saved measurements" },
	/* 12 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		   .on_value = on_saved, .timeout_ms = 5000, .flags = USER,
		   .what = "wait for saved measurements" },
	/* 13 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack, .flags = USER,
		   .what = "acknowledge a saved part" },
	/* 14 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		   .on_value = on_saved, .timeout_ms = 5000, .flags = USER,
		   .what = "wait for the next saved part" },
	/* 15 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack, .flags = USER,
		   .what = "acknowledge the last saved part" },
	/* 16 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_delete_saved,
		   .flags = USER | HV_STEP_WITH_RESPONSE,
		   .what = "delete saved measurements" },
	/* 17 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_measure, .flags = USER | HV_STEP_WITH_RESPONSE,
		   .on_fail = ST_END, .what = "start a measurement" },
	/* 18 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		   .on_value = on_measurement, .timeout_ms = 60000,
		   .flags = USER, .what = "wait for the measurement" },
	/* 19 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack, .flags = USER,
		   .what = "acknowledge a measurement part" },
	/* 20 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		   .on_value = on_measurement, .timeout_ms = 10000,
		   .flags = USER, .what = "wait for the next part" },
	/* 21 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack, .flags = USER,
		   .what = "acknowledge the last part" },
	/* 22 */ { .op = HV_STEP_END, .what = "done" },
	/* Reached only from on_users(): add the session's person. */
	/* 23 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_ack,
		   .what = "ack the last user before adding one" },
	/* 24 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
		   .payload = pl_add_user, .flags = HV_STEP_WITH_RESPONSE,
		   .on_fail = ST_END, .what = "add a scale user (0x31)" },
	/* 25 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
		   .on_value = on_user_added, .timeout_ms = 5000,
		   .on_fail = ST_END, .what = "wait for the new user's ACK" },
	/* 26 */ { .op = HV_STEP_END, .what = "done (after an add)" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_ADD_WAIT + 2,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Beurer BF700", "Beurer BF710", "Beurer BF800", "Runtastic Libra",
	"Sanitas SBF70", "SilverCrest SBF75", "Crane (AICDSCALE1)", NULL,
};

static const uint16_t characteristics[] = { BS_CHAR, 0 };
static const char *const name_prefixes[] = {
	"bf-700", "bf-800", "RT-Libra", "Libra-", "BF700", "BEURER BF710",
	"SANITAS SBF70", "sbf75", "AICDSCALE1", NULL,
};

const struct hv_driver beurer_sanitas_driver = {
	.id = "beurer_sanitas",
	.name = "Beurer / Sanitas / SilverCrest proprietary (0xFFE0)",
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
};
