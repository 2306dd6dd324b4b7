// SPDX-License-Identifier: MIT
/*
 * AES-128 per FIPS-197 (byte-oriented: SubBytes, ShiftRows, MixColumns,
 * AddRoundKey; the S-box as the standard's table) and CCM per NIST
 * SP 800-38C (formatting of B0, the associated data and the counter
 * blocks as in its Appendix A). Test vectors: FIPS-197 Appendix C.1 and
 * SP 800-38C Appendix C (tests/unit/test_aes128.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "drivers/aes128.h"

static const uint8_t sbox[256] = {
	0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b,
	0xfe, 0xd7, 0xab, 0x76, 0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0,
	0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0, 0xb7, 0xfd, 0x93, 0x26,
	0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
	0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2,
	0xeb, 0x27, 0xb2, 0x75, 0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0,
	0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84, 0x53, 0xd1, 0x00, 0xed,
	0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
	0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f,
	0x50, 0x3c, 0x9f, 0xa8, 0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5,
	0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2, 0xcd, 0x0c, 0x13, 0xec,
	0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
	0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14,
	0xde, 0x5e, 0x0b, 0xdb, 0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c,
	0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79, 0xe7, 0xc8, 0x37, 0x6d,
	0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
	0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f,
	0x4b, 0xbd, 0x8b, 0x8a, 0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e,
	0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e, 0xe1, 0xf8, 0x98, 0x11,
	0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
	0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f,
	0xb0, 0x54, 0xbb, 0x16,
};

static uint8_t xtime(uint8_t b)
{
	return (uint8_t)((b << 1) ^ ((b & 0x80) ? 0x1b : 0));
}

void hv_aes128_init(struct hv_aes128 *ctx, const uint8_t key[HV_AES128_KEY_LEN])
{
	uint8_t rcon = 1;

	memcpy(ctx->round_keys[0], key, HV_AES128_KEY_LEN);
	for (int r = 1; r <= 10; r++) {
		const uint8_t *prev = ctx->round_keys[r - 1];
		uint8_t *k = ctx->round_keys[r];
		uint8_t t[4] = { sbox[prev[13]], sbox[prev[14]], sbox[prev[15]],
				 sbox[prev[12]] };

		t[0] ^= rcon;
		rcon = xtime(rcon);
		for (int i = 0; i < 16; i++)
			k[i] = prev[i] ^ (i < 4 ? t[i] : k[i - 4]);
	}
}

static void add_round_key(uint8_t s[16], const uint8_t k[16])
{
	for (int i = 0; i < 16; i++)
		s[i] ^= k[i];
}

/* SubBytes and ShiftRows together; the state is column-major (s[4c + r]). */
static void sub_shift(uint8_t s[16])
{
	uint8_t t[16];

	for (int c = 0; c < 4; c++)
		for (int r = 0; r < 4; r++)
			t[4 * c + r] = sbox[s[4 * ((c + r) % 4) + r]];
	memcpy(s, t, 16);
}

static void mix_columns(uint8_t s[16])
{
	for (int c = 0; c < 4; c++) {
		uint8_t *col = s + 4 * c;
		uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
		uint8_t all = a0 ^ a1 ^ a2 ^ a3;

		col[0] ^= all ^ xtime(a0 ^ a1);
		col[1] ^= all ^ xtime(a1 ^ a2);
		col[2] ^= all ^ xtime(a2 ^ a3);
		col[3] ^= all ^ xtime(a3 ^ a0);
	}
}

void hv_aes128_encrypt_block(const struct hv_aes128 *ctx,
			     const uint8_t in[HV_AES_BLOCK_LEN],
			     uint8_t out[HV_AES_BLOCK_LEN])
{
	uint8_t s[16];

	memcpy(s, in, 16);
	add_round_key(s, ctx->round_keys[0]);
	for (int r = 1; r < 10; r++) {
		sub_shift(s);
		mix_columns(s);
		add_round_key(s, ctx->round_keys[r]);
	}
	sub_shift(s);
	add_round_key(s, ctx->round_keys[10]);
	memcpy(out, s, 16);
}

/* --- the inverse cipher (FIPS-197 section 5.3) --------------------------- */

static uint8_t inv_sbox(uint8_t v)
{
	/* The S-box is a permutation; 256 compares beat a second table for
	 * the few blocks a handshake decrypts. */
	for (unsigned i = 0; i < 256; i++)
		if (sbox[i] == v)
			return (uint8_t)i;
	return 0;
}

static uint8_t gmul(uint8_t a, uint8_t b)
{
	uint8_t p = 0;

	while (b) {
		if (b & 1)
			p ^= a;
		a = xtime(a);
		b >>= 1;
	}
	return p;
}

/* InvShiftRows and InvSubBytes together (column-major state). */
static void inv_shift_sub(uint8_t s[16])
{
	uint8_t t[16];

	for (int c = 0; c < 4; c++)
		for (int r = 0; r < 4; r++)
			t[4 * c + r] = inv_sbox(s[4 * ((c + 4 - r) % 4) + r]);
	memcpy(s, t, 16);
}

static void inv_mix_columns(uint8_t s[16])
{
	for (int c = 0; c < 4; c++) {
		uint8_t *col = s + 4 * c;
		uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];

		col[0] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9);
		col[1] = gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13);
		col[2] = gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11);
		col[3] = gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14);
	}
}

void hv_aes128_decrypt_block(const struct hv_aes128 *ctx,
			     const uint8_t in[HV_AES_BLOCK_LEN],
			     uint8_t out[HV_AES_BLOCK_LEN])
{
	uint8_t s[16];

	memcpy(s, in, 16);
	add_round_key(s, ctx->round_keys[10]);
	for (int r = 9; r > 0; r--) {
		inv_shift_sub(s);
		add_round_key(s, ctx->round_keys[r]);
		inv_mix_columns(s);
	}
	inv_shift_sub(s);
	add_round_key(s, ctx->round_keys[0]);
	memcpy(out, s, 16);
}

/* --- CCM --------------------------------------------------------------- */

static bool ccm_sizes_ok(size_t nonce_len, size_t aad_len, size_t len,
			 size_t tag_len)
{
	size_t q = 15 - nonce_len;

	if (nonce_len < 7 || nonce_len > 13 || tag_len < 4 || tag_len > 16 ||
	    tag_len % 2 || aad_len >= 0xFF00)
		return false;
	/* The message length must fit in q bytes. */
	return q >= sizeof(size_t) || len >> (8 * q) == 0;
}

/* Counter block i: flags (q - 1), nonce, counter in q bytes. */
static void ctr_block(uint8_t b[16], const uint8_t *nonce, size_t nonce_len,
		      size_t i)
{
	size_t q = 15 - nonce_len;

	b[0] = (uint8_t)(q - 1);
	memcpy(b + 1, nonce, nonce_len);
	for (size_t k = 0; k < q; k++)
		b[15 - k] = (uint8_t)(k < sizeof(size_t) ? i >> (8 * k) : 0);
}

/* XOR `n` bytes into the CBC-MAC state, encrypting each full block. */
struct cbc_mac {
	const struct hv_aes128 *aes;
	uint8_t x[16];
	size_t fill;
};

static void mac_absorb(struct cbc_mac *m, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		m->x[m->fill++] ^= p[i];
		if (m->fill == 16) {
			hv_aes128_encrypt_block(m->aes, m->x, m->x);
			m->fill = 0;
		}
	}
}

/* Zero padding up to the block boundary. */
static void mac_pad(struct cbc_mac *m)
{
	if (m->fill) {
		hv_aes128_encrypt_block(m->aes, m->x, m->x);
		m->fill = 0;
	}
}

static void ccm_tag(const struct hv_aes128 *aes, const uint8_t *nonce,
		    size_t nonce_len, const uint8_t *aad, size_t aad_len,
		    const uint8_t *plain, size_t len, size_t tag_len,
		    uint8_t tag[16])
{
	struct cbc_mac m = { .aes = aes };
	uint8_t b0[16], s0[16];
	size_t q = 15 - nonce_len;

	b0[0] = (uint8_t)((aad_len ? 0x40 : 0) | (((tag_len - 2) / 2) << 3) |
			  (q - 1));
	memcpy(b0 + 1, nonce, nonce_len);
	for (size_t k = 0; k < q; k++)
		b0[15 - k] = (uint8_t)(k < sizeof(size_t) ? len >> (8 * k) : 0);
	mac_absorb(&m, b0, 16);
	if (aad_len) {
		uint8_t l[2] = { (uint8_t)(aad_len >> 8), (uint8_t)aad_len };

		mac_absorb(&m, l, 2);
		mac_absorb(&m, aad, aad_len);
		mac_pad(&m);
	}
	mac_absorb(&m, plain, len);
	mac_pad(&m);
	ctr_block(s0, nonce, nonce_len, 0);
	hv_aes128_encrypt_block(aes, s0, s0);
	for (size_t i = 0; i < 16; i++)
		tag[i] = m.x[i] ^ s0[i];
}

static void ccm_ctr(const struct hv_aes128 *aes, const uint8_t *nonce,
		    size_t nonce_len, const uint8_t *in, size_t len,
		    uint8_t *out)
{
	uint8_t block[16];

	for (size_t off = 0; off < len; off += 16) {
		ctr_block(block, nonce, nonce_len, off / 16 + 1);
		hv_aes128_encrypt_block(aes, block, block);
		for (size_t i = 0; i < 16 && off + i < len; i++)
			out[off + i] = in[off + i] ^ block[i];
	}
}

int hv_ccm_encrypt(const uint8_t key[HV_AES128_KEY_LEN], const uint8_t *nonce,
		   size_t nonce_len, const uint8_t *aad, size_t aad_len,
		   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag,
		   size_t tag_len)
{
	struct hv_aes128 aes = { 0 };
	uint8_t t[16];

	if (!ccm_sizes_ok(nonce_len, aad_len, len, tag_len))
		return -EINVAL;
	hv_aes128_init(&aes, key);
	ccm_tag(&aes, nonce, nonce_len, aad, aad_len, in, len, tag_len, t);
	ccm_ctr(&aes, nonce, nonce_len, in, len, out);
	memcpy(tag, t, tag_len);
	return 0;
}

int hv_ccm_decrypt(const uint8_t key[HV_AES128_KEY_LEN], const uint8_t *nonce,
		   size_t nonce_len, const uint8_t *aad, size_t aad_len,
		   const uint8_t *in, size_t len, const uint8_t *tag,
		   size_t tag_len, uint8_t *out)
{
	struct hv_aes128 aes = { 0 };
	uint8_t plain[HV_CCM_PLAIN_MAX], t[16], diff = 0;

	if (!ccm_sizes_ok(nonce_len, aad_len, len, tag_len) ||
	    len > sizeof(plain))
		return -EINVAL;
	hv_aes128_init(&aes, key);
	ccm_ctr(&aes, nonce, nonce_len, in, len, plain);
	ccm_tag(&aes, nonce, nonce_len, aad, aad_len, plain, len, tag_len, t);
	for (size_t i = 0; i < tag_len; i++)
		diff |= t[i] ^ tag[i];
	if (diff)
		return -EBADMSG;
	memcpy(out, plain, len);
	return 0;
}

void hv_aes128_ctr(const uint8_t key[HV_AES128_KEY_LEN],
		   const uint8_t iv[HV_AES_BLOCK_LEN], uint8_t *buf, size_t len)
{
	uint8_t counter[HV_AES_BLOCK_LEN], stream[HV_AES_BLOCK_LEN];
	struct hv_aes128 aes = { 0 };

	hv_aes128_init(&aes, key);
	memcpy(counter, iv, HV_AES_BLOCK_LEN);
	for (size_t off = 0; off < len; off += HV_AES_BLOCK_LEN) {
		size_t n = len - off < HV_AES_BLOCK_LEN ? len - off :
							  HV_AES_BLOCK_LEN;

		hv_aes128_encrypt_block(&aes, counter, stream);
		for (size_t i = 0; i < n; i++)
			buf[off + i] ^= stream[i];
		for (size_t i = HV_AES_BLOCK_LEN; i-- > 0;)
			if (++counter[i])
				break;
	}
}
