// SPDX-License-Identifier: MIT
/*
 * `homevitals readings` and `homevitals unassigned`: stored readings as a
 * table, RFC 4180 CSV, JSON (the stored records, readings.md) or a FHIR R4
 * Bundle of type "collection". Exports stream: the store hands out rows
 * oldest first (hv_store_readings_foreach), and each measurement is printed
 * from its stored JSON as soon as its rows are seen, so memory does not grow
 * with the number of rows. The store's rows select (person, metric, time);
 * the stored JSON, which is what was published, gives the values.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"
#include "daemon/common/fhir.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

enum format {
	FORMAT_TABLE,
	FORMAT_CSV,
	FORMAT_JSON,
	FORMAT_FHIR,
};

struct export {
	const char *cmd;
	struct hv_store *s;
	enum format format;
	const char *metric; /* only these readings, or NULL */
	bool by_measurement; /* `unassigned`: one line per measurement */
	struct hv_person *people;
	size_t n_people;
	char current[HV_ID_MAX];
	uint64_t n_measurements, n_readings;
	struct cli_progress progress;
	int error;
};

static const char *person_name(const struct export *e, const char *id)
{
	for (size_t i = 0; id && i < e->n_people; i++)
		if (strcmp(e->people[i].id, id) == 0)
			return e->people[i].name;
	return "";
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* Keep only the readings of e->metric (all when NULL). */
static void filter_readings(const struct export *e, cJSON *record)
{
	cJSON *readings = cJSON_GetObjectItemCaseSensitive(record, "readings");
	cJSON *r = readings ? readings->child : NULL;

	if (!e->metric)
		return;
	while (r) {
		cJSON *next = r->next;
		const char *m = str(r, "metric");

		if (!m || strcmp(m, e->metric) != 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(readings, r));
		r = next;
	}
}

static void value_text(const cJSON *reading, char *buf, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(reading, "value");

	if (cJSON_IsNumber(v))
		cli_format_number(v->valuedouble, buf, size);
	else
		(void)snprintf(buf, size, "%s", "");
}

static int emit_table(struct export *e, const cJSON *record)
{
	const cJSON *readings =
		cJSON_GetObjectItemCaseSensitive(record, "readings");
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(record, "device");
	const cJSON *rd;
	const char *person = str(record, "person");

	cJSON_ArrayForEach(rd, readings)
	{
		char value[40];
		const char *method = str(rd, "method");

		value_text(rd, value, sizeof(value));
		if (!value[0])
			(void)snprintf(value, sizeof(value), "(%s)",
				       str(rd, "absent_reason") ?: "none");
		char line[512];
		size_t n;

		(void)snprintf(line, sizeof(line),
			       "%-20s  %-14s  %-18s  %-22s %10s %-8s %s",
			       str(record, "time") ?: "", person ?: "unassigned",
			       str(device, "model") ?: "", str(rd, "metric") ?: "",
			       value, str(rd, "unit") ?: "", method ?: "");
		n = strlen(line);
		while (n && line[n - 1] == ' ')
			line[--n] = '\0';
		if (puts(line) < 0)
			return -EIO;
		e->n_readings++;
	}
	return 0;
}

static int emit_csv(struct export *e, const cJSON *record)
{
	const cJSON *readings =
		cJSON_GetObjectItemCaseSensitive(record, "readings");
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(record, "device");
	const cJSON *correction =
		cJSON_GetObjectItemCaseSensitive(record, "correction");
	const char *person = str(record, "person");
	const cJSON *rd;

	cJSON_ArrayForEach(rd, readings)
	{
		char value[40];
		const char *fields[] = {
			str(record, "id"),
			str(record, "time"),
			person,
			person_name(e, person),
			str(device, "address"),
			str(device, "model"),
			str(rd, "metric"),
			value,
			str(rd, "unit"),
			str(rd, "absent_reason"),
			str(rd, "method"),
			cJSON_IsTrue(correction) ? "true" : "false",
		};

		value_text(rd, value, sizeof(value));
		if (cli_csv_row(stdout, fields, ELEMENTSOF(fields)) < 0)
			return -EIO;
		e->n_readings++;
	}
	return 0;
}

static int print_json_item(struct export *e, const cJSON *item)
{
	_cleanup_free_ char *text = cJSON_Print(item);

	if (!text)
		return -ENOMEM;
	if (printf("%s%s", e->n_measurements ? ",\n" : "", text) < 0)
		return -EIO;
	return 0;
}

static int emit_fhir(struct export *e, const cJSON *record)
{
	_cleanup_(cJSON_Deletep) cJSON *obs = NULL;
	cJSON *o;
	int r;

	r = hv_fhir_observations(record, &obs);
	if (r < 0)
		return r;
	cJSON_ArrayForEach(o, obs)
	{
		_cleanup_(cJSON_Deletep) cJSON *entry = cJSON_CreateObject();
		_cleanup_free_ char *text = NULL;

		if (!entry ||
		    !cJSON_AddItemReferenceToObject(entry, "resource", o))
			return -ENOMEM;
		text = cJSON_Print(entry);
		if (!text)
			return -ENOMEM;
		if (printf("%s%s", e->n_readings ? ",\n" : "", text) < 0)
			return -EIO;
		e->n_readings++;
	}
	return 0;
}

/* `unassigned`: one line per measurement with its main readings. */
static int emit_summary(const cJSON *record)
{
	const cJSON *readings =
		cJSON_GetObjectItemCaseSensitive(record, "readings");
	const cJSON *device = cJSON_GetObjectItemCaseSensitive(record, "device");
	const cJSON *rd;
	char summary[256] = "";
	size_t off = 0;

	cJSON_ArrayForEach(rd, readings)
	{
		char value[40];
		int k;

		if (str(rd, "method"))
			continue; /* derived: not what tells people apart */
		value_text(rd, value, sizeof(value));
		k = snprintf(summary + off, sizeof(summary) - off, "%s%s %s %s",
			     off ? ", " : "", str(rd, "metric") ?: "",
			     value[0] ? value : "-", str(rd, "unit") ?: "");
		if (k < 0 || (size_t)k >= sizeof(summary) - off)
			break;
		off += (size_t)k;
	}
	if (printf("%-32s  %-20s  %-17s  %-18s  %s\n", str(record, "id") ?: "",
		   str(record, "time") ?: "", str(device, "address") ?: "",
		   str(device, "model") ?: "", summary) < 0)
		return -EIO;
	return 0;
}

static int emit_measurement(struct export *e, const char *id)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_(cJSON_Deletep) cJSON *record = NULL;
	int r;

	r = hv_store_measurement_json(e->s, id, &json);
	if (r < 0)
		return r;
	record = cJSON_Parse(json);
	if (!cJSON_IsObject(record))
		return -EBADMSG;
	filter_readings(e, record);
	if (e->metric && !cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 record, "readings")))
		return 0; /* rows and JSON disagree: the JSON is published */
	if (e->by_measurement)
		r = e->format == FORMAT_JSON ? print_json_item(e, record) :
					       emit_summary(record);
	else
		switch (e->format) {
		case FORMAT_TABLE:
			r = emit_table(e, record);
			break;
		case FORMAT_CSV:
			r = emit_csv(e, record);
			break;
		case FORMAT_JSON:
			r = print_json_item(e, record);
			break;
		case FORMAT_FHIR:
			r = emit_fhir(e, record);
			break;
		}
	if (r < 0)
		return r;
	e->n_measurements++;
	return 0;
}

static int on_row(const struct hv_reading_row *row, void *userdata)
{
	struct export *e = userdata;
	int r;

	cli_progress_tick(&e->progress);
	/* Rows of one measurement come together (ordered by time, id). */
	if (!row->measurement_id || strcmp(row->measurement_id, e->current) == 0)
		return 0;
	(void)snprintf(e->current, sizeof(e->current), "%s",
		       row->measurement_id);
	r = emit_measurement(e, row->measurement_id);
	if (r < 0) {
		e->error = r;
		return r;
	}
	return 0;
}

static int print_header(const struct export *e)
{
	static const char *const csv[] = {
		"measurement_id", "time",    "person",	      "name",
		"device_address", "device_model", "metric",	      "value",
		"unit",		  "absent_reason", "method",	      "correction",
	};
	char now[40];

	if (e->by_measurement) {
		if (e->format == FORMAT_JSON)
			return printf("[\n") < 0 ? -EIO : 0;
		return printf("%-32s  %-20s  %-17s  %-18s  %s\n", "MEASUREMENT",
			      "TIME", "DEVICE", "MODEL", "READINGS") < 0 ?
			       -EIO :
			       0;
	}
	switch (e->format) {
	case FORMAT_TABLE:
		return printf("%-20s  %-14s  %-18s  %-22s %10s %-8s %s\n", "TIME",
			      "PERSON", "MODEL", "METRIC", "VALUE", "UNIT",
			      "METHOD") < 0 ?
			       -EIO :
			       0;
	case FORMAT_CSV:
		return cli_csv_row(stdout, csv, ELEMENTSOF(csv));
	case FORMAT_JSON:
		return printf("[\n") < 0 ? -EIO : 0;
	case FORMAT_FHIR:
		hv_format_rfc3339((int64_t)time(NULL) * 1000000, now,
				  sizeof(now));
		return printf("{\n\"resourceType\": \"Bundle\",\n\"type\": \"collection\",\n"
			      "\"timestamp\": \"%s\",\n\"entry\": [\n",
			      now) < 0 ?
			       -EIO :
			       0;
	}
	return 0;
}

static int print_footer(const struct export *e)
{
	if (e->format == FORMAT_JSON)
		return printf("%s]\n", e->n_measurements ? "\n" : "") < 0 ? -EIO :
									    0;
	if (e->format == FORMAT_FHIR && !e->by_measurement)
		return printf("%s]\n}\n", e->n_readings ? "\n" : "") < 0 ? -EIO :
									   0;
	return 0;
}

struct filter_args {
	struct cli_store_options store;
	const char *person, *metric, *since, *until, *format, *pid_file;
	bool unassigned;
};

enum {
	OPT_PERSON = CLI_OPT_STORE_END,
	OPT_METRIC,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_FORMAT,
	OPT_JSON,
	OPT_UNASSIGNED,
};

static int parse_format(const char *cmd, const char *text, enum format *ret)
{
	static const char *const names[] = { "table", "csv", "json", "fhir" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(text, names[i]) == 0) {
			*ret = (enum format)i;
			return 0;
		}
	fprintf(stderr, "homevitals %s: --format '%s': expected table, csv, json or fhir\n",
		cmd, text);
	return CLI_EXIT_USAGE;
}

static int run_export(struct export *e, const struct filter_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ struct hv_person *people = NULL;
	struct hv_reading_filter f = { 0 };
	struct hv_person p;
	int r;

	if (a->metric && hv_metric_from_name(a->metric) < 0) {
		fprintf(stderr, "homevitals %s: --metric '%s': no such metric (e.g. body_weight, "
				"systolic_pressure; see docs/readings.md)\n",
			e->cmd, a->metric);
		return CLI_EXIT_USAGE;
	}
	if (a->since && cli_parse_time(a->since, false, &f.since_usec) < 0) {
		fprintf(stderr, "homevitals %s: --since '%s': expected YYYY-MM-DD or RFC 3339 "
				"(2024-03-15T08:30:00Z)\n",
			e->cmd, a->since);
		return CLI_EXIT_USAGE;
	}
	if (a->until && cli_parse_time(a->until, true, &f.until_usec) < 0) {
		fprintf(stderr, "homevitals %s: --until '%s': expected YYYY-MM-DD or RFC 3339 "
				"(2024-03-15T08:30:00Z)\n",
			e->cmd, a->until);
		return CLI_EXIT_USAGE;
	}
	if (a->person && a->unassigned) {
		fprintf(stderr, "homevitals %s: --person and --unassigned exclude each other\n",
			e->cmd);
		return CLI_EXIT_USAGE;
	}
	r = cli_open_store(e->cmd, &a->store, CLI_OPEN_READ, &s);
	if (r)
		return r;
	e->s = s;
	if (a->person) {
		r = hv_store_person_get(s, a->person, &p);
		if (r < 0)
			return cli_person_error(e->cmd, s, r, a->person);
	}
	r = hv_store_people_list(s, &people, &e->n_people);
	if (r < 0)
		return cli_store_error(e->cmd, s, r, "listing people");
	e->people = people;
	f.person = a->unassigned ? "" : a->person;
	/* The store's rows follow reassignments (re-derived readings), so
	 * it finds the measurements; the JSON is then trimmed to the metric. */
	f.metric = a->metric;
	cli_progress_init(&e->progress, "rows");
	r = print_header(e);
	if (r >= 0)
		r = hv_store_readings_foreach(s, &f, on_row, e);
	if (r >= 0 && e->error < 0)
		r = e->error;
	cli_progress_end(&e->progress);
	if (r >= 0)
		r = print_footer(e);
	if (r >= 0 && fflush(stdout) != 0)
		r = -EIO;
	if (r < 0)
		return cli_store_error(e->cmd, s, r, "reading the store");
	return CLI_EXIT_OK;
}

static int parse_filter_args(const char *cmd, int argc, char **argv,
			     struct filter_args *a, void (*usage)(FILE *))
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "person", required_argument, NULL, OPT_PERSON },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "unassigned", no_argument, NULL, OPT_UNASSIGNED },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &a->store))
			continue;
		switch (c) {
		case OPT_PERSON:
			a->person = optarg;
			break;
		case OPT_METRIC:
			a->metric = optarg;
			break;
		case OPT_SINCE:
			a->since = optarg;
			break;
		case OPT_UNTIL:
			a->until = optarg;
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_JSON:
			a->format = "json";
			break;
		case OPT_UNASSIGNED:
			a->unassigned = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "homevitals %s: unexpected argument '%s'\n", cmd,
			argv[optind]);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static void readings_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals readings [FILTERS] [--format table|csv|json|fhir]\n"
		"\n"
		"Stored readings, oldest first. Large exports stream; on a terminal the\n"
		"row count is shown on stderr.\n"
		"\n"
		"  --person ID          one person's readings\n"
		"  --unassigned         readings that belong to nobody yet\n"
		"  --metric NAME        one metric (body_weight, systolic_pressure, …)\n"
		"  --since WHEN         from WHEN on (YYYY-MM-DD or RFC 3339)\n"
		"  --until WHEN         before WHEN; a date alone includes that whole day\n"
		"  --format FORMAT      table (default); csv: RFC 4180, one row per\n"
		"                       reading; json: an array of stored measurements;\n"
		"                       fhir: a FHIR R4 Bundle (collection) of Observations\n"
		"  --json               the same as --format json\n"
		"  --db PATH            the store (default: the config's store.path)\n"
		"  --config PATH        configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help           show this help\n"
		"\n"
		"Dates without a zone are UTC days. Exit status: 0 ok, 2 usage, 3 unknown\n"
		"person, 4 no store (docs/cli.md).\n");
}

int cli_readings(int argc, char **argv)
{
	struct filter_args a = { 0 };
	struct export e = { .cmd = "readings" };
	int r;

	r = parse_filter_args("readings", argc, argv, &a, readings_usage);
	if (r)
		return r < 0 ? CLI_EXIT_OK : r;
	if (a.format) {
		r = parse_format("readings", a.format, &e.format);
		if (r)
			return r;
	}
	e.metric = a.metric;
	return run_export(&e, &a);
}

static void unassigned_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals unassigned [--since WHEN] [--until WHEN] [--json]\n"
		"\n"
		"Measurements that belong to nobody: no linked user slot and no single\n"
		"person whose weight fits (docs/people.md). Give one to a person with\n"
		"'homevitals assign MEASUREMENT PERSON'.\n"
		"\n"
		"  --since WHEN, --until WHEN   as for 'readings'\n"
		"  --json               an array of the stored measurements\n"
		"  --db PATH            the store (default: the config's store.path)\n"
		"  --config PATH        configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help           show this help\n");
}

int cli_unassigned(int argc, char **argv)
{
	struct filter_args a = { 0 };
	struct export e = { .cmd = "unassigned", .by_measurement = true };
	int r;

	r = parse_filter_args("unassigned", argc, argv, &a, unassigned_usage);
	if (r)
		return r < 0 ? CLI_EXIT_OK : r;
	if (a.person || a.metric || a.unassigned ||
	    (a.format && strcmp(a.format, "json") != 0 &&
	     strcmp(a.format, "table") != 0)) {
		unassigned_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (a.format && strcmp(a.format, "json") == 0)
		e.format = FORMAT_JSON;
	a.unassigned = true;
	return run_export(&e, &a);
}
