// SPDX-License-Identifier: MIT
/* homevitalsd: the gateway daemon. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/common/config.h"
#include "daemon/common/version.h"
#include "daemon/manager/manager.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitalsd [--config PATH] [--replay FILE] [--check-config]\n"
		"\n"
		"Turns Bluetooth LE scales and health devices into stored, published\n"
		"readings. See homevitalsd(8).\n"
		"\n"
		"  -c, --config PATH   configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"      --replay FILE   feed frames from a decode --jsonl file instead of\n"
		"                      BlueZ (\"t\": seconds after start); exits at the end\n"
		"      --check-config  parse the configuration, report, and exit\n"
		"  -V, --version       print the version\n"
		"  -h, --help          show this help\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "replay", required_argument, NULL, 'r' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct hv_daemon_options opts = { .config_path = HV_CONFIG_DEFAULT_PATH };
	int c;

	while ((c = getopt_long(argc, argv, "c:Vh", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'r':
			opts.replay_path = optarg;
			break;
		case 'k':
			opts.check_config = true;
			break;
		case 'V':
			printf("homevitalsd %s\n", HV_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return hv_daemon_run(&opts);
}
