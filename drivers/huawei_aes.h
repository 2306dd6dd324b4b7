/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * AES-128 in counter mode (FIPS-197, NIST SP 800-38A section 6.5), the
 * cipher the Huawei / Honor AH100, CH100 and CH100S scales wrap their
 * measurements and user frames in. Only the forward cipher is needed: CTR
 * encrypts and decrypts alike. The counter block is the whole 16-byte IV,
 * incremented as one big-endian number per block (as javax.crypto's
 * "AES/CTR/NoPadding", which the published implementations use, does).
 */

#include <stddef.h>
#include <stdint.h>

#define HV_AES128_KEY_LEN 16
#define HV_AES_BLOCK_LEN 16

/* One block: out = AES-128(key, in). in and out may be the same buffer. */
void hv_aes128_encrypt_block(const uint8_t key[HV_AES128_KEY_LEN],
			     const uint8_t in[HV_AES_BLOCK_LEN],
			     uint8_t out[HV_AES_BLOCK_LEN]);

/* buf[0..len-1] ^= the CTR key stream from `iv`; in place. */
void hv_aes128_ctr(const uint8_t key[HV_AES128_KEY_LEN],
		   const uint8_t iv[HV_AES_BLOCK_LEN], uint8_t *buf, size_t len);
