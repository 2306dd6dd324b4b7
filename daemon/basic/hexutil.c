// SPDX-License-Identifier: MIT
#include <errno.h>

#include "daemon/basic/hexutil.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hv_unhex(const char *text, uint8_t *buf, size_t size, size_t *ret_len)
{
	size_t n = 0;
	int hi = -1;

	if (!text)
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		int v;

		if ((*p == ':' || *p == ' ') && hi < 0)
			continue;
		v = nibble(*p);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= size)
			return -ENOSPC;
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

void hv_hex(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}
