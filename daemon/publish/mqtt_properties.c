// SPDX-License-Identifier: MIT
/*
 * The MQTT 5 properties of each kind of message (docs/mqtt.md, "MQTT 5
 * properties"): a Content Type and the Payload Format Indicator (UTF-8
 * text), user properties naming the payload's schema and its version, and
 * a Message Expiry Interval only on the latest values a live view reads,
 * never on the measurement streams (OASIS MQTT 5.0 §3.3.2.3.2-§3.3.2.3.9).
 * Built once per client: every message of a kind carries the same list, and
 * the library copies it into what it may have to resend.
 */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>

#include "daemon/publish/mqtt_private.h"

#define SCHEMA_VERSION "1" /* of the gateway's own payloads: docs/mqtt.md */
#define FHIR_JSON      "application/fhir+json; fhirVersion=4.0"

static const struct mqtt_kind_info {
	const char *content_type;
	const char *schema; /* NULL: no schema properties */
	const char *schema_version;
} kinds[_MQTT_KIND_MAX] = {
	[MQTT_KIND_AVAILABILITY] = { "text/plain", NULL, NULL },
	[MQTT_KIND_STATUS] = { "application/json",
			       "urn:homevitals:schema:mqtt-status",
			       SCHEMA_VERSION },
	[MQTT_KIND_MEASUREMENT] = { "application/json",
				    "urn:homevitals:schema:mqtt-measurement",
				    SCHEMA_VERSION },
	[MQTT_KIND_FHIR] = { FHIR_JSON, "hl7.fhir.r4.core", "4.0.1" },
	[MQTT_KIND_PHD] = { FHIR_JSON, "hl7.fhir.uv.phd", "2.0.0" },
	[MQTT_KIND_LATEST] = { "application/json",
			       "urn:homevitals:schema:mqtt-latest",
			       SCHEMA_VERSION },
	[MQTT_KIND_DISCOVERY] = { "application/json", NULL, NULL },
	[MQTT_KIND_HISTORY] = { "application/json",
				"urn:homevitals:schema:mqtt-history",
				SCHEMA_VERSION },
};

static int add_kind(mosquitto_property **props,
		    const struct mqtt_kind_info *k, unsigned expiry_s)
{
	int rc;

	rc = mosquitto_property_add_byte(props,
					 MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_property_add_string(
			props, MQTT_PROP_CONTENT_TYPE, k->content_type);
	if (rc == MOSQ_ERR_SUCCESS && k->schema)
		rc = mosquitto_property_add_string_pair(
			props, MQTT_PROP_USER_PROPERTY, "schema", k->schema);
	if (rc == MOSQ_ERR_SUCCESS && k->schema)
		rc = mosquitto_property_add_string_pair(
			props, MQTT_PROP_USER_PROPERTY, "schema_version",
			k->schema_version);
	if (rc == MOSQ_ERR_SUCCESS && expiry_s)
		rc = mosquitto_property_add_int32(
			props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, expiry_s);
	return rc == MOSQ_ERR_SUCCESS ? 0 : mqtt_errno(rc);
}

int mqtt_properties_build(struct hv_mqtt *m)
{
	if (!m->v5)
		return 0;
	for (size_t i = 0; i < _MQTT_KIND_MAX; i++) {
		unsigned expiry = i == MQTT_KIND_LATEST ?
					  m->cfg->mqtt.latest_expiry_s :
					  0;
		int r = add_kind(&m->props[i], &kinds[i], expiry);

		if (r < 0) {
			mqtt_properties_free(m);
			return r;
		}
	}
	return 0;
}

/* A list of its own (libmosquitto 2.0's mosquitto_property_copy_all()
 * drops the mark that makes mosquitto_publish_v5() send a list). */
int mqtt_properties_new(struct hv_mqtt *m, enum mqtt_kind kind,
			mosquitto_property **ret)
{
	mosquitto_property *props = NULL;
	int r;

	if (!m->v5) {
		*ret = NULL;
		return 0;
	}
	r = add_kind(&props, &kinds[kind], 0);
	if (r < 0) {
		mosquitto_property_free_all(&props);
		return r;
	}
	*ret = props;
	return 0;
}

void mqtt_properties_free(struct hv_mqtt *m)
{
	for (size_t i = 0; i < _MQTT_KIND_MAX; i++)
		mosquitto_property_free_all(&m->props[i]);
}
