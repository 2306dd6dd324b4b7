// SPDX-License-Identifier: MIT
/*
 * Realme Smart Scale (Lifesense A6 lineage): service 0xA602, 0xA621
 * notify (measurements), 0xA622 keep-alive, 0xA624 handshake, 0xA625.
 * Source: openScale RealmeSmartScaleHandler (android_app/app/src/main/java/
 * com/health/openscale/core/bluetooth/scales/RealmeSmartScaleHandler.kt,
 * oliexdev/openScale@f7a733b2).
 *
 * Every frame, both directions, is 10 LL payload…, the payload XORed with
 * the scale's MAC address, byte i with MAC[i % 6] (MAC in the order it is
 * written, AA:BB:… = AA BB …). A measurement (0xA621), 19 bytes or more:
 *
 *   10 11 | payload (deciphered):
 *     [8..9]   weight u16 BE, 0.01 kg (0.5..300 kg, else not a weight)
 *     [10..13] the scale's time, Unix seconds u32 BE (0: none)
 *     [14..15] impedance u16 BE, Ohm (0: none)
 *
 * The conversation is openScale's onConnected(), in its order: 0xA621
 * and 0xA625 subscribed; six frames written (with response) on 0xA624,
 * each 10 LL + the payload ciphered with the address as above:
 *   register      00 08 01 00 00 00 00 00 00 00 02
 *   time and zone 00 0A 18 TT TT TT TT ZZ  Unix seconds u32 BE, the
 *                 local offset in minutes as one byte (truncated, as the
 *                 handler's toByte() does)
 *   start         48 01 00 01
 *   user          10 01 01 SX AG HH HH 00 00 WW WW  sex 00 male, 80
 *                 female; age; height cm u16 BE; the person's last weight
 *                 (0.01 kg) or FF FF, which openScale sends for a person
 *                 without one: the session knows none (written only with a
 *                 complete profile; without one the scale gets no user)
 *   formula       10 04 00
 *   unit kg       10 07 01
 * then 00 01 D9 on 0xA622 (plain) every second for as long as the link
 * lasts (openScale: from 0.5 s on). The scale streams its weighings on
 * 0xA621; openScale never hangs up itself. Here: a keep-alive, a wait of
 * one second for a weighing, sixty times (a minute to step on; none:
 * the session failed); after a weighing, the same until three seconds
 * pass without another (stored weighings may follow), then the end.
 *
 * Decoding needs the device's address (frame.address; the runner sets
 * it for every value of a session). The scale sends no
 * composition: openScale runs its Yunmai model, so method "yunmai" (the
 * general activity level) with the impedance and a complete profile.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define RM_NOTIFY 0xA621
#define RM_SERVICE 0xA602
#define RM_MIN_LEN 19
#define RM_HEADER 0x10
#define RM_MEASUREMENT_LEN 0x11

static int parse_mac(const char *text, uint8_t ret[6])
{
	if (!text || strlen(text) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++) {
		int hi = hv_hex_digit(text[3 * i]);
		int lo = hi < 0 ? -1 : hv_hex_digit(text[3 * i + 1]);

		if (lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Bytes 2… of a frame, ciphered (or deciphered) with the address. */
static void cipher(const uint8_t mac[6], const uint8_t *in, size_t n,
		   uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = in[i] ^ mac[i % 6];
}

static bool weight_in_range(unsigned raw)
{
	return raw > 50 && raw <= 30000; /* 0.5..300 kg */
}

/* A measurement frame (10 11 …) deciphered into ret_payload (len - 2
 * bytes); false when the frame is none. */
static bool measurement_payload(const uint8_t mac[6], const uint8_t *p,
				size_t len, uint8_t *ret_payload)
{
	if (len < RM_MIN_LEN || len - 2 > HV_FRAME_DATA_MAX ||
	    p[0] != RM_HEADER || p[1] != RM_MEASUREMENT_LEN)
		return false;
	cipher(mac, p + 2, len - 2, ret_payload);
	return true;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_yunmai(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t mac[6], pl[HV_FRAME_DATA_MAX];
	const uint8_t *p;
	size_t len;
	uint32_t t;
	unsigned z;
	double kg;
	int r;

	p = hv_frame_value_on(frame, RM_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < RM_MIN_LEN || p[0] != RM_HEADER || p[1] != RM_MEASUREMENT_LEN)
		return hv_measurement_control(ret, "other");
	if (parse_mac(frame->address, mac) < 0)
		return hv_measurement_control(ret, "no address to decipher with");
	(void)measurement_payload(mac, p, len, pl);
	kg = hv_be16(pl + 8) / 100.0;
	if (!weight_in_range(hv_be16(pl + 8)))
		return hv_measurement_invalid(ret, "weight %.2f kg out of range", kg);
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	t = hv_be32(pl + 10);
	if (t) {
		struct hv_datetime dt;

		hv_datetime_from_unix(t, &dt);
		hv_measurement_set_clock(ret, &dt, frame->now);
	}
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	z = hv_be16(pl + 14);
	if (r >= 0 && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && z > 0)
		r = hv_decode_derive(ret, kg, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* A measurement frame for the address 00:00:00:00:00:00, with which the
 * cipher is the identity (the frame carries that address). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[RM_MIN_LEN] = { 0x10, 0x11 };
	int r;

	if (target && !hv_uuid_is16(target, RM_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0.5 ||
	    w->value > 300)
		return -EINVAL;
	hv_put_be16(b + 2 + 8, (uint16_t)(w->value * 100 + 0.5));
	if (z && z->absent == HV_ABSENT_NONE && z->value > 0 && z->value < 65535)
		hv_put_be16(b + 2 + 14, (uint16_t)(z->value + 0.5));
	r = hv_frame_put_value(ret, RM_NOTIFY, b, sizeof(b));
	if (r >= 0)
		ret->address = "00:00:00:00:00:00";
	return r;
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_contains_ci(f->name, "realme") ||
	       hv_frame_has_service(f, RM_SERVICE);
}

/* --- conversation (openScale onConnected) --------------------------------- */

#define RM_SVC "a602"
#define RM_WAITS_FOR_WEIGHING 60
#define RM_WAITS_AFTER 3

/* 10 LL + the payload ciphered with the session's address. */
static int handshake_frame(const struct hv_session *s, const uint8_t *payload,
			   size_t n, uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t mac[6];

	if (parse_mac(s->address, mac) < 0)
		return -EINVAL;
	if (size < n + 2)
		return -ENOSPC;
	buf[0] = RM_HEADER;
	buf[1] = (uint8_t)n;
	cipher(mac, payload, n, buf + 2);
	*ret_len = n + 2;
	return 0;
}

static int pl_register(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	static const uint8_t p[] = { 0x00, 0x08, 0x01, 0x00, 0x00, 0x00,
				     0x00, 0x00, 0x00, 0x00, 0x02 };

	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

/* The local offset in minutes: the session's local clock against its
 * Unix time (they are the same instant). */
static int utc_offset_minutes(const struct hv_session *s)
{
	return (int)((hv_datetime_to_unix(&s->now_local) - s->now_unix) / 60);
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t p[8] = { 0x00, 0x0A, 0x18 };

	if (s->now_unix <= 0 || s->now_unix > UINT32_MAX ||
	    !hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	hv_put_be32(p + 3, (uint32_t)s->now_unix);
	p[7] = (uint8_t)(utc_offset_minutes(s) & 0xFF);
	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

static int pl_start(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	static const uint8_t p[] = { 0x48, 0x01, 0x00, 0x01 };

	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t p[11] = { 0x10, 0x01, 0x01 };
	double cm = s->profile.height_m * 100, age = s->profile.age_years;
	uint16_t height;

	if (!hv_profile_complete(&s->profile) || !(cm >= 1 && cm < 65535) ||
	    !(age >= 1 && age < 256))
		return -ENODATA;
	height = (uint16_t)(cm + 0.5);
	p[3] = s->profile.sex == HV_SEX_MALE ? 0x00 : 0x80;
	p[4] = (uint8_t)age;
	hv_put_be16(p + 5, height);
	hv_put_be16(p + 9, 0xFFFF); /* no last weight */
	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

static int pl_formula(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	static const uint8_t p[] = { 0x10, 0x04, 0x00 };

	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	static const uint8_t p[] = { 0x10, 0x07, 0x01 };

	return handshake_frame(s, p, sizeof(p), buf, size, ret_len);
}

static const uint8_t keep_alive[] = { 0x00, 0x01, 0xD9 };

enum {
	ST_WAIT_FIRST = 8, /* the first keep-alive */
	ST_AFTER = ST_WAIT_FIRST + 2 * RM_WAITS_FOR_WEIGHING,
	ST_END = ST_AFTER + 2 * RM_WAITS_AFTER,
};

/* A weighing: the lingering steps after it (again, for another one). */
static int on_weighing(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t mac[6], pl[HV_FRAME_DATA_MAX];

	if (parse_mac(s->address, mac) < 0 ||
	    !measurement_payload(mac, v, len, pl) ||
	    !weight_in_range(hv_be16(pl + 8)))
		return HV_VALUE_MORE;
	s->next_step = ST_AFTER;
	return HV_VALUE_GOTO;
}

#define HS(pl, text) { .op = HV_STEP_WRITE, .service = RM_SVC, \
		       .characteristic = "a624", .payload = pl, \
		       .flags = HV_STEP_WITH_RESPONSE, .what = text }
/* A keep-alive, then a second's wait for a weighing (fl: the wait's
 * flags; OPTIONAL: a quiet second goes on to the next keep-alive). */
#define KEEP(fl) \
	{ .op = HV_STEP_WRITE, .service = RM_SVC, .characteristic = "a622", \
	  .bytes = keep_alive, .n_bytes = sizeof(keep_alive), \
	  .flags = HV_STEP_WITH_RESPONSE, .what = "keep-alive (00 01 D9)" }, \
	{ .op = HV_STEP_WAIT, .service = RM_SVC, .characteristic = "a621", \
	  .on_value = on_weighing, .timeout_ms = 1000, .flags = fl, \
	  .what = "a second for a weighing" }
#define KEEP5(fl) KEEP(fl), KEEP(fl), KEEP(fl), KEEP(fl), KEEP(fl)
#define KEEP10 KEEP5(HV_STEP_OPTIONAL), KEEP5(HV_STEP_OPTIONAL)

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = RM_SVC,
		  .characteristic = "a621", .what = "subscribe 0xA621" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = RM_SVC,
		  .characteristic = "a625", .flags = HV_STEP_OPTIONAL,
		  .what = "subscribe 0xA625" },
	/* 2 */ HS(pl_register, "handshake: register"),
	/* 3 */ HS(pl_time, "handshake: time and zone"),
	/* 4 */ HS(pl_start, "handshake: start"),
	/* 5 */ { .op = HV_STEP_WRITE, .service = RM_SVC,
		  .characteristic = "a624", .payload = pl_user,
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "handshake: user (sex, age, height)" },
	/* 6 */ HS(pl_formula, "handshake: formula"),
	/* 7 */ HS(pl_unit, "handshake: unit kg"),
	/* 8.. a minute for a weighing; the last quiet second fails */
	KEEP10, KEEP10, KEEP10, KEEP10, KEEP10,
	KEEP5(HV_STEP_OPTIONAL), KEEP(HV_STEP_OPTIONAL), KEEP(HV_STEP_OPTIONAL),
	KEEP(HV_STEP_OPTIONAL), KEEP(HV_STEP_OPTIONAL), KEEP(0),
	/* after a weighing: three quiet seconds end it */
	KEEP(HV_STEP_OPTIONAL), KEEP(HV_STEP_OPTIONAL), KEEP(HV_STEP_OPTIONAL),
	{ .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Realme Smart Scale", NULL };
static const uint16_t characteristics[] = { RM_NOTIFY, 0 };
static const uint16_t services[] = { RM_SERVICE, 0 };
static const char *const name_prefixes[] = { "realme", NULL };

const struct hv_driver realme_driver = {
	.id = "realme",
	.name = "Realme Smart Scale (0xA602, address-ciphered)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
