// SPDX-License-Identifier: MIT
/*
 * The client: joins the connection (mqtt_connection.c), the outbox drain
 * (mqtt_outbox.c) and the formats (mqtt_format.c), and reports its own
 * state through callbacks; the daemon's status is the caller's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/version.h"
#include "daemon/publish/mqtt_topics.h"

#include "daemon/publish/mqtt_private.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* --- called by the connection -------------------------------------------------- */

void mqtt_set_broker(struct hv_mqtt *m, enum hv_broker_state state,
		     const char *error)
{
	if (!error)
		error = "";
	if (m->broker == state && strcmp(m->broker_error, error) == 0)
		return;
	m->broker = state;
	(void)snprintf(m->broker_error, sizeof(m->broker_error), "%s", error);
	if (m->audience && m->cb.audience_broker_changed)
		m->cb.audience_broker_changed(m->audience->name, state,
					      m->broker_error, m->userdata);
	else if (!m->audience && m->cb.broker_changed)
		m->cb.broker_changed(state, m->broker_error, m->userdata);
}

void mqtt_on_connected(struct hv_mqtt *m, bool session_present)
{
	int r;

	(void)mqtt_publish(m, MQTT_KIND_AVAILABILITY, m->topic_availability,
			   "online", true, NULL);
	if (m->cfg->mqtt.ha_discovery) {
		r = mosquitto_subscribe(m->mosq, NULL, m->topic_ha_status, 1);
		if (r != MOSQ_ERR_SUCCESS)
			log_warning("MQTT: cannot subscribe to '%s', ignoring: %s",
				    m->topic_ha_status, mosquitto_strerror(r));
		mqtt_ha_announce_all(m);
	}
	r = mqtt_history_subscribe(m);
	if (r < 0)
		log_warning_errno(r, "MQTT: cannot subscribe to history requests, ignoring: %m");
	mqtt_outbox_connected(m, session_present);
	/* The caller publishes its status on this change. */
	mqtt_set_broker(m, HV_BROKER_CONNECTED, NULL);
}

void mqtt_on_message(struct hv_mqtt *m, const struct mosquitto_message *msg,
		     const mosquitto_property *props)
{
	if (mqtt_history_handle(m, msg, props))
		return;
	if (!m->cfg->mqtt.ha_discovery || !msg->topic ||
	    strcmp(msg->topic, m->topic_ha_status) != 0)
		return;
	if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0) {
		log_debug("MQTT: Home Assistant is online: announcing again");
		mqtt_ha_announce_all(m);
	}
}

/* --- public ------------------------------------------------------------------- */

int hv_mqtt_publish_status(struct hv_mqtt *m, const struct hv_status *st,
			   int64_t wall_usec)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	uint64_t now = 0;
	int r;

	if (!m || !st)
		return -EINVAL;
	if (!m->connected)
		return -ENOTCONN;
	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	r = hv_status_to_json(st, m->gateway, now, wall_usec, &o);
	if (r < 0)
		return r;
	return mqtt_publish_json(m, MQTT_KIND_STATUS, m->topic_status, o, true,
				 NULL);
}

void hv_mqtt_kick(struct hv_mqtt *m)
{
	if (!m)
		return;
	if (m->connected)
		mqtt_outbox_schedule(m);
	for (size_t i = 0; i < m->n_children; i++)
		hv_mqtt_kick(m->children[i]);
}

size_t hv_mqtt_in_flight(const struct hv_mqtt *m)
{
	return m ? m->n_inflight : 0;
}

struct hv_mqtt *hv_mqtt_free(struct hv_mqtt *m)
{
	if (!m)
		return NULL;
	/* What was acknowledged is written before the client goes; the
	 * caller, in the middle of freeing us, is not told. */
	m->cb.delivered = NULL;
	m->cb.audience_broker_changed = NULL;
	mqtt_audiences_done(m);
	if (m->store && m->marks)
		mqtt_outbox_flush(m);
	mqtt_outbox_done(m);
	mqtt_connection_done(m);
	m->event = sd_event_unref(m->event);
	free(m->ha);
	free(m);
	return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_mqtt *, hv_mqtt_free)

static int setup_names(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	const char *prefix = cfg->mqtt.topic_prefix;
	int r;

	if (cfg->gateway_id && *cfg->gateway_id)
		(void)snprintf(m->gateway, sizeof(m->gateway), "%s",
			       cfg->gateway_id);
	else if (gethostname(m->gateway, sizeof(m->gateway) - 1) < 0)
		(void)snprintf(m->gateway, sizeof(m->gateway), "gateway");
	if (!prefix || !hv_topic_prefix_valid(prefix))
		return log_error_errno(-EINVAL,
				       "MQTT: mqtt.topic_prefix '%s' is not a topic prefix",
				       prefix ?: "");
	if (!hv_topic_level_valid(m->gateway))
		return log_error_errno(-EINVAL,
				       "MQTT: gateway id '%s' cannot be a topic level",
				       m->gateway);
	r = hv_topic_availability(prefix, m->gateway, m->topic_availability,
				  sizeof(m->topic_availability));
	if (r >= 0)
		r = hv_topic_status(prefix, m->gateway, m->topic_status,
				    sizeof(m->topic_status));
	if (r < 0)
		return log_error_errno(r, "MQTT: topics too long: %m");
	(void)snprintf(m->topic_ha_status, sizeof(m->topic_ha_status),
		       "%s/status",
		       cfg->mqtt.ha_prefix ? cfg->mqtt.ha_prefix :
					     "homeassistant");
	if (cfg->mqtt.client_id && *cfg->mqtt.client_id)
		(void)snprintf(m->client_id, sizeof(m->client_id), "%s",
			       cfg->mqtt.client_id);
	else
		(void)snprintf(m->client_id, sizeof(m->client_id),
			       "homevitals-%s", m->gateway);
	return 0;
}

int mqtt_client_new(sd_event *event, const struct hv_config *cfg,
		    const struct hv_config_audience *audience,
		    struct hv_store *store, const struct hv_mqtt_callbacks *cb,
		    void *userdata, struct hv_mqtt **ret)
{
	_cleanup_(hv_mqtt_freep) struct hv_mqtt *m = NULL;
	int r;

	if (!event || !cfg || !store || !ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->cfg = cfg;
	m->store = store;
	if (audience) {
		r = mqtt_audience_config(m, cfg, audience);
		if (r < 0)
			return r;
	}
	if (cb)
		m->cb = *cb;
	m->userdata = userdata;
	m->broker = HV_BROKER_CONNECTING;
	m->v5 = cfg->mqtt.protocol == HV_MQTT_PROTOCOL_5;

	r = setup_names(m);
	if (r < 0)
		return r;
	/* Two clients of one gateway may share a broker. */
	if (audience)
		(void)snprintf(m->client_id, sizeof(m->client_id),
			       "homevitals-%s-%s", m->gateway, audience->name);
	if (getrandom(&m->rng, sizeof(m->rng), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(m->rng) ||
	    !m->rng)
		m->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	r = mqtt_outbox_setup(m);
	if (r < 0)
		return r;
	r = mqtt_connection_setup(m);
	if (r < 0)
		return r;
	if (!audience && cfg->n_audiences) {
		r = mqtt_audiences_setup(m, cb, userdata);
		if (r < 0)
			return r;
	}
	(void)mqtt_connection_start(m);
	*ret = TAKE_PTR(m);
	return 0;
}

int hv_mqtt_new(sd_event *event, const struct hv_config *cfg,
		struct hv_store *store, const struct hv_mqtt_callbacks *cb,
		void *userdata, struct hv_mqtt **ret)
{
	return mqtt_client_new(event, cfg, NULL, store, cb, userdata, ret);
}
