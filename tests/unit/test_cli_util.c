// SPDX-License-Identifier: MIT
/* The CLI's pure helpers: CSV quoting, dates, people's attributes, tables,
 * and the re-derivation of a measurement given to another person. */
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
#include "daemon/cli/cli_util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* Run fn into a memory stream and return what it wrote (malloc'ed). */
static char *capture_csv(const char *const *fields, size_t n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	assert_int_equal(cli_csv_row(f, fields, n), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_csv_quoting(void **state)
{
	const char *const plain[] = { "p-anna", "65.2", NULL, "kg" };
	const char *const tricky[] = { "Smith, \"Jo\"\nline two", "x",
				       " lead", "trail " };
	_cleanup_free_ char *a = NULL, *b = NULL;

	(void)state;
	assert_false(cli_csv_needs_quotes("plain"));
	assert_false(cli_csv_needs_quotes(""));
	assert_false(cli_csv_needs_quotes(NULL));
	assert_true(cli_csv_needs_quotes("a,b"));
	assert_true(cli_csv_needs_quotes("say \"hi\""));
	assert_true(cli_csv_needs_quotes("two\nlines"));
	assert_true(cli_csv_needs_quotes("cr\r"));

	a = capture_csv(plain, ELEMENTSOF(plain));
	assert_string_equal(a, "p-anna,65.2,,kg\r\n");
	b = capture_csv(tricky, ELEMENTSOF(tricky));
	assert_string_equal(b, "\"Smith, \"\"Jo\"\"\nline two\",x,\" lead\",\"trail \"\r\n");
}

static void test_parse_time(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(cli_parse_time("1970-01-01", false, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cli_parse_time("1970-01-01", true, &t), 0);
	assert_int_equal(t, INT64_C(86400000000));
	/* 2024-03-15 is day 19797 since the epoch */
	assert_int_equal(cli_parse_time("2024-03-15T08:30:00Z", false, &t), 0);
	assert_int_equal(t, (INT64_C(19797) * 86400 + 8 * 3600 + 30 * 60) *
				    1000000);
	assert_int_equal(cli_parse_time("2024-03-15T10:30:00.25+02:00", false,
					&t),
			 0);
	assert_int_equal(t, (INT64_C(19797) * 86400 + 8 * 3600 + 30 * 60) *
					    1000000 +
				    250000);
	assert_int_equal(cli_parse_time("2024-03-15T08:30Z", false, &t), 0);
	assert_int_equal(cli_parse_time("2024-02-29", false, &t), 0);
	assert_int_equal(cli_parse_time("2023-02-29", false, &t), -EINVAL);
	assert_int_equal(cli_parse_time("2024-13-01", false, &t), -EINVAL);
	assert_int_equal(cli_parse_time("2024-03-15T08:30:00", false, &t),
			 -EINVAL); /* no zone */
	assert_int_equal(cli_parse_time("2024-03-15T25:00:00Z", false, &t),
			 -EINVAL);
	assert_int_equal(cli_parse_time("2024-3-15", false, &t), -EINVAL);
	assert_int_equal(cli_parse_time("yesterday", false, &t), -EINVAL);
	assert_int_equal(cli_parse_time("2024-03-15Z", false, &t), -EINVAL);
}

static void test_people_attributes(void **state)
{
	double lo, hi, h;
	char addr[HV_ADDRESS_MAX];
	unsigned m, d;
	int y;

	(void)state;
	assert_int_equal(cli_parse_weight_range("60-68", &lo, &hi), 0);
	assert_true(lo == 60 && hi == 68);
	assert_int_equal(cli_parse_weight_range("60.5..68", &lo, &hi), 0);
	assert_true(lo == 60.5 && hi == 68);
	assert_int_equal(cli_parse_weight_range("68-60", &lo, &hi), -EINVAL);
	assert_int_equal(cli_parse_weight_range("60", &lo, &hi), -EINVAL);
	assert_int_equal(cli_parse_weight_range("-60-68", &lo, &hi), -EINVAL);
	assert_int_equal(cli_parse_weight_range("60-68kg", &lo, &hi), -EINVAL);

	assert_int_equal(cli_parse_height("1.68", &h), 0);
	assert_true(fabs(h - 1.68) < 1e-9);
	assert_int_equal(cli_parse_height("168", &h), 0);
	assert_true(fabs(h - 1.68) < 1e-9);
	assert_int_equal(cli_parse_height("0.1", &h), -EINVAL);
	assert_int_equal(cli_parse_height("tall", &h), -EINVAL);

	assert_int_equal(cli_parse_date("1961-04-02", &y, &m, &d), 0);
	assert_true(y == 1961 && m == 4 && d == 2);
	assert_int_equal(cli_parse_date("1961-04-31", &y, &m, &d), -EINVAL);

	assert_true(cli_person_id_valid("p-anna"));
	assert_true(cli_person_id_valid("room12.bed_3"));
	assert_false(cli_person_id_valid(""));
	assert_false(cli_person_id_valid("-x"));
	assert_false(cli_person_id_valid("a/b"));
	assert_false(cli_person_id_valid("a+b"));
	assert_false(cli_person_id_valid("Anna Smith"));

	assert_int_equal(cli_parse_address("c8:0f:10:aa:bb:01", addr), 0);
	assert_string_equal(addr, "C8:0F:10:AA:BB:01");
	assert_int_equal(cli_parse_address("C8:0F:10:AA:BB", addr), -EINVAL);
	assert_int_equal(cli_parse_address("C8-0F-10-AA-BB-01", addr), -EINVAL);

	/* born 1961-04-02, asked on 2024-03-15: 62.95 years */
	assert_true(fabs(cli_age_years("1961-04-02", INT64_C(19797) * 86400) -
			 62.95) < 0.01);
	assert_true(cli_age_years("", 1700000000) == 0);
}

static void test_table(void **state)
{
	static const char *const headers[] = { "ID", "NAME" };
	const char *row1[] = { "p-anna", "Anna" };
	const char *row2[] = { "p-benjamin", NULL };
	const char *row3[] = { "p-c", "two\nlines" };
	struct cli_table t;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	assert_int_equal(cli_table_init(&t, headers, 2), 0);
	assert_int_equal(cli_table_add(&t, row1), 0);
	assert_int_equal(cli_table_add(&t, row2), 0);
	assert_int_equal(cli_table_add(&t, row3), 0);
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	cli_table_print(&t, f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "ID          NAME\n"
				 "p-anna      Anna\n"
				 "p-benjamin  -\n"
				 "p-c         two lines\n");
	free(buf);
	cli_table_done(&t);
	cli_table_done(&t); /* safe twice */
}

/*
 * A stored Mi Body Composition Scale 2 measurement: the raw advert, written
 * from the layout in drivers/xiaomi_mi_scale2.c: control 02 26 (impedance,
 * stabilised), 2024-03-15 08:30:00, impedance 500 ohm (F4 01), weight
 * 65.00 kg (13000 = C8 32). Its derived readings were made for someone else
 * (method "mifit", values that no profile gives).
 */
static const char stored[] =
	"{\"id\":\"m-1\",\"time\":\"2024-03-15T08:30:00Z\","
	"\"device\":{\"address\":\"C8:0F:10:00:00:01\",\"model\":\"xiaomi_mi_scale2\"},"
	"\"person\":\"p-anna\",\"status\":\"ok\",\"driver\":\"xiaomi_mi_scale2\",\"final\":true,"
	"\"readings\":[{\"metric\":\"body_weight\",\"value\":65,\"unit\":\"kg\"},"
	"{\"metric\":\"impedance\",\"value\":500,\"unit\":\"Ohm\"},"
	"{\"metric\":\"bmi\",\"value\":99,\"unit\":\"kg/m2\",\"method\":\"mifit\"},"
	"{\"metric\":\"body_fat_percent\",\"value\":99,\"unit\":\"%\",\"method\":\"mifit\"}],"
	"\"raw\":{\"service_data\":{\"181b\":\"0226e807030f081e00f401c832\"},"
	"\"address\":\"C8:0F:10:00:00:01\"}}";

static const cJSON *reading(const cJSON *record, const char *metric)
{
	const cJSON *rd;

	cJSON_ArrayForEach(rd,
			   cJSON_GetObjectItemCaseSensitive(record, "readings"))
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(rd, "metric");

		if (cJSON_IsString(m) && strcmp(m->valuestring, metric) == 0)
			return rd;
	}
	return NULL;
}

static double value(const cJSON *record, const char *metric)
{
	const cJSON *rd = reading(record, metric);

	assert_non_null(rd);
	return cJSON_GetObjectItemCaseSensitive(rd, "value")->valuedouble;
}

static void test_rederive_for_another_person(void **state)
{
	const struct hv_profile karl = { .height_m = 1.80,
					 .age_years = 65,
					 .sex = HV_SEX_MALE };
	_cleanup_free_ char *json = NULL;
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	const cJSON *fat;
	int derived = 0;

	(void)state;
	assert_int_equal(cli_rederive(stored, "p-karl", &karl, &json, &derived),
			 0);
	assert_true(derived > 2);
	j = cJSON_Parse(json);
	assert_non_null(j);
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(j, "person")->valuestring,
		"p-karl");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "correction")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "id")->valuestring,
			    "m-1");
	/* measured readings kept */
	assert_true(value(j, "body_weight") == 65);
	assert_true(value(j, "impedance") == 500);
	/* BMI = 65 / 1.80^2 = 20.06, for Karl's height */
	assert_true(fabs(value(j, "bmi") - 20.06) < 0.01);
	fat = reading(j, "body_fat_percent");
	assert_non_null(fat);
	assert_true(value(j, "body_fat_percent") < 60);
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(fat, "method")->valuestring,
		"mifit");
	/* the raw frame stays for the next correction */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "raw"));
	assert_int_equal(cJSON_GetArraySize(
				 cJSON_GetObjectItemCaseSensitive(j, "readings")),
			 2 + derived);
}

static void test_rederive_without_profile_or_raw(void **state)
{
	const struct hv_profile partial = { .height_m = 1.70 }; /* no age, sex */
	_cleanup_free_ char *json = NULL, *json2 = NULL, *noraw = NULL;
	_cleanup_(cJSON_Deletep) cJSON *j = NULL, *j2 = NULL, *s = NULL;
	int derived = 7;

	(void)state;
	/* Unassigned: nobody's profile, so no derived readings remain. */
	assert_int_equal(cli_rederive(stored, NULL, NULL, &json, &derived), 0);
	assert_int_equal(derived, 0);
	j = cJSON_Parse(json);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "person")));
	assert_null(reading(j, "bmi"));
	assert_true(value(j, "body_weight") == 65);

	/* No raw frame stored: the old derivation goes, nothing replaces it. */
	s = cJSON_Parse(stored);
	cJSON_DeleteItemFromObjectCaseSensitive(s, "raw");
	noraw = cJSON_PrintUnformatted(s);
	assert_int_equal(cli_rederive(noraw, "p-x", &partial, &json2, &derived),
			 0);
	assert_int_equal(derived, -1);
	j2 = cJSON_Parse(json2);
	assert_null(reading(j2, "body_fat_percent"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 j2, "readings")),
			 2);

	/* Not a stored measurement */
	assert_int_equal(cli_rederive("[1,2]", "p", NULL, &json2, &derived),
			 -EBADMSG);
	assert_int_equal(cli_rederive("{\"id\":\"x\"}", "p", NULL, &json2,
				      &derived),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_people_attributes),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_rederive_for_another_person),
		cmocka_unit_test(test_rederive_without_profile_or_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
