// SPDX-License-Identifier: MIT
/*
 * The radio world of homevitals-vdev: scenario loading, the timeline, timers,
 * advertising, the per-device notification queue and the encoder glue. The
 * D-Bus face lives in vdev_bus.c, the firmware models in model_*.c.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "firmware-host/vdev.h"

#define QUEUE_SPACING_S 0.05 /* between two indications */

struct vdev_qitem {
	struct vdev_qitem *next;
	bool drop; /* link loss instead of a value */
	struct vdev_char *c;
	size_t len;
	uint8_t value[HV_FRAME_DATA_MAX];
	char what[48];
	unsigned tag; /* for the model's delivered(); 0 none */
};

static const struct vdev_model *const models[] = {
	&vdev_model_mi_scale,
	&vdev_model_omron,
	&vdev_model_sig_blood_pressure,
	&vdev_model_sig_heart_rate,
	&vdev_model_sig_weight_scale,
	&vdev_model_xiaomi_s400,
	&vdev_model_huawei_scale,
	&vdev_model_eufy_p2,
	&vdev_model_etekcity_esf551,
	&vdev_model_pinetime,
	&vdev_model_colmi_ring,
	&vdev_model_bangle_js,
	&vdev_model_sig_glucose,
	&vdev_model_trisa,
	&vdev_model_realme,
	&vdev_model_robi_s9,
	&vdev_model_omron_wlc,
	&vdev_model_huawei_hagrid,
	&vdev_model_lenovo_hs10,
	&vdev_model_lefu_fe,
	&vdev_model_alpha_scale_pro3,
	&vdev_model_medisana_bs4xx,
	&vdev_model_qn_scale,
	&vdev_model_hoffen_bbs8107,
	&vdev_model_soehnle_shape,
	&vdev_model_beurer_sanitas,
	&vdev_model_eufy_1byone,
	&vdev_model_vitafit,
	&vdev_model_ebelter_b2,
	&vdev_model_ihealth_hs3,
	&vdev_model_picooc,
	&vdev_model_relaxmedic,
	&vdev_model_ryfit,
	&vdev_model_keep_s3,
	&vdev_model_renpho_es26bb,
	&vdev_model_onebyone_new,
};

const struct vdev_model *vdev_model_by_id(const char *id)
{
	for (size_t i = 0; id && i < ELEMENTSOF(models); i++)
		if (strcmp(models[i]->id, id) == 0)
			return models[i];
	return NULL;
}

double vdev_now(const struct vdev *v)
{
	uint64_t now = 0;

	if (sd_event_now(v->event, CLOCK_MONOTONIC, &now) < 0 ||
	    now < v->start_usec)
		return 0;
	return (double)(now - v->start_usec) / USEC_PER_SEC * v->speed;
}

void vdev_print(struct vdev *v, const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(v->out, "t=%.1f %s ", vdev_now(v), who);
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
	fflush(v->out);
}

void vdev_hex(const uint8_t *p, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && o + 3 <= size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%02x", p[i]);
}

struct vdev_device *vdev_device_by_id(struct vdev *v, const char *id)
{
	for (size_t i = 0; id && i < v->n_devices; i++)
		if (strcmp(v->devices[i].id, id) == 0)
			return &v->devices[i];
	return NULL;
}

struct vdev_adapter *vdev_adapter_by_name(struct vdev *v, const char *name)
{
	for (size_t i = 0; name && i < v->n_adapters; i++)
		if (strcmp(v->adapters[i].name, name) == 0)
			return &v->adapters[i];
	return NULL;
}

/* --- timers ------------------------------------------------------------------ */

struct timer {
	struct vdev *vdev;
	struct vdev_device *device;
	vdev_timer_fn fn;
	void *arg;
	void (*free_arg)(void *);
};

static void timer_free(void *p)
{
	struct timer *t = p;

	if (!t)
		return;
	if (t->free_arg)
		t->free_arg(t->arg);
	free(t);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct timer *t = userdata;

	(void)s;
	(void)usec;
	t->fn(t->vdev, t->device, t->arg);
	return 0;
}

static uint64_t scaled_usec(const struct vdev *v, double seconds)
{
	double us = seconds / v->speed * USEC_PER_SEC;

	return us < 1 ? 1 : (uint64_t)us;
}

int vdev_after(struct vdev *v, struct vdev_device *d, double seconds,
	       vdev_timer_fn fn, void *arg, void (*free_arg)(void *))
{
	sd_event_source *s = NULL;
	struct timer *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t) {
		if (free_arg)
			free_arg(arg);
		return -ENOMEM;
	}
	*t = (struct timer){ v, d, fn, arg, free_arg };
	r = sd_event_add_time_relative(v->event, &s, CLOCK_MONOTONIC,
				       scaled_usec(v, seconds), 1000, on_timer,
				       t);
	if (r < 0) {
		timer_free(t);
		return r;
	}
	(void)sd_event_source_set_destroy_callback(s, timer_free);
	(void)sd_event_source_set_floating(s, true);
	sd_event_source_unref(s);
	return 0;
}

/* --- GATT database ----------------------------------------------------------- */

struct vdev_service *vdev_add_service(struct vdev_device *d, uint16_t uuid16)
{
	struct hv_uuid u = hv_uuid16(uuid16);

	return vdev_add_service_uuid(d, &u);
}

struct vdev_service *vdev_add_service_uuid(struct vdev_device *d,
					   const struct hv_uuid *uuid)
{
	struct vdev_service *s;

	if (d->n_services >= VDEV_SERVICES_MAX)
		return NULL;
	if (d->next_handle == 0)
		d->next_handle = 0x0008; /* GAP/GATT take the first handles */
	s = &d->services[d->n_services++];
	*s = (struct vdev_service){ .device = d, .handle = d->next_handle++ };
	s->uuid = *uuid;
	snprintf(s->path, sizeof(s->path), "%s/service%04x", d->path,
		 s->handle);
	return s;
}

struct vdev_char *vdev_add_char(struct vdev_service *s, uint16_t uuid16,
				unsigned flags)
{
	struct hv_uuid u = hv_uuid16(uuid16);

	return vdev_add_char_uuid(s, &u, flags);
}

struct vdev_char *vdev_add_char_uuid(struct vdev_service *s,
				     const struct hv_uuid *uuid, unsigned flags)
{
	struct vdev_device *d = s->device;
	struct vdev_char *c;

	if (s->n_chars >= VDEV_CHARS_MAX)
		return NULL;
	c = &s->chars[s->n_chars++];
	*c = (struct vdev_char){ .service = s, .flags = flags,
				 .acquired_fd = -1 };
	c->uuid = *uuid;
	c->handle = d->next_handle; /* declaration; value is handle + 1 */
	d->next_handle += 2;
	snprintf(c->path, sizeof(c->path), "%s/char%04x", s->path, c->handle);
	if (flags & (VDEV_CHAR_NOTIFY | VDEV_CHAR_INDICATE)) {
		c->has_ccc = true;
		snprintf(c->ccc_path, sizeof(c->ccc_path), "%s/char%04x/desc%04x",
			 s->path, c->handle, d->next_handle);
		d->next_handle++;
	}
	return c;
}

struct vdev_char *vdev_find_char(struct vdev_device *d, uint16_t uuid16)
{
	for (size_t i = 0; i < d->n_services; i++)
		for (size_t j = 0; j < d->services[i].n_chars; j++)
			if (hv_uuid_is16(&d->services[i].chars[j].uuid, uuid16))
				return &d->services[i].chars[j];
	return NULL;
}

/* --- notification queue ------------------------------------------------------ */

static int queue_schedule(struct vdev_device *d);

static int on_queue(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vdev_device *d = userdata;
	struct vdev_qitem *q = d->queue;
	char hex[2 * HV_FRAME_DATA_MAX + 1], uuid[HV_UUID_STRING_MAX];

	(void)s;
	(void)usec;
	d->queue_source = sd_event_source_unref(d->queue_source);
	if (!q)
		return 0;
	d->queue = q->next;
	if (!d->queue)
		d->queue_tail = NULL;

	if (q->drop) {
		vdev_print(d->vdev, d->id, "drops the link (%s)", q->what);
		free(q);
		vdev_queue_clear(d);
		vdev_bus_link_lost(d);
		return 0;
	}
	hv_uuid_format_short(&q->c->uuid, uuid);
	vdev_hex(q->value, q->len, hex, sizeof(hex));
	if (!d->connected) {
		free(q);
		vdev_queue_clear(d);
		return 0;
	}
	if (vdev_bus_delivers(d, q->c)) {
		(void)vdev_bus_notify(d, q->c, q->value, q->len);
		d->delivered++;
		vdev_print(d->vdev, d->id, "%s %s:%s%s%s",
			   (q->c->flags & VDEV_CHAR_INDICATE) ? "indicate" :
								"notify",
			   uuid, hex, q->what[0] ? " " : "", q->what);
		if (q->tag && d->model->delivered)
			d->model->delivered(d, q->c, q->tag);
	} else {
		vdev_print(d->vdev, d->id, "not subscribed to %s: %s lost",
			   uuid, hex);
	}
	free(q);
	return queue_schedule(d);
}

static int queue_schedule(struct vdev_device *d)
{
	if (!d->queue || d->queue_source)
		return 0;
	return sd_event_add_time_relative(d->vdev->event, &d->queue_source,
					  CLOCK_MONOTONIC,
					  scaled_usec(d->vdev, QUEUE_SPACING_S),
					  1000, on_queue, d);
}

static int queue_push(struct vdev_device *d, struct vdev_qitem *q)
{
	if (d->queue_tail)
		d->queue_tail->next = q;
	else
		d->queue = q;
	d->queue_tail = q;
	return queue_schedule(d);
}

int vdev_queue_notify(struct vdev_device *d, struct vdev_char *c,
		      const uint8_t *value, size_t len, const char *what)
{
	return vdev_queue_notify_tagged(d, c, value, len, what, 0);
}

int vdev_queue_notify_tagged(struct vdev_device *d, struct vdev_char *c,
			     const uint8_t *value, size_t len, const char *what,
			     unsigned tag)
{
	struct vdev_qitem *q;

	if (!d->connected)
		return -ENOTCONN;
	if (len > HV_FRAME_DATA_MAX)
		return -ENOSPC;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->c = c;
	q->len = len;
	memcpy(q->value, value, len);
	snprintf(q->what, sizeof(q->what), "%s", what ? what : "");
	q->tag = tag;
	return queue_push(d, q);
}

int vdev_queue_drop(struct vdev_device *d, const char *why)
{
	struct vdev_qitem *q;

	if (!d->connected)
		return -ENOTCONN;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->drop = true;
	snprintf(q->what, sizeof(q->what), "%s", why ? why : "");
	return queue_push(d, q);
}

void vdev_queue_clear(struct vdev_device *d)
{
	while (d->queue) {
		struct vdev_qitem *q = d->queue;

		d->queue = q->next;
		free(q);
	}
	d->queue_tail = NULL;
	d->queue_source = sd_event_source_unref(d->queue_source);
}

/* --- advertising ------------------------------------------------------------- */

static void print_advert(struct vdev_device *d)
{
	char hex[2 * HV_FRAME_DATA_MAX + 1], uuid[HV_UUID_STRING_MAX];
	char line[1024] = "";
	size_t o = 0;

	for (size_t i = 0; i < d->advert.n_service_data && o < sizeof(line);
	     i++) {
		const struct hv_service_data *sd = &d->advert.service_data[i];

		hv_uuid_format_short(&sd->uuid, uuid);
		vdev_hex(sd->data, sd->len, hex, sizeof(hex));
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %s:%s",
				      uuid, hex);
	}
	for (size_t i = 0;
	     i < d->advert.n_manufacturer_data && o < sizeof(line); i++) {
		const struct hv_manufacturer_data *md =
			&d->advert.manufacturer_data[i];

		vdev_hex(md->data, md->len, hex, sizeof(hex));
		o += (size_t)snprintf(line + o, sizeof(line) - o, " mfr:%s",
				      hex);
	}
	if (o == 0 && d->advert.name)
		snprintf(line, sizeof(line), " name:%s", d->advert.name);
	vdev_print(d->vdev, d->id, "advert%s", line);
}

void vdev_advertise(struct vdev_device *d, const struct hv_frame *f)
{
	d->advert = *f;
	d->advert.name = d->name[0] ? d->name : NULL;
	d->has_advert = true;
	d->in_range = true;
	print_advert(d);
	vdev_bus_advert(d);
}

void vdev_print_ignored(struct vdev_device *d, const uint8_t *v, size_t len,
			const char *why)
{
	char hex[2 * HV_FRAME_DATA_MAX + 1];

	vdev_hex(v, len, hex, sizeof(hex));
	vdev_print(d->vdev, d->id, "frame ignored: %s (%s)", hex, why);
}

void vdev_model_free_data(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

void vdev_advert_stop(struct vdev_device *d)
{
	d->has_advert = false;
	d->idle_source = sd_event_source_unref(d->idle_source);
}

static int on_idle_advert(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vdev_device *d = userdata;

	(void)usec;
	if (!d->has_advert)
		return 0;
	/* a connected peripheral stops advertising; repeats are not printed */
	if (!d->connected) {
		d->in_range = true;
		vdev_bus_advert(d);
	}
	return sd_event_source_set_time_relative(
		s, scaled_usec(d->vdev, d->idle_interval));
}

static int idle_start(struct vdev_device *d)
{
	int r;

	if (d->idle_interval <= 0 || d->idle_source)
		return 0;
	r = sd_event_add_time_relative(d->vdev->event, &d->idle_source,
				       CLOCK_MONOTONIC,
				       scaled_usec(d->vdev, d->idle_interval),
				       1000, on_idle_advert, d);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(d->idle_source, SD_EVENT_ON);
}

static void power_on(struct vdev *v, struct vdev_device *d, void *arg)
{
	(void)arg;
	vdev_print(v, d->id, "powers on");
	d->has_advert = true;
	d->in_range = true;
	(void)idle_start(d);
}

int vdev_power_off_for(struct vdev_device *d, double seconds)
{
	vdev_print(d->vdev, d->id, "powers off for %g s", seconds);
	vdev_advert_stop(d);
	return vdev_after(d->vdev, d, seconds, power_on, NULL, NULL);
}

/* The payload a GATT device advertises when idle: its name and services. */
/* The device's object path follows its address, as bluetoothd's does. */
static void device_path_from_address(struct vdev_device *d)
{
	char under[sizeof(d->address)];

	memcpy(under, d->address, sizeof(under));
	for (size_t i = 0; i < sizeof(under); i++)
		if (under[i] == ':')
			under[i] = '_';
	snprintf(d->path, sizeof(d->path), "%s/dev_%s", d->adapter->path,
		 under);
}

static void idle_payload(struct vdev_device *d, struct hv_frame *f)
{
	*f = (struct hv_frame){ 0 };
	for (size_t i = 0;
	     i < d->n_services && f->n_service_uuids < HV_FRAME_SERVICE_UUIDS_MAX;
	     i++)
		f->service_uuids[f->n_service_uuids++] = d->services[i].uuid;
}

/* --- encoder glue -------------------------------------------------------------- */

int vdev_encode(struct vdev_device *d, const struct hv_measurement *m,
		uint16_t target16, struct hv_frame *ret)
{
	struct hv_uuid target = hv_uuid16(target16);
	int r;

	if (!d->driver || !d->driver->encode) {
		vdev_print(d->vdev, d->id, "error: no encoder");
		return -EOPNOTSUPP;
	}
	r = d->driver->encode(m, target16 ? &target : NULL, ret);
	if (r < 0)
		vdev_print(d->vdev, d->id, "error: driver '%s' cannot encode: %s",
			   d->driver->id, strerror(-r));
	return r;
}

void vdev_current_time(long offset_s, uint8_t out[10])
{
	time_t t = time(NULL) + offset_s;
	struct tm tm;

	localtime_r(&t, &tm);
	hv_put_le16(out, (uint16_t)(tm.tm_year + 1900));
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)tm.tm_sec;
	out[7] = (uint8_t)(tm.tm_wday == 0 ? 7 : tm.tm_wday);
	out[8] = 0;
	out[9] = 0;
}

int vdev_weigh_frames(struct vdev_device *d, const cJSON *ev,
		      uint16_t target16, struct hv_frame *ret_frames, size_t n,
		      double *ret_kg)
{
	static const double live[VDEV_WEIGH_FRAMES_MAX - 1] = { 0.90, 0.97 };
	struct hv_measurement full, m;
	const struct hv_reading *w;
	int r;

	if (n == 0 || n > VDEV_WEIGH_FRAMES_MAX)
		return -EINVAL;
	r = vdev_measurement_from_json(d, ev, &full);
	if (r < 0)
		return r;
	w = hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT);
	if (!w)
		return -EINVAL;
	for (size_t j = 0; j < n; j++) {
		m = full;
		m.final = j + 1 == n;
		if (!m.final) {
			m.n_readings = 0;
			(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT,
						 (int)(w->value * live[j] * 20) / 20.0);
		}
		r = vdev_encode(d, &m, target16, &ret_frames[j]);
		if (r < 0)
			return r;
	}
	*ret_kg = w->value;
	return 0;
}

static int parse_time(const char *text, struct hv_datetime *ret)
{
	unsigned y, mo, da, h = 0, mi = 0, s = 0;
	int n;

	n = sscanf(text, "%u-%u-%u%*[T ]%u:%u:%u", &y, &mo, &da, &h, &mi, &s);
	if (n != 3 && n != 6)
		return -EINVAL;
	if (y > 9999 || mo > 12 || da > 31 || h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	*ret = (struct hv_datetime){ (uint16_t)y, (uint8_t)mo, (uint8_t)da,
				     (uint8_t)h, (uint8_t)mi, (uint8_t)s };
	return 0;
}

int vdev_measurement_from_json(struct vdev_device *d, const cJSON *obj,
			       struct hv_measurement *ret)
{
	const cJSON *readings = cJSON_GetObjectItemCaseSensitive(obj, "readings");
	const cJSON *item, *r;
	struct hv_measurement m;

	hv_measurement_init(&m, d->driver ? d->driver->id : NULL);
	m.final = true;
	m.subject = HV_SUBJECT_PERSON;
	if (!cJSON_IsObject(readings))
		return -EINVAL;
	cJSON_ArrayForEach(r, readings) {
		enum hv_metric metric = hv_metric_from_name(r->string);

		if ((int)metric < 0 || !cJSON_IsNumber(r))
			return -EINVAL;
		if (hv_measurement_add(&m, metric, r->valuedouble) < 0)
			return -ENOSPC;
	}
	item = cJSON_GetObjectItemCaseSensitive(obj, "time");
	if (cJSON_IsString(item)) {
		if (parse_time(item->valuestring, &m.device_time) < 0)
			return -EINVAL;
		m.has_device_time = true;
		m.raw_device_time = m.device_time;
		m.has_raw_device_time = true;
	}
	item = cJSON_GetObjectItemCaseSensitive(obj, "user");
	if (cJSON_IsNumber(item))
		m.user_index = item->valueint;
	item = cJSON_GetObjectItemCaseSensitive(obj, "unit");
	if (cJSON_IsString(item)) {
		int u = hv_display_unit_from_name(item->valuestring);

		if (u < 0)
			return -EINVAL;
		m.display_unit = (enum hv_display_unit)u;
	}
	item = cJSON_GetObjectItemCaseSensitive(obj, "flags");
	cJSON_ArrayForEach(r, item)
		if (cJSON_IsString(r))
			(void)hv_measurement_add_flag(&m, r->valuestring);
	*ret = m;
	return 0;
}

/* --- scenario ------------------------------------------------------------------ */

static const char *json_str(const cJSON *o, const char *key, const char *def)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(i) ? i->valuestring : def;
}

static double json_num(const cJSON *o, const char *key, double def)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(i) ? i->valuedouble : def;
}

static bool json_bool(const cJSON *o, const char *key, bool def)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsBool(i) ? cJSON_IsTrue(i) : def;
}

static bool valid_address(const char *a)
{
	unsigned x[6];
	char tail;

	return strlen(a) == 17 &&
	       sscanf(a, "%2x:%2x:%2x:%2x:%2x:%2x%c", &x[0], &x[1], &x[2],
		      &x[3], &x[4], &x[5], &tail) == 6;
}

static int load_adapters(struct vdev *v, const cJSON *list, char *error,
			 size_t error_size)
{
	const cJSON *a;

	if (!list) {
		v->n_adapters = 1;
		v->adapters[0] = (struct vdev_adapter){
			.vdev = v, .name = "hci0", .path = "/org/bluez/hci0",
			.address = "00:AA:01:00:00:00", .present = true,
			.powered = true,
		};
		return 0;
	}
	cJSON_ArrayForEach(a, list) {
		struct vdev_adapter *ad;
		const char *name = json_str(a, "name", NULL);
		const char *addr = json_str(a, "address", NULL);

		if (v->n_adapters >= VDEV_ADAPTERS_MAX || !name || !addr ||
		    strncmp(name, "hci", 3) != 0 || strlen(name) > 8 ||
		    !valid_address(addr)) {
			snprintf(error, error_size,
				 "adapter %zu: needs \"name\" (hciN) and \"address\"",
				 v->n_adapters);
			return -EINVAL;
		}
		ad = &v->adapters[v->n_adapters++];
		*ad = (struct vdev_adapter){ .vdev = v, .present = true };
		snprintf(ad->name, sizeof(ad->name), "%s", name);
		snprintf(ad->path, sizeof(ad->path), "/org/bluez/%s", name);
		snprintf(ad->address, sizeof(ad->address), "%s", addr);
		ad->powered = json_bool(a, "powered", true);
	}
	return 0;
}

static int load_device(struct vdev *v, const cJSON *o, char *error,
		       size_t error_size)
{
	struct vdev_device *d;
	const char *id = json_str(o, "id", NULL);
	const char *model = json_str(o, "model", NULL);
	const char *addr = json_str(o, "address", NULL);
	const char *driver;
	int r;

	if (v->n_devices >= VDEV_DEVICES_MAX) {
		snprintf(error, error_size, "too many devices (max %d)",
			 VDEV_DEVICES_MAX);
		return -E2BIG;
	}
	if (!id || !addr || !valid_address(addr)) {
		snprintf(error, error_size,
			 "device %zu: needs \"id\" and \"address\" (AA:BB:…)",
			 v->n_devices);
		return -EINVAL;
	}
	d = &v->devices[v->n_devices];
	*d = (struct vdev_device){ .vdev = v };
	d->model = vdev_model_by_id(model);
	if (!d->model) {
		snprintf(error, error_size, "device '%s': unknown model '%s'",
			 id, model ? model : "(none)");
		return -EINVAL;
	}
	driver = json_str(o, "driver", d->model->default_driver);
	d->driver = hv_driver_by_id(driver);
	if (!d->driver) {
		snprintf(error, error_size,
			 "device '%s': driver '%s' not built in", id, driver);
		return -ENOENT;
	}
	d->adapter = vdev_adapter_by_name(v, json_str(o, "adapter", "hci0"));
	if (!d->adapter) {
		snprintf(error, error_size, "device '%s': unknown adapter",
			 id);
		return -EINVAL;
	}
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->address, sizeof(d->address), "%s", addr);
	for (size_t i = 0; i < sizeof(d->address); i++)
		d->address[i] = (char)((d->address[i] >= 'a' &&
					d->address[i] <= 'f') ?
					       d->address[i] - 32 :
					       d->address[i]);
	snprintf(d->address_type, sizeof(d->address_type), "%s",
		 json_str(o, "address_type", "public"));
	snprintf(d->name, sizeof(d->name), "%s", json_str(o, "name", ""));
	snprintf(d->gatt_name, sizeof(d->gatt_name), "%s",
		 json_str(o, "gatt_name", d->name));
	device_path_from_address(d);
	d->rssi = (int16_t)json_num(o, "rssi", -60);
	d->connectable = json_bool(o, "connectable", true);
	d->resolve_before =
		strcmp(json_str(o, "resolve_order", "after"), "before") == 0;
	d->connect_fail_s = json_num(o, "connect_fail_s", 42);
	{
		const char *p = json_str(o, "pairing", "just_works");

		if (strcmp(p, "just_works") == 0) {
			d->pairing = VDEV_PAIR_JUST_WORKS;
		} else if (strcmp(p, "confirm") == 0) {
			d->pairing = VDEV_PAIR_CONFIRM;
		} else if (strcmp(p, "passkey") == 0) {
			d->pairing = VDEV_PAIR_PASSKEY;
		} else {
			snprintf(error, error_size,
				 "device '%s': pairing '%s' is not just_works, confirm or passkey",
				 id, p);
			return -EINVAL;
		}
		d->passkey = (uint32_t)json_num(o, "passkey", 0);
	}
	d->idle_interval = json_num(o, "advertise_interval", 0);
	d->temporary = true;

	r = d->model->init(d, o);
	if (r < 0) {
		snprintf(error, error_size, "device '%s': bad %s settings: %s",
			 id, d->model->id, strerror(-r));
		if (d->model->free)
			d->model->free(d);
		return r;
	}
	if (json_bool(o, "advertising", d->idle_interval > 0)) {
		struct hv_frame f;

		idle_payload(d, &f);
		d->advert = f;
		d->advert.name = d->name[0] ? d->name : NULL;
		d->has_advert = true;
		d->in_range = true;
	}
	v->n_devices++;
	return 0;
}

int vdev_new(const char *json, double speed, sd_event *event,
	     struct vdev **ret, char *error, size_t error_size)
{
	struct vdev *v;
	const cJSON *list, *o, *end;
	int r;

	snprintf(error, error_size, "out of memory");
	if (speed <= 0)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->event = sd_event_ref(event);
	v->speed = speed;
	v->out = stdout;
	v->scenario = cJSON_Parse(json);
	if (!cJSON_IsObject(v->scenario)) {
		snprintf(error, error_size, "not a JSON object (near '%.20s')",
			 cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
		r = -EINVAL;
		goto fail;
	}
	snprintf(v->scenario_name, sizeof(v->scenario_name), "%s",
		 json_str(v->scenario, "name", "scenario"));
	end = cJSON_GetObjectItemCaseSensitive(v->scenario, "end");
	v->end_s = cJSON_IsNumber(end) ? end->valuedouble : -1;
	if (json_bool(v->scenario, "forever", false))
		v->end_s = -1;
	else if (v->end_s < 0) {
		snprintf(error, error_size,
			 "needs \"end\" (seconds) or \"forever\": true");
		r = -EINVAL;
		goto fail;
	}
	r = load_adapters(v,
			  cJSON_GetObjectItemCaseSensitive(v->scenario,
							   "adapters"),
			  error, error_size);
	if (r < 0)
		goto fail;
	list = cJSON_GetObjectItemCaseSensitive(v->scenario, "devices");
	cJSON_ArrayForEach(o, list) {
		r = load_device(v, o, error, error_size);
		if (r < 0)
			goto fail;
	}
	list = cJSON_GetObjectItemCaseSensitive(v->scenario, "timeline");
	cJSON_ArrayForEach(o, list) {
		const char *dev = json_str(o, "device", NULL);

		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "t")) ||
		    !json_str(o, "do", NULL)) {
			snprintf(error, error_size,
				 "timeline entry without \"t\" or \"do\"");
			r = -EINVAL;
			goto fail;
		}
		if (dev && !vdev_device_by_id(v, dev)) {
			snprintf(error, error_size,
				 "timeline names unknown device '%s'", dev);
			r = -EINVAL;
			goto fail;
		}
	}
	*ret = v;
	return 0;
fail:
	vdev_free(v);
	return r;
}

struct vdev *vdev_free(struct vdev *v)
{
	if (!v)
		return NULL;
	if (v->bus)
		vdev_bus_down(v, false);
	for (size_t i = 0; i < v->n_devices; i++) {
		struct vdev_device *d = &v->devices[i];

		vdev_queue_clear(d);
		d->idle_source = sd_event_source_unref(d->idle_source);
		d->expire_source = sd_event_source_unref(d->expire_source);
		if (d->model && d->model->free)
			d->model->free(d);
	}
	cJSON_Delete(v->scenario);
	free(v->bus_address);
	sd_event_unref(v->event);
	free(v);
	return NULL;
}

/* --- the timeline ---------------------------------------------------------------- */

static void restart_up(struct vdev *v, struct vdev_device *d, void *arg)
{
	int r;

	(void)d;
	(void)arg;
	r = vdev_bus_up(v);
	if (r < 0) {
		fprintf(stderr, "vdev: bus connection failed: %s\n",
			strerror(-r));
		v->exit_code = 1;
		(void)sd_event_exit(v->event, 1);
		return;
	}
	vdev_print(v, "bluetoothd", "started");
}

static void run_global(struct vdev *v, const char *what, const cJSON *ev)
{
	struct vdev_adapter *a;

	if (strcmp(what, "bluetoothd_restart") == 0) {
		bool term = strcmp(json_str(ev, "how", "term"), "kill") != 0;

		vdev_print(v, "bluetoothd", "%s", term ? "stops (SIGTERM)" :
							 "killed (SIGKILL)");
		vdev_bus_down(v, term);
		(void)vdev_after(v, NULL, json_num(ev, "down", 1.0),
				 restart_up, NULL, NULL);
	} else if (strcmp(what, "adapter_remove") == 0 ||
		   strcmp(what, "adapter_add") == 0) {
		a = vdev_adapter_by_name(v, json_str(ev, "adapter", "hci0"));
		if (!a) {
			vdev_print(v, "vdev", "error: unknown adapter");
			return;
		}
		if (what[8] == 'r') {
			vdev_print(v, a->name, "removed");
			vdev_bus_adapter_remove(a);
		} else {
			vdev_print(v, a->name, "added");
			vdev_bus_adapter_add(a);
		}
	} else if (strcmp(what, "end") == 0) {
		(void)sd_event_exit(v->event, 0);
	} else {
		vdev_print(v, "vdev", "error: unknown action '%s'", what);
	}
}

/*
 * Action "rotate": the device takes a new address every "interval" seconds
 * (0.01), "count" times (100), as a spoofer or a privacy-address flood
 * does: bluetoothd announces a new object each time. The first
 * two bytes of the address stay; the last four count the rotations.
 */
struct rotation {
	unsigned left, n;
	double interval;
};

static void rotate_step(struct vdev *v, struct vdev_device *d, void *arg)
{
	const struct rotation *rot = arg;
	struct rotation *next;
	struct hv_frame f;
	unsigned n = rot->n + 1;

	/* bluetoothd keeps each temporary object 30 s after its last advert,
	 * so during a flood the old ones pile up on the client's side: the
	 * new object is announced and the old one never withdrawn. */
	d->exported = false;
	d->expire_source = sd_event_source_unref(d->expire_source);
	snprintf(d->address + 5, sizeof(d->address) - 5,
		 ":%02X:%02X:%02X:%02X", n >> 24 & 0xff, n >> 16 & 0xff,
		 n >> 8 & 0xff, n & 0xff);
	device_path_from_address(d);
	if (d->has_advert)
		f = d->advert;
	else
		idle_payload(d, &f);
	vdev_advertise(d, &f);
	if (rot->left <= 1) {
		vdev_print(v, d->id, "rotated %u addresses", n);
		return;
	}
	/* The timer frees its argument once it has run: a copy each step. */
	next = malloc(sizeof(*next));
	if (!next)
		return;
	*next = (struct rotation){ rot->left - 1, n, rot->interval };
	(void)vdev_after(v, d, rot->interval, rotate_step, next, free);
}

static int rotate_start(struct vdev *v, struct vdev_device *d,
			const cJSON *ev)
{
	double count = json_num(ev, "count", 100);
	struct rotation rot = {
		.interval = json_num(ev, "interval", 0.01),
	};

	if (count < 1 || count > 1e7)
		return -EINVAL;
	rot.left = (unsigned)count;
	vdev_print(v, d->id, "rotates its address %u times", rot.left);
	rotate_step(v, d, &rot);
	return 0;
}

static void run_device(struct vdev *v, struct vdev_device *d, const char *what,
		       const cJSON *ev)
{
	int r;

	if (strcmp(what, "advertise") == 0) {
		if (json_bool(ev, "on", true)) {
			struct hv_frame f;

			idle_payload(d, &f);
			if (d->idle_interval <= 0)
				d->idle_interval =
					json_num(ev, "interval", 1.0);
			vdev_advertise(d, &f);
			(void)idle_start(d);
		} else {
			vdev_print(v, d->id, "stops advertising");
			vdev_advert_stop(d);
		}
		return;
	}
	if (strcmp(what, "rotate") == 0) {
		r = rotate_start(v, d, ev);
		if (r < 0)
			vdev_print(v, d->id, "error: action 'rotate' failed: %s",
				   strerror(-r));
		return;
	}
	if (strcmp(what, "vanish") == 0) {
		vdev_print(v, d->id, "out of range");
		vdev_advert_stop(d);
		d->in_range = false;
		if (d->connected)
			vdev_bus_link_lost(d);
		return;
	}
	if (strcmp(what, "disconnect") == 0) {
		if (d->connected)
			(void)vdev_queue_drop(d, "timeline");
		return;
	}
	r = d->model->action ? d->model->action(d, what, ev) : -EOPNOTSUPP;
	if (r == -EOPNOTSUPP)
		vdev_print(v, d->id, "error: model %s has no action '%s'",
			   d->model->id, what);
	else if (r < 0)
		vdev_print(v, d->id, "error: action '%s' failed: %s", what,
			   strerror(-r));
}

static void on_event(struct vdev *v, struct vdev_device *d, void *arg)
{
	const cJSON *ev = arg;
	const char *what = json_str(ev, "do", "");

	if (d)
		run_device(v, d, what, ev);
	else
		run_global(v, what, ev);
}

static void on_end(struct vdev *v, struct vdev_device *d, void *arg)
{
	(void)d;
	(void)arg;
	vdev_print(v, "vdev", "end of scenario '%s'", v->scenario_name);
	(void)sd_event_exit(v->event, 0);
}

int vdev_start(struct vdev *v)
{
	const cJSON *list, *o;
	int r;

	r = sd_event_now(v->event, CLOCK_MONOTONIC, &v->start_usec);
	if (r < 0)
		return r;
	r = vdev_bus_up(v);
	if (r < 0)
		return r;
	vdev_print(v, "vdev", "scenario '%s': %zu devices on %zu adapters",
		   v->scenario_name, v->n_devices, v->n_adapters);
	for (size_t i = 0; i < v->n_devices; i++) {
		r = idle_start(&v->devices[i]);
		if (r < 0)
			return r;
	}
	list = cJSON_GetObjectItemCaseSensitive(v->scenario, "timeline");
	cJSON_ArrayForEach(o, list) {
		struct vdev_device *d =
			vdev_device_by_id(v, json_str(o, "device", NULL));

		r = vdev_after(v, d, json_num(o, "t", 0), on_event, (void *)o,
			       NULL);
		if (r < 0)
			return r;
	}
	if (v->end_s >= 0) {
		r = vdev_after(v, NULL, v->end_s, on_end, NULL, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* --- stored records ------------------------------------------------------------- */

int vdev_conf_int(const cJSON *conf, const char *key, int def)
{
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(conf, "faults");
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(conf, key);

	if (!cJSON_IsNumber(o))
		o = cJSON_GetObjectItemCaseSensitive(faults, key);
	return cJSON_IsNumber(o) ? o->valueint : def;
}

int vdev_records_add(struct vdev_device *d, struct vdev_records *rs,
		     const struct hv_measurement *m, uint16_t target16)
{
	struct hv_frame f;
	struct vdev_record *rec;
	int r;

	if (rs->n >= VDEV_RECORDS_MAX)
		return -ENOSPC;
	r = vdev_encode(d, m, target16, &f);
	if (r < 0)
		return r;
	if (!f.has_characteristic && f.value_len == 0)
		return -EBADMSG;
	if (rs->next_seq == 0)
		rs->next_seq = 1;
	rec = &rs->r[rs->n];
	*rec = (struct vdev_record){ .seq = rs->next_seq++,
				     .user = m->user_index,
				     .len = f.value_len };
	memcpy(rec->value, f.value, f.value_len);
	return (int)rs->n++;
}

int vdev_records_add_raw(struct vdev_records *rs, int user,
			 const uint8_t *value, size_t len)
{
	struct vdev_record *rec;

	if (rs->n >= VDEV_RECORDS_MAX)
		return -ENOSPC;
	if (len > HV_FRAME_DATA_MAX)
		return -EINVAL;
	if (rs->next_seq == 0)
		rs->next_seq = 1;
	rec = &rs->r[rs->n];
	*rec = (struct vdev_record){ .seq = rs->next_seq++, .user = user,
				     .len = len };
	memcpy(rec->value, value, len);
	return (int)rs->n++;
}

int vdev_hex_from_json(const cJSON *o, uint8_t *buf, size_t size)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hex");
	const char *p;
	size_t n = 0;

	if (!cJSON_IsString(h))
		return -ENOENT;
	for (p = h->valuestring; *p;) {
		unsigned x;

		if (*p == ' ' || *p == ':') {
			p++;
			continue;
		}
		if (n >= size || sscanf(p, "%2x", &x) != 1 || !p[1] ||
		    p[1] == ' ')
			return -EINVAL;
		buf[n++] = (uint8_t)x;
		p += 2;
	}
	return (int)n;
}

void vdev_records_remove(struct vdev_records *rs, size_t index)
{
	if (index >= rs->n)
		return;
	memmove(&rs->r[index], &rs->r[index + 1],
		(rs->n - index - 1) * sizeof(rs->r[0]));
	rs->n--;
}

int vdev_records_add_json(struct vdev_device *d, struct vdev_records *rs,
			  const cJSON *o, uint16_t target16)
{
	struct hv_measurement m;
	uint8_t raw[HV_FRAME_DATA_MAX];
	int r;

	r = vdev_hex_from_json(o, raw, sizeof(raw));
	if (r >= 0)
		return vdev_records_add_raw(rs, vdev_conf_int(o, "user", -1),
					    raw, (size_t)r);
	if (r != -ENOENT)
		return r;
	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	return vdev_records_add(d, rs, &m, target16);
}

int vdev_records_load(struct vdev_device *d, struct vdev_records *rs,
		      const cJSON *conf, uint16_t target16)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(conf, "records");
	const cJSON *o;
	int corrupt = vdev_conf_int(conf, "corrupt_record", 0), i = 0, r;

	cJSON_ArrayForEach(o, list) {
		r = vdev_records_add_json(d, rs, o, target16);
		if (r < 0)
			return r;
		if (++i == corrupt && rs->r[r].len > 1)
			rs->r[r].len--;
	}
	return 0;
}
