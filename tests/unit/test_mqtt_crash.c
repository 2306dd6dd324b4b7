// SPDX-License-Identifier: MIT
/*
 * The publisher SIGKILLed in the middle of a replay: a fresh client over the
 * same store file delivers everything that was not acknowledged, so every
 * measurement arrives at least once (the ids let subscribers deduplicate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/mqtt_harness.h"

#define N_PER_PERSON 1500

struct ctx {
	sd_event *e;
	struct hv_store *store;
	struct hv_status status;
	struct hv_mqtt *mqtt;
	struct subscriber sub;
	size_t want;
};

static bool got_want(void *userdata)
{
	struct ctx *c = userdata;

	return sub_count(&c->sub, "/measurements") >= c->want;
}

static bool delivered(void *userdata)
{
	struct ctx *c = userdata;

	return c->mqtt && store_backlog(c->store) == 0 &&
	       hv_mqtt_in_flight(c->mqtt) == 0;
}

/* The child: publish from the store file until killed. */
static void run_publisher(const struct hv_config *cfg)
{
	struct hv_status status = { 0 };
	struct hv_mqtt *m = NULL;
	struct hv_store *s = harness_store("crash.db");
	sd_event *e = NULL;

	if (!s || sd_event_new(&e) < 0 ||
	    hv_mqtt_new(e, cfg, s, &harness_status_cb, &status, &m) < 0)
		_exit(2);
	for (;;)
		(void)sd_event_run(e, UINT64_MAX);
}

static void test_publisher_killed_mid_replay(void **state)
{
	static const char *const people[] = { "p1", "p2" };
	struct ctx c = { 0 };
	struct hv_config cfg;
	unsigned *seen;
	pid_t child;
	int port, wstatus;

	(void)state;
	assert_int_equal(sd_event_new(&c.e), 0);
	c.store = harness_store("crash.db");
	assert_non_null(c.store);
	for (unsigned n = 0; n < N_PER_PERSON; n++)
		for (size_t p = 0; p < 2; p++)
			assert_int_equal(harness_add(c.store, people[p], n, 70,
						     HV_UNIT_KG),
					 1);
	port = broker_start(NULL);
	assert_true(port > 0);
	assert_int_equal(sub_start(&c.sub, port,
				   "hvtest/+/people/+/measurements", 0, NULL,
				   NULL),
			 0);
	harness_config(&cfg, port);

	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		run_publisher(&cfg);

	/* part-way through, the power goes */
	c.want = 700;
	assert_true(harness_run(c.e, &c.sub, got_want, &c, 10000));
	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &wstatus, 0), child);
	assert_true(WIFSIGNALED(wstatus));
	harness_run(c.e, &c.sub, NULL, NULL, 200);
	assert_true(store_backlog(c.store) > 0);

	/* the daemon starts again over the same file */
	assert_int_equal(hv_mqtt_new(c.e, &cfg, c.store, &harness_status_cb,
				     &c.status, &c.mqtt),
			 0);
	assert_true(harness_run(c.e, &c.sub, delivered, &c, 15000));
	harness_run(c.e, &c.sub, NULL, NULL, 300);

	seen = calloc(2 * N_PER_PERSON, sizeof(*seen));
	assert_non_null(seen);
	for (size_t i = 0; i < c.sub.n; i++) {
		cJSON *j = cJSON_Parse(c.sub.msgs[i].payload);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "id"));
		unsigned n;

		assert_non_null(id);
		n = (unsigned)atoi(id + 3);
		assert_true(n < N_PER_PERSON);
		seen[(id[1] == '2') * N_PER_PERSON + n]++;
		cJSON_Delete(j);
	}
	for (unsigned k = 0; k < 2 * N_PER_PERSON; k++)
		if (!seen[k])
			fail_msg("p%u measurement %u never arrived",
				 k / N_PER_PERSON + 1, k % N_PER_PERSON);
	free(seen);
	c.mqtt = hv_mqtt_free(c.mqtt);
	sub_stop(&c.sub);
	c.store = hv_store_close(c.store);
	c.e = sd_event_unref(c.e);
	broker_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publisher_killed_mid_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
