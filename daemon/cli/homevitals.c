// SPDX-License-Identifier: MIT
/* `homevitals`: the administrator's command line. */
#include <stdio.h>
#include <string.h>

#include "daemon/cli/cli.h"

const struct cli_command cli_commands[] = {
	{ "decode", "decode frames through every driver", cli_decode },
	{ "drivers", "list the drivers and what they match", cli_drivers },
	{ "capture", "record adverts, or a GATT conversation (JSONL)", cli_capture },
	{ "status", "is the daemon running; backlog, devices, last readings", cli_status },
	{ "devices", "seen devices; link a device's user slot to a person", cli_devices },
	{ "people", "add, edit, remove and list the people served", cli_people },
	{ "readings", "stored readings as a table, CSV, JSON or FHIR", cli_readings },
	{ "unassigned", "measurements that belong to nobody yet", cli_unassigned },
	{ "assign", "give a measurement to a person (re-derived, republished)", cli_assign },
	{ "consent", "what each person shares with each audience", cli_consent },
	{ "shared", "what each audience received about a person, and when", cli_shared },
	{ "acl", "a mosquitto ACL for an audience's topic root", cli_acl },
	{}
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: homevitals COMMAND [OPTIONS]\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-12s %s\n", c->name, c->summary);
	fprintf(out, "\n'homevitals COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	fprintf(stderr, "homevitals: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
