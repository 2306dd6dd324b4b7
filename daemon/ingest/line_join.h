/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Text streams from devices whose driver says HV_DRIVER_LINES (Nordic UART:
 * Bangle.js): each GATT value is a chunk, cut anywhere; one joiner per
 * device address (drivers/nus_lines.h) gives back whole lines, each of
 * which ingest decodes as one frame.
 */

#include <stddef.h>

#include "drivers/driver.h"

#define HV_LINE_JOIN_DEVICES_MAX 8

struct hv_line_join;

int hv_line_join_new(struct hv_line_join **ret);
struct hv_line_join *hv_line_join_free(struct hv_line_join *j);

/*
 * Feed one chunk (frame->value) of frame->address; on_frame() gets a copy
 * of the frame holding one complete line for each line it ends. Returns the
 * number of lines, or -EINVAL.
 */
int hv_line_join_feed(struct hv_line_join *j, const struct hv_frame *frame,
		      void (*on_frame)(const struct hv_frame *line,
				       void *userdata),
		      void *userdata);
