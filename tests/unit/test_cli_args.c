// SPDX-License-Identifier: MIT
/* The CLI helpers the subcommands share for their arguments and lists:
 * cli_person_audience_args() and cli_listing_print(). */
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

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"

/* What was written to fd (stdout or stderr) while fn ran; malloc'ed. */
static char *capture(int fd, void (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved;
	long size;
	char *text;

	assert_non_null(tmp);
	fflush(NULL);
	saved = dup(fd);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), fd) >= 0);
	fn(arg);
	fflush(NULL);
	assert_true(dup2(saved, fd) >= 0);
	close(saved);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	size = ftell(tmp);
	rewind(tmp);
	text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)size, tmp), (size_t)size);
	fclose(tmp);
	return text;
}

struct args_call {
	const char *cmd;
	char *const *args;
	int n, min, max;
	bool want_audience;
	const char *person, *audience;
	int r;
};

static void call_args(void *userdata)
{
	struct args_call *c = userdata;

	c->person = c->audience = "unset";
	c->r = cli_person_audience_args(c->cmd, c->args, c->n, c->min, c->max,
					&c->person,
					c->want_audience ? &c->audience : NULL);
}

/* Run cli_person_audience_args(); its exit code, what it printed on stderr
 * into *ret_err (malloc'ed). */
static int person_audience(struct args_call *c, char **ret_err)
{
	*ret_err = capture(STDERR_FILENO, call_args, c);
	return c->r;
}

/* c is a usage error, with want on stderr */
static void assert_usage_error(struct args_call *c, const char *want)
{
	char *err;

	assert_int_equal(person_audience(c, &err), CLI_EXIT_USAGE);
	assert_string_equal(err, want);
	free(err);
}

static void test_person_audience(void **state)
{
	char *const two[] = { "p-ana", "clinic" };
	char *const bad[] = { "a/b", "clinic" };
	char *const three[] = { "p-ana", "clinic", "more" };
	struct args_call c = { .cmd = "consent grant", .args = two, .n = 2,
			       .min = 2, .max = 2, .want_audience = true };
	char *err;

	(void)state;
	assert_int_equal(person_audience(&c, &err), CLI_EXIT_OK);
	assert_string_equal(c.person, "p-ana");
	assert_string_equal(c.audience, "clinic");
	assert_string_equal(err, "");
	free(err);

	/* PERSON alone where AUDIENCE is needed; nothing written back */
	c.n = 1;
	assert_usage_error(&c, "homevitals consent grant: PERSON AUDIENCE expected\n");
	assert_string_equal(c.person, "unset");
	c.n = 0;
	c.min = 1;
	c.max = 1;
	c.cmd = "shared";
	assert_usage_error(&c, "homevitals shared: PERSON expected\n");

	/* too many */
	c = (struct args_call){ .cmd = "consent revoke", .args = three, .n = 3,
				.min = 2, .max = 2, .want_audience = true };
	assert_usage_error(&c, "homevitals consent revoke: too many arguments\n");
	c = (struct args_call){ .cmd = "consent list", .args = two, .n = 2,
				.min = 0, .max = 1 };
	assert_usage_error(&c, "homevitals consent list: takes at most a PERSON\n");

	/* the person id is checked first, whatever the count */
	c = (struct args_call){ .cmd = "consent grant", .args = bad, .n = 1,
				.min = 2, .max = 2, .want_audience = true };
	assert_usage_error(&c, "homevitals consent grant: 'a/b' is not a person id\n");

	/* none, where none is needed: both NULL */
	c = (struct args_call){ .cmd = "consent list", .args = two, .n = 0,
				.min = 0, .max = 1, .want_audience = true };
	assert_int_equal(person_audience(&c, &err), CLI_EXIT_OK);
	assert_null(c.person);
	assert_null(c.audience);
	free(err);
	/* a person and no audience asked for */
	c = (struct args_call){ .cmd = "consent list", .args = two, .n = 1,
				.min = 0, .max = 1 };
	assert_int_equal(person_audience(&c, &err), CLI_EXIT_OK);
	assert_string_equal(c.person, "p-ana");
	assert_string_equal(c.audience, "unset");
	free(err);
}

/* --- listings ---------------------------------------------------------------- */

struct fruit {
	const char *name;
	int count;
};

struct fruit_rows {
	const struct fruit *fruit;
	size_t fail_at; /* a row that cannot be made; SIZE_MAX: none */
	char count[16];
};

static int fruit_json(void *userdata, size_t i, cJSON **ret)
{
	const struct fruit_rows *rows = userdata;
	cJSON *o;

	if (i == rows->fail_at)
		return -ENOMEM;
	o = cJSON_CreateObject();
	assert_non_null(o);
	assert_non_null(cJSON_AddStringToObject(o, "name", rows->fruit[i].name));
	assert_non_null(cJSON_AddNumberToObject(o, "count", rows->fruit[i].count));
	*ret = o;
	return 0;
}

static int fruit_cells(void *userdata, size_t i, const char **cells)
{
	struct fruit_rows *rows = userdata;

	if (i == rows->fail_at)
		return -ENOMEM;
	(void)snprintf(rows->count, sizeof(rows->count), "%d",
		       rows->fruit[i].count);
	cells[0] = rows->fruit[i].name;
	cells[1] = rows->fruit[i].count ? rows->count : NULL;
	return 0;
}

struct listing_call {
	struct cli_listing l;
	bool json;
	int r;
};

static void call_listing(void *userdata)
{
	struct listing_call *c = userdata;

	c->r = cli_listing_print(&c->l, c->json);
}

static void test_listing(void **state)
{
	static const struct fruit fruit[] = { { "apple", 12 }, { "fig", 0 } };
	static const char *const headers[] = { "NAME", "COUNT" };
	struct fruit_rows rows = { .fruit = fruit, .fail_at = SIZE_MAX };
	struct listing_call c = {
		.l = { .headers = headers, .n_columns = 2, .n_rows = 2,
		       .userdata = &rows, .to_json = fruit_json,
		       .to_cells = fruit_cells },
	};
	char *out;

	(void)state;
	/* a table: each cell of a row made into the same buffer, kept */
	out = capture(STDOUT_FILENO, call_listing, &c);
	assert_int_equal(c.r, CLI_EXIT_OK);
	assert_string_equal(out, "NAME   COUNT\napple  12\nfig    -\n");
	free(out);

	c.json = true;
	out = capture(STDOUT_FILENO, call_listing, &c);
	assert_int_equal(c.r, CLI_EXIT_OK);
	{
		_cleanup_free_ char *want = NULL;
		cJSON *arr = cJSON_Parse(out);

		assert_non_null(arr);
		assert_int_equal(cJSON_GetArraySize(arr), 2);
		want = cJSON_PrintUnformatted(arr);
		assert_string_equal(want, "[{\"name\":\"apple\",\"count\":12},"
					  "{\"name\":\"fig\",\"count\":0}]");
		cJSON_Delete(arr);
	}
	free(out);

	/* no rows: an empty array, a table of headers */
	c.l.n_rows = 0;
	out = capture(STDOUT_FILENO, call_listing, &c);
	assert_int_equal(c.r, CLI_EXIT_OK);
	assert_string_equal(out, "[]\n");
	free(out);

	/* a row that cannot be made: a failure, and nothing printed */
	c.l.n_rows = 2;
	rows.fail_at = 1;
	for (int json = 0; json <= 1; json++) {
		c.json = json;
		out = capture(STDOUT_FILENO, call_listing, &c);
		assert_int_equal(c.r, CLI_EXIT_FAILURE);
		assert_string_equal(out, "");
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_person_audience),
		cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
