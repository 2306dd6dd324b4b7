// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Bangle.js with the Gadgetbridge (Android Integration)
 * app (protocol in drivers/bangle_js.c):
 *
 *   service 6e400001-b5a3-f393-e0a9-e50e24dcca9e (Nordic UART)
 *     6e400002-…  RX  write: text the watch runs, line by line
 *     6e400003-…  TX  notify: the watch's lines, 20 bytes a notification
 *
 * Lines understood: "\x10setTime(S);…E.setTimeZone(H);" (printed as
 * "clock set S zone H", with ", DST rules off" when the line also runs
 * E.setDST(0,…)) and "\x10GB({"t":"actfetch","ts":MS})": the watch
 * answers, each line after an empty one as gbSend() does,
 * {"t":"actfetch","state":"start"}, one {"t":"act","ts",…} per stored
 * 10-minute block ending at MS or later, {"t":"actfetch","state":"end",
 * "count":N} ("actfetch since MS: N blocks").
 *
 * The health log: "blocks": [{ "ts": MS, "stp": S, "hrm": H }, …] (ts the
 * block's end, Unix ms). Action "log" {"stp", "hrm"} adds a block 10
 * minutes after the last one.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware-host/vdev.h"

#define NUS_SERVICE "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
#define NUS_RX "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#define NUS_TX "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
#define CHUNK 20
#define BLOCKS_MAX 64
#define RX_MAX 512

struct block {
	long long ts;
	int steps, bpm;
};

struct bangle {
	struct vdev_char *rx, *tx;
	char line[RX_MAX];
	size_t len;
	size_t n;
	struct block blocks[BLOCKS_MAX];
};

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(conf, "blocks");
	struct vdev_service *s;
	struct bangle *b;
	const cJSON *o;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	d->model_data = b;
	cJSON_ArrayForEach(o, blocks) {
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");

		if (b->n >= BLOCKS_MAX || !cJSON_IsNumber(ts))
			return -EINVAL;
		b->blocks[b->n++] = (struct block){
			.ts = (long long)ts->valuedouble,
			.steps = vdev_conf_int(o, "stp", 0),
			.bpm = vdev_conf_int(o, "hrm", 0),
		};
	}
	s = vdev_add_service(d, 0xFFFF);
	if (!s)
		return -ENOSPC;
	b->rx = vdev_add_char(s, 0xFFFE, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR);
	b->tx = vdev_add_char(s, 0xFFFD, VDEV_CHAR_NOTIFY);
	if (!b->rx || !b->tx || hv_uuid_parse(NUS_SERVICE, &s->uuid) < 0 ||
	    hv_uuid_parse(NUS_RX, &b->rx->uuid) < 0 ||
	    hv_uuid_parse(NUS_TX, &b->tx->uuid) < 0)
		return -ENOSPC;
	return 0;
}

/* gbSend(): an empty line, then the message, cut into notifications. */
static void send_line(struct vdev_device *d, const char *json)
{
	struct bangle *b = d->model_data;
	char text[RX_MAX];
	int n = snprintf(text, sizeof(text), "\r\n%s\r\n", json);

	if (n < 0 || (size_t)n >= sizeof(text) || !vdev_bus_delivers(d, b->tx))
		return;
	for (int i = 0; i < n; i += CHUNK)
		(void)vdev_queue_notify(d, b->tx, (const uint8_t *)text + i,
					(size_t)(n - i < CHUNK ? n - i : CHUNK),
					"");
}

static void actfetch(struct vdev_device *d, long long since)
{
	struct bangle *b = d->model_data;
	char json[256];
	unsigned count = 0;

	send_line(d, "{\"t\":\"actfetch\",\"state\":\"start\"}");
	for (size_t i = 0; i < b->n; i++) {
		if (b->blocks[i].ts < since)
			continue;
		(void)snprintf(json, sizeof(json),
			       "{\"t\":\"act\",\"ts\":%lld,\"stp\":%d,\"hrm\":%d,\"mov\":800,\"act\":\"WALKING\"}",
			       b->blocks[i].ts, b->blocks[i].steps,
			       b->blocks[i].bpm);
		send_line(d, json);
		count++;
	}
	(void)snprintf(json, sizeof(json),
		       "{\"t\":\"actfetch\",\"state\":\"end\",\"count\":%u}", count);
	send_line(d, json);
	vdev_print(d->vdev, d->id, "actfetch since %lld: %u blocks", since, count);
}

static void run_line(struct vdev_device *d, char *line)
{
	long long secs;
	double zone;
	const char *tz;
	char *end;

	if (line[0] == 0x10)
		line++;
	if (sscanf(line, "setTime(%lld);", &secs) == 1 &&
	    (tz = strstr(line, "E.setTimeZone(")) &&
	    sscanf(tz, "E.setTimeZone(%lf);", &zone) == 1) {
		vdev_print(d->vdev, d->id, "clock set %lld zone %g%s", secs, zone,
			   strstr(line, "E.setDST(0,") ? ", DST rules off" : "");
		return;
	}
	if (strncmp(line, "GB(", 3) == 0 && (end = strrchr(line, ')'))) {
		cJSON *j;
		const cJSON *t, *ts;

		*end = '\0';
		j = cJSON_Parse(line + 3);
		t = cJSON_GetObjectItemCaseSensitive(j, "t");
		ts = cJSON_GetObjectItemCaseSensitive(j, "ts");
		if (cJSON_IsString(t) && strcmp(t->valuestring, "actfetch") == 0 &&
		    cJSON_IsNumber(ts))
			actfetch(d, (long long)ts->valuedouble);
		else
			vdev_print(d->vdev, d->id, "GB message not modelled");
		cJSON_Delete(j);
		return;
	}
	vdev_print(d->vdev, d->id, "line not modelled: %.40s", line);
}

static int bangle_write(struct vdev_device *d, struct vdev_char *c,
			const uint8_t *v, size_t len)
{
	struct bangle *b = d->model_data;

	if (c != b->rx)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\n') {
			b->line[b->len] = '\0';
			run_line(d, b->line);
			b->len = 0;
		} else if (b->len + 1 < sizeof(b->line)) {
			b->line[b->len++] = (char)v[i];
		}
	}
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct bangle *b = d->model_data;
	long long ts;

	if (strcmp(what, "log") != 0)
		return -EOPNOTSUPP;
	if (!b->n || b->n >= BLOCKS_MAX)
		return -ENOSPC;
	ts = b->blocks[b->n - 1].ts + 600000;
	b->blocks[b->n++] = (struct block){ .ts = ts,
					    .steps = vdev_conf_int(ev, "stp", 0),
					    .bpm = vdev_conf_int(ev, "hrm", 0) };
	vdev_print(d->vdev, d->id, "logged block %lld: %d steps", ts,
		   b->blocks[b->n - 1].steps);
	return 0;
}

static void bangle_free(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

const struct vdev_model vdev_model_bangle_js = {
	.id = "bangle_js",
	.default_driver = "bangle_js",
	.init = init,
	.action = action,
	.write = bangle_write,
	.free = bangle_free,
};
