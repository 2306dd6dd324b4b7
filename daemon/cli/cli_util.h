/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Helpers shared by the `homevitals` subcommands that talk to the store
 * (docs/cli.md): finding and opening the store with errors a person can act
 * on, parsing dates and people's attributes, RFC 4180 CSV fields, aligned
 * tables, the daemon's pid. The parsers and formatters are pure and tested
 * in tests/unit/test_cli_util.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "daemon/common/config.h"
#include "daemon/store/store.h"

#define CLI_DEFAULT_PID_FILE "/run/homevitals/homevitalsd.pid"
#define CLI_DEFAULT_STATUS_FILE "/run/homevitals/status.json"
#define CLI_SYSTEMD_UNIT "homevitalsd.service"

/* Where the store is: --db, else $HOMEVITALS_DB, else the config file's
 * store.path (--config, default HV_CONFIG_DEFAULT_PATH; a missing default
 * file means the built-in default path). */
struct cli_store_options {
	const char *db; /* --db, or NULL */
	const char *config; /* --config, or NULL */
};

/* getopt_long values of --db and --config, which every subcommand that
 * opens the store takes; its own options start at CLI_OPT_STORE_END. */
enum {
	CLI_OPT_DB = 0x100,
	CLI_OPT_CONFIG,
	CLI_OPT_STORE_END,
};

#define CLI_STORE_OPTIONS                                      \
	{ "db", required_argument, NULL, CLI_OPT_DB },         \
	{ "config", required_argument, NULL, CLI_OPT_CONFIG }

/* Take getopt_long's c with its arg into o when it is --db or --config:
 * true then. */
bool cli_store_option(int c, const char *arg, struct cli_store_options *o);

enum cli_open_mode {
	CLI_OPEN_READ, /* read-only; the database must exist */
	CLI_OPEN_WRITE, /* read-write; the database must exist */
	CLI_OPEN_CREATE, /* read-write; created when missing */
};

/*
 * Open the store for subcommand `cmd` ("people add"). On failure prints one
 * line to stderr naming the path and what to do, and returns the exit code
 * (CLI_EXIT_NO_STORE, CLI_EXIT_USAGE for a bad config); 0 on success.
 */
int cli_open_store(const char *cmd, const struct cli_store_options *o,
		   enum cli_open_mode mode, struct hv_store **ret);
/* The path cli_open_store would use (malloc'ed); exit code on failure. */
int cli_store_path(const char *cmd, const struct cli_store_options *o,
		   char **ret_path);

/* Print "homevitals CMD: <what>: <store's message or strerror>" for a store
 * call that failed, and map the error to an exit code (-ENOENT → NOT_FOUND,
 * -EACCES/-EROFS/-EPERM → NO_STORE, -EINVAL → USAGE, else FAILURE). */
int cli_store_error(const char *cmd, struct hv_store *s, int error,
		    const char *what);
/* The same for a call about person id: -ENOENT prints "no person ID" and
 * where to find people (CLI_EXIT_NOT_FOUND). */
int cli_person_error(const char *cmd, struct hv_store *s, int error,
		     const char *id);

/* --- pure parsers ------------------------------------------------------- */

/*
 * "2024-03-15" or RFC 3339 ("2024-03-15T08:30:00Z", "…T08:30:00.5+02:00",
 * "…T08:30Z" too) to UTC microseconds. A date alone is midnight UTC; with
 * end_of_day it is the next midnight (an exclusive end that covers the whole
 * day, for --until). -EINVAL when malformed or not a calendar date.
 */
int cli_parse_time(const char *text, bool end_of_day, int64_t *ret_usec);
/* "YYYY-MM-DD", a real calendar date (not in the future checked by caller). */
int cli_parse_date(const char *text, int *ret_y, unsigned *ret_m,
		   unsigned *ret_d);
/* "60-68", "60.5-68", "60..68" (kg, min <= max, both > 0). */
int cli_parse_weight_range(const char *text, double *ret_min, double *ret_max);
/* Height in metres ("1.68"), or centimetres when above 3 ("168"). */
int cli_parse_height(const char *text, double *ret_m);
/* A plain number with nothing after it. */
int cli_parse_double(const char *text, double *ret);
int cli_parse_int(const char *text, long min, long max, long *ret);
/* A pseudonymous person id, as MQTT topics carry it: letters, digits,
 * '.', '_', '-', starting with a letter or digit, at most 63 bytes. */
bool cli_person_id_valid(const char *id);
/*
 * The PERSON [AUDIENCE] arguments of `homevitals CMD` ("consent grant"):
 * args[0..n) is what follows the verb, at least min and at most max of
 * them; the first must be a person id. *ret_person is the first and
 * *ret_audience (may be NULL) the second, NULL when absent. Otherwise
 * prints why on stderr and returns CLI_EXIT_USAGE; 0 on success.
 */
int cli_person_audience_args(const char *cmd, char *const *args, int n,
			     int min, int max, const char **ret_person,
			     const char **ret_audience);
/* "AA:BB:CC:DD:EE:FF" (hex, either case) into upper case. */
int cli_parse_address(const char *text, char ret[HV_ADDRESS_MAX]);

/* Age in years at now_s (Unix seconds) of someone born on birth_date; 0 when
 * unknown. */
double cli_age_years(const char *birth_date, int64_t now_s);
/* A person's profile for body composition at time now_s (hv_person_profile). */
void cli_person_profile(const struct hv_person *p, int64_t now_s,
			struct hv_profile *ret);

/*
 * The corrected form of a stored measurement given to another person
 * (cli_assign.c): the frame kept as "raw" is derived again for the person's
 * profile (NULL or incomplete: none) by the daemon's own hv_ingest_derive(),
 * the stored "driver" first; the measurement's own readings stay, the derived ones
 * (those with "method") are replaced by the new derivation (dropped when
 * there is no profile or no raw frame); "person" is set (NULL or "": null)
 * and "correction": true. ret_derived: derived readings now present, -1
 * when no raw frame was stored. -EBADMSG: not a stored measurement, or its
 * raw frame no longer decodes.
 */
int cli_rederive(const char *stored_json, const char *person_id,
		 const struct hv_profile *profile, char **ret_json,
		 int *ret_derived);

/* A glucose meter's control-solution test (flag "control_solution"): it is
 * nobody's reading, and is given to no one (docs/readings.md). */
bool cli_is_control_solution(const char *stored_json);

/* --- output ------------------------------------------------------------- */

/* Does an RFC 4180 field need quotes (comma, quote, CR, LF, or spaces at
 * either end)? */
bool cli_csv_needs_quotes(const char *s);
/* Write one field, quoted and with doubled quotes when needed; NULL is an
 * empty field. */
int cli_csv_field(FILE *out, const char *s);
/* Fields joined by commas, ended by CRLF as RFC 4180 says. */
int cli_csv_row(FILE *out, const char *const *fields, size_t n);

/* A table printed with aligned columns once all rows are in. */
struct cli_table {
	size_t n_columns;
	size_t n_cells; /* header included */
	size_t cap;
	char **cells;
};

int cli_table_init(struct cli_table *t, const char *const *headers,
		   size_t n_columns);
/* One row of n_columns cells; NULL cells print as "-". */
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, FILE *out);
void cli_table_done(struct cli_table *t);

/*
 * A list a subcommand prints on stdout, as one JSON array or as an aligned
 * table: row i is made by to_json (a new object), or by to_cells, which
 * fills n_columns cells that may point into userdata until the next row.
 */
struct cli_listing {
	const char *const *headers;
	size_t n_columns;
	size_t n_rows;
	void *userdata;
	int (*to_json)(void *userdata, size_t i, cJSON **ret);
	int (*to_cells)(void *userdata, size_t i, const char **cells);
};

/* CLI_EXIT_OK, or CLI_EXIT_FAILURE when a row cannot be made (nothing is
 * printed then). */
int cli_listing_print(const struct cli_listing *l, bool json);

/* A number without trailing zeros ("65", "65.25"). */
void cli_format_number(double v, char *buf, size_t size);

/* --- the daemon ---------------------------------------------------------- */

/* The pid in a pid file: -ENOENT no file, -EBADMSG not a pid. */
int cli_read_pid_file(const char *path, pid_t *ret);
/* Is pid a live homevitalsd (checked through /proc/PID/comm)? 1 yes,
 * 0 no (gone, or another program), -errno when it cannot be told. */
int cli_pid_is_daemon(pid_t pid);

struct cli_daemon_info {
	bool known; /* something could be asked */
	bool running;
	pid_t pid; /* 0 unknown */
	char source[160]; /* "pid file /run/…", "systemd homevitalsd.service" */
	char state[32]; /* systemd ActiveState, or "" */
	char status[256]; /* the daemon's sd_notify STATUS= line, or "" */
};

/*
 * Find the daemon: the pid file when one was given (only it), else systemd's
 * homevitalsd.service on the system bus (MainPID, ActiveState, StatusText),
 * else the default pid file. Never fails; info says what was found.
 */
void cli_find_daemon(const char *pid_file, struct cli_daemon_info *ret);

/* Show progress on stderr when it is a terminal: "\rN rows" every 1000. */
struct cli_progress {
	bool enabled;
	uint64_t count;
	const char *what;
};

void cli_progress_init(struct cli_progress *p, const char *what);
void cli_progress_tick(struct cli_progress *p);
void cli_progress_end(struct cli_progress *p);
