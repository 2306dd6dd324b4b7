// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Pulse Oximeter Service 0x1822: PLX Spot-Check Measurement
 * 0x2A5E (indicate) and PLX Continuous Measurement 0x2A5F (notify).
 * Little-endian (GATT XML plx_spot_check_measurement,
 * plx_continuous_measurement; Wireshark cases 0x2A5E/0x2A5F;
 * oesmith/gatt-xml@4fd2ede, Wireshark 3.4 packet-btatt.c):
 *
 * Spot-check:  FF SP SP PR PR [DT x7] [MS MS] [DS DS DS] [PA PA]
 *   FF  flags: bit0 timestamp, bit1 measurement status, bit2 device and
 *       sensor status, bit3 pulse amplitude index, bit4 device clock is not
 *       set; bits 5-7 reserved
 *   SP  SpO2, SFLOAT %;  PR  pulse rate, SFLOAT /min
 *   DT  Date Time (bit0)  MS uint16 (bit1)  DS uint24 (bit2)  PA SFLOAT % (bit3)
 *
 * Continuous:  FF SP SP PR PR [SP PR fast] [SP PR slow] [MS MS] [DS x3] [PA PA]
 *   FF  flags: bit0 SpO2PR-Fast, bit1 SpO2PR-Slow, bit2 measurement status,
 *       bit3 device and sensor status, bit4 pulse amplitude index
 *   Fast/Slow pairs are other averagings of the same signal: readings with
 *   method "plx_fast" / "plx_slow" after the normal pair.
 *
 * Measurement status bits: 5 measurement ongoing, 6 early estimated data,
 * 7 validated data, 8 fully qualified data, 9 data from measurement
 * storage, 10 data for demonstration, 11 data for testing, 12 calibration
 * ongoing, 13 measurement unavailable, 14 questionable measurement
 * detected, 15 invalid measurement detected. Device and sensor status bits
 * 0..15: see the table below. All are kept as flags (as many as fit).
 *
 * final: a measurement is not final when its status says "measurement
 * ongoing", "measurement unavailable" or "invalid measurement detected".
 * With "device clock is not set" the timestamp is kept raw only.
 * Stored spot-checks are fetched with RACP "report all" (they have no
 * sequence number: the pipeline deduplicates them by device time).
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_racp.h"
#include "drivers/sig_steps.h"

#define PLXS_UUID 0x1822
#define SPOT_UUID 0x2A5E
#define CONT_UUID 0x2A5F

#define SF_TIME 0x01
#define SF_STATUS 0x02
#define SF_DEVICE 0x04
#define SF_PAI 0x08
#define SF_CLOCK_NOT_SET 0x10

#define CF_FAST 0x01
#define CF_SLOW 0x02
#define CF_STATUS 0x04
#define CF_DEVICE 0x08
#define CF_PAI 0x10

#define MS_ONGOING 0x0020
#define MS_UNAVAILABLE 0x2000
#define MS_INVALID 0x8000

static const struct hv_bit_name status_bits[] = {
	{ 0x0020, "measurement_ongoing" },
	{ 0x0040, "early_estimated_data" },
	{ 0x0080, "validated_data" },
	{ 0x0100, "fully_qualified_data" },
	{ 0x0200, "from_measurement_storage" },
	{ 0x0400, "demonstration_data" },
	{ 0x0800, "testing_data" },
	{ 0x1000, "calibration_ongoing" },
	{ 0x2000, "measurement_unavailable" },
	{ 0x4000, "questionable_measurement" },
	{ 0x8000, "invalid_measurement" },
};

static const struct hv_bit_name device_bits[] = {
	{ 0x000001, "extended_display_update_ongoing" },
	{ 0x000002, "equipment_malfunction" },
	{ 0x000004, "signal_processing_irregularity" },
	{ 0x000008, "inadequate_signal" },
	{ 0x000010, "poor_signal" },
	{ 0x000020, "low_perfusion" },
	{ 0x000040, "erratic_signal" },
	{ 0x000080, "non_pulsatile_signal" },
	{ 0x000100, "questionable_pulse" },
	{ 0x000200, "signal_analysis_ongoing" },
	{ 0x000400, "sensor_interference" },
	{ 0x000800, "sensor_unconnected" },
	{ 0x001000, "unknown_sensor_connected" },
	{ 0x002000, "sensor_displaced" },
	{ 0x004000, "sensor_malfunctioning" },
	{ 0x008000, "sensor_disconnected" },
};

static int add_pair(struct hv_wire *w, struct hv_measurement *m,
		    const char *field, const char *method)
{
	const uint8_t *p = method ? hv_wire_take_opt(w, 4, field) :
				    hv_wire_take(w, 4, field);
	size_t first = m->n_readings;
	int r;

	if (!p)
		return -EBADMSG;
	r = hv_measurement_add_number(m, HV_METRIC_SPO2,
				      hv_sfloat_decode(hv_le16(p)), 1, 2);
	if (r >= 0)
		r = hv_measurement_add_number(m, HV_METRIC_PULSE_RATE,
					      hv_sfloat_decode(hv_le16(p + 2)),
					      1, 2);
	if (r < 0)
		return r;
	for (size_t i = first; i < m->n_readings; i++)
		m->readings[i].method = method;
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	bool spot = hv_frame_is_characteristic(frame, SPOT_UUID);
	unsigned flags, f_status, f_device, f_pai;
	uint16_t status = 0;
	struct hv_wire w;
	const uint8_t *p;
	int r;

	if (!spot && !hv_frame_is_characteristic(frame, CONT_UUID))
		return -ENODEV;
	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	f_status = spot ? SF_STATUS : CF_STATUS;
	f_device = spot ? SF_DEVICE : CF_DEVICE;
	f_pai = spot ? SF_PAI : CF_PAI;

	r = add_pair(&w, ret, spot ? "SpO2 and pulse rate" :
				     "SpO2PR-Normal", NULL);
	if (r < 0)
		return r;
	if (spot && (flags & SF_TIME)) {
		struct hv_datetime dt;

		r = hv_wire_take_datetime(&w, "a timestamp", &dt);
		if (r < 0)
			return r;
		if (flags & SF_CLOCK_NOT_SET) {
			ret->has_raw_device_time = true;
			ret->raw_device_time = dt;
		} else {
			hv_measurement_set_clock(ret, &dt, frame->now);
		}
	}
	if (!spot && (flags & CF_FAST)) {
		r = add_pair(&w, ret, "SpO2PR-Fast", "plx_fast");
		if (r < 0)
			return r;
	}
	if (!spot && (flags & CF_SLOW)) {
		r = add_pair(&w, ret, "SpO2PR-Slow", "plx_slow");
		if (r < 0)
			return r;
	}
	if (flags & f_status) {
		p = hv_wire_take_opt(&w, 2, "measurement status");
		if (!p)
			return -EBADMSG;
		status = hv_le16(p);
	}
	if (flags & f_device) {
		p = hv_wire_take_opt(&w, 3, "device and sensor status");
		if (!p)
			return -EBADMSG;
		hv_add_bit_flags(ret, hv_le24(p), device_bits,
				 HV_N(device_bits));
	}
	if (flags & f_pai) {
		r = hv_wire_take_sfloat(&w, "pulse amplitude index",
					HV_METRIC_PULSE_AMPLITUDE_INDEX, 1, 2);
		if (r < 0)
			return r;
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	if (spot && (flags & SF_CLOCK_NOT_SET))
		(void)hv_measurement_add_flag(ret, "device_clock_not_set");
	hv_add_bit_flags(ret, status, status_bits, HV_N(status_bits));
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = !(status & (MS_ONGOING | MS_UNAVAILABLE | MS_INVALID));
	return 0;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *pai =
		hv_measurement_find(m, HV_METRIC_PULSE_AMPLITUDE_INDEX);
	bool spot = !target || hv_uuid_is16(target, SPOT_UUID);
	uint32_t status = hv_bits_from_flags(m, status_bits, HV_N(status_bits));
	uint32_t device = hv_bits_from_flags(m, device_bits, HV_N(device_bits));
	bool fast = hv_measurement_find_method(m, HV_METRIC_SPO2, "plx_fast") != NULL;
	bool slow = hv_measurement_find_method(m, HV_METRIC_SPO2, "plx_slow") != NULL;
	uint8_t buf[32];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint8_t flags = 0;
	int r;

	if (target && !spot && !hv_uuid_is16(target, CONT_UUID))
		return -EINVAL;
	if (!hv_measurement_find_method(m, HV_METRIC_SPO2, NULL))
		return -EINVAL;
	if (spot) {
		if (hv_measurement_clock(m))
			flags |= SF_TIME;
		if (hv_measurement_has_flag(m, "device_clock_not_set"))
			flags |= SF_CLOCK_NOT_SET;
		flags |= (status ? SF_STATUS : 0) | (device ? SF_DEVICE : 0) |
			 (pai ? SF_PAI : 0);
	} else {
		flags |= (fast ? CF_FAST : 0) | (slow ? CF_SLOW : 0) |
			 (status ? CF_STATUS : 0) | (device ? CF_DEVICE : 0) |
			 (pai ? CF_PAI : 0);
	}
	hv_wire_put_u8(&o, flags);
	r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_SPO2, NULL), 1);
	if (r >= 0)
		r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_PULSE_RATE, NULL), 1);
	if (r >= 0 && spot)
		hv_wire_put_clock(&o, m);
	if (r >= 0 && fast) {
		r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_SPO2, "plx_fast"), 1);
		if (r >= 0)
			r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_PULSE_RATE,
						"plx_fast"), 1);
	}
	if (r >= 0 && slow) {
		r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_SPO2, "plx_slow"), 1);
		if (r >= 0)
			r = hv_wire_put_sfloat(&o, hv_measurement_find_method(m, HV_METRIC_PULSE_RATE,
						"plx_slow"), 1);
	}
	if (r < 0)
		return r;
	if (status)
		hv_wire_put_le16(&o, (uint16_t)status);
	if (device)
		hv_wire_put_le24(&o, device);
	if (pai) {
		r = hv_wire_put_sfloat(&o, pai, 1);
		if (r < 0)
			return r;
	}
	return hv_wire_out_frame(&o, spot ? SPOT_UUID : CONT_UUID, ret);
}

enum {
	STEP_READ_CLOCK,
	STEP_SUB_SPOT,
	STEP_SUB_CONT,
	STEP_SUB_RACP,
	STEP_REPORT,
	STEP_REPORT_WAIT,
	STEP_STREAM,
	STEP_END,
	STEP_ABORT,
	STEP_ABORT_END,
};

static const struct hv_step steps[] = {
	[STEP_READ_CLOCK] = HV_SIG_STEP_READ_CLOCK,
	[STEP_SUB_SPOT] = { .op = HV_STEP_SUBSCRIBE, .service = "1822",
			    .characteristic = "2a5e", .flags = HV_STEP_OPTIONAL,
			    .what = "subscribe to spot-check measurements" },
	[STEP_SUB_CONT] = { .op = HV_STEP_SUBSCRIBE, .service = "1822",
			    .characteristic = "2a5f", .flags = HV_STEP_OPTIONAL,
			    .what = "subscribe to continuous measurements" },
	[STEP_SUB_RACP] = HV_RACP_STEP_SUBSCRIBE("1822", STEP_STREAM),
	[STEP_REPORT] = { .op = HV_STEP_WRITE, .service = "1822",
			  .characteristic = "2a52",
			  .payload = hv_racp_payload_report_all,
			  .flags = HV_STEP_WITH_RESPONSE, .on_fail = STEP_STREAM,
			  .what = "request all stored spot-checks" },
	[STEP_REPORT_WAIT] = HV_RACP_STEP_REPORT_WAIT(
		"1822", STEP_ABORT, "receive stored spot-checks"),
	[STEP_STREAM] = { .op = HV_STEP_WAIT, .service = "1822",
			  .characteristic = "2a5f", .on_value = hv_step_collect,
			  .timeout_ms = 30000, .flags = HV_STEP_OPTIONAL,
			  .what = "receive live measurements for 30 s" },
	[STEP_END] = { .op = HV_STEP_END, .what = "done" },
	[STEP_ABORT] = HV_RACP_STEP_ABORT("1822"),
	[STEP_ABORT_END] = HV_RACP_STEP_ABORT_END,
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Any Bluetooth Pulse Oximeter Service device",
	NULL,
};

static const uint16_t characteristics[] = { SPOT_UUID, CONT_UUID, 0 };
static const uint16_t services[] = { PLXS_UUID, 0 };

const struct hv_driver sig_pulse_oximeter_driver = {
	.id = "sig_pulse_oximeter",
	.name = "Bluetooth Pulse Oximeter Service",
	.models = models,
	.kind = HV_DRIVER_KIND_PULSE_OXIMETER,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
