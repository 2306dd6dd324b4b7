// SPDX-License-Identifier: MIT
/*
 * Watches in "broadcast heart rate" mode (Mi Band, Amazfit, Garmin) expose
 * the SIG Heart Rate service 0x180D and advertise it: the registry selects
 * the sig_heart_rate conversation for them, whatever else their adverts
 * carry (a Mi Band's Huami manufacturer data is the xiaomi_band advert
 * decoder's, which has no conversation). With the mode off (no 0x180D in
 * the advert) no conversation is chosen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "drivers/registry.h"

static struct hv_frame watch(const char *name, bool broadcasting)
{
	struct hv_frame f = { .name = name, .address = "F1:2A:3B:00:00:06" };

	if (broadcasting)
		f.service_uuids[f.n_service_uuids++] = hv_uuid16(0x180D);
	/* Huami's company ID, as Mi Band and Amazfit adverts carry it */
	f.manufacturer_data[0] = (struct hv_manufacturer_data){
		.len = 4, .data = { 0x57, 0x01, 0x00, 0x00 }
	};
	f.n_manufacturer_data = 1;
	return f;
}

static void test_broadcasting_watches_select_heart_rate(void **state)
{
	static const char *const names[] = {
		"Mi Smart Band 6", "Mi Band 3", "Amazfit Band 5",
		"Amazfit GTS 2", "Forerunner 255", "fenix 7", "vivoactive 4",
	};
	const struct hv_driver *hr = hv_driver_by_id("sig_heart_rate");

	(void)state;
	assert_non_null(hr);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct hv_frame on = watch(names[i], true);
		struct hv_frame off = watch(names[i], false);

		assert_ptr_equal(hv_registry_select(&on), hr);
		assert_null(hv_registry_select(&off));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broadcasting_watches_select_heart_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
