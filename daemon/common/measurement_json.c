// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

static const char *subject_name(enum hv_subject s)
{
	switch (s) {
	case HV_SUBJECT_PERSON:
		return "person";
	case HV_SUBJECT_OBJECT:
		return "object";
	default:
		return NULL;
	}
}

void hv_format_local_datetime(const struct hv_datetime *dt, char *buf,
			      size_t size)
{
	(void)snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02u",
		       (unsigned)dt->year, (unsigned)dt->month,
		       (unsigned)dt->day, (unsigned)dt->hour,
		       (unsigned)dt->minute, (unsigned)dt->second);
}

void hv_format_rfc3339(int64_t time_usec, char *buf, size_t size)
{
	struct hv_datetime dt;
	int64_t secs = time_usec / 1000000;

	if (time_usec < 0 && time_usec % 1000000)
		secs--;
	hv_datetime_from_unix(secs, &dt);
	(void)snprintf(buf, size, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		       (unsigned)dt.year, (unsigned)dt.month, (unsigned)dt.day,
		       (unsigned)dt.hour, (unsigned)dt.minute,
		       (unsigned)dt.second);
}

static int add_reading(cJSON *array, const struct hv_reading *rd)
{
	const struct hv_metric_info *info = hv_metric_info(rd->metric);
	cJSON *o;

	if (!info)
		return -EINVAL;
	o = cJSON_CreateObject();
	if (!o)
		return -ENOMEM;
	cJSON_AddItemToArray(array, o);
	if (!cJSON_AddStringToObject(o, "metric", info->name))
		return -ENOMEM;
	if (rd->absent == HV_ABSENT_NONE) {
		if (!cJSON_AddNumberToObject(o, "value", rd->value))
			return -ENOMEM;
	} else {
		if (!cJSON_AddNullToObject(o, "value") ||
		    !cJSON_AddStringToObject(o, "absent_reason",
					     hv_absent_name(rd->absent)))
			return -ENOMEM;
	}
	if (!cJSON_AddStringToObject(o, "unit", info->unit))
		return -ENOMEM;
	if (info->loinc && !cJSON_AddStringToObject(o, "loinc", info->loinc))
		return -ENOMEM;
	if (rd->method && !cJSON_AddStringToObject(o, "method", rd->method))
		return -ENOMEM;
	return 0;
}

static int fill_measurement(cJSON *o, const struct hv_measurement *m)
{
	cJSON *readings;
	char buf[32];

	if (!cJSON_AddStringToObject(o, "status", hv_status_name(m->status)))
		return -ENOMEM;
	if (m->driver && !cJSON_AddStringToObject(o, "driver", m->driver))
		return -ENOMEM;
	if (m->status == HV_STATUS_INVALID)
		return cJSON_AddStringToObject(o, "error", m->error) ? 0 :
								       -ENOMEM;
	if (m->status != HV_STATUS_OK)
		return 0;
	if (!cJSON_AddBoolToObject(o, "final", m->final))
		return -ENOMEM;
	if (m->has_load_removed &&
	    !cJSON_AddBoolToObject(o, "load_removed", m->load_removed))
		return -ENOMEM;
	if (subject_name(m->subject) &&
	    !cJSON_AddStringToObject(o, "subject", subject_name(m->subject)))
		return -ENOMEM;
	if (m->has_device_time) {
		hv_format_local_datetime(&m->device_time, buf, sizeof(buf));
		if (!cJSON_AddStringToObject(o, "device_time", buf))
			return -ENOMEM;
	} else if (m->has_raw_device_time) {
		/* Kept as raw data, never as the reading's time. */
		hv_format_local_datetime(&m->raw_device_time, buf, sizeof(buf));
		if (!cJSON_AddStringToObject(o, "raw_device_time", buf))
			return -ENOMEM;
	}
	if (m->user_index >= 0 &&
	    !cJSON_AddNumberToObject(o, "user_index", m->user_index))
		return -ENOMEM;
	if (m->display_unit != HV_UNIT_NONE &&
	    !cJSON_AddStringToObject(o, "display_unit",
				     hv_display_unit_name(m->display_unit)))
		return -ENOMEM;
	if (m->more_packets && !cJSON_AddBoolToObject(o, "more_packets", true))
		return -ENOMEM;
	if (m->sequence_number >= 0 &&
	    !cJSON_AddNumberToObject(o, "sequence_number", m->sequence_number))
		return -ENOMEM;
	if (m->n_flags) {
		cJSON *flags = cJSON_AddArrayToObject(o, "flags");

		if (!flags)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_flags; i++) {
			cJSON *s = cJSON_CreateString(m->flags[i]);

			if (!s)
				return -ENOMEM;
			cJSON_AddItemToArray(flags, s);
		}
	}
	for (size_t i = 0; i < m->n_context; i++)
		if (!cJSON_AddStringToObject(o, m->context_key[i],
					     m->context_value[i]))
			return -ENOMEM;
	readings = cJSON_AddArrayToObject(o, "readings");
	if (!readings)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_readings; i++) {
		int r = add_reading(readings, &m->readings[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

int hv_measurement_to_json(const struct hv_measurement *m, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	int r;

	if (!o)
		return -ENOMEM;
	r = fill_measurement(o, m);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

/* "clock_read": {"gateway_time", "device_time"}: the two clocks at the
 * moment the gateway read the device's; no device_time on a time fault. */
static int add_clock_read(cJSON *o, const struct hv_record *r)
{
	cJSON *c;
	char buf[40];

	if (!r->has_clock_read)
		return 0;
	c = cJSON_AddObjectToObject(o, "clock_read");
	if (!c)
		return -ENOMEM;
	hv_format_rfc3339(r->clock_read_gateway_usec, buf, sizeof(buf));
	if (!cJSON_AddStringToObject(c, "gateway_time", buf))
		return -ENOMEM;
	if (r->clock_read_fault)
		return 0;
	hv_format_rfc3339(r->clock_read_device_usec, buf, sizeof(buf));
	if (!cJSON_AddStringToObject(c, "device_time", buf))
		return -ENOMEM;
	return 0;
}

int hv_record_to_json(const struct hv_record *r, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	cJSON *device;
	char buf[40];
	int k;

	if (!o)
		return -ENOMEM;
	hv_format_rfc3339(r->time_usec, buf, sizeof(buf));
	if (!cJSON_AddStringToObject(o, "id", r->id) ||
	    !cJSON_AddStringToObject(o, "time", buf))
		return -ENOMEM;
	device = cJSON_AddObjectToObject(o, "device");
	if (!device ||
	    !cJSON_AddStringToObject(device, "address", r->device_address) ||
	    !cJSON_AddStringToObject(device, "model", r->device_model))
		return -ENOMEM;
	if (r->person[0]) {
		if (!cJSON_AddStringToObject(o, "person", r->person))
			return -ENOMEM;
	} else if (!cJSON_AddNullToObject(o, "person"))
		return -ENOMEM;
	if (r->correction && !cJSON_AddBoolToObject(o, "correction", true))
		return -ENOMEM;
	if (r->time_source &&
	    !cJSON_AddStringToObject(o, "time_source", r->time_source))
		return -ENOMEM;
	k = add_clock_read(o, r);
	if (k < 0)
		return k;
	k = fill_measurement(o, &r->m);
	if (k < 0)
		return k;
	if (r->raw) {
		cJSON *raw;

		k = hv_frame_to_json(r->raw, &raw);
		if (k < 0)
			return k;
		cJSON_AddItemToObject(o, "raw", raw);
	}
	*ret = TAKE_PTR(o);
	return 0;
}

int hv_frame_to_json(const struct hv_frame *f, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	char hex[2 * HV_FRAME_DATA_MAX + 1], uuid[HV_UUID_STRING_MAX];

	if (!o)
		return -ENOMEM;
	if (f->n_service_data) {
		cJSON *sd = cJSON_AddObjectToObject(o, "service_data");

		if (!sd)
			return -ENOMEM;
		for (size_t i = 0; i < f->n_service_data; i++) {
			hv_uuid_format_short(&f->service_data[i].uuid, uuid);
			hv_hex(f->service_data[i].data, f->service_data[i].len,
			       hex);
			if (!cJSON_AddStringToObject(sd, uuid, hex))
				return -ENOMEM;
		}
	}
	/* The decode input form carries one manufacturer-data entry. */
	if (f->n_manufacturer_data) {
		hv_hex(f->manufacturer_data[0].data,
		       f->manufacturer_data[0].len, hex);
		if (!cJSON_AddStringToObject(o, "manufacturer_data", hex))
			return -ENOMEM;
	}
	if (f->has_characteristic) {
		cJSON *c = cJSON_AddObjectToObject(o, "characteristic");

		hv_uuid_format_short(&f->characteristic, uuid);
		hv_hex(f->value, f->value_len, hex);
		if (!c || !cJSON_AddStringToObject(c, "uuid", uuid) ||
		    !cJSON_AddStringToObject(c, "value", hex))
			return -ENOMEM;
		/* which measurement of a value holding several */
		if (f->record &&
		    !cJSON_AddNumberToObject(c, "record", f->record))
			return -ENOMEM;
	}
	if (f->name && !cJSON_AddStringToObject(o, "name", f->name))
		return -ENOMEM;
	if (f->address && !cJSON_AddStringToObject(o, "address", f->address))
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

char *hv_json_print(const cJSON *j)
{
	return cJSON_PrintUnformatted(j);
}

int hv_profile_parse(const char *text, struct hv_profile *ret)
{
	struct hv_profile p = { 0 };
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (!text)
		return -EINVAL;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		double v;

		if (!eq)
			return -EINVAL;
		*eq++ = '\0';
		if (strcmp(tok, "sex") == 0) {
			int s = hv_sex_from_name(eq);

			if (s < 0)
				return -EINVAL;
			p.sex = (enum hv_sex)s;
			continue;
		}
		errno = 0;
		v = strtod(eq, &end);
		if (errno || end == eq || *end || v <= 0)
			return -EINVAL;
		if (strcmp(tok, "height") == 0)
			/* metres; accept centimetres too */
			p.height_m = v > 3 ? v / 100 : v;
		else if (strcmp(tok, "age") == 0)
			p.age_years = v;
		else
			return -EINVAL;
	}
	*ret = p;
	return 0;
}

static int split_uuid_hex(const char *arg, struct hv_uuid *ret_uuid,
			  uint8_t *buf, size_t size, size_t *ret_len)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;
	char uuid[HV_UUID_STRING_MAX];
	size_t n;

	if (!colon || (size_t)(colon - arg) >= sizeof(uuid))
		return -EINVAL;
	n = (size_t)(colon - arg);
	memcpy(uuid, arg, n);
	uuid[n] = '\0';
	if (hv_uuid_parse(uuid, ret_uuid) < 0)
		return -EINVAL;
	return hv_unhex(colon + 1, buf, size, ret_len);
}

int hv_frame_add_service_data(struct hv_frame *f, const char *uuid_colon_hex)
{
	struct hv_service_data *sd;
	int r;

	if (f->n_service_data >= HV_FRAME_SERVICE_DATA_MAX)
		return -ENOSPC;
	sd = &f->service_data[f->n_service_data];
	r = split_uuid_hex(uuid_colon_hex, &sd->uuid, sd->data,
			   sizeof(sd->data), &sd->len);
	if (r < 0)
		return r;
	f->n_service_data++;
	return 0;
}

int hv_frame_add_manufacturer_data(struct hv_frame *f, const char *hex)
{
	struct hv_manufacturer_data *md;
	int r;

	if (f->n_manufacturer_data >= HV_FRAME_MANUFACTURER_MAX)
		return -ENOSPC;
	md = &f->manufacturer_data[f->n_manufacturer_data];
	r = hv_unhex(hex, md->data, sizeof(md->data), &md->len);
	if (r < 0)
		return r;
	if (md->len < 2)
		return -EINVAL;
	f->n_manufacturer_data++;
	return 0;
}

int hv_frame_set_characteristic(struct hv_frame *f, const char *uuid_colon_hex)
{
	int r = split_uuid_hex(uuid_colon_hex, &f->characteristic, f->value,
			       sizeof(f->value), &f->value_len);

	if (r < 0)
		return r;
	f->has_characteristic = true;
	return 0;
}

static int profile_from_json(const cJSON *j, struct hv_profile *ret)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "height");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "age");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "sex");
	struct hv_profile p = { 0 };

	if (!cJSON_IsObject(j))
		return -EINVAL;
	if (h) {
		if (!cJSON_IsNumber(h) || h->valuedouble <= 0)
			return -EINVAL;
		p.height_m = h->valuedouble > 3 ? h->valuedouble / 100 :
						  h->valuedouble;
	}
	if (a) {
		if (!cJSON_IsNumber(a) || a->valuedouble <= 0)
			return -EINVAL;
		p.age_years = a->valuedouble;
	}
	if (s) {
		int v = cJSON_IsString(s) ? hv_sex_from_name(s->valuestring) :
					    -EINVAL;

		if (v < 0)
			return -EINVAL;
		p.sex = (enum hv_sex)v;
	}
	*ret = p;
	return 0;
}

#define FRAME_ERROR(...)                                      \
	do {                                                  \
		(void)snprintf(reterr, errsize, __VA_ARGS__); \
	} while (0)

int hv_frame_from_json(const cJSON *line, struct hv_frame *ret,
		       struct hv_profile *ret_profile, const char **ret_driver,
		       char *reterr, size_t errsize)
{
	const cJSON *sd, *md, *ch, *name, *addr, *drv, *prof, *item;
	struct hv_frame f = { 0 };
	char buf[2 * HV_FRAME_DATA_MAX + HV_UUID_STRING_MAX + 2];

	if (!cJSON_IsObject(line)) {
		FRAME_ERROR("input is not a JSON object");
		return -EINVAL;
	}
	sd = cJSON_GetObjectItemCaseSensitive(line, "service_data");
	if (sd && !cJSON_IsObject(sd)) {
		FRAME_ERROR("service_data: expected an object of UUID: HEX");
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, sd)
	{
		if (!cJSON_IsString(item) ||
		    snprintf(buf, sizeof(buf), "%s:%s", item->string,
			     item->valuestring) >= (int)sizeof(buf) ||
		    hv_frame_add_service_data(&f, buf) < 0) {
			FRAME_ERROR("service_data.%s: expected hex bytes under a 16- or 128-bit UUID",
				    item->string);
			return -EINVAL;
		}
	}
	md = cJSON_GetObjectItemCaseSensitive(line, "manufacturer_data");
	if (md && (!cJSON_IsString(md) ||
		   hv_frame_add_manufacturer_data(&f, md->valuestring) < 0)) {
		FRAME_ERROR("manufacturer_data: expected hex bytes, company ID first");
		return -EINVAL;
	}
	ch = cJSON_GetObjectItemCaseSensitive(line, "characteristic");
	if (ch) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(ch, "uuid");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(ch, "value");

		if (!cJSON_IsString(u) || !cJSON_IsString(v) ||
		    snprintf(buf, sizeof(buf), "%s:%s", u->valuestring,
			     v->valuestring) >= (int)sizeof(buf) ||
		    hv_frame_set_characteristic(&f, buf) < 0) {
			FRAME_ERROR("characteristic: expected {\"uuid\": UUID, \"value\": HEX}");
			return -EINVAL;
		}
		v = cJSON_GetObjectItemCaseSensitive(ch, "record");
		if (v && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
			  v->valuedouble > 255 ||
			  v->valuedouble != (unsigned)v->valuedouble)) {
			FRAME_ERROR("characteristic.record: expected 0..255");
			return -EINVAL;
		}
		if (v)
			f.record = (unsigned)v->valuedouble;
	}
	name = cJSON_GetObjectItemCaseSensitive(line, "name");
	if (cJSON_IsString(name))
		f.name = name->valuestring;
	addr = cJSON_GetObjectItemCaseSensitive(line, "address");
	if (cJSON_IsString(addr))
		f.address = addr->valuestring;
	drv = cJSON_GetObjectItemCaseSensitive(line, "driver");
	*ret_driver = cJSON_IsString(drv) ? drv->valuestring : NULL;
	prof = cJSON_GetObjectItemCaseSensitive(line, "profile");
	*ret_profile = (struct hv_profile){ 0 };
	if (prof && profile_from_json(prof, ret_profile) < 0) {
		FRAME_ERROR("profile: expected {\"height\": metres, \"age\": years, \"sex\": \"male\"|\"female\"}");
		return -EINVAL;
	}
	if (prof)
		f.profile = ret_profile;
	*ret = f;
	return 0;
}
