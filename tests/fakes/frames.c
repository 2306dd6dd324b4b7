// SPDX-License-Identifier: MIT
/* Frames built from the layouts, and the checks on them: see frames.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/common/measurement_json.h"
#include "tests/fakes/frames.h"

void hv_test_checksum(uint8_t *v, size_t n, enum hv_test_checksum cs)
{
	uint8_t x = 0;

	switch (cs) {
	case HV_CS_NONE:
		return;
	case HV_CS_SUM:
		for (size_t i = 0; i + 1 < n; i++)
			x = (uint8_t)(x + v[i]);
		v[n - 1] = x;
		return;
	case HV_CS_XOR_FROM1:
		for (size_t i = 1; i + 1 < n; i++)
			x ^= v[i];
		v[n - 1] = x;
		return;
	case HV_CS_VITAFIT:
		for (size_t i = 1; i + 2 < n; i++)
			x ^= v[i];
		v[n - 2] = x;
		return;
	case HV_CS_AC:
		for (size_t i = 2; i <= 6; i++)
			x = (uint8_t)(x + v[i]);
		v[7] = x;
		return;
	case HV_CS_NEW:
		for (size_t i = 3; i <= 18; i++)
			x = (uint8_t)(x + v[i]);
		v[19] = x & 0x1F;
		return;
	}
}

void hv_test_gatt(struct hv_frame *f, const char *name, const char *uuid,
		  const char *hex, enum hv_test_checksum cs)
{
	char buf[600];

	*f = (struct hv_frame){ .name = name };
	snprintf(buf, sizeof(buf), "%s:%s", uuid, hex);
	assert_int_equal(hv_frame_set_characteristic(f, buf), 0);
	hv_test_checksum(f->value, f->value_len, cs);
}

void hv_test_mfr(struct hv_frame *f, const char *name, const char *hex)
{
	*f = (struct hv_frame){ .name = name };
	assert_int_equal(hv_frame_add_manufacturer_data(f, hex), 0);
}

void hv_test_decode(const struct hv_frame *f, struct hv_measurement *m)
{
	(void)hv_registry_decode(f, NULL, m);
}

double hv_test_reading(const struct hv_measurement *m, enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	if (!r)
		fail_msg("no %s reading", hv_metric_info(metric)->name);
	return r->value;
}

double hv_test_present(const struct hv_measurement *m, enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	if (!r)
		fail_msg("no %s reading", hv_metric_info(metric)->name);
	assert_int_equal(r->absent, HV_ABSENT_NONE);
	return r->value;
}

const char *hv_test_method(const struct hv_measurement *m,
			   enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	assert_non_null(r);
	return r->method;
}

void hv_test_assert_driver(const struct hv_measurement *m, const char *id)
{
	if (m->status != HV_STATUS_OK)
		fail_msg("status %s (%s), expected %s",
			 hv_status_name(m->status), m->error, id);
	assert_non_null(m->driver);
	assert_string_equal(m->driver, id);
}

void hv_test_check_conversation(const struct hv_conversation *c)
{
	bool has_end = false;

	assert_non_null(c);
	assert_true(c->n_steps > 1);
	for (size_t i = 0; i < c->n_steps; i++) {
		const struct hv_step *s = &c->steps[i];
		struct hv_uuid u;

		assert_true(s->op < _HV_STEP_OP_MAX);
		assert_true(s->on_fail >= 0 && (size_t)s->on_fail < c->n_steps);
		assert_non_null(s->what);
		if (s->op == HV_STEP_END) {
			has_end = true;
			continue;
		}
		assert_non_null(s->service);
		assert_non_null(s->characteristic);
		assert_int_equal(hv_uuid_parse(s->service, &u), 0);
		assert_int_equal(hv_uuid_parse(s->characteristic, &u), 0);
		if (s->op == HV_STEP_WRITE)
			assert_true(s->payload || (s->bytes && s->n_bytes));
		if (s->op == HV_STEP_WAIT)
			assert_non_null(s->on_value);
	}
	assert_true(has_end);
	assert_int_equal(c->steps[c->n_steps - 1].op, HV_STEP_END);
}

const struct hv_step *hv_test_find_step(const char *id, const char *what_prefix,
					size_t *ret_index)
{
	const struct hv_conversation *c = hv_driver_by_id(id)->conversation;

	for (size_t i = 0; i < c->n_steps; i++)
		if (c->steps[i].what &&
		    strncmp(c->steps[i].what, what_prefix,
			    strlen(what_prefix)) == 0) {
			if (ret_index)
				*ret_index = i;
			return &c->steps[i];
		}
	fail_msg("%s: no step '%s'", id, what_prefix);
	return NULL;
}

int hv_test_payload(const char *id, const char *what,
		    const struct hv_session *ss, char *out, size_t size)
{
	const struct hv_step *s = hv_test_find_step(id, what, NULL);
	uint8_t buf[255];
	size_t n = 0;
	int r;

	assert_non_null(s->payload);
	r = s->payload(ss, buf, sizeof(buf), &n);
	out[0] = 0;
	if (r < 0)
		return r;
	assert_true(2 * n < size);
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[i]);
	return 0;
}

void hv_test_assert_payload(const char *id, const char *what,
			    const struct hv_session *ss, const char *expect)
{
	char hex[600];

	assert_int_equal(hv_test_payload(id, what, ss, hex, sizeof(hex)), 0);
	assert_string_equal(hex, expect);
}
