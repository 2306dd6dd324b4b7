// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Physical Activity Monitor Service 0x183E: Step Counter
 * Activity Summary Data 0x2B40 (notify/indicate).
 *
 * LOW CONFIDENCE LAYOUT. The PAMS 1.0 specification text was not available
 * to us; this follows a reconstruction from public code,
 * where two independent implementations agree on the fixed part (a Cypress
 * PSoC PAMS server, pamScasd.c, and RonanB96/bluetooth-sig-python's
 * step_counter_activity_summary_data.py: header, flags uint8, session,
 * sub-session, relative timestamp, sequence number = 14 bytes; flag bits
 * 0..4 announce the optional fields). Little-endian:
 *
 *   HD FF SI SI SS SS RT RT RT RT SQ SQ SQ SQ [NW x3] [IS x3] [FS x3]
 *                                            [DI x3] [WD x3]
 *
 *   HD  segmentation header: bit0 first segment, bit1 last segment,
 *       bits 2-7 rolling segment counter
 *   FF  flags: bit0 normal walking steps, bit1 intensity steps, bit2 floor
 *       steps, bit3 distance, bit4 worn duration (each uint24)
 *   SI  session id, SS sub-session id (uint16); RT relative timestamp
 *       (uint32 s); SQ sequence number (uint32)
 *
 * What is verified: the field order and sizes above agree between the two
 * implementations; nothing was checked against a real device. What is not:
 * the units of distance and worn duration, and how a summary is split into
 * segments. So: only an unsegmented value (first and last bits both set)
 * yields readings; normal walking steps -> step_count, intensity and floor
 * steps -> step_count with method "pams_intensity" / "pams_floor";
 * distance and worn duration are length-checked but not reported. A
 * segment of a longer value is returned not final, flagged "segmented".
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"

#define PAMS_UUID 0x183E
#define SCASD_UUID 0x2B40

#define H_FIRST 0x01
#define H_LAST 0x02

#define F_NORMAL 0x01
#define F_INTENSITY 0x02
#define F_FLOOR 0x04
#define F_DISTANCE 0x08
#define F_WORN 0x10

static const struct {
	unsigned flag;
	const char *field;
	const char *method; /* of the step_count reading */
	bool report;
} fields[] = {
	{ F_NORMAL, "normal walking steps", NULL, true },
	{ F_INTENSITY, "intensity steps", "pams_intensity", true },
	{ F_FLOOR, "floor steps", "pams_floor", true },
	{ F_DISTANCE, "distance", NULL, false },
	{ F_WORN, "worn duration", NULL, false },
};

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_wire w;
	const uint8_t *p;
	unsigned header, flags;
	uint32_t seq;
	int r;

	if (!hv_frame_is_characteristic(frame, SCASD_UUID))
		return -ENODEV;
	hv_wire_init(&w, frame->value, frame->value_len, ret);
	p = hv_wire_take(&w, 1, "segmentation header");
	if (!p)
		return -EBADMSG;
	header = p[0];
	if ((header & (H_FIRST | H_LAST)) != (H_FIRST | H_LAST)) {
		ret->final = false;
		return hv_measurement_add_flag(ret, "segmented");
	}
	p = hv_wire_take(&w, 13, "flags, session, sub-session, relative timestamp and sequence number");
	if (!p)
		return -EBADMSG;
	w.flags = flags = p[0];
	seq = hv_le32(p + 9);
	if (seq <= INT32_MAX)
		ret->sequence_number = (int32_t)seq;
	for (size_t i = 0; i < HV_N(fields); i++) {
		if (!(flags & fields[i].flag))
			continue;
		p = hv_wire_take_opt(&w, 3, fields[i].field);
		if (!p)
			return -EBADMSG;
		if (!fields[i].report)
			continue;
		r = hv_measurement_add(ret, HV_METRIC_STEP_COUNT, hv_le24(p));
		if (r < 0)
			return r;
		ret->readings[ret->n_readings - 1].method = fields[i].method;
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	uint8_t buf[32];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint32_t values[HV_N(fields)] = { 0 };
	uint8_t flags = 0;

	if (target && !hv_uuid_is16(target, SCASD_UUID))
		return -EINVAL;
	for (size_t i = 0; i < m->n_readings; i++) {
		const struct hv_reading *rd = &m->readings[i];

		if (rd->metric != HV_METRIC_STEP_COUNT)
			continue;
		if (rd->absent != HV_ABSENT_NONE || rd->value < 0 ||
		    rd->value > 0xFFFFFF)
			return -EINVAL;
		for (size_t k = 0; k < HV_N(fields); k++) {
			const char *a = fields[k].method, *b = rd->method;

			if (!fields[k].report || (a == NULL) != (b == NULL))
				continue;
			if (a && strcmp(a, b) != 0)
				continue;
			flags |= (uint8_t)fields[k].flag;
			values[k] = (uint32_t)(rd->value + 0.5);
			break;
		}
	}
	if (!flags)
		return -EINVAL;
	hv_wire_put_u8(&o, H_FIRST | H_LAST);
	hv_wire_put_u8(&o, flags);
	hv_wire_put_le16(&o, 0); /* session */
	hv_wire_put_le16(&o, 0); /* sub-session */
	hv_wire_put_le32(&o, 0); /* relative timestamp */
	hv_wire_put_le32(&o, m->sequence_number >= 0 ?
				     (uint32_t)m->sequence_number : 0);
	for (size_t k = 0; k < HV_N(fields); k++)
		if (flags & fields[k].flag)
			hv_wire_put_le24(&o, values[k]);
	if (o.error)
		return o.error;
	hv_frame_set_value(ret, SCASD_UUID, buf, o.len);
	return 0;
}

static const char *const models[] = {
	"Bluetooth Physical Activity Monitor (step counter summary)",
	NULL,
};

static const uint16_t characteristics[] = { SCASD_UUID, 0 };
static const uint16_t services[] = { PAMS_UUID, 0 };

const struct hv_driver sig_physical_activity_driver = {
	.id = "sig_physical_activity",
	.name = "Bluetooth Physical Activity Monitor",
	.models = models,
	.kind = HV_DRIVER_KIND_ACTIVITY,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
};
