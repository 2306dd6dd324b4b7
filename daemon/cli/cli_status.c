// SPDX-License-Identifier: MIT
/*
 * `homevitals status`: what a shell can honestly tell about the gateway.
 * The daemon: a pid file (--pid-file), else systemd's homevitalsd.service
 * (its state, main pid and the daemon's own STATUS= line with adapter and
 * broker), else the default pid file. The rest comes from the store: the
 * backlog (outbox), the devices seen, the last measurement of each person
 * and how many are unassigned (docs/cli.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct last {
	char measurement[HV_ID_MAX];
	int64_t time_usec;
	bool has_weight;
	double weight_kg;
};

struct scan {
	struct hv_person *people;
	size_t n_people;
	struct last *last; /* per person */
	char unassigned_last[HV_ID_MAX];
	uint64_t n_unassigned;
	struct cli_progress progress;
};

/* Rows waiting per audience, from the store. */
struct audiences {
	struct hv_audience_backlog *backlog;
	size_t n;
};

struct devices {
	uint64_t n; /* seen */
	uint64_t n_adopted, n_not_adopted; /* of those seen */
	struct hv_device_info latest;
};

static int on_row(const struct hv_reading_row *row, void *userdata)
{
	struct scan *sc = userdata;

	cli_progress_tick(&sc->progress);
	if (!row->person || !row->person[0]) {
		if (strcmp(sc->unassigned_last, row->measurement_id) != 0) {
			sc->n_unassigned++;
			(void)snprintf(sc->unassigned_last,
				       sizeof(sc->unassigned_last), "%s",
				       row->measurement_id);
		}
		return 0;
	}
	for (size_t i = 0; i < sc->n_people; i++) {
		struct last *l = &sc->last[i];

		if (strcmp(sc->people[i].id, row->person) != 0)
			continue;
		/* Rows come oldest first: the last one seen is the latest. */
		if (strcmp(l->measurement, row->measurement_id) != 0) {
			(void)snprintf(l->measurement, sizeof(l->measurement),
				       "%s", row->measurement_id);
			l->time_usec = row->time_usec;
			l->has_weight = false;
		}
		if (row->has_value && strcmp(row->metric, "body_weight") == 0) {
			l->has_weight = true;
			l->weight_kg = row->value;
		}
		break;
	}
	return 0;
}

static int on_device(const struct hv_device_info *d, void *userdata)
{
	struct devices *dv = userdata;

	/* Most recently seen first; adopted ones never heard come last. */
	if (d->last_seen_usec <= 0)
		return 0;
	if (dv->n++ == 0)
		dv->latest = *d;
	if (d->adopted)
		dv->n_adopted++;
	else
		dv->n_not_adopted++;
	return 0;
}

static const char *daemon_word(const struct cli_daemon_info *d)
{
	if (!d->known)
		return "unknown";
	return d->running ? "running" : "not running";
}

/* The daemon's own status file (RUNTIME_DIRECTORY/status.json): NULL when
 * it cannot be read (no daemon, another user's folder). */
static cJSON *read_status_file(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[16384];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

/* Per driver: frames claimed, final, malformed and why, the last time. */
static void print_drivers(const cJSON *status)
{
	const cJSON *drivers = cJSON_GetObjectItemCaseSensitive(status, "drivers");
	const cJSON *d;

	if (!cJSON_GetArraySize(drivers))
		return;
	printf("Frames per driver since the daemon started:\n");
	cJSON_ArrayForEach(d, drivers) {
		const char *why = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(d, "last_invalid"));

		printf("  %-24s %6.0f claimed, %6.0f final, %6.0f invalid",
		       d->string,
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "claimed")),
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "final")),
		       cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "invalid")));
		if (why)
			printf(" (last: %s)", why);
		printf("\n");
	}
}

/* Pending rows of the audience; 0 when it has none. */
static uint64_t audience_pending(const struct audiences *au, const char *name)
{
	for (size_t i = 0; i < au->n; i++)
		if (strcmp(au->backlog[i].audience, name) == 0)
			return au->backlog[i].pending;
	return 0;
}

static bool audience_reported(const cJSON *status, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(
		       cJSON_GetObjectItemCaseSensitive(status, "audiences"),
		       name) != NULL;
}

/* Each audience the daemon reports, with its own broker's state, and each
 * audience with rows waiting (docs/consent.md). */
static void print_audiences(const struct audiences *au, const cJSON *status)
{
	const cJSON *reported =
		cJSON_GetObjectItemCaseSensitive(status, "audiences");
	const char *label = "Audiences:";
	const cJSON *a;

	cJSON_ArrayForEach(a, reported) {
		const char *broker = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(a, "broker"));
		const char *error = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(a, "broker_error"));
		uint64_t n = audience_pending(au, a->string);

		printf("%-12s %s: broker %s%s%s%s, %llu waiting\n", label,
		       a->string, broker ? broker : "unknown",
		       error ? " (" : "", error ? error : "", error ? ")" : "",
		       (unsigned long long)n);
		label = "";
	}
	for (size_t i = 0; i < au->n; i++) {
		if (audience_reported(status, au->backlog[i].audience))
			continue;
		printf("%-12s %s: %llu waiting (its broker's state is not reported)\n",
		       label, au->backlog[i].audience,
		       (unsigned long long)au->backlog[i].pending);
		label = "";
	}
}

static int audiences_to_json(cJSON *o, const struct audiences *au,
			     const cJSON *status)
{
	const cJSON *reported =
		cJSON_GetObjectItemCaseSensitive(status, "audiences");
	const cJSON *a;
	cJSON *arr, *j;

	if (!au->n && !cJSON_GetArraySize(reported))
		return 0;
	arr = cJSON_AddObjectToObject(o, "audiences");
	if (!arr)
		return -ENOMEM;
	cJSON_ArrayForEach(a, reported) {
		j = cJSON_AddObjectToObject(arr, a->string);
		if (!j || !cJSON_AddNumberToObject(j, "waiting",
					   (double)audience_pending(au, a->string)))
			return -ENOMEM;
	}
	for (size_t i = 0; i < au->n; i++) {
		if (audience_reported(status, au->backlog[i].audience))
			continue;
		j = cJSON_AddObjectToObject(arr, au->backlog[i].audience);
		if (!j || !cJSON_AddNumberToObject(j, "waiting",
						   (double)au->backlog[i].pending))
			return -ENOMEM;
	}
	return 0;
}

static int print_json(const char *path, const struct cli_daemon_info *d,
		      uint64_t backlog, const struct audiences *au,
		      const struct devices *dv, const struct scan *sc,
		      cJSON *status)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;
	cJSON *dj, *people;
	char when[40];

	if (!o)
		return -ENOMEM;
	dj = cJSON_AddObjectToObject(o, "daemon");
	if (!dj || !cJSON_AddStringToObject(dj, "state", daemon_word(d)) ||
	    !cJSON_AddStringToObject(dj, "source", d->source) ||
	    (d->pid > 0 && !cJSON_AddNumberToObject(dj, "pid", d->pid)) ||
	    (d->state[0] &&
	     !cJSON_AddStringToObject(dj, "systemd_state", d->state)) ||
	    (d->status[0] && !cJSON_AddStringToObject(dj, "status", d->status)))
		return -ENOMEM;
	if (status) {
		/* handed over: o frees it */
		cJSON_AddItemToObject(dj, "reported", status);
	}
	if (!cJSON_AddStringToObject(o, "store", path) ||
	    !cJSON_AddNumberToObject(o, "backlog", (double)backlog) ||
	    audiences_to_json(o, au, status) < 0 ||
	    !cJSON_AddNumberToObject(o, "devices", (double)dv->n) ||
	    !cJSON_AddNumberToObject(o, "devices_not_adopted",
				     (double)dv->n_not_adopted) ||
	    !cJSON_AddNumberToObject(o, "unassigned", (double)sc->n_unassigned))
		return -ENOMEM;
	people = cJSON_AddArrayToObject(o, "people");
	if (!people)
		return -ENOMEM;
	for (size_t i = 0; i < sc->n_people; i++) {
		const struct last *l = &sc->last[i];
		cJSON *p = cJSON_CreateObject();

		if (!p)
			return -ENOMEM;
		cJSON_AddItemToArray(people, p);
		if (!cJSON_AddStringToObject(p, "id", sc->people[i].id))
			return -ENOMEM;
		if (!l->measurement[0])
			continue;
		hv_format_rfc3339(l->time_usec, when, sizeof(when));
		if (!cJSON_AddStringToObject(p, "last_measurement",
					     l->measurement) ||
		    !cJSON_AddStringToObject(p, "last_time", when) ||
		    (l->has_weight &&
		     !cJSON_AddNumberToObject(p, "last_weight_kg", l->weight_kg)))
			return -ENOMEM;
	}
	text = cJSON_Print(o);
	if (!text)
		return -ENOMEM;
	puts(text);
	return 0;
}

static void print_text(const char *path, const struct cli_daemon_info *d,
		       uint64_t backlog, const struct audiences *au,
		       const struct devices *dv, const struct scan *sc,
		       const cJSON *status)
{
	char when[40];

	printf("Daemon:      %s", daemon_word(d));
	if (d->pid > 0)
		printf(" (pid %d)", (int)d->pid);
	printf("; checked: %s%s%s\n", d->source[0] ? d->source : "-",
	       d->state[0] ? ", " : "", d->state);
	if (d->status[0])
		printf("             %s\n", d->status);
	printf("Store:       %s\n", path);
	printf("Backlog:     %llu measurement%s not yet delivered to the broker\n",
	       (unsigned long long)backlog, backlog == 1 ? "" : "s");
	print_audiences(au, status);
	printf("Unassigned:  %llu measurement%s%s\n",
	       (unsigned long long)sc->n_unassigned,
	       sc->n_unassigned == 1 ? "" : "s",
	       sc->n_unassigned ? " (homevitals unassigned)" : "");
	printf("Devices:     %llu seen", (unsigned long long)dv->n);
	if (dv->n) {
		hv_format_rfc3339(dv->latest.last_seen_usec, when, sizeof(when));
		printf("; latest %s (%s) at %s", dv->latest.address,
		       dv->latest.driver[0] ? dv->latest.driver : "unknown",
		       when);
		printf("\n             %llu adopted, %llu not adopted%s",
		       (unsigned long long)dv->n_adopted,
		       (unsigned long long)dv->n_not_adopted,
		       dv->n_not_adopted ?
			       " (their readings stay unassigned: homevitals devices adopt)" :
			       "");
	}
	printf("\n");
	if (status)
		print_drivers(status);
	if (!sc->n_people) {
		printf("People:      none (homevitals people add)\n");
		return;
	}
	printf("Last reading per person:\n");
	for (size_t i = 0; i < sc->n_people; i++) {
		const struct last *l = &sc->last[i];
		const struct hv_person *p = &sc->people[i];
		char weight[40] = "";

		if (!l->measurement[0]) {
			printf("  %-16s %-20s none yet\n", p->id, p->name);
			continue;
		}
		hv_format_rfc3339(l->time_usec, when, sizeof(when));
		if (l->has_weight) {
			cli_format_number(l->weight_kg, weight,
					  sizeof(weight) - 4);
			strcat(weight, " kg");
		}
		printf("  %-16s %-20s %s  %s\n", p->id, p->name, when, weight);
	}
}

static void status_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals status [--pid-file PATH] [--status-file PATH] [--json]\n"
		"\n"
		"Is the daemon running, how many measurements wait for the broker, the\n"
		"devices seen and each person's last reading.\n"
		"\n"
		"The daemon is looked for in the pid file when --pid-file is given; else\n"
		"systemd is asked about " CLI_SYSTEMD_UNIT " (state, main pid and the\n"
		"daemon's own status line: adapter, broker, storage); else the pid file\n"
		CLI_DEFAULT_PID_FILE " is read. The rest comes from the store.\n"
		"\n"
		"  --pid-file PATH      the daemon's pid file\n"
		"  --status-file PATH   the daemon's own status, with the frames each\n"
		"                       driver claimed (default " CLI_DEFAULT_STATUS_FILE ")\n"
		"  --json               one JSON object\n"
		"  --db PATH            the store (default: the config's store.path)\n"
		"  --config PATH        configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help           show this help\n"
		"\n"
		"Exit status: 0 the daemon runs (or cannot be checked), 1 it is known not\n"
		"to run, 4 no store (docs/cli.md).\n");
}

enum {
	OPT_PID_FILE = CLI_OPT_STORE_END,
	OPT_JSON,
	OPT_STATUS_FILE,
};

int cli_status(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ struct hv_person *people = NULL;
	_cleanup_free_ struct last *last = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ struct hv_audience_backlog *waiting = NULL;
	struct audiences au = { 0 };
	struct cli_store_options o = { 0 };
	struct cli_daemon_info d;
	struct devices dv = { 0 };
	struct scan sc = { 0 };
	const char *pid_file = NULL;
	const char *status_file = CLI_DEFAULT_STATUS_FILE;
	cJSON *status = NULL;
	uint64_t backlog = 0;
	bool json = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &o))
			continue;
		switch (c) {
		case OPT_PID_FILE:
			pid_file = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_STATUS_FILE:
			status_file = optarg;
			break;
		case 'h':
			status_usage(stdout);
			return CLI_EXIT_OK;
		default:
			status_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		status_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	r = cli_store_path("status", &o, &path);
	if (r)
		return r;
	r = cli_open_store("status", &o, CLI_OPEN_READ, &s);
	if (r)
		return r;
	r = hv_store_outbox_count(s, &backlog);
	if (r < 0)
		return cli_store_error("status", s, r, "counting the backlog");
	r = hv_store_backlog_by_audience(s, &waiting, &au.n);
	if (r < 0)
		return cli_store_error("status", s, r,
				       "counting the backlog per audience");
	au.backlog = waiting;
	r = hv_store_devices_foreach(s, on_device, &dv);
	if (r < 0)
		return cli_store_error("status", s, r, "listing devices");
	r = hv_store_people_list(s, &people, &sc.n_people);
	if (r < 0)
		return cli_store_error("status", s, r, "listing people");
	sc.people = people;
	last = calloc(sc.n_people ? sc.n_people : 1, sizeof(*last));
	if (!last)
		return CLI_EXIT_FAILURE;
	sc.last = last;
	cli_progress_init(&sc.progress, "rows scanned");
	r = hv_store_readings_foreach(s, NULL, on_row, &sc);
	cli_progress_end(&sc.progress);
	if (r < 0)
		return cli_store_error("status", s, r, "reading the store");
	cli_find_daemon(pid_file, &d);
	status = d.known && !d.running ? NULL : read_status_file(status_file);
	if (json) {
		if (print_json(path, &d, backlog, &au, &dv, &sc, status) < 0)
			return CLI_EXIT_FAILURE;
	} else {
		print_text(path, &d, backlog, &au, &dv, &sc, status);
		cJSON_Delete(status);
	}
	if (fflush(stdout) != 0)
		return CLI_EXIT_FAILURE;
	return d.known && !d.running ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
