// SPDX-License-Identifier: MIT
/*
 * Bluetooth SIG Weight Measurement (0x2A9D), Weight Scale Feature (0x2A9E),
 * Body Composition Measurement (0x2A9C) and Feature (0x2A9B), with frames
 * written by hand from the GATT XML field tables (oesmith/gatt-xml@4fd2ede)
 * (the bytes are worked out next to each frame), through the whole
 * registry as GATT values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"
#include "drivers/sig_scale.h"
#include "tests/fakes/frames.h"

#define NOW 1717243200 /* 2024-06-01 12:00:00 UTC */

static struct hv_frame gatt(uint16_t uuid, const uint8_t *v, size_t len)
{
	struct hv_frame f = { .has_characteristic = true, .now = NOW };

	f.characteristic = hv_uuid16(uuid);
	f.value_len = len;
	memcpy(f.value, v, len);
	return f;
}

#define DECODE(uuid, m, ...)                                               \
	({                                                                 \
		static const uint8_t v_[] = { __VA_ARGS__ };               \
		struct hv_frame f_ = gatt(uuid, v_, sizeof(v_));           \
		hv_registry_decode(&f_, NULL, m);                          \
	})

static void expect_invalid(int r, const struct hv_measurement *m,
			   const char *driver, const char *word)
{
	assert_int_equal(r, -EBADMSG);
	assert_int_equal(m->status, HV_STATUS_INVALID);
	assert_string_equal(m->driver, driver);
	assert_false(m->final);
	assert_int_equal(m->n_readings, 0);
	if (!strstr(m->error, word))
		fail_msg("error '%s' does not name '%s'", m->error, word);
}

static void test_weight_lb_bmi_height(void **state)
{
	struct hv_measurement m;

	(void)state;
	/* flags 0x09 imperial + BMI/height; 180.00 lb = 18000 = 0x4650;
	 * BMI 24.4 = 244 = 0x00f4; height 72.0 in = 720 = 0x02d0 */
	assert_int_equal(DECODE(0x2A9D, &m, 0x09, 0x50, 0x46, 0xf4, 0x00, 0xd0,
				0x02),
			 0);
	assert_string_equal(m.driver, "sig_weight_scale");
	assert_true(m.final);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT),
			   180 * 0.45359237, 0.0006);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BMI), 24.4, 1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_HEIGHT),
			   72 * 0.0254, 0.0001);
	assert_int_equal(m.user_index, -1);
	assert_false(m.has_raw_device_time);

	/* SI: 1.755 m = 1755 = 0x06db */
	assert_int_equal(DECODE(0x2A9D, &m, 0x08, 0xb0, 0x36, 0xf4, 0x00, 0xdb,
				0x06),
			 0);
	assert_int_equal(m.display_unit, HV_UNIT_KG);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 70,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_HEIGHT), 1.755,
			   1e-9);
}

static void test_weight_users(void **state)
{
	struct hv_measurement m;

	(void)state;
	/* 0xFF: unknown user: kept, not attributed to a slot. */
	assert_int_equal(DECODE(0x2A9D, &m, 0x04, 0xb0, 0x36, 0xff), 0);
	assert_true(m.final);
	assert_int_equal(m.user_index, -1);
	assert_true(hv_measurement_has_flag(&m, "unknown_user"));
	assert_int_equal(DECODE(0x2A9D, &m, 0x04, 0xb0, 0x36, 0x03), 0);
	assert_int_equal(m.user_index, 3);
	assert_false(hv_measurement_has_flag(&m, "unknown_user"));
	/* Time stamp then user: 2024-03-15 08:30:00, user 0 */
	assert_int_equal(DECODE(0x2A9D, &m, 0x06, 0xb0, 0x36, 0xe8, 0x07, 0x03,
				0x0f, 0x08, 0x1e, 0x00, 0x00),
			 0);
	assert_int_equal(m.user_index, 0);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.minute, 30);
}

static void test_weight_unsuccessful(void **state)
{
	const struct hv_reading *r;
	struct hv_measurement m;

	(void)state;
	assert_int_equal(DECODE(0x2A9D, &m, 0x00, 0xff, 0xff), 0);
	assert_int_equal(m.status, HV_STATUS_OK);
	assert_false(m.final);
	assert_true(hv_measurement_has_flag(&m, "measurement_unsuccessful"));
	r = hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT);
	assert_non_null(r);
	assert_int_equal(r->absent, HV_ABSENT_NAN);
	/* In pounds too (never 655.35 lb). */
	assert_int_equal(DECODE(0x2A9D, &m, 0x01, 0xff, 0xff), 0);
	assert_false(m.final);
}

static void test_weight_lengths(void **state)
{
	struct hv_measurement m;
	int r;

	(void)state;
	r = DECODE(0x2A9D, &m, 0x00, 0xb0);
	expect_invalid(r, &m, "sig_weight_scale", "need 3");
	r = DECODE(0x2A9D, &m, 0x02, 0xb0, 0x36);
	expect_invalid(r, &m, "sig_weight_scale", "time stamp");
	r = DECODE(0x2A9D, &m, 0x02, 0xb0, 0x36, 0xe8, 0x07, 0x03, 0x0f, 0x08,
		   0x1e);
	expect_invalid(r, &m, "sig_weight_scale", "time stamp");
	r = DECODE(0x2A9D, &m, 0x04, 0xb0, 0x36);
	expect_invalid(r, &m, "sig_weight_scale", "user id");
	r = DECODE(0x2A9D, &m, 0x08, 0xb0, 0x36, 0xf4, 0x00);
	expect_invalid(r, &m, "sig_weight_scale", "BMI and height");
	r = DECODE(0x2A9D, &m, 0x00, 0xb0, 0x36, 0x00);
	expect_invalid(r, &m, "sig_weight_scale", "trailing");
	/* Reserved flag bits are sent by the Renpho ES-WBE28 variant only
	 * (its weight in 0.05 kg units; drivers/sig_scale.h): 1400 × 0.05. */
	assert_int_equal(DECODE(0x2A9D, &m, 0xf0, 0x78, 0x05), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 70,
			   1e-9);
}

static void test_weight_clock(void **state)
{
	struct hv_measurement m;

	(void)state;
	/* 1970-01-01: kept raw, not as the device time. */
	assert_int_equal(DECODE(0x2A9D, &m, 0x02, 0xb0, 0x36, 0xb2, 0x07, 0x01,
				0x01, 0x00, 0x00, 0x00),
			 0);
	assert_true(m.final);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 1970);
	assert_false(m.has_device_time);
	/* Year 0 = "not known". */
	assert_int_equal(DECODE(0x2A9D, &m, 0x02, 0xb0, 0x36, 0x00, 0x00, 0x00,
				0x00, 0x12, 0x1a, 0x20),
			 0);
	assert_false(m.has_device_time);
	/* 2030: in the future of the caller's clock. */
	assert_int_equal(DECODE(0x2A9D, &m, 0x02, 0xb0, 0x36, 0xee, 0x07, 0x01,
				0x01, 0x00, 0x00, 0x00),
			 0);
	assert_false(m.has_device_time);
}

static void test_weight_renpho_quirk(void **state)
{
	/* Renpho ES-WBE28: raw 1898 = 0x076a means 94.9 kg (0.05 kg units);
	 * a strict decoder says 9.49 kg. */
	static const uint8_t v[] = { 0x00, 0x6a, 0x07 };
	struct hv_frame f = gatt(0x2A9D, v, sizeof(v));
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 9.49,
			   1e-9);
	f.quirks = HV_SIG_QUIRK_WEIGHT_50G;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 94.9,
			   1e-9);
	/* Selected by the advertised name. */
	f.quirks = 0;
	f.name = "renpho-scale";
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 94.9,
			   1e-9);
	f.name = "Beurer BF720";
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 9.49,
			   1e-9);

	assert_int_equal(hv_sig_scale_quirks_for_name("ES-WBE28"),
			 HV_SIG_QUIRK_WEIGHT_50G);
	assert_int_equal(hv_sig_scale_quirks_for_name("renpho"), 0);
	assert_int_equal(hv_sig_scale_quirks_for_name(NULL), 0);
}

static void test_weight_feature(void **state)
{
	struct hv_sig_weight_feature feat;
	/* time stamp, users, BMI; weight resolution 4 (0.05 kg) << 3;
	 * height resolution 3 (0.001 m) << 7: 0x7 | 0x20 | 0x180 = 0x1a7 */
	static const uint8_t v[] = { 0xa7, 0x01, 0x00, 0x00 };
	struct hv_measurement m;
	int r;

	(void)state;
	assert_int_equal(hv_sig_weight_feature_parse(v, 4, &feat), 0);
	assert_true(feat.time_stamp);
	assert_true(feat.multiple_users);
	assert_true(feat.bmi);
	assert_float_equal(feat.weight_resolution_kg, 0.05, 1e-12);
	assert_float_equal(feat.height_resolution_m, 0.001, 1e-12);
	assert_int_equal(hv_sig_weight_feature_parse(v, 3, &feat), -EBADMSG);

	assert_int_equal(DECODE(0x2A9E, &m, 0xa7, 0x01, 0x00, 0x00), 0);
	assert_string_equal(m.driver, "sig_weight_scale");
	assert_false(m.final); /* a description, never stored */
	assert_int_equal(m.n_readings, 0);
	assert_true(hv_measurement_has_flag(&m, "multiple_users_supported"));
	assert_int_equal(m.n_context, 2);
	assert_string_equal(m.context_value[0], "0.05 kg / 0.1 lb");
	r = DECODE(0x2A9E, &m, 0xa7, 0x01, 0x00);
	expect_invalid(r, &m, "sig_weight_scale", "expected 4");
}

/* flags 0x0ffe: time stamp, user, BMR, muscle %, muscle mass, fat-free,
 * soft lean, water, impedance, weight, height (SI). */
static const uint8_t body_full[] = {
	0xfe, 0x0f, /* flags */
	0xeb, 0x00, /* body fat 23.5 % = 235 */
	0xe8, 0x07, 0x03, 0x0f, 0x08, 0x1e, 0x00, /* 2024-03-15 08:30:00 */
	0x01, /* user 1 */
	0x58, 0x1b, /* BMR 7000 kJ = 1673.0 kcal */
	0x92, 0x01, /* muscle 40.2 % = 402 */
	0xf8, 0x2a, /* muscle mass 55.0 kg = 11000 */
	0xd0, 0x2f, /* fat-free mass 61.2 kg = 12240 */
	0x50, 0x2d, /* soft lean mass 58.0 kg = 11600 */
	0x60, 0x22, /* water 44.0 kg = 8800 */
	0x03, 0x14, /* impedance 512.3 Ω = 5123 */
	0x80, 0x3e, /* weight 80.0 kg = 16000 */
	0x08, 0x07, /* height 1.800 m = 1800 */
};

static void test_body_full(void **state)
{
	struct hv_frame f = gatt(0x2A9C, body_full, sizeof(body_full));
	struct hv_measurement m;

	(void)state;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_string_equal(m.driver, "sig_body_composition");
	assert_true(m.final);
	assert_false(m.more_packets);
	assert_int_equal(m.user_index, 1);
	assert_true(m.has_device_time);
	assert_int_equal(m.n_readings, 10);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_FAT_PERCENT),
			   23.5, 1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BASAL_METABOLIC_RATE),
			   1673.0, 1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_MUSCLE_PERCENT), 40.2,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_MUSCLE_MASS), 55,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_FAT_FREE_MASS), 61.2,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_SOFT_LEAN_MASS), 58,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WATER_MASS), 44,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_IMPEDANCE), 512.3,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 80,
			   1e-9);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_HEIGHT), 1.8,
			   1e-9);

	/* Every shorter value misses a field: invalid, never a crash. */
	for (size_t len = 0; len < sizeof(body_full); len++) {
		f.value_len = len;
		assert_int_equal(hv_registry_decode(&f, NULL, &m), -EBADMSG);
		assert_int_equal(m.status, HV_STATUS_INVALID);
	}
}

static void test_body_multi_packet(void **state)
{
	struct hv_measurement m;

	(void)state;
	/* Packet 1: flags 0x1400 (multi-packet, weight): fat 23.5 %, 80 kg */
	assert_int_equal(DECODE(0x2A9C, &m, 0x00, 0x14, 0xeb, 0x00, 0x80, 0x3e),
			 0);
	assert_int_equal(m.status, HV_STATUS_OK);
	assert_false(m.final);
	assert_true(m.more_packets);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 80,
			   1e-9);
	/* Packet 2: flags 0x1200 (multi-packet, impedance) */
	assert_int_equal(DECODE(0x2A9C, &m, 0x00, 0x12, 0xeb, 0x00, 0x03, 0x14),
			 0);
	assert_false(m.final);
	assert_true(m.more_packets);
	assert_float_equal(hv_test_present(&m, HV_METRIC_IMPEDANCE), 512.3,
			   1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));
	/* Without bit 12 the packet stands alone. */
	assert_int_equal(DECODE(0x2A9C, &m, 0x00, 0x02, 0xeb, 0x00, 0x03, 0x14),
			 0);
	assert_true(m.final);
	assert_false(m.more_packets);
}

static void test_body_imperial_and_special(void **state)
{
	struct hv_measurement m;
	const struct hv_reading *r;
	int rc;

	(void)state;
	/* flags 0x0c01: imperial, weight, height; fat 20.0 %;
	 * 176.37 lb = 17637 = 0x44e5; 70.9 in = 709 = 0x02c5 */
	assert_int_equal(DECODE(0x2A9C, &m, 0x01, 0x0c, 0xc8, 0x00, 0xe5, 0x44,
				0xc5, 0x02),
			 0);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT),
			   176.37 * 0.45359237, 0.0006);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_HEIGHT),
			   70.9 * 0.0254, 0.0001);
	/* Unknown user */
	assert_int_equal(DECODE(0x2A9C, &m, 0x04, 0x00, 0xc8, 0x00, 0xff), 0);
	assert_int_equal(m.user_index, -1);
	assert_true(hv_measurement_has_flag(&m, "unknown_user"));
	/* Measurement unsuccessful */
	assert_int_equal(DECODE(0x2A9C, &m, 0x00, 0x00, 0xff, 0xff), 0);
	assert_false(m.final);
	assert_true(hv_measurement_has_flag(&m, "measurement_unsuccessful"));
	r = hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT);
	assert_non_null(r);
	assert_int_equal(r->absent, HV_ABSENT_NAN);
	/* Lengths */
	rc = DECODE(0x2A9C, &m, 0x00, 0x02, 0xeb, 0x00);
	expect_invalid(rc, &m, "sig_body_composition", "impedance");
	rc = DECODE(0x2A9C, &m, 0x00, 0x00, 0xeb, 0x00, 0x00);
	expect_invalid(rc, &m, "sig_body_composition", "trailing");
	rc = DECODE(0x2A9C, &m, 0x00, 0x00, 0xeb);
	expect_invalid(rc, &m, "sig_body_composition", "need 4");
}

static void test_body_feature(void **state)
{
	struct hv_measurement m;
	int r;

	(void)state;
	/* weight + impedance supported (bits 9, 8), mass resolution 7
	 * (0.005 kg) << 11: 0x300 | 0x3800 = 0x3b00 */
	assert_int_equal(DECODE(0x2A9B, &m, 0x00, 0x3b, 0x00, 0x00), 0);
	assert_string_equal(m.driver, "sig_body_composition");
	assert_false(m.final);
	assert_true(hv_measurement_has_flag(&m, "impedance_supported"));
	assert_true(hv_measurement_has_flag(&m, "weight_supported"));
	assert_false(hv_measurement_has_flag(&m, "height_supported"));
	assert_string_equal(m.context_value[0], "0.005 kg / 0.01 lb");
	r = DECODE(0x2A9B, &m, 0x00);
	expect_invalid(r, &m, "sig_body_composition", "expected 4");
}

static void roundtrip(const char *driver, uint16_t uuid, const uint8_t *v,
		      size_t len)
{
	const struct hv_driver *d = hv_driver_by_id(driver);
	struct hv_frame f = gatt(uuid, v, len), g;
	struct hv_measurement m;

	assert_non_null(d);
	assert_int_equal(hv_registry_decode(&f, d, &m), 0);
	assert_int_equal(d->encode(&m, NULL, &g), 0);
	assert_true(g.has_characteristic);
	assert_true(hv_uuid_is16(&g.characteristic, uuid));
	if (g.value_len != len || memcmp(g.value, v, len) != 0)
		fail_msg("%s: re-encoded value differs (%zu vs %zu bytes)",
			 driver, g.value_len, len);
}

static void test_roundtrips(void **state)
{
	static const uint8_t w[][15] = {
		{ 0x09, 0x50, 0x46, 0xf4, 0x00, 0xd0, 0x02 },
		{ 0x04, 0xb0, 0x36, 0xff },
		{ 0x00, 0xff, 0xff },
		{ 0x0e, 0xb0, 0x36, 0xb2, 0x07, 0x01, 0x01, 0x00, 0x00, 0x00,
		  0x05, 0xf4, 0x00, 0xdb, 0x06 },
	};
	static const size_t wlen[] = { 7, 4, 3, 15 };
	static const uint8_t b1[] = { 0x00, 0x14, 0xeb, 0x00, 0x80, 0x3e };
	static const uint8_t b2[] = { 0x01, 0x0c, 0xc8, 0x00, 0xe5, 0x44,
				      0xc5, 0x02 };
	static const uint8_t b3[] = { 0x04, 0x00, 0xff, 0xff, 0xff };

	(void)state;
	for (size_t i = 0; i < 4; i++)
		roundtrip("sig_weight_scale", 0x2A9D, w[i], wlen[i]);
	roundtrip("sig_body_composition", 0x2A9C, body_full, sizeof(body_full));
	roundtrip("sig_body_composition", 0x2A9C, b1, sizeof(b1));
	roundtrip("sig_body_composition", 0x2A9C, b2, sizeof(b2));
	roundtrip("sig_body_composition", 0x2A9C, b3, sizeof(b3));
}

static void test_adverts_not_decoded(void **state)
{
	/* A SIG scale's advert lists the service; it carries no reading. */
	struct hv_frame f = { .n_service_uuids = 1 };
	struct hv_measurement m;

	(void)state;
	f.service_uuids[0] = hv_uuid16(0x181D);
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -ENODEV);
	/* Other characteristics are not ours. */
	assert_int_equal(DECODE(0x2A2B, &m, 0x00, 0xb0, 0x36), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight_lb_bmi_height),
		cmocka_unit_test(test_weight_users),
		cmocka_unit_test(test_weight_unsuccessful),
		cmocka_unit_test(test_weight_lengths),
		cmocka_unit_test(test_weight_clock),
		cmocka_unit_test(test_weight_renpho_quirk),
		cmocka_unit_test(test_weight_feature),
		cmocka_unit_test(test_body_full),
		cmocka_unit_test(test_body_multi_packet),
		cmocka_unit_test(test_body_imperial_and_special),
		cmocka_unit_test(test_body_feature),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_adverts_not_decoded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
