// SPDX-License-Identifier: MIT
/*
 * Hoffen BBS-8107 and its rebrand ProfiCare PC-PW 3008 BT: the Chipsea
 * "WeChat scale" firmware, on service 0xFFB0 with one characteristic 0xFFB2
 * (notify, and write with response). Sources: openScale HoffenBbs8107Handler
 * and HoffenBbs8107HandlerTest (android_app/app/src/{main,test}/java/com/
 * health/openscale/core/bluetooth/scales/), oliexdev/openScale@f7a733b2;
 * the checksum from the handler it replaced, legacy/BluetoothHoffenBBS8107.java
 * (removed in 6ed3f626; read at its parent).
 *
 * Both directions:
 *   FA CC LL payload… CS   CS = XOR of CC … the last payload byte, so that
 *                          the XOR of every byte after FA is 0
 * (The Kotlin port computes it over one byte less when sending and checks
 * it without the checksum byte when receiving; the Java handler it was
 * ported from does as written here.)
 *
 * Scale → app:
 *   FA 01 …  live weight: [4..5] u16 LE, 0.1 (unit as configured)
 *   FA 02 …  final result: [3..4] weight u16 LE 0.1; [5] 00 = barefoot,
 *            then [6..7] fat %, [8..9] water %, [10..11] muscle % (u16 LE,
 *            0.1), [14] bone kg 0.1, [17..18] visceral fat u16 LE 0.1;
 *            [5] 04 = weight only. Its checksum may come in a later
 *            notification: a final frame is read whatever its last byte.
 *   FA 03 …  acknowledgement of the app's last command
 * App → scale:
 *   FA 85 04 00 SS AA HH CS   user: SS 1 male / 0 female, age, height cm
 *   FA 83 02 UU 00 CS         unit: 1 kg, 2 lb, 3 st
 *   FA 82 01 00 CS            measurement received (the scale powers off)
 *
 * The final result is the measurement. The conversation configures kg;
 * the scale sends lb whenever it is set to lb or st, and the frame does
 * not say which, so it is read as kg. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define HF_CHR 0xFFB2
#define HF_MAGIC 0xFA
#define HF_LIVE 0x01
#define HF_FINAL 0x02
#define HF_ACK 0x03
#define HF_CMD_DONE 0x82
#define HF_CMD_UNIT 0x83
#define HF_CMD_USER 0x85
#define HF_BAREFOOT 0x00
#define HF_FINAL_LEN 19 /* through the visceral fat field */
#define HF_UNIT_KG 0x01

static bool checksum_ok(const uint8_t *p, size_t len)
{
	return len >= 4 && hv_xor8(p + 1, len - 1) == 0;
}

static void person_kg(struct hv_measurement *ret)
{
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
}

static int decode_final(const uint8_t *p, size_t len, struct hv_measurement *ret)
{
	int r;

	if (len < 6)
		return hv_measurement_invalid(ret, "final result has %zu bytes", len);
	if (hv_le16(p + 3) == 0)
		return hv_measurement_invalid(ret, "weight is zero");
	ret->final = true;
	person_kg(ret);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_le16(p + 3) / 10.0);
	if (r < 0 || p[5] != HF_BAREFOOT)
		return r < 0 ? r : 0;
	if (len < HF_FINAL_LEN)
		return hv_measurement_invalid(
			ret, "barefoot result has %zu bytes, needs %d", len,
			HF_FINAL_LEN);
	r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, hv_le16(p + 6) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BODY_WATER_PERCENT,
				       hv_le16(p + 8) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_MUSCLE_PERCENT,
				       hv_le16(p + 10) / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_BONE_MASS, p[14] / 10.0);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_VISCERAL_FAT_RATING,
				       hv_le16(p + 17) / 10.0);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	int r;

	p = hv_frame_value_on(frame, HF_CHR, &len);
	if (!p)
		return -ENODEV;
	if (len < 2 || p[0] != HF_MAGIC)
		return hv_measurement_control(ret, "other");
	if (p[1] == HF_FINAL)
		return decode_final(p, len, ret);
	if (!checksum_ok(p, len))
		return hv_measurement_invalid(ret, "checksum: bytes XOR to 0x%02x",
					      len > 1 ? hv_xor8(p + 1, len - 1) : 0);
	if (p[1] != HF_LIVE)
		return hv_measurement_control(ret, p[1] == HF_ACK ? "ack" : "other");
	if (len < 7 || hv_le16(p + 4) == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = false;
	person_kg(ret);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_le16(p + 4) / 10.0);
	return r < 0 ? r : 0;
}

/* Final: a result (barefoot when it has fat); otherwise a live weight. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[20] = { HF_MAGIC };
	size_t len = sizeof(b);
	int r;

	if (target && !hv_uuid_is16(target, HF_CHR))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	if (!m->final) {
		b[1] = HF_LIVE;
		b[2] = 3;
		len = 7;
		r = hv_put_reading(b + 4, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_BODY_WEIGHT, 10);
		if (r < 0 || hv_le16(b + 4) == 0)
			return -EINVAL;
	} else {
		b[1] = HF_FINAL;
		b[2] = (uint8_t)(len - 4);
		r = hv_put_reading(b + 3, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_BODY_WEIGHT, 10);
		if (r < 0 || hv_le16(b + 3) == 0)
			return -EINVAL;
		b[5] = hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT) ?
			       HF_BAREFOOT :
			       0x04;
		r = hv_put_reading(b + 6, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_BODY_FAT_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 8, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_BODY_WATER_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 10, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_MUSCLE_PERCENT, 10);
		if (r >= 0)
			r = hv_put_reading(b + 14, 1, HV_LITTLE_ENDIAN, m, HV_METRIC_BONE_MASS, 10);
		if (r >= 0)
			r = hv_put_reading(b + 17, 2, HV_LITTLE_ENDIAN, m, HV_METRIC_VISCERAL_FAT_RATING, 10);
		if (r < 0)
			return -EINVAL;
	}
	b[len - 1] = hv_xor8(b + 1, len - 2);
	return hv_frame_put_value(ret, HF_CHR, b, len);
}

/* The exact name, any case, blanks around it ignored (as openScale). */
static bool name_is(const char *name, const char *what)
{
	size_t n = strlen(what);

	if (!name)
		return false;
	while (*name == ' ')
		name++;
	if (!hv_name_prefix_ci(name, what))
		return false;
	for (name += n; *name == ' '; name++)
		;
	return *name == '\0';
}

static bool claims_device(const struct hv_frame *f)
{
	/* They also advertise 0xFEE7 (WeChat, any kind of device) and speak
	 * on 0xFFB0 like the LeFu family: the name decides. */
	return name_is(f->name, "Hoffen BS-8107") || name_is(f->name, "PC-PW 3008 BT");
}

/* --- conversation --------------------------------------------------------- */

static int packet(uint8_t cmd, const uint8_t *payload, size_t n, uint8_t *buf,
		  size_t size, size_t *ret_len)
{
	if (size < n + 4)
		return -ENOSPC;
	buf[0] = HF_MAGIC;
	buf[1] = cmd;
	buf[2] = (uint8_t)n;
	memcpy(buf + 3, payload, n);
	buf[n + 3] = hv_xor8(buf + 1, n + 2);
	*ret_len = n + 4;
	return 0;
}

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	double cm = s->profile.height_m * 100 + 0.5;
	uint8_t p[4] = { 0 };

	p[1] = s->profile.sex == HV_SEX_MALE ? 1 : 0;
	if (s->profile.age_years > 0 && s->profile.age_years <= 255)
		p[2] = (uint8_t)s->profile.age_years;
	if (cm >= 1 && cm <= 255)
		p[3] = (uint8_t)cm;
	return packet(HF_CMD_USER, p, sizeof(p), buf, size, ret_len);
}

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	static const uint8_t kg[] = { HF_UNIT_KG, 0x00 };

	(void)s;
	return packet(HF_CMD_UNIT, kg, sizeof(kg), buf, size, ret_len);
}

static int pl_done(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	static const uint8_t zero[] = { 0x00 };

	(void)s;
	return packet(HF_CMD_DONE, zero, sizeof(zero), buf, size, ret_len);
}

static int on_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 2 && v[0] == HF_MAGIC && v[1] == HF_ACK && checksum_ok(v, len) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static int on_final(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 6 && v[0] == HF_MAGIC && v[1] == HF_FINAL ? HV_VALUE_DONE :
								  HV_VALUE_MORE;
}

#define SVC "ffb0"
#define CHR "ffb2"

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = SVC, .characteristic = CHR,
	  .what = "subscribe 0xFFB2" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_user, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "user (0x85)" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_ack, .timeout_ms = 5000, .what = "user acknowledged" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_unit, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "unit kg (0x83)" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_ack, .timeout_ms = 5000, .what = "unit acknowledged" },
	{ .op = HV_STEP_WAIT, .service = SVC, .characteristic = CHR,
	  .on_value = on_final, .timeout_ms = 60000,
	  .what = "wait for the final result" },
	{ .op = HV_STEP_WRITE, .service = SVC, .characteristic = CHR,
	  .payload = pl_done, .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	  .what = "measurement received (0x82)" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Hoffen BBS-8107", "ProfiCare PC-PW 3008 BT",
				      NULL };
static const uint16_t characteristics[] = { HF_CHR, 0 };
static const char *const name_prefixes[] = { "Hoffen BS-8107", "PC-PW 3008 BT",
					     NULL };

const struct hv_driver hoffen_bbs8107_driver = {
	.id = "hoffen_bbs8107",
	.name = "Hoffen BBS-8107 / Chipsea WeChat scale (0xFFB0)",
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
