// SPDX-License-Identifier: MIT
/*
 * Audiences (docs/consent.md): one client per audience, each with its own
 * connection (its own broker, or the main one's settings) and its own
 * outbox rows, so one audience's outage holds back no other. What an
 * audience is sent is cut to the consent in force when it is published:
 * readings outside its scope are left out, a pseudonymous audience sees
 * its own pseudonyms of the person, the measurement and the gateway, and
 * device addresses, names and raw frames stay on the gateway unless the
 * consent grants device details.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/consent.h"
#include "daemon/common/pseudonym.h"
#include "daemon/store/store.h"

#include "daemon/publish/mqtt_private.h"
#include "daemon/publish/mqtt_topics.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* Neither the main client nor an audience answers history requests or
 * announces to Home Assistant: both would bypass the consents. */
static void consent_only(struct hv_config *c)
{
	c->mqtt.history_requests = false;
	c->mqtt.ha_discovery = false;
}

int mqtt_audience_config(struct hv_mqtt *m, const struct hv_config *cfg,
			 const struct hv_config_audience *a)
{
	struct hv_config *c = &m->acfg;
	int r;

	m->audience = a;
	*c = *cfg; /* borrowed strings: never hv_config_done() */
	c->n_audiences = 0;
	c->audiences = NULL;
	consent_only(c);
	c->mqtt.topic_prefix = a->topic_prefix;
	c->mqtt.payload_format = a->payload_format;
	c->mqtt.client_id = NULL;
	if (a->host) {
		c->mqtt.host = a->host;
		c->mqtt.port = a->port;
		c->mqtt.username = a->username;
		c->mqtt.password = a->password;
		c->mqtt.password_file = a->password_file;
		c->mqtt.tls.enabled = a->tls.enabled;
		c->mqtt.tls.ca_file = a->tls.ca_file;
		c->mqtt.tls.cert_file = a->tls.cert_file;
		c->mqtt.tls.key_file = a->tls.key_file;
		c->mqtt.tls.insecure = false;
	}
	r = hv_store_pseudonym_secret(m->store, m->secret);
	if (r < 0)
		return log_error_errno(r, "Audience %s: cannot read the pseudonym secret: %m (%s)",
				       a->name, hv_store_errmsg(m->store));
	/* The gateway id would link a person's audiences (one gateway, one
	 * household): a pseudonymous audience gets its own. */
	if (a->pseudonymous) {
		char gw[HV_PSEUDONYM_MAX];

		r = hv_pseudonym(m->secret, a->name,
				 cfg->gateway_id ? cfg->gateway_id : "", gw);
		if (r < 0)
			return log_error_errno(r, "Audience %s: no pseudonym: %m",
					       a->name);
		(void)snprintf(m->audience_gateway, sizeof(m->audience_gateway),
			       "gw-%s", gw + 3);
		c->gateway_id = m->audience_gateway;
	}
	m->cfg = c;
	return 0;
}

int mqtt_audiences_setup(struct hv_mqtt *m, const struct hv_mqtt_callbacks *cb,
			 void *userdata)
{
	const struct hv_config *cfg = m->cfg;
	/* Each audience's connection is told apart from the main one's; the
	 * delivered counts are one backlog. */
	struct hv_mqtt_callbacks child_cb = {
		.audience_broker_changed = cb ? cb->audience_broker_changed :
						NULL,
		.delivered = cb ? cb->delivered : NULL,
	};
	const char **names;
	int r;

	names = calloc(cfg->n_audiences, sizeof(*names));
	m->children = calloc(cfg->n_audiences, sizeof(*m->children));
	if (!names || !m->children) {
		free(names);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_audiences; i++)
		names[i] = cfg->audiences[i].name;
	r = hv_store_set_audiences(m->store, names, cfg->n_audiences);
	free(names);
	if (r < 0)
		return log_error_errno(r, "Failed to set the audiences: %m (%s)",
				       hv_store_errmsg(m->store));
	for (size_t i = 0; i < cfg->n_audiences; i++) {
		r = mqtt_client_new(m->event, cfg, &cfg->audiences[i], m->store,
				    &child_cb, userdata, &m->children[i]);
		if (r < 0)
			return log_error_errno(r, "Failed to start the client of audience %s: %m",
					       cfg->audiences[i].name);
		m->n_children++;
	}
	m->acfg = *cfg;
	consent_only(&m->acfg);
	m->cfg = &m->acfg;
	log_info("MQTT: %zu audiences; measurements reach each only with a consent in force",
		 m->n_children);
	return 0;
}

void mqtt_audiences_done(struct hv_mqtt *m)
{
	for (size_t i = 0; i < m->n_children; i++)
		m->children[i] = hv_mqtt_free(m->children[i]);
	free(m->children);
	m->children = NULL;
	m->n_children = 0;
	explicit_bzero(m->secret, sizeof(m->secret));
}

static int audience_person(struct hv_mqtt *m, const char *person,
			   char ret[HV_PERSON_MAX]);

/* Keep only the readings the scope covers; 0 when none is left. */
static int filter_readings(cJSON *record, const char *scope)
{
	cJSON *readings = cJSON_GetObjectItemCaseSensitive(record, "readings");
	cJSON *rd = readings ? readings->child : NULL;
	int kept = 0;

	while (rd) {
		cJSON *next = rd->next;
		const char *metric = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(rd, "metric"));

		if (hv_consent_scope_allows(scope, metric))
			kept++;
		else
			cJSON_Delete(cJSON_DetachItemViaPointer(readings, rd));
		rd = next;
	}
	return kept;
}

static int replace_string(cJSON *o, const char *key, const char *value)
{
	cJSON *v = cJSON_CreateString(value);

	if (!v)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(o, key))
		return cJSON_ReplaceItemInObjectCaseSensitive(o, key, v) ?
			       0 :
			       -ENOMEM;
	cJSON_AddItemToObject(o, key, v);
	return 0;
}

/*
 * A stand-in for a device's address: a locally administered address (first
 * octet x2, x6, xA or xE) from the audience's pseudonym of the real one, so
 * the receiver can still tell one device from another (the PHD Bundle needs
 * an identifier) without learning the address.
 */
static int pseudo_address(struct hv_mqtt *m, const char *address,
			  char ret[18])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	char key[64], p[HV_PSEUDONYM_MAX];
	uint8_t b[6] = { 0 };
	unsigned bits = 0, acc = 0;
	size_t k = 0;
	int r;

	(void)snprintf(key, sizeof(key), "d:%s", address);
	r = hv_pseudonym(m->secret, m->audience->name, key, p);
	if (r < 0)
		return r;
	for (const char *c = p + 3; *c && k < sizeof(b); c++) {
		acc = acc << 5 | (unsigned)(strchr(alphabet, *c) - alphabet);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			b[k++] = (uint8_t)(acc >> bits);
		}
	}
	b[0] = (uint8_t)((b[0] & 0xfc) | 0x02);
	(void)snprintf(ret, 18, "%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1],
		       b[2], b[3], b[4], b[5]);
	return 0;
}

/* The device's model may go; its address, name and raw frame only with
 * device details (the address is replaced by a stand-in). */
static int strip_device(struct hv_mqtt *m, cJSON *record)
{
	cJSON *device = cJSON_GetObjectItemCaseSensitive(record, "device");
	const char *address;
	char stand_in[18];
	int r;

	cJSON_DeleteItemFromObjectCaseSensitive(record, "raw");
	if (!device)
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(device, "name");
	address = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(device, "address"));
	if (!address)
		return 0;
	r = pseudo_address(m, address, stand_in);
	if (r < 0)
		return r;
	return replace_string(device, "address", stand_in);
}

/* The UTC day of the record's "time": its midnight, and "YYYY-MM-DD". */
static int record_day(const cJSON *record, int64_t *ret_usec, char ret[11])
{
	const char *t = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "time"));
	unsigned y, mo, d;

	if (!t || sscanf(t, "%4u-%2u-%2u", &y, &mo, &d) != 3 || mo < 1 ||
	    mo > 12 || d < 1 || d > 31)
		return -EBADMSG;
	*ret_usec = hv_days_from_civil(y, mo, d) * 86400 * 1000000LL;
	(void)snprintf(ret, 11, "%04u-%02u-%02u", y % 10000, mo % 100, d % 100);
	return 0;
}

/* The summary of the measurement's day, of the metrics in the scope:
 * 1 with the payload in *ret, 0 when none is in the scope. */
static int daily_payload(struct hv_mqtt *m, const cJSON *record,
			 const char *person, const char *seen_person,
			 const char *scope, char ret_date[11], char **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	_cleanup_free_ struct hv_daily_summary *days = NULL;
	cJSON *metrics;
	int64_t day;
	size_t n = 0;
	int r, kept = 0;

	r = record_day(record, &day, ret_date);
	if (r < 0)
		return r;
	r = hv_store_daily_summary(m->store, person, day, &days, &n);
	if (r < 0)
		return r;
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "date", ret_date) ||
	    !cJSON_AddStringToObject(o, "person", seen_person) ||
	    !(metrics = cJSON_AddArrayToObject(o, "metrics")))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s;

		if (!hv_consent_scope_allows(scope, days[i].metric))
			continue;
		s = cJSON_CreateObject();
		if (!s)
			return -ENOMEM;
		cJSON_AddItemToArray(metrics, s);
		if (!cJSON_AddStringToObject(s, "metric", days[i].metric) ||
		    !cJSON_AddStringToObject(s, "unit", days[i].unit) ||
		    !cJSON_AddNumberToObject(s, "min", days[i].min) ||
		    !cJSON_AddNumberToObject(s, "mean", days[i].mean) ||
		    !cJSON_AddNumberToObject(s, "max", days[i].max) ||
		    !cJSON_AddNumberToObject(s, "count", days[i].count))
			return -ENOMEM;
		kept++;
	}
	if (!kept)
		return 0;
	*ret = cJSON_PrintUnformatted(o);
	return *ret ? 1 : -ENOMEM;
}

int mqtt_audience_item(struct hv_mqtt *m, const struct hv_outbox_item *in,
		       struct hv_outbox_item *out)
{
	const struct hv_config_audience *a = m->audience;
	_cleanup_(cJSON_Deletep) cJSON *record = NULL;
	struct hv_consent consent;
	struct hv_outbox_item o = { .seq = in->seq, .attempts = in->attempts };
	int r;

	if (!in->person[0])
		return 0;
	r = hv_store_consent_get(m->store, in->person, a->name, &consent);
	if (r == -ENOENT)
		return 0; /* revoked since it was queued */
	if (r < 0)
		return r;
	record = cJSON_Parse(in->json);
	if (!record)
		return -EBADMSG;
	if (consent.daily) {
		r = audience_person(m, in->person, o.person);
		if (r < 0)
			return r;
		r = daily_payload(m, record, in->person, o.person,
				  consent.metrics, o.id, &o.json);
		if (r <= 0)
			return r;
		*out = o;
		return 2;
	}
	if (filter_readings(record, consent.metrics) == 0)
		return 0;
	if (!consent.device_details) {
		r = strip_device(m, record);
		if (r < 0)
			return r;
	}
	if (a->pseudonymous) {
		char person[HV_PSEUDONYM_MAX], id[HV_PSEUDONYM_MAX];
		char id_key[HV_ID_MAX + 2];

		/* The measurement id is one per event: the same id in two
		 * audiences would link their pseudonyms. */
		(void)snprintf(id_key, sizeof(id_key), "m:%s", in->id);
		r = hv_pseudonym(m->secret, a->name, in->person, person);
		if (r >= 0)
			r = hv_pseudonym(m->secret, a->name, id_key, id);
		if (r < 0)
			return r;
		(void)snprintf(o.person, sizeof(o.person), "%s", person);
		(void)snprintf(o.id, sizeof(o.id), "m-%s", id + 3);
		r = replace_string(record, "person", o.person);
		if (r >= 0)
			r = replace_string(record, "id", o.id);
		if (r < 0)
			return r;
	} else {
		(void)snprintf(o.person, sizeof(o.person), "%s", in->person);
		(void)snprintf(o.id, sizeof(o.id), "%s", in->id);
	}
	o.json = cJSON_PrintUnformatted(record);
	if (!o.json)
		return -ENOMEM;
	*out = o;
	return 1;
}

/* --- withdrawal (docs/consent.md "Withdrawal") -------------------------------- */

/* The person as this audience knows them. */
static int audience_person(struct hv_mqtt *m, const char *person,
			   char ret[HV_PERSON_MAX])
{
	char p[HV_PSEUDONYM_MAX];
	int r;

	if (!m->audience->pseudonymous) {
		(void)snprintf(ret, HV_PERSON_MAX, "%s", person);
		return 0;
	}
	r = hv_pseudonym(m->secret, m->audience->name, person, p);
	if (r < 0)
		return r;
	(void)snprintf(ret, HV_PERSON_MAX, "%s", p);
	return 0;
}

/* Empty retained messages delete what the broker kept: every metric of
 * the vocabulary, so nothing published before is left for a newcomer. */
static void clear_latest(struct hv_mqtt *m, const char *person)
{
	for (int i = 0; i < _HV_METRIC_MAX; i++) {
		char topic[MQTT_TOPIC_MAX];

		if (hv_topic_latest(m->cfg->mqtt.topic_prefix, m->gateway,
				    person, hv_metric_info((enum hv_metric)i)->name,
				    topic, sizeof(topic)) < 0)
			continue;
		(void)mqtt_publish(m, MQTT_KIND_LATEST, topic, "", true, NULL);
	}
}

/* Consent in force again: an empty retained message removes the broker's
 * "withdrawn" notice, so a receiver no longer treats the person as gone. */
static void renewal_announce(struct hv_mqtt *m, const struct hv_withdrawal *w,
			     const char *topic)
{
	int mid = 0, r;

	r = mqtt_publish(m, MQTT_KIND_LATEST, topic, "", true, &mid);
	if (r < 0 || !mid)
		return; /* tried again on the next drain */
	m->withdrawal_mid = mid;
	m->withdrawal_id = w->id;
	log_info("Audience %s: consent of %s in force again: notice on %s cleared",
		 m->audience->name, w->person, topic);
}

void mqtt_audience_withdrawals(struct hv_mqtt *m)
{
	_cleanup_(cJSON_Deletep) cJSON *notice = NULL;
	struct hv_withdrawal w;
	char person[HV_PERSON_MAX], topic[MQTT_TOPIC_MAX], when[40];
	int mid = 0, r;

	if (!m->audience || !m->connected || m->withdrawal_mid)
		return;
	r = hv_store_withdrawal_next(m->store, m->audience->name, &w);
	if (r < 0)
		log_warning_errno(r, "Audience %s: cannot read withdrawals: %m (%s)",
				  m->audience->name, hv_store_errmsg(m->store));
	if (r <= 0)
		return;
	r = audience_person(m, w.person, person);
	if (r >= 0)
		r = hv_topic_person(m->cfg->mqtt.topic_prefix, m->gateway, person,
				    "consent", topic, sizeof(topic));
	if (r < 0) {
		log_warning_errno(r, "Audience %s: no topic for a withdrawal: %m",
				  m->audience->name);
		return;
	}
	r = hv_store_consent_get(m->store, w.person, m->audience->name, NULL);
	if (r == 0) {
		renewal_announce(m, &w, topic);
		return;
	}
	if (r != -ENOENT) {
		log_warning_errno(r, "Audience %s: cannot read the consent of %s: %m (%s)",
				  m->audience->name, w.person,
				  hv_store_errmsg(m->store));
		return;
	}
	clear_latest(m, person);
	hv_format_rfc3339(w.revoked_usec, when, sizeof(when));
	notice = cJSON_CreateObject();
	if (!notice || !cJSON_AddStringToObject(notice, "consent", "withdrawn") ||
	    !cJSON_AddStringToObject(notice, "person", person) ||
	    !cJSON_AddStringToObject(notice, "time", when))
		return;
	r = mqtt_publish_json(m, MQTT_KIND_MEASUREMENT, topic, notice, true,
			      &mid);
	if (r < 0 || !mid)
		return; /* tried again on the next drain */
	m->withdrawal_mid = mid;
	m->withdrawal_id = w.id;
	log_info("Audience %s: consent of %s withdrawn: retained values cleared, notice on %s",
		 m->audience->name, w.person, topic);
}

bool mqtt_audience_acknowledged(struct hv_mqtt *m, int mid, int reason)
{
	uint64_t now = 0;
	int r;

	if (!m->withdrawal_mid || mid != m->withdrawal_mid)
		return false;
	m->withdrawal_mid = 0;
	if (reason >= 0x80) {
		log_warning("Audience %s: the broker refused the withdrawal notice (0x%02x); trying again",
			    m->audience->name, reason);
		return true;
	}
	(void)sd_event_now(m->event, CLOCK_REALTIME, &now);
	r = hv_store_withdrawal_done(m->store, m->withdrawal_id, (int64_t)now);
	if (r < 0)
		log_warning_errno(r, "Audience %s: cannot note the withdrawal announced, it will be announced again: %m",
				  m->audience->name);
	mqtt_outbox_schedule(m);
	return true;
}
