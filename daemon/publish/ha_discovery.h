/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Home Assistant MQTT discovery (off by default, mqtt.ha_discovery): one HA
 * device per person (pseudonymous id, never a name) with one sensor per
 * metric they have readings for (the store's and this run's: daemon/publish/mqtt.c),
 * reading the retained latest topic. Units follow what the
 * person's device shows: a scale set to lb is announced in lb and the
 * template converts the canonical kg. Pure: no I/O. docs/mqtt.md.
 */

#include <cjson/cJSON.h>
#include <stddef.h>

#include "drivers/measurement.h"

struct hv_ha_context {
	const char *ha_prefix; /* "homeassistant" */
	const char *topic_prefix; /* "homevitals" */
	const char *gateway;
};

/*
 * The retained config for one person's metric: its topic (into topic, of
 * topic_size bytes) and payload. -EINVAL for a bad id or metric, -ENOBUFS,
 * -ENOMEM.
 */
int hv_ha_sensor_config(const struct hv_ha_context *ctx, const char *person,
			enum hv_metric metric, enum hv_display_unit display_unit,
			char *topic, size_t topic_size, cJSON **ret_payload);

/* The unit HA is told for a metric shown in display_unit ("kg", "lb", …). */
const char *hv_ha_unit(enum hv_metric metric, enum hv_display_unit display_unit);

/*
 * The retained payload of <prefix>/<gateway>/people/<person>/latest/<metric>:
 * {"value": 72.4, "unit": "kg", "time": "…", "id": "…"} from a stored record
 * and one of its readings. -ENODATA when the reading has no value.
 */
int hv_latest_payload(const cJSON *record, const cJSON *reading,
		      cJSON **ret_payload);
