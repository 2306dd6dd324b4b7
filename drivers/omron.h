/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Omron blood-pressure cuffs with the proprietary memory-read service
 * ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b (the "classic" stack of the
 * HEM-7xxxT "Omron connect" models): the framing, the per-model memory
 * layouts and the record layouts, shared by the driver (drivers/omron.c),
 * its firmware model's tests and the unit tests.
 *
 * Sources: userx14/omblepy (omblepy.py, sharedDriver.py,
 * deviceSpecific/hem-*.py, README.md; commit
 * 708c13e4a6e62ddeb863dffff046ff93de200bef) and eigger/hass-omron
 * (custom_components/omron/omron_ble/{omron_driver,record_parsers,
 * device_catalog}.py and tests/; commit
 * d6758ed2dbd1d8ba5e954ccccf5f90e15e1a0ffa).
 *
 * Frames (both directions; bytes 3-4 big-endian whatever the model):
 *
 *   LL T0 T1 AH AL NN [data NN] 00 XX
 *
 *   LL      length of the whole frame (8 + data)
 *   T0 T1   type: 00 00 start transmission, 01 00 memory read, 01 c0
 *           memory write, 0f 00 end transmission; the answer sets bit 7
 *           of T0 (80 00, 81 00, 81 c0, 8f 00)
 *   AH AL   memory address; NN the byte count read or written (the start
 *           command carries 10 there and no data)
 *   XX      makes the XOR of every byte of the frame 0; the device's
 *           result code (0 = ok) is the byte before it in a read answer,
 *           byte 6 in the others (an 8f 00 refusal carries it there)
 *
 * A frame longer than 16 bytes is split over the four TX (or RX)
 * characteristics in order, 16 bytes each. A record is read 8 bytes at a
 * time (its first 8 bytes hold every field of every layout here), so each
 * answer (16 bytes) arrives whole in one notification on RX channel 0.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"
#include "drivers/measurement.h"

struct hv_session;

#define HV_OMRON_SERVICE "ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b"
#define HV_OMRON_UNLOCK	 "b305b680-aee7-11e1-a730-0002a5d5c51b"
#define HV_OMRON_RX0	 "49123040-aee8-11e1-a74d-0002a5d5c51b"
#define HV_OMRON_RX1	 "4d0bf320-aee8-11e1-a0d9-0002a5d5c51b"
#define HV_OMRON_RX2	 "5128ce60-aee8-11e1-b84b-0002a5d5c51b"
#define HV_OMRON_RX3	 "560f1420-aee8-11e1-8184-0002a5d5c51b"
#define HV_OMRON_TX0	 "db5b55e0-aee7-11e1-965e-0002a5d5c51b"
#define HV_OMRON_TX1	 "e0b8a060-aee7-11e1-92f4-0002a5d5c51b"
#define HV_OMRON_TX2	 "0ae12b00-aee8-11e1-a192-0002a5d5c51b"
#define HV_OMRON_TX3	 "10e1ba60-aee8-11e1-89e5-0002a5d5c51b"

#define HV_OMRON_CHANNEL_MAX 16 /* bytes of a frame per characteristic */
#define HV_OMRON_FRAME_MAX   64
#define HV_OMRON_PREFIX	     8 /* bytes read per record */
#define HV_OMRON_USERS_MAX   2
#define HV_OMRON_SLOTS_MAX   128 /* positions are kept in 7 bits */
#define HV_OMRON_KEY_LEN     16

enum hv_omron_type {
	HV_OMRON_START = 0x0000,
	HV_OMRON_READ = 0x0100,
	HV_OMRON_WRITE = 0x01c0,
	HV_OMRON_END = 0x0f00,
	HV_OMRON_ANSWER = 0x8000, /* bit set in every answer */
};

/* A bit range of a record, numbered as omblepy does: bit 0 is the most
 * significant bit of the record read as one big- or little-endian
 * integer. */
struct hv_omron_bits {
	uint8_t first, last;
};

struct hv_omron_layout {
	struct hv_omron_bits sys, dia, pulse, year, month, day, hour, minute,
		second, movement, irregular;
};

enum hv_omron_time_layout {
	HV_OMRON_TIME_NONE, /* not known: the clock is never set */
	/* 10 bytes: 2 kept, month, year-2000, hour, day, second, minute, 00,
	 * sum of the 9 bytes before */
	HV_OMRON_TIME_CLASSIC,
	/* 16 bytes: 8 kept, year-2000, month, day, hour, minute, second,
	 * sum of the 14 bytes before, 00 */
	HV_OMRON_TIME_OFFSET8,
};

struct hv_omron_model {
	const char *name; /* "HEM-7322T": a model number starting so */
	bool little_endian;
	uint8_t n_users;
	uint16_t bank[HV_OMRON_USERS_MAX]; /* first record of each user */
	uint8_t slots[HV_OMRON_USERS_MAX]; /* records per user (ring) */
	uint8_t record_size;
	uint16_t settings_read;	 /* the settings are read here … */
	uint16_t settings_write; /* … and written back here */
	/* Offset in the settings of the write positions, one 16-bit word per
	 * user whose low byte (big- or little-endian) is the slot the next
	 * record goes to. */
	uint8_t index_offset;
	uint8_t time_offset;
	enum hv_omron_time_layout time_layout;
	const struct hv_omron_layout *layout;
	/* No write positions known (HEM-7530T): nothing in the settings is
	 * read or written; the ring is walked from slot 0 and the records
	 * newer than the last one stored are taken (below). */
	bool by_time;
};

extern const struct hv_omron_model hv_omron_models[];
extern const size_t hv_omron_n_models;

/* The model whose name the text starts with (a model number "HEM-7322T-D",
 * an advertised name); NULL when none. */
const struct hv_omron_model *hv_omron_model_by_name(const char *text);

/* ---- frames ------------------------------------------------------------ */

uint8_t hv_omron_xor(const uint8_t *p, size_t n);

/* Build a frame: type, address, the count byte, then n data bytes (data may
 * lie in buf: it is moved, not copied). Returns the length, 0 when it does
 * not fit. */
size_t hv_omron_frame(uint16_t type, uint16_t address, uint8_t count,
		      const uint8_t *data, size_t n, uint8_t *buf, size_t size);

struct hv_omron_answer {
	uint16_t type;
	uint16_t address;
	uint8_t count;	     /* byte 5 */
	const uint8_t *data; /* READ answers: count bytes */
	uint8_t code;	     /* result code; 0 when the frame is partial */
	bool partial;	     /* continues on another channel: header only */
};

/* Parse what came on RX channel 0. -EBADMSG: shorter than 8 bytes, a bad
 * length or checksum, or a READ answer whose length is not count + 8. */
int hv_omron_answer_parse(const uint8_t *v, size_t len,
			  struct hv_omron_answer *ret);

/* ---- records ------------------------------------------------------------- */

struct hv_omron_record {
	unsigned sys, dia, pulse; /* mm[Hg], mm[Hg], /min */
	struct hv_datetime time;  /* the cuff's clock, local */
	bool movement, irregular;
};

/* Decode the first n bytes (>= HV_OMRON_PREFIX) of a record. -ENODATA for
 * an empty slot (all 0xFF, as omblepy skips them). */
int hv_omron_record_decode(const struct hv_omron_model *mdl, const uint8_t *p,
			   size_t n, struct hv_omron_record *ret);
/* Write a whole record (mdl->record_size bytes; bytes of no field are 0).
 * -ERANGE when a value does not fit its field. */
int hv_omron_record_encode(const struct hv_omron_model *mdl,
			   const struct hv_omron_record *r, uint8_t *buf);

/* The record's date is a date (month 1-12, a day the month has, hour
 * 0-23, minute 0-59): an undated slot is no record. */
bool hv_omron_record_dated(const struct hv_omron_record *r);
/* Seconds from 2000-01-01 00:00 to the record's time (by_time models). */
int32_t hv_omron_record_time_sequence(const struct hv_omron_record *r);

/* Which user's ring and slot an address is the start of; -ENOENT. */
int hv_omron_locate(const struct hv_omron_model *mdl, uint16_t address,
		    int *ret_user, int *ret_slot);
uint16_t hv_omron_slot_address(const struct hv_omron_model *mdl, int user,
			       int slot);

/* The slot the next record goes to, from the settings read at
 * settings_read + index_offset (at least 2 * n_users bytes). */
int hv_omron_write_slot(const struct hv_omron_model *mdl, const uint8_t *p,
			size_t n, int user);

/* ---- the clock ------------------------------------------------------------ */

/* Bytes of the time block, 0 when the model's layout is not known. */
size_t hv_omron_time_len(const struct hv_omron_model *mdl);
/* The block to write: `kept` are the first bytes read back (2 or 8). */
/* The cuff's clock from the first HV_OMRON_PREFIX bytes of its time block,
 * as the conversation reads them (the checksum lies beyond): classic layout
 * only (-EOPNOTSUPP otherwise: its clock lies beyond them, and the
 * conversation reads the second 8 bytes too and takes hv_omron_time_parse). */
int hv_omron_clock_of_prefix(const struct hv_omron_model *mdl, const uint8_t *p,
			     size_t n, struct hv_datetime *ret);
int hv_omron_time_block(const struct hv_omron_model *mdl, const uint8_t *kept,
			const struct hv_datetime *now, uint8_t *buf);
/* The clock in a time block (checksum checked): -EBADMSG. */
int hv_omron_time_parse(const struct hv_omron_model *mdl, const uint8_t *p,
			size_t n, struct hv_datetime *ret);

/* ---- where the gateway stopped reading ------------------------------------ */

/*
 * The sequence number of an Omron record (measurement.sequence_number, kept
 * per device by the gateway like an RACP sequence) says where every user's
 * ring was read up to, and grows with every record read:
 *
 *   bits 0-6   user 2's next slot to read
 *   bits 7-13  user 1's next slot to read
 *   bits 14-24 laps: how many times a ring was read past its end
 *   bit 25     user 1's position is known (its ring was read once)
 *   bit 26     user 2's position is known
 *
 * A ring whose position is not known is read whole (the first connection,
 * or a session that ended before reaching it).
 *
 * The session's quirks (frame.quirks) carry the model and, while a user's
 * ring is read, where that user's reading started, so that decode() can
 * give each record its number from the record's address alone:
 *
 *   bits 0-3   model: index in hv_omron_models + 1 (0: not known)
 *   bit 4      a position follows
 *   bit 5      the user being read
 *   bits 6-12  that user's slot where this reading started
 *   bits 13-19 the other user's next slot
 *   bit 20     the other user's position is known
 *   bits 21-31 laps when this reading started
 */
#define HV_OMRON_Q_MODEL_MASK 0x0fu
#define HV_OMRON_Q_POSITION   (1u << 4)
#define HV_OMRON_LAPS_MAX     0x7ffu

/*
 * A model read by time (by_time: the HEM-7530T, whose settings block's
 * write positions and unread counters omblepy's hem-7530t.py leaves
 * unknown) has no positions: its sequence number is the record's time,
 * seconds from 2000-01-01 00:00 on the cuff's clock
 * (hv_omron_record_time_sequence), the last stored kept per device. A
 * session walks the ring from slot 0 to the first empty or undated slot
 * (at most the whole ring), noting the records newer than that, then reads
 * those again, oldest first; only these are measurements: bit 4 of the
 * quirks (HV_OMRON_Q_TAKE) is set while they are read. A record dated
 * before the last one stored (the cuff's clock set back) is not taken.
 */
#define HV_OMRON_Q_TAKE HV_OMRON_Q_POSITION

struct hv_omron_position {
	unsigned laps;
	uint8_t next[HV_OMRON_USERS_MAX];
	bool known[HV_OMRON_USERS_MAX];
};

int32_t hv_omron_sequence(const struct hv_omron_position *p);
/* -EINVAL for a negative or too large number. */
int hv_omron_position_from_sequence(int32_t seq, struct hv_omron_position *ret);

unsigned hv_omron_quirks(const struct hv_omron_model *mdl);
const struct hv_omron_model *hv_omron_model_of_quirks(unsigned quirks);
/* Quirks while `user`'s ring is read from slot `start`, with the other
 * user's next slot `other` (known or not) and `laps` so far. */
unsigned hv_omron_quirks_reading(const struct hv_omron_model *mdl, int user,
				 unsigned start, unsigned other,
				 bool other_known, unsigned laps);
/* The sequence number of the record in `slot` of `user`'s ring under
 * these quirks; -1 when they carry no position for that user. */
int32_t hv_omron_record_sequence(const struct hv_omron_model *mdl,
				 unsigned quirks, int user, int slot);

/* ---- shared by the conversations of the cuffs and the WLC scales --------- */

/* The unlock channel's requests with the key this gateway programs in
 * pairing mode and unlocks with: 01 + key (unlock → 81 00), 02 + 16 x 00
 * (key programming → 82 00), 00 + key (program it → 80 00). */
extern const uint8_t hv_omron_unlock_request[1 + HV_OMRON_KEY_LEN];
extern const uint8_t hv_omron_pair_request[1 + HV_OMRON_KEY_LEN];
extern const uint8_t hv_omron_key_request[1 + HV_OMRON_KEY_LEN];

/* An unlock-channel answer `code` 00 (81 00, 82 00, 80 00). */
bool hv_omron_unlock_ok(const uint8_t *v, size_t len, uint8_t code);

/* An on_value() result for an answer expected of `type`: HV_VALUE_DONE
 * (ret filled), HV_VALUE_MORE for a garbled frame or a late answer to an
 * earlier command, -EPROTO when the device refused (8f 00), -EIO for a
 * result code other than 0. */
int hv_omron_answer_of(const uint8_t *v, size_t len, uint16_t type,
		       struct hv_omron_answer *ret);

/* Step payloads: the command frame, as hv_omron_frame() builds it. */
int hv_omron_payload_frame(uint16_t type, uint16_t address, uint8_t count,
			   const uint8_t *data, size_t n, uint8_t *buf,
			   size_t size, size_t *ret_len);
int hv_omron_payload_start(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len);
int hv_omron_payload_end(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len);

/* on_value() of the steps both conversations share: the key programming
 * answer (82 00, anything else: not in pairing mode, -EACCES) and the end
 * of transmission's answer. */
int hv_omron_on_pair_mode(struct hv_session *s, const uint8_t *v, size_t len);
int hv_omron_on_ended(struct hv_session *s, const uint8_t *v, size_t len);

/* Steps on the service (drivers/conversation.h): `end` is the step that
 * ends the transmission when a command fails. */
#define HV_OMRON_STEP_SUB(chr, opt, what_)                            \
	{                                                             \
		.op = HV_STEP_SUBSCRIBE, .service = HV_OMRON_SERVICE, \
		.characteristic = chr, .flags = opt, .what = what_    \
	}
#define HV_OMRON_STEP_TX(chr, fn, end, what_)                                 \
	{                                                                     \
		.op = HV_STEP_WRITE, .service = HV_OMRON_SERVICE,             \
		.characteristic = chr, .payload = fn,                         \
		.flags = HV_STEP_WITH_RESPONSE, .on_fail = end, .what = what_ \
	}
#define HV_OMRON_STEP_RX(fn, fail, what_)                          \
	{                                                          \
		.op = HV_STEP_WAIT, .service = HV_OMRON_SERVICE,   \
		.characteristic = HV_OMRON_RX0, .on_value = fn,    \
		.timeout_ms = 5000, .on_fail = fail, .what = what_ \
	}
#define HV_OMRON_STEP_UNLOCK_WRITE(bytes_, what_)                          \
	{                                                                  \
		.op = HV_STEP_WRITE, .service = HV_OMRON_SERVICE,          \
		.characteristic = HV_OMRON_UNLOCK, .bytes = bytes_,        \
		.n_bytes = sizeof(bytes_), .flags = HV_STEP_WITH_RESPONSE, \
		.what = what_                                              \
	}
#define HV_OMRON_STEP_UNLOCK_WAIT(fn, what_)                       \
	{                                                          \
		.op = HV_STEP_WAIT, .service = HV_OMRON_SERVICE,   \
		.characteristic = HV_OMRON_UNLOCK, .on_value = fn, \
		.what = what_                                      \
	}
#define HV_OMRON_STEP_END_TX(what_)                               \
	{                                                         \
		.op = HV_STEP_WRITE, .service = HV_OMRON_SERVICE, \
		.characteristic = HV_OMRON_TX0,                   \
		.payload = hv_omron_payload_end,                  \
		.flags = HV_STEP_WITH_RESPONSE, .what = what_     \
	}

/* decode()'s first part: the answer on RX channel 0 (-ENODEV on another
 * characteristic; -EBADMSG, ret invalid, when malformed), a result code
 * other than 0 flagged `device_error`; *ret_what the answer's name. */
int hv_omron_decode_answer(const struct hv_frame *frame,
			   struct hv_omron_answer *a, const char **ret_what,
			   struct hv_measurement *ret);
/* encode()'s last part: the answer to a read of n bytes at `address` on
 * RX channel 0, with the quirks to decode it. */
int hv_omron_encode_answer(unsigned quirks, uint16_t address,
			   const uint8_t *data, uint8_t n,
			   struct hv_frame *ret);
bool hv_omron_is_rx0(const struct hv_uuid *u);

/* Name of an answer's type ("memory_read" …), NULL for none of them. */
const char *hv_omron_answer_name(uint16_t type);

/* ---- Omron WLC body composition scales (drivers/omron_wlc.c) ---------------- */

/*
 * The HBF-702T family and the HBF-222T/227T/228T/230T (BCM-500, VIVA) on
 * the same service and framing. Source: oliexdev/openScale
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/OmronWlcHandler.kt and libs/OmronLib.kt (commit
 * f7a733b2cb6e8ccd751c3051232f3195c84dd8c4).
 *
 * Four user slots, each a ring of 30 records at bank[slot]; the index
 * block at 0x01a0 holds one byte per slot whose low 6 bits are the record
 * the next measurement goes to. A record (48 or 32 bytes) packs its fields
 * big-endian: a field is `size` bytes at `offset` read as one number,
 * `bits` bits from bit `shift` (bit 0 the least significant):
 *
 *   body fat 0.1 %     2,2 >>6 :10    visceral fat     2,2 >>0 :6
 *   BMR kcal/d         4,2 >>4 :12    skeletal muscle  6,2 >>6 :10 (0.1 %)
 *   year - 2000        7,1 >>0 :6     BMI 0.1          8,2 >>6 :10
 *   minute             9,1 >>0 :6     body age         10,1 >>0 :7
 *   month              11,1 >>0 :4    day              12,1 >>3 :5
 *   hour               12,2 >>6 :5    second           13,1 >>0 :6
 *   weight 50 g        26,2 >>4 :12
 *
 * A raw 0 is "not measured" (no weight: no record); visceral fat counts
 * half levels on the 48-byte records, whole ones on the 32-byte records.
 */
#define HV_OMRON_WLC_INDEX   0x01a0
#define HV_OMRON_WLC_USERS   4
#define HV_OMRON_WLC_RECORDS 30

struct hv_omron_wlc_profile {
	uint8_t record_size;
	uint16_t bank[HV_OMRON_WLC_USERS];
	bool visceral_halves;
	bool body_age;
};

/* The profile of an advertised name ("BLEsmart_0001000C…", the group and
 * model ids) or a device name ("HBF-702T"); NULL when none. */
const struct hv_omron_wlc_profile *
hv_omron_wlc_profile_by_name(const char *name);

/* Raw values as stored: weight in 50 g, fat, muscle and BMI in tenths,
 * visceral fat in the profile's steps; 0 = not measured. */
struct hv_omron_wlc_record {
	unsigned weight, fat, visceral, bmr, muscle, bmi, age;
	struct hv_datetime time; /* the scale's clock, local */
};

/* -ENODATA: a record never written (all 0xff or all 0) or with no weight;
 * -EBADMSG: shorter than the profile's record, or an impossible date. */
int hv_omron_wlc_record_decode(const struct hv_omron_wlc_profile *prof,
			       const uint8_t *p, size_t n,
			       struct hv_omron_wlc_record *ret);
/* A whole record (bytes of no field 0); -ERANGE when a value does not fit. */
int hv_omron_wlc_record_encode(const struct hv_omron_wlc_profile *prof,
			       const struct hv_omron_wlc_record *r,
			       uint8_t *buf);

uint16_t hv_omron_wlc_address(const struct hv_omron_wlc_profile *prof, int user,
			      int index);
/* Which user's record and which byte of it an address is; -ENOENT. */
int hv_omron_wlc_locate(const struct hv_omron_wlc_profile *prof,
			uint16_t address, int *ret_user, int *ret_index,
			unsigned *ret_offset);

/* A record's sequence number: seconds from 2000-01-01 00:00 to its time
 * (the scale's clock); the gateway keeps the last one stored. */
int32_t hv_omron_wlc_sequence(const struct hv_datetime *t);

/* The steps both conversations have, as designated initializers of the
 * includer's step table: its enum names ST_SUB_UNLOCK, ST_SUB_RX0-3,
 * ST_UNLOCK(_WAIT), ST_END_TX(_WAIT), ST_DONE, ST_PAIR(_WAIT),
 * ST_PAIR_KEY(_WAIT); on_unlock and on_pair_key go to its own steps. */
#define HV_OMRON_COMMON_STEPS(on_unlock, on_pair_key)                      \
	[ST_SUB_UNLOCK] = HV_OMRON_STEP_SUB(                               \
		HV_OMRON_UNLOCK, 0, "subscribe to the unlock channel"),    \
	[ST_SUB_RX0] = HV_OMRON_STEP_SUB(HV_OMRON_RX0, 0,                  \
					 "subscribe to RX channel 0"),     \
	[ST_SUB_RX1] = HV_OMRON_STEP_SUB(HV_OMRON_RX1, HV_STEP_OPTIONAL,   \
					 "subscribe to RX channel 1"),     \
	[ST_SUB_RX2] = HV_OMRON_STEP_SUB(HV_OMRON_RX2, HV_STEP_OPTIONAL,   \
					 "subscribe to RX channel 2"),     \
	[ST_SUB_RX3] = HV_OMRON_STEP_SUB(HV_OMRON_RX3, HV_STEP_OPTIONAL,   \
					 "subscribe to RX channel 3"),     \
	[ST_UNLOCK] = HV_OMRON_STEP_UNLOCK_WRITE(                          \
		hv_omron_unlock_request, "unlock with the gateway's key"), \
	[ST_UNLOCK_WAIT] = HV_OMRON_STEP_UNLOCK_WAIT(                      \
		on_unlock, "wait for the unlock answer"),                  \
	[ST_END_TX] = HV_OMRON_STEP_END_TX("end transmission"),            \
	[ST_END_TX_WAIT] = HV_OMRON_STEP_RX(hv_omron_on_ended, 0,          \
					    "wait for the end answer"),    \
	[ST_DONE] = { .op = HV_STEP_END, .what = "done" },                 \
	[ST_PAIR] = HV_OMRON_STEP_UNLOCK_WRITE(                            \
		hv_omron_pair_request,                                     \
		"enter key programming (pairing mode)"),                   \
	[ST_PAIR_WAIT] = HV_OMRON_STEP_UNLOCK_WAIT(                        \
		hv_omron_on_pair_mode, "wait for key programming"),        \
	[ST_PAIR_KEY] = HV_OMRON_STEP_UNLOCK_WRITE(                        \
		hv_omron_key_request, "program the gateway's key"),        \
	[ST_PAIR_KEY_WAIT] = HV_OMRON_STEP_UNLOCK_WAIT(                    \
		on_pair_key, "wait for the key programmed")
