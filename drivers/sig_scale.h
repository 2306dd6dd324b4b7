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
 * HV_SIG_QUIRK_WEIGHT_50G: the Renpho ES-WBE28 ("Renpho-Scale", Elis 1)
 * variant. Its 0x2A9D weight is in 0.05 kg units instead of 0.005 kg (a
 * strict decoder reports 9.49 kg for 94.9 kg; imperial frames 0.1 lb);
 * its 0x2A9C packets carry vendor bytes after the announced fields and
 * derived values computed for the profile the Renpho app registered, so
 * only their impedance and weight are read (KristianP26/ble-scale-sync
 * src/scales/renpho.ts and tests/scales/renpho.test.ts at commit
 * f4d7d5cb055163df009c81cdc39feb7ef20644f1, a btsnoop capture of the
 * device; oliexdev/openScale RenphoHandler.kt at commit
 * 6ed3f62617ce1e966528b9a0a08978c404e51193, weight / 20).
 *
 * The variant is recognised from what the session knows, each enough:
 *  - the advertised name ("renpho-scale", "ES-WBE28" prefixes, any case);
 *  - the weight frame itself: flags with reserved bits 4-7 set (0x2E in
 *    openScale's legacy handler, 0x4E in the ble-scale-sync capture; a
 *    conforming scale sends them zero);
 *  - the Device Information Service: Model Number starting "ES-WBE28" or
 *    Manufacturer Name "RENPHO" (ble-scale-sync treats every Renpho SIG
 *    scale as 0.05 kg);
 *  - the user slot: 170 (0xAA) is the slot the Renpho app registers and
 *    both sources consent with; UDS scales hand out small indexes.
 * The decoders OR the name's and the frame's bits into frame->quirks; the
 * conversation adds the others (and the frame's, for the 0x2A9C packets
 * after a weight) to session.quirks, which the runner hands to decode().
 */
enum {
	HV_SIG_QUIRK_WEIGHT_50G = 1u << 0,
};

#define HV_SIG_RENPHO_USER_SLOT 0xAA

/* Quirks selected by the advertised name. */
unsigned hv_sig_scale_quirks_for_name(const char *name);
/* … by the flags of a Weight Measurement (0x2A9D) value. */
unsigned hv_sig_scale_quirks_for_weight_flags(uint8_t flags);
/* … by a Device Information string (Manufacturer Name 0x2A29 or Model
 * Number 0x2A24; not NUL-terminated). */
unsigned hv_sig_scale_quirks_for_device_info(const uint8_t *text, size_t len);
/* … by the user slot the session consents with. */
unsigned hv_sig_scale_quirks_for_user_slot(int user_index);

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

/*
 * The sig_body_composition decoder (0x2A9C, 0x2A9B). The sig_weight_scale
 * driver owns the GATT conversation, which subscribes to 0x2A9C too, and
 * the runner decodes a session's values with the session's driver alone:
 * sig_weight_scale hands these values here, and the measurement names
 * sig_body_composition.
 */
int hv_sig_body_composition_decode(const struct hv_frame *frame,
				   struct hv_measurement *ret);

/* The GATT conversation a SIG scale needs (drivers/sig_scale_conversation.c). */
extern const struct hv_conversation hv_sig_scale_conversation;

/* Step indices of hv_sig_scale_conversation, for tests and logs. */
enum hv_sig_scale_step {
	HV_SIG_STEP_READ_FEATURE,
	HV_SIG_STEP_READ_MANUFACTURER,
	HV_SIG_STEP_READ_MODEL,
	HV_SIG_STEP_SUBSCRIBE_WEIGHT,
	HV_SIG_STEP_SUBSCRIBE_BODY,
	HV_SIG_STEP_SUBSCRIBE_UCP,
	HV_SIG_STEP_READ_TIME,
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
	HV_SIG_STEP_VENDOR_ACTIVITY,
	HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT,
	HV_SIG_STEP_BF450_SUBSCRIBE_EXTRA,
	HV_SIG_STEP_BF450_ACTIVITY,
	HV_SIG_STEP_BF450_TAKE_MEASUREMENT,
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
