/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The Bluetooth Classic stream link (Serial Port Profile over RFCOMM) the
 * way BlueZ offers it to a D-Bus client (BlueZ doc/profile-api.txt and
 * doc/device-api.txt, bluez/bluez tag 5.66): an org.bluez.Profile1 object
 * registered with ProfileManager1.RegisterProfile for the SPP UUID in the
 * client role; Device1.ConnectProfile(SPP) makes bluetoothd open the
 * RFCOMM socket and hand it to NewConnection. Each stream is read on the
 * event loop, cut into packets by its driver (drivers/stream_packets.h)
 * and every packet handed on as a frame: a value on the SPP service class
 * 0x1101 with the driver. docs/bluez.md describes the behaviour.
 */

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "drivers/driver.h"

#define HV_SPP_PROFILE_PATH "/org/homevitals/spp"
#define HV_SPP_UUID "00001101-0000-1000-8000-00805f9b34fb"
/* Streams (and devices being asked for one) at a time. */
#define HV_SPP_STREAMS_MAX 4

struct hv_spp_link;

/* One complete packet of a stream, as a frame (has_characteristic 0x1101,
 * address, name) with the stream's driver. */
typedef void (*hv_spp_packet_fn)(const struct hv_frame *frame,
				 const struct hv_driver *driver,
				 void *userdata);

/* Export the Profile1 object on `bus`. */
int hv_spp_link_new(sd_event *event, sd_bus *bus, hv_spp_packet_fn on_packet,
		    void *userdata, struct hv_spp_link **ret);
/* Closes every stream. */
struct hv_spp_link *hv_spp_link_free(struct hv_spp_link *l);

/* RegisterProfile with the bluetoothd whose unique name is bluez_owner
 * (after each start); only its calls are answered from then on. */
int hv_spp_link_register(struct hv_spp_link *l, const char *bluez_owner);

/* A device the driver claims was heard: ConnectProfile(SPP) unless it
 * streams already, is being asked, was asked in the last
 * HV_SPP_RETRY_USEC or every slot is taken. */
#define HV_SPP_RETRY_USEC (10 * 1000000ULL)
int hv_spp_link_connect(struct hv_spp_link *l, const char *device_path,
			const char *address, const char *name,
			const struct hv_driver *driver);

/* Streams open now. */
size_t hv_spp_link_n_streams(const struct hv_spp_link *l);
/* Was this device asked for a stream (open, being asked or cooling down)? */
bool hv_spp_link_knows(const struct hv_spp_link *l, const char *address);
