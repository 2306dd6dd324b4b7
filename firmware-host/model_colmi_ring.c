// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Colmi smart ring (protocol in drivers/colmi_ring.c,
 * from the colmi_r02_client project):
 *
 *   service 6e40fff0-b5a3-f393-e0a9-e50e24dcca9e
 *     6e400002-…  commands   write (with or without response)
 *     6e400003-…  answers    notify
 *
 * Commands answered: 0x01 set time (the ring's clock, BCD), 0x03 battery
 * (64 %), 0x43 a day's steps: "no data" (43 ff), or a header (43 f0 n 01)
 * and one packet per 15-minute interval of that day; 0x15 a day's
 * heart-rate log: "no data" (15 ff), or a header (15 00 18 05), the dated
 * packet and 22 more, the 288 five-minute slots of that day. A packet
 * whose checksum is wrong is ignored ("bad checksum").
 *
 * The ring's clock ("clock", default 2020-01-01T00:00:00) runs with
 * scenario time until the gateway sets it. Its history ("history":
 * [{ "days_ago": 2, "quarter": 16, "steps": 48, "distance": 27 }, …]) is
 * relative to the ring's today whenever it is asked for, as is its
 * heart-rate log ("heart_rate": [{ "days_ago": 1, "slot": 200, "bpm": 70 },
 * …], slot 0..287 of five minutes).
 *
 * With "spo2": [{ "days_ago": 1, "hour": 3, "min": 94, "max": 97 }, …] the
 * ring also has the "big data" service (de5bf728-…: commands de5bf72a-…,
 * answers notified on de5bf729-…) and answers BC 2A with its SpO2 history
 * in Gadgetbridge's layout (drivers/colmi_ring.c), from the oldest day
 * with a value to today, in 20-byte notifications; without, it has no such
 * service, as the rings without SpO2.
 *
 * Actions: walk {"steps", "distance"}: added to the interval of the ring's
 * current quarter of an hour; pulse {"days_ago", "slot", "bpm"}: a value
 * in the heart-rate log (a past slot, so that the next download can take
 * it: the gateway leaves the slot being measured for later).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define RING_SERVICE "6e40fff0-b5a3-f393-e0a9-e50e24dcca9e"
#define RING_WRITE "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
#define RING_NOTIFY "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
#define BIG_SERVICE "de5bf728-d711-4e47-af26-65e3012a5dc7"
#define BIG_NOTIFY "de5bf729-d711-4e47-af26-65e3012a5dc7"
#define BIG_WRITE "de5bf72a-d711-4e47-af26-65e3012a5dc7"
#define SPO2_MAX 64
#define SPO2_DAYS 7
#define BIG_CHUNK 20 /* a 23-byte ATT MTU */
#define PACKET_LEN 16
#define INTERVALS_MAX 64
#define HR_MAX 64
#define HR_SLOTS 288
#define HR_PACKETS 24

struct interval {
	int64_t day; /* the ring's local day (days since 1970) */
	unsigned quarter;
	unsigned steps, distance;
};

struct hr_value {
	int64_t day; /* as interval.day */
	unsigned slot, bpm;
};

struct spo2_value {
	unsigned days_ago, hour, min, max;
};

struct ring {
	int64_t clock_base; /* the ring's local time at clock_at */
	double clock_at;
	struct vdev_char *write_c, *notify_c, *big_write_c, *big_notify_c;
	size_t n_spo2;
	struct spo2_value spo2[SPO2_MAX];
	size_t n;
	struct interval iv[INTERVALS_MAX];
	size_t n_hr;
	struct hr_value hr[HR_MAX];
};

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t ring_now(struct vdev_device *d)
{
	struct ring *r = d->model_data;

	return r->clock_base + (int64_t)(vdev_now(d->vdev) - r->clock_at);
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static unsigned from_bcd(uint8_t b)
{
	return (b >> 4) * 10u + (b & 15u);
}

static void answer(struct vdev_device *d, uint8_t *p)
{
	struct ring *r = d->model_data;

	p[PACKET_LEN - 1] = sum8(p, PACKET_LEN - 1);
	if (vdev_bus_delivers(d, r->notify_c))
		(void)vdev_queue_notify(d, r->notify_c, p, PACKET_LEN, "");
}

static struct interval *interval_at(struct ring *r, int64_t day,
				    unsigned quarter)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->iv[i].day == day && r->iv[i].quarter == quarter)
			return &r->iv[i];
	if (r->n >= INTERVALS_MAX)
		return NULL;
	r->iv[r->n] = (struct interval){ .day = day, .quarter = quarter };
	return &r->iv[r->n++];
}

static int hr_add(struct ring *r, const cJSON *o)
{
	int slot = vdev_conf_int(o, "slot", -1), bpm = vdev_conf_int(o, "bpm", 0);

	if (slot < 0 || slot >= HR_SLOTS || bpm < 1 || bpm > 255)
		return -EINVAL;
	if (r->n_hr >= HR_MAX)
		return -ENOSPC;
	r->hr[r->n_hr++] = (struct hr_value){
		.day = -vdev_conf_int(o, "days_ago", 0),
		.slot = (unsigned)slot,
		.bpm = (unsigned)bpm,
	};
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *clock = cJSON_GetObjectItemCaseSensitive(conf, "clock");
	const cJSON *history = cJSON_GetObjectItemCaseSensitive(conf, "history");
	struct hv_datetime dt = { 2020, 1, 1, 0, 0, 0 };
	unsigned y, mo, da, h, mi, se;
	struct vdev_service *s;
	const cJSON *o;
	struct ring *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	d->model_data = r;
	if (cJSON_IsString(clock)) {
		if (sscanf(clock->valuestring, "%4u-%2u-%2uT%2u:%2u:%2u", &y,
			   &mo, &da, &h, &mi, &se) != 6)
			return -EINVAL;
		dt = (struct hv_datetime){ (uint16_t)y, (uint8_t)mo,
					   (uint8_t)da, (uint8_t)h,
					   (uint8_t)mi, (uint8_t)se };
	}
	r->clock_base = hv_datetime_to_unix(&dt);
	/* history days are relative: kept as "days ago" in day until asked */
	cJSON_ArrayForEach(o, history) {
		struct interval *iv;
		int q = vdev_conf_int(o, "quarter", -1);

		if (q < 0 || q > 95)
			return -EINVAL;
		iv = interval_at(r, -vdev_conf_int(o, "days_ago", 0), (unsigned)q);
		if (!iv)
			return -ENOSPC;
		iv->steps = (unsigned)vdev_conf_int(o, "steps", 0);
		iv->distance = (unsigned)vdev_conf_int(o, "distance", 0);
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(conf, "heart_rate")) {
		int k = hr_add(r, o);

		if (k < 0)
			return k;
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(conf, "spo2")) {
		int ago = vdev_conf_int(o, "days_ago", -1),
		    hr = vdev_conf_int(o, "hour", -1);

		if (ago < 0 || ago >= SPO2_DAYS || hr < 0 || hr > 23 ||
		    r->n_spo2 >= SPO2_MAX)
			return -EINVAL;
		r->spo2[r->n_spo2++] = (struct spo2_value){
			(unsigned)ago, (unsigned)hr,
			(unsigned)vdev_conf_int(o, "min", 0),
			(unsigned)vdev_conf_int(o, "max", 0)
		};
	}
	/* added as 16-bit placeholders, then given their 128-bit UUIDs */
	s = vdev_add_service(d, 0xFFFF);
	if (!s)
		return -ENOSPC;
	r->write_c = vdev_add_char(s, 0xFFFE,
				   VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR);
	r->notify_c = vdev_add_char(s, 0xFFFD, VDEV_CHAR_NOTIFY);
	if (!r->write_c || !r->notify_c ||
	    hv_uuid_parse(RING_SERVICE, &s->uuid) < 0 ||
	    hv_uuid_parse(RING_WRITE, &r->write_c->uuid) < 0 ||
	    hv_uuid_parse(RING_NOTIFY, &r->notify_c->uuid) < 0)
		return -ENOSPC;
	if (!r->n_spo2)
		return 0;
	/* the "big data" service, for a ring with SpO2 history */
	s = vdev_add_service(d, 0xFFFC);
	if (!s)
		return -ENOSPC;
	r->big_write_c = vdev_add_char(s, 0xFFFB,
				       VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR);
	r->big_notify_c = vdev_add_char(s, 0xFFFA, VDEV_CHAR_NOTIFY);
	if (!r->big_write_c || !r->big_notify_c ||
	    hv_uuid_parse(BIG_SERVICE, &s->uuid) < 0 ||
	    hv_uuid_parse(BIG_WRITE, &r->big_write_c->uuid) < 0 ||
	    hv_uuid_parse(BIG_NOTIFY, &r->big_notify_c->uuid) < 0)
		return -ENOSPC;
	return 0;
}

/* The SpO2 history (Gadgetbridge's layout, docs/trackers.md): BC 2A,
 * length, CRC16 (left 0: its polynomial is not published), then for each
 * day from the oldest one with a value to today: days ago and 24 (min,
 * max); cut into 20-byte notifications. */
static void send_spo2(struct vdev_device *d)
{
	struct ring *r = d->model_data;
	uint8_t a[6 + SPO2_DAYS * 49] = { 0xBC, 0x2A };
	unsigned oldest = 0, n;

	for (size_t i = 0; i < r->n_spo2; i++)
		if (r->spo2[i].days_ago > oldest)
			oldest = r->spo2[i].days_ago;
	n = (oldest + 1) * 49;
	hv_put_le16(a + 2, (uint16_t)n);
	for (unsigned k = 0; k <= oldest; k++)
		a[6 + k * 49] = (uint8_t)(oldest - k);
	for (size_t i = 0; i < r->n_spo2; i++) {
		uint8_t *day = a + 6 + (oldest - r->spo2[i].days_ago) * 49;

		day[1 + r->spo2[i].hour * 2] = (uint8_t)r->spo2[i].min;
		day[2 + r->spo2[i].hour * 2] = (uint8_t)r->spo2[i].max;
	}
	vdev_print(d->vdev, d->id, "SpO2 history asked: %u days", oldest + 1);
	if (!vdev_bus_delivers(d, r->big_notify_c))
		return;
	for (unsigned at = 0; at < 6 + n; at += BIG_CHUNK)
		(void)vdev_queue_notify(d, r->big_notify_c, a + at,
					6 + n - at < BIG_CHUNK ? 6 + n - at :
								 BIG_CHUNK,
					"");
}

/* The ring's day of an interval: relative ones (day <= 0) count back from
 * the ring's today. */
static int64_t interval_day(struct vdev_device *d, const struct interval *iv)
{
	return iv->day <= 0 ? floor_div(ring_now(d), 86400) + iv->day : iv->day;
}

static void send_day(struct vdev_device *d, unsigned days_back)
{
	struct ring *r = d->model_data;
	int64_t day = floor_div(ring_now(d), 86400) - days_back;
	struct hv_datetime dt;
	uint8_t p[PACKET_LEN];
	unsigned n = 0, k = 0;

	for (size_t i = 0; i < r->n; i++)
		n += interval_day(d, &r->iv[i]) == day;
	vdev_print(d->vdev, d->id, "steps asked for %u days back: %u records",
		   days_back, n);
	memset(p, 0, sizeof(p));
	p[0] = 0x43;
	if (!n) {
		p[1] = 0xFF;
		answer(d, p);
		return;
	}
	p[1] = 0xF0;
	p[2] = (uint8_t)n;
	p[3] = 0x01;
	answer(d, p);
	hv_datetime_from_unix(day * 86400, &dt);
	for (size_t i = 0; i < r->n; i++) {
		const struct interval *iv = &r->iv[i];

		if (interval_day(d, iv) != day)
			continue;
		memset(p, 0, sizeof(p));
		p[0] = 0x43;
		p[1] = to_bcd(dt.year - 2000u);
		p[2] = to_bcd(dt.month);
		p[3] = to_bcd(dt.day);
		p[4] = (uint8_t)iv->quarter;
		p[5] = (uint8_t)k++;
		p[6] = (uint8_t)n;
		hv_put_le16(p + 7, (uint16_t)(iv->steps / 20)); /* calories */
		hv_put_le16(p + 9, (uint16_t)iv->steps);
		hv_put_le16(p + 11, (uint16_t)iv->distance);
		answer(d, p);
	}
}

/* The day asked for by its midnight (the ring's local date as UTC). */
static void send_hr_log(struct vdev_device *d, const uint8_t *v)
{
	struct ring *r = d->model_data;
	int64_t today = floor_div(ring_now(d), 86400);
	int64_t day = floor_div((int64_t)hv_le32(v + 1), 86400);
	uint8_t slots[HR_PACKETS * 13] = { 0 };
	uint8_t p[PACKET_LEN];
	unsigned n = 0;

	for (size_t i = 0; i < r->n_hr; i++) {
		const struct hr_value *h = &r->hr[i];

		if ((h->day <= 0 ? today + h->day : h->day) != day)
			continue;
		slots[h->slot] = (uint8_t)h->bpm;
		n++;
	}
	vdev_print(d->vdev, d->id, "heart rate asked for %lld days back: %u values",
		   (long long)(today - day), n);
	memset(p, 0, sizeof(p));
	p[0] = 0x15;
	if (!n) {
		p[1] = 0xFF;
		answer(d, p);
		return;
	}
	p[2] = HR_PACKETS;
	p[3] = 5;
	answer(d, p);
	for (unsigned k = 1; k < HR_PACKETS; k++) {
		memset(p, 0, sizeof(p));
		p[0] = 0x15;
		p[1] = (uint8_t)k;
		if (k == 1) {
			memcpy(p + 2, v + 1, 4);
			memcpy(p + 6, slots, 9);
		} else {
			memcpy(p + 2, slots + 9 + (k - 2) * 13, 13);
		}
		answer(d, p);
	}
}

static void set_clock(struct vdev_device *d, const uint8_t *v)
{
	struct ring *r = d->model_data;
	struct hv_datetime dt = {
		(uint16_t)(2000 + from_bcd(v[1])), (uint8_t)from_bcd(v[2]),
		(uint8_t)from_bcd(v[3]), (uint8_t)from_bcd(v[4]),
		(uint8_t)from_bcd(v[5]), (uint8_t)from_bcd(v[6]),
	};

	r->clock_base = hv_datetime_to_unix(&dt);
	r->clock_at = vdev_now(d->vdev);
	vdev_print(d->vdev, d->id, "clock set %04u-%02u-%02uT%02u:%02u:%02u",
		   dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second);
}

static int ring_write(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *v, size_t len)
{
	struct ring *r = d->model_data;
	uint8_t p[PACKET_LEN];

	if (c && c == r->big_write_c) {
		if (len >= 2 && v[0] == 0xBC && v[1] == 0x2A)
			send_spo2(d);
		else
			vdev_print(d->vdev, d->id, "big data request not modelled");
		return 0;
	}
	if (c != r->write_c)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len != PACKET_LEN)
		return VDEV_ATT_INVALID_LENGTH;
	if (sum8(v, PACKET_LEN - 1) != v[PACKET_LEN - 1]) {
		vdev_print(d->vdev, d->id, "bad checksum: ignored");
		return 0;
	}
	memset(p, 0, sizeof(p));
	p[0] = v[0];
	switch (v[0]) {
	case 0x01:
		set_clock(d, v);
		answer(d, p);
		break;
	case 0x03:
		p[1] = 64;
		answer(d, p);
		break;
	case 0x43:
		send_day(d, v[1]);
		break;
	case 0x15:
		send_hr_log(d, v);
		break;
	default:
		vdev_print(d->vdev, d->id, "command 0x%02x not modelled", v[0]);
	}
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct ring *r = d->model_data;
	int64_t now = ring_now(d);
	struct interval *iv;

	if (strcmp(what, "pulse") == 0) {
		int k = hr_add(r, ev);

		if (k >= 0)
			vdev_print(d->vdev, d->id, "pulse logged: %d bpm",
				   vdev_conf_int(ev, "bpm", 0));
		return k;
	}
	if (strcmp(what, "walk") != 0)
		return -EOPNOTSUPP;
	iv = interval_at(r, floor_div(now, 86400),
			 (unsigned)((now - floor_div(now, 86400) * 86400) / 900));
	if (!iv)
		return -ENOSPC;
	iv->steps += (unsigned)vdev_conf_int(ev, "steps", 0);
	iv->distance += (unsigned)vdev_conf_int(ev, "distance", 0);
	vdev_print(d->vdev, d->id, "walked: quarter %u now %u steps",
		   iv->quarter, iv->steps);
	return 0;
}

static void ring_free(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

const struct vdev_model vdev_model_colmi_ring = {
	.id = "colmi_ring",
	.default_driver = "colmi_ring",
	.init = init,
	.action = action,
	.write = ring_write,
	.free = ring_free,
};
