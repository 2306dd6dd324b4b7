// SPDX-License-Identifier: MIT
/*
 * Yunmai: SE / Mini / Mini 2 / Signal / Scale-3 over GATT, and Yunmai X
 * (YMBS-M268) by advertisements. Source: openScale YunmaiHandler,
 * YunmaiXHandler and YunmaiLib (oliexdev/openScale@f7a733b2).
 *
 * GATT: service 0xFFE0 / 0xFFE4 notify; service 0xFFE5 / 0xFFE9 write.
 * Every frame starts 0D and ends with XX = XOR of the bytes between
 * (1..n-2); a wrong XOR is invalid.
 *
 *   scale -> app:
 *   0D VV LL TT 00 SS SS SS SS UU UU UU UU WW WW RR RR [FF FF] XX
 *      VV protocol version, LL length, TT 01 measuring / 02 final,
 *      S  time stamp, Unix u32 BE      U user id u32 BE
 *      W  weight u16 BE, 0.01 kg        R resistance u16 BE
 *      F  body fat u16 BE, 0.01 % (only when VV >= 0x1E)
 *
 *   app -> scale:
 *   0D 12 10 01 00 00 UH UL HH SX AG 55 5A 00 00 UN AC XX   set user
 *      (uid, height cm, sex 1 male / 2 female, age, unit 1 kg / 2 lb,
 *       activity 1 = fitness)
 *   0D 0D 11 SS SS SS SS 00 00 00 00 00 00 XX              set time
 *   0D 05 13 00 16                                          start
 *
 * Body composition (method "yunmai") from the resistance when the scale
 * sends no fat (VV < 0x1E), and only for the Mini family (the SE has no
 * working impedance sensor); with VV >= 0x1E the scale's fat is reported.
 *
 * Yunmai X, manufacturer data (16 bytes, the first two in the company-ID
 * slot):
 *   M0 M1 M2 M3 M4 M5 0B 74 17 SE ST WW WW ZZ ZZ XX
 *      M  device address, byte-reversed     SE session byte (ignored)
 *      ST 01 live, 02 stable, 03 final (with impedance)
 *      W  weight u16 BE, 0.01 kg            Z impedance u16 BE, Ohm
 *      XX XOR of bytes 9..14
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define YM_NOTIFY 0xFFE4
#define YM_X_SERVICE 0x1320
#define YM_MIN_LEN 18 /* through the resistance, plus XOR */

/* frame->quirks: the scale is an SE (weight only). */
#define HV_YUNMAI_SE (1u << 0)

static const char *const mini_names[] = { "YUNMAI-SIGNAL", "YUNMAI-ISM",
					  "YUNMAI-ISC2P", "YUNMAI-Scale-3",
					  NULL };
static const char *const se_names[] = { "YUNMAI-ISSE", NULL };

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_yunmai(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	struct hv_datetime clock;
	bool se;
	unsigned weight, resistance;
	int r;

	p = hv_frame_value_on(frame, YM_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 3 || p[0] != 0x0D)
		return hv_measurement_invalid(ret, "frame does not start with 0D");
	if (hv_xor8(p + 1, len - 2) != p[len - 1])
		return hv_measurement_invalid(ret, "XOR 0x%02x, computed 0x%02x",
					      p[len - 1], hv_xor8(p + 1, len - 2));
	if (len < YM_MIN_LEN)
		return hv_measurement_control(ret, "other");
	if (p[3] != 0x01 && p[3] != 0x02)
		return hv_measurement_control(ret, "other");

	weight = hv_be16(p + 13);
	resistance = hv_be16(p + 15);
	if (weight == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = p[3] == 0x02;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	hv_datetime_from_unix(hv_be32(p + 5), &clock);
	hv_measurement_set_clock(ret, &clock, frame->now);
	se = (frame->quirks & HV_YUNMAI_SE) ||
	     hv_name_any_prefix_ci(frame->name, se_names);

	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, weight / 100.0);
	if (r >= 0 && resistance > 0 && !se)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, resistance);
	if (r >= 0 && p[1] >= 0x1E && len >= YM_MIN_LEN + 2 && !se &&
	    hv_be16(p + 17) > 0) {
		if (hv_be16(p + 17) > 10000)
			return hv_measurement_invalid(ret, "body fat %u/100 %%",
						      hv_be16(p + 17));
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT,
				       hv_be16(p + 17) / 100.0);
	} else if (r >= 0 && !se && resistance > 0) {
		r = hv_decode_derive(ret, weight / 100.0, resistance,
				     frame->profile, derive_bodycomp);
	}
	return r < 0 ? r : 0;
}

/* A final (type 02) notification, protocol version 0x10 (no fat field). */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[YM_MIN_LEN] = { 0x0D, 0x10, YM_MIN_LEN };
	double raw;

	if (target && !hv_uuid_is16(target, YM_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	b[3] = m->final ? 0x02 : 0x01;
	if (m->has_raw_device_time)
		hv_put_be32(b + 5, (uint32_t)hv_datetime_to_unix(&m->raw_device_time));
	hv_put_be16(b + 13, (uint16_t)raw);
	if (z && z->value > 0 && z->value < UINT16_MAX)
		hv_put_be16(b + 15, (uint16_t)(z->value + 0.5));
	b[YM_MIN_LEN - 1] = hv_xor8(b + 1, YM_MIN_LEN - 2);
	return hv_frame_put_value(ret, YM_NOTIFY, b, sizeof(b));
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_any_prefix_ci(f->name, mini_names) ||
	       hv_name_any_prefix_ci(f->name, se_names);
}

/* --- conversation --------------------------------------------------------- */

static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[18] = { 0x0D, 0x12, 0x10, 0x01, 0x00, 0x00 };
	unsigned uid = s->user_index >= 0 ? (unsigned)s->user_index + 1 : 1;
	double h = s->profile.height_m * 100;

	if (size < sizeof(b))
		return -ENOSPC;
	if (!hv_profile_complete(&s->profile))
		return -ENODATA;
	hv_put_be16(b + 6, (uint16_t)uid);
	b[8] = (uint8_t)(h > 255 ? 255 : h + 0.5);
	b[9] = s->profile.sex == HV_SEX_MALE ? 1 : 2;
	b[10] = (uint8_t)(s->profile.age_years > 255 ? 255 :
						       s->profile.age_years);
	b[11] = 0x55;
	b[12] = 0x5A;
	b[15] = 0x01; /* kg: the gateway converts */
	b[16] = 0x00;
	b[17] = hv_xor8(b + 1, 16);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int pl_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	uint8_t b[14] = { 0x0D, 0x0D, 0x11 };

	if (size < sizeof(b))
		return -ENOSPC;
	hv_put_be32(b + 3, (uint32_t)s->now_unix);
	b[13] = hv_xor8(b + 1, 12);
	memcpy(buf, b, sizeof(b));
	*ret_len = sizeof(b);
	return 0;
}

static int on_final(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= YM_MIN_LEN && v[0] == 0x0D && v[3] == 0x02 &&
			       hv_xor8(v + 1, len - 2) == v[len - 1] ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const uint8_t start_cmd[] = { 0x0D, 0x05, 0x13, 0x00, 0x16 };

static const struct hv_step steps[] = {
	{ .op = HV_STEP_WRITE, .service = "ffe5", .characteristic = "ffe9",
	  .payload = pl_user, .flags = HV_STEP_OPTIONAL,
	  .what = "set user (uid, height, sex, age, unit kg)" },
	{ .op = HV_STEP_WRITE, .service = "ffe5", .characteristic = "ffe9",
	  .payload = pl_time, .what = "set time (Unix, big-endian)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "ffe0", .characteristic = "ffe4",
	  .what = "subscribe 0xFFE4" },
	{ .op = HV_STEP_WRITE, .service = "ffe5", .characteristic = "ffe9",
	  .bytes = start_cmd, .n_bytes = sizeof(start_cmd),
	  .what = "start" },
	{ .op = HV_STEP_WAIT, .service = "ffe0", .characteristic = "ffe4",
	  .on_value = on_final, .timeout_ms = 60000,
	  .what = "wait for the final frame" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Yunmai Mini (YUNMAI-ISM)", "Yunmai Mini 2 (YUNMAI-ISC2P)",
	"Yunmai Signal (YUNMAI-SIGNAL)", "Yunmai Scale-3", "Yunmai SE (YUNMAI-ISSE)",
	NULL,
};

static const uint16_t characteristics[] = { YM_NOTIFY, 0 };
static const char *const name_prefixes[] = { "YUNMAI-SIGNAL", "YUNMAI-ISM",
					     "YUNMAI-ISC2P", "YUNMAI-Scale-3",
					     "YUNMAI-ISSE", NULL };

const struct hv_driver yunmai_driver = {
	.id = "yunmai",
	.name = "Yunmai SE / Mini (0xFFE4)",
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

/* --- Yunmai X ------------------------------------------------------------- */

#define YMX_LEN 16

static const struct hv_manufacturer_data *ymx_find(const struct hv_frame *f)
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++) {
		const struct hv_manufacturer_data *md = &f->manufacturer_data[i];

		if (md->len == YMX_LEN && md->data[6] == 0x0B &&
		    md->data[7] == 0x74 && md->data[8] == 0x17)
			return md;
	}
	return NULL;
}

static int x_decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	const uint8_t *p;
	unsigned z;
	int r;

	if (frame->has_characteristic)
		return -ENODEV;
	md = ymx_find(frame);
	if (!md)
		return -ENODEV;
	p = md->data;
	if (hv_xor8(p + 9, 6) != p[15])
		return hv_measurement_invalid(ret, "XOR 0x%02x, computed 0x%02x",
					      p[15], hv_xor8(p + 9, 6));
	if (p[10] < 1 || p[10] > 3)
		return hv_measurement_invalid(ret, "state %u", p[10]);
	ret->final = p[10] == 3;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	z = hv_be16(p + 13);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, hv_be16(p + 11) / 100.0);
	if (r >= 0 && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && z > 0 && ret->final)
		r = hv_decode_derive(ret, hv_be16(p + 11) / 100.0, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int x_encode(const struct hv_measurement *m, const struct hv_uuid *target,
		    struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	struct hv_manufacturer_data *md;
	double raw;

	if (target)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = YMX_LEN;
	/* address 11:22:33:44:55:66, reversed */
	for (int i = 0; i < 6; i++)
		md->data[i] = (uint8_t)(0x66 - 0x11 * i);
	md->data[6] = 0x0B;
	md->data[7] = 0x74;
	md->data[8] = 0x17;
	md->data[9] = 0x04;
	md->data[10] = m->final ? 3 : 1;
	hv_put_be16(md->data + 11, (uint16_t)raw);
	if (z && z->value > 0 && z->value < UINT16_MAX)
		hv_put_be16(md->data + 13, (uint16_t)(z->value + 0.5));
	md->data[15] = hv_xor8(md->data + 9, 6);
	ret->n_service_uuids = 1;
	ret->service_uuids[0] = hv_uuid16(YM_X_SERVICE);
	return 0;
}

static bool x_claims_device(const struct hv_frame *f)
{
	return ymx_find(f) || hv_frame_has_service(f, YM_X_SERVICE);
}

static const char *const x_models[] = { "Yunmai X (YMBS-M268)", NULL };
static const uint16_t x_services[] = { YM_X_SERVICE, 0 };

const struct hv_driver yunmai_x_driver = {
	.id = "yunmai_x",
	.name = "Yunmai X (advertisements)",
	.models = x_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.services = x_services,
	},
	.flags = HV_DRIVER_ANY_COMPANY,
	.decode = x_decode,
	.derive = derive_bodycomp,
	.encode = x_encode,
	.claims_device = x_claims_device,
};
