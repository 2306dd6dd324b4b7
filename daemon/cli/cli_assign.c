// SPDX-License-Identifier: MIT
/*
 * `homevitals assign MEASUREMENT PERSON`: give a measurement to a person.
 * Body composition depends on who stood on the scale, so the derived
 * readings are computed again from the stored raw frame with the new
 * person's profile, by the daemon's own derivation (hv_ingest_derive); the
 * measurement keeps its id, is marked as a correction and is queued again
 * for MQTT (docs/people.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"
#include "daemon/ingest/ingest.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static bool is_derived(const cJSON *reading)
{
	return cJSON_IsString(
		cJSON_GetObjectItemCaseSensitive(reading, "method"));
}

/* The derived readings for the profile, as ingest derives them, into
 * `into`. */
static int derive(const cJSON *record, const cJSON *raw,
		  const struct hv_profile *profile, cJSON *into, int *ret_n)
{
	_cleanup_(cJSON_Deletep) cJSON *decoded = NULL;
	const cJSON *driver = cJSON_GetObjectItemCaseSensitive(record, "driver");
	const struct hv_driver *stored = NULL;
	struct hv_profile unused;
	struct hv_measurement m;
	const char *driver_id;
	struct hv_frame f;
	char err[HV_ERROR_MAX];
	cJSON *readings, *rd;
	int n, r;

	if (hv_frame_from_json(raw, &f, &unused, &driver_id, err,
			       sizeof(err)) < 0)
		return -EBADMSG;
	if (cJSON_IsString(driver))
		stored = hv_driver_by_id(driver->valuestring);
	hv_measurement_init(&m, stored ? stored->id : NULL);
	n = hv_ingest_derive(&f, stored, profile, &m);
	if (n < 0)
		return n;
	r = hv_measurement_to_json(&m, &decoded);
	if (r < 0)
		return r;
	readings = cJSON_GetObjectItemCaseSensitive(decoded, "readings");
	while ((rd = readings ? readings->child : NULL)) {
		cJSON_DetachItemViaPointer(readings, rd);
		cJSON_AddItemToArray(into, rd);
	}
	*ret_n = n;
	return 0;
}

int cli_rederive(const char *stored_json, const char *person_id,
		 const struct hv_profile *profile, char **ret_json,
		 int *ret_derived)
{
	_cleanup_(cJSON_Deletep) cJSON *record = NULL, *derived = NULL;
	cJSON *readings, *raw, *rd, *next, *person;
	char *text;
	int n = -1, r;

	record = cJSON_Parse(stored_json);
	if (!cJSON_IsObject(record))
		return -EBADMSG;
	readings = cJSON_GetObjectItemCaseSensitive(record, "readings");
	if (!cJSON_IsArray(readings) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(record, "id")))
		return -EBADMSG;
	derived = cJSON_CreateArray();
	if (!derived)
		return -ENOMEM;
	raw = cJSON_GetObjectItemCaseSensitive(record, "raw");
	if (cJSON_IsObject(raw)) {
		r = derive(record, raw, profile, derived, &n);
		if (r < 0)
			return r;
	}
	/* Keep what the device measured; drop the old derivation. */
	for (rd = readings->child; rd; rd = next) {
		next = rd->next;
		if (is_derived(rd))
			cJSON_Delete(cJSON_DetachItemViaPointer(readings, rd));
	}
	while ((rd = derived->child)) {
		cJSON_DetachItemViaPointer(derived, rd);
		cJSON_AddItemToArray(readings, rd);
	}
	person = person_id && *person_id ? cJSON_CreateString(person_id) :
					   cJSON_CreateNull();
	if (!person)
		return -ENOMEM;
	if (cJSON_GetObjectItemCaseSensitive(record, "person")) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(record, "person",
							    person)) {
			cJSON_Delete(person);
			return -ENOMEM;
		}
	} else
		cJSON_AddItemToObject(record, "person", person);
	cJSON_DeleteItemFromObjectCaseSensitive(record, "correction");
	if (!cJSON_AddBoolToObject(record, "correction", true))
		return -ENOMEM;
	text = hv_json_print(record);
	if (!text)
		return -ENOMEM;
	*ret_json = text;
	if (ret_derived)
		*ret_derived = n;
	return 0;
}

bool cli_is_control_solution(const char *stored_json)
{
	_cleanup_(cJSON_Deletep) cJSON *j = cJSON_Parse(stored_json);
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "flags"))
		if (cJSON_IsString(f) &&
		    strcmp(f->valuestring, "control_solution") == 0)
			return true;
	return false;
}

/* The stored measurement time, for the person's age at that time. */
static int64_t record_time_s(const char *json)
{
	_cleanup_(cJSON_Deletep) cJSON *j = cJSON_Parse(json);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "time");
	int64_t usec;

	if (cJSON_IsString(t) && cli_parse_time(t->valuestring, false, &usec) == 0)
		return usec / 1000000;
	return (int64_t)time(NULL);
}

/* Tell the daemon to publish what is queued now. It also notices the
 * commit by itself (daemon/manager/store_watch.c), so a daemon this
 * process may not signal (another user) loses nothing. */
static void nudge_daemon(const char *pid_file)
{
	struct cli_daemon_info d;

	cli_find_daemon(pid_file, &d);
	if (!d.known) {
		printf("Daemon not found (%s): if it runs, it sees the change in the store and publishes the correction.\n",
		       d.status);
		return;
	}
	if (!d.running || d.pid <= 0) {
		printf("The daemon is not running (%s): it publishes the correction when it starts.\n",
		       d.status[0] ? d.status : d.source);
		return;
	}
	if (cli_pid_is_daemon(d.pid) == 1 && kill(d.pid, SIGHUP) == 0) {
		printf("Told homevitalsd (pid %d) to publish it now.\n",
		       (int)d.pid);
		return;
	}
	printf("Could not signal homevitalsd (pid %d): it sees the change in the store and publishes the correction.\n",
	       (int)d.pid);
}

static void assign_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals assign MEASUREMENT PERSON\n"
		"       homevitals assign MEASUREMENT --unassign\n"
		"\n"
		"Give a stored measurement to a person (or back to the unassigned bucket).\n"
		"Derived body composition is computed again from the stored raw frame\n"
		"with that person's height, age and sex; the measurement keeps its id and\n"
		"is published again with \"correction\": true. The daemon is told at once\n"
		"(SIGHUP), and sees the change in the store by itself when it cannot be\n"
		"told; a stopped daemon publishes it at its next start.\n"
		"\n"
		"  --unassign           give it to nobody\n"
		"  --pid-file PATH      the daemon's pid file (default: ask systemd, then\n"
		"                       " CLI_DEFAULT_PID_FILE ")\n"
		"  --db PATH            the store (default: the config's store.path)\n"
		"  --config PATH        configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 ok, 2 usage, 3 unknown measurement or person, 4 no store.\n");
}

enum {
	OPT_PID_FILE = CLI_OPT_STORE_END,
	OPT_UNASSIGN,
};

int cli_assign(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "unassign", no_argument, NULL, OPT_UNASSIGN },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ char *old = NULL, *json = NULL;
	struct cli_store_options o = { 0 };
	const char *pid_file = NULL, *id, *person_id = "";
	struct hv_profile profile = { 0 };
	struct hv_person p;
	bool unassign = false;
	int c, r, derived;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &o))
			continue;
		switch (c) {
		case OPT_PID_FILE:
			pid_file = optarg;
			break;
		case OPT_UNASSIGN:
			unassign = true;
			break;
		case 'h':
			assign_usage(stdout);
			return CLI_EXIT_OK;
		default:
			assign_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != (unassign ? 1 : 2)) {
		assign_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	id = argv[optind];
	if (!unassign)
		person_id = argv[optind + 1];
	r = cli_open_store("assign", &o, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_measurement_json(s, id, &old);
	if (r == -ENOENT) {
		fprintf(stderr, "homevitals assign: no measurement %s (see 'homevitals unassigned' or "
				"'homevitals readings --format json')\n",
			id);
		return CLI_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return cli_store_error("assign", s, r, id);
	if (!unassign && cli_is_control_solution(old)) {
		fprintf(stderr, "homevitals assign: %s is a glucose meter's control-solution test, nobody's reading\n",
			id);
		return CLI_EXIT_FAILURE;
	}
	if (!unassign) {
		r = hv_store_person_get(s, person_id, &p);
		if (r < 0)
			return cli_person_error("assign", s, r, person_id);
		cli_person_profile(&p, record_time_s(old), &profile);
	}
	r = cli_rederive(old, person_id, unassign ? NULL : &profile, &json,
			 &derived);
	if (r < 0) {
		fprintf(stderr, "homevitals assign: %s: cannot re-derive the measurement: %s\n",
			id,
			r == -EBADMSG ? "its stored form or raw frame does not decode" :
					strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	r = hv_store_reassign(s, id, person_id, json);
	if (r < 0)
		return cli_store_error("assign", s, r, id);
	if (unassign)
		printf("Measurement %s is unassigned now", id);
	else
		printf("Measurement %s belongs to %s now", id, person_id);
	if (derived > 0)
		printf("; %d derived readings computed again for them", derived);
	else if (derived < 0)
		printf("; no raw frame stored: derived readings removed");
	else if (!unassign && !hv_profile_complete(&profile))
		printf("; no derived readings (the profile lacks height, birth date or sex)");
	printf(".\n");
	nudge_daemon(pid_file);
	return CLI_EXIT_OK;
}
