/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Lines over the Nordic UART service (NUS, 6e400001-b5a3-f393-e0a9-
 * e50e24dcca9e; TX 6e400003 notify): a device such as a Bangle.js writes
 * text, which arrives in notifications of at most the link's MTU (20 bytes
 * by default), cut anywhere; a line ends with '\n' ("\r\n" also seen).
 * Espruino's gbSend() writes an empty line before each JSON message
 * (espruino/BangleApps apps/android/lib.js @ecfb349). This joins the
 * chunks back into lines: pure, caller-owned, no allocation.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HV_NUS_LINE_MAX 512

struct hv_nus_lines {
	char buf[HV_NUS_LINE_MAX];
	size_t len;
	bool overflow; /* the current line outgrew buf: dropped at its end */
};

/*
 * Feed one notification. For each complete, non-empty line, on_line(line,
 * len, userdata) is called (line not NUL-terminated, '\r' removed); a line
 * longer than HV_NUS_LINE_MAX is dropped whole. Returns the number of
 * lines handed over.
 */
static inline unsigned hv_nus_lines_feed(struct hv_nus_lines *l,
					 const uint8_t *chunk, size_t n,
					 void (*on_line)(const char *line,
							 size_t len,
							 void *userdata),
					 void *userdata)
{
	unsigned lines = 0;

	for (size_t i = 0; i < n; i++) {
		char c = (char)chunk[i];

		if (c == '\n') {
			if (l->len && l->buf[l->len - 1] == '\r')
				l->len--;
			if (!l->overflow && l->len) {
				on_line(l->buf, l->len, userdata);
				lines++;
			}
			l->len = 0;
			l->overflow = false;
		} else if (l->len < HV_NUS_LINE_MAX) {
			l->buf[l->len++] = c;
		} else {
			l->overflow = true;
		}
	}
	return lines;
}
