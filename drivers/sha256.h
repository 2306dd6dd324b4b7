/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA256 (RFC 2104, FIPS 198-1), for the
 * handshakes and key derivations of devices that need them (the Huawei
 * "Hagrid" scales). Pure, no allocation; written for a few short messages
 * per session: clarity over speed.
 */

#include <stddef.h>
#include <stdint.h>

#define HV_SHA256_LEN 32
#define HV_SHA256_BLOCK_LEN 64

struct hv_sha256 {
	uint32_t state[8];
	uint64_t total_len; /* bytes hashed so far */
	size_t buffered;
	uint8_t block[HV_SHA256_BLOCK_LEN];
};

void hv_sha256_init(struct hv_sha256 *ctx);
void hv_sha256_update(struct hv_sha256 *ctx, const void *data, size_t len);
void hv_sha256_final(struct hv_sha256 *ctx, uint8_t out[HV_SHA256_LEN]);
void hv_sha256(const void *data, size_t len, uint8_t out[HV_SHA256_LEN]);

/* HMAC-SHA256 over msg with a key of any length (longer than a block:
 * hashed first, RFC 2104 §2). */
void hv_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg,
		    size_t msg_len, uint8_t out[HV_SHA256_LEN]);
