// SPDX-License-Identifier: MIT
/*
 * Consent (docs/consent.md): metric groups and scopes, the audiences of the
 * configuration and their errors, and consent rows in a real store file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/common/config.h"
#include "daemon/common/consent.h"
#include "daemon/common/pseudonym.h"
#include "daemon/store/store.h"
#include "drivers/measurement.h"
#include "tests/unit/tmp_store.h"

#define T0 1710491400000000LL /* 2024-03-15T08:30:00Z */

/* --- scopes ---------------------------------------------------------------- */

static void test_every_group_metric_is_known(void **state)
{
	size_t groups = 0;

	(void)state;
	for (const struct hv_metric_group *g = hv_metric_groups; g->name;
	     g++, groups++)
		for (const char *const *m = g->metrics; *m; m++)
			if (hv_metric_from_name(*m) < 0)
				fail_msg("group %s: unknown metric %s", g->name,
					 *m);
	assert_true(groups >= 8);
}

/* Every metric of the vocabulary is in some group: none can only be
 * shared by naming it. */
static void test_every_metric_in_a_group(void **state)
{
	(void)state;
	for (int i = 0; i < _HV_METRIC_MAX; i++) {
		const char *name = hv_metric_info((enum hv_metric)i)->name;
		bool found = false;

		for (const struct hv_metric_group *g = hv_metric_groups;
		     g->name && !found; g++)
			found = hv_consent_scope_allows(g->name, name);
		if (!found)
			fail_msg("metric %s is in no group", name);
	}
}

static void test_scope_normalize(void **state)
{
	char out[HV_CONSENT_SCOPE_MAX], bad[64];

	(void)state;
	assert_int_equal(hv_consent_scope_normalize(" weight, blood_pressure,weight,spo2 ",
						    out, sizeof(out), bad,
						    sizeof(bad)),
			 0);
	assert_string_equal(out, "weight,blood_pressure,spo2");
	assert_int_equal(hv_consent_scope_normalize("weight,all", out,
						    sizeof(out), NULL, 0),
			 0);
	assert_string_equal(out, "all");
	assert_int_equal(hv_consent_scope_normalize("heart_rate", out,
						    sizeof(out), NULL, 0),
			 0);
	assert_string_equal(out, "heart_rate");
	assert_int_equal(hv_consent_scope_normalize("weight,bloodpressure", out,
						    sizeof(out), bad,
						    sizeof(bad)),
			 -EINVAL);
	assert_string_equal(bad, "bloodpressure");
	assert_int_equal(hv_consent_scope_normalize(" , ", out, sizeof(out),
						    NULL, 0),
			 -EINVAL);
	assert_int_equal(hv_consent_scope_normalize("weight", out, 3, NULL, 0),
			 -ENOBUFS);
}

static void test_scope_allows(void **state)
{
	(void)state;
	assert_true(hv_consent_scope_allows("weight", "body_weight"));
	assert_true(hv_consent_scope_allows("weight", "bmi"));
	assert_false(hv_consent_scope_allows("weight", "body_fat_percent"));
	assert_false(hv_consent_scope_allows("weight", "impedance"));
	assert_true(hv_consent_scope_allows("weight,body_composition",
					    "impedance"));
	assert_true(hv_consent_scope_allows("blood_pressure", "pulse_rate"));
	assert_true(hv_consent_scope_allows("spo2", "pulse_rate"));
	assert_false(hv_consent_scope_allows("blood_pressure", "heart_rate"));
	assert_true(hv_consent_scope_allows("heart_rate", "heart_rate"));
	assert_false(hv_consent_scope_allows("heart_rate", "rr_interval"));
	assert_true(hv_consent_scope_allows("all", "blood_glucose"));
	/* A name that is a prefix of a listed one is not listed. */
	assert_false(hv_consent_scope_allows("spo2", "spo"));
	assert_false(hv_consent_scope_allows("", "body_weight"));
	assert_false(hv_consent_scope_allows(NULL, "body_weight"));
}


/* --- pseudonyms ------------------------------------------------------------------ */

static void test_pseudonym(void **state)
{
	uint8_t k1[HV_PSEUDONYM_SECRET_BYTES] = { 1 }, k2[HV_PSEUDONYM_SECRET_BYTES] = { 2 };
	char a[HV_PSEUDONYM_MAX], b[HV_PSEUDONYM_MAX], c[HV_PSEUDONYM_MAX];

	(void)state;
	assert_int_equal(hv_pseudonym(k1, "community", "p-ana", a), 0);
	assert_int_equal(strlen(a), 19);
	assert_memory_equal(a, "ps-", 3);
	for (size_t i = 3; i < 19; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", a[i]));
	assert_int_equal(hv_pseudonym(k1, "community", "p-ana", b), 0);
	assert_string_equal(a, b); /* stable */
	assert_int_equal(hv_pseudonym(k1, "clinic", "p-ana", b), 0);
	assert_string_not_equal(a, b); /* per audience */
	assert_int_equal(hv_pseudonym(k2, "community", "p-ana", c), 0);
	assert_string_not_equal(a, c); /* per secret: rotation */
	assert_int_equal(hv_pseudonym(k1, "community", "p-bo", c), 0);
	assert_string_not_equal(a, c);
	/* The NUL between the two: ("communit", "yp-ana") is another. */
	assert_int_equal(hv_pseudonym(k1, "communit", "yp-ana", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(hv_pseudonym(NULL, "community", "p-ana", c), -EINVAL);
}

/* --- audiences in the configuration ------------------------------------------ */

static int parse(const char *json, struct hv_config *c,
		 struct hv_config_error *e)
{
	hv_config_init(c);
	return hv_config_parse(json, c, e, NULL, NULL);
}

static void test_no_audiences_is_the_implicit_one(void **state)
{
	struct hv_config c;
	struct hv_config_error e;

	(void)state;
	assert_int_equal(parse("{}", &c, &e), 0);
	assert_int_equal(c.n_audiences, 0);
	assert_null(c.audiences);
	assert_null(hv_config_audience_find(&c, "clinic"));
	hv_config_done(&c);
}

static void test_audiences_parsed(void **state)
{
	struct hv_config c;
	struct hv_config_error e;
	const struct hv_config_audience *a;

	(void)state;
	assert_int_equal(
		parse("{\"audiences\": ["
		      " {\"name\": \"clinic\", \"topic_prefix\": \"clinic/hv\","
		      "  \"payload_format\": \"phd\", \"care_identity\": true},"
		      " {\"name\": \"community\", \"topic_prefix\": \"peers\","
		      "  \"host\": \"peers.example.org\", \"username\": \"gw\","
		      "  \"tls\": {\"enabled\": true}},"
		      " {\"name\": \"research\", \"topic_prefix\": \"r\","
		      "  \"care_identity\": true, \"pseudonymous\": true}]}",
		      &c, &e),
		0);
	assert_int_equal(c.n_audiences, 3);
	a = hv_config_audience_find(&c, "clinic");
	assert_non_null(a);
	assert_string_equal(a->topic_prefix, "clinic/hv");
	assert_int_equal(a->payload_format, HV_PAYLOAD_PHD);
	assert_true(a->care_identity);
	assert_false(a->pseudonymous); /* the care team's default */
	assert_null(a->host);
	a = hv_config_audience_find(&c, "community");
	assert_non_null(a);
	assert_true(a->pseudonymous);
	assert_int_equal(a->payload_format, HV_PAYLOAD_HOMEVITALS);
	assert_string_equal(a->host, "peers.example.org");
	assert_int_equal(a->port, 8883); /* TLS without a port */
	assert_string_equal(a->username, "gw");
	a = hv_config_audience_find(&c, "research");
	assert_true(a->care_identity);
	assert_true(a->pseudonymous); /* said so */
	assert_null(hv_config_audience_find(&c, "nobody"));
	hv_config_done(&c);
}

static void expect_error(const char *json, const char *message)
{
	struct hv_config c;
	struct hv_config_error e;

	hv_config_init(&c);
	c.log_level = 3; /* must survive a failed parse */
	if (hv_config_parse(json, &c, &e, NULL, NULL) != -EINVAL)
		fail_msg("accepted: %s", json);
	if (!strstr(e.message, message))
		fail_msg("%s: message \"%s\" lacks \"%s\"", json, e.message,
			 message);
	assert_int_equal(c.log_level, 3);
	hv_config_done(&c);
}

static void test_audience_errors(void **state)
{
	(void)state;
	expect_error("{\"audiences\": {}}",
		     "audiences: {} is not an array of audience objects");
	expect_error("{\"audiences\": []}", "audiences: empty");
	expect_error("{\"audiences\": [1]}",
		     "audiences[0]: 1 is not an audience object");
	expect_error("{\"audiences\": [{\"topic_prefix\": \"a\"}]}",
		     "audiences[0].name: missing");
	expect_error("{\"audiences\": [{\"name\": \"a\"}]}",
		     "audiences[0].topic_prefix: missing");
	expect_error("{\"audiences\": [{\"name\": \"a b\", \"topic_prefix\": \"a\"}]}",
		     "audiences[0].name: \"a b\" is not a name");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a/#\"}]}",
		     "audiences[0].topic_prefix: \"a/#\" is not a topic prefix");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		     " \"payload_format\": \"xml\"}]}",
		     "audiences[0].payload_format: \"xml\" is not one of");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\"},"
		     " {\"name\": \"a\", \"topic_prefix\": \"b\"}]}",
		     "audiences[1].name: \"a\" is already listed as audiences[0]");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"x\"},"
		     " {\"name\": \"b\", \"topic_prefix\": \"x\"}]}",
		     "audiences[1].topic_prefix: \"x\" is already the topic root of audiences[0]");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		     " \"port\": 1884}]}",
		     "audiences[0].host: missing");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		     " \"host\": \"h\", \"password\": \"s3cret\"}]}",
		     "audiences[].password: secrets are not read");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		     " \"host\": \"h\", \"tls\": {\"cert_file\": \"c\"}}]}",
		     "audiences[0].tls.key_file: missing");
	expect_error("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		     " \"pseudonymous\": 1}]}",
		     "audiences[0].pseudonymous: 1 is not true or false");
}

static void count_warning(const char *message, void *userdata)
{
	(void)message;
	(*(unsigned *)userdata)++;
}

/* docs/homevitals.audiences.example.json loads without a warning. */
static void test_audiences_example(void **state)
{
	struct hv_config c = { 0 };
	struct hv_config_error e;
	unsigned warnings = 0;
	const struct hv_config_audience *a;

	(void)state;
	if (hv_config_load("docs/homevitals.audiences.example.json", &c, &e,
			   count_warning, &warnings) < 0)
		fail_msg("%s", e.message);
	assert_int_equal(warnings, 0);
	assert_int_equal(c.n_audiences, 3);
	a = hv_config_audience_find(&c, "community");
	assert_non_null(a);
	assert_true(a->pseudonymous);
	assert_int_equal(a->port, 8883);
	a = hv_config_audience_find(&c, "clinic");
	assert_false(a->pseudonymous);
	assert_int_equal(a->payload_format, HV_PAYLOAD_PHD);
	hv_config_done(&c);
}

/* The same root on two different brokers does no harm. */
static void test_same_root_other_broker(void **state)
{
	struct hv_config c;
	struct hv_config_error e;

	(void)state;
	assert_int_equal(parse("{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"x\"},"
			       " {\"name\": \"b\", \"topic_prefix\": \"x\", \"host\": \"other\"}]}",
			       &c, &e),
			 0);
	assert_int_equal(c.audiences[1].port, 1883);
	hv_config_done(&c);
}

static void test_audience_password_file(void **state)
{
	char path[] = "/tmp/hv-consent-pw-XXXXXX";
	struct hv_config c;
	struct hv_config_error e;
	char json[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "peer-secret\nold\n", 16), 16);
	close(fd);
	(void)snprintf(json, sizeof(json),
		       "{\"audiences\": [{\"name\": \"a\", \"topic_prefix\": \"a\","
		       " \"host\": \"h\", \"password_file\": \"%s\"}]}",
		       path);
	assert_int_equal(parse(json, &c, &e), 0);
	assert_null(c.audiences[0].password);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), 0);
	assert_string_equal(c.audiences[0].password, "peer-secret");
	hv_config_done(&c);
	unlink(path);
	assert_int_equal(parse(json, &c, &e), 0);
	assert_int_equal(hv_config_resolve_secrets(&c, &e), -ENOENT);
	assert_non_null(strstr(e.message, "audiences[0].password_file: cannot read"));
	hv_config_done(&c);
}

/* --- consent rows in the store ---------------------------------------------- */

static struct hv_store *open_with_person(const char *id)
{
	struct hv_store *s = NULL;
	struct hv_person p = { 0 };

	assert_int_equal(hv_store_open(dbpath, 0, &s), 0);
	(void)snprintf(p.id, sizeof(p.id), "%s", id);
	assert_int_equal(hv_store_person_add(s, &p), 0);
	return s;
}

static struct hv_consent consent(const char *person, const char *audience,
				 const char *metrics, int64_t t)
{
	struct hv_consent c = { .recorded_usec = t };

	(void)snprintf(c.person, sizeof(c.person), "%s", person);
	(void)snprintf(c.audience, sizeof(c.audience), "%s", audience);
	(void)snprintf(c.metrics, sizeof(c.metrics), "%s", metrics);
	(void)snprintf(c.recorded_by, sizeof(c.recorded_by), "nurse-ana");
	return c;
}

static void test_grant_get_list(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	struct hv_consent c = consent("p-ana", "community", "weight,activity",
				      T0);
	struct hv_consent got, *list = NULL;
	size_t n = 0;
	int64_t id = 0;

	(void)state;
	assert_int_equal(hv_store_consent_get(s, "p-ana", "community", &got),
			 -ENOENT);
	c.daily = true;
	(void)snprintf(c.from_date, sizeof(c.from_date), "2024-03-01");
	assert_int_equal(hv_store_consent_grant(s, &c, &id), 0);
	assert_true(id > 0);
	assert_int_equal(hv_store_consent_get(s, "p-ana", "community", &got),
			 0);
	assert_int_equal(got.id, id);
	assert_string_equal(got.metrics, "weight,activity");
	assert_true(got.daily);
	assert_false(got.device_details);
	assert_string_equal(got.from_date, "2024-03-01");
	assert_string_equal(got.recorded_by, "nurse-ana");
	assert_int_equal(got.recorded_usec, T0);
	assert_int_equal(got.revoked_usec, 0);
	assert_int_equal(hv_store_consent_get(s, "p-ana", "clinic", &got),
			 -ENOENT);
	{
		struct hv_withdrawal w;

		/* Nothing withdrawn, nothing to announce. */
		assert_int_equal(hv_store_withdrawal_next(s, "community", &w),
				 0);
	}

	/* A new grant replaces the one in force, which stays as history. */
	c = consent("p-ana", "community", "weight", T0 + 1000);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	assert_int_equal(hv_store_consent_get(s, "p-ana", "community", &got),
			 0);
	assert_string_equal(got.metrics, "weight");
	assert_false(got.daily);
	assert_int_equal(hv_store_consent_list(s, "p-ana", false, &list, &n),
			 0);
	assert_int_equal(n, 1);
	free(list);
	assert_int_equal(hv_store_consent_list(s, "p-ana", true, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].revoked_usec, T0 + 1000);
	assert_int_equal(list[1].revoked_usec, 0);
	free(list);
	hv_store_close(s);
}

static void test_grant_refused(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	struct hv_consent c;

	(void)state;
	c = consent("p-nobody", "community", "weight", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), -ENOENT);
	c = consent("p-ana", "community", "weight,nonsense", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), -EINVAL);
	c = consent("p-ana", "community", " weight", T0); /* not normalized */
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), -EINVAL);
	c = consent("p-ana", "com munity", "weight", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), -EINVAL);
	c = consent("p-ana", "community", "weight", T0);
	(void)snprintf(c.from_date, sizeof(c.from_date), "2024-3-1");
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), -EINVAL);
	assert_int_equal(hv_store_consent_get(s, "p-ana", "community", NULL),
			 -ENOENT);
	hv_store_close(s);
}

static void test_revoke(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	struct hv_consent c = consent("p-ana", "clinic", "all", T0), *list;
	uint64_t dropped = 99;
	size_t n;

	(void)state;
	assert_int_equal(hv_store_consent_revoke(s, "p-ana", "clinic", T0 + 1,
						 &dropped),
			 -ENOENT);
	assert_int_equal(dropped, 99);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	assert_int_equal(hv_store_consent_revoke(s, "p-ana", "clinic", T0 + 5,
						 &dropped),
			 0);
	assert_int_equal(dropped, 0);
	assert_int_equal(hv_store_consent_get(s, "p-ana", "clinic", NULL),
			 -ENOENT);
	/* The audience's client has a withdrawal to announce, once. */
	{
		struct hv_withdrawal w;

		assert_int_equal(hv_store_withdrawal_next(s, "community", &w), 0);
		assert_int_equal(hv_store_withdrawal_next(s, "clinic", &w), 1);
		assert_string_equal(w.person, "p-ana");
		assert_int_equal(w.revoked_usec, T0 + 5);
		assert_int_equal(hv_store_withdrawal_done(s, w.id, T0 + 6), 0);
		assert_int_equal(hv_store_withdrawal_next(s, "clinic", &w), 0);
	}
	assert_int_equal(hv_store_consent_list(s, NULL, true, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].revoked_usec, T0 + 5);
	free(list);
	/* A grant after the withdrawal: the notice is to be replaced,
	 * again through the audience's client. */
	c.recorded_usec = T0 + 7;
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	{
		struct hv_withdrawal w;

		assert_int_equal(hv_store_withdrawal_next(s, "community", &w), 0);
		assert_int_equal(hv_store_withdrawal_next(s, "clinic", &w), 1);
		assert_string_equal(w.person, "p-ana");
		assert_int_equal(w.revoked_usec, T0 + 7);
		assert_int_equal(hv_store_withdrawal_done(s, w.id, T0 + 8), 0);
		assert_int_equal(hv_store_withdrawal_next(s, "clinic", &w), 0);
	}
	/* Removing the person removes their consents. */
	assert_int_equal(hv_store_person_remove(s, "p-ana"), 0);
	assert_int_equal(hv_store_consent_list(s, NULL, true, &list, &n), 0);
	assert_int_equal(n, 0);
	free(list);
	hv_store_close(s);
}


static void make_weighin(struct hv_record *r, const char *id,
			 const char *person, int64_t t)
{
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->id, sizeof(r->id), "%s", id);
	(void)snprintf(r->person, sizeof(r->person), "%s", person);
	(void)snprintf(r->device_address, sizeof(r->device_address),
		       "C8:47:8C:01:02:03");
	(void)snprintf(r->device_model, sizeof(r->device_model), "MI SCALE2");
	r->time_usec = t;
	hv_measurement_init(&r->m, "xiaomi_mi_scale2");
	r->m.final = true;
	assert_int_equal(hv_measurement_add(&r->m, HV_METRIC_BODY_WEIGHT, 57),
			 0);
	assert_int_equal(hv_measurement_add(&r->m, HV_METRIC_IMPEDANCE, 500),
			 0);
}

/* The audiences' rows of the outbox, as "audience:measurement" lines. */
static size_t audience_rows(struct hv_store *s, const char *audience,
			    char ids[][HV_ID_MAX], size_t max)
{
	struct hv_outbox_item items[8];
	size_t n = 0;

	assert_int_equal(hv_store_outbox_next_audience(s, audience, 0, 8, items,
						       &n),
			 0);
	for (size_t i = 0; i < n; i++) {
		if (i < max)
			memcpy(ids[i], items[i].id, HV_ID_MAX);
		hv_outbox_item_done(&items[i]);
	}
	return n;
}

static void test_outbox_without_audiences(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	struct hv_consent c = consent("p-ana", "community", "weight", T0);
	struct hv_record rec;
	char ids[8][HV_ID_MAX];

	(void)state;
	/* A consent row changes nothing while no audience is configured. */
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	make_weighin(&rec, "m1", "p-ana", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(audience_rows(s, "", ids, 8), 1);
	assert_string_equal(ids[0], "m1");
	assert_int_equal(audience_rows(s, "community", ids, 8), 0);
	hv_store_close(s);
}

static void test_outbox_per_audience(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	const char *const names[] = { "clinic", "community", "research" };
	struct hv_consent c;
	struct hv_record rec;
	struct hv_person bo = { .id = "p-bo" };
	char ids[8][HV_ID_MAX];
	struct hv_shared_row *shared = NULL;
	size_t n = 0;
	uint64_t dropped = 0, backlog = 0;

	(void)state;
	assert_int_equal(hv_store_person_add(s, &bo), 0);
	assert_int_equal(hv_store_set_audiences(s, names, 3), 0);
	c = consent("p-ana", "clinic", "all", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	c = consent("p-ana", "community", "weight", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	/* No metric of a weigh-in in its scope: no row. */
	c = consent("p-ana", "research", "blood_pressure", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	/* An audience the configuration does not name: no row. */
	c = consent("p-ana", "elsewhere", "all", T0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	/* A daily consent queues the measurement's day. */
	c = consent("p-bo", "community", "all", T0);
	c.daily = true;
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	/* From a date after the measurement: no row. */
	c = consent("p-bo", "clinic", "all", T0);
	(void)snprintf(c.from_date, sizeof(c.from_date), "2024-03-16");
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);

	make_weighin(&rec, "m1", "p-ana", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "m2", "p-bo", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "m3", "", T0); /* unassigned: nobody's consent */
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "m4", "p-bo", T0 + 86400LL * 1000000);
	assert_int_equal(hv_store_add(s, &rec), 1); /* 2024-03-16: from then on */

	assert_int_equal(audience_rows(s, "", ids, 8), 0); /* no implicit one */
	assert_int_equal(audience_rows(s, "clinic", ids, 8), 2);
	assert_string_equal(ids[0], "m1");
	assert_string_equal(ids[1], "m4");
	assert_int_equal(audience_rows(s, "community", ids, 8), 3);
	assert_string_equal(ids[0], "m1");
	assert_string_equal(ids[1], "m2");
	assert_string_equal(ids[2], "m4");
	assert_int_equal(audience_rows(s, "research", ids, 8), 0);
	assert_int_equal(hv_store_backlog(s, &backlog), 0);
	assert_int_equal(backlog, 5);

	/* Acknowledged: recorded in the audit trail, with the delivered mark. */
	{
		struct hv_outbox_item items[2];

		assert_int_equal(hv_store_outbox_next_audience(s, "clinic", 0, 2,
							       items, &n),
				 0);
		assert_int_equal(n, 2);
		assert_int_equal(hv_store_outbox_mark_delivered(s, items[0].seq), 0);
		/* A second mark of the same row adds no second audit row. */
		assert_int_equal(hv_store_outbox_mark_delivered(s, items[0].seq), 0);
		/* Dropped (consent narrowed at publish time): gone, not shared. */
		assert_int_equal(hv_store_outbox_drop(s, items[1].seq), 0);
		hv_outbox_item_done(&items[0]);
		hv_outbox_item_done(&items[1]);
	}
	assert_int_equal(hv_store_shared_list(s, "p-ana", NULL, 0, &shared, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(shared[0].measurement_id, "m1");
	assert_string_equal(shared[0].audience, "clinic");
	assert_int_equal(shared[0].time_usec, T0);
	assert_true(shared[0].acked_usec > 0);
	free(shared);
	assert_int_equal(hv_store_shared_list(s, "p-ana", "community", 0, &shared,
					      &n),
			 0);
	assert_int_equal(n, 0);
	free(shared);
	assert_int_equal(hv_store_shared_list(s, "p-bo", NULL, 0, &shared, &n), 0);
	assert_int_equal(n, 0);
	free(shared);

	/* Revoking drops the audience's pending rows of the person only. */
	assert_int_equal(hv_store_consent_revoke(s, "p-ana", "community", T0 + 9,
						 &dropped),
			 0);
	assert_int_equal(dropped, 1);
	assert_int_equal(audience_rows(s, "community", ids, 8), 2); /* Bo's */
	assert_string_equal(ids[0], "m2");
	assert_int_equal(hv_store_backlog(s, &backlog), 0);
	assert_int_equal(backlog, 2);
	/* The measurement itself stays. */
	{
		char *json = NULL;

		assert_int_equal(hv_store_measurement_json(s, "m1", &json), 0);
		free(json);
	}
	hv_store_close(s);
}

static void test_daily_summary(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	struct hv_daily_summary *d = NULL;
	struct hv_record rec;
	size_t n = 0;
	const int64_t day = 19797LL * 86400 * 1000000; /* 2024-03-15 */

	(void)state;
	make_weighin(&rec, "a", "p-ana", T0);
	rec.m.readings[0].value = 57.0;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "b", "p-ana", T0 + 3600LL * 1000000);
	rec.m.readings[0].value = 58.0;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "c", "p-ana", T0 + 2 * 3600LL * 1000000);
	rec.m.readings[0].value = 57.5;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "next-day", "p-ana", day + 86400LL * 1000000);
	rec.m.readings[0].value = 90;
	assert_int_equal(hv_store_add(s, &rec), 1);
	make_weighin(&rec, "day-before", "p-ana", day - 1);
	rec.m.readings[0].value = 10;
	assert_int_equal(hv_store_add(s, &rec), 1);

	assert_int_equal(hv_store_daily_summary(s, "p-ana", day, &d, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].metric, "body_weight");
	assert_string_equal(d[0].unit, "kg");
	assert_true(d[0].min == 57.0 && d[0].max == 58.0);
	assert_true(d[0].mean > 57.4999 && d[0].mean < 57.5001);
	assert_int_equal(d[0].count, 3);
	assert_string_equal(d[1].metric, "impedance");
	assert_int_equal(d[1].count, 3);
	free(d);
	assert_int_equal(hv_store_daily_summary(s, "p-bo", day, &d, &n), 0);
	assert_int_equal(n, 0);
	free(d);
	hv_store_close(s);
}

/* With audiences, a measurement no audience was to receive has no outbox
 * row: pruned by age, while one still waiting for an audience is kept. */
static void test_prune_without_rows(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	const char *const names[] = { "community" };
	struct hv_consent c = consent("p-ana", "community", "weight", T0);
	struct hv_record rec;
	uint64_t deleted = 0;
	char *json = NULL;

	(void)state;
	assert_int_equal(hv_store_set_audiences(s, names, 1), 0);
	make_weighin(&rec, "nobody", "", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	make_weighin(&rec, "waiting", "p-ana", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(hv_store_prune(s, INT64_MAX, false, &deleted), 0);
	assert_int_equal(deleted, 1);
	assert_int_equal(hv_store_measurement_json(s, "nobody", &json), -ENOENT);
	assert_int_equal(hv_store_measurement_json(s, "waiting", &json), 0);
	free(json);
	hv_store_close(s);
}

/* Revoked while handed to the broker: its late acknowledgement still marks
 * the row (the publisher's marks must not fail) and is audited. */
static void test_revoke_in_flight(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	const char *const names[] = { "community" };
	struct hv_consent c = consent("p-ana", "community", "weight", T0);
	struct hv_outbox_item item;
	struct hv_shared_row *shared = NULL;
	struct hv_record rec;
	uint64_t dropped = 0, backlog = 9;
	size_t n = 0;

	(void)state;
	assert_int_equal(hv_store_set_audiences(s, names, 1), 0);
	assert_int_equal(hv_store_consent_grant(s, &c, NULL), 0);
	make_weighin(&rec, "m1", "p-ana", T0);
	assert_int_equal(hv_store_add(s, &rec), 1);
	assert_int_equal(hv_store_outbox_next_audience(s, "community", 0, 1,
						       &item, &n),
			 0);
	assert_int_equal(n, 1);
	assert_int_equal(hv_store_consent_revoke(s, "p-ana", "community", T0 + 1,
						 &dropped),
			 0);
	assert_int_equal(dropped, 1);
	assert_int_equal(hv_store_backlog(s, &backlog), 0);
	assert_int_equal(backlog, 0);
	assert_int_equal(hv_store_outbox_mark_delivered(s, item.seq), 0);
	hv_outbox_item_done(&item);
	assert_int_equal(hv_store_shared_list(s, "p-ana", "community", 0,
					      &shared, &n),
			 0);
	assert_int_equal(n, 1);
	free(shared);
	hv_store_close(s);
}

static void test_secret(void **state)
{
	struct hv_store *s = open_with_person("p-ana");
	uint8_t a[HV_STORE_SECRET_BYTES], b[HV_STORE_SECRET_BYTES];
	static const uint8_t zero[HV_STORE_SECRET_BYTES];

	(void)state;
	assert_int_equal(hv_store_pseudonym_secret(s, a), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	hv_store_close(s);
	assert_int_equal(hv_store_open(dbpath, 0, &s), 0);
	assert_int_equal(hv_store_pseudonym_secret(s, b), 0);
	assert_memory_equal(a, b, sizeof(a)); /* kept: pseudonyms are stable */
	hv_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_group_metric_is_known),
		cmocka_unit_test(test_every_metric_in_a_group),
		cmocka_unit_test(test_scope_normalize),
		cmocka_unit_test(test_scope_allows),
		cmocka_unit_test(test_no_audiences_is_the_implicit_one),
		cmocka_unit_test(test_audiences_parsed),
		cmocka_unit_test(test_audience_errors),
		cmocka_unit_test(test_same_root_other_broker),
		cmocka_unit_test(test_audiences_example),
		cmocka_unit_test(test_audience_password_file),
		tmp_store_test(test_grant_get_list),
		tmp_store_test(test_grant_refused),
		tmp_store_test(test_revoke),
		cmocka_unit_test(test_pseudonym),
		tmp_store_test(test_outbox_without_audiences),
		tmp_store_test(test_outbox_per_audience),
		tmp_store_test(test_secret),
		tmp_store_test(test_revoke_in_flight),
		tmp_store_test(test_prune_without_rows),
		tmp_store_test(test_daily_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
