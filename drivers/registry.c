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

/* --- the reference walk: every driver in turn -------------------------- */

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

int hv_registry_decode_linear(const struct hv_frame *frame,
			      struct hv_measurement *ret)
{
	int r;

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
	hv_measurement_init(ret, NULL);
	ret->status = HV_STATUS_NOT_MINE;
	return -ENODEV;
}

/* --- the dispatch index ----------------------------------------------- */

/*
 * Which drivers a frame can concern, from its keys (driver.h, struct
 * hv_match): a mask over the try order (vendor drivers, then generic ones,
 * each in drivers.def order), so that trying the set bits from the lowest
 * gives the decision of the walk above. Built from the match tables on
 * first use, in static storage; until it is ready (or if the tables ever
 * outgrow it) decoding takes the walk.
 */
#define MASK_WORDS ((HV_DRIVERS_MAX + 63) / 64)

typedef struct {
	uint64_t w[MASK_WORDS];
} driver_mask;

static driver_mask mask_bit(size_t pos)
{
	driver_mask m = { { 0 } };

	m.w[pos / 64] = (uint64_t)1 << (pos % 64);
	return m;
}

static void mask_or(driver_mask *a, const driver_mask *b)
{
	for (size_t i = 0; i < MASK_WORDS; i++)
		a->w[i] |= b->w[i];
}

struct key_mask {
	uint16_t key;
	driver_mask mask;
};

struct key_table {
	size_t n;
	struct key_mask entries[HV_REGISTRY_KEYS_MAX];
};

static struct dispatch_index {
	uint16_t order[HV_DRIVERS_MAX]; /* try position → index in hv_drivers */
	struct key_table characteristics, service_data, company_ids;
	/* 128-bit characteristics: few drivers, their decode() compares */
	driver_mask characteristics128;
	driver_mask any_company;
} dispatch;

enum { INDEX_NONE, INDEX_BUILDING, INDEX_READY, INDEX_UNUSABLE };
static int dispatch_state = INDEX_NONE;

/* Insertion keeps the table sorted for the binary search. */
static int key_table_add(struct key_table *t, uint16_t key, driver_mask bit)
{
	size_t i = t->n;

	for (size_t j = 0; j < t->n; j++)
		if (t->entries[j].key == key) {
			mask_or(&t->entries[j].mask, &bit);
			return 0;
		}
	if (t->n >= HV_REGISTRY_KEYS_MAX)
		return -ENOSPC;
	while (i > 0 && t->entries[i - 1].key > key) {
		t->entries[i] = t->entries[i - 1];
		i--;
	}
	t->entries[i] = (struct key_mask){ .key = key, .mask = bit };
	t->n++;
	return 0;
}

static int key_table_add_list(struct key_table *t, const uint16_t *list,
			      uint16_t end, driver_mask bit)
{
	for (; list && *list != end; list++) {
		int r = key_table_add(t, *list, bit);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ORs the drivers of key into *mask. */
static void key_table_find(const struct key_table *t, uint16_t key,
			   driver_mask *mask)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->entries[mid].key == key) {
			mask_or(mask, &t->entries[mid].mask);
			return;
		}
		if (t->entries[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
}

static int index_driver(struct dispatch_index *x, const struct hv_driver *d,
			driver_mask bit)
{
	const struct hv_match *m = &d->match;
	int r;

	r = key_table_add_list(&x->characteristics, m->characteristics, 0, bit);
	if (r >= 0)
		r = key_table_add_list(&x->service_data, m->service_data, 0,
				       bit);
	if (r >= 0)
		r = key_table_add_list(&x->company_ids, m->company_ids, 0xFFFF,
				       bit);
	if (m->characteristics128 && *m->characteristics128)
		mask_or(&x->characteristics128, &bit);
	if (d->flags & HV_DRIVER_ANY_COMPANY)
		mask_or(&x->any_company, &bit);
	return r;
}

static int index_build(struct dispatch_index *x)
{
	size_t pos = 0;

	if (hv_drivers_count > HV_DRIVERS_MAX)
		return -ENOSPC;
	*x = (struct dispatch_index){ 0 };
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < hv_drivers_count; i++) {
			const struct hv_driver *d = hv_drivers[i];
			int r;

			if (!!(d->flags & HV_DRIVER_GENERIC) != (pass == 1))
				continue;
			r = index_driver(x, d, mask_bit(pos));
			if (r < 0)
				return r;
			x->order[pos++] = (uint16_t)i;
		}
	return 0;
}

/* The index, or NULL while another thread builds it (or it cannot be). */
static const struct dispatch_index *index_get(void)
{
	int state = __atomic_load_n(&dispatch_state, __ATOMIC_ACQUIRE);

	if (state == INDEX_NONE &&
	    __atomic_compare_exchange_n(&dispatch_state, &state, INDEX_BUILDING,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		state = index_build(&dispatch) < 0 ? INDEX_UNUSABLE :
						     INDEX_READY;
		__atomic_store_n(&dispatch_state, state, __ATOMIC_RELEASE);
	}
	return state == INDEX_READY ? &dispatch : NULL;
}

bool hv_registry_indexed(void)
{
	return index_get() != NULL;
}

static driver_mask index_candidates(const struct dispatch_index *x,
				    const struct hv_frame *f)
{
	driver_mask mask = { { 0 } };

	if (f->has_characteristic) {
		int c = hv_uuid_to16(&f->characteristic);

		if (c < 0)
			mask_or(&mask, &x->characteristics128);
		else
			key_table_find(&x->characteristics, (uint16_t)c, &mask);
	}
	for (size_t i = 0; i < f->n_service_data; i++) {
		int u = hv_uuid_to16(&f->service_data[i].uuid);

		if (u >= 0)
			key_table_find(&x->service_data, (uint16_t)u, &mask);
	}
	for (size_t i = 0; i < f->n_manufacturer_data; i++) {
		const struct hv_manufacturer_data *md =
			&f->manufacturer_data[i];

		mask_or(&mask, &x->any_company);
		if (md->len >= 2)
			key_table_find(&x->company_ids,
				       (uint16_t)(md->data[0] | md->data[1] << 8),
				       &mask);
	}
	return mask;
}

/* Decodes straight into ret: "not mine" leaves nothing a reset does not
 * clear, so no copy of the ~2 KB measurement per driver tried. */
static int try_driver_into(const struct hv_driver *d, const struct hv_frame *f,
			   struct hv_measurement *ret)
{
	int r;

	hv_measurement_reset(ret, d->id);
	r = d->decode(f, ret);
	if (r < 0 && r != -ENODEV && ret->status != HV_STATUS_INVALID)
		(void)hv_measurement_invalid(ret, "driver failed (%d)", r);
	return r;
}

static int decode_indexed(const struct dispatch_index *x,
			  const struct hv_frame *frame,
			  struct hv_measurement *ret, int *ret_driver)
{
	driver_mask mask = index_candidates(x, frame);

	for (size_t w = 0; w < MASK_WORDS; w++)
		for (uint64_t m = mask.w[w]; m; m &= m - 1) {
			size_t i = x->order[w * 64 + (size_t)__builtin_ctzll(m)];
			const struct hv_driver *d = hv_drivers[i];
			int r;

			if ((d->flags & HV_DRIVER_NEEDS_SELECTION) &&
			    !driver_claims_device(d, frame))
				continue;
			r = try_driver_into(d, frame, ret);
			if (r != -ENODEV) {
				*ret_driver = (int)i;
				return r;
			}
		}
	return -ENODEV;
}

/* --- decoding --------------------------------------------------------- */

static const char *const outcome_names[_HV_OUTCOME_MAX] = {
	[HV_OUTCOME_NOT_MINE] = "not_mine",
	[HV_OUTCOME_CLAIMED] = "claimed",
	[HV_OUTCOME_FINAL] = "final",
	[HV_OUTCOME_INVALID] = "invalid",
};

const char *hv_decode_outcome_name(enum hv_decode_outcome outcome)
{
	if ((int)outcome < 0 || outcome >= _HV_OUTCOME_MAX)
		return NULL;
	return outcome_names[outcome];
}

static enum hv_decode_outcome outcome_of(const struct hv_measurement *m)
{
	if (m->status == HV_STATUS_NOT_MINE)
		return HV_OUTCOME_NOT_MINE;
	if (m->status == HV_STATUS_INVALID)
		return HV_OUTCOME_INVALID;
	return m->final ? HV_OUTCOME_FINAL : HV_OUTCOME_CLAIMED;
}

static int driver_index(const struct hv_driver *d)
{
	for (size_t i = 0; i < hv_drivers_count; i++)
		if (hv_drivers[i] == d)
			return (int)i;
	return -1;
}

int hv_registry_decode_outcome(const struct hv_frame *frame,
			       const struct hv_driver *forced,
			       struct hv_measurement *ret, int *ret_driver,
			       enum hv_decode_outcome *ret_outcome)
{
	const struct dispatch_index *x;
	int r = -ENODEV, driver = -1;

	if (forced) {
		r = try_driver_into(forced, frame, ret);
		if (r != -ENODEV)
			driver = driver_index(forced);
	} else if ((x = index_get())) {
		r = decode_indexed(x, frame, ret, &driver);
	} else {
		r = hv_registry_decode_linear(frame, ret);
		if (r != -ENODEV)
			driver = driver_index(hv_driver_by_id(ret->driver));
	}
	if (r == -ENODEV) {
		hv_measurement_reset(ret, NULL);
		ret->status = HV_STATUS_NOT_MINE;
	}
	if (ret_driver)
		*ret_driver = driver;
	if (ret_outcome)
		*ret_outcome = outcome_of(ret);
	return r;
}

int hv_registry_decode(const struct hv_frame *frame,
		       const struct hv_driver *forced,
		       struct hv_measurement *ret)
{
	return hv_registry_decode_outcome(frame, forced, ret, NULL, NULL);
}

static void drop_derived(struct hv_measurement *m)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->n_readings; i++)
		if (!m->readings[i].method)
			m->readings[kept++] = m->readings[i];
	m->n_readings = kept;
}

int hv_registry_derive(const struct hv_driver *driver,
		       const struct hv_measurement *m,
		       const struct hv_profile *profile,
		       struct hv_measurement *out)
{
	size_t before;
	int r;

	if (out != m)
		*out = *m;
	drop_derived(out);
	if (!driver && out->driver)
		driver = hv_driver_by_id(out->driver);
	if (!driver || !driver->derive || !out->bia.valid ||
	    !hv_profile_complete(profile))
		return 0;
	before = out->n_readings;
	r = driver->derive(profile, out);
	if (r < 0)
		return r;
	return (int)(out->n_readings - before);
}

/* Truncating copy: the reason lives in a measurement the caller reuses. */
static void keep_reason(char *buf, size_t size, const char *reason)
{
	size_t n = reason ? strnlen(reason, size - 1) : 0;

	if (n)
		memcpy(buf, reason, n);
	buf[n] = '\0';
}

void hv_driver_counters_note(struct hv_driver_counters *c,
			     enum hv_decode_outcome outcome, const char *reason)
{
	switch (outcome) {
	case HV_OUTCOME_FINAL:
		c->final++;
		break;
	case HV_OUTCOME_INVALID:
		c->invalid++;
		keep_reason(c->last_invalid_reason,
			    sizeof(c->last_invalid_reason), reason);
		break;
	case HV_OUTCOME_CLAIMED:
		break;
	default:
		return; /* not a claim: nothing to count */
	}
	c->claimed++;
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
