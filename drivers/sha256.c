// SPDX-License-Identifier: MIT
/*
 * SHA-256 as FIPS 180-4 specifies it: §4.2.2 the constants, §5.1.1 the
 * padding, §5.3.3 the initial hash value, §6.2.2 the compression. HMAC as
 * RFC 2104 §2 (ipad 0x36, opad 0x5c, B = 64).
 */
#include "drivers/sha256.h"

#include <string.h>

static const uint32_t k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const uint8_t block[HV_SHA256_BLOCK_LEN])
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;

	for (unsigned t = 0; t < 16; t++)
		w[t] = (uint32_t)block[4 * t] << 24 |
		       (uint32_t)block[4 * t + 1] << 16 |
		       (uint32_t)block[4 * t + 2] << 8 | block[4 * t + 3];
	for (unsigned t = 16; t < 64; t++) {
		uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^
			      (w[t - 15] >> 3);
		uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^
			      (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (unsigned t = 0; t < 64; t++) {
		uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			      ((e & f) ^ (~e & g)) + k[t] + w[t];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void hv_sha256_init(struct hv_sha256 *ctx)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					0xa54ff53a, 0x510e527f, 0x9b05688c,
					0x1f83d9ab, 0x5be0cd19 };

	memcpy(ctx->state, h0, sizeof(h0));
	ctx->total_len = 0;
	ctx->buffered = 0;
}

void hv_sha256_update(struct hv_sha256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	ctx->total_len += len;
	while (len > 0) {
		size_t n = HV_SHA256_BLOCK_LEN - ctx->buffered;

		if (n > len)
			n = len;
		memcpy(ctx->block + ctx->buffered, p, n);
		ctx->buffered += n;
		p += n;
		len -= n;
		if (ctx->buffered == HV_SHA256_BLOCK_LEN) {
			compress(ctx->state, ctx->block);
			ctx->buffered = 0;
		}
	}
}

void hv_sha256_final(struct hv_sha256 *ctx, uint8_t out[HV_SHA256_LEN])
{
	uint64_t bits = ctx->total_len * 8;
	uint8_t pad = 0x80;

	/* §5.1.1: a one bit, zeros to 56 mod 64, the length in bits. */
	hv_sha256_update(ctx, &pad, 1);
	pad = 0;
	while (ctx->buffered != HV_SHA256_BLOCK_LEN - 8)
		hv_sha256_update(ctx, &pad, 1);
	for (int i = 7; i >= 0; i--)
		ctx->block[HV_SHA256_BLOCK_LEN - 1 - i] = (uint8_t)(bits >> (8 * i));
	compress(ctx->state, ctx->block);
	for (unsigned i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(ctx->state[i] >> 24);
		out[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
		out[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
		out[4 * i + 3] = (uint8_t)ctx->state[i];
	}
}

void hv_sha256(const void *data, size_t len, uint8_t out[HV_SHA256_LEN])
{
	struct hv_sha256 ctx;

	hv_sha256_init(&ctx);
	hv_sha256_update(&ctx, data, len);
	hv_sha256_final(&ctx, out);
}

void hv_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg,
		    size_t msg_len, uint8_t out[HV_SHA256_LEN])
{
	uint8_t k0[HV_SHA256_BLOCK_LEN] = { 0 }, pad[HV_SHA256_BLOCK_LEN];
	uint8_t inner[HV_SHA256_LEN];
	struct hv_sha256 ctx;

	if (key_len > HV_SHA256_BLOCK_LEN)
		hv_sha256(key, key_len, k0);
	else if (key_len > 0)
		memcpy(k0, key, key_len);

	for (unsigned i = 0; i < HV_SHA256_BLOCK_LEN; i++)
		pad[i] = k0[i] ^ 0x36;
	hv_sha256_init(&ctx);
	hv_sha256_update(&ctx, pad, sizeof(pad));
	hv_sha256_update(&ctx, msg, msg_len);
	hv_sha256_final(&ctx, inner);

	for (unsigned i = 0; i < HV_SHA256_BLOCK_LEN; i++)
		pad[i] = k0[i] ^ 0x5c;
	hv_sha256_init(&ctx);
	hv_sha256_update(&ctx, pad, sizeof(pad));
	hv_sha256_update(&ctx, inner, sizeof(inner));
	hv_sha256_final(&ctx, out);
}
