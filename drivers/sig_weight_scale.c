// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Weight Scale Service 0x181D: Weight Measurement 0x2A9D
 * (indicated) and Weight Scale Feature 0x2A9E (read). Layouts from the
 * GATT XML (weight_measurement.xml, weight_scale_feature.xml) of
 * oesmith/gatt-xml@4fd2ede, little-endian, optional fields in order:
 *
 *   0x2A9D  FF WW WW [YY YY MO DD HH MI SS] [UU] [BB BB HH HH]
 *
 *   FF  flags: bit0 imperial (lb, in), bit1 time stamp, bit2 user id,
 *       bit3 BMI and height (one flag for both); bits 4-7 reserved
 *   WW  weight u16: SI × 0.005 kg, imperial × 0.01 lb; 0xFFFF = measurement
 *       unsuccessful (kept as an absent reading, never final)
 *   YY..SS  time stamp, Date Time (device local time)
 *   UU  user index (UDS); 0xFF = unknown user
 *   BB  BMI u16 × 0.1;  HH  height u16: SI × 0.001 m, imperial × 0.1 in
 *
 *   0x2A9E  uint32: bit0 time stamp, bit1 multiple users, bit2 BMI,
 *           bits 3-6 weight resolution, bits 7-9 height resolution
 *
 * A value whose length does not match its flags is invalid (the error
 * names the field). Each indication is one complete measurement: final.
 *
 * Quirk HV_SIG_QUIRK_WEIGHT_50G (drivers/sig_scale.h): Renpho ES-WBE28
 * sends weight in 0.05 kg units (ble-scale-sync renpho tests, openScale
 * RenphoHandler), recognised by name, by reserved flag bits, and by the
 * session (device information, user slot). With it, a BMI or height of
 * zero is not a reading.
 *
 * This driver also owns the GATT conversation of SIG scales
 * (drivers/sig_scale_conversation.c), selected by an advertised 0x181D or
 * 0x181B service UUID (not service data: 0x181D/0x181B service data are
 * Xiaomi adverts).
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/sig_scale.h"
#include "drivers/vendor_util.h"

#define WM_IMPERIAL 0x01
#define WM_TIME_STAMP 0x02
#define WM_USER 0x04
#define WM_BMI_HEIGHT 0x08

#define WEIGHT_UNSUCCESSFUL 0xFFFF
#define IN_TO_M 0.0254

#define WM_RESERVED 0xF0

static const char *const quirk_names[] = { "renpho-scale", "ES-WBE28", NULL };

unsigned hv_sig_scale_quirks_for_name(const char *name)
{
	return hv_name_any_prefix_ci(name, quirk_names) ?
		       HV_SIG_QUIRK_WEIGHT_50G :
		       0;
}

unsigned hv_sig_scale_quirks_for_weight_flags(uint8_t flags)
{
	return flags & WM_RESERVED ? HV_SIG_QUIRK_WEIGHT_50G : 0;
}

unsigned hv_sig_scale_quirks_for_device_info(const uint8_t *text, size_t len)
{
	char s[32];

	if (!text)
		return 0;
	if (len >= sizeof(s))
		len = sizeof(s) - 1;
	memcpy(s, text, len);
	s[len] = '\0';
	if (hv_name_prefix_ci(s, "ES-WBE28") || hv_name_prefix_ci(s, "RENPHO"))
		return HV_SIG_QUIRK_WEIGHT_50G;
	return 0;
}

unsigned hv_sig_scale_quirks_for_user_slot(int user_index)
{
	return user_index == HV_SIG_RENPHO_USER_SLOT ? HV_SIG_QUIRK_WEIGHT_50G :
						       0;
}

static const double weight_res_kg[16] = { 0,    0.5,  0.2,  0.1,
					  0.05, 0.02, 0.01, 0.005 };
static const double height_res_m[8] = { 0, 0.01, 0.005, 0.001 };

int hv_sig_weight_feature_parse(const uint8_t *value, size_t len,
				struct hv_sig_weight_feature *ret)
{
	uint32_t f;

	if (!value || len != 4)
		return -EBADMSG;
	f = hv_le32(value);
	*ret = (struct hv_sig_weight_feature){
		.time_stamp = f & 0x01,
		.multiple_users = f & 0x02,
		.bmi = f & 0x04,
		.weight_resolution_kg = weight_res_kg[(f >> 3) & 0x0F],
		.height_resolution_m = height_res_m[(f >> 7) & 0x07],
	};
	return 0;
}

static int decode_feature(const struct hv_frame *frame,
			  struct hv_measurement *ret)
{
	struct hv_sig_weight_feature feat;
	const char *wtext, *htext;
	uint32_t f;

	if (hv_sig_weight_feature_parse(frame->value, frame->value_len,
					&feat) < 0)
		return hv_measurement_invalid(
			ret, "Weight Scale Feature has %zu bytes, expected 4",
			frame->value_len);
	f = hv_le32(frame->value);
	/* A description of the scale, not a measurement: never final. */
	if (feat.time_stamp)
		(void)hv_measurement_add_flag(ret, "time_stamp_supported");
	if (feat.multiple_users)
		(void)hv_measurement_add_flag(ret, "multiple_users_supported");
	if (feat.bmi)
		(void)hv_measurement_add_flag(ret, "bmi_supported");
	wtext = hv_sig_mass_resolution_text(f >> 3);
	htext = hv_sig_height_resolution_text(f >> 7);
	if (wtext)
		(void)hv_measurement_add_context(ret, "weight_resolution", wtext);
	if (htext)
		(void)hv_measurement_add_context(ret, "height_resolution", htext);
	return 0;
}

static int decode_measurement(const struct hv_frame *frame,
			      struct hv_measurement *ret)
{
	const uint8_t *v = frame->value;
	unsigned quirks = frame->quirks | hv_sig_scale_quirks_for_name(frame->name);
	struct hv_sig_scale_fields fl = { .time_stamp = WM_TIME_STAMP,
					  .user = WM_USER,
					  .flag_digits = 2 };
	bool imperial;
	uint8_t flags;
	uint16_t raw;
	size_t off = 3;
	int r;

	if (frame->value_len < 3)
		return hv_measurement_invalid(
			ret,
			"Weight Measurement has %zu bytes; flags and weight need 3",
			frame->value_len);
	fl.flags = flags = v[0];
	quirks |= hv_sig_scale_quirks_for_weight_flags(flags);
	imperial = flags & WM_IMPERIAL;
	raw = hv_le16(v + 1);
	ret->display_unit = imperial ? HV_UNIT_LB : HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;

	if (raw == WEIGHT_UNSUCCESSFUL) {
		ret->final = false;
		r = hv_measurement_add_flag(ret, "measurement_unsuccessful");
		if (r >= 0)
			r = hv_measurement_add_absent(ret, HV_METRIC_BODY_WEIGHT,
						      HV_ABSENT_NAN);
	} else {
		double w = imperial ? raw * 0.01 * HV_LB_TO_KG : raw * 0.005;

		if (quirks & HV_SIG_QUIRK_WEIGHT_50G)
			w *= 10;
		ret->final = true;
		r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
				       hv_round_to(w, 3));
	}
	if (r < 0)
		return r;

	r = hv_sig_scale_take_stamp_user(frame, ret, &fl, &off);
	if (r < 0)
		return r;
	if (flags & WM_BMI_HEIGHT) {
		double h;

		r = hv_sig_scale_need(ret, frame, &fl, off, 4, "BMI and height");
		if (r < 0)
			return r;
		h = imperial ? hv_le16(v + off + 2) * 0.1 * IN_TO_M :
			       hv_le16(v + off + 2) * 0.001;
		/* The Renpho variant announces them and sends zeros. */
		if (!(quirks & HV_SIG_QUIRK_WEIGHT_50G) || hv_le16(v + off)) {
			r = hv_measurement_add(
				ret, HV_METRIC_BMI,
				hv_round_to(hv_le16(v + off) * 0.1, 1));
			if (r < 0)
				return r;
		}
		if (!(quirks & HV_SIG_QUIRK_WEIGHT_50G) || h > 0) {
			r = hv_measurement_add(ret, HV_METRIC_BODY_HEIGHT,
					       hv_round_to(h, 4));
			if (r < 0)
				return r;
		}
		off += 4;
	}
	return hv_sig_scale_end(ret, frame, &fl, off);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	if (hv_frame_is_characteristic(frame, HV_UUID_WEIGHT_MEASUREMENT))
		return decode_measurement(frame, ret);
	if (hv_frame_is_characteristic(frame, HV_UUID_WEIGHT_SCALE_FEATURE))
		return decode_feature(frame, ret);
	/* The conversation's other indications (see sig_scale.h). */
	if (hv_frame_is_characteristic(frame,
				       HV_UUID_BODY_COMPOSITION_MEASUREMENT) ||
	    hv_frame_is_characteristic(frame, HV_UUID_BODY_COMPOSITION_FEATURE)) {
		ret->driver = "sig_body_composition";
		return hv_sig_body_composition_decode(frame, ret);
	}
	return -ENODEV;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *bmi = hv_measurement_find(m, HV_METRIC_BMI);
	const struct hv_reading *h = hv_measurement_find(m, HV_METRIC_BODY_HEIGHT);
	bool imperial = m->display_unit == HV_UNIT_LB;
	struct hv_sig_scale_fields fl = { .flags = imperial ? WM_IMPERIAL : 0,
					  .time_stamp = WM_TIME_STAMP,
					  .user = WM_USER };
	uint8_t *v;
	double raw;
	size_t off = 3;
	int r;

	if (target && !hv_uuid_is16(target, HV_UUID_WEIGHT_MEASUREMENT))
		return -EINVAL;
	if (!w)
		return -EINVAL;
	if (w->absent != HV_ABSENT_NONE) {
		raw = WEIGHT_UNSUCCESSFUL;
	} else {
		raw = imperial ? w->value / HV_LB_TO_KG / 0.01 : w->value / 0.005;
		if (!(raw >= 0) || raw + 0.5 >= WEIGHT_UNSUCCESSFUL)
			return -EINVAL;
	}

	*ret = (struct hv_frame){ .has_characteristic = true };
	ret->characteristic = hv_uuid16(HV_UUID_WEIGHT_MEASUREMENT);
	v = ret->value;
	hv_put_le16(v + 1, (uint16_t)(raw + 0.5));
	r = hv_sig_scale_put_stamp_user(m, &fl, v, &off);
	if (r < 0)
		return r;
	if (bmi && h && bmi->absent == HV_ABSENT_NONE &&
	    h->absent == HV_ABSENT_NONE) {
		double braw = bmi->value * 10;
		double hraw = imperial ? h->value / IN_TO_M * 10 :
					 h->value * 1000;

		if (!(braw >= 0) || !(hraw >= 0) || braw + 0.5 > UINT16_MAX ||
		    hraw + 0.5 > UINT16_MAX)
			return -EINVAL;
		fl.flags |= WM_BMI_HEIGHT;
		hv_put_le16(v + off, (uint16_t)(braw + 0.5));
		hv_put_le16(v + off + 2, (uint16_t)(hraw + 0.5));
		off += 4;
	}
	v[0] = (uint8_t)fl.flags;
	ret->value_len = off;
	return 0;
}

/* Scales from other families that advertise these UUIDs too. */
static bool is_xiaomi_advert(const struct hv_frame *f)
{
	const struct hv_service_data *sd;

	sd = hv_frame_service_data(f, HV_UUID_WEIGHT_SCALE_SERVICE);
	if (sd && sd->len == 10)
		return true;
	sd = hv_frame_service_data(f, HV_UUID_BODY_COMPOSITION_SERVICE);
	if (sd && sd->len == 13)
		return true;
	return hv_frame_name_starts_with(f, "MI_SCALE") ||
	       hv_frame_name_starts_with(f, "MI SCALE") ||
	       hv_frame_name_starts_with(f, "MIBCS") ||
	       hv_frame_name_starts_with(f, "MIBFS");
}

static bool claims_device(const struct hv_frame *advert)
{
	if (!hv_frame_has_service(advert, HV_UUID_WEIGHT_SCALE_SERVICE) &&
	    !hv_frame_has_service(advert, HV_UUID_BODY_COMPOSITION_SERVICE))
		return false;
	return !is_xiaomi_advert(advert);
}

static const char *const models[] = {
	"Any Bluetooth SIG Weight Scale (0x181D), with User Data Service consent",
	"Renpho ES-WBE28 (quirk: weight in 0.05 kg)",
	NULL,
};

static const uint16_t characteristics[] = { HV_UUID_WEIGHT_MEASUREMENT,
					    HV_UUID_WEIGHT_SCALE_FEATURE, 0 };
static const uint16_t services[] = { HV_UUID_WEIGHT_SCALE_SERVICE,
				     HV_UUID_BODY_COMPOSITION_SERVICE, 0 };

const struct hv_driver sig_weight_scale_driver = {
	.id = "sig_weight_scale",
	.name = "Bluetooth SIG Weight Scale",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &hv_sig_scale_conversation,
	.claims_device = claims_device,
};
