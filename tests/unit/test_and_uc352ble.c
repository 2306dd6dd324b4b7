// SPDX-License-Identifier: MIT
/*
 * A&D UC-352BLE: openScale's AndUC352BLEHandler
 * (android_app/app/src/main/java/com/health/openscale/core/bluetooth/
 * scales/AndUC352BLEHandler.kt, oliexdev/openScale@ec9e39b9) is its
 * StandardWeightProfileHandler with a name, so the scale is the generic
 * `sig_weight_scale` driver's. The three Weight Measurement (0x2A9D)
 * indications captured from the scale and the values stated for them are
 * openScale's AndUC352BLEHandlerTest.kt (android_app/app/src/test/java/
 * com/health/openscale/core/bluetooth/scales/, @0a251157); each is decoded
 * through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define SIG_ID "sig_weight_scale"
#define AND_NAME "A&D_UC-352BLE_01166D"

/* 2026-08-23 12:00 UTC: after the captures' scale clock. */
#define AFTER_CAPTURES 1787486400

static void assert_capture(const char *hex, double kg, int hour, int minute, int second)
{
	struct hv_frame f;
	struct hv_measurement m;

	hv_test_gatt(&f, AND_NAME, "2a9d", hex, HV_CS_NONE);
	f.now = AFTER_CAPTURES;
	sf_decode_final(&f, &m, SIG_ID);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), kg, 1e-9);
	sf_assert_device_time(&m, 2026, 8, 22, hour, minute);
	assert_int_equal(m.device_time.second, second);
}

static void test_and_uc352ble_captures(void **state)
{
	(void)state;
	/* flags 02 (kg, time stamp), weight in 0.005 kg, the scale's clock */
	assert_capture("025433ea070816082a24", 65.7, 8, 42, 36);
	assert_capture("024033ea070816082b0b", 65.6, 8, 43, 11);
	assert_capture("027c33ea070816082b28", 65.9, 8, 43, 40);
}

/* The advert openScale's test names (with 0x181D) selects the SIG driver. */
static void test_and_uc352ble_selection(void **state)
{
	struct hv_frame f = { .name = AND_NAME, .n_service_uuids = 1 };

	(void)state;
	f.service_uuids[0] = hv_uuid16(0x181D);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id(SIG_ID));
	f.name = "a&d_uc-352ble_abcdef";
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id(SIG_ID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_and_uc352ble_captures),
		cmocka_unit_test(test_and_uc352ble_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
