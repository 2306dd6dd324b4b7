/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Parse hex (upper or lower case, optional ':' or ' ' separators).
 * -EINVAL on a bad digit or odd length, -ENOSPC when longer than size. */
int hv_unhex(const char *text, uint8_t *buf, size_t size, size_t *ret_len);
/* Lower-case hex; out must hold 2*len+1 bytes. */
void hv_hex(const uint8_t *data, size_t len, char *out);
