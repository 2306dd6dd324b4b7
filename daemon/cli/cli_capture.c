// SPDX-License-Identifier: MIT
/*
 * `homevitals capture`: record the advertisements of unknown devices, as
 * the daemon's BlueZ client (daemon/bluez/) reports them, as `homevitals
 * decode --jsonl` input lines plus "t" (seconds since the start), for bug
 * reports and new drivers (docs/capture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/bluez/bluez.h"
#include "daemon/cli/capture_gatt.h"
#include "daemon/cli/capture_loop.h"
#include "daemon/cli/cli.h"
#include "daemon/common/measurement_json.h"
#include "drivers/registry.h"

#define CAPTURE_DEVICES_MAX 256

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct capture {
	const char *address; /* only this device, or NULL */
	bool unclaimed;
	bool pseudonymise;
	bool discovering; /* the adapter was ready once */
	FILE *out;
	uint64_t start_usec;
	unsigned lines;
	int error; /* the first write error */
	struct hv_capture_loop loop;
	/* pseudonyms: device i has number i + 1 */
	size_t n_devices;
	char devices[CAPTURE_DEVICES_MAX][HV_BLUEZ_ADDRESS_MAX];
};

/* 1-based, numbered by first appearance; 0 when the table is full. */
static unsigned pseudonym_of(struct capture *c, const char *address)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (hv_bluez_address_equal(c->devices[i], address))
			return (unsigned)i + 1;
	if (c->n_devices >= CAPTURE_DEVICES_MAX)
		return 0;
	snprintf(c->devices[c->n_devices], HV_BLUEZ_ADDRESS_MAX, "%s", address);
	return (unsigned)++c->n_devices;
}

static int add_hex(cJSON *o, const char *key, const uint8_t *data, size_t len)
{
	_cleanup_free_ char *hex = malloc(2 * len + 1);

	if (!hex)
		return -ENOMEM;
	hv_hex(data, len, hex);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -ENOMEM;
}

static int write_line(struct capture *c, struct hv_frame *f)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	_cleanup_free_ char *text = NULL;
	char address[HV_BLUEZ_ADDRESS_MAX];
	cJSON *sd;
	int r;

	if (!o)
		return -ENOMEM;
	if (!cJSON_AddNumberToObject(
		    o, "t",
		    (double)((hv_capture_now_usec() - c->start_usec) / 1000) / 1000.0))
		return -ENOMEM;
	if (f->address) {
		snprintf(address, sizeof(address), "%s", f->address);
		if (c->pseudonymise) {
			uint8_t mac[6], alias[6];
			unsigned n = pseudonym_of(c, f->address);

			if (!n)
				return 0; /* too many devices: drop quietly */
			hv_capture_pseudonym(n, alias);
			if (hv_capture_parse_address(f->address, mac) == 0) {
				for (size_t i = 0; i < f->n_service_data; i++)
					hv_capture_scrub(f->service_data[i].data,
					      f->service_data[i].len, mac, alias);
				for (size_t i = 0; i < f->n_manufacturer_data; i++)
					hv_capture_scrub(f->manufacturer_data[i].data,
					      f->manufacturer_data[i].len, mac,
					      alias);
			}
			snprintf(address, sizeof(address),
				 "%02X:%02X:%02X:%02X:%02X:%02X", alias[0],
				 alias[1], alias[2], alias[3], alias[4],
				 alias[5]);
		}
		if (!cJSON_AddStringToObject(o, "address", address))
			return -ENOMEM;
	}
	if (f->name && !cJSON_AddStringToObject(o, "name", f->name))
		return -ENOMEM;
	if (f->n_service_data) {
		sd = cJSON_AddObjectToObject(o, "service_data");
		if (!sd)
			return -ENOMEM;
		for (size_t i = 0; i < f->n_service_data; i++) {
			char uuid[HV_UUID_STRING_MAX];

			hv_uuid_format_short(&f->service_data[i].uuid, uuid);
			r = add_hex(sd, uuid, f->service_data[i].data,
				    f->service_data[i].len);
			if (r < 0)
				return r;
		}
	}
	/* The decode input holds one manufacturer data; BlueZ keeps one per
	 * company ID, and devices send one. */
	if (f->n_manufacturer_data) {
		r = add_hex(o, "manufacturer_data", f->manufacturer_data[0].data,
			    f->manufacturer_data[0].len);
		if (r < 0)
			return r;
	}
	text = cJSON_PrintUnformatted(o);
	if (!text)
		return -ENOMEM;
	if (fprintf(c->out, "%s\n", text) < 0 || fflush(c->out) != 0)
		return -EIO;
	c->lines++;
	return 0;
}

static bool claimed(const struct hv_frame *f)
{
	struct hv_measurement m;

	if (hv_registry_select(f))
		return true;
	(void)hv_registry_decode(f, NULL, &m);
	return m.status != HV_STATUS_NOT_MINE;
}

/* Every advert that carried data is written (BlueZ repeats unchanged
 * data with DuplicateData, and the repeats are the device's cadence); an
 * RSSI-only change is not. Devices BlueZ knew before the start are not
 * written until they advertise. */
static void on_advert_change(const struct hv_frame *frame, unsigned carried,
			     void *userdata)
{
	struct capture *c = userdata;
	struct hv_frame f = *frame;
	int r;

	if (!(carried & (HV_PROP_SERVICE_DATA | HV_PROP_MANUFACTURER_DATA |
			 HV_PROP_NAME)))
		return;
	if (!f.n_service_data && !f.n_manufacturer_data && !f.name)
		return;
	if (c->address && !hv_bluez_address_equal(c->address, f.address ?: ""))
		return;
	if (c->unclaimed && claimed(&f))
		return;
	r = write_line(c, &f);
	if (r < 0 && c->error == 0) {
		c->error = r;
		log_error_errno(r, "capture: cannot write: %m");
	}
}

static void on_state_changed(enum hv_adapter_state state,
			     const char *adapter_name, void *userdata)
{
	struct capture *c = userdata;

	if (state == HV_ADAPTER_OK && !c->discovering) {
		c->discovering = true;
		log_info("capture: discovering on %s%s", adapter_name,
			 c->loop.deadline_usec ? "" : " until interrupted");
	} else if (state == HV_ADAPTER_MISSING && !c->discovering) {
		hv_capture_loop_exit(&c->loop,
				     log_error_errno(ENODEV, "capture: no Bluetooth adapter%s%s (is bluetoothd running?)",
						     c->loop.adapter ? " named " : "",
						     c->loop.adapter ?: ""));
	}
}

static const struct hv_bluez_callbacks advert_callbacks = {
	.advert_change = on_advert_change,
	.state_changed = on_state_changed,
};

static int capture_gatt(const char *adapter, const char *address,
			bool pseudonymise, long seconds, FILE *out, FILE *file,
			const char *output)
{
	struct hv_capture_gatt_options o = {
		.adapter = adapter,
		.address = address,
		.pseudonymise = pseudonymise,
		.out = out,
		.start_usec = hv_capture_now_usec(),
	};
	unsigned lines = 0;
	int r;

	if (seconds > 0)
		o.deadline_usec = o.start_usec + (uint64_t)seconds * 1000000u;
	r = hv_capture_gatt(&o, &lines);
	log_info("capture: %u GATT line(s) written", lines);
	if (file && fflush(file) != 0) {
		log_error_errno(errno, "capture: cannot write %s: %m", output);
		return CLI_EXIT_FAILURE;
	}
	return r < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

static void capture_usage(FILE *out)
{
	fprintf(out,
		"Usage: homevitals capture [OPTIONS]\n"
		"\n"
		"Record Bluetooth LE advertisements, or with --gatt one device's GATT\n"
		"conversation, as `homevitals decode --jsonl` input lines with \"t\"\n"
		"(seconds since the start), for a bug report or a new driver. Uses\n"
		"BlueZ on the system bus (DBUS_SYSTEM_BUS_ADDRESS).\n"
		"\n"
		"  --adapter NAME     adapter, e.g. hci0 (default: the first)\n"
		"  --address ADDR     only this device\n"
		"  --unclaimed        only devices no driver claims\n"
		"  --pseudonymise     replace addresses (also inside payloads)\n"
		"  --seconds N        stop after N seconds (default 30; 0 = until ^C)\n"
		"  --output FILE      write here (default: standard output)\n"
		"  --gatt ADDR        connect to ADDR instead and record its GATT\n"
		"                     services, characteristics, reads and notifications\n"
		"  -h, --help         show this help\n");
}

int cli_capture(int argc, char **argv)
{
	enum { ARG_ADAPTER = 0x100, ARG_ADDRESS, ARG_UNCLAIMED,
	       ARG_PSEUDONYMISE, ARG_SECONDS, ARG_OUTPUT, ARG_GATT };
	static const struct option options[] = {
		{ "adapter", required_argument, NULL, ARG_ADAPTER },
		{ "address", required_argument, NULL, ARG_ADDRESS },
		{ "unclaimed", no_argument, NULL, ARG_UNCLAIMED },
		{ "pseudonymise", no_argument, NULL, ARG_PSEUDONYMISE },
		{ "pseudonymize", no_argument, NULL, ARG_PSEUDONYMISE },
		{ "seconds", required_argument, NULL, ARG_SECONDS },
		{ "output", required_argument, NULL, ARG_OUTPUT },
		{ "gatt", required_argument, NULL, ARG_GATT },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ struct capture *c = NULL;
	_cleanup_fclose_ FILE *file = NULL;
	const char *adapter_name = NULL, *output = NULL, *gatt = NULL;
	long seconds = 30;
	int opt, r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("capture: out of memory");
		return CLI_EXIT_FAILURE;
	}
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (opt) {
		case ARG_ADAPTER:
			adapter_name = optarg;
			break;
		case ARG_ADDRESS: {
			uint8_t mac[6];

			if (hv_capture_parse_address(optarg, mac) < 0) {
				fprintf(stderr, "capture: --address: expected AA:BB:CC:DD:EE:FF\n");
				return CLI_EXIT_USAGE;
			}
			c->address = optarg;
			break;
		}
		case ARG_UNCLAIMED:
			c->unclaimed = true;
			break;
		case ARG_PSEUDONYMISE:
			c->pseudonymise = true;
			break;
		case ARG_SECONDS: {
			char *end;

			seconds = strtol(optarg, &end, 10);
			if (*optarg == 0 || *end || seconds < 0 || seconds > 86400) {
				fprintf(stderr, "capture: --seconds: expected 0..86400\n");
				return CLI_EXIT_USAGE;
			}
			break;
		}
		case ARG_OUTPUT:
			output = optarg;
			break;
		case ARG_GATT: {
			uint8_t mac[6];

			if (hv_capture_parse_address(optarg, mac) < 0) {
				fprintf(stderr, "capture: --gatt: expected AA:BB:CC:DD:EE:FF\n");
				return CLI_EXIT_USAGE;
			}
			gatt = optarg;
			break;
		}
		case 'h':
			capture_usage(stdout);
			return CLI_EXIT_OK;
		default:
			capture_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		capture_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (gatt && (c->address || c->unclaimed)) {
		fprintf(stderr, "capture: --gatt records one device: no --address or --unclaimed\n");
		return CLI_EXIT_USAGE;
	}
	c->out = stdout;
	if (output) {
		file = fopen(output, "we");
		if (!file) {
			log_error_errno(errno, "capture: cannot open %s: %m", output);
			return CLI_EXIT_FAILURE;
		}
		c->out = file;
	}

	if (gatt)
		return capture_gatt(adapter_name, gatt, c->pseudonymise, seconds,
				    c->out, file, output);

	c->loop.adapter = adapter_name;
	c->start_usec = hv_capture_now_usec();
	if (seconds > 0)
		c->loop.deadline_usec = c->start_usec + (uint64_t)seconds * 1000000u;
	r = hv_capture_loop_run(&c->loop, &advert_callbacks, c);
	log_info("capture: %u advertisement(s) written", c->lines);
	if (file && fclose(TAKE_PTR(file)) != 0) {
		log_error_errno(errno, "capture: cannot write %s: %m", output);
		return CLI_EXIT_FAILURE;
	}
	return r < 0 || c->error < 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
