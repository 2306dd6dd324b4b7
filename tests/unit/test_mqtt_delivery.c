// SPDX-License-Identifier: MIT
/*
 * Store-and-forward against a real mosquitto on loopback: broker down while
 * measurements are accepted, then up (all arrive, once, in order per
 * person); broker stopped and restarted in a burst (all arrive at least
 * once); retained availability, status and latest values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "tests/unit/mqtt_harness.h"

struct ctx {
	sd_event *e;
	struct hv_store *store;
	struct hv_status status;
	struct hv_mqtt *mqtt;
	struct subscriber sub;
	unsigned changes, connects;
	uint64_t delivered;
	size_t want;
};

/* What the daemon does with the client's reports (manager.c). */
static void take_backlog(struct ctx *c)
{
	assert_int_equal(hv_store_backlog(c->store, &c->status.backlog), 0);
}

static void on_broker(enum hv_broker_state state, const char *error,
		      void *userdata)
{
	struct ctx *c = userdata;

	harness_broker_changed(state, error, &c->status);
	c->changes++;
	if (state == HV_BROKER_CONNECTED)
		c->connects++;
	take_backlog(c);
	if (c->mqtt && state == HV_BROKER_CONNECTED)
		assert_int_equal(hv_mqtt_publish_status(c->mqtt, &c->status, 0),
				 0);
}

static void on_delivered(uint64_t n, void *userdata)
{
	struct ctx *c = userdata;

	assert_true(n > 0);
	c->delivered += n;
	take_backlog(c);
}

static bool broker_unreachable(void *userdata)
{
	struct ctx *c = userdata;

	return c->status.broker == HV_BROKER_UNREACHABLE &&
	       c->status.broker_error[0];
}

static bool all_delivered(void *userdata)
{
	struct ctx *c = userdata;

	return store_backlog(c->store) == 0 && hv_mqtt_in_flight(c->mqtt) == 0 &&
	       sub_count(&c->sub, "/measurements") >= c->want;
}

static bool got_some(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "/measurements") >= c->want;
}

static bool will_arrived(void *userdata)
{
	struct ctx *c = userdata;
	const char *a = sub_last(&c->sub, "hvtest/gw1/availability");

	return a && strcmp(a, "offline") == 0;
}

/* The measurement id in a payload. */
static char *payload_id(const char *payload)
{
	cJSON *j = cJSON_Parse(payload);
	char *id = NULL;

	if (j && cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")))
		id = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")));
	cJSON_Delete(j);
	return id;
}

/* Every id once (exactly == true) or at least once, order per person kept
 * among first arrivals. */
static void check_arrivals(struct ctx *c, const char *const *people,
			   size_t n_people, unsigned per_person, bool exactly)
{
	for (size_t p = 0; p < n_people; p++) {
		unsigned *count = calloc(per_person, sizeof(unsigned));
		int last = -1;
		char topic[128];

		assert_non_null(count);
		if (*people[p])
			(void)snprintf(topic, sizeof(topic),
				       "hvtest/gw1/people/%s/measurements",
				       people[p]);
		else
			(void)snprintf(topic, sizeof(topic),
				       "hvtest/gw1/unassigned/measurements");
		for (size_t i = 0; i < c->sub.n; i++) {
			char *id;
			unsigned n;
			const char *dash;

			if (strcmp(c->sub.msgs[i].topic, topic) != 0)
				continue;
			id = payload_id(c->sub.msgs[i].payload);
			assert_non_null(id);
			dash = strrchr(id, '-');
			assert_non_null(dash);
			n = (unsigned)atoi(dash + 1);
			assert_true(n < per_person);
			if (!count[n]++) {
				/* first arrival: in order within the person */
				if ((int)n < last)
					fail_msg("%s arrived after %d", id,
						 last);
				last = (int)n;
			}
			free(id);
		}
		for (unsigned n = 0; n < per_person; n++) {
			if (!count[n])
				fail_msg("%s measurement %u never arrived",
					 people[p], n);
			if (exactly && count[n] != 1)
				fail_msg("%s measurement %u arrived %u times",
					 people[p], n, count[n]);
		}
		free(count);
	}
}

static void ctx_start(struct ctx *c, const struct hv_config *cfg)
{
	const struct hv_mqtt_callbacks cb = { .broker_changed = on_broker,
					      .delivered = on_delivered };

	assert_int_equal(hv_mqtt_new(c->e, cfg, c->store, &cb, c, &c->mqtt), 0);
}

static void ctx_done(struct ctx *c)
{
	c->mqtt = hv_mqtt_free(c->mqtt);
	sub_stop(&c->sub);
	c->store = hv_store_close(c->store);
	c->e = sd_event_unref(c->e);
	broker_stop();
}

static void test_broker_down_then_up(void **state)
{
	static const char *const people[] = { "p1", "p2", "" };
	const unsigned per_person = 100;
	struct ctx c = { 0 };
	struct hv_config cfg;
	char avail[] = "hvtest/gw1/availability";
	const char *payload;
	cJSON *status;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("down-up.db");
	assert_non_null(c.store);
	port = free_port();
	assert_true(port > 0);
	harness_config(&cfg, port);

	/* accepted while nothing listens */
	for (unsigned n = 0; n < per_person; n++)
		for (size_t p = 0; p < ELEMENTSOF(people); p++)
			assert_int_equal(harness_add(c.store, people[p], n,
						     60 + n * 0.1, HV_UNIT_KG),
					 1);
	ctx_start(&c, &cfg);
	assert_true(harness_run(c.e, NULL, broker_unreachable, &c, 5000));
	assert_non_null(strstr(c.status.broker_error, "127.0.0.1"));
	assert_true(c.changes > 0);
	assert_int_equal(c.status.backlog, per_person * ELEMENTSOF(people));

	/* the broker comes up on that port; a subscriber is there first */
	char opts[32];

	(void)snprintf(opts, sizeof(opts), "--port %d", port);
	assert_int_equal(broker_start(opts), port);
	assert_int_equal(sub_start(&c.sub, port, "hvtest/#", 1, NULL, NULL), 0);
	c.want = per_person * ELEMENTSOF(people);
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 15000));
	/* let trailing duplicates, if any, show up */
	harness_run(c.e, &c.sub, NULL, NULL, 300);

	assert_int_equal(c.status.broker, HV_BROKER_CONNECTED);
	assert_string_equal(c.status.broker_error, "");
	assert_int_equal(c.status.backlog, 0);
	assert_int_equal(c.delivered, per_person * ELEMENTSOF(people));
	check_arrivals(&c, people, ELEMENTSOF(people), per_person, true);

	/* availability online, retained status, latest value per person */
	assert_string_equal(sub_last(&c.sub, avail), "online");
	payload = sub_last(&c.sub, "hvtest/gw1/status");
	assert_non_null(payload);
	status = cJSON_Parse(payload);
	assert_non_null(status);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(status, "backlog")));
	assert_non_null(cJSON_GetObjectItem(status, "version"));
	assert_non_null(cJSON_GetObjectItem(status, "uptime_s"));
	cJSON_Delete(status);
	payload = sub_last(&c.sub, "hvtest/gw1/people/p2/latest/body_weight");
	assert_non_null(payload);
	status = cJSON_Parse(payload);
	assert_non_null(status);
	assert_float_equal(cJSON_GetObjectItem(status, "value")->valuedouble,
			   60 + (per_person - 1) * 0.1, 1e-9);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(status,
								     "id")),
			    "p2-000099");
	cJSON_Delete(status);
	/* nobody's latest for unassigned measurements */
	assert_int_equal(sub_count(&c.sub, "unassigned/latest/body_weight"), 0);

	/* a new measurement is kicked out at once */
	assert_int_equal(harness_add(c.store, "p1", per_person, 70, HV_UNIT_KG),
			 1);
	hv_mqtt_kick(c.mqtt);
	c.want++;
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 5000));

	/* the will: the broker says offline once we vanish */
	c.mqtt = hv_mqtt_free(c.mqtt);
	assert_true(harness_run(c.e, &c.sub, will_arrived, &c, 3000));
	ctx_done(&c);
}

/* The broker goes away mid-burst and comes back: every measurement arrives
 * at least once, in order per person among first arrivals. The publisher
 * must resend what the broker never acknowledged. The broker stops with
 * its goodbyes (SIGTERM) and persistence, and the subscriber is a
 * persistent QoS 1 session: with a SIGKILLed broker a message it had
 * acknowledged to the publisher but not yet forwarded was lost by the
 * broker itself (1 run in 5: backlog 0, 1989 of 2000 received), which
 * says nothing about the publisher. For the publisher a broker stopping
 * and one killed look alike: the socket closes with messages in flight. */
static void test_broker_killed_mid_burst(void **state)
{
	static const char *const people[] = { "p1", "p2" };
	const unsigned per_person = 1000;
	struct ctx c = { 0 };
	struct hv_config cfg;
	char opts[48];
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("kill.db");
	assert_non_null(c.store);
	port = broker_start("--persist");
	assert_true(port > 0);
	harness_config(&cfg, port);
	assert_int_equal(sub_start_session(&c.sub, port,
					   "hvtest/+/people/+/measurements"),
			 0);
	for (unsigned n = 0; n < per_person; n++)
		for (size_t p = 0; p < ELEMENTSOF(people); p++)
			assert_int_equal(harness_add(c.store, people[p], n, 70,
						     HV_UNIT_KG),
					 1);
	ctx_start(&c, &cfg);

	/* some way into the burst, the broker goes */
	c.want = 300;
	assert_true(harness_run(c.e, &c.sub, got_some, &c, 10000));
	broker_stop();
	c.want = 0;
	assert_true(harness_run(c.e, NULL, broker_unreachable, &c, 5000));
	assert_true(store_backlog(c.store) > 0);

	/* back on the same port with its saved sessions; the subscriber first */
	(void)snprintf(opts, sizeof(opts), "--port %d --persist", port);
	assert_int_equal(broker_start(opts), port);
	assert_int_equal(sub_connect(&c.sub), 0);
	c.want = per_person * ELEMENTSOF(people);
	if (!harness_run(c.e, &c.sub, all_delivered, &c, 15000))
		fail_msg("backlog %llu, in flight %zu, received %zu",
			 (unsigned long long)store_backlog(c.store),
			 hv_mqtt_in_flight(c.mqtt),
			 sub_count(&c.sub, "/measurements"));
	check_arrivals(&c, people, ELEMENTSOF(people), per_person, false);
	ctx_done(&c);
}

static bool got_status(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "hvtest/gw1/status") > 0;
}

/*
 * The status topic carries the caller's status, published when the caller
 * says: the client itself publishes none, not on connect and not when a
 * PUBACK empties the backlog (the daemon throttles its own publishing).
 */
static void test_status_is_the_callers(void **state)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	struct hv_status st = { .backlog = 7, .accepted = 3 };
	cJSON *j;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("status.db");
	assert_non_null(c.store);
	port = broker_start(NULL);
	assert_true(port > 0);
	harness_config(&cfg, port);
	assert_int_equal(sub_start(&c.sub, port, "hvtest/#", 1, NULL, NULL), 0);
	for (unsigned n = 0; n < 40; n++)
		assert_int_equal(harness_add(c.store, "p1", n, 70, HV_UNIT_KG),
				 1);
	assert_int_equal(hv_mqtt_new(c.e, &cfg, c.store, &harness_status_cb,
				     &c.status, &c.mqtt),
			 0);
	c.want = 40;
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 10000));
	harness_run(c.e, &c.sub, NULL, NULL, 300);
	assert_string_equal(sub_last(&c.sub, "hvtest/gw1/availability"),
			    "online");
	assert_int_equal(sub_count(&c.sub, "hvtest/gw1/status"), 0);

	assert_int_equal(hv_mqtt_publish_status(c.mqtt, &st, 0), 0);
	assert_true(harness_run(c.e, &c.sub, got_status, &c, 5000));
	j = cJSON_Parse(sub_last(&c.sub, "hvtest/gw1/status"));
	assert_non_null(j);
	assert_int_equal(cJSON_GetObjectItem(j, "backlog")->valuedouble, 7);
	assert_int_equal(cJSON_GetObjectItem(j, "accepted")->valuedouble, 3);
	cJSON_Delete(j);
	assert_int_equal(hv_mqtt_publish_status(c.mqtt, NULL, 0), -EINVAL);
	ctx_done(&c);
}

/* A record synced late (a scale's memory, Dec 1) after a newer weigh-in
 * (Dec 6) was queued: published in queue order, it must not become the
 * retained latest value. */
static void test_latest_never_goes_back(void **state)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	const char *latest = "hvtest/gw1/people/p1/latest/body_weight";
	cJSON *j;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("latest.db");
	assert_non_null(c.store);
	port = broker_start(NULL);
	assert_true(port > 0);
	harness_config(&cfg, port);
	cfg.mqtt.retain_latest = true;
	assert_int_equal(sub_start(&c.sub, port, "hvtest/#", 1, NULL, NULL), 0);
	/* queued first: the newer one (n = 500) */
	assert_int_equal(harness_add(c.store, "p1", 500, 71.5, HV_UNIT_KG), 1);
	assert_int_equal(harness_add(c.store, "p1", 100, 69.0, HV_UNIT_KG), 1);
	assert_int_equal(hv_mqtt_new(c.e, &cfg, c.store, &harness_status_cb,
				     &c.status, &c.mqtt),
			 0);
	c.want = 2;
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 10000));
	harness_run(c.e, &c.sub, NULL, NULL, 300);
	assert_int_equal(sub_count(&c.sub, latest), 1);
	j = cJSON_Parse(sub_last(&c.sub, latest));
	assert_non_null(j);
	assert_float_equal(cJSON_GetObjectItem(j, "value")->valuedouble, 71.5,
			   1e-9);
	cJSON_Delete(j);
	ctx_done(&c);
}

/* SQL on the store's file from a second connection, as the CLI would. */
static void store_sql(const char *db, const char *sql)
{
	char path[512];
	sqlite3 *s;

	(void)snprintf(path, sizeof(path), "%s/%s", harness_tmpdir(), db);
	assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
}

static bool all_sent(void *userdata)
{
	struct ctx *c = userdata;

	return hv_mqtt_in_flight(c->mqtt) == 0 &&
	       sub_count(&c->sub, "/measurements") >= c->want;
}

static bool backlog_empty(void *userdata)
{
	struct ctx *c = userdata;

	return store_backlog(c->store) == 0;
}

/* Delivered marks that cannot be written (disk full, here a trigger) are
 * written later on the same connection, not only after a reconnect. */
static void test_failed_marks_retried_live(void **state)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("marks.db");
	assert_non_null(c.store);
	for (unsigned n = 0; n < 10; n++)
		assert_int_equal(harness_add(c.store, "p1", n, 70, HV_UNIT_KG),
				 1);
	store_sql(
		"marks.db",
		"CREATE TRIGGER no_marks BEFORE UPDATE OF state ON outbox"
		" WHEN NEW.state = 'delivered'"
		" BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
	port = broker_start(NULL);
	assert_true(port > 0);
	harness_config(&cfg, port);
	assert_int_equal(sub_start(&c.sub, port, "hvtest/#", 1, NULL, NULL), 0);
	ctx_start(&c, &cfg);
	c.want = 10;
	assert_true(harness_run(c.e, &c.sub, all_sent, &c, 10000));
	harness_run(c.e, &c.sub, NULL, NULL, 1500);
	assert_int_equal(store_backlog(c.store), 10);

	store_sql("marks.db", "DROP TRIGGER no_marks");
	assert_true(harness_run(c.e, &c.sub, backlog_empty, &c, 5000));
	assert_int_equal(c.connects, 1);
	assert_int_equal(c.delivered, 10);
	ctx_done(&c);
}

static bool ha_twice(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "p1/body_weight/config") >= 2;
}

/* payload_format both: FHIR Bundles on .../fhir; HA discovery in lb,
 * announced again when Home Assistant says online. */
static void test_fhir_and_discovery(void **state)
{
	struct ctx c = { 0 };
	struct hv_config cfg;
	const char *payload;
	cJSON *j, *entry;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("fhir.db");
	assert_non_null(c.store);
	for (unsigned n = 0; n < 3; n++)
		assert_int_equal(harness_add(c.store, "p1", n, 80, HV_UNIT_LB),
				 1);
	port = broker_start(NULL);
	assert_true(port > 0);
	assert_int_equal(sub_start(&c.sub, port, "#", 1, NULL, NULL), 0);
	harness_config(&cfg, port);
	cfg.mqtt.payload_format = HV_PAYLOAD_BOTH;
	cfg.mqtt.ha_discovery = true;
	ctx_start(&c, &cfg);
	c.want = 3;
	assert_true(harness_run(c.e, &c.sub, all_delivered, &c, 10000));
	harness_run(c.e, &c.sub, NULL, NULL, 300);
	assert_int_equal(sub_count(&c.sub, "people/p1/measurements/fhir"), 3);

	payload = sub_last(&c.sub, "hvtest/gw1/people/p1/measurements/fhir");
	assert_non_null(payload);
	j = cJSON_Parse(payload);
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j,
								     "resourceType")),
			    "Bundle");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    cJSON_GetObjectItem(j, "identifier"), "value")),
			    "p1-000002");
	cJSON_ArrayForEach(entry, cJSON_GetObjectItem(j, "entry"))
		assert_string_equal(
			cJSON_GetStringValue(cJSON_GetObjectItem(
				cJSON_GetObjectItem(entry, "resource"),
				"resourceType")),
			"Observation");
	cJSON_Delete(j);

	payload = sub_last(&c.sub,
			   "homeassistant/sensor/homevitals_gw1_p1/body_weight/config");
	assert_non_null(payload);
	j = cJSON_Parse(payload);
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    j, "unit_of_measurement")),
			    "lb");
	cJSON_Delete(j);

	/* Home Assistant restarts: its birth message brings the configs back */
	{
		char cmd[400];

		(void)snprintf(cmd, sizeof(cmd),
			       "mosquitto_pub -h 127.0.0.1 -p %d -t homeassistant/status -m online",
			       port);
		assert_int_equal(system(cmd), 0);
	}
	assert_true(harness_run(c.e, &c.sub, ha_twice, &c, 5000));
	ctx_done(&c);
}

static void deliver_all(struct hv_store *s)
{
	struct hv_outbox_item items[16];
	size_t n;

	assert_int_equal(hv_store_outbox_next(s, 0, 16, items, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(hv_store_outbox_mark_delivered(s, items[i].seq),
				 0);
		hv_outbox_item_done(&items[i]);
	}
	assert_int_equal(store_backlog(s), 0);
}

static bool ann_announced(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "p-ann/body_weight/config") >= 1 &&
	       sub_count(&c->sub, "p-ann/impedance/config") >= 1;
}

static bool cy_announced(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "p-cy/body_weight/config") >= 1;
}

/* Discovery comes from the store: people and the metrics they have
 * readings for, although this run publishes no measurement at all. */
static void test_discovery_from_store(void **state)
{
	static const char ann_weight[] =
		"homeassistant/sensor/homevitals_gw1_p-ann/body_weight/config";
	struct ctx c = { 0 };
	struct hv_config cfg;
	const char *payload;
	cJSON *j;
	int port;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("ha-store.db");
	assert_non_null(c.store);
	assert_int_equal(hv_store_person_add(c.store,
					     &(struct hv_person){ .id = "p-ann" }),
			 0);
	assert_int_equal(hv_store_person_add(c.store,
					     &(struct hv_person){ .id = "p-bo" }),
			 0);
	/* Ann weighed in lb once, then in kg: the newest unit counts. */
	assert_int_equal(harness_add(c.store, "p-ann", 0, 64, HV_UNIT_LB), 1);
	assert_int_equal(harness_add(c.store, "p-ann", 1, 64.2, HV_UNIT_KG), 1);
	/* Someone who is not a person of the store is not announced. */
	assert_int_equal(harness_add(c.store, "p-gone", 0, 90, HV_UNIT_KG), 1);
	deliver_all(c.store);

	port = broker_start(NULL);
	assert_true(port > 0);
	assert_int_equal(sub_start(&c.sub, port, "homeassistant/#", 1, NULL,
				   NULL),
			 0);
	harness_config(&cfg, port);
	cfg.mqtt.ha_discovery = true;
	ctx_start(&c, &cfg);
	assert_true(harness_run(c.e, &c.sub, ann_announced, &c, 10000));
	harness_run(c.e, &c.sub, NULL, NULL, 300);
	assert_int_equal(sub_count(&c.sub, "/measurements"), 0);
	payload = sub_last(&c.sub, ann_weight);
	assert_non_null(payload);
	j = cJSON_Parse(payload);
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    j, "unit_of_measurement")),
			    "kg");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
				    j, "state_topic")),
			    "hvtest/gw1/people/p-ann/latest/body_weight");
	cJSON_Delete(j);
	assert_int_equal(sub_count(&c.sub, "p-bo/body_weight/config"), 0);
	assert_int_equal(sub_count(&c.sub, "p-gone/body_weight/config"), 0);

	/* A person added while the daemon runs, with a reading (assigned
	 * with the CLI): announced when Home Assistant comes online. */
	assert_int_equal(hv_store_person_add(c.store,
					     &(struct hv_person){ .id = "p-cy" }),
			 0);
	assert_int_equal(harness_add(c.store, "p-cy", 2, 55, HV_UNIT_KG), 1);
	deliver_all(c.store);
	{
		char cmd[400];

		(void)snprintf(cmd, sizeof(cmd),
			       "mosquitto_pub -h 127.0.0.1 -p %d -t homeassistant/status -m online",
			       port);
		assert_int_equal(system(cmd), 0);
	}
	assert_true(harness_run(c.e, &c.sub, cy_announced, &c, 5000));
	ctx_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broker_down_then_up),
		cmocka_unit_test(test_broker_killed_mid_burst),
		cmocka_unit_test(test_status_is_the_callers),
		cmocka_unit_test(test_latest_never_goes_back),
		cmocka_unit_test(test_failed_marks_retried_live),
		cmocka_unit_test(test_fhir_and_discovery),
		cmocka_unit_test(test_discovery_from_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
