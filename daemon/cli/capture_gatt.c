// SPDX-License-Identifier: MIT
/*
 * GATT capture: one device's services, characteristics and values as JSONL
 * (docs/capture.md). BlueZ facts used (BlueZ 5.66 doc/device-api.txt and
 * gdbus/object.c): Connect() returns once the link is up, before GATT
 * discovery; ServicesResolved=true may come before or after the GATT
 * objects' InterfacesAdded, so the objects are read with GetManagedObjects
 * once it is true AND accepted later from InterfacesAdded. ReadValue and
 * notifications both change Value by PropertiesChanged (the read's change
 * comes before its reply), so a Value change counts as a notification only
 * once StartNotify returned and the reads' changes were drained.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/cli/capture_gatt.h"
#include "daemon/common/measurement_json.h"
#include "drivers/uuid.h"

#define BLUEZ "org.bluez"
#define DEVICE1 "org.bluez.Device1"
#define ADAPTER1 "org.bluez.Adapter1"
#define SERVICE1 "org.bluez.GattService1"
#define CHAR1 "org.bluez.GattCharacteristic1"
#define PATH_MAX_ 160
#define SERVICES_MAX 32
#define CHARS_MAX 128
#define FLAGS_MAX 12
#define FLAG_LEN 32
#define VALUE_MAX 512
#define LATE_OBJECTS_USEC 1000000u /* wait for GATT objects after resolve */

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct gatt_service {
	char path[PATH_MAX_];
	char uuid[HV_UUID_STRING_MAX];
	bool written;
};

struct gatt_char {
	char path[PATH_MAX_];
	char service[PATH_MAX_];
	char uuid[HV_UUID_STRING_MAX];
	char flags[FLAGS_MAX][FLAG_LEN];
	size_t n_flags;
	bool written, started, notifying;
};

struct gatt_capture {
	sd_bus *bus;
	const struct hv_capture_gatt_options *o;
	char device[PATH_MAX_];
	char address[HV_BLUEZ_ADDRESS_MAX]; /* as written (maybe pseudonym) */
	uint8_t mac[6], alias[6];
	char name[HV_BLUEZ_NAME_MAX];
	bool found, connected, resolved, flushing;
	unsigned lines;
	int error; /* first write error */
	size_t n_services, n_chars;
	struct gatt_service services[SERVICES_MAX];
	struct gatt_char chars[CHARS_MAX];
};

void hv_capture_pseudonym(unsigned n, uint8_t ret[6])
{
	ret[0] = 0x02;
	ret[1] = ret[2] = ret[3] = 0;
	ret[4] = (uint8_t)(n >> 8);
	ret[5] = (uint8_t)n;
}

int hv_capture_parse_address(const char *text, uint8_t ret[6])
{
	unsigned b[6];
	char end;

	if (!text || sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1],
			    &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		ret[i] = (uint8_t)b[i];
	return 0;
}

void hv_capture_scrub(uint8_t *data, size_t len, const uint8_t mac[6],
		      const uint8_t alias[6])
{
	for (size_t i = 0; i + 6 <= len; i++) {
		bool fwd = true, rev = true;

		for (size_t k = 0; k < 6; k++) {
			fwd = fwd && data[i + k] == mac[k];
			rev = rev && data[i + k] == mac[5 - k];
		}
		for (size_t k = 0; k < 6 && (fwd || rev); k++)
			data[i + k] = fwd ? alias[k] : alias[5 - k];
	}
}

uint64_t hv_capture_now_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* --- output ------------------------------------------------------------ */

static cJSON *line_new(struct gatt_capture *g)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t dt = hv_capture_now_usec() - g->o->start_usec;

	if (o && !cJSON_AddNumberToObject(o, "t", (double)(dt / 1000) / 1000.0)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int line_write(struct gatt_capture *g, cJSON *o)
{
	_cleanup_free_ char *text = cJSON_PrintUnformatted(o);

	if (!text)
		return -ENOMEM;
	if (fprintf(g->o->out, "%s\n", text) < 0 || fflush(g->o->out) != 0)
		return -EIO;
	g->lines++;
	return 0;
}

static void note_error(struct gatt_capture *g, int r)
{
	if (r < 0 && g->error == 0) {
		g->error = r;
		log_error_errno(r, "capture: cannot write: %m");
	}
}

static int write_service(struct gatt_capture *g, const struct gatt_service *s)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);

	if (!o || !cJSON_AddStringToObject(o, "gatt", "service") ||
	    !cJSON_AddStringToObject(o, "uuid", s->uuid))
		return -ENOMEM;
	return line_write(g, o);
}

static int write_char(struct gatt_capture *g, const struct gatt_service *s,
		      const struct gatt_char *ch)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);
	cJSON *flags;

	if (!o || !cJSON_AddStringToObject(o, "gatt", "characteristic") ||
	    !cJSON_AddStringToObject(o, "service", s->uuid) ||
	    !cJSON_AddStringToObject(o, "uuid", ch->uuid))
		return -ENOMEM;
	flags = cJSON_AddArrayToObject(o, "flags");
	if (!flags)
		return -ENOMEM;
	for (size_t i = 0; i < ch->n_flags; i++) {
		cJSON *f = cJSON_CreateString(ch->flags[i]);

		if (!f || !cJSON_AddItemToArray(flags, f)) {
			cJSON_Delete(f);
			return -ENOMEM;
		}
	}
	return line_write(g, o);
}

static int write_value(struct gatt_capture *g, const struct gatt_char *ch,
		       const uint8_t *value, size_t len, const char *source)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);
	char hex[2 * VALUE_MAX + 1];
	uint8_t buf[VALUE_MAX];
	cJSON *c;

	if (len > VALUE_MAX)
		len = VALUE_MAX;
	memcpy(buf, value, len);
	if (g->o->pseudonymise)
		hv_capture_scrub(buf, len, g->mac, g->alias);
	hv_hex(buf, len, hex);
	if (!o || !cJSON_AddStringToObject(o, "address", g->address) ||
	    (g->name[0] && !cJSON_AddStringToObject(o, "name", g->name)))
		return -ENOMEM;
	c = cJSON_AddObjectToObject(o, "characteristic");
	if (!c || !cJSON_AddStringToObject(c, "uuid", ch->uuid) ||
	    !cJSON_AddStringToObject(c, "value", hex) ||
	    !cJSON_AddStringToObject(o, "source", source))
		return -ENOMEM;
	return line_write(g, o);
}

/* --- objects ----------------------------------------------------------- */

static struct gatt_char *char_find(struct gatt_capture *g, const char *path)
{
	for (size_t i = 0; i < g->n_chars; i++)
		if (strcmp(g->chars[i].path, path) == 0)
			return &g->chars[i];
	return NULL;
}

static struct gatt_service *service_find(struct gatt_capture *g,
					 const char *path)
{
	for (size_t i = 0; i < g->n_services; i++)
		if (strcmp(g->services[i].path, path) == 0)
			return &g->services[i];
	return NULL;
}

static int format_uuid(const char *text, char ret[HV_UUID_STRING_MAX])
{
	struct hv_uuid u;
	int r = hv_uuid_parse(text, &u);

	if (r < 0)
		return r;
	hv_uuid_format_short(&u, ret);
	return 0;
}

/* One GattService1/GattCharacteristic1 a{sv}: UUID, Flags, Service. The
 * message is at the array; it is consumed. */
static int read_gatt_props(sd_bus_message *m, char uuid[HV_UUID_STRING_MAX],
			   char *service, struct gatt_char *ch)
{
	const char *key;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *s;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "UUID") == 0 &&
		    sd_bus_message_enter_container(m, 'v', "s") > 0) {
			r = sd_bus_message_read(m, "s", &s);
			if (r >= 0 && format_uuid(s, uuid) < 0)
				uuid[0] = 0;
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else if (strcmp(key, "Service") == 0 && service &&
			   sd_bus_message_enter_container(m, 'v', "o") > 0) {
			r = sd_bus_message_read(m, "o", &s);
			if (r >= 0)
				snprintf(service, PATH_MAX_, "%s", s);
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else if (strcmp(key, "Flags") == 0 && ch &&
			   sd_bus_message_enter_container(m, 'v', "as") > 0) {
			r = sd_bus_message_enter_container(m, 'a', "s");
			while (r >= 0 &&
			       (r = sd_bus_message_read(m, "s", &s)) > 0)
				if (ch->n_flags < FLAGS_MAX)
					snprintf(ch->flags[ch->n_flags++],
						 FLAG_LEN, "%s", s);
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else
			r = sd_bus_message_skip(m, "v");
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static void device_props(struct gatt_capture *g,
			 const struct hv_bluez_device_props *p)
{
	if (p->mask & HV_PROP_NAME)
		snprintf(g->name, sizeof(g->name), "%s", p->name);
	if (p->mask & HV_PROP_CONNECTED)
		g->connected = p->connected;
	if (p->mask & HV_PROP_SERVICES_RESOLVED)
		g->resolved = p->services_resolved;
}

/* One object's a{sa{sv}} (InterfacesAdded, GetManagedObjects). */
static int read_object(struct gatt_capture *g, const char *path,
		       sd_bus_message *m)
{
	bool mine = strcmp(path, g->device) == 0;
	bool under = !mine && hv_bluez_path_under(path, g->device);
	const char *iface;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		r = sd_bus_message_read(m, "s", &iface);
		if (r < 0)
			return r;
		if (mine && strcmp(iface, DEVICE1) == 0) {
			struct hv_bluez_device_props p = { 0 };

			r = hv_bluez_device_props_read(m, &p);
			g->found = true;
			device_props(g, &p);
		} else if (under && strcmp(iface, SERVICE1) == 0 &&
			   strlen(path) < PATH_MAX_ && !service_find(g, path) &&
			   g->n_services < SERVICES_MAX) {
			struct gatt_service *s = &g->services[g->n_services];

			memset(s, 0, sizeof(*s));
			strcpy(s->path, path);
			r = read_gatt_props(m, s->uuid, NULL, NULL);
			if (r >= 0 && s->uuid[0])
				g->n_services++;
		} else if (under && strcmp(iface, CHAR1) == 0 &&
			   strlen(path) < PATH_MAX_ && !char_find(g, path) &&
			   g->n_chars < CHARS_MAX) {
			struct gatt_char *ch = &g->chars[g->n_chars];

			memset(ch, 0, sizeof(*ch));
			strcpy(ch->path, path);
			r = read_gatt_props(m, ch->uuid, ch->service, ch);
			if (r >= 0 && ch->uuid[0])
				g->n_chars++;
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
	return sd_bus_message_exit_container(m);
}

static int get_managed_objects(struct gatt_capture *g)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(g->bus, BLUEZ, "/",
			       "org.freedesktop.DBus.ObjectManager",
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
	while ((r = sd_bus_message_enter_container(reply, 'e',
						   "oa{sa{sv}}")) > 0) {
		r = sd_bus_message_read(reply, "o", &path);
		if (r >= 0)
			r = read_object(g, path, reply);
		if (r >= 0)
			r = sd_bus_message_exit_container(reply);
		if (r < 0)
			return r;
	}
	return r;
}

/* --- signals ----------------------------------------------------------- */

static int on_interfaces_added(sd_bus_message *m, void *userdata,
			       sd_bus_error *ret_error)
{
	struct gatt_capture *g = userdata;
	const char *path;
	int r;

	(void)ret_error;
	r = sd_bus_message_read(m, "o", &path);
	if (r >= 0)
		r = read_object(g, path, m);
	if (r < 0)
		log_debug_errno(r, "capture: malformed InterfacesAdded: %m");
	return 0;
}

/* The Value in a GattCharacteristic1 PropertiesChanged, if any. */
static int read_value(sd_bus_message *m, const void **ret, size_t *ret_len)
{
	const char *key;
	bool found = false;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "Value") == 0 &&
		    sd_bus_message_enter_container(m, 'v', "ay") > 0) {
			r = sd_bus_message_read_array(m, 'y', ret, ret_len);
			if (r >= 0)
				found = true;
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else
			r = sd_bus_message_skip(m, "v");
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return found ? 1 : 0;
}

static int on_properties_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct gatt_capture *g = userdata;
	const char *iface, *path = sd_bus_message_get_path(m);
	int r;

	(void)ret_error;
	if (!path || sd_bus_message_read(m, "s", &iface) < 0)
		return 0;
	if (strcmp(path, g->device) == 0 && strcmp(iface, DEVICE1) == 0) {
		struct hv_bluez_device_props p = { 0 };

		if (hv_bluez_device_props_read(m, &p) >= 0)
			device_props(g, &p);
		return 0;
	}
	if (strcmp(iface, CHAR1) == 0) {
		struct gatt_char *ch = char_find(g, path);
		const void *value;
		size_t len;

		if (!ch || !ch->notifying)
			return 0; /* a read's echo, or not subscribed */
		r = read_value(m, &value, &len);
		if (r > 0)
			note_error(g, write_value(g, ch, value, len, "notify"));
	}
	return 0;
}

/* --- the conversation -------------------------------------------------- */

static bool has_flag(const struct gatt_char *ch, const char *flag)
{
	for (size_t i = 0; i < ch->n_flags; i++)
		if (strcmp(ch->flags[i], flag) == 0)
			return true;
	return false;
}

static int call(struct gatt_capture *g, const char *path, const char *iface,
		const char *method, sd_bus_message **ret_reply,
		const char *what)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(g->bus, BLUEZ, path, iface, method, &error,
			       ret_reply, "");
	if (r < 0)
		log_warning_errno(r, "capture: %s %s: %s: %s", method, what,
				  error.name ?: "error",
				  error.message ?: "failed");
	sd_bus_error_free(&error);
	return r;
}

static void read_char(struct gatt_capture *g, struct gatt_char *ch)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error error = SD_BUS_ERROR_NULL;
	const void *value;
	size_t len;
	int r;

	r = sd_bus_call_method(g->bus, BLUEZ, ch->path, CHAR1, "ReadValue",
			       &error, &reply, "a{sv}", 0);
	if (r < 0) {
		log_warning_errno(r, "capture: ReadValue %s: %s: %s", ch->uuid,
				  error.name ?: "error",
				  error.message ?: "failed");
		sd_bus_error_free(&error);
		return;
	}
	r = sd_bus_message_read_array(reply, 'y', &value, &len);
	if (r < 0) {
		log_warning_errno(r, "capture: ReadValue %s: bad reply: %m",
				  ch->uuid);
		return;
	}
	note_error(g, write_value(g, ch, value, len, "read"));
}

/*
 * Write the services and characteristics not written yet, read the
 * readable ones, drain the reads' Value echoes, then StartNotify the
 * notify/indicate ones. Called from the main loop (not from a callback).
 */
static void flush(struct gatt_capture *g)
{
	bool any = false;

	if (!g->resolved)
		return;
	for (size_t i = 0; i < g->n_services; i++)
		if (!g->services[i].written) {
			note_error(g, write_service(g, &g->services[i]));
			g->services[i].written = true;
		}
	for (size_t i = 0; i < g->n_chars; i++) {
		struct gatt_char *ch = &g->chars[i];
		struct gatt_service *s = service_find(g, ch->service);

		if (ch->written || !s || !s->written)
			continue;
		note_error(g, write_char(g, s, ch));
		ch->written = true;
		if (has_flag(ch, "read"))
			read_char(g, ch);
		any = true;
	}
	if (!any)
		return;
	/* The reads' PropertiesChanged(Value) came before their replies:
	 * consume them while the new characteristics are not notifying. */
	while (sd_bus_process(g->bus, NULL) > 0)
		;
	for (size_t i = 0; i < g->n_chars; i++) {
		struct gatt_char *ch = &g->chars[i];

		if (!ch->written || ch->started)
			continue;
		ch->started = true;
		if (!has_flag(ch, "notify") && !has_flag(ch, "indicate"))
			continue;
		if (call(g, ch->path, CHAR1, "StartNotify", NULL, ch->uuid) >= 0)
			ch->notifying = true;
	}
}

/* Process the bus until cond(g) holds, the deadline passes or a stop is
 * asked for. Returns true when cond holds. */
static bool run_until(struct gatt_capture *g, bool (*cond)(struct gatt_capture *),
		      uint64_t deadline)
{
	for (;;) {
		uint64_t now;
		int r;

		if (g->flushing)
			flush(g);
		if (cond && cond(g))
			return true;
		now = hv_capture_now_usec();
		if (*g->o->stop || (deadline && now >= deadline))
			return false;
		r = sd_bus_process(g->bus, NULL);
		if (r < 0) {
			log_error_errno(r, "capture: bus: %m");
			return false;
		}
		if (r > 0)
			continue;
		r = sd_bus_wait(g->bus, deadline ? deadline - now : UINT64_MAX);
		if (r < 0 && r != -EINTR) {
			log_error_errno(r, "capture: bus: %m");
			return false;
		}
	}
}

static bool is_found(struct gatt_capture *g) { return g->found; }
static bool is_resolved(struct gatt_capture *g) { return g->resolved; }
static bool has_services(struct gatt_capture *g) { return g->n_services > 0; }

static int connect_device(struct gatt_capture *g)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_call_method(g->bus, BLUEZ, g->device, DEVICE1, "Connect",
			       &error, NULL, "");
	if (r < 0)
		log_error_errno(r, "capture: cannot connect to %s: %s: %s",
				g->o->address, error.name ?: "error",
				error.message ?: "failed");
	sd_bus_error_free(&error);
	return r;
}

static int discover(struct gatt_capture *g)
{
	uint64_t limit = g->o->deadline_usec;
	bool found;

	log_info("capture: %s not known to BlueZ yet, discovering",
		 g->o->address);
	if (call(g, g->o->adapter, ADAPTER1, "StartDiscovery", NULL,
		 g->o->adapter) < 0)
		return -EIO;
	found = run_until(g, is_found, limit);
	(void)call(g, g->o->adapter, ADAPTER1, "StopDiscovery", NULL,
		   g->o->adapter);
	if (!found)
		return log_error_errno(ENODEV,
				       "capture: device %s not found (is it in range and advertising?)",
				       g->o->address);
	return 0;
}

static int capture(struct gatt_capture *g)
{
	const struct hv_capture_gatt_options *o = g->o;
	int r;

	r = sd_bus_match_signal(g->bus, NULL, BLUEZ, "/",
				"org.freedesktop.DBus.ObjectManager",
				"InterfacesAdded", on_interfaces_added, g);
	if (r >= 0) {
		char match[2 * PATH_MAX_];

		snprintf(match, sizeof(match),
			 "type='signal',sender='" BLUEZ "',"
			 "interface='org.freedesktop.DBus.Properties',"
			 "member='PropertiesChanged',path_namespace='%s'",
			 g->device);
		r = sd_bus_add_match(g->bus, NULL, match, on_properties_changed,
				     g);
	}
	if (r < 0)
		return log_error_errno(r, "capture: cannot subscribe to BlueZ signals: %m");
	r = get_managed_objects(g);
	if (r < 0)
		return r;
	if (!g->found) {
		r = discover(g);
		if (r < 0)
			return r;
	}
	log_info("capture: connecting to %s", o->address);
	r = connect_device(g);
	if (r < 0)
		return r;
	g->connected = true;
	if (!run_until(g, is_resolved, o->deadline_usec)) {
		if (*o->stop)
			return 0;
		return log_error_errno(ENOENT, "capture: %s: services not resolved in time",
				       o->address);
	}
	/* Objects registered before ServicesResolved; later ones arrive by
	 * InterfacesAdded. */
	r = get_managed_objects(g);
	if (r < 0)
		return r;
	if (!g->n_services) {
		uint64_t late = hv_capture_now_usec() + LATE_OBJECTS_USEC;

		if (o->deadline_usec && late > o->deadline_usec)
			late = o->deadline_usec;
		if (!run_until(g, has_services, late) && !*o->stop)
			return log_error_errno(ENOENT, "capture: %s has no GATT services",
					       o->address);
	}
	log_info("capture: %zu service(s), recording%s", g->n_services,
		 o->deadline_usec ? "" : " until interrupted");
	g->flushing = true;
	(void)run_until(g, NULL, o->deadline_usec);
	return g->error;
}

int hv_capture_gatt(sd_bus *bus, const struct hv_capture_gatt_options *o,
		    unsigned *ret_lines)
{
	_cleanup_free_ struct gatt_capture *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return log_error_errno(ENOMEM, "capture: out of memory");
	g->bus = bus;
	g->o = o;
	r = hv_capture_parse_address(o->address, g->mac);
	if (r < 0)
		return log_error_errno(r, "capture: bad address %s", o->address);
	memcpy(g->alias, g->mac, 6);
	if (o->pseudonymise)
		hv_capture_pseudonym(1, g->alias);
	snprintf(g->address, sizeof(g->address),
		 "%02X:%02X:%02X:%02X:%02X:%02X", g->alias[0], g->alias[1],
		 g->alias[2], g->alias[3], g->alias[4], g->alias[5]);
	snprintf(g->device, sizeof(g->device),
		 "%s/dev_%02X_%02X_%02X_%02X_%02X_%02X", o->adapter, g->mac[0],
		 g->mac[1], g->mac[2], g->mac[3], g->mac[4], g->mac[5]);

	r = capture(g);
	if (g->connected) {
		g->flushing = false;
		(void)call(g, g->device, DEVICE1, "Disconnect", NULL,
			   o->address);
	}
	if (ret_lines)
		*ret_lines = g->lines;
	return r;
}
