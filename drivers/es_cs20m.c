// SPDX-License-Identifier: MIT
/*
 * Renpho ES-CS20M and ES-32MD (Lefu lineage) on service 0x1A10: 0x2A10
 * notify, 0x2A11 write. Source: openScale ESCS20MHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/
 * ESCS20MHandler.kt), oliexdev/openScale@f7a733b2 (file last changed in
 * 48cf7578), itself read from an HCI capture of the vendor's app; the
 * anonymous ESCS20MB2 advert from ble-scale-sync (KristianP26/ble-scale-sync
 * tests/scales/es-cs20m.test.ts @ 14ef35b2, issue #376). Not the QN
 * protocol (drivers/qn_scale.c), although the vendor sells both.
 *
 * Frames, both directions: 55 AA CC 00 LL payload… CS
 *   CC message, LL payload length, CS byte sum of all before (written;
 *   openScale does not check it on the scale's frames, nor do we)
 * Frames longer than the MTU come in two notifications, AD xx xx … and
 * AF xx xx … (only the interim BIA result, 0x19, which is not read here).
 *
 * Scale → app (offsets in the whole frame, u16 big-endian):
 *   0x10  mode: [5] 00 BIA, 01 weight only
 *   0x11  [5] 01 start, 00 stop
 *   0x14  live weight: [8..9] 0.01 kg
 *   0x16  [5] 01: the 0x96 record was accepted
 *   0x17  the 0x97 profile acknowledged
 *   0x18  final BIA result: [10..11] weight 0.01 kg, [12..13] R1 Ohm,
 *         [14..15] R2 Ohm
 *   0x19  interim BIA result (answered with 0x99 and 0x96; not read)
 * App → scale (0x2A11):
 *   0x97  01 00 00 TT TT TT TT 01 06      Unix time, big-endian
 *   0x96  SX YY YY MM DD HH HH 00 00 WW WW MO 01 05
 *         SX 0x11 male / 0x21 female, birth date, height in mm, reference
 *         weight 0.01 kg, MO 0xAA standard (0x6A athlete)
 *   0x90  01 00 01 00                     start, with BIA
 *   0x99  01                              interim result acknowledged
 *
 * The 0x18 result is the measurement: weight, R1 and, with a complete
 * profile, method "trisa" on R1 as for QN (openScale's handler does the
 * same). A weighing without BIA ends with a stop (0x11 00): the
 * conversation keeps the last live weight in session.quirks (bits 8..23,
 * 0.01 kg) and the stop then decodes as a weight-only measurement, unless
 * a BIA result was already given (quirk bit 0). No clock in the results.
 *
 * The reference weight: the scale refuses BIA when it is 0 (openScale's
 * capture), and the gateway's profile holds no weight, so the pre-weighing
 * 0x96 carries the weight the conversation has seen this session (0 at
 * first) and such weighings are weight only; the interim 0x96 carries the
 * live weight, as openScale's.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/registry.h"
#include "drivers/vendor_util.h"

#define ES_NOTIFY 0x2A10
#define ES_H0 0x55
#define ES_H1 0xAA
#define ES_FRAG_FIRST 0xAD
#define ES_FRAG_NEXT 0xAF

#define MSG_MODE 0x10
#define MSG_START_STOP 0x11
#define MSG_WEIGHT 0x14
#define MSG_RECORD_ACK 0x16
#define MSG_PROFILE_ACK 0x17
#define MSG_BIA_FINAL 0x18
#define MSG_BIA_INTERIM 0x19

#define CMD_START 0x90
#define CMD_RECORD 0x96
#define CMD_PROFILE 0x97
#define CMD_INTERIM_ACK 0x99

/* session/frame quirks */
#define ES_QUIRK_BIA_DONE 0x1u
#define ES_WEIGHT_SHIFT 8
#define ES_WEIGHT_MASK 0xFFFFu

static void person_kg(struct hv_measurement *ret)
{
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_trisa(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode_bia(const struct hv_frame *frame, const uint8_t *p,
		      size_t len, struct hv_measurement *ret)
{
	double w, r1;
	int r;

	if (len < 16)
		return hv_measurement_invalid(ret, "BIA result has %zu bytes, needs 16",
					      len);
	w = hv_be16(p + 10) / 100.0;
	r1 = hv_be16(p + 12);
	if (w <= 0)
		return hv_measurement_invalid(ret, "BIA result weight is zero");
	ret->final = true;
	person_kg(ret);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && r1 > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, r1);
	if (r >= 0 && r1 > 0)
		r = hv_decode_derive(ret, w, hv_qn_impedance(r1), frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode_stop(const struct hv_frame *frame, struct hv_measurement *ret)
{
	unsigned kept = (frame->quirks >> ES_WEIGHT_SHIFT) & ES_WEIGHT_MASK;

	if (!kept || (frame->quirks & ES_QUIRK_BIA_DONE))
		return hv_measurement_control(ret, "stop");
	ret->final = true;
	person_kg(ret);
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kept / 100.0);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, ES_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len >= 1 && (p[0] == ES_FRAG_FIRST || p[0] == ES_FRAG_NEXT))
		return hv_measurement_control(ret, "fragment");
	if (len < 6 || p[0] != ES_H0 || p[1] != ES_H1)
		return hv_measurement_invalid(ret, "not an ES-CS20M frame (%zu bytes)",
					      len);
	switch (p[2]) {
	case MSG_WEIGHT:
		if (len < 10)
			return hv_measurement_invalid(ret, "weight frame has %zu bytes",
						      len);
		if (hv_be16(p + 8) == 0)
			return hv_measurement_control(ret, "empty");
		ret->final = false;
		person_kg(ret);
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
					  hv_be16(p + 8) / 100.0);
	case MSG_BIA_FINAL:
		return decode_bia(frame, p, len, ret);
	case MSG_START_STOP:
		if (p[5] == 0)
			return decode_stop(frame, ret);
		return hv_measurement_control(ret, "start");
	default:
		return hv_measurement_control(ret, "other");
	}
}

static int frame_out(uint8_t cmd, const uint8_t *payload, size_t n, uint8_t *buf,
		     size_t size, size_t *ret_len)
{
	if (size < n + 6)
		return -ENOSPC;
	buf[0] = ES_H0;
	buf[1] = ES_H1;
	buf[2] = cmd;
	buf[3] = 0;
	buf[4] = (uint8_t)n;
	memcpy(buf + 5, payload, n);
	buf[n + 5] = hv_sum8(buf, n + 5);
	*ret_len = n + 6;
	return 0;
}

/* Final: a BIA result (R1 when known), or else a live weight. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t payload[11] = { 0 }, b[20];
	size_t len;
	double raw;
	int r;

	if (target && !hv_uuid_is16(target, ES_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	if (m->final) {
		/* frame [10..15] is payload [5..10] */
		hv_put_be16(payload + 5, (uint16_t)raw);
		if (z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
		    z->value < UINT16_MAX)
			hv_put_be16(payload + 7, (uint16_t)(z->value + 0.5));
		r = frame_out(MSG_BIA_FINAL, payload, 11, b, sizeof(b), &len);
	} else {
		hv_put_be16(payload + 3, (uint16_t)raw);
		r = frame_out(MSG_WEIGHT, payload, 7, b, sizeof(b), &len);
	}
	return r < 0 ? r : hv_frame_put_value(ret, ES_NOTIFY, b, len);
}

/* ESCS20MB2: no name, no services, company 0x1A10 whose 12-byte payload
 * carries the device's own address at [4..9], in either byte order. */
static bool anonymous_b2(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md = hv_frame_manufacturer_data(f, 0x1A10);
	uint8_t a[6];
	bool fwd = true, rev = true;

	if (!md || md->len != 2 + 12 || !f->address || strlen(f->address) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hv_hex_digit(f->address[3 * i]);
		int lo = hv_hex_digit(f->address[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		a[i] = (uint8_t)(hi << 4 | lo);
	}
	for (int i = 0; i < 6; i++) {
		fwd = fwd && md->data[2 + 4 + i] == a[i];
		rev = rev && md->data[2 + 4 + i] == a[5 - i];
	}
	return fwd || rev;
}

static bool claims_device(const struct hv_frame *f)
{
	if (hv_name_contains_ci(f->name, "es-cs20m") ||
	    hv_name_contains_ci(f->name, "es-32md") ||
	    hv_name_prefix_ci(f->name, "113360_"))
		return true;
	/* The Renpho ES-26BB-B advertises 0x1A10 too: its exact names are
	 * renpho_es26bb's, whatever the service says. */
	if (renpho_es26bb_driver.claims_device(f))
		return false;
	return hv_frame_has_service(f, 0x1A10) || anonymous_b2(f);
}

/* --- conversation --------------------------------------------------------- */

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	uint8_t p[9] = { 0x01, 0x00, 0x00, 0, 0, 0, 0, 0x01, 0x06 };

	hv_put_be32(p + 3, (uint32_t)s->now_unix);
	return frame_out(CMD_PROFILE, p, sizeof(p), buf, size, ret_len);
}

/* 0x96 with the weight kept this session (0: the scale refuses BIA). */
static int pl_record(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	uint8_t p[14] = { 0 };
	double mm = s->profile.height_m * 1000 + 0.5;

	p[0] = s->profile.sex == HV_SEX_FEMALE ? 0x21 : 0x11;
	if (s->profile.age_years > 0 && s->profile.age_years < 150 &&
	    hv_datetime_plausible(&s->now_local, 0)) {
		struct hv_datetime dob;

		hv_datetime_from_unix(hv_datetime_to_unix(&s->now_local) -
					      (int64_t)(s->profile.age_years *
							365.2425 * 86400),
				      &dob);
		hv_put_be16(p + 1, dob.year);
		p[3] = dob.month;
		p[4] = dob.day;
	}
	if (mm >= 1 && mm <= UINT16_MAX)
		hv_put_be16(p + 5, (uint16_t)mm);
	hv_put_be16(p + 9, (uint16_t)((s->quirks >> ES_WEIGHT_SHIFT) & ES_WEIGHT_MASK));
	p[11] = 0xAA;
	p[12] = 0x01;
	p[13] = 0x05;
	return frame_out(CMD_RECORD, p, sizeof(p), buf, size, ret_len);
}

static int pl_start(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	static const uint8_t p[] = { 0x01, 0x00, 0x01, 0x00 };

	(void)s;
	return frame_out(CMD_START, p, sizeof(p), buf, size, ret_len);
}

static int pl_interim_ack(const struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len)
{
	static const uint8_t p[] = { 0x01 };

	(void)s;
	return frame_out(CMD_INTERIM_ACK, p, sizeof(p), buf, size, ret_len);
}

static bool is_msg(const uint8_t *v, size_t len, uint8_t msg)
{
	return len >= 6 && v[0] == ES_H0 && v[1] == ES_H1 && v[2] == msg;
}

static int on_profile_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return is_msg(v, len, MSG_PROFILE_ACK) ? HV_VALUE_DONE : HV_VALUE_MORE;
}

enum { ST_MEASURE = 6, ST_INTERIM_ACK = 7, ST_RECORDS = 10, ST_END = 12 };

/* 0x16 [5] 01: accepted, start BIA; refused: the scale weighs anyway. */
static int on_record_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!is_msg(v, len, MSG_RECORD_ACK))
		return HV_VALUE_MORE;
	if (v[5] == 0x01)
		return HV_VALUE_DONE;
	s->next_step = ST_MEASURE;
	return HV_VALUE_GOTO;
}

static void keep_weight(struct hv_session *s, unsigned raw)
{
	s->quirks = (s->quirks & ~(ES_WEIGHT_MASK << ES_WEIGHT_SHIFT)) |
		    (raw & ES_WEIGHT_MASK) << ES_WEIGHT_SHIFT;
}

/*
 * During the weighing: keep the live weight; an interim BIA result is
 * answered; the final one is noted (its frame is the measurement, decoded
 * before this runs) and a stop ends the session.
 */
static int on_measuring(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (is_msg(v, len, MSG_WEIGHT) && len >= 10 && hv_be16(v + 8))
		keep_weight(s, hv_be16(v + 8));
	else if (len >= 13 && v[0] == ES_FRAG_FIRST && v[3] == ES_H0 &&
		 v[5] == MSG_BIA_INTERIM) {
		s->next_step = ST_INTERIM_ACK;
		return HV_VALUE_GOTO;
	} else if (is_msg(v, len, MSG_BIA_INTERIM)) {
		s->next_step = ST_INTERIM_ACK;
		return HV_VALUE_GOTO;
	} else if (is_msg(v, len, MSG_BIA_FINAL) && len >= 16) {
		s->quirks |= ES_QUIRK_BIA_DONE;
		if (hv_be16(v + 10))
			keep_weight(s, hv_be16(v + 10));
	} else if (is_msg(v, len, MSG_START_STOP) && v[5] == 0x00 &&
		   ((s->quirks >> ES_WEIGHT_SHIFT) & ES_WEIGHT_MASK)) {
		/* after a BIA result the scale gets its two records */
		s->next_step = s->quirks & ES_QUIRK_BIA_DONE ? ST_RECORDS : ST_END;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

#define SVC "1a10"
#define WR(pl, text) { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "2a11", \
		       .payload = pl, .flags = HV_STEP_WITH_RESPONSE, .what = text }

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = "2a10",
		  .what = "subscribe 0x2A10" },
	/* 1 */ WR(pl_profile, "profile and time (0x97)"),
	/* 2 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_profile_ack, .timeout_ms = 5000,
		  .what = "profile acknowledged (0x17)" },
	/* 3 */ WR(pl_record, "record before weighing (0x96)"),
	/* 4 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_record_ack, .timeout_ms = 5000,
		  .what = "record acknowledged (0x16)" },
	/* 5 */ WR(pl_start, "start with BIA (0x90)"),
	/* 6 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_measuring, .timeout_ms = 60000,
		  .what = "weighing until the stop (0x11 00)" },
	/* 7 */ WR(pl_interim_ack, "interim result acknowledged (0x99)"),
	/* 8 */ WR(pl_record, "record with the interim weight (0x96)"),
	/* 9 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "2a10",
		  .on_value = on_measuring, .timeout_ms = 60000,
		  .what = "weighing after the interim result" },
	/* 10 */ WR(pl_record, "record after the result (0x96)"),
	/* 11 */ WR(pl_record, "record after the result, again (0x96)"),
	/* 12 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Renpho ES-CS20M (incl. ESCS20MB2)",
				      "Renpho ES-32MD", NULL };
static const uint16_t characteristics[] = { ES_NOTIFY, 0 };
static const uint16_t services[] = { 0x1A10, 0 };
static const char *const name_prefixes[] = { "ES-CS20M", "ES-32MD", "113360_", NULL };

const struct hv_driver es_cs20m_driver = {
	.id = "es_cs20m",
	.name = "Renpho ES-CS20M / ES-32MD (0x1A10)",
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
