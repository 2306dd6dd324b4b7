// SPDX-License-Identifier: MIT
/*
 * History on request (docs/mqtt.md, "History on request"): a page opened
 * today asks for a person's last days of readings with an MQTT 5 request
 * (OASIS MQTT 5.0 §4.10: Response Topic and Correlation Data) on
 * <prefix>/<gateway>/people/<person>/history/request; the answer goes to
 * the Response Topic, which must lie in the same person's tree
 * (…/people/<person>/history/response/…), so that the broker's ACL on that
 * person's topics decides who can read it, as for the measurements.
 */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "daemon/store/store.h"

#include "daemon/publish/mqtt_private.h"

#define HISTORY_DAYS_DEFAULT 30
#define HISTORY_DAYS_MAX     366
#define HISTORY_READINGS_MAX 5000 /* the newest, when there are more */
#define HISTORY_BURST	     10 /* requests answered per window */
#define HISTORY_WINDOW_USEC  (10 * USEC_PER_SEC)
#define DAY_USEC	     (86400ULL * USEC_PER_SEC)

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static void props_freep(mosquitto_property **p)
{
	mosquitto_property_free_all(p);
}

int mqtt_history_subscribe(struct hv_mqtt *m)
{
	char filter[MQTT_TOPIC_MAX];
	int rc;

	if (!m->v5 || !m->cfg->mqtt.history_requests)
		return 0;
	if (snprintf(filter, sizeof(filter), "%s/%s/people/+/history/request",
		     m->cfg->mqtt.topic_prefix, m->gateway) >= (int)sizeof(filter))
		return -ENAMETOOLONG;
	rc = mosquitto_subscribe(m->mosq, NULL, filter, 1);
	return rc == MOSQ_ERR_SUCCESS ? 0 : mqtt_errno(rc);
}

/* The person of <prefix>/<gateway>/people/<person>/history/request. */
static int request_person(struct hv_mqtt *m, const char *topic, char *buf,
			  size_t size)
{
	const char *prefix = m->cfg->mqtt.topic_prefix;
	size_t n = strlen(prefix), g = strlen(m->gateway);
	const char *p, *end;

	if (strncmp(topic, prefix, n) != 0 || topic[n] != '/' ||
	    strncmp(topic + n + 1, m->gateway, g) != 0 ||
	    strncmp(topic + n + 1 + g, "/people/", 8) != 0)
		return -ENOENT;
	p = topic + n + 1 + g + 8;
	end = strchr(p, '/');
	if (!end || end == p || strcmp(end, "/history/request") != 0 ||
	    (size_t)(end - p) >= size)
		return -ENOENT;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	return 0;
}

/* The answer may go only below the asking person's own history topics. */
static bool response_topic_allowed(struct hv_mqtt *m, const char *person,
				   const char *topic)
{
	char base[MQTT_TOPIC_MAX];
	int n;

	n = snprintf(base, sizeof(base), "%s/%s/people/%s/history/response/",
		     m->cfg->mqtt.topic_prefix, m->gateway, person);
	return n > 0 && (size_t)n < sizeof(base) &&
	       strncmp(topic, base, (size_t)n) == 0 && topic[n] &&
	       !strpbrk(topic, "+#");
}

/* "days" of the request payload: 1-366, default 30; -EINVAL otherwise. */
static int request_days(const struct mosquitto_message *msg, unsigned *ret)
{
	_cleanup_(cJSON_Deletep) cJSON *req = NULL;
	const cJSON *days;

	if (msg->payloadlen == 0) {
		*ret = HISTORY_DAYS_DEFAULT;
		return 0;
	}
	req = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
	if (!cJSON_IsObject(req))
		return -EINVAL;
	days = cJSON_GetObjectItemCaseSensitive(req, "days");
	if (!days) {
		*ret = HISTORY_DAYS_DEFAULT;
		return 0;
	}
	if (!cJSON_IsNumber(days) || days->valuedouble != (int)days->valuedouble ||
	    days->valuedouble < 1 || days->valuedouble > HISTORY_DAYS_MAX)
		return -EINVAL;
	*ret = (unsigned)days->valuedouble;
	return 0;
}

struct collect {
	cJSON *readings;
	size_t skip; /* the oldest beyond HISTORY_READINGS_MAX */
	size_t total;
};

static int count_row(const struct hv_reading_row *row, void *userdata)
{
	(void)row;
	((struct collect *)userdata)->total++;
	return 0;
}

static int add_row(const struct hv_reading_row *row, void *userdata)
{
	struct collect *c = userdata;
	char time[40];
	cJSON *o;

	if (c->skip > 0) {
		c->skip--;
		return 0;
	}
	if (!row->has_value)
		return 0;
	hv_format_rfc3339(row->time_usec, time, sizeof(time));
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddItemToArray(c->readings, o) ||
	    !cJSON_AddStringToObject(o, "id", row->measurement_id) ||
	    !cJSON_AddStringToObject(o, "time", time) ||
	    !cJSON_AddStringToObject(o, "metric", row->metric) ||
	    !cJSON_AddNumberToObject(o, "value", row->value) ||
	    !cJSON_AddStringToObject(o, "unit", row->unit ? row->unit : ""))
		return -ENOMEM;
	return 0;
}

/* {"person","since","readings":[{id,time,metric,value,unit}…],"truncated"} */
static int history_payload(struct hv_mqtt *m, const char *person,
			   unsigned days, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	struct hv_reading_filter filter = { .person = person };
	struct collect c = { 0 };
	uint64_t now = 0;
	char since[40];
	int r;

	(void)sd_event_now(m->event, CLOCK_REALTIME, &now);
	filter.since_usec = (int64_t)(now - days * DAY_USEC);
	hv_format_rfc3339(filter.since_usec, since, sizeof(since));
	if (!o || !cJSON_AddStringToObject(o, "person", person) ||
	    !cJSON_AddStringToObject(o, "since", since) ||
	    !(c.readings = cJSON_AddArrayToObject(o, "readings")))
		return -ENOMEM;
	r = hv_store_readings_foreach(m->store, &filter, count_row, &c);
	if (r < 0)
		return r;
	c.skip = c.total > HISTORY_READINGS_MAX ? c.total - HISTORY_READINGS_MAX : 0;
	if (!cJSON_AddBoolToObject(o, "truncated", c.skip > 0))
		return -ENOMEM;
	r = hv_store_readings_foreach(m->store, &filter, add_row, &c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

static int error_payload(const char *error, cJSON **ret)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "error", error)) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	*ret = o;
	return 0;
}

static int respond(struct hv_mqtt *m, const char *topic, const cJSON *payload,
		   const mosquitto_property *request)
{
	_cleanup_(props_freep) mosquitto_property *props = NULL;
	_cleanup_free_ char *text = hv_json_print(payload);
	void *correlation = NULL;
	uint16_t len = 0;
	int rc = MOSQ_ERR_SUCCESS, r;

	if (!text)
		return -ENOMEM;
	r = mqtt_properties_new(m, MQTT_KIND_HISTORY, &props);
	if (r < 0)
		return r;
	if (mosquitto_property_read_binary(request, MQTT_PROP_CORRELATION_DATA,
					   &correlation, &len, false)) {
		rc = mosquitto_property_add_binary(
			&props, MQTT_PROP_CORRELATION_DATA, correlation, len);
		free(correlation);
	}
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_publish_v5(m->mosq, NULL, topic,
					  (int)strlen(text), text, 1, false,
					  props);
	return rc == MOSQ_ERR_SUCCESS ? 0 : mqtt_errno(rc);
}

/* At most HISTORY_BURST answers per window: a flood of requests costs
 * bounded work; the others are told to ask again. */
static bool history_allowed(struct hv_mqtt *m)
{
	uint64_t now = 0;

	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	if (now >= m->history_window_start + HISTORY_WINDOW_USEC) {
		m->history_window_start = now;
		m->history_answered = 0;
	}
	return m->history_answered++ < HISTORY_BURST;
}

bool mqtt_history_handle(struct hv_mqtt *m, const struct mosquitto_message *msg,
			 const mosquitto_property *props)
{
	_cleanup_(cJSON_Deletep) cJSON *payload = NULL;
	_cleanup_free_ char *response = NULL;
	char person[HV_PERSON_MAX];
	unsigned days;
	int r;

	if (!m->v5 || !m->cfg->mqtt.history_requests || !msg->topic ||
	    request_person(m, msg->topic, person, sizeof(person)) < 0)
		return false;
	if (!mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC,
					    &response, false) ||
	    !response_topic_allowed(m, person, response)) {
		log_debug("MQTT: history request on '%s' without a response topic under its person's history/response/: ignored",
			  msg->topic);
		return true;
	}
	if (!history_allowed(m))
		r = error_payload("busy: too many history requests, ask again in 10 s",
				  &payload);
	else if (request_days(msg, &days) < 0)
		r = error_payload("bad request: \"days\" must be a whole number of days from 1 to 366",
				  &payload);
	else
		r = history_payload(m, person, days, &payload);
	if (r >= 0)
		r = respond(m, response, payload, props);
	if (r < 0)
		log_warning_errno(r, "MQTT: cannot answer the history request for '%s': %m",
				  person);
	return true;
}
