// SPDX-License-Identifier: MIT
/*
 * The D-Bus face of homevitals-vdev: org.bluez as bluetoothd 5.66 shows it
 * (BlueZ tag 5.66: doc/{adapter,device,gatt}-api.txt and src/; docs/vdev.md
 * lists what is imitated).
 *
 *   /                      ObjectManager (our own GetManagedObjects, so the
 *                          interface lists match bluetoothd's: Introspectable,
 *                          the object's interfaces, Properties)
 *   /org/bluez             AgentManager1, ProfileManager1, HealthManager1
 *   /org/bluez/hciN        Adapter1 (+ GattManager1, Media1, NetworkServer1,
 *                          LEAdvertisingManager1 in InterfacesAdded)
 *   …/dev_AA_BB_…          Device1
 *   …/serviceXXXX[/charYYYY[/descZZZZ]]   GATT objects, XXXX = ATT handle
 *
 * Objects are served through fallback vtables on /org/bluez with find
 * callbacks over the vdev's tables, so that "bluetoothd restart" is just a
 * new connection. Signals are built by hand to keep bluetoothd's shapes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "firmware-host/vdev.h"

#define TEMPORARY_TIMEOUT_S 30.0 /* bluetoothd main.conf TemporaryTimeout */
#define RESOLVE_DELAY_S 0.3 /* Connect → ServicesResolved */
#define RSSI_THRESHOLD 8 /* device.c: RSSI signal without a filter */
#define IFACE_PROPS "org.freedesktop.DBus.Properties"
#define IFACE_INTRO "org.freedesktop.DBus.Introspectable"

enum kind { K_ROOT, K_ADAPTER, K_DEVICE, K_SERVICE, K_CHAR, K_DESC };

static const char *const kind_iface[] = {
	[K_ROOT] = "org.bluez.AgentManager1",
	[K_ADAPTER] = "org.bluez.Adapter1",
	[K_DEVICE] = "org.bluez.Device1",
	[K_SERVICE] = "org.bluez.GattService1",
	[K_CHAR] = "org.bluez.GattCharacteristic1",
	[K_DESC] = "org.bluez.GattDescriptor1",
};

/* --- property writers ---------------------------------------------------------- */

/* Writes either dict entries {sv} (bare = false) or one bare value. */
struct pw {
	sd_bus_message *m;
	const char *only; /* NULL: every property present */
	bool bare;
	bool found;
	int r;
};

static bool pw_begin(struct pw *w, const char *name, const char *sig)
{
	if (w->r < 0 || (w->only && strcmp(w->only, name) != 0))
		return false;
	w->found = true;
	if (w->bare)
		return true;
	w->r = sd_bus_message_open_container(w->m, 'e', "sv");
	if (w->r >= 0)
		w->r = sd_bus_message_append(w->m, "s", name);
	if (w->r >= 0)
		w->r = sd_bus_message_open_container(w->m, 'v', sig);
	return w->r >= 0;
}

static void pw_end(struct pw *w)
{
	if (w->bare || w->r < 0)
		return;
	w->r = sd_bus_message_close_container(w->m);
	if (w->r >= 0)
		w->r = sd_bus_message_close_container(w->m);
}

static void put_s(struct pw *w, const char *name, const char *v)
{
	if (!pw_begin(w, name, "s"))
		return;
	w->r = sd_bus_message_append(w->m, "s", v);
	pw_end(w);
}

static void put_o(struct pw *w, const char *name, const char *v)
{
	if (!pw_begin(w, name, "o"))
		return;
	w->r = sd_bus_message_append(w->m, "o", v);
	pw_end(w);
}

static void put_b(struct pw *w, const char *name, bool v)
{
	if (!pw_begin(w, name, "b"))
		return;
	w->r = sd_bus_message_append(w->m, "b", (int)v);
	pw_end(w);
}

static void put_u(struct pw *w, const char *name, uint32_t v)
{
	if (!pw_begin(w, name, "u"))
		return;
	w->r = sd_bus_message_append(w->m, "u", v);
	pw_end(w);
}

static void put_q(struct pw *w, const char *name, uint16_t v)
{
	if (!pw_begin(w, name, "q"))
		return;
	w->r = sd_bus_message_append(w->m, "q", v);
	pw_end(w);
}

static void put_n(struct pw *w, const char *name, int16_t v)
{
	if (!pw_begin(w, name, "n"))
		return;
	w->r = sd_bus_message_append(w->m, "n", v);
	pw_end(w);
}

static void put_ay(struct pw *w, const char *name, const uint8_t *p, size_t n)
{
	if (!pw_begin(w, name, "ay"))
		return;
	w->r = sd_bus_message_append_array(w->m, 'y', p, n);
	pw_end(w);
}

static void put_strv(struct pw *w, const char *name, const char *const *v,
		     size_t n)
{
	if (!pw_begin(w, name, "as"))
		return;
	w->r = sd_bus_message_open_container(w->m, 'a', "s");
	for (size_t i = 0; i < n && w->r >= 0; i++)
		w->r = sd_bus_message_append(w->m, "s", v[i]);
	if (w->r >= 0)
		w->r = sd_bus_message_close_container(w->m);
	pw_end(w);
}

static void put_uuids(struct pw *w, const char *name, const struct hv_uuid *u,
		      size_t n)
{
	char buf[HV_UUID_STRING_MAX];

	if (!pw_begin(w, name, "as"))
		return;
	w->r = sd_bus_message_open_container(w->m, 'a', "s");
	for (size_t i = 0; i < n && w->r >= 0; i++) {
		hv_uuid_format(&u[i], buf);
		w->r = sd_bus_message_append(w->m, "s", buf);
	}
	if (w->r >= 0)
		w->r = sd_bus_message_close_container(w->m);
	pw_end(w);
}

/* --- object properties ------------------------------------------------------------ */

static void adapter_props(struct pw *w, struct vdev_adapter *a)
{
	static const char *const uuids[] = {
		"00001801-0000-1000-8000-00805f9b34fb",
		"00001800-0000-1000-8000-00805f9b34fb",
		"0000180a-0000-1000-8000-00805f9b34fb",
	};
	static const char *const roles[] = { "central", "peripheral" };

	put_s(w, "Address", a->address);
	put_s(w, "AddressType", "public");
	put_s(w, "Name", "BlueZ 5.66");
	put_s(w, "Alias", "BlueZ 5.66");
	put_u(w, "Class", 0);
	put_b(w, "Powered", a->powered);
	put_b(w, "Discoverable", false);
	put_u(w, "DiscoverableTimeout", 180);
	put_b(w, "Pairable", false);
	put_u(w, "PairableTimeout", 0);
	put_b(w, "Discovering", a->discovering);
	put_strv(w, "UUIDs", uuids, ELEMENTSOF(uuids));
	put_s(w, "Modalias", "usb:v1D6Bp0246d0542");
	put_strv(w, "Roles", roles, ELEMENTSOF(roles));
}

static void device_alias(const struct vdev_device *d, char buf[VDEV_NAME_MAX])
{
	if (d->name_from_gatt && d->gatt_name[0])
		snprintf(buf, VDEV_NAME_MAX, "%s", d->gatt_name);
	else if (d->name[0])
		snprintf(buf, VDEV_NAME_MAX, "%s", d->name);
	else {
		snprintf(buf, VDEV_NAME_MAX, "%s", d->address);
		for (char *p = buf; *p; p++)
			if (*p == ':')
				*p = '-';
	}
}

static void put_service_data(struct pw *w, const struct vdev_device *d)
{
	char key[HV_UUID_STRING_MAX];

	if (!pw_begin(w, "ServiceData", "a{sv}"))
		return;
	w->r = sd_bus_message_open_container(w->m, 'a', "{sv}");
	for (size_t i = 0; i < d->n_sd && w->r >= 0; i++) {
		hv_uuid_format(&d->sd[i].uuid, key);
		w->r = sd_bus_message_open_container(w->m, 'e', "sv");
		if (w->r >= 0)
			w->r = sd_bus_message_append(w->m, "s", key);
		if (w->r >= 0)
			w->r = sd_bus_message_open_container(w->m, 'v', "ay");
		if (w->r >= 0)
			w->r = sd_bus_message_append_array(w->m, 'y',
							   d->sd[i].data,
							   d->sd[i].len);
		if (w->r >= 0)
			w->r = sd_bus_message_close_container(w->m);
		if (w->r >= 0)
			w->r = sd_bus_message_close_container(w->m);
	}
	if (w->r >= 0)
		w->r = sd_bus_message_close_container(w->m);
	pw_end(w);
}

static void put_manufacturer_data(struct pw *w, const struct vdev_device *d)
{
	if (!pw_begin(w, "ManufacturerData", "a{qv}"))
		return;
	w->r = sd_bus_message_open_container(w->m, 'a', "{qv}");
	for (size_t i = 0; i < d->n_md && w->r >= 0; i++) {
		const struct hv_manufacturer_data *md = &d->md[i];

		if (md->len < 2)
			continue;
		w->r = sd_bus_message_open_container(w->m, 'e', "qv");
		if (w->r >= 0)
			w->r = sd_bus_message_append(
				w->m, "q",
				(uint16_t)(md->data[0] | md->data[1] << 8));
		if (w->r >= 0)
			w->r = sd_bus_message_open_container(w->m, 'v', "ay");
		if (w->r >= 0)
			w->r = sd_bus_message_append_array(w->m, 'y',
							   md->data + 2,
							   md->len - 2);
		if (w->r >= 0)
			w->r = sd_bus_message_close_container(w->m);
		if (w->r >= 0)
			w->r = sd_bus_message_close_container(w->m);
	}
	if (w->r >= 0)
		w->r = sd_bus_message_close_container(w->m);
	pw_end(w);
}

static void device_props(struct pw *w, struct vdev_device *d)
{
	char alias[VDEV_NAME_MAX];
	struct hv_uuid uuids[VDEV_SERVICES_MAX + 2];
	size_t n = 0;

	device_alias(d, alias);
	if (d->name_from_gatt) {
		uuids[n++] = hv_uuid16(0x1800);
		uuids[n++] = hv_uuid16(0x1801);
		for (size_t i = 0; i < d->n_services; i++)
			uuids[n++] = d->services[i].uuid;
	} else if (d->has_advert) {
		for (size_t i = 0; i < d->advert.n_service_uuids &&
				   n < ELEMENTSOF(uuids);
		     i++)
			uuids[n++] = d->advert.service_uuids[i];
	}
	/* A BR/EDR device's SDP/EIR classes: the Serial Port Profile. */
	if (d->spp_connected && n < ELEMENTSOF(uuids))
		uuids[n++] = hv_uuid16(0x1101);

	put_s(w, "Address", d->address);
	put_s(w, "AddressType", d->address_type);
	if (d->name[0] || d->name_from_gatt)
		put_s(w, "Name", alias);
	put_s(w, "Alias", alias);
	put_b(w, "Paired", d->paired);
	put_b(w, "Bonded", d->paired);
	put_b(w, "Trusted", false);
	put_b(w, "Blocked", false);
	put_b(w, "LegacyPairing", false);
	if (d->rssi_valid || (w->only && w->bare))
		put_n(w, "RSSI", d->emitted_rssi);
	put_b(w, "Connected", d->connected);
	put_uuids(w, "UUIDs", uuids, n);
	put_o(w, "Adapter", d->adapter->path);
	if (d->n_md > 0 || (w->only && w->bare))
		put_manufacturer_data(w, d);
	if (d->n_sd > 0 || (w->only && w->bare))
		put_service_data(w, d);
	put_b(w, "ServicesResolved", d->services_resolved);
}

static void service_props(struct pw *w, struct vdev_service *s)
{
	char uuid[HV_UUID_STRING_MAX];

	hv_uuid_format(&s->uuid, uuid);
	put_s(w, "UUID", uuid);
	put_o(w, "Device", s->device->path);
	put_b(w, "Primary", true);
	if (pw_begin(w, "Includes", "ao")) {
		w->r = sd_bus_message_append(w->m, "ao", 0);
		pw_end(w);
	}
}

static void char_props(struct pw *w, struct vdev_char *c)
{
	const char *flags[5];
	char uuid[HV_UUID_STRING_MAX];
	size_t n = 0;
	bool any = w->only && w->bare; /* Get of an optional property */

	if (c->flags & VDEV_CHAR_READ)
		flags[n++] = "read";
	if (c->flags & VDEV_CHAR_WRITE_NR)
		flags[n++] = "write-without-response";
	if (c->flags & VDEV_CHAR_WRITE)
		flags[n++] = "write";
	if (c->flags & VDEV_CHAR_NOTIFY)
		flags[n++] = "notify";
	if (c->flags & VDEV_CHAR_INDICATE)
		flags[n++] = "indicate";

	hv_uuid_format(&c->uuid, uuid);
	put_s(w, "UUID", uuid);
	put_o(w, "Service", c->service->path);
	put_ay(w, "Value", c->value, c->value_len);
	if (c->has_ccc || any)
		put_b(w, "Notifying", c->n_owners > 0);
	if ((c->flags & VDEV_CHAR_NOTIFY) || any)
		put_b(w, "NotifyAcquired", c->acquired_fd >= 0);
	if ((c->flags & VDEV_CHAR_WRITE_NR) || any)
		put_b(w, "WriteAcquired", false);
	put_strv(w, "Flags", flags, n);
	put_q(w, "MTU", 517);
}

static uint16_t ccc_value(const struct vdev_char *c)
{
	if (c->n_owners == 0 && c->acquired_fd < 0)
		return 0;
	return (c->flags & VDEV_CHAR_NOTIFY) ? 0x0001 : 0x0002;
}

static void desc_props(struct pw *w, struct vdev_char *c)
{
	uint8_t v[2] = { (uint8_t)ccc_value(c), 0 };

	put_s(w, "UUID", "00002902-0000-1000-8000-00805f9b34fb");
	put_o(w, "Characteristic", c->path);
	put_ay(w, "Value", v, c->service->device->connected ? 2 : 0);
}

static void kind_props(struct pw *w, enum kind k, void *obj)
{
	switch (k) {
	case K_ROOT:
		break;
	case K_ADAPTER:
		adapter_props(w, obj);
		break;
	case K_DEVICE:
		device_props(w, obj);
		break;
	case K_SERVICE:
		service_props(w, obj);
		break;
	case K_CHAR:
		char_props(w, obj);
		break;
	case K_DESC:
		desc_props(w, obj);
		break;
	}
}

/* a{sa{sv}} of one object: Introspectable, its interfaces, Properties. */
static int append_ifaces(sd_bus_message *m, enum kind k, void *obj)
{
	static const char *const root_ifaces[] = { "org.bluez.AgentManager1",
						   "org.bluez.ProfileManager1",
						   "org.bluez.HealthManager1" };
	struct pw w = { .m = m };

	w.r = sd_bus_message_open_container(m, 'a', "{sa{sv}}");
	if (w.r >= 0)
		w.r = sd_bus_message_append(m, "{sa{sv}}", IFACE_INTRO, 0);
	if (k == K_ROOT) {
		for (size_t i = 0; i < ELEMENTSOF(root_ifaces) && w.r >= 0; i++)
			w.r = sd_bus_message_append(m, "{sa{sv}}",
						    root_ifaces[i], 0);
	} else if (w.r >= 0) {
		w.r = sd_bus_message_open_container(m, 'e', "sa{sv}");
		if (w.r >= 0)
			w.r = sd_bus_message_append(m, "s", kind_iface[k]);
		if (w.r >= 0)
			w.r = sd_bus_message_open_container(m, 'a', "{sv}");
		kind_props(&w, k, obj);
		if (w.r >= 0)
			w.r = sd_bus_message_close_container(m);
		if (w.r >= 0)
			w.r = sd_bus_message_close_container(m);
	}
	if (w.r >= 0)
		w.r = sd_bus_message_append(m, "{sa{sv}}", IFACE_PROPS, 0);
	if (k == K_ADAPTER && w.r >= 0)
		w.r = sd_bus_message_append(
			m, "{sa{sv}}{sa{sv}}{sa{sv}}{sa{sv}}",
			"org.bluez.GattManager1", 0, "org.bluez.Media1", 1,
			"SupportedUUIDs", "as", 2,
			"0000110a-0000-1000-8000-00805f9b34fb",
			"0000110b-0000-1000-8000-00805f9b34fb",
			"org.bluez.NetworkServer1", 0,
			"org.bluez.LEAdvertisingManager1", 3, "ActiveInstances",
			"y", 0, "SupportedInstances", "y", 5,
			"SupportedIncludes", "as", 3, "tx-power", "appearance",
			"local-name");
	if (w.r >= 0)
		w.r = sd_bus_message_close_container(m);
	return w.r;
}

/* --- signals ------------------------------------------------------------------------ */

static const char *path_of(enum kind k, void *obj)
{
	switch (k) {
	case K_ROOT:
		return "/org/bluez";
	case K_ADAPTER:
		return ((struct vdev_adapter *)obj)->path;
	case K_DEVICE:
		return ((struct vdev_device *)obj)->path;
	case K_SERVICE:
		return ((struct vdev_service *)obj)->path;
	case K_CHAR:
		return ((struct vdev_char *)obj)->path;
	case K_DESC:
		return ((struct vdev_char *)obj)->ccc_path;
	}
	return "/";
}

static void emit_added(struct vdev *v, enum kind k, void *obj)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	if (!v->bus)
		return;
	r = sd_bus_message_new_signal(v->bus, &m, "/",
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesAdded");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path_of(k, obj));
	if (r >= 0)
		r = append_ifaces(m, k, obj);
	if (r >= 0)
		r = sd_bus_send(v->bus, m, NULL);
	if (r < 0)
		fprintf(stderr, "vdev: InterfacesAdded: %s\n", strerror(-r));
}

static void emit_removed(struct vdev *v, enum kind k, void *obj)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	if (!v->bus)
		return;
	r = sd_bus_message_new_signal(v->bus, &m, "/",
				      "org.freedesktop.DBus.ObjectManager",
				      "InterfacesRemoved");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path_of(k, obj));
	if (r >= 0 && k == K_ROOT)
		r = sd_bus_message_append(m, "as", 5, IFACE_PROPS, IFACE_INTRO,
					  "org.bluez.AgentManager1",
					  "org.bluez.ProfileManager1",
					  "org.bluez.HealthManager1");
	else if (r >= 0 && k == K_ADAPTER)
		r = sd_bus_message_append(m, "as", 7, IFACE_PROPS, IFACE_INTRO,
					  kind_iface[k],
					  "org.bluez.LEAdvertisingManager1",
					  "org.bluez.GattManager1",
					  "org.bluez.NetworkServer1",
					  "org.bluez.Media1");
	else if (r >= 0)
		r = sd_bus_message_append(m, "as", 3, IFACE_PROPS, IFACE_INTRO,
					  kind_iface[k]);
	if (r >= 0)
		r = sd_bus_send(v->bus, m, NULL);
	if (r < 0)
		fprintf(stderr, "vdev: InterfacesRemoved: %s\n", strerror(-r));
}

/* PropertiesChanged with the named properties (NULL-terminated list). */
static void emit_changed_v(struct vdev *v, enum kind k, void *obj,
			   const char *const *names, const char *invalidated)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	struct pw w = { 0 };

	if (!v->bus)
		return;
	w.r = sd_bus_message_new_signal(v->bus, &m, path_of(k, obj),
					IFACE_PROPS, "PropertiesChanged");
	w.m = m;
	if (w.r >= 0)
		w.r = sd_bus_message_append(m, "s", kind_iface[k]);
	if (w.r >= 0)
		w.r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (size_t i = 0; names && names[i] && w.r >= 0; i++) {
		w.only = names[i];
		kind_props(&w, k, obj);
	}
	if (w.r >= 0)
		w.r = sd_bus_message_close_container(m);
	if (w.r >= 0)
		w.r = invalidated ? sd_bus_message_append(m, "as", 1,
							  invalidated) :
				    sd_bus_message_append(m, "as", 0);
	if (w.r >= 0)
		w.r = sd_bus_send(v->bus, m, NULL);
	if (w.r < 0)
		fprintf(stderr, "vdev: PropertiesChanged: %s\n",
			strerror(-w.r));
}

#define emit_changed(v, k, obj, ...)                                  \
	emit_changed_v(v, k, obj, (const char *const[]){ __VA_ARGS__, NULL }, \
		       NULL)

/* --- object lookup ------------------------------------------------------------------ */

static bool adapter_visible(const struct vdev_adapter *a)
{
	return a->present && a->vdev->bus;
}

static void *lookup(struct vdev *v, const char *path, enum kind k)
{
	if (k == K_ROOT)
		return strcmp(path, "/org/bluez") == 0 ? v : NULL;
	for (size_t i = 0; i < v->n_adapters; i++) {
		struct vdev_adapter *a = &v->adapters[i];

		if (!adapter_visible(a))
			continue;
		if (k == K_ADAPTER && strcmp(a->path, path) == 0)
			return a;
	}
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];
		size_t len = strlen(d->path);

		if (!d->exported || strncmp(path, d->path, len) != 0)
			continue;
		if (path[len] == '\0')
			return k == K_DEVICE ? d : NULL;
		if (path[len] != '/' || !d->gatt_exported)
			continue;
		for (size_t s = 0; s < d->n_services; s++) {
			struct vdev_service *sv = &d->services[s];

			if (k == K_SERVICE && strcmp(sv->path, path) == 0)
				return sv;
			for (size_t c = 0; c < sv->n_chars; c++) {
				struct vdev_char *ch = &sv->chars[c];

				if (k == K_CHAR && strcmp(ch->path, path) == 0)
					return ch;
				if (k == K_DESC && ch->has_ccc &&
				    strcmp(ch->ccc_path, path) == 0)
					return ch;
			}
		}
	}
	return NULL;
}

static int find_kind(void *userdata, const char *path, enum kind k,
		     void **found)
{
	void *o = lookup(userdata, path, k);

	if (!o)
		return 0;
	*found = o;
	return 1;
}

#define FIND_FN(name, k)                                                     \
	static int name(sd_bus *bus, const char *path, const char *interface, \
			void *userdata, void **found, sd_bus_error *error)   \
	{                                                                    \
		(void)bus;                                                   \
		(void)interface;                                             \
		(void)error;                                                 \
		return find_kind(userdata, path, k, found);                  \
	}
FIND_FN(find_root, K_ROOT)
FIND_FN(find_adapter, K_ADAPTER)
FIND_FN(find_device, K_DEVICE)
FIND_FN(find_service, K_SERVICE)
FIND_FN(find_char, K_CHAR)
FIND_FN(find_desc, K_DESC)

static enum kind kind_of_iface(const char *iface)
{
	for (size_t i = 0; i < ELEMENTSOF(kind_iface); i++)
		if (strcmp(kind_iface[i], iface) == 0)
			return (enum kind)i;
	return K_ROOT;
}

static int get_prop(sd_bus *bus, const char *path, const char *interface,
		    const char *property, sd_bus_message *reply,
		    void *userdata, sd_bus_error *error)
{
	struct pw w = { .m = reply, .only = property, .bare = true };

	(void)bus;
	(void)path;
	kind_props(&w, kind_of_iface(interface), userdata);
	if (w.r < 0)
		return w.r;
	if (!w.found)
		return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY,
					 "No such property '%s'", property);
	return 1;
}

/* --- discovery ------------------------------------------------------------------------ */

static struct vdev_session *session_get(struct vdev *v, const char *owner,
					struct vdev_adapter *a, bool create)
{
	struct vdev_session *free_slot = NULL;

	for (size_t i = 0; i < VDEV_SESSIONS_MAX; i++) {
		struct vdev_session *s = &v->sessions[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->adapter == a && strcmp(s->owner, owner) == 0)
			return s;
	}
	if (!create || !free_slot)
		return NULL;
	*free_slot = (struct vdev_session){ .used = true, .adapter = a };
	snprintf(free_slot->owner, sizeof(free_slot->owner), "%s", owner);
	return free_slot;
}

static bool adapter_any_session(struct vdev *v, struct vdev_adapter *a)
{
	for (size_t i = 0; i < VDEV_SESSIONS_MAX; i++)
		if (v->sessions[i].used && v->sessions[i].adapter == a &&
		    v->sessions[i].discovering)
			return true;
	return false;
}

static void remove_device_objects(struct vdev_device *d);

/* Last session ended: RSSI invalidated, non-connectable ones go at once. */
static void discovery_stopped(struct vdev_adapter *a)
{
	struct vdev *v = a->vdev;

	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		if (d->adapter != a || !d->exported)
			continue;
		if (d->temporary && !d->last_advert_connectable) {
			remove_device_objects(d);
			continue;
		}
		if (d->rssi_valid) {
			d->rssi_valid = false;
			emit_changed_v(v, K_DEVICE, d, NULL, "RSSI");
		}
	}
	a->discovering = false;
	emit_changed(v, K_ADAPTER, a, "Discovering");
	vdev_print(v, a->name, "discovery stopped");
}

static void session_end(struct vdev *v, struct vdev_session *s)
{
	struct vdev_adapter *a = s->adapter;
	bool was = s->discovering;

	s->used = false;
	if (was && a->discovering && !adapter_any_session(v, a))
		discovery_stopped(a);
}

static int method_start_discovery(sd_bus_message *m, void *userdata,
				  sd_bus_error *error)
{
	struct vdev_adapter *a = userdata;
	struct vdev *v = a->vdev;
	struct vdev_session *s;
	int r;

	if (!a->powered)
		return sd_bus_error_set(error, "org.bluez.Error.NotReady",
					"Resource Not Ready");
	s = session_get(v, sd_bus_message_get_sender(m), a, true);
	if (!s)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"Too many discovery sessions");
	if (s->discovering)
		return sd_bus_error_set(error, "org.bluez.Error.InProgress",
					"Operation already in progress");
	s->discovering = true;
	r = sd_bus_reply_method_return(m, NULL);
	if (!a->discovering) {
		a->discovering = true;
		emit_changed(v, K_ADAPTER, a, "Discovering");
		vdev_print(v, a->name, "discovery started by %s", s->owner);
	}
	/* Devices advertising right now are seen at once. */
	for (size_t i = 0; i < v->n_devices; i++)
		if (v->devices[i].adapter == a && v->devices[i].has_advert &&
		    !v->devices[i].connected)
			vdev_bus_advert(&v->devices[i]);
	return r;
}

static int method_stop_discovery(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct vdev_adapter *a = userdata;
	struct vdev *v = a->vdev;
	struct vdev_session *s;
	int r;

	if (!a->powered)
		return sd_bus_error_set(error, "org.bluez.Error.NotReady",
					"Resource Not Ready");
	s = session_get(v, sd_bus_message_get_sender(m), a, false);
	if (!s || !s->discovering)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"No discovery started");
	r = sd_bus_reply_method_return(m, NULL);
	s->discovering = false;
	if (!adapter_any_session(v, a))
		discovery_stopped(a);
	if (!s->has_filter)
		s->used = false;
	return r;
}

static int invalid_args(sd_bus_error *error)
{
	return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
				"Invalid arguments in method call");
}

static int method_set_filter(sd_bus_message *m, void *userdata,
			     sd_bus_error *error)
{
	struct vdev_adapter *a = userdata;
	/* no Transport: "auto" (doc/adapter-api.txt) */
	struct vdev_session f = { .used = true, .adapter = a, .bredr = true };
	struct vdev_session *s;
	const char *key, *contents;
	char type;
	bool any = false;
	int r;

	if (!a->powered)
		return sd_bus_error_set(error, "org.bluez.Error.NotReady",
					"Resource Not Ready");
	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		any = true;
		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		r = sd_bus_message_peek_type(m, &type, &contents);
		if (r < 0)
			return r;
		if (strcmp(key, "Transport") == 0 &&
		    strcmp(contents, "s") == 0) {
			const char *t;

			r = sd_bus_message_read(m, "v", "s", &t);
			if (r < 0)
				return r;
			if (strcmp(t, "auto") != 0 && strcmp(t, "le") != 0 &&
			    strcmp(t, "bredr") != 0)
				return invalid_args(error);
			f.bredr = strcmp(t, "le") != 0;
		} else if (strcmp(key, "DuplicateData") == 0 &&
			   strcmp(contents, "b") == 0) {
			int b;

			r = sd_bus_message_read(m, "v", "b", &b);
			if (r < 0)
				return r;
			f.duplicate_data = b;
		} else if (strcmp(key, "Discoverable") == 0 &&
			   strcmp(contents, "b") == 0) {
			r = sd_bus_message_skip(m, "v");
		} else if (strcmp(key, "RSSI") == 0 &&
			   strcmp(contents, "n") == 0) {
			r = sd_bus_message_read(m, "v", "n", &f.rssi);
			f.has_rssi = true;
		} else if (strcmp(key, "Pathloss") == 0 &&
			   strcmp(contents, "q") == 0) {
			r = sd_bus_message_skip(m, "v");
		} else if (strcmp(key, "Pattern") == 0 &&
			   strcmp(contents, "s") == 0) {
			r = sd_bus_message_skip(m, "v");
		} else if (strcmp(key, "UUIDs") == 0 &&
			   strcmp(contents, "as") == 0) {
			const char *u;

			r = sd_bus_message_enter_container(m, 'v', "as");
			if (r >= 0)
				r = sd_bus_message_enter_container(m, 'a', "s");
			while (r >= 0 &&
			       (r = sd_bus_message_read(m, "s", &u)) > 0) {
				if (f.n_uuids >= ELEMENTSOF(f.uuids) ||
				    hv_uuid_parse(u, &f.uuids[f.n_uuids]) < 0)
					return invalid_args(error);
				f.n_uuids++;
			}
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
			if (r >= 0)
				r = sd_bus_message_exit_container(m);
		} else {
			return invalid_args(error);
		}
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	s = session_get(a->vdev, sd_bus_message_get_sender(m), a, any);
	if (s) {
		bool disc = s->discovering;

		if (!any && !disc) {
			s->used = false;
		} else {
			snprintf(f.owner, sizeof(f.owner), "%s", s->owner);
			*s = f;
			s->has_filter = any;
			s->discovering = disc;
		}
	}
	return sd_bus_reply_method_return(m, NULL);
}

static int method_get_filters(sd_bus_message *m, void *userdata,
			      sd_bus_error *error)
{
	(void)userdata;
	(void)error;
	return sd_bus_reply_method_return(m, "as", 7, "UUIDs", "RSSI",
					  "Pathloss", "Transport",
					  "DuplicateData", "Discoverable",
					  "Pattern");
}

static void unexport_gatt(struct vdev_device *d)
{
	struct vdev *v = d->vdev;

	if (!d->gatt_exported)
		return;
	/* deepest first, as bluetoothd does */
	for (size_t s = 0; s < d->n_services; s++) {
		struct vdev_service *sv = &d->services[s];

		for (size_t c = 0; c < sv->n_chars; c++) {
			if (sv->chars[c].has_ccc)
				emit_removed(v, K_DESC, &sv->chars[c]);
			emit_removed(v, K_CHAR, &sv->chars[c]);
		}
		emit_removed(v, K_SERVICE, sv);
	}
	d->gatt_exported = false;
}

static void reset_gatt_sessions(struct vdev_device *d, bool emit)
{
	for (size_t s = 0; s < d->n_services; s++)
		for (size_t c = 0; c < d->services[s].n_chars; c++) {
			struct vdev_char *ch = &d->services[s].chars[c];
			bool was = ch->n_owners > 0;

			ch->n_owners = 0;
			if (ch->acquired_fd >= 0) {
				ch->acquired_source = sd_event_source_unref(
					ch->acquired_source);
				close(ch->acquired_fd);
				ch->acquired_fd = -1;
				if (emit)
					emit_changed(d->vdev, K_CHAR, ch,
						     "NotifyAcquired");
			}
			if (was && emit)
				emit_changed(d->vdev, K_CHAR, ch, "Notifying");
		}
}

static void remove_device_objects(struct vdev_device *d)
{
	if (!d->exported)
		return;
	unexport_gatt(d);
	emit_removed(d->vdev, K_DEVICE, d);
	d->exported = false;
	d->rssi_valid = false;
	d->n_sd = d->n_md = 0;
	d->name_from_gatt = false;
	d->expire_source = sd_event_source_unref(d->expire_source);
	vdev_print(d->vdev, d->id, "object removed");
}

void vdev_bus_remove_device(struct vdev_device *d)
{
	if (d->connected)
		vdev_bus_link_lost(d);
	remove_device_objects(d);
}

static int method_remove_device(sd_bus_message *m, void *userdata,
				sd_bus_error *error)
{
	struct vdev_adapter *a = userdata;
	struct vdev_device *d;
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	d = lookup(a->vdev, path, K_DEVICE);
	if (!d || d->adapter != a)
		return invalid_args(error);
	vdev_bus_remove_device(d);
	d->temporary = true;
	d->paired = false;
	return sd_bus_reply_method_return(m, NULL);
}

/* Does any discovering session's filter let this advert through? */
static bool filter_passes(struct vdev_session *s, struct vdev_device *d)
{
	/* a BR/EDR device is an inquiry result: not for an LE-only filter */
	if (d->spp_connected && s->has_filter && !s->bredr)
		return false;
	if (!s->has_filter)
		return true;
	if (s->has_rssi && d->rssi < s->rssi)
		return false;
	if (s->n_uuids == 0)
		return true;
	for (size_t i = 0; i < s->n_uuids; i++) {
		for (size_t j = 0; j < d->advert.n_service_uuids; j++)
			if (hv_uuid_equal(&s->uuids[i],
					  &d->advert.service_uuids[j]))
				return true;
		for (size_t j = 0; j < d->advert.n_service_data; j++)
			if (hv_uuid_equal(&s->uuids[i],
					  &d->advert.service_data[j].uuid))
				return true;
	}
	return false;
}

static void on_expire(struct vdev *v, struct vdev_device *d, void *arg);

static int expire_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vdev_device *d = userdata;

	(void)s;
	(void)usec;
	d->expire_source = sd_event_source_unref(d->expire_source);
	on_expire(d->vdev, d, NULL);
	return 0;
}

static void on_expire(struct vdev *v, struct vdev_device *d, void *arg)
{
	(void)v;
	(void)arg;
	if (d->temporary && d->exported && !d->connected)
		remove_device_objects(d);
}

static void restart_expiry(struct vdev_device *d)
{
	struct vdev *v = d->vdev;
	double us = TEMPORARY_TIMEOUT_S / v->speed * USEC_PER_SEC;

	d->expire_source = sd_event_source_unref(d->expire_source);
	if (!d->temporary)
		return;
	(void)sd_event_add_time_relative(v->event, &d->expire_source,
					 CLOCK_MONOTONIC, (uint64_t)us, 1000,
					 expire_timer, d);
}

/* Merge the advert into the device's dicts; true when something changed. */
static bool merge_service_data(struct vdev_device *d, bool replace)
{
	bool changed = false;

	if (d->advert.n_service_data == 0)
		return false;
	if (replace) {
		changed = d->n_sd != d->advert.n_service_data;
		d->n_sd = 0;
	}
	for (size_t i = 0; i < d->advert.n_service_data; i++) {
		const struct hv_service_data *in = &d->advert.service_data[i];
		size_t j;

		for (j = 0; j < d->n_sd; j++)
			if (hv_uuid_equal(&d->sd[j].uuid, &in->uuid))
				break;
		if (j == d->n_sd) {
			if (d->n_sd >= HV_FRAME_SERVICE_DATA_MAX)
				continue;
			d->n_sd++;
			changed = true;
		} else if (d->sd[j].len != in->len ||
			   memcmp(d->sd[j].data, in->data, in->len) != 0) {
			changed = true;
		}
		d->sd[j] = *in;
	}
	return changed || replace;
}

static bool merge_manufacturer_data(struct vdev_device *d, bool replace)
{
	bool changed = false;

	if (d->advert.n_manufacturer_data == 0)
		return false;
	if (replace)
		d->n_md = 0;
	for (size_t i = 0; i < d->advert.n_manufacturer_data; i++) {
		const struct hv_manufacturer_data *in =
			&d->advert.manufacturer_data[i];
		size_t j;

		if (in->len < 2)
			continue;
		for (j = 0; j < d->n_md; j++)
			if (memcmp(d->md[j].data, in->data, 2) == 0)
				break;
		if (j == d->n_md) {
			if (d->n_md >= HV_FRAME_MANUFACTURER_MAX)
				continue;
			d->n_md++;
			changed = true;
		} else if (d->md[j].len != in->len ||
			   memcmp(d->md[j].data, in->data, in->len) != 0) {
			changed = true;
		}
		d->md[j] = *in;
	}
	return changed || replace;
}

void vdev_bus_advert(struct vdev_device *d)
{
	struct vdev *v = d->vdev;
	struct vdev_adapter *a = d->adapter;
	bool pass = false, dup = false, filtered = false;
	const char *names[4];
	size_t n = 0;

	if (!v->bus || !a->present || !a->powered || !a->discovering ||
	    d->connected)
		return;
	for (size_t i = 0; i < VDEV_SESSIONS_MAX; i++) {
		struct vdev_session *s = &v->sessions[i];

		if (!s->used || s->adapter != a || !s->discovering)
			continue;
		if (filter_passes(s, d))
			pass = true;
		dup |= s->duplicate_data;
		filtered |= s->has_filter;
	}
	if (!pass)
		return;
	d->last_advert_connectable = d->connectable;
	if (!d->exported) {
		(void)merge_service_data(d, true);
		(void)merge_manufacturer_data(d, true);
		d->rssi_valid = true;
		d->emitted_rssi = d->rssi;
		d->exported = true;
		emit_added(v, K_DEVICE, d);
		restart_expiry(d);
		return;
	}
	if (dup || filtered || !d->rssi_valid ||
	    abs(d->rssi - d->emitted_rssi) >= RSSI_THRESHOLD) {
		d->rssi_valid = true;
		d->emitted_rssi = d->rssi;
		names[n++] = "RSSI";
	}
	if (merge_manufacturer_data(d, dup) || (dup && d->n_md > 0))
		names[n++] = "ManufacturerData";
	if (merge_service_data(d, dup) || (dup && d->n_sd > 0))
		names[n++] = "ServiceData";
	names[n] = NULL;
	if (n > 0)
		emit_changed_v(v, K_DEVICE, d, names, NULL);
	restart_expiry(d);
}

/* --- connections ------------------------------------------------------------------------ */

static void export_gatt(struct vdev_device *d)
{
	struct vdev *v = d->vdev;

	if (d->gatt_exported)
		return;
	d->gatt_exported = true;
	for (size_t s = 0; s < d->n_services; s++) {
		struct vdev_service *sv = &d->services[s];

		emit_added(v, K_SERVICE, sv);
		for (size_t c = 0; c < sv->n_chars; c++) {
			emit_added(v, K_CHAR, &sv->chars[c]);
			if (sv->chars[c].has_ccc)
				emit_added(v, K_DESC, &sv->chars[c]);
		}
	}
}

static void resolve_now(struct vdev *v, struct vdev_device *d, void *arg)
{
	unsigned gen = (unsigned)(uintptr_t)arg;

	if (gen != d->link_gen || !d->connected)
		return;
	d->services_resolved = true;
	d->name_from_gatt = d->gatt_name[0] != '\0';
	if (!d->resolve_before)
		export_gatt(d);
	if (d->name_from_gatt)
		emit_changed(v, K_DEVICE, d, "UUIDs", "ServicesResolved",
			     "Name", "Alias");
	else
		emit_changed(v, K_DEVICE, d, "UUIDs", "ServicesResolved");
	if (d->resolve_before)
		export_gatt(d);
	vdev_print(v, d->id, "services resolved");
	if (d->model->connected)
		d->model->connected(d);
}

struct pending_reply {
	sd_bus_message *m;
};

static void pending_free(void *p)
{
	struct pending_reply *pr = p;

	if (!pr)
		return;
	sd_bus_message_unref(pr->m);
	free(pr);
}

static void connect_failed(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct pending_reply *pr = arg;

	vdev_print(v, d->id, "connect failed: le-connection-abort-by-local");
	(void)sd_bus_reply_method_errorf(pr->m, "org.bluez.Error.Failed",
					 "le-connection-abort-by-local");
}

static int method_connect(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct vdev_device *d = userdata;
	struct vdev *v = d->vdev;
	struct pending_reply *pr;
	int r;

	(void)error;
	if (d->connected)
		return sd_bus_reply_method_return(m, NULL);
	if (!d->in_range || !d->connectable) {
		pr = calloc(1, sizeof(*pr));
		if (!pr)
			return -ENOMEM;
		pr->m = sd_bus_message_ref(m);
		vdev_print(v, d->id, "connect attempt (device not answering)");
		r = vdev_after(v, d, d->connect_fail_s, connect_failed, pr,
			       pending_free);
		return r < 0 ? r : 1;
	}
	d->connected = true;
	d->temporary = false;
	d->link_gen++;
	d->delivered = 0;
	d->expire_source = sd_event_source_unref(d->expire_source);
	emit_changed(v, K_DEVICE, d, "Connected");
	r = sd_bus_reply_method_return(m, NULL);
	vdev_print(v, d->id, "connected");
	(void)vdev_after(v, d, RESOLVE_DELAY_S, resolve_now,
			 (void *)(uintptr_t)d->link_gen, NULL);
	return r;
}

static void link_down(struct vdev_device *d)
{
	d->connected = false;
	d->spp_linked = false;
	d->services_resolved = false;
	d->link_gen++;
	vdev_queue_clear(d);
	reset_gatt_sessions(d, true);
	if (d->model->disconnected)
		d->model->disconnected(d);
}

/* The device dropped the link (or went away). */
void vdev_bus_link_lost(struct vdev_device *d)
{
	if (!d->connected)
		return;
	d->connected = false;
	d->services_resolved = false;
	emit_changed(d->vdev, K_DEVICE, d, "ServicesResolved", "Connected");
	vdev_print(d->vdev, d->id, "disconnected (link lost)");
	link_down(d);
}

/* --- the Serial Port Profile: ProfileManager1, Device1.ConnectProfile --------------- */

/*
 * As bluetoothd with an external profile (BlueZ doc/profile-api.txt,
 * doc/device-api.txt, src/profile.c and src/device.c at bluez/bluez tag
 * 5.66): RegisterProfile(o, s, a{sv}) remembers the caller and its path;
 * ConnectProfile(uuid) of a device offering the class connects the RFCOMM
 * channel (here a socketpair) and hands one end to the registered
 * profile's NewConnection(device, fd, {}); ConnectProfile returns once
 * NewConnection did. Without a registered profile for the UUID, or on a
 * device that does not offer it, connect_profiles() answers
 * org.bluez.Error.NotAvailable "br-connection-profile-unavailable".
 */

void vdev_spp_offer(struct vdev_device *d,
		    void (*connected)(struct vdev_device *d, int fd))
{
	d->spp_connected = connected;
}

static struct vdev_profile *profile_by_uuid(struct vdev *v,
					    const struct hv_uuid *u)
{
	for (size_t i = 0; i < VDEV_PROFILES_MAX; i++)
		if (v->profiles[i].owner[0] &&
		    hv_uuid_equal(&v->profiles[i].uuid, u))
			return &v->profiles[i];
	return NULL;
}

static int method_register_profile(sd_bus_message *m, void *userdata,
				   sd_bus_error *error)
{
	struct vdev *v = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	const char *path, *uuid_text;
	struct vdev_profile *p = NULL;
	struct hv_uuid uuid;
	int r;

	r = sd_bus_message_read(m, "os", &path, &uuid_text);
	if (r < 0)
		return r;
	r = sd_bus_message_skip(m, "a{sv}");
	if (r < 0)
		return r;
	if (!sender || hv_uuid_parse(uuid_text, &uuid) < 0 ||
	    strlen(path) >= sizeof(p->path))
		return invalid_args(error);
	for (size_t i = 0; i < VDEV_PROFILES_MAX; i++) {
		struct vdev_profile *q = &v->profiles[i];

		if (q->owner[0] && strcmp(q->owner, sender) == 0 &&
		    strcmp(q->path, path) == 0)
			return sd_bus_error_set(error,
						"org.bluez.Error.AlreadyExists",
						"Already Exists");
		if (!q->owner[0] && !p)
			p = q;
	}
	if (!p)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"Too many profiles");
	snprintf(p->owner, sizeof(p->owner), "%s", sender);
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->uuid = uuid;
	vdev_print(v, "bluetoothd", "profile %s registered by %s (%s)", p->path,
		   p->owner, uuid_text);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_unregister_profile(sd_bus_message *m, void *userdata,
				     sd_bus_error *error)
{
	struct vdev *v = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	const char *path;
	int r;

	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return r;
	for (size_t i = 0; sender && i < VDEV_PROFILES_MAX; i++) {
		struct vdev_profile *p = &v->profiles[i];

		if (p->owner[0] && strcmp(p->owner, sender) == 0 &&
		    strcmp(p->path, path) == 0) {
			memset(p, 0, sizeof(*p));
			return sd_bus_reply_method_return(m, NULL);
		}
	}
	return sd_bus_error_set(error, "org.bluez.Error.DoesNotExist",
				"Does Not Exist");
}

/* A client that left the bus takes its profiles with it (src/profile.c
 * watches the owner it registered with). */
static void profiles_release(struct vdev *v, const char *owner)
{
	for (size_t i = 0; i < VDEV_PROFILES_MAX; i++) {
		struct vdev_profile *p = &v->profiles[i];

		if (!p->owner[0] || strcmp(p->owner, owner) != 0)
			continue;
		vdev_print(v, "bluetoothd", "profile %s of %s released (left the bus)",
			   p->path, p->owner);
		memset(p, 0, sizeof(*p));
	}
}

static const sd_bus_vtable profile_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("RegisterProfile", "osa{sv}", NULL,
		      method_register_profile, 0),
	SD_BUS_METHOD("UnregisterProfile", "o", NULL,
		      method_unregister_profile, 0),
	SD_BUS_VTABLE_END,
};

struct spp_pending {
	sd_bus_message *call; /* the ConnectProfile to answer */
	struct vdev_device *d;
	unsigned link_gen;
	int fd; /* the device's end */
};

static void spp_pending_free(struct spp_pending *p)
{
	if (!p)
		return;
	sd_bus_message_unref(p->call);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

static void spp_link_drop(struct vdev_device *d)
{
	if (!d->connected)
		return;
	d->connected = false;
	emit_changed(d->vdev, K_DEVICE, d, "Connected");
	link_down(d);
}

static int on_new_connection_reply(sd_bus_message *m, void *userdata,
				   sd_bus_error *ret_error)
{
	struct spp_pending *p = userdata;
	struct vdev_device *d = p->d;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int fd;

	(void)ret_error;
	if (p->link_gen != d->link_gen || !d->connected) {
		spp_pending_free(p);
		return 0;
	}
	if (e) {
		vdev_print(d->vdev, d->id, "NewConnection refused: %s: %s",
			   e->name, e->message ? e->message : "");
		(void)sd_bus_reply_method_errorf(p->call, "org.bluez.Error.Failed",
						 "%s", e->message ? e->message : e->name);
		spp_pending_free(p);
		spp_link_drop(d);
		return 0;
	}
	(void)sd_bus_reply_method_return(p->call, NULL);
	d->spp_linked = true;
	vdev_print(d->vdev, d->id, "SPP stream connected");
	fd = p->fd;
	p->fd = -1;
	spp_pending_free(p);
	d->spp_connected(d, fd);
	return 0;
}

static void spp_page_timeout(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct pending_reply *pr = arg;

	vdev_print(v, d->id, "connect failed: br-connection-page-timeout");
	(void)sd_bus_reply_method_errorf(pr->m, "org.bluez.Error.Failed",
					 "br-connection-page-timeout");
}

static int method_connect_profile(sd_bus_message *m, void *userdata,
				  sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
	struct vdev_device *d = userdata;
	struct vdev *v = d->vdev;
	const struct hv_uuid spp = hv_uuid16(0x1101);
	struct vdev_profile *prof;
	struct spp_pending *p;
	const char *text;
	struct hv_uuid uuid;
	int sv[2], r;

	r = sd_bus_message_read(m, "s", &text);
	if (r < 0)
		return r;
	if (hv_uuid_parse(text, &uuid) < 0)
		return invalid_args(error);
	prof = profile_by_uuid(v, &uuid);
	if (!d->spp_connected || !hv_uuid_equal(&uuid, &spp) || !prof) {
		vdev_print(v, d->id, "ConnectProfile %s: no such profile", text);
		return sd_bus_error_set(error, "org.bluez.Error.NotAvailable",
					"br-connection-profile-unavailable");
	}
	if (d->spp_linked)
		return sd_bus_reply_method_return(m, NULL);
	/* a NewConnection in flight (connect_profiles(): dev->pending) */
	if (d->connected)
		return sd_bus_error_set(error, "org.bluez.Error.InProgress",
					"In Progress");
	if (!d->in_range || !d->connectable) {
		struct pending_reply *pr = calloc(1, sizeof(*pr));

		if (!pr)
			return -ENOMEM;
		pr->m = sd_bus_message_ref(m);
		vdev_print(v, d->id, "connect attempt (device not answering)");
		r = vdev_after(v, d, d->connect_fail_s, spp_page_timeout, pr,
			       pending_free);
		return r < 0 ? r : 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	p->call = sd_bus_message_ref(m);
	p->d = d;
	p->fd = sv[1];
	r = sd_bus_message_new_method_call(v->bus, &call, prof->owner,
					   prof->path, "org.bluez.Profile1",
					   "NewConnection");
	if (r >= 0)
		r = sd_bus_message_append(call, "oha{sv}", d->path, sv[0], 0);
	close(sv[0]); /* the message holds its own copy */
	if (r < 0) {
		spp_pending_free(p);
		return r;
	}
	d->connected = true;
	d->temporary = false;
	d->link_gen++;
	p->link_gen = d->link_gen;
	d->expire_source = sd_event_source_unref(d->expire_source);
	emit_changed(v, K_DEVICE, d, "Connected");
	vdev_print(v, d->id, "connected (BR/EDR), NewConnection to %s",
		   prof->owner);
	r = sd_bus_call_async(v->bus, NULL, call, on_new_connection_reply, p, 0);
	if (r < 0) {
		spp_pending_free(p);
		spp_link_drop(d);
		return r;
	}
	return 1;
}

/* Device1.Disconnect of a linked device: the profile is asked to let go
 * (Profile1.RequestDisconnection), then the link goes. */
static void spp_request_disconnection(struct vdev_device *d)
{
	const struct hv_uuid spp = hv_uuid16(0x1101);
	struct vdev_profile *prof = profile_by_uuid(d->vdev, &spp);

	if (!prof)
		return;
	(void)sd_bus_call_method_async(d->vdev->bus, NULL, prof->owner,
				       prof->path, "org.bluez.Profile1",
				       "RequestDisconnection", NULL, NULL,
				       "o", d->path);
	vdev_print(d->vdev, d->id, "RequestDisconnection to %s", prof->owner);
}

static int method_disconnect(sd_bus_message *m, void *userdata,
			     sd_bus_error *error)
{
	struct vdev_device *d = userdata;
	int r;

	(void)error;
	if (!d->connected)
		return sd_bus_reply_method_return(m, NULL);
	if (d->spp_linked)
		spp_request_disconnection(d);
	d->services_resolved = false;
	emit_changed(d->vdev, K_DEVICE, d, "ServicesResolved");
	r = sd_bus_reply_method_return(m, NULL);
	d->connected = false;
	emit_changed(d->vdev, K_DEVICE, d, "Connected");
	vdev_print(d->vdev, d->id, "disconnected by the client");
	link_down(d);
	return r;
}

/* --- pairing: AgentManager1 and Device1.Pair ------------------------------------------ */

static struct vdev_agent *agent_of(struct vdev *v, const char *owner)
{
	for (size_t i = 0; i < VDEV_AGENTS_MAX; i++)
		if (v->agents[i].owner[0] && strcmp(v->agents[i].owner, owner) == 0)
			return &v->agents[i];
	return NULL;
}

static bool capability_valid(const char *cap)
{
	static const char *const caps[] = { "", "DisplayOnly", "DisplayYesNo",
					    "KeyboardOnly", "NoInputNoOutput",
					    "KeyboardDisplay" };

	for (size_t i = 0; i < ELEMENTSOF(caps); i++)
		if (strcmp(cap, caps[i]) == 0)
			return true;
	return false;
}

/* RegisterAgent(o, s): one agent per client connection (agent.c). */
static int method_register_agent(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct vdev *v = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	const char *path, *cap;
	struct vdev_agent *a = NULL;
	int r;

	r = sd_bus_message_read(m, "os", &path, &cap);
	if (r < 0)
		return r;
	if (!sender || !capability_valid(cap))
		return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
					"Invalid arguments in method call");
	if (agent_of(v, sender))
		return sd_bus_error_set(error, "org.bluez.Error.AlreadyExists",
					"Already Exists");
	for (size_t i = 0; i < VDEV_AGENTS_MAX && !a; i++)
		if (!v->agents[i].owner[0])
			a = &v->agents[i];
	if (!a)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"Too many agents");
	snprintf(a->owner, sizeof(a->owner), "%s", sender);
	snprintf(a->path, sizeof(a->path), "%s", path);
	/* An empty capability is KeyboardDisplay. */
	snprintf(a->capability, sizeof(a->capability), "%s",
		 cap[0] ? cap : "KeyboardDisplay");
	vdev_print(v, "bluetoothd", "agent %s registered by %s (%s)", a->path,
		   a->owner, a->capability);
	return sd_bus_reply_method_return(m, NULL);
}

static struct vdev_agent *agent_named(struct vdev *v, sd_bus_message *m,
				      sd_bus_error *error)
{
	const char *sender = sd_bus_message_get_sender(m);
	struct vdev_agent *a = sender ? agent_of(v, sender) : NULL;
	const char *path;

	if (sd_bus_message_read(m, "o", &path) < 0 || !a ||
	    strcmp(a->path, path) != 0) {
		sd_bus_error_set(error, "org.bluez.Error.DoesNotExist",
				 "Does Not Exist");
		return NULL;
	}
	return a;
}

static int method_unregister_agent(sd_bus_message *m, void *userdata,
				   sd_bus_error *error)
{
	struct vdev *v = userdata;
	struct vdev_agent *a = agent_named(v, m, error);

	if (!a)
		return -EINVAL;
	if (v->default_agent == (int)(a - v->agents) + 1)
		v->default_agent = 0;
	memset(a, 0, sizeof(*a));
	return sd_bus_reply_method_return(m, NULL);
}

/* A client that left the bus takes its agent with it, as bluetoothd's
 * agent_disconnect() (BlueZ 5.66, src/agent.c) does on the D-Bus watch it
 * sets at RegisterAgent; else four departed clients fill every slot. */
static void agents_release(struct vdev *v, const char *owner)
{
	struct vdev_agent *a = agent_of(v, owner);

	if (!a)
		return;
	vdev_print(v, "bluetoothd", "agent %s of %s released (left the bus)",
		   a->path, a->owner);
	if (v->default_agent == (int)(a - v->agents) + 1)
		v->default_agent = 0;
	memset(a, 0, sizeof(*a));
}

static int method_request_default_agent(sd_bus_message *m, void *userdata,
					sd_bus_error *error)
{
	struct vdev *v = userdata;
	struct vdev_agent *a = agent_named(v, m, error);

	if (!a)
		return -EINVAL;
	v->default_agent = (int)(a - v->agents) + 1;
	return sd_bus_reply_method_return(m, NULL);
}

/* Pair() ends as new_authentication_return() (device.c) has it: an SMP
 * failure after a refused confirmation, a refused or wrong passkey is
 * AuthenticationFailed "Authentication Failed". */
static void pair_finish(struct vdev_device *d, bool ok, const char *why)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = d->pair_call;

	d->pair_call = NULL;
	d->agent_call = sd_bus_slot_unref(d->agent_call);
	if (!m)
		return;
	if (!ok) {
		vdev_print(d->vdev, d->id, "pairing failed: %s", why);
		(void)sd_bus_reply_method_errorf(m,
						 "org.bluez.Error.AuthenticationFailed",
						 "Authentication Failed");
		return;
	}
	if (!d->paired) {
		d->paired = true;
		d->temporary = false;
		emit_changed(d->vdev, K_DEVICE, d, "Paired", "Bonded");
	}
	vdev_print(d->vdev, d->id, "paired (%s)", why);
	(void)sd_bus_reply_method_return(m, NULL);
}

static int on_agent_reply(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct vdev_device *d = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t passkey;
	char why[160];

	(void)error;
	if (e) {
		snprintf(why, sizeof(why), "agent answered %s", e->name);
		pair_finish(d, false, why);
	} else if (d->pairing != VDEV_PAIR_PASSKEY) {
		pair_finish(d, true, "confirmed by the agent");
	} else if (sd_bus_message_read(m, "u", &passkey) < 0) {
		pair_finish(d, false, "bad RequestPasskey reply");
	} else if (passkey != d->passkey) {
		snprintf(why, sizeof(why), "wrong passkey %06u", passkey);
		pair_finish(d, false, why);
	} else {
		pair_finish(d, true, "passkey entered");
	}
	return 0;
}

static bool agent_can(const struct vdev_agent *a, enum vdev_pairing p)
{
	if (p == VDEV_PAIR_PASSKEY)
		return strcmp(a->capability, "KeyboardOnly") == 0 ||
		       strcmp(a->capability, "KeyboardDisplay") == 0;
	return strcmp(a->capability, "DisplayYesNo") == 0 ||
	       strcmp(a->capability, "KeyboardDisplay") == 0;
}

/* Device1.Pair(): the caller's agent (else the default one) is asked as
 * the device's association model needs; Just Works started by Pair() is
 * accepted by bluetoothd 5.66 without asking (device_confirm_passkey()). */
static int method_pair(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *req = NULL;
	struct vdev_device *d = userdata;
	struct vdev *v = d->vdev;
	const char *sender = sd_bus_message_get_sender(m);
	struct vdev_agent *a;
	int r;

	if (!d->connected && !d->in_range)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"Page Timeout");
	if (d->paired)
		return sd_bus_error_set(error, "org.bluez.Error.AlreadyExists",
					"Already Exists");
	if (d->pair_call)
		return sd_bus_error_set(error, "org.bluez.Error.InProgress",
					"In Progress");
	d->pair_call = sd_bus_message_ref(m);
	if (d->pairing == VDEV_PAIR_JUST_WORKS) {
		pair_finish(d, true, "just works");
		return 1;
	}
	a = sender ? agent_of(v, sender) : NULL;
	if (!a && v->default_agent > 0 && v->agents[v->default_agent - 1].owner[0])
		a = &v->agents[v->default_agent - 1];
	if (!a || !agent_can(a, d->pairing)) {
		pair_finish(d, false, a ? "agent cannot do this" : "no agent");
		return 1;
	}
	r = sd_bus_message_new_method_call(v->bus, &req, a->owner, a->path,
					   "org.bluez.Agent1",
					   d->pairing == VDEV_PAIR_PASSKEY ?
						   "RequestPasskey" :
						   "RequestConfirmation");
	if (r >= 0)
		r = d->pairing == VDEV_PAIR_PASSKEY ?
			    sd_bus_message_append(req, "o", d->path) :
			    sd_bus_message_append(req, "ou", d->path, d->passkey);
	if (r >= 0)
		r = sd_bus_call_async(v->bus, &d->agent_call, req,
				      on_agent_reply, d, 0);
	if (r < 0) {
		pair_finish(d, false, "agent unreachable");
		return 1;
	}
	vdev_print(v, d->id, "pairing: %s asked",
		   d->pairing == VDEV_PAIR_PASSKEY ? "passkey" : "confirmation");
	return 1;
}

static const sd_bus_vtable agent_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("RegisterAgent", "os", NULL, method_register_agent, 0),
	SD_BUS_METHOD("UnregisterAgent", "o", NULL, method_unregister_agent, 0),
	SD_BUS_METHOD("RequestDefaultAgent", "o", NULL,
		      method_request_default_agent, 0),
	SD_BUS_VTABLE_END,
};

/* --- GATT methods ---------------------------------------------------------------------- */

static int not_connected(sd_bus_error *error)
{
	return sd_bus_error_set(error, "org.bluez.Error.Failed",
				"Not connected");
}

static int att_error(sd_bus_error *error, int att, bool read)
{
	switch (att) {
	case VDEV_ATT_READ_NOT_PERMITTED:
	case VDEV_ATT_WRITE_NOT_PERMITTED:
		return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
					read ? "Read not permitted" :
					       "Write not permitted");
	case VDEV_ATT_INVALID_LENGTH:
		return sd_bus_error_set(error,
					"org.bluez.Error.InvalidArguments",
					"Invalid Length");
	case VDEV_ATT_REQUEST_NOT_SUPPORTED:
		return sd_bus_error_set(error, "org.bluez.Error.NotSupported",
					"Operation is not supported");
	default:
		return sd_bus_error_setf(error, "org.bluez.Error.Failed",
					 "Operation failed with ATT error: 0x%02x",
					 att);
	}
}

static int reply_ay(sd_bus_message *m, const uint8_t *p, size_t n)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append_array(reply, 'y', p, n);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	return r < 0 ? r : 1;
}

/* Read the a{sv} options of ReadValue/WriteValue: offset, type. */
static int read_options(sd_bus_message *m, uint16_t *offset, char type[16])
{
	const char *key, *contents;
	char t;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r >= 0)
			r = sd_bus_message_peek_type(m, &t, &contents);
		if (r < 0)
			return r;
		if (strcmp(key, "offset") == 0 && strcmp(contents, "q") == 0) {
			r = sd_bus_message_read(m, "v", "q", offset);
		} else if (strcmp(key, "type") == 0 &&
			   strcmp(contents, "s") == 0) {
			const char *s;

			r = sd_bus_message_read(m, "v", "s", &s);
			if (r >= 0)
				snprintf(type, 16, "%s", s);
		} else {
			r = sd_bus_message_skip(m, "v");
		}
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int method_read_value(sd_bus_message *m, void *userdata,
			     sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	struct vdev_device *d = c->service->device;
	uint8_t buf[HV_FRAME_DATA_MAX];
	size_t len = 0;
	uint16_t offset = 0;
	char type[16] = "";
	int r;

	r = read_options(m, &offset, type);
	if (r < 0)
		return r;
	if (!d->connected)
		return not_connected(error);
	if (!d->model->read)
		return att_error(error, VDEV_ATT_READ_NOT_PERMITTED, true);
	r = d->model->read(d, c, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	if (r > 0)
		return att_error(error, r, true);
	if (offset > len)
		return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
					"Invalid offset");
	/* the cache is patched at the offset (BlueZ 5.66 src/gatt-client.c) */
	if (offset <= c->value_len) {
		memcpy(c->value + offset, buf + offset, len - offset);
		c->value_len = len;
	}
	emit_changed(d->vdev, K_CHAR, c, "Value");
	return reply_ay(m, buf + offset, len - offset);
}

static int method_write_value(sd_bus_message *m, void *userdata,
			      sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	struct vdev_device *d = c->service->device;
	const void *p;
	size_t n;
	uint16_t offset = 0;
	char type[16] = "", hex[2 * HV_FRAME_DATA_MAX + 1],
	     uuid[HV_UUID_STRING_MAX];
	int r;

	r = sd_bus_message_read_array(m, 'y', &p, &n);
	if (r < 0)
		return r;
	r = read_options(m, &offset, type);
	if (r < 0)
		return r;
	if (!(c->flags & (VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR)))
		return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
					"Write not permitted");
	if (!d->connected)
		return not_connected(error);
	if (n > HV_FRAME_DATA_MAX || offset != 0)
		return sd_bus_error_set(error, "org.bluez.Error.InvalidArguments",
					"Invalid Length");
	hv_uuid_format_short(&c->uuid, uuid);
	vdev_hex(p, n, hex, sizeof(hex));
	vdev_print(d->vdev, d->id, "write %s:%s", uuid, hex);
	r = d->model->write ? d->model->write(d, c, p, n) :
			      VDEV_ATT_WRITE_NOT_PERMITTED;
	if (r < 0)
		return r;
	if (r > 0)
		return att_error(error, r, false);
	return sd_bus_reply_method_return(m, NULL);
}

static int method_start_notify(sd_bus_message *m, void *userdata,
			       sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	struct vdev_device *d = c->service->device;
	const char *owner = sd_bus_message_get_sender(m);
	char uuid[HV_UUID_STRING_MAX];
	int r;

	if (!(c->flags & (VDEV_CHAR_NOTIFY | VDEV_CHAR_INDICATE)))
		return sd_bus_error_set(error, "org.bluez.Error.NotSupported",
					"Operation is not supported");
	if (c->acquired_fd >= 0)
		return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
					"Notify acquired");
	if (!d->connected)
		return not_connected(error);
	for (size_t i = 0; i < c->n_owners; i++)
		if (strcmp(c->owners[i], owner) == 0)
			return sd_bus_reply_method_return(m, NULL);
	if (c->n_owners >= VDEV_NOTIFY_OWNERS_MAX)
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"Too many notify sessions");
	snprintf(c->owners[c->n_owners++], VDEV_NAME_MAX, "%s", owner);
	if (c->n_owners == 1)
		emit_changed(d->vdev, K_CHAR, c, "Notifying");
	r = sd_bus_reply_method_return(m, NULL);
	hv_uuid_format_short(&c->uuid, uuid);
	vdev_print(d->vdev, d->id, "subscribed to %s", uuid);
	if (c->n_owners == 1 && d->model->subscribed)
		d->model->subscribed(d, c);
	return r;
}

static bool owner_remove(struct vdev_char *c, const char *owner)
{
	for (size_t i = 0; i < c->n_owners; i++)
		if (strcmp(c->owners[i], owner) == 0) {
			memmove(c->owners[i], c->owners[i + 1],
				(c->n_owners - i - 1) * VDEV_NAME_MAX);
			c->n_owners--;
			return true;
		}
	return false;
}

static int method_stop_notify(sd_bus_message *m, void *userdata,
			      sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	struct vdev_device *d = c->service->device;

	if (!owner_remove(c, sd_bus_message_get_sender(m)))
		return sd_bus_error_set(error, "org.bluez.Error.Failed",
					"No notify session started");
	if (c->n_owners == 0)
		emit_changed(d->vdev, K_CHAR, c, "Notifying");
	return sd_bus_reply_method_return(m, NULL);
}

static int on_acquired_hup(sd_event_source *s, int fd, uint32_t revents,
			   void *userdata)
{
	struct vdev_char *c = userdata;
	char buf[64];

	(void)s;
	if (!(revents & (EPOLLHUP | EPOLLERR))) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	c->acquired_source = sd_event_source_unref(c->acquired_source);
	close(c->acquired_fd);
	c->acquired_fd = -1;
	emit_changed(c->service->device->vdev, K_CHAR, c, "NotifyAcquired");
	return 0;
}

static int method_acquire_notify(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	struct vdev_device *d = c->service->device;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	uint16_t offset = 0;
	char type[16];
	int fds[2], r;

	r = read_options(m, &offset, type);
	if (r < 0)
		return r;
	if (!(c->flags & VDEV_CHAR_NOTIFY))
		return sd_bus_error_set(error, "org.bluez.Error.NotSupported",
					"Operation is not supported");
	if (!d->connected)
		return not_connected(error);
	if (c->acquired_fd >= 0 || c->n_owners > 0)
		return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
					"Notify acquired");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, fds) < 0)
		return -errno;
	r = sd_event_add_io(d->vdev->event, &c->acquired_source, fds[0],
			    EPOLLIN | EPOLLHUP, on_acquired_hup, c);
	if (r < 0) {
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	c->acquired_fd = fds[0];
	emit_changed(d->vdev, K_CHAR, c, "NotifyAcquired");
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append(reply, "hq", fds[1], (uint16_t)517);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	close(fds[1]);
	if (r >= 0 && d->model->subscribed)
		d->model->subscribed(d, c);
	return r < 0 ? r : 1;
}

static int method_not_supported(sd_bus_message *m, void *userdata,
				sd_bus_error *error)
{
	(void)m;
	(void)userdata;
	return sd_bus_error_set(error, "org.bluez.Error.NotSupported",
				"Operation is not supported");
}

static int method_desc_read(sd_bus_message *m, void *userdata,
			    sd_bus_error *error)
{
	struct vdev_char *c = userdata;
	uint8_t v[2] = { (uint8_t)ccc_value(c), 0 };
	uint16_t offset = 0;
	char type[16];
	int r;

	r = read_options(m, &offset, type);
	if (r < 0)
		return r;
	if (!c->service->device->connected)
		return not_connected(error);
	emit_changed(c->service->device->vdev, K_DESC, c, "Value");
	return reply_ay(m, v, sizeof(v));
}

bool vdev_bus_delivers(struct vdev_device *d, struct vdev_char *c)
{
	return d->vdev->bus && d->connected &&
	       (c->n_owners > 0 || c->acquired_fd >= 0);
}

int vdev_bus_notify(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *value, size_t len)
{
	if (!vdev_bus_delivers(d, c))
		return -ENOTCONN;
	if (c->acquired_fd >= 0)
		return send(c->acquired_fd, value, len, MSG_NOSIGNAL) < 0 ?
			       -errno :
			       0;
	memcpy(c->value, value, len);
	c->value_len = len;
	emit_changed(d->vdev, K_CHAR, c, "Value");
	return 0;
}

/* --- vtables --------------------------------------------------------------------------- */

#define PROP(name, sig) SD_BUS_PROPERTY(name, sig, get_prop, 0, 0)

static const sd_bus_vtable adapter_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("StartDiscovery", NULL, NULL, method_start_discovery, 0),
	SD_BUS_METHOD("StopDiscovery", NULL, NULL, method_stop_discovery, 0),
	SD_BUS_METHOD("SetDiscoveryFilter", "a{sv}", NULL, method_set_filter,
		      0),
	SD_BUS_METHOD("GetDiscoveryFilters", NULL, "as", method_get_filters,
		      0),
	SD_BUS_METHOD("RemoveDevice", "o", NULL, method_remove_device, 0),
	PROP("Address", "s"),
	PROP("AddressType", "s"),
	PROP("Name", "s"),
	PROP("Alias", "s"),
	PROP("Class", "u"),
	PROP("Powered", "b"),
	PROP("Discoverable", "b"),
	PROP("DiscoverableTimeout", "u"),
	PROP("Pairable", "b"),
	PROP("PairableTimeout", "u"),
	PROP("Discovering", "b"),
	PROP("UUIDs", "as"),
	PROP("Modalias", "s"),
	PROP("Roles", "as"),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("Connect", NULL, NULL, method_connect, 0),
	SD_BUS_METHOD("Disconnect", NULL, NULL, method_disconnect, 0),
	SD_BUS_METHOD("Pair", NULL, NULL, method_pair, 0),
	SD_BUS_METHOD("ConnectProfile", "s", NULL, method_connect_profile, 0),
	PROP("Address", "s"),
	PROP("AddressType", "s"),
	PROP("Name", "s"),
	PROP("Alias", "s"),
	PROP("Paired", "b"),
	PROP("Bonded", "b"),
	PROP("Trusted", "b"),
	PROP("Blocked", "b"),
	PROP("LegacyPairing", "b"),
	PROP("RSSI", "n"),
	PROP("Connected", "b"),
	PROP("UUIDs", "as"),
	PROP("Adapter", "o"),
	PROP("ManufacturerData", "a{qv}"),
	PROP("ServiceData", "a{sv}"),
	PROP("ServicesResolved", "b"),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable service_vtable[] = {
	SD_BUS_VTABLE_START(0),
	PROP("UUID", "s"),
	PROP("Device", "o"),
	PROP("Primary", "b"),
	PROP("Includes", "ao"),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable char_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ReadValue", "a{sv}", "ay", method_read_value, 0),
	SD_BUS_METHOD("WriteValue", "aya{sv}", NULL, method_write_value, 0),
	SD_BUS_METHOD("StartNotify", NULL, NULL, method_start_notify, 0),
	SD_BUS_METHOD("StopNotify", NULL, NULL, method_stop_notify, 0),
	SD_BUS_METHOD("AcquireNotify", "a{sv}", "hq", method_acquire_notify,
		      0),
	SD_BUS_METHOD("AcquireWrite", "a{sv}", "hq", method_not_supported, 0),
	PROP("UUID", "s"),
	PROP("Service", "o"),
	PROP("Value", "ay"),
	PROP("Notifying", "b"),
	PROP("NotifyAcquired", "b"),
	PROP("WriteAcquired", "b"),
	PROP("Flags", "as"),
	PROP("MTU", "q"),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable desc_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ReadValue", "a{sv}", "ay", method_desc_read, 0),
	SD_BUS_METHOD("WriteValue", "aya{sv}", NULL, method_not_supported, 0),
	PROP("UUID", "s"),
	PROP("Characteristic", "o"),
	PROP("Value", "ay"),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable empty_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_VTABLE_END,
};

/* --- ObjectManager, client tracking, bus life ------------------------------------------ */

static int append_object(sd_bus_message *m, enum kind k, void *obj)
{
	int r;

	r = sd_bus_message_open_container(m, 'e', "oa{sa{sv}}");
	if (r >= 0)
		r = sd_bus_message_append(m, "o", path_of(k, obj));
	if (r >= 0)
		r = append_ifaces(m, k, obj);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static int on_root(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	struct vdev *v = userdata;
	int r;

	(void)error;
	if (!sd_bus_message_is_method_call(m,
					   "org.freedesktop.DBus.ObjectManager",
					   "GetManagedObjects"))
		return 0;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_open_container(reply, 'a', "{oa{sa{sv}}}");
	if (r >= 0)
		r = append_object(reply, K_ROOT, v);
	for (size_t i = 0; i < v->n_adapters && r >= 0; i++)
		if (adapter_visible(&v->adapters[i]))
			r = append_object(reply, K_ADAPTER, &v->adapters[i]);
	for (size_t i = 0; i < v->n_devices && r >= 0; i++) {
		struct vdev_device *d = &v->devices[i];

		if (!d->exported)
			continue;
		r = append_object(reply, K_DEVICE, d);
		for (size_t s = 0; d->gatt_exported && s < d->n_services &&
				   r >= 0;
		     s++) {
			struct vdev_service *sv = &d->services[s];

			r = append_object(reply, K_SERVICE, sv);
			for (size_t c = 0; c < sv->n_chars && r >= 0; c++) {
				r = append_object(reply, K_CHAR,
						  &sv->chars[c]);
				if (r >= 0 && sv->chars[c].has_ccc)
					r = append_object(reply, K_DESC,
							  &sv->chars[c]);
			}
		}
	}
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	if (r >= 0)
		r = sd_bus_send(NULL, reply, NULL);
	return r < 0 ? r : 1;
}

static int enumerate(sd_bus *bus, const char *prefix, void *userdata,
		     char ***ret_nodes, sd_bus_error *error)
{
	struct vdev *v = userdata;
	char **nodes;
	size_t n = 0, max = 2 + v->n_adapters +
			    v->n_devices * (1 + VDEV_SERVICES_MAX *
						    (1 + 2 * VDEV_CHARS_MAX));

	(void)bus;
	(void)prefix;
	(void)error;
	nodes = calloc(max + 1, sizeof(char *));
	if (!nodes)
		return -ENOMEM;
	nodes[n++] = strdup("/org/bluez");
	for (size_t i = 0; i < v->n_adapters; i++)
		if (adapter_visible(&v->adapters[i]))
			nodes[n++] = strdup(v->adapters[i].path);
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		if (!d->exported)
			continue;
		nodes[n++] = strdup(d->path);
		for (size_t s = 0; d->gatt_exported && s < d->n_services; s++) {
			nodes[n++] = strdup(d->services[s].path);
			for (size_t c = 0; c < d->services[s].n_chars; c++) {
				nodes[n++] = strdup(d->services[s].chars[c].path);
				if (d->services[s].chars[c].has_ccc)
					nodes[n++] = strdup(
						d->services[s].chars[c].ccc_path);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!nodes[i]) {
			for (size_t j = 0; j < n; j++)
				free(nodes[j]);
			free(nodes);
			return -ENOMEM;
		}
	*ret_nodes = nodes;
	return 0;
}

/* A client left the bus: its agent, discovery and notify sessions go too. */
static int on_name_owner_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *error)
{
	struct vdev *v = userdata;
	const char *sender, *name, *old, *new;

	(void)error;
	/* Only the bus driver says who left (a unicast forgery is no proof). */
	sender = sd_bus_message_get_sender(m);
	if (!sender || strcmp(sender, "org.freedesktop.DBus") != 0 ||
	    sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
		return 0;
	if (name[0] != ':' || new[0] != '\0')
		return 0;
	agents_release(v, name);
	profiles_release(v, name);
	for (size_t i = 0; i < VDEV_SESSIONS_MAX; i++)
		if (v->sessions[i].used &&
		    strcmp(v->sessions[i].owner, name) == 0)
			session_end(v, &v->sessions[i]);
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		for (size_t s = 0; s < d->n_services; s++)
			for (size_t c = 0; c < d->services[s].n_chars; c++) {
				struct vdev_char *ch = &d->services[s].chars[c];

				if (owner_remove(ch, name) && ch->n_owners == 0)
					emit_changed(v, K_CHAR, ch,
						     "Notifying");
			}
	}
	return 0;
}

static void export_adapter(struct vdev_adapter *a)
{
	struct vdev *v = a->vdev;

	emit_added(v, K_ADAPTER, a);
	/* stored (once connected or paired) devices come back at once */
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		if (d->adapter == a && !d->temporary && !d->exported) {
			d->exported = true;
			emit_added(v, K_DEVICE, d);
		}
	}
}

int vdev_bus_up(struct vdev *v)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	static const struct {
		const char *iface;
		const sd_bus_vtable *vtable;
		sd_bus_object_find_t find;
	} tables[] = {
		{ "org.bluez.AgentManager1", agent_manager_vtable, find_root },
		{ "org.bluez.ProfileManager1", profile_manager_vtable,
		  find_root },
		{ "org.bluez.HealthManager1", empty_vtable, find_root },
		{ "org.bluez.Adapter1", adapter_vtable, find_adapter },
		{ "org.bluez.GattManager1", empty_vtable, find_adapter },
		{ "org.bluez.LEAdvertisingManager1", empty_vtable,
		  find_adapter },
		{ "org.bluez.Device1", device_vtable, find_device },
		{ "org.bluez.GattService1", service_vtable, find_service },
		{ "org.bluez.GattCharacteristic1", char_vtable, find_char },
		{ "org.bluez.GattDescriptor1", desc_vtable, find_desc },
	};
	int r;

	if (v->bus)
		return -EALREADY;
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return r;
	r = sd_bus_add_object(bus, NULL, "/", on_root, v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
		r = sd_bus_add_fallback_vtable(bus, NULL, "/org/bluez",
					       tables[i].iface,
					       tables[i].vtable, tables[i].find,
					       v);
		if (r < 0)
			return r;
	}
	r = sd_bus_add_node_enumerator(bus, NULL, "/org/bluez", enumerate, v);
	if (r < 0)
		return r;
	r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus",
				"/org/freedesktop/DBus", "org.freedesktop.DBus",
				"NameOwnerChanged", on_name_owner_changed, v);
	if (r < 0)
		return r;
	r = sd_bus_attach_event(bus, v->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return r;
	r = sd_bus_request_name(bus, "org.bluez", 0);
	if (r < 0)
		return r;

	v->bus = TAKE_PTR(bus);
	v->bus_gen++;
	memset(v->sessions, 0, sizeof(v->sessions));
	memset(v->profiles, 0, sizeof(v->profiles));
	emit_added(v, K_ROOT, v);
	for (size_t i = 0; i < v->n_adapters; i++) {
		struct vdev_adapter *a = &v->adapters[i];

		a->discovering = false;
		if (a->present)
			export_adapter(a);
	}
	return 0;
}

static void adapter_teardown(struct vdev_adapter *a, bool emit)
{
	struct vdev *v = a->vdev;
	bool was = a->discovering;

	a->discovering = false;
	for (size_t i = 0; i < VDEV_SESSIONS_MAX; i++)
		if (v->sessions[i].adapter == a)
			v->sessions[i].used = false;
	if (emit && a->powered) {
		a->powered = false;
		emit_changed(v, K_ADAPTER, a, "Powered", "Discovering");
		a->powered = true;
	} else if (emit && was) {
		emit_changed(v, K_ADAPTER, a, "Discovering");
	}
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		if (d->adapter != a)
			continue;
		if (d->connected) {
			d->connected = false;
			d->services_resolved = false;
			link_down(d);
		}
		if (emit) {
			remove_device_objects(d);
		} else {
			d->exported = false;
			d->gatt_exported = false;
			d->rssi_valid = false;
			d->name_from_gatt = false;
			d->n_sd = d->n_md = 0;
			d->expire_source =
				sd_event_source_unref(d->expire_source);
		}
	}
	if (emit)
		emit_removed(v, K_ADAPTER, a);
}

void vdev_bus_down(struct vdev *v, bool graceful)
{
	sd_bus *bus = v->bus;

	if (!bus)
		return;
	if (!graceful) /* a crash: no signal at all, only the name goes */
		v->bus = NULL;
	for (size_t i = 0; i < v->n_adapters; i++)
		if (v->adapters[i].present)
			adapter_teardown(&v->adapters[i], graceful);
	if (graceful)
		emit_removed(v, K_ROOT, v);
	memset(v->sessions, 0, sizeof(v->sessions));
	/* the agents and pairings die with this bluetoothd */
	memset(v->agents, 0, sizeof(v->agents));
	v->default_agent = 0;
	for (size_t i = 0; i < v->n_devices; i++) {
		v->devices[i].agent_call = sd_bus_slot_unref(v->devices[i].agent_call);
		v->devices[i].pair_call = sd_bus_message_unref(v->devices[i].pair_call);
	}
	v->bus = NULL;
	if (graceful)
		sd_bus_flush_close_unref(bus);
	else
		sd_bus_close_unref(bus);
}

void vdev_bus_adapter_remove(struct vdev_adapter *a)
{
	if (!a->present)
		return;
	if (a->vdev->bus)
		adapter_teardown(a, true);
	a->present = false;
}

void vdev_bus_adapter_add(struct vdev_adapter *a)
{
	if (a->present)
		return;
	a->present = true;
	a->powered = true;
	a->discovering = false;
	if (a->vdev->bus)
		export_adapter(a);
}
