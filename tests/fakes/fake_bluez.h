/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A small stand-in org.bluez for tests, in the test's own process and
 * sd-event loop, on its own connection to a private dbus-daemon. It speaks
 * BlueZ 5.66's API as docs/vdev.md lists it: ObjectManager on "/",
 * Adapter1 with the discovery errors (InProgress, "No discovery started",
 * NotReady), Device1 with ServiceData a{sv} of ay and ManufacturerData a{qv}
 * of ay, Connect replying before ServicesResolved, GATT objects surviving a
 * disconnect, Value changed before ReadValue's reply, and a crash that
 * leaves only NameOwnerChanged behind.
 *
 * Pairing as bluetoothd 5.66 does it: AgentManager1 remembers each client's
 * agent (owner, path) and the default one; Device1.Pair asks the agent of
 * the caller (else the default agent) as the device's pairing method needs,
 * and a refusal or a wrong passkey ends Pair with
 * org.bluez.Error.AuthenticationFailed "Authentication Failed". Paired and
 * Bonded become true only on success.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#define FAKE_MAX_CHARS 8
#define FAKE_MAX_DEVICES 4
#define FAKE_VALUE_MAX 64
#define FAKE_MAX_AGENTS 4

/* How a device pairs (SMP association model, as bluetoothd sees it). */
enum fake_pairing {
	/* Just Works: bluetoothd 5.66 accepts it without asking the agent
	 * when a client called Pair() (device_confirm_passkey(), confirm
	 * hint with a bonding request). */
	FAKE_PAIR_JUST_WORKS,
	/* Numeric comparison: Agent1.RequestConfirmation(device, passkey). */
	FAKE_PAIR_CONFIRM,
	/* The device shows a passkey: Agent1.RequestPasskey(device), and the
	 * answer must equal fake_device.passkey. */
	FAKE_PAIR_PASSKEY,
};

struct fake_agent {
	char owner[64]; /* unique bus name of the client, "" = free slot */
	char path[128];
	char capability[32];
};

struct fake_bluez;
struct fake_device;

struct fake_char {
	struct fake_device *dev;
	char service_path[128];
	char path[160];
	char uuid[37];
	char service_uuid[37];
	unsigned flags; /* enum hv_gatt_flag bits */
	int notifying;
	size_t value_len;
	uint8_t value[FAKE_VALUE_MAX];
	sd_bus_slot *slot_svc, *slot, *slot_acquire;
	bool owns_service;
	/* AcquireNotify as 5.66 has it (gatt-client.c): offered (NotifyAcquired
	 * exported) on notify characteristics when offer_acquire is set before
	 * the GATT objects appear; refuse_acquire answers it with an error. */
	bool offer_acquire, refuse_acquire;
	int acquired_fd; /* our end of the socket pair, -1 none */
	unsigned n_acquire, n_start_notify; /* successful calls */
};

typedef void (*fake_write_fn)(struct fake_char *c, const uint8_t *v,
			      size_t n, void *userdata);

struct fake_device {
	struct fake_bluez *f;
	char path[96];
	char *address, *name;
	int16_t rssi;
	int connected, services_resolved, paired, bonded;
	enum fake_pairing pairing;
	uint32_t passkey; /* shown (PASSKEY) or compared (CONFIRM) */
	sd_bus_message *pair_call; /* Pair() waiting for the agent */
	sd_bus_slot *agent_call;
	unsigned n_pair; /* Pair() calls */
	unsigned n_agent_requests; /* Agent1 requests sent */
	char agent_error[96]; /* the agent's last error name, "" none */
	uint16_t sd_uuid;
	size_t sd_len;
	uint8_t sd[32];
	uint16_t md_company;
	size_t md_len;
	uint8_t md[32];
	bool exported, gatt_exported;
	bool resolved_before_gatt; /* Pitfall 9's other order */
	bool refuse_connect; /* Connect → Failed "le-connection-abort-by-local" */
	unsigned n_connects, n_disconnects;
	size_t n_chars;
	struct fake_char chars[FAKE_MAX_CHARS];
	fake_write_fn on_write;
	void *userdata;
	sd_bus_slot *slot;
	sd_event_source *resolve_timer;
};

struct fake_bluez {
	sd_event *event;
	char *address;
	sd_bus *bus;
	sd_bus_slot *slot_om, *slot_root, *slot_adapter;
	int powered, discovering;
	bool adapter_exported;
	/* What clients asked for. */
	unsigned n_start_discovery, n_set_filter, n_register_agent;
	struct fake_agent agents[FAKE_MAX_AGENTS];
	int default_agent; /* index in agents, -1 none */
	int filter_duplicate; /* last DuplicateData, -1 none */
	char filter_transport[16];
	size_t n_devices;
	struct fake_device *devices[FAKE_MAX_DEVICES];
};

int fake_bluez_new(sd_event *event, const char *bus_address,
		   struct fake_bluez **ret);
struct fake_bluez *fake_bluez_free(struct fake_bluez *f);

/* bluetoothd killed: the connection goes, nothing else is said. */
void fake_bluez_crash(struct fake_bluez *f);
/* bluetoothd started again: new unique name, adapter back powered and not
 * discovering; devices come back with their next advert. */
int fake_bluez_restart(struct fake_bluez *f);
/* Controller unplugged: Powered=false, InterfacesRemoved for devices then
 * the adapter. fake_bluez_add_adapter() plugs it back. */
void fake_bluez_remove_adapter(struct fake_bluez *f);
int fake_bluez_add_adapter(struct fake_bluez *f);
void fake_bluez_set_powered(struct fake_bluez *f, bool on);

struct fake_device *fake_bluez_add_device(struct fake_bluez *f,
					  const char *address,
					  const char *name);
void fake_device_set_service_data(struct fake_device *d, uint16_t uuid16,
				  const uint8_t *v, size_t n);
void fake_device_set_manufacturer_data(struct fake_device *d, uint16_t company,
				       const uint8_t *v, size_t n);
/* One received advert: InterfacesAdded the first time, then
 * PropertiesChanged(RSSI, ManufacturerData, ServiceData) as with
 * DuplicateData true. Only while discovering. */
int fake_device_advert(struct fake_device *d);
struct fake_char *fake_device_add_char(struct fake_device *d,
				       uint16_t service16, uint16_t char16,
				       unsigned flags);
/* A notification/indication: Value changed, if notifying; through the
 * socket when acquired. */
int fake_char_notify(struct fake_char *c, const uint8_t *v, size_t n);
/* The link drops: ServicesResolved=false, Connected=false. */
void fake_device_drop(struct fake_device *d);

/* A device heard once, without a fake_device behind it (an address flood):
 * InterfacesAdded with Address, Name, RSSI and 16-bit service data. Only
 * while discovering. Its object answers nothing (Connect: UnknownObject). */
int fake_bluez_announce(struct fake_bluez *f, const char *address,
			const char *name, uint16_t sd_uuid16, const uint8_t *sd,
			size_t n);
/* bluetoothd forgets such a device: InterfacesRemoved(Device1). */
int fake_bluez_forget(struct fake_bluez *f, const char *address);
