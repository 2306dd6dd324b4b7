// SPDX-License-Identifier: MIT
/*
 * AiLink / eLink broadcast scale tests (driver ailink_broadcast). The
 * records are openScale's fixtures: AiLinkLibTest.kt
 * (android_app/app/src/test/java/com/health/openscale/core/bluetooth/libs/,
 * oliexdev/openScale@0a251157) and AiLinkBroadcastHandlerTest.kt
 * (.../bluetooth/scales/, same commit). They are synthetic there: the
 * protocol's own TEA encryption over chosen readings (70.0 kg / 500 Ohm and
 * others) under the ids CID 0x01, VID 0x03, PID 0x01, which a stack
 * reports as company 0x0301. Each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define AL_ID "ailink_broadcast"

/* The fixtures, company ID bytes first (01 03), then the record. */
#define COMPLETED "0103" "015f4e3d2c1b0a8f10e69cf7cb452cccffff"
#define COMPLETED_684 "0103" "015f4e3d2c1b0a7e945ab8103c0b750effff"
#define MEASURING "0103" "015f4e3d2c1b0a3331c5f84954a1b455ffff"
#define IDLE "0103" "015f4e3d2c1b0a81cd9244ffe6049c5bffff"
#define NO_IMPEDANCE "0103" "015f4e3d2c1b0af995fd662927ee4283ffff"

/* The advert: manufacturer data hex, service 0xF0A0 listed or not. */
static void al_advert(struct hv_frame *f, const char *hex, bool service)
{
	hv_test_mfr(f, "EL1", hex);
	f->address = "0A:1B:2C:3D:4E:5F";
	if (service) {
		f->n_service_uuids = 1;
		f->service_uuids[0] = hv_uuid16(0xF0A0);
	}
}

static void test_ailink_fixtures(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* status 0xFF: 70.0 kg, 500 Ohm, final */
	al_advert(&f, COMPLETED, true);
	sf_decode_final(&f, &m, AL_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 70.0);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	/* with a profile: method standard_impedance, as openScale derives */
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, AL_ID);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "standard_impedance");
	/* an earlier step-on: 68.4 kg */
	al_advert(&f, COMPLETED_684, true);
	sf_decode_final(&f, &m, AL_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 68.4);
	/* measuring: live 70.0 kg, and no (stale) impedance */
	al_advert(&f, MEASURING, true);
	sf_decode_live(&f, &m, AL_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 70.0);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* idle: raw weight 0, no reading */
	al_advert(&f, IDLE, true);
	sf_decode_control(&f, &m, AL_ID);
	/* complete with the BIA pass failed: the weight, no impedance */
	al_advert(&f, NO_IMPEDANCE, true);
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, AL_ID);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 70.0);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
}

static void test_ailink_rejects(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(AL_ID);
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	assert_non_null(d);
	assert_true(d->claims_device != NULL);
	al_advert(&f, COMPLETED, true);
	assert_true(d->claims_device(&f));
	/* the checksum byte off by one, or a payload byte changed: invalid */
	al_advert(&f, "0103" "015f4e3d2c1b0a9010e69cf7cb452cccffff", true);
	sf_decode_invalid(&f, &m, AL_ID);
	assert_false(d->claims_device(&f));
	al_advert(&f, "0103" "015f4e3d2c1b0a8f11e69cf7cb452cccffff", true);
	sf_decode_invalid(&f, &m, AL_ID);
	/* one byte short: not an AiLink record */
	al_advert(&f, "0103" "015f4e3d2c1b0a8f10e69cf7cb452cccff", true);
	sf_assert_not_mine(&f);
	/* without the 0xF0A0 service: not ours */
	al_advert(&f, COMPLETED, false);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, AL_ID);
	assert_false(d->claims_device(&f));
	/* an all-zero record of company 0x00FF checks but decrypts to status
	 * 0x55: another vendor's */
	al_advert(&f, "ff00" "000000000000000000000000000000000000", true);
	sf_assert_not_mine(&f);
	assert_false(d->claims_device(&f));
	/* the same record under other ids (company 0x0405): a wrong key */
	al_advert(&f, "0504" "015f4e3d2c1b0a8f10e69cf7cb452cccffff", true);
	sf_assert_not_mine(&f);
}

/* The encoder's frames decode back to what was encoded. */
static void test_ailink_encoder_roundtrip(void **state)
{

	(void)state;
	SF_ROUNDTRIP(AL_ID, "EL1", true, 0, { HV_METRIC_BODY_WEIGHT, 70.0 },
		     { HV_METRIC_IMPEDANCE, 500 });
	SF_ROUNDTRIP(AL_ID, NULL, true, 0, { HV_METRIC_BODY_WEIGHT, 181.3 },
		     { HV_METRIC_IMPEDANCE, 612 });
	SF_ROUNDTRIP(AL_ID, "EL1", false, 0, { HV_METRIC_BODY_WEIGHT, 69.8 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ailink_fixtures),
		cmocka_unit_test(test_ailink_rejects),
		cmocka_unit_test(test_ailink_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
