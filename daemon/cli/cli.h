/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * `homevitals` subcommands. Each takes argc/argv starting at the subcommand
 * name and returns an exit status (docs/cli.md): 0 ok, 1 failure,
 * 2 usage error, 3 not found (unknown person, measurement, …),
 * 4 store unavailable (no database, no permission).
 */

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOT_FOUND = 3,
	CLI_EXIT_NO_STORE = 4,
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cli_decode(int argc, char **argv);
int cli_drivers(int argc, char **argv);
int cli_capture(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_devices(int argc, char **argv);
int cli_people(int argc, char **argv);
int cli_assign(int argc, char **argv);
int cli_unassigned(int argc, char **argv);
int cli_readings(int argc, char **argv);
int cli_consent(int argc, char **argv);
int cli_shared(int argc, char **argv);
int cli_acl(int argc, char **argv);

/* The subcommand table, NULL-terminated (daemon/cli/homevitals.c). */
extern const struct cli_command cli_commands[];
