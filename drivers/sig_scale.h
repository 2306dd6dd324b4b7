/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the Bluetooth SIG scale drivers share: Weight Scale (0x181D),
 * Body Composition (0x181B), User Data (0x181C) and Current Time (0x1805).
 * Drivers: sig_weight_scale (0x2A9D/0x2A9E, owns the GATT conversation),
 * sig_body_composition (0x2A9C/0x2A9B).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"
#include "drivers/driver.h"

#define HV_UUID_WEIGHT_SCALE_SERVICE 0x181D
#define HV_UUID_BODY_COMPOSITION_SERVICE 0x181B
#define HV_UUID_USER_DATA_SERVICE 0x181C
#define HV_UUID_CURRENT_TIME_SERVICE 0x1805

#define HV_UUID_WEIGHT_MEASUREMENT 0x2A9D
#define HV_UUID_WEIGHT_SCALE_FEATURE 0x2A9E
#define HV_UUID_BODY_COMPOSITION_MEASUREMENT 0x2A9C
#define HV_UUID_BODY_COMPOSITION_FEATURE 0x2A9B
#define HV_UUID_USER_CONTROL_POINT 0x2A9F
#define HV_UUID_DATABASE_CHANGE_INCREMENT 0x2A99
#define HV_UUID_CURRENT_TIME 0x2A2B
#define HV_UUID_DATE_OF_BIRTH 0x2A85
#define HV_UUID_GENDER 0x2A8C
#define HV_UUID_HEIGHT 0x2A8E

/*
 * Vendor deviations, as bits of struct hv_frame.quirks and
 * struct hv_session.quirks for the SIG scale drivers.
 *
 * HV_SIG_QUIRK_WEIGHT_50G: Renpho ES-WBE28 sends 0x2A9D weight in 0.05 kg
 * units instead of 0.005 kg (a strict decoder reports 9.49 kg for 94.9 kg).
 * Imperial frames are scaled by ten likewise (0.1 lb).
 */
enum {
	HV_SIG_QUIRK_WEIGHT_50G = 1u << 0,
};

/*
 * Quirks selected by the advertised name: the decoders OR this into
 * frame->quirks themselves, so a frame that carries the device's name
 * (`homevitals decode --name renpho-scale --characteristic 2a9d:…`) needs
 * nothing else; callers without the name in the frame (the GATT runner)
 * set frame.quirks / session.quirks from this function once per device.
 * Known names: "renpho-scale" and "ES-WBE28" (prefixes, as openScale's
 * RenphoHandler matches the ES-WBE28).
 */
unsigned hv_sig_scale_quirks_for_name(const char *name);

/* Weight Scale Feature 0x2A9E (uint32), parsed. Resolutions are 0 when
 * "not specified". */
struct hv_sig_weight_feature {
	bool time_stamp;
	bool multiple_users;
	bool bmi;
	double weight_resolution_kg; /* e.g. 0.05 */
	double height_resolution_m; /* e.g. 0.001 */
};

/* -EBADMSG when len != 4. */
int hv_sig_weight_feature_parse(const uint8_t *value, size_t len,
				struct hv_sig_weight_feature *ret);

/* Resolution texts of the Feature characteristics ("0.05 kg / 0.1 lb",
 * "reserved"); NULL for 0, not specified. Mass codes are 4 bits, height
 * codes 3 bits. */
const char *hv_sig_mass_resolution_text(unsigned code);
const char *hv_sig_height_resolution_text(unsigned code);

/*
 * The optional time stamp and user id of 0x2A9D and 0x2A9C
 * (drivers/sig_scale_fields.c). A measurement's flags, the bits that
 * announce the two fields, and how many hex digits errors quote the
 * flags with (2 for 0x2A9D's uint8, 4 for 0x2A9C's uint16).
 */
struct hv_sig_scale_fields {
	unsigned flags;
	unsigned time_stamp;
	unsigned user;
	int flag_digits;
};

/* 0 when the value holds n bytes at off, else -EBADMSG naming `field`. */
int hv_sig_scale_need(struct hv_measurement *ret, const struct hv_frame *frame,
		      const struct hv_sig_scale_fields *fl, size_t off,
		      size_t n, const char *field);
/* Decode the announced time stamp (into the clock) and user id (into
 * user_index, or the flag "unknown_user") at *off, advancing it. */
int hv_sig_scale_take_stamp_user(const struct hv_frame *frame,
				 struct hv_measurement *ret,
				 const struct hv_sig_scale_fields *fl,
				 size_t *off);
/* -EBADMSG unless the value ends at off (trailing bytes). */
int hv_sig_scale_end(struct hv_measurement *ret, const struct hv_frame *frame,
		     const struct hv_sig_scale_fields *fl, size_t off);
/* Encode: the clock and user id of m at v + *off, setting their bits in
 * fl->flags; -EINVAL for a user index the format cannot carry. */
int hv_sig_scale_put_stamp_user(const struct hv_measurement *m,
				struct hv_sig_scale_fields *fl, uint8_t *v,
				size_t *off);

/* The GATT conversation a SIG scale needs (drivers/sig_scale_conversation.c). */
extern const struct hv_conversation hv_sig_scale_conversation;

/* Step indices of hv_sig_scale_conversation, for tests and logs. */
enum hv_sig_scale_step {
	HV_SIG_STEP_READ_FEATURE,
	HV_SIG_STEP_SUBSCRIBE_WEIGHT,
	HV_SIG_STEP_SUBSCRIBE_BODY,
	HV_SIG_STEP_SUBSCRIBE_UCP,
	HV_SIG_STEP_SET_TIME,
	HV_SIG_STEP_CONSENT,
	HV_SIG_STEP_CONSENT_WAIT,
	HV_SIG_STEP_REGISTER,
	HV_SIG_STEP_REGISTER_WAIT,
	HV_SIG_STEP_READ_CHANGE_INCREMENT,
	HV_SIG_STEP_WRITE_BIRTH,
	HV_SIG_STEP_WRITE_GENDER,
	HV_SIG_STEP_WRITE_HEIGHT,
	HV_SIG_STEP_WRITE_CHANGE_INCREMENT,
	HV_SIG_STEP_WAIT_MEASUREMENT,
	HV_SIG_STEP_LINGER,
	HV_SIG_STEP_END,
	_HV_SIG_STEP_MAX,
};

/* User Control Point (0x2A9F) op codes and response values. */
enum {
	HV_UCP_REGISTER_NEW_USER = 0x01,
	HV_UCP_CONSENT = 0x02,
	HV_UCP_DELETE_USER_DATA = 0x03,
	HV_UCP_RESPONSE = 0x20,
};

enum {
	HV_UCP_SUCCESS = 0x01,
	HV_UCP_OP_NOT_SUPPORTED = 0x02,
	HV_UCP_INVALID_PARAMETER = 0x03,
	HV_UCP_OPERATION_FAILED = 0x04,
	HV_UCP_NOT_AUTHORIZED = 0x05,
};
