/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Conversation pieces the SIG health profiles share (drivers/conversation.h):
 * a WAIT that only keeps the link open while the runner hands every
 * notification or indication to decode(), and the step list of profiles
 * that push their stored measurements once subscribed (Blood Pressure,
 * Health Thermometer: an intermediate characteristic, the measurement
 * characteristic, then 30 s of indications).
 */

#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"

/* on_value() of a WAIT that collects values until its timeout. */
static inline int hv_step_collect(struct hv_session *s, const uint8_t *value,
				  size_t len)
{
	(void)s;
	(void)value;
	(void)len;
	return HV_VALUE_MORE;
}

/* Read the device's Current Time (0x1805/0x2A2B) when it has one: the
 * runner keeps the value (daemon/bluez/gatt_session.c), so the records the
 * device stored are dated by the offset between its clock and the gateway's
 * (docs/pipeline.md, "Time"). Optional: many devices have no clock service. */
#define HV_SIG_STEP_READ_CLOCK                                                \
	{ .op = HV_STEP_READ, .service = "1805", .characteristic = "2a2b",   \
	  .flags = HV_STEP_OPTIONAL, .what = "read the device's clock" }

/* Five steps: read the device's clock (optional), subscribe to
 * `intermediate` (optional) and `measurement` of `service`, receive
 * indications for 30 s, end. */
#define HV_SIG_STORED_STEPS(service_, intermediate, measurement,             \
			    what_intermediate, what_measurement)             \
	HV_SIG_STEP_READ_CLOCK,                                              \
	{ .op = HV_STEP_SUBSCRIBE, .service = service_,                      \
	  .characteristic = intermediate, .flags = HV_STEP_OPTIONAL,         \
	  .what = what_intermediate },                                       \
	{ .op = HV_STEP_SUBSCRIBE, .service = service_,                      \
	  .characteristic = measurement, .what = what_measurement },         \
	{ .op = HV_STEP_WAIT, .service = service_,                           \
	  .characteristic = measurement, .on_value = hv_step_collect,        \
	  .timeout_ms = 30000, .flags = HV_STEP_OPTIONAL,                    \
	  .what = "receive new and stored measurements" },                   \
	{ .op = HV_STEP_END, .what = "done" }
