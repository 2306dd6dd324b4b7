// SPDX-License-Identifier: MIT
/*
 * AES-128 and CCM against the published vectors: FIPS-197 Appendix C.1
 * (AES-128 cipher example) and NIST SP 800-38C Appendix C, Examples 1-3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/aes128.h"
#include "drivers/bytes.h"

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < max; s += 2)
		out[n++] = (uint8_t)(hv_hex_digit(s[0]) << 4 | hv_hex_digit(s[1]));
	return n;
}

static void test_fips197_c1(void **state)
{
	uint8_t key[16], in[16], want[16], out[16];
	struct hv_aes128 aes;

	(void)state;
	unhex("000102030405060708090a0b0c0d0e0f", key, 16);
	unhex("00112233445566778899aabbccddeeff", in, 16);
	unhex("69c4e0d86a7b0430d8cdb78070b4c55a", want, 16);
	hv_aes128_init(&aes, key);
	hv_aes128_encrypt_block(&aes, in, out);
	assert_memory_equal(out, want, 16);
}

struct ccm_vector {
	const char *nonce, *aad, *plain, *cipher_and_tag;
	size_t tag_len;
};

/* SP 800-38C Appendix C: K = 40..4f for all three examples. */
static const struct ccm_vector sp800_38c[] = {
	{ "10111213141516", "0001020304050607", "20212223",
	  "7162015b4dac255d", 4 },
	{ "1011121314151617", "000102030405060708090a0b0c0d0e0f",
	  "202122232425262728292a2b2c2d2e2f",
	  "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6 },
	{ "101112131415161718191a1b",
	  "000102030405060708090a0b0c0d0e0f10111213",
	  "202122232425262728292a2b2c2d2e2f3031323334353637",
	  "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951", 8 },
};

static void test_sp800_38c(void **state)
{
	uint8_t key[16], nonce[16], aad[32], plain[32], want[48], out[48],
		tag[16], back[32];

	(void)state;
	unhex("404142434445464748494a4b4c4d4e4f", key, 16);
	for (size_t i = 0; i < sizeof(sp800_38c) / sizeof(sp800_38c[0]); i++) {
		const struct ccm_vector *v = &sp800_38c[i];
		size_t nn = unhex(v->nonce, nonce, sizeof(nonce));
		size_t na = unhex(v->aad, aad, sizeof(aad));
		size_t np = unhex(v->plain, plain, sizeof(plain));
		size_t nc = unhex(v->cipher_and_tag, want, sizeof(want));

		assert_int_equal(nc, np + v->tag_len);
		assert_int_equal(hv_ccm_encrypt(key, nonce, nn, aad, na, plain,
						np, out, tag, v->tag_len),
				 0);
		assert_memory_equal(out, want, np);
		assert_memory_equal(tag, want + np, v->tag_len);

		assert_int_equal(hv_ccm_decrypt(key, nonce, nn, aad, na, want,
						np, want + np, v->tag_len,
						back),
				 0);
		assert_memory_equal(back, plain, np);

		/* One flipped bit anywhere: no plaintext, -EBADMSG. */
		want[0] ^= 1;
		memset(back, 0xAA, sizeof(back));
		assert_int_equal(hv_ccm_decrypt(key, nonce, nn, aad, na, want,
						np, want + np, v->tag_len,
						back),
				 -EBADMSG);
		assert_int_equal(back[0], 0xAA);
		want[0] ^= 1;
		aad[0] ^= 1;
		assert_int_equal(hv_ccm_decrypt(key, nonce, nn, aad, na, want,
						np, want + np, v->tag_len,
						back),
				 -EBADMSG);
	}
}

static void test_ccm_bad_sizes(void **state)
{
	uint8_t key[16] = { 0 }, nonce[16] = { 0 }, buf[8] = { 0 }, tag[16];

	(void)state;
	assert_int_equal(hv_ccm_encrypt(key, nonce, 6, NULL, 0, buf, 8, buf,
					tag, 4),
			 -EINVAL);
	assert_int_equal(hv_ccm_encrypt(key, nonce, 14, NULL, 0, buf, 8, buf,
					tag, 4),
			 -EINVAL);
	assert_int_equal(hv_ccm_encrypt(key, nonce, 12, NULL, 0, buf, 8, buf,
					tag, 5),
			 -EINVAL);
	assert_int_equal(hv_ccm_decrypt(key, nonce, 12, NULL, 0, buf, 8, tag,
					18, buf),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips197_c1),
		cmocka_unit_test(test_sp800_38c),
		cmocka_unit_test(test_ccm_bad_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
