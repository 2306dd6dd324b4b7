// SPDX-License-Identifier: MIT
/*
 * The Eufy P2 handshake's pieces (see drivers/eufy_p2_auth.h): MD5
 * (RFC 1321), AES-128 (FIPS-197) in CBC with PKCS#7 padding, base64
 * (RFC 4648) and the segment framing of eufylife-ble-client's util.py.
 * Written from the specifications; pure, no allocation.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/eufy_p2_auth.h"
#include "drivers/vendor_util.h"

/* --- MD5 ------------------------------------------------------------------ */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

static const uint8_t md5_r[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

static uint32_t rol32(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

static void md5_block(uint32_t h[4], const uint8_t *p)
{
	uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];

	for (int i = 0; i < 16; i++)
		w[i] = hv_le32(p + 4 * i);
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g;

		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) % 16;
		}
		f += a + md5_k[i] + w[g];
		a = d;
		d = c;
		c = b;
		b += rol32(f, md5_r[i]);
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
}

void hv_md5(const uint8_t *data, size_t len, uint8_t ret[16])
{
	uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint8_t last[128] = { 0 };
	size_t full = len / 64 * 64, rest = len - full, n_last;
	uint64_t bits = (uint64_t)len * 8;

	for (size_t i = 0; i < full; i += 64)
		md5_block(h, data + i);
	if (rest)
		memcpy(last, data + full, rest);
	last[rest] = 0x80;
	n_last = rest < 56 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		last[n_last - 8 + i] = (uint8_t)(bits >> (8 * i));
	for (size_t i = 0; i < n_last; i += 64)
		md5_block(h, last + i);
	for (int i = 0; i < 4; i++)
		hv_put_le32(ret + 4 * i, h[i]);
}

/* --- base64 --------------------------------------------------------------- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? memchr(b64_alphabet, c, 64) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

static int b64_encode(const uint8_t *p, size_t n, char *out, size_t size,
		      size_t *ret_len)
{
	size_t len = (n + 2) / 3 * 4, o = 0;

	if (size < len + 1)
		return -ENOSPC;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 |
			     (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	*ret_len = len;
	return 0;
}

static int b64_decode(const char *s, size_t n, uint8_t *out, size_t size,
		      size_t *ret_len)
{
	size_t o = 0;

	if (n % 4)
		return -EBADMSG;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		size_t pad = 0;

		for (int j = 0; j < 4; j++) {
			bool last_group = i + 4 == n;

			if (s[i + j] == '=' && last_group && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			v[j] = pad ? -1 : b64_value(s[i + j]);
			if (v[j] < 0)
				return -EBADMSG;
		}
		if (o + 3 - pad > size)
			return -ENOSPC;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	*ret_len = o;
	return 0;
}

/* --- the handshake's cipher ------------------------------------------------ */

#define SEAL_MAX 64 /* longest text sealed or opened */

static const uint8_t iv_ascii_zeros[16] = {
	'0', '0', '0', '0', '0', '0', '0', '0',
	'0', '0', '0', '0', '0', '0', '0', '0',
};

int hv_eufy_key(const char *address, uint8_t ret[16])
{
	char hex[12];
	size_t n = 0;

	if (!address)
		return -EINVAL;
	for (const char *c = address; *c; c++) {
		if (*c == ':' || *c == '-')
			continue;
		if (hv_hex_digit(*c) < 0 || n == sizeof(hex))
			return -EINVAL;
		hex[n++] = *c >= 'a' && *c <= 'f' ? (char)(*c - 'a' + 'A') : *c;
	}
	if (n != sizeof(hex))
		return -EINVAL;
	hv_md5((const uint8_t *)hex, n, ret);
	return 0;
}

int hv_eufy_seal(const uint8_t key[16], const uint8_t *text, size_t len,
		 char *out, size_t size, size_t *ret_len)
{
	uint8_t buf[SEAL_MAX + 16], chain[16];
	struct hv_aes128 aes = { 0 };
	size_t padded = (len / 16 + 1) * 16;

	if (len > SEAL_MAX)
		return -ENOSPC;
	memcpy(buf, text, len);
	memset(buf + len, (int)(padded - len), padded - len);
	hv_aes128_init(&aes, key);
	memcpy(chain, iv_ascii_zeros, 16);
	for (size_t i = 0; i < padded; i += 16) {
		for (unsigned j = 0; j < 16; j++)
			buf[i + j] ^= chain[j];
		hv_aes128_encrypt_block(&aes, buf + i, buf + i);
		memcpy(chain, buf + i, 16);
	}
	return b64_encode(buf, padded, out, size, ret_len);
}

int hv_eufy_open(const uint8_t key[16], const char *b64, size_t b64_len,
		 uint8_t *out, size_t size, size_t *ret_len)
{
	uint8_t buf[SEAL_MAX + 16], chain[16], next[16];
	struct hv_aes128 aes = { 0 };
	size_t n, pad;
	int r;

	r = b64_decode(b64, b64_len, buf, sizeof(buf), &n);
	if (r < 0)
		return r == -ENOSPC ? -EBADMSG : r;
	if (n == 0 || n % 16)
		return -EBADMSG;
	hv_aes128_init(&aes, key);
	memcpy(chain, iv_ascii_zeros, 16);
	for (size_t i = 0; i < n; i += 16) {
		memcpy(next, buf + i, 16);
		hv_aes128_decrypt_block(&aes, buf + i, buf + i);
		for (unsigned j = 0; j < 16; j++)
			buf[i + j] ^= chain[j];
		memcpy(chain, next, 16);
	}
	pad = buf[n - 1];
	if (pad < 1 || pad > 16)
		return -EBADMSG;
	for (size_t i = n - pad; i < n; i++)
		if (buf[i] != pad)
			return -EBADMSG;
	if (n - pad > size)
		return -ENOSPC;
	memcpy(out, buf, n - pad);
	*ret_len = n - pad;
	return 0;
}

/* --- segments ------------------------------------------------------------- */

size_t hv_eufy_segments(size_t n)
{
	return n ? (n + HV_EUFY_SEGMENT_CHARS - 1) / HV_EUFY_SEGMENT_CHARS : 1;
}

int hv_eufy_segment(uint8_t prefix, const char *b64, size_t n, size_t index,
		    uint8_t *buf, size_t size, size_t *ret_len)
{
	size_t count = hv_eufy_segments(n), from, chunk;

	if (index >= count)
		return -EINVAL;
	if (n > 255 || size < HV_EUFY_SEGMENT_MAX)
		return -ENOSPC;
	from = index * HV_EUFY_SEGMENT_CHARS;
	chunk = n - from < HV_EUFY_SEGMENT_CHARS ? n - from :
						   HV_EUFY_SEGMENT_CHARS;
	buf[0] = prefix;
	buf[1] = (uint8_t)count;
	buf[2] = (uint8_t)index;
	buf[3] = (uint8_t)n;
	memcpy(buf + 4, b64 + from, chunk);
	buf[4 + chunk] = hv_xor8(buf, 4 + chunk);
	*ret_len = 4 + chunk + 1;
	return 0;
}

bool hv_eufy_segment_valid(uint8_t prefix, const uint8_t *v, size_t len)
{
	return len >= 5 && v[0] == prefix &&
	       hv_xor8(v, len - 1) == v[len - 1];
}

void hv_eufy_client_uuid(const uint8_t key[16], int64_t now_unix,
			 char ret[HV_EUFY_UUID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t in[24], h[16];

	memcpy(in, key, 16);
	for (int i = 0; i < 8; i++)
		in[16 + i] = (uint8_t)((uint64_t)now_unix >> (8 * i));
	hv_md5(in, sizeof(in), h);
	for (int i = 0; i < HV_EUFY_UUID_LEN; i++)
		ret[i] = digits[(h[i / 2] >> (i % 2 ? 0 : 4)) & 0xF];
	ret[HV_EUFY_UUID_LEN] = '\0';
}
