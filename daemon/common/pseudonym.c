// SPDX-License-Identifier: MIT
/*
 * Pseudonyms (pseudonym.h). The audience name and the person id are joined
 * with a NUL, which neither may contain, so ("ab", "c") and ("a", "bc")
 * differ. Base32 (RFC 4648 alphabet, lower case) keeps the result a valid
 * MQTT topic level and person id.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "daemon/common/pseudonym.h"

int hv_pseudonym(const uint8_t secret[HV_PSEUDONYM_SECRET_BYTES],
		 const char *audience, const char *person,
		 char ret[HV_PSEUDONYM_MAX])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char msg[256], mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	size_t na, np;
	char out[HV_PSEUDONYM_MAX] = "ps-";

	if (!secret || !audience || !person || !ret)
		return -EINVAL;
	na = strlen(audience);
	np = strlen(person);
	if (na + 1 + np > sizeof(msg))
		return -EINVAL;
	memcpy(msg, audience, na);
	msg[na] = '\0';
	memcpy(msg + na + 1, person, np);
	if (!HMAC(EVP_sha256(), secret, HV_PSEUDONYM_SECRET_BYTES, msg,
		  na + 1 + np, mac, &mac_len) ||
	    mac_len < 10)
		return -EIO;
	/* 80 bits: 16 characters of 5 bits. */
	for (size_t i = 0; i < 16; i++) {
		size_t bit = i * 5;
		unsigned v = ((unsigned)mac[bit / 8] << 8 |
			      (bit / 8 + 1 < 10 ? mac[bit / 8 + 1] : 0)) >>
			     (11 - bit % 8);

		out[3 + i] = alphabet[v & 31];
	}
	out[19] = '\0';
	memcpy(ret, out, sizeof(out));
	return 0;
}
