// SPDX-License-Identifier: MIT
/*
 * A Huawei "Hagrid" scale's three secrets (CAK, C1, C2) where a bind key
 * goes (daemon/common/device_keys.c): 96 hex digits in a key file, the
 * environment or a credential; never taken for a bind key. The values are
 * the C1 / C2 of openScale's HuaweiHagridWspLibTest.kt (f7a733b2) and a
 * made-up CAK.
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
#include <sys/stat.h>

#include "daemon/common/device_keys.h"

#define CAK "202122232425262728292a2b2c2d2e2f"
#define C1 "ca4946d061c9fe534f6044f930ebb69b"
#define C2 "fbce6e2b4baf80ed969ba26b4a4b9325"
#define ENV "HOMEVITALS_BIND_KEY_381EC76608D3"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/hv-hagrid-XXXXXX");
	assert_non_null(mkdtemp(dir));
	(void)unsetenv("CREDENTIALS_DIRECTORY");
	(void)unsetenv(ENV);
	return 0;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	(void)unsetenv(ENV);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void assert_secrets(const struct hv_device_keys *k, const char *address)
{
	size_t len = 0;
	const uint8_t *s = hv_device_keys_find_secrets(k, address, &len);
	char got[97];

	assert_non_null(s);
	assert_int_equal(len, 48);
	for (int i = 0; i < 48; i++)
		(void)snprintf(got + 2 * i, 3, "%02x", s[i]);
	assert_string_equal(got, CAK C1 C2);
	/* three secrets are not a bind key */
	assert_null(hv_device_keys_find(k, address));
}

static void load(const char *json, struct hv_device_keys **k, int want)
{
	struct hv_config_error err;
	struct hv_config c;

	hv_config_init(&c);
	assert_int_equal(hv_config_parse(json, &c, &err, NULL, NULL), 0);
	assert_int_equal(hv_device_keys_load(&c, k, &err), want);
	if (want < 0) {
		assert_null(strstr(err.message, C1));
		assert_null(strstr(err.message, CAK));
	}
	hv_config_done(&c);
}

static void test_environment(void **state)
{
	struct hv_device_keys *k = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(setenv(ENV, CAK " " C1 " " C2, 1), 0);
	load("{}", &k, 0);
	assert_secrets(k, "38:1e:c7:66:08:d3");
	hv_device_keys_free(k);

	assert_int_equal(setenv(ENV, CAK C1 C2, 1), 0);
	load("{}", &k, 0);
	assert_secrets(k, "38:1E:C7:66:08:D3");
	hv_device_keys_free(k);

	/* A bind key stays one: 16 bytes, found both ways. */
	assert_int_equal(setenv(ENV, C1, 1), 0);
	load("{}", &k, 0);
	assert_non_null(hv_device_keys_find(k, "38:1E:C7:66:08:D3"));
	assert_non_null(hv_device_keys_find_secrets(k, "38:1E:C7:66:08:D3",
						    &len));
	assert_int_equal(len, 16);
	hv_device_keys_free(k);

	/* Two secrets, one digit short, a blank inside a secret: refused. */
	assert_int_equal(setenv(ENV, C1 C2, 1), 0);
	load("{}", &k, -EINVAL);
	assert_int_equal(setenv(ENV, CAK C1 "fbce6e2b4baf80ed969ba26b4a4b932", 1),
			 0);
	load("{}", &k, -EINVAL);
	assert_int_equal(setenv(ENV, CAK " " C1 " fbce6e2b 4baf80ed969ba26b4a4b9325",
				1),
			 0);
	load("{}", &k, -EINVAL);
}

static void test_file(void **state)
{
	struct hv_device_keys *k = NULL;
	char path[128], json[256];
	FILE *fp;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/hagrid", dir);
	fp = fopen(path, "we");
	assert_non_null(fp);
	assert_true(fputs(CAK " " C1 " " C2 "\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	(void)snprintf(json, sizeof(json),
		       "{\"bluetooth\": {\"devices\": [{\"address\": "
		       "\"38:1E:C7:66:08:D3\", \"bind_key_file\": \"%s\"}]}}",
		       path);
	load(json, &k, 0);
	assert_secrets(k, "38:1E:C7:66:08:D3");
	hv_device_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
