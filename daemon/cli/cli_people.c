// SPDX-License-Identifier: MIT
/*
 * `homevitals people add|edit|remove|list`: the people a gateway serves
 * (docs/people.md). The id is pseudonymous and is what MQTT topics carry;
 * the display name stays on the gateway.
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

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static void people_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals people [list] [--json]\n"
		"       homevitals people add --id ID [ATTRIBUTES]\n"
		"       homevitals people edit ID [ATTRIBUTES]\n"
		"       homevitals people remove ID\n"
		"\n"
		"The people this gateway serves. ID is pseudonymous (letters, digits,\n"
		"'.', '_', '-'): it is what MQTT topics carry. The name stays here.\n"
		"\n"
		"Attributes (edit: 'none' clears one):\n"
		"  --id ID                  the pseudonymous id (add; edit takes it too)\n"
		"  --name NAME              display name, kept on the gateway only\n"
		"  --height METRES          1.68 (or centimetres: 168)\n"
		"  --birth-date YYYY-MM-DD  for the age in body composition\n"
		"  --sex male|female\n"
		"  --weight-range MIN-MAX   expected weight in kg, e.g. 60-68\n"
		"  --last-weight KG         a recent weight, used when no range is set\n"
		"\n"
		"  --db PATH                the store (default: the config's store.path)\n"
		"  --config PATH            configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  --json                   list: one JSON array\n"
		"  -h, --help               show this help\n"
		"\n"
		"Exit status: 0 ok, 2 usage, 3 unknown person, 4 no store (docs/cli.md).\n");
}

enum {
	OPT_ID = CLI_OPT_STORE_END,
	OPT_NAME,
	OPT_HEIGHT,
	OPT_BIRTH,
	OPT_SEX,
	OPT_RANGE,
	OPT_LAST,
	OPT_JSON,
};

struct people_args {
	struct cli_store_options store;
	const char *id;
	bool json;
	/* attributes given, NULL when not given */
	const char *name, *height, *birth_date, *sex, *range, *last;
};

static bool is_none(const char *v)
{
	return strcmp(v, "none") == 0 || !*v;
}

/* Apply the given attributes over p; prints the error, returns exit code. */
static int apply_attributes(const char *cmd, const struct people_args *a,
			    struct hv_person *p)
{
	if (a->name) {
		if (strlen(a->name) >= sizeof(p->name)) {
			fprintf(stderr, "homevitals %s: --name: longer than %zu bytes\n",
				cmd, sizeof(p->name) - 1);
			return CLI_EXIT_USAGE;
		}
		(void)snprintf(p->name, sizeof(p->name), "%s", a->name);
	}
	if (a->height) {
		if (is_none(a->height))
			p->height_m = 0;
		else if (cli_parse_height(a->height, &p->height_m) < 0) {
			fprintf(stderr, "homevitals %s: --height '%s': expected metres (0.3-2.8) or centimetres\n",
				cmd, a->height);
			return CLI_EXIT_USAGE;
		}
	}
	if (a->birth_date) {
		int y;
		unsigned m, d;
		time_t now = time(NULL);
		int64_t born;

		if (is_none(a->birth_date))
			p->birth_date[0] = '\0';
		else if (cli_parse_date(a->birth_date, &y, &m, &d) < 0 ||
			 (born = hv_days_from_civil(y, m, d) * 86400) > now ||
			 y < 1880) {
			fprintf(stderr, "homevitals %s: --birth-date '%s': expected a past date YYYY-MM-DD\n",
				cmd, a->birth_date);
			return CLI_EXIT_USAGE;
		} else
			(void)snprintf(p->birth_date, sizeof(p->birth_date),
				       "%04d-%02u-%02u", y % 10000, m % 100,
				       d % 100);
	}
	if (a->sex) {
		int s = is_none(a->sex) ? HV_SEX_UNKNOWN :
					  hv_sex_from_name(a->sex);

		if (s < 0) {
			fprintf(stderr, "homevitals %s: --sex '%s': expected male or female\n",
				cmd, a->sex);
			return CLI_EXIT_USAGE;
		}
		p->sex = s;
	}
	if (a->range) {
		if (is_none(a->range))
			p->weight_min_kg = p->weight_max_kg = 0;
		else if (cli_parse_weight_range(a->range, &p->weight_min_kg,
						&p->weight_max_kg) < 0) {
			fprintf(stderr, "homevitals %s: --weight-range '%s': expected MIN-MAX in kg, e.g. 60-68\n",
				cmd, a->range);
			return CLI_EXIT_USAGE;
		}
	}
	if (a->last) {
		if (is_none(a->last))
			p->last_weight_kg = 0;
		else if (cli_parse_double(a->last, &p->last_weight_kg) < 0 ||
			 !(p->last_weight_kg > 0 && p->last_weight_kg < 650)) {
			fprintf(stderr, "homevitals %s: --last-weight '%s': expected kg\n",
				cmd, a->last);
			return CLI_EXIT_USAGE;
		}
	}
	return CLI_EXIT_OK;
}

static int check_id(const char *cmd, const char *id)
{
	if (!id) {
		fprintf(stderr, "homevitals %s: which person? (--id ID)\n", cmd);
		return CLI_EXIT_USAGE;
	}
	if (!cli_person_id_valid(id)) {
		fprintf(stderr, "homevitals %s: '%s' is not a person id (letters, digits, '.', '_', '-'; "
				"at most %d bytes; pseudonymous: it appears in MQTT topics)\n",
			cmd, id, HV_PERSON_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

static int people_add(const struct people_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	struct hv_person p = { 0 };
	int r;

	r = check_id("people add", a->id);
	if (r)
		return r;
	(void)snprintf(p.id, sizeof(p.id), "%s", a->id);
	r = apply_attributes("people add", a, &p);
	if (r)
		return r;
	r = cli_open_store("people add", &a->store, CLI_OPEN_CREATE, &s);
	if (r)
		return r;
	r = hv_store_person_add(s, &p);
	if (r == -EEXIST) {
		fprintf(stderr, "homevitals people add: %s already exists (use 'people edit %s')\n",
			p.id, p.id);
		return CLI_EXIT_FAILURE;
	}
	if (r < 0)
		return cli_store_error("people add", s, r, p.id);
	printf("Added %s%s%s%s\n", p.id, p.name[0] ? " (" : "", p.name,
	       p.name[0] ? ")" : "");
	return CLI_EXIT_OK;
}

static int people_edit(const struct people_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	struct hv_person p;
	int r;

	r = check_id("people edit", a->id);
	if (r)
		return r;
	r = cli_open_store("people edit", &a->store, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_person_get(s, a->id, &p);
	if (r < 0)
		return cli_person_error("people edit", s, r, a->id);
	r = apply_attributes("people edit", a, &p);
	if (r)
		return r;
	r = hv_store_person_update(s, &p);
	if (r < 0)
		return cli_store_error("people edit", s, r, a->id);
	printf("Updated %s\n", p.id);
	return CLI_EXIT_OK;
}

static int people_remove(const struct people_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	int r;

	r = check_id("people remove", a->id);
	if (r)
		return r;
	r = cli_open_store("people remove", &a->store, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_person_remove(s, a->id);
	if (r < 0)
		return cli_person_error("people remove", s, r, a->id);
	printf("Removed %s; their device user slots are unlinked, their measurements kept\n",
	       a->id);
	return CLI_EXIT_OK;
}

static void weight_range_text(const struct hv_person *p, char *buf,
			      size_t size)
{
	char lo[32], hi[32];

	if (!(p->weight_min_kg > 0) && !(p->weight_max_kg > 0)) {
		(void)snprintf(buf, size, "-");
		return;
	}
	cli_format_number(p->weight_min_kg, lo, sizeof(lo));
	cli_format_number(p->weight_max_kg, hi, sizeof(hi));
	(void)snprintf(buf, size, "%s-%s kg", lo, hi);
}

/* "clinic: all; community: weight (daily)": the consents in force. */
static void shared_text(const char *person, const struct hv_consent *list,
			size_t n, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int k;

		if (strcmp(list[i].person, person) != 0)
			continue;
		k = snprintf(buf + used, size - used, "%s%s: %s%s",
			     used ? "; " : "", list[i].audience,
			     list[i].metrics, list[i].daily ? " (daily)" : "");
		if (k < 0)
			break;
		used += (size_t)k;
	}
}

static int consents_to_json(cJSON *o, const char *person,
			    const struct hv_consent *list, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "consents");

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *c;

		if (strcmp(list[i].person, person) != 0)
			continue;
		c = cJSON_CreateObject();
		if (!c)
			return -ENOMEM;
		cJSON_AddItemToArray(arr, c);
		if (!cJSON_AddStringToObject(c, "audience", list[i].audience) ||
		    !cJSON_AddStringToObject(c, "metrics", list[i].metrics) ||
		    !cJSON_AddStringToObject(c, "granularity",
					     list[i].daily ? "daily" : "each"))
			return -ENOMEM;
	}
	return 0;
}

static int person_to_json(const struct hv_person *p, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "id", p->id) ||
	    !cJSON_AddStringToObject(o, "name", p->name))
		return -ENOMEM;
	if (p->height_m > 0 &&
	    !cJSON_AddNumberToObject(o, "height_m", p->height_m))
		return -ENOMEM;
	if (p->birth_date[0] &&
	    !cJSON_AddStringToObject(o, "birth_date", p->birth_date))
		return -ENOMEM;
	if (p->sex != HV_SEX_UNKNOWN &&
	    !cJSON_AddStringToObject(o, "sex", hv_sex_name(p->sex)))
		return -ENOMEM;
	if (p->weight_min_kg > 0 &&
	    !cJSON_AddNumberToObject(o, "weight_min_kg", p->weight_min_kg))
		return -ENOMEM;
	if (p->weight_max_kg > 0 &&
	    !cJSON_AddNumberToObject(o, "weight_max_kg", p->weight_max_kg))
		return -ENOMEM;
	if (p->last_weight_kg > 0 &&
	    !cJSON_AddNumberToObject(o, "last_weight_kg", p->last_weight_kg))
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

/* The rows of `people list`; a row's texts are made into the buffers. */
struct people_rows {
	const struct hv_person *people;
	const struct hv_consent *consents;
	size_t n_consents;
	char height[32], range[80], last[40], shared[256];
};

static int people_row_json(void *userdata, size_t i, cJSON **ret)
{
	const struct people_rows *pr = userdata;
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;

	if (person_to_json(&pr->people[i], &o) < 0 ||
	    consents_to_json(o, pr->people[i].id, pr->consents,
			     pr->n_consents) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

static int people_row_cells(void *userdata, size_t i, const char **cells)
{
	struct people_rows *pr = userdata;
	const struct hv_person *p = &pr->people[i];

	(void)snprintf(pr->height, sizeof(pr->height), "-");
	if (p->height_m > 0)
		(void)snprintf(pr->height, sizeof(pr->height), "%.2f m",
			       p->height_m);
	weight_range_text(p, pr->range, sizeof(pr->range));
	(void)snprintf(pr->last, sizeof(pr->last), "-");
	if (p->last_weight_kg > 0) {
		cli_format_number(p->last_weight_kg, pr->last,
				  sizeof(pr->last) - 4);
		strcat(pr->last, " kg");
	}
	shared_text(p->id, pr->consents, pr->n_consents, pr->shared,
		    sizeof(pr->shared));
	cells[0] = p->id;
	cells[1] = p->name[0] ? p->name : NULL;
	cells[2] = pr->height;
	cells[3] = p->birth_date[0] ? p->birth_date : NULL;
	cells[4] = p->sex != HV_SEX_UNKNOWN ? hv_sex_name(p->sex) : NULL;
	cells[5] = pr->range;
	cells[6] = pr->last;
	cells[7] = pr->shared[0] ? pr->shared : NULL;
	return 0;
}

static int people_list(const struct people_args *a)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_free_ struct hv_person *people = NULL;
	_cleanup_free_ struct hv_consent *consents = NULL;
	static const char *const headers[] = { "ID",  "NAME",	  "HEIGHT",
					       "BORN", "SEX",	  "WEIGHT RANGE",
					       "LAST WEIGHT", "SHARED WITH" };
	struct people_rows pr = { 0 };
	struct cli_listing l = { .headers = headers,
				 .n_columns = ELEMENTSOF(headers),
				 .userdata = &pr,
				 .to_json = people_row_json,
				 .to_cells = people_row_cells };
	int r;

	r = cli_open_store("people list", &a->store, CLI_OPEN_READ, &s);
	if (r)
		return r;
	r = hv_store_people_list(s, &people, &l.n_rows);
	if (r < 0)
		return cli_store_error("people list", s, r, "listing people");
	r = hv_store_consent_list(s, NULL, false, &consents, &pr.n_consents);
	if (r < 0)
		return cli_store_error("people list", s, r, "listing consents");
	if (!a->json && l.n_rows == 0) {
		printf("No people yet: add one with 'homevitals people add --id ID --name NAME …'\n");
		return CLI_EXIT_OK;
	}
	pr.people = people;
	pr.consents = consents;
	return cli_listing_print(&l, a->json);
}

int cli_people(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "id", required_argument, NULL, OPT_ID },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "height", required_argument, NULL, OPT_HEIGHT },
		{ "birth-date", required_argument, NULL, OPT_BIRTH },
		{ "sex", required_argument, NULL, OPT_SEX },
		{ "weight-range", required_argument, NULL, OPT_RANGE },
		{ "last-weight", required_argument, NULL, OPT_LAST },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct people_args a = { 0 };
	const char *verb = "list";
	bool attributes;
	int c, n_args;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &a.store))
			continue;
		switch (c) {
		case OPT_ID:
			a.id = optarg;
			break;
		case OPT_NAME:
			a.name = optarg;
			break;
		case OPT_HEIGHT:
			a.height = optarg;
			break;
		case OPT_BIRTH:
			a.birth_date = optarg;
			break;
		case OPT_SEX:
			a.sex = optarg;
			break;
		case OPT_RANGE:
			a.range = optarg;
			break;
		case OPT_LAST:
			a.last = optarg;
			break;
		case OPT_JSON:
			a.json = true;
			break;
		case 'h':
			people_usage(stdout);
			return CLI_EXIT_OK;
		default:
			people_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	n_args = argc - optind;
	if (n_args >= 1)
		verb = argv[optind];
	/* A positional ID after the verb; it must agree with --id. */
	if (n_args >= 2) {
		if (a.id && strcmp(a.id, argv[optind + 1]) != 0) {
			fprintf(stderr, "homevitals people %s: two ids given: %s and %s\n",
				verb, argv[optind + 1], a.id);
			return CLI_EXIT_USAGE;
		}
		a.id = argv[optind + 1];
	}
	attributes = a.name || a.height || a.birth_date || a.sex || a.range ||
		     a.last;
	if (n_args > 2) {
		fprintf(stderr, "homevitals people %s: unexpected argument '%s'\n",
			verb, argv[optind + 2]);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(verb, "add") == 0)
		return people_add(&a);
	if (strcmp(verb, "edit") == 0) {
		if (!attributes) {
			fprintf(stderr, "homevitals people edit: nothing to change (see --help)\n");
			return CLI_EXIT_USAGE;
		}
		return people_edit(&a);
	}
	if (strcmp(verb, "remove") == 0 || strcmp(verb, "rm") == 0) {
		if (attributes) {
			fprintf(stderr, "homevitals people remove: takes only the id\n");
			return CLI_EXIT_USAGE;
		}
		return people_remove(&a);
	}
	if (strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0) {
		if (attributes || a.id) {
			fprintf(stderr, "homevitals people list: takes no person attributes\n");
			return CLI_EXIT_USAGE;
		}
		return people_list(&a);
	}
	fprintf(stderr, "homevitals people: unknown action '%s' (add, edit, remove, list)\n",
		verb);
	return CLI_EXIT_USAGE;
}
