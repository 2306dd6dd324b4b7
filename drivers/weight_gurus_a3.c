// SPDX-License-Identifier: MIT
/*
 * Weight Gurus Smart Scale 0376 (Greater Goods / DMD Brands, Transtek A3;
 * names "10376B" while pairing, "00376B<serial>" once paired): service
 * 0d005750-c36b-11e3-9c1a-0800200c9a66, 0x8A24 weight and 0x8A22 body
 * composition (indicate), 0x8A81 commands, 0x8A82 events. Source: openScale
 * WeightGurusA3Handler and WeightGurusA3HandlerTest (android_app/app/src/
 * {main,test}/java/com/health/openscale/core/bluetooth/scales/,
 * oliexdev/openScale@f7a733b2).
 *
 * Little-endian; FLOAT and SFLOAT are IEEE 11073-20601 (drivers/ieee11073.h).
 *
 *   0x8A24  FL W(FLOAT, kg) then, by flag: 0x01 time u32 (seconds since
 *           2010-01-01), 0x02 weight delta FLOAT (not read), 0x04
 *           impedance FLOAT (Ohm), 0x08 scale slot u8, 0x10 status u8
 *           (bit 4: a 0x8A22 frame with the same time follows)
 *   0x8A22  FL T(u32, the weight frame's time) then, by flag: 0x01 slot
 *           u8, 0x02 BMR u16 kcal, 0x04 fat %, 0x08 water %, 0x10 visceral
 *           level, 0x20 muscle %, 0x40 bone % of the weight, SFLOATs; 0x80
 *           battery u8
 *
 * A weight frame announcing its composition is the first packet
 * (more_packets), the composition frame the last; the pipeline joins them.
 * Bone is sent as a percentage of a weight that only the first frame has,
 * and without a conversation nothing carries it across: bone is not
 * reported. Both frames carry the scale's clock: stored weigh-ins arrive as
 * records (final) with their time.
 *
 * The link, on 0x8A82 (events) and 0x8A81 (commands, with response): the
 * scale sends A0 + a 4-byte password once, while it pairs, and A1 + 4
 * random bytes on every connection (pairing included), answered with 20 +
 * (password XOR random) byte by byte. The password is the session's secret
 * (conversation.h), kept by the gateway per device.
 *   pairing: A0 → 21 + a non-zero account id; the scale streams its eight
 *     user slots (83 slot name[18], blank or zero: free) and sends its
 *     random whenever it likes: the answer goes out at once, and after the
 *     eighth slot (not before: the scale aborts with E1) the gateway
 *     registers in the linked slot, else the lowest free, else 1 (03 slot
 *     "HV<n>" blank-padded to 18), writes the profile and the time and ends
 *     the set-up (22); the scale then closes the link.
 *   later: A1 → 20 answer, 02 time, 51 profile of the linked slot (slot 1
 *     without one); the weigh-ins the scale kept follow.
 * Profile: 51 17 slot sex(1 male, 2 female) age height unit(0 kg), the
 * height in metres as an SFLOAT with exponent -3 (cm × 10 | 0xD000, at
 * most 204 cm: the mantissa is signed); time: 02 + u32 seconds since
 * 2010-01-01.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/transtek.h"
#include "drivers/vendor_util.h"

#define WG_WEIGHT 0x8A24
#define WG_APPEND 0x8A22
#define WG_EPOCH 1262304000

static void set_time(const struct hv_frame *frame, const uint8_t *p,
		     struct hv_measurement *ret)
{
	struct hv_datetime dt;

	hv_datetime_from_unix(WG_EPOCH + (int64_t)(int32_t)hv_le32(p), &dt);
	hv_measurement_set_clock(ret, &dt, frame->now);
}

static int decode_weight(const struct hv_frame *frame, const uint8_t *p,
			 size_t len, struct hv_measurement *ret)
{
	struct hv_ieee_number w, z = { .absent = HV_ABSENT_NAN };
	uint8_t fl = p[0], status = 0;
	size_t off = 5;
	bool has_time = false;
	int r;

	w = hv_float_decode(hv_le32(p + 1));
	if (w.absent != HV_ABSENT_NONE || w.value <= 0 || w.value > 500)
		return hv_measurement_invalid(ret, "no weight");
	if (fl & 0x01) {
		if (off + 4 > len)
			return hv_measurement_invalid(ret, "time missing");
		set_time(frame, p + off, ret);
		has_time = true;
		off += 4;
	}
	if (fl & 0x02)
		off += 4;
	if (fl & 0x04) {
		if (off + 4 > len)
			return hv_measurement_invalid(ret, "impedance missing");
		z = hv_float_decode(hv_le32(p + off));
		off += 4;
	}
	if (fl & 0x08)
		off += 1;
	if (fl & 0x10) {
		if (off + 1 > len)
			return hv_measurement_invalid(ret, "status missing");
		status = p[off];
	}
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	if ((status & 0x10) && has_time) {
		ret->final = false;
		ret->more_packets = true;
	} else {
		ret->final = true;
	}
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_round_to(w.value, 3));
	if (r >= 0 && z.absent == HV_ABSENT_NONE && z.value > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_round_to(z.value, 1));
	return r < 0 ? r : 0;
}

static int take_sfloat(const uint8_t *p, size_t len, size_t *off,
		       struct hv_ieee_number *ret)
{
	if (*off + 2 > len)
		return -EBADMSG;
	*ret = hv_sfloat_decode(hv_le16(p + *off));
	*off += 2;
	return 0;
}

static int decode_append(const struct hv_frame *frame, const uint8_t *p,
			 size_t len, struct hv_measurement *ret)
{
	static const struct {
		uint8_t flag;
		enum hv_metric metric;
	} fields[] = {
		{ 0x04, HV_METRIC_BODY_FAT_PERCENT },
		{ 0x08, HV_METRIC_BODY_WATER_PERCENT },
		{ 0x10, HV_METRIC_VISCERAL_FAT_RATING },
		{ 0x20, HV_METRIC_MUSCLE_PERCENT },
		{ 0x40, 0 /* bone %: not reported */ },
	};
	uint8_t fl = p[0];
	size_t off = 5;
	int r = 0;

	set_time(frame, p + 1, ret);
	if (fl & 0x01)
		off += 1;
	if (fl & 0x02) {
		if (off + 2 > len)
			return hv_measurement_invalid(ret, "BMR missing");
		if (hv_le16(p + off))
			r = hv_measurement_add(ret, HV_METRIC_BASAL_METABOLIC_RATE,
					       hv_le16(p + off));
		off += 2;
	}
	for (size_t i = 0; r >= 0 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct hv_ieee_number n;

		if (!(fl & fields[i].flag))
			continue;
		if (take_sfloat(p, len, &off, &n) < 0)
			return hv_measurement_invalid(ret, "composition field missing");
		if (fields[i].flag != 0x40 && n.absent == HV_ABSENT_NONE && n.value > 0)
			r = hv_measurement_add(ret, fields[i].metric,
					       hv_round_to(n.value, 1));
	}
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, WG_WEIGHT, &len);
	if (p) {
		if (len < 5)
			return hv_measurement_invalid(ret, "weight frame has %zu bytes", len);
		return decode_weight(frame, p, len, ret);
	}
	p = hv_frame_value_on(frame, WG_APPEND, &len);
	if (p) {
		if (len < 5)
			return hv_measurement_invalid(ret, "composition frame has %zu bytes",
						      len);
		return decode_append(frame, p, len, ret);
	}
	return -ENODEV;
}

/* A weight frame: weight, the measurement's clock, its impedance. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	uint8_t b[13] = { 0x01 };
	uint32_t raw;
	size_t n = 9;

	if (target && !hv_uuid_is16(target, WG_WEIGHT))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 || w->value > 500 ||
	    hv_float_encode(w->value, 2, &raw) < 0)
		return -EINVAL;
	hv_put_le32(b + 1, raw);
	if (clock && hv_datetime_to_unix(clock) >= WG_EPOCH)
		hv_put_le32(b + 5, (uint32_t)(hv_datetime_to_unix(clock) - WG_EPOCH));
	if (z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
	    hv_float_encode(z->value, 1, &raw) == 0) {
		b[0] |= 0x04;
		hv_put_le32(b + 9, raw);
		n = 13;
	}
	return hv_frame_put_value(ret, WG_WEIGHT, b, n);
}

/* --- conversation --------------------------------------------------------- */

#define WG_RANDOM 0xA1
#define WG_SLOT 0x83
#define WG_SLOTS 8
#define WG_NAME_LEN 18
#define WG_ACCOUNT_ID 0x47575648u /* any non-zero id ("HVWG") */

/* scratch[2]: free slots seen (bit n-1 for slot n); scratch[3]: the slot;
 * scratch[4]: the answer; scratch[5]: SEEN_ flags of the pairing. */
#define SEEN_RANDOM 1u
#define SEEN_SLOTS 2u

enum {
	ST_PAIR_FIRST = 5, /* the random or the slots, whichever comes first */
	ST_PAIR_ANSWER = 6,
	ST_PAIR_SLOTS = 7,
	ST_PAIR_RANDOM = 8,
	ST_REGISTER = 10,
	ST_LATER = 16,
	ST_END = 20,
};

/* 20 + the random XOR the kept password (scratch[4]). */
static int note_random(struct hv_session *s, const uint8_t *v)
{
	return hv_transtek_answer(s, v, &s->scratch[4]);
}

/* The linked slot, else the lowest free one, else 1 (as openScale's
 * chooseSlot() without a user name); a new one is registered. */
static void choose_slot(struct hv_session *s)
{
	if (s->user_index >= 1 && s->user_index <= WG_SLOTS) {
		s->scratch[3] = (uint32_t)s->user_index;
		return;
	}
	s->scratch[3] = 1;
	for (unsigned n = 1; n <= WG_SLOTS; n++)
		if (s->scratch[2] & (1u << (n - 1))) {
			s->scratch[3] = n;
			break;
		}
	s->user_index = (int)s->scratch[3];
	s->user_registered = true;
}

/* One slot frame; true after the eighth, the slot chosen. */
static bool note_slot(struct hv_session *s, const uint8_t *v, size_t len)
{
	bool occupied = false;

	if (len < 2 || v[1] < 1 || v[1] > WG_SLOTS)
		return false;
	for (size_t i = 2; i < len; i++)
		occupied = occupied || (v[i] != 0x00 && v[i] != 0x20);
	if (!occupied)
		s->scratch[2] |= 1u << (v[1] - 1);
	if (v[1] != WG_SLOTS)
		return false;
	choose_slot(s);
	return true;
}

static int on_auth(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (hv_transtek_keep_password(s, v, len))
		return HV_VALUE_DONE;
	if (len >= 5 && v[0] == WG_RANDOM) {
		r = note_random(s, v);
		if (r < 0)
			return r;
		s->scratch[3] = s->user_index >= 1 && s->user_index <= WG_SLOTS ?
					(uint32_t)s->user_index :
					1;
		s->next_step = ST_LATER;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

/* Pairing, after the account id: the random is answered when it comes;
 * the registration waits for the eighth slot. */
static int on_pairing_first(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (len >= 5 && v[0] == WG_RANDOM) {
		r = note_random(s, v);
		if (r < 0)
			return r;
		s->next_step = ST_PAIR_ANSWER;
		return HV_VALUE_GOTO;
	}
	if (len >= 1 && v[0] == WG_SLOT && note_slot(s, v, len)) {
		s->next_step = ST_PAIR_RANDOM;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

/* The random answered: the slots, then the registration. */
static int on_pairing_slots(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 1 && v[0] == WG_SLOT && note_slot(s, v, len)) {
		s->next_step = ST_REGISTER;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

/* The slots seen: the random, then its answer and the registration. */
static int on_pairing_random(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r;

	if (len < 5 || v[0] != WG_RANDOM)
		return HV_VALUE_MORE;
	r = note_random(s, v);
	return r < 0 ? r : HV_VALUE_DONE;
}

static int on_weighing(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	(void)len;
	return HV_VALUE_MORE; /* each frame is decoded by the runner */
}

static int pl_account_id(const struct hv_session *s, uint8_t *buf,
			 size_t size, size_t *ret_len)
{
	(void)s;
	return hv_transtek_command(0x21, WG_ACCOUNT_ID, buf, size, ret_len);
}

static int pl_answer(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	return hv_transtek_command(0x20, s->scratch[4], buf, size, ret_len);
}

static int pl_add_user(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	return hv_transtek_add_user(s->scratch[3], WG_SLOTS, WG_NAME_LEN, buf,
				    size, ret_len);
}

/* The height in metres as an SFLOAT, exponent -3 (openScale's
 * encodeHeightCm(): 170 cm is 0xD6A4). */
static uint16_t height_sfloat(double height_m)
{
	long cm = (long)(height_m * 100 + 0.5);

	if (cm < 1)
		cm = 1;
	if (cm > 204)
		cm = 204;
	return (uint16_t)(0xD000 | (cm * 10));
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	unsigned slot = s->scratch[3];

	if (slot < 1 || slot > WG_SLOTS)
		return -ENODATA;
	if (size < 8)
		return -ENOSPC;
	if (s->profile.height_m <= 0 || s->profile.age_years <= 0 ||
	    s->profile.age_years > 255)
		return -ENODATA; /* no one linked: the scale keeps its own */
	buf[0] = 0x51;
	buf[1] = 0x17;
	buf[2] = (uint8_t)slot;
	buf[3] = s->profile.sex == HV_SEX_FEMALE ? 0x02 : 0x01;
	buf[4] = (uint8_t)s->profile.age_years;
	hv_put_le16(buf + 5, height_sfloat(s->profile.height_m));
	buf[7] = 0x00; /* kg */
	*ret_len = 8;
	return 0;
}

static const uint8_t set_up_done[] = { 0x22 };

#define SVC "0d005750-c36b-11e3-9c1a-0800200c9a66"
#define CMD(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81", \
			.payload = pl, .flags = HV_STEP_WITH_RESPONSE, .what = text }
#define EVENTS(fn, ms, text) { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a82", \
			       .on_value = fn, .timeout_ms = ms, .what = text }
#define WEIGHINGS(text) { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "8a24", \
			  .on_value = on_weighing, .timeout_ms = 30000, \
			  .flags = HV_STEP_OPTIONAL, .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a24",
		  .what = "subscribe 0x8A24 (weight)" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a22",
		  .what = "subscribe 0x8A22 (body composition)" },
	/* 2 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "8a82",
		  .what = "subscribe 0x8A82 (events)" },
	/* 3 */ EVENTS(on_auth, 10000, "password (pairing) or random"),
	/* the pairing session */
	/* 4 */ CMD(pl_account_id, "account id (0x21)"),
	/* 5 */ EVENTS(on_pairing_first, 15000, "the random or the slot list"),
	/* 6 */ CMD(pl_answer, "pairing: random answered (0x20)"),
	/* 7 */ EVENTS(on_pairing_slots, 15000, "the slot list (0x83 x 8)"),
	/* 8 */ EVENTS(on_pairing_random, 15000, "the random, after the slots"),
	/* 9 */ CMD(pl_answer, "pairing: random answered after the slots (0x20)"),
	/* 10 */ CMD(pl_add_user, "register the user (0x03)"),
	/* 11 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81",
		   .payload = pl_profile,
		   .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		   .what = "profile (0x51)" },
	/* 12 */ CMD(hv_transtek_time, "time (0x02)"),
	/* 13 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81",
		   .bytes = set_up_done, .n_bytes = sizeof(set_up_done),
		   .flags = HV_STEP_WITH_RESPONSE, .what = "set-up done (0x22)" },
	/* 14 */ WEIGHINGS("weighings until the scale closes the link"),
	/* 15 */ { .op = HV_STEP_END, .what = "paired" },
	/* a later session */
	/* 16 */ CMD(pl_answer, "random answered (0x20)"),
	/* 17 */ CMD(hv_transtek_time, "paired: time (0x02)"),
	/* 18 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "8a81",
		   .payload = pl_profile,
		   .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		   .what = "paired: profile (0x51)" },
	/* 19 */ WEIGHINGS("paired: weigh-ins the scale kept"),
	/* 20 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static bool claims_device(const struct hv_frame *f)
{
	/* "10376B" pairing, "00376B…" paired; 0x8A2x are Transtek's for
	 * several brands */
	return hv_frame_name_starts_with(f, "10376B") ||
	       hv_frame_name_starts_with(f, "00376B");
}

static const char *const models[] = {
	"Weight Gurus Smart Scale 0376 (Transtek A3)", NULL,
};
static const uint16_t characteristics[] = { WG_WEIGHT, WG_APPEND, 0 };
static const char *const name_prefixes[] = { "10376B", "00376B", NULL };

const struct hv_driver weight_gurus_a3_driver = {
	.id = "weight_gurus_a3",
	.name = "Weight Gurus 0376 (Transtek A3, IEEE 11073 numbers)",
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
