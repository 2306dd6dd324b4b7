// SPDX-License-Identifier: MIT
/* The one list of drivers, and decoding a frame through all of them. */
#include <errno.h>
#include <string.h>

#include "drivers/registry.h"

#define HV_DRIVER(name) &name,
const struct hv_driver *const hv_drivers[] = {
#include "drivers/drivers.def"
};
#undef HV_DRIVER

const size_t hv_drivers_count = sizeof(hv_drivers) / sizeof(hv_drivers[0]);

const struct hv_driver *hv_driver_by_id(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < hv_drivers_count; i++)
		if (strcmp(hv_drivers[i]->id, id) == 0)
			return hv_drivers[i];
	return NULL;
}

static const char *const driver_kind_names[_HV_DRIVER_KIND_MAX] = {
	[HV_DRIVER_KIND_OTHER] = "other",
	[HV_DRIVER_KIND_SCALE] = "scale",
	[HV_DRIVER_KIND_HEART_RATE] = "heart_rate",
	[HV_DRIVER_KIND_BLOOD_PRESSURE] = "blood_pressure",
	[HV_DRIVER_KIND_THERMOMETER] = "thermometer",
	[HV_DRIVER_KIND_PULSE_OXIMETER] = "pulse_oximeter",
	[HV_DRIVER_KIND_GLUCOSE_METER] = "glucose_meter",
	[HV_DRIVER_KIND_ACTIVITY] = "activity",
	[HV_DRIVER_KIND_FITNESS_BAND] = "fitness_band",
	[HV_DRIVER_KIND_CONTROL_POINT] = "control_point",
};

const char *hv_driver_kind_name(enum hv_driver_kind kind)
{
	if ((int)kind < 0 || kind >= _HV_DRIVER_KIND_MAX)
		return NULL;
	return driver_kind_names[kind];
}

enum hv_driver_kind hv_driver_kind_from_name(const char *name)
{
	if (!name)
		return _HV_DRIVER_KIND_INVALID;
	for (int i = 0; i < _HV_DRIVER_KIND_MAX; i++)
		if (strcmp(driver_kind_names[i], name) == 0)
			return (enum hv_driver_kind)i;
	return _HV_DRIVER_KIND_INVALID;
}

const struct hv_service_data *hv_frame_service_data(const struct hv_frame *f,
						    uint16_t uuid16)
{
	for (size_t i = 0; i < f->n_service_data; i++)
		if (hv_uuid_is16(&f->service_data[i].uuid, uuid16))
			return &f->service_data[i];
	return NULL;
}

const struct hv_manufacturer_data *
hv_frame_manufacturer_data(const struct hv_frame *f, uint16_t company_id)
{
	for (size_t i = 0; i < f->n_manufacturer_data; i++) {
		const struct hv_manufacturer_data *md = &f->manufacturer_data[i];

		if (md->len >= 2 &&
		    (uint16_t)(md->data[0] | md->data[1] << 8) == company_id)
			return md;
	}
	return NULL;
}

bool hv_frame_has_service(const struct hv_frame *f, uint16_t uuid16)
{
	for (size_t i = 0; i < f->n_service_uuids; i++)
		if (hv_uuid_is16(&f->service_uuids[i], uuid16))
			return true;
	return false;
}

bool hv_frame_is_characteristic(const struct hv_frame *f, uint16_t uuid16)
{
	return f->has_characteristic && hv_uuid_is16(&f->characteristic, uuid16);
}

bool hv_frame_name_starts_with(const struct hv_frame *f, const char *prefix)
{
	return f->name && prefix &&
	       strncmp(f->name, prefix, strlen(prefix)) == 0;
}

static bool match_advert(const struct hv_driver *d, const struct hv_frame *f)
{
	const struct hv_match *m = &d->match;

	for (const uint16_t *u = m->service_data; u && *u; u++)
		if (hv_frame_service_data(f, *u))
			return true;
	for (const uint16_t *c = m->company_ids; c && *c != 0xFFFF; c++)
		if (hv_frame_manufacturer_data(f, *c))
			return true;
	for (const uint16_t *s = m->services; s && *s; s++)
		if (hv_frame_has_service(f, *s))
			return true;
	for (const char *const *p = m->name_prefixes; p && *p; p++)
		if (hv_frame_name_starts_with(f, *p))
			return true;
	return false;
}

bool hv_driver_matches(const struct hv_driver *d, const struct hv_frame *f)
{
	const struct hv_match *m = &d->match;

	if (f->has_characteristic) {
		for (const uint16_t *c = m->characteristics; c && *c; c++)
			if (hv_uuid_is16(&f->characteristic, *c))
				return true;
		for (const char *const *c = m->characteristics128; c && *c;
		     c++) {
			struct hv_uuid u;

			if (hv_uuid_parse(*c, &u) == 0 &&
			    hv_uuid_equal(&u, &f->characteristic))
				return true;
		}
	}
	return match_advert(d, f);
}

/* Device-level claim: what selects a driver for a connection. */
static bool driver_claims_device(const struct hv_driver *d,
				 const struct hv_frame *f)
{
	if (d->claims_device)
		return d->claims_device(f);
	return match_advert(d, f);
}

static int try_driver(const struct hv_driver *d, const struct hv_frame *f,
		      struct hv_measurement *ret)
{
	struct hv_measurement m;
	int r;

	hv_measurement_init(&m, d->id);
	r = d->decode(f, &m);
	if (r == -ENODEV)
		return r;
	if (r < 0 && m.status != HV_STATUS_INVALID)
		(void)hv_measurement_invalid(&m, "driver failed (%d)", r);
	*ret = m;
	return r;
}

int hv_registry_decode(const struct hv_frame *frame,
		       const struct hv_driver *forced,
		       struct hv_measurement *ret)
{
	int r;

	if (forced) {
		r = try_driver(forced, frame, ret);
		if (r != -ENODEV)
			return r;
	} else {
		/* Two passes: vendor drivers, then generic profile decoders. */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < hv_drivers_count; i++) {
				const struct hv_driver *d = hv_drivers[i];
				bool generic = d->flags & HV_DRIVER_GENERIC;

				if (generic != (pass == 1))
					continue;
				if ((d->flags & HV_DRIVER_NEEDS_SELECTION) &&
				    !driver_claims_device(d, frame))
					continue;
				r = try_driver(d, frame, ret);
				if (r != -ENODEV)
					return r;
			}
		}
	}
	hv_measurement_init(ret, NULL);
	ret->status = HV_STATUS_NOT_MINE;
	return -ENODEV;
}

const struct hv_driver *hv_registry_select(const struct hv_frame *advert)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < hv_drivers_count; i++) {
			const struct hv_driver *d = hv_drivers[i];
			bool generic = d->flags & HV_DRIVER_GENERIC;

			if (generic != (pass == 1) || !d->conversation)
				continue;
			if (driver_claims_device(d, advert))
				return d;
		}
	return NULL;
}
