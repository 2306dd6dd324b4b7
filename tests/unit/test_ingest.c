// SPDX-License-Identifier: MIT
/*
 * Ingest in one line: a frame decoded once, the pipeline, the person, body
 * composition from her profile, the row and its outbox entry — and the
 * per-driver counters. A real SQLite store in a temporary directory.
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
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

#define ADDR "C8:47:8C:00:00:02"
/* Mi Body Composition Scale 2: 62.5 kg, 500 Ω, stabilised, 2024-03-15. */
#define MI2_FRAME "181b:0226e807030f082000f401d430"
/* The same with both pound and jin set: malformed. */
#define MI2_MALFORMED "181b:0366e807030f082000f401d430"

struct fixture {
	char dir[64];
	struct hv_config cfg;
	struct hv_store *store;
	struct hv_ingest *ingest;
};

static const struct hv_person ann = {
	.id = "p-ann",
	.height_m = 1.62,
	.birth_date = "1970-01-01",
	.sex = HV_SEX_FEMALE,
	.weight_min_kg = 58,
	.weight_max_kg = 64,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[128];

	assert_non_null(f);
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hv-ingest-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	(void)snprintf(path, sizeof(path), "%s/h.db", f->dir);
	assert_int_equal(hv_store_open(path, 0, &f->store), 0);
	hv_config_init(&f->cfg);
	f->cfg.assignment.tolerance_kg = 1;
	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[96];

	hv_ingest_free(f->ingest);
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
		.wall_usec = 1710491520LL * 1000000 + (int64_t)(seconds * 1e6),
		.wall_known = true,
	};
}

static void advert(struct hv_frame *ret, const char *service_data)
{
	*ret = (struct hv_frame){ .address = ADDR };
	assert_int_equal(hv_frame_add_service_data(ret, service_data), 0);
}

/* The one pending outbox row's stored JSON. */
static cJSON *outbox_only(struct hv_store *s)
{
	struct hv_outbox_item items[4];
	size_t n = 0;
	cJSON *j;

	assert_int_equal(hv_store_outbox_next(s, 0, 4, items, &n), 0);
	assert_int_equal(n, 1);
	j = cJSON_Parse(items[0].json);
	hv_outbox_item_done(&items[0]);
	assert_non_null(j);
	return j;
}

static const cJSON *reading(const cJSON *record, const char *metric)
{
	const cJSON *rd;

	cJSON_ArrayForEach(rd, cJSON_GetObjectItemCaseSensitive(record, "readings"))
		if (strcmp(cJSON_GetObjectItemCaseSensitive(rd, "metric")->valuestring,
			   metric) == 0)
			return rd;
	return NULL;
}

static void test_weighin_assigned_derived_stored(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_person p;
	struct hv_frame fr;
	const cJSON *bmi, *fat;
	cJSON *j;

	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	advert(&fr, MI2_FRAME);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	/* The person is still on the scale: nothing yet, a deadline instead. */
	assert_int_equal(res.stored, 0);
	assert_int_equal(res.next_usec, clock_at(11).mono_usec);

	now = clock_at(11);
	assert_int_equal(hv_ingest_tick(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.failed, 0);
	j = outbox_only(f->store);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "person")->valuestring,
			    "p-ann");
	/* Body composition for her: BMI from her height, the driver's method. */
	bmi = reading(j, "bmi");
	assert_non_null(bmi);
	assert_true(fabs(cJSON_GetObjectItemCaseSensitive(bmi, "value")->valuedouble -
			 62.5 / (1.62 * 1.62)) < 0.01);
	fat = reading(j, "body_fat_percent");
	assert_non_null(fat);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(fat, "method")->valuestring,
			    "mifit");
	cJSON_Delete(j);
	/* Her last weight, for the weight rule next time. */
	assert_int_equal(hv_store_person_get(f->store, "p-ann", &p), 0);
	assert_true(fabs(p.last_weight_kg - 62.5) < 0.01);
}

/* A GATT value with the session's driver takes the same road: decoded
 * once, stored at once, the linked user slot deciding whose it is. */
static void test_gatt_value_linked_slot(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *sig = hv_driver_by_id("sig_weight_scale");
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_frame fr = { .address = "AA:BB:CC:00:00:02" };
	struct hv_person cleo = ann;
	cJSON *j;

	(void)snprintf(cleo.id, sizeof(cleo.id), "p-cleo");
	cleo.weight_min_kg = 61;
	cleo.weight_max_kg = 70;
	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	assert_int_equal(hv_store_person_add(f->store, &cleo), 0);
	assert_int_equal(hv_store_link_set(f->store, fr.address, 2, "p-cleo", -1),
			 0);
	/* 62.5 kg (fits both by weight), user 2 */
	assert_int_equal(hv_frame_set_characteristic(&fr, "2a9d:04d43002"), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, sig, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.sequence_number, -1);
	j = outbox_only(f->store);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "person")->valuestring,
			    "p-cleo");
	cJSON_Delete(j);
}

/* Derivation happens after assignment only: a profile a frame brings is not
 * used, and nobody's profile means no derived readings. */
static void test_unassigned_no_derivation(void **state)
{
	static const struct hv_profile karl = { .height_m = 1.80,
						.age_years = 65,
						.sex = HV_SEX_MALE };
	struct fixture *f = *state;
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_frame fr;
	cJSON *j;

	advert(&fr, MI2_FRAME);
	fr.profile = &karl;
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	now = clock_at(30);
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	j = outbox_only(f->store);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "person")));
	assert_non_null(reading(j, "impedance"));
	assert_null(reading(j, "bmi"));
	cJSON_Delete(j);
}

static void test_driver_counters(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *mi2 = hv_driver_by_id("xiaomi_mi_scale2");
	const struct hv_driver_counters *st = NULL;
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_frame fr;
	size_t index = hv_drivers_count;

	for (size_t i = 0; i < hv_drivers_count; i++)
		if (hv_drivers[i] == mi2)
			index = i;
	assert_true(index < hv_drivers_count);
	advert(&fr, MI2_MALFORMED);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	advert(&fr, MI2_FRAME);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	assert_int_equal(hv_ingest_driver_stats(f->ingest, index, &st), 0);
	assert_int_equal(st->invalid, 1);
	assert_non_null(strstr(st->last_invalid_reason, "pound and jin"));
	assert_int_equal(st->claimed, 3); /* the malformed one too */
	assert_int_equal(st->final, 2);
	assert_int_equal(hv_ingest_driver_stats(f->ingest, hv_drivers_count, &st),
			 -ERANGE);
}

/* Devices written as seen (an adopted device is listed before it is). */
static int count_device(const struct hv_device_info *d, void *userdata)
{
	if (d->last_seen_usec > 0)
		(*(unsigned *)userdata)++;
	return 0;
}

static unsigned devices_in_store(struct hv_store *s)
{
	unsigned n = 0;

	assert_int_equal(hv_store_devices_foreach(s, count_device, &n), 0);
	return n;
}

/* 200 advertisers, 20 adverts each: nothing is written per advert; one
 * flush writes every device in one transaction, and adverts within the
 * interval note nothing new. */
static void test_devices_seen_in_batches(void **state)
{
	struct fixture *f = *state;
	struct hv_ingest_result res;
	char addr[200][HV_ADDRESS_MAX];
	struct hv_frame fr;

	for (unsigned round = 0; round < 20; round++) {
		struct hv_clock_sample now = clock_at(round * 0.5);

		for (unsigned i = 0; i < 200; i++) {
			(void)snprintf(addr[i], sizeof(addr[i]),
				       "C8:47:8C:00:%02X:%02X", i >> 8, i & 255);
			advert(&fr, MI2_FRAME);
			fr.address = addr[i];
			assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL,
							 &now, &res),
					 0);
		}
	}
	assert_int_equal(devices_in_store(f->store), 0);
	assert_true(hv_ingest_seen_pending(f->ingest));
	assert_int_equal(hv_ingest_flush_seen(f->ingest), 200);
	assert_int_equal(devices_in_store(f->store), 200);
	assert_false(hv_ingest_seen_pending(f->ingest));
	assert_int_equal(hv_ingest_flush_seen(f->ingest), 0);
}

/* The one derivation, as `homevitals assign` uses it too. */
static void test_derive_replaces_derived_readings(void **state)
{
	static const struct hv_profile karl = { .height_m = 1.80,
						.age_years = 65,
						.sex = HV_SEX_MALE };
	static const struct hv_profile partial = { .height_m = 1.80 };
	const struct hv_driver *mi2 = hv_driver_by_id("xiaomi_mi_scale2");
	struct hv_measurement m;
	struct hv_frame fr;
	int n;

	(void)state;
	advert(&fr, MI2_FRAME);
	hv_measurement_init(&m, mi2->id);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 62.5), 0);
	n = hv_ingest_derive(&fr, mi2, &karl, &m);
	assert_true(n > 2);
	assert_int_equal(m.n_readings, 1 + (size_t)n);
	assert_true(fabs(hv_measurement_find(&m, HV_METRIC_BMI)->value -
			 62.5 / (1.80 * 1.80)) < 0.01);
	/* Again: replaced, not added twice. */
	assert_int_equal(hv_ingest_derive(&fr, mi2, &karl, &m), n);
	assert_int_equal(m.n_readings, 1 + (size_t)n);
	/* An incomplete profile: the old ones go, none come. */
	assert_int_equal(hv_ingest_derive(&fr, mi2, &partial, &m), 0);
	assert_int_equal(m.n_readings, 1);
	/* A frame that does not decode: m untouched. */
	assert_true(hv_ingest_derive(&fr, mi2, &karl, &m) > 0);
	advert(&fr, MI2_MALFORMED);
	assert_int_equal(hv_ingest_derive(&fr, mi2, &karl, &m), -EBADMSG);
	assert_int_equal(m.n_readings, 1 + (size_t)n);
}

/* A measurement its driver decoded carries what the derivation needs: the
 * frame is not decoded again (a frame that would no longer decode does not
 * matter), and the result is what decoding with the profile gives. */
static void test_derive_does_not_decode_again(void **state)
{
	static const struct hv_profile karl = { .height_m = 1.80,
						.age_years = 65,
						.sex = HV_SEX_MALE };
	const struct hv_driver *mi2 = hv_driver_by_id("xiaomi_mi_scale2");
	struct hv_measurement m, with;
	struct hv_frame fr, bad;
	int n;

	(void)state;
	advert(&fr, MI2_FRAME);
	assert_int_equal(hv_registry_decode(&fr, mi2, &m), 0);
	fr.profile = &karl;
	assert_int_equal(hv_registry_decode(&fr, mi2, &with), 0);
	advert(&bad, MI2_MALFORMED);
	n = hv_ingest_derive(&bad, mi2, &karl, &m);
	assert_true(n > 2);
	assert_int_equal(m.n_readings, with.n_readings);
	for (size_t i = 0; i < with.n_readings; i++) {
		assert_int_equal(m.readings[i].metric, with.readings[i].metric);
		assert_true(m.readings[i].value == with.readings[i].value);
	}
	/* no frame at all: the same */
	assert_int_equal(hv_ingest_derive(NULL, mi2, &karl, &m), n);
	assert_int_equal(m.n_readings, with.n_readings);
}

static void test_person_profile(void **state)
{
	struct hv_profile p;

	(void)state;
	/* born 1961-04-02, asked on 2024-03-15: 62.95 years */
	assert_true(fabs(hv_age_years("1961-04-02", INT64_C(19797) * 86400) -
			 62.95) < 0.01);
	assert_true(hv_age_years("1961-02-30", INT64_C(19797) * 86400) == 0);
	assert_true(hv_age_years("1961-04-02x", INT64_C(19797) * 86400) == 0);
	assert_true(hv_age_years(NULL, 1) == 0);
	hv_person_profile(&ann, INT64_C(19797) * 86400, &p);
	assert_true(p.height_m == 1.62 && p.sex == HV_SEX_FEMALE);
	assert_true(fabs(p.age_years - 54.2) < 0.01);
}

/* A glucose record (sig_glucose, 0x2A18) with sequence number seq, device
 * clock 2025-06-01 07:30, 5.4 mmol/L; context_follows adds flag bit 4. */
static void glucose(struct hv_frame *ret, unsigned seq, bool context_follows)
{
	char hex[64];

	(void)snprintf(hex, sizeof(hex), "2a18:%02x%02x%02xe9070601071e0036c011",
		       context_follows ? 0x16 : 0x06, seq & 0xff, seq >> 8);
	*ret = (struct hv_frame){ .address = "AA:BB:CC:00:00:03" };
	assert_int_equal(hv_frame_set_characteristic(ret, hex), 0);
}

/* The sequence number a call reports is that of a committed record: not
 * one the pipeline still holds (waiting for its context). */
static void test_sequence_of_held_record_not_reported(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *d = hv_driver_by_id("sig_glucose");
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_frame fr;

	glucose(&fr, 5, true);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 0);
	assert_int_equal(res.sequence_number, -1);
	/* its context: now it is stored, and its number counts */
	fr = (struct hv_frame){ .address = "AA:BB:CC:00:00:03" };
	assert_int_equal(hv_frame_set_characteristic(&fr, "2a34:02050001"), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.sequence_number, 5);
}

/* The store fills up: a refused record's sequence number is never
 * reported (the session would not ask for it again), and once space
 * returns the same record is stored. */
static void test_sequence_of_refused_record_not_reported(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *d = hv_driver_by_id("sig_glucose");
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_frame fr;
	unsigned seq;

	/* No page beyond those the file has: the tables fill up soon. */
	assert_int_equal(hv_store_set_max_pages(f->store, 1), 0);
	for (seq = 1; seq < 1000; seq++) {
		glucose(&fr, seq, false);
		assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
		if (res.failed)
			break;
		assert_int_equal(res.stored, 1);
		assert_int_equal(res.sequence_number, (int)seq);
	}
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.store_error, -ENOSPC);
	assert_int_equal(res.sequence_number, -1);
	/* space returns: asked again, stored once */
	assert_int_equal(hv_store_set_max_pages(f->store, 0), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.sequence_number, (int)seq);
	/* and again: a duplicate, still committed */
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.duplicates, 1);
	assert_int_equal(res.sequence_number, (int)seq);
}

/* A heart rate value read in a session (0x2A37: 72 bpm): no device clock. */
static void heart_rate(struct hv_frame *ret)
{
	*ret = (struct hv_frame){ .address = "AA:BB:CC:00:00:04" };
	assert_int_equal(hv_frame_set_characteristic(ret, "2a37:0048"), 0);
}

static const char *json_string(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void format_time(int64_t usec, char *buf, size_t size)
{
	hv_format_rfc3339(usec, buf, size);
}

/* Received before the clock was synchronised, then the daemon stops (an
 * upgrade, a restart) before it is: the record is not lost. The next run
 * dates it by its age on the boot-time clock once the clock is known. */
static void test_held_record_survives_a_stop(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *d = hv_driver_by_id("sig_heart_rate");
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	struct hv_held_row *rows = NULL;
	struct hv_frame fr;
	size_t n = 0;
	char want[40];
	cJSON *j;

	now.wall_known = false;
	now.wall_usec = 0; /* a Pi without RTC */
	heart_rate(&fr);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 0);
	assert_int_equal(hv_ingest_flush(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 0);
	f->ingest = hv_ingest_free(f->ingest); /* the stop */

	assert_int_equal(hv_ingest_new(f->store, &f->cfg, NULL, &f->ingest), 0);
	now = clock_at(61);
	assert_int_equal(hv_ingest_restore(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	j = outbox_only(f->store);
	/* received 60 s before the clock said clock_at(61) */
	format_time(clock_at(1).wall_usec, want, sizeof(want));
	assert_string_equal(json_string(j, "time"), want);
	assert_string_equal(json_string(j, "time_source"), "received");
	cJSON_Delete(j);
	/* stored once: the held copy is gone */
	assert_int_equal(hv_store_held_list(f->store, &rows, &n), 0);
	assert_int_equal(n, 0);
	hv_held_rows_free(rows, n);
	assert_int_equal(hv_ingest_restore(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 0);
}

/* Held rows of an earlier boot: that boot's clock cannot be related to
 * this one's, so they are dated just before this boot began, a second
 * apart in the order received, and say their time is estimated. */
static void test_held_rows_of_an_earlier_boot_are_estimated(void **state)
{
	struct fixture *f = *state;
	struct hv_clock_sample now = clock_at(61);
	struct hv_ingest_result res;
	struct hv_held_row row = {
		.boot_id = "00000000-0000-4000-8000-000000000000",
		.rx_boot_usec = 5 * USEC_PER_SEC,
		.address = "AA:BB:CC:00:00:05",
		.driver = "sig_heart_rate",
	};
	struct hv_outbox_item items[4];
	int64_t boot_began = now.wall_usec - (int64_t)now.mono_usec;
	char want[40];
	size_t n = 0;

	row.frame_json = (char *)"{\"characteristic\":{\"uuid\":\"2a37\",\"value\":\"0048\"}}";
	assert_int_equal(hv_store_held_add(f->store, &row, 16), 0);
	row.rx_boot_usec = 9 * USEC_PER_SEC;
	row.frame_json = (char *)"{\"characteristic\":{\"uuid\":\"2a37\",\"value\":\"0050\"}}";
	assert_int_equal(hv_store_held_add(f->store, &row, 16), 0);
	assert_int_equal(hv_ingest_restore(f->ingest, &now, &res), 0);
	assert_int_equal(res.stored, 2);
	assert_int_equal(hv_store_outbox_next(f->store, 0, 4, items, &n), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_Parse(items[i].json);

		assert_non_null(j);
		format_time(boot_began - (int64_t)(2 - i) * (int64_t)USEC_PER_SEC,
			    want, sizeof(want));
		assert_string_equal(json_string(j, "time"), want);
		assert_string_equal(json_string(j, "time_source"), "estimated");
		cJSON_Delete(j);
		hv_outbox_item_done(&items[i]);
	}
}

/* Retention keys on the receive time: a record whose device clock says it
 * is years old, stored and delivered today, is not pruned today. */
static void test_retention_keys_on_receive_time(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *d = hv_driver_by_id("sig_glucose");
	struct hv_clock_sample now = clock_at(1);
	struct hv_outbox_item item;
	struct hv_ingest_result res;
	struct timespec ts;
	struct hv_frame fr;
	uint64_t deleted = 1;
	size_t n = 0;

	glucose(&fr, 1, false); /* device clock 2025-06-01 */
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(hv_store_outbox_next(f->store, 0, 1, &item, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hv_store_outbox_mark_delivered(f->store, item.seq), 0);
	hv_outbox_item_done(&item);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	/* keep one day */
	assert_int_equal(hv_store_prune(f->store,
					((int64_t)ts.tv_sec - 86400) * 1000000,
					false, &deleted),
			 0);
	assert_int_equal(deleted, 0);
}

/* --- adoption (docs/people.md "Adopting a device") ---------------------- */

#define NEIGHBOUR "C8:47:8C:00:00:09"
/* The same model weighing 63.0 kg at 08:33, and 62.5 kg at 08:34. */
#define MI2_FRAME_63 "181b:0226e807030f082100f4013831"
#define MI2_FRAME_0834 "181b:0226e807030f082200f401d430"

/* One weigh-in from `address`, ended by the quiet time: rows stored. */
static unsigned weigh(struct fixture *f, const char *address,
		      const char *service_data, double at)
{
	struct hv_clock_sample now = clock_at(at);
	struct hv_ingest_result res;
	struct hv_frame fr = { .address = address };

	assert_int_equal(hv_frame_add_service_data(&fr, service_data), 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, NULL, &now, &res), 0);
	now = clock_at(at + 10);
	assert_int_equal(hv_ingest_tick(f->ingest, &now, &res), 0);
	assert_int_equal(res.failed, 0);
	return res.stored;
}

/* The person of the newest pending row from `address`; "" unassigned. */
static void newest_person(struct hv_store *s, const char *address,
			  char ret[HV_PERSON_MAX])
{
	struct hv_outbox_item items[8];
	size_t n = 0;
	bool found = false;

	assert_int_equal(hv_store_outbox_next(s, 0, 8, items, &n), 0);
	for (size_t i = 0; i < n; i++) {
		cJSON *j = cJSON_Parse(items[i].json);
		const cJSON *dev = cJSON_GetObjectItemCaseSensitive(j, "device");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(dev, "address");

		assert_non_null(a);
		if (strcmp(a->valuestring, address) == 0) {
			(void)snprintf(ret, HV_PERSON_MAX, "%s", items[i].person);
			found = true;
		}
		cJSON_Delete(j);
		hv_outbox_item_done(&items[i]);
	}
	assert_true(found);
}

/* A neighbour's scale of the same model, heard after the household's own:
 * stored, but nobody's, and Ann's last weight stays hers; once adopted,
 * its next weigh-in is assigned. */
static void test_neighbour_scale_stays_unassigned(void **state)
{
	struct fixture *f = *state;
	char person[HV_PERSON_MAX];
	struct hv_adoption a;
	struct hv_person p;

	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	/* The first Mi scale heard is adopted by itself (policy "first"). */
	assert_int_equal(weigh(f, ADDR, MI2_FRAME, 1), 1);
	assert_int_equal(hv_store_device_adoption(f->store, ADDR, &a), 0);
	assert_string_equal(a.driver, "xiaomi_mi_scale2");
	newest_person(f->store, ADDR, person);
	assert_string_equal(person, "p-ann");

	assert_int_equal(weigh(f, NEIGHBOUR, MI2_FRAME_63, 20), 1);
	assert_int_equal(hv_store_device_adoption(f->store, NEIGHBOUR, NULL),
			 -ENOENT);
	newest_person(f->store, NEIGHBOUR, person);
	assert_string_equal(person, "");
	assert_int_equal(hv_store_person_get(f->store, "p-ann", &p), 0);
	assert_true(fabs(p.last_weight_kg - 62.5) < 0.01);

	assert_int_equal(hv_store_device_adopt(f->store, NEIGHBOUR, NULL, NULL,
					       1),
			 0);
	assert_int_equal(weigh(f, NEIGHBOUR, MI2_FRAME_0834, 40), 1);
	newest_person(f->store, NEIGHBOUR, person);
	assert_string_equal(person, "p-ann");
}

/* "manual": nothing adopts itself; a device listed in bluetooth.devices,
 * or adopted for a person, is the household's. */
static void test_adopt_manual_configured_and_own_person(void **state)
{
	static const struct hv_person bob = { .id = "p-bob",
					      .weight_min_kg = 90,
					      .weight_max_kg = 100 };
	struct fixture *f = *state;
	char person[HV_PERSON_MAX];
	struct hv_config_device *dev;

	f->cfg.assignment.adopt = HV_ADOPT_MANUAL;
	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	assert_int_equal(hv_store_person_add(f->store, &bob), 0);
	assert_int_equal(weigh(f, ADDR, MI2_FRAME, 1), 1);
	newest_person(f->store, ADDR, person);
	assert_string_equal(person, "");
	assert_int_equal(hv_store_device_adoption(f->store, ADDR, NULL),
			 -ENOENT);

	dev = calloc(1, sizeof(*dev));
	assert_non_null(dev);
	dev->address = strdup(ADDR);
	assert_non_null(dev->address);
	dev->user_index = dev->consent_code = -1;
	f->cfg.bluetooth.devices = dev;
	f->cfg.bluetooth.n_devices = 1;
	assert_int_equal(weigh(f, ADDR, MI2_FRAME_63, 20), 1);
	newest_person(f->store, ADDR, person);
	assert_string_equal(person, "p-ann");

	/* Bob's own scale: his whatever it weighs. */
	assert_int_equal(hv_store_device_adopt(f->store, NEIGHBOUR, "", "p-bob",
					       1),
			 0);
	assert_int_equal(weigh(f, NEIGHBOUR, MI2_FRAME, 40), 1);
	newest_person(f->store, NEIGHBOUR, person);
	assert_string_equal(person, "p-bob");
}

/* A control-solution sample (type 10, location 4) on the meter Ann owns:
 * stored, its sequence number committed, but not Ann's reading. */
static void test_control_solution_stored_for_nobody(void **state)
{
	struct fixture *f = *state;
	const struct hv_driver *d = hv_driver_by_id("sig_glucose");
	struct hv_clock_sample now = clock_at(1);
	struct hv_ingest_result res;
	char person[HV_PERSON_MAX];
	struct hv_frame fr;

	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	assert_int_equal(hv_store_device_adopt(f->store, "AA:BB:CC:00:00:03",
					       "", "p-ann", 1),
			 0);
	glucose(&fr, 1, false);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	newest_person(f->store, "AA:BB:CC:00:00:03", person);
	assert_string_equal(person, "p-ann");

	fr = (struct hv_frame){ .address = "AA:BB:CC:00:00:03" };
	assert_int_equal(hv_frame_set_characteristic(
				 &fr, "2a18:060200e9070601071e0036c04a"),
			 0);
	assert_int_equal(hv_ingest_frame(f->ingest, &fr, d, &now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.sequence_number, 2);
	newest_person(f->store, "AA:BB:CC:00:00:03", person);
	assert_string_equal(person, "");
}

/* "all" is the behaviour before adoption: every device in range. */
static void test_adopt_all(void **state)
{
	struct fixture *f = *state;
	char person[HV_PERSON_MAX];

	f->cfg.assignment.adopt = HV_ADOPT_ALL;
	assert_int_equal(hv_store_person_add(f->store, &ann), 0);
	assert_int_equal(weigh(f, ADDR, MI2_FRAME, 1), 1);
	assert_int_equal(weigh(f, NEIGHBOUR, MI2_FRAME_63, 20), 1);
	newest_person(f->store, NEIGHBOUR, person);
	assert_string_equal(person, "p-ann");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_devices_seen_in_batches,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_weighin_assigned_derived_stored,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_gatt_value_linked_slot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unassigned_no_derivation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_driver_counters, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sequence_of_held_record_not_reported,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_solution_stored_for_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_of_refused_record_not_reported,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_record_survives_a_stop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_rows_of_an_earlier_boot_are_estimated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention_keys_on_receive_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbour_scale_stays_unassigned,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_manual_configured_and_own_person,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_all, setup, teardown),
		cmocka_unit_test(test_derive_replaces_derived_readings),
		cmocka_unit_test(test_derive_does_not_decode_again),
		cmocka_unit_test(test_person_profile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
