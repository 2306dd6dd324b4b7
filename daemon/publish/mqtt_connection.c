// SPDX-License-Identifier: MIT
/*
 * The connection: libmosquitto in the daemon's sd-event loop. Facts of
 * libmosquitto 2.0 in an external loop (eclipse/mosquitto v2.0.11, the
 * version in Debian 12: include/mosquitto.h, lib/loop.c, lib/actions.c):
 * the socket is an I/O source, write interest only while
 * mosquitto_want_write(); the library closes the socket itself on errors
 * and then calls on_disconnect, so the I/O source is dropped there;
 * reconnecting is ours (one-shot timer, exponential backoff with jitter).
 * QoS > 0 messages handed to the library survive reconnects in its memory
 * queue, not a crash.
 *
 * The keepalive (lib/util_mosq.c mosquitto__check_keepalive, v2.0.11,
 * which mosquitto_loop_misc() runs): a PINGREQ goes out once `now >=
 * next_msg_out || now - last_msg_in >= keepalive`, where next_msg_out is
 * the last complete packet out plus the keepalive (lib/packet_mosq.c
 * packet__write) and last_msg_in the last complete packet in
 * (packet__read); sending it resets both clocks to now, and when the same
 * condition holds again with the PINGRESP still missing the library closes
 * the socket (MOSQ_ERR_KEEPALIVE). Its clock is CLOCK_MONOTONIC in whole
 * seconds (lib/time_mosq.c mosquitto_time). So the misc timer is a
 * one-shot at the one deadline that matters, min(last out, last in) +
 * keepalive, not a tick: an idle connection wakes once a keepalive to
 * ping, and a silent broker is given up a keepalive after the ping, two
 * after the last traffic. The broker waits 1.5 keepalives (MQTT 5.0
 * §3.1.2.10), so a ping at the deadline is in time.
 */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"

#include "daemon/publish/mqtt_private.h"

#define CONNECT_TIMEOUT_USEC (20 * USEC_PER_SEC)
#define SYSTEM_CA_DIR	     "/etc/ssl/certs" /* OpenSSL's folder on Debian */

static void connection_lost(struct hv_mqtt *m, int rc);
static void schedule_reconnect(struct hv_mqtt *m);

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

int mqtt_errno(int rc)
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

uint64_t mqtt_random(struct hv_mqtt *m)
{
	/* xorshift64*: jitter only, not security */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 2685821657736338717ULL;
}

/* --- I/O source ------------------------------------------------------------ */

static void drop_io(struct hv_mqtt *m)
{
	m->io = sd_event_source_disable_unref(m->io);
	m->connect_timeout = sd_event_source_disable_unref(m->connect_timeout);
	if (m->misc)
		(void)sd_event_source_set_enabled(m->misc, SD_EVENT_OFF);
}

static uint64_t keepalive_usec(const struct hv_mqtt *m)
{
	unsigned keepalive = m->cfg->mqtt.keepalive_s < 5 ?
				     5 :
				     m->cfg->mqtt.keepalive_s;

	return (uint64_t)keepalive * USEC_PER_SEC;
}

/* The library's clock, to the microsecond. */
static uint64_t monotonic_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC +
	       (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Arm the keepalive timer at the library's next deadline (see the top of
 * the file), computed from the packets it reported (on_log_cb). Traffic
 * after arming only moves the deadline later: the timer then fires early,
 * finds nothing due and is armed again here, so packets need not touch
 * it. A deadline already past means the library counted traffic we did
 * not see (a large packet read in parts, or a packet written just after
 * a second boundary of its clock) and did not ping: check again a quarter
 * keepalive on, late by at most that, which the broker's 1.5 keepalives
 * absorb. A library that logged no packets would fall back to that
 * quarter-keepalive check, the former tick.
 */
static void arm_misc(struct hv_mqtt *m)
{
	uint64_t now = monotonic_usec(), deadline;

	if (!m->misc || !m->io)
		return;
	deadline = (m->last_out_usec < m->last_in_usec ? m->last_out_usec :
							 m->last_in_usec) +
		   keepalive_usec(m);
	if (deadline <= now)
		deadline = now + keepalive_usec(m) / 4;
	(void)sd_event_source_set_time(m->misc, deadline);
	(void)sd_event_source_set_enabled(m->misc, SD_EVENT_ONESHOT);
}

void mqtt_update_io_events(struct hv_mqtt *m)
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

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err)
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
	else if (m->io && !m->connected && (revents & (EPOLLERR | EPOLLHUP))) {
		/* Hung up before CONNACK (and after what it sent was read).
		 * With TLS the library reports a refused TCP connect as
		 * nothing and keeps the socket, whose hang-up would wake the
		 * loop forever: end the attempt here. */
		errno = m->sock_error ? m->sock_error : ECONNREFUSED;
		connection_lost(m, MOSQ_ERR_ERRNO);
	}
	mqtt_update_io_events(m);
	return 0;
}

static int on_misc(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_mqtt *m = userdata;
	uint64_t last_out = m->last_out_usec;
	int rc;

	(void)s;
	(void)usec;
	if (!m->io)
		return 0;
	rc = mosquitto_loop_misc(m->mosq);
	if (m->io && m->connected && rc != MOSQ_ERR_SUCCESS)
		connection_lost(m, rc);
	if (!m->io)
		return 0; /* given up: the library closed the socket */
	/* A PINGREQ went out: the library restarted its inbound clock too,
	 * giving the broker a keepalive to answer. */
	if (m->last_out_usec != last_out)
		m->last_in_usec = m->last_out_usec;
	mqtt_update_io_events(m);
	arm_misc(m);
	return 0;
}

static int on_connect_timeout(sd_event_source *s, uint64_t usec, void *userdata)
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
	(void)mqtt_connection_start(m);
	return 0;
}

static void schedule_reconnect(struct hv_mqtt *m)
{
	uint64_t lo =
		(uint64_t)(m->cfg->mqtt.reconnect_min_s ?: 1) * USEC_PER_SEC;
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
	delay = delay / 2 + mqtt_random(m) % (delay / 2 + 1);
	if (m->failures < 64)
		m->failures++;
	m->reconnect = sd_event_source_disable_unref(m->reconnect);
	r = sd_event_add_time_relative(m->event, &m->reconnect, CLOCK_MONOTONIC,
				       delay, 0, on_reconnect, m);
	if (r < 0)
		log_error_errno(r,
				"Failed to arm the MQTT reconnect timer: %m");
	else
		log_debug("MQTT: reconnecting in %llu ms",
			  (unsigned long long)(delay / USEC_PER_MSEC));
}

static void describe_failure(struct hv_mqtt *m, int rc, char *buf, size_t size)
{
	const char *host = m->cfg->mqtt.host ? m->cfg->mqtt.host : "localhost";

	if (m->refusal[0])
		text_printf(buf, size, "%s:%u refused the connection: %s", host,
			    m->cfg->mqtt.port, m->refusal);
	else if (m->sock_error)
		text_printf(buf, size, "%s:%u unreachable: %s", host,
			    m->cfg->mqtt.port, strerror(m->sock_error));
	else if (m->lib_error[0] &&
		 (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE ||
		  strstr(m->lib_error, "SSL") || strstr(m->lib_error, "TLS")))
		text_printf(buf, size, "%s:%u TLS: %s", host, m->cfg->mqtt.port,
			    m->lib_error);
	else if (rc == MOSQ_ERR_KEEPALIVE)
		text_printf(buf, size,
			    "%s:%u did not answer the keepalive ping within %llu s",
			    host, m->cfg->mqtt.port,
			    (unsigned long long)(keepalive_usec(m) / USEC_PER_SEC));
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
	mqtt_set_broker(m, HV_BROKER_UNREACHABLE, error);
	schedule_reconnect(m);
}

int mqtt_connection_start(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	uint32_t events = EPOLLIN;
	int rc, fd, r;

	drop_io(m);
	m->sock_error = 0;
	m->refusal[0] = '\0';
	m->lib_error[0] = '\0';
	if (m->broker != HV_BROKER_UNREACHABLE)
		mqtt_set_broker(m, HV_BROKER_CONNECTING, NULL);

	errno = 0;
	rc = mosquitto_connect_async(
		m->mosq, cfg->mqtt.host ? cfg->mqtt.host : "localhost",
		cfg->mqtt.port ? cfg->mqtt.port : 1883,
		cfg->mqtt.keepalive_s < 5 ? 5 : (int)cfg->mqtt.keepalive_s);
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
		mqtt_set_broker(m, HV_BROKER_UNREACHABLE, error);
		schedule_reconnect(m);
		return mqtt_errno(rc ?: MOSQ_ERR_NO_CONN);
	}
	/* Both keepalive clocks start with the attempt (lib/connect.c
	 * mosquitto__reconnect): no CONNACK within a keepalive ends it. */
	m->last_out_usec = m->last_in_usec = monotonic_usec();
	if (mosquitto_want_write(m->mosq))
		events |= EPOLLOUT;
	r = sd_event_add_io(m->event, &m->io, fd, events, on_io, m);
	if (r < 0) {
		log_error_errno(r, "Failed to watch the MQTT socket: %m");
		schedule_reconnect(m);
		return r;
	}
	arm_misc(m);
	r = sd_event_add_time_relative(m->event, &m->connect_timeout,
				       CLOCK_MONOTONIC, CONNECT_TIMEOUT_USEC, 0,
				       on_connect_timeout, m);
	if (r < 0)
		log_warning_errno(
			r,
			"Failed to arm the MQTT connect timeout, ignoring: %m");
	return 0;
}

int mqtt_publish(struct hv_mqtt *m, enum mqtt_kind kind, const char *topic,
		 const char *payload, bool retain, int *ret_mid)
{
	int mid = 0, rc;

	rc = mosquitto_publish_v5(m->mosq, &mid, topic, (int)strlen(payload),
				  payload, m->cfg->mqtt.qos == 2 ? 2 : 1,
				  retain, m->props[kind]);
	if (rc != MOSQ_ERR_SUCCESS && !(publish_queued_anyway(rc) && mid)) {
		log_debug("MQTT: publishing to '%s' failed: %s", topic,
			  mosquitto_strerror(rc));
		return mqtt_errno(rc);
	}
	if (ret_mid)
		*ret_mid = mid;
	return 0;
}

int mqtt_publish_json(struct hv_mqtt *m, enum mqtt_kind kind,
		      const char *topic, const cJSON *j, bool retain,
		      int *ret_mid)
{
	_cleanup_free_ char *text = hv_json_print(j);

	if (!text)
		return -ENOMEM;
	return mqtt_publish(m, kind, topic, text, retain, ret_mid);
}

/* --- library callbacks ------------------------------------------------------ */

static void on_disconnect_cb(struct mosquitto *mosq, void *userdata, int rc,
			     const mosquitto_property *props)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	(void)props;
	connection_lost(m, rc ? rc : MOSQ_ERR_CONN_LOST);
}

/* Small packets acknowledged one by one: no Nagle delay on our side. */
static void set_nodelay(struct hv_mqtt *m)
{
	int fd = mosquitto_socket(m->mosq), one = 1;

	if (fd >= 0 &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		log_debug_errno(-errno,
				"MQTT: TCP_NODELAY refused, ignoring: %m");
}

static void on_connect_cb(struct mosquitto *mosq, void *userdata, int rc,
			  int flags, const mosquitto_property *props)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	(void)props;
	if (rc != 0) {
		(void)snprintf(m->refusal, sizeof(m->refusal), "%s",
			       m->v5 ? mosquitto_reason_string(rc) :
				       mosquitto_connack_string(rc));
		return; /* the library disconnects; on_disconnect follows */
	}
	m->connected = true;
	m->failures = 0;
	m->warned = false;
	m->connect_timeout = sd_event_source_disable_unref(m->connect_timeout);
	set_nodelay(m);
	log_info("MQTT: connected to %s:%u as '%s' (MQTT %s)",
		 m->cfg->mqtt.host ? m->cfg->mqtt.host : "localhost",
		 m->cfg->mqtt.port, m->client_id, m->v5 ? "5" : "3.1.1");
	/* CONNACK flags, bit 0: session present (MQTT 5 §3.2.2.1.1) */
	mqtt_on_connected(m, flags & 1);
}

static void on_publish_cb(struct mosquitto *mosq, void *userdata, int mid,
			  int reason, const mosquitto_property *props)
{
	(void)mosq;
	(void)props;
	mqtt_outbox_acknowledged(userdata, mid, reason);
}

static void on_message_cb(struct mosquitto *mosq, void *userdata,
			  const struct mosquitto_message *msg,
			  const mosquitto_property *props)
{
	(void)mosq;
	mqtt_on_message(userdata, msg, props);
}

/* "Client <id> sending PINGREQ": the library logs every packet it sends
 * or has read whole, whichever call or callback made it (lib/send_*.c,
 * lib/handle_*.c, v2.0.11). */
static bool packet_logged(const struct hv_mqtt *m, const char *text,
			  const char *verb)
{
	size_t n = strlen(m->client_id);

	return strncmp(text, "Client ", 7) == 0 &&
	       strncmp(text + 7, m->client_id, n) == 0 &&
	       strncmp(text + 7 + n, verb, strlen(verb)) == 0;
}

static void on_log_cb(struct mosquitto *mosq, void *userdata, int level,
		      const char *text)
{
	struct hv_mqtt *m = userdata;

	(void)mosq;
	/* The keepalive clocks, as the library keeps them (arm_misc). */
	if (packet_logged(m, text, " sending "))
		m->last_out_usec = monotonic_usec();
	else if (packet_logged(m, text, " received "))
		m->last_in_usec = monotonic_usec();
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		(void)snprintf(m->lib_error, sizeof(m->lib_error), "%s", text);
	log_debug("libmosquitto: %s", text);
}

static int setup_tls(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	int rc;

	if (!cfg->mqtt.tls.enabled)
		return 0;
	if (!cfg->mqtt.tls.ca_file) {
		rc = mosquitto_int_option(m->mosq, MOSQ_OPT_TLS_USE_OS_CERTS,
					  1);
		if (rc != MOSQ_ERR_SUCCESS)
			return log_error_errno(
				mqtt_errno(rc),
				"MQTT: cannot use the system's CA store: %s",
				mosquitto_strerror(rc));
	}
	if (!!cfg->mqtt.tls.cert_file != !!cfg->mqtt.tls.key_file)
		return log_error_errno(
			-EINVAL,
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
		return log_error_errno(
			mqtt_errno(rc),
			"MQTT: TLS files refused (CA '%s', certificate '%s', key '%s'): %s",
			cfg->mqtt.tls.ca_file ?: "system store",
			cfg->mqtt.tls.cert_file ?: "none",
			cfg->mqtt.tls.key_file ?: "none",
			mosquitto_strerror(rc));
	/* SSL_VERIFY_PEER; hostname checked unless explicitly insecure. */
	rc = mosquitto_tls_opts_set(m->mosq, 1, NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_insecure_set(m->mosq,
						cfg->mqtt.tls.insecure);
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mqtt_errno(rc),
				       "MQTT: TLS options refused: %s",
				       mosquitto_strerror(rc));
	if (cfg->mqtt.tls.insecure)
		log_warning(
			"MQTT: mqtt.tls.insecure: the broker's host name is not checked");
	return 0;
}

/* --- setup ------------------------------------------------------------------ */

int mqtt_connection_setup(struct hv_mqtt *m)
{
	const struct hv_config *cfg = m->cfg;
	mosquitto_property *will_props;
	int rc, r;

	rc = mosquitto_lib_init();
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mqtt_errno(rc),
				       "MQTT: library init failed: %s",
				       mosquitto_strerror(rc));
	m->lib_init = true;
	/*
	 * QoS 2: a clean session. libmosquitto numbers packets from 1 in
	 * every process and keeps nothing on disk, so a session an earlier
	 * process left may hold a half-finished exchange under the id of our
	 * next PUBLISH, which a broker would take for a resend and drop.
	 * What a drop leaves in flight is published again instead
	 * (mqtt_outbox_connected). QoS 1 keeps its session across drops: the
	 * broker holds no state for the packets we send it.
	 */
	m->mosq = mosquitto_new(m->client_id, cfg->mqtt.qos == 2, m);
	if (!m->mosq)
		return log_error_errno(errno > 0 ? -errno : -ENOMEM,
				       "MQTT: cannot create the client: %m");
	(void)mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
				   m->v5 ? MQTT_PROTOCOL_V5 :
					   MQTT_PROTOCOL_V311);
	r = mqtt_properties_build(m);
	if (r < 0)
		return log_error_errno(r, "MQTT: cannot build the message properties: %m");
	/* Small packets, acknowledged one by one: no Nagle delay. */
	(void)mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/* The window bounds what we hand over; let the library send it all. */
	(void)mosquitto_max_inflight_messages_set(m->mosq, 0);
	r = mqtt_properties_new(m, MQTT_KIND_AVAILABILITY, &will_props);
	if (r < 0)
		return log_error_errno(r, "MQTT: cannot build the last will's properties: %m");
	/* The library owns will_props on success only. */
	rc = mosquitto_will_set_v5(m->mosq, m->topic_availability, 7, "offline",
				   1, true, will_props);
	if (rc != MOSQ_ERR_SUCCESS)
		mosquitto_property_free_all(&will_props);
	if (rc != MOSQ_ERR_SUCCESS)
		return log_error_errno(mqtt_errno(rc),
				       "MQTT: cannot set the last will: %s",
				       mosquitto_strerror(rc));
	if (cfg->mqtt.username) {
		rc = mosquitto_username_pw_set(m->mosq, cfg->mqtt.username,
					       cfg->mqtt.password);
		if (rc != MOSQ_ERR_SUCCESS)
			return log_error_errno(mqtt_errno(rc),
					       "MQTT: bad user name: %s",
					       mosquitto_strerror(rc));
	}
	r = setup_tls(m);
	if (r < 0)
		return r;
	mosquitto_connect_v5_callback_set(m->mosq, on_connect_cb);
	mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect_cb);
	mosquitto_publish_v5_callback_set(m->mosq, on_publish_cb);
	mosquitto_message_v5_callback_set(m->mosq, on_message_cb);
	mosquitto_log_callback_set(m->mosq, on_log_cb);

	/* Armed with each socket (arm_misc), off without one. */
	r = sd_event_add_time_relative(m->event, &m->misc, CLOCK_MONOTONIC,
				       keepalive_usec(m), 0, on_misc, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->misc, SD_EVENT_OFF);
	return 0;
}

void mqtt_connection_done(struct hv_mqtt *m)
{
	m->reconnect = sd_event_source_disable_unref(m->reconnect);
	m->misc = sd_event_source_disable_unref(m->misc);
	drop_io(m);
	m->connected = false;
	/* No DISCONNECT: the broker then sends our "offline" will. */
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	m->mosq = NULL;
	mqtt_properties_free(m);
	if (m->lib_init)
		(void)mosquitto_lib_cleanup();
	m->lib_init = false;
}
