// SPDX-License-Identifier: MIT
/*
 * Keep S3 body-composition scale: service 0x00FF, 0xFF01 notify, 0xFF02
 * write (with response). Source: openScale KeepS3Handler
 * (android_app/.../core/bluetooth/scales/KeepS3Handler.kt, its codec
 * KeepS3Protocol, verified there against captures of the Keep app);
 * oliexdev/openScale@f7a733b2.
 *
 * Every frame, both directions:
 *
 *   TT 53 OP 00 LL payload…
 *   TT  1 request (app), 2 response, 3 event (scale), 4 acknowledgement
 *   53  magic
 *   OP  opcode
 *   LL  payload length; a response and an acknowledgement carry a status
 *       byte (0x80 = OK) before the payload that LL does not count:
 *       request/event = 5 + LL bytes, response/ack = 6 + LL bytes
 *
 *   03 53 57 00 08 SG WH WL ?? ?? ZH ZL HR      measurement event
 *       SG stage: 0x00/0x01 live, 0x29 final result
 *       W  weight u16 BE, 5 g (raw / 200 kg)
 *       Z  the scale's own impedance figure u16 BE, Ohm (0 = none; 301 in
 *          openScale's first capture, where the record's 50 kHz value is
 *          506: not the BIA input)
 *       HR heart rate, 1/min (0 = none)
 *   03 53 58 00 3D …61 bytes…                   final record (66 bytes)
 *       [53..54] weight u16 BE / 200 kg
 *       [55..57] encoded 50 kHz impedance u24 BE, [58..60] 100 kHz
 *       [61..62] [63..64] phase angles i16 BE, −0.1° (not reported)
 *       [65] heart rate
 *   Encoded impedance E (0xFFFFFF = none): U = (E & 0x0F00) | (E >> 16),
 *   L = ((E & 0xFF) << 2) + ((E >> 12) & 0x0F), Z = (U − L) / 2 (integer,
 *   truncated), valid 200..1200 Ohm (the vendor SDK's rule).
 *
 *   App: requests 01 53 OP 00 LL …, in this order, each answered by a
 *   response 02 53 OP 00 LL 80 …: 0x38 negotiate, 0x0A read time (4-byte
 *   answer), 0x01 set time (the scale's own time echoed, as the Keep app
 *   does; Unix time BE when it gave none), 0x05 unit (00 = kg), 0xE7
 *   device info, 0xF5 twice, 0x03 battery, 0x20, 0x32 profile, 0x36
 *   measurement control. Events are acknowledged with 04 53 OP 00 00 80.
 *   Profile payload (63 bytes): the token twice (48 ASCII bytes), the
 *   previous record (weight u16 BE ×200, time u32 BE, impedance u16 BE, 2
 *   reserved; all zero is accepted), height cm, birth year u16 BE, month,
 *   day. Control payload (50): the token twice, 00, 01 start / 00 stop.
 *   The token is 24 lower-case hex digits the app makes up per user (the
 *   vendor algorithm is unknown); ours is the hex of "homevitals" and the
 *   user slot (u16 BE).
 *
 * No checksum: the magic, the reserved zero, the type and the declared
 * length (which must match the frame) are checked instead. Events are not
 * final: the final event (stage 0x29) reports the weight, the scale's
 * impedance figure and the heart rate as openScale's KeepS3HandlerTest
 * (commit cfec324fd0734a170dc333a4cd074d1f54507dbb) decodes them, and
 * the final record that follows is the measurement (weight, 50 kHz
 * impedance, heart rate): it repeats the event's weight and heart rate, and
 * joined to the event its BIA impedance would come second to the event's
 * figure. openScale likewise waits for the record and publishes the
 * record's impedances. The scale sends no composition: method
 * "standard_impedance" with the 50 kHz impedance and a complete profile
 * (openScale ports the vendor's model; we do not).
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define KS_NOTIFY 0xFF01
#define KS_MAGIC 0x53
#define KS_STATUS_OK 0x80

#define T_REQUEST 1
#define T_RESPONSE 2
#define T_EVENT 3
#define T_ACK 4

#define OP_SET_TIME 0x01
#define OP_BATTERY 0x03
#define OP_SET_UNIT 0x05
#define OP_READ_TIME 0x0A
#define OP_UNKNOWN_20 0x20
#define OP_PROFILE 0x32
#define OP_CONTROL 0x36
#define OP_NEGOTIATE 0x38
#define OP_EVENT 0x57
#define OP_RECORD 0x58
#define OP_DEVICE_INFO 0xE7
#define OP_UNKNOWN_F5 0xF5

#define STAGE_FINAL 0x29
#define EVENT_LEN 13
#define RECORD_LEN 66

static int frame_size(const uint8_t *p, size_t len)
{
	if (len < 5 || p[1] != KS_MAGIC || p[3] != 0 || p[0] < T_REQUEST ||
	    p[0] > T_ACK)
		return -1;
	return (p[0] == T_RESPONSE || p[0] == T_ACK ? 6 : 5) + p[4];
}

/* The vendor's impedance encoding; -1 when none or out of range. */
static int decode_impedance(uint32_t e)
{
	int upper, lower, z;

	if (e >= 0xFFFFFF)
		return -1;
	upper = (int)((e & 0x0F00) | ((e >> 16) & 0xFF));
	lower = (int)(((e & 0xFF) << 2) + ((e >> 12) & 0x0F));
	z = (upper - lower) / 2;
	return z >= 200 && z <= 1200 ? z : -1;
}

static uint32_t encode_impedance(unsigned z)
{
	unsigned twice = 2 * z; /* U = 2Z, L = 0 */

	return (twice & 0xFF) << 16 | ((twice >> 8) & 0x0F) << 8;
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static int add_common(struct hv_measurement *ret, double w, unsigned hr)
{
	int r;

	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && hr >= 30 && hr <= 250)
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, hr);
	return r;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int size, z;
	double w;
	int r;

	p = hv_frame_value_on(frame, KS_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	size = frame_size(p, len);
	if (size < 0)
		return hv_measurement_invalid(ret, "not a Keep S3 frame (%zu bytes)",
					      len);
	if ((size_t)size != len)
		return hv_measurement_invalid(
			ret, "frame declares %d bytes, has %zu", size, len);
	if (p[0] != T_EVENT)
		return hv_measurement_control(ret, p[0] == T_RESPONSE ? "response" :
								       "other");
	switch (p[2]) {
	case OP_EVENT:
		if (len != EVENT_LEN)
			return hv_measurement_invalid(
				ret, "measurement event has %zu bytes, needs %d",
				len, EVENT_LEN);
		w = hv_be16(p + 6) / 200.0;
		if (w <= 0)
			return hv_measurement_control(ret, "empty");
		/* The record that follows is the measurement. */
		ret->final = false;
		r = add_common(ret, w, p[5] == STAGE_FINAL ? p[12] : 0);
		if (r >= 0 && hv_be16(p + 10) > 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE,
					       hv_be16(p + 10));
		return r < 0 ? r : 0;
	case OP_RECORD:
		if (len != RECORD_LEN)
			return hv_measurement_invalid(
				ret, "final record has %zu bytes, needs %d", len,
				RECORD_LEN);
		w = hv_be16(p + 53) / 200.0;
		if (w <= 0)
			return hv_measurement_invalid(ret, "record weight is zero");
		z = decode_impedance(be24(p + 55));
		ret->final = true;
		r = add_common(ret, w, p[65]);
		if (r >= 0 && z > 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
		if (r >= 0 && z > 0)
			r = hv_decode_derive(ret, w, z, frame->profile,
					     derive_bodycomp);
		return r < 0 ? r : 0;
	default:
		return hv_measurement_control(ret, "event");
	}
}

/* Final: a 66-byte record (weight, 50 and 100 kHz impedance alike, heart
 * rate); otherwise a live measurement event. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	uint8_t b[RECORD_LEN] = { T_EVENT, KS_MAGIC };
	uint32_t ez = 0xFFFFFF;
	uint8_t rate = 0;
	double raw;

	if (target && !hv_uuid_is16(target, KS_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 200 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	if (hr && hr->absent == HV_ABSENT_NONE && hr->value >= 30 &&
	    hr->value <= 250)
		rate = (uint8_t)(hr->value + 0.5);
	if (!m->final) {
		b[2] = OP_EVENT;
		b[4] = EVENT_LEN - 5;
		b[5] = 0x01;
		hv_put_be16(b + 6, (uint16_t)raw);
		return hv_frame_put_value(ret, KS_NOTIFY, b, EVENT_LEN);
	}
	if (z && z->absent == HV_ABSENT_NONE && z->value >= 200 &&
	    z->value <= 1200)
		ez = encode_impedance((unsigned)(z->value + 0.5));
	b[2] = OP_RECORD;
	b[4] = RECORD_LEN - 5;
	hv_put_be16(b + 53, (uint16_t)raw);
	for (int i = 0; i < 2; i++) {
		b[55 + 3 * i] = (uint8_t)(ez >> 16);
		b[56 + 3 * i] = (uint8_t)(ez >> 8);
		b[57 + 3 * i] = (uint8_t)ez;
	}
	b[65] = rate;
	return hv_frame_put_value(ret, KS_NOTIFY, b, RECORD_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	/* 0x00FF/0xFF01 are every ESP32 demo's UUIDs: the exact name only. */
	return hv_name_prefix_ci(f->name, "Keep_S3") && f->name[7] == '\0';
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: the scale's time (Unix, from 0x0A); scratch[1]: 1 if known */

#define TOKEN_HEX 24

static void token(const struct hv_session *s, uint8_t *out /* 48 bytes */)
{
	static const char hexdig[] = "0123456789abcdef";
	static const char seed[] = "homevitals";
	uint8_t raw[TOKEN_HEX / 2];
	unsigned slot = s->user_index > 0 ? (unsigned)s->user_index : 0;

	memcpy(raw, seed, 10);
	raw[10] = (uint8_t)(slot >> 8);
	raw[11] = (uint8_t)slot;
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = (uint8_t)hexdig[raw[i] >> 4];
		out[2 * i + 1] = (uint8_t)hexdig[raw[i] & 0x0F];
	}
	memcpy(out + TOKEN_HEX, out, TOKEN_HEX);
}

static int request(uint8_t op, const uint8_t *payload, size_t n, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	if (n > 0xFF || size < 5 + n)
		return -ENOSPC;
	buf[0] = T_REQUEST;
	buf[1] = KS_MAGIC;
	buf[2] = op;
	buf[3] = 0;
	buf[4] = (uint8_t)n;
	if (n)
		memcpy(buf + 5, payload, n);
	*ret_len = 5 + n;
	return 0;
}

#define SIMPLE_REQUEST(name, op)                                               \
	static int name(const struct hv_session *s, uint8_t *buf, size_t size, \
			size_t *ret_len)                                       \
	{                                                                      \
		(void)s;                                                       \
		return request(op, NULL, 0, buf, size, ret_len);               \
	}

SIMPLE_REQUEST(pl_negotiate, OP_NEGOTIATE)
SIMPLE_REQUEST(pl_read_time, OP_READ_TIME)
SIMPLE_REQUEST(pl_device_info, OP_DEVICE_INFO)
SIMPLE_REQUEST(pl_f5, OP_UNKNOWN_F5)
SIMPLE_REQUEST(pl_battery, OP_BATTERY)
SIMPLE_REQUEST(pl_unknown_20, OP_UNKNOWN_20)

static int pl_set_time(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	uint8_t t[4];

	hv_put_be32(t, s->scratch[1] ? s->scratch[0] : (uint32_t)s->now_unix);
	return request(OP_SET_TIME, t, sizeof(t), buf, size, ret_len);
}

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	static const uint8_t kg[] = { 0x00 };

	(void)s;
	return request(OP_SET_UNIT, kg, sizeof(kg), buf, size, ret_len);
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	uint8_t p[63] = { 0 };
	double cm = s->profile.height_m * 100;

	token(s, p);
	/* [48..57]: no previous record (all zero) */
	if (cm >= 30 && cm <= 255)
		p[58] = (uint8_t)(cm + 0.5);
	if (s->profile.age_years > 0 && s->profile.age_years < 150 &&
	    hv_datetime_plausible(&s->now_local, 0)) {
		struct hv_datetime dob;

		hv_datetime_from_unix(hv_datetime_to_unix(&s->now_local) -
					      (int64_t)(s->profile.age_years *
							365.2425 * 86400),
				      &dob);
		hv_put_be16(p + 59, dob.year);
		p[61] = dob.month;
		p[62] = dob.day;
	} else {
		p[61] = 1;
		p[62] = 1;
	}
	return request(OP_PROFILE, p, sizeof(p), buf, size, ret_len);
}

static int control(const struct hv_session *s, bool start, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	uint8_t p[50] = { 0 };

	token(s, p);
	p[49] = start ? 1 : 0;
	return request(OP_CONTROL, p, sizeof(p), buf, size, ret_len);
}

static int pl_start(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	return control(s, true, buf, size, ret_len);
}

static int pl_stop(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return control(s, false, buf, size, ret_len);
}

static int ack(uint8_t op, uint8_t *buf, size_t size, size_t *ret_len)
{
	const uint8_t b[6] = { T_ACK, KS_MAGIC, op, 0, 0, KS_STATUS_OK };

	if (size < sizeof(b))
		return -ENOSPC;
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int pl_ack_event(const struct hv_session *s, uint8_t *buf, size_t size,
			size_t *ret_len)
{
	(void)s;
	return ack(OP_EVENT, buf, size, ret_len);
}

static int pl_ack_record(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	(void)s;
	return ack(OP_RECORD, buf, size, ret_len);
}

/* A response to op: DONE, MORE for other frames, -EPROTO on a bad status. */
static int response(const uint8_t *v, size_t len, uint8_t op)
{
	int size = frame_size(v, len);

	if (size < 0 || (size_t)size != len || v[0] != T_RESPONSE || v[2] != op)
		return HV_VALUE_MORE;
	return v[5] == KS_STATUS_OK ? HV_VALUE_DONE : -EPROTO;
}

#define ON_RESPONSE(name, op)                                                   \
	static int name(struct hv_session *s, const uint8_t *v, size_t len)     \
	{                                                                       \
		(void)s;                                                        \
		return response(v, len, op);                                    \
	}

ON_RESPONSE(on_negotiate, OP_NEGOTIATE)
ON_RESPONSE(on_set_time, OP_SET_TIME)
ON_RESPONSE(on_unit, OP_SET_UNIT)
ON_RESPONSE(on_device_info, OP_DEVICE_INFO)
ON_RESPONSE(on_f5, OP_UNKNOWN_F5)
ON_RESPONSE(on_battery, OP_BATTERY)
ON_RESPONSE(on_unknown_20, OP_UNKNOWN_20)
ON_RESPONSE(on_profile, OP_PROFILE)
ON_RESPONSE(on_start, OP_CONTROL)

static int on_read_time(struct hv_session *s, const uint8_t *v, size_t len)
{
	int r = response(v, len, OP_READ_TIME);

	if (r == HV_VALUE_DONE && len == 10) {
		s->scratch[0] = hv_be32(v + 6);
		s->scratch[1] = 1;
	}
	return r;
}

enum { ST_ACK_EVENT = 24, ST_ACK_RECORD = 26, ST_END = 28 };

static int on_event(struct hv_session *s, const uint8_t *v, size_t len)
{
	int size = frame_size(v, len);

	if (size < 0 || (size_t)size != len || v[0] != T_EVENT)
		return HV_VALUE_MORE;
	if (v[2] == OP_EVENT) {
		s->next_step = ST_ACK_EVENT;
		return HV_VALUE_GOTO;
	}
	if (v[2] == OP_RECORD) {
		s->next_step = ST_ACK_RECORD;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

#define SVC "00ff"
#define WR "ff02"
#define NT "ff01"
#define RSP HV_STEP_WITH_RESPONSE
#define REQ(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = WR, \
			.payload = pl, .flags = RSP, .what = text }
#define RESP(fn, text) { .op = HV_STEP_WAIT, .service = SVC, .characteristic = NT, \
			 .on_value = fn, .timeout_ms = 5000, .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = NT,
		  .what = "subscribe 0xFF01" },
	/* 1 */ REQ(pl_negotiate, "negotiate (0x38)"),
	/* 2 */ RESP(on_negotiate, "negotiate response"),
	/* 3 */ REQ(pl_read_time, "read the scale's time (0x0A)"),
	/* 4 */ RESP(on_read_time, "time response"),
	/* 5 */ REQ(pl_set_time, "set time (0x01)"),
	/* 6 */ RESP(on_set_time, "set time response"),
	/* 7 */ REQ(pl_unit, "unit kg (0x05)"),
	/* 8 */ RESP(on_unit, "unit response"),
	/* 9 */ REQ(pl_device_info, "device info (0xE7)"),
	/* 10 */ RESP(on_device_info, "device info response"),
	/* 11 */ REQ(pl_f5, "0xF5, first"),
	/* 12 */ RESP(on_f5, "0xF5 response"),
	/* 13 */ REQ(pl_f5, "0xF5, second"),
	/* 14 */ RESP(on_f5, "0xF5 response, second"),
	/* 15 */ REQ(pl_battery, "battery (0x03)"),
	/* 16 */ RESP(on_battery, "battery response"),
	/* 17 */ REQ(pl_unknown_20, "0x20"),
	/* 18 */ RESP(on_unknown_20, "0x20 response"),
	/* 19 */ REQ(pl_profile, "profile (0x32)"),
	/* 20 */ RESP(on_profile, "profile response"),
	/* 21 */ REQ(pl_start, "start measuring (0x36 … 01)"),
	/* 22 */ RESP(on_start, "start response"),
	/* 23 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = NT,
		   .on_value = on_event, .timeout_ms = 60000,
		   .what = "wait for a measurement event" },
	/* 24 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = WR,
		   .payload = pl_ack_event, .flags = RSP,
		   .what = "acknowledge the event (0x57)" },
	/* 25 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = NT,
		   .on_value = on_event, .timeout_ms = 30000,
		   .what = "wait for the next event or the final record" },
	/* 26 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = WR,
		   .payload = pl_ack_record, .flags = RSP,
		   .what = "acknowledge the final record (0x58)" },
	/* 27 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = WR,
		   .payload = pl_stop, .flags = RSP | HV_STEP_OPTIONAL,
		   .what = "stop measuring (0x36 … 00)" },
	/* 28 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Keep S3", NULL };
static const uint16_t characteristics[] = { KS_NOTIFY, 0 };
static const char *const name_prefixes[] = { "Keep_S3", NULL };

const struct hv_driver keep_s3_driver = {
	.id = "keep_s3",
	.name = "Keep S3 (0x00FF)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
