// SPDX-License-Identifier: MIT
/*
 * PineTime watches running InfiniTime: the step counter of its Motion
 * service, heart rate (SIG 0x180D, decoded by sig_heart_rate), battery
 * (0x180F) and the clock (Current Time Service 0x1805).
 *
 * Motion service 00030000-78fc-48fe-8e23-433b3a1942d0 (InfiniTime's
 * Motion Service page in doc/ @2933405;
 * src/components/ble/MotionService.cpp @143e34e: OnStepCountRequested,
 * OnNewStepCountValue):
 *
 *   00030001-…  step count   read + notify   uint32 little-endian: the
 *               steps counted today (the watch's counter, which it zeroes
 *               at its local midnight and loses on a reboot)
 *   00030002-…  raw motion   read + notify   int16 X, Y, Z: not used
 *
 * The step count is reported as a step_count reading with context
 * "period": "P1D" — the day's running total as the watch counts it; the
 * gateway keeps one row per day from it (daemon/ingest/daily_total.c).
 * The watch has one wearer: user_index 0, so that `homevitals devices link
 * ADDRESS 0 PERSON` names them.
 *
 * Current Time 0x2A2B (InfiniTime src/components/ble/CurrentTimeService.cpp
 * @17718a0, CurrentTimeService.h @1d940af: year LE16, month, day, hour,
 * minute, second, then ignored bytes; read and write): the conversation
 * reads it and writes the gateway's local time when the watch is more than
 * CLOCK_SLACK_S off, in the SIG layout (Date Time, day of week,
 * Fractions256, Adjust Reason = 10 bytes).
 *
 * Battery Level 0x2A19: uint8 percent, read in the conversation; reported not final with the flag
 * "battery_low" under 20 % (there is no battery metric to store).
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/sig_steps.h"
#include "drivers/vendor_util.h"

#define MOTION_SERVICE "00030000-78fc-48fe-8e23-433b3a1942d0"
#define STEP_COUNT_CHAR "00030001-78fc-48fe-8e23-433b3a1942d0"
#define RAW_MOTION_CHAR "00030002-78fc-48fe-8e23-433b3a1942d0"

#define HRM_UUID 0x2A37
#define BATTERY_LEVEL_UUID 0x2A19
#define BATTERY_LOW_PERCENT 20

/* A watch this close to the gateway's clock is left alone. */
#define CLOCK_SLACK_S 30

extern const struct hv_driver sig_heart_rate_driver;

static bool is_char128(const struct hv_frame *f, const char *text)
{
	struct hv_uuid u;

	return f->has_characteristic && hv_uuid_parse(text, &u) == 0 &&
	       hv_uuid_equal(&u, &f->characteristic);
}

static int decode_steps(const struct hv_frame *frame,
			struct hv_measurement *ret)
{
	int r;

	if (frame->value_len != 4)
		return hv_measurement_invalid(
			ret, "step count must be 4 bytes (uint32), not %zu",
			frame->value_len);
	r = hv_measurement_add(ret, HV_METRIC_STEP_COUNT, hv_le32(frame->value));
	if (r < 0)
		return r;
	r = hv_measurement_add_context(ret, "period", "P1D");
	if (r < 0)
		return r;
	ret->user_index = 0;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = true;
	return 0;
}

static int decode_battery(const struct hv_frame *frame,
			  struct hv_measurement *ret)
{
	if (frame->value_len != 1 || frame->value[0] > 100)
		return hv_measurement_invalid(
			ret, "battery level must be one byte 0-100");
	ret->final = false;
	if (frame->value[0] < BATTERY_LOW_PERCENT)
		return hv_measurement_add_flag(ret, "battery_low");
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	if (is_char128(frame, STEP_COUNT_CHAR))
		return decode_steps(frame, ret);
	if (is_char128(frame, RAW_MOTION_CHAR)) {
		/* Accelerometer samples: the watch's, not a reading. */
		ret->final = false;
		return 0;
	}
	if (hv_frame_is_characteristic(frame, BATTERY_LEVEL_UUID))
		return decode_battery(frame, ret);
	if (hv_frame_is_characteristic(frame, HRM_UUID)) {
		int r = sig_heart_rate_driver.decode(frame, ret);

		/* the wearer's, like the steps */
		if (r >= 0)
			ret->user_index = 0;
		return r;
	}
	return -ENODEV;
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *steps =
		hv_measurement_find(m, HV_METRIC_STEP_COUNT);
	struct hv_uuid u;

	if (target && hv_uuid_is16(target, HRM_UUID))
		return sig_heart_rate_driver.encode(m, target, ret);
	if (hv_uuid_parse(STEP_COUNT_CHAR, &u) < 0)
		return -EINVAL;
	if (target && !hv_uuid_equal(target, &u))
		return -EINVAL;
	if (!steps || steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
	    steps->value > UINT32_MAX)
		return -EINVAL;
	*ret = (struct hv_frame){
		.has_characteristic = true,
		.characteristic = u,
		.value_len = 4,
	};
	hv_put_le32(ret->value, (uint32_t)(steps->value + 0.5));
	return 0;
}

/* --- the conversation ------------------------------------------------------ */

enum {
	STEP_READ_STEPS,
	STEP_SUBSCRIBE_STEPS,
	STEP_READ_BATTERY,
	STEP_READ_CLOCK,
	STEP_WRITE_CLOCK,
	STEP_SUBSCRIBE_HR,
	STEP_COLLECT,
	STEP_END,
};

static int on_read(struct hv_session *s, const uint8_t *value, size_t len)
{
	(void)s;
	(void)value;
	(void)len;
	return HV_VALUE_DONE;
}

/* Seconds the watch's clock is ahead of the gateway's local time. */
static int64_t clock_offset(const struct hv_session *s,
			    const struct hv_datetime *watch)
{
	return hv_datetime_to_unix(watch) - hv_datetime_to_unix(&s->now_local);
}

static int on_clock(struct hv_session *s, const uint8_t *value, size_t len)
{
	struct hv_datetime watch;
	int64_t off;

	s->next_step = STEP_SUBSCRIBE_HR;
	/* Without a known local time there is nothing better to give it. */
	if (!hv_datetime_plausible(&s->now_local, 0))
		return HV_VALUE_GOTO;
	if (len < HV_DATETIME_WIRE_LEN)
		return HV_VALUE_DONE;
	hv_read_datetime(value, &watch);
	if (!hv_datetime_plausible(&watch, 0))
		return HV_VALUE_DONE;
	off = clock_offset(s, &watch);
	if (off >= -CLOCK_SLACK_S && off <= CLOCK_SLACK_S)
		return HV_VALUE_GOTO;
	return HV_VALUE_DONE;
}

static int clock_payload(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	if (size < 10)
		return -ENOSPC;
	if (!hv_datetime_plausible(&s->now_local, 0))
		return -EINVAL;
	hv_write_datetime(buf, &s->now_local);
	buf[7] = s->day_of_week <= 7 ? s->day_of_week : 0;
	buf[8] = 0; /* Fractions256 */
	buf[9] = 0x01; /* Adjust Reason: manual time update */
	*ret_len = 10;
	return 0;
}

static const struct hv_step steps[] = {
	[STEP_READ_STEPS] = { .op = HV_STEP_READ, .service = MOTION_SERVICE,
			      .characteristic = STEP_COUNT_CHAR,
			      .on_value = on_read,
			      .what = "read today's step count" },
	[STEP_SUBSCRIBE_STEPS] = { .op = HV_STEP_SUBSCRIBE,
				   .service = MOTION_SERVICE,
				   .characteristic = STEP_COUNT_CHAR,
				   .what = "subscribe to the step count" },
	[STEP_READ_BATTERY] = { .op = HV_STEP_READ, .service = "180f",
				.characteristic = "2a19", .on_value = on_read,
				.flags = HV_STEP_OPTIONAL,
				.what = "read the battery level" },
	[STEP_READ_CLOCK] = { .op = HV_STEP_READ, .service = "1805",
			      .characteristic = "2a2b", .on_value = on_clock,
			      .flags = HV_STEP_OPTIONAL,
			      .on_fail = STEP_SUBSCRIBE_HR,
			      .what = "read the watch's clock" },
	[STEP_WRITE_CLOCK] = { .op = HV_STEP_WRITE, .service = "1805",
			       .characteristic = "2a2b",
			       .payload = clock_payload,
			       .flags = HV_STEP_OPTIONAL | HV_STEP_WITH_RESPONSE,
			       .what = "set the watch's clock" },
	[STEP_SUBSCRIBE_HR] = { .op = HV_STEP_SUBSCRIBE, .service = "180d",
				.characteristic = "2a37",
				.flags = HV_STEP_OPTIONAL,
				.what = "subscribe to heart rate" },
	[STEP_COLLECT] = { .op = HV_STEP_WAIT, .service = MOTION_SERVICE,
			   .characteristic = STEP_COUNT_CHAR,
			   .on_value = hv_step_collect, .timeout_ms = 60000,
			   .flags = HV_STEP_OPTIONAL,
			   .what = "receive steps and heart rate for 60 s" },
	[STEP_END] = { .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static bool claims_device(const struct hv_frame *advert)
{
	struct hv_uuid motion;

	if (hv_name_prefix_ci(advert->name, "InfiniTime") ||
	    hv_name_prefix_ci(advert->name, "Pinetime"))
		return true;
	if (hv_uuid_parse(MOTION_SERVICE, &motion) < 0)
		return false;
	for (size_t i = 0; i < advert->n_service_uuids; i++)
		if (hv_uuid_equal(&advert->service_uuids[i], &motion))
			return true;
	return false;
}

static const char *const models[] = {
	"PINE64 PineTime (InfiniTime firmware)",
	NULL,
};

static const uint16_t characteristics[] = { HRM_UUID, BATTERY_LEVEL_UUID, 0 };
static const char *const characteristics128[] = { STEP_COUNT_CHAR,
						  RAW_MOTION_CHAR, NULL };
static const char *const names[] = { "InfiniTime", "Pinetime", NULL };

const struct hv_driver pinetime_driver = {
	.id = "pinetime",
	.name = "PineTime (InfiniTime)",
	.models = models,
	.kind = HV_DRIVER_KIND_FITNESS_BAND,
	.match = {
		.characteristics = characteristics,
		.characteristics128 = characteristics128,
		.name_prefixes = names,
	},
	/* Heart rate and battery are shared SIG characteristics: ours only
	 * in a PineTime's session or by its name. */
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
