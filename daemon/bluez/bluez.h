/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The BlueZ client: an sd-bus client of org.bluez (5.66) on the daemon's
 * sd-event loop. It keeps one adapter powered and discovering (LE,
 * DuplicateData), turns Device1 adverts into struct hv_frame, and runs GATT
 * sessions (one at a time per adapter) for drivers with a conversation,
 * and links Bluetooth Classic stream devices (HV_DRIVER_SPP) over BlueZ's
 * Profile1 (spp_link.h); their packets come through gatt_value.
 * It re-attaches by itself when bluetoothd restarts or the adapter comes
 * back. docs/bluez.md describes the behaviour.
 */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "daemon/bluez/gatt_session.h"
#include "daemon/common/config.h"
#include "daemon/common/device_info.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"

#include "daemon/common/status.h"

struct hv_bluez;

/* One GATT exchange of a session, for a recording (homevitals capture
 * --gatt, docs/capture.md). */
enum hv_gatt_event_kind {
	HV_GATT_EVENT_SERVICE, /* a survey found a service */
	HV_GATT_EVENT_CHARACTERISTIC, /* … and a characteristic of it */
	HV_GATT_EVENT_READ, /* a value read */
	HV_GATT_EVENT_NOTIFY, /* a value notified or indicated */
};

struct hv_gatt_event {
	enum hv_gatt_event_kind kind;
	const char *address; /* the device, upper case */
	const char *name; /* its name, or NULL */
	struct hv_uuid service; /* SERVICE, CHARACTERISTIC */
	struct hv_uuid characteristic; /* all but SERVICE */
	unsigned flags; /* CHARACTERISTIC: enum hv_gatt_flag */
	const uint8_t *value; /* READ, NOTIFY: the whole value */
	size_t len;
};

struct hv_bluez_callbacks {
	/* Every advertisement / Device1 property change that carries data
	 * (service data, manufacturer data, name, RSSI). The callee decodes. */
	void (*advert)(const struct hv_frame *frame, void *userdata);
	/* The same adverts, with the enum hv_bluez_prop bits the signal
	 * carried: a recording (homevitals capture) tells a repeated advert
	 * from an RSSI-only change by them. May be NULL. */
	void (*advert_change)(const struct hv_frame *frame, unsigned carried,
			      void *userdata);
	/* A value notified/indicated/read during a GATT session, as a frame
	 * (has_characteristic) with the session's driver, or a packet of a
	 * stream device (a value on 0x1101, its driver; the return value is
	 * not used then). The callee decodes. Without it no SPP profile is
	 * registered.
	 * Returns the highest sequence number of the records it got stored
	 * (the next session asks for the records after it), -1 when it
	 * stored none, or another -errno when a record was not stored (the
	 * session's sequence then advances no further). */
	int (*gatt_value)(const struct hv_frame *frame,
			  const struct hv_driver *driver, void *userdata);
	void (*state_changed)(enum hv_adapter_state state,
			      const char *adapter_name, void *userdata);
	/* Before a conversation: fill user slot, consent code, last sequence,
	 * profile. May be NULL. */
	void (*session_prepare)(const char *address,
				const struct hv_driver *driver,
				struct hv_session *session, void *userdata);
	/* After a conversation (success or not): results to persist. */
	void (*session_done)(const char *address,
			     const struct hv_driver *driver,
			     const struct hv_session *session, int result,
			     void *userdata);
	/* Should the session read the device's Device Information Service
	 * first (when it has one)? NULL: never. */
	bool (*device_info_wanted)(const char *address, void *userdata);
	/* What those reads gave, when at least one did. */
	void (*device_info)(const char *address, const struct hv_dis *dis,
			    void *userdata);
	/* Each exchange of a session: the objects a survey found, then every
	 * value notified or read (but the Device Information Service's), before
	 * gatt_value gets it. It must not end the session. May be NULL. */
	void (*gatt_event)(const struct hv_gatt_event *event, void *userdata);
};

/*
 * Attach to org.bluez on `bus` (the system bus; the caller honours
 * DBUS_SYSTEM_BUS_ADDRESS by opening it with sd_bus_open_system()). `bus`
 * must be attached to `event`. `cfg` must outlive the client. Works with
 * bluetoothd absent: the state is then MISSING until it appears.
 */
int hv_bluez_new(sd_event *event, sd_bus *bus, const struct hv_config *cfg,
		 const struct hv_bluez_callbacks *cb, void *userdata,
		 struct hv_bluez **ret);
struct hv_bluez *hv_bluez_free(struct hv_bluez *b);

static inline void hv_bluez_freep(struct hv_bluez **b)
{
	if (*b)
		hv_bluez_free(*b);
}

/* The current enum hv_adapter_state (as int: see above). */
int hv_bluez_state(const struct hv_bluez *b);

/* Devices (Device1 objects) and connection policies held; each at most
 * HV_BLUEZ_DEVICES_MAX besides configured, connected or paired devices. */
#define HV_BLUEZ_DEVICES_MAX 512
size_t hv_bluez_n_devices(const struct hv_bluez *b);
size_t hv_bluez_n_peers(const struct hv_bluez *b);

/* Queue a GATT session now, whatever the cool-down (a CLI "sync" or tests).
 * -EOPNOTSUPP when the driver has no conversation. */
int hv_bluez_connect_now(struct hv_bluez *b, const char *address,
			 const struct hv_driver *driver);

/*
 * Queue a survey of a device BlueZ knows (-ENODEV when it does not): a GATT
 * session without a driver that reports every service and characteristic
 * (gatt_event), reads each readable characteristic once, subscribes to each
 * notify/indicate one, and reports their values until
 * hv_bluez_stop_session() or the link drops; then session_done with the
 * driver hv_bluez_survey_driver. Nothing is written to the device.
 */
int hv_bluez_survey(struct hv_bluez *b, const char *address);
extern const struct hv_driver hv_bluez_survey_driver;

/* End the running session now: Disconnect, then session_done with 0 when
 * its steps had begun (a survey), else -ECANCELED. Returns true when a
 * session is ending (session_done will come), false when none runs. */
bool hv_bluez_stop_session(struct hv_bluez *b);

/* Tuning for tests and tools; the defaults suit a real radio. */
struct hv_bluez_tuning {
	struct hv_gatt_timing gatt;
	usec_t retry; /* re-try adapter set-up after an error */
	usec_t watchdog; /* adapter fault retry (at most 10 s) */
	usec_t stall; /* no advert this long: restart discovery, ask for the owner */
	usec_t resolve_timeout; /* Connect → ServicesResolved */
	/* At most one GATT attempt per driver this often for devices neither
	 * configured nor served before (default 10 s). */
	usec_t unknown_interval;
	/* Driver selection for an advert (default hv_registry_select). */
	const struct hv_driver *(*select)(const struct hv_frame *advert);
	/* Driver lookup by id for config entries (default hv_driver_by_id). */
	const struct hv_driver *(*by_id)(const char *id);
};

void hv_bluez_get_tuning(const struct hv_bluez *b, struct hv_bluez_tuning *ret);
void hv_bluez_set_tuning(struct hv_bluez *b, const struct hv_bluez_tuning *t);

/* ---- the Agent1 for bonding (bluez_agent.c) ---------------------------- */

#define HV_BLUEZ_AGENT_PATH "/org/homevitals/agent"

struct hv_bluez_agent;

/* Export org.bluez.Agent1 on `bus`; answers from cfg->bluetooth.devices
 * (passkey) and accepts Just Works for devices `allow` approves. */
int hv_bluez_agent_new(sd_bus *bus, const struct hv_config *cfg,
		       bool (*allow)(const char *address, void *userdata),
		       void *userdata, struct hv_bluez_agent **ret);
struct hv_bluez_agent *hv_bluez_agent_free(struct hv_bluez_agent *a);
/* (Re-)register with org.bluez.AgentManager1 (after each bluetoothd start);
 * bluez_owner is its unique name: only its calls are answered. */
int hv_bluez_agent_register(struct hv_bluez_agent *a, const char *bluez_owner);
/* The passkey configured for an address: 0..999999, or -ENOENT/-EINVAL. */
int hv_bluez_agent_passkey(const struct hv_config *cfg, const char *address);
