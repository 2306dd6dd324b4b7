// SPDX-License-Identifier: MIT
/*
 * The payloads of one outbox item: one table of formats. The configuration
 * selects rows (mqtt.payload_format, mqtt.retain_latest, mqtt.ha_discovery);
 * the drain publishes each selected row in table order. The stored JSON is
 * published as stored: it is parsed only for a row that needs the record.
 * Topics and payloads: docs/mqtt.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/fhir.h"
#include "daemon/common/fhir_phd.h"
#include "daemon/publish/ha_discovery.h"
#include "daemon/publish/mqtt_topics.h"
#include "daemon/store/store.h"

#include "daemon/publish/mqtt_private.h"

#define HA_SEEN_MAX 1024 /* people × metrics announced */

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* --- Home Assistant discovery and latest values -------------------------------- */

static struct ha_seen *ha_find(struct hv_mqtt *m, const char *person,
			       enum hv_metric metric)
{
	for (size_t i = 0; i < m->n_ha; i++)
		if (m->ha[i].metric == metric &&
		    strcmp(m->ha[i].person, person) == 0)
			return &m->ha[i];
	return NULL;
}

static void ha_announce(struct hv_mqtt *m, const char *person,
			enum hv_metric metric, enum hv_display_unit unit)
{
	const struct hv_ha_context ctx = {
		.ha_prefix = m->cfg->mqtt.ha_prefix ? m->cfg->mqtt.ha_prefix :
						      "homeassistant",
		.topic_prefix = m->cfg->mqtt.topic_prefix,
		.gateway = m->gateway,
	};
	_cleanup_(cJSON_Deletep) cJSON *payload = NULL;
	char topic[MQTT_TOPIC_MAX];
	int r;

	r = hv_ha_sensor_config(&ctx, person, metric, unit, topic,
				sizeof(topic), &payload);
	if (r >= 0)
		r = mqtt_publish_json(m, MQTT_KIND_DISCOVERY, topic, payload,
				      true, NULL);
	if (r < 0)
		log_debug_errno(r, "MQTT: no discovery for '%s' %s: %m", person,
				hv_metric_info(metric)->name);
}

/* Remember a person's metric: true when new or when its unit changed. */
static bool ha_remember(struct hv_mqtt *m, const char *person,
			enum hv_metric metric, enum hv_display_unit unit)
{
	struct ha_seen *seen = ha_find(m, person, metric);

	if (seen && seen->unit == unit)
		return false;
	if (!seen) {
		if (m->n_ha >= HA_SEEN_MAX)
			return false;
		if (!m->ha) {
			m->ha = calloc(HA_SEEN_MAX, sizeof(*m->ha));
			if (!m->ha)
				return false;
		}
		seen = &m->ha[m->n_ha++];
		(void)snprintf(seen->person, sizeof(seen->person), "%s",
			       person);
		seen->metric = metric;
	}
	seen->unit = unit;
	return true;
}

struct ha_load {
	struct hv_mqtt *m;
	const char *person;
};

static int ha_load_metric(const char *metric, const char *display_unit,
			  int64_t last_time_usec, void *userdata)
{
	struct ha_load *l = userdata;
	int mt = hv_metric_from_name(metric);
	int unit = display_unit[0] ? hv_display_unit_from_name(display_unit) :
				     HV_UNIT_NONE;

	(void)last_time_usec;
	if (mt < 0)
		return 0;
	if (unit < 0)
		unit = HV_UNIT_NONE;
	(void)ha_remember(l->m, l->person, (enum hv_metric)mt,
			  (enum hv_display_unit)unit);
	return 0;
}

/*
 * The people in the store and the metrics they have readings for, each in
 * the display unit of their newest reading: announced even when this run
 * has published nothing for them yet (a restart, a person added with the
 * CLI, a measurement assigned to them).
 */
static void ha_load_store(struct hv_mqtt *m)
{
	_cleanup_free_ struct hv_person *people = NULL;
	size_t n = 0;
	int r;

	r = hv_store_people_list(m->store, &people, &n);
	if (r < 0) {
		log_warning_errno(
			r,
			"MQTT: cannot list people for discovery, ignoring: %m (%s)",
			hv_store_errmsg(m->store));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct ha_load l = { .m = m, .person = people[i].id };

		r = hv_store_person_metrics_foreach(m->store, people[i].id,
						    ha_load_metric, &l);
		if (r < 0)
			log_warning_errno(
				r,
				"MQTT: cannot read the metrics of '%s' for discovery, ignoring: %m (%s)",
				people[i].id, hv_store_errmsg(m->store));
	}
}

/* Every sensor known: the store's and this run's. */
void mqtt_ha_announce_all(struct hv_mqtt *m)
{
	ha_load_store(m);
	for (size_t i = 0; i < m->n_ha; i++)
		ha_announce(m, m->ha[i].person, m->ha[i].metric, m->ha[i].unit);
}

/* Announce a person's metric when new, or when its unit changed. */
static void ha_note(struct hv_mqtt *m, const char *person,
		    enum hv_metric metric, enum hv_display_unit unit)
{
	if (ha_remember(m, person, metric, unit))
		ha_announce(m, person, metric, unit);
}

/* The record's display unit, HV_UNIT_NONE when it names none. */
static int record_display_unit(const cJSON *record)
{
	const char *display = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "display_unit"));
	int unit = display ? hv_display_unit_from_name(display) : HV_UNIT_NONE;

	return unit < 0 ? HV_UNIT_NONE : unit;
}

/* --- the formats ------------------------------------------------------------------ */

/* phd keeps the gateway's own measurement topic beside the clinical one. */
static bool want_measurement(const struct hv_config *cfg)
{
	return cfg->mqtt.payload_format != HV_PAYLOAD_FHIR;
}

static int publish_measurement(struct hv_mqtt *m, const struct mqtt_item *it,
			       int *ret_mid)
{
	char topic[MQTT_TOPIC_MAX];
	int r;

	r = hv_topic_measurements(m->cfg->mqtt.topic_prefix, m->gateway,
				  it->item->person, false, topic,
				  sizeof(topic));
	if (r < 0)
		return r;
	/* The stored text is the payload: no parse, no print. */
	return mqtt_publish(m, MQTT_KIND_MEASUREMENT, topic, it->item->json,
			    false, ret_mid);
}

static bool want_fhir(const struct hv_config *cfg)
{
	return cfg->mqtt.payload_format == HV_PAYLOAD_FHIR ||
	       cfg->mqtt.payload_format == HV_PAYLOAD_BOTH;
}

static int publish_fhir(struct hv_mqtt *m, const struct mqtt_item *it,
			int *ret_mid)
{
	_cleanup_(cJSON_Deletep) cJSON *bundle = NULL;
	char topic[MQTT_TOPIC_MAX];
	int r;

	r = hv_fhir_bundle(it->record, &bundle);
	if (r >= 0)
		r = hv_topic_measurements(m->cfg->mqtt.topic_prefix, m->gateway,
					  it->item->person, true, topic,
					  sizeof(topic));
	if (r < 0)
		return r;
	return mqtt_publish_json(m, MQTT_KIND_FHIR, topic, bundle, false,
				 ret_mid);
}

static bool want_phd(const struct hv_config *cfg)
{
	return cfg->mqtt.payload_format == HV_PAYLOAD_PHD;
}

/* The HL7 PHD IG transaction Bundle (docs/fhir.md) on the same topic as
 * the plain FHIR one; an unassigned measurement has no Patient: none. */
static int publish_phd(struct hv_mqtt *m, const struct mqtt_item *it,
		       int *ret_mid)
{
	_cleanup_(cJSON_Deletep) cJSON *bundle = NULL;
	const cJSON *device =
		cJSON_GetObjectItemCaseSensitive(it->record, "device");
	const char *address = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(device, "address"));
	struct hv_dis dis;
	const bool known = m->store && address &&
			   hv_store_device_get_dis(m->store, address, &dis) >= 0;
	struct hv_fhir_phd_options options = {
		.gateway_id = m->gateway,
		.test_data = m->cfg->mqtt.phd_test_data,
		.clock_sync = hv_clock_sync_now(),
		.device_info = known ? &dis : NULL,
	};
	char topic[MQTT_TOPIC_MAX];
	int r;

	if (hv_clock_sync_accuracy_usec(&options.clock_accuracy_usec) < 0)
		options.clock_accuracy_usec = 0;
	r = hv_fhir_phd_bundle(it->record, &options, &bundle);
	if (r >= 0)
		r = hv_topic_measurements(m->cfg->mqtt.topic_prefix, m->gateway,
					  it->item->person, true, topic,
					  sizeof(topic));
	if (r < 0)
		return r;
	return mqtt_publish_json(m, MQTT_KIND_PHD, topic, bundle, false,
				 ret_mid);
}

static bool want_ha_discovery(const struct hv_config *cfg)
{
	return cfg->mqtt.ha_discovery;
}

/* A correction re-dates nothing: latest values stay with the newest. */
static bool is_latest(const struct mqtt_item *it)
{
	return it->item->person[0] &&
	       !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it->record,
							      "correction"));
}

static int publish_ha_discovery(struct hv_mqtt *m, const struct mqtt_item *it,
				int *ret_mid)
{
	const cJSON *rd;
	int unit;

	(void)ret_mid;
	if (!is_latest(it))
		return 0;
	unit = record_display_unit(it->record);
	cJSON_ArrayForEach(
		rd, cJSON_GetObjectItemCaseSensitive(it->record, "readings")) {
		int metric = hv_metric_from_name(cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(rd, "metric")));

		if (metric >= 0)
			ha_note(m, it->item->person, (enum hv_metric)metric,
				(enum hv_display_unit)unit);
	}
	return 0;
}

static bool want_latest(const struct hv_config *cfg)
{
	/* Home Assistant's sensors read the latest topics. */
	return cfg->mqtt.retain_latest || cfg->mqtt.ha_discovery;
}

static int publish_latest(struct hv_mqtt *m, const struct mqtt_item *it,
			  int *ret_mid)
{
	const cJSON *rd;

	(void)ret_mid;
	if (!is_latest(it))
		return 0;
	cJSON_ArrayForEach(
		rd, cJSON_GetObjectItemCaseSensitive(it->record, "readings")) {
		_cleanup_(cJSON_Deletep) cJSON *payload = NULL;
		const char *name = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(rd, "metric"));
		char topic[MQTT_TOPIC_MAX];

		/* a record synced late must not replace a newer value */
		if (!name || hv_metric_from_name(name) < 0 ||
		    hv_store_newer_reading(m->store, it->measurement_id, name) != 0 ||
		    hv_latest_payload(it->record, rd, &payload) < 0 ||
		    hv_topic_latest(m->cfg->mqtt.topic_prefix, m->gateway,
				    it->item->person, name, topic,
				    sizeof(topic)) < 0)
			continue;
		(void)mqtt_publish_json(m, MQTT_KIND_LATEST, topic, payload,
					true, NULL);
	}
	return 0;
}

/* Tracked rows first: the others follow only a measurement handed over. */
const struct mqtt_format mqtt_formats[] = {
	{ .name = "homevitals",
	  .tracked = true,
	  .wanted = want_measurement,
	  .publish = publish_measurement },
	{ .name = "fhir",
	  .tracked = true,
	  .needs_record = true,
	  .wanted = want_fhir,
	  .publish = publish_fhir },
	{ .name = "phd",
	  .tracked = true,
	  .needs_record = true,
	  .wanted = want_phd,
	  .publish = publish_phd },
	{ .name = "ha_discovery",
	  .needs_record = true,
	  .wanted = want_ha_discovery,
	  .publish = publish_ha_discovery },
	{ .name = "latest",
	  .needs_record = true,
	  .wanted = want_latest,
	  .publish = publish_latest },
};

const size_t mqtt_n_formats = ELEMENTSOF(mqtt_formats);
