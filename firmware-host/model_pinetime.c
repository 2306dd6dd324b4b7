// SPDX-License-Identifier: MIT
/*
 * Firmware model: a PineTime running InfiniTime (layouts in
 * drivers/pinetime.c, from InfiniTime's MotionService and
 * CurrentTimeService):
 *
 *   service 00030000-78fc-48fe-8e23-433b3a1942d0 (Motion)
 *     00030001-…  step count   read, notify   uint32 LE, steps today
 *     00030002-…  raw motion   read, notify   int16 X, Y, Z (zeros here)
 *   service 0x180D  0x2A37 Heart Rate Measurement   notify
 *   service 0x180F  0x2A19 Battery Level            read (87 %)
 *   service 0x1805  0x2A2B Current Time             read, write
 *
 * The watch keeps its own local clock ("clock", default
 * "2020-01-01T00:00:00": a watch that lost its time) running with scenario
 * time; the gateway sets it by writing 0x2A2B. At the watch's own local
 * midnight the counter goes back to 0, as InfiniTime's does; setting the
 * clock keeps the counter. "steps" (0) is what it counted today before t=0.
 *
 * Actions:
 *   walk    "steps" per "every" seconds (1), "count" times: the counter
 *           grows and is notified while a client is subscribed
 *   reboot  the counter is lost (0) and the link drops; the clock is kept
 *   report  prints "day YYYY-MM-DD total N": what the wearer walked that
 *           watch day, across reboots (the ground truth for tests); also
 *           printed at every midnight of the watch
 *   measure one heart-rate measurement ({"readings": {"heart_rate": 64}}),
 *           notified while subscribed
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define MOTION_SERVICE "00030000-78fc-48fe-8e23-433b3a1942d0"
#define STEP_COUNT_CHAR "00030001-78fc-48fe-8e23-433b3a1942d0"
#define RAW_MOTION_CHAR "00030002-78fc-48fe-8e23-433b3a1942d0"
#define HRS 0x180D
#define HRM 0x2A37
#define BATTERY_SERVICE 0x180F
#define BATTERY_LEVEL 0x2A19
#define CTS 0x1805
#define CURRENT_TIME 0x2A2B

struct pinetime {
	uint32_t counter; /* what the watch shows: steps today */
	uint32_t walked; /* steps walked this watch day, across reboots */
	int64_t clock_base; /* the watch's local time (s) at clock_at */
	double clock_at; /* scenario seconds */
	int64_t day; /* the watch's local day */
	struct vdev_char *steps_c, *motion_c, *hr_c;
};

struct walk {
	uint32_t steps;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t watch_now(struct vdev_device *d)
{
	struct pinetime *p = d->model_data;

	return p->clock_base + (int64_t)(vdev_now(d->vdev) - p->clock_at);
}

static void print_day(struct vdev_device *d, const char *why)
{
	struct pinetime *p = d->model_data;
	struct hv_datetime dt;

	hv_datetime_from_unix(p->day * 86400, &dt);
	vdev_print(d->vdev, d->id, "%sday %04u-%02u-%02u total %u", why,
		   dt.year, dt.month, dt.day, p->walked);
}

/* InfiniTime zeroes the step counter when its own day changes. */
static void check_midnight(struct vdev_device *d)
{
	struct pinetime *p = d->model_data;
	int64_t day = floor_div(watch_now(d), 86400);

	if (day == p->day)
		return;
	print_day(d, "midnight: ");
	p->day = day;
	p->counter = 0;
	p->walked = 0;
}

static int set_uuid(struct hv_uuid *u, const char *text)
{
	return hv_uuid_parse(text, u);
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *clock = cJSON_GetObjectItemCaseSensitive(conf, "clock");
	struct hv_datetime dt = { 2020, 1, 1, 0, 0, 0 };
	struct vdev_service *s;
	struct pinetime *p;
	unsigned y, mo, da, h, mi, se;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	d->model_data = p;
	if (cJSON_IsString(clock)) {
		if (sscanf(clock->valuestring, "%4u-%2u-%2uT%2u:%2u:%2u", &y,
			   &mo, &da, &h, &mi, &se) != 6)
			return -EINVAL;
		dt = (struct hv_datetime){ (uint16_t)y, (uint8_t)mo,
					   (uint8_t)da, (uint8_t)h,
					   (uint8_t)mi, (uint8_t)se };
	}
	p->clock_base = hv_datetime_to_unix(&dt);
	p->day = floor_div(p->clock_base, 86400);
	p->counter = p->walked = (uint32_t)vdev_conf_int(conf, "steps", 0);

	/* added as 16-bit placeholders, then given their 128-bit UUIDs */
	s = vdev_add_service(d, 0xFFFF);
	if (!s)
		return -ENOSPC;
	p->steps_c = vdev_add_char(s, 0xFFFF, VDEV_CHAR_READ | VDEV_CHAR_NOTIFY);
	p->motion_c = vdev_add_char(s, 0xFFFF, VDEV_CHAR_READ | VDEV_CHAR_NOTIFY);
	if (!p->steps_c || !p->motion_c ||
	    set_uuid(&s->uuid, MOTION_SERVICE) < 0 ||
	    set_uuid(&p->steps_c->uuid, STEP_COUNT_CHAR) < 0 ||
	    set_uuid(&p->motion_c->uuid, RAW_MOTION_CHAR) < 0)
		return -ENOSPC;
	s = vdev_add_service(d, HRS);
	p->hr_c = s ? vdev_add_char(s, HRM, VDEV_CHAR_NOTIFY) : NULL;
	s = vdev_add_service(d, BATTERY_SERVICE);
	if (!p->hr_c || !s || !vdev_add_char(s, BATTERY_LEVEL, VDEV_CHAR_READ))
		return -ENOSPC;
	s = vdev_add_service(d, CTS);
	if (!s || !vdev_add_char(s, CURRENT_TIME,
				 VDEV_CHAR_READ | VDEV_CHAR_WRITE))
		return -ENOSPC;
	return 0;
}

static int pt_read(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	struct pinetime *p = d->model_data;
	struct hv_datetime dt;

	if (size < 10)
		return -ENOSPC;
	check_midnight(d);
	if (c == p->steps_c) {
		hv_put_le32(buf, p->counter);
		*ret_len = 4;
	} else if (c == p->motion_c) {
		memset(buf, 0, 6);
		*ret_len = 6;
	} else if (hv_uuid_is16(&c->uuid, BATTERY_LEVEL)) {
		buf[0] = 87;
		*ret_len = 1;
	} else if (hv_uuid_is16(&c->uuid, CURRENT_TIME)) {
		hv_datetime_from_unix(watch_now(d), &dt);
		memset(buf, 0, 10);
		hv_write_datetime(buf, &dt);
		*ret_len = 10;
	} else {
		return VDEV_ATT_READ_NOT_PERMITTED;
	}
	return 0;
}

static int pt_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *value, size_t len)
{
	struct pinetime *p = d->model_data;
	struct hv_datetime was, dt;

	if (!hv_uuid_is16(&c->uuid, CURRENT_TIME))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len < HV_DATETIME_WIRE_LEN)
		return VDEV_ATT_INVALID_LENGTH;
	check_midnight(d);
	hv_datetime_from_unix(watch_now(d), &was);
	hv_read_datetime(value, &dt);
	p->clock_base = hv_datetime_to_unix(&dt);
	p->clock_at = vdev_now(d->vdev);
	/* A set clock starts no new day: the counter is kept. */
	p->day = floor_div(p->clock_base, 86400);
	vdev_print(d->vdev, d->id,
		   "clock set %04u-%02u-%02uT%02u:%02u:%02u (was %04u-%02u-%02uT%02u:%02u:%02u)",
		   dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
		   was.year, was.month, was.day, was.hour, was.minute,
		   was.second);
	return 0;
}

static void notify_steps(struct vdev_device *d)
{
	struct pinetime *p = d->model_data;
	uint8_t b[4];

	hv_put_le32(b, p->counter);
	if (vdev_bus_delivers(d, p->steps_c))
		(void)vdev_queue_notify(d, p->steps_c, b, sizeof(b), "");
}

static void walk_fn(struct vdev *v, struct vdev_device *d, void *arg)
{
	struct pinetime *p = d->model_data;
	const struct walk *w = arg;

	(void)v;
	check_midnight(d);
	p->counter += w->steps;
	p->walked += w->steps;
	notify_steps(d);
}

static int walk(struct vdev_device *d, const cJSON *ev)
{
	int steps = vdev_conf_int(ev, "steps", 10),
	    count = vdev_conf_int(ev, "count", 1);
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(ev, "every");
	double every = cJSON_IsNumber(o) ? o->valuedouble : 1.0;

	if (steps < 0 || count < 0 || every <= 0)
		return -EINVAL;
	for (int i = 1; i <= count; i++) {
		struct walk *w = malloc(sizeof(*w));
		int r;

		if (!w)
			return -ENOMEM;
		w->steps = (uint32_t)steps;
		r = vdev_after(d->vdev, d, every * i, walk_fn, w, free);
		if (r < 0)
			return r;
	}
	return 0;
}

static int measure(struct vdev_device *d, const cJSON *ev)
{
	struct pinetime *p = d->model_data;
	struct hv_measurement m;
	struct hv_frame f;
	int r;

	r = vdev_measurement_from_json(d, ev, &m);
	if (r >= 0)
		r = vdev_encode(d, &m, HRM, &f);
	if (r < 0)
		return r;
	if (vdev_bus_delivers(d, p->hr_c))
		(void)vdev_queue_notify(d, p->hr_c, f.value, f.value_len, "");
	else
		vdev_print(d->vdev, d->id, "heart rate (nobody listening)");
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct pinetime *p = d->model_data;

	if (strcmp(what, "walk") == 0)
		return walk(d, ev);
	if (strcmp(what, "measure") == 0)
		return measure(d, ev);
	if (strcmp(what, "report") == 0) {
		check_midnight(d);
		print_day(d, "");
		return 0;
	}
	if (strcmp(what, "reboot") == 0) {
		check_midnight(d);
		vdev_print(d->vdev, d->id, "reboot: counter %u lost",
			   p->counter);
		p->counter = 0;
		if (d->connected)
			(void)vdev_queue_drop(d, "reboot");
		return 0;
	}
	return -EOPNOTSUPP;
}

static void pt_free(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

const struct vdev_model vdev_model_pinetime = {
	.id = "pinetime",
	.default_driver = "pinetime",
	.init = init,
	.action = action,
	.read = pt_read,
	.write = pt_write,
	.free = pt_free,
};
