// SPDX-License-Identifier: MIT
/*
 * Home Assistant discovery payloads. Conventions (device classes, units,
 * state classes, topic shape and the [a-zA-Z0-9_-] object ids): docs/mqtt.md;
 * home-assistant/core homeassistant/components/sensor/const.py and
 * homeassistant/components/mqtt/discovery.py.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/publish/ha_discovery.h"
#include "daemon/publish/mqtt_topics.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct ha_metric {
	const char *device_class; /* NULL: none */
	const char *unit; /* canonical unit as HA spells it, NULL: none */
	const char *state_class;
};

/* clang-format off */
static const struct ha_metric ha_metrics[_HV_METRIC_MAX] = {
	[HV_METRIC_BODY_WEIGHT]            = { "weight",   "kg",     "measurement" },
	[HV_METRIC_BODY_HEIGHT]            = { "distance", "m",      "measurement" },
	[HV_METRIC_BMI]                    = { NULL,       "kg/m²",  "measurement" },
	[HV_METRIC_BODY_FAT_PERCENT]       = { NULL,       "%",      "measurement" },
	[HV_METRIC_FAT_FREE_MASS]          = { "weight",   "kg",     "measurement" },
	[HV_METRIC_SOFT_LEAN_MASS]         = { "weight",   "kg",     "measurement" },
	[HV_METRIC_MUSCLE_MASS]            = { "weight",   "kg",     "measurement" },
	[HV_METRIC_MUSCLE_PERCENT]         = { NULL,       "%",      "measurement" },
	[HV_METRIC_BODY_WATER_MASS]        = { "weight",   "kg",     "measurement" },
	[HV_METRIC_BODY_WATER_PERCENT]     = { NULL,       "%",      "measurement" },
	[HV_METRIC_BONE_MASS]              = { "weight",   "kg",     "measurement" },
	[HV_METRIC_VISCERAL_FAT_RATING]    = { NULL,       NULL,     "measurement" },
	[HV_METRIC_BASAL_METABOLIC_RATE]   = { NULL,       "kcal",   "measurement" },
	[HV_METRIC_IMPEDANCE]              = { NULL,       "Ω",      "measurement" },
	[HV_METRIC_PROTEIN_PERCENT]        = { NULL,       "%",      "measurement" },
	[HV_METRIC_METABOLIC_AGE]          = { NULL,       "years",  "measurement" },
	[HV_METRIC_HEART_RATE]             = { NULL,       "bpm",    "measurement" },
	[HV_METRIC_RR_INTERVAL]            = { "duration", "s",      "measurement" },
	[HV_METRIC_ENERGY_EXPENDED]        = { NULL,       "kJ",     "measurement" },
	[HV_METRIC_STEP_COUNT]             = { NULL,       "steps",  "total_increasing" },
	[HV_METRIC_DISTANCE]               = { "distance", "m",      "measurement" },
	[HV_METRIC_SPEED]                  = { "speed",    "m/s",    "measurement" },
	[HV_METRIC_CADENCE]                = { NULL,       "/min",   "measurement" },
	[HV_METRIC_STRIDE_LENGTH]          = { "distance", "m",      "measurement" },
	[HV_METRIC_SYSTOLIC_PRESSURE]      = { "pressure", "mmHg",   "measurement" },
	[HV_METRIC_DIASTOLIC_PRESSURE]     = { "pressure", "mmHg",   "measurement" },
	[HV_METRIC_MEAN_ARTERIAL_PRESSURE] = { "pressure", "mmHg",   "measurement" },
	[HV_METRIC_PULSE_RATE]             = { NULL,       "bpm",    "measurement" },
	[HV_METRIC_BODY_TEMPERATURE]       = { "temperature", "°C",  "measurement" },
	[HV_METRIC_SPO2]                   = { NULL,       "%",      "measurement" },
	[HV_METRIC_PULSE_AMPLITUDE_INDEX]  = { NULL,       "%",      "measurement" },
	[HV_METRIC_BLOOD_GLUCOSE]          = { "blood_glucose_concentration", "mmol/L", "measurement" },
	[HV_METRIC_IMPEDANCE_250KHZ]       = { NULL,       "Ω",      "measurement" },
};
/* clang-format on */

/* A unit other than the canonical one: its HA name and the template. */
struct ha_conversion {
	const char *unit;
	const char *value_template;
};

static bool is_mass(enum hv_metric m)
{
	return m == HV_METRIC_BODY_WEIGHT || m == HV_METRIC_FAT_FREE_MASS ||
	       m == HV_METRIC_SOFT_LEAN_MASS || m == HV_METRIC_MUSCLE_MASS ||
	       m == HV_METRIC_BODY_WATER_MASS || m == HV_METRIC_BONE_MASS;
}

static bool is_pressure(enum hv_metric m)
{
	return m == HV_METRIC_SYSTOLIC_PRESSURE ||
	       m == HV_METRIC_DIASTOLIC_PRESSURE ||
	       m == HV_METRIC_MEAN_ARTERIAL_PRESSURE;
}

static const struct ha_conversion *conversion(enum hv_metric m,
					      enum hv_display_unit u)
{
	static const struct ha_conversion lb = {
		"lb", "{{ (value_json.value / 0.45359237) | round(2) }}"
	};
	static const struct ha_conversion degf = {
		"°F", "{{ (value_json.value * 9 / 5 + 32) | round(1) }}"
	};
	static const struct ha_conversion kpa = {
		"kPa", "{{ (value_json.value / 7.50062) | round(2) }}"
	};
	static const struct ha_conversion mgdl = {
		"mg/dL", "{{ (value_json.value * 18.016) | round(0) }}"
	};

	if (is_mass(m) && u == HV_UNIT_LB)
		return &lb;
	if (m == HV_METRIC_BODY_TEMPERATURE && u == HV_UNIT_DEGF)
		return &degf;
	if (is_pressure(m) && u == HV_UNIT_KPA)
		return &kpa;
	if (m == HV_METRIC_BLOOD_GLUCOSE && u == HV_UNIT_MG_DL)
		return &mgdl;
	return NULL;
}

const char *hv_ha_unit(enum hv_metric metric, enum hv_display_unit display_unit)
{
	const struct ha_conversion *c;

	if ((int)metric < 0 || metric >= _HV_METRIC_MAX)
		return NULL;
	c = conversion(metric, display_unit);
	return c ? c->unit : ha_metrics[metric].unit;
}

int hv_ha_sensor_config(const struct hv_ha_context *ctx, const char *person,
			enum hv_metric metric, enum hv_display_unit display_unit,
			char *topic, size_t topic_size, cJSON **ret_payload)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	const struct hv_metric_info *info = hv_metric_info(metric);
	const struct ha_conversion *conv;
	char state[256], avail[256], node[160], uid[224], name[128];
	cJSON *dev, *ids, *origin, *id;
	const char *unit;
	int r;

	if (!info || !ctx || !ctx->ha_prefix)
		return -EINVAL;
	r = hv_topic_latest(ctx->topic_prefix, ctx->gateway, person, info->name,
			    state, sizeof(state));
	if (r < 0)
		return r;
	r = hv_topic_availability(ctx->topic_prefix, ctx->gateway, avail,
				  sizeof(avail));
	if (r < 0)
		return r;
	r = hv_topic_ha_config(ctx->ha_prefix, ctx->gateway, person, info->name,
			       topic, topic_size);
	if (r < 0)
		return r;
	r = hv_topic_ha_node(ctx->gateway, person, node, sizeof(node));
	if (r < 0)
		return r;
	/* the escaped form keeps "__" as its only separator */
	(void)snprintf(uid, sizeof(uid), "%s%s%s", node,
		       strncmp(node, "homevitals__", 12) == 0 ? "__" : "_",
		       info->name);

	conv = conversion(metric, display_unit);
	unit = conv ? conv->unit : ha_metrics[metric].unit;
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "name", info->display) ||
	    !cJSON_AddStringToObject(o, "unique_id", uid) ||
	    !cJSON_AddStringToObject(o, "object_id", uid) ||
	    !cJSON_AddStringToObject(o, "state_topic", state) ||
	    !cJSON_AddStringToObject(o, "value_template",
				     conv ? conv->value_template :
					    "{{ value_json.value }}") ||
	    !cJSON_AddStringToObject(o, "json_attributes_topic", state) ||
	    !cJSON_AddStringToObject(o, "availability_topic", avail) ||
	    !cJSON_AddStringToObject(o, "payload_available", "online") ||
	    !cJSON_AddStringToObject(o, "payload_not_available", "offline"))
		return -ENOMEM;
	if (ha_metrics[metric].device_class &&
	    !cJSON_AddStringToObject(o, "device_class",
				     ha_metrics[metric].device_class))
		return -ENOMEM;
	if (ha_metrics[metric].state_class &&
	    !cJSON_AddStringToObject(o, "state_class",
				     ha_metrics[metric].state_class))
		return -ENOMEM;
	if (unit && !cJSON_AddStringToObject(o, "unit_of_measurement", unit))
		return -ENOMEM;

	dev = cJSON_AddObjectToObject(o, "device");
	ids = dev ? cJSON_AddArrayToObject(dev, "identifiers") : NULL;
	id = cJSON_CreateString(node);
	if (!ids || !id) {
		cJSON_Delete(id);
		return -ENOMEM;
	}
	cJSON_AddItemToArray(ids, id);
	(void)snprintf(name, sizeof(name), "homevitals %s", person);
	if (!cJSON_AddStringToObject(dev, "name", name) ||
	    !cJSON_AddStringToObject(dev, "manufacturer", "homevitals") ||
	    !cJSON_AddStringToObject(dev, "model", "person"))
		return -ENOMEM;
	origin = cJSON_AddObjectToObject(o, "origin");
	if (!origin || !cJSON_AddStringToObject(origin, "name", "homevitals"))
		return -ENOMEM;
	*ret_payload = TAKE_PTR(o);
	return 0;
}

int hv_latest_payload(const cJSON *record, const cJSON *reading,
		      cJSON **ret_payload)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(reading, "value");
	const char *unit = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(reading, "unit"));
	const char *time = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "time"));
	const char *id = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "id"));
	const char *display = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "display_unit"));

	if (!cJSON_IsNumber(value))
		return -ENODATA;
	if (!unit || !time || !id)
		return -EINVAL;
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddNumberToObject(o, "value", value->valuedouble) ||
	    !cJSON_AddStringToObject(o, "unit", unit) ||
	    !cJSON_AddStringToObject(o, "time", time) ||
	    !cJSON_AddStringToObject(o, "id", id))
		return -ENOMEM;
	if (display && !cJSON_AddStringToObject(o, "display_unit", display))
		return -ENOMEM;
	*ret_payload = TAKE_PTR(o);
	return 0;
}
