/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * An audience's own id for a person (docs/consent.md, Pseudonyms):
 * HMAC-SHA256 keyed with the gateway's secret over the audience's name and
 * the person's id, truncated to 80 bits and written in base32 ("ps-" and
 * 16 characters). Two audiences' pseudonyms of one person cannot be linked
 * without the secret; a new secret renames everyone (rotation).
 */

#include <stddef.h>
#include <stdint.h>

#define HV_PSEUDONYM_SECRET_BYTES 32
#define HV_PSEUDONYM_MAX 20 /* "ps-" + 16 + NUL */

/* 0, or -EINVAL for a missing argument, -EIO when libcrypto fails. */
int hv_pseudonym(const uint8_t secret[HV_PSEUDONYM_SECRET_BYTES],
		 const char *audience, const char *person,
		 char ret[HV_PSEUDONYM_MAX]);
