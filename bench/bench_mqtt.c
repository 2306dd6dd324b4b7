// SPDX-License-Identifier: MIT
/*
 * Outbox to PUBACK against a local mosquitto, next to a bare libmosquitto
 * QoS 1 publisher sending the same payloads to the same topics of the same
 * broker in the same run. Rounds of interleaved pairs (bare, then the
 * daemon's client replaying HV_BENCH_N queued measurements); the medians and
 * their ratio are printed, with the peak memory (it must stay flat: the
 * outbox is streamed from SQLite in windows).
 *
 * HV_BENCH_N (default 20000) measurements per round, HV_BENCH_ROUNDS
 * (default 3) pairs, HV_BENCH_PROTOCOL "5" (default, as the daemon) or
 * "3.1.1" for both publishers. The store lives in $TMPDIR, default /var/tmp: a disk,
 * so every commit's fsync is counted (TMPDIR=/dev/shm leaves it out).
 */
#include <mqtt_protocol.h>
#include <sys/resource.h>

#include "daemon/basic/log.h"
#include "tests/unit/mqtt_harness.h"

#define WINDOW 64

struct bench {
	struct hv_store *store;
	struct hv_mqtt *mqtt;
};

static bool drained(void *userdata)
{
	struct bench *b = userdata;
	uint64_t backlog = UINT64_MAX;

	return b->mqtt && hv_mqtt_in_flight(b->mqtt) == 0 &&
	       hv_store_backlog(b->store, &backlog) == 0 && backlog == 0;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static unsigned env_unsigned(const char *name, unsigned def)
{
	const char *v = getenv(name);
	unsigned n = v ? (unsigned)strtoul(v, NULL, 10) : def;

	return n ? n : def;
}

/* --- the bare publisher ------------------------------------------------------ */

struct bare {
	struct mosquitto *mosq;
	int protocol; /* MQTT_PROTOCOL_V5 or MQTT_PROTOCOL_V311 */
	char **topics, **payloads;
	unsigned n, sent, acked;
	bool connected, failed;
};

static void bare_send(struct bare *b)
{
	while (b->sent < b->n && b->sent - b->acked < WINDOW) {
		int rc = mosquitto_publish(b->mosq, NULL, b->topics[b->sent],
					   (int)strlen(b->payloads[b->sent]),
					   b->payloads[b->sent], 1, false);

		if (rc != MOSQ_ERR_SUCCESS) {
			b->failed = true;
			return;
		}
		b->sent++;
	}
}

static void bare_on_connect(struct mosquitto *mosq, void *userdata, int rc)
{
	struct bare *b = userdata;

	(void)mosq;
	b->connected = rc == 0;
	b->failed = rc != 0;
}

static void bare_on_publish(struct mosquitto *mosq, void *userdata, int mid)
{
	struct bare *b = userdata;

	(void)mosq;
	(void)mid;
	b->acked++;
	bare_send(b);
}

/* Seconds to PUBACK of all n, or < 0. */
static double bare_run(struct bare *b, int port)
{
	uint64_t t0, t1;

	b->sent = b->acked = 0;
	b->connected = b->failed = false;
	b->mosq = mosquitto_new("hv-bench-bare", true, b);
	if (!b->mosq)
		return -1;
	(void)mosquitto_int_option(b->mosq, MOSQ_OPT_PROTOCOL_VERSION,
				   b->protocol);
	(void)mosquitto_int_option(b->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	(void)mosquitto_max_inflight_messages_set(b->mosq, 0);
	mosquitto_connect_callback_set(b->mosq, bare_on_connect);
	mosquitto_publish_callback_set(b->mosq, bare_on_publish);
	if (mosquitto_connect(b->mosq, "127.0.0.1", port, 10) !=
	    MOSQ_ERR_SUCCESS)
		return -1;
	while (!b->connected && !b->failed)
		if (mosquitto_loop(b->mosq, 1000, 1) != MOSQ_ERR_SUCCESS)
			return -1;
	t0 = harness_now_ms();
	bare_send(b);
	while (b->acked < b->n && !b->failed)
		if (mosquitto_loop(b->mosq, 1000, 1) != MOSQ_ERR_SUCCESS)
			return -1;
	t1 = harness_now_ms();
	(void)mosquitto_disconnect(b->mosq);
	mosquitto_destroy(b->mosq);
	b->mosq = NULL;
	return b->failed ? -1 : (double)(t1 - t0) / 1000;
}

/* The payloads and topics the client will publish: the stored JSON on the
 * measurements topic of its person. */
static int bare_load(struct bare *b, struct hv_store *s, unsigned n)
{
	struct hv_outbox_item items[256];
	int64_t cursor = 0;

	b->topics = calloc(n, sizeof(char *));
	b->payloads = calloc(n, sizeof(char *));
	if (!b->topics || !b->payloads)
		return -ENOMEM;
	for (b->n = 0; b->n < n;) {
		size_t got = 0;

		if (hv_store_outbox_next(s, cursor, ELEMENTSOF(items), items,
					 &got) < 0 ||
		    !got)
			return -EIO;
		for (size_t i = 0; i < got; i++) {
			char topic[256];

			(void)snprintf(topic, sizeof(topic),
				       "hvtest/gw1/people/%s/measurements",
				       items[i].person);
			if (b->n < n) {
				b->topics[b->n] = strdup(topic);
				b->payloads[b->n] = TAKE_PTR(items[i].json);
				b->n++;
			}
			cursor = items[i].seq;
			hv_outbox_item_done(&items[i]);
		}
	}
	return 0;
}

static void bare_done(struct bare *b)
{
	for (unsigned i = 0; i < b->n; i++) {
		free(b->topics[i]);
		free(b->payloads[i]);
	}
	free(b->topics);
	free(b->payloads);
}

/* --- the client ------------------------------------------------------------------- */

static struct hv_store *fill_store(unsigned round, unsigned n)
{
	struct hv_store *s;
	char name[32];

	(void)snprintf(name, sizeof(name), "bench%u.db", round);
	s = harness_store(name);
	if (!s)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		if (harness_add(s, i % 2 ? "p1" : "p2", i, 70, HV_UNIT_KG) != 1)
			return hv_store_close(s);
	return s;
}

/* Seconds to replay the store's backlog to PUBACK, or < 0. */
static double client_run(struct hv_store *s, const struct hv_config *cfg)
{
	struct hv_status status = { 0 };
	struct bench b = { .store = s };
	sd_event *e = NULL;
	uint64_t t0, t1;
	bool ok;

	if (sd_event_new(&e) < 0)
		return -1;
	t0 = harness_now_ms();
	if (hv_mqtt_new(e, cfg, s, &harness_status_cb, &status, &b.mqtt) < 0)
		return -1;
	ok = harness_run(e, NULL, drained, &b, 600000);
	t1 = harness_now_ms();
	b.mqtt = hv_mqtt_free(b.mqtt);
	sd_event_unref(e);
	return ok ? (double)(t1 - t0) / 1000 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(void)
{
	unsigned n = env_unsigned("HV_BENCH_N", 20000);
	unsigned rounds = env_unsigned("HV_BENCH_ROUNDS", 3);
	const char *protocol = getenv("HV_BENCH_PROTOCOL");
	bool v311 = protocol && strcmp(protocol, "3.1.1") == 0;
	double bare_rate[16], client_rate[16], ratio[16];
	struct hv_config cfg;
	long rss_before = 0;
	int port;

	if (rounds > ELEMENTSOF(bare_rate))
		rounds = ELEMENTSOF(bare_rate);
	(void)setenv("TMPDIR", "/var/tmp", 0);
	log_set_max_level(LOG_WARNING);
	port = broker_start(NULL);
	if (port <= 0) {
		fprintf(stderr, "bench_mqtt: no broker\n");
		return 1;
	}
	(void)mosquitto_lib_init();
	harness_config(&cfg, port);
	cfg.mqtt.max_inflight = WINDOW;
	cfg.mqtt.retain_latest = false;
	cfg.mqtt.protocol = v311 ? HV_MQTT_PROTOCOL_311 : HV_MQTT_PROTOCOL_5;
	printf("bench_mqtt: store and broker in %s; %u measurements, %u rounds, MQTT %s, QoS %d, window %u\n",
	       harness_tmpdir(), n, rounds, v311 ? "3.1.1" : "5", cfg.mqtt.qos,
	       cfg.mqtt.max_inflight);
	for (unsigned r = 0; r < rounds; r++) {
		struct bare bare = { .protocol = v311 ? MQTT_PROTOCOL_V311 :
							MQTT_PROTOCOL_V5 };
		struct hv_store *s;
		double tb, tc;
		uint64_t t0 = harness_now_ms();

		s = fill_store(r, n);
		if (!s || bare_load(&bare, s, n) < 0) {
			fprintf(stderr, "bench_mqtt: store setup failed\n");
			return 1;
		}
		printf("bench_mqtt: round %u: queued %u in %.2f s\n", r + 1, n,
		       (double)(harness_now_ms() - t0) / 1000);
		tb = bare_run(&bare, port);
		if (!r)
			rss_before = max_rss_kib();
		tc = client_run(s, &cfg);
		bare_done(&bare);
		s = hv_store_close(s);
		if (tb <= 0 || tc <= 0) {
			fprintf(stderr, "bench_mqtt: round %u failed\n", r + 1);
			return 1;
		}
		bare_rate[r] = n / tb;
		client_rate[r] = n / tc;
		ratio[r] = 100 * client_rate[r] / bare_rate[r];
		printf("bench_mqtt: round %u: bare libmosquitto %.0f/s, homevitals outbox %.0f/s (%.1f %%)\n",
		       r + 1, bare_rate[r], client_rate[r], ratio[r]);
		fflush(stdout);
	}
	{
		double mb = median(bare_rate, rounds);
		double mc = median(client_rate, rounds);

		printf("bench_mqtt: median bare libmosquitto QoS 1: %.0f measurements/s\n",
		       mb);
		printf("bench_mqtt: median homevitals replay to PUBACK: %.0f measurements/s\n",
		       mc);
		printf("bench_mqtt: ratio of the medians %.1f %%, median of the pairs' ratios %.1f %% of the bare publisher\n",
		       100 * mc / mb, median(ratio, rounds));
	}
	printf("bench_mqtt: peak RSS %ld KiB after the first bare run, %ld KiB at the end\n",
	       rss_before, max_rss_kib());
	(void)mosquitto_lib_cleanup();
	broker_stop();
	return 0;
}
