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
 * The link (not implemented): the scale sends A0 + a 4-byte password when
 * paired and A1 + a random on every connection, answered with 20 +
 * (password XOR random); then time (02), and while pairing, slot status
 * (83) frames, add-user (03) and profile (51) commands. The password must
 * be kept from the pairing session for every later one, and a GATT session
 * here keeps nothing between connections, so there is no conversation:
 * captured or relayed frames decode.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
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

static bool claims_device(const struct hv_frame *f)
{
	/* "10376B" pairing, "00376B…" paired; 0x8A2x are Transtek's for
	 * several brands */
	return hv_frame_name_starts_with(f, "10376B") ||
	       hv_frame_name_starts_with(f, "00376B");
}

static const char *const models[] = {
	"Weight Gurus Smart Scale 0376 (Transtek A3; decode only)", NULL,
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
	.claims_device = claims_device,
};
