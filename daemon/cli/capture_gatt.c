// SPDX-License-Identifier: MIT
/*
 * GATT capture: one device's services, characteristics and values as JSONL
 * (docs/capture.md). The D-Bus side is the daemon's BlueZ client
 * (daemon/bluez/bluez.c): it finds the device, runs a survey session and
 * reports each exchange through its gatt_event callback; this file only
 * decides when to start and stop, and writes the lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/cli/capture_gatt.h"
#include "daemon/cli/capture_loop.h"
#include "daemon/common/measurement_json.h"
#include "drivers/uuid.h"

#define VALUE_MAX 512

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct gatt_capture {
	const struct hv_capture_gatt_options *o;
	struct hv_capture_loop loop;
	char address[HV_BLUEZ_ADDRESS_MAX]; /* as written (maybe pseudonym) */
	uint8_t mac[6], alias[6];
	enum hv_adapter_state state;
	bool waiting_logged; /* "not known yet" said */
	bool surveying; /* hv_bluez_survey() accepted */
	bool interrupted; /* SIGINT/SIGTERM: the user ended it */
	unsigned lines;
	int error; /* first write error */
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

static int add_uuid(cJSON *o, const char *key, const struct hv_uuid *u)
{
	char text[HV_UUID_STRING_MAX];

	hv_uuid_format_short(u, text);
	return cJSON_AddStringToObject(o, key, text) ? 0 : -ENOMEM;
}

static int write_service(struct gatt_capture *g, const struct hv_gatt_event *e)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);

	if (!o || !cJSON_AddStringToObject(o, "gatt", "service") ||
	    add_uuid(o, "uuid", &e->service) < 0)
		return -ENOMEM;
	return line_write(g, o);
}

static int write_char(struct gatt_capture *g, const struct hv_gatt_event *e)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);
	const char *name;
	cJSON *flags;
	unsigned bit;

	if (!o || !cJSON_AddStringToObject(o, "gatt", "characteristic") ||
	    add_uuid(o, "service", &e->service) < 0 ||
	    add_uuid(o, "uuid", &e->characteristic) < 0)
		return -ENOMEM;
	flags = cJSON_AddArrayToObject(o, "flags");
	if (!flags)
		return -ENOMEM;
	for (size_t i = 0; (bit = hv_bluez_gatt_flag_nth(i, &name)); i++) {
		cJSON *f;

		if (!(e->flags & bit))
			continue;
		f = cJSON_CreateString(name);
		if (!f || !cJSON_AddItemToArray(flags, f)) {
			cJSON_Delete(f);
			return -ENOMEM;
		}
	}
	return line_write(g, o);
}

static int write_value(struct gatt_capture *g, const struct hv_gatt_event *e)
{
	_cleanup_(cJSON_Deletep) cJSON *o = line_new(g);
	char hex[2 * VALUE_MAX + 1];
	uint8_t buf[VALUE_MAX];
	size_t len = e->len < VALUE_MAX ? e->len : VALUE_MAX;
	cJSON *c;

	if (len)
		memcpy(buf, e->value, len);
	if (g->o->pseudonymise)
		hv_capture_scrub(buf, len, g->mac, g->alias);
	hv_hex(buf, len, hex);
	if (!o || !cJSON_AddStringToObject(o, "address", g->address) ||
	    (e->name && !cJSON_AddStringToObject(o, "name", e->name)))
		return -ENOMEM;
	c = cJSON_AddObjectToObject(o, "characteristic");
	if (!c || add_uuid(c, "uuid", &e->characteristic) < 0 ||
	    !cJSON_AddStringToObject(c, "value", hex) ||
	    !cJSON_AddStringToObject(o, "source",
				     e->kind == HV_GATT_EVENT_READ ? "read" :
								     "notify"))
		return -ENOMEM;
	return line_write(g, o);
}

/* --- the BlueZ client's callbacks ---------------------------------------- */

static void on_gatt_event(const struct hv_gatt_event *e, void *userdata)
{
	struct gatt_capture *g = userdata;
	int r;

	if (!hv_bluez_address_equal(e->address, g->o->address))
		return;
	switch (e->kind) {
	case HV_GATT_EVENT_SERVICE:
		r = write_service(g, e);
		break;
	case HV_GATT_EVENT_CHARACTERISTIC:
		r = write_char(g, e);
		break;
	default:
		r = write_value(g, e);
		break;
	}
	/* Recording goes on to the deadline, as a full disk may clear. */
	if (r < 0 && g->error == 0) {
		g->error = r;
		log_error_errno(r, "capture: cannot write: %m");
	}
}

static void finish(struct gatt_capture *g, int result)
{
	hv_capture_loop_exit(&g->loop, result);
}

static void try_survey(struct gatt_capture *g)
{
	int r;

	if (g->surveying)
		return;
	r = hv_bluez_survey(g->loop.bluez, g->o->address);
	if (r == -ENODEV) {
		if (!g->waiting_logged)
			log_info("capture: %s not known to BlueZ yet, discovering",
				 g->o->address);
		g->waiting_logged = true;
		return;
	}
	if (r < 0) {
		finish(g, log_error_errno(r, "capture: cannot start a session with %s: %m",
					  g->o->address));
		return;
	}
	g->surveying = true; /* the client logs its connection */
}

static void on_state_changed(enum hv_adapter_state state,
			     const char *adapter_name, void *userdata)
{
	struct gatt_capture *g = userdata;

	g->state = state;
	if (g->surveying)
		return;
	if (state == HV_ADAPTER_OK)
		try_survey(g);
	else if (state == HV_ADAPTER_MISSING)
		finish(g, log_error_errno(ENODEV, "capture: no Bluetooth adapter%s%s (is bluetoothd running?)",
					  g->o->adapter ? " named " : "",
					  g->o->adapter ?: ""));
	(void)adapter_name;
}

static void on_advert(const struct hv_frame *frame, void *userdata)
{
	struct gatt_capture *g = userdata;

	if (!g->surveying && frame->address &&
	    hv_bluez_address_equal(frame->address, g->o->address))
		try_survey(g);
}

static void on_session_done(const char *address, const struct hv_driver *driver,
			    const struct hv_session *session, int result,
			    void *userdata)
{
	struct gatt_capture *g = userdata;

	(void)session;
	if (driver != &hv_bluez_survey_driver ||
	    !hv_bluez_address_equal(address, g->o->address))
		return;
	/* The client logged how a connection failed; name what it cannot. */
	if (result == -ENOENT)
		log_error("capture: %s has no GATT services", g->o->address);
	else if (result == -ECANCELED && g->interrupted)
		result = 0;
	else if (result == -ECANCELED)
		log_error("capture: %s: services not resolved in time",
			  g->o->address);
	finish(g, result);
}

/* The deadline or a signal: stop the session (its end ends the loop). */
static void stop(bool by_signal, void *userdata)
{
	struct gatt_capture *g = userdata;

	g->interrupted = by_signal;
	if (g->surveying && hv_bluez_stop_session(g->loop.bluez))
		return;
	if (by_signal) {
		finish(g, 0);
		return;
	}
	/* Never asked for, or gone from BlueZ before its session began. */
	finish(g, log_error_errno(ENODEV,
				  g->state == HV_ADAPTER_OK ?
					  "capture: device %s not found (is it in range and advertising?)" :
					  "capture: device %s not found (the adapter is not ready)",
				  g->o->address));
}

static const struct hv_bluez_callbacks capture_callbacks = {
	.advert = on_advert,
	.state_changed = on_state_changed,
	.session_done = on_session_done,
	.gatt_event = on_gatt_event,
};

int hv_capture_gatt(const struct hv_capture_gatt_options *o,
		    unsigned *ret_lines)
{
	struct gatt_capture g = {
		.o = o,
		.state = HV_ADAPTER_UNKNOWN,
		.loop = {
			.adapter = o->adapter,
			.deadline_usec = o->deadline_usec,
			.stop = stop,
		},
	};
	int r;

	r = hv_capture_parse_address(o->address, g.mac);
	if (r < 0)
		return log_error_errno(r, "capture: bad address %s", o->address);
	memcpy(g.alias, g.mac, 6);
	if (o->pseudonymise)
		hv_capture_pseudonym(1, g.alias);
	snprintf(g.address, sizeof(g.address),
		 "%02X:%02X:%02X:%02X:%02X:%02X", g.alias[0], g.alias[1],
		 g.alias[2], g.alias[3], g.alias[4], g.alias[5]);
	r = hv_capture_loop_run(&g.loop, &capture_callbacks, &g);
	if (ret_lines)
		*ret_lines = g.lines;
	return r < 0 ? r : g.error;
}
