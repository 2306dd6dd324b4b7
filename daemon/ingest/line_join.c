// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/common/measurement_json.h"
#include "daemon/ingest/line_join.h"
#include "drivers/nus_lines.h"

struct stream {
	char address[HV_ADDRESS_MAX]; /* "": free */
	struct hv_nus_lines lines;
	unsigned long age;
};

struct hv_line_join {
	struct stream streams[HV_LINE_JOIN_DEVICES_MAX];
	unsigned long clock;
};

int hv_line_join_new(struct hv_line_join **ret)
{
	struct hv_line_join *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

struct hv_line_join *hv_line_join_free(struct hv_line_join *j)
{
	free(j);
	return NULL;
}

static struct stream *stream_for(struct hv_line_join *j, const char *address)
{
	struct stream *oldest = &j->streams[0];

	for (size_t i = 0; i < HV_LINE_JOIN_DEVICES_MAX; i++) {
		struct stream *s = &j->streams[i];

		if (s->address[0] && strcmp(s->address, address) == 0)
			return s;
		if (!s->address[0] || (oldest->address[0] && s->age < oldest->age))
			oldest = s;
	}
	/* a new device, or the least recently heard one's place */
	*oldest = (struct stream){ .age = 0 };
	(void)snprintf(oldest->address, sizeof(oldest->address), "%s", address);
	return oldest;
}

struct line_ctx {
	const struct hv_frame *chunk;
	void (*on_frame)(const struct hv_frame *line, void *userdata);
	void *userdata;
};

static void on_line(const char *line, size_t len, void *userdata)
{
	struct line_ctx *c = userdata;
	struct hv_frame f = *c->chunk;

	if (len > sizeof(f.value))
		return; /* longer than a frame holds: dropped */
	memcpy(f.value, line, len);
	f.value_len = len;
	c->on_frame(&f, c->userdata);
}

int hv_line_join_feed(struct hv_line_join *j, const struct hv_frame *frame,
		      void (*on_frame)(const struct hv_frame *line,
				       void *userdata),
		      void *userdata)
{
	struct line_ctx c = { frame, on_frame, userdata };
	struct stream *s;

	if (!j || !frame->address || !frame->address[0] ||
	    strlen(frame->address) >= HV_ADDRESS_MAX)
		return -EINVAL;
	s = stream_for(j, frame->address);
	s->age = ++j->clock;
	return (int)hv_nus_lines_feed(&s->lines, frame->value, frame->value_len,
				      on_line, &c);
}
