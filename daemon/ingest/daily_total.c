// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/macro.h"
#include "daemon/ingest/daily_total.h"
#include "daemon/ingest/pipeline.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

struct counter_state {
	char key[HV_ADDRESS_MAX]; /* "": free */
	int64_t day;
	int64_t offset; /* added to the counter to give the day's total */
	uint32_t last; /* the last counter value */
	uint32_t given; /* the last total handed out for day */
	int64_t given_at; /* local_s when it was */
	uint64_t used; /* for replacing the least recently used */
	bool held; /* held_row is a grown total not stored yet */
	struct hv_record held_row;
	/* held_row's frame (its address is key), stored with it as "raw":
	 * the counter value a restart takes up again */
	struct hv_frame held_frame;
	bool held_has_frame;
	/* restored from a stored row whose counter value is unknown: the
	 * first value decides the offset */
	bool last_unknown;
};

struct hv_daily_totals {
	struct counter_state states[HV_DAILY_KEYS_MAX];
	uint64_t clock;
};

int hv_daily_totals_new(struct hv_daily_totals **ret)
{
	struct hv_daily_totals *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

struct hv_daily_totals *hv_daily_totals_free(struct hv_daily_totals *t)
{
	free(t);
	return NULL;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static struct counter_state *state_for(struct hv_daily_totals *t,
				       const char *key, bool *ret_new)
{
	struct counter_state *oldest = &t->states[0];

	for (size_t i = 0; i < HV_DAILY_KEYS_MAX; i++) {
		struct counter_state *s = &t->states[i];

		if (s->key[0] && strcmp(s->key, key) == 0) {
			*ret_new = false;
			return s;
		}
		if (!s->key[0] || (oldest->key[0] && s->used < oldest->used))
			oldest = s;
	}
	*oldest = (struct counter_state){ 0 };
	(void)snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	*ret_new = true;
	return oldest;
}

static uint32_t day_total(const struct counter_state *s)
{
	int64_t total = s->offset + s->last;

	if (total < 0)
		return 0;
	return total > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)total;
}

/* The first value of a new day: has the device zeroed its counter yet? */
static int64_t new_day_offset(const struct counter_state *s, int64_t day,
			      int64_t second_of_day, uint32_t counter)
{
	bool next_day = day == s->day + 1;

	if (next_day && second_of_day < HV_DAILY_RESET_WINDOW_S &&
	    counter >= s->last)
		return -(int64_t)s->last;
	return 0;
}

int hv_daily_totals_feed(struct hv_daily_totals *t, const char *key,
			 int64_t local_s, uint32_t counter,
			 struct hv_daily_total *ret)
{
	int64_t day = floor_div(local_s, 86400);
	struct hv_daily_total out = { .day = day };
	struct counter_state *s;
	bool fresh;

	if (!t || !key || !*key || strlen(key) >= HV_ADDRESS_MAX)
		return -EINVAL;
	s = state_for(t, key, &fresh);
	if (!fresh && day < s->day)
		return -ESTALE;
	if (fresh) {
		s->day = day;
		s->offset = 0;
		s->given = UINT32_MAX;
	} else if (day > s->day) {
		uint32_t last_total = day_total(s);

		if (last_total != s->given) {
			out.has_final = true;
			out.final_day = s->day;
			out.final_total = last_total;
		}
		s->offset = new_day_offset(s, day, local_s - day * 86400,
					   counter);
		s->day = day;
		s->given = UINT32_MAX;
	} else if (s->last_unknown) {
		/* below the stored total: the counter started again, count on
		 * from that total (what was walked meanwhile is lost, never
		 * counted twice) */
		int64_t stored = s->offset;

		s->offset = counter < stored ? stored - counter : 0;
	} else if (counter < s->last) {
		s->offset += s->last;
	}
	s->last_unknown = false;
	s->last = counter;
	s->used = ++t->clock;
	out.total = day_total(s);
	out.changed = out.total != s->given &&
		      (s->given == UINT32_MAX ||
		       local_s - s->given_at >= HV_DAILY_STORE_INTERVAL_S);
	if (out.changed) {
		s->given = out.total;
		s->given_at = local_s;
	}
	out.held = out.total != s->given;
	s->held = false; /* hold_row() keeps it again */
	*ret = out;
	return 0;
}

bool hv_daily_total_applies(const struct hv_measurement *m)
{
	const char *period = hv_measurement_context(m, "period");

	return period && strcmp(period, "P1D") == 0 &&
	       hv_measurement_find(m, HV_METRIC_STEP_COUNT);
}

static struct hv_reading *step_reading(struct hv_measurement *m)
{
	for (size_t i = 0; i < m->n_readings; i++)
		if (m->readings[i].metric == HV_METRIC_STEP_COUNT)
			return &m->readings[i];
	return NULL;
}

/* Local midnight starting `day`, as a UTC instant. */
static int64_t local_midnight_usec(int64_t day)
{
	struct hv_datetime dt;
	struct tm tm;
	time_t t;

	hv_datetime_from_unix(day * 86400, &dt);
	tm = (struct tm){ .tm_year = dt.year - 1900, .tm_mon = dt.month - 1,
			  .tm_mday = dt.day, .tm_isdst = -1 };
	t = mktime(&tm);
	return (int64_t)t * 1000000;
}

/* The id of a device's row of `day`. */
static void day_row_id(const char *driver, const char *address, int64_t day,
		       char ret[static HV_ID_MAX])
{
	struct hv_datetime date;
	char key[32];

	hv_datetime_from_unix(day * 86400, &date);
	(void)snprintf(key, sizeof(key), "day:%04u-%02u-%02u", date.year,
		       date.month, date.day);
	hv_measurement_id(driver, address, key, ret);
}

/* r as the row of `day` with `total`. */
static void day_row(struct hv_record *r, int64_t day, uint32_t total)
{
	step_reading(&r->m)->value = total;
	day_row_id(r->m.driver, r->device_address, day, r->id);
	r->time_usec = local_midnight_usec(day);
	r->time_source = HV_TIME_SOURCE_RECEIVED;
	r->m.has_device_time = false;
}

static void hold_row(struct hv_daily_totals *t, const struct hv_record *r)
{
	bool fresh;
	struct counter_state *s = state_for(t, r->device_address, &fresh);

	s->held_row = *r;
	/* the frame does not outlive the call: a copy, without the name */
	s->held_has_frame = r->raw != NULL;
	if (r->raw) {
		s->held_frame = *r->raw;
		s->held_frame.name = NULL;
		s->held_frame.address = s->key;
		s->held_frame.profile = NULL;
		s->held_frame.key = NULL;
	}
	s->held_row.raw = s->held_has_frame ? &s->held_frame : NULL;
	s->held = true;
}

int hv_daily_totals_take_held(struct hv_daily_totals *t, struct hv_record *ret)
{
	for (size_t i = 0; t && i < HV_DAILY_KEYS_MAX; i++) {
		struct counter_state *s = &t->states[i];

		if (!s->key[0] || !s->held)
			continue;
		s->held = false;
		s->given = (uint32_t)step_reading(&s->held_row.m)->value;
		*ret = s->held_row;
		return 1;
	}
	return 0;
}

/* Local seconds since 1970 of a record's time. */
static int record_local_s(const struct hv_record *r, int64_t *ret)
{
	time_t when = (time_t)(r->time_usec / 1000000);
	struct tm tm;

	if (!localtime_r(&when, &tm))
		return -EINVAL;
	*ret = (int64_t)when + tm.tm_gmtoff;
	return 0;
}

int hv_daily_total_record(struct hv_daily_totals *t, struct hv_record *r,
			  struct hv_record *ret_final)
{
	struct hv_reading *steps = step_reading(&r->m);
	struct hv_daily_total d;
	int64_t local_s;
	int k, mask = 0;

	if (!steps || steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
	    steps->value > UINT32_MAX || record_local_s(r, &local_s) < 0)
		return -EINVAL;
	k = hv_daily_totals_feed(t, r->device_address, local_s,
				 (uint32_t)steps->value, &d);
	if (k < 0)
		return k;
	if (d.has_final) {
		*ret_final = *r;
		/* this frame's counter is of the new day, not of that row */
		ret_final->raw = NULL;
		day_row(ret_final, d.final_day, d.final_total);
		mask |= HV_DAILY_STORE_FINAL;
	}
	if (d.changed) {
		day_row(r, d.day, d.total);
		mask |= HV_DAILY_STORE;
	} else if (d.held) {
		struct hv_record row = *r;

		day_row(&row, d.day, d.total);
		hold_row(t, &row);
	}
	return mask;
}

/* The step total of a stored day row, -ENOENT when there is none. */
static int stored_total(struct hv_store *s, const char *id, double *ret)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	const cJSON *rd;
	int r;

	r = hv_store_measurement_json(s, id, &json);
	if (r < 0)
		return r;
	j = cJSON_Parse(json);
	cJSON_ArrayForEach(rd, cJSON_GetObjectItemCaseSensitive(j, "readings")) {
		const cJSON *metric = cJSON_GetObjectItemCaseSensitive(rd, "metric");
		const cJSON *value = cJSON_GetObjectItemCaseSensitive(rd, "value");

		if (cJSON_IsString(metric) && cJSON_IsNumber(value) &&
		    strcmp(metric->valuestring, "step_count") == 0) {
			*ret = value->valuedouble;
			return 0;
		}
	}
	return -EBADMSG;
}

int hv_daily_totals_seed(struct hv_daily_totals *t, const char *key,
			 int64_t day, uint32_t total, int64_t last)
{
	struct counter_state *s;
	bool fresh;

	if (!t || !key || !*key || strlen(key) >= HV_ADDRESS_MAX ||
	    last > UINT32_MAX)
		return -EINVAL;
	s = state_for(t, key, &fresh);
	if (!fresh)
		return 0;
	s->day = day;
	s->used = ++t->clock;
	/* the stored total is what was handed out; a grown one is stored
	 * at once */
	s->given = total;
	s->given_at = INT64_MIN / 2;
	if (last < 0) {
		s->last_unknown = true;
		s->offset = total; /* decided by the first value */
		s->last = 0;
	} else {
		s->offset = (int64_t)total - last;
		s->last = (uint32_t)last;
	}
	return 1;
}

bool hv_daily_totals_knows(const struct hv_daily_totals *t, const char *key)
{
	for (size_t i = 0; t && key && i < HV_DAILY_KEYS_MAX; i++)
		if (t->states[i].key[0] && strcmp(t->states[i].key, key) == 0)
			return true;
	return false;
}

/* The counter value of a stored row's frame ("raw"), decoded again with
 * its driver; -ENOENT when the row has none. */
static int stored_counter(const cJSON *row, const char *driver_id,
			  uint32_t *ret)
{
	const cJSON *raw = cJSON_GetObjectItemCaseSensitive(row, "raw");
	const struct hv_driver *d = hv_driver_by_id(driver_id);
	const struct hv_reading *steps;
	struct hv_measurement m;
	struct hv_profile profile;
	struct hv_frame f;
	const char *forced = NULL;
	char err[64];

	if (!raw || !d)
		return -ENOENT;
	if (hv_frame_from_json(raw, &f, &profile, &forced, err, sizeof(err)) < 0 ||
	    hv_registry_decode(&f, d, &m) < 0)
		return -EBADMSG;
	steps = hv_measurement_find(&m, HV_METRIC_STEP_COUNT);
	if (!steps || steps->absent != HV_ABSENT_NONE || steps->value < 0 ||
	    steps->value > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)steps->value;
	return 0;
}

int hv_daily_totals_restore(struct hv_daily_totals *t, struct hv_store *s,
			    const struct hv_record *r)
{
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	_cleanup_free_ char *json = NULL;
	char id[HV_ID_MAX];
	int64_t local_s, day, last = -1;
	uint32_t counter;
	double total;
	int k;

	if (!t || !s || !r || !r->m.driver)
		return -EINVAL;
	if (hv_daily_totals_knows(t, r->device_address))
		return 0;
	k = record_local_s(r, &local_s);
	if (k < 0)
		return k;
	day = floor_div(local_s, 86400);
	day_row_id(r->m.driver, r->device_address, day, id);
	k = stored_total(s, id, &total);
	if (k == -ENOENT)
		return 0;
	if (k < 0)
		return k;
	if (total < 0 || total > UINT32_MAX - 1)
		return -EBADMSG;
	k = hv_store_measurement_json(s, id, &json);
	if (k < 0)
		return k;
	j = cJSON_Parse(json);
	if (j && stored_counter(j, r->m.driver, &counter) == 0)
		last = counter;
	return hv_daily_totals_seed(t, r->device_address, day, (uint32_t)total,
				    last);
}

int hv_daily_total_store(struct hv_store *s, const struct hv_record *r)
{
	_cleanup_(cJSON_Deletep) cJSON *j = NULL;
	_cleanup_free_ char *json = NULL;
	const struct hv_reading *steps =
		hv_measurement_find(&r->m, HV_METRIC_STEP_COUNT);
	double before;
	int k;

	if (!steps)
		return -EINVAL;
	k = hv_store_add(s, r);
	if (k != 0)
		return k;
	/* The day's row exists: it grows, never shrinks (after a restart
	 * the counter may start below what was stored). */
	k = stored_total(s, r->id, &before);
	if (k < 0)
		return k;
	if (steps->value <= before)
		return 0;
	k = hv_record_to_json(r, &j);
	if (k < 0)
		return k;
	json = hv_json_print(j);
	if (!json)
		return -ENOMEM;
	k = hv_store_reassign(s, r->id, r->person, json);
	return k < 0 ? k : 1;
}
