// SPDX-License-Identifier: MIT
/*
 * Conformance against the Theengs decoder's own test frames, read at run
 * time from tests/vectors (HV_VECTORS overrides it; a missing file fails):
 *  - theengs_scales_health.json: every frame of a device we support decodes
 *    through the whole registry to the stated values (or is rejected where
 *    Theengs says it must not decode);
 *  - theengs_all_devices.json: no driver claims a frame of a device that is
 *    not its own (table `allowed` below), and nothing crashes on any frame
 *    or on any truncation of it.
 *
 * A driver that legitimately decodes a Theengs device adds a row to
 * `allowed`: its id and the Theengs model_id it may claim.
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
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

static const struct {
	const char *driver;
	const char *model_id;
} allowed[] = {
	{ "xiaomi_mi_scale", "XMTZC01HM/XMTZC04HM" },
	{ "xiaomi_mi_scale2", "XMTZC02HM/XMTZC05HM" },
	/* Heart-rate straps and bands: values checked in test_health_adverts.c */
	{ "polar_hr", "H10" },
	{ "xoss_hr", "XOSSX2" },
	{ "xiaomi_band", "MB/SW" },
};

static bool driver_may_claim(const char *driver, const char *model_id)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(allowed[i].driver, driver) == 0 &&
		    strcmp(allowed[i].model_id, model_id) == 0)
			return true;
	return false;
}

static bool model_supported(const char *model_id)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(allowed[i].model_id, model_id) == 0)
			return true;
	return false;
}

static void check_scale_entry(const cJSON *e, size_t index)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(e, "expected");
	const struct hv_reading *w, *z;
	struct hv_measurement m;
	struct hv_frame f;
	const char *unit, *mode;
	double weight = 0, weight_kg, imp = 0;
	bool has_imp;

	hv_test_theengs_advert(e, &f);
	(void)hv_registry_decode(&f, NULL, &m);
	if (cJSON_IsNull(exp) || !exp) {
		/* Must not decode: anything but a final, OK measurement. */
		if (m.status == HV_STATUS_OK && m.final)
			fail_msg(
				"entry %zu (%s): decoded a frame Theengs rejects",
				index, hv_test_str(e, "hex"));
		return;
	}
	if (m.status != HV_STATUS_OK)
		fail_msg("entry %zu (%s): status %s (%s)", index,
			 hv_test_str(e, "hex"), hv_status_name(m.status),
			 m.error);
	assert_true(m.final);
	assert_true(driver_may_claim(m.driver, hv_test_str(e, "model_id")));

	unit = hv_test_str(exp, "unit");
	assert_true(hv_test_number(exp, "weight", &weight));
	assert_non_null(unit);
	if (strcmp(unit, "lb") == 0) {
		weight_kg = weight * HV_LB_TO_KG;
		assert_int_equal(m.display_unit, HV_UNIT_LB);
	} else {
		assert_string_equal(unit, "kg");
		weight_kg = weight;
		assert_int_equal(m.display_unit, HV_UNIT_KG);
	}
	w = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	assert_non_null(w);
	if (w->value < weight_kg - 0.002 || w->value > weight_kg + 0.002)
		fail_msg("entry %zu (%s): weight %.3f kg, expected %.3f kg",
			 index, hv_test_str(e, "hex"), w->value, weight_kg);

	mode = hv_test_str(exp, "weighing_mode");
	if (mode)
		assert_int_equal(m.subject, strcmp(mode, "object") == 0 ?
						    HV_SUBJECT_OBJECT :
						    HV_SUBJECT_PERSON);

	has_imp = hv_test_number(exp, "impedance", &imp);
	z = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	if (has_imp) {
		assert_non_null(z);
		assert_float_equal(z->value, imp, 1e-9);
	} else {
		assert_null(z);
	}
}

static void test_scales_health_frames(void **state)
{
	cJSON *all = hv_test_vectors_load("theengs_scales_health.json");
	size_t checked = 0, rejected = 0, i = 0;
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const char *model_id = hv_test_str(e, "model_id");

		if (model_id && model_supported(model_id) &&
		    strstr(hv_test_str(e, "category"), "scale")) {
			check_scale_entry(e, i);
			checked++;
			if (cJSON_IsNull(cJSON_GetObjectItem(e, "expected")))
				rejected++;
		}
		i++;
	}
	printf("checked %zu Mi scale frames (%zu must not decode)\n", checked,
	       rejected);
	/* The file holds 20 positive Mi frames and one negative. */
	assert_true(checked >= 21);
	assert_true(rejected >= 1);
	cJSON_Delete(all);
}

static void test_no_foreign_claims(void **state)
{
	cJSON *all = hv_test_vectors_load("theengs_all_devices.json");
	size_t foreign = 0, own = 0, wrong = 0, i = 0;
	const cJSON *e;

	(void)state;
	cJSON_ArrayForEach(e, all)
	{
		const char *model_id = hv_test_str(e, "model_id");
		const struct hv_driver *sel;
		struct hv_measurement m;
		struct hv_frame f;
		int r;

		assert_non_null(model_id);
		hv_test_theengs_advert(e, &f);
		r = hv_registry_decode(&f, NULL, &m);
		sel = hv_registry_select(&f);
		if (model_supported(model_id)) {
			own++;
			if (r != -ENODEV && !driver_may_claim(m.driver, model_id)) {
				printf("entry %zu (%s %s): claimed by %s\n", i,
				       hv_test_str(e, "brand"), model_id,
				       m.driver);
				wrong++;
			}
		} else {
			foreign++;
			if (r != -ENODEV || m.status != HV_STATUS_NOT_MINE) {
				printf("entry %zu (%s %s, %s): claimed by driver %s (%s); add a row to `allowed` if that is right\n",
				       i, hv_test_str(e, "brand"), model_id,
				       hv_test_str(e, "hex"),
				       m.driver ? m.driver : "?",
				       hv_status_name(m.status));
				wrong++;
			}
			/* Nor is a connection driver selected for it. */
			if (sel) {
				printf("entry %zu (%s %s): selected %s\n", i,
				       hv_test_str(e, "brand"), model_id,
				       sel->id);
				wrong++;
			}
		}
		i++;
	}
	printf("%zu foreign frames, %zu own frames, %zu wrong claims\n",
	       foreign, own, wrong);
	cJSON_Delete(all);
	assert_true(foreign > 400);
	assert_int_equal(wrong, 0);
}

/* Every truncation of every frame, as advert data and as a GATT value of
 * each characteristic a driver matches: decoding must not crash (the
 * sanitizer builds catch overreads) and must always fill a status. */
static void decode_all_ways(const struct hv_frame *f)
{
	struct hv_measurement m;
	struct hv_frame g;

	(void)hv_registry_decode(f, NULL, &m);
	assert_true(m.status < _HV_STATUS_MAX);
	for (size_t d = 0; d < hv_drivers_count; d++) {
		const uint16_t *c = hv_drivers[d]->match.characteristics;

		for (; c && *c; c++) {
			g = (struct hv_frame){ .has_characteristic = true };
			g.characteristic = hv_uuid16(*c);
			if (f->n_service_data) {
				g.value_len = f->service_data[0].len;
				memcpy(g.value, f->service_data[0].data,
				       g.value_len);
			} else if (f->n_manufacturer_data) {
				g.value_len = f->manufacturer_data[0].len;
				memcpy(g.value, f->manufacturer_data[0].data,
				       g.value_len);
			}
			(void)hv_registry_decode(&g, NULL, &m);
			assert_true(m.status < _HV_STATUS_MAX);
			(void)hv_registry_decode(&g, hv_drivers[d], &m);
			assert_true(m.status < _HV_STATUS_MAX);
		}
	}
}

static void test_truncations_do_not_crash(void **state)
{
	static const char *const files[] = { "theengs_all_devices.json",
					     "theengs_scales_health.json" };
	size_t n = 0;

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		cJSON *all = hv_test_vectors_load(files[k]);
		const cJSON *e;

		cJSON_ArrayForEach(e, all)
		{
			struct hv_frame f, t;

			hv_test_theengs_advert(e, &f);
			if (f.n_manufacturer_data) {
				for (size_t len = 0;
				     len <= f.manufacturer_data[0].len; len++) {
					t = f;
					t.manufacturer_data[0].len = len;
					decode_all_ways(&t);
					n++;
				}
			}
			if (f.n_service_data) {
				for (size_t len = 0; len <= f.service_data[0].len;
				     len++) {
					t = f;
					t.service_data[0].len = len;
					decode_all_ways(&t);
					n++;
				}
			}
		}
		cJSON_Delete(all);
	}
	printf("decoded %zu truncations\n", n);
	assert_true(n > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scales_health_frames),
		cmocka_unit_test(test_no_foreign_claims),
		cmocka_unit_test(test_truncations_do_not_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
