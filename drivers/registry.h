/* SPDX-License-Identifier: MIT */
#pragma once

#include "drivers/driver.h"

/* Declarations of every driver, expanded from drivers.def. */
#define HV_DRIVER(name) extern const struct hv_driver name;
#include "drivers/drivers.def"
#undef HV_DRIVER

extern const struct hv_driver *const hv_drivers[];
extern const size_t hv_drivers_count;

const struct hv_driver *hv_driver_by_id(const char *id);

/* "scale", "heart_rate", … as `homevitals drivers --json` prints them;
 * NULL when out of range. */
const char *hv_driver_kind_name(enum hv_driver_kind kind);
enum hv_driver_kind hv_driver_kind_from_name(const char *name);

/*
 * Decode one frame through the whole registry: vendor drivers first, generic
 * profile decoders last; drivers marked NEEDS_SELECTION only when they claim
 * the device (name, services, manufacturer data). `forced` (may be NULL)
 * tries that driver alone. Always fills ret: OK, INVALID or NOT_MINE.
 * Returns the hv_decode_fn code of the deciding driver, -ENODEV when none.
 */
int hv_registry_decode(const struct hv_frame *frame,
		       const struct hv_driver *forced,
		       struct hv_measurement *ret);

/* The driver that should own a connection to this advertised device. */
const struct hv_driver *hv_registry_select(const struct hv_frame *advert);

/* Does the driver's match table name this frame (cheap prefilter)? */
bool hv_driver_matches(const struct hv_driver *d, const struct hv_frame *f);
