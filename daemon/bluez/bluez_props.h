/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * BlueZ object properties (org.bluez.Device1, GattService1,
 * GattCharacteristic1) as plain structs, and the step from a Device1
 * property cache to a struct hv_frame for the drivers.
 *
 * The wire types are BlueZ 5.66's: ServiceData a{sv} keyed by the full
 * lower-case 128-bit UUID string with variants of ay; ManufacturerData a{qv}
 * keyed by the company id with variants of ay; UUIDs as; RSSI n.
 * Properties of an unexpected type are skipped, never fatal.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "drivers/driver.h"

#define HV_BLUEZ_ADDRESS_MAX 18 /* "AA:BB:CC:DD:EE:FF" + NUL */
#define HV_BLUEZ_NAME_MAX 64

enum hv_bluez_prop {
	HV_PROP_ADDRESS = 1 << 0,
	HV_PROP_NAME = 1 << 1,
	HV_PROP_RSSI = 1 << 2,
	HV_PROP_CONNECTED = 1 << 3,
	HV_PROP_SERVICES_RESOLVED = 1 << 4,
	HV_PROP_PAIRED = 1 << 5,
	HV_PROP_SERVICE_DATA = 1 << 6,
	HV_PROP_MANUFACTURER_DATA = 1 << 7,
	HV_PROP_UUIDS = 1 << 8,
};

/* Device1 properties; `mask` says which ones are known (or, for a parsed
 * PropertiesChanged, which ones the signal carried). */
struct hv_bluez_device_props {
	unsigned mask;
	char address[HV_BLUEZ_ADDRESS_MAX];
	char name[HV_BLUEZ_NAME_MAX];
	int16_t rssi;
	bool connected;
	bool services_resolved;
	bool paired;
	size_t n_service_data;
	struct hv_service_data service_data[HV_FRAME_SERVICE_DATA_MAX];
	size_t n_manufacturer_data;
	struct hv_manufacturer_data manufacturer_data[HV_FRAME_MANUFACTURER_MAX];
	size_t n_uuids;
	struct hv_uuid uuids[HV_FRAME_SERVICE_UUIDS_MAX];
};

/* GATT characteristic flags (GattCharacteristic1.Flags, BlueZ 5.66
 * doc/gatt-api.txt). The runner uses the first five; the others are kept
 * so that a capture writes every flag the device declared. */
enum hv_gatt_flag {
	HV_GATT_READ = 1 << 0,
	HV_GATT_WRITE = 1 << 1,
	HV_GATT_WRITE_WITHOUT_RESPONSE = 1 << 2,
	HV_GATT_NOTIFY = 1 << 3,
	HV_GATT_INDICATE = 1 << 4,
	HV_GATT_BROADCAST = 1 << 5,
	HV_GATT_AUTHENTICATED_SIGNED_WRITES = 1 << 6,
	HV_GATT_EXTENDED_PROPERTIES = 1 << 7,
	HV_GATT_RELIABLE_WRITE = 1 << 8,
	HV_GATT_WRITABLE_AUXILIARIES = 1 << 9,
	HV_GATT_ENCRYPT_READ = 1 << 10,
	HV_GATT_ENCRYPT_WRITE = 1 << 11,
	HV_GATT_ENCRYPT_NOTIFY = 1 << 12,
	HV_GATT_ENCRYPT_INDICATE = 1 << 13,
	HV_GATT_ENCRYPT_AUTHENTICATED_READ = 1 << 14,
	HV_GATT_ENCRYPT_AUTHENTICATED_WRITE = 1 << 15,
	HV_GATT_ENCRYPT_AUTHENTICATED_NOTIFY = 1 << 16,
	HV_GATT_ENCRYPT_AUTHENTICATED_INDICATE = 1 << 17,
	HV_GATT_SECURE_READ = 1 << 18,
	HV_GATT_SECURE_WRITE = 1 << 19,
	HV_GATT_SECURE_NOTIFY = 1 << 20,
	HV_GATT_SECURE_INDICATE = 1 << 21,
	HV_GATT_AUTHORIZE = 1 << 22,
};

/* GattService1 / GattCharacteristic1: UUID, Flags, and the parent object
 * (Service for a characteristic, Device for a service). */
struct hv_bluez_gatt_props {
	bool has_uuid;
	struct hv_uuid uuid;
	unsigned flags;
	char parent[128];
	/* NotifyAcquired: present only where AcquireNotify is offered */
	bool has_notify_acquired;
	bool notify_acquired;
};

/*
 * Read one a{sv} of Device1 properties (the message must be positioned at
 * the array). Entries are merged into *props and their bits set in
 * props->mask; unknown keys and mistyped values are skipped. Returns 0 or a
 * negative errno for a malformed message.
 */
int hv_bluez_device_props_read(sd_bus_message *m,
			       struct hv_bluez_device_props *props);

/* Same for GattService1 / GattCharacteristic1 properties. */
int hv_bluez_gatt_props_read(sd_bus_message *m,
			     struct hv_bluez_gatt_props *props);

/*
 * Apply a parsed change to a cache. With `keep_name` (the device is
 * connected: BlueZ then reports the GAP name, not the advertised one) a
 * changed Name is ignored.
 */
void hv_bluez_device_props_merge(struct hv_bluez_device_props *cache,
				 const struct hv_bluez_device_props *change,
				 bool keep_name);

/* An invalidated property (PropertiesChanged's third argument). */
void hv_bluez_device_props_invalidate(struct hv_bluez_device_props *cache,
				      const char *property);

/* Does a change carry advertising data (service/manufacturer data, name,
 * RSSI)? */
bool hv_bluez_device_props_is_advert(const struct hv_bluez_device_props *change);

/* Fill an advert frame from a cache. frame->name and ->address point into
 * props, which must outlive the frame. */
void hv_bluez_device_props_to_frame(const struct hv_bluez_device_props *props,
				    struct hv_frame *ret);

/* Parse "Flags" strings ("read", "notify", …) into enum hv_gatt_flag bits;
 * unknown strings give 0. */
unsigned hv_bluez_gatt_flag_from_string(const char *s);

/* The i-th flag in BlueZ's order (the order it lists them in Flags):
 * its bit, and its string in *ret_name. 0 past the last one. */
unsigned hv_bluez_gatt_flag_nth(size_t i, const char **ret_name);

/*
 * "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF" (with or without a trailing
 * GATT part) → "AA:BB:CC:DD:EE:FF". -EINVAL when path is no device path.
 */
int hv_bluez_path_to_address(const char *path,
			     char ret[HV_BLUEZ_ADDRESS_MAX]);

/* The device part of a path ("…/dev_X/service000c/char000d" → "…/dev_X"),
 * written to ret (size bytes); -EINVAL when there is none, -ENOBUFS. */
int hv_bluez_device_path_of(const char *path, char *ret, size_t size);

/* Is path equal to prefix, or below it ("prefix/...")? */
bool hv_bluez_path_under(const char *path, const char *prefix);

/* Case-insensitive comparison of two Bluetooth addresses. */
bool hv_bluez_address_equal(const char *a, const char *b);

/* Any local client can call the objects we export (agent, profile): was m
 * sent by owner, the unique name of the bluetoothd we registered with? */
bool hv_bluez_sent_by(sd_bus_message *m, const char *owner);

/* Keep a copy of that unique name in *owner (the old one freed); -EINVAL
 * without a name, -ENOMEM. *owner is unchanged on failure. */
int hv_bluez_owner_set(char **owner, const char *name);
