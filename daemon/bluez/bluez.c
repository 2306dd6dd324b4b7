/* SPDX-License-Identifier: MIT */
/*
 * The BlueZ client (see bluez.h and docs/bluez.md). Facts about bluetoothd
 * 5.66 that shape this file (BlueZ tag 5.66: doc/{adapter,device}-api.txt,
 * src/adapter.c, src/device.c, gdbus/object.c; the real-stack tier,
 * docs/realstack.md):
 *  - ObjectManager on "/", interfaces of one object may come in several
 *    InterfacesAdded; a PropertiesChanged for an unknown path is a new device;
 *  - a bluetoothd crash sends only NameOwnerChanged: drop everything then;
 *  - discovery sessions die with bluetoothd and are per connection; set the
 *    filter (DuplicateData true, Transport le) each time;
 *  - ServicesResolved may come before the GATT objects: re-read
 *    GetManagedObjects when it turns true and accept later InterfacesAdded;
 *  - ReadValue changes Value before its reply: only subscribed
 *    characteristics' Value changes are notifications;
 *  - calls carry NO_AUTO_START so a missing bluetoothd answers at once;
 *  - any local client may send us a unicast signal (the stock system bus
 *    policy allows it), whatever our match rules say: only signals from
 *    org.bluez's current unique name count, and NameOwnerChanged only from
 *    the bus driver (docs/reliability.md).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/common/status.h"

#include "daemon/basic/hashmap.h"
#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/bluez/bluez.h"
#include "daemon/bluez/bluez_props.h"
#include "daemon/bluez/spp_link.h"
#include "drivers/registry.h"

#define BLUEZ "org.bluez"
#define BUS_DRIVER "org.freedesktop.DBus"
/* Re-check org.bluez's owner while it has none: tuning.retry, doubling up
 * to this, in case a NameOwnerChanged never reaches us. */
#define OWNER_RECHECK_RETRIES 12
#define ADAPTER_RETRY_USEC    (10 * USEC_PER_SEC)
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHAR "org.bluez.GattCharacteristic1"

#define QUEUE_MAX 32
/* Per-device state kept at most for this many devices (docs/bluez.md,
 * docs/reliability.md): beyond it the least recently heard device that is
 * neither configured, connected, paired nor in a session is forgotten (and
 * removed from bluetoothd). An address-rotation flood then costs bounded
 * memory; configured devices are never forgotten. */
#define DEVICES_MAX HV_BLUEZ_DEVICES_MAX
#define PEERS_MAX HV_BLUEZ_DEVICES_MAX
/* Drivers with a GATT attempt for an unknown device (rate limit slots). */
#define DRIVER_SLOTS 32
#define SUBSCRIBED_MAX 16
#define PATH_MAX_LEN 192

enum {
	OBJ_ADAPTER = 1 << 0,
	OBJ_DEVICE = 1 << 1,
	OBJ_SERVICE = 1 << 2,
	OBJ_CHAR = 1 << 3,
};

struct bz_object {
	/* in b->objects: most recently heard first */
	struct bz_object *prev, *next;
	char *path; /* the key in b->objects_by_path */
	unsigned ifaces;
	bool is_device; /* a ".../dev_XX" path: counts against DEVICES_MAX */
	bool has_children; /* GATT objects were seen below it */
	bool powered, discovering; /* Adapter1 */
	struct hv_bluez_device_props dev; /* Device1 */
	usec_t seen; /* monotonic: last advert (or creation) */
	bool remove_requested;
	struct hv_bluez_gatt_props gatt; /* GattService1 / Characteristic1 */
};

struct bz_peer {
	struct bz_peer *next;
	char address[HV_BLUEZ_ADDRESS_MAX]; /* upper case; the key */
	const struct hv_driver *driver;
	struct hv_gatt_peer policy;
	bool known; /* configured or served before: goes first in the queue */
};

/* When a driver last got a GATT attempt for a device nobody knows. */
struct bz_driver_attempt {
	const struct hv_driver *driver;
	usec_t last;
};

enum session_phase {
	PHASE_CONNECTING,
	PHASE_RESOLVING,
	PHASE_DISCOVERING_GATT,
	PHASE_PAIRING,
	PHASE_STEPS,
	PHASE_DISCONNECTING,
};

/* A notify characteristic read through AcquireNotify's socket. */
struct bz_acquired {
	int fd;
	sd_event_source *source;
	struct hv_uuid uuid;
};

struct bz_session {
	struct hv_bluez *b;
	struct bz_peer *peer;
	const struct hv_driver *driver;
	char device_path[PATH_MAX_LEN];
	char name[HV_BLUEZ_NAME_MAX];
	enum session_phase phase;
	struct hv_session s;
	struct hv_conv conv;
	sd_bus_slot *call;
	sd_event_source *timer;
	size_t n_subscribed;
	char subscribed[SUBSCRIBED_MAX][PATH_MAX_LEN];
	size_t n_acquired;
	struct bz_acquired acquired[SUBSCRIBED_MAX];
	char acquire_path[PATH_MAX_LEN]; /* AcquireNotify in flight */
	char read_path[PATH_MAX_LEN];
	/* Reading the Device Information Service before the driver's steps;
	 * what it gave so far. */
	bool reading_dis;
	struct hv_dis dis;
	int result;
	/* A record was not stored: the sequence stays before it, so the next
	 * session asks for it again. */
	bool sequence_held;
	/* A survey (hv_bluez_survey()): its steps, made from the device's
	 * objects, and their UUID texts. */
	bool survey;
	struct hv_conversation survey_conv;
	struct hv_step *survey_steps;
	char (*survey_uuids)[HV_UUID_STRING_MAX];
};

struct hv_bluez {
	sd_event *event;
	sd_bus *bus;
	const struct hv_config *cfg;
	struct hv_bluez_callbacks cb;
	void *userdata;
	struct hv_bluez_tuning tuning;

	sd_bus_slot *match_added, *match_removed, *match_props, *match_owner;
	sd_bus_slot *call_objects, *call_discovery, *call_power, *call_owner;
	sd_event_source *retry_timer, *watchdog_timer, *owner_timer;
	usec_t owner_recheck; /* next delay of owner_timer */

	/* by last advert, newest first */
	struct bz_object *objects, *objects_tail;
	struct hv_hashmap *objects_by_path;
	size_t n_devices; /* objects with is_device */
	struct bz_peer *peers;
	struct hv_hashmap *peers_by_address;
	size_t n_peers;
	struct bz_driver_attempt unknown_attempts[DRIVER_SLOTS];
	char adapter_path[PATH_MAX_LEN]; /* "" = none chosen */
	char adapter_name[16];
	bool present; /* org.bluez has an owner */
	/* its unique name: the only sender we believe; NULL unknown */
	char *owner;
	bool discovery_active; /* our session is believed running */
	bool discovery_pending;
	bool power_requested;
	enum hv_adapter_state state;
	usec_t last_advert;

	struct bz_session *session;
	size_t n_queue;
	struct bz_peer *queue[QUEUE_MAX];
	struct hv_bluez_agent *agent;
	struct hv_spp_link *spp; /* NULL: no driver streams over SPP */
};

static void session_start_next(struct hv_bluez *b);
static void session_run(struct bz_session *ss);
static int on_step_reply(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error);
static void session_end(struct bz_session *ss, int result);
static void session_deliver(struct bz_session *ss,
			    enum hv_gatt_event_kind kind,
			    const struct hv_uuid *uuid, const uint8_t *value,
			    size_t len);
static void ensure_adapter(struct hv_bluez *b);
static int load_objects(struct hv_bluez *b);

/* ---- small helpers ---------------------------------------------------- */

static const char *strna(const char *s)
{
	return s ? s : "n/a";
}

static bool streq_ptr(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* A signal about BlueZ objects: from bluetoothd itself, not a forgery. */
static bool from_bluez(const struct hv_bluez *b, sd_bus_message *m)
{
	return streq_ptr(sd_bus_message_get_sender(m), b->owner);
}

static int owner_set(struct hv_bluez *b, const char *unique_name)
{
	char *copy;

	if (streq_ptr(b->owner, unique_name))
		return 0;
	copy = unique_name ? strdup(unique_name) : NULL;
	if (unique_name && !copy)
		return -ENOMEM;
	free(b->owner);
	b->owner = copy;
	return 0;
}

static usec_t now_usec(struct hv_bluez *b)
{
	usec_t t = 0;

	(void)sd_event_now(b->event, CLOCK_MONOTONIC, &t);
	return t;
}

static int errno_from_bus_error(const sd_bus_error *e)
{
	int r = sd_bus_error_get_errno(e);

	if (sd_bus_error_has_name(e, "org.bluez.Error.NotPermitted") ||
	    sd_bus_error_has_name(e, "org.bluez.Error.NotAuthorized"))
		return -EPERM;
	if (sd_bus_error_has_name(e, "org.bluez.Error.NotSupported"))
		return -EOPNOTSUPP;
	if (sd_bus_error_has_name(e, "org.bluez.Error.InProgress"))
		return -EINPROGRESS;
	if (sd_bus_error_has_name(e, "org.bluez.Error.NotReady"))
		return -EAGAIN;
	if (sd_bus_error_has_name(e, "org.bluez.Error.DoesNotExist") ||
	    sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.UnknownObject"))
		return -ENODEV;
	if (sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NoReply") ||
	    sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.Timeout"))
		return -ETIMEDOUT;
	if (sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NameHasNoOwner") ||
	    sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.ServiceUnknown"))
		return -EHOSTDOWN;
	if (e->message && strcmp(e->message, "Not connected") == 0)
		return -ENOTCONN;
	return r > 0 ? -r : -EIO;
}

static int call_async(struct hv_bluez *b, sd_bus_slot **slot, const char *path,
		      const char *iface, const char *member,
		      sd_bus_message_handler_t handler, void *userdata,
		      usec_t timeout, const char *types, ...)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(b->bus, &m, BLUEZ, path, iface,
					   member);
	if (r < 0)
		return r;
	/* bluetoothd absent: NameHasNoOwner at once, no activation. */
	r = sd_bus_message_set_auto_start(m, 0);
	if (r < 0)
		return r;
	if (types) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
		if (r < 0)
			return r;
	}
	if (slot)
		*slot = sd_bus_slot_unref(*slot);
	return sd_bus_call_async(b->bus, slot, m, handler, userdata, timeout);
}

static int timer_arm(struct hv_bluez *b, sd_event_source **s, usec_t usec,
		     sd_event_time_handler_t handler, void *userdata)
{
	int r;

	if (*s) {
		r = sd_event_source_set_time_relative(*s, usec);
		if (r < 0)
			return r;
		return sd_event_source_set_enabled(*s, SD_EVENT_ONESHOT);
	}
	return sd_event_add_time_relative(b->event, s, CLOCK_MONOTONIC, usec, 0,
					  handler, userdata);
}

static void timer_disarm(sd_event_source *s)
{
	if (s)
		(void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

static void watchdog_arm(struct hv_bluez *b);
static bool has_devices(struct hv_bluez *b);
static void watchdog_ensure(struct hv_bluez *b, const struct bz_object *o);
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata);

static void set_state(struct hv_bluez *b, enum hv_adapter_state state)
{
	if (b->state == state)
		return;
	b->state = state;
	watchdog_arm(b);
	log_info("Bluetooth adapter %s: %s", b->adapter_name[0] ? b->adapter_name : "-",
		 hv_adapter_state_name(state));
	if (b->cb.state_changed)
		b->cb.state_changed(state, b->adapter_name, b->userdata);
}

static const struct hv_config_device *config_device(struct hv_bluez *b,
						    const char *address)
{
	for (size_t i = 0; i < b->cfg->bluetooth.n_devices; i++)
		if (hv_bluez_address_equal(b->cfg->bluetooth.devices[i].address,
					   address))
			return &b->cfg->bluetooth.devices[i];
	return NULL;
}

/* ---- objects ---------------------------------------------------------- */

static struct bz_object *object_find(struct hv_bluez *b, const char *path)
{
	return hv_hashmap_get(b->objects_by_path, path);
}

static void object_unlink(struct hv_bluez *b, struct bz_object *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		b->objects = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		b->objects_tail = o->prev;
	o->prev = o->next = NULL;
}

static void object_link_first(struct hv_bluez *b, struct bz_object *o)
{
	o->prev = NULL;
	o->next = b->objects;
	if (b->objects)
		b->objects->prev = o;
	else
		b->objects_tail = o;
	b->objects = o;
}

/* Heard just now: last in line to be forgotten. */
static void object_touch(struct hv_bluez *b, struct bz_object *o)
{
	if (b->objects == o)
		return;
	object_unlink(b, o);
	object_link_first(b, o);
}

static void object_free(struct hv_bluez *b, struct bz_object *o)
{
	(void)hv_hashmap_remove(b->objects_by_path, o->path);
	object_unlink(b, o);
	if (o->is_device)
		b->n_devices--;
	free(o->path);
	free(o);
}

/* A device object and the GATT objects below it. */
static void device_free(struct hv_bluez *b, struct bz_object *dev)
{
	if (dev->has_children)
		for (struct bz_object *o = b->objects, *next; o; o = next) {
			next = o->next;
			if (o != dev && hv_bluez_path_under(o->path, dev->path))
				object_free(b, o);
		}
	object_free(b, dev);
}

static void objects_free_all(struct hv_bluez *b)
{
	while (b->objects)
		object_free(b, b->objects);
}

static bool is_device_path(const char *path)
{
	char dev[PATH_MAX_LEN];

	return hv_bluez_device_path_of(path, dev, sizeof(dev)) >= 0 &&
	       strcmp(dev, path) == 0;
}

static bool is_session_device(const struct hv_bluez *b, const char *path)
{
	return b->session && strcmp(b->session->device_path, path) == 0;
}

static bool device_forgettable(struct hv_bluez *b, const struct bz_object *o)
{
	char address[HV_BLUEZ_ADDRESS_MAX];

	if (!o->is_device || o->dev.connected || o->dev.paired ||
	    o->dev.services_resolved || is_session_device(b, o->path))
		return false;
	if (hv_bluez_path_to_address(o->path, address) < 0)
		return true;
	return !config_device(b, address);
}

static int on_remove_device(sd_bus_message *m, void *userdata,
			    sd_bus_error *ret_error);

/* Make room for one more device: forget the least recently heard one we
 * may. When every one is protected (configured, connected, paired), the
 * table grows past the cap: those are bounded by the configuration and
 * by bluetoothd's connections. */
static void devices_make_room(struct hv_bluez *b)
{
	while (b->n_devices >= DEVICES_MAX) {
		struct bz_object *victim = NULL;

		for (struct bz_object *o = b->objects_tail; o; o = o->prev)
			if (device_forgettable(b, o)) {
				victim = o;
				break;
			}
		if (!victim)
			return;
		log_debug("Forgetting %s: more than %d devices heard",
			  victim->path, DEVICES_MAX);
		/* bluetoothd keeps one too: have it go as well. */
		if (b->present && b->adapter_path[0] &&
		    hv_bluez_path_under(victim->path, b->adapter_path))
			(void)call_async(b, NULL, b->adapter_path,
					 IFACE_ADAPTER, "RemoveDevice",
					 on_remove_device, NULL, 0, "o",
					 victim->path);
		device_free(b, victim);
	}
}

static struct bz_object *object_get(struct hv_bluez *b, const char *path)
{
	struct bz_object *o = object_find(b, path), *dev;
	char dev_path[PATH_MAX_LEN];
	bool is_device;

	if (o)
		return o;
	is_device = is_device_path(path);
	if (is_device)
		devices_make_room(b);
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->path = strdup(path);
	if (!o->path || hv_hashmap_put(b->objects_by_path, o->path, o) < 0) {
		free(o->path);
		free(o);
		return NULL;
	}
	o->is_device = is_device;
	if (is_device)
		b->n_devices++;
	else if (hv_bluez_device_path_of(path, dev_path, sizeof(dev_path)) >= 0) {
		dev = object_find(b, dev_path);
		if (dev)
			dev->has_children = true;
	}
	o->seen = now_usec(b);
	object_link_first(b, o);
	return o;
}

/* ---- peers: connection policy by address --------------------------------- */

static void address_key(const char *address, char ret[HV_BLUEZ_ADDRESS_MAX])
{
	size_t i;

	for (i = 0; i + 1 < HV_BLUEZ_ADDRESS_MAX && address[i]; i++)
		ret[i] = (char)(address[i] >= 'a' && address[i] <= 'z' ?
					address[i] - 'a' + 'A' :
					address[i]);
	ret[i] = '\0';
}

static struct bz_peer *peer_find(struct hv_bluez *b, const char *address)
{
	char key[HV_BLUEZ_ADDRESS_MAX];

	address_key(address, key);
	return hv_hashmap_get(b->peers_by_address, key);
}

static void peer_free(struct hv_bluez *b, struct bz_peer *p)
{
	for (struct bz_peer **pp = &b->peers; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	(void)hv_hashmap_remove(b->peers_by_address, p->address);
	b->n_peers--;
	free(p);
}

/* Nothing to remember: not queued, no back-off or cool-down running, not
 * configured. */
static bool peer_forgettable(struct hv_bluez *b, const struct bz_peer *p,
			     usec_t now)
{
	return !p->policy.busy && now >= p->policy.not_before &&
	       !config_device(b, p->address);
}

static bool peers_make_room(struct hv_bluez *b)
{
	usec_t now = now_usec(b);
	struct bz_peer *oldest = NULL;

	if (b->n_peers < PEERS_MAX)
		return true;
	for (struct bz_peer *p = b->peers; p; p = p->next)
		if (peer_forgettable(b, p, now) &&
		    (!oldest || p->policy.last_seen < oldest->policy.last_seen))
			oldest = p;
	if (!oldest)
		return false;
	peer_free(b, oldest);
	return true;
}

static struct bz_peer *peer_get(struct hv_bluez *b, const char *address)
{
	struct bz_peer *p = peer_find(b, address);

	if (p)
		return p;
	/* Full of devices we may not forget: a flood; configured devices
	 * still get theirs. */
	if (!peers_make_room(b) && !config_device(b, address))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	address_key(address, p->address);
	if (hv_hashmap_put(b->peers_by_address, p->address, p) < 0) {
		free(p);
		return NULL;
	}
	p->next = b->peers;
	b->peers = p;
	b->n_peers++;
	return p;
}

/* bluetoothd forgot the device: forget its policy too, if it holds none. */
static void peer_forget(struct hv_bluez *b, const char *address)
{
	struct bz_peer *p = peer_find(b, address);

	if (p && peer_forgettable(b, p, now_usec(b)))
		peer_free(b, p);
}

/* A characteristic under a device by UUID (and service UUID when given). */
static struct bz_object *char_find(struct hv_bluez *b, const char *device_path,
				   const char *service, const char *characteristic)
{
	struct hv_uuid cu, su;
	bool want_service = service && hv_uuid_parse(service, &su) >= 0;

	if (hv_conv_step_uuid(characteristic, &cu) < 0)
		return NULL;
	for (struct bz_object *o = b->objects; o; o = o->next) {
		struct bz_object *svc;

		if (!(o->ifaces & OBJ_CHAR) || !o->gatt.has_uuid ||
		    !hv_bluez_path_under(o->path, device_path) ||
		    !hv_uuid_equal(&o->gatt.uuid, &cu))
			continue;
		if (want_service) {
			svc = object_find(b, o->gatt.parent);
			if (!svc || !svc->gatt.has_uuid ||
			    !hv_uuid_equal(&svc->gatt.uuid, &su))
				continue;
		}
		return o;
	}
	return NULL;
}

/* ---- adverts and the connection queue ---------------------------------- */

/* Known peers go before every unknown one, and push the last unknown one
 * out of a full queue: a flood of strangers never keeps a configured
 * device waiting. */
static void queue_peer(struct hv_bluez *b, struct bz_peer *p)
{
	size_t at = b->n_queue;

	if (p->policy.busy)
		return;
	if (p->known)
		while (at > 0 && !b->queue[at - 1]->known)
			at--;
	if (b->n_queue >= QUEUE_MAX) {
		struct bz_peer *last = b->queue[QUEUE_MAX - 1];

		if (at >= QUEUE_MAX || last->known)
			return;
		last->policy.busy = false;
		b->n_queue--;
	}
	memmove(&b->queue[at + 1], &b->queue[at],
		sizeof(b->queue[0]) * (b->n_queue - at));
	b->queue[at] = p;
	b->n_queue++;
	p->policy.busy = true;
	log_debug("Queued GATT session with %s (%s)", p->address, p->driver->id);
	if (!b->session)
		session_start_next(b);
}

/* At most one GATT attempt per driver and tuning.unknown_interval for
 * devices nobody configured or served before: each costs a connection
 * attempt of the one radio, and their addresses cost nothing to invent. */
static bool unknown_attempt_allowed(struct hv_bluez *b,
				    const struct hv_driver *d, usec_t now)
{
	struct bz_driver_attempt *slot = NULL;

	for (size_t i = 0; i < DRIVER_SLOTS && !slot; i++)
		if (b->unknown_attempts[i].driver == d)
			slot = &b->unknown_attempts[i];
	if (slot && now < slot->last + b->tuning.unknown_interval)
		return false;
	if (!slot) {
		slot = &b->unknown_attempts[0];
		for (size_t i = 1; i < DRIVER_SLOTS; i++)
			if (b->unknown_attempts[i].last < slot->last)
				slot = &b->unknown_attempts[i];
	}
	slot->driver = d;
	slot->last = now;
	return true;
}

static void consider_connect(struct hv_bluez *b, struct bz_object *o,
			     const struct hv_frame *frame)
{
	const struct hv_config_device *cd = config_device(b, o->dev.address);
	const struct hv_driver *d = NULL;
	usec_t now = now_usec(b);
	struct bz_peer *p;

	if (cd && cd->driver)
		d = b->tuning.by_id(cd->driver);
	if (!d)
		d = b->tuning.select(frame);
	if (d && (d->flags & HV_DRIVER_SPP)) {
		if (b->spp && !b->cfg->bluetooth.passive_only)
			(void)hv_spp_link_connect(b->spp, o->path, o->dev.address,
						  frame->name, d);
		return;
	}
	if (!d || !d->conversation)
		return;
	p = peer_get(b, o->dev.address);
	if (!p)
		return;
	p->driver = d;
	p->known = cd || p->policy.succeeded;
	if (!hv_gatt_peer_advert(&p->policy, &b->tuning.gatt, now) ||
	    b->cfg->bluetooth.passive_only)
		return;
	if (!p->known && !unknown_attempt_allowed(b, d, now))
		return;
	queue_peer(b, p);
}

/* The step running lets the device end the conversation by hanging up. */
static bool hangup_ends(struct bz_session *ss)
{
	const struct hv_step *st = hv_conv_current(&ss->conv);

	return st && (st->flags & HV_STEP_HANGUP_ENDS);
}

static void session_device_changed(struct hv_bluez *b, struct bz_object *o,
				   const struct hv_bluez_device_props *change);

static void device_changed(struct hv_bluez *b, struct bz_object *o,
			   const struct hv_bluez_device_props *change,
			   bool fresh)
{
	bool was_connected = o->dev.connected;
	struct hv_frame frame;

	hv_bluez_device_props_merge(&o->dev, change, was_connected);
	if (!(o->dev.mask & HV_PROP_ADDRESS) &&
	    hv_bluez_path_to_address(o->path, o->dev.address) >= 0)
		o->dev.mask |= HV_PROP_ADDRESS;
	watchdog_ensure(b, o); /* a device to watch, or one let go */

	if (b->session && strcmp(b->session->device_path, o->path) == 0)
		session_device_changed(b, o, change);

	/* Pitfall 1: only our adapter's devices. Cached values read at
	 * start (not fresh) are no advert: they may be hours old. */
	if (!fresh || !b->adapter_path[0] ||
	    !hv_bluez_path_under(o->path, b->adapter_path))
		return;
	if (!hv_bluez_device_props_is_advert(change))
		return;
	if (o->dev.connected &&
	    !(change->mask & (HV_PROP_SERVICE_DATA | HV_PROP_MANUFACTURER_DATA)))
		return;
	o->seen = now_usec(b);
	object_touch(b, o);
	o->remove_requested = false;
	b->last_advert = o->seen;
	hv_bluez_device_props_to_frame(&o->dev, &frame);
	if (b->cb.advert)
		b->cb.advert(&frame, b->userdata);
	if (b->cb.advert_change)
		b->cb.advert_change(&frame, change->mask, b->userdata);
	/* A received advert comes with RSSI (a filter is set); a stored
	 * device announced by a restarting bluetoothd does not. */
	if (change->mask & (HV_PROP_RSSI | HV_PROP_SERVICE_DATA |
			    HV_PROP_MANUFACTURER_DATA))
		consider_connect(b, o, &frame);
}

/* ---- signal and reply parsing ------------------------------------------ */

static int read_adapter_props(sd_bus_message *m, struct bz_object *o)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *contents = NULL;
		char type;
		int v;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		r = sd_bus_message_peek_type(m, &type, &contents);
		if (r < 0)
			return r;
		if ((strcmp(key, "Powered") == 0 ||
		     strcmp(key, "Discovering") == 0) &&
		    contents && strcmp(contents, "b") == 0) {
			r = sd_bus_message_read(m, "v", "b", &v);
			if (r < 0)
				return r;
			if (key[0] == 'P')
				o->powered = v;
			else
				o->discovering = v;
		} else {
			r = sd_bus_message_skip(m, "v");
			if (r < 0)
				return r;
		}
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* a{sa{sv}} of one object (InterfacesAdded or GetManagedObjects). */
static int read_interfaces(struct hv_bluez *b, const char *path,
			   sd_bus_message *m, bool fresh)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sa{sv}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sa{sv}")) > 0) {
		const char *iface;
		struct bz_object *o;

		r = sd_bus_message_read(m, "s", &iface);
		if (r < 0)
			return r;
		if (!hv_bluez_path_under(path, "/org/bluez") ||
		    (strcmp(iface, IFACE_ADAPTER) != 0 &&
		     strcmp(iface, IFACE_DEVICE) != 0 &&
		     strcmp(iface, IFACE_SERVICE) != 0 &&
		     strcmp(iface, IFACE_CHAR) != 0)) {
			r = sd_bus_message_skip(m, "a{sv}");
			if (r < 0)
				return r;
		} else {
			o = object_get(b, path);
			if (!o)
				return -ENOMEM;
			if (strcmp(iface, IFACE_ADAPTER) == 0) {
				o->ifaces |= OBJ_ADAPTER;
				r = read_adapter_props(m, o);
			} else if (strcmp(iface, IFACE_DEVICE) == 0) {
				struct hv_bluez_device_props change = { 0 };

				o->ifaces |= OBJ_DEVICE;
				r = hv_bluez_device_props_read(m, &change);
				if (r >= 0)
					device_changed(b, o, &change, fresh);
			} else {
				o->ifaces |= strcmp(iface, IFACE_SERVICE) == 0 ?
						     OBJ_SERVICE :
						     OBJ_CHAR;
				r = hv_bluez_gatt_props_read(m, &o->gatt);
			}
			if (r < 0)
				return r;
		}
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_managed_objects(struct hv_bluez *b, sd_bus_message *m)
{
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}")) > 0) {
		const char *path;

		r = sd_bus_message_read(m, "o", &path);
		if (r < 0)
			return r;
		r = read_interfaces(b, path, m, false);
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

/* ---- adapter ------------------------------------------------------------ */

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_bluez *b = userdata;

	(void)s;
	(void)usec;
	if (!b->present)
		(void)load_objects(b);
	else
		ensure_adapter(b);
	return 0;
}

static void schedule_retry(struct hv_bluez *b, usec_t delay)
{
	int r = timer_arm(b, &b->retry_timer, delay, on_retry, b);

	if (r < 0)
		log_warning_errno(r, "Failed to arm Bluetooth retry timer: %m, ignoring");
}

static void adapter_lost(struct hv_bluez *b, const char *why)
{
	if (!b->adapter_path[0])
		return;
	log_warning("Bluetooth adapter %s gone (%s)", b->adapter_name, why);
	if (b->session)
		session_end(b->session, -ENODEV);
	/* Devices below it went with it (bluetoothd may not say so). */
	for (struct bz_object *o = b->objects, *next; o; o = next) {
		next = o->next;
		if (hv_bluez_path_under(o->path, b->adapter_path))
			object_free(b, o);
	}
	b->adapter_path[0] = '\0';
	b->discovery_active = false;
	b->discovery_pending = false;
	b->power_requested = false;
	b->call_discovery = sd_bus_slot_unref(b->call_discovery);
	b->call_power = sd_bus_slot_unref(b->call_power);
	set_state(b, HV_ADAPTER_MISSING);
}

static void attach(struct hv_bluez *b)
{
	const char *want = b->cfg->bluetooth.adapter;
	struct bz_object *best = NULL;

	if (b->adapter_path[0]) {
		ensure_adapter(b);
		return;
	}
	for (struct bz_object *o = b->objects; o; o = o->next) {
		const char *base;

		if (!(o->ifaces & OBJ_ADAPTER))
			continue;
		base = strrchr(o->path, '/');
		base = base ? base + 1 : o->path;
		if (want && *want && strcmp(base, want) != 0)
			continue;
		if (!best || strcmp(o->path, best->path) < 0)
			best = o;
	}
	if (!best) {
		set_state(b, HV_ADAPTER_MISSING);
		return;
	}
	snprintf(b->adapter_path, sizeof(b->adapter_path), "%s", best->path);
	snprintf(b->adapter_name, sizeof(b->adapter_name), "%s",
		 strrchr(best->path, '/') + 1);
	log_info("Using Bluetooth adapter %s", b->adapter_name);
	b->last_advert = now_usec(b);
	ensure_adapter(b);
}

static int on_start_discovery(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	b->call_discovery = sd_bus_slot_unref(b->call_discovery);
	b->discovery_pending = false;
	/* InProgress: this connection already discovers (Pitfall 3). But
	 * bluetoothd 5.66 answers InProgress too when the kernel refused with
	 * Busy (a discovery left running by a killed bluetoothd) and it has
	 * dropped our request: only Discovering=true proves it. */
	if (e && sd_bus_error_has_name(e, "org.bluez.Error.InProgress")) {
		struct bz_object *a = object_find(b, b->adapter_path);

		if (!a || !a->discovering) {
			log_info("StartDiscovery on %s: InProgress but not discovering, retrying",
				 b->adapter_name);
			schedule_retry(b, b->tuning.retry);
			return 0;
		}
	}
	if (!e || sd_bus_error_has_name(e, "org.bluez.Error.InProgress")) {
		b->discovery_active = true;
		set_state(b, HV_ADAPTER_OK);
		return 0;
	}
	log_warning("StartDiscovery on %s failed: %s: %s", b->adapter_name,
		    e->name, strna(e->message));
	set_state(b, HV_ADAPTER_ERROR);
	if (!sd_bus_error_has_name(e, "org.bluez.Error.NotReady"))
		schedule_retry(b, b->tuning.retry);
	return 0;
}

static int on_set_filter(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r;

	(void)ret_error;
	if (e)
		log_warning("SetDiscoveryFilter on %s failed: %s: %s, ignoring",
			    b->adapter_name, e->name, strna(e->message));
	r = call_async(b, &b->call_discovery, b->adapter_path, IFACE_ADAPTER,
		       "StartDiscovery", on_start_discovery, b, 0, NULL);
	if (r < 0) {
		b->discovery_pending = false;
		log_warning_errno(r, "Failed to call StartDiscovery: %m");
		schedule_retry(b, b->tuning.retry);
	}
	return 0;
}

/* A stream device (HV_DRIVER_SPP) is configured, known to bluetoothd
 * (paired: its Device1 is there from the start) or was linked. */
static bool stream_devices_wanted(struct hv_bluez *b)
{
	if (!b->spp)
		return false;
	for (size_t i = 0; i < b->cfg->bluetooth.n_devices; i++) {
		const struct hv_config_device *cd = &b->cfg->bluetooth.devices[i];
		const struct hv_driver *d = cd->driver ? b->tuning.by_id(cd->driver) : NULL;

		if (d && (d->flags & HV_DRIVER_SPP))
			return true;
	}
	for (struct bz_object *o = b->objects; o; o = o->next) {
		const struct hv_driver *d;
		struct hv_frame frame;

		if (!(o->ifaces & OBJ_DEVICE))
			continue;
		if (hv_spp_link_knows(b->spp, o->dev.address))
			return true;
		hv_bluez_device_props_to_frame(&o->dev, &frame);
		d = b->tuning.select(&frame);
		if (d && (d->flags & HV_DRIVER_SPP))
			return true;
	}
	return false;
}

static void start_discovery(struct hv_bluez *b)
{
	int r;

	if (b->discovery_pending)
		return;
	b->discovery_pending = true;
	/* DuplicateData defaults to false in 5.66: a scale repeating the
	 * same weight would then be silent (Pitfall 4/5). Transport "auto"
	 * (LE scans interleaved with BR/EDR inquiry, whose results are
	 * Device1 objects too) only for a stream device: inquiry halves the
	 * LE scan time every other device's adverts need. */
	r = call_async(b, &b->call_discovery, b->adapter_path, IFACE_ADAPTER,
		       "SetDiscoveryFilter", on_set_filter, b, 0, "a{sv}", 2,
		       "Transport", "s",
		       stream_devices_wanted(b) ? "auto" : "le",
		       "DuplicateData", "b", 1);
	if (r < 0) {
		b->discovery_pending = false;
		log_warning_errno(r, "Failed to call SetDiscoveryFilter: %m");
		schedule_retry(b, b->tuning.retry);
	}
}

static int on_power(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	b->call_power = sd_bus_slot_unref(b->call_power);
	if (e) {
		log_warning("Powering %s on failed: %s: %s", b->adapter_name,
			    e->name, strna(e->message));
		b->power_requested = false;
		schedule_retry(b, b->tuning.retry);
	}
	return 0;
}

static void ensure_adapter(struct hv_bluez *b)
{
	struct bz_object *a;
	int r;

	if (!b->present || !b->adapter_path[0])
		return;
	a = object_find(b, b->adapter_path);
	if (!a || !(a->ifaces & OBJ_ADAPTER))
		return;
	if (!a->powered) {
		b->discovery_active = false;
		set_state(b, HV_ADAPTER_ERROR);
		if (b->power_requested)
			return;
		b->power_requested = true;
		log_info("Powering Bluetooth adapter %s on", b->adapter_name);
		r = call_async(b, &b->call_power, b->adapter_path,
			       "org.freedesktop.DBus.Properties", "Set", on_power,
			       b, 0, "ssv", IFACE_ADAPTER, "Powered", "b", 1);
		if (r < 0) {
			b->power_requested = false;
			log_warning_errno(r, "Failed to power adapter on: %m");
			schedule_retry(b, b->tuning.retry);
		}
		return;
	}
	b->power_requested = false;
	if (!b->discovery_active)
		start_discovery(b);
}

static void adapter_changed(struct hv_bluez *b, struct bz_object *a,
			    bool was_powered, bool was_discovering)
{
	if (strcmp(a->path, b->adapter_path) != 0) {
		if (!b->adapter_path[0])
			attach(b);
		return;
	}
	if (was_powered && !a->powered) {
		log_warning("Bluetooth adapter %s powered off", b->adapter_name);
		b->discovery_active = false;
		ensure_adapter(b);
	} else if (!was_powered && a->powered) {
		ensure_adapter(b);
	} else if (was_discovering && !a->discovering && b->discovery_active) {
		/* Discovery stopped behind our back (other gateways see it
		 * after many connections): start it again. */
		log_info("Discovery on %s stopped, restarting", b->adapter_name);
		b->discovery_active = false;
		schedule_retry(b, USEC_PER_SEC);
	}
}

/* ---- bluetoothd presence -------------------------------------------------- */

static int on_owner_recheck(sd_event_source *s, uint64_t usec, void *userdata);

/* While org.bluez has no owner, ask the bus again now and then (the
 * watchdog asks while it has one): NameOwnerChanged normally tells first,
 * but a bus whose policy withholds it (tests/unit/test_bluez_dbus.c, the
 * deaf bus) must not leave capture stopped. Only while bluetoothd is away,
 * a fault like a missing adapter, and seldom (12 × the retry delay: a
 * minute by default). */
static void owner_recheck_schedule(struct hv_bluez *b)
{
	usec_t delay = b->tuning.retry * OWNER_RECHECK_RETRIES;
	int r;

	b->owner_recheck = delay;
	r = timer_arm(b, &b->owner_timer, delay, on_owner_recheck, b);
	if (r < 0)
		log_warning_errno(r, "Failed to arm the bluetoothd check timer: %m, ignoring");
}

static void owner_recheck_stop(struct hv_bluez *b)
{
	timer_disarm(b->owner_timer);
	b->owner_recheck = 0;
}

static void bluez_gone(struct hv_bluez *b);

/* org.bluez has the owner unique_name: believe it, read its objects. */
static void bluez_appeared(struct hv_bluez *b, const char *unique_name)
{
	log_info("bluetoothd appeared on the bus (%s)", unique_name);
	if (owner_set(b, unique_name) < 0) {
		/* The next check reads it again. */
		owner_recheck_schedule(b);
		return;
	}
	b->present = true;
	owner_recheck_stop(b);
	watchdog_arm(b);
	(void)load_objects(b);
}

static int on_owner_reply(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	const char *owner;

	(void)ret_error;
	b->call_owner = sd_bus_slot_unref(b->call_owner);
	if (e || sd_bus_message_read(m, "s", &owner) < 0) {
		if (b->present && e &&
		    sd_bus_error_has_name(e, "org.freedesktop.DBus.Error.NameHasNoOwner"))
			bluez_gone(b);
		else if (!b->present)
			owner_recheck_schedule(b);
		return 0;
	}
	if (b->present && streq_ptr(owner, b->owner))
		return 0;
	/* Replaced behind our back: the old one's objects went with it. */
	if (b->present)
		bluez_gone(b);
	bluez_appeared(b, owner);
	return 0;
}

static void owner_check(struct hv_bluez *b)
{
	int r;

	if (b->call_owner)
		return;
	r = sd_bus_call_method_async(b->bus, &b->call_owner, BUS_DRIVER,
				     "/org/freedesktop/DBus", BUS_DRIVER,
				     "GetNameOwner", on_owner_reply, b, "s",
				     BLUEZ);
	if (r < 0) {
		log_warning_errno(r, "Failed to ask for bluetoothd's bus name: %m");
		if (!b->present)
			owner_recheck_schedule(b);
	}
}

static int on_owner_recheck(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_bluez *b = userdata;

	(void)s;
	(void)usec;
	if (!b->present)
		owner_check(b);
	return 0;
}

static void bluez_gone(struct hv_bluez *b)
{
	log_warning("bluetoothd left the bus");
	b->present = false;
	(void)owner_set(b, NULL);
	if (b->session)
		session_end(b->session, -ENODEV);
	objects_free_all(b);
	b->adapter_path[0] = '\0';
	b->discovery_active = false;
	b->discovery_pending = false;
	b->power_requested = false;
	b->call_discovery = sd_bus_slot_unref(b->call_discovery);
	b->call_power = sd_bus_slot_unref(b->call_power);
	b->call_objects = sd_bus_slot_unref(b->call_objects);
	set_state(b, HV_ADAPTER_MISSING);
	owner_recheck_schedule(b);
}

static int on_managed_objects(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r;

	(void)ret_error;
	b->call_objects = sd_bus_slot_unref(b->call_objects);
	if (e) {
		if (errno_from_bus_error(e) == -EHOSTDOWN) {
			if (b->state != HV_ADAPTER_MISSING)
				log_info("bluetoothd is not running; waiting for it");
			b->present = false;
			set_state(b, HV_ADAPTER_MISSING);
			owner_recheck_schedule(b);
			return 0;
		}
		log_warning("GetManagedObjects failed: %s: %s", e->name,
			    strna(e->message));
		set_state(b, HV_ADAPTER_ERROR);
		schedule_retry(b, b->tuning.retry);
		return 0;
	}
	/* The reply comes from org.bluez's owner: the sender to believe. */
	r = owner_set(b, sd_bus_message_get_sender(m));
	if (r < 0) {
		log_warning_errno(r, "Failed to remember bluetoothd's bus name: %m");
		schedule_retry(b, b->tuning.retry);
		return 0;
	}
	b->present = true;
	owner_recheck_stop(b);
	watchdog_arm(b);
	r = read_managed_objects(b, m);
	if (r < 0)
		log_warning_errno(r, "Failed to parse GetManagedObjects reply: %m, ignoring");
	if (b->agent) {
		r = hv_bluez_agent_register(b->agent, b->owner);
		if (r < 0)
			log_warning_errno(r, "Failed to register Bluetooth agent: %m, ignoring");
	}
	if (b->spp) {
		r = hv_spp_link_register(b->spp, b->owner);
		if (r < 0)
			log_warning_errno(r, "Failed to register the SPP profile: %m, ignoring");
	}
	attach(b);
	return 0;
}

static int load_objects(struct hv_bluez *b)
{
	int r;

	r = call_async(b, &b->call_objects, "/", "org.freedesktop.DBus.ObjectManager",
		       "GetManagedObjects", on_managed_objects, b, 0, NULL);
	if (r < 0)
		log_warning_errno(r, "Failed to call GetManagedObjects: %m");
	return r;
}

/* ---- signals ------------------------------------------------------------ */

static int on_interfaces_added(sd_bus_message *m, void *userdata,
			       sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const char *path;
	int r;

	(void)ret_error;
	if (!from_bluez(b, m))
		return 0;
	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return 0;
	if (!b->present) {
		b->present = true;
		watchdog_arm(b);
	}
	r = read_interfaces(b, path, m, true);
	if (r < 0)
		log_debug_errno(r, "Bad InterfacesAdded for %s: %m, ignoring", path);
	/* Late GATT objects need nothing: steps look them up when they run. */
	if (!b->adapter_path[0])
		attach(b);
	return 0;
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const char *path, *iface;
	struct bz_object *o;
	unsigned removed = 0;
	int r;

	(void)ret_error;
	if (!from_bluez(b, m))
		return 0;
	r = sd_bus_message_read(m, "o", &path);
	if (r < 0)
		return 0;
	r = sd_bus_message_enter_container(m, 'a', "s");
	if (r < 0)
		return 0;
	while (sd_bus_message_read(m, "s", &iface) > 0) {
		if (strcmp(iface, IFACE_ADAPTER) == 0)
			removed |= OBJ_ADAPTER;
		else if (strcmp(iface, IFACE_DEVICE) == 0)
			removed |= OBJ_DEVICE;
		else if (strcmp(iface, IFACE_SERVICE) == 0)
			removed |= OBJ_SERVICE;
		else if (strcmp(iface, IFACE_CHAR) == 0)
			removed |= OBJ_CHAR;
	}
	o = object_find(b, path);
	if (!o)
		return 0;
	o->ifaces &= ~removed;
	if ((removed & OBJ_ADAPTER) && strcmp(path, b->adapter_path) == 0) {
		adapter_lost(b, "removed");
		attach(b);
		return 0;
	}
	if ((removed & OBJ_DEVICE) && b->session &&
	    strcmp(b->session->device_path, path) == 0)
		session_end(b->session, -ENODEV);
	if ((removed & OBJ_DEVICE) && o->is_device) {
		char address[HV_BLUEZ_ADDRESS_MAX];

		/* bluetoothd forgot it (RemoveDevice, its own expiry of
		 * temporary devices): so do we, GATT objects included. */
		if (hv_bluez_path_to_address(path, address) >= 0)
			peer_forget(b, address);
		device_free(b, o);
		if (!has_devices(b))
			watchdog_arm(b); /* nothing left to watch: sleep */
		return 0;
	}
	if (o->ifaces == 0)
		object_free(b, o);
	return 0;
}

static void char_value(struct hv_bluez *b, struct bz_object *o,
		       const uint8_t *value, size_t len);

static int on_properties_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const char *path = sd_bus_message_get_path(m), *iface, *inv;
	struct bz_object *o;
	int r;

	(void)ret_error;
	if (!from_bluez(b, m) || !path ||
	    sd_bus_message_read(m, "s", &iface) < 0)
		return 0;
	if (strcmp(iface, IFACE_DEVICE) == 0) {
		struct hv_bluez_device_props change = { 0 };

		/* Unknown path: a device created before we looked, or
		 * one we dropped (Pitfall 8). */
		o = object_get(b, path);
		if (!o)
			return 0;
		o->ifaces |= OBJ_DEVICE;
		r = hv_bluez_device_props_read(m, &change);
		if (r < 0)
			return 0;
		if (sd_bus_message_enter_container(m, 'a', "s") >= 0)
			while (sd_bus_message_read(m, "s", &inv) > 0)
				hv_bluez_device_props_invalidate(&o->dev, inv);
		device_changed(b, o, &change, true);
	} else if (strcmp(iface, IFACE_ADAPTER) == 0) {
		bool powered, discovering;

		o = object_find(b, path);
		if (!o || !(o->ifaces & OBJ_ADAPTER))
			return 0;
		powered = o->powered;
		discovering = o->discovering;
		if (read_adapter_props(m, o) >= 0)
			adapter_changed(b, o, powered, discovering);
	} else if (strcmp(iface, IFACE_CHAR) == 0) {
		o = object_find(b, path);
		if (!o || !b->session)
			return 0;
		r = sd_bus_message_enter_container(m, 'a', "{sv}");
		if (r < 0)
			return 0;
		while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
			const char *key;
			const void *data;
			size_t size;

			if (sd_bus_message_read(m, "s", &key) < 0)
				return 0;
			if (strcmp(key, "Value") == 0 &&
			    sd_bus_message_enter_container(m, 'v', "ay") > 0) {
				if (sd_bus_message_read_array(m, 'y', &data, &size) < 0)
					return 0;
				char_value(b, o, data, size);
				return 0;
			}
			if (sd_bus_message_skip(m, "v") < 0 ||
			    sd_bus_message_exit_container(m) < 0)
				return 0;
		}
	}
	return 0;
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata,
				 sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;
	const char *name, *old_owner, *new_owner;

	(void)ret_error;
	/* Only the bus driver knows who owns a name. */
	if (!streq_ptr(sd_bus_message_get_sender(m), BUS_DRIVER) ||
	    sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
	    strcmp(name, BLUEZ) != 0)
		return 0;
	if (old_owner[0])
		bluez_gone(b);
	if (new_owner[0])
		bluez_appeared(b, new_owner);
	return 0;
}

/* ---- watchdog: stalled discovery, stale devices ------------------------ */

static int on_remove_device(sd_bus_message *m, void *userdata,
			    sd_bus_error *ret_error)
{
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)userdata;
	(void)ret_error;
	if (e)
		log_debug("RemoveDevice failed: %s: %s, ignoring", e->name,
			  strna(e->message));
	return 0;
}

static int on_stop_discovery(sd_bus_message *m, void *userdata,
			     sd_bus_error *ret_error)
{
	struct hv_bluez *b = userdata;

	(void)m;
	(void)ret_error;
	/* Whatever the answer (even InProgress), the session is gone. */
	b->call_discovery = sd_bus_slot_unref(b->call_discovery);
	b->discovery_pending = false;
	b->discovery_active = false;
	ensure_adapter(b);
	return 0;
}

/* Device objects of our adapter: what the watchdog watches. */
static bool has_devices(struct hv_bluez *b)
{
	if (!b->adapter_path[0])
		return false;
	for (struct bz_object *o = b->objects; o; o = o->next)
		if ((o->ifaces & OBJ_DEVICE) &&
		    hv_bluez_path_under(o->path, b->adapter_path))
			return true;
	return false;
}

static usec_t stale_usec(const struct hv_bluez *b)
{
	return (usec_t)b->cfg->bluetooth.stale_device_s * USEC_PER_SEC;
}

/* A device that is forgotten once unseen for stale_device_s: not one in
 * use (connected, paired, in our session) or already being removed. */
static bool device_may_expire(const struct hv_bluez *b,
			      const struct bz_object *o)
{
	return (o->ifaces & OBJ_DEVICE) && !o->remove_requested &&
	       !o->dev.connected && !o->dev.paired && b->adapter_path[0] &&
	       hv_bluez_path_under(o->path, b->adapter_path) &&
	       !(b->session && strcmp(b->session->device_path, o->path) == 0);
}

/*
 * The next moment the watchdog has work, with the adapter up: the oldest
 * expiring device's expiry, or the end of the quiet time after the last
 * advert (a discovery gone silent; the moment to also ask the bus who
 * owns org.bluez, for a bus that withholds NameOwnerChanged: bluetoothd
 * gone also silences the adverts).
 */
static usec_t watchdog_due(struct hv_bluez *b)
{
	usec_t due = b->last_advert + b->tuning.stall;
	usec_t stale = stale_usec(b);

	if (stale == 0)
		return due;
	for (struct bz_object *o = b->objects; o; o = o->next)
		if (device_may_expire(b, o) && o->seen + stale < due)
			due = o->seen + stale;
	return due;
}

/*
 * The watchdog runs only while there is something to watch, so that an
 * idle gateway sleeps: every 10 s while bluetoothd is on the bus but the
 * adapter is not usable (a fault), to set it up again; with the adapter up
 * and device objects present, once, at watchdog_due(): a device expiring
 * or the adverts gone quiet, and armed again from there. Nothing else
 * needs a timer: bluetoothd leaving or coming back is NameOwnerChanged
 * (on_name_owner_changed), a discovery that stops is Discovering=false on
 * the adapter (adapter_changed), a device appearing or let go brings its
 * expiry forward (watchdog_ensure), and while bluetoothd is away the owner
 * recheck runs instead.
 */
static void watchdog_arm(struct hv_bluez *b)
{
	usec_t period = b->tuning.watchdog, now, due;
	int r;

	if (!b->present || (b->state == HV_ADAPTER_OK && !has_devices(b))) {
		timer_disarm(b->watchdog_timer);
		return;
	}
	if (b->state != HV_ADAPTER_OK) {
		if (period > ADAPTER_RETRY_USEC)
			period = ADAPTER_RETRY_USEC;
		r = timer_arm(b, &b->watchdog_timer, period, on_watchdog, b);
	} else {
		now = now_usec(b);
		due = watchdog_due(b);
		r = timer_arm(b, &b->watchdog_timer, due > now ? due - now : 0,
			      on_watchdog, b);
	}
	if (r < 0)
		log_warning("Failed to arm the Bluetooth watchdog, ignoring");
}

/* Armed if off; if on, brought forward to o's expiry when that comes
 * first. A stream of adverts only moves deadlines later, which the
 * watchdog finds when it runs. */
static void watchdog_ensure(struct hv_bluez *b, const struct bz_object *o)
{
	int enabled = SD_EVENT_OFF;
	usec_t armed, due;

	if (!b->watchdog_timer ||
	    sd_event_source_get_enabled(b->watchdog_timer, &enabled) < 0 ||
	    enabled == SD_EVENT_OFF) {
		watchdog_arm(b);
		return;
	}
	if (b->state != HV_ADAPTER_OK || stale_usec(b) == 0 ||
	    !device_may_expire(b, o))
		return;
	due = o->seen + stale_usec(b);
	if (sd_event_source_get_time(b->watchdog_timer, &armed) >= 0 &&
	    due < armed)
		(void)sd_event_source_set_time(b->watchdog_timer, due);
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_bluez *b = userdata;
	usec_t now = now_usec(b);
	usec_t stale = stale_usec(b);
	int r;

	(void)s;
	(void)usec;
	if (b->present)
		owner_check(b);
	if (!b->present || !b->adapter_path[0]) {
		watchdog_arm(b);
		return 0;
	}
	if (b->state != HV_ADAPTER_OK) {
		watchdog_arm(b);
		ensure_adapter(b);
		return 0;
	}
	if (now >= b->last_advert + b->tuning.stall) {
		/* Quiet for the stall time: restart a discovery that should
		 * be hearing something, and wait another stall time. */
		b->last_advert = now;
		if (b->discovery_active && !b->discovery_pending && !b->session) {
			log_info("No advertisement on %s for %llu s, restarting discovery",
				 b->adapter_name,
				 (unsigned long long)(b->tuning.stall / USEC_PER_SEC));
			b->discovery_pending = true;
			r = call_async(b, &b->call_discovery, b->adapter_path,
				       IFACE_ADAPTER, "StopDiscovery",
				       on_stop_discovery, b, 0, NULL);
			if (r < 0)
				b->discovery_pending = false;
		}
	}
	for (struct bz_object *o = b->objects; stale && o; o = o->next) {
		if (!device_may_expire(b, o) || now < o->seen + stale)
			continue;
		log_debug("Removing stale device %s", o->path);
		o->remove_requested = true;
		(void)call_async(b, NULL, b->adapter_path, IFACE_ADAPTER,
				 "RemoveDevice", on_remove_device, NULL, 0, "o",
				 o->path);
	}
	watchdog_arm(b);
	return 0;
}

/* ---- GATT sessions -------------------------------------------------------- */

static struct bz_session *session_free(struct bz_session *ss)
{
	if (!ss)
		return NULL;
	sd_bus_slot_unref(ss->call);
	sd_event_source_disable_unref(ss->timer);
	/* Closing our end releases the notify session in bluetoothd. */
	for (size_t i = 0; i < ss->n_acquired; i++) {
		sd_event_source_disable_unref(ss->acquired[i].source);
		if (ss->acquired[i].fd >= 0)
			close(ss->acquired[i].fd);
	}
	free(ss->survey_steps);
	free(ss->survey_uuids);
	/* The session held a pairing secret, the device's keys, work keys. */
	explicit_bzero(&ss->s, sizeof(ss->s));
	free(ss);
	return NULL;
}

static void session_after(struct hv_bluez *b)
{
	/* Kick discovery again: some controllers stop scanning across
	 * connections; InProgress is harmless. */
	b->discovery_active = false;
	ensure_adapter(b);
	if (!b->session)
		session_start_next(b);
	watchdog_arm(b); /* the device let go may expire */
}

/* The step whose failure ended the conversation, to say where it failed
 * (the scale refused the token, …); NULL when something else ended it. */
static const char *session_failed_step(const struct bz_session *ss, int result)
{
	const struct hv_conv *c = &ss->conv;

	if (!c->conv || !c->finished || c->result != result ||
	    c->index >= c->conv->n_steps)
		return NULL;
	return c->conv->steps[c->index].what;
}

static void session_end(struct bz_session *ss, int result)
{
	struct hv_bluez *b = ss->b;

	if (b->session != ss)
		return;
	b->session = NULL;
	if (result < 0 && session_failed_step(ss, result))
		log_warning_errno(result, "GATT session with %s (%s) failed at \"%s\": %m",
				  ss->peer->address, ss->driver->id,
				  session_failed_step(ss, result));
	else if (result < 0)
		log_warning_errno(result, "GATT session with %s (%s) failed: %m",
				  ss->peer->address, ss->driver->id);
	else
		log_info("GATT session with %s (%s) done", ss->peer->address,
			 ss->driver->id);
	if (b->cb.session_done)
		b->cb.session_done(ss->peer->address, ss->driver, &ss->s, result,
				   b->userdata);
	hv_gatt_peer_finished(&ss->peer->policy, &b->tuning.gatt, result,
			      now_usec(b));
	session_free(ss);
	session_after(b);
}

static int on_disconnect(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;

	(void)m;
	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	session_end(ss, ss->result);
	return 0;
}

static void session_finish(struct bz_session *ss, int result)
{
	int r;

	ss->result = result;
	ss->phase = PHASE_DISCONNECTING;
	timer_disarm(ss->timer);
	r = call_async(ss->b, &ss->call, ss->device_path, IFACE_DEVICE,
		       "Disconnect", on_disconnect, ss, 15 * USEC_PER_SEC, NULL);
	if (r < 0)
		session_end(ss, result);
}

static int on_session_timeout(sd_event_source *s, uint64_t usec,
			      void *userdata)
{
	struct bz_session *ss = userdata;
	struct hv_bluez *b = ss->b;
	uint8_t value[HV_FRAME_DATA_MAX];
	struct hv_uuid uuid;
	size_t len;

	(void)s;
	(void)usec;
	switch (ss->phase) {
	case PHASE_STEPS:
		ss->call = sd_bus_slot_unref(ss->call);
		ss->read_path[0] = '\0';
		log_debug("Step %zu with %s timed out", ss->conv.index,
			  ss->peer->address);
		if (hv_conv_time_out(&ss->conv, value, sizeof(value), &len,
				     &uuid) > 0) {
			session_deliver(ss, HV_GATT_EVENT_NOTIFY, &uuid, value,
					len);
			if (b->session != ss)
				break;
		}
		session_run(ss);
		break;
	case PHASE_DISCONNECTING:
		ss->call = sd_bus_slot_unref(ss->call);
		session_end(ss, ss->result);
		break;
	default:
		ss->call = sd_bus_slot_unref(ss->call);
		session_finish(ss, -ETIMEDOUT);
		break;
	}
	return 0;
}

static void session_timer(struct bz_session *ss, usec_t usec)
{
	int r = timer_arm(ss->b, &ss->timer, usec, on_session_timeout, ss);

	if (r < 0)
		log_warning_errno(r, "Failed to arm GATT timer: %m, ignoring");
}

/* A clock the driver read its own way in on_value() (conversation.h): the
 * gateway's wall clock of the value that carried it. */
static void session_stamp_device_clock(struct bz_session *ss)
{
	uint64_t wall = 0;

	if (!ss->s.has_device_clock || ss->s.device_clock_read_usec ||
	    sd_event_now(ss->b->event, CLOCK_REALTIME, &wall) < 0)
		return;
	ss->s.device_clock_read_usec = (int64_t)wall;
}

/* The value the daemon decodes: as it came, or what the conversation's
 * assemble() made of it (a message joined from its notifications and
 * opened with the session's key); false when there is nothing yet. */
/* The frame's value (and characteristic, which assemble() may name
 * anew) from what the device sent. */
static bool session_assemble(struct bz_session *ss, const uint8_t *value,
			     size_t len, struct hv_frame *frame)
{
	const struct hv_conversation *conv = ss->driver->conversation;
	int r;

	if (!conv || !conv->assemble) {
		frame->value_len = len < sizeof(frame->value) ? len :
							     sizeof(frame->value);
		if (frame->value_len)
			memcpy(frame->value, value, frame->value_len);
		return true;
	}
	r = conv->assemble(&ss->s, &frame->characteristic, value, len,
			   frame->value, sizeof(frame->value),
			   &frame->value_len);
	if (r < 0)
		log_warning_errno(r, "A value from %s (%s) cannot be read: %m",
				  ss->peer->address, ss->driver->id);
	return r > 0;
}

/* Hand a value to the daemon as a frame, with the session's driver: it is
 * decoded there, once. The next session resumes after the last sequence
 * number the daemon says it stored, and never past one it failed to store:
 * records come in order, so everything after a failure is asked again. */
static void session_deliver(struct bz_session *ss,
			    enum hv_gatt_event_kind kind,
			    const struct hv_uuid *uuid, const uint8_t *value,
			    size_t len)
{
	struct hv_bluez *b = ss->b;
	struct hv_gatt_event event = {
		.kind = kind,
		.address = ss->peer->address,
		.name = ss->name[0] ? ss->name : NULL,
		.characteristic = *uuid,
		.value = value,
		.len = len,
	};
	struct hv_frame frame = {
		.address = ss->peer->address,
		.name = ss->name[0] ? ss->name : NULL,
		.has_characteristic = true,
		.characteristic = *uuid,
		.quirks = ss->s.quirks,
	};
	uint64_t wall = 0;
	int seq;

	if (b->cb.gatt_event)
		b->cb.gatt_event(&event, b->userdata);
	/* A survey has no driver to decode with. */
	if (!b->cb.gatt_value || ss->survey)
		return;
	(void)sd_event_now(b->event, CLOCK_REALTIME, &wall);
	session_stamp_device_clock(ss);
	(void)hv_session_note_current_time(&ss->s, uuid, value, len,
					   (int64_t)wall);
	frame.has_device_clock = ss->s.has_device_clock;
	frame.device_clock = ss->s.device_clock;
	frame.device_clock_read_usec = ss->s.device_clock_read_usec;
	if (!session_assemble(ss, value, len, &frame))
		return;
	seq = b->cb.gatt_value(&frame, ss->driver, b->userdata);
	if (seq < -1)
		ss->sequence_held = true;
	else if (seq >= 0 && !ss->sequence_held && seq > ss->s.last_sequence)
		ss->s.last_sequence = seq;
}

static bool session_subscribed(struct bz_session *ss, const char *path)
{
	for (size_t i = 0; i < ss->n_subscribed; i++)
		if (strcmp(ss->subscribed[i], path) == 0)
			return true;
	return false;
}

/* A notification or indication from the device (Value change or the
 * AcquireNotify socket): to the daemon, and to the step waiting for it. */
static void session_notified(struct bz_session *ss, const struct hv_uuid *uuid,
			     const uint8_t *value, size_t len)
{
	struct hv_bluez *b = ss->b;

	session_deliver(ss, HV_GATT_EVENT_NOTIFY, uuid, value, len);
	if (b->session != ss)
		return;
	if (hv_conv_waits_for(&ss->conv, uuid)) {
		bool feed = hv_conv_feed(&ss->conv, value, len);

		session_stamp_device_clock(ss);
		if (feed) {
			timer_disarm(ss->timer);
			session_run(ss);
		}
	} else {
		const struct hv_step *st = hv_conv_current(&ss->conv);

		if (st && st->op != HV_STEP_WAIT)
			hv_conv_stash(&ss->conv, uuid, value, len);
	}
}

/* Read what waits on one AcquireNotify socket; false when the session
 * ended meanwhile (ss is gone). */
static bool acquired_read(struct bz_session *ss, struct bz_acquired *a,
			  bool hangup)
{
	struct hv_bluez *b = ss->b;
	uint8_t buf[HV_FRAME_DATA_MAX];
	ssize_t n = -1;

	/* One notification per datagram (SOCK_SEQPACKET). */
	while (a->fd >= 0 &&
	       (n = recv(a->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (ss->phase == PHASE_STEPS)
			session_notified(ss, &a->uuid, buf, (size_t)n);
		if (b->session != ss)
			return false;
	}
	if (a->fd >= 0 &&
	    (n == 0 || hangup || (n < 0 && errno != EAGAIN && errno != EINTR))) {
		/* bluetoothd closed it: the link or the notify session went. */
		a->source = sd_event_source_disable_unref(a->source);
		close(a->fd);
		a->fd = -1;
	}
	return true;
}

/* Notifications through the sockets come before a D-Bus signal that the
 * device sent after them: read them first, so the order is the device's. */
static bool acquired_drain(struct bz_session *ss)
{
	for (size_t i = 0; i < ss->n_acquired; i++)
		if (!acquired_read(ss, &ss->acquired[i], false))
			return false;
	return true;
}

static void char_value(struct hv_bluez *b, struct bz_object *o,
		       const uint8_t *value, size_t len)
{
	struct bz_session *ss = b->session;

	/* A ReadValue's own Value change is not a notification (Pitfall 10). */
	if (!ss || ss->phase != PHASE_STEPS || !o->gatt.has_uuid ||
	    !session_subscribed(ss, o->path) ||
	    strcmp(ss->read_path, o->path) == 0)
		return;
	if (!acquired_drain(ss))
		return;
	session_notified(ss, &o->gatt.uuid, value, len);
}

static int on_acquired_io(sd_event_source *s, int fd, uint32_t revents,
			  void *userdata)
{
	struct bz_session *ss = userdata;

	(void)fd;
	for (size_t i = 0; i < ss->n_acquired; i++)
		if (ss->acquired[i].source == s) {
			(void)acquired_read(ss, &ss->acquired[i],
					    revents & (EPOLLHUP | EPOLLERR));
			break;
		}
	return 0;
}

/* Use AcquireNotify where bluetoothd offers it (NotifyAcquired exists):
 * notify-only characteristics; indications need StartNotify. */
static bool use_acquire_notify(const struct bz_object *c)
{
	return c->gatt.has_notify_acquired && !c->gatt.notify_acquired &&
	       (c->gatt.flags & HV_GATT_NOTIFY) &&
	       !(c->gatt.flags & HV_GATT_INDICATE);
}

static int start_notify(struct bz_session *ss, struct bz_object *c)
{
	if (!session_subscribed(ss, c->path)) {
		if (ss->n_subscribed >= SUBSCRIBED_MAX)
			return -ENOSPC;
		/* Notifications may come before the reply. */
		snprintf(ss->subscribed[ss->n_subscribed++], PATH_MAX_LEN, "%s",
			 c->path);
	}
	return call_async(ss->b, &ss->call, c->path, IFACE_CHAR, "StartNotify",
			  on_step_reply, ss, 0, NULL);
}

static int on_acquire_reply(sd_bus_message *m, void *userdata,
			    sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	const struct hv_step *st = hv_conv_current(&ss->conv);
	struct bz_acquired *a;
	struct bz_object *o;
	uint16_t mtu = 0;
	int fd = -1, r;

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	timer_disarm(ss->timer);
	o = object_find(ss->b, ss->acquire_path);
	ss->acquire_path[0] = '\0';
	if (!o) {
		hv_conv_step_done(&ss->conv, -ENODEV);
		session_run(ss);
		return 0;
	}
	if (e) {
		log_debug("AcquireNotify on %s: %s: %s; using StartNotify",
			  o->path, e->name, strna(e->message));
		r = start_notify(ss, o);
		if (r < 0) {
			hv_conv_step_done(&ss->conv, r);
			session_run(ss);
		} else if (st) {
			session_timer(ss, hv_conv_step_timeout_usec(st));
		}
		return 0;
	}
	r = sd_bus_message_read(m, "hq", &fd, &mtu);
	if (r >= 0 && ss->n_acquired >= SUBSCRIBED_MAX)
		r = -ENOSPC;
	if (r >= 0) {
		/* The message owns its fd: keep a non-blocking copy. */
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		r = fd < 0 ? -errno : 0;
	}
	if (r >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		r = -errno;
	a = &ss->acquired[ss->n_acquired];
	if (r >= 0)
		r = sd_event_add_io(ss->b->event, &a->source, fd,
				    EPOLLIN | EPOLLRDHUP, on_acquired_io, ss);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		log_debug_errno(r, "AcquireNotify on %s: bad reply: %m", o->path);
		hv_conv_step_done(&ss->conv, r);
		session_run(ss);
		return 0;
	}
	a->fd = fd;
	a->uuid = o->gatt.uuid;
	ss->n_acquired++;
	log_debug("AcquireNotify on %s: fd, MTU %u", o->path, mtu);
	hv_conv_step_done(&ss->conv, 0);
	session_run(ss);
	return 0;
}

static int on_step_reply(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	int r = 0;

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	timer_disarm(ss->timer);
	if (e) {
		r = errno_from_bus_error(e);
		log_debug("Step %zu with %s: %s: %s", ss->conv.index,
			  ss->peer->address, e->name, strna(e->message));
	}
	hv_conv_step_done(&ss->conv, r);
	session_run(ss);
	return 0;
}

static int on_read_reply(sd_bus_message *m, void *userdata,
			 sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	struct bz_object *o;
	const void *data = NULL;
	size_t size = 0;
	int r;

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	timer_disarm(ss->timer);
	o = object_find(ss->b, ss->read_path);
	ss->read_path[0] = '\0';
	if (e || !o) {
		hv_conv_step_done(&ss->conv, e ? errno_from_bus_error(e) : -ENODEV);
		session_run(ss);
		return 0;
	}
	r = sd_bus_message_read_array(m, 'y', &data, &size);
	if (r < 0) {
		hv_conv_step_done(&ss->conv, -EBADMSG);
		session_run(ss);
		return 0;
	}
	if (ss->reading_dis)
		(void)hv_dis_take(&ss->dis, &o->gatt.uuid, data, size);
	else
		session_deliver(ss, HV_GATT_EVENT_READ, &o->gatt.uuid, data,
				size);
	if (ss->b->session != ss)
		return 0;
	(void)hv_conv_feed(&ss->conv, data, size);
	session_run(ss);
	return 0;
}

static int step_call(struct bz_session *ss, const struct hv_step *st,
		     struct bz_object *c)
{
	uint8_t buf[HV_FRAME_DATA_MAX];
	size_t len = 0;
	int r;

	switch (st->op) {
	case HV_STEP_SUBSCRIBE:
		if (use_acquire_notify(c)) {
			snprintf(ss->acquire_path, sizeof(ss->acquire_path),
				 "%s", c->path);
			return call_async(ss->b, &ss->call, c->path, IFACE_CHAR,
					  "AcquireNotify", on_acquire_reply, ss,
					  0, "a{sv}", 0);
		}
		return start_notify(ss, c);
	case HV_STEP_READ:
		snprintf(ss->read_path, sizeof(ss->read_path), "%s", c->path);
		return call_async(ss->b, &ss->call, c->path, IFACE_CHAR,
				  "ReadValue", on_read_reply, ss, 0, "a{sv}", 0);
	case HV_STEP_WRITE: {
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
		const char *type = "request";

		r = hv_conv_write_payload(st, &ss->s, buf, sizeof(buf), &len);
		if (r < 0)
			return r;
		if (!(st->flags & HV_STEP_WITH_RESPONSE) &&
		    (c->gatt.flags & HV_GATT_WRITE_WITHOUT_RESPONSE))
			type = "command";
		r = sd_bus_message_new_method_call(ss->b->bus, &m, BLUEZ, c->path,
						   IFACE_CHAR, "WriteValue");
		if (r < 0)
			return r;
		(void)sd_bus_message_set_auto_start(m, 0);
		r = sd_bus_message_append_array(m, 'y', buf, len);
		if (r < 0)
			return r;
		r = sd_bus_message_append(m, "a{sv}", 1, "type", "s", type);
		if (r < 0)
			return r;
		ss->call = sd_bus_slot_unref(ss->call);
		return sd_bus_call_async(ss->b->bus, &ss->call, m, on_step_reply,
					 ss, 0);
	}
	default:
		return -EINVAL;
	}
}

/* The device information is read: hand it over, then the driver's steps. */
static void session_dis_done(struct bz_session *ss)
{
	struct hv_bluez *b = ss->b;

	ss->reading_dis = false;
	if (!hv_dis_empty(&ss->dis) && b->cb.device_info)
		b->cb.device_info(ss->peer->address, &ss->dis, b->userdata);
	hv_conv_init(&ss->conv, ss->driver->conversation, &ss->s);
}

static void session_run(struct bz_session *ss)
{
	struct hv_bluez *b = ss->b;

	while (b->session == ss && ss->phase == PHASE_STEPS) {
		const struct hv_step *st = hv_conv_current(&ss->conv);
		struct bz_object *c;
		int r;

		if (!st && ss->reading_dis) {
			session_dis_done(ss);
			continue;
		}
		if (!st) {
			/* the last notifications may still wait */
			if (!acquired_drain(ss))
				return;
			if (hv_conv_current(&ss->conv))
				continue;
			session_finish(ss, ss->conv.result);
			return;
		}
		log_debug("%s step %zu: %s", ss->peer->address, ss->conv.index,
			  st->what ? st->what : "-");
		if (st->op == HV_STEP_WAIT) {
			session_timer(ss, hv_conv_step_timeout_usec(st));
			if (hv_conv_replay_stash(&ss->conv)) {
				timer_disarm(ss->timer);
				continue;
			}
			return;
		}
		c = char_find(b, ss->device_path, st->service, st->characteristic);
		if (!c) {
			log_debug("%s: characteristic %s not found", ss->peer->address,
				  strna(st->characteristic));
			hv_conv_step_done(&ss->conv, -ENOENT);
			continue;
		}
		r = step_call(ss, st, c);
		if (r < 0) {
			ss->read_path[0] = '\0';
			hv_conv_step_done(&ss->conv, r);
			continue;
		}
		session_timer(ss, hv_conv_step_timeout_usec(st));
		return;
	}
}

static bool has_dis(struct bz_session *ss)
{
	const struct hv_conversation *c = &hv_dis_conversation;

	for (size_t i = 0; i < c->n_steps; i++)
		if (char_find(ss->b, ss->device_path, c->steps[i].service,
			      c->steps[i].characteristic))
			return true;
	return false;
}

/* ---- surveys: a session whose steps come from the device's objects ---- */

static const struct hv_conversation survey_conversation = { 0 };

const struct hv_driver hv_bluez_survey_driver = {
	.id = "survey",
	.name = "GATT survey",
	.conversation = &survey_conversation,
};

static int object_path_cmp(const void *x, const void *y)
{
	const struct bz_object *const *a = x, *const *b = y;

	return strcmp((*a)->path, (*b)->path);
}

/* The device's GATT services and characteristics with a UUID, in handle
 * order (BlueZ names them service%04x and char%04x). */
static int survey_objects(struct bz_session *ss, struct bz_object ***ret,
			  size_t *ret_n)
{
	struct bz_object **objs;
	size_t n = 0, i = 0;

	for (struct bz_object *o = ss->b->objects; o; o = o->next)
		if ((o->ifaces & (OBJ_SERVICE | OBJ_CHAR)) && o->gatt.has_uuid &&
		    hv_bluez_path_under(o->path, ss->device_path))
			n++;
	objs = calloc(n ? n : 1, sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	for (struct bz_object *o = ss->b->objects; o && i < n; o = o->next)
		if ((o->ifaces & (OBJ_SERVICE | OBJ_CHAR)) && o->gatt.has_uuid &&
		    hv_bluez_path_under(o->path, ss->device_path))
			objs[i++] = o;
	qsort(objs, n, sizeof(*objs), object_path_cmp);
	*ret = objs;
	*ret_n = n;
	return 0;
}

static void survey_event(struct bz_session *ss, enum hv_gatt_event_kind kind,
			 const struct bz_object *service,
			 const struct bz_object *c)
{
	struct hv_gatt_event event = {
		.kind = kind,
		.address = ss->peer->address,
		.name = ss->name[0] ? ss->name : NULL,
		.service = service->gatt.uuid,
	};

	if (c) {
		event.characteristic = c->gatt.uuid;
		event.flags = c->gatt.flags;
	}
	if (ss->b->cb.gatt_event)
		ss->b->cb.gatt_event(&event, ss->b->userdata);
}

/* One step on characteristic c of service s; its UUID texts are kept in
 * the session. */
static void survey_step(struct bz_session *ss, size_t *n, enum hv_step_op op,
			const struct bz_object *s, const struct bz_object *c)
{
	struct hv_step *st = &ss->survey_steps[*n];
	char *service = ss->survey_uuids[2 * *n];
	char *characteristic = ss->survey_uuids[2 * *n + 1];

	hv_uuid_format(&s->gatt.uuid, service);
	hv_uuid_format(&c->gatt.uuid, characteristic);
	*st = (struct hv_step){
		.op = op,
		.service = service,
		.characteristic = characteristic,
		.flags = HV_STEP_OPTIONAL,
		.what = op == HV_STEP_READ ? "survey: read" : "survey: subscribe",
	};
	(*n)++;
}

/*
 * Report the device's services and characteristics, then make the steps:
 * every readable characteristic read once, then every notify/indicate one
 * subscribed (so a read's own Value change is never taken for a
 * notification), then a wait that only hv_bluez_stop_session() or the link
 * ends. Characteristics are found again by service and UUID: a second one
 * with the same pair is reported but not read.
 */
static int survey_plan(struct bz_session *ss)
{
	_cleanup_free_ struct bz_object **objs = NULL;
	size_t n_objs, n_services = 0, n = 0;
	int r;

	r = survey_objects(ss, &objs, &n_objs);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_objs; i++)
		if (objs[i]->ifaces & OBJ_SERVICE) {
			survey_event(ss, HV_GATT_EVENT_SERVICE, objs[i], NULL);
			n_services++;
		}
	if (!n_services)
		return -ENOENT;
	ss->survey_steps = calloc(2 * n_objs + 1, sizeof(*ss->survey_steps));
	ss->survey_uuids = calloc(2 * (2 * n_objs + 1),
				  sizeof(*ss->survey_uuids));
	if (!ss->survey_steps || !ss->survey_uuids)
		return -ENOMEM;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < n_objs; i++) {
			const struct bz_object *c = objs[i], *svc;

			if (!(c->ifaces & OBJ_CHAR))
				continue;
			svc = object_find(ss->b, c->gatt.parent);
			if (!svc || !(svc->ifaces & OBJ_SERVICE) ||
			    !svc->gatt.has_uuid)
				continue;
			if (pass == 0)
				survey_event(ss, HV_GATT_EVENT_CHARACTERISTIC,
					     svc, c);
			else if (pass == 1 && (c->gatt.flags & HV_GATT_READ))
				survey_step(ss, &n, HV_STEP_READ, svc, c);
			else if (pass == 2 &&
				 (c->gatt.flags & (HV_GATT_NOTIFY | HV_GATT_INDICATE)))
				survey_step(ss, &n, HV_STEP_SUBSCRIBE, svc, c);
		}
	ss->survey_steps[n++] = (struct hv_step){
		.op = HV_STEP_WAIT,
		.timeout_ms = UINT_MAX,
		.flags = HV_STEP_OPTIONAL,
		.what = "survey: record until stopped",
	};
	ss->survey_conv = (struct hv_conversation){
		.steps = ss->survey_steps,
		.n_steps = n,
	};
	hv_conv_init(&ss->conv, &ss->survey_conv, &ss->s);
	return 0;
}

static void session_steps(struct bz_session *ss)
{
	struct hv_bluez *b = ss->b;

	ss->phase = PHASE_STEPS;
	timer_disarm(ss->timer);
	if (ss->survey) {
		int r = survey_plan(ss);

		if (r < 0) {
			session_finish(ss, r);
			return;
		}
		session_run(ss);
		return;
	}
	/* Once per device, and only when it has the service: its reads are
	 * all optional, so a device without them loses a moment at most. */
	if (b->cb.device_info_wanted && has_dis(ss) &&
	    b->cb.device_info_wanted(ss->peer->address, b->userdata)) {
		ss->reading_dis = true;
		hv_conv_init(&ss->conv, &hv_dis_conversation, &ss->s);
	}
	session_run(ss);
}

static int on_pair(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	if (e && !sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists")) {
		log_warning("Pairing with %s failed: %s: %s; retrying later",
			    ss->peer->address, e->name, strna(e->message));
		session_finish(ss, -EACCES);
		return 0;
	}
	session_steps(ss);
	return 0;
}

static int on_session_objects(sd_bus_message *m, void *userdata,
			      sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	struct bz_object *dev;
	int r;

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	if (sd_bus_message_is_method_error(m, NULL))
		log_debug("GetManagedObjects for %s failed: %s, ignoring",
			  ss->peer->address, sd_bus_message_get_error(m)->name);
	else {
		r = read_managed_objects(ss->b, m);
		if (r < 0)
			log_debug_errno(r, "Bad GetManagedObjects reply: %m, ignoring");
	}
	if (ss->b->session != ss)
		return 0;
	dev = object_find(ss->b, ss->device_path);
	if (ss->driver->conversation->needs_bonding && !(dev && dev->dev.paired)) {
		ss->phase = PHASE_PAIRING;
		r = call_async(ss->b, &ss->call, ss->device_path, IFACE_DEVICE,
			       "Pair", on_pair, ss, 60 * USEC_PER_SEC, NULL);
		if (r < 0)
			session_finish(ss, r);
		return 0;
	}
	session_steps(ss);
	return 0;
}

static void session_resolved(struct bz_session *ss)
{
	int r;

	/* Pitfall 9: the GATT objects may not all have been announced yet,
	 * but they are registered: read them. */
	ss->phase = PHASE_DISCOVERING_GATT;
	r = call_async(ss->b, &ss->call, "/", "org.freedesktop.DBus.ObjectManager",
		       "GetManagedObjects", on_session_objects, ss, 0, NULL);
	if (r < 0)
		session_finish(ss, r);
}

static void session_device_changed(struct hv_bluez *b, struct bz_object *o,
				   const struct hv_bluez_device_props *change)
{
	struct bz_session *ss = b->session;

	if ((change->mask & HV_PROP_CONNECTED) && !o->dev.connected &&
	    ss->phase != PHASE_CONNECTING) {
		if (ss->phase == PHASE_DISCONNECTING)
			return; /* the Disconnect reply ends it */
		if (ss->phase == PHASE_STEPS && hangup_ends(ss)) {
			log_debug("%s hung up after the last exchange, as it does when done",
				  ss->peer->address);
			session_end(ss, 0);
			return;
		}
		log_info("%s disconnected during the session", ss->peer->address);
		session_end(ss, -ECONNRESET);
		return;
	}
	if ((change->mask & HV_PROP_SERVICES_RESOLVED) &&
	    o->dev.services_resolved && ss->phase == PHASE_RESOLVING)
		session_resolved(ss);
}

static int on_connect(sd_bus_message *m, void *userdata,
		      sd_bus_error *ret_error)
{
	struct bz_session *ss = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	struct bz_object *dev;

	(void)ret_error;
	ss->call = sd_bus_slot_unref(ss->call);
	if (e && !sd_bus_error_has_name(e, "org.bluez.Error.AlreadyConnected")) {
		log_info("Connecting to %s failed: %s: %s", ss->peer->address,
			 e->name, strna(e->message));
		timer_disarm(ss->timer);
		/* Not connected: no Disconnect needed, but harmless. */
		session_end(ss, errno_from_bus_error(e));
		return 0;
	}
	ss->phase = PHASE_RESOLVING;
	dev = object_find(ss->b, ss->device_path);
	if (dev && dev->dev.services_resolved) {
		session_resolved(ss);
		return 0;
	}
	session_timer(ss, ss->b->tuning.resolve_timeout);
	return 0;
}

static void session_start(struct hv_bluez *b, struct bz_peer *p)
{
	const struct hv_config_device *cd = config_device(b, p->address);
	struct bz_object *dev = NULL;
	struct bz_session *ss;
	usec_t timeout;
	int r;

	for (struct bz_object *o = b->objects; o; o = o->next)
		if ((o->ifaces & OBJ_DEVICE) &&
		    hv_bluez_path_under(o->path, b->adapter_path) &&
		    hv_bluez_address_equal(o->dev.address, p->address)) {
			dev = o;
			break;
		}
	if (!dev) {
		/* Gone before its turn: not a failure of the device. */
		p->policy.busy = false;
		return;
	}
	ss = calloc(1, sizeof(*ss));
	if (!ss) {
		p->policy.busy = false;
		return;
	}
	ss->b = b;
	ss->peer = p;
	ss->driver = p->driver;
	ss->survey = p->driver == &hv_bluez_survey_driver;
	snprintf(ss->device_path, sizeof(ss->device_path), "%s", dev->path);
	snprintf(ss->name, sizeof(ss->name), "%s", dev->dev.name);
	hv_session_init(&ss->s, (int64_t)time(NULL));
	/* The drivers' entropy: they draw none themselves. */
	if (getrandom(ss->s.random, sizeof(ss->s.random), 0) !=
	    (ssize_t)sizeof(ss->s.random)) {
		log_error_errno(errno, "No random bytes for a session with %s: %m",
				p->address);
		free(ss);
		p->policy.busy = false;
		return;
	}
	ss->s.name = ss->name[0] ? ss->name : NULL;
	ss->s.address = p->address;
	if (cd) {
		if (cd->user_index >= 0)
			ss->s.user_index = cd->user_index;
		if (cd->consent_code >= 0)
			ss->s.consent_code = (uint16_t)cd->consent_code;
	}
	if (b->cb.session_prepare)
		b->cb.session_prepare(p->address, p->driver, &ss->s, b->userdata);
	hv_conv_init(&ss->conv, p->driver->conversation, &ss->s);
	b->session = ss;

	timeout = (usec_t)(b->cfg->bluetooth.connect_timeout_s ?
				   b->cfg->bluetooth.connect_timeout_s :
				   30) *
		  USEC_PER_SEC;
	log_info("Connecting to %s (%s)", p->address, p->driver->id);
	ss->phase = PHASE_CONNECTING;
	r = call_async(b, &ss->call, ss->device_path, IFACE_DEVICE, "Connect",
		       on_connect, ss, timeout, NULL);
	if (r < 0) {
		session_end(ss, r);
		return;
	}
	/* A guard in case the reply never comes. */
	session_timer(ss, timeout + 5 * USEC_PER_SEC);
}

static void session_start_next(struct hv_bluez *b)
{
	while (!b->session && b->n_queue > 0 && b->present &&
	       b->adapter_path[0]) {
		struct bz_peer *p = b->queue[0];

		memmove(&b->queue[0], &b->queue[1],
			sizeof(b->queue[0]) * (b->n_queue - 1));
		b->n_queue--;
		session_start(b, p);
	}
}

int hv_bluez_connect_now(struct hv_bluez *b, const char *address,
			 const struct hv_driver *driver)
{
	struct bz_peer *p;

	if (!driver || !driver->conversation)
		return -EOPNOTSUPP;
	p = peer_get(b, address);
	if (!p)
		return -ENOMEM;
	p->driver = driver;
	p->policy.not_before = 0;
	p->known = true; /* asked for by name */
	queue_peer(b, p);
	return 0;
}

static struct bz_object *device_of_adapter(struct hv_bluez *b,
					    const char *address)
{
	for (struct bz_object *o = b->objects; o; o = o->next)
		if ((o->ifaces & OBJ_DEVICE) && b->adapter_path[0] &&
		    hv_bluez_path_under(o->path, b->adapter_path) &&
		    hv_bluez_address_equal(o->dev.address, address))
			return o;
	return NULL;
}

int hv_bluez_survey(struct hv_bluez *b, const char *address)
{
	struct bz_peer *p;

	if (!device_of_adapter(b, address))
		return -ENODEV;
	p = peer_get(b, address);
	if (!p)
		return -ENOMEM;
	if (p->policy.busy)
		return -EBUSY;
	p->driver = &hv_bluez_survey_driver;
	p->policy.not_before = 0;
	p->known = true; /* asked for by name */
	queue_peer(b, p);
	return 0;
}

bool hv_bluez_stop_session(struct hv_bluez *b)
{
	struct bz_session *ss = b->session;

	if (!ss)
		return false;
	if (ss->phase == PHASE_DISCONNECTING)
		return true;
	ss->call = sd_bus_slot_unref(ss->call);
	ss->read_path[0] = '\0';
	ss->acquire_path[0] = '\0';
	session_finish(ss, ss->phase == PHASE_STEPS ? 0 : -ECANCELED);
	/* session_finish() ends it at once when Disconnect cannot be sent */
	return b->session == ss;
}

/* ---- agent glue, construction ------------------------------------------- */

static bool agent_allow(const char *address, void *userdata)
{
	struct hv_bluez *b = userdata;

	return b->session && hv_bluez_address_equal(b->session->peer->address,
						   address);
}

int hv_bluez_state(const struct hv_bluez *b)
{
	return b->state;
}

size_t hv_bluez_n_devices(const struct hv_bluez *b)
{
	return b->n_devices;
}

size_t hv_bluez_n_peers(const struct hv_bluez *b)
{
	return b->n_peers;
}

void hv_bluez_get_tuning(const struct hv_bluez *b, struct hv_bluez_tuning *ret)
{
	*ret = b->tuning;
}

void hv_bluez_set_tuning(struct hv_bluez *b, const struct hv_bluez_tuning *t)
{
	b->tuning = *t;
	if (!b->tuning.select)
		b->tuning.select = hv_registry_select;
	if (!b->tuning.by_id)
		b->tuning.by_id = hv_driver_by_id;
	if (b->watchdog_timer)
		watchdog_arm(b);
}

/* A stream packet takes the GATT values' way to ingest. */
static void on_spp_packet(const struct hv_frame *frame,
			  const struct hv_driver *driver, void *userdata)
{
	struct hv_bluez *b = userdata;

	if (b->cb.gatt_value)
		(void)b->cb.gatt_value(frame, driver, b->userdata);
}

static bool spp_drivers_exist(void)
{
	for (size_t i = 0; i < hv_drivers_count; i++)
		if ((hv_drivers[i]->flags & HV_DRIVER_SPP) &&
		    hv_drivers[i]->stream_packet)
			return true;
	return false;
}

int hv_bluez_new(sd_event *event, sd_bus *bus, const struct hv_config *cfg,
		 const struct hv_bluez_callbacks *cb, void *userdata,
		 struct hv_bluez **ret)
{
	_cleanup_(hv_bluez_freep) struct hv_bluez *b = NULL;
	int r;

	if (!event || !bus || !cfg || !ret)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->event = sd_event_ref(event);
	b->bus = sd_bus_ref(bus);
	b->cfg = cfg;
	if (cb)
		b->cb = *cb;
	b->userdata = userdata;
	b->state = HV_ADAPTER_UNKNOWN;
	r = hv_hashmap_new(&b->objects_by_path);
	if (r < 0)
		return r;
	r = hv_hashmap_new(&b->peers_by_address);
	if (r < 0)
		return r;
	b->tuning = (struct hv_bluez_tuning){
		.gatt = hv_gatt_timing_default,
		.retry = 5 * USEC_PER_SEC,
		.watchdog = 60 * USEC_PER_SEC,
		.stall = 5 * 60 * USEC_PER_SEC,
		.resolve_timeout = 30 * USEC_PER_SEC,
		.unknown_interval = 10 * USEC_PER_SEC,
		.select = hv_registry_select,
		.by_id = hv_driver_by_id,
	};

	r = sd_bus_match_signal(bus, &b->match_added, BLUEZ, "/",
				"org.freedesktop.DBus.ObjectManager",
				"InterfacesAdded", on_interfaces_added, b);
	if (r < 0)
		return r;
	r = sd_bus_match_signal(bus, &b->match_removed, BLUEZ, "/",
				"org.freedesktop.DBus.ObjectManager",
				"InterfacesRemoved", on_interfaces_removed, b);
	if (r < 0)
		return r;
	r = sd_bus_add_match(bus, &b->match_props,
			     "type='signal',sender='org.bluez',"
			     "interface='org.freedesktop.DBus.Properties',"
			     "member='PropertiesChanged',"
			     "path_namespace='/org/bluez'",
			     on_properties_changed, b);
	if (r < 0)
		return r;
	r = sd_bus_add_match(bus, &b->match_owner,
			     "type='signal',sender='org.freedesktop.DBus',"
			     "path='/org/freedesktop/DBus',"
			     "interface='org.freedesktop.DBus',"
			     "member='NameOwnerChanged',arg0='org.bluez'",
			     on_name_owner_changed, b);
	if (r < 0)
		return r;

	r = hv_bluez_agent_new(bus, cfg, agent_allow, b, &b->agent);
	if (r < 0)
		log_warning_errno(r, "Failed to export Bluetooth agent: %m, ignoring");

	/* Only a client that takes values (the daemon, not capture): with two
	 * profiles for one UUID bluetoothd may hand the stream to either. */
	if (b->cb.gatt_value && spp_drivers_exist()) {
		r = hv_spp_link_new(event, bus, on_spp_packet, b, &b->spp);
		if (r < 0)
			log_warning_errno(r, "Failed to export the SPP profile: %m, ignoring");
	}

	r = load_objects(b);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(b);
	return 0;
}

struct hv_bluez *hv_bluez_free(struct hv_bluez *b)
{
	if (!b)
		return NULL;
	if (b->session) {
		struct bz_session *ss = b->session;

		b->session = NULL;
		session_free(ss);
	}
	sd_bus_slot_unref(b->match_added);
	sd_bus_slot_unref(b->match_removed);
	sd_bus_slot_unref(b->match_props);
	sd_bus_slot_unref(b->match_owner);
	sd_bus_slot_unref(b->call_objects);
	sd_bus_slot_unref(b->call_discovery);
	sd_bus_slot_unref(b->call_power);
	sd_bus_slot_unref(b->call_owner);
	sd_event_source_disable_unref(b->retry_timer);
	sd_event_source_disable_unref(b->watchdog_timer);
	sd_event_source_disable_unref(b->owner_timer);
	free(b->owner);
	hv_bluez_agent_free(b->agent);
	hv_spp_link_free(b->spp);
	objects_free_all(b);
	while (b->peers)
		peer_free(b, b->peers);
	hv_hashmap_free(b->objects_by_path);
	hv_hashmap_free(b->peers_by_address);
	sd_bus_unref(b->bus);
	sd_event_unref(b->event);
	free(b);
	return NULL;
}
