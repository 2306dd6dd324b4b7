// SPDX-License-Identifier: MIT
/*
 * `homevitals devices`: the devices the gateway has seen, which of them the
 * household adopted (only their readings are assigned to people), and the
 * links from a device's user slot (SIG user index, a scale's user number)
 * to a person (docs/people.md).
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
#include "daemon/ingest/ingest.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct hv_store *, hv_store_close)
DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* SIG user index is a byte (0xFF "unknown user"); proprietary scales number
 * their users from 0 or 1 up to a handful. What `link` accepts; the list
 * shows every slot the store holds. */
#define USER_INDEX_MAX 254

static void devices_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals devices [list] [--json]\n"
		"       homevitals devices adopt ADDRESS [--person PERSON [--backlog]]\n"
		"       homevitals devices forget ADDRESS\n"
		"       homevitals devices link ADDRESS USER_INDEX PERSON [--consent CODE]\n"
		"       homevitals devices unlink ADDRESS USER_INDEX [--forget]\n"
		"\n"
		"List the devices seen (driver, model, RSSI, battery, last seen, adopted\n"
		"and their user slots). Only the readings of an adopted device are\n"
		"assigned to people; others are kept unassigned, so a neighbour's scale\n"
		"never takes over anyone's (docs/people.md). 'forget' un-adopts a device.\n"
		"Link a device's user slot to a person: its measurements then belong to\n"
		"that person whatever they weigh.\n"
		"\n"
		"  --person PERSON  adopt: every measurement of the device is theirs (a\n"
		"                   linked user slot still decides first); without it\n"
		"                   the weight rule decides\n"
		"  --backlog        adopt: give the device's unassigned measurements to\n"
		"                   PERSON too (re-derived, published as corrections)\n"
		"  --consent CODE   link: the slot's consent code (0-9999) for scales that\n"
		"                   ask for one (SIG User Data Service)\n"
		"  --forget         unlink: forget the slot and its consent code too\n"
		"  --db PATH        the store (default: the config's store.path)\n"
		"  --config PATH    configuration file (default " HV_CONFIG_DEFAULT_PATH ")\n"
		"  --json           list: one JSON array\n"
		"  -h, --help       show this help\n"
		"\n"
		"The daemon reads adoptions and links from the store for every\n"
		"measurement: a change applies to the next one. Exit status: 0 ok,\n"
		"2 usage, 3 unknown person, slot or adopted device, 4 no store\n"
		"(docs/cli.md).\n");
}

struct slot {
	char address[HV_ADDRESS_MAX];
	int user_index;
	char person[HV_PERSON_MAX];
	int consent;
	bool shown;
};

struct slots {
	struct slot *v;
	size_t n, cap;
};

static int collect_slot(const char *address, int user_index,
			const char *person, int consent_code, void *userdata)
{
	struct slots *sl = userdata;
	struct slot *x;

	if (sl->n == sl->cap) {
		size_t ncap = sl->cap ? sl->cap * 2 : 16;
		struct slot *nv = reallocarray(sl->v, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		sl->v = nv;
		sl->cap = ncap;
	}
	x = &sl->v[sl->n++];
	*x = (struct slot){ .user_index = user_index,
			    .consent = consent_code };
	(void)snprintf(x->address, sizeof(x->address), "%s", address);
	(void)snprintf(x->person, sizeof(x->person), "%s", person);
	return 0;
}

/* The user slots of one device: a run of the list (ordered by address). */
static const struct slot *device_slots(struct slots *sl, const char *address,
				       size_t *ret_n)
{
	size_t i = 0, n = 0;

	while (i < sl->n && strcmp(sl->v[i].address, address) != 0)
		i++;
	while (i + n < sl->n && strcmp(sl->v[i + n].address, address) == 0)
		sl->v[i + n++].shown = true;
	*ret_n = n;
	return n ? &sl->v[i] : NULL;
}

struct list_ctx {
	struct hv_store *store;
	struct slots slots;
	struct cli_table t;
	cJSON *json;
	int error;
};

static int slots_text(const struct slot *slots, size_t n, char *buf,
		      size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++) {
		int k = snprintf(buf + off, size - off, "%s%d→%s",
				 i ? ", " : "", slots[i].user_index,
				 slots[i].person[0] ? slots[i].person :
						      "(nobody)");

		if (k < 0)
			return -EIO;
		off += (size_t)k;
	}
	return 0;
}

/* What the Device Information Service said: the fields known, or null. */
static bool add_dis_json(cJSON *o, const struct hv_dis *dis)
{
	cJSON *info;

	if (!dis)
		return cJSON_AddNullToObject(o, "device_information");
	info = cJSON_AddObjectToObject(o, "device_information");
	if (!info)
		return false;
	for (int f = 0; f < _HV_DIS_FIELD_MAX; f++)
		if (dis->value[f][0] &&
		    !cJSON_AddStringToObject(
			    info, hv_dis_field_name((enum hv_dis_field)f),
			    dis->value[f]))
			return false;
	return true;
}

/* "Acme WS-100, s/n 42, fw 3.4": names, serial and firmware, as known. */
static void dis_text(const struct hv_dis *dis, char *buf, size_t size)
{
	static const struct {
		enum hv_dis_field f;
		const char *sep, *label;
	} parts[] = {
		{ HV_DIS_MANUFACTURER, "", "" },
		{ HV_DIS_MODEL, " ", "" },
		{ HV_DIS_SERIAL, ", ", "s/n " },
		{ HV_DIS_FIRMWARE, ", ", "fw " },
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
		const char *v = dis->value[parts[i].f];
		int k;

		if (!v[0])
			continue;
		k = snprintf(buf + off, size - off, "%s%s%s",
			     off ? parts[i].sep : "", parts[i].label, v);
		if (k < 0 || (size_t)k >= size - off)
			return;
		off += (size_t)k;
	}
}

static int add_json(struct list_ctx *c, const struct hv_device_info *d,
		    const struct hv_dis *dis, const struct slot *slots,
		    size_t n)
{
	cJSON *o = cJSON_CreateObject(), *users;
	char when[40];

	if (!o)
		return -ENOMEM;
	cJSON_AddItemToArray(c->json, o);
	hv_format_rfc3339(d->last_seen_usec, when, sizeof(when));
	if (!cJSON_AddStringToObject(o, "address", d->address) ||
	    !cJSON_AddBoolToObject(o, "seen", d->last_seen_usec > 0) ||
	    !cJSON_AddStringToObject(o, "driver", d->driver) ||
	    !cJSON_AddStringToObject(o, "name", d->name) ||
	    (d->rssi ? !cJSON_AddNumberToObject(o, "rssi", d->rssi) :
		       !cJSON_AddNullToObject(o, "rssi")) ||
	    (d->battery >= 0 ?
		     !cJSON_AddNumberToObject(o, "battery", d->battery) :
		     !cJSON_AddNullToObject(o, "battery")) ||
	    (d->last_seen_usec > 0 ?
		     !cJSON_AddStringToObject(o, "last_seen", when) :
		     !cJSON_AddNullToObject(o, "last_seen")) ||
	    !cJSON_AddBoolToObject(o, "adopted", d->adopted) ||
	    (d->adopted_person[0] ?
		     !cJSON_AddStringToObject(o, "adopted_for", d->adopted_person) :
		     !cJSON_AddNullToObject(o, "adopted_for")) ||
	    !add_dis_json(o, dis))
		return -ENOMEM;
	users = cJSON_AddArrayToObject(o, "users");
	if (!users)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *u = cJSON_CreateObject();

		if (!u)
			return -ENOMEM;
		cJSON_AddItemToArray(users, u);
		if (!cJSON_AddNumberToObject(u, "user_index",
					     slots[i].user_index) ||
		    (slots[i].person[0] ?
			     !cJSON_AddStringToObject(u, "person",
						      slots[i].person) :
			     !cJSON_AddNullToObject(u, "person")) ||
		    !cJSON_AddBoolToObject(u, "consent_code",
					   slots[i].consent >= 0))
			return -ENOMEM;
	}
	return 0;
}

static int on_device(const struct hv_device_info *d, void *userdata)
{
	struct list_ctx *c = userdata;
	const struct slot *slots;
	char rssi[16] = "-", battery[16] = "-", when[40] = "-", users[512];
	char adopted[HV_PERSON_MAX + 8] = "no", info[4 * HV_DIS_VALUE_MAX + 16];
	const char *cells[9];
	struct hv_dis dis;
	bool has_dis;
	size_t n = 0;
	int r;

	slots = device_slots(&c->slots, d->address, &n);
	has_dis = hv_store_device_get_dis(c->store, d->address, &dis) >= 0;
	if (c->json) {
		r = add_json(c, d, has_dis ? &dis : NULL, slots, n);
		if (r < 0)
			c->error = r;
		return r;
	}
	if (d->rssi)
		(void)snprintf(rssi, sizeof(rssi), "%d dBm", d->rssi);
	if (d->battery >= 0)
		(void)snprintf(battery, sizeof(battery), "%d%%", d->battery);
	if (d->last_seen_usec > 0)
		hv_format_rfc3339(d->last_seen_usec, when, sizeof(when));
	else
		(void)snprintf(when, sizeof(when), "never");
	(void)slots_text(slots, n, users, sizeof(users));
	if (d->adopted)
		(void)snprintf(adopted, sizeof(adopted), "yes%s%s",
			       d->adopted_person[0] ? "→" : "",
			       d->adopted_person);
	cells[0] = d->address;
	cells[1] = d->driver[0] ? d->driver : NULL;
	cells[2] = d->name[0] ? d->name : NULL;
	cells[3] = rssi;
	cells[4] = battery;
	cells[5] = when;
	cells[6] = adopted;
	cells[7] = n ? users : NULL;
	if (has_dis)
		dis_text(&dis, info, sizeof(info));
	cells[8] = has_dis && info[0] ? info : NULL;
	r = cli_table_add(&c->t, cells);
	if (r < 0)
		c->error = r;
	return r;
}

static int devices_list(const struct cli_store_options *o, bool json)
{
	static const char *const headers[] = { "ADDRESS", "DRIVER",
					       "NAME",	  "RSSI",
					       "BATTERY", "LAST SEEN",
					       "ADOPTED", "USERS",
					       "DEVICE INFORMATION" };
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	_cleanup_(cJSON_Deletep) cJSON *arr = NULL;
	struct list_ctx c = { 0 };
	int r;

	r = cli_open_store("devices", o, CLI_OPEN_READ, &s);
	if (r)
		return r;
	/* Every slot at once; devices the gateway has not seen (a slot linked
	 * ahead of the first weigh-in) are listed after the seen ones. */
	c.store = s;
	r = hv_store_links_foreach(s, collect_slot, &c.slots);
	if (r < 0) {
		free(c.slots.v);
		return cli_store_error("devices", s, r, "listing user slots");
	}
	if (json) {
		arr = c.json = cJSON_CreateArray();
		if (!arr) {
			free(c.slots.v);
			return CLI_EXIT_FAILURE;
		}
	} else if (cli_table_init(&c.t, headers, ELEMENTSOF(headers)) < 0) {
		free(c.slots.v);
		return CLI_EXIT_FAILURE;
	}
	r = hv_store_devices_foreach(s, on_device, &c);
	for (size_t i = 0; r >= 0 && i < c.slots.n; i++) {
		struct hv_device_info unseen = { .battery = -1,
						 .last_sequence = -1 };

		if (c.slots.v[i].shown)
			continue;
		(void)snprintf(unseen.address, sizeof(unseen.address), "%s",
			       c.slots.v[i].address);
		r = on_device(&unseen, &c);
	}
	free(c.slots.v);
	if (r >= 0 && c.error < 0)
		r = c.error;
	if (r < 0) {
		cli_table_done(&c.t);
		return cli_store_error("devices", s, r, "listing devices");
	}
	if (json) {
		_cleanup_free_ char *text = cJSON_Print(arr);

		if (!text)
			return CLI_EXIT_FAILURE;
		puts(text);
	} else if (c.t.n_cells <= c.t.n_columns)
		printf("No devices seen yet.\n");
	else
		cli_table_print(&c.t, stdout);
	cli_table_done(&c.t);
	return CLI_EXIT_OK;
}

static int parse_address(const char *cmd, const char *text,
			 char address[HV_ADDRESS_MAX])
{
	if (cli_parse_address(text, address) < 0) {
		fprintf(stderr, "homevitals %s: '%s' is not a device address (AA:BB:CC:DD:EE:FF)\n",
			cmd, text);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* The unassigned measurements of one device, oldest first. */
struct backlog {
	const char *address;
	char (*ids)[HV_ID_MAX];
	size_t n, cap;
};

static int collect_backlog(const struct hv_reading_row *row, void *userdata)
{
	struct backlog *b = userdata;

	if (strcmp(row->device_address, b->address) != 0)
		return 0;
	for (size_t i = b->n; i > 0; i--) /* one per measurement */
		if (strcmp(b->ids[i - 1], row->measurement_id) == 0)
			return 0;
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 16;
		char(*nv)[HV_ID_MAX] = reallocarray(b->ids, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		b->ids = nv;
		b->cap = ncap;
	}
	(void)snprintf(b->ids[b->n++], HV_ID_MAX, "%s", row->measurement_id);
	return 0;
}

/* One stored measurement given to p, re-derived as `homevitals assign`
 * does it: 1, or 0 for a glucose meter's control-solution test, which is
 * nobody's (docs/readings.md). */
static int give(struct hv_store *s, const char *id, const struct hv_person *p)
{
	_cleanup_free_ char *old = NULL, *json = NULL;
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	struct hv_profile profile;
	const cJSON *t;
	int64_t at_usec = 0;
	int r;

	r = hv_store_measurement_json(s, id, &old);
	if (r < 0)
		return r;
	if (cli_is_control_solution(old))
		return 0;
	j = cJSON_Parse(old);
	t = cJSON_GetObjectItemCaseSensitive(j, "time");
	if (!cJSON_IsString(t) ||
	    cli_parse_time(t->valuestring, false, &at_usec) < 0)
		return -EBADMSG;
	cli_person_profile(p, at_usec / 1000000, &profile);
	r = cli_rederive(old, p->id, &profile, &json, NULL);
	if (r < 0)
		return r;
	r = hv_store_reassign(s, id, p->id, json);
	return r < 0 ? r : 1;
}

static int assign_backlog(struct hv_store *s, const char *address,
			  const struct hv_person *p)
{
	const struct hv_reading_filter unassigned = { .person = "" };
	struct backlog b = { .address = address };
	size_t given = 0;
	int r;

	r = hv_store_readings_foreach(s, &unassigned, collect_backlog, &b);
	for (size_t i = 0; r >= 0 && i < b.n; i++) {
		r = give(s, b.ids[i], p);
		if (r < 0)
			(void)cli_store_error("devices adopt", s, r, b.ids[i]);
		else
			given += (size_t)r;
	}
	if (r >= 0)
		printf("%zu unassigned measurement%s of %s given to %s; the daemon publishes the corrections with its next reading, or now on SIGHUP.\n",
		       given, given == 1 ? "" : "s", address, p->id);
	if (r >= 0 && given < b.n)
		printf("%zu control-solution test%s left unassigned: nobody's reading.\n",
		       b.n - given, b.n - given == 1 ? "" : "s");
	free(b.ids);
	return r;
}

static int devices_adopt(const struct cli_store_options *o, const char *arg,
			 const char *person_id, bool backlog)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	char address[HV_ADDRESS_MAX];
	struct hv_device_info d;
	struct hv_person p;
	int r;

	r = parse_address("devices adopt", arg, address);
	if (r)
		return r;
	r = cli_open_store("devices adopt", o, CLI_OPEN_CREATE, &s);
	if (r)
		return r;
	if (person_id) {
		r = hv_store_person_get(s, person_id, &p);
		if (r < 0)
			return cli_person_error("devices adopt", s, r,
						person_id);
	}
	if (hv_store_device_get(s, address, &d) < 0)
		d.driver[0] = '\0'; /* adopted before it is first heard */
	r = hv_store_device_adopt(s, address, d.driver, person_id,
				  (int64_t)time(NULL) * 1000000);
	if (r < 0)
		return cli_store_error("devices adopt", s, r, address);
	if (person_id)
		printf("Adopted %s: its measurements belong to %s from now on\n",
		       address, person_id);
	else
		printf("Adopted %s: its measurements are assigned by the rules from now on\n",
		       address);
	if (backlog && assign_backlog(s, address, &p) < 0)
		return CLI_EXIT_FAILURE;
	return CLI_EXIT_OK;
}

static int devices_forget(const struct cli_store_options *o, const char *arg)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	char address[HV_ADDRESS_MAX];
	int r;

	r = parse_address("devices forget", arg, address);
	if (r)
		return r;
	r = cli_open_store("devices forget", o, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_device_unadopt(s, address);
	if (r == -ENOENT) {
		fprintf(stderr, "homevitals devices forget: %s is not adopted\n",
			address);
		return CLI_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return cli_store_error("devices forget", s, r, address);
	printf("%s is no longer adopted: its next measurements stay unassigned; those stored keep their person\n",
	       address);
	return CLI_EXIT_OK;
}

static int parse_slot(const char *cmd, const char *address_text,
		      const char *index_text, char address[HV_ADDRESS_MAX],
		      int *ret_index)
{
	long idx;

	int r = parse_address(cmd, address_text, address);

	if (r)
		return r;
	if (cli_parse_int(index_text, 0, USER_INDEX_MAX, &idx) < 0) {
		fprintf(stderr, "homevitals %s: '%s' is not a user index (0-%d)\n",
			cmd, index_text, USER_INDEX_MAX);
		return CLI_EXIT_USAGE;
	}
	*ret_index = (int)idx;
	return 0;
}

static int devices_link(const struct cli_store_options *o, char **args,
			const char *consent_text)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	char address[HV_ADDRESS_MAX];
	struct hv_person p;
	long consent = -1;
	int idx, r;

	r = parse_slot("devices link", args[0], args[1], address, &idx);
	if (r)
		return r;
	if (consent_text &&
	    cli_parse_int(consent_text, 0, 9999, &consent) < 0) {
		fprintf(stderr, "homevitals devices link: --consent '%s': expected 0-9999\n",
			consent_text);
		return CLI_EXIT_USAGE;
	}
	r = cli_open_store("devices link", o, CLI_OPEN_CREATE, &s);
	if (r)
		return r;
	r = hv_store_person_get(s, args[2], &p);
	if (r == -ENOENT) {
		fprintf(stderr, "homevitals devices link: no person %s (add them first: 'homevitals people add --id %s …')\n",
			args[2], args[2]);
		return CLI_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return cli_store_error("devices link", s, r, args[2]);
	r = hv_store_link_set(s, address, idx, p.id, (int)consent);
	if (r < 0)
		return cli_store_error("devices link", s, r, address);
	printf("Linked %s user %d to %s\n", address, idx, p.id);
	return CLI_EXIT_OK;
}

static int devices_unlink(const struct cli_store_options *o, char **args,
			  bool forget)
{
	_cleanup_(hv_store_closep) struct hv_store *s = NULL;
	char address[HV_ADDRESS_MAX], person[HV_PERSON_MAX];
	int idx, consent, r;

	r = parse_slot("devices unlink", args[0], args[1], address, &idx);
	if (r)
		return r;
	r = cli_open_store("devices unlink", o, CLI_OPEN_WRITE, &s);
	if (r)
		return r;
	r = hv_store_link_get(s, address, idx, person, &consent);
	if (r == -ENOENT || (r >= 0 && !person[0] && !forget)) {
		fprintf(stderr, "homevitals devices unlink: %s user %d is not linked to anyone\n",
			address, idx);
		return CLI_EXIT_NOT_FOUND;
	}
	if (r < 0)
		return cli_store_error("devices unlink", s, r, address);
	if (forget)
		r = hv_store_link_remove(s, address, idx);
	else
		/* Keep the slot and its consent code: only the person goes. */
		r = hv_store_link_set(s, address, idx, "", -1);
	if (r < 0)
		return cli_store_error("devices unlink", s, r, address);
	if (person[0])
		printf("Unlinked %s user %d from %s%s\n", address, idx, person,
		       forget ? "; slot forgotten" : "");
	else
		printf("Forgot %s user %d\n", address, idx);
	return CLI_EXIT_OK;
}

enum {
	OPT_CONSENT = CLI_OPT_STORE_END,
	OPT_FORGET,
	OPT_JSON,
	OPT_PERSON,
	OPT_BACKLOG,
};

int cli_devices(int argc, char **argv)
{
	static const struct option options[] = {
		CLI_STORE_OPTIONS,
		{ "consent", required_argument, NULL, OPT_CONSENT },
		{ "forget", no_argument, NULL, OPT_FORGET },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "person", required_argument, NULL, OPT_PERSON },
		{ "backlog", no_argument, NULL, OPT_BACKLOG },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct cli_store_options o = { 0 };
	const char *consent = NULL, *verb = "list", *person = NULL;
	bool forget = false, json = false, backlog = false;
	int c, n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		if (cli_store_option(c, optarg, &o))
			continue;
		switch (c) {
		case OPT_CONSENT:
			consent = optarg;
			break;
		case OPT_FORGET:
			forget = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PERSON:
			person = optarg;
			break;
		case OPT_BACKLOG:
			backlog = true;
			break;
		case 'h':
			devices_usage(stdout);
			return CLI_EXIT_OK;
		default:
			devices_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	n = argc - optind;
	if (n >= 1)
		verb = argv[optind];
	if (strcmp(verb, "adopt") == 0 && n == 2 && !consent && !forget &&
	    !json && (person || !backlog))
		return devices_adopt(&o, argv[optind + 1], person, backlog);
	if (strcmp(verb, "forget") == 0 && n == 2 && !consent && !forget &&
	    !json && !person && !backlog)
		return devices_forget(&o, argv[optind + 1]);
	if (person || backlog) {
		fprintf(stderr, "homevitals devices: --person and --backlog go with 'adopt ADDRESS' (--backlog needs --person)\n");
		return CLI_EXIT_USAGE;
	}
	if (strcmp(verb, "link") == 0 && n == 4 && !forget && !json)
		return devices_link(&o, argv + optind + 1, consent);
	if (strcmp(verb, "unlink") == 0 && n == 3 && !consent && !json)
		return devices_unlink(&o, argv + optind + 1, forget);
	if ((strcmp(verb, "list") == 0 || strcmp(verb, "ls") == 0) && n <= 1 &&
	    !consent && !forget)
		return devices_list(&o, json);
	fprintf(stderr, "homevitals devices: expected 'list', 'adopt ADDRESS', 'forget ADDRESS', "
			"'link ADDRESS USER_INDEX PERSON' or 'unlink ADDRESS USER_INDEX' (see --help)\n");
	return CLI_EXIT_USAGE;
}
