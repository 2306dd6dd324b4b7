// SPDX-License-Identifier: MIT
/*
 * Advertisement-based activity devices (polar_hr, xoss_hr, xiaomi_band):
 * the heart_rate / fitness_band frames of theengs_scales_health.json
 * (read at run time from tests/vectors; a missing file fails) decode to
 * the stated bpm / steps; these drivers claim no other device's frame of
 * theengs_all_devices.json; own frames from the layouts round-trip through
 * the encoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/hexutil.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

static const struct {
	const char *model_id;
	const char *driver;
} ours[] = {
	{ "H10", "polar_hr" },
	{ "XOSSX2", "xoss_hr" },
	{ "MB/SW", "xiaomi_band" },
};

static const char *our_driver(const char *model_id)
{
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (model_id && strcmp(ours[i].model_id, model_id) == 0)
			return ours[i].driver;
	return NULL;
}

static bool is_our_driver(const char *id)
{
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (id && strcmp(ours[i].driver, id) == 0)
			return true;
	return false;
}

/*
 * The advert an entry describes. The Theengs captures do not say under
 * which UUID their service data came; Theengs' Mi Band definition requires
 * 0xFEE0 ("uuid contain fee0"), so the service data of a manufacturer-data
 * entry goes there for a Mi Band and under 0x0000 otherwise (an empty
 * service_hex adds none, nor is the entry's UUID advertised as a service);
 * service-data entries keep the UUID the entry gives (or none).
 */
static void frame_from_entry(const cJSON *e, struct hv_frame *f)
{
	const char *model_id = hv_test_str(e, "model_id");
	const char *svc = hv_test_str(e, "service_hex");
	bool band = our_driver(model_id) && strcmp(model_id, "MB/SW") == 0;

	hv_test_theengs_advert(e, f);
	f->now = 0;
	if (!f->n_manufacturer_data)
		return;
	f->n_service_uuids = 0;
	if (!svc || !*svc)
		f->n_service_data = 0;
	else
		f->service_data[0].uuid = hv_uuid16(band ? 0xFEE0 : 0);
}

static void test_theengs_health_frames(void **state)
{
	cJSON *all = hv_test_vectors_load("theengs_scales_health.json");
	size_t checked = 0;
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const char *driver = our_driver(hv_test_str(e, "model_id"));
		const cJSON *exp = cJSON_GetObjectItem(e, "expected");
		const cJSON *bpm = cJSON_GetObjectItem(exp, "bpm");
		const cJSON *act = cJSON_GetObjectItem(exp, "act_bpm");
		const cJSON *steps = cJSON_GetObjectItem(exp, "steps");
		const struct hv_reading *hr, *st;
		struct hv_measurement m;
		struct hv_frame f;

		if (!driver)
			continue;
		frame_from_entry(e, &f);
		assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
		assert_string_equal(m.driver, driver);
		hr = hv_measurement_find(&m, HV_METRIC_HEART_RATE);
		st = hv_measurement_find(&m, HV_METRIC_STEP_COUNT);
		if (!bpm)
			bpm = act;
		if (bpm) {
			assert_non_null(hr);
			assert_float_equal(hr->value, bpm->valuedouble, 0);
		} else {
			assert_null(hr);
		}
		if (steps) {
			assert_non_null(st);
			assert_float_equal(st->value, steps->valuedouble, 0);
		} else {
			assert_null(st);
		}
		assert_int_equal(m.final, m.n_readings > 0);
		checked++;
	}
	printf("checked %zu heart-rate / band frames\n", checked);
	assert_true(checked >= 9);
	cJSON_Delete(all);
}

static void test_no_foreign_claims(void **state)
{
	cJSON *all = hv_test_vectors_load("theengs_all_devices.json");
	size_t n = 0;
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const char *model_id = hv_test_str(e, "model_id");
		struct hv_measurement m;
		struct hv_frame f;
		int r;

		frame_from_entry(e, &f);
		r = hv_registry_decode(&f, NULL, &m);
		if (r != -ENODEV && is_our_driver(m.driver)) {
			const char *want = our_driver(model_id);

			if (!want || strcmp(want, m.driver) != 0)
				fail_msg("%s %s (%s) claimed by %s",
					 hv_test_str(e, "brand"), model_id,
					 hv_test_str(e, "hex"), m.driver);
		}
		n++;
	}
	assert_true(n > 400);
	cJSON_Delete(all);
}

static void test_own_frames_round_trip(void **state)
{
	static const char *const ids[] = { "polar_hr", "xoss_hr", "xiaomi_band" };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		const struct hv_driver *d = hv_driver_by_id(ids[i]);
		struct hv_measurement m, back;
		struct hv_frame f;

		hv_measurement_init(&m, d->id);
		assert_int_equal(hv_measurement_add(&m, HV_METRIC_HEART_RATE, 88), 0);
		if (i == 2)
			assert_int_equal(hv_measurement_add(&m, HV_METRIC_STEP_COUNT,
							    123456),
					 0);
		assert_int_equal(d->encode(&m, NULL, &f), 0);
		assert_int_equal(hv_registry_decode(&f, NULL, &back), 0);
		assert_string_equal(back.driver, d->id);
		assert_true(back.final);
		assert_int_equal(back.n_readings, m.n_readings);
		for (size_t k = 0; k < m.n_readings; k++)
			assert_float_equal(back.readings[k].value,
					   m.readings[k].value, 0);
	}
}

static void test_layout_edges(void **state)
{
	struct hv_measurement m;
	struct hv_frame f = { .n_manufacturer_data = 1 };
	static const uint8_t polar[] = { 0x6B, 0x00, 0x3B, 0x16, 0x44, 0x00 };
	static const uint8_t band[26] = {
		0x57, 0x01, 0x02, 0x02, 0x01, 0x50, [19] = 0x02, 0x11, 0x22,
		0x33, 0x44, 0x55, 0x66,
	};

	(void)state;
	/* Polar: heart rate 0 (no contact) is not final; 7 bytes: not ours. */
	memcpy(f.manufacturer_data[0].data, polar, sizeof(polar));
	f.manufacturer_data[0].len = sizeof(polar);
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_false(m.final);
	f.manufacturer_data[0].len = 7;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -ENODEV);

	/* Mi Band: the address in the data must be the advertiser's. */
	f = (struct hv_frame){ .n_manufacturer_data = 1,
			       .address = "11:22:33:44:55:66" };
	memcpy(f.manufacturer_data[0].data, band, sizeof(band));
	f.manufacturer_data[0].len = sizeof(band);
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(m.readings[0].value, 0x50, 0);
	f.address = "11:22:33:44:55:67";
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -ENODEV);
	f.address = NULL; /* no address, no fee0: not claimed */
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -ENODEV);
	f.n_service_data = 1;
	f.service_data[0].uuid = hv_uuid16(0xFEE0);
	f.service_data[0].len = 3; /* steps must be 4 bytes */
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_theengs_health_frames),
		cmocka_unit_test(test_no_foreign_claims),
		cmocka_unit_test(test_own_frames_round_trip),
		cmocka_unit_test(test_layout_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
