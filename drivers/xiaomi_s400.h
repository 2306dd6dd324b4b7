/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Xiaomi body composition scales on encrypted MiBeacon v4/v5 adverts
 * (drivers/xiaomi_s400.c): what the gateway needs beyond decode() (the
 * frame counter against replays, the weigh-in id that joins the two packets
 * of one weigh-in) and the encoder that seals a frame with a bind key.
 */

#include <stdbool.h>
#include <stdint.h>

#include "drivers/driver.h"

#define HV_MIBEACON_UUID 0xFE95
#define HV_BIND_KEY_LEN 16

/* What an authenticated frame says about itself. */
struct hv_mibeacon_info {
	uint16_t product_id;
	/* frame counter (low 8 bits) and extended counter (high 24 bits):
	 * grows with every new frame the device sends */
	uint32_t counter;
	bool has_weighin; /* a measurement object was in the frame */
	uint32_t weighin; /* shared by the packets of one weigh-in */
};

/*
 * For a frame decode() accepted as a measurement (so authenticated):
 * 0 and *ret; -ENODEV when the frame is not this driver's or carries no
 * measurement object; -EBADMSG when it does not authenticate.
 */
int hv_xiaomi_s400_info(const struct hv_frame *frame,
			struct hv_mibeacon_info *ret);

/* Product ids (xiaomi-ble devices.py; ble-scale-sync xiaomi-s800.ts). */
#define HV_S400_PID_MJTZC01YM 0x3BD5
#define HV_S200_PID_MJTZC02YM 0x4C04
#define HV_S800_PID 0x51E2

struct hv_mibeacon_seal {
	const uint8_t *key; /* HV_BIND_KEY_LEN bytes */
	const char *address; /* the device's "AA:BB:CC:DD:EE:FF" */
	uint16_t product_id; /* one of the family's, e.g. HV_S400_PID_MJTZC01YM */
	uint32_t counter; /* as in struct hv_mibeacon_info */
	uint32_t weighin; /* S400, S200: the weigh-in's shared u32 */
	bool mac_included; /* the address in the frame too (frame control bit 4) */
};

/*
 * One encrypted advert (service data 0xFE95) for a measurement: the S400
 * sends weight, heart rate and 50 kHz impedance in one packet and the
 * 250 kHz impedance (a measurement with only HV_METRIC_IMPEDANCE_250KHZ) in
 * the next; a measurement with no readings and load_removed set is the
 * step-off packet. user_index (0-255, or -1 for 1) is the profile id.
 * The S200 and S800 send the weight only. 0, -EINVAL when the measurement
 * cannot be expressed.
 */
int hv_xiaomi_s400_encode(const struct hv_measurement *m,
			  const struct hv_mibeacon_seal *seal,
			  struct hv_frame *ret);
