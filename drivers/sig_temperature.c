// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Health Thermometer 0x1809: Temperature Measurement 0x2A1C
 * (indicate; final) and Intermediate Temperature 0x2A1E (notify; same
 * layout, never final). Little-endian (GATT XML temperature_measurement,
 * temperature_type; Wireshark case 0x2A1C; oesmith/gatt-xml@4fd2ede):
 *
 *   FF TT TT TT TT [DT x7] [TY]
 *
 *   FF  flags: bit0 units (0 Celsius, 1 Fahrenheit); bit1 time stamp;
 *       bit2 temperature type; bits 3-7 reserved
 *   TT  temperature, IEEE 11073 FLOAT (32 bit)
 *   DT  Date Time, device local                                     (bit1)
 *   TY  temperature type, uint8 (other values: "reserved"): 1 armpit, 2 body, 3 ear, 4 finger,
 *       5 gastrointestinal tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum (bit2)
 *
 * Fahrenheit -> Cel: (F - 32) * 5 / 9, rounded to 0.01. The type goes in
 * context "type". FLOAT special values give an absent reading.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_steps.h"

#define HTS_UUID 0x1809
#define TM_UUID 0x2A1C
#define IT_UUID 0x2A1E

#define F_FAHRENHEIT 0x01
#define F_TIME 0x02
#define F_TYPE 0x04

static const char *const types[] = {
	NULL, "armpit", "body", "ear", "finger", "gastrointestinal_tract",
	"mouth", "rectum", "toe", "tympanum",
};

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_ieee_number t;
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags;
	int r;

	if (!hv_frame_is_characteristic(frame, TM_UUID) &&
	    !hv_frame_is_characteristic(frame, IT_UUID))
		return -ENODEV;
	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	p = hv_wire_take(&w, 4, "temperature (FLOAT)");
	if (!p)
		return -EBADMSG;
	t = hv_float_decode(hv_le32(p));
	if (flags & F_FAHRENHEIT)
		t.value = (t.value - 32) * 5 / 9;
	if (flags & F_TIME) {
		r = hv_wire_take_clock(&w, frame->now);
		if (r < 0)
			return r;
	}
	if (flags & F_TYPE) {
		const char *name;

		p = hv_wire_take_opt(&w, 1, "temperature type");
		if (!p)
			return -EBADMSG;
		name = hv_code_name(types, HV_N(types), p[0]);
		if (!name)
			name = "reserved"; /* kept, not rejected */
		r = hv_measurement_add_context(ret, "type", name);
		if (r < 0)
			return r;
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	r = hv_measurement_add_number(ret, HV_METRIC_BODY_TEMPERATURE, t, 1, 2);
	if (r < 0)
		return r;
	ret->display_unit = flags & F_FAHRENHEIT ? HV_UNIT_DEGF : HV_UNIT_CEL;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = hv_frame_is_characteristic(frame, TM_UUID);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *t =
		hv_measurement_find(m, HV_METRIC_BODY_TEMPERATURE);
	const char *type = hv_measurement_context(m, "type");
	int uuid = hv_pick_final_or_intermediate(target, m->final, TM_UUID,
						 IT_UUID);
	uint8_t buf[16];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint8_t flags = 0;
	uint32_t raw;
	int code = -1, r;

	if (uuid < 0)
		return uuid;
	if (!t)
		return -EINVAL;
	if (m->display_unit == HV_UNIT_DEGF)
		flags |= F_FAHRENHEIT;
	if (hv_measurement_clock(m))
		flags |= F_TIME;
	if (type) {
		code = hv_code_from_name(types, HV_N(types), type);
		if (code < 0)
			return -EINVAL;
		flags |= F_TYPE;
	}
	if (t->absent != HV_ABSENT_NONE)
		r = hv_float_special(t->absent, &raw);
	else
		r = hv_float_encode(flags & F_FAHRENHEIT ?
					    hv_round_to(t->value * 9 / 5 + 32, 2) :
					    t->value,
				    2, &raw);
	if (r < 0)
		return r;
	hv_wire_put_u8(&o, flags);
	hv_wire_put_le32(&o, raw);
	hv_wire_put_clock(&o, m);
	if (flags & F_TYPE)
		hv_wire_put_u8(&o, (uint8_t)code);
	return hv_wire_out_frame(&o, (uint16_t)uuid, ret);
}

static const struct hv_step steps[] = {
	HV_SIG_STORED_STEPS("1809", "2a1e", "2a1c",
			    "subscribe to intermediate temperature",
			    "subscribe to temperature measurements"),
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Any Bluetooth Health Thermometer",
	NULL,
};

static const uint16_t characteristics[] = { TM_UUID, IT_UUID, 0 };
static const uint16_t services[] = { HTS_UUID, 0 };

const struct hv_driver sig_temperature_driver = {
	.id = "sig_temperature",
	.name = "Bluetooth Health Thermometer",
	.models = models,
	.kind = HV_DRIVER_KIND_THERMOMETER,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
