/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * AES-128 (FIPS-197) and CCM (NIST SP 800-38C), for the encrypted adverts
 * of devices that need a bind key. Pure, constant tables only, no
 * allocation. Written for a few short frames per second: clarity over speed.
 */

#include <stddef.h>
#include <stdint.h>

#define HV_AES128_KEY_LEN 16
#define HV_AES_BLOCK_LEN 16
/* hv_ccm_decrypt() holds the plaintext until the tag is checked. */
#define HV_CCM_PLAIN_MAX 255

struct hv_aes128 {
	uint8_t round_keys[11][HV_AES_BLOCK_LEN];
};

void hv_aes128_init(struct hv_aes128 *ctx, const uint8_t key[HV_AES128_KEY_LEN]);
void hv_aes128_encrypt_block(const struct hv_aes128 *ctx,
			     const uint8_t in[HV_AES_BLOCK_LEN],
			     uint8_t out[HV_AES_BLOCK_LEN]);
/* The inverse cipher (FIPS-197 §5.3), for CBC decryption (the Eufy P2's
 * handshake). in and out may be the same buffer. */
void hv_aes128_decrypt_block(const struct hv_aes128 *ctx,
			     const uint8_t in[HV_AES_BLOCK_LEN],
			     uint8_t out[HV_AES_BLOCK_LEN]);

/*
 * CTR (NIST SP 800-38A §6.5) in place: buf ^= the key stream from iv, the
 * whole 16-byte block counted up as one big-endian number (as javax.crypto's
 * "AES/CTR/NoPadding" does: the Huawei / Honor scales). Encrypts and
 * decrypts alike.
 */
void hv_aes128_ctr(const uint8_t key[HV_AES128_KEY_LEN],
		   const uint8_t iv[HV_AES_BLOCK_LEN], uint8_t *buf, size_t len);

/*
 * CCM with a nonce of 7..13 bytes and a tag of 4, 6, …, 16 bytes; at most
 * 65279 bytes of associated data. encrypt writes len bytes of ciphertext to
 * out and the tag to tag; decrypt checks the tag (constant time) and writes
 * the plaintext only when it matches. Return 0, -EINVAL for bad sizes,
 * -EBADMSG when the tag does not match. Decrypt takes at most
 * HV_CCM_PLAIN_MAX bytes.
 */
int hv_ccm_encrypt(const uint8_t key[HV_AES128_KEY_LEN], const uint8_t *nonce,
		   size_t nonce_len, const uint8_t *aad, size_t aad_len,
		   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
		   size_t tag_len);
int hv_ccm_decrypt(const uint8_t key[HV_AES128_KEY_LEN], const uint8_t *nonce,
		   size_t nonce_len, const uint8_t *aad, size_t aad_len,
		   const uint8_t *in, size_t len, const uint8_t *tag,
		   size_t tag_len, uint8_t *out);
