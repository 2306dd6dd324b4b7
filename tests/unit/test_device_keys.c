// SPDX-License-Identifier: MIT
/*
 * Bind keys (docs/config.md, "Bind keys"): never from the JSON, from a file,
 * the environment or a systemd credential, first source winning; errors
 * name the file or variable, never the key.
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

#define K1 "0728974d657a4b60964c1b1677f35f7c"
#define K2 "02d2900363ef629c736a4549677acbee"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "/tmp/hv-keys-XXXXXX");
	assert_non_null(mkdtemp(dir));
	(void)unsetenv("CREDENTIALS_DIRECTORY");
	(void)unsetenv("HOMEVITALS_BIND_KEY_8CD0B2F6BEEF");
	(void)unsetenv("HOMEVITALS_BIND_KEY_04AE4767C67C");
	(void)unsetenv("HOMEVITALS_BIND_KEY_NOPE");
	return 0;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void write_at(const char *name, const char *text)
{
	char path[160];
	FILE *fp;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "we");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void parse(const char *json, struct hv_config *c)
{
	struct hv_config_error err;

	hv_config_init(c);
	assert_int_equal(hv_config_parse(json, c, &err, NULL, NULL), 0);
}

static void config_with_file(struct hv_config *c, const char *file)
{
	char json[256];

	(void)snprintf(json, sizeof(json),
		       "{\"bluetooth\": {\"devices\": [{\"address\": "
		       "\"8c:d0:b2:f6:be:ef\", \"bind_key_file\": \"%s/%s\"}]}}",
		       dir, file);
	parse(json, c);
}

static void assert_key(const struct hv_device_keys *k, const char *address,
		       const char *hex)
{
	const uint8_t *key = hv_device_keys_find(k, address);
	char got[33];

	assert_non_null(key);
	for (int i = 0; i < 16; i++)
		(void)snprintf(got + 2 * i, 3, "%02x", key[i]);
	assert_string_equal(got, hex);
}

static void test_refused_in_json(void **state)
{
	struct hv_config c;
	struct hv_config_error err;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(hv_config_parse("{\"bluetooth\": {\"devices\": [{\"address\": "
					 "\"8C:D0:B2:F6:BE:EF\", \"bind_key\": \"" K1 "\"}]}}",
					 &c, &err, NULL, NULL),
			 -EINVAL);
	assert_non_null(strstr(err.message, "bind_key_file"));
	assert_null(strstr(err.message, K1));
	hv_config_done(&c);
}

static void test_from_file(void **state)
{
	struct hv_device_keys *k = NULL;
	struct hv_config_error err;
	struct hv_config c;

	(void)state;
	/* first line only; upper-case digits and a CR LF are fine */
	write_at("key", "0728974D657A4B60964C1B1677F35F7C\r\n" K2 "\n");
	config_with_file(&c, "key");
	assert_int_equal(hv_device_keys_load(&c, &k, &err), 0);
	assert_int_equal(hv_device_keys_count(k), 1);
	assert_key(k, "8C:D0:B2:F6:BE:EF", K1);
	assert_key(k, "8c:d0:b2:f6:be:ef", K1);
	assert_null(hv_device_keys_find(k, "8C:D0:B2:F6:BE:EE"));
	assert_null(hv_device_keys_find(k, NULL));
	hv_device_keys_free(k);
	hv_config_done(&c);
}

static void test_file_errors_name_file_not_key(void **state)
{
	struct hv_device_keys *k = NULL;
	struct hv_config_error err;
	struct hv_config c;

	(void)state;
	write_at("short", "0728974d657a4b60964c1b1677f35f\n");
	config_with_file(&c, "short");
	assert_int_equal(hv_device_keys_load(&c, &k, &err), -EINVAL);
	assert_null(k);
	assert_non_null(strstr(err.message, "short holds no key of 32 hex digits"));
	assert_null(strstr(err.message, "0728974d"));
	hv_config_done(&c);

	config_with_file(&c, "missing");
	assert_int_equal(hv_device_keys_load(&c, &k, &err), -ENOENT);
	assert_non_null(strstr(err.message, "cannot read"));
	hv_config_done(&c);
}

static void test_environment_and_credentials(void **state)
{
	struct hv_device_keys *k = NULL;
	struct hv_config_error err;
	struct hv_config c;
	char creds[96];

	(void)state;
	(void)snprintf(creds, sizeof(creds), "%s/creds", dir);
	assert_int_equal(mkdir(creds, 0700), 0);
	write_at("creds/bind-key-04AE4767C67C", K2 "\n");
	/* the file wins over the credential for the same device */
	write_at("creds/bind-key-8CD0B2F6BEEF", K2 "\n");
	write_at("key", K1 "\n");
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", creds, 1), 0);
	config_with_file(&c, "key");
	assert_int_equal(hv_device_keys_load(&c, &k, &err), 0);
	assert_int_equal(hv_device_keys_count(k), 2);
	assert_key(k, "8C:D0:B2:F6:BE:EF", K1);
	assert_key(k, "04:AE:47:67:C6:7C", K2);
	hv_device_keys_free(k);
	hv_config_done(&c);

	/* the environment before the credential, no device entry needed */
	assert_int_equal(setenv("HOMEVITALS_BIND_KEY_04AE4767C67C", K1, 1), 0);
	parse("{}", &c);
	assert_int_equal(hv_device_keys_load(&c, &k, &err), 0);
	assert_key(k, "04:AE:47:67:C6:7C", K1);
	assert_key(k, "8C:D0:B2:F6:BE:EF", K2);
	hv_device_keys_free(k);

	/* a malformed variable stops start-up, naming it without its value */
	assert_int_equal(setenv("HOMEVITALS_BIND_KEY_NOPE", K2, 1), 0);
	assert_int_equal(hv_device_keys_load(&c, &k, &err), -EINVAL);
	assert_non_null(strstr(err.message, "HOMEVITALS_BIND_KEY_NOPE"));
	assert_null(strstr(err.message, K2));
	(void)unsetenv("HOMEVITALS_BIND_KEY_NOPE");
	assert_int_equal(setenv("HOMEVITALS_BIND_KEY_04AE4767C67C", "xyz", 1), 0);
	assert_int_equal(hv_device_keys_load(&c, &k, &err), -EINVAL);
	assert_null(strstr(err.message, "xyz"));
	hv_config_done(&c);
	(void)unsetenv("HOMEVITALS_BIND_KEY_04AE4767C67C");
	(void)unsetenv("CREDENTIALS_DIRECTORY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused_in_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_errors_name_file_not_key,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_and_credentials,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
