// SPDX-License-Identifier: MIT
/* `homevitals decode` and `homevitals drivers`: the registry from a shell. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/common/device_keys.h"
#include "daemon/common/measurement_json.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static void decode_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals decode [OPTIONS]\n"
		"       homevitals decode --jsonl < frames.jsonl\n"
		"\n"
		"Decode one frame given by the options, or one JSON object per line\n"
		"on standard input, through every driver; print one measurement per\n"
		"input as a line of JSON.\n"
		"\n"
		"  --service-data UUID:HEX       advertised service data (repeatable)\n"
		"  --manufacturer-data HEX       company ID first, little-endian\n"
		"  --characteristic UUID:HEX     a GATT value as notified or read\n"
		"  --name NAME                   advertised local name\n"
		"  --address ADDR                device address\n"
		"  --bind-key-file FILE          the device's bind key (encrypted adverts)\n"
		"  --driver ID                   try this driver only\n"
		"  --profile height=M,age=Y,sex=male|female\n"
		"                                derive body composition\n"
		"  --jsonl                       read inputs from standard input\n"
		"  -h, --help                    show this help\n");
}

static int print_measurement(const struct hv_measurement *m)
{
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	_cleanup_free_ char *text = NULL;
	int r = hv_measurement_to_json(m, &j);

	if (r < 0)
		return r;
	text = hv_json_print(j);
	if (!text)
		return -ENOMEM;
	puts(text);
	return 0;
}

static void print_invalid(const char *error)
{
	struct hv_measurement m;

	hv_measurement_init(&m, NULL);
	(void)hv_measurement_invalid(&m, "%s", error);
	(void)print_measurement(&m);
}

static int decode_one(struct hv_frame *f, const char *driver_id)
{
	const struct hv_driver *forced = NULL;
	struct hv_measurement m;

	if (driver_id) {
		forced = hv_driver_by_id(driver_id);
		if (!forced) {
			char msg[HV_ERROR_MAX];

			(void)snprintf(msg, sizeof(msg),
				       "driver: unknown driver '%.64s'",
				       driver_id);
			print_invalid(msg);
			return 0;
		}
	}
	f->now = (int64_t)time(NULL);
	(void)hv_registry_decode(f, forced, &m);
	return print_measurement(&m);
}

/* key: --bind-key-file's, for every line (NULL: none). */
static int decode_jsonl(const uint8_t *key)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		_cleanup_(cJSON_Deletep) cJSON *j = NULL;
		struct hv_profile profile;
		const char *driver;
		struct hv_frame f;
		char err[HV_ERROR_MAX];
		int r;

		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		j = cJSON_Parse(line);
		if (!j) {
			print_invalid("input line is not valid JSON");
			continue;
		}
		if (hv_frame_from_json(j, &f, &profile, &driver, err,
				       sizeof(err)) < 0) {
			print_invalid(err);
			continue;
		}
		f.key = key;
		r = decode_one(&f, driver);
		if (r < 0)
			return r;
	}
	return 0;
}

int cli_decode(int argc, char **argv)
{
	static const struct option options[] = {
		{ "service-data", required_argument, NULL, 's' },
		{ "manufacturer-data", required_argument, NULL, 'm' },
		{ "characteristic", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "driver", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "bind-key-file", required_argument, NULL, 'k' },
		{ "jsonl", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct hv_frame frame;
	static uint8_t key[HV_DEVICE_KEY_LEN];
	struct hv_profile profile;
	const char *driver = NULL;
	bool jsonl = false, have_input = false;
	int c, r;

	frame = (struct hv_frame){ 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			if (hv_frame_add_service_data(&frame, optarg) < 0) {
				fprintf(stderr, "homevitals decode: --service-data '%s': expected UUID:HEX (e.g. 181d:2290…)\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			have_input = true;
			break;
		case 'm':
			if (hv_frame_add_manufacturer_data(&frame, optarg) < 0) {
				fprintf(stderr, "homevitals decode: --manufacturer-data '%s': expected hex bytes, company ID first\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			have_input = true;
			break;
		case 'c':
			if (hv_frame_set_characteristic(&frame, optarg) < 0) {
				fprintf(stderr, "homevitals decode: --characteristic '%s': expected UUID:HEX (e.g. 2a9d:02b0…)\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			have_input = true;
			break;
		case 'n':
			frame.name = optarg;
			break;
		case 'a':
			frame.address = optarg;
			break;
		case 'd':
			driver = optarg;
			break;
		case 'p':
			if (hv_profile_parse(optarg, &profile) < 0) {
				fprintf(stderr, "homevitals decode: --profile '%s': expected height=METRES,age=YEARS,sex=male|female\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			frame.profile = &profile;
			break;
		case 'k':
			r = hv_device_key_read_file(optarg, key);
			if (r < 0) {
				fprintf(stderr, "homevitals decode: --bind-key-file '%s': %s\n",
					optarg,
					r == -EBADMSG ? "holds no key of 32 hex digits" :
							strerror(-r));
				return CLI_EXIT_USAGE;
			}
			frame.key = key;
			break;
		case 'j':
			jsonl = true;
			break;
		case 'h':
			decode_usage(stdout);
			return CLI_EXIT_OK;
		default:
			decode_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc || jsonl == have_input) {
		decode_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (driver && !hv_driver_by_id(driver)) {
		fprintf(stderr, "homevitals decode: --driver '%s': no such driver (see 'homevitals drivers')\n",
			driver);
		return CLI_EXIT_USAGE;
	}
	r = jsonl ? decode_jsonl(frame.key) : decode_one(&frame, driver);
	explicit_bzero(key, sizeof(key));
	if (r < 0) {
		fprintf(stderr, "homevitals decode: %s\n", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int add_u16_list(cJSON *o, const char *key, const uint16_t *list,
			uint16_t end)
{
	cJSON *a;
	char buf[8];

	if (!list)
		return 0;
	a = cJSON_AddArrayToObject(o, key);
	if (!a)
		return -ENOMEM;
	for (; *list != end; list++) {
		cJSON *s;

		(void)snprintf(buf, sizeof(buf), "%04x", *list);
		s = cJSON_CreateString(buf);
		if (!s)
			return -ENOMEM;
		cJSON_AddItemToArray(a, s);
	}
	return 0;
}

static int add_str_list(cJSON *o, const char *key, const char *const *list)
{
	cJSON *a;

	if (!list)
		return 0;
	a = cJSON_AddArrayToObject(o, key);
	if (!a)
		return -ENOMEM;
	for (; *list; list++) {
		cJSON *s = cJSON_CreateString(*list);

		if (!s)
			return -ENOMEM;
		cJSON_AddItemToArray(a, s);
	}
	return 0;
}

/* How the gateway hears the device: its adverts only, a GATT conversation
 * over a connection, or a Bluetooth Classic SPP stream. */
static const char *driver_link_name(const struct hv_driver *d)
{
	if (d->flags & HV_DRIVER_SPP)
		return "spp";
	return d->conversation ? "gatt" : "advertisement";
}

static int driver_to_json(const struct hv_driver *d, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	cJSON *match;

	if (!o || !cJSON_AddStringToObject(o, "name", d->id) ||
	    !cJSON_AddStringToObject(o, "description", d->name) ||
	    !cJSON_AddStringToObject(o, "kind", hv_driver_kind_name(d->kind)) ||
	    add_str_list(o, "models", d->models) < 0 ||
	    !cJSON_AddStringToObject(o, "link", driver_link_name(d)) ||
	    !cJSON_AddBoolToObject(o, "connects",
				   d->conversation || d->flags & HV_DRIVER_SPP) ||
	    !cJSON_AddBoolToObject(o, "generic",
				   d->flags & HV_DRIVER_GENERIC) ||
	    !cJSON_AddBoolToObject(o, "needs_selection",
				   d->flags & HV_DRIVER_NEEDS_SELECTION))
		return -ENOMEM;
	match = cJSON_AddObjectToObject(o, "matches");
	if (!match ||
	    add_u16_list(match, "service_data", d->match.service_data, 0) < 0 ||
	    add_u16_list(match, "company_ids", d->match.company_ids, 0xFFFF) <
		    0 ||
	    add_u16_list(match, "characteristics", d->match.characteristics,
			 0) < 0 ||
	    add_str_list(match, "characteristics128",
			 d->match.characteristics128) < 0 ||
	    add_u16_list(match, "services", d->match.services, 0) < 0 ||
	    add_str_list(match, "name_prefixes", d->match.name_prefixes) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int cli_drivers(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: homevitals drivers [--json]\n\n"
			       "List every driver: its id, its kind, how the gateway hears the\n"
			       "device (advertisement, gatt or spp), the models it covers and\n"
			       "what it matches on (service data, company IDs, characteristics,\n"
			       "names).\n");
			return CLI_EXIT_OK;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return CLI_EXIT_USAGE;
	if (json) {
		_cleanup_(cJSON_Deletep) cJSON *a = cJSON_CreateArray();
		_cleanup_free_ char *text = NULL;

		if (!a)
			return CLI_EXIT_FAILURE;
		for (size_t i = 0; i < hv_drivers_count; i++) {
			cJSON *o;

			if (driver_to_json(hv_drivers[i], &o) < 0)
				return CLI_EXIT_FAILURE;
			cJSON_AddItemToArray(a, o);
		}
		text = cJSON_Print(a);
		if (!text)
			return CLI_EXIT_FAILURE;
		puts(text);
		return CLI_EXIT_OK;
	}
	printf("%-28s %-14s %-13s %s\n", "DRIVER", "KIND", "LINK", "MODELS");
	for (size_t i = 0; i < hv_drivers_count; i++) {
		const struct hv_driver *d = hv_drivers[i];

		printf("%-28s %-14s %-13s ", d->id, hv_driver_kind_name(d->kind),
		       driver_link_name(d));
		for (const char *const *m = d->models; m && *m; m++)
			printf("%s%s", m == d->models ? "" : "; ", *m);
		putchar('\n');
	}
	return CLI_EXIT_OK;
}
