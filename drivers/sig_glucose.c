// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Glucose Service 0x1808: Glucose Measurement 0x2A18 and
 * Glucose Measurement Context 0x2A34 (notify), stored records fetched with
 * the Record Access Control Point 0x2A52 (drivers/sig_racp.h).
 *
 * Glucose Measurement, little-endian (GATT XML glucose_measurement;
 * Wireshark 3.4 packet-btatt.c case 0x2A18; oesmith/gatt-xml@4fd2ede):
 *
 *   FF SQ SQ BT x7 [TO TO] [GC GC TL] [SS SS]
 *
 *   FF  flags: bit0 time offset; bit1 concentration + type/sample location;
 *       bit2 units (0 kg/L, 1 mol/L); bit3 sensor status annunciation;
 *       bit4 context information follows; bits 5-7 reserved
 *   SQ  sequence number, uint16 (the RACP filter key)
 *   BT  base time, Date Time (device local)
 *   TO  time offset, sint16 minutes: user-facing time = base + offset (bit0)
 *   GC  concentration, SFLOAT: kg/L (mg/dL = x 100000) or mol/L
 *       (mmol/L = x 1000)                                             (bit1)
 *   TL  type (low nibble): 1 capillary whole blood, 2 capillary plasma,
 *       3 venous whole blood, 4 venous plasma, 5 arterial whole blood,
 *       6 arterial plasma, 7 undetermined whole blood, 8 undetermined
 *       plasma, 9 interstitial fluid, 10 control solution; sample location
 *       (high nibble): 1 finger, 2 alternate site test, 3 earlobe,
 *       4 control solution, 15 not available                        (bit1)
 *   SS  sensor status annunciation, uint16: bit0 device battery low,
 *       1 sensor malfunction, 2 sample size insufficient, 3 strip insertion
 *       error, 4 strip type incorrect, 5 result higher than the device can
 *       process, 6 result lower, 7 sensor temperature too high, 8 too low,
 *       9 sensor read interrupted, 10 general device fault, 11 time fault
 *                                                                     (bit3)
 *
 * blood_glucose is in mmol/L: kg/L x 100000 / 18.016 (readings.md), or
 * mol/L x 1000. measurement.sequence_number is set for deduplication.
 * A control-solution sample (type 10 "Control Solution" or sample location
 * 4 "Control solution": the "Type" and "Sample Location" enumerations of
 * org.bluetooth.characteristic.glucose_measurement.xml) checks the
 * meter, not the person: it is kept (flag "control_solution", subject
 * object) so nothing the meter stored is lost, and ingest assigns it to
 * no one (docs/readings.md, "Control solution").
 *
 * Glucose Measurement Context 0x2A34 (GATT XML
 * glucose_measurement_context):
 *
 *   FF SQ SQ [EX] [CI CA CA] [ME] [TH] [ED ED EI] [MI MD MD] [HB HB]
 *
 *   FF  flags: bit0 carbohydrate id + carbohydrate, bit1 meal, bit2
 *       tester-health, bit3 exercise duration + intensity, bit4 medication
 *       id + medication, bit5 medication units (0 kg, 1 litre), bit6 HbA1c,
 *       bit7 extended flags present
 *   Meal: 1 preprandial, 2 postprandial, 3 fasting, 4 casual, 5 bedtime.
 *   Tester (low nibble): 1 self, 2 health care professional, 3 lab test,
 *   15 not available; health (high nibble): 1 minor issues, 2 major
 *   issues, 3 during menses, 4 under stress, 5 no issues, 15 n/a.
 *   Decoded as context (meal, tester, health) with the sequence number of
 *   the measurement it belongs to; no readings (carbohydrate, exercise,
 *   medication and HbA1c have no metric yet), not final: the pipeline
 *   joins it to its measurement by sequence number.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_racp.h"
#include "drivers/sig_steps.h"

#define GLS_UUID 0x1808
#define GM_UUID 0x2A18
#define GMC_UUID 0x2A34

#define F_OFFSET 0x01
#define F_CONCENTRATION 0x02
#define F_MOL 0x04
#define F_STATUS 0x08
#define F_CONTEXT 0x10

#define MG_DL_PER_MMOL_L 18.016
#define KG_L_TO_MMOL_L (100000.0 / MG_DL_PER_MMOL_L)
#define MOL_L_TO_MMOL_L 1000.0

#define TYPE_CONTROL 10
#define LOCATION_CONTROL 4

static const char *const types[] = {
	NULL,
	"capillary_whole_blood",
	"capillary_plasma",
	"venous_whole_blood",
	"venous_plasma",
	"arterial_whole_blood",
	"arterial_plasma",
	"undetermined_whole_blood",
	"undetermined_plasma",
	"interstitial_fluid",
	"control_solution",
};

static const char *const locations[] = {
	NULL, "finger", "alternate_site_test", "earlobe", "control_solution",
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	"not_available",
};

static const struct hv_bit_name status_bits[] = {
	{ 0x0001, "device_battery_low" },
	{ 0x0002, "sensor_malfunction" },
	{ 0x0004, "sample_size_insufficient" },
	{ 0x0008, "strip_insertion_error" },
	{ 0x0010, "strip_type_incorrect" },
	{ 0x0020, "result_too_high" },
	{ 0x0040, "result_too_low" },
	{ 0x0080, "sensor_temperature_too_high" },
	{ 0x0100, "sensor_temperature_too_low" },
	{ 0x0200, "sensor_read_interrupted" },
	{ 0x0400, "general_device_fault" },
	{ 0x0800, "time_fault" },
};

static const char *const meals[] = {
	NULL, "preprandial", "postprandial", "fasting", "casual", "bedtime",
};

static const char *const testers[] = {
	NULL, "self", "health_care_professional", "lab_test",
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	"not_available",
};

static const char *const healths[] = {
	NULL, "minor_health_issues", "major_health_issues", "during_menses",
	"under_stress", "no_health_issues",
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	"not_available",
};

static bool date_known(const struct hv_datetime *dt)
{
	return dt->year && dt->month && dt->day;
}

static int decode_measurement(const struct hv_frame *frame,
			      struct hv_measurement *ret)
{
	struct hv_datetime base;
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags;
	int16_t offset = 0;
	bool control = false;
	int r;

	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	p = hv_wire_take(&w, 2 + HV_DATETIME_WIRE_LEN,
			 "sequence number and base time");
	if (!p)
		return -EBADMSG;
	ret->sequence_number = hv_le16(p);
	hv_read_datetime(p + 2, &base);
	if (flags & F_OFFSET) {
		p = hv_wire_take_opt(&w, 2, "a time offset");
		if (!p)
			return -EBADMSG;
		offset = (int16_t)hv_le16(p);
	}
	ret->final = true;
	if (flags & F_CONCENTRATION) {
		const char *type, *location;

		p = hv_wire_take_opt(&w, 3, "glucose concentration, type and sample location");
		if (!p)
			return -EBADMSG;
		r = hv_measurement_add_number(
			ret, HV_METRIC_BLOOD_GLUCOSE,
			hv_sfloat_decode(hv_le16(p)),
			flags & F_MOL ? MOL_L_TO_MMOL_L : KG_L_TO_MMOL_L, 3);
		if (r < 0)
			return r;
		/* Reserved codes are kept as "reserved", not rejected. */
		type = hv_code_name(types, HV_N(types), p[2] & 0x0F);
		location = hv_code_name(locations, HV_N(locations), p[2] >> 4);
		if (!type)
			type = "reserved";
		if (!location)
			location = "reserved";
		(void)hv_measurement_add_context(ret, "sample_type", type);
		(void)hv_measurement_add_context(ret, "sample_location",
						 location);
		if ((p[2] & 0x0F) == TYPE_CONTROL ||
		    (p[2] >> 4) == LOCATION_CONTROL) {
			(void)hv_measurement_add_flag(ret, "control_solution");
			control = true;
		}
		ret->display_unit = flags & F_MOL ? HV_UNIT_MMOL_L :
						    HV_UNIT_MG_DL;
	}
	if (flags & F_STATUS) {
		p = hv_wire_take_opt(&w, 2, "sensor status annunciation");
		if (!p)
			return -EBADMSG;
		hv_add_bit_flags(ret, hv_le16(p), status_bits,
				 HV_N(status_bits));
	}
	r = hv_wire_end(&w, "the announced fields");
	if (r < 0)
		return r;
	if (flags & F_CONTEXT)
		(void)hv_measurement_add_flag(ret, "context_follows");

	if (date_known(&base)) {
		struct hv_datetime user;

		hv_datetime_from_unix(hv_datetime_to_unix(&base) +
					      (int64_t)offset * 60,
				      &user);
		hv_measurement_set_clock(ret, &user, frame->now);
	} else {
		ret->has_raw_device_time = true;
		ret->raw_device_time = base;
	}
	ret->subject = control ? HV_SUBJECT_OBJECT : HV_SUBJECT_PERSON;
	return 0;
}

static int decode_context(const struct hv_frame *frame,
			  struct hv_measurement *ret)
{
	static const struct {
		unsigned flag;
		size_t len;
		const char *field;
	} fields[] = {
		{ 0x80, 1, "extended flags" },
		{ 0x01, 3, "carbohydrate id and carbohydrate" },
		{ 0x02, 1, "meal" },
		{ 0x04, 1, "tester and health" },
		{ 0x08, 3, "exercise duration and intensity" },
		{ 0x10, 3, "medication id and medication" },
		{ 0x40, 2, "HbA1c" },
	};
	struct hv_wire w;
	const uint8_t *p;
	unsigned flags;
	int r;

	r = hv_wire_begin(&w, frame->value, frame->value_len, ret, &flags);
	if (r < 0)
		return r;
	p = hv_wire_take(&w, 2, "sequence number");
	if (!p)
		return -EBADMSG;
	ret->sequence_number = hv_le16(p);
	for (size_t i = 0; i < HV_N(fields); i++) {
		const char *name;

		if (!(flags & fields[i].flag))
			continue;
		p = hv_wire_take_opt(&w, fields[i].len, fields[i].field);
		if (!p)
			return -EBADMSG;
		if (fields[i].flag == 0x02) {
			name = hv_code_name(meals, HV_N(meals), p[0]);
			if (name)
				(void)hv_measurement_add_context(ret, "meal",
								 name);
		} else if (fields[i].flag == 0x04) {
			name = hv_code_name(testers, HV_N(testers), p[0] & 0x0F);
			if (name)
				(void)hv_measurement_add_context(ret, "tester",
								 name);
			name = hv_code_name(healths, HV_N(healths), p[0] >> 4);
			if (name)
				(void)hv_measurement_add_context(ret, "health",
								 name);
		}
	}
	ret->final = false;
	ret->subject = HV_SUBJECT_PERSON;
	return hv_wire_end(&w, "the announced fields");
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	if (hv_frame_is_characteristic(frame, GM_UUID))
		return decode_measurement(frame, ret);
	if (hv_frame_is_characteristic(frame, GMC_UUID))
		return decode_context(frame, ret);
	return -ENODEV;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *g = hv_measurement_find(m, HV_METRIC_BLOOD_GLUCOSE);
	uint32_t status = hv_bits_from_flags(m, status_bits, HV_N(status_bits));
	uint8_t buf[32];
	struct hv_wire_out o = { .data = buf, .size = sizeof(buf) };
	uint8_t flags = 0;
	int type = 0, location = 0;
	uint16_t raw;
	int r;

	if (target && !hv_uuid_is16(target, GM_UUID))
		return -EINVAL;
	if (m->sequence_number < 0 || m->sequence_number > UINT16_MAX)
		return -EINVAL;
	if (g) {
		bool mol = m->display_unit == HV_UNIT_MMOL_L;

		flags |= F_CONCENTRATION | (mol ? F_MOL : 0);
		type = hv_code_from_name(types, HV_N(types),
					 hv_measurement_context(m, "sample_type"));
		location = hv_code_from_name(
			locations, HV_N(locations),
			hv_measurement_context(m, "sample_location"));
		if (type < 0)
			type = 0; /* reserved */
		if (location < 0)
			location = 0x0F; /* not available */
		if (g->absent != HV_ABSENT_NONE)
			r = hv_sfloat_special(g->absent, &raw);
		else if (mol) /* mol/L, 1e-5 resolution: 5.5 mmol/L = 550e-5 */
			r = hv_sfloat_encode(g->value / MOL_L_TO_MMOL_L, 5, &raw);
		else /* kg/L: 100 mg/dL = 100e-5 */
			r = hv_sfloat_encode(
				hv_round_to(g->value / KG_L_TO_MMOL_L * 100000, 1) /
					100000,
				6, &raw);
		if (r < 0)
			return r;
	}
	if (status)
		flags |= F_STATUS;
	if (hv_measurement_has_flag(m, "context_follows"))
		flags |= F_CONTEXT;
	hv_wire_put_u8(&o, flags);
	hv_wire_put_le16(&o, (uint16_t)m->sequence_number);
	if (!hv_measurement_clock(m))
		return -EINVAL;
	hv_wire_put_clock(&o, m);
	if (g) {
		hv_wire_put_le16(&o, raw);
		hv_wire_put_u8(&o, (uint8_t)(location << 4 | type));
	}
	if (status)
		hv_wire_put_le16(&o, (uint16_t)status);
	return hv_wire_out_frame(&o, GM_UUID, ret);
}

/*
 * On connect: subscribe to measurements, context and the RACP; ask how many
 * records are newer than the last sequence number seen; fetch them (they
 * arrive as notifications and go through decode()); wait for the RACP
 * completion. A transfer that stalls is aborted.
 */
enum {
	STEP_READ_CLOCK,
	STEP_SUB_GM,
	STEP_SUB_GMC,
	STEP_SUB_RACP,
	STEP_COUNT,
	STEP_COUNT_WAIT,
	STEP_REPORT,
	STEP_REPORT_WAIT,
	STEP_END,
	STEP_ABORT,
	STEP_ABORT_END,
};

static int on_count(struct hv_session *s, const uint8_t *value, size_t len)
{
	return hv_racp_handle_count(s, value, len, STEP_END);
}

static const struct hv_step steps[] = {
	[STEP_READ_CLOCK] = HV_SIG_STEP_READ_CLOCK,
	[STEP_SUB_GM] = { .op = HV_STEP_SUBSCRIBE, .service = "1808",
			  .characteristic = "2a18",
			  .what = "subscribe to glucose measurements" },
	[STEP_SUB_GMC] = { .op = HV_STEP_SUBSCRIBE, .service = "1808",
			   .characteristic = "2a34", .flags = HV_STEP_OPTIONAL,
			   .what = "subscribe to measurement context" },
	[STEP_SUB_RACP] = HV_RACP_STEP_SUBSCRIBE("1808", 0),
	[STEP_COUNT] = { .op = HV_STEP_WRITE, .service = "1808",
			 .characteristic = "2a52",
			 .payload = hv_racp_payload_count_since,
			 .flags = HV_STEP_WITH_RESPONSE, .on_fail = STEP_REPORT,
			 .what = "count records newer than the last one seen" },
	[STEP_COUNT_WAIT] = { .op = HV_STEP_WAIT, .service = "1808",
			      .characteristic = "2a52", .on_value = on_count,
			      .timeout_ms = 5000, .on_fail = STEP_REPORT,
			      .what = "receive the record count" },
	[STEP_REPORT] = { .op = HV_STEP_WRITE, .service = "1808",
			  .characteristic = "2a52",
			  .payload = hv_racp_payload_report_since,
			  .flags = HV_STEP_WITH_RESPONSE,
			  .what = "report records newer than the last one seen" },
	[STEP_REPORT_WAIT] = HV_RACP_STEP_REPORT_WAIT("1808", STEP_ABORT,
						      "receive stored records"),
	[STEP_END] = { .op = HV_STEP_END, .what = "done" },
	[STEP_ABORT] = HV_RACP_STEP_ABORT("1808"),
	[STEP_ABORT_END] = HV_RACP_STEP_ABORT_END,
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.needs_bonding = true, /* GLS requires an encrypted, bonded link */
};

static const char *const models[] = {
	"Any Bluetooth Glucose Service meter",
	NULL,
};

static const uint16_t characteristics[] = { GM_UUID, GMC_UUID, 0 };
static const uint16_t services[] = { GLS_UUID, 0 };

const struct hv_driver sig_glucose_driver = {
	.id = "sig_glucose",
	.name = "Bluetooth Glucose Service",
	.models = models,
	.kind = HV_DRIVER_KIND_GLUCOSE_METER,
	.match = {
		.characteristics = characteristics,
		.services = services,
	},
	.flags = HV_DRIVER_GENERIC,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
};
