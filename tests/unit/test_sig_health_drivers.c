// SPDX-License-Identifier: MIT
/*
 * The SIG health drivers on frames built here from the specification
 * layouts (drivers' header comments, docs/drivers.md), for
 * every combination of flag bits: each decodes to the values put in, one
 * byte less or one byte more is rejected, and the driver's encoder gives
 * back a frame that decodes to the same measurement (byte for byte where
 * the encoding is canonical).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/ieee11073.h"
#include "drivers/registry.h"

#define NOW 1900000000 /* 2030-03-17 */

struct buf {
	uint8_t b[HV_FRAME_DATA_MAX];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void u8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void le16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, x, 2);
}

static void le24(struct buf *b, uint32_t v)
{
	uint8_t x[3] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16) };

	put(b, x, 3);
}

static void le32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	put(b, x, 4);
}

/* SFLOAT/FLOAT written by hand: exponent nibble/byte, mantissa. */
static uint16_t sf(int mantissa, int exponent)
{
	return (uint16_t)(((unsigned)exponent & 0xF) << 12 |
			  ((unsigned)mantissa & 0xFFF));
}

static uint32_t fl(int32_t mantissa, int exponent)
{
	return ((uint32_t)exponent & 0xFF) << 24 |
	       ((uint32_t)mantissa & 0xFFFFFF);
}

static const uint8_t when[7] = { 0xE8, 0x07, 3, 15, 8, 30, 0 }; /* 2024-03-15 08:30:00 */

static int decode(uint16_t uuid, const struct buf *b, struct hv_measurement *m)
{
	struct hv_frame f;

	hv_frame_set_value(&f, uuid, b->b, b->n);
	f.now = NOW;
	return hv_registry_decode(&f, NULL, m);
}

static void want_value(const struct hv_measurement *m, enum hv_metric metric,
			 double want)
{
	const struct hv_reading *rd = hv_measurement_find(m, metric);

	if (!rd)
		fail_msg("no %s reading", hv_metric_info(metric)->name);
	assert_int_equal(rd->absent, HV_ABSENT_NONE);
	if (rd->value < want - 1e-6 || rd->value > want + 1e-6)
		fail_msg("%s = %.9g, expected %.9g",
			 hv_metric_info(metric)->name, rd->value, want);
}

static void want_time(const struct hv_measurement *m, int h, int mi)
{
	assert_true(m->has_raw_device_time);
	assert_int_equal(m->raw_device_time.year, 2024);
	assert_int_equal(m->raw_device_time.month, 3);
	assert_int_equal(m->raw_device_time.day, 15);
	assert_int_equal(m->raw_device_time.hour, h);
	assert_int_equal(m->raw_device_time.minute, mi);
}

static void same_measurement(const struct hv_measurement *a,
			     const struct hv_measurement *b)
{
	assert_int_equal(a->status, b->status);
	assert_string_equal(a->driver, b->driver);
	assert_int_equal(a->final, b->final);
	assert_int_equal(a->user_index, b->user_index);
	assert_int_equal(a->sequence_number, b->sequence_number);
	assert_int_equal(a->display_unit, b->display_unit);
	assert_int_equal(a->has_raw_device_time, b->has_raw_device_time);
	assert_int_equal(a->has_device_time, b->has_device_time);
	if (a->has_raw_device_time) {
		/* field by field: the struct has a padding byte */
		const struct hv_datetime *x = &a->raw_device_time;
		const struct hv_datetime *y = &b->raw_device_time;

		assert_int_equal(x->year, y->year);
		assert_int_equal(x->month, y->month);
		assert_int_equal(x->day, y->day);
		assert_int_equal(x->hour, y->hour);
		assert_int_equal(x->minute, y->minute);
		assert_int_equal(x->second, y->second);
	}
	assert_int_equal(a->n_readings, b->n_readings);
	for (size_t i = 0; i < a->n_readings; i++) {
		assert_int_equal(a->readings[i].metric, b->readings[i].metric);
		assert_int_equal(a->readings[i].absent, b->readings[i].absent);
		assert_float_equal(a->readings[i].value, b->readings[i].value,
				   1e-9);
		assert_true(a->readings[i].method == b->readings[i].method ||
			    strcmp(a->readings[i].method,
				   b->readings[i].method) == 0);
	}
	assert_int_equal(a->n_flags, b->n_flags);
	for (size_t i = 0; i < a->n_flags; i++)
		assert_string_equal(a->flags[i], b->flags[i]);
	assert_int_equal(a->n_context, b->n_context);
	for (size_t i = 0; i < a->n_context; i++) {
		assert_string_equal(a->context_key[i], b->context_key[i]);
		assert_string_equal(a->context_value[i], b->context_value[i]);
	}
}

/*
 * The common part: decodes OK, shorter and longer are rejected, the
 * encoder gives a frame that decodes the same (and equals the input when
 * `canonical`). Returns the measurement for field checks.
 */
static void check_frame(uint16_t uuid, const struct buf *b, bool canonical,
			struct hv_measurement *ret)
{
	const struct hv_driver *d;
	struct hv_measurement again, bad;
	struct hv_uuid target = hv_uuid16(uuid);
	struct hv_frame out;
	struct buf x = *b;

	if (decode(uuid, b, ret) != 0)
		fail_msg("%04x flags 0x%02x: %s", uuid, b->b[0], ret->error);
	assert_int_equal(ret->status, HV_STATUS_OK);

	x.n = b->n - 1;
	assert_int_equal(decode(uuid, &x, &bad), -EBADMSG);
	assert_int_equal(bad.status, HV_STATUS_INVALID);
	assert_true(strlen(bad.error) > 10);
	x = *b;
	u8(&x, 0x5A);
	assert_int_equal(decode(uuid, &x, &bad), -EBADMSG);
	assert_true(strlen(bad.error) > 10);

	d = hv_driver_by_id(ret->driver);
	assert_non_null(d);
	assert_non_null(d->encode);
	assert_int_equal(d->encode(ret, &target, &out), 0);
	assert_true(hv_uuid_is16(&out.characteristic, uuid));
	if (canonical) {
		assert_int_equal(out.value_len, b->n);
		assert_memory_equal(out.value, b->b, b->n);
	}
	out.now = NOW;
	assert_int_equal(hv_registry_decode(&out, NULL, &again), 0);
	same_measurement(ret, &again);
}

static void test_heart_rate_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 32; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };
		unsigned contact = (flags >> 1) & 3;
		unsigned hr = flags & 1 ? 300 : 72;

		u8(&b, (uint8_t)flags);
		if (flags & 1)
			le16(&b, (uint16_t)hr);
		else
			u8(&b, (uint8_t)hr);
		if (flags & 8)
			le16(&b, 1234);
		if (flags & 16) {
			le16(&b, 800);
			le16(&b, 1024);
		}
		/* Contact "not supported" has two codes; the encoder uses 0. */
		check_frame(0x2A37, &b, contact != 1, &m);
		assert_string_equal(m.driver, "sig_heart_rate");
		want_value(&m, HV_METRIC_HEART_RATE, hr);
		if (flags & 8)
			want_value(&m, HV_METRIC_ENERGY_EXPENDED, 1234);
		else
			assert_null(hv_measurement_find(&m, HV_METRIC_ENERGY_EXPENDED));
		if (flags & 16) {
			assert_int_equal(m.n_readings, 3 + !!(flags & 8));
			assert_float_equal(m.readings[m.n_readings - 2].value,
					   800 / 1024.0, 1e-12);
			assert_float_equal(m.readings[m.n_readings - 1].value,
					   1.0, 1e-12);
		}
		assert_int_equal(hv_measurement_has_flag(&m, "sensor_contact"),
				 contact == 3);
		assert_int_equal(hv_measurement_has_flag(&m, "no_sensor_contact"),
				 contact == 2);
		assert_int_equal(m.final, contact != 2);
	}
}

static void test_heart_rate_many_rr_and_location(void **state)
{
	struct hv_measurement m;
	struct buf b = { 0 };
	struct hv_frame f;

	(void)state;
	u8(&b, 0x10);
	u8(&b, 60);
	for (int i = 0; i < 100; i++)
		le16(&b, (uint16_t)(1000 + i));
	assert_int_equal(decode(0x2A37, &b, &m), 0);
	assert_int_equal(m.n_readings, HV_READINGS_MAX);
	assert_true(hv_measurement_has_flag(&m, "rr_intervals_truncated"));

	b = (struct buf){ 0 };
	u8(&b, 1);
	assert_int_equal(decode(0x2A38, &b, &m), 0);
	assert_string_equal(hv_measurement_context(&m, "body_sensor_location"),
			    "chest");
	assert_false(m.final);
	assert_int_equal(hv_driver_by_id("sig_heart_rate")
				 ->encode(&m, &(struct hv_uuid){ 0 }, &f),
			 -EINVAL);
	b.n = 0;
	assert_int_equal(decode(0x2A38, &b, &m), -EBADMSG);
}

static void test_rsc_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 8; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };

		u8(&b, (uint8_t)flags);
		le16(&b, 3 * 256 + 128); /* 3.5 m/s */
		u8(&b, 170);
		if (flags & 1)
			le16(&b, 125); /* 1.25 m */
		if (flags & 2)
			le32(&b, 123456); /* 12345.6 m */
		check_frame(0x2A53, &b, true, &m);
		assert_string_equal(m.driver, "sig_rsc");
		want_value(&m, HV_METRIC_SPEED, 3.5);
		want_value(&m, HV_METRIC_CADENCE, 170);
		if (flags & 1)
			want_value(&m, HV_METRIC_STRIDE_LENGTH, 1.25);
		if (flags & 2)
			want_value(&m, HV_METRIC_DISTANCE, 12345.6);
		assert_string_equal(hv_measurement_context(&m, "motion"),
				    flags & 4 ? "running" : "walking");
		assert_true(m.final);
	}
}

static void test_blood_pressure_all_flags(void **state)
{
	(void)state;
	for (int c = 0; c < 2; c++)
		for (unsigned flags = 0; flags < 32; flags++) {
			uint16_t uuid = c ? 0x2A36 : 0x2A35;
			bool kpa = flags & 1;
			struct hv_measurement m;
			struct buf b = { 0 };

			u8(&b, (uint8_t)flags);
			if (kpa) { /* 16.0 / 10.7 / 12.4 kPa */
				le16(&b, sf(160, -1));
				le16(&b, sf(107, -1));
				le16(&b, sf(124, -1));
			} else {
				le16(&b, sf(120, 0));
				le16(&b, sf(80, 0));
				le16(&b, sf(93, 0));
			}
			if (flags & 2)
				put(&b, when, 7);
			if (flags & 4)
				le16(&b, sf(72, 0));
			if (flags & 8)
				u8(&b, 3);
			if (flags & 16)
				le16(&b, 0x002F);
			check_frame(uuid, &b, true, &m);
			assert_string_equal(m.driver, "sig_blood_pressure");
			assert_int_equal(m.final, uuid == 0x2A35);
			assert_int_equal(m.display_unit,
					 kpa ? HV_UNIT_KPA : HV_UNIT_MMHG);
			want_value(&m, HV_METRIC_SYSTOLIC_PRESSURE,
				     kpa ? 120.01 : 120);
			want_value(&m, HV_METRIC_DIASTOLIC_PRESSURE,
				     kpa ? 80.26 : 80);
			want_value(&m, HV_METRIC_MEAN_ARTERIAL_PRESSURE,
				     kpa ? 93.01 : 93);
			if (flags & 2) {
				want_time(&m, 8, 30);
				assert_true(m.has_device_time);
			}
			if (flags & 4)
				want_value(&m, HV_METRIC_PULSE_RATE, 72);
			assert_int_equal(m.user_index, flags & 8 ? 3 : -1);
			if (flags & 16) {
				assert_int_equal(m.n_flags, 5);
				assert_true(hv_measurement_has_flag(
					&m, "pulse_rate_above_range"));
				assert_true(hv_measurement_has_flag(
					&m, "improper_measurement_position"));
			} else {
				assert_int_equal(m.n_flags, 0);
			}
		}
}

static void test_blood_pressure_special_values(void **state)
{
	struct hv_measurement m;
	struct buf b = { 0 };

	(void)state;
	/* Intermediate cuff pressure: diastolic and MAP NaN. */
	u8(&b, 0);
	le16(&b, sf(152, 0));
	le16(&b, HV_SFLOAT_NAN);
	le16(&b, HV_SFLOAT_NRES);
	check_frame(0x2A36, &b, true, &m);
	assert_false(m.final);
	assert_int_equal(hv_measurement_find(&m, HV_METRIC_DIASTOLIC_PRESSURE)->absent,
			 HV_ABSENT_NAN);
	assert_int_equal(hv_measurement_find(&m, HV_METRIC_MEAN_ARTERIAL_PRESSURE)->absent,
			 HV_ABSENT_NRES);
}

static void test_temperature_all_flags(void **state)
{
	(void)state;
	for (int c = 0; c < 2; c++)
		for (unsigned flags = 0; flags < 8; flags++) {
			uint16_t uuid = c ? 0x2A1E : 0x2A1C;
			struct hv_measurement m;
			struct buf b = { 0 };

			u8(&b, (uint8_t)flags);
			le32(&b, flags & 1 ? fl(9905, -2) : fl(3725, -2));
			if (flags & 2)
				put(&b, when, 7);
			if (flags & 4)
				u8(&b, 6);
			check_frame(uuid, &b, true, &m);
			assert_string_equal(m.driver, "sig_temperature");
			assert_int_equal(m.final, uuid == 0x2A1C);
			want_value(&m, HV_METRIC_BODY_TEMPERATURE, 37.25);
			assert_int_equal(m.display_unit, flags & 1 ? HV_UNIT_DEGF :
								     HV_UNIT_CEL);
			if (flags & 2)
				want_time(&m, 8, 30);
			if (flags & 4)
				assert_string_equal(hv_measurement_context(&m, "type"),
						    "mouth");
			else
				assert_null(hv_measurement_context(&m, "type"));
		}
}

static void test_temperature_specials(void **state)
{
	static const uint32_t raw[] = { HV_FLOAT_NAN, HV_FLOAT_NRES,
					HV_FLOAT_POS_INF, HV_FLOAT_NEG_INF,
					HV_FLOAT_RESERVED };
	static const enum hv_absent want[] = { HV_ABSENT_NAN, HV_ABSENT_NRES,
					       HV_ABSENT_POS_INF,
					       HV_ABSENT_NEG_INF,
					       HV_ABSENT_RESERVED };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		struct hv_measurement m;
		struct buf b = { 0 };

		u8(&b, 1); /* Fahrenheit: still no number */
		le32(&b, raw[i]);
		check_frame(0x2A1C, &b, true, &m);
		assert_int_equal(m.readings[0].absent, want[i]);
	}
}

static void test_plx_spot_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 32; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };

		u8(&b, (uint8_t)flags);
		le16(&b, sf(97, 0));
		le16(&b, sf(64, 0));
		if (flags & 1)
			put(&b, when, 7);
		if (flags & 2)
			le16(&b, 0x0080);
		if (flags & 4)
			le24(&b, 0x000020);
		if (flags & 8)
			le16(&b, sf(25, -1));
		check_frame(0x2A5E, &b, true, &m);
		assert_string_equal(m.driver, "sig_pulse_oximeter");
		want_value(&m, HV_METRIC_SPO2, 97);
		want_value(&m, HV_METRIC_PULSE_RATE, 64);
		if (flags & 8)
			want_value(&m, HV_METRIC_PULSE_AMPLITUDE_INDEX, 2.5);
		if (flags & 1) {
			want_time(&m, 8, 30);
			assert_int_equal(m.has_device_time, !(flags & 16));
		}
		assert_int_equal(hv_measurement_has_flag(&m, "validated_data"),
				 !!(flags & 2));
		assert_int_equal(hv_measurement_has_flag(&m, "low_perfusion"),
				 !!(flags & 4));
		assert_int_equal(hv_measurement_has_flag(&m, "device_clock_not_set"),
				 !!(flags & 16));
		assert_true(m.final);
	}
}

static void test_plx_continuous_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 32; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };

		u8(&b, (uint8_t)flags);
		le16(&b, sf(97, 0));
		le16(&b, sf(64, 0));
		if (flags & 1) {
			le16(&b, sf(96, 0));
			le16(&b, sf(65, 0));
		}
		if (flags & 2) {
			le16(&b, sf(98, 0));
			le16(&b, sf(63, 0));
		}
		if (flags & 4)
			le16(&b, 0x8020); /* ongoing + invalid */
		if (flags & 8)
			le24(&b, 0x008000);
		if (flags & 16)
			le16(&b, sf(31, -1));
		check_frame(0x2A5F, &b, true, &m);
		want_value(&m, HV_METRIC_SPO2, 97);
		assert_null(m.readings[0].method);
		if (flags & 1) {
			assert_string_equal(m.readings[2].method, "plx_fast");
			assert_float_equal(m.readings[2].value, 96, 1e-9);
		}
		if (flags & 2)
			assert_string_equal(m.readings[(flags & 1) ? 4 : 2].method,
					    "plx_slow");
		if (flags & 16)
			want_value(&m, HV_METRIC_PULSE_AMPLITUDE_INDEX, 3.1);
		assert_int_equal(m.final, !(flags & 4));
		assert_int_equal(hv_measurement_has_flag(&m, "sensor_disconnected"),
				 !!(flags & 8));
	}
}

static void test_glucose_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 32; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };

		u8(&b, (uint8_t)flags);
		le16(&b, 42);
		put(&b, when, 7);
		if (flags & 1)
			le16(&b, (uint16_t)-15);
		if (flags & 2) {
			le16(&b, flags & 4 ? sf(55, -4) : sf(99, -5));
			u8(&b, 0x12);
		}
		if (flags & 8)
			le16(&b, 0x0005);
		/* A time offset is folded into the time, and a unit bit
		 * without a concentration says nothing: not byte-exact. */
		check_frame(0x2A18, &b,
			    !(flags & 1) && ((flags & 2) || !(flags & 4)), &m);
		assert_string_equal(m.driver, "sig_glucose");
		assert_int_equal(m.sequence_number, 42);
		want_time(&m, 8, flags & 1 ? 15 : 30);
		if (flags & 2) {
			/* 5.5 mmol/L; 99 mg/dL / 18.016 */
			want_value(&m, HV_METRIC_BLOOD_GLUCOSE,
				     flags & 4 ? 5.5 : 5.495);
			assert_string_equal(hv_measurement_context(&m, "sample_type"),
					    "capillary_plasma");
			assert_string_equal(hv_measurement_context(&m, "sample_location"),
					    "finger");
		} else {
			assert_int_equal(m.n_readings, 0);
		}
		assert_int_equal(hv_measurement_has_flag(&m, "device_battery_low"),
				 !!(flags & 8));
		assert_int_equal(hv_measurement_has_flag(&m, "context_follows"),
				 !!(flags & 16));
		assert_true(m.final);
	}
}

static void test_glucose_context_and_control(void **state)
{
	struct hv_measurement m;
	struct buf b = { 0 };

	(void)state;
	/* Context: meal + tester/health + HbA1c, sequence 42. */
	u8(&b, 0x02 | 0x04 | 0x40);
	le16(&b, 42);
	u8(&b, 1);
	u8(&b, 0x51);
	le16(&b, sf(65, -1));
	assert_int_equal(decode(0x2A34, &b, &m), 0);
	assert_int_equal(m.sequence_number, 42);
	assert_false(m.final);
	assert_string_equal(hv_measurement_context(&m, "meal"), "preprandial");
	assert_string_equal(hv_measurement_context(&m, "tester"), "self");
	assert_string_equal(hv_measurement_context(&m, "health"),
			    "no_health_issues");
	b.n--;
	assert_int_equal(decode(0x2A34, &b, &m), -EBADMSG);

	/* A control-solution sample is never a reading of the person. */
	b = (struct buf){ 0 };
	u8(&b, 0x02);
	le16(&b, 7);
	put(&b, when, 7);
	le16(&b, sf(99, -5));
	u8(&b, 0x4A);
	assert_int_equal(decode(0x2A18, &b, &m), 0);
	/* kept (nothing the meter stored is lost), as an object's */
	assert_true(m.final);
	assert_int_equal(m.subject, HV_SUBJECT_OBJECT);
	assert_true(hv_measurement_has_flag(&m, "control_solution"));
}

static void test_physical_activity_all_flags(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags < 32; flags++) {
		struct hv_measurement m;
		struct buf b = { 0 };
		bool reported = flags & 7;

		u8(&b, 0x03);
		u8(&b, (uint8_t)flags);
		le16(&b, 0);
		le16(&b, 0);
		le32(&b, 0);
		le32(&b, 77);
		if (flags & 1)
			le24(&b, 8500);
		if (flags & 2)
			le24(&b, 1200);
		if (flags & 4)
			le24(&b, 40);
		if (flags & 8)
			le24(&b, 6000);
		if (flags & 16)
			le24(&b, 3600);
		if (reported && !(flags & 0x18)) {
			check_frame(0x2B40, &b, true, &m);
		} else {
			assert_int_equal(decode(0x2B40, &b, &m), 0);
		}
		assert_int_equal(m.sequence_number, 77);
		assert_int_equal(m.n_readings, __builtin_popcount(flags & 7));
		if (flags & 1)
			want_value(&m, HV_METRIC_STEP_COUNT, 8500);
	}
}

static void test_physical_activity_segmented(void **state)
{
	struct hv_measurement m;
	struct buf b = { 0 };

	(void)state;
	u8(&b, 0x01); /* first segment only */
	u8(&b, 0x01);
	assert_int_equal(decode(0x2B40, &b, &m), 0);
	assert_false(m.final);
	assert_true(hv_measurement_has_flag(&m, "segmented"));
	assert_int_equal(m.n_readings, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heart_rate_all_flags),
		cmocka_unit_test(test_heart_rate_many_rr_and_location),
		cmocka_unit_test(test_rsc_all_flags),
		cmocka_unit_test(test_blood_pressure_all_flags),
		cmocka_unit_test(test_blood_pressure_special_values),
		cmocka_unit_test(test_temperature_all_flags),
		cmocka_unit_test(test_temperature_specials),
		cmocka_unit_test(test_plx_spot_all_flags),
		cmocka_unit_test(test_plx_continuous_all_flags),
		cmocka_unit_test(test_glucose_all_flags),
		cmocka_unit_test(test_glucose_context_and_control),
		cmocka_unit_test(test_physical_activity_all_flags),
		cmocka_unit_test(test_physical_activity_segmented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
