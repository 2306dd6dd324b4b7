// SPDX-License-Identifier: MIT
/*
 * QN / Yolanda family: Renpho ES-CS20M, ES-30M "QN-Scale", FITINDEX ES-26M,
 * SEB/Tefal, GE CS10G and many rebrands. Source: openScale QNHandler and
 * QNHandlerBroadcast (oliexdev/openScale@f7a733b2).
 *
 * GATT, two variants: type 1 = service 0xFFE0 (0xFFE1 notify, 0xFFE2
 * indicate, 0xFFE3 config write, 0xFFE4 time write); type 2 = service 0xFFF0
 * (0xFFF1 notify, 0xFFF2 write). Every frame, both directions:
 *
 *   OP LL PP … CS        OP opcode, LL frame length, PP protocol type (the
 *                         app echoes the scale's), CS = byte sum of all
 *                         previous bytes, mod 256 (checked: a bad sum is
 *                         invalid)
 *
 *   10 LL PP WW WW ST R1 R1 R2 R2 CS    weight (classic layout): W u16 BE,
 *                         ST 1 = stable, R1/R2 resistances u16 BE
 *   10 LL PP UU ST WW WW R1 R1 R2 R2 … CS
 *                         ES-30M / ES-26M layout: UU unit, ST 0 measuring,
 *                         1 settling, 2 stable (final)
 *   12 …                  scale info: [10] == 1: weight /100, else /10
 *                         (quirk HV_QN_DIV10, set by the conversation)
 *   14 …                  asks the time: app answers 20 08 PP t(u32 LE) CS
 *
 * Layout and factor follow openScale's QNHandler (handleScaleInfoFrame,
 * handleLiveWeightFrame, as at commit
 * 48cf75780846c55c35b5d13cafd9a7041530e17a): the ES-30M layout is the one
 * of a scale whose info frame asked for /10 and whose byte [4] is a state
 * (0..2), or any scale with quirk HV_QN_ES30M. The weight is raw / factor;
 * a /10 reading of 250 kg or more is read /100 (openScale's fallback; the
 * ES-26M sends 9785 for 97.85 kg). Below 5 kg nothing is guessed: openScale
 * divides once more by ten (3.00 → 0.30 kg), ble-scale-sync
 * (src/scales/qn-scale.ts at commit
 * 94016271cc9e2cdfd3258c2724030a94988054dc) tries the other factor
 * (3.00 → 30.0 kg); neither has a capture, and either may be a wrong
 * weight: no weight is reported. ES-30M state 1
 * is settling, not final: ble-scale-sync's tests, and openScale's pull
 * request #1502 (state 1 frames carry no impedance in its capture; the
 * commit above reads 1 and 2 alike). Without the info frame the layout is
 * unknown, and the ES-26M frame read as classic is 2.58 kg ("corrected"
 * 0.26 or 25.8 kg): no weight either.
 *
 * Stored records (scale → app 0x21, app → scale A0 A0 22, scale → app 0x23):
 *   21 …                  the scale asks for the app's record handshake
 *   A0 0D 04 FE 00×8 CS   app: first handshake frame (static)
 *   A0 0D 02 01 00 08 00 21 06 B8 04 02 CS   app: second one (static)
 *   22 06 PP 00 03 CS     app: query the stored record
 *   A1 …                  scale: acknowledges an A0 frame
 *   23 LL PP .. .. .. TT TT TT TT WW WW .. R1 R1 R2 R2 … CS
 *                         stored record: T u32 LE [6..9] (QN epoch, the
 *                         clock the app last wrote), W u16 BE /100 kg
 *                         [10..11], R1 u16 LE [13..14], R2 u16 LE [15..16];
 *                         W = 0: the slot is empty (no stored record)
 * The app frames go to 0xFFE3 (type 1) or 0xFFF2 (type 2). Source:
 * openScale android_app/…/bluetooth/scales/QNHandler.kt — the 0x21 / A0 /
 * 0x22 exchange as at commit a21d84acc79d5b492ac01e8f7376523fc894a4cd, the
 * 0x23 layout from the revision of its PR #1359 ("Fix QN stored
 * measurements", handleStoredMeasurementFrame). The source reads one record
 * per query and does not say what bytes [3..5] hold nor how a scale with
 * several records hands them out: the conversation asks once and waits for
 * one 0x23 frame.
 *
 * Every stored record is a final measurement with its device time; the
 * pipeline's id (device clock + weight) keeps a record sent again in a later
 * session once. (openScale drops records older than 90 s before the session;
 * homevitals wants the weighings made while the gateway was away.) The time
 * the conversation writes is the gateway's LOCAL clock in QN-epoch seconds,
 * so a record's clock reads as local time, as device clocks do everywhere in
 * homevitals.
 *
 * Broadcast variant (non-connectable): manufacturer data, company 0xFFFF,
 * payload (after the company ID) AA BB MAC×6 …, [15] bit5 = stable,
 * [17..18] weight u16 LE / 100 kg; at least 19 payload bytes.
 *
 * Body composition: impedance Z = R1 < 410 ? 3.0 : 0.3 × (R1 − 400), then
 * the Trisa regression (method "trisa"), only with a complete profile.
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define QN_T1_NOTIFY 0xFFE1
#define QN_T2_NOTIFY 0xFFF1
#define QN_COMPANY 0xFFFF
#define QN_EPOCH 946684800LL

/* Quirks (frame->quirks / session.quirks). */
#define HV_QN_DIV10 (1u << 0)
#define HV_QN_ES30M (1u << 1)

#define QN_MIN_KG 5.0
#define QN_MAX_KG 250.0

/* A 0x10 weight frame, read in the layout the quirks and the frame say. */
struct qn_weight {
	bool stable;
	unsigned raw;
	unsigned r1;
};

static bool qn_es30m_layout(const uint8_t *p, unsigned quirks)
{
	return (quirks & HV_QN_ES30M) || ((quirks & HV_QN_DIV10) && p[4] <= 2);
}

/* -EBADMSG when the frame is too short for its layout. */
static int qn_parse_weight(const uint8_t *p, size_t len, unsigned quirks,
			   struct qn_weight *ret)
{
	if (len < 11)
		return -EBADMSG;
	if (qn_es30m_layout(p, quirks)) {
		if (len < 12)
			return -EBADMSG;
		*ret = (struct qn_weight){ .stable = p[4] == 2,
					   .raw = hv_be16(p + 5),
					   .r1 = hv_be16(p + 7) };
	} else {
		*ret = (struct qn_weight){ .stable = p[5] == 1,
					   .raw = hv_be16(p + 3),
					   .r1 = hv_be16(p + 6) };
	}
	return 0;
}

static bool qn_plausible(double w)
{
	return w > QN_MIN_KG && w < QN_MAX_KG;
}

/* The weight in kg, or -1 when it is not plausible: a /10 scale's reading
 * of 250 kg or more is read /100 (the ES-26M does so), nothing else is
 * guessed. */
static double qn_weight(unsigned raw, unsigned quirks)
{
	double w = raw / (quirks & HV_QN_DIV10 ? 10.0 : 100.0);

	if (qn_plausible(w))
		return w;
	if ((quirks & HV_QN_DIV10) && w >= QN_MAX_KG &&
	    qn_plausible(raw / 100.0))
		return raw / 100.0;
	return -1;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_trisa(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int add_weight_impedance(const struct hv_frame *frame, double w,
				unsigned r1, struct hv_measurement *ret)
{
	int r;

	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_round_to(w, 2));
	if (r >= 0 && r1 > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, r1);
	if (r >= 0 && r1 > 0)
		r = hv_decode_derive(ret, w, hv_qn_impedance(r1), frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode_broadcast(const struct hv_frame *frame,
			    struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md =
		hv_frame_manufacturer_data(frame, QN_COMPANY);
	const uint8_t *p;
	double w;

	if (!md || md->len < 4 || md->data[2] != 0xAA || md->data[3] != 0xBB)
		return -ENODEV;
	p = md->data + 2;
	if (md->len - 2 < 19)
		return hv_measurement_invalid(
			ret, "AABB payload has %zu bytes, needs 19", md->len - 2);
	w = hv_le16(p + 17) / 100.0;
	if (w < 0.5 || w > 300)
		return hv_measurement_invalid(ret, "weight %.2f kg out of range", w);
	ret->final = p[15] & 0x20;
	ret->display_unit = HV_UNIT_KG;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	bool type2;
	unsigned raw;
	struct hv_datetime clock;
	int64_t t;

	if (!frame->has_characteristic)
		return decode_broadcast(frame, ret);
	type2 = hv_frame_is_characteristic(frame, QN_T2_NOTIFY);
	p = hv_frame_value_on(frame, type2 ? QN_T2_NOTIFY : QN_T1_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 3)
		return hv_measurement_invalid(ret, "frame of %zu bytes", len);
	if (hv_sum8(p, len - 1) != p[len - 1])
		return hv_measurement_invalid(
			ret, "checksum 0x%02x, bytes sum to 0x%02x", p[len - 1],
			hv_sum8(p, len - 1));

	switch (p[0]) {
	case 0x10: {
		struct qn_weight wf;
		double w;

		if (qn_parse_weight(p, len, frame->quirks, &wf) < 0)
			return hv_measurement_invalid(
				ret, "weight frame has %zu bytes, needs %d",
				len, len < 11 ? 11 : 12);
		if (wf.raw == 0)
			return hv_measurement_control(ret, "empty");
		w = qn_weight(wf.raw, frame->quirks);
		if (w < 0)
			/* Not a weight we can stand behind: the layout or the
			 * factor is unknown without the scale info frame. */
			return hv_measurement_control(ret,
						      "weight_unknown_layout");
		ret->final = wf.stable;
		return add_weight_impedance(frame, w, wf.r1, ret);
	}
	case 0x23:
		if (len < 18)
			return hv_measurement_invalid(
				ret, "stored record has %zu bytes, needs 18", len);
		raw = hv_be16(p + 10);
		if (raw == 0)
			return hv_measurement_control(ret, "no_stored_record");
		if (raw <= 500 || raw >= 30000)
			return hv_measurement_invalid(
				ret, "stored weight %.2f kg out of range",
				raw / 100.0);
		t = QN_EPOCH + hv_le32(p + 6);
		hv_datetime_from_unix(t, &clock);
		hv_measurement_set_clock(ret, &clock, frame->now);
		ret->final = true;
		return add_weight_impedance(frame, raw / 100.0, hv_le16(p + 13),
					    ret);
	case 0x12:
		return hv_measurement_control(ret, "scale_info");
	case 0x14:
		return hv_measurement_control(ret, "time_request");
	case 0x21:
		return hv_measurement_control(ret, "record_request");
	case 0xA1:
		return hv_measurement_control(ret, "record_ack");
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* A final measurement as a classic 0x10 frame on 0xFFE1 (or the target),
 * resistances R1 = R2 = the impedance reading; protocol type 0xFF. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint16_t uuid = QN_T1_NOTIFY;
	uint8_t b[11] = { 0x10, sizeof(b), 0xFF };
	double raw;

	if (target) {
		if (hv_uuid_is16(target, QN_T2_NOTIFY))
			uuid = QN_T2_NOTIFY;
		else if (!hv_uuid_is16(target, QN_T1_NOTIFY))
			return -EINVAL;
	}
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 5 ||
	    w->value >= 250)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	hv_put_be16(b + 3, (uint16_t)raw);
	b[5] = m->final ? 1 : 0;
	if (z && z->value > 0 && z->value < UINT16_MAX) {
		hv_put_be16(b + 6, (uint16_t)(z->value + 0.5));
		hv_put_be16(b + 8, (uint16_t)(z->value + 0.5));
	}
	b[10] = hv_sum8(b, 10);
	return hv_frame_put_value(ret, uuid, b, sizeof(b));
}

/* --- selection ------------------------------------------------------------ */

static const char *const qn_names[] = { "qn-scale", "renpho-scale",
					"seb-scale", NULL };

static bool claims_device(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md =
		hv_frame_manufacturer_data(f, QN_COMPANY);
	bool named = false;

	if (md && md->len >= 4 && md->data[2] == 0xAA && md->data[3] == 0xBB)
		return true;
	for (const char *const *n = qn_names; *n; n++)
		named = named || hv_name_contains_ci(f->name, *n);
	if (hv_frame_has_service(f, 0xAE00))
		return true;
	if (!named)
		return false;
	/* An advert must show the QN services; a GATT value's frame may
	 * carry the name alone. */
	if (f->n_service_uuids == 0)
		return f->has_characteristic;
	return hv_frame_has_service(f, 0xFFE0) || hv_frame_has_service(f, 0xFFF0);
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: protocol type echoed in replies; scratch[1]: QN_SEEN_*. */
#define QN_SEEN_STABLE (1u << 0)
#define QN_SEEN_RECORD (1u << 1)

static int frame_ok(const uint8_t *v, size_t len)
{
	return len >= 3 && hv_sum8(v, len - 1) == v[len - 1];
}

static int on_info(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!frame_ok(v, len))
		return HV_VALUE_MORE;
	s->scratch[0] = v[2];
	if (v[0] != 0x12)
		return HV_VALUE_MORE;
	if (len > 10 && v[10] != 1)
		s->quirks |= HV_QN_DIV10;
	return HV_VALUE_DONE;
}

static int on_time_request(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return frame_ok(v, len) && v[0] == 0x14 ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static bool is_stable(const struct hv_session *s, const uint8_t *v, size_t len)
{
	struct qn_weight wf;

	if (!frame_ok(v, len) || v[0] != 0x10 ||
	    qn_parse_weight(v, len, s->quirks, &wf) < 0)
		return false;
	return wf.stable && wf.raw > 0 && qn_weight(wf.raw, s->quirks) > 0;
}

/*
 * Waiting for the stable weight: done when it comes (the record handshake
 * follows); a 0x21 first means the scale wants the handshake now, before it
 * weighs: go to the steps at early_step, which send it and then wait for
 * the weight and the record together.
 */
static int wait_stable(struct hv_session *s, const uint8_t *v, size_t len,
		       int early_step)
{
	if (!frame_ok(v, len))
		return HV_VALUE_MORE;
	if (v[0] == 0x23)
		s->scratch[1] |= QN_SEEN_RECORD;
	if (is_stable(s, v, len)) {
		s->scratch[1] |= QN_SEEN_STABLE;
		return HV_VALUE_DONE;
	}
	if (v[0] == 0x21) {
		s->next_step = early_step;
		return HV_VALUE_GOTO;
	}
	return HV_VALUE_MORE;
}

/* The stored record (or the empty slot) answering the query. */
static int on_record(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (!frame_ok(v, len) || v[0] != 0x23)
		return HV_VALUE_MORE;
	s->scratch[1] |= QN_SEEN_RECORD;
	return HV_VALUE_DONE;
}

/*
 * After an early handshake: done when both the stable weight and the
 * record came; the weight first goes to the record wait at records_step.
 */
static int wait_stable_and_record(struct hv_session *s, const uint8_t *v,
				  size_t len, int records_step)
{
	if (!frame_ok(v, len))
		return HV_VALUE_MORE;
	if (v[0] == 0x23)
		s->scratch[1] |= QN_SEEN_RECORD;
	else if (is_stable(s, v, len))
		s->scratch[1] |= QN_SEEN_STABLE;
	else
		return HV_VALUE_MORE;
	if (!(s->scratch[1] & QN_SEEN_STABLE))
		return HV_VALUE_MORE;
	if (s->scratch[1] & QN_SEEN_RECORD)
		return HV_VALUE_DONE;
	s->next_step = records_step;
	return HV_VALUE_GOTO;
}

static int pl_config(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len)
{
	/* unit 01 = kg: the gateway converts, the display shows kilograms */
	uint8_t b[9] = { 0x13, 0x09, (uint8_t)s->scratch[0], 0x01, 0x10 };

	if (size < sizeof(b))
		return -ENOSPC;
	b[8] = hv_sum8(b, 8);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

/* The gateway's local clock when known (stored records then carry local
 * time, like every device clock), else UTC. */
static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[8] = { 0x20, 0x08, (uint8_t)s->scratch[0] };
	int64_t now = s->now_unix;

	if (size < sizeof(b))
		return -ENOSPC;
	if (hv_datetime_plausible(&s->now_local, 0))
		now = hv_datetime_to_unix(&s->now_local);
	hv_put_le32(b + 3, (uint32_t)(now - QN_EPOCH));
	b[7] = hv_sum8(b, 7);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int pl_query(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	uint8_t b[6] = { 0x22, 0x06, (uint8_t)s->scratch[0], 0x00, 0x03 };

	if (size < sizeof(b))
		return -ENOSPC;
	b[5] = hv_sum8(b, 5);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

/* The two handshake frames: fixed bytes, the byte sum last. */
static int put_summed(const uint8_t *b, size_t n, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	if (size < n + 1)
		return -ENOSPC;
	memcpy(buf, b, n);
	buf[n] = hv_sum8(b, n);
	*ret_len = n + 1;
	return 0;
}

static int pl_handshake1(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	static const uint8_t b[12] = { 0xA0, 0x0D, 0x04, 0xFE };

	(void)s;
	return put_summed(b, sizeof(b), buf, size, ret_len);
}

static int pl_handshake2(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	static const uint8_t b[12] = { 0xA0, 0x0D, 0x02, 0x01, 0x00, 0x08,
				       0x00, 0x21, 0x06, 0xB8, 0x04, 0x02 };

	(void)s;
	return put_summed(b, sizeof(b), buf, size, ret_len);
}

/* Step indices (see the table). */
#define QN_T1_RECORDS 10
#define QN_T1_EARLY 12
#define QN_TYPE2_START 17
#define QN_T2_RECORDS 26
#define QN_T2_EARLY 28

static int on_stable_t1(struct hv_session *s, const uint8_t *v, size_t len)
{
	return wait_stable(s, v, len, QN_T1_EARLY);
}

static int on_stable_t2(struct hv_session *s, const uint8_t *v, size_t len)
{
	return wait_stable(s, v, len, QN_T2_EARLY);
}

static int on_stable_record_t1(struct hv_session *s, const uint8_t *v,
			       size_t len)
{
	return wait_stable_and_record(s, v, len, QN_T1_RECORDS);
}

static int on_stable_record_t2(struct hv_session *s, const uint8_t *v,
			       size_t len)
{
	return wait_stable_and_record(s, v, len, QN_T2_RECORDS);
}

/* The record handshake and query, written to chr of svc (optional: a scale
 * that refuses them still gave its live weight). */
#define QN_HANDSHAKE(svc, chr)                                                 \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = chr,          \
	  .payload = pl_handshake1,                                            \
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,                   \
	  .what = "record handshake 1 (A0 04)" },                              \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = chr,          \
	  .payload = pl_handshake2,                                            \
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,                   \
	  .what = "record handshake 2 (A0 02)" },                              \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = chr,          \
	  .payload = pl_query,                                                 \
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,                   \
	  .what = "query the stored record (0x22)" }

static const struct hv_step steps[] = {
	/* type 1: 0xFFE0 */
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffe0",
		  .characteristic = "ffe1", .on_fail = QN_TYPE2_START,
		  .what = "subscribe 0xFFE1 (type 1)" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = "ffe0",
		  .characteristic = "ffe2", .flags = HV_STEP_OPTIONAL,
		  .what = "subscribe 0xFFE2" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_info, .timeout_ms = 15000,
		  .what = "wait for the scale info (0x12)" },
	/* 3 */ { .op = HV_STEP_WRITE, .service = "ffe0",
		  .characteristic = "ffe3", .payload = pl_config,
		  .flags = HV_STEP_WITH_RESPONSE, .what = "config: unit kg" },
	/* 4 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_time_request, .timeout_ms = 5000,
		  .flags = HV_STEP_OPTIONAL, .what = "wait for the time request" },
	/* 5 */ { .op = HV_STEP_WRITE, .service = "ffe0",
		  .characteristic = "ffe3", .payload = pl_time,
		  .flags = HV_STEP_WITH_RESPONSE, .what = "time (QN epoch)" },
	/* 6 */ { .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe1",
		  .on_value = on_stable_t1, .timeout_ms = 60000,
		  .what = "wait for a stable weight" },
	/* 7..9 */ QN_HANDSHAKE("ffe0", "ffe3"),
	/* 10 */ { .op = HV_STEP_WAIT, .service = "ffe0",
		   .characteristic = "ffe1", .on_value = on_record,
		   .timeout_ms = 15000, .flags = HV_STEP_OPTIONAL,
		   .what = "wait for the stored record (0x23)" },
	/* 11 */ { .op = HV_STEP_END, .what = "done" },
	/* 12..14: the scale asked (0x21) before it weighed */
	/* 12..14 */ QN_HANDSHAKE("ffe0", "ffe3"),
	/* 15 */ { .op = HV_STEP_WAIT, .service = "ffe0",
		   .characteristic = "ffe1", .on_value = on_stable_record_t1,
		   .timeout_ms = 60000,
		   .what = "wait for a stable weight and the stored record" },
	/* 16 */ { .op = HV_STEP_END, .what = "done" },
	/* type 2: 0xFFF0 */
	/* 17 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		   .characteristic = "fff1", .what = "subscribe 0xFFF1 (type 2)" },
	/* 18 */ { .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
		   .on_value = on_info, .timeout_ms = 15000,
		   .what = "wait for the scale info (0x12)" },
	/* 19 */ { .op = HV_STEP_WRITE, .service = "fff0",
		   .characteristic = "fff2", .payload = pl_config,
		   .flags = HV_STEP_WITH_RESPONSE, .what = "config: unit kg" },
	/* 20 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_time_request,
		   .timeout_ms = 5000, .flags = HV_STEP_OPTIONAL,
		   .what = "wait for the time request" },
	/* 21 */ { .op = HV_STEP_WRITE, .service = "fff0",
		   .characteristic = "fff2", .payload = pl_time,
		   .flags = HV_STEP_WITH_RESPONSE, .what = "time (QN epoch)" },
	/* 22 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_stable_t2,
		   .timeout_ms = 60000, .what = "wait for a stable weight" },
	/* 23..25 */ QN_HANDSHAKE("fff0", "fff2"),
	/* 26 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_record,
		   .timeout_ms = 15000, .flags = HV_STEP_OPTIONAL,
		   .what = "wait for the stored record (0x23)" },
	/* 27 */ { .op = HV_STEP_END, .what = "done" },
	/* 28..30 */ QN_HANDSHAKE("fff0", "fff2"),
	/* 31 */ { .op = HV_STEP_WAIT, .service = "fff0",
		   .characteristic = "fff1", .on_value = on_stable_record_t2,
		   .timeout_ms = 60000,
		   .what = "wait for a stable weight and the stored record" },
	/* 32 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == QN_T2_EARLY + 5,
	       "QN step indices out of step with the table");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Renpho ES-CS20M", "Renpho ES-30M (QN-Scale)", "FITINDEX ES-26M",
	"SEB / Tefal Goodvibes", "GE CS10G", "QN broadcast (company 0xFFFF, AA BB)",
	NULL,
};

static const uint16_t characteristics[] = { QN_T1_NOTIFY, QN_T2_NOTIFY, 0 };
static const uint16_t services[] = { 0xAE00, 0 };
/* Company 0xFFFF is the list terminator of hv_match: the broadcast variant
 * is claimed by claims_device() (AA BB magic) instead. */
static const char *const name_prefixes[] = { "QN-Scale", "Renpho-Scale",
					     "SEB-Scale", NULL };

const struct hv_driver qn_scale_driver = {
	.id = "qn_scale",
	.name = "QN / Yolanda (Renpho, FITINDEX …)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION | HV_DRIVER_ANY_COMPANY,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
