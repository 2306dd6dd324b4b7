/* SPDX-License-Identifier: MIT */
#pragma once

/* homevitalsd's one event loop and the wiring between the rooms. */

#include <stdbool.h>

struct hv_daemon_options {
	const char *config_path;
	const char *replay_path; /* feed decode-jsonl lines instead of BlueZ */
	bool check_config; /* parse, report, exit */
};

/* Runs until SIGTERM/SIGINT (or the end of a replay); exit status. */
int hv_daemon_run(const struct hv_daemon_options *options);
