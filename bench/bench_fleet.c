// SPDX-License-Identifier: MIT
/*
 * Fleet sizing by simulation (docs/fleet.md): HV_FLEET_HOMES (default 1000,
 * at most 10000) virtual gateways, each an in-process libmosquitto client
 * with the gateway's session settings (client id from a hashed machine id,
 * clean session false, QoS 1, a retained availability with a last will),
 * publish recorded measurement payloads against a mosquitto on 127.0.0.1
 * that this program starts. A day of HV_FLEET_PER_DAY (default 6) messages
 * per home is played HV_FLEET_SPEEDUP (default 3600) times faster for
 * HV_FLEET_SECONDS (default 15, at most 120).
 *
 * The broker is measured from outside, through /proc/PID/stat (utime +
 * stime) and /proc/PID/status (VmRSS): memory per connected gateway, CPU
 * per reconnect (the storm after a failover), per message, and while idle.
 * Printed per 1,000 homes and extrapolated to a realistic, unaccelerated rate.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tests/unit/mqtt_harness.h"

#define FLEET_MAX 10000
#define KEEPALIVE_S 60

struct gateway {
	struct mosquitto *mosq;
	char id[24];
	bool connected;
	unsigned in_flight;
};

struct fleet {
	struct gateway *gw;
	unsigned n;
	uint64_t sent, acked;
};

/* Two recorded payloads (a weigh-in, a blood pressure), with the measurement
 * id left to fill in: sizes and shapes as the gateway publishes them. */
static const char *const payloads[] = {
	"{\"id\":\"%032" PRIx64 "\",\"time\":\"2024-04-01T06:00:00Z\",\"device\":{\"address\":\"C8:47:8C:10:30:07\",\"model\":\"xiaomi_mi_scale2\"},\"person\":\"p1\",\"status\":\"ok\",\"driver\":\"xiaomi_mi_scale2\",\"final\":true,\"load_removed\":true,\"subject\":\"person\",\"device_time\":\"2024-04-01T06:00:00\",\"display_unit\":\"kg\",\"readings\":[{\"metric\":\"body_weight\",\"value\":72.4,\"unit\":\"kg\",\"loinc\":\"29463-7\"},{\"metric\":\"impedance\",\"value\":500,\"unit\":\"Ohm\"}]}",
	"{\"id\":\"%032" PRIx64 "\",\"time\":\"2024-04-01T07:10:00Z\",\"device\":{\"address\":\"A4:C1:38:00:11:22\",\"model\":\"sig_blood_pressure\"},\"person\":\"p2\",\"status\":\"ok\",\"driver\":\"sig_blood_pressure\",\"final\":true,\"readings\":[{\"metric\":\"systolic\",\"value\":128,\"unit\":\"mmHg\",\"loinc\":\"8480-6\"},{\"metric\":\"diastolic\",\"value\":82,\"unit\":\"mmHg\",\"loinc\":\"8462-4\"},{\"metric\":\"mean_arterial_pressure\",\"value\":97,\"unit\":\"mmHg\",\"loinc\":\"8478-0\"},{\"metric\":\"pulse_rate\",\"value\":64,\"unit\":\"/min\",\"loinc\":\"8867-4\"}]}",
};

static unsigned env_uint(const char *name, unsigned def, unsigned max)
{
	const char *v = getenv(name);
	unsigned long n = v ? strtoul(v, NULL, 10) : def;

	return n == 0 ? def : n > max ? max : (unsigned)n;
}

/* utime + stime of a process, in clock ticks; 0 when unreadable. */
static uint64_t proc_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return 0;
	/* after the name: state is field 3, utime 14, stime 15 */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return 0;
	return ut + st;
}

static long proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static double ticks_to_s(uint64_t ticks)
{
	return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* mosquitto with logging off (a log line per message would dominate). */
static pid_t fleet_broker_start(int *ret_port)
{
	char conf[300], pidfile[300], dir[250];
	int port = free_port();
	pid_t pid;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/broker", harness_tmpdir());
	if (port <= 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return -1;
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", dir);
	f = fopen(conf, "we");
	if (!f)
		return -1;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\n"
		   "persistence false\nlog_dest none\n"
		   /* the consumer must not drop what it cannot take at once */
		   "max_queued_messages 0\nmax_inflight_messages 0\n",
		port);
	fclose(f);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	/* broker.sh stop (the harness's cleanup) finds it by this file */
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	f = fopen(pidfile, "we");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	*ret_port = port;
	return pid;
}

static void on_connect(struct mosquitto *mosq, void *userdata, int rc)
{
	struct gateway *g = userdata;
	char topic[64];

	if (rc != 0)
		return;
	g->connected = true;
	/* as the gateway does after every connect */
	snprintf(topic, sizeof(topic), "homevitals/%s/availability", g->id);
	if (mosquitto_publish(mosq, NULL, topic, 6, "online", 1, true) ==
	    MOSQ_ERR_SUCCESS)
		g->in_flight++;
}

static void on_publish(struct mosquitto *mosq, void *userdata, int mid)
{
	struct gateway *g = userdata;

	(void)mosq;
	(void)mid;
	if (g->in_flight)
		g->in_flight--;
}

/* The clinic consumer runs on libmosquitto's own thread, so that it is not
 * paced by the fleet's loop; these two are shared with it. */
static _Atomic uint64_t consumed;
static _Atomic bool consumer_subscribed;

static void consumer_on_connect(struct mosquitto *mosq, void *userdata, int rc)
{
	(void)userdata;
	if (rc == 0)
		(void)mosquitto_subscribe(mosq, NULL,
					  "homevitals/+/people/+/measurements", 1);
}

static void consumer_on_subscribe(struct mosquitto *mosq, void *userdata,
				  int mid, int qos_count, const int *granted)
{
	(void)mosq;
	(void)userdata;
	(void)mid;
	if (qos_count == 1 && granted[0] == 1)
		consumer_subscribed = true;
}

static void consumer_on_message(struct mosquitto *mosq, void *userdata,
				const struct mosquitto_message *m)
{
	(void)mosq;
	(void)userdata;
	(void)m;
	consumed++;
}

/* One consumer takes every measurement (QoS 1), as a clinic would. */
static struct mosquitto *consumer_new(int port)
{
	struct mosquitto *m = mosquitto_new("clinic-consumer", true, NULL);

	if (!m)
		return NULL;
	mosquitto_connect_callback_set(m, consumer_on_connect);
	mosquitto_subscribe_callback_set(m, consumer_on_subscribe);
	mosquitto_message_callback_set(m, consumer_on_message);
	if (mosquitto_connect(m, "127.0.0.1", port, KEEPALIVE_S) !=
		    MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(m) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

static int gateway_new(struct gateway *g, unsigned i, int port)
{
	char will[64];

	/* distinct ids spread like hashed machine ids */
	snprintf(g->id, sizeof(g->id), "hv-%016" PRIx64,
		 (uint64_t)((i + 1) * UINT64_C(0x9e3779b97f4a7c15)));
	g->mosq = mosquitto_new(g->id, false, g);
	if (!g->mosq)
		return -ENOMEM;
	mosquitto_connect_callback_set(g->mosq, on_connect);
	mosquitto_publish_callback_set(g->mosq, on_publish);
	snprintf(will, sizeof(will), "homevitals/%s/availability", g->id);
	mosquitto_will_set(g->mosq, will, 7, "offline", 1, true);
	return mosquitto_connect_async(g->mosq, "127.0.0.1", port, KEEPALIVE_S) ==
			       MOSQ_ERR_SUCCESS ?
		       0 :
		       -ECONNREFUSED;
}

/* One pass over every socket: read what arrived, write what is queued. */
static void fleet_io(struct fleet *f, int timeout_ms)
{
	static struct pollfd pfd[FLEET_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < f->n; i++) {
		int fd = mosquitto_socket(f->gw[i].mosq);

		pfd[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (fd >= 0 && mosquitto_want_write(f->gw[i].mosq))
			pfd[i].events |= POLLOUT;
		n++;
	}
	if (poll(pfd, n, timeout_ms) < 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct mosquitto *m = f->gw[i].mosq;

		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			mosquitto_loop_read(m, 1);
		if (pfd[i].revents & POLLOUT)
			mosquitto_loop_write(m, 1);
		mosquitto_loop_misc(m);
	}
}

static unsigned fleet_connected(const struct fleet *f)
{
	unsigned c = 0;

	for (unsigned i = 0; i < f->n; i++)
		c += f->gw[i].connected;
	return c;
}

static unsigned fleet_in_flight(const struct fleet *f)
{
	unsigned c = 0;

	for (unsigned i = 0; i < f->n; i++)
		c += f->gw[i].in_flight;
	return c;
}

static int gateway_publish(struct gateway *g, uint64_t seq)
{
	char payload[1024], topic[96];
	int len;

	snprintf(topic, sizeof(topic), "homevitals/%s/people/p%u/measurements",
		 g->id, (unsigned)(seq % 2) + 1);
	len = snprintf(payload, sizeof(payload), payloads[seq % 2], seq);
	if (mosquitto_publish(g->mosq, NULL, topic, len, payload, 1, false) !=
	    MOSQ_ERR_SUCCESS)
		return -EIO;
	g->in_flight++;
	return 0;
}

int main(void)
{
	unsigned homes = env_uint("HV_FLEET_HOMES", 1000, FLEET_MAX);
	unsigned per_day = env_uint("HV_FLEET_PER_DAY", 6, 1000);
	unsigned speedup = env_uint("HV_FLEET_SPEEDUP", 3600, 100000);
	unsigned seconds = env_uint("HV_FLEET_SECONDS", 15, 120);
	unsigned idle_s = env_uint("HV_FLEET_IDLE_SECONDS", 10, 60);
	double rate = (double)homes * per_day / 86400.0 * speedup;
	uint64_t t0, t1, c0, c1, c2, c3, c4, due;
	struct fleet f = { .n = homes };
	struct mosquitto *consumer;
	struct rlimit rl;
	long rss0, rss1;
	int port = 0;
	pid_t broker;

	/* a socket per gateway here and one in the broker */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < homes + 64) {
		homes = f.n = (unsigned)rl.rlim_cur - 64;
		rate = (double)homes * per_day / 86400.0 * speedup;
	}
	mosquitto_lib_init();
	f.gw = calloc(f.n, sizeof(*f.gw));
	broker = fleet_broker_start(&port);
	if (!f.gw || broker <= 0) {
		fprintf(stderr, "bench_fleet: setup failed\n");
		return 1;
	}
	t0 = harness_now_ms();
	while (harness_now_ms() - t0 < 5000 && proc_rss_kib(broker) > 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		bool up = s >= 0 &&
			  connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;

		if (s >= 0)
			close(s);
		if (up)
			break;
		usleep(50000);
	}
	consumer = consumer_new(port);
	t0 = harness_now_ms();
	while (consumer && !consumer_subscribed && harness_now_ms() - t0 < 5000)
		usleep(10000);
	if (!consumer_subscribed) {
		fprintf(stderr, "bench_fleet: consumer failed\n");
		return 1;
	}
	rss0 = proc_rss_kib(broker);

	/* the reconnect storm: every gateway at once */
	c0 = proc_cpu_ticks(broker);
	t0 = harness_now_ms();
	for (unsigned i = 0; i < homes; i++)
		if (gateway_new(&f.gw[i], i, port) < 0) {
			fprintf(stderr, "bench_fleet: gateway %u failed\n", i);
			return 1;
		}
	while (fleet_connected(&f) < f.n && harness_now_ms() - t0 < 60000)
		fleet_io(&f, 100);
	t1 = harness_now_ms();
	c1 = proc_cpu_ticks(broker);
	rss1 = proc_rss_kib(broker);
	if (fleet_connected(&f) < f.n) {
		fprintf(stderr, "bench_fleet: %u of %u connected in 60 s\n",
			fleet_connected(&f), homes);
		return 1;
	}

	/* idle: connected, nothing to send */
	t0 = harness_now_ms();
	while (harness_now_ms() - t0 < idle_s * 1000ULL)
		fleet_io(&f, 100);
	c2 = proc_cpu_ticks(broker);

	/* the accelerated day: messages due by now, round robin */
	t0 = harness_now_ms();
	for (;;) {
		uint64_t now = harness_now_ms();

		if (now - t0 >= (uint64_t)seconds * 1000)
			break;
		due = (uint64_t)(rate * (double)(now - t0) / 1000.0);
		while (f.sent < due) {
			if (gateway_publish(&f.gw[f.sent % homes], f.sent) < 0)
				break;
			f.sent++;
		}
		fleet_io(&f, 5);
	}
	while (fleet_in_flight(&f) && harness_now_ms() - t0 < (seconds + 30) * 1000ULL)
		fleet_io(&f, 20);
	while (consumed < f.sent && harness_now_ms() - t0 < (seconds + 40) * 1000ULL)
		usleep(10000);
	t1 = harness_now_ms() - t0;
	c3 = proc_cpu_ticks(broker);
	f.acked = f.sent - fleet_in_flight(&f);
	c4 = c3 - c2;

	{
		double k = 1000.0 / homes;
		double connect_s = ticks_to_s(c1 - c0);
		double idle_pct = ticks_to_s(c2 - c1) / idle_s * 100;
		double per_msg_us = f.acked ? ticks_to_s(c4) * 1e6 / (double)f.acked : 0;
		double real_rate_1k = 1000.0 * per_day / 86400.0;

		printf("bench_fleet: %u homes, %u messages per home and day x%u for %u s: %.1f messages/s offered\n",
		       homes, per_day, speedup, seconds, rate);
		printf("bench_fleet: sent %" PRIu64 ", PUBACKed %" PRIu64 ", consumed %" PRIu64 " in %.1f s (CPU clock tick %.0f ms)\n",
		       f.sent, f.acked, (uint64_t)consumed, (double)t1 / 1000,
		       1000.0 / (double)sysconf(_SC_CLK_TCK));
		printf("bench_fleet: broker RSS %ld KiB empty, %ld KiB with %u sessions: %.0f KiB per 1,000 homes\n",
		       rss0, rss1, homes, (double)(rss1 - rss0) * k);
		printf("bench_fleet: reconnect storm: %u connects, broker CPU %.2f s (%.2f s per 1,000 homes)\n",
		       homes, connect_s, connect_s * k);
		printf("bench_fleet: idle %u s (keepalive %u s): broker CPU %.2f%% of a core (%.3f%% per 1,000 homes)\n",
		       idle_s, KEEPALIVE_S, idle_pct, idle_pct * k);
		printf("bench_fleet: broker CPU per measurement (in, PUBACK, out to the consumer, its PUBACK): %.1f us (%.2f s for %" PRIu64 ")\n",
		       per_msg_us, ticks_to_s(c4), f.acked);
		printf("bench_fleet: per 1,000 homes at the real rate (%.3f messages/s): %.4f%% of a core\n",
		       real_rate_1k, real_rate_1k * per_msg_us / 1e4 + idle_pct * k);
	}

	for (unsigned i = 0; i < f.n; i++) {
		mosquitto_disconnect(f.gw[i].mosq);
		mosquitto_destroy(f.gw[i].mosq);
	}
	free(f.gw);
	mosquitto_disconnect(consumer);
	mosquitto_loop_stop(consumer, false);
	mosquitto_destroy(consumer);
	mosquitto_lib_cleanup();
	kill(broker, SIGTERM);
	waitpid(broker, NULL, 0);
	return f.acked == f.sent && consumed >= f.sent ? 0 : 1;
}
