// SPDX-License-Identifier: MIT
/*
 * The man pages shipped with the LED, unit and install work stay in step
 * with the code: every configuration key of daemon/common/config.c is described in
 * homevitals.json(5), and every pattern of the LED table in homevitalsd(8)
 * and docs/led.md. Run from the top of the tree (tests/run.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/common/config.h"
#include "daemon/led/led_pattern.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = '\0';
	fclose(f);
	return buf;
}

/* roff: a key is set in bold as ".B key" or ".BR key ..." on its own line. */
static bool roff_has_bold(const char *page, const char *word)
{
	char line[160];

	(void)snprintf(line, sizeof(line), "\n.B %s\n", word);
	if (strstr(page, line))
		return true;
	(void)snprintf(line, sizeof(line), "\n.BR %s ", word);
	return strstr(page, line) != NULL;
}

static void test_every_config_key_in_json5(void **state)
{
	char *page = slurp("docs/man/homevitals.json.5");
	unsigned missing = 0;
	size_t i;

	(void)state;
	assert_non_null(page);
	for (i = 0; hv_config_key(i); i++) {
		const char *key = hv_config_key(i);
		const char *elem = strstr(key, "[N].");
		bool found;

		/* bluetooth.devices[N].address is listed as "address" under
		 * bluetooth.devices. */
		found = elem ? roff_has_bold(page, elem + 4) :
			       roff_has_bold(page, key);
		/* "mqtt.tls.cert_file, mqtt.tls.key_file" share one entry */
		if (!found && !elem) {
			char pair[160];

			(void)snprintf(pair, sizeof(pair), "\n.BR %s \"", key);
			found = strstr(page, pair) != NULL;
			(void)snprintf(pair, sizeof(pair), " %s\n", key);
			found = found || strstr(page, pair) != NULL;
		}
		if (!found) {
			fprintf(stderr, "homevitals.json(5) does not describe '%s'\n",
				key);
			missing++;
		}
	}
	assert_true(i > 20); /* the table was really read */
	assert_int_equal(missing, 0);
	free(page);
}

static void test_every_led_pattern_documented(void **state)
{
	char *card = slurp("docs/led.md");
	char *man = slurp("docs/man/homevitalsd.8");

	(void)state;
	assert_non_null(card);
	assert_non_null(man);
	for (int p = 0; p < _HV_LED_PATTERN_MAX; p++) {
		const char *name = hv_led_pattern_info(p)->name;
		char spaced[64], *c;

		/* "slow-blink" is written "slow blink" for people */
		(void)snprintf(spaced, sizeof(spaced), "%s", name);
		for (c = spaced; *c; c++)
			if (*c == '-' && strcmp(name, "long-short") != 0)
				*c = ' ';
		if (strcmp(name, "double-blink") == 0)
			(void)snprintf(spaced, sizeof(spaced), "two short blinks");
		if (!strstr(card, spaced))
			fail_msg("docs/led.md does not describe '%s'", spaced);
		if (strcmp(name, "long-short") == 0)
			(void)snprintf(spaced, sizeof(spaced), "long\\-short");
		if (!strstr(man, spaced))
			fail_msg("homevitalsd(8) does not describe '%s'", spaced);
	}
	free(card);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_config_key_in_json5),
		cmocka_unit_test(test_every_led_pattern_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
