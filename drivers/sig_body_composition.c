// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Body Composition Service 0x181B: Body Composition
 * Measurement 0x2A9C (indicated) and Body Composition Feature 0x2A9B
 * (read). Layout from the GATT XML (body_composition_measurement.xml,
 * body_composition_feature.xml of oesmith/gatt-xml@4fd2ede; Wireshark 3.4
 * packet-btatt.c case 0x2A9C); little-endian, optional fields in this order:
 *
 *   FF FF  flags u16: bit0 imperial, bit1 time stamp, bit2 user id,
 *          bit3 basal metabolism, bit4 muscle %, bit5 muscle mass,
 *          bit6 fat-free mass, bit7 soft lean mass, bit8 body water mass,
 *          bit9 impedance, bit10 weight, bit11 height,
 *          bit12 multiple packet measurement; bits 13-15 reserved
 *   PP PP  body fat % × 0.1 (always; 0xFFFF = measurement unsuccessful)
 *   [YY YY MO DD HH MI SS]  time stamp, device local time
 *   [UU]   user index; 0xFF = unknown user
 *   [BB BB] basal metabolism, kJ (published in kcal/d: ÷ 4.184)
 *   [MP MP] muscle % × 0.1
 *   [masses u16: muscle, fat-free, soft lean, body water]
 *          SI × 0.005 kg, imperial × 0.01 lb
 *   [ZZ ZZ] impedance × 0.1 Ω
 *   [WW WW] weight (mass units as above)
 *   [HH HH] height: SI × 0.001 m, imperial × 0.1 in
 *
 * Multi-packet measurements (bit 12): each packet is decoded on its own,
 * with final = false and more_packets set; joining packets is the
 * pipeline's job. A value whose length does not match its flags is
 * invalid, the error naming the field.
 *
 * A measurement whose readings are all 0 but the basal metabolism is a
 * placeholder, not a result: the Beurer BF788 sends one with each stored
 * weighing it hands over (its HCI snoop in ble-scale-sync issue #229,
 * tests/scales/beurer-bf720.test.ts @ 3cce0090, which drops it); it
 * decodes as a protocol frame. No body has 0 % fat and 0 Ohm.
 *
 * The Renpho ES-WBE28 variant (quirk HV_SIG_QUIRK_WEIGHT_50G, by name or
 * session; drivers/sig_scale.h): masses in 0.05 kg units; vendor bytes
 * after the announced fields (its packets are not rejected for them; a
 * field the value is too short for ends the walk, as ble-scale-sync reads
 * it); only impedance and weight are reported: the body fat, BMR and
 * masses are the scale's results for the profile the Renpho app
 * registered (ble-scale-sync recomputes them; openScale leaves them out)
 * and the user id is not the session's slot. A packet with neither is
 * not a measurement.
 *
 * The Beurer BF450 (by name, "bf450" anywhere, any case): the muscle,
 * fat-free, soft lean and water masses in 0.1 kg, not 0.005 kg: openScale's
 * BeurerBF450Handler.kt (oliexdev/openScale@f7a733b2) reads its muscle and
 * water masses at those offsets × 0.1 kg and publishes them in place of
 * the SIG reading; its percentages are the SIG's.
 *
 *   0x2A9B  uint32: bit0 time stamp, bit1 multiple users, bit2 BMR,
 *           bit3 muscle %, bit4 muscle mass, bit5 fat-free mass, bit6 soft
 *           lean mass, bit7 water mass, bit8 impedance, bit9 weight,
 *           bit10 height; bits 11-14 mass resolution; bits 15-17 height
 *           resolution (same tables as 0x2A9E)
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_scale.h"
#include "drivers/vendor_util.h"

#define BC_IMPERIAL (1u << 0)
#define BC_TIME_STAMP (1u << 1)
#define BC_USER (1u << 2)
#define BC_BMR (1u << 3)
#define BC_MUSCLE_PERCENT (1u << 4)
#define BC_MUSCLE_MASS (1u << 5)
#define BC_FAT_FREE_MASS (1u << 6)
#define BC_SOFT_LEAN_MASS (1u << 7)
#define BC_WATER_MASS (1u << 8)
#define BC_IMPEDANCE (1u << 9)
#define BC_WEIGHT (1u << 10)
#define BC_HEIGHT (1u << 11)
#define BC_MULTI_PACKET (1u << 12)

#define UNSUCCESSFUL 0xFFFF
#define IN_TO_M 0.0254
#define KJ_PER_KCAL 4.184

enum field_kind {
	F_PERCENT, /* × 0.1 % */
	F_KJ,
	F_MASS,
	F_OHM, /* × 0.1 Ω */
	F_HEIGHT,
};

/* The u16 fields after time stamp and user id, in wire order. */
static const struct field {
	unsigned flag;
	enum hv_metric metric;
	enum field_kind kind;
	const char *what;
} fields[] = {
	{ BC_BMR, HV_METRIC_BASAL_METABOLIC_RATE, F_KJ, "basal metabolism" },
	{ BC_MUSCLE_PERCENT, HV_METRIC_MUSCLE_PERCENT, F_PERCENT,
	  "muscle percentage" },
	{ BC_MUSCLE_MASS, HV_METRIC_MUSCLE_MASS, F_MASS, "muscle mass" },
	{ BC_FAT_FREE_MASS, HV_METRIC_FAT_FREE_MASS, F_MASS, "fat-free mass" },
	{ BC_SOFT_LEAN_MASS, HV_METRIC_SOFT_LEAN_MASS, F_MASS,
	  "soft lean mass" },
	{ BC_WATER_MASS, HV_METRIC_BODY_WATER_MASS, F_MASS,
	  "body water mass" },
	{ BC_IMPEDANCE, HV_METRIC_IMPEDANCE, F_OHM, "impedance" },
	{ BC_WEIGHT, HV_METRIC_BODY_WEIGHT, F_MASS, "weight" },
	{ BC_HEIGHT, HV_METRIC_BODY_HEIGHT, F_HEIGHT, "height" },
};

/* mass_factor: how many of the SIG's mass units a vendor's unit is. */
static double from_wire(enum field_kind kind, uint16_t raw, bool imperial,
			double mass_factor)
{
	switch (kind) {
	case F_PERCENT:
		return hv_round_to(raw * 0.1, 1);
	case F_KJ:
		return hv_round_to(raw / KJ_PER_KCAL, 1);
	case F_MASS:
		return hv_round_to((imperial ? raw * 0.01 * HV_LB_TO_KG :
					       raw * 0.005) *
					   mass_factor,
				   3);
	case F_OHM:
		return hv_round_to(raw * 0.1, 1);
	case F_HEIGHT:
		return hv_round_to(imperial ? raw * 0.1 * IN_TO_M : raw * 0.001,
				   4);
	}
	return 0;
}

/* The inverse; -1 when the value cannot be sent. */
static double to_wire(enum field_kind kind, double v, bool imperial)
{
	double raw = 0;

	switch (kind) {
	case F_PERCENT:
	case F_OHM:
		raw = v * 10;
		break;
	case F_KJ:
		raw = v * KJ_PER_KCAL;
		break;
	case F_MASS:
		raw = imperial ? v / HV_LB_TO_KG / 0.01 : v / 0.005;
		break;
	case F_HEIGHT:
		raw = imperial ? v / IN_TO_M * 10 : v * 1000;
		break;
	}
	if (!(raw >= 0) || raw + 0.5 >= UNSUCCESSFUL)
		return -1;
	return raw + 0.5;
}

/* What the Renpho variant's packets are trusted for. */
static bool renpho_reports(enum hv_metric metric)
{
	return metric == HV_METRIC_IMPEDANCE || metric == HV_METRIC_BODY_WEIGHT;
}

/* Renpho: every mass in 0.05 kg; Beurer BF450: the body's masses (not the
 * weight) in 0.1 kg (see the header). */
static double mass_factor(enum hv_metric metric, bool renpho, bool bf450)
{
	if (renpho)
		return 10;
	if (bf450 && metric != HV_METRIC_BODY_WEIGHT)
		return 20;
	return 1;
}

/* Only zeros, the basal metabolism aside (it is the profile's, not the
 * body's): see the header. */
static bool is_placeholder(const struct hv_measurement *m)
{
	bool any = false;

	for (size_t i = 0; i < m->n_readings; i++) {
		const struct hv_reading *r = &m->readings[i];

		if (r->metric == HV_METRIC_BASAL_METABOLIC_RATE)
			continue;
		if (r->absent != HV_ABSENT_NONE || r->value != 0)
			return false;
		any = true;
	}
	return any;
}

static int decode_measurement(const struct hv_frame *frame,
			      struct hv_measurement *ret)
{
	const uint8_t *v = frame->value;
	struct hv_sig_scale_fields fl = { .time_stamp = BC_TIME_STAMP,
					  .user = BC_USER,
					  .flag_digits = 4 };
	bool imperial, unsuccessful, renpho, bf450;
	unsigned flags;
	uint16_t fat;
	size_t off = 4;
	int user_index, r;

	if (frame->value_len < 4)
		return hv_measurement_invalid(
			ret,
			"Body Composition Measurement has %zu bytes; flags and body fat need 4",
			frame->value_len);
	renpho = (frame->quirks | hv_sig_scale_quirks_for_name(frame->name)) &
		 HV_SIG_QUIRK_WEIGHT_50G;
	bf450 = hv_name_contains_ci(frame->name, "bf450");
	fl.flags = flags = hv_le16(v);
	imperial = flags & BC_IMPERIAL;
	fat = hv_le16(v + 2);
	unsuccessful = fat == UNSUCCESSFUL;
	ret->display_unit = imperial ? HV_UNIT_LB : HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	ret->more_packets = flags & BC_MULTI_PACKET;

	if (unsuccessful) {
		r = hv_measurement_add_flag(ret, "measurement_unsuccessful");
		if (r >= 0 && !renpho)
			r = hv_measurement_add_absent(
				ret, HV_METRIC_BODY_FAT_PERCENT, HV_ABSENT_NAN);
	} else if (!renpho) {
		r = hv_measurement_add(
			ret, HV_METRIC_BODY_FAT_PERCENT,
			from_wire(F_PERCENT, fat, imperial, 1));
	} else {
		r = 0;
	}
	if (r < 0)
		return r;

	user_index = ret->user_index;
	r = hv_sig_scale_take_stamp_user(frame, ret, &fl, &off);
	if (r < 0)
		return r;
	if (renpho)
		ret->user_index = user_index;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *fd = &fields[i];
		uint16_t raw;

		if (!(flags & fd->flag))
			continue;
		if (renpho && frame->value_len < off + 2)
			break;
		r = hv_sig_scale_need(ret, frame, &fl, off, 2, fd->what);
		if (r < 0)
			return r;
		raw = hv_le16(v + off);
		off += 2;
		if (renpho && !renpho_reports(fd->metric))
			continue;
		if (raw == UNSUCCESSFUL)
			r = hv_measurement_add_absent(ret, fd->metric,
						      HV_ABSENT_NAN);
		else
			r = hv_measurement_add(
				ret, fd->metric,
				from_wire(fd->kind, raw, imperial,
					  mass_factor(fd->metric, renpho,
						      bf450)));
		if (r < 0)
			return r;
	}
	if (renpho) {
		if (ret->n_readings == 0)
			return hv_measurement_control(ret,
						      "vendor_composition");
	} else {
		r = hv_sig_scale_end(ret, frame, &fl, off);
		if (r < 0)
			return r;
		if (is_placeholder(ret)) {
			hv_measurement_reset(ret, ret->driver);
			return hv_measurement_control(ret, "placeholder");
		}
	}
	ret->final = !unsuccessful && !ret->more_packets;
	return 0;
}

static const char *const feature_names[] = {
	"time_stamp_supported",	   "multiple_users_supported",
	"bmr_supported",	   "muscle_percent_supported",
	"muscle_mass_supported",   "fat_free_mass_supported",
	"soft_lean_mass_supported", "body_water_mass_supported",
	"impedance_supported",	   "weight_supported",
	"height_supported",
};

static int decode_feature(const struct hv_frame *frame,
			  struct hv_measurement *ret)
{
	const char *mtext, *htext;
	uint32_t f;

	if (frame->value_len != 4)
		return hv_measurement_invalid(
			ret,
			"Body Composition Feature has %zu bytes, expected 4",
			frame->value_len);
	f = hv_le32(frame->value);
	/* Flag slots are fewer than features: keep the first ones. */
	for (unsigned i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]);
	     i++)
		if (f & (1u << i))
			(void)hv_measurement_add_flag(ret, feature_names[i]);
	mtext = hv_sig_mass_resolution_text(f >> 11);
	htext = hv_sig_height_resolution_text(f >> 15);
	if (mtext)
		(void)hv_measurement_add_context(ret, "mass_resolution", mtext);
	if (htext)
		(void)hv_measurement_add_context(ret, "height_resolution", htext);
	return 0;
}

int hv_sig_body_composition_decode(const struct hv_frame *frame,
				   struct hv_measurement *ret)
{
	if (hv_frame_is_characteristic(frame,
				       HV_UUID_BODY_COMPOSITION_MEASUREMENT))
		return decode_measurement(frame, ret);
	if (hv_frame_is_characteristic(frame, HV_UUID_BODY_COMPOSITION_FEATURE))
		return decode_feature(frame, ret);
	return -ENODEV;
}

/* Writes one packet carrying every reading of m that the format has
 * (m->more_packets sets flag bit 12, so a test can build packet series). */
static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	return hv_sig_body_composition_decode(frame, ret);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *fat =
		hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	bool imperial = m->display_unit == HV_UNIT_LB;
	struct hv_sig_scale_fields fl = { .flags = imperial ? BC_IMPERIAL : 0,
					  .time_stamp = BC_TIME_STAMP,
					  .user = BC_USER };
	uint8_t *v;
	size_t off = 4;
	double raw;
	int r;

	if (target && !hv_uuid_is16(target, HV_UUID_BODY_COMPOSITION_MEASUREMENT))
		return -EINVAL;
	if (!fat)
		return -EINVAL;
	if (fat->absent != HV_ABSENT_NONE) {
		raw = UNSUCCESSFUL;
	} else {
		raw = to_wire(F_PERCENT, fat->value, imperial);
		if (raw < 0)
			return -EINVAL;
	}

	*ret = (struct hv_frame){ .has_characteristic = true };
	ret->characteristic = hv_uuid16(HV_UUID_BODY_COMPOSITION_MEASUREMENT);
	v = ret->value;
	hv_put_le16(v + 2, (uint16_t)raw);
	r = hv_sig_scale_put_stamp_user(m, &fl, v, &off);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *fd = &fields[i];
		/* Derived readings (with a method) are not the device's. */
		const struct hv_reading *rd =
			hv_measurement_find_method(m, fd->metric, NULL);

		if (!rd)
			continue;
		if (rd->absent != HV_ABSENT_NONE) {
			raw = UNSUCCESSFUL;
		} else {
			raw = to_wire(fd->kind, rd->value, imperial);
			if (raw < 0)
				return -EINVAL;
		}
		fl.flags |= fd->flag;
		hv_put_le16(v + off, (uint16_t)raw);
		off += 2;
	}
	if (m->more_packets)
		fl.flags |= BC_MULTI_PACKET;
	hv_put_le16(v, (uint16_t)fl.flags);
	ret->value_len = off;
	return 0;
}

static const char *const models[] = {
	"Any Bluetooth SIG Body Composition scale (0x181B)",
	NULL,
};

static const uint16_t characteristics[] = {
	HV_UUID_BODY_COMPOSITION_MEASUREMENT, HV_UUID_BODY_COMPOSITION_FEATURE, 0
};

const struct hv_driver sig_body_composition_driver = {
	.id = "sig_body_composition",
	.name = "Bluetooth SIG Body Composition",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
};
