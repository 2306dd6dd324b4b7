// SPDX-License-Identifier: MIT
/*
 * Xiaomi Mi Scale (0x181D, 10 bytes) and Mi Body Composition Scale
 * (0x181B, 13 bytes) adverts, with frames written by hand from the layouts
 * in drivers/xiaomi_mi_scale*.c, through the whole registry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"

/* 2024-06-01 12:00:00 UTC */
#define NOW 1717243200

static struct hv_frame advert(uint16_t uuid, const uint8_t *data, size_t len)
{
	struct hv_frame f = { .n_service_data = 1, .now = NOW };

	f.service_data[0].uuid = hv_uuid16(uuid);
	f.service_data[0].len = len;
	memcpy(f.service_data[0].data, data, len);
	return f;
}

static int decode(const struct hv_frame *f, struct hv_measurement *m)
{
	return hv_registry_decode(f, NULL, m);
}

/* C0 C1 | 2024-03-15 08:30:00 | impedance 500 | 72.4 kg = 14480 / 200 */
static const uint8_t v2_kg[13] = { 0x02, 0x26, 0xe8, 0x07, 0x03, 0x0f, 0x08,
				   0x1e, 0x00, 0xf4, 0x01, 0x90, 0x38 };

static void test_v2_kg_with_impedance(void **state)
{
	struct hv_frame f = advert(0x181B, v2_kg, sizeof(v2_kg));
	struct hv_measurement m;

	(void)state;
	assert_int_equal(decode(&f, &m), 0);
	assert_string_equal(m.driver, "xiaomi_mi_scale2");
	assert_int_equal(m.status, HV_STATUS_OK);
	assert_true(m.final);
	assert_true(m.has_load_removed);
	assert_false(m.load_removed);
	assert_int_equal(m.subject, HV_SUBJECT_PERSON);
	assert_int_equal(m.display_unit, HV_UNIT_KG);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 72.4,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.month, 3);
	assert_int_equal(m.device_time.day, 15);
	assert_int_equal(m.device_time.hour, 8);
	assert_int_equal(m.device_time.minute, 30);
	assert_int_equal(m.n_readings, 2); /* no profile: nothing derived */
}

static void test_v2_units(void **state)
{
	uint8_t d[13];
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* Pounds: C0 bit0; 159.62 lb = 15962 / 100. */
	memcpy(d, v2_kg, sizeof(d));
	d[0] = 0x03;
	hv_put_le16(d + 11, 15962);
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT),
			   159.62 * 0.45359237, 0.0006);

	/* Jin: C1 bit6; 144.8 jin = 72.4 kg. */
	memcpy(d, v2_kg, sizeof(d));
	d[1] = 0x66;
	hv_put_le16(d + 11, 14480);
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.display_unit, HV_UNIT_JIN);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 72.4,
			   1e-9);

	/* Both: malformed, claimed by the driver. */
	d[0] = 0x03;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	assert_string_equal(m.driver, "xiaomi_mi_scale2");
	assert_non_null(strstr(m.error, "jin"));
	assert_int_equal(m.n_readings, 0);
}

static void test_v2_impedance_validity(void **state)
{
	static const uint16_t none[] = { 0, 0xFFFD, 0xFFFE, 0xFFFF };
	uint8_t d[13];
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		memcpy(d, v2_kg, sizeof(d));
		hv_put_le16(d + 9, none[i]);
		f = advert(0x181B, d, sizeof(d));
		assert_int_equal(decode(&f, &m), 0);
		assert_true(m.final);
		assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	}
	/* A value without the "impedance" bit is not trusted. */
	memcpy(d, v2_kg, sizeof(d));
	d[1] = 0x24;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
}

static void test_v2_flags(void **state)
{
	uint8_t d[13];
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* Live, not stabilised: values shown but not final. */
	memcpy(d, v2_kg, sizeof(d));
	d[1] = 0x06;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_false(m.final);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 72.4,
			   1e-9);

	/* Stabilised and stepped off: still final, load_removed set. */
	d[1] = 0xa6;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_true(m.final);
	assert_true(m.load_removed);

	/* Object weighing (C0 bit2). */
	d[0] = 0x06;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.subject, HV_SUBJECT_OBJECT);

	/* A stabilised zero is no weighing. */
	memcpy(d, v2_kg, sizeof(d));
	hv_put_le16(d + 11, 0);
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_false(m.final);
}

static void test_v2_clock(void **state)
{
	static const uint16_t years[] = { 1970, 2000, 2009 };
	uint8_t d[13];
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
		memcpy(d, v2_kg, sizeof(d));
		hv_put_le16(d + 2, years[i]);
		f = advert(0x181B, d, sizeof(d));
		assert_int_equal(decode(&f, &m), 0);
		assert_true(m.final);
		assert_false(m.has_device_time);
		assert_true(m.has_raw_device_time);
		assert_int_equal(m.raw_device_time.year, years[i]);
	}
	/* In the future of the caller's clock (2024-06-01): not kept. */
	memcpy(d, v2_kg, sizeof(d));
	hv_put_le16(d + 2, 2025);
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_false(m.has_device_time);
	/* A day of slack for time zones. */
	d[2] = 0xe8, d[3] = 0x07, d[4] = 6, d[5] = 1, d[6] = 23;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_true(m.has_device_time);
	/* Month 13: not a date. */
	d[4] = 13;
	f = advert(0x181B, d, sizeof(d));
	assert_int_equal(decode(&f, &m), 0);
	assert_false(m.has_device_time);
}

static void test_v2_not_mine(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 12 or 14 bytes of 0x181B service data: not a Mi frame. */
	f = advert(0x181B, v2_kg, 12);
	assert_int_equal(decode(&f, &m), -ENODEV);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);
	f = advert(0x181B, v2_kg, 13);
	f.service_data[0].len = 14;
	assert_int_equal(decode(&f, &m), -ENODEV);
	/* Same bytes under another UUID. */
	f = advert(0x181A, v2_kg, 13);
	assert_int_equal(decode(&f, &m), -ENODEV);
}

static void test_v2_profile_derives(void **state)
{
	struct hv_profile p = { 1.80, 44, HV_SEX_MALE };
	struct hv_profile partial = { 1.80, 0, HV_SEX_MALE };
	uint8_t d[13];
	struct hv_frame f = advert(0x181B, v2_kg, sizeof(v2_kg));
	struct hv_measurement m;
	const struct hv_reading *r;

	(void)state;
	f.profile = &p;
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.n_readings, 2 + 9);
	/* Raw impedance kept, with no method; derived ones say "mifit". */
	r = hv_measurement_find(&m, HV_METRIC_IMPEDANCE);
	assert_non_null(r);
	assert_null(r->method);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT)->method);
	r = hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT);
	assert_non_null(r);
	assert_string_equal(r->method, "mifit");
	/* BMI 72.4 / 1.8² = 22.35 */
	assert_float_equal(hv_test_present(&m, HV_METRIC_BMI), 22.35, 0.006);

	/* No impedance: only BMI, BMR, visceral fat. */
	memcpy(d, v2_kg, sizeof(d));
	d[1] = 0x24;
	f = advert(0x181B, d, sizeof(d));
	f.profile = &p;
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.n_readings, 1 + 3);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* An object on the scale is nobody's body. */
	d[0] = 0x06;
	f = advert(0x181B, d, sizeof(d));
	f.profile = &p;
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.n_readings, 1);

	/* Incomplete profile: nothing derived. */
	f = advert(0x181B, v2_kg, sizeof(v2_kg));
	f.profile = &partial;
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.n_readings, 2);

	/* Out of the formulas' range (5 kg): the weighing stands alone. */
	memcpy(d, v2_kg, sizeof(d));
	hv_put_le16(d + 11, 1000);
	f = advert(0x181B, d, sizeof(d));
	f.profile = &p;
	assert_int_equal(decode(&f, &m), 0);
	assert_int_equal(m.n_readings, 2);
}

/* decode(encode(x)) == x and encode(decode(frame)) == frame. */
static void roundtrip_frame(const char *driver, uint16_t uuid,
			    const uint8_t *data, size_t len)
{
	const struct hv_driver *d = hv_driver_by_id(driver);
	struct hv_frame f = advert(uuid, data, len), g;
	struct hv_measurement m, m2;

	assert_non_null(d);
	assert_int_equal(hv_registry_decode(&f, d, &m), 0);
	assert_int_equal(d->encode(&m, NULL, &g), 0);
	assert_int_equal(g.n_service_data, 1);
	assert_true(hv_uuid_is16(&g.service_data[0].uuid, uuid));
	assert_int_equal(g.service_data[0].len, len);
	assert_memory_equal(g.service_data[0].data, data, len);
	g.now = NOW;
	assert_int_equal(hv_registry_decode(&g, d, &m2), 0);
	assert_int_equal(m2.n_readings, m.n_readings);
	for (size_t i = 0; i < m.n_readings; i++) {
		assert_int_equal(m2.readings[i].metric, m.readings[i].metric);
		assert_float_equal(m2.readings[i].value, m.readings[i].value,
				   1e-9);
	}
}

static void test_roundtrip(void **state)
{
	/* v1: C = 0x22 (kg, stabilised), 0xa3 (lb, removed), 0x62 (object),
	 * 0x02 (live); 72.4 kg = 14480 / 200, 150.00 lb = 15000 / 100,
	 * 5.5 kg = 1100 / 200. */
	static const uint8_t v1[][10] = {
		{ 0x22, 0x90, 0x38, 0xe8, 0x07, 0x05, 0x1f, 0x07, 0x00, 0x00 },
		{ 0xa3, 0x98, 0x3a, 0xb2, 0x07, 0x01, 0x01, 0x00, 0x00, 0x00 },
		{ 0x62, 0x4c, 0x04, 0xd0, 0x07, 0x01, 0x01, 0x00, 0x00, 0x00 },
		{ 0x02, 0x90, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};
	uint8_t d[13];

	(void)state;
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++)
		roundtrip_frame("xiaomi_mi_scale", 0x181D, v1[i], 10);

	roundtrip_frame("xiaomi_mi_scale2", 0x181B, v2_kg, 13);
	memcpy(d, v2_kg, sizeof(d));
	d[0] = 0x07, d[1] = 0xa4; /* lb, object, removed, no impedance */
	hv_put_le16(d + 9, 0);
	roundtrip_frame("xiaomi_mi_scale2", 0x181B, d, 13);
	memcpy(d, v2_kg, sizeof(d));
	d[1] = 0x46; /* jin, not stabilised */
	roundtrip_frame("xiaomi_mi_scale2", 0x181B, d, 13);
}

static void test_encode_refuses(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("xiaomi_mi_scale2");
	struct hv_uuid other = hv_uuid16(0x181D);
	struct hv_measurement m;
	struct hv_frame g;

	(void)state;
	hv_measurement_init(&m, "xiaomi_mi_scale2");
	assert_int_equal(d->encode(&m, NULL, &g), -EINVAL); /* no weight */
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 400), 0);
	assert_int_equal(d->encode(&m, NULL, &g), -EINVAL); /* > 327 kg */
	m.readings[0].value = 70;
	assert_int_equal(d->encode(&m, &other, &g), -EINVAL);
	assert_int_equal(d->encode(&m, NULL, &g), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_kg_with_impedance),
		cmocka_unit_test(test_v2_units),
		cmocka_unit_test(test_v2_impedance_validity),
		cmocka_unit_test(test_v2_flags),
		cmocka_unit_test(test_v2_clock),
		cmocka_unit_test(test_v2_not_mine),
		cmocka_unit_test(test_v2_profile_derives),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_encode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
