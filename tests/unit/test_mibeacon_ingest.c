// SPDX-License-Identifier: MIT
/*
 * Encrypted MiBeacon scales through ingest, with the bind key from a file,
 * the environment or a credential: the S400's two published packets of one
 * weigh-in (xiaomi-ble's test frames, tests/vectors/xiaomi_mibeacon.json)
 * become one stored measurement for the person linked to the profile id; a
 * first packet alone is still stored after the wait; replayed counters and
 * frames that fail authentication store nothing, the latter counted against
 * the driver with the device named. A real SQLite store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/common/device_keys.h"
#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

#define ADDR "8C:D0:B2:F6:BE:EF"
#define KEY "0728974d657a4b60964c1b1677f35f7c"
/* xiaomi-ble tests/test_parser.py test_Xiaomi_Scale_S400_MJTZC01YM{,_packet_2} */
#define PACKET_1 "fe95:4859d53b0abc078ff2348c844138e930220000009e538599"
#define PACKET_2 "fe95:4859d53b0bd6ef0b25db72785e7e2f46d6000000d8642df6"

struct fixture {
	char dir[64];
	struct hv_config cfg;
	struct hv_store *store;
	struct hv_ingest *ingest;
	struct hv_device_keys *keys;
};

static const struct hv_person ann = {
	.id = "p-ann",
	.height_m = 1.62,
	.birth_date = "1970-01-01",
	.sex = HV_SEX_FEMALE,
	.weight_min_kg = 40,
	.weight_max_kg = 50, /* the weight rule would not pick her */
};

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* A configuration naming the device's key file, holding `key`. */
static void configure(struct fixture *f, const char *key)
{
	struct hv_config_error err;
	char path[128], json[512];

	(void)snprintf(path, sizeof(path), "%s/s400.key", f->dir);
	write_file(path, key);
	(void)snprintf(json, sizeof(json),
		       "{\"bluetooth\": {\"devices\": [{\"address\": \"%s\", "
		       "\"bind_key_file\": \"%s\"}]}}",
		       ADDR, path);
	assert_int_equal(hv_config_parse(json, &f->cfg, &err, NULL, NULL), 0);
	f->keys = hv_device_keys_free(f->keys);
	assert_int_equal(hv_device_keys_load(&f->cfg, &f->keys, &err), 0);
	hv_ingest_set_device_keys(f->ingest, f->keys);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hv-mibeacon-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(path, sizeof(path), "%s/h.db", f->dir);
	assert_int_equal(hv_store_open(path, 0, &f->store), 0);
	hv_config_init(&f->cfg);
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
	configure(f, KEY "\n");
	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	assert_int_equal(hv_store_link_set(f->store, ADDR, 1, "p-ann", -1), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[96];

	hv_ingest_free(f->ingest);
	hv_device_keys_free(f->keys);
	hv_store_close(f->store);
	hv_config_done(&f->cfg);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct hv_clock_sample clock_at(double seconds)
{
	return (struct hv_clock_sample){
		.mono_usec = (uint64_t)(seconds * 1e6) + 1000 * USEC_PER_SEC,
		.wall_usec = 1744250600LL * 1000000 + (int64_t)(seconds * 1e6),
		.wall_known = true,
	};
}

static struct hv_ingest_result feed(struct fixture *f, const char *frame,
				    double t)
{
	struct hv_clock_sample now = clock_at(t);
	struct hv_ingest_result res;
	struct hv_frame fr = { .address = ADDR };

	assert_int_equal(hv_frame_add_service_data(&fr, frame), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	return res;
}

static struct hv_ingest_result tick(struct fixture *f, double t)
{
	struct hv_clock_sample now = clock_at(t);
	struct hv_ingest_result res;

	assert_int_equal(hv_ingest_tick(f->ingest, &now, &res), 0);
	return res;
}

static size_t outbox(struct hv_store *s, cJSON **ret)
{
	struct hv_outbox_item items[4];
	size_t n = 0;

	assert_int_equal(hv_store_outbox_next(s, 0, 4, items, &n), 0);
	if (n)
		*ret = cJSON_Parse(items[0].json);
	for (size_t i = 0; i < n; i++)
		hv_outbox_item_done(&items[i]);
	return n;
}

static double value(const cJSON *record, const char *metric)
{
	const cJSON *rd;

	cJSON_ArrayForEach(rd, cJSON_GetObjectItemCaseSensitive(record, "readings"))
		if (strcmp(cJSON_GetObjectItemCaseSensitive(rd, "metric")->valuestring,
			   metric) == 0)
			return cJSON_GetObjectItemCaseSensitive(rd, "value")->valuedouble;
	return NAN;
}

static const struct hv_driver_counters *counters(struct fixture *f)
{
	const struct hv_driver_counters *c = NULL;

	for (size_t i = 0; i < hv_drivers_count; i++)
		if (strcmp(hv_drivers[i]->id, "xiaomi_s400") == 0)
			assert_int_equal(hv_ingest_driver_stats(f->ingest, i, &c), 0);
	assert_non_null(c);
	return c;
}

static void test_two_packets_one_measurement(void **state)
{
	struct fixture *f = *state;
	struct hv_ingest_result res;
	cJSON *j = NULL;

	res = feed(f, PACKET_1, 1);
	assert_int_equal(res.stored, 0);
	/* the bounded wait for the second packet */
	assert_int_equal(res.next_usec, clock_at(11).mono_usec);
	res = feed(f, PACKET_2, 2);
	assert_int_equal(res.stored, 0);
	/* joined, now a weigh-in in the pipeline: its quiet time */
	assert_int_equal(res.next_usec, clock_at(12).mono_usec);
	res = tick(f, 12);
	assert_int_equal(res.stored, 1);
	assert_int_equal(outbox(f->store, &j), 1);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "driver")->valuestring,
			    "xiaomi_s400");
	/* profile id 1 is the linked slot 1: Ann, whatever her weight range */
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "person")->valuestring,
			    "p-ann");
	/* the values xiaomi-ble states for the two frames */
	assert_true(fabs(value(j, "body_weight") - 69.9) < 1e-9);
	assert_true(fabs(value(j, "heart_rate") - 92) < 1e-9);
	assert_true(fabs(value(j, "impedance") - 543.2) < 1e-9);
	assert_true(fabs(value(j, "impedance_250khz") - 497.6) < 1e-9);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "more_packets"));
	cJSON_Delete(j);
	assert_int_equal(counters(f)->invalid, 0);
}

static void test_first_packet_alone_after_wait(void **state)
{
	struct fixture *f = *state;
	struct hv_ingest_result res;
	cJSON *j = NULL;

	res = feed(f, PACKET_1, 1);
	assert_int_equal(res.stored, 0);
	res = tick(f, 11);
	assert_int_equal(res.stored, 0);
	assert_true(res.next_usec != UINT64_MAX);
	res = tick(f, (double)(res.next_usec - clock_at(0).mono_usec) / 1e6);
	assert_int_equal(res.stored, 1);
	assert_int_equal(outbox(f->store, &j), 1);
	assert_true(fabs(value(j, "body_weight") - 69.9) < 1e-9);
	assert_true(fabs(value(j, "impedance") - 543.2) < 1e-9);
	assert_true(isnan(value(j, "impedance_250khz")));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "more_packets"));
	cJSON_Delete(j);
}

static void test_flush_stores_a_waiting_packet(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample now = clock_at(2);
	struct hv_ingest_result res;
	cJSON *j = NULL;

	(void)feed(f, PACKET_1, 1);
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(outbox(f->store, &j), 1);
	cJSON_Delete(j);
}

/* The second packet whose first was lost: stored too, as it is. */
static void test_second_packet_alone(void **state)
{
	struct fixture *f = *state;
	struct hv_ingest_result res;
	cJSON *j = NULL;

	res = feed(f, PACKET_2, 1);
	res = tick(f, (double)(res.next_usec - clock_at(0).mono_usec) / 1e6);
	assert_int_equal(outbox(f->store, &j), 1);
	assert_true(fabs(value(j, "impedance_250khz") - 497.6) < 1e-9);
	assert_true(isnan(value(j, "body_weight")));
	cJSON_Delete(j);
}

static void test_replayed_counter_ignored(void **state)
{
	struct fixture *f = *state;
	struct hv_ingest_result res;
	cJSON *j = NULL;

	(void)feed(f, PACKET_1, 1);
	(void)feed(f, PACKET_2, 2);
	assert_int_equal(tick(f, 12).stored, 1);
	/* Both again, later: counters not newer, nothing new. */
	res = feed(f, PACKET_1, 200);
	assert_int_equal(res.stored, 0);
	/* not held for a second packet (that would be due at 210) */
	assert_true(res.next_usec < clock_at(200).mono_usec);
	res = feed(f, PACKET_2, 201);
	assert_int_equal(res.stored, 0);
	assert_true(res.next_usec < clock_at(200).mono_usec);
	assert_int_equal(tick(f, 400).stored, 0);
	assert_int_equal(outbox(f->store, &j), 1);
	cJSON_Delete(j);
	assert_int_equal(counters(f)->invalid, 0);
}

static void test_wrong_key_counted_not_stored(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver_counters *c;
	cJSON *j = NULL;

	configure(f, "00112233445566778899aabbccddeeff\n");
	assert_int_equal(feed(f, PACKET_1, 1).stored, 0);
	assert_int_equal(tick(f, 100).stored, 0);
	assert_int_equal(outbox(f->store, &j), 0);
	c = counters(f);
	assert_int_equal(c->invalid, 1);
	assert_int_equal(c->final, 0);
	assert_non_null(strstr(c->last_invalid_reason,
			       "authentication failed for " ADDR));
}

static void test_no_key_counted_not_stored(void **state)
{
	struct fixture *f = *state;
	cJSON *j = NULL;

	hv_ingest_set_device_keys(f->ingest, NULL);
	assert_int_equal(feed(f, PACKET_1, 1).stored, 0);
	assert_int_equal(tick(f, 100).stored, 0);
	assert_int_equal(outbox(f->store, &j), 0);
	assert_int_equal(counters(f)->invalid, 1);
	assert_string_equal(counters(f)->last_invalid_reason,
			    "no bind key for " ADDR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_packets_one_measurement,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_packet_alone_after_wait,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_stores_a_waiting_packet,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_packet_alone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_counter_ignored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_counted_not_stored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_key_counted_not_stored,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
