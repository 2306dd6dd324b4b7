// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Blood Pressure Service 0x1810: Blood Pressure Measurement
 * 0x2A35 (indicate; final) and Intermediate Cuff Pressure 0x2A36 (notify;
 * same layout, never final). Little-endian (GATT XML
 * blood_pressure_measurement; Wireshark case 0x2A35;
 * oesmith/gatt-xml@4fd2ede, Wireshark 3.4 packet-btatt.c):
 *
 *   FF SY SY DI DI MA MA [TT x7] [PR PR] [UU] [ST ST]
 *
 *   FF  flags: bit0 units (0 mmHg, 1 kPa); bit1 time stamp; bit2 pulse
 *       rate; bit3 user id; bit4 measurement status; bits 5-7 reserved
 *   SY DI MA  systolic, diastolic, mean arterial pressure: SFLOAT each
 *   TT  Date Time (device local)                                   (bit1)
 *   PR  pulse rate, SFLOAT, beats/min                               (bit2)
 *   UU  user id, uint8; 0xFF unknown user                           (bit3)
 *   ST  measurement status uint16: bit0 body movement, bit1 cuff too
 *       loose, bit2 irregular pulse, bits3-4 pulse rate range (0 in range,
 *       1 above upper limit, 2 below lower limit), bit5 improper
 *       measurement position; bits 6-15 reserved                   (bit4)
 *
 * kPa -> mm[Hg] x 7.50062 (readings.md). SFLOAT special values become
 * absent readings. In 0x2A36 diastolic and MAP are usually NaN.
 * Stored measurements are pushed as indications after connection (BPS has
 * no RACP): the conversation subscribes and waits for them.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_steps.h"

#define BPS_UUID 0x1810
#define BPM_UUID 0x2A35
#define ICP_UUID 0x2A36

#define F_KPA 0x01
#define F_TIME 0x02
#define F_PULSE 0x04
#define F_USER 0x08
#define F_STATUS 0x10

#define KPA_TO_MMHG 7.50062
#define PR_RANGE_MASK 0x0018
#define PR_ABOVE 0x0008
#define PR_BELOW 0x0010

static const struct hv_bit_name status_bits[] = {
	{ 0x0001, "body_movement" },
	{ 0x0002, "cuff_too_loose" },
	{ 0x0004, "irregular_pulse" },
	{ PR_ABOVE, "pulse_rate_above_range" },
	{ PR_BELOW, "pulse_rate_below_range" },
	{ 0x0020, "improper_measurement_position" },
};

static const enum hv_metric pressures[3] = {
	HV_METRIC_SYSTOLIC_PRESSURE,
	HV_METRIC_DIASTOLIC_PRESSURE,
	HV_METRIC_MEAN_ARTERIAL_PRESSURE,
};

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags;
	bool kpa;
	int r;

	if (!hv_frame_is_characteristic(frame, BPM_UUID) &&
	    !hv_frame_is_characteristic(frame, ICP_UUID))
		return -ENODEV;
	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	kpa = flags & F_KPA;
	p = hv_wire_take(&w, 6, "systolic, diastolic and mean arterial pressure");
	if (!p)
		return -EBADMSG;
	for (int i = 0; i < 3; i++) {
		r = hv_measurement_add_number(ret, pressures[i],
					      hv_sfloat_decode(hv_le16(p + 2 * i)),
					      kpa ? KPA_TO_MMHG : 1, 2);
		if (r < 0)
			return r;
	}
	if (flags & F_TIME) {
		r = hv_wire_take_clock(&w, frame->now);
		if (r < 0)
			return r;
	}
	if (flags & F_PULSE) {
		r = hv_wire_take_sfloat(&w, "pulse rate", HV_METRIC_PULSE_RATE,
					1, 2);
		if (r < 0)
			return r;
	}
	if (flags & F_USER) {
		p = hv_wire_take_opt(&w, 1, "user id");
		if (!p)
			return -EBADMSG;
		if (p[0] != 0xFF)
			ret->user_index = p[0];
	}
	if (flags & F_STATUS) {
		uint16_t st;

		p = hv_wire_take_opt(&w, 2, "measurement status");
		if (!p)
			return -EBADMSG;
		st = hv_le16(p);
		if ((st & PR_RANGE_MASK) == PR_RANGE_MASK)
			st &= (uint16_t)~PR_RANGE_MASK; /* range 3: reserved */
		hv_add_bit_flags(ret, st, status_bits, HV_N(status_bits));
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	ret->display_unit = kpa ? HV_UNIT_KPA : HV_UNIT_MMHG;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = hv_frame_is_characteristic(frame, BPM_UUID);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *pulse = hv_measurement_find(m, HV_METRIC_PULSE_RATE);
	int uuid = hv_pick_final_or_intermediate(target, m->final, BPM_UUID,
						 ICP_UUID);
	bool kpa = m->display_unit == HV_UNIT_KPA;
	uint8_t buf[32];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint32_t status = hv_bits_from_flags(m, status_bits, HV_N(status_bits));
	uint8_t flags = 0;
	int r;

	if (uuid < 0)
		return uuid;
	if (!hv_measurement_find(m, HV_METRIC_SYSTOLIC_PRESSURE))
		return -EINVAL;
	if (kpa)
		flags |= F_KPA;
	if (hv_measurement_clock(m))
		flags |= F_TIME;
	if (pulse)
		flags |= F_PULSE;
	if (m->user_index >= 0)
		flags |= F_USER;
	if (status)
		flags |= F_STATUS;

	hv_wire_put_u8(&o, flags);
	for (int i = 0; i < 3; i++) {
		r = hv_wire_put_sfloat(&o, hv_measurement_find(m, pressures[i]),
				       kpa ? KPA_TO_MMHG : 1);
		if (r < 0)
			return r;
	}
	hv_wire_put_clock(&o, m);
	if (pulse) {
		r = hv_wire_put_sfloat(&o, pulse, 1);
		if (r < 0)
			return r;
	}
	if (flags & F_USER) {
		if (m->user_index > 0xFE)
			return -EINVAL;
		hv_wire_put_u8(&o, (uint8_t)m->user_index);
	}
	if (status)
		hv_wire_put_le16(&o, (uint16_t)status);
	return hv_wire_out_frame(&o, (uint16_t)uuid, ret);
}

/* Cuffs push their stored readings as indications once subscribed, then
 * usually disconnect; wait up to 30 s for them. */
static const struct hv_step steps[] = {
	HV_SIG_STORED_STEPS("1810", "2a36", "2a35",
			    "subscribe to intermediate cuff pressure",
			    "subscribe to blood pressure measurements"),
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.needs_bonding = true, /* cuffs keep stored readings for a bonded collector */
};

static const char *const models[] = {
	"Any Bluetooth Blood Pressure Service cuff",
	NULL,
};

static const uint16_t characteristics[] = { BPM_UUID, ICP_UUID, 0 };
static const uint16_t services[] = { BPS_UUID, 0 };

const struct hv_driver sig_blood_pressure_driver = {
	.id = "sig_blood_pressure",
	.name = "Bluetooth Blood Pressure Service",
	.models = models,
	.kind = HV_DRIVER_KIND_BLOOD_PRESSURE,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
