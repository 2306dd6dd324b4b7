// SPDX-License-Identifier: MIT
/*
 * Relaxmedic body-composition scale ("Relaxmedic…", Fitdays app, icomon
 * protocol 107): the LeFu/Icomon service 0xFFB0 (0xFFB1 write, 0xFFB2
 * notify, 0xFFB3 indicate). Source: openScale RelaxmedicHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/RelaxmedicHandler.kt, oliexdev/openScale@f7a733b2).
 *
 * The Robi S9 / Runstar R6 framing (lefu_icomon), 20 bytes both ways, but
 * fragmented:
 *
 *   SQ LL FR payload[16] CS   LL the whole message's length after its
 *                             command byte; FR fragment index; CS = sum of
 *                             bytes 3..18 mod 32 (checked)
 *   fragment 0: [3] command, the payload from [4]:
 *     A2 live:   [4] state, [5..8] u32 BE, grams in the low 18 bits
 *     A3 result: [4..7] u32 BE, grams in the low 18 bits, [8] unused,
 *                [9..18] impedances 1..5, u16 BE, 0.1 Ohm
 *     A1 device information, A0 acknowledgement request
 *   fragment 1 (of the A3 result): [3..12] impedances 6..10, the message
 *     (LL = 25: weight 4, unused 1, ten impedances) being bytes 3..18 of
 *     each fragment joined. openScale reads the impedances at payload
 *     offset 5 (its handleFinalResult, which was run on the scale); its
 *     comment's "two unused bytes" would put the fifth on the checksum.
 *   app: BA profile (below), B0 SQ 00 acknowledgement of the scale's SQ
 *
 * Profile message: BA, Unix time u32 BE, UTC offset u16 BE minutes (bit 15:
 * west), user id u32 (0), height cm, profile weight u16 BE ×100 (60.00 kg:
 * any plausible value), (sex << 7) | age (sex 1 male: the only place sex
 * and age go), 0x2F, 0x0F; LL counts 16 but the frame carries the first 16
 * bytes, the 0x0F falling off, as the vendor app sends it.
 *
 * The conversation's assemble() joins a message's fragments (fragment 0
 * kept in the session until the last is in) and hands them on as one
 * value, the 20-byte frames back to back: the result then holds all ten
 * impedances. A frame out of turn while a message is kept (a bad
 * checksum or length, a fragment not the next, another message length)
 * drops it and is refused; a new fragment 0 starts over, as openScale's
 * reassembly does. decode() takes a single frame or a joined message and
 * checks every frame; the result is final, with the weight and the first
 * impedance (openScale's reading; by openScale's Wla25BodyComposition it
 * is the small leading value of the first group, about 15-25 Ohm).
 * The composition is openScale's: method "wla25" from all ten impedances
 * (drivers/bodycomp_wla25.c), kept in bia (the first, then the other nine
 * in aux) for derive. A fragment 0 decoded alone (no join) gives the same
 * readings and derives nothing: the model's gate needs all ten.
 *
 * The conversation acknowledges each A0 request and the result, once its
 * last fragment is in, with that fragment's SQ (as openScale does), and
 * ends there (the scale repeats its result).
 */
#include <errno.h>

#include "drivers/bodycomp_wla25.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define RX_LIVE_CHR 0xFFB2
#define RX_RESULT_CHR 0xFFB3
#define RX_LEN 20
#define RX_WEIGHT_MASK 0x3FFFFu
#define RX_FIRST_OHM_AT 9 /* the first impedance, u16 BE, in fragment 0 */
#define RX_CHUNK 16 /* message bytes per fragment, [3..18] */
#define RX_OHM_AT (RX_FIRST_OHM_AT - 3) /* the same, in the message */
#define RX_FRAGMENTS_MAX 4

#define T_ACK_IN 0xA0
#define T_INFO 0xA1
#define T_LIVE 0xA2
#define T_RESULT 0xA3
#define T_ACK_OUT 0xB0
#define T_PROFILE 0xBA

static uint8_t checksum(const uint8_t *p)
{
	return hv_sum8(p + 3, 16) & 0x1F;
}

static const uint8_t *value_of(const struct hv_frame *f, size_t *ret_len)
{
	const uint8_t *p = hv_frame_value_on(f, RX_RESULT_CHR, ret_len);

	return p ? p : hv_frame_value_on(f, RX_LIVE_CHR, ret_len);
}

/* The frame's checksum is right. */
static bool frame_ok(const uint8_t *p)
{
	return checksum(p) == p[19];
}

/* How many fragments the message of fragment 0 takes (LL counts after the
 * command byte; 16 message bytes per fragment). */
static unsigned fragments_of(const uint8_t *p)
{
	return (p[1] + 1u + RX_CHUNK - 1) / RX_CHUNK;
}

/*
 * The message of a value: fragment 0 alone (a message cut after its first
 * 16 bytes when it takes more), or the fragments assemble() joined, frames
 * back to back, each checked. Returns its length, or 0 (and the error in
 * ret) when the value is no message.
 */
static size_t message_of(const uint8_t *v, size_t len, uint8_t *msg,
			 struct hv_measurement *ret, int *ret_r)
{
	size_t n = len / RX_LEN, want;

	if (len == 0 || len % RX_LEN || n > RX_FRAGMENTS_MAX) {
		*ret_r = hv_measurement_invalid(ret, "frame has %zu bytes, needs %d",
						len, RX_LEN);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = v + i * RX_LEN;

		if (!frame_ok(p)) {
			*ret_r = hv_measurement_invalid(ret, "checksum 0x%02x, computed 0x%02x",
							p[19], checksum(p));
			return 0;
		}
		if (p[2] != i || (i > 0 && p[1] != v[1])) {
			*ret_r = i == 0 ? hv_measurement_control(ret, "continuation") :
					  hv_measurement_invalid(ret, "fragment %u of %u out of order",
								 p[2], (unsigned)n);
			return 0;
		}
		memcpy(msg + i * RX_CHUNK, p + 3, RX_CHUNK);
	}
	if (n > 1 && n != fragments_of(v)) {
		*ret_r = hv_measurement_invalid(ret, "%zu fragments joined, the message takes %u",
						n, fragments_of(v));
		return 0;
	}
	want = v[1] + 1u;
	return want < n * RX_CHUNK ? want : n * RX_CHUNK;
}

/* Body composition from what decode() kept (driver.h, derive): the
 * weight, the first impedance and the other nine in bia.aux. */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	double ohm[HV_WLA25_IMPEDANCES] = { m->bia.impedance_ohm };

	_Static_assert(sizeof(m->bia.aux) / sizeof(m->bia.aux[0]) >= HV_WLA25_IMPEDANCES - 1,
		       "bia.aux holds the other nine impedances");
	for (unsigned i = 1; i < HV_WLA25_IMPEDANCES; i++)
		ohm[i] = m->bia.aux[i - 1];
	return hv_bodycomp_wla25(p, m->bia.weight_kg, ohm, m);
}

/* The result's inputs: all ten impedances when the message holds them
 * (joined), else none (the model's gate then derives nothing). */
static int keep_result(const struct hv_frame *frame, const uint8_t *msg, size_t n,
		       double weight_kg, struct hv_measurement *ret)
{
	bool all = n >= RX_OHM_AT + 2 * HV_WLA25_IMPEDANCES;

	hv_measurement_set_bia(ret, weight_kg, all ? hv_be16(msg + RX_OHM_AT) / 10.0 : 0);
	for (unsigned i = 1; all && i < HV_WLA25_IMPEDANCES; i++)
		ret->bia.aux[i - 1] = hv_be16(msg + RX_OHM_AT + 2 * i) / 10.0;
	return frame->profile ? derive_bodycomp(frame->profile, ret) : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t msg[RX_FRAGMENTS_MAX * RX_CHUNK];
	const uint8_t *p;
	size_t len, n;
	uint32_t g;
	unsigned z;
	int r = 0;

	p = value_of(frame, &len);
	if (!p)
		return -ENODEV;
	n = message_of(p, len, msg, ret, &r);
	if (!n)
		return r;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	switch (msg[0]) {
	case T_LIVE:
		g = hv_be32(msg + 2) & RX_WEIGHT_MASK;
		if (!g)
			return hv_measurement_control(ret, "empty");
		ret->final = false;
		return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
	case T_RESULT:
		g = hv_be32(msg + 1) & RX_WEIGHT_MASK;
		if (!g)
			return hv_measurement_invalid(ret, "result weight is zero");
		ret->final = true;
		r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
		z = n >= RX_OHM_AT + 2 ? hv_be16(msg + RX_OHM_AT) : 0;
		if (r >= 0 && z > 0)
			r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z / 10.0);
		if (r >= 0)
			r = keep_result(frame, msg, n, g / 1000.0, ret);
		return r < 0 ? r : 0;
	default:
		return hv_measurement_control(ret, "other");
	}
}

/* Final: a result's fragment 0 (weight, first impedance); else live. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint16_t chr = m->final ? RX_RESULT_CHR : RX_LIVE_CHR;
	uint8_t b[RX_LEN] = { 0 };
	uint32_t g;

	if (target && !hv_uuid_is16(target, chr))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	g = (uint32_t)(w->value * 1000 + 0.5);
	if (g > RX_WEIGHT_MASK)
		return -EINVAL;
	if (m->final) {
		b[1] = 25; /* weight 4, unused 1, ten impedances */
		b[3] = T_RESULT;
		hv_put_be32(b + 4, g);
		if (z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
		    z->value * 10 + 0.5 < 65536)
			hv_put_be16(b + RX_FIRST_OHM_AT, (uint16_t)(z->value * 10 + 0.5));
	} else {
		b[1] = 6;
		b[3] = T_LIVE;
		hv_put_be32(b + 5, g);
	}
	b[19] = checksum(b);
	return hv_frame_put_value(ret, chr, b, RX_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "relaxmedic");
}

/* --- conversation --------------------------------------------------------- */

/* scratch[0]: the sequence number to acknowledge */

static int frame_out(const uint8_t *msg, size_t n, uint8_t len_field,
		     uint8_t *buf, size_t size, size_t *ret_len)
{
	if (size < RX_LEN)
		return -ENOSPC;
	memset(buf, 0, RX_LEN);
	buf[1] = len_field;
	memcpy(buf + 3, msg, n < 16 ? n : 16);
	buf[19] = checksum(buf);
	*ret_len = RX_LEN;
	return 0;
}

static int pl_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = p->height_m * 100;
	int64_t offset_min;
	unsigned off;
	uint8_t msg[17] = { T_PROFILE };

	if (!hv_profile_complete(p) || p->age_years <= 0 || p->age_years > 127 ||
	    cm < 50 || cm > 255)
		return -ENODATA;
	if (s->now_unix <= 0 || s->now_unix > UINT32_MAX ||
	    !hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	offset_min = (hv_datetime_to_unix(&s->now_local) - s->now_unix) / 60;
	off = (unsigned)(offset_min < 0 ? -offset_min : offset_min) & 0x7FFF;
	if (offset_min < 0)
		off |= 0x8000;
	hv_put_be32(msg + 1, (uint32_t)s->now_unix);
	hv_put_be16(msg + 5, (uint16_t)off);
	/* [7..10] user id 0 */
	msg[11] = (uint8_t)(cm + 0.5);
	hv_put_be16(msg + 12, 6000);
	msg[14] = (uint8_t)((p->sex == HV_SEX_MALE ? 0x80 : 0) |
			    ((unsigned)p->age_years & 0x7F));
	msg[15] = 0x2F;
	msg[16] = 0x0F; /* falls off the frame, as the vendor app's does */
	return frame_out(msg, sizeof(msg), sizeof(msg) - 1, buf, size, ret_len);
}

static int pl_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		  size_t *ret_len)
{
	const uint8_t msg[3] = { T_ACK_OUT, (uint8_t)s->scratch[0], 0x00 };

	return frame_out(msg, sizeof(msg), 2, buf, size, ret_len);
}

enum { ST_ACK_REQUEST = 4, ST_ACK_RESULT = 6, ST_END = 7 };

/*
 * A0 asks for an acknowledgement (then wait on); the result's is the
 * last, given once its last fragment is in, with that fragment's SQ (as
 * openScale acknowledges the whole message). scratch[1]: the fragments of
 * the result, scratch[2]: the next one due (0: none).
 */
static int on_frame(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len != RX_LEN || !frame_ok(v))
		return HV_VALUE_MORE;
	if (v[2] != 0) {
		if (s->scratch[2] == 0 || v[2] != s->scratch[2]) {
			s->scratch[2] = 0; /* wait for the result again */
			return HV_VALUE_MORE;
		}
		if (++s->scratch[2] < s->scratch[1])
			return HV_VALUE_MORE;
	} else if (v[3] == T_RESULT) {
		s->scratch[1] = fragments_of(v);
		s->scratch[2] = 1;
		if (s->scratch[1] > 1)
			return HV_VALUE_MORE;
	} else {
		s->scratch[2] = 0; /* another message: the result starts over */
		if (v[3] != T_ACK_IN)
			return HV_VALUE_MORE;
	}
	s->scratch[0] = v[0];
	s->next_step = v[2] == 0 && v[3] == T_ACK_IN ? ST_ACK_REQUEST : ST_ACK_RESULT;
	if (s->next_step == ST_ACK_RESULT)
		s->scratch[2] = 0;
	return HV_VALUE_GOTO;
}

/*
 * The join: scratch_bytes[0] the fragments kept of a message that takes
 * more than one, [1..] their frames. A message's fragments are handed on
 * back to back once the last is in; a frame out of turn (a bad checksum,
 * another length, a fragment that is not the next) while one is kept
 * drops it and is refused; a new fragment 0 starts over, as openScale's
 * reassembly does.
 */
static int pass_on(const uint8_t *v, size_t len, uint8_t *out, size_t size,
		   size_t *ret_len)
{
	if (len > size)
		return -EMSGSIZE;
	memcpy(out, v, len);
	*ret_len = len;
	return 1;
}

static int assemble(struct hv_session *s, struct hv_uuid *characteristic,
		    const uint8_t *value, size_t len, uint8_t *out, size_t size,
		    size_t *ret_len)
{
	uint8_t *kept = s->scratch_bytes, *frames = s->scratch_bytes + 1;
	unsigned n = kept[0] <= RX_FRAGMENTS_MAX ? kept[0] : 0;

	_Static_assert(1 + RX_FRAGMENTS_MAX * RX_LEN <= sizeof(s->scratch_bytes),
		       "scratch too small for a message");
	if (!hv_uuid_is16(characteristic, RX_RESULT_CHR) &&
	    !hv_uuid_is16(characteristic, RX_LIVE_CHR))
		return pass_on(value, len, out, size, ret_len);
	kept[0] = 0;
	if (len != RX_LEN || !frame_ok(value))
		return n ? -EBADMSG : pass_on(value, len, out, size, ret_len);
	if (value[2] == 0) {
		if (fragments_of(value) == 1)
			return pass_on(value, len, out, size, ret_len);
		if (fragments_of(value) > RX_FRAGMENTS_MAX)
			return -EMSGSIZE;
		memcpy(frames, value, RX_LEN);
		kept[0] = 1;
		return 0;
	}
	/* a continuation: the next fragment of the kept message */
	if (!n || value[2] != n || value[1] != frames[1])
		return -EBADMSG;
	memcpy(frames + n * RX_LEN, value, RX_LEN);
	if (++n < fragments_of(frames)) {
		kept[0] = (uint8_t)n;
		return 0;
	}
	return pass_on(frames, n * RX_LEN, out, size, ret_len);
}

#define SVC "ffb0"
static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC,
		  .characteristic = "ffb2", .what = "subscribe 0xFFB2" },
	/* 1 */ { .op = HV_STEP_SUBSCRIBE, .service = SVC,
		  .characteristic = "ffb3", .what = "subscribe 0xFFB3" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_profile, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "profile (BA)" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		  .on_value = on_frame, .timeout_ms = 60000,
		  .what = "wait for the result (A3)" },
	/* 4 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_ack, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "acknowledge a request (B0)" },
	/* 5 */ { .op = HV_STEP_WAIT, .service = SVC, .characteristic = "ffb3",
		  .on_value = on_frame, .timeout_ms = 60000, .on_fail = ST_END,
		  .what = "wait on for the result (A3)" },
	/* 6 */ { .op = HV_STEP_WRITE, .service = SVC, .characteristic = "ffb1",
		  .payload = pl_ack, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "acknowledge the result (B0)" },
	/* 7 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.assemble = assemble,
};

static const char *const models[] = { "Relaxmedic (Fitdays, icomon 107)", NULL };
static const uint16_t characteristics[] = { RX_LIVE_CHR, RX_RESULT_CHR, 0 };
static const char *const name_prefixes[] = { "Relaxmedic", NULL };

const struct hv_driver relaxmedic_driver = {
	.id = "relaxmedic",
	.name = "Relaxmedic (0xFFB0, fragmented icomon frames)",
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
