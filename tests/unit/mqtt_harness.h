/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Shared by the MQTT tests: a real mosquitto (tests/helpers/broker.sh) on
 * 127.0.0.1, a real SQLite store in a temp dir, a second libmosquitto client
 * as the subscriber, and one function that drives the sd-event loop and the
 * subscriber until a condition holds. Static functions: include once per
 * test program.
 */

/* not every test program uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"

#include <cjson/cJSON.h>
#include <errno.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/common/config.h"
#include "daemon/common/measurement_json.h"
#include "daemon/store/store.h"

#include "daemon/common/status.h"
#include "daemon/publish/mqtt.h"

struct received {
	char *topic;
	char *payload;
	bool retain;
};

struct subscriber {
	struct mosquitto *mosq;
	char topic[128];
	int port;
	int qos;
	bool subscribed;
	size_t n, alloc;
	struct received *msgs;
};

static char harness_dir[200];

static void harness_cleanup_dir(void)
{
	char cmd[600];

	if (!harness_dir[0])
		return;
	(void)snprintf(cmd, sizeof(cmd),
		       "tests/helpers/broker.sh stop %s/broker >/dev/null 2>&1; rm -rf %s",
		       harness_dir, harness_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", harness_dir);
	harness_dir[0] = '\0';
}

static void harness_on_signal(int sig)
{
	harness_cleanup_dir();
	signal(sig, SIG_DFL);
	raise(sig);
}

static const char *harness_tmpdir(void)
{
	if (!harness_dir[0]) {
		/* tmpfs when there is one: the store fsyncs every commit */
		const char *base = getenv("TMPDIR");

		if (!base)
			base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		(void)snprintf(harness_dir, sizeof(harness_dir),
			       "%s/hv-mqtt-XXXXXX", base);
		if (!mkdtemp(harness_dir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(harness_cleanup_dir);
		signal(SIGINT, harness_on_signal);
		signal(SIGTERM, harness_on_signal);
		signal(SIGABRT, harness_on_signal);
	}
	return harness_dir;
}

/* Runs broker.sh; returns the port it printed, or -1. */
static int broker_cmd(const char *cmd, const char *options)
{
	char line[1024], out[64] = "";
	FILE *f;
	int status;

	(void)snprintf(line, sizeof(line),
		       "tests/helpers/broker.sh %s %s/broker %s", cmd,
		       harness_tmpdir(), options ? options : "");
	f = popen(line, "r");
	if (!f)
		return -1;
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	status = pclose(f);
	if (status != 0)
		return -1;
	return out[0] ? atoi(out) : 0;
}

static int broker_start(const char *options)
{
	return broker_cmd("start", options);
}

static void broker_stop(void)
{
	(void)broker_cmd("stop", NULL);
}

static void broker_kill(void)
{
	(void)broker_cmd("kill", NULL);
}

static int free_port(void)
{
	FILE *f = popen("python3 -c 'import socket; s=socket.socket(); "
			"s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])'",
			"r");
	char out[32] = "";

	if (!f)
		return -1;
	if (!fgets(out, sizeof(out), f))
		out[0] = '\0';
	(void)pclose(f);
	return atoi(out);
}

static void harness_config(struct hv_config *c, int port)
{
	memset(c, 0, sizeof(*c));
	c->gateway_id = (char *)"gw1";
	c->mqtt.enabled = true;
	c->mqtt.host = (char *)"127.0.0.1";
	c->mqtt.port = (uint16_t)port;
	c->mqtt.topic_prefix = (char *)"hvtest";
	c->mqtt.qos = 1;
	c->mqtt.keepalive_s = 10;
	c->mqtt.max_inflight = 16;
	c->mqtt.payload_format = HV_PAYLOAD_HOMEVITALS;
	c->mqtt.retain_latest = true;
	c->mqtt.ha_prefix = (char *)"homeassistant";
	c->mqtt.reconnect_min_s = 1;
	c->mqtt.reconnect_max_s = 2;
}

static struct hv_store *harness_store(const char *name)
{
	char path[512];
	struct hv_store *s = NULL;

	(void)snprintf(path, sizeof(path), "%s/%s", harness_tmpdir(), name);
	if (hv_store_open(path, 0, &s) < 0)
		return NULL;
	return s;
}

/* Measurement n of a person ("" = unassigned): id "<person|u>-<n, 6 digits>". */
static int harness_add(struct hv_store *s, const char *person, unsigned n,
		       double kg, enum hv_display_unit unit)
{
	struct hv_record r = { 0 };

	(void)snprintf(r.id, sizeof(r.id), "%s-%06u", *person ? person : "u",
		       n);
	(void)snprintf(r.device_address, sizeof(r.device_address),
		       "AA:BB:CC:DD:EE:FF");
	(void)snprintf(r.device_model, sizeof(r.device_model),
		       "xiaomi_mi_scale");
	(void)snprintf(r.person, sizeof(r.person), "%s", person);
	r.time_usec = (1710491400LL + n) * 1000000LL;
	hv_measurement_init(&r.m, "xiaomi_mi_scale");
	r.m.final = true;
	r.m.display_unit = unit;
	if (hv_measurement_add(&r.m, HV_METRIC_BODY_WEIGHT, kg) < 0 ||
	    hv_measurement_add(&r.m, HV_METRIC_IMPEDANCE, 500) < 0)
		return -ENOSPC;
	return hv_store_add(s, &r);
}

/* --- the subscriber ---------------------------------------------------- */

static void sub_on_message(struct mosquitto *mosq, void *userdata,
			   const struct mosquitto_message *msg)
{
	struct subscriber *sub = userdata;
	struct received *rc;

	(void)mosq;
	if (sub->n == sub->alloc) {
		size_t alloc = sub->alloc ? sub->alloc * 2 : 256;
		struct received *p = realloc(sub->msgs, alloc * sizeof(*p));

		if (!p)
			abort();
		sub->msgs = p;
		sub->alloc = alloc;
	}
	rc = &sub->msgs[sub->n++];
	rc->topic = strdup(msg->topic);
	rc->payload = strndup(msg->payload ? msg->payload : "",
			      (size_t)msg->payloadlen);
	rc->retain = msg->retain;
	if (!rc->topic || !rc->payload)
		abort();
}

static void sub_on_subscribe(struct mosquitto *mosq, void *userdata, int mid,
			     int qos_count, const int *granted)
{
	struct subscriber *sub = userdata;

	(void)mosq;
	(void)mid;
	sub->subscribed = qos_count > 0 && granted[0] <= 2;
}

/* Connect (blocking) and subscribe; waits for SUBACK. 0 or -1. */
static int sub_connect(struct subscriber *sub)
{
	sub->subscribed = false;
	if (mosquitto_connect(sub->mosq, "127.0.0.1", sub->port, 30) !=
	    MOSQ_ERR_SUCCESS)
		return -1;
	if (mosquitto_subscribe(sub->mosq, NULL, sub->topic, sub->qos) !=
	    MOSQ_ERR_SUCCESS)
		return -1;
	for (int i = 0; i < 200 && !sub->subscribed; i++)
		if (mosquitto_loop(sub->mosq, 10, 1) != MOSQ_ERR_SUCCESS)
			return -1;
	return sub->subscribed ? 0 : -1;
}

/*
 * qos 0 for tests that kill the broker: a subscriber that never sends
 * PUBACKs leaves nothing unread at the broker, so its death closes our
 * socket with FIN (data kept) rather than RST (data dropped by the kernel).
 */
static int sub_start(struct subscriber *sub, int port, const char *topic,
		     int qos, const char *user, const char *password)
{
	char id[64];

	memset(sub, 0, sizeof(*sub));
	sub->qos = qos;
	(void)snprintf(sub->topic, sizeof(sub->topic), "%s", topic);
	(void)snprintf(id, sizeof(id), "hv-test-sub-%d", (int)getpid());
	sub->port = port;
	mosquitto_lib_init();
	sub->mosq = mosquitto_new(id, true, sub);
	if (!sub->mosq)
		return -1;
	mosquitto_message_callback_set(sub->mosq, sub_on_message);
	mosquitto_subscribe_callback_set(sub->mosq, sub_on_subscribe);
	if (user)
		mosquitto_username_pw_set(sub->mosq, user, password);
	return sub_connect(sub);
}

/*
 * A persistent QoS 1 session (clean_session false, a fixed client id): a
 * broker with persistence (broker.sh --persist) keeps what it accepted for
 * this subscriber across a graceful restart and resends what the
 * subscriber had not acknowledged, so arrivals count what the publisher
 * handed over, not what a dying broker had not forwarded yet.
 */
static int sub_start_session(struct subscriber *sub, int port,
			     const char *topic)
{
	char id[64];

	memset(sub, 0, sizeof(*sub));
	sub->qos = 1;
	(void)snprintf(sub->topic, sizeof(sub->topic), "%s", topic);
	(void)snprintf(id, sizeof(id), "hv-test-session-%d", (int)getpid());
	sub->port = port;
	mosquitto_lib_init();
	sub->mosq = mosquitto_new(id, false, sub);
	if (!sub->mosq)
		return -1;
	mosquitto_message_callback_set(sub->mosq, sub_on_message);
	mosquitto_subscribe_callback_set(sub->mosq, sub_on_subscribe);
	return sub_connect(sub);
}

static void sub_stop(struct subscriber *sub)
{
	if (sub->mosq) {
		mosquitto_disconnect(sub->mosq);
		mosquitto_destroy(sub->mosq);
		mosquitto_lib_cleanup();
	}
	for (size_t i = 0; i < sub->n; i++) {
		free(sub->msgs[i].topic);
		free(sub->msgs[i].payload);
	}
	free(sub->msgs);
	memset(sub, 0, sizeof(*sub));
}

/* Messages whose topic ends with suffix (NULL: all). */
static size_t sub_count(const struct subscriber *sub, const char *suffix)
{
	size_t n = 0, ls = suffix ? strlen(suffix) : 0;

	for (size_t i = 0; i < sub->n; i++) {
		size_t lt = strlen(sub->msgs[i].topic);

		if (!suffix ||
		    (lt >= ls && strcmp(sub->msgs[i].topic + lt - ls, suffix) == 0))
			n++;
	}
	return n;
}

/* The last payload received on exactly this topic, or NULL. */
static const char *sub_last(const struct subscriber *sub, const char *topic)
{
	for (size_t i = sub->n; i-- > 0;)
		if (strcmp(sub->msgs[i].topic, topic) == 0)
			return sub->msgs[i].payload;
	return NULL;
}

/* --- driving both loops ------------------------------------------------- */

typedef bool (*harness_cond)(void *userdata);

static uint64_t harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run until cond holds or timeout_ms passes. true when cond held. */
static bool harness_run(sd_event *e, struct subscriber *sub, harness_cond cond,
			void *userdata, unsigned timeout_ms)
{
	uint64_t end = harness_now_ms() + timeout_ms;

	while (harness_now_ms() < end) {
		if (cond && cond(userdata))
			return true;
		(void)sd_event_run(e, 5000);
		for (size_t i = 0, n = SIZE_MAX; sub && sub->mosq && i < 256 &&
						 n != sub->n;
		     i++) {
			n = sub->n;
			(void)mosquitto_loop(sub->mosq, 0, 1);
		}
	}
	return cond ? cond(userdata) : true;
}

/* The daemon's part (manager.c): the broker state into its status. */
static void harness_broker_changed(enum hv_broker_state state,
				   const char *error, void *userdata)
{
	struct hv_status *st = userdata;

	st->broker = state;
	(void)snprintf(st->broker_error, sizeof(st->broker_error), "%s", error);
}

/* userdata: a struct hv_status */
static const struct hv_mqtt_callbacks harness_status_cb = {
	.broker_changed = harness_broker_changed,
};

static uint64_t store_backlog(struct hv_store *s)
{
	uint64_t n = UINT64_MAX;

	if (hv_store_outbox_count(s, &n) < 0)
		return UINT64_MAX;
	return n;
}
