// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Running Speed and Cadence 0x1814: RSC Measurement 0x2A53
 * (notify). Little-endian (GATT XML rsc_measurement; Wireshark case 0x2A53;
 * oesmith/gatt-xml@4fd2ede, Wireshark 3.4 packet-btatt.c):
 *
 *   FF SS SS CC [LL LL] [DD DD DD DD]
 *
 *   FF  flags: bit0 stride length present, bit1 total distance present,
 *       bit2 0 walking / 1 running; bits 3-7 reserved
 *   SS  instantaneous speed, uint16, 1/256 m/s
 *   CC  instantaneous cadence, uint8, 1/min
 *   LL  instantaneous stride length, uint16, 1/100 m      (bit0)
 *   DD  total distance, uint32, 1/10 m                     (bit1)
 *
 * There is no step count in RSC. Walking/running goes in context "motion".
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"

#define RSCS_UUID 0x1814
#define RSC_MEAS_UUID 0x2A53

#define F_STRIDE 0x01
#define F_DISTANCE 0x02
#define F_RUNNING 0x04

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags;
	int r;

	if (!hv_frame_is_characteristic(frame, RSC_MEAS_UUID))
		return -ENODEV;
	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	p = hv_wire_take(&w, 3, "speed and cadence");
	if (!p)
		return -EBADMSG;
	r = hv_measurement_add(ret, HV_METRIC_SPEED, hv_le16(p) / 256.0);
	if (r < 0)
		return r;
	r = hv_measurement_add(ret, HV_METRIC_CADENCE, p[2]);
	if (r < 0)
		return r;
	if (flags & F_STRIDE) {
		p = hv_wire_take_opt(&w, 2, "stride length");
		if (!p)
			return -EBADMSG;
		r = hv_measurement_add(ret, HV_METRIC_STRIDE_LENGTH,
				       hv_le16(p) / 100.0);
		if (r < 0)
			return r;
	}
	if (flags & F_DISTANCE) {
		p = hv_wire_take_opt(&w, 4, "total distance");
		if (!p)
			return -EBADMSG;
		r = hv_measurement_add(ret, HV_METRIC_DISTANCE,
				       hv_le32(p) / 10.0);
		if (r < 0)
			return r;
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_measurement_add_context(ret, "motion",
					  flags & F_RUNNING ? "running" :
							      "walking");
}

static int put_scaled(struct hv_wire_out *o, const struct hv_reading *rd,
		      double scale, double max, int bytes)
{
	double raw;

	if (rd->absent != HV_ABSENT_NONE)
		return -EINVAL;
	raw = rd->value * scale + 0.5;
	if (raw < 0 || raw >= max + 1)
		return -EINVAL;
	if (bytes == 1)
		hv_wire_put_u8(o, (uint8_t)raw);
	else if (bytes == 2)
		hv_wire_put_le16(o, (uint16_t)raw);
	else
		hv_wire_put_le32(o, (uint32_t)raw);
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *speed = hv_measurement_find(m, HV_METRIC_SPEED);
	const struct hv_reading *cadence =
		hv_measurement_find(m, HV_METRIC_CADENCE);
	const struct hv_reading *stride =
		hv_measurement_find(m, HV_METRIC_STRIDE_LENGTH);
	const struct hv_reading *dist = hv_measurement_find(m, HV_METRIC_DISTANCE);
	const char *motion = hv_measurement_context(m, "motion");
	uint8_t buf[16];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint8_t flags = 0;
	int r;

	if (target && !hv_uuid_is16(target, RSC_MEAS_UUID))
		return -EINVAL;
	if (!speed || !cadence)
		return -EINVAL;
	if (stride)
		flags |= F_STRIDE;
	if (dist)
		flags |= F_DISTANCE;
	if (motion && motion[0] == 'r')
		flags |= F_RUNNING;
	hv_wire_put_u8(&o, flags);
	r = put_scaled(&o, speed, 256, UINT16_MAX, 2);
	if (r >= 0)
		r = put_scaled(&o, cadence, 1, UINT8_MAX, 1);
	if (r >= 0 && stride)
		r = put_scaled(&o, stride, 100, UINT16_MAX, 2);
	if (r >= 0 && dist)
		r = put_scaled(&o, dist, 10, UINT32_MAX, 4);
	if (r < 0)
		return r;
	return hv_wire_out_frame(&o, RSC_MEAS_UUID, ret);
}

static const char *const models[] = {
	"Any Bluetooth Running Speed and Cadence sensor (foot pods, watches)",
	NULL,
};

static const uint16_t characteristics[] = { RSC_MEAS_UUID, 0 };
static const uint16_t services[] = { RSCS_UUID, 0 };

const struct hv_driver sig_rsc_driver = {
	.id = "sig_rsc",
	.name = "Bluetooth Running Speed and Cadence",
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
