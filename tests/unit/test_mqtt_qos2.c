// SPDX-License-Identifier: MIT
/*
 * mqtt.qos 2 against a real mosquitto: a measurement is marked delivered
 * only when the broker's PUBCOMP arrives, not on PUBREC; and a session an
 * earlier process left half-finished is never resumed. Between the
 * publisher and the broker sits a small TCP relay in this process that
 * parses the MQTT fixed headers of what the broker sends back and can hold
 * PUBCOMP packets (MQTT 3.1.1 §2.2, §3.7): while it holds them the broker
 * has the messages (subscribers get them) and the rows stay pending.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/unit/mqtt_harness.h"

#define RELAY_BUF 65536

struct relay {
	int listen_fd, client_fd, broker_fd;
	int broker_port;
	sd_event_source *accept_src, *client_src, *broker_src;
	uint8_t in[RELAY_BUF]; /* from the broker, not yet a whole packet */
	size_t in_len;
	uint8_t held[RELAY_BUF]; /* PUBCOMP packets held back */
	size_t held_len;
	bool hold;
	unsigned n_pubrec, n_pubcomp, n_held;
};

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		assert_true(k > 0);
		p += k;
		n -= (size_t)k;
	}
}

/* Length of the whole packet at p (fixed header + remaining length), or 0
 * when more bytes are needed. */
static size_t packet_len(const uint8_t *p, size_t n)
{
	size_t len = 0, mult = 1;

	for (size_t i = 1; i < 5; i++) {
		if (i >= n)
			return 0;
		len += (p[i] & 0x7f) * mult;
		mult *= 128;
		if (!(p[i] & 0x80))
			return 1 + i + len <= n ? 1 + i + len : 0;
	}
	fail_msg("malformed remaining length from the broker");
	return 0;
}

static void relay_close(struct relay *r)
{
	r->client_src = sd_event_source_disable_unref(r->client_src);
	r->broker_src = sd_event_source_disable_unref(r->broker_src);
	if (r->client_fd >= 0)
		close(r->client_fd);
	if (r->broker_fd >= 0)
		close(r->broker_fd);
	r->client_fd = r->broker_fd = -1;
	r->in_len = 0;
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *u)
{
	struct relay *r = u;
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	(void)s;
	(void)revents;
	if (n <= 0) {
		relay_close(r);
		return 0;
	}
	write_all(r->broker_fd, buf, (size_t)n);
	return 0;
}

static int on_broker(sd_event_source *s, int fd, uint32_t revents, void *u)
{
	struct relay *r = u;
	ssize_t n;
	size_t len;

	(void)s;
	(void)revents;
	n = read(fd, r->in + r->in_len, sizeof(r->in) - r->in_len);
	if (n <= 0) {
		relay_close(r);
		return 0;
	}
	r->in_len += (size_t)n;
	while ((len = packet_len(r->in, r->in_len)) > 0) {
		uint8_t type = r->in[0] >> 4;

		if (type == 5)
			r->n_pubrec++;
		if (type == 7) {
			r->n_pubcomp++;
			if (r->hold) {
				assert_true(r->held_len + len <= sizeof(r->held));
				memcpy(r->held + r->held_len, r->in, len);
				r->held_len += len;
				r->n_held++;
				goto next;
			}
		}
		write_all(r->client_fd, r->in, len);
next:
		memmove(r->in, r->in + len, r->in_len - len);
		r->in_len -= len;
	}
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *u)
{
	struct relay *r = u;
	struct sockaddr_in a = { .sin_family = AF_INET };
	int c;

	(void)revents;
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return 0;
	relay_close(r); /* one connection at a time */
	r->client_fd = c;
	r->broker_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(r->broker_fd >= 0);
	a.sin_port = htons((uint16_t)r->broker_port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(r->broker_fd, (struct sockaddr *)&a,
				 sizeof(a)),
			 0);
	assert_int_equal(sd_event_add_io(sd_event_source_get_event(s),
					 &r->client_src, r->client_fd, EPOLLIN,
					 on_client, r),
			 0);
	assert_int_equal(sd_event_add_io(sd_event_source_get_event(s),
					 &r->broker_src, r->broker_fd, EPOLLIN,
					 on_broker, r),
			 0);
	return 0;
}

/* Listen on a free loopback port; returns it. */
static int relay_start(struct relay *r, sd_event *e, int broker_port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	memset(r, 0, sizeof(*r));
	r->client_fd = r->broker_fd = -1;
	r->broker_port = broker_port;
	r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(r->listen_fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)),
			 0);
	assert_int_equal(listen(r->listen_fd, 4), 0);
	assert_int_equal(getsockname(r->listen_fd, (struct sockaddr *)&a,
				     &alen),
			 0);
	assert_int_equal(sd_event_add_io(e, &r->accept_src, r->listen_fd,
					 EPOLLIN, on_accept, r),
			 0);
	return ntohs(a.sin_port);
}

static void relay_release(struct relay *r)
{
	r->hold = false;
	if (r->client_fd >= 0 && r->held_len)
		write_all(r->client_fd, r->held, r->held_len);
	r->held_len = 0;
}

static void relay_stop(struct relay *r)
{
	relay_close(r);
	r->accept_src = sd_event_source_disable_unref(r->accept_src);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	r->listen_fd = -1;
}

struct ctx {
	sd_event *e;
	struct hv_store *store;
	struct hv_status status;
	struct hv_mqtt *mqtt;
	struct subscriber sub;
	struct relay relay;
	size_t want;
};

/* The broker has all of them (subscribers got them, PUBRECs came back)
 * and has sent a PUBCOMP for each. */
static bool broker_has_all(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "/measurements") >= c->want &&
	       c->relay.n_pubrec >= c->want && c->relay.n_held >= c->want;
}

static bool all_delivered(void *userdata)
{
	struct ctx *c = userdata;

	return store_backlog(c->store) == 0 && hv_mqtt_in_flight(c->mqtt) == 0;
}

static void qos2_delivered_on_pubcomp(enum hv_mqtt_protocol protocol)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	int port, relay_port;

	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store(protocol == HV_MQTT_PROTOCOL_5 ? "qos2-v5.db" :
								 "qos2.db");
	assert_non_null(c.store);
	c.want = 3;
	for (unsigned n = 0; n < c.want; n++)
		assert_int_equal(harness_add(c.store, "p1", n, 70 + n, HV_UNIT_KG),
				 1);
	port = broker_start(NULL);
	assert_true(port > 0);
	assert_int_equal(sub_start(&c.sub, port, "hvtest/+/people/+/measurements",
				   2, NULL, NULL),
			 0);
	relay_port = relay_start(&c.relay, c.e, port);
	c.relay.hold = true;

	harness_config(&cfg, relay_port);
	cfg.mqtt.protocol = protocol;
	cfg.mqtt.qos = 2;
	cfg.mqtt.retain_latest = false;
	assert_int_equal(hv_mqtt_new(c.e, &cfg, c.store, &harness_status_cb,
				     &c.status, &c.mqtt),
			 0);

	/* PUBLISH, PUBREC, PUBREL and PUBCOMP all happened at the broker;
	 * only the PUBCOMPs have not reached the publisher. */
	if (!harness_run(c.e, &c.sub, broker_has_all, &c, 10000))
		fail_msg("received %zu, PUBREC %u, PUBCOMP held %u",
			 sub_count(&c.sub, "/measurements"), c.relay.n_pubrec,
			 c.relay.n_held);
	harness_run(c.e, &c.sub, NULL, NULL, 500);
	assert_int_equal(store_backlog(c.store), c.want);
	assert_int_equal(hv_mqtt_in_flight(c.mqtt), c.want);

	/* The PUBCOMPs arrive: now, and only now, delivered. */
	relay_release(&c.relay);
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 5000));
	assert_int_equal(sub_count(&c.sub, "/measurements"), c.want);

	c.mqtt = hv_mqtt_free(c.mqtt);
	relay_stop(&c.relay);
	sub_stop(&c.sub);
	c.store = hv_store_close(c.store);
	c.e = sd_event_unref(c.e);
	broker_stop();
}

static void test_qos2_delivered_on_pubcomp(void **state)
{
	(void)state;
	qos2_delivered_on_pubcomp(HV_MQTT_PROTOCOL_311);
}

/* The same with MQTT 5, whose PUBCOMP carries a reason code. */
static void test_qos2_delivered_on_pubcomp_v5(void **state)
{
	(void)state;
	qos2_delivered_on_pubcomp(HV_MQTT_PROTOCOL_5);
}

/* --- a half-finished exchange left by an earlier process ------------------ */

#define STALE_CLIENT_ID "hvtest-stale"
#define STALE_MIDS 20

static void put_u16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void read_exactly(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		assert_true(k > 0);
		p += k;
		n -= (size_t)k;
	}
}

/*
 * What a daemon killed in the middle of QoS 2 exchanges leaves at the
 * broker: an MQTT 3.1.1 session (clean session 0) that received PUBLISH
 * with packet ids 1..STALE_MIDS, answered PUBREC, and waits for PUBREL
 * (MQTT 3.1.1 §4.3.3). Raw packets (§3.1, §3.3, §3.5), so nothing is
 * released.
 */
static void leave_stale_session(int port, const char *topic)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint8_t pkt[256], ack[4];
	size_t tl = strlen(topic), idl = strlen(STALE_CLIENT_ID), n = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	pkt[n++] = 0x10; /* CONNECT */
	pkt[n++] = (uint8_t)(10 + 2 + idl);
	memcpy(pkt + n, "\0\4MQTT\4", 7); /* protocol level 4: 3.1.1 */
	n += 7;
	pkt[n++] = 0x00; /* clean session 0 */
	put_u16(pkt + n, 60); /* keep alive */
	n += 2;
	put_u16(pkt + n, (unsigned)idl);
	n += 2;
	memcpy(pkt + n, STALE_CLIENT_ID, idl);
	n += idl;
	write_all(fd, pkt, n);
	read_exactly(fd, ack, 4);
	assert_int_equal(ack[0], 0x20); /* CONNACK */
	assert_int_equal(ack[3], 0); /* accepted */
	for (unsigned mid = 1; mid <= STALE_MIDS; mid++) {
		static const char payload[] = "{\"id\":\"stale\"}";

		n = 0;
		pkt[n++] = 0x34; /* PUBLISH, QoS 2 */
		pkt[n++] = (uint8_t)(2 + tl + 2 + sizeof(payload) - 1);
		put_u16(pkt + n, (unsigned)tl);
		n += 2;
		memcpy(pkt + n, topic, tl);
		n += tl;
		put_u16(pkt + n, mid);
		n += 2;
		memcpy(pkt + n, payload, sizeof(payload) - 1);
		n += sizeof(payload) - 1;
		write_all(fd, pkt, n);
		read_exactly(fd, ack, 4);
		assert_int_equal(ack[0], 0x50); /* PUBREC: the broker holds it */
	}
	close(fd); /* gone without PUBREL, like a killed process */
}

/* The broker's CONNACK lines for the client (mosquitto.log, log_type all):
 * "Sending CONNACK to ID (SESSION_PRESENT, RC)". */
static unsigned connacks(bool session_present)
{
	char path[512], line[512], want[128];
	unsigned n = 0;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/broker/mosquitto.log",
		       harness_tmpdir());
	(void)snprintf(want, sizeof(want), "Sending CONNACK to %s (%d, 0)",
		       STALE_CLIENT_ID, session_present);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want))
			n++;
	fclose(f);
	return n;
}

static bool received(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "/measurements") >= 1 && all_delivered(c);
}

/*
 * libmosquitto numbers packets from 1 in every process and keeps nothing on
 * disk. A new daemon resuming the old session would publish with an id the
 * broker still holds half-finished: the broker takes the new PUBLISH for a
 * resend, drops it, releases the old message on our PUBREL, and the row is
 * marked delivered on PUBCOMP without ever reaching anyone. A daemon
 * starts with a clean session: the row reaches the subscriber.
 */
static void test_qos2_stale_session_cannot_swallow(void **state)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	const char *last;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("qos2-stale.db");
	assert_non_null(c.store);
	assert_int_equal(harness_add(c.store, "p1", 0, 70, HV_UNIT_KG), 1);
	port = broker_start(NULL);
	assert_true(port > 0);
	assert_int_equal(sub_start(&c.sub, port, "hvtest/+/people/+/measurements",
				   2, NULL, NULL),
			 0);
	leave_stale_session(port, "hvtest/gw1/people/p1/measurements");

	harness_config(&cfg, port);
	cfg.mqtt.client_id = (char *)STALE_CLIENT_ID;
	cfg.mqtt.protocol = HV_MQTT_PROTOCOL_311;
	cfg.mqtt.qos = 2;
	cfg.mqtt.retain_latest = false;
	assert_int_equal(hv_mqtt_new(c.e, &cfg, c.store, &harness_status_cb,
				     &c.status, &c.mqtt),
			 0);
	if (!harness_run(c.e, &c.sub, received, &c, 10000))
		fail_msg("received %zu, backlog %llu", sub_count(&c.sub, "/measurements"),
			 (unsigned long long)store_backlog(c.store));
	harness_run(c.e, &c.sub, NULL, NULL, 500);
	/* The broker forgot the old exchanges instead of resuming them: the
	 * stale session's CONNACK (0, 0), then ours, again without one. */
	assert_int_equal(connacks(true), 0);
	assert_int_equal(connacks(false), 2);
	assert_int_equal(sub_count(&c.sub, "/measurements"), 1);
	last = sub_last(&c.sub, "hvtest/gw1/people/p1/measurements");
	assert_non_null(last);
	assert_non_null(strstr(last, "\"p1-000000\""));

	c.mqtt = hv_mqtt_free(c.mqtt);
	sub_stop(&c.sub);
	c.store = hv_store_close(c.store);
	c.e = sd_event_unref(c.e);
	broker_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qos2_delivered_on_pubcomp),
		cmocka_unit_test(test_qos2_stale_session_cannot_swallow),
		cmocka_unit_test(test_qos2_delivered_on_pubcomp_v5),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
