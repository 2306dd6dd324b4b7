/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The Huawei Scale 2 Pro / Scale 3 / Scale 3 Pro and Honor Scale 2 "Hagrid"
 * WSP protocol, as a pure codec (drivers/huawei_hagrid.c has the layout and
 * its sources): frames and their reassembly over caller-owned state, the key
 * derivation and authentication tokens, the AES-128-CTR payloads and the
 * measurement payloads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/measurement.h"

/* Frame types: the app writes 0xDB/0xDC, the scale notifies 0xBD/0xCD. */
#define HV_HAGRID_WRITE_PLAIN 0xDB
#define HV_HAGRID_WRITE_ENCRYPTED 0xDC
#define HV_HAGRID_NOTIFY_PLAIN 0xBD
#define HV_HAGRID_NOTIFY_ENCRYPTED 0xCD

#define HV_HAGRID_CHUNK_MAX 15 /* payload bytes per frame */
#define HV_HAGRID_FRAME_MAX (HV_HAGRID_CHUNK_MAX + 5)
#define HV_HAGRID_FRAMES_MAX 16 /* a 4-bit frame count */
#define HV_HAGRID_MESSAGE_MAX 240 /* what one message may carry */
#define HV_HAGRID_SECRET_LEN 16 /* CAK, C1, C2, keys, randoms, IV */
#define HV_HAGRID_TOKEN_LEN 32
#define HV_HAGRID_IMPEDANCES 6
#define HV_HAGRID_USER_INFO_LEN 69

/* Characteristics (service 0x181B / 0x181D on the scale). */
#define HV_HAGRID_REALTIME "46797c17-d639-488d-9476-4789e8472878"
#define HV_HAGRID_HISTORY "0212f42a-5f19-4bc1-ba52-d7ec7ccb71a4"

/* CRC-16 of a frame: writes use CCITT (poly 0x1021, init 0) over the frame
 * with its CRC field zeroed, notifications CRC-16/MODBUS over the frame
 * without its CRC. Both go little-endian in the last two bytes. */
uint16_t hv_hagrid_crc_ccitt(const uint8_t *p, size_t n);
uint16_t hv_hagrid_crc_modbus(const uint8_t *p, size_t n);

struct hv_hagrid_frame {
	uint8_t type; /* HV_HAGRID_* */
	bool encrypted;
	uint8_t total; /* frames in the message, 1..16 */
	uint8_t index; /* 0..total-1 */
	const uint8_t *payload; /* into the frame */
	size_t len;
	size_t frame_len; /* bytes the frame took, CRC included */
};

/*
 * Parse the frame at the start of p (n bytes; more may follow). Return 0,
 * -EBADMSG when it is not a WSP frame (type, length, index, CRC).
 */
int hv_hagrid_parse_frame(const uint8_t *p, size_t n,
			  struct hv_hagrid_frame *ret);

/*
 * Split payload into frames of type `type`, back to back in out (each
 * len + 5 bytes, CRC by the type's rule). Return 0, -EINVAL for a payload
 * over HV_HAGRID_MESSAGE_MAX or an unknown type, -ENOSPC.
 */
int hv_hagrid_build_frames(uint8_t type, const uint8_t *payload, size_t len,
			   uint8_t *out, size_t size, size_t *ret_len);

/* Reassembly state, owned by the caller; zero it to start. */
struct hv_hagrid_reassembly {
	uint8_t expected; /* 0 = no message started */
	bool encrypted;
	uint16_t have; /* bit i: chunk i arrived */
	uint8_t chunk_len[HV_HAGRID_FRAMES_MAX];
	uint8_t chunks[HV_HAGRID_FRAMES_MAX][HV_HAGRID_CHUNK_MAX];
};

/*
 * Feed one notification frame. Return 1 with the whole message in out
 * (*ret_len, *ret_encrypted) when it completes it, 0 while more are due or
 * the frame was dropped (a continuation without its start, a change of
 * frame count or type mid-message), -EBADMSG for a frame that does not
 * parse, -ENOSPC when out is too small. An index 0 always starts over.
 */
int hv_hagrid_reassemble(struct hv_hagrid_reassembly *st, const uint8_t *frame,
			 size_t n, uint8_t *out, size_t size, size_t *ret_len,
			 bool *ret_encrypted);

/* C3: the scale's address as 12 upper-case hex digits and "0000", ASCII.
 * -EINVAL for an address that is not six hex bytes. */
int hv_hagrid_c3_from_address(const char *address,
			      uint8_t ret[HV_HAGRID_SECRET_LEN]);
/* The root key: SHA-256 of (C1 << 4 ^ C2), each byte shifted right by 6,
 * XOR C3, SHA-256 again; the first 16 bytes each time. */
void hv_hagrid_root_key(const uint8_t c1[HV_HAGRID_SECRET_LEN],
			const uint8_t c2[HV_HAGRID_SECRET_LEN],
			const uint8_t c3[HV_HAGRID_SECRET_LEN],
			uint8_t ret[HV_HAGRID_SECRET_LEN]);
/* The token of the handshake: HMAC(HMAC(randA|randB, key = CAK|suffix),
 * key = that) over randA|randB; suffix "1123" from the app, "9856" from
 * the scale. */
void hv_hagrid_auth_token(const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
			  const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
			  const uint8_t cak[HV_HAGRID_SECRET_LEN], bool from_scale,
			  uint8_t ret[HV_HAGRID_TOKEN_LEN]);
/* What the app writes: randB, then its token (48 bytes). */
void hv_hagrid_auth_payload(const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
			    const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
			    const uint8_t cak[HV_HAGRID_SECRET_LEN],
			    uint8_t ret[HV_HAGRID_SECRET_LEN + HV_HAGRID_TOKEN_LEN]);
/* The scale's answer checked in constant time. */
bool hv_hagrid_auth_response_ok(const uint8_t *response, size_t len,
				const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
				const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
				const uint8_t cak[HV_HAGRID_SECRET_LEN]);

/* An encrypted payload is IV (16) then AES-128-CTR ciphertext. encrypt
 * writes len + 16 bytes, decrypt len - 16. -EINVAL when shorter than an
 * IV, -ENOSPC. */
int hv_hagrid_encrypt(const uint8_t key[HV_HAGRID_SECRET_LEN],
		      const uint8_t iv[HV_HAGRID_SECRET_LEN],
		      const uint8_t *plain, size_t len, uint8_t *out,
		      size_t size, size_t *ret_len);
int hv_hagrid_decrypt(const uint8_t key[HV_HAGRID_SECRET_LEN],
		      const uint8_t *in, size_t len, uint8_t *out, size_t size,
		      size_t *ret_len);

/* A weighing, realtime (26 or 38 bytes) or history (27, 28, 39 or 40). */
struct hv_hagrid_weight {
	double weight_kg; /* u16 LE / 100 */
	double fat_percent; /* u16 LE / 10 */
	bool has_time; /* bytes 4..10: year LE, month, day, h, m, s */
	struct hv_datetime time;
	uint16_t low[HV_HAGRID_IMPEDANCES]; /* raw, bytes 12..23 */
	bool has_high; /* the 38-byte form: bytes 26..37 */
	uint16_t high[HV_HAGRID_IMPEDANCES];
	unsigned heart_rate; /* bytes 24..25; 0 = none (outside 1..240) */
	bool has_history_flags;
	uint8_t history_suspected; /* the byte after the record */
	bool has_complete_flag;
	bool history_complete; /* the next byte: 0 = the last record */
};

/* Return 0, -EBADMSG for another length, or a history record without a
 * valid time (a realtime one may lack it). */
int hv_hagrid_parse_realtime(const uint8_t *p, size_t n,
			     struct hv_hagrid_weight *ret);
int hv_hagrid_parse_history(const uint8_t *p, size_t n,
			    struct hv_hagrid_weight *ret);
/* A raw impedance in ohms: 1..3999 as is, 4000..39999 tenths; < 0 for
 * none. */
double hv_hagrid_impedance_ohm(uint16_t raw);
/* The first valid impedance of a band; < 0 when none. */
double hv_hagrid_band_ohm(const uint16_t band[HV_HAGRID_IMPEDANCES]);
/* The scale's SIG Weight Measurement (0x2A9D): flags, u16 LE weight
 * (0.005 kg, or 0.01 lb), optional time / user / BMI+height. */
int hv_hagrid_parse_standard_weight(const uint8_t *p, size_t n,
				    double *ret_kg);

struct hv_hagrid_user {
	const char *huid; /* account id, UTF-8, at most 30 bytes used */
	const char *uid; /* user id, at most 32 bytes used */
	uint8_t gender, age_years;
	uint16_t height_cm;
	double weight_kg; /* 0 = unknown */
	uint8_t user_type;
};

/* The 69-byte user-info payload. */
void hv_hagrid_user_info(const struct hv_hagrid_user *u,
			 uint8_t ret[HV_HAGRID_USER_INFO_LEN]);

/* The work key the gateway sends (see the conversation in
 * drivers/huawei_hagrid.c): the first 16 bytes of HMAC-SHA256(key = root,
 * "homevitals work key"). */
void hv_hagrid_work_key(const uint8_t root[HV_HAGRID_SECRET_LEN],
			uint8_t ret[HV_HAGRID_SECRET_LEN]);
/* Root and work key from CAK|C1|C2 (48 bytes) and the address: 0,
 * -ENOKEY without the three secrets, -EINVAL for a bad address. */
int hv_hagrid_session_keys(const uint8_t *secrets, size_t secrets_len,
			   const char *address,
			   uint8_t ret_root[HV_HAGRID_SECRET_LEN],
			   uint8_t ret_work[HV_HAGRID_SECRET_LEN]);
