// SPDX-License-Identifier: MIT
/*
 * Soehnle Shape200, Shape100, Shape50 and Style100 (advertised names):
 * vendor service 352e3000-28e9-40b8-a361-6db4cca4147c next to the SIG User
 * Data (0x181C), Current Time (0x1805) and Battery (0x180F) services.
 * Source: openScale SoehnleHandler (android_app/.../core/bluetooth/scales/
 * SoehnleHandler.kt at oliexdev/openScale@f7a733b2); slots: docs/people.md.
 *
 *   352e3001 (notify)  measurement records, 15 bytes:
 *   09 UU YH YL MO DD HH MI SS WH WL AH AL BH BL
 *      UU  scale user index 1..7 (0: no user)
 *      Y…S the record's time, scale-local, year u16 BE
 *      W   weight u16 BE, 0.1 kg
 *      A   impedance at 5 kHz u16 BE, Ohm
 *      B   impedance at 50 kHz u16 BE, Ohm
 *   352e3004 (notify)  other notifications (not decoded)
 *   352e3002 (write)   09 UU: send the stored records of user UU;
 *                      0B FF: factory reset (never sent here)
 *
 * Users are SIG User Data Service users: User Control Point 0x2A9F
 * register "01 00 00" (answer 20 01 01 <index>) or select
 * "02 <index> 00 00" (answer 20 02 01), consent code 0000 as openScale
 * sends; then age 0x2A80, gender 0x2A8C (0 male, 1 female), height 0x2A8E
 * (u16 LE, cm).
 *
 * The records have no checksum: the opcode, the exact length, the user
 * index, the date fields and a non-zero weight are checked instead. Every
 * record is final (the scale stores a weighing once it is complete);
 * records already received dedupe on their time downstream. Impedance is
 * reported at 50 kHz. The scale sends no composition: method
 * "standard_impedance" with the 50 kHz value and a complete profile
 * (openScale's SoehnleLib is not reproduced).
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define SOEHNLE_SERVICE "352e3000-28e9-40b8-a361-6db4cca4147c"
#define SOEHNLE_CHR_A "352e3001-28e9-40b8-a361-6db4cca4147c"
#define SOEHNLE_CHR_CMD "352e3002-28e9-40b8-a361-6db4cca4147c"
#define SOEHNLE_CHR_B "352e3004-28e9-40b8-a361-6db4cca4147c"

#define OP_RECORD 0x09
#define RECORD_LEN 15
#define USERS_MAX 7

static bool is_chr(const struct hv_frame *f, const char *text)
{
	struct hv_uuid u;

	return f->has_characteristic && hv_uuid_parse(text, &u) == 0 &&
	       hv_uuid_equal(&u, &f->characteristic);
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p = frame->value;
	size_t len = frame->value_len;
	struct hv_datetime clock;
	double w, z50;
	int r;

	if (is_chr(frame, SOEHNLE_CHR_B))
		return hv_measurement_control(ret, "other");
	if (!is_chr(frame, SOEHNLE_CHR_A))
		return -ENODEV;
	if (len < 1 || p[0] != OP_RECORD)
		return hv_measurement_control(ret, "other");
	if (len != RECORD_LEN)
		return hv_measurement_invalid(ret, "record has %zu bytes, needs %d",
					      len, RECORD_LEN);
	if (p[1] > USERS_MAX)
		return hv_measurement_invalid(ret, "user index %u above %d", p[1],
					      USERS_MAX);
	clock = (struct hv_datetime){
		.year = hv_be16(p + 2), .month = p[4], .day = p[5],
		.hour = p[6], .minute = p[7], .second = p[8],
	};
	if (!hv_datetime_plausible(&clock, 0))
		return hv_measurement_invalid(ret, "record time %u-%u-%u %u:%u:%u is not valid",
					      clock.year, clock.month, clock.day,
					      clock.hour, clock.minute, clock.second);
	w = hv_be16(p + 9) / 10.0;
	if (w <= 0)
		return hv_measurement_invalid(ret, "record weight is zero");
	z50 = hv_be16(p + 13);

	hv_measurement_set_clock(ret, &clock, frame->now);
	ret->final = true;
	ret->user_index = p[1] ? p[1] : -1;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && z50 > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z50);
	if (r >= 0 && z50 > 0)
		r = hv_decode_derive(ret, w, z50, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* A measurement with its device time as a 15-byte record; the impedance
 * goes to both frequencies. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_datetime *dt;
	struct hv_uuid a;
	uint8_t b[RECORD_LEN] = { OP_RECORD };
	double raw;

	if (hv_uuid_parse(SOEHNLE_CHR_A, &a) < 0)
		return -EINVAL;
	if (target && !hv_uuid_equal(target, &a))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 ||
	    !m->has_raw_device_time)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw > UINT16_MAX || raw < 1)
		return -EINVAL;
	if (m->user_index > USERS_MAX)
		return -EINVAL;
	dt = &m->raw_device_time;
	b[1] = m->user_index > 0 ? (uint8_t)m->user_index : 0;
	hv_put_be16(b + 2, dt->year);
	b[4] = dt->month;
	b[5] = dt->day;
	b[6] = dt->hour;
	b[7] = dt->minute;
	b[8] = dt->second;
	hv_put_be16(b + 9, (uint16_t)raw);
	if (z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value < UINT16_MAX) {
		hv_put_be16(b + 11, (uint16_t)(z->value + 0.5));
		hv_put_be16(b + 13, (uint16_t)(z->value + 0.5));
	}
	*ret = (struct hv_frame){ .has_characteristic = true,
				  .characteristic = a,
				  .value_len = RECORD_LEN };
	memcpy(ret->value, b, RECORD_LEN);
	return 0;
}

static const char *const name_prefixes[] = { "Shape200", "Shape100", "Shape50",
					     "Style100", NULL };

static bool claims_device(const struct hv_frame *f)
{
	struct hv_uuid svc;

	if (hv_name_any_prefix_ci(f->name, name_prefixes))
		return true;
	if (hv_uuid_parse(SOEHNLE_SERVICE, &svc) < 0)
		return false;
	for (size_t i = 0; i < f->n_service_uuids; i++)
		if (hv_uuid_equal(&f->service_uuids[i], &svc))
			return true;
	return is_chr(f, SOEHNLE_CHR_A) || is_chr(f, SOEHNLE_CHR_B);
}

/* --- conversation --------------------------------------------------------- */

#define UCP_REGISTER 0x01
#define UCP_SELECT 0x02
#define UCP_RESPONSE 0x20
#define UCP_SUCCESS 0x01
#define UCP_FAILED 0x04

enum {
	ST_TIME,
	ST_SUBSCRIBE_UCP,
	ST_SELECT,
	ST_SELECT_WAIT,
	ST_REGISTER,
	ST_REGISTER_WAIT,
	ST_AGE,
	ST_GENDER,
	ST_HEIGHT,
	ST_SUBSCRIBE_A,
	ST_SUBSCRIBE_B,
	ST_HISTORY,
	ST_WAIT,
	ST_LINGER,
	ST_END,
};

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	if (size < 9)
		return -ENOSPC;
	if (!hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	hv_write_datetime(buf, &s->now_local);
	buf[7] = s->day_of_week <= 7 ? s->day_of_week : 0;
	buf[8] = 0;
	*ret_len = 9;
	return 0;
}

static int pl_select(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	if (size < 4)
		return -ENOSPC;
	if (s->user_index < 1 || s->user_index > USERS_MAX)
		return -EINVAL;
	buf[0] = UCP_SELECT;
	buf[1] = (uint8_t)s->user_index;
	buf[2] = 0;
	buf[3] = 0;
	*ret_len = 4;
	return 0;
}

static int pl_register(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len)
{
	(void)s;
	if (size < 3)
		return -ENOSPC;
	buf[0] = UCP_REGISTER;
	buf[1] = 0;
	buf[2] = 0;
	*ret_len = 3;
	return 0;
}

static int on_select(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 3 || v[0] != UCP_RESPONSE || v[1] != UCP_SELECT)
		return HV_VALUE_MORE;
	if (v[2] == UCP_SUCCESS)
		return HV_VALUE_DONE;
	/* The scale no longer knows the slot (reset): create one. */
	s->user_index = -1;
	s->next_step = ST_REGISTER;
	return HV_VALUE_GOTO;
}

static int on_register(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 3 || v[0] != UCP_RESPONSE || v[1] != UCP_REGISTER)
		return HV_VALUE_MORE;
	if (v[2] == UCP_FAILED)
		return -ENOSPC;
	if (v[2] != UCP_SUCCESS)
		return -EPROTO;
	if (len < 4 || v[3] < 1 || v[3] > USERS_MAX)
		return -EBADMSG;
	s->user_index = v[3];
	s->user_registered = true;
	return HV_VALUE_DONE;
}

static int pl_age(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	if (size < 1)
		return -ENOSPC;
	if (!(s->profile.age_years >= 1 && s->profile.age_years < 130))
		return -ENODATA;
	buf[0] = (uint8_t)s->profile.age_years;
	*ret_len = 1;
	return 0;
}

static int pl_gender(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	if (size < 1)
		return -ENOSPC;
	if (s->profile.sex == HV_SEX_UNKNOWN)
		return -ENODATA;
	buf[0] = s->profile.sex == HV_SEX_MALE ? 0 : 1;
	*ret_len = 1;
	return 0;
}

static int pl_height(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	double cm = s->profile.height_m * 100;

	if (size < 2)
		return -ENOSPC;
	if (!(cm >= 30 && cm <= 300))
		return -ENODATA;
	hv_put_le16(buf, (uint16_t)(cm + 0.5));
	*ret_len = 2;
	return 0;
}

static int pl_history(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	if (size < 2)
		return -ENOSPC;
	if (s->user_index < 1 || s->user_index > USERS_MAX)
		return -EINVAL;
	buf[0] = OP_RECORD;
	buf[1] = (uint8_t)s->user_index;
	*ret_len = 2;
	return 0;
}

static int on_record(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == RECORD_LEN && v[0] == OP_RECORD ? HV_VALUE_DONE :
							HV_VALUE_MORE;
}

static int on_more(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	(void)len;
	return HV_VALUE_MORE;
}

#define OPT HV_STEP_OPTIONAL
#define RSP HV_STEP_WITH_RESPONSE
#define USER HV_STEP_SKIP_IF_NO_USER

static const struct hv_step steps[] = {
	[ST_TIME] = { .op = HV_STEP_WRITE, .service = "1805",
		      .characteristic = "2a2b", .payload = pl_time,
		      .flags = OPT | RSP, .what = "set the clock (Current Time)" },
	[ST_SUBSCRIBE_UCP] = { .op = HV_STEP_SUBSCRIBE, .service = "181c",
			       .characteristic = "2a9f",
			       .what = "indications on User Control Point" },
	[ST_SELECT] = { .op = HV_STEP_WRITE, .service = "181c",
			.characteristic = "2a9f", .payload = pl_select,
			.flags = RSP | USER, .what = "select the user slot" },
	[ST_SELECT_WAIT] = { .op = HV_STEP_WAIT, .service = "181c",
			     .characteristic = "2a9f", .on_value = on_select,
			     .flags = USER, .what = "select response" },
	[ST_REGISTER] = { .op = HV_STEP_WRITE, .service = "181c",
			  .characteristic = "2a9f", .payload = pl_register,
			  .flags = RSP | HV_STEP_SKIP_IF_USER,
			  .what = "register a new user" },
	[ST_REGISTER_WAIT] = { .op = HV_STEP_WAIT, .service = "181c",
			       .characteristic = "2a9f", .on_value = on_register,
			       .flags = HV_STEP_SKIP_IF_USER,
			       .what = "new user index" },
	[ST_AGE] = { .op = HV_STEP_WRITE, .service = "181c",
		     .characteristic = "2a80", .payload = pl_age,
		     .flags = OPT | RSP | USER, .what = "write age" },
	[ST_GENDER] = { .op = HV_STEP_WRITE, .service = "181c",
			.characteristic = "2a8c", .payload = pl_gender,
			.flags = OPT | RSP | USER, .what = "write gender" },
	[ST_HEIGHT] = { .op = HV_STEP_WRITE, .service = "181c",
			.characteristic = "2a8e", .payload = pl_height,
			.flags = OPT | RSP | USER, .what = "write height" },
	[ST_SUBSCRIBE_A] = { .op = HV_STEP_SUBSCRIBE, .service = SOEHNLE_SERVICE,
			     .characteristic = SOEHNLE_CHR_A,
			     .what = "notifications on the records (3001)" },
	[ST_SUBSCRIBE_B] = { .op = HV_STEP_SUBSCRIBE, .service = SOEHNLE_SERVICE,
			     .characteristic = SOEHNLE_CHR_B, .flags = OPT,
			     .what = "notifications on 3004" },
	[ST_HISTORY] = { .op = HV_STEP_WRITE, .service = SOEHNLE_SERVICE,
			 .characteristic = SOEHNLE_CHR_CMD, .payload = pl_history,
			 .flags = RSP | USER,
			 .what = "request the user's stored records (09 UU)" },
	[ST_WAIT] = { .op = HV_STEP_WAIT, .service = SOEHNLE_SERVICE,
		      .characteristic = SOEHNLE_CHR_A, .on_value = on_record,
		      .timeout_ms = 60000, .flags = OPT,
		      .what = "wait for a record" },
	[ST_LINGER] = { .op = HV_STEP_WAIT, .service = SOEHNLE_SERVICE,
			.characteristic = SOEHNLE_CHR_A, .on_value = on_more,
			.timeout_ms = 5000, .flags = OPT,
			.what = "receive further stored records" },
	[ST_END] = { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Soehnle Shape200", "Soehnle Shape100", "Soehnle Shape50",
	"Soehnle Style100", NULL,
};

static const char *const characteristics128[] = { SOEHNLE_CHR_A,
						  SOEHNLE_CHR_B, NULL };

const struct hv_driver soehnle_shape_driver = {
	.id = "soehnle_shape",
	.name = "Soehnle Shape / Style (352e3000)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics128 = characteristics128,
		.name_prefixes = name_prefixes,
	},
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
