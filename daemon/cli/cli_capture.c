// SPDX-License-Identifier: MIT
/*
 * `homevitals capture`: record the advertisements of unknown devices, over
 * the system D-Bus (BlueZ), as `homevitals decode --jsonl` input lines plus
 * "t" (seconds since the start), for bug reports and new drivers
 * (docs/capture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/cli/capture_gatt.h"
#include "daemon/cli/cli.h"
#include "daemon/common/measurement_json.h"
#include "drivers/registry.h"

#define BLUEZ "org.bluez"
#define DEVICE1 "org.bluez.Device1"
#define ADAPTER1 "org.bluez.Adapter1"
#define CAPTURE_DEVICES_MAX 256
#define CAPTURE_PATH_MAX 128

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct capture_device {
	char path[CAPTURE_PATH_MAX];
	struct hv_bluez_device_props props;
	unsigned pseudonym; /* 1-based, 0 = none yet */
};

struct capture {
	const char *address; /* only this device, or NULL */
	bool unclaimed;
	bool pseudonymise;
	FILE *out;
	uint64_t start_usec;
	unsigned lines;
	unsigned next_pseudonym;
	size_t n_devices;
	struct capture_device devices[CAPTURE_DEVICES_MAX];
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static struct capture_device *device_get(struct capture *c, const char *path)
{
	struct capture_device *d;

	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].path, path) == 0)
			return &c->devices[i];
	if (c->n_devices >= CAPTURE_DEVICES_MAX ||
	    strlen(path) >= CAPTURE_PATH_MAX)
		return NULL;
	d = &c->devices[c->n_devices++];
	memset(d, 0, sizeof(*d));
	strcpy(d->path, path);
	if (hv_bluez_path_to_address(path, d->props.address) == 0)
		d->props.mask |= HV_PROP_ADDRESS;
	return d;
}

static int add_hex(cJSON *o, const char *key, const uint8_t *data, size_t len)
{
	_cleanup_free_ char *hex = malloc(2 * len + 1);

	if (!hex)
		return -ENOMEM;
	hv_hex(data, len, hex);
	return cJSON_AddStringToObject(o, key, hex) ? 0 : -ENOMEM;
}

static int write_line(struct capture *c, struct capture_device *d,
		      struct hv_frame *f)
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

			if (!d->pseudonym)
				d->pseudonym = ++c->next_pseudonym;
			hv_capture_pseudonym(d->pseudonym, alias);
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

static int device_changed(struct capture *c, const char *path,
			  const struct hv_bluez_device_props *change)
{
	struct capture_device *d = device_get(c, path);
	struct hv_frame f;
	int r;

	if (!d)
		return 0; /* too many devices: drop quietly */
	hv_bluez_device_props_merge(&d->props, change, false);
	if (!(change->mask & (HV_PROP_SERVICE_DATA | HV_PROP_MANUFACTURER_DATA |
			      HV_PROP_NAME)))
		return 0; /* RSSI alone, connection state …: no advert data */
	hv_bluez_device_props_to_frame(&d->props, &f);
	if (!f.n_service_data && !f.n_manufacturer_data && !f.name)
		return 0;
	if (c->address && !hv_bluez_address_equal(c->address, f.address ?: ""))
		return 0;
	if (c->unclaimed && claimed(&f))
		return 0;
	r = write_line(c, d, &f);
	if (r < 0)
		return log_error_errno(r, "capture: cannot write: %m");
	return 0;
}

/*
 * One object's interfaces (a{sa{sv}}): the Device1 properties merged into
 * *device, others skipped. ret_is_device / ret_is_adapter: whether it has
 * Device1 / Adapter1.
 */
static int read_interfaces(sd_bus_message *m,
			   struct hv_bluez_device_props *device,
			   bool *ret_is_device, bool *ret_is_adapter)
{
	bool is_device = false, is_adapter = false;
	const char *iface;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		r = sd_bus_message_read(m, "s", &iface);
		if (r < 0)
			return r;
		is_adapter = is_adapter || strcmp(iface, ADAPTER1) == 0;
		if (strcmp(iface, DEVICE1) == 0) {
			r = hv_bluez_device_props_read(m, device);
			is_device = true;
		} else
			r = sd_bus_message_skip(m, "a{sv}");
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	*ret_is_device = is_device;
	*ret_is_adapter = is_adapter;
	return 0;
}

static int on_interfaces_added(sd_bus_message *m, void *userdata,
			       sd_bus_error *ret_error)
{
	struct capture *c = userdata;
	struct hv_bluez_device_props change = { 0 };
	bool is_device, is_adapter;
	const char *path;
	int r;

	(void)ret_error;
	r = sd_bus_message_read(m, "o", &path);
	if (r >= 0)
		r = read_interfaces(m, &change, &is_device, &is_adapter);
	if (r < 0) {
		log_debug_errno(r, "capture: malformed InterfacesAdded: %m");
		return 0;
	}
	if (!is_device)
		return 0;
	return device_changed(c, path, &change);
}

static int on_properties_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct capture *c = userdata;
	struct hv_bluez_device_props change = { 0 };
	const char *iface, *path = sd_bus_message_get_path(m);
	int r;

	(void)ret_error;
	if (!path)
		return 0;
	r = sd_bus_message_read(m, "s", &iface);
	if (r < 0 || strcmp(iface, DEVICE1) != 0)
		return 0;
	r = hv_bluez_device_props_read(m, &change);
	if (r < 0) {
		log_debug_errno(r, "capture: malformed PropertiesChanged: %m");
		return 0;
	}
	return device_changed(c, path, &change);
}

/* The adapter path: --adapter NAME, or the first Adapter1 object. Devices
 * BlueZ already knows are cached (not written: they were not seen now). */
static int find_adapter(sd_bus *bus, struct capture *c, const char *name,
			char *ret, size_t size)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *path;
	bool found = false;
	int r;

	r = sd_bus_call_method(bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager",
			       "GetManagedObjects", &error, &reply, "");
	if (r < 0) {
		log_error_errno(r, "capture: GetManagedObjects on org.bluez: %s",
				error.message ?: "failed");
		sd_bus_error_free(&error);
		return r;
	}
	r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
		struct hv_bluez_device_props p = { 0 };
		bool is_device, is_adapter;

		r = sd_bus_message_read(reply, "o", &path);
		if (r < 0)
			return r;
		r = read_interfaces(reply, &p, &is_device, &is_adapter);
		if (r < 0)
			return r;
		if (is_adapter && !found) {
			const char *base = strrchr(path, '/');

			if (!name || (base && strcmp(base + 1, name) == 0)) {
				snprintf(ret, size, "%s", path);
				found = true;
			}
		}
		if (is_device) {
			struct capture_device *d = device_get(c, path);

			if (d)
				hv_bluez_device_props_merge(&d->props, &p, false);
		}
		r = sd_bus_message_exit_container(reply);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (!found)
		return log_error_errno(ENODEV, "capture: no Bluetooth adapter%s%s",
				       name ? " named " : "", name ?: "");
	return 0;
}

static int adapter_call(sd_bus *bus, const char *adapter, const char *method)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(bus, BLUEZ, adapter, ADAPTER1, method, &error,
			       NULL, "");
	if (r < 0)
		log_error_errno(r, "capture: %s on %s: %s", method, adapter,
				error.message ?: "failed");
	sd_bus_error_free(&error);
	return r;
}

static void set_discovery_filter(sd_bus *bus, const char *adapter)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	/* LE only, and every advert (not only changed ones). Optional. */
	r = sd_bus_call_method(bus, BLUEZ, adapter, ADAPTER1,
			       "SetDiscoveryFilter", &error, NULL, "a{sv}", 2,
			       "Transport", "s", "le", "DuplicateData", "b", 1);
	if (r < 0)
		log_debug_errno(r, "capture: SetDiscoveryFilter: %s",
				error.message ?: "failed");
	sd_bus_error_free(&error);
}

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
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ struct capture *c = NULL;
	_cleanup_fclose_ FILE *file = NULL;
	const char *adapter_name = NULL, *output = NULL, *gatt = NULL;
	char adapter[CAPTURE_PATH_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t deadline = 0;
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

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		log_error_errno(r, "capture: cannot connect to the system bus: %m");
		return CLI_EXIT_FAILURE;
	}
	r = sd_bus_match_signal(bus, NULL, BLUEZ, "/",
				"org.freedesktop.DBus.ObjectManager",
				"InterfacesAdded", on_interfaces_added, c);
	if (r >= 0)
		r = sd_bus_add_match(bus, NULL,
				     "type='signal',sender='" BLUEZ "',"
				     "interface='org.freedesktop.DBus.Properties',"
				     "member='PropertiesChanged',"
				     "path_namespace='/org/bluez',"
				     "arg0='" DEVICE1 "'",
				     on_properties_changed, c);
	if (r < 0) {
		log_error_errno(r, "capture: cannot subscribe to BlueZ signals: %m");
		return CLI_EXIT_FAILURE;
	}
	r = find_adapter(bus, c, adapter_name, adapter, sizeof(adapter));
	if (r < 0)
		return CLI_EXIT_FAILURE;

	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	c->start_usec = hv_capture_now_usec();
	if (seconds > 0)
		deadline = c->start_usec + (uint64_t)seconds * 1000000u;
	set_discovery_filter(bus, adapter);
	r = adapter_call(bus, adapter, "StartDiscovery");
	if (r < 0)
		return CLI_EXIT_FAILURE;
	log_info("capture: discovering on %s%s", adapter,
		 seconds ? "" : " until interrupted");

	while (!stop_requested) {
		uint64_t now = hv_capture_now_usec();

		if (deadline && now >= deadline)
			break;
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			log_error_errno(r, "capture: bus: %m");
			break;
		}
		if (r > 0)
			continue;
		r = sd_bus_wait(bus, deadline ? deadline - now : UINT64_MAX);
		if (r < 0 && r != -EINTR) {
			log_error_errno(r, "capture: bus: %m");
			break;
		}
	}
	(void)adapter_call(bus, adapter, "StopDiscovery");
	log_info("capture: %u advertisement(s) written", c->lines);
	if (file && fclose(TAKE_PTR(file)) != 0) {
		log_error_errno(errno, "capture: cannot write %s: %m", output);
		return CLI_EXIT_FAILURE;
	}
	return r < 0 && r != -EINTR ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
