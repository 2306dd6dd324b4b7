/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The Eufy P2 / P2 Pro handshake's pieces, pure, for the driver's
 * conversation (drivers/eufy_p2_c20.c) and the scale's firmware model:
 *
 *   key      MD5 of the address's 12 hex digits, upper case, no separators
 *   cipher   AES-128-CBC, PKCS#7 padding, IV sixteen ASCII '0' (0x30)
 *   text     the cipher text in base64; its ASCII goes on the air
 *   segments prefix, count, index, total base64 length, at most 15 base64
 *            characters, XOR of the bytes before
 *
 * Sources: bdr99/eufylife-ble-client eufylife_ble_client/auth_handler.py
 * and util.py at d7af3299a349235e08b6abb37af20568289a5496;
 * KristianP26/ble-scale-sync src/scales/eufy-p2.ts at 3cce0090. MD5 is
 * RFC 1321, AES FIPS-197, base64 RFC 4648 section 4.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/aes128.h" /* the block cipher (CBC is built here) */

#define HV_EUFY_SEGMENT_CHARS 15 /* base64 characters per segment */
#define HV_EUFY_SEGMENT_MAX (4 + HV_EUFY_SEGMENT_CHARS + 1)
#define HV_EUFY_UUID_LEN 15 /* the client's text, as the sources */

void hv_md5(const uint8_t *data, size_t len, uint8_t ret[16]);


/* The key from "AA:BB:CC:DD:EE:FF" (or "-" separated, any case); -EINVAL
 * for anything that is not six octets. */
int hv_eufy_key(const char *address, uint8_t ret[16]);

/*
 * text → base64(AES-CBC(text)) into out (NUL-terminated); *ret_len its
 * length. -ENOSPC when out is too small.
 */
int hv_eufy_seal(const uint8_t key[16], const uint8_t *text, size_t len,
		 char *out, size_t size, size_t *ret_len);

/*
 * base64 → the text, padding checked, into out (not terminated).
 * -EBADMSG for bad base64, a length not a whole number of blocks, or bad
 * padding; -ENOSPC when out is too small.
 */
int hv_eufy_open(const uint8_t key[16], const char *b64, size_t b64_len,
		 uint8_t *out, size_t size, size_t *ret_len);

/* How many segments carry n base64 characters (at least 1). */
size_t hv_eufy_segments(size_t n);

/* Segment `index` of b64 under prefix (0xC0 … 0xC3) into buf. -EINVAL for
 * an index past the last, -ENOSPC for a small buf or a text past 255. */
int hv_eufy_segment(uint8_t prefix, const char *b64, size_t n, size_t index,
		    uint8_t *buf, size_t size, size_t *ret_len);

/* A segment's frame holds: its prefix, at least the header and the XOR,
 * and the XOR matches. */
bool hv_eufy_segment_valid(uint8_t prefix, const uint8_t *v, size_t len);

/* The client's 15 characters for a session: lower-case hex of MD5(key,
 * clock), so each session has its own and the driver stays pure. */
void hv_eufy_client_uuid(const uint8_t key[16], int64_t now_unix,
			 char ret[HV_EUFY_UUID_LEN + 1]);
