// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Heart Rate Service 0x180D: Heart Rate Measurement 0x2A37
 * (notify) and Body Sensor Location 0x2A38 (read).
 *
 * Heart Rate Measurement, little-endian (GATT XML heart_rate_measurement;
 * Wireshark 3.4 packet-btatt.c case 0x2A37; oesmith/gatt-xml@4fd2ede):
 *
 *   FF HR [HR] [EE EE] [RR RR]...
 *
 *   FF  flags: bit0 HR format (0 uint8, 1 uint16); bits1-2 sensor contact
 *       (0/1 not supported, 2 supported but not detected, 3 detected);
 *       bit3 Energy Expended present; bit4 RR-Intervals present; 5-7 reserved
 *   HR  heart rate, beats/min, uint8 or uint16
 *   EE  energy expended, uint16 kJ (cumulative, saturates at 0xFFFF)
 *   RR  RR-intervals, uint16 each, 1/1024 s, oldest first; as many as the
 *       value holds (at least one when bit4 is set). One rr_interval
 *       reading each; beyond what a measurement holds they are dropped and
 *       the flag "rr_intervals_truncated" says so.
 *
 * A heart rate with sensor contact supported but not detected is reported
 * with final = false (the strap is not on the skin): never stored.
 *
 * Body Sensor Location: one uint8, 0 other, 1 chest, 2 wrist, 3 finger,
 * 4 hand, 5 ear lobe, 6 foot (GATT XML body_sensor_location); reported as
 * context "body_sensor_location", no readings, not final.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_steps.h"

#define HRS_UUID 0x180D
#define HRM_UUID 0x2A37
#define BSL_UUID 0x2A38

#define F_HR16 0x01
#define F_CONTACT_MASK 0x06
#define F_CONTACT_NOT_DETECTED 0x04
#define F_CONTACT_DETECTED 0x06
#define F_ENERGY 0x08
#define F_RR 0x10

static const char *const locations[] = {
	"other", "chest", "wrist", "finger", "hand", "ear_lobe", "foot",
};

static int decode_location(const struct hv_frame *frame,
			   struct hv_measurement *ret)
{
	const char *name;

	if (frame->value_len != 1)
		return hv_measurement_invalid(
			ret, "body sensor location must be 1 byte, not %zu",
			frame->value_len);
	name = hv_code_name(locations, HV_N(locations), frame->value[0]);
	if (!name)
		name = "reserved";
	ret->final = false;
	return hv_measurement_add_context(ret, "body_sensor_location", name);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags, hr;
	size_t n_rr;
	int r;

	if (hv_frame_is_characteristic(frame, BSL_UUID))
		return decode_location(frame, ret);
	if (!hv_frame_is_characteristic(frame, HRM_UUID))
		return -ENODEV;

	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	if (flags & F_HR16) {
		p = hv_wire_take(&w, 2, "heart rate (uint16)");
		if (!p)
			return -EBADMSG;
		hr = hv_le16(p);
	} else {
		p = hv_wire_take(&w, 1, "heart rate (uint8)");
		if (!p)
			return -EBADMSG;
		hr = p[0];
	}
	r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, hr);
	if (r < 0)
		return r;
	if (flags & F_ENERGY) {
		p = hv_wire_take_opt(&w, 2, "energy expended");
		if (!p)
			return -EBADMSG;
		r = hv_measurement_add(ret, HV_METRIC_ENERGY_EXPENDED,
				       hv_le16(p));
		if (r < 0)
			return r;
	}
	if (flags & F_RR) {
		if (hv_wire_left(&w) < 2)
			return hv_measurement_invalid(
				ret,
				"flags 0x%02x say RR-intervals follow at byte %zu, but the value has %zu bytes",
				flags, w.pos, w.len);
		if (hv_wire_left(&w) % 2)
			return hv_measurement_invalid(
				ret,
				"RR-intervals: %zu bytes is not a whole number of uint16",
				hv_wire_left(&w));
		n_rr = hv_wire_left(&w) / 2;
		for (size_t i = 0; i < n_rr; i++) {
			p = hv_wire_take_opt(&w, 2, "RR-interval");
			if (!p)
				return -EBADMSG;
			if (hv_measurement_add(ret, HV_METRIC_RR_INTERVAL,
					       hv_le16(p) / 1024.0) < 0) {
				(void)hv_measurement_add_flag(
					ret, "rr_intervals_truncated");
				w.pos = w.len;
				break;
			}
		}
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;

	switch (flags & F_CONTACT_MASK) {
	case F_CONTACT_DETECTED:
		(void)hv_measurement_add_flag(ret, "sensor_contact");
		ret->final = true;
		break;
	case F_CONTACT_NOT_DETECTED:
		(void)hv_measurement_add_flag(ret, "no_sensor_contact");
		ret->final = false;
		break;
	default:
		ret->final = true;
		break;
	}
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

static int encode_location(const struct hv_measurement *m,
			   struct hv_frame *ret)
{
	int code = hv_code_from_name(locations, HV_N(locations),
				     hv_measurement_context(
					     m, "body_sensor_location"));
	uint8_t b;

	if (code < 0)
		return -EINVAL;
	b = (uint8_t)code;
	hv_frame_set_value(ret, BSL_UUID, &b, 1);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	const struct hv_reading *ee =
		hv_measurement_find(m, HV_METRIC_ENERGY_EXPENDED);
	uint8_t buf[HV_FRAME_DATA_MAX];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint8_t flags = 0;
	long v;

	if (target && hv_uuid_is16(target, BSL_UUID))
		return encode_location(m, ret);
	if (target && !hv_uuid_is16(target, HRM_UUID))
		return -EINVAL;
	if (!hr || hr->absent != HV_ABSENT_NONE || hr->value < 0 ||
	    hr->value > UINT16_MAX)
		return -EINVAL;
	v = (long)(hr->value + 0.5);
	if (v > UINT8_MAX)
		flags |= F_HR16;
	if (hv_measurement_has_flag(m, "sensor_contact"))
		flags |= F_CONTACT_DETECTED;
	else if (hv_measurement_has_flag(m, "no_sensor_contact"))
		flags |= F_CONTACT_NOT_DETECTED;
	if (ee) {
		if (ee->absent != HV_ABSENT_NONE || ee->value < 0 ||
		    ee->value > UINT16_MAX)
			return -EINVAL;
		flags |= F_ENERGY;
	}
	if (hv_measurement_find(m, HV_METRIC_RR_INTERVAL))
		flags |= F_RR;

	hv_wire_put_u8(&o, flags);
	if (flags & F_HR16)
		hv_wire_put_le16(&o, (uint16_t)v);
	else
		hv_wire_put_u8(&o, (uint8_t)v);
	if (ee)
		hv_wire_put_le16(&o, (uint16_t)(ee->value + 0.5));
	for (size_t i = 0; i < m->n_readings; i++) {
		const struct hv_reading *rd = &m->readings[i];
		double raw;

		if (rd->metric != HV_METRIC_RR_INTERVAL)
			continue;
		raw = rd->value * 1024;
		if (rd->absent != HV_ABSENT_NONE || raw < 0 ||
		    raw + 0.5 > UINT16_MAX + 1.0)
			return -EINVAL;
		hv_wire_put_le16(&o, (uint16_t)(raw + 0.5));
	}
	return hv_wire_out_frame(&o, HRM_UUID, ret);
}

/* Connect, subscribe, and take the stream for a while; the runner hands
 * every notification to decode(). */
static const struct hv_step steps[] = {
	{ .op = HV_STEP_READ, .service = "180d", .characteristic = "2a38",
	  .flags = HV_STEP_OPTIONAL, .what = "read body sensor location" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "180d", .characteristic = "2a37",
	  .what = "subscribe to heart rate measurements" },
	{ .op = HV_STEP_WAIT, .service = "180d", .characteristic = "2a37",
	  .on_value = hv_step_collect, .timeout_ms = 60000,
	  .flags = HV_STEP_OPTIONAL, .what = "receive heart rate for 60 s" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Any Bluetooth Heart Rate Service device (chest straps, bands)",
	NULL,
};

static const uint16_t characteristics[] = { HRM_UUID, BSL_UUID, 0 };
static const uint16_t services[] = { HRS_UUID, 0 };

const struct hv_driver sig_heart_rate_driver = {
	.id = "sig_heart_rate",
	.name = "Bluetooth Heart Rate Service",
	.models = models,
	.kind = HV_DRIVER_KIND_HEART_RATE,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
