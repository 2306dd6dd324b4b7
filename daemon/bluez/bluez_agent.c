/* SPDX-License-Identifier: MIT */
/*
 * org.bluez.Agent1 for bonding with devices that need it (conversation
 * needs_bonding). BlueZ calls the agent of the client that started Pair():
 * passkeys come from the config entry of the device, Just Works and numeric
 * comparison are accepted only for the device of the running session.
 * Capability "KeyboardDisplay" lets bluetoothd choose passkey entry when a
 * device shows one and Just Works otherwise (doc/agent-api.txt, 5.66).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez.h"
#include "daemon/bluez/bluez_props.h"

#define AGENT_IFACE "org.bluez.Agent1"
#define REJECTED "org.bluez.Error.Rejected"

struct hv_bluez_agent {
	sd_bus *bus;
	const struct hv_config *cfg;
	bool (*allow)(const char *address, void *userdata);
	void *userdata;
	sd_bus_slot *object;
	sd_bus_slot *call;
	char *bluez_owner; /* the bluetoothd we registered with */
};

int hv_bluez_agent_passkey(const struct hv_config *cfg, const char *address)
{
	for (size_t i = 0; i < cfg->bluetooth.n_devices; i++) {
		const struct hv_config_device *d = &cfg->bluetooth.devices[i];
		char *end;
		long v;

		if (!hv_bluez_address_equal(d->address, address))
			continue;
		if (!d->passkey)
			return -ENOENT;
		errno = 0;
		v = strtol(d->passkey, &end, 10);
		if (errno || end == d->passkey || *end || v < 0 || v > 999999)
			return -EINVAL;
		return (int)v;
	}
	return -ENOENT;
}

static int device_address(sd_bus_message *m, char ret[HV_BLUEZ_ADDRESS_MAX])
{
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	return hv_bluez_path_to_address(path, ret);
}

static bool allowed(struct hv_bluez_agent *a, const char *address)
{
	return a->allow && a->allow(address, a->userdata);
}

static int method_release(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	return sd_bus_reply_method_return(m, NULL);
}

static int method_request_passkey(sd_bus_message *m, void *userdata,
				  sd_bus_error *ret_error)
{
	struct hv_bluez_agent *a = userdata;
	char address[HV_BLUEZ_ADDRESS_MAX];
	int r;

	if (!hv_bluez_sent_by(m, a->bluez_owner))
		return sd_bus_error_set(ret_error, REJECTED, "Not bluetoothd");
	r = device_address(m, address);
	if (r < 0)
		return sd_bus_error_set(ret_error, REJECTED, "Unknown device");
	r = hv_bluez_agent_passkey(a->cfg, address);
	if (r == -EINVAL) {
		log_warning("Passkey configured for %s is not 0-999999 (bluetooth.devices[].passkey), pairing refused",
			    address);
		return sd_bus_error_set(ret_error, REJECTED, "Bad passkey configured");
	}
	if (r < 0) {
		log_warning("No passkey configured for %s (bluetooth.devices[].passkey), pairing refused",
			    address);
		return sd_bus_error_set(ret_error, REJECTED, "No passkey configured");
	}
	return sd_bus_reply_method_return(m, "u", (uint32_t)r);
}

static int method_request_pin(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct hv_bluez_agent *a = userdata;
	char address[HV_BLUEZ_ADDRESS_MAX];
	const struct hv_config_device *d = NULL;
	int r;

	if (!hv_bluez_sent_by(m, a->bluez_owner))
		return sd_bus_error_set(ret_error, REJECTED, "Not bluetoothd");
	r = device_address(m, address);
	if (r < 0)
		return sd_bus_error_set(ret_error, REJECTED, "Unknown device");
	for (size_t i = 0; i < a->cfg->bluetooth.n_devices; i++)
		if (hv_bluez_address_equal(a->cfg->bluetooth.devices[i].address,
					   address))
			d = &a->cfg->bluetooth.devices[i];
	if (!d || !d->passkey)
		return sd_bus_error_set(ret_error, REJECTED, "No PIN configured");
	return sd_bus_reply_method_return(m, "s", d->passkey);
}

/* DisplayPasskey / DisplayPinCode: nothing to show on a headless box. */
static int method_display(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	return sd_bus_reply_method_return(m, NULL);
}

/* RequestConfirmation(o, u) / RequestAuthorization(o) /
 * AuthorizeService(o, s): yes for the device we are connecting to. */
static int method_confirm(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	struct hv_bluez_agent *a = userdata;
	char address[HV_BLUEZ_ADDRESS_MAX];

	if (!hv_bluez_sent_by(m, a->bluez_owner) || device_address(m, address) < 0 ||
	    !allowed(a, address))
		return sd_bus_error_set(ret_error, REJECTED, "Not our device");
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Release", "", "", method_release, 0),
	SD_BUS_METHOD("RequestPinCode", "o", "s", method_request_pin, 0),
	SD_BUS_METHOD("DisplayPinCode", "os", "", method_display, 0),
	SD_BUS_METHOD("RequestPasskey", "o", "u", method_request_passkey, 0),
	SD_BUS_METHOD("DisplayPasskey", "ouq", "", method_display, 0),
	SD_BUS_METHOD("RequestConfirmation", "ou", "", method_confirm, 0),
	SD_BUS_METHOD("RequestAuthorization", "o", "", method_confirm, 0),
	SD_BUS_METHOD("AuthorizeService", "os", "", method_confirm, 0),
	SD_BUS_METHOD("Cancel", "", "", method_release, 0),
	SD_BUS_VTABLE_END,
};

int hv_bluez_agent_new(sd_bus *bus, const struct hv_config *cfg,
		       bool (*allow)(const char *address, void *userdata),
		       void *userdata, struct hv_bluez_agent **ret)
{
	struct hv_bluez_agent *a;
	int r;

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->bus = sd_bus_ref(bus);
	a->cfg = cfg;
	a->allow = allow;
	a->userdata = userdata;
	r = sd_bus_add_object_vtable(bus, &a->object, HV_BLUEZ_AGENT_PATH,
				     AGENT_IFACE, agent_vtable, a);
	if (r < 0) {
		hv_bluez_agent_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

struct hv_bluez_agent *hv_bluez_agent_free(struct hv_bluez_agent *a)
{
	if (!a)
		return NULL;
	sd_bus_slot_unref(a->call);
	sd_bus_slot_unref(a->object);
	sd_bus_unref(a->bus);
	free(a->bluez_owner);
	free(a);
	return NULL;
}

static int on_register(sd_bus_message *m, void *userdata,
		       sd_bus_error *ret_error)
{
	struct hv_bluez_agent *a = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	a->call = sd_bus_slot_unref(a->call);
	/* AlreadyExists: registered before (same connection). */
	if (e && !sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists"))
		log_warning("RegisterAgent failed: %s: %s, bonding will not work",
			    e->name, e->message ? e->message : "");
	return 0;
}

int hv_bluez_agent_register(struct hv_bluez_agent *a, const char *bluez_owner)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = hv_bluez_owner_set(&a->bluez_owner, bluez_owner);
	if (r < 0)
		return r;

	r = sd_bus_message_new_method_call(a->bus, &m, "org.bluez", "/org/bluez",
					   "org.bluez.AgentManager1",
					   "RegisterAgent");
	if (r < 0)
		return r;
	(void)sd_bus_message_set_auto_start(m, 0);
	r = sd_bus_message_append(m, "os", HV_BLUEZ_AGENT_PATH,
				  "KeyboardDisplay");
	if (r < 0)
		return r;
	a->call = sd_bus_slot_unref(a->call);
	return sd_bus_call_async(a->bus, &a->call, m, on_register, a, 0);
}
