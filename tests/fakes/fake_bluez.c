/* SPDX-License-Identifier: MIT */
/* A stand-in org.bluez for tests (see fake_bluez.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez_props.h"
#include "tests/fakes/fake_bluez.h"

#define _cleanup_msg_ __attribute__((cleanup(sd_bus_message_unrefp)))

#define ADAPTER_PATH "/org/bluez/hci0"
#define AUTH_FAILED "org.bluez.Error.AuthenticationFailed"

static const char *strempty_(const char *s)
{
	return s ? s : "";
}

static void uuid16_full(uint16_t u, char buf[37])
{
	snprintf(buf, 37, "%08x-0000-1000-8000-00805f9b34fb", u);
}

/* ---- Adapter1 ------------------------------------------------------------ */

static int adapter_start_discovery(sd_bus_message *m, void *userdata,
				   sd_bus_error *err)
{
	struct fake_bluez *f = userdata;

	if (!f->powered)
		return sd_bus_error_set(err, "org.bluez.Error.NotReady",
					"Resource Not Ready");
	if (f->discovering)
		return sd_bus_error_set(err, "org.bluez.Error.InProgress",
					"Operation already in progress");
	f->n_start_discovery++;
	f->discovering = 1;
	(void)sd_bus_reply_method_return(m, NULL);
	return sd_bus_emit_properties_changed(f->bus, ADAPTER_PATH,
					      "org.bluez.Adapter1",
					      "Discovering", NULL);
}

static int adapter_stop_discovery(sd_bus_message *m, void *userdata,
				  sd_bus_error *err)
{
	struct fake_bluez *f = userdata;

	if (!f->discovering)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"No discovery started");
	f->discovering = 0;
	(void)sd_bus_reply_method_return(m, NULL);
	return sd_bus_emit_properties_changed(f->bus, ADAPTER_PATH,
					      "org.bluez.Adapter1",
					      "Discovering", NULL);
}

static int adapter_set_filter(sd_bus_message *m, void *userdata,
			      sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	const char *key;
	int r;

	if (!f->powered)
		return sd_bus_error_set(err, "org.bluez.Error.NotReady",
					"Resource Not Ready");
	f->filter_duplicate = -1;
	f->filter_transport[0] = '\0';
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		if (strcmp(key, "DuplicateData") == 0) {
			int b;

			r = sd_bus_message_read(m, "v", "b", &b);
			if (r < 0)
				goto invalid;
			f->filter_duplicate = b;
		} else if (strcmp(key, "Transport") == 0) {
			const char *s;

			r = sd_bus_message_read(m, "v", "s", &s);
			if (r < 0 || (strcmp(s, "le") && strcmp(s, "auto") &&
				      strcmp(s, "bredr")))
				goto invalid;
			snprintf(f->filter_transport, sizeof(f->filter_transport),
				 "%s", s);
		} else
			goto invalid;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	f->n_set_filter++;
	return sd_bus_reply_method_return(m, NULL);
invalid:
	return sd_bus_error_set(err, "org.bluez.Error.InvalidArguments",
				"Invalid arguments in method call");
}

static void device_unexport(struct fake_device *d);

static int adapter_remove_device(sd_bus_message *m, void *userdata,
				 sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n_devices; i++)
		if (f->devices[i]->exported &&
		    strcmp(f->devices[i]->path, path) == 0) {
			device_unexport(f->devices[i]);
			return sd_bus_reply_method_return(m, NULL);
		}
	return sd_bus_error_set(err, "org.bluez.Error.DoesNotExist",
				"Does Not Exist");
}

static int adapter_set_powered(sd_bus *bus, const char *path,
			       const char *interface, const char *property,
			       sd_bus_message *value, void *userdata,
			       sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	int b, r;

	(void)bus;
	(void)path;
	(void)interface;
	(void)property;
	(void)err;
	r = sd_bus_message_read(value, "b", &b);
	if (r < 0)
		return r;
	fake_bluez_set_powered(f, b);
	return 0;
}

static int adapter_get_powered(sd_bus *bus, const char *path,
			       const char *iface, const char *prop,
			       sd_bus_message *reply, void *userdata,
			       sd_bus_error *err)
{
	struct fake_bluez *f = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "b", f->powered);
}

static const sd_bus_vtable adapter_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Address", "s", NULL, offsetof(struct fake_bluez, address),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("Powered", "b", adapter_get_powered,
				 adapter_set_powered, 0,
				 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Discovering", "b", NULL,
			offsetof(struct fake_bluez, discovering),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("StartDiscovery", "", "", adapter_start_discovery, 0),
	SD_BUS_METHOD("StopDiscovery", "", "", adapter_stop_discovery, 0),
	SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", "", adapter_set_filter, 0),
	SD_BUS_METHOD("RemoveDevice", "o", "", adapter_remove_device, 0),
	SD_BUS_VTABLE_END,
};

/* ---- AgentManager1 ---------------------------------------------------------- */

static struct fake_agent *agent_of(struct fake_bluez *f, const char *owner)
{
	for (size_t i = 0; i < FAKE_MAX_AGENTS; i++)
		if (f->agents[i].owner[0] && strcmp(f->agents[i].owner, owner) == 0)
			return &f->agents[i];
	return NULL;
}

static bool capability_valid(const char *cap)
{
	static const char *const caps[] = { "", "DisplayOnly", "DisplayYesNo",
					    "KeyboardOnly", "NoInputNoOutput",
					    "KeyboardDisplay" };

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(cap, caps[i]) == 0)
			return true;
	return false;
}

/* RegisterAgent(o path, s capability): one agent per client connection. */
static int register_agent(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	const char *path, *cap;
	struct fake_agent *a = NULL;
	int r;

	r = sd_bus_message_read(m, "os", &path, &cap);
	if (r < 0)
		return r;
	if (!sender || !capability_valid(cap))
		return sd_bus_error_set(err, "org.bluez.Error.InvalidArguments",
					"Invalid arguments in method call");
	if (agent_of(f, sender))
		return sd_bus_error_set(err, "org.bluez.Error.AlreadyExists",
					"Already Exists");
	for (size_t i = 0; i < FAKE_MAX_AGENTS && !a; i++)
		if (!f->agents[i].owner[0])
			a = &f->agents[i];
	if (!a)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"Too many agents");
	snprintf(a->owner, sizeof(a->owner), "%s", sender);
	snprintf(a->path, sizeof(a->path), "%s", path);
	/* An empty capability means KeyboardDisplay (agent.c). */
	snprintf(a->capability, sizeof(a->capability), "%s",
		 cap[0] ? cap : "KeyboardDisplay");
	f->n_register_agent++;
	return sd_bus_reply_method_return(m, NULL);
}

static int unregister_agent(sd_bus_message *m, void *userdata,
			    sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	struct fake_agent *a = agent_of(f, strempty_(sd_bus_message_get_sender(m)));
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	if (!a || strcmp(a->path, path) != 0)
		return sd_bus_error_set(err, "org.bluez.Error.DoesNotExist",
					"Does Not Exist");
	if (f->default_agent == (int)(a - f->agents))
		f->default_agent = -1;
	memset(a, 0, sizeof(*a));
	return sd_bus_reply_method_return(m, NULL);
}

static int request_default_agent(sd_bus_message *m, void *userdata,
				 sd_bus_error *err)
{
	struct fake_bluez *f = userdata;
	struct fake_agent *a = agent_of(f, strempty_(sd_bus_message_get_sender(m)));
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	if (!a || strcmp(a->path, path) != 0)
		return sd_bus_error_set(err, "org.bluez.Error.DoesNotExist",
					"Does Not Exist");
	f->default_agent = (int)(a - f->agents);
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("RegisterAgent", "os", "", register_agent, 0),
	SD_BUS_METHOD("UnregisterAgent", "o", "", unregister_agent, 0),
	SD_BUS_METHOD("RequestDefaultAgent", "o", "", request_default_agent, 0),
	SD_BUS_VTABLE_END,
};

/* ---- Device1 -------------------------------------------------------------- */

static int get_service_data(sd_bus *bus, const char *path, const char *iface,
			    const char *prop, sd_bus_message *reply,
			    void *userdata, sd_bus_error *err)
{
	struct fake_device *d = userdata;
	char uuid[37];
	int r;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	r = sd_bus_message_open_container(reply, 'a', "{sv}");
	if (r < 0)
		return r;
	if (d->sd_uuid) {
		uuid16_full(d->sd_uuid, uuid);
		r = sd_bus_message_open_container(reply, 'e', "sv");
		if (r >= 0)
			r = sd_bus_message_append(reply, "s", uuid);
		if (r >= 0)
			r = sd_bus_message_open_container(reply, 'v', "ay");
		if (r >= 0)
			r = sd_bus_message_append_array(reply, 'y', d->sd, d->sd_len);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int get_manufacturer_data(sd_bus *bus, const char *path,
				 const char *iface, const char *prop,
				 sd_bus_message *reply, void *userdata,
				 sd_bus_error *err)
{
	struct fake_device *d = userdata;
	int r;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	r = sd_bus_message_open_container(reply, 'a', "{qv}");
	if (r < 0)
		return r;
	if (d->md_len) {
		r = sd_bus_message_open_container(reply, 'e', "qv");
		if (r >= 0)
			r = sd_bus_message_append(reply, "q", d->md_company);
		if (r >= 0)
			r = sd_bus_message_open_container(reply, 'v', "ay");
		if (r >= 0)
			r = sd_bus_message_append_array(reply, 'y', d->md, d->md_len);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(reply);
}

static int get_uuids(sd_bus *bus, const char *path, const char *iface,
		     const char *prop, sd_bus_message *reply, void *userdata,
		     sd_bus_error *err)
{
	struct fake_device *d = userdata;
	int r;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;
	if (d->services_resolved)
		for (size_t i = 0; i < d->n_chars; i++)
			if (d->chars[i].owns_service) {
				r = sd_bus_message_append(reply, "s",
							  d->chars[i].service_uuid);
				if (r < 0)
					return r;
			}
	return sd_bus_message_close_container(reply);
}

static int gatt_export(struct fake_device *d);

static int resolve_now(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct fake_device *d = userdata;

	(void)s;
	(void)usec;
	if (!d->connected)
		return 0;
	if (d->resolved_before_gatt) {
		d->services_resolved = 1;
		(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
						     "org.bluez.Device1",
						     "ServicesResolved", "UUIDs",
						     NULL);
		(void)gatt_export(d);
	} else {
		(void)gatt_export(d);
		d->services_resolved = 1;
		(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
						     "org.bluez.Device1",
						     "ServicesResolved", "UUIDs",
						     NULL);
	}
	return 0;
}

static int device_connect(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_device *d = userdata;
	int r;

	d->n_connects++;
	if (d->refuse_connect)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"le-connection-abort-by-local");
	if (d->connected)
		return sd_bus_reply_method_return(m, NULL);
	d->connected = 1;
	(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
					     "org.bluez.Device1", "Connected",
					     NULL);
	r = sd_bus_reply_method_return(m, NULL);
	if (r < 0)
		return r;
	/* GATT discovery takes a moment after the link is up. */
	d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
	return sd_event_add_time_relative(d->f->event, &d->resolve_timer,
					  CLOCK_MONOTONIC, 30000, 0,
					  resolve_now, d);
}

static int device_disconnect(sd_bus_message *m, void *userdata,
			     sd_bus_error *err)
{
	struct fake_device *d = userdata;

	(void)err;
	d->n_disconnects++;
	/* A second Disconnect returns success too, as bluetoothd 5.66 does. */
	fake_device_drop(d);
	return sd_bus_reply_method_return(m, NULL);
}

/* Pair() ends: bluetoothd's new_authentication_return() (device.c): an SMP
 * failure after a refused confirmation or a wrong passkey is
 * AuthenticationFailed "Authentication Failed". */
static void pair_finish(struct fake_device *d, bool ok)
{
	_cleanup_msg_ sd_bus_message *m = d->pair_call;

	d->pair_call = NULL;
	d->agent_call = sd_bus_slot_unref(d->agent_call);
	if (!m)
		return;
	if (!ok) {
		(void)sd_bus_reply_method_errorf(m, AUTH_FAILED,
						 "Authentication Failed");
		return;
	}
	d->paired = d->bonded = 1;
	(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
					     "org.bluez.Device1", "Paired",
					     "Bonded", NULL);
	(void)sd_bus_reply_method_return(m, NULL);
}

static int on_agent_reply(sd_bus_message *m, void *userdata,
			  sd_bus_error *err)
{
	struct fake_device *d = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t passkey;

	(void)err;
	if (e) {
		snprintf(d->agent_error, sizeof(d->agent_error), "%s",
			 strempty_(e->name));
		pair_finish(d, false);
		return 0;
	}
	if (d->pairing == FAKE_PAIR_PASSKEY) {
		if (sd_bus_message_read(m, "u", &passkey) < 0) {
			pair_finish(d, false);
			return 0;
		}
		pair_finish(d, passkey == d->passkey);
		return 0;
	}
	pair_finish(d, true);
	return 0;
}

/* The agent Pair() talks to: the caller's own, else the default one. */
static struct fake_agent *pair_agent(struct fake_bluez *f, const char *sender)
{
	struct fake_agent *a = agent_of(f, sender);

	if (!a && f->default_agent >= 0 && f->agents[f->default_agent].owner[0])
		a = &f->agents[f->default_agent];
	return a;
}

static bool agent_can(const struct fake_agent *a, enum fake_pairing p)
{
	const char *c = a->capability;

	if (p == FAKE_PAIR_PASSKEY)
		return strcmp(c, "KeyboardOnly") == 0 ||
		       strcmp(c, "KeyboardDisplay") == 0;
	return strcmp(c, "DisplayYesNo") == 0 ||
	       strcmp(c, "KeyboardDisplay") == 0;
}

static int device_pair(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_device *d = userdata;
	_cleanup_msg_ sd_bus_message *req = NULL;
	struct fake_agent *a;
	int r;

	d->n_pair++;
	if (d->paired)
		return sd_bus_error_set(err, "org.bluez.Error.AlreadyExists",
					"Already Exists");
	if (d->pair_call)
		return sd_bus_error_set(err, "org.bluez.Error.InProgress",
					"In Progress");
	d->pair_call = sd_bus_message_ref(m);
	if (d->pairing == FAKE_PAIR_JUST_WORKS) {
		pair_finish(d, true);
		return 1;
	}
	/* No agent, or one whose IO capability cannot do this method: SMP
	 * fails on the authentication requirements. */
	a = pair_agent(d->f, strempty_(sd_bus_message_get_sender(m)));
	if (!a || !agent_can(a, d->pairing)) {
		pair_finish(d, false);
		return 1;
	}
	r = sd_bus_message_new_method_call(d->f->bus, &req, a->owner, a->path,
					   "org.bluez.Agent1",
					   d->pairing == FAKE_PAIR_PASSKEY ?
						   "RequestPasskey" :
						   "RequestConfirmation");
	if (r >= 0)
		r = d->pairing == FAKE_PAIR_PASSKEY ?
			    sd_bus_message_append(req, "o", d->path) :
			    sd_bus_message_append(req, "ou", d->path, d->passkey);
	if (r >= 0)
		r = sd_bus_call_async(d->f->bus, &d->agent_call, req,
				      on_agent_reply, d, 0);
	if (r < 0) {
		pair_finish(d, false);
		return 1;
	}
	d->n_agent_requests++;
	return 1;
}

static const sd_bus_vtable device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Address", "s", NULL, offsetof(struct fake_device, address),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Name", "s", NULL, offsetof(struct fake_device, name),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("RSSI", "n", NULL, offsetof(struct fake_device, rssi),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Paired", "b", NULL, offsetof(struct fake_device, paired),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Bonded", "b", NULL, offsetof(struct fake_device, bonded),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Connected", "b", NULL,
			offsetof(struct fake_device, connected),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ServicesResolved", "b", NULL,
			offsetof(struct fake_device, services_resolved),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("UUIDs", "as", get_uuids, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ServiceData", "a{sv}", get_service_data, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("ManufacturerData", "a{qv}", get_manufacturer_data, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("Connect", "", "", device_connect, 0),
	SD_BUS_METHOD("Disconnect", "", "", device_disconnect, 0),
	SD_BUS_METHOD("Pair", "", "", device_pair, 0),
	SD_BUS_VTABLE_END,
};

/* ---- GATT ------------------------------------------------------------------ */

static int get_flags(sd_bus *bus, const char *path, const char *iface,
		     const char *prop, sd_bus_message *reply, void *userdata,
		     sd_bus_error *err)
{
	/* by bit of enum hv_gatt_flag; an extended property too */
	static const char *const names[] = {
		"read", "write", "write-without-response", "notify",
		"indicate", NULL, NULL, NULL, "reliable-write",
	};
	struct fake_char *c = userdata;
	int r;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	r = sd_bus_message_open_container(reply, 'a', "s");
	if (r < 0)
		return r;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && (c->flags & (1u << i))) {
			r = sd_bus_message_append(reply, "s", names[i]);
			if (r < 0)
				return r;
		}
	return sd_bus_message_close_container(reply);
}

static int get_value(sd_bus *bus, const char *path, const char *iface,
		     const char *prop, sd_bus_message *reply, void *userdata,
		     sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
}

static int get_service_path(sd_bus *bus, const char *path, const char *iface,
			    const char *prop, sd_bus_message *reply,
			    void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "o", c->service_path);
}

static int get_service_uuid(sd_bus *bus, const char *path, const char *iface,
			    const char *prop, sd_bus_message *reply,
			    void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "s", c->service_uuid);
}

static int get_device_path(sd_bus *bus, const char *path, const char *iface,
			   const char *prop, sd_bus_message *reply,
			   void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "o", c->dev->path);
}

static int get_char_uuid(sd_bus *bus, const char *path, const char *iface,
			 const char *prop, sd_bus_message *reply,
			 void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "s", c->uuid);
}

static int not_connected(struct fake_char *c, sd_bus_error *err)
{
	if (c->dev->connected)
		return 0;
	return sd_bus_error_set(err, "org.bluez.Error.Failed", "Not connected");
}

static int char_read(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;
	__attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
	int r;

	if ((r = not_connected(c, err)) < 0)
		return r;
	/* Value changes before the reply (BlueZ 5.66 src/gatt-client.c). */
	(void)sd_bus_emit_properties_changed(c->dev->f->bus, c->path,
					     "org.bluez.GattCharacteristic1",
					     "Value", NULL);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
	if (r < 0)
		return r;
	return sd_bus_send(NULL, reply, NULL);
}

static int char_write(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct fake_char *c = userdata;
	const void *data;
	size_t n;
	int r;

	if ((r = not_connected(c, err)) < 0)
		return r;
	if (!(c->flags & (HV_GATT_WRITE | HV_GATT_WRITE_WITHOUT_RESPONSE)))
		return sd_bus_error_set(err, "org.bluez.Error.NotPermitted",
					"Write not permitted");
	r = sd_bus_message_read_array(m, 'y', &data, &n);
	if (r < 0)
		return r;
	/* The peripheral's answers (indications) may precede our reply. */
	if (c->dev->on_write)
		c->dev->on_write(c, data, n, c->dev->userdata);
	if (!c->dev->connected)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"Not connected");
	return sd_bus_reply_method_return(m, NULL);
}

static int char_start_notify(sd_bus_message *m, void *userdata,
			     sd_bus_error *err)
{
	struct fake_char *c = userdata;
	int r;

	if ((r = not_connected(c, err)) < 0)
		return r;
	if (!(c->flags & (HV_GATT_NOTIFY | HV_GATT_INDICATE)))
		return sd_bus_error_set(err, "org.bluez.Error.NotSupported",
					"Operation is not supported");
	if (c->acquired_fd >= 0)
		return sd_bus_error_set(err, "org.bluez.Error.NotPermitted",
					"Notify acquired");
	c->n_start_notify++;
	if (!c->notifying) {
		c->notifying = 1;
		(void)sd_bus_emit_properties_changed(c->dev->f->bus, c->path,
						     "org.bluez.GattCharacteristic1",
						     "Notifying", NULL);
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int get_notify_acquired(sd_bus *bus, const char *path,
			       const char *iface, const char *prop,
			       sd_bus_message *reply, void *userdata,
			       sd_bus_error *err)
{
	struct fake_char *c = userdata;

	(void)bus, (void)path, (void)iface, (void)prop, (void)err;
	return sd_bus_message_append(reply, "b", c->acquired_fd >= 0);
}

static void release_acquired(struct fake_char *c)
{
	if (c->acquired_fd < 0)
		return;
	close(c->acquired_fd);
	c->acquired_fd = -1;
	if (c->slot && c->dev->f->bus)
		(void)sd_bus_emit_properties_changed(c->dev->f->bus, c->path,
						     "org.bluez.GattCharacteristic1",
						     "NotifyAcquired", NULL);
}

static int char_acquire_notify(sd_bus_message *m, void *userdata,
			       sd_bus_error *err)
{
	struct fake_char *c = userdata;
	__attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
	int fds[2], r;

	if (!(c->flags & HV_GATT_NOTIFY) || !c->offer_acquire)
		return sd_bus_error_set(err, "org.bluez.Error.NotSupported",
					"Operation is not supported");
	if ((r = not_connected(c, err)) < 0)
		return r;
	if (c->refuse_acquire)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"Operation failed");
	if (c->acquired_fd >= 0 || c->notifying)
		return sd_bus_error_set(err, "org.bluez.Error.NotPermitted",
					"Notify acquired");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, fds) < 0)
		return -errno;
	c->acquired_fd = fds[0];
	c->n_acquire++;
	(void)sd_bus_emit_properties_changed(c->dev->f->bus, c->path,
					     "org.bluez.GattCharacteristic1",
					     "NotifyAcquired", NULL);
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "hq", fds[1], (uint16_t)517);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	close(fds[1]);
	return r < 0 ? r : 1;
}

static int char_stop_notify(sd_bus_message *m, void *userdata,
			    sd_bus_error *err)
{
	struct fake_char *c = userdata;

	if (!c->notifying)
		return sd_bus_error_set(err, "org.bluez.Error.Failed",
					"No notify session started");
	c->notifying = 0;
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable service_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", get_service_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Device", "o", get_device_path, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable char_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("UUID", "s", get_char_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Service", "o", get_service_path, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Value", "ay", get_value, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Flags", "as", get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Notifying", "b", NULL, offsetof(struct fake_char, notifying),
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD("ReadValue", "a{sv}", "ay", char_read, 0),
	SD_BUS_METHOD("WriteValue", "aya{sv}", "", char_write, 0),
	SD_BUS_METHOD("StartNotify", "", "", char_start_notify, 0),
	SD_BUS_METHOD("StopNotify", "", "", char_stop_notify, 0),
	SD_BUS_METHOD("AcquireNotify", "a{sv}", "hq", char_acquire_notify, 0),
	SD_BUS_VTABLE_END,
};

/* What a notify characteristic adds where AcquireNotify is offered. */
static const sd_bus_vtable char_acquire_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("NotifyAcquired", "b", get_notify_acquired, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_VTABLE_END,
};

static int gatt_export(struct fake_device *d)
{
	int r;

	if (d->gatt_exported)
		return 0;
	for (size_t i = 0; i < d->n_chars; i++) {
		struct fake_char *c = &d->chars[i];

		if (c->owns_service) {
			r = sd_bus_add_object_vtable(d->f->bus, &c->slot_svc,
						     c->service_path,
						     "org.bluez.GattService1",
						     service_vtable, c);
			if (r < 0)
				return r;
			(void)sd_bus_emit_interfaces_added(d->f->bus, c->service_path,
							   "org.bluez.GattService1",
							   NULL);
		}
		r = sd_bus_add_object_vtable(d->f->bus, &c->slot, c->path,
					     "org.bluez.GattCharacteristic1",
					     char_vtable, c);
		if (r < 0)
			return r;
		if (c->offer_acquire && (c->flags & HV_GATT_NOTIFY)) {
			r = sd_bus_add_object_vtable(d->f->bus, &c->slot_acquire,
						     c->path,
						     "org.bluez.GattCharacteristic1",
						     char_acquire_vtable, c);
			if (r < 0)
				return r;
		}
		(void)sd_bus_emit_interfaces_added(d->f->bus, c->path,
						   "org.bluez.GattCharacteristic1",
						   NULL);
	}
	d->gatt_exported = true;
	return 0;
}

static void device_unexport(struct fake_device *d)
{
	if (!d->exported)
		return;
	d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
	if (d->gatt_exported)
		for (size_t i = d->n_chars; i-- > 0;) {
			struct fake_char *c = &d->chars[i];

			(void)sd_bus_emit_interfaces_removed(d->f->bus, c->path,
							     "org.bluez.GattCharacteristic1",
							     NULL);
			release_acquired(c);
			c->slot = sd_bus_slot_unref(c->slot);
			c->slot_acquire = sd_bus_slot_unref(c->slot_acquire);
			c->notifying = 0;
			if (c->owns_service) {
				(void)sd_bus_emit_interfaces_removed(
					d->f->bus, c->service_path,
					"org.bluez.GattService1", NULL);
				c->slot_svc = sd_bus_slot_unref(c->slot_svc);
			}
		}
	d->gatt_exported = false;
	(void)sd_bus_emit_interfaces_removed(d->f->bus, d->path,
					     "org.bluez.Device1", NULL);
	d->slot = sd_bus_slot_unref(d->slot);
	d->exported = false;
	d->connected = d->services_resolved = 0;
}

/* Drop every object without a word: what a crash leaves behind. */
static void forget_objects(struct fake_bluez *f)
{
	for (size_t i = 0; i < f->n_devices; i++) {
		struct fake_device *d = f->devices[i];

		d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
		d->agent_call = sd_bus_slot_unref(d->agent_call);
		d->pair_call = sd_bus_message_unref(d->pair_call);
		for (size_t j = 0; j < d->n_chars; j++) {
			d->chars[j].slot = sd_bus_slot_unref(d->chars[j].slot);
			d->chars[j].slot_acquire = sd_bus_slot_unref(d->chars[j].slot_acquire);
			d->chars[j].slot_svc = sd_bus_slot_unref(d->chars[j].slot_svc);
			d->chars[j].notifying = 0;
		}
		d->slot = sd_bus_slot_unref(d->slot);
		d->exported = d->gatt_exported = false;
		d->connected = d->services_resolved = 0;
	}
	f->slot_adapter = sd_bus_slot_unref(f->slot_adapter);
	f->adapter_exported = false;
	f->slot_root = sd_bus_slot_unref(f->slot_root);
	f->slot_om = sd_bus_slot_unref(f->slot_om);
	/* A new bluetoothd knows no agents. */
	memset(f->agents, 0, sizeof(f->agents));
	f->default_agent = -1;
}

/* ---- life cycle ------------------------------------------------------------- */

int fake_bluez_add_adapter(struct fake_bluez *f)
{
	int r;

	if (f->adapter_exported)
		return 0;
	f->powered = 1;
	f->discovering = 0;
	r = sd_bus_add_object_vtable(f->bus, &f->slot_adapter, ADAPTER_PATH,
				     "org.bluez.Adapter1", adapter_vtable, f);
	if (r < 0)
		return r;
	f->adapter_exported = true;
	return sd_bus_emit_interfaces_added(f->bus, ADAPTER_PATH,
					    "org.bluez.Adapter1", NULL);
}

static int fake_connect(struct fake_bluez *f, const char *bus_address)
{
	int r;

	r = sd_bus_new(&f->bus);
	if (r < 0)
		return r;
	r = sd_bus_set_address(f->bus, bus_address);
	if (r < 0)
		return r;
	r = sd_bus_set_bus_client(f->bus, 1);
	if (r < 0)
		return r;
	r = sd_bus_start(f->bus);
	if (r < 0)
		return r;
	r = sd_bus_attach_event(f->bus, f->event, 0);
	if (r < 0)
		return r;
	r = sd_bus_add_object_manager(f->bus, &f->slot_om, "/");
	if (r < 0)
		return r;
	r = sd_bus_add_object_vtable(f->bus, &f->slot_root, "/org/bluez",
				     "org.bluez.AgentManager1",
				     agent_manager_vtable, f);
	if (r < 0)
		return r;
	r = sd_bus_request_name(f->bus, "org.bluez", 0);
	if (r < 0)
		return r;
	return fake_bluez_add_adapter(f);
}

static char *saved_address;

int fake_bluez_new(sd_event *event, const char *bus_address,
		   struct fake_bluez **ret)
{
	struct fake_bluez *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	f->event = sd_event_ref(event);
	f->address = strdup("00:AA:01:00:00:00");
	f->filter_duplicate = -1;
	f->default_agent = -1;
	free(saved_address);
	saved_address = strdup(bus_address);
	r = fake_connect(f, bus_address);
	if (r < 0) {
		fake_bluez_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void fake_bluez_crash(struct fake_bluez *f)
{
	forget_objects(f);
	f->discovering = 0;
	f->bus = sd_bus_flush_close_unref(f->bus);
}

int fake_bluez_restart(struct fake_bluez *f)
{
	if (f->bus)
		fake_bluez_crash(f);
	return fake_connect(f, saved_address);
}

struct fake_bluez *fake_bluez_free(struct fake_bluez *f)
{
	if (!f)
		return NULL;
	forget_objects(f);
	sd_bus_flush_close_unref(f->bus);
	for (size_t i = 0; i < f->n_devices; i++) {
		for (size_t j = 0; j < f->devices[i]->n_chars; j++)
			if (f->devices[i]->chars[j].acquired_fd >= 0)
				close(f->devices[i]->chars[j].acquired_fd);
		free(f->devices[i]->address);
		free(f->devices[i]->name);
		free(f->devices[i]);
	}
	free(f->address);
	sd_event_unref(f->event);
	free(f);
	free(saved_address);
	saved_address = NULL;
	return NULL;
}

void fake_bluez_set_powered(struct fake_bluez *f, bool on)
{
	if (f->powered == (int)on)
		return;
	f->powered = on;
	if (!on)
		f->discovering = 0;
	(void)sd_bus_emit_properties_changed(f->bus, ADAPTER_PATH,
					     "org.bluez.Adapter1", "Powered",
					     "Discovering", NULL);
}

void fake_bluez_remove_adapter(struct fake_bluez *f)
{
	fake_bluez_set_powered(f, false);
	for (size_t i = 0; i < f->n_devices; i++)
		device_unexport(f->devices[i]);
	(void)sd_bus_emit_interfaces_removed(f->bus, ADAPTER_PATH,
					     "org.bluez.Adapter1", NULL);
	f->slot_adapter = sd_bus_slot_unref(f->slot_adapter);
	f->adapter_exported = false;
}

struct fake_device *fake_bluez_add_device(struct fake_bluez *f,
					  const char *address, const char *name)
{
	struct fake_device *d;

	if (f->n_devices >= FAKE_MAX_DEVICES)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->f = f;
	d->address = strdup(address);
	d->name = strdup(name ? name : address);
	d->rssi = -60;
	snprintf(d->path, sizeof(d->path), ADAPTER_PATH "/dev_%s", address);
	for (char *p = d->path + strlen(ADAPTER_PATH); *p; p++)
		if (*p == ':')
			*p = '_';
	f->devices[f->n_devices++] = d;
	return d;
}

void fake_device_set_service_data(struct fake_device *d, uint16_t uuid16,
				  const uint8_t *v, size_t n)
{
	d->sd_uuid = uuid16;
	d->sd_len = n < sizeof(d->sd) ? n : sizeof(d->sd);
	memcpy(d->sd, v, d->sd_len);
}

void fake_device_set_manufacturer_data(struct fake_device *d, uint16_t company,
				       const uint8_t *v, size_t n)
{
	d->md_company = company;
	d->md_len = n < sizeof(d->md) ? n : sizeof(d->md);
	memcpy(d->md, v, d->md_len);
}

int fake_device_advert(struct fake_device *d)
{
	struct fake_bluez *f = d->f;
	int r;

	if (!f->bus || !f->adapter_exported || !f->discovering)
		return 0;
	if (!d->exported) {
		r = sd_bus_add_object_vtable(f->bus, &d->slot, d->path,
					     "org.bluez.Device1", device_vtable, d);
		if (r < 0)
			return r;
		d->exported = true;
		return sd_bus_emit_interfaces_added(f->bus, d->path,
						    "org.bluez.Device1", NULL);
	}
	return sd_bus_emit_properties_changed(f->bus, d->path, "org.bluez.Device1",
					      "RSSI", "ManufacturerData",
					      "ServiceData", NULL);
}

struct fake_char *fake_device_add_char(struct fake_device *d, uint16_t service16,
				       uint16_t char16, unsigned flags)
{
	struct fake_char *c;
	uint16_t handle;
	size_t i;

	if (d->n_chars >= FAKE_MAX_CHARS)
		return NULL;
	c = &d->chars[d->n_chars];
	memset(c, 0, sizeof(*c));
	c->dev = d;
	c->flags = flags;
	c->acquired_fd = -1;
	uuid16_full(char16, c->uuid);
	uuid16_full(service16, c->service_uuid);
	for (i = 0; i < d->n_chars; i++)
		if (strcmp(d->chars[i].service_uuid, c->service_uuid) == 0)
			break;
	if (i < d->n_chars) {
		memcpy(c->service_path, d->chars[i].service_path,
		       sizeof(c->service_path));
	} else {
		c->owns_service = true;
		snprintf(c->service_path, sizeof(c->service_path),
			 "%s/service%04x", d->path, (unsigned)(0x10 + d->n_chars * 0x10));
	}
	handle = (uint16_t)(0x11 + d->n_chars * 3);
	snprintf(c->path, sizeof(c->path), "%s/char%04x", c->service_path, handle);
	d->n_chars++;
	return c;
}

int fake_char_notify(struct fake_char *c, const uint8_t *v, size_t n)
{
	if (c->acquired_fd >= 0 && c->dev->connected)
		return send(c->acquired_fd, v, n, MSG_NOSIGNAL) < 0 ? -errno : 0;
	if (!c->notifying || !c->dev->connected || !c->dev->f->bus)
		return -ENOTCONN;
	c->value_len = n < sizeof(c->value) ? n : sizeof(c->value);
	memcpy(c->value, v, c->value_len);
	return sd_bus_emit_properties_changed(c->dev->f->bus, c->path,
					      "org.bluez.GattCharacteristic1",
					      "Value", NULL);
}

void fake_device_drop(struct fake_device *d)
{
	d->resolve_timer = sd_event_source_disable_unref(d->resolve_timer);
	for (size_t i = 0; i < d->n_chars; i++) {
		d->chars[i].notifying = 0;
		release_acquired(&d->chars[i]);
	}
	if (!d->connected)
		return;
	d->services_resolved = 0;
	(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
					     "org.bluez.Device1",
					     "ServicesResolved", NULL);
	d->connected = 0;
	(void)sd_bus_emit_properties_changed(d->f->bus, d->path,
					     "org.bluez.Device1", "Connected",
					     NULL);
}

/* ---- address floods ------------------------------------------------------------ */

static void announced_path(const char *address, char *buf, size_t size)
{
	snprintf(buf, size, ADAPTER_PATH "/dev_%s", address);
	for (char *p = buf + strlen(ADAPTER_PATH); *p; p++)
		if (*p == ':')
			*p = '_';
}

int fake_bluez_announce(struct fake_bluez *f, const char *address,
			const char *name, uint16_t sd_uuid16, const uint8_t *sd,
			size_t n)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	char path[96], uuid[37];
	int r;

	if (!f->bus || !f->adapter_exported || !f->discovering)
		return 0;
	announced_path(address, path, sizeof(path));
	uuid16_full(sd_uuid16, uuid);
	r = sd_bus_message_new_signal(f->bus, &m, "/",
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesAdded");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', "sa{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "org.bluez.Device1");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "{sv}{sv}{sv}", "Address", "s",
					  address, "Name", "s", name, "RSSI",
					  "n", (int16_t)-70);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "ServiceData");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "a{sv}");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", uuid);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "ay");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', sd, n);
	/* ay's variant, the entry, a{sv}, its variant, the ServiceData
	 * entry, the properties, the interface entry, the interfaces */
	for (int i = 0; i < 8 && r >= 0; i++)
		r = sd_bus_message_close_container(m);
	if (r < 0)
		return r;
	return sd_bus_send(f->bus, m, NULL);
}

int fake_bluez_forget(struct fake_bluez *f, const char *address)
{
	char path[96];

	if (!f->bus)
		return 0;
	announced_path(address, path, sizeof(path));
	return sd_bus_emit_interfaces_removed(f->bus, path, "org.bluez.Device1",
					      NULL);
}
