// SPDX-License-Identifier: MIT
/*
 * Realme Smart Scale scale tests (driver realme), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Realme Smart Scale ------------------------------------------------------------- */

/*
 * openScale RealmeSmartScaleHandler.kt (openScale@f7a733b2) publishes no
 * capture: a measurement written from its parser (72.40 kg, the scale's
 * time 2024-03-15 08:30:00, 500 Ohm) and ciphered with C8:0F:10:11:22:33.
 */
#define RM_FRAME "1011c80f10112233c80f0c5947c7cf0711e522"

static void test_realme(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "realme Smart Scale", "a621", RM_FRAME, HV_CS_NONE);
	f.address = "C8:0F:10:11:22:33";
	f.now = 1710491400 + 60;
	sf_decode_final(&f, &m, "realme");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.raw_device_time.minute, 30);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* with a profile: openScale's Yunmai model */
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "yunmai");
	/* another address deciphers to no weight; none: nothing read */
	f.address = "C8:0F:11:11:22:33";
	sf_decode_as(&f, &m, "realme");
	assert_true(fabs(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT) - 72.40) > 1);
	f.address = NULL;
	sf_decode_as(&f, &m, "realme");
	assert_int_equal(m.n_readings, 0);
	/* by name or by its service only */
	hv_test_gatt(&f, NULL, "a621", RM_FRAME, HV_CS_NONE);
	f.address = "C8:0F:10:11:22:33";
	sf_assert_not_mine(&f);
	f.service_uuids[f.n_service_uuids++] = hv_uuid16(0xA602);
	sf_decode_as(&f, &m, "realme");
	/* its handshake is keyed with the address: no conversation */
	assert_null(hv_driver_by_id("realme")->conversation);
}


/* The encoder's frames decode back to what was encoded. */
static void test_realme_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("realme", "realme", 72.4, 500, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realme),
		cmocka_unit_test(test_realme_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
