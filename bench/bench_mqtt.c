// SPDX-License-Identifier: MIT
/*
 * Outbox to PUBACK against a local mosquitto: measurements per second while
 * replaying a backlog of HV_BENCH_N (default 100000) queued measurements,
 * the time that replay takes, and the peak memory (it must stay flat: the
 * outbox is streamed from SQLite in windows). The store lives in
 * $TMPDIR (default /dev/shm when present: tmpfs, so fsync is free; set
 * TMPDIR to a disk directory to include the disk's commit cost).
 */
#include <sys/resource.h>

#include "tests/unit/mqtt_harness.h"

struct bench {
	struct hv_store *store;
	struct hv_mqtt *mqtt;
	struct hv_gateway_status *status;
};

/* The client's own backlog count first: counting the outbox is O(n). */
static bool drained(void *userdata)
{
	struct bench *b = userdata;

	return b->mqtt && b->status->backlog == 0 &&
	       hv_mqtt_in_flight(b->mqtt) == 0 && store_backlog(b->store) == 0;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int main(void)
{
	const char *env = getenv("HV_BENCH_N");
	unsigned n = env ? (unsigned)strtoul(env, NULL, 10) : 100000;
	struct hv_gateway_status status = { 0 };
	struct bench b = { 0 };
	struct hv_config cfg;
	sd_event *e = NULL;
	uint64_t t0, t1, t2;
	long rss_before;
	int port;

	if (!n)
		n = 1;
	b.status = &status;
	b.store = harness_store("bench.db");
	if (!b.store || sd_event_new(&e) < 0) {
		fprintf(stderr, "bench_mqtt: setup failed\n");
		return 1;
	}
	t0 = harness_now_ms();
	for (unsigned i = 0; i < n; i++)
		if (harness_add(b.store, i % 2 ? "p1" : "p2", i, 70,
				HV_UNIT_KG) != 1) {
			fprintf(stderr, "bench_mqtt: store add failed\n");
			return 1;
		}
	t1 = harness_now_ms();
	port = broker_start(NULL);
	if (port <= 0) {
		fprintf(stderr, "bench_mqtt: no broker\n");
		return 1;
	}
	harness_config(&cfg, port);
	cfg.mqtt.max_inflight = 64;
	cfg.mqtt.retain_latest = false;
	rss_before = max_rss_kib();
	t1 = harness_now_ms();
	if (hv_mqtt_new(e, &cfg, b.store, &status, NULL, NULL, &b.mqtt) < 0) {
		fprintf(stderr, "bench_mqtt: client failed\n");
		return 1;
	}
	if (!harness_run(e, NULL, drained, &b, 600000)) {
		fprintf(stderr, "bench_mqtt: not drained in 10 min\n");
		return 1;
	}
	t2 = harness_now_ms();
	printf("bench_mqtt: store in %s\n", harness_tmpdir());
	printf("bench_mqtt: queued %u measurements in %.2f s\n", n,
	       (double)(t1 - t0) / 1000);
	printf("bench_mqtt: replay of %u queued measurements to PUBACK: %.2f s, %.0f measurements/s (QoS %d, window %u)\n",
	       n, (double)(t2 - t1) / 1000,
	       (double)n * 1000 / (double)(t2 - t1 ? t2 - t1 : 1), cfg.mqtt.qos,
	       cfg.mqtt.max_inflight);
	printf("bench_mqtt: peak RSS %ld KiB before the replay, %ld KiB after\n",
	       rss_before, max_rss_kib());
	b.mqtt = hv_mqtt_free(b.mqtt);
	b.store = hv_store_close(b.store);
	sd_event_unref(e);
	broker_stop();
	return 0;
}
