/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The driver interface. A driver is one const struct (see the registry in
 * drivers/drivers.def): it decodes bytes into a caller-owned measurement,
 * encodes a measurement back into bytes (for firmware-host and round-trip
 * tests), and, for devices that need a connection, declares its GATT
 * conversation as data (drivers/conversation.h). Drivers are pure: no
 * allocation, no clock, no logging, no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/measurement.h"
#include "drivers/uuid.h"

#define HV_FRAME_SERVICE_DATA_MAX 4
#define HV_FRAME_SERVICE_UUIDS_MAX 8
#define HV_FRAME_MANUFACTURER_MAX 4
#define HV_FRAME_DATA_MAX 255

struct hv_service_data {
	struct hv_uuid uuid;
	size_t len;
	uint8_t data[HV_FRAME_DATA_MAX];
};

/* Manufacturer data: company ID first, little-endian, as in the advert. */
struct hv_manufacturer_data {
	size_t len;
	uint8_t data[HV_FRAME_DATA_MAX];
};

/*
 * One input: an advertisement (service data, manufacturer data, name,
 * services) or one GATT value (notified, indicated or read), with whatever
 * the caller knows of the device. Everything is optional.
 */
struct hv_frame {
	const char *name; /* advertised local name, or NULL */
	const char *address; /* "AA:BB:CC:DD:EE:FF", or NULL */
	int16_t rssi; /* 0 = unknown */

	size_t n_service_data;
	struct hv_service_data service_data[HV_FRAME_SERVICE_DATA_MAX];
	size_t n_manufacturer_data;
	struct hv_manufacturer_data manufacturer_data[HV_FRAME_MANUFACTURER_MAX];
	size_t n_service_uuids;
	struct hv_uuid service_uuids[HV_FRAME_SERVICE_UUIDS_MAX];

	bool has_characteristic;
	struct hv_uuid characteristic;
	size_t value_len;
	uint8_t value[HV_FRAME_DATA_MAX];

	/* The person's profile, for derived body composition; NULL if none. */
	const struct hv_profile *profile;
	/* Caller's wall clock (Unix seconds), to judge device clocks; 0 = unknown. */
	int64_t now;
	/* Driver-specific quirk selected by the caller (model), 0 = none. */
	unsigned quirks;
	/* The device's bind key (16 bytes) for encrypted adverts (MiBeacon
	 * v4/v5), from the gateway's configuration; NULL = none. */
	const uint8_t *key;
	/* The device's clock as read on this connection (Current Time
	 * 0x2A2B, local time) and the gateway's wall clock then (Unix usec):
	 * the offset for the records it hands over; an implausible date is
	 * a time fault. false: not read. */
	bool has_device_clock;
	struct hv_datetime device_clock;
	int64_t device_clock_read_usec;
	/* Which of the measurements a GATT value holds, when its driver says
	 * it holds several (hv_driver.records): 0 the first. */
	unsigned record;
};

/* Lookups over a frame. */
const struct hv_service_data *hv_frame_service_data(const struct hv_frame *f,
						    uint16_t uuid16);
const struct hv_manufacturer_data *
hv_frame_manufacturer_data(const struct hv_frame *f, uint16_t company_id);
bool hv_frame_has_service(const struct hv_frame *f, uint16_t uuid16);
bool hv_frame_is_characteristic(const struct hv_frame *f, uint16_t uuid16);
/* Case-sensitive prefix match of the advertised name. */
bool hv_frame_name_starts_with(const struct hv_frame *f, const char *prefix);

/*
 * decode() contract:
 *   0        ret is a measurement (status OK; final or not)
 *   -ENODEV  not this driver's frame (ret untouched; the next driver tries)
 *   -EBADMSG this driver's frame, but malformed: ret->status is INVALID and
 *            ret->error names the field (use hv_measurement_invalid()).
 */
typedef int (*hv_decode_fn)(const struct hv_frame *frame,
			    struct hv_measurement *ret);

/*
 * encode(): the inverse, writing into a caller-owned frame. `target` names
 * the characteristic or service-data UUID wanted when a driver has several
 * (NULL: the driver's main one). Returns 0, -EINVAL when the measurement
 * cannot be expressed, -ENOSPC when too large.
 */
typedef int (*hv_encode_fn)(const struct hv_measurement *m,
			    const struct hv_uuid *target,
			    struct hv_frame *ret);

/*
 * What a driver matches on, for `homevitals drivers --json` and selection.
 * The registry also dispatches on it (registry.h): it tries a driver's
 * decode() only on a frame carrying one of its keys, a GATT value of one of
 * `characteristics`/`characteristics128`, service data under one of
 * `service_data` or manufacturer data of one of `company_ids` (of any
 * company with HV_DRIVER_ANY_COMPANY). `services` and `name_prefixes` only
 * select: a frame holding nothing else is no driver's to decode.
 */
struct hv_match {
	const uint16_t *service_data; /* 16-bit service-data UUIDs; 0-terminated */
	const uint16_t *company_ids; /* manufacturer company IDs; 0xFFFF-terminated */
	const uint16_t *characteristics; /* 16-bit GATT UUIDs; 0-terminated */
	const char *const *characteristics128; /* full UUIDs; NULL-terminated */
	const uint16_t *services; /* advertised/GATT services; 0-terminated */
	const char *const *name_prefixes; /* NULL-terminated */
};

enum hv_driver_flags {
	/* Shared GATT UUIDs (0xFFE1, 0xFFF1…): try only when forced by name,
	 * services, or --driver, never on a bare characteristic. */
	HV_DRIVER_NEEDS_SELECTION = 1 << 0,
	/* Generic profile decoders (SIG services) run after vendor drivers. */
	HV_DRIVER_GENERIC = 1 << 1,
	/* decode() reads manufacturer data of any company ID: the vendor puts
	 * payload in that field (a MAC address, a 0xC0 or 0xFFFF magic), so
	 * no company_ids list can name it. */
	HV_DRIVER_ANY_COMPANY = 1 << 2,
	/* GATT values are chunks of a text stream (Nordic UART): the caller
	 * joins them into lines (drivers/nus_lines.h) and decode() sees one
	 * line per frame. */
	HV_DRIVER_LINES = 1 << 3,
	/* The device streams over Bluetooth Classic, the Serial Port Profile
	 * (RFCOMM): no GATT. The gateway registers a BlueZ Profile1 for SPP,
	 * asks a device the driver claims for the profile (ConnectProfile),
	 * cuts the stream into packets with stream_packet()
	 * (drivers/stream_packets.h) and decodes each one as a value on the
	 * SPP service class 0x1101 (docs/bluez.md). */
	HV_DRIVER_SPP = 1 << 4,
};

/* What a driver's devices are; hv_driver_kind_name() gives the JSON name. */
enum hv_driver_kind {
	HV_DRIVER_KIND_OTHER, /* unset: "other" */
	HV_DRIVER_KIND_SCALE,
	HV_DRIVER_KIND_HEART_RATE,
	HV_DRIVER_KIND_BLOOD_PRESSURE,
	HV_DRIVER_KIND_THERMOMETER,
	HV_DRIVER_KIND_PULSE_OXIMETER,
	HV_DRIVER_KIND_GLUCOSE_METER,
	HV_DRIVER_KIND_ACTIVITY,
	HV_DRIVER_KIND_FITNESS_BAND,
	HV_DRIVER_KIND_CONTROL_POINT,
	_HV_DRIVER_KIND_MAX,
	_HV_DRIVER_KIND_INVALID = -22, /* -EINVAL */
};

/*
 * derive(): the driver's body composition for a person, from what its
 * decode() kept in m->bia (and m's readings) and the profile: the derived
 * readings (those with a method) are appended to m. Pure, like decode();
 * decode() with frame->profile set calls the same code, so decoding with a
 * profile equals decoding without one and deriving. Returns 0 or -errno
 * (-ENOSPC when m is full). NULL: the driver derives nothing.
 */
typedef int (*hv_derive_fn)(const struct hv_profile *profile,
			    struct hv_measurement *m);

/* decode()'s side of derive(): keep the formula's inputs in m->bia and,
 * given a profile, derive now by the same hook. */
static inline int hv_decode_derive(struct hv_measurement *m, double weight_kg,
				   double impedance_ohm,
				   const struct hv_profile *profile,
				   hv_derive_fn derive)
{
	hv_measurement_set_bia(m, weight_kg, impedance_ohm);
	return profile ? derive(profile, m) : 0;
}

struct hv_conversation;

struct hv_driver {
	const char *id; /* stable, e.g. "xiaomi_mi_scale" */
	const char *name; /* human name of the family */
	const char *const *models; /* NULL-terminated */
	enum hv_driver_kind kind;
	struct hv_match match;
	unsigned flags;
	hv_decode_fn decode;
	hv_encode_fn encode;
	/* For devices that need a connection; NULL for advert-only devices. */
	const struct hv_conversation *conversation;
	/* Selection at run time: does this advert's device belong to us?
	 * NULL: decided by match (service data, company IDs, names). */
	bool (*claims_device)(const struct hv_frame *advert);
	hv_derive_fn derive;
	/* How many measurements a GATT value holds (a log packet of several
	 * timed slots): the caller decodes it once per record, frame->record
	 * 0 … n - 1. NULL: one. */
	unsigned (*records)(const struct hv_frame *frame);
	/* HV_DRIVER_SPP: where the next packet is in the bytes kept from the
	 * stream. *ret_skip: the bytes before the first one that may start a
	 * packet (garbage, dropped). Returns the length of the complete
	 * packet at buf + *ret_skip, 0 while more bytes are needed. */
	size_t (*stream_packet)(const uint8_t *buf, size_t len,
				size_t *ret_skip);
};
