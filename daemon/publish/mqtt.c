// SPDX-License-Identifier: MIT
/*
 * libmosquitto in the daemon's sd-event loop. Facts of libmosquitto 2.0 in an
 * external loop (eclipse/mosquitto v2.0.11: include/mosquitto.h, lib/loop.c,
 * lib/actions.c): the socket is an I/O source, write interest
 * only while mosquitto_want_write(); mosquitto_loop_misc() on a 1 s timer;
 * the library closes the socket itself on errors and then calls
 * on_disconnect, so the I/O source is dropped there; reconnecting is ours
 * (one-shot timer, exponential backoff with jitter). QoS > 0 messages handed
 * to the library survive reconnects in its memory queue, not a crash: the
 * outbox row is marked delivered only in on_publish for its message id.
 */
#include <errno.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/common/fhir.h"
#include "daemon/common/version.h"
#include "daemon/publish/ha_discovery.h"
#include "daemon/publish/mqtt_topics.h"
#include "daemon/store/store.h"

#include "daemon/common/status.h"
#include "daemon/publish/mqtt.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

#define MISC_INTERVAL_USEC USEC_PER_SEC
#define CONNECT_TIMEOUT_USEC (20 * USEC_PER_SEC)
#define FETCH_MAX 32
#define TRACKED_MAX 2 /* homevitals + FHIR payloads of one measurement */
#define HA_SEEN_MAX 1024 /* people × metrics announced */
#define TOPIC_MAX 384
#define SYSTEM_CA_DIR "/etc/ssl/certs" /* OpenSSL's folder on Debian */

struct inflight {
	int64_t seq; /* 0: free slot */
	int mid[TRACKED_MAX]; /* 0: acknowledged or unused */
	unsigned pending;
	bool failed; /* a payload could not be handed over: stays pending */
};

struct ha_seen {
	char person[HV_PERSON_MAX];
	enum hv_metric metric;
	enum hv_display_unit unit;
};

struct hv_mqtt {
	sd_event *event;
	const struct hv_config *cfg;
	struct hv_store *store;
	struct hv_status *status;
	struct hv_mqtt_callbacks cb;
	void *userdata;

	struct mosquitto *mosq;
	sd_event_source *io, *misc, *reconnect, *drain, *connect_timeout;
	bool connected;
	bool lib_init;
	unsigned failures;
	uint64_t rng;
	int sock_error; /* SO_ERROR of a failed non-blocking connect */
	char refusal[96]; /* CONNACK refusal text */
	char lib_error[160]; /* last error the library logged */
	bool warned; /* a lost connection was logged at warning level */

	char gateway[64];
	char client_id[128];
	char topic_availability[TOPIC_MAX];
	char topic_status[TOPIC_MAX];
	char topic_ha_status[TOPIC_MAX];

	int64_t cursor; /* last outbox seq handed to the library */
	struct inflight *window;
	size_t window_size, n_inflight;
	bool status_dirty;

	struct ha_seen *ha;
	size_t n_ha;
};

static void connection_lost(struct hv_mqtt *m, int rc);
static void schedule_reconnect(struct hv_mqtt *m);
static int start_connect(struct hv_mqtt *m);

/* --- helpers ------------------------------------------------------------ */

/* snprintf that may truncate: texts for humans. */
__attribute__((format(printf, 3, 4))) static void
text_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static int mosq_to_errno(int rc)
{
	switch (rc) {
	case MOSQ_ERR_SUCCESS:
		return 0;
	case MOSQ_ERR_NOMEM:
		return -ENOMEM;
	case MOSQ_ERR_INVAL:
	case MOSQ_ERR_MALFORMED_UTF8:
		return -EINVAL;
	case MOSQ_ERR_NO_CONN:
		return -ENOTCONN;
	case MOSQ_ERR_CONN_REFUSED:
		return -ECONNREFUSED;
	case MOSQ_ERR_CONN_LOST:
		return -ECONNRESET;
	case MOSQ_ERR_TLS:
	case MOSQ_ERR_TLS_HANDSHAKE:
		return -EPROTO;
	case MOSQ_ERR_PAYLOAD_SIZE:
	case MOSQ_ERR_OVERSIZE_PACKET:
		return -EMSGSIZE;
	case MOSQ_ERR_NOT_SUPPORTED:
	case MOSQ_ERR_QOS_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case MOSQ_ERR_AUTH:
	case MOSQ_ERR_ACL_DENIED:
		return -EACCES;
	case MOSQ_ERR_ERRNO:
		return errno > 0 ? -errno : -EIO;
	case MOSQ_ERR_EAI:
	case MOSQ_ERR_LOOKUP:
		return -EHOSTUNREACH;
	case MOSQ_ERR_KEEPALIVE:
	case MOSQ_ERR_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/* Transient send failures: the library keeps a QoS > 0 message queued. */
static bool publish_queued_anyway(int rc)
{
	return rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST ||
	       rc == MOSQ_ERR_ERRNO;
}

static uint64_t next_random(struct hv_mqtt *m)
{
	/* xorshift64*: jitter only, not security */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 2685821657736338717ULL;
}

static void notify(struct hv_mqtt *m)
{
	m->status_dirty = false;
	if (m->cb.status_changed)
		m->cb.status_changed(m->userdata);
}

static void set_broker(struct hv_mqtt *m, enum hv_broker_state state,
		       const char *error)
{
	bool changed = m->status->broker != state ||
		       strcmp(m->status->broker_error, error ? error : "") != 0;

	m->status->broker = state;
	(void)snprintf(m->status->broker_error,
		       sizeof(m->status->broker_error), "%s",
		       error ? error : "");
	if (changed)
		notify(m);
}

static void recount_backlog(struct hv_mqtt *m)
{
	uint64_t n;
	int r = hv_store_outbox_count(m->store, &n);

	if (r < 0) {
		log_warning_errno(r, "Failed to count the outbox, ignoring: %m");
		return;
	}
	if (n != m->status->backlog) {
		m->status->backlog = n;
		m->status_dirty = true;
	}
}

/* --- I/O source ------------------------------------------------------------ */

static void drop_io(struct hv_mqtt *m)
{
	m->io = sd_event_source_disable_unref(m->io);
	m->connect_timeout = sd_event_source_disable_unref(m->connect_timeout);
}

static void update_io_events(struct hv_mqtt *m)
{
	uint32_t events = EPOLLIN;

	if (!m->io)
		return;
	if (mosquitto_want_write(m->mosq))
		events |= EPOLLOUT;
	(void)sd_event_source_set_io_events(m->io, events);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct hv_mqtt *m = userdata;
	int rc = MOSQ_ERR_SUCCESS;

	(void)s;
	if ((revents & (EPOLLERR | EPOLLHUP)) && !m->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			m->sock_error = err;
	}
	if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		/* Read until the socket is dry: TLS may hold whole records. */
		for (unsigned i = 0; i < 64 && m->io; i++) {
			errno = 0;
			rc = mosquitto_loop_read(m->mosq, 1);
			if (rc != MOSQ_ERR_SUCCESS || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				break;
		}
	}
	if (m->io && rc == MOSQ_ERR_SUCCESS && (revents & EPOLLOUT))
		rc = mosquitto_loop_write(m->mosq, 1);
	if (m->io && rc != MOSQ_ERR_SUCCESS)
		connection_lost(m, rc);
	else if (m->io && mosquitto_socket(m->mosq) < 0)
		connection_lost(m, MOSQ_ERR_CONN_LOST);
	update_io_events(m);
	return 0;
}

static int on_misc(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_mqtt *m = userdata;

	if (m->io) {
		int rc = mosquitto_loop_misc(m->mosq);

		if (m->io && m->connected && rc != MOSQ_ERR_SUCCESS)
			connection_lost(m, rc);
		update_io_events(m);
	}
	if (m->status_dirty)
		notify(m);
	(void)sd_event_source_set_time(s, usec + MISC_INTERVAL_USEC);
	return 0;
}

static int on_connect_timeout(sd_event_source *s, uint64_t usec,
			      void *userdata)
{
	struct hv_mqtt *m = userdata;

	(void)s;
	(void)usec;
	if (!m->connected && m->io) {
		m->sock_error = ETIMEDOUT;
		connection_lost(m, MOSQ_ERR_ERRNO);
	}
	return 0;
}

/* --- reconnecting --------------------------------------------------------- */

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_mqtt *m = userdata;

	(void)s;
	(void)usec;
	m->reconnect = sd_event_source_disable_unref(m->reconnect);
	(void)start_connect(m);
	return 0;
}

static void schedule_reconnect(struct hv_mqtt *m)
{
	uint64_t lo = (uint64_t)(m->cfg->mqtt.reconnect_min_s ?: 1) *
		      USEC_PER_SEC;
	uint64_t hi = (uint64_t)m->cfg->mqtt.reconnect_max_s * USEC_PER_SEC;
	uint64_t delay = lo;
	int r;

	if (hi < lo)
		hi = lo;
	for (unsigned i = 0; i < m->failures && delay < hi; i++)
		delay *= 2;
	if (delay > hi)
		delay = hi;
	/* jitter: somewhere in [delay/2, delay] */
	delay = delay / 2 + next_random(m) % (delay / 2 + 1);
	if (m->failures < 64)
		m->failures++;
	m->reconnect = sd_event_source_disable_unref(m->reconnect);
	r = sd_event_add_time_relative(m->event, &m->reconnect,
				       CLOCK_MONOTONIC, delay, 0, on_reconnect,
				       m);
	if (r < 0)
		log_error_errno(r, "Failed to arm the MQTT reconnect timer: %m");
	else
		log_debug("MQTT: reconnecting in %llu ms",
			  (unsigned long long)(delay / USEC_PER_MSEC));
}

static void describe_failure(struct hv_mqtt *m, int rc, char *buf,
			     size_t size)
{
	const char *host = m->cfg->mqtt.host ? m->cfg->mqtt.host : "localhost";

	if (m->refusal[0])
		text_printf(buf, size, "%s:%u refused the connection: %s",
			       host, m->cfg->mqtt.port, m->refusal);
	else if (m->sock_error)
		text_printf(buf, size, "%s:%u unreachable: %s", host,
			       m->cfg->mqtt.port, strerror(m->sock_error));
	else if (m->lib_error[0] &&
		 (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE ||
		  strstr(m->lib_error, "SSL") || strstr(m->lib_error, "TLS")))
		text_printf(buf, size, "%s:%u TLS: %s", host,
			       m->cfg->mqtt.port, m->lib_error);
	else if (rc == MOSQ_ERR_ERRNO)
		text_printf(buf, size, "%s:%u: %s", host, m->cfg->mqtt.port,
			       strerror(errno > 0 ? errno : EIO));
	else
		text_printf(buf, size, "%s:%u: %s", host, m->cfg->mqtt.port,
			       mosquitto_strerror(rc));
}

static void connection_lost(struct hv_mqtt *m, int rc)
{
	bool was_connected = m->connected;
	char error[128];
	int saved_errno = errno;

	if (!m->io && !m->connected)
		return; /* already handled */
	drop_io(m);
	m->connected = false;
	errno = saved_errno;
	describe_failure(m, rc, error, sizeof(error));
	if (!m->warned || was_connected) {
		log_warning("MQTT: %s%s; measurements stay queued",
			    was_connected ? "connection lost: " : "", error);
		m->warned = true;
	} else {
		log_debug("MQTT: %s", error);
	}
	set_broker(m, HV_BROKER_UNREACHABLE, error);
	schedule_reconnect(m);
}

static int start_connect(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	uint32_t events = EPOLLIN;
	int rc, fd, r;

	drop_io(m);
	m->sock_error = 0;
	m->refusal[0] = '\0';
	m->lib_error[0] = '\0';
	if (m->status->broker != HV_BROKER_UNREACHABLE)
		set_broker(m, HV_BROKER_CONNECTING, NULL);

	errno = 0;
	rc = mosquitto_connect_async(m->mosq,
				     cfg->mqtt.host ? cfg->mqtt.host :
						      "localhost",
				     cfg->mqtt.port ? cfg->mqtt.port : 1883,
				     cfg->mqtt.keepalive_s < 5 ?
					     5 :
					     (int)cfg->mqtt.keepalive_s);
	if (rc == MOSQ_ERR_ERRNO)
		m->sock_error = errno;
	fd = mosquitto_socket(m->mosq);
	if (rc != MOSQ_ERR_SUCCESS || fd < 0) {
		char error[128];

		describe_failure(m, rc, error, sizeof(error));
		if (!m->warned) {
			log_warning("MQTT: %s; measurements stay queued",
				    error);
			m->warned = true;
		}
		set_broker(m, HV_BROKER_UNREACHABLE, error);
		schedule_reconnect(m);
		return mosq_to_errno(rc ?: MOSQ_ERR_NO_CONN);
	}
	if (mosquitto_want_write(m->mosq))
		events |= EPOLLOUT;
	r = sd_event_add_io(m->event, &m->io, fd, events, on_io, m);
	if (r < 0) {
		log_error_errno(r, "Failed to watch the MQTT socket: %m");
		schedule_reconnect(m);
		return r;
	}
	r = sd_event_add_time_relative(m->event, &m->connect_timeout,
				       CLOCK_MONOTONIC, CONNECT_TIMEOUT_USEC,
				       0, on_connect_timeout, m);
	if (r < 0)
		log_warning_errno(r, "Failed to arm the MQTT connect timeout, ignoring: %m");
	return 0;
}

/* --- publishing ------------------------------------------------------------ */

static int publish(struct hv_mqtt *m, const char *topic, const char *payload,
		   bool retain, int *ret_mid)
{
	int mid = 0, rc;

	rc = mosquitto_publish(m->mosq, &mid, topic, (int)strlen(payload),
			       payload, m->cfg->mqtt.qos == 2 ? 2 : 1, retain);
	if (rc != MOSQ_ERR_SUCCESS && !(publish_queued_anyway(rc) && mid)) {
		log_debug("MQTT: publishing to '%s' failed: %s", topic,
			  mosquitto_strerror(rc));
		return mosq_to_errno(rc);
	}
	if (ret_mid)
		*ret_mid = mid;
	return 0;
}

static int publish_json(struct hv_mqtt *m, const char *topic, const cJSON *j,
			bool retain, int *ret_mid)
{
	_cleanup_free_ char *text = hv_json_print(j);

	if (!text)
		return -ENOMEM;
	return publish(m, topic, text, retain, ret_mid);
}

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
	char topic[TOPIC_MAX];
	int r;

	r = hv_ha_sensor_config(&ctx, person, metric, unit, topic,
				sizeof(topic), &payload);
	if (r >= 0)
		r = publish_json(m, topic, payload, true, NULL);
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
		log_warning_errno(r, "MQTT: cannot list people for discovery, ignoring: %m (%s)",
				  hv_store_errmsg(m->store));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct ha_load l = { .m = m, .person = people[i].id };

		r = hv_store_person_metrics_foreach(m->store, people[i].id,
						    ha_load_metric, &l);
		if (r < 0)
			log_warning_errno(r, "MQTT: cannot read the metrics of '%s' for discovery, ignoring: %m (%s)",
					  people[i].id,
					  hv_store_errmsg(m->store));
	}
}

/* Every sensor known: the store's and this run's. */
static void ha_announce_all(struct hv_mqtt *m)
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

/* Retained latest values (and HA discovery) for one person's measurement. */
static void publish_latest(struct hv_mqtt *m, const char *person,
			   const cJSON *record)
{
	const cJSON *readings = cJSON_GetObjectItemCaseSensitive(record,
								 "readings");
	const char *display = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(record, "display_unit"));
	int unit = display ? hv_display_unit_from_name(display) : HV_UNIT_NONE;
	const cJSON *rd;

	if (unit < 0)
		unit = HV_UNIT_NONE;
	/* A correction re-dates nothing: latest stays with the newest. */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(record, "correction")))
		return;
	cJSON_ArrayForEach(rd, readings) {
		_cleanup_(cJSON_Deletep) cJSON *payload = NULL;
		const char *name = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(rd, "metric"));
		char topic[TOPIC_MAX];
		enum hv_metric metric;

		if (!name)
			continue;
		metric = hv_metric_from_name(name);
		if (metric < 0 ||
		    hv_latest_payload(record, rd, &payload) < 0 ||
		    hv_topic_latest(m->cfg->mqtt.topic_prefix, m->gateway,
				    person, name, topic, sizeof(topic)) < 0)
			continue;
		if (m->cfg->mqtt.ha_discovery)
			ha_note(m, person, metric, (enum hv_display_unit)unit);
		(void)publish_json(m, topic, payload, true, NULL);
	}
}

static struct inflight *free_slot(struct hv_mqtt *m)
{
	for (size_t i = 0; i < m->window_size; i++)
		if (!m->window[i].seq)
			return &m->window[i];
	return NULL;
}

static void give_up_item(struct hv_mqtt *m, const struct hv_outbox_item *item,
			 const char *why)
{
	int r;

	log_warning("MQTT: measurement '%s' not published: %s; it stays queued",
		    item->id, why);
	r = hv_store_outbox_mark_attempt(m->store, item->seq, why);
	if (r < 0)
		log_warning_errno(r, "Failed to note the attempt, ignoring: %m");
}

/* Hand one outbox item to the library. */
static void publish_item(struct hv_mqtt *m, const struct hv_outbox_item *item)
{
	enum hv_payload_format format = m->cfg->mqtt.payload_format;
	bool plain = format != HV_PAYLOAD_FHIR;
	bool fhir = format != HV_PAYLOAD_HOMEVITALS;
	_cleanup_(cJSON_Deletep) cJSON *record = NULL;
	struct inflight *slot = free_slot(m);
	char topic[TOPIC_MAX];
	int r;

	if (!slot)
		return;
	*slot = (struct inflight){ .seq = item->seq };
	record = cJSON_Parse(item->json);
	if (fhir && !record) {
		give_up_item(m, item, "stored JSON does not parse");
		slot->seq = 0;
		return;
	}
	if (plain) {
		r = hv_topic_measurements(m->cfg->mqtt.topic_prefix, m->gateway,
					  item->person, false, topic,
					  sizeof(topic));
		if (r >= 0)
			r = publish(m, topic, item->json, false,
				    &slot->mid[slot->pending]);
		if (r < 0)
			slot->failed = true;
		else
			slot->pending++;
	}
	if (fhir) {
		_cleanup_(cJSON_Deletep) cJSON *bundle = NULL;

		r = hv_fhir_bundle(record, &bundle);
		if (r >= 0)
			r = hv_topic_measurements(m->cfg->mqtt.topic_prefix,
						  m->gateway, item->person,
						  true, topic, sizeof(topic));
		if (r >= 0)
			r = publish_json(m, topic, bundle, false,
					 &slot->mid[slot->pending]);
		if (r < 0)
			slot->failed = true;
		else
			slot->pending++;
	}
	if (slot->failed)
		give_up_item(m, item, "a payload could not be published");
	if (!slot->pending) {
		slot->seq = 0;
		return;
	}
	m->n_inflight++;
	if (record && item->person[0] &&
	    (m->cfg->mqtt.retain_latest || m->cfg->mqtt.ha_discovery))
		publish_latest(m, item->person, record);
}

static void drain(struct hv_mqtt *m)
{
	while (m->connected && m->n_inflight < m->window_size) {
		struct hv_outbox_item items[FETCH_MAX];
		size_t want = m->window_size - m->n_inflight, n = 0;
		int r;

		if (want > FETCH_MAX)
			want = FETCH_MAX;
		r = hv_store_outbox_next(m->store, m->cursor, want, items, &n);
		if (r < 0) {
			log_error_errno(r, "Failed to read the outbox: %m (%s)",
					hv_store_errmsg(m->store));
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (m->connected)
				publish_item(m, &items[i]);
			if (m->connected)
				m->cursor = items[i].seq;
			hv_outbox_item_done(&items[i]);
		}
		if (n < want)
			break;
	}
	update_io_events(m);
}

static int on_drain(sd_event_source *s, void *userdata)
{
	struct hv_mqtt *m = userdata;

	(void)s;
	drain(m);
	return 0;
}

static void schedule_drain(struct hv_mqtt *m)
{
	if (m->drain)
		(void)sd_event_source_set_enabled(m->drain, SD_EVENT_ONESHOT);
}

/* --- library callbacks ------------------------------------------------------ */

static void on_connect_cb(struct mosquitto *mosq, void *userdata, int rc)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	if (rc != 0) {
		(void)snprintf(m->refusal, sizeof(m->refusal), "%s",
			       mosquitto_connack_string(rc));
		return; /* the library disconnects; on_disconnect follows */
	}
	m->connected = true;
	m->failures = 0;
	m->warned = false;
	m->connect_timeout = sd_event_source_disable_unref(m->connect_timeout);
	log_info("MQTT: connected to %s:%u as '%s'",
		 m->cfg->mqtt.host ? m->cfg->mqtt.host : "localhost",
		 m->cfg->mqtt.port, m->client_id);
	(void)publish(m, m->topic_availability, "online", true, NULL);
	if (m->cfg->mqtt.ha_discovery) {
		int r = mosquitto_subscribe(m->mosq, NULL, m->topic_ha_status,
					    1);

		if (r != MOSQ_ERR_SUCCESS)
			log_warning("MQTT: cannot subscribe to '%s', ignoring: %s",
				    m->topic_ha_status, mosquitto_strerror(r));
		ha_announce_all(m);
	}
	/* Nothing of ours in the library's queue: rescan from the start, so
	 * an item whose delivered mark failed is sent again. */
	if (m->n_inflight == 0)
		m->cursor = 0;
	recount_backlog(m);
	set_broker(m, HV_BROKER_CONNECTED, NULL);
	(void)hv_mqtt_publish_status(m);
	schedule_drain(m);
}

static void on_disconnect_cb(struct mosquitto *mosq, void *userdata, int rc)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	connection_lost(m, rc ? rc : MOSQ_ERR_CONN_LOST);
}

static void on_publish_cb(struct mosquitto *mosq, void *userdata, int mid)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	for (size_t i = 0; i < m->window_size; i++) {
		struct inflight *slot = &m->window[i];
		int r;

		if (!slot->seq)
			continue;
		for (size_t k = 0; k < TRACKED_MAX; k++) {
			if (!mid || slot->mid[k] != mid)
				continue;
			slot->mid[k] = 0;
			if (--slot->pending)
				return;
			if (!slot->failed) {
				r = hv_store_outbox_mark_delivered(m->store,
								   slot->seq);
				if (r < 0)
					log_warning_errno(r, "Failed to mark outbox entry %lld delivered, it will be sent again: %m",
							  (long long)slot->seq);
				else if (m->status->backlog > 0)
					m->status->backlog--;
			}
			slot->seq = 0;
			m->n_inflight--;
			m->status_dirty = true;
			if (m->status->backlog == 0 && m->n_inflight == 0) {
				recount_backlog(m);
				notify(m);
				(void)hv_mqtt_publish_status(m);
			}
			if (m->n_inflight <= m->window_size / 2)
				schedule_drain(m);
			return;
		}
	}
}

static void on_message_cb(struct mosquitto *mosq, void *userdata,
			  const struct mosquitto_message *msg)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	if (!m->cfg->mqtt.ha_discovery || !msg->topic ||
	    strcmp(msg->topic, m->topic_ha_status) != 0)
		return;
	if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0) {
		log_debug("MQTT: Home Assistant is online: announcing again");
		ha_announce_all(m);
	}
}

static void on_log_cb(struct mosquitto *mosq, void *userdata, int level,
		      const char *text)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		(void)snprintf(m->lib_error, sizeof(m->lib_error), "%s", text);
	log_debug("libmosquitto: %s", text);
}

/* --- public ------------------------------------------------------------------- */

int hv_mqtt_publish_status(struct hv_mqtt *m)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	const struct hv_status *st;
	uint64_t now = 0;

	if (!m)
		return -EINVAL;
	if (!m->connected)
		return -ENOTCONN;
	st = m->status;
	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "version", HV_VERSION) ||
	    !cJSON_AddStringToObject(o, "gateway", m->gateway) ||
	    !cJSON_AddNumberToObject(
		    o, "uptime_s",
		    st->started_usec && now > st->started_usec ?
			    (double)((now - st->started_usec) / USEC_PER_SEC) :
			    0) ||
	    !cJSON_AddNumberToObject(o, "backlog", (double)st->backlog) ||
	    !cJSON_AddNumberToObject(o, "accepted", (double)st->accepted) ||
	    !cJSON_AddStringToObject(o, "adapter",
				     hv_adapter_state_name(st->adapter)) ||
	    !cJSON_AddStringToObject(o, "storage",
				     hv_storage_state_name(st->storage)) ||
	    !cJSON_AddBoolToObject(o, "clock_synchronised",
				   st->clock_synchronised))
		return -ENOMEM;
	if (st->adapter_name[0] &&
	    !cJSON_AddStringToObject(o, "adapter_name", st->adapter_name))
		return -ENOMEM;
	if (st->last_reading_usec && now >= st->last_reading_usec &&
	    !cJSON_AddNumberToObject(
		    o, "last_reading_age_s",
		    (double)((now - st->last_reading_usec) / USEC_PER_SEC)))
		return -ENOMEM;
	return publish_json(m, m->topic_status, o, true, NULL);
}

void hv_mqtt_kick(struct hv_mqtt *m)
{
	if (!m)
		return;
	recount_backlog(m);
	if (m->status_dirty)
		notify(m);
	if (m->connected)
		schedule_drain(m);
}

size_t hv_mqtt_in_flight(const struct hv_mqtt *m)
{
	return m ? m->n_inflight : 0;
}

struct hv_mqtt *hv_mqtt_free(struct hv_mqtt *m)
{
	if (!m)
		return NULL;
	m->reconnect = sd_event_source_disable_unref(m->reconnect);
	m->misc = sd_event_source_disable_unref(m->misc);
	m->drain = sd_event_source_disable_unref(m->drain);
	drop_io(m);
	m->connected = false;
	if (m->mosq) {
		/* No DISCONNECT: the broker then sends our "offline" will. */
		mosquitto_destroy(m->mosq);
	}
	if (m->lib_init)
		(void)mosquitto_lib_cleanup();
	m->event = sd_event_unref(m->event);
	free(m->window);
	free(m->ha);
	free(m);
	return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_mqtt *, hv_mqtt_free)

static int setup_tls(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	int rc;

	if (!cfg->mqtt.tls.enabled)
		return 0;
	if (!cfg->mqtt.tls.ca_file) {
		rc = mosquitto_int_option(m->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
		if (rc != MOSQ_ERR_SUCCESS)
			return log_error_errno(mosq_to_errno(rc),
					       "MQTT: cannot use the system's CA store: %s",
					       mosquitto_strerror(rc));
	}
	if (!!cfg->mqtt.tls.cert_file != !!cfg->mqtt.tls.key_file)
		return log_error_errno(-EINVAL,
				       "MQTT: mqtt.tls.cert_file and mqtt.tls.key_file go together");
	/*
	 * mosquitto_tls_set() refuses a call without a CA file or folder. The
	 * system store alone needs no call (MOSQ_OPT_TLS_USE_OS_CERTS turns
	 * TLS on); a client certificate with the system store names the
	 * system's folder too (SSL_CERT_DIR, as OpenSSL reads it), which that
	 * store covers anyway.
	 */
	rc = MOSQ_ERR_SUCCESS;
	if (cfg->mqtt.tls.ca_file || cfg->mqtt.tls.cert_file) {
		const char *capath = NULL;

		if (!cfg->mqtt.tls.ca_file) {
			capath = secure_getenv("SSL_CERT_DIR");
			if (!capath || !*capath)
				capath = SYSTEM_CA_DIR;
		}
		rc = mosquitto_tls_set(m->mosq, cfg->mqtt.tls.ca_file, capath,
				       cfg->mqtt.tls.cert_file,
				       cfg->mqtt.tls.key_file, NULL);
	}
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mosq_to_errno(rc),
				       "MQTT: TLS files refused (CA '%s', certificate '%s', key '%s'): %s",
				       cfg->mqtt.tls.ca_file ?: "system store",
				       cfg->mqtt.tls.cert_file ?: "none",
				       cfg->mqtt.tls.key_file ?: "none",
				       mosquitto_strerror(rc));
	/* SSL_VERIFY_PEER; hostname checked unless explicitly insecure. */
	rc = mosquitto_tls_opts_set(m->mosq, 1, NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_insecure_set(m->mosq, cfg->mqtt.tls.insecure);
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mosq_to_errno(rc),
				       "MQTT: TLS options refused: %s",
				       mosquitto_strerror(rc));
	if (cfg->mqtt.tls.insecure)
		log_warning("MQTT: mqtt.tls.insecure: the broker's host name is not checked");
	return 0;
}

int hv_mqtt_new(sd_event *event, const struct hv_config *cfg,
		struct hv_store *store, struct hv_status *status,
		const struct hv_mqtt_callbacks *cb, void *userdata,
		struct hv_mqtt **ret)
{
	_cleanup_(hv_mqtt_freep) struct hv_mqtt *m = NULL;
	const char *prefix;
	int rc, r;

	if (!event || !cfg || !store || !status || !ret)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->cfg = cfg;
	m->store = store;
	m->status = status;
	if (cb)
		m->cb = *cb;
	m->userdata = userdata;

	if (cfg->gateway_id && *cfg->gateway_id)
		(void)snprintf(m->gateway, sizeof(m->gateway), "%s",
			       cfg->gateway_id);
	else if (gethostname(m->gateway, sizeof(m->gateway) - 1) < 0)
		(void)snprintf(m->gateway, sizeof(m->gateway), "gateway");
	prefix = cfg->mqtt.topic_prefix;
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

	m->window_size = cfg->mqtt.max_inflight ? cfg->mqtt.max_inflight : 32;
	m->window = calloc(m->window_size, sizeof(*m->window));
	if (!m->window)
		return -ENOMEM;
	if (getrandom(&m->rng, sizeof(m->rng), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(m->rng) ||
	    !m->rng)
		m->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();

	rc = mosquitto_lib_init();
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mosq_to_errno(rc),
				       "MQTT: library init failed: %s",
				       mosquitto_strerror(rc));
	m->lib_init = true;
	/* clean_session false: the broker keeps our session across drops. */
	m->mosq = mosquitto_new(m->client_id, false, m);
	if (!m->mosq)
		return log_error_errno(errno > 0 ? -errno : -ENOMEM,
				       "MQTT: cannot create the client: %m");
	(void)mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
				   MQTT_PROTOCOL_V311);
	/* Small packets, acknowledged one by one: no Nagle delay. */
	(void)mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/* The window bounds what we hand over; let the library send it all. */
	(void)mosquitto_max_inflight_messages_set(m->mosq, 0);
	rc = mosquitto_will_set(m->mosq, m->topic_availability, 7, "offline",
				1, true);
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mosq_to_errno(rc),
				       "MQTT: cannot set the last will: %s",
				       mosquitto_strerror(rc));
	if (cfg->mqtt.username) {
		rc = mosquitto_username_pw_set(m->mosq, cfg->mqtt.username,
					       cfg->mqtt.password);
		if (rc != MOSQ_ERR_SUCCESS)
			return log_error_errno(mosq_to_errno(rc),
					       "MQTT: bad user name: %s",
					       mosquitto_strerror(rc));
	}
	r = setup_tls(m);
	if (r < 0)
		return r;
	mosquitto_connect_callback_set(m->mosq, on_connect_cb);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect_cb);
	mosquitto_publish_callback_set(m->mosq, on_publish_cb);
	mosquitto_message_callback_set(m->mosq, on_message_cb);
	mosquitto_log_callback_set(m->mosq, on_log_cb);

	r = sd_event_add_defer(event, &m->drain, on_drain, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->drain, SD_EVENT_OFF);
	r = sd_event_add_time_relative(event, &m->misc, CLOCK_MONOTONIC,
				       MISC_INTERVAL_USEC, 0, on_misc, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->misc, SD_EVENT_ON);

	recount_backlog(m);
	(void)start_connect(m);
	*ret = TAKE_PTR(m);
	return 0;
}
