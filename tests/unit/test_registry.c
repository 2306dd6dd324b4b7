// SPDX-License-Identifier: MIT
/* The scale drivers in the registry: ids, order, flags, match tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/registry.h"

static size_t position(const char *id)
{
	for (size_t i = 0; i < hv_drivers_count; i++)
		if (strcmp(hv_drivers[i]->id, id) == 0)
			return i;
	fail_msg("driver %s not registered", id);
	return 0;
}

static void test_ids_and_flags(void **state)
{
	static const char *const ids[] = { "xiaomi_mi_scale", "xiaomi_mi_scale2",
					   "sig_weight_scale",
					   "sig_body_composition" };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		const struct hv_driver *d = hv_driver_by_id(ids[i]);

		assert_non_null(d);
		assert_int_equal(d->kind, HV_DRIVER_KIND_SCALE);
		assert_non_null(d->decode);
		assert_non_null(d->encode);
		assert_non_null(d->models);
		assert_non_null(d->models[0]);
		assert_false(d->flags & HV_DRIVER_NEEDS_SELECTION);
		/* Vendors first, generic profile decoders after. */
		assert_int_equal(!!(d->flags & HV_DRIVER_GENERIC), i >= 2);
	}
	assert_true(position("xiaomi_mi_scale") < position("sig_weight_scale"));
	assert_true(position("xiaomi_mi_scale2") < position("sig_weight_scale"));
	assert_non_null(hv_driver_by_id("sig_weight_scale")->conversation);
	assert_null(hv_driver_by_id("xiaomi_mi_scale2")->conversation);
}

/* The JSON names of the kinds: every driver has one, and they round-trip. */
static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_OTHER), "other");
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_SCALE), "scale");
	assert_string_equal(hv_driver_kind_name(HV_DRIVER_KIND_GLUCOSE_METER),
			    "glucose_meter");
	assert_null(hv_driver_kind_name(_HV_DRIVER_KIND_MAX));
	assert_null(hv_driver_kind_name(_HV_DRIVER_KIND_INVALID));
	for (int k = 0; k < _HV_DRIVER_KIND_MAX; k++) {
		const char *name = hv_driver_kind_name((enum hv_driver_kind)k);

		assert_non_null(name);
		assert_int_equal(hv_driver_kind_from_name(name), k);
	}
	assert_int_equal(hv_driver_kind_from_name("bathroom_scale"),
			 _HV_DRIVER_KIND_INVALID);
	assert_int_equal(hv_driver_kind_from_name(NULL), _HV_DRIVER_KIND_INVALID);
	for (size_t i = 0; i < hv_drivers_count; i++)
		assert_non_null(hv_driver_kind_name(hv_drivers[i]->kind));
	assert_int_equal(hv_driver_by_id("sig_blood_pressure")->kind,
			 HV_DRIVER_KIND_BLOOD_PRESSURE);
}

static void test_uuid_sharing(void **state)
{
	/* 0x181D/0x181B service DATA are Xiaomi adverts; the same UUIDs as
	 * GATT services are SIG scales. */
	struct hv_frame v1 = { .n_service_data = 1 };
	struct hv_frame sig = { .has_characteristic = true, .value_len = 3 };
	struct hv_measurement m;

	(void)state;
	v1.service_data[0].uuid = hv_uuid16(0x181D);
	v1.service_data[0].len = 10;
	v1.service_data[0].data[0] = 0x22;
	assert_int_equal(hv_registry_decode(&v1, NULL, &m), 0);
	assert_string_equal(m.driver, "xiaomi_mi_scale");
	assert_true(hv_driver_matches(hv_driver_by_id("xiaomi_mi_scale"), &v1));

	sig.characteristic = hv_uuid16(0x2A9D);
	sig.value[1] = 0xb0;
	sig.value[2] = 0x36;
	assert_int_equal(hv_registry_decode(&sig, NULL, &m), 0);
	assert_string_equal(m.driver, "sig_weight_scale");
	assert_true(hv_driver_matches(hv_driver_by_id("sig_weight_scale"), &sig));
	assert_false(hv_driver_matches(hv_driver_by_id("xiaomi_mi_scale"), &sig));

	/* Forcing the wrong driver: not its frame. */
	assert_int_equal(hv_registry_decode(
				 &sig, hv_driver_by_id("xiaomi_mi_scale2"), &m),
			 -ENODEV);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_and_flags),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_uuid_sharing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
