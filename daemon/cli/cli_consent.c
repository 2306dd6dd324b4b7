// SPDX-License-Identifier: MIT
/*
 * `homevitals consent grant|revoke|list`: what each person shares with
 * each audience (docs/consent.md). A grant names an audience of the
 * configuration; a revoke does not need one (an audience removed from the
 * configuration can still be revoked).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/common/pseudonym.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static void consent_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals consent grant PERSON AUDIENCE --metrics LIST [--daily]\n"
		"                            [--from YYYY-MM-DD] [--device-details] [--by NAME]\n"
		"       homevitals consent revoke PERSON AUDIENCE\n"
		"       homevitals consent list [PERSON] [--all] [--json]\n"
		"\n"
		"What a person shares with each audience of the configuration. Nothing\n"
		"reaches an audience without a consent in force; a new grant replaces the\n"
		"one before it; revoking stops publishing at once and drops what was\n"
		"still waiting for that audience.\n"
		"\n"
		"  --metrics LIST    groups or metric names, comma-separated, or 'all'\n"
		"                    (groups: weight, body_composition, blood_pressure,\n"
		"                    glucose, activity, heart, temperature, spo2)\n"
		"  --daily           a daily summary (min/mean/max/count) instead of each reading\n"
		"  --from DATE       readings taken from that day on (UTC); default: all\n"
		"  --device-details  the device's address and name may be shared too\n"
		"  --by NAME         who records the consent (default: the login)\n"
		"  --all             list: revoked consents too\n"
		"  --json            list: one JSON array\n"
		"  --db PATH         the store (default: the config's store.path)\n"
		"  --config PATH     configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help        show this help\n"
		"\n"
		"Exit status: 0 ok, 2 usage, 3 unknown person or no consent, 4 no store.\n");
}

enum {
	OPT_METRICS = CLI_OPT_STORE_END,
	OPT_DAILY,
	OPT_FROM,
	OPT_DEVICE_DETAILS,
	OPT_BY,
	OPT_ALL,
	OPT_JSON,
};

struct consent_args {
	struct cli_store_options store;
	const char *person, *audience;
	const char *metrics, *from, *by;
	bool daily, device_details, all, json;
};

/* The audience must be one of the configuration's. */
static int check_audience(const struct consent_args *a)
{
	const char *path = a->store.config ? a->store.config :
					     HV_CONFIG_DEFAULT_PATH;
	struct hv_config_error err = { { 0 } };
	struct hv_config cfg;
	int r, ret = CLI_EXIT_OK;

	hv_config_init(&cfg);
	r = hv_config_load(path, &cfg, &err, NULL, NULL);
	if (r < 0) {
		fprintf(stderr, "homevitals consent grant: %s: %s (audiences are named there)\n",
			path, err.message[0] ? err.message : strerror(-r));
		ret = CLI_EXIT_USAGE;
	} else if (cfg.n_audiences == 0) {
		fprintf(stderr, "homevitals consent grant: %s names no audiences: every reading goes to the one implicit audience (docs/consent.md)\n",
			path);
		ret = CLI_EXIT_USAGE;
	} else if (!hv_config_audience_find(&cfg, a->audience)) {
		fprintf(stderr, "homevitals consent grant: %s names no audience '%s'; it has:",
			path, a->audience);
		for (size_t i = 0; i < cfg.n_audiences; i++)
			fprintf(stderr, " %s", cfg.audiences[i].name);
		fputc('\n', stderr);
		ret = CLI_EXIT_USAGE;
	}
	hv_config_done(&cfg);
	return ret;
}

static const char *login_name(void)
{
	const char *u = getenv("SUDO_USER");

	if (!u || !*u)
		u = getenv("USER");
	return u && *u ? u : "root";
}

static int consent_grant(const struct consent_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	struct hv_consent c = { .daily = a->daily,
				.device_details = a->device_details };
	char bad[64] = "";
	int r;

	if (!a->metrics) {
		fprintf(stderr, "homevitals consent grant: which metrics? (--metrics weight,blood_pressure or all)\n");
		return CLI_EXIT_USAGE;
	}
	if (hv_consent_scope_normalize(a->metrics, c.metrics,
				       sizeof(c.metrics), bad,
				       sizeof(bad)) < 0) {
		fprintf(stderr, "homevitals consent grant: --metrics: '%s' is neither a metric group nor a metric (see --help, docs/readings.md)\n",
			bad);
		return CLI_EXIT_USAGE;
	}
	if (a->from) {
		int y;
		unsigned m, d;

		if (cli_parse_date(a->from, &y, &m, &d) < 0) {
			fprintf(stderr, "homevitals consent grant: --from '%s': expected a date YYYY-MM-DD\n",
				a->from);
			return CLI_EXIT_USAGE;
		}
		(void)snprintf(c.from_date, sizeof(c.from_date),
			       "%04u-%02u-%02u", (unsigned)y % 10000,
			       m % 100, d % 100);
	}
	r = check_audience(a);
	if (r)
		return r;
	(void)snprintf(c.person, sizeof(c.person), "%s", a->person);
	(void)snprintf(c.audience, sizeof(c.audience), "%s", a->audience);
	(void)snprintf(c.recorded_by, sizeof(c.recorded_by), "%s",
		       a->by ? a->by : login_name());
	c.recorded_usec = (int64_t)time(NULL) * 1000000;
	r = cli_open_store("consent grant", &a->store, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_consent_grant(s, &c, NULL);
	if (r == -ENOENT)
		return cli_person_error("consent grant", s, r, a->person);
	if (r < 0)
		return cli_store_error("consent grant", s, r, a->person);
	printf("%s shares %s with %s%s%s%s%s\n", c.person, c.metrics,
	       c.audience, c.daily ? " as daily summaries" : "",
	       c.from_date[0] ? " from " : "", c.from_date,
	       c.device_details ? ", device details included" : "");
	return CLI_EXIT_OK;
}

static int consent_revoke(const struct consent_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	uint64_t dropped = 0;
	int r;

	r = cli_open_store("consent revoke", &a->store, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_consent_revoke(s, a->person, a->audience,
				    (int64_t)time(NULL) * 1000000, &dropped);
	if (r == -ENOENT) {
		fprintf(stderr, "homevitals consent revoke: %s shares nothing with %s (see 'homevitals consent list %s')\n",
			a->person, a->audience, a->person);
		return CLI_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return cli_store_error("consent revoke", s, r, a->person);
	printf("%s no longer shares anything with %s; %" PRIu64
	       " waiting measurement%s dropped for it (kept on the gateway)\n",
	       a->person, a->audience, dropped, dropped == 1 ? "" : "s");
	return CLI_EXIT_OK;
}

static void format_usec(int64_t usec, char *buf, size_t size)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (usec <= 0 || !gmtime_r(&t, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "-");
}

static int consent_to_json(const struct hv_consent *c, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	char recorded[32], revoked[32];

	format_usec(c->recorded_usec, recorded, sizeof(recorded));
	format_usec(c->revoked_usec, revoked, sizeof(revoked));
	if (!o || !cJSON_AddStringToObject(o, "person", c->person) ||
	    !cJSON_AddStringToObject(o, "audience", c->audience) ||
	    !cJSON_AddStringToObject(o, "metrics", c->metrics) ||
	    !cJSON_AddStringToObject(o, "granularity",
				     c->daily ? "daily" : "each") ||
	    !cJSON_AddBoolToObject(o, "device_details", c->device_details) ||
	    !cJSON_AddStringToObject(o, "recorded_by", c->recorded_by) ||
	    !cJSON_AddStringToObject(o, "recorded", recorded))
		return -ENOMEM;
	if (c->from_date[0] &&
	    !cJSON_AddStringToObject(o, "from", c->from_date))
		return -ENOMEM;
	if (c->revoked_usec &&
	    !cJSON_AddStringToObject(o, "revoked", revoked))
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* The rows of `consent list`; a row's times are formatted into the buffers. */
struct consent_rows {
	const struct hv_consent *list;
	char recorded[32], revoked[32];
};

static int consent_row_json(void *userdata, size_t i, cJSON **ret)
{
	const struct consent_rows *rows = userdata;

	return consent_to_json(&rows->list[i], ret);
}

static int consent_row_cells(void *userdata, size_t i, const char **cells)
{
	struct consent_rows *rows = userdata;
	const struct hv_consent *c = &rows->list[i];

	format_usec(c->recorded_usec, rows->recorded, sizeof(rows->recorded));
	format_usec(c->revoked_usec, rows->revoked, sizeof(rows->revoked));
	cells[0] = c->person;
	cells[1] = c->audience;
	cells[2] = c->metrics;
	cells[3] = c->daily ? "daily" : "each";
	cells[4] = c->from_date[0] ? c->from_date : NULL;
	cells[5] = c->device_details ? "yes" : "no";
	cells[6] = rows->recorded;
	cells[7] = c->recorded_by[0] ? c->recorded_by : NULL;
	cells[8] = c->revoked_usec ? rows->revoked : NULL;
	return 0;
}

static int consent_list(const struct consent_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ struct hv_consent *list = NULL;
	static const char *const headers[] = { "PERSON", "AUDIENCE", "METRICS",
					       "GRANULARITY", "FROM", "DEVICE",
					       "RECORDED", "BY", "REVOKED" };
	struct consent_rows rows = { 0 };
	struct cli_listing l = { .headers = headers,
				 .n_columns = ELEMENTSOF(headers),
				 .userdata = &rows,
				 .to_json = consent_row_json,
				 .to_cells = consent_row_cells };
	int r;

	r = cli_open_store("consent list", &a->store, CLI_OPEN_READ, &s);
	if (r)
		return r;
	if (a->person) {
		struct hv_person p;

		r = hv_store_person_get(s, a->person, &p);
		if (r < 0)
			return cli_person_error("consent list", s, r,
						a->person);
	}
	r = hv_store_consent_list(s, a->person, a->all, &list, &l.n_rows);
	if (r < 0)
		return cli_store_error("consent list", s, r, "listing consents");
	if (!a->json && l.n_rows == 0) {
		printf("No consent%s: nothing is shared with any audience\n",
		       a->all ? "" : " in force");
		return CLI_EXIT_OK;
	}
	rows.list = list;
	return cli_listing_print(&l, a->json);
}

int cli_consent(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "daily", no_argument, NULL, OPT_DAILY },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "device-details", no_argument, NULL, OPT_DEVICE_DETAILS },
		{ "by", required_argument, NULL, OPT_BY },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct consent_args a = { 0 };
	const char *verb = "list";
	char cmd[64];
	int c, n_args, min = 0, max, r;
	bool is_grant, is_revoke, is_list;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &a.store))
			continue;
		switch (c) {
		case OPT_METRICS:
			a.metrics = optarg;
			break;
		case OPT_DAILY:
			a.daily = true;
			break;
		case OPT_FROM:
			a.from = optarg;
			break;
		case OPT_DEVICE_DETAILS:
			a.device_details = true;
			break;
		case OPT_BY:
			a.by = optarg;
			break;
		case OPT_ALL:
			a.all = true;
			break;
		case OPT_JSON:
			a.json = true;
			break;
		case 'h':
			consent_usage(stdout);
			return CLI_EXIT_OK;
		default:
			consent_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind >= 1)
		verb = argv[optind++];
	n_args = argc - optind;
	is_grant = strcmp(verb, "grant") == 0;
	is_revoke = strcmp(verb, "revoke") == 0;
	is_list = strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0;
	if (is_grant || is_revoke)
		min = max = 2;
	else if (is_list)
		max = 1;
	else
		max = n_args; /* an unknown verb is refused below */
	(void)snprintf(cmd, sizeof(cmd), "consent %s", is_list ? "list" : verb);
	r = cli_person_audience_args(cmd, argv + optind, n_args, min, max,
				     &a.person, &a.audience);
	if (r)
		return r;
	if (is_grant)
		return consent_grant(&a);
	if (a.metrics || a.daily || a.from || a.device_details || a.by) {
		fprintf(stderr, "homevitals consent %s: --metrics, --daily, --from, --device-details and --by belong to 'grant'\n",
			verb);
		return CLI_EXIT_USAGE;
	}
	if (is_revoke)
		return consent_revoke(&a);
	if (is_list)
		return consent_list(&a);
	fprintf(stderr, "homevitals consent: unknown action '%s' (grant, revoke, list)\n",
		verb);
	return CLI_EXIT_USAGE;
}

/* --- homevitals shared: the audit trail -------------------------------------- */

static void shared_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals shared PERSON [--audience A] [--since WHEN] [--json]\n"
		"\n"
		"What each audience acknowledged receiving about a person, and when: one\n"
		"line per measurement and audience, with the id that audience saw it under.\n"
		"\n"
		"  --audience A   one audience only\n"
		"  --since WHEN   acknowledged from then on (YYYY-MM-DD or RFC 3339)\n"
		"  --json         one JSON array\n"
		"  --db PATH      the store (default: the config's store.path)\n"
		"  --config PATH  configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help     show this help\n"
		"\n"
		"Exit status: 0 ok, 2 usage, 3 unknown person, 4 no store.\n");
}

/* Which audiences of the configuration are pseudonymous; none known
 * without a configuration (the ids are then shown as stored). */
struct audience_ids {
	struct hv_config cfg;
	bool have_secret;
	uint8_t secret[HV_STORE_SECRET_BYTES];
};

static void seen_as(const struct audience_ids *ids, const struct hv_shared_row *row,
		    char *person, char *measurement)
{
	const struct hv_config_audience *a =
		hv_config_audience_find(&ids->cfg, row->audience);
	char p[HV_PSEUDONYM_MAX], m[HV_PSEUDONYM_MAX], key[HV_ID_MAX + 2];

	(void)snprintf(person, HV_PERSON_MAX, "%s", row->person);
	(void)snprintf(measurement, HV_ID_MAX, "%s", row->measurement_id);
	if (!a || !a->pseudonymous || !ids->have_secret)
		return;
	(void)snprintf(key, sizeof(key), "m:%s", row->measurement_id);
	if (hv_pseudonym(ids->secret, a->name, row->person, p) < 0 ||
	    hv_pseudonym(ids->secret, a->name, key, m) < 0)
		return;
	(void)snprintf(person, HV_PERSON_MAX, "%s", p);
	(void)snprintf(measurement, HV_ID_MAX, "m-%s", m + 3);
}

/* The rows of `homevitals shared`; a row's texts are made into the buffers. */
struct shared_rows {
	const struct audience_ids *ids;
	const struct hv_shared_row *rows;
	char when[32], acked[32], as_person[HV_PERSON_MAX], as_id[HV_ID_MAX];
};

static void shared_row_texts(struct shared_rows *sr, size_t i)
{
	format_usec(sr->rows[i].time_usec, sr->when, sizeof(sr->when));
	format_usec(sr->rows[i].acked_usec, sr->acked, sizeof(sr->acked));
	seen_as(sr->ids, &sr->rows[i], sr->as_person, sr->as_id);
}

static int shared_row_json(void *userdata, size_t i, cJSON **ret)
{
	struct shared_rows *sr = userdata;
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();

	shared_row_texts(sr, i);
	if (!o ||
	    !cJSON_AddStringToObject(o, "measurement", sr->rows[i].measurement_id) ||
	    !cJSON_AddStringToObject(o, "audience", sr->rows[i].audience) ||
	    !cJSON_AddStringToObject(o, "seen_as", sr->as_id) ||
	    !cJSON_AddStringToObject(o, "person_seen_as", sr->as_person) ||
	    !cJSON_AddStringToObject(o, "time", sr->when) ||
	    !cJSON_AddStringToObject(o, "acknowledged", sr->acked))
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

static int shared_row_cells(void *userdata, size_t i, const char **cells)
{
	struct shared_rows *sr = userdata;

	shared_row_texts(sr, i);
	cells[0] = sr->when;
	cells[1] = sr->rows[i].audience;
	cells[2] = sr->as_id;
	cells[3] = sr->as_person;
	cells[4] = sr->acked;
	cells[5] = sr->rows[i].measurement_id;
	return 0;
}

int cli_shared(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "audience", required_argument, NULL, OPT_METRICS },
		{ "since", required_argument, NULL, OPT_FROM },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ struct hv_shared_row *rows = NULL;
	static const char *const headers[] = { "MEASURED", "AUDIENCE", "SEEN AS",
					       "AS PERSON", "ACKNOWLEDGED",
					       "MEASUREMENT" };
	struct cli_store_options so = { 0 };
	struct audience_ids ids = { 0 };
	struct shared_rows sr = { .ids = &ids };
	struct cli_listing l = { .headers = headers,
				 .n_columns = ELEMENTSOF(headers),
				 .userdata = &sr,
				 .to_json = shared_row_json,
				 .to_cells = shared_row_cells };
	struct hv_config_error err;
	const char *audience = NULL, *since = NULL, *person;
	struct hv_person p;
	int64_t since_usec = 0;
	bool json = false;
	size_t n = 0;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &so))
			continue;
		switch (c) {
		case OPT_METRICS:
			audience = optarg;
			break;
		case OPT_FROM:
			since = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			shared_usage(stdout);
			return CLI_EXIT_OK;
		default:
			shared_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "homevitals shared: PERSON expected (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	person = argv[optind];
	if (!cli_person_id_valid(person)) {
		fprintf(stderr, "homevitals shared: '%s' is not a person id\n",
			person);
		return CLI_EXIT_USAGE;
	}
	if (since && cli_parse_time(since, false, &since_usec) < 0) {
		fprintf(stderr, "homevitals shared: --since '%s': expected YYYY-MM-DD or RFC 3339\n",
			since);
		return CLI_EXIT_USAGE;
	}
	r = cli_open_store("shared", &so, CLI_OPEN_READ, &s);
	if (r)
		return r;
	r = hv_store_person_get(s, person, &p);
	if (r < 0)
		return cli_person_error("shared", s, r, person);
	r = hv_store_shared_list(s, person, audience, since_usec, &rows, &n);
	if (r < 0)
		return cli_store_error("shared", s, r, person);
	hv_config_init(&ids.cfg);
	(void)hv_config_load(so.config ? so.config : HV_CONFIG_DEFAULT_PATH,
			     &ids.cfg, &err, NULL, NULL);
	/* Read-only: no secret yet means nothing was sent under a pseudonym. */
	ids.have_secret = hv_store_pseudonym_secret(s, ids.secret) >= 0;
	sr.rows = rows;
	l.n_rows = n;
	r = CLI_EXIT_OK;
	if (!json && n == 0)
		printf("Nothing about %s was acknowledged by %s%s%s\n", person,
		       audience ? "audience " : "any audience",
		       audience ? audience : "", since ? " in that time" : "");
	else
		r = cli_listing_print(&l, json);
	explicit_bzero(ids.secret, sizeof(ids.secret));
	hv_config_done(&ids.cfg);
	return r;
}

/* --- homevitals acl: the broker's side of an audience ----------------------- */

static void acl_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals acl AUDIENCE [--user NAME] [--gateway-user NAME]\n"
		"\n"
		"A mosquitto ACL (acl_file) for an audience of the configuration: its\n"
		"readers may read its topic root only; the gateway's account may write it.\n"
		"Concatenate the output for several audiences on one broker.\n"
		"\n"
		"  --user NAME          the audience's readers' account (default: AUDIENCE)\n"
		"  --gateway-user NAME  the gateway's account (default: the audience's\n"
		"                       username, else mqtt.username, else homevitals)\n"
		"  --config PATH        configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  -h, --help           show this help\n");
}

static bool acl_name_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == '#' || *s == '+' || *s == '/')
			return false;
	return true;
}

int cli_acl(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "user", required_argument, NULL, OPT_BY },
		{ "gateway-user", required_argument, NULL, OPT_METRICS },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct cli_store_options so = { 0 };
	struct hv_config_error err = { { 0 } };
	const struct hv_config_audience *a;
	struct hv_config cfg;
	const char *user = NULL, *gw_user = NULL, *path;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &so))
			continue;
		switch (c) {
		case OPT_BY:
			user = optarg;
			break;
		case OPT_METRICS:
			gw_user = optarg;
			break;
		case 'h':
			acl_usage(stdout);
			return CLI_EXIT_OK;
		default:
			acl_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "homevitals acl: AUDIENCE expected (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	path = so.config ? so.config : HV_CONFIG_DEFAULT_PATH;
	hv_config_init(&cfg);
	r = hv_config_load(path, &cfg, &err, NULL, NULL);
	if (r < 0) {
		fprintf(stderr, "homevitals acl: %s: %s\n", path,
			err.message[0] ? err.message : strerror(-r));
		hv_config_done(&cfg);
		return CLI_EXIT_USAGE;
	}
	a = hv_config_audience_find(&cfg, argv[optind]);
	if (!a) {
		fprintf(stderr, "homevitals acl: %s names no audience '%s'\n",
			path, argv[optind]);
		hv_config_done(&cfg);
		return CLI_EXIT_USAGE;
	}
	if (!user)
		user = a->name;
	if (!gw_user)
		gw_user = a->username ? a->username :
			  cfg.mqtt.username ? cfg.mqtt.username : "homevitals";
	if (!acl_name_valid(user) || !acl_name_valid(gw_user)) {
		fprintf(stderr, "homevitals acl: an account name has spaces, '#', '+' or '/'\n");
		hv_config_done(&cfg);
		return CLI_EXIT_USAGE;
	}
	printf("# homevitals: audience %s (docs/consent.md); mosquitto acl_file\n"
	       "user %s\n"
	       "topic read %s/#\n"
	       "\n"
	       "user %s\n"
	       "topic write %s/#\n",
	       a->name, user, a->topic_prefix, gw_user, a->topic_prefix);
	hv_config_done(&cfg);
	return CLI_EXIT_OK;
}
