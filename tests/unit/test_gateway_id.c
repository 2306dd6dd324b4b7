// SPDX-License-Identifier: MIT
/*
 * The default gateway id of a fleet: unique per machine (the machine id
 * hashed with the program's key, as docs/fleet.md documents it), never the
 * shared host name and never the machine id itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "daemon/common/config.h"

/* The key as docs/fleet.md states it; the code must agree with the docs. */
#define DOCUMENTED_KEY "57c299aff8b74c9598784f7a003b1d96"

static sd_id128_t documented_key(void)
{
	sd_id128_t key;

	assert_int_equal(sd_id128_from_string(DOCUMENTED_KEY, &key), 0);
	return key;
}

static void skip_without_machine_id(void)
{
	sd_id128_t m;

	if (sd_id128_get_machine(&m) < 0)
		skip();
}

/* "hv-" + the first 16 hex digits of the app-specific id. */
static void test_default_is_the_hashed_machine_id(void **state)
{
	char want[SD_ID128_STRING_MAX + 3];
	char *got = hv_config_default_gateway_id();
	sd_id128_t app;

	(void)state;
	skip_without_machine_id();
	assert_int_equal(sd_id128_get_machine_app_specific(documented_key(),
							   &app),
			 0);
	snprintf(want, sizeof(want), "hv-%.16s", SD_ID128_TO_STRING(app));
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* The machine id is not to be published (machine-id(5)); nor is the shared
 * host name. */
static void test_default_hides_machine_id_and_host_name(void **state)
{
	char host[256] = "";
	char *got = hv_config_default_gateway_id();
	sd_id128_t m;

	(void)state;
	skip_without_machine_id();
	assert_int_equal(sd_id128_get_machine(&m), 0);
	assert_non_null(got);
	assert_null(strstr(got, SD_ID128_TO_STRING(m)));
	assert_int_not_equal(strncmp(got + 3, SD_ID128_TO_STRING(m), 16), 0);
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_string_not_equal(got, host);
	free(got);
}

/* Stable across calls and the config default; a valid topic level. */
static void test_config_uses_it(void **state)
{
	char *id = hv_config_default_gateway_id();
	struct hv_config c;

	(void)state;
	assert_non_null(id);
	hv_config_init(&c);
	assert_string_equal(c.gateway_id, id);
	assert_int_equal(strspn(id, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
			 strlen(id));
	assert_true(strlen(id) >= 1 && strlen(id) <= 64);
	hv_config_done(&c);
	c = (struct hv_config){ 0 };
	assert_int_equal(hv_config_parse("{}", &c, NULL, NULL, NULL), 0);
	assert_string_equal(c.gateway_id, id);
	assert_int_equal(strncmp(c.mqtt.client_id, "homevitals-", 11), 0);
	assert_string_equal(c.mqtt.client_id + 11, id);
	hv_config_done(&c);
	free(id);
}

/* What an operator computes from a shell (docs/fleet.md) is what the
 * gateway uses: systemd-id128(1) is an independent implementation. */
static void test_matches_systemd_id128_tool(void **state)
{
	char line[128] = "";
	char *got;
	FILE *p;

	(void)state;
	skip_without_machine_id();
	if (access("/usr/bin/systemd-id128", X_OK) != 0)
		skip();
	p = popen("/usr/bin/systemd-id128 machine-id --app-specific=" DOCUMENTED_KEY
		  " 2>/dev/null",
		  "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p)) {
		pclose(p);
		skip();
	}
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	got = hv_config_default_gateway_id();
	assert_non_null(got);
	assert_int_equal(strlen(line), 32);
	assert_int_equal(strncmp(got, "hv-", 3), 0);
	assert_memory_equal(got + 3, line, 16);
	assert_int_equal(strlen(got), 3 + 16);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_the_hashed_machine_id),
		cmocka_unit_test(test_default_hides_machine_id_and_host_name),
		cmocka_unit_test(test_config_uses_it),
		cmocka_unit_test(test_matches_systemd_id128_tool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
