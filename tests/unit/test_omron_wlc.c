// SPDX-License-Identifier: MIT
/*
 * The Omron WLC scale driver (drivers/omron_wlc.c): the records and frames
 * openScale publishes, decoded to the values it states.
 *
 * Source: oliexdev/openScale commit
 * f7a733b2cb6e8ccd751c3051232f3195c84dd8c4,
 * android_app/app/src/test/java/com/health/openscale/core/bluetooth/libs/
 * OmronLibTest.kt: an HBF-702T record (48 bytes) and an HBF-227T record
 * (32 bytes), both 72.40 kg, body fat 23.5 %, skeletal muscle 31.2 %, BMI
 * 23.7, BMR 1520 kcal, visceral fat 8, body age 34, 2024-03-17 07:45:12
 * (records the test assembles from the field layout, not captured from a
 * scale); the session frames start 0800000000100018, end
 * 080f000000000007, read 08010002c02000eb, end answer 088f000000000087;
 * the slot addresses. The conversation runs in test_omron.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/omron.h"
#include "drivers/registry.h"

extern const struct hv_driver omron_wlc_driver;
extern const struct hv_driver omron_driver;

/* OmronLibTest.kt record702t and record32 */
static const char record702t[] = "00003ad05f024e183b6d223389cc0000"
				 "000000000000000000005a8000000000"
				 "00000000000000000000000000000000";
static const char record32[] = "00003ac85f024e183b6d223389cc0000"
			       "000000000000000000005a8000000000";

static size_t unhex(const char *h, uint8_t *buf, size_t size)
{
	size_t n = 0;

	for (; h[0] && h[1] && n < size; h += 2)
		buf[n++] =
			(uint8_t)(hv_hex_digit(h[0]) << 4 | hv_hex_digit(h[1]));
	return n;
}

static const struct hv_omron_wlc_profile *profile(const char *name)
{
	const struct hv_omron_wlc_profile *p =
		hv_omron_wlc_profile_by_name(name);

	assert_non_null(p);
	return p;
}

/* The record as the scale's answer to a read of all of it, at user u's
 * first slot, decoded by the registry for a device named `name`. */
static int decode_answer(const char *name, const uint8_t *rec, size_t n, int u,
			 struct hv_measurement *m)
{
	const struct hv_omron_wlc_profile *p = profile(name);
	struct hv_frame f = { .has_characteristic = true, .name = name };

	assert_int_equal(hv_uuid_parse(HV_OMRON_RX0, &f.characteristic), 0);
	f.value_len = hv_omron_frame(HV_OMRON_READ | HV_OMRON_ANSWER,
				     hv_omron_wlc_address(p, u, 0), (uint8_t)n,
				     rec, n, f.value, sizeof(f.value));
	assert_int_equal(f.value_len, n + 8);
	f.now = 1893456000; /* 2030 */
	return hv_registry_decode(&f, NULL, m);
}

static void assert_reading(const struct hv_measurement *m,
			   enum hv_metric metric, double want)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	assert_non_null(r);
	assert_float_equal(r->value, want, 1e-9);
}

static void test_record_hbf702t(void **state)
{
	struct hv_omron_wlc_record r;
	struct hv_measurement m;
	uint8_t rec[48];

	(void)state;
	assert_int_equal(unhex(record702t, rec, sizeof(rec)), 48);
	assert_int_equal(hv_omron_wlc_record_decode(profile("HBF-702T"), rec,
						    sizeof(rec), &r),
			 0);
	assert_int_equal(r.weight, 1448); /* 50 g */
	assert_int_equal(r.fat, 235);
	assert_int_equal(r.muscle, 312);
	assert_int_equal(r.bmi, 237);
	assert_int_equal(r.bmr, 1520);
	assert_int_equal(r.visceral, 16); /* half levels */
	assert_int_equal(r.age, 34);

	assert_int_equal(decode_answer("HBF-702T", rec, sizeof(rec), 0, &m), 0);
	assert_string_equal(m.driver, "omron_wlc");
	assert_true(m.final);
	assert_false(m.more_packets);
	assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 31.2);
	assert_reading(&m, HV_METRIC_BMI, 23.7);
	assert_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE, 1520);
	assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 8.0);
	assert_reading(&m, HV_METRIC_METABOLIC_AGE, 34);
	assert_int_equal(m.n_readings, 7);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.month, 3);
	assert_int_equal(m.device_time.day, 17);
	assert_int_equal(m.device_time.hour, 7);
	assert_int_equal(m.device_time.minute, 45);
	assert_int_equal(m.device_time.second, 12);
	assert_int_equal(m.user_index, 0);
	assert_int_equal(m.sequence_number,
			 hv_omron_wlc_sequence(&m.device_time));
	/* 2024-03-17 07:45:12 is 8842 days and 27912 s after 2000-01-01 */
	assert_int_equal(m.sequence_number, 8842 * 86400 + 27912);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	/* the advertised name gives the same layout */
	assert_int_equal(decode_answer("BLEsmart_0001000C2871F2C6D3E4", rec,
				       sizeof(rec), 3, &m),
			 0);
	assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 8.0);
	assert_int_equal(m.user_index, 3);
}

static void test_record_32_bytes(void **state)
{
	struct hv_measurement m;
	uint8_t rec[32];

	(void)state;
	assert_int_equal(unhex(record32, rec, sizeof(rec)), 32);
	/* whole levels: raw 8 is level 8 */
	assert_int_equal(decode_answer("HBF-227T", rec, sizeof(rec), 1, &m), 0);
	assert_true(m.final);
	assert_reading(&m, HV_METRIC_VISCERAL_FAT_RATING, 8.0);
	assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	assert_reading(&m, HV_METRIC_METABOLIC_AGE, 34);
	assert_int_equal(m.user_index, 1);
	/* the trims that do not measure body age */
	assert_int_equal(decode_answer("BCM-500", rec, sizeof(rec), 0, &m), 0);
	assert_null(hv_measurement_find(&m, HV_METRIC_METABOLIC_AGE));
	assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	/* a 32-byte record is short for the HBF-702T: no measurement */
	assert_int_equal(decode_answer("HBF-702T", rec, sizeof(rec), 0, &m), 0);
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
	{
		struct hv_omron_wlc_record r;

		assert_int_equal(hv_omron_wlc_record_decode(profile("HBF-702T"),
							    rec, sizeof(rec),
							    &r),
				 -EBADMSG);
	}
}

static void test_record_not_a_measurement(void **state)
{
	const struct hv_omron_wlc_profile *p = profile("HBF-702T");
	struct hv_omron_wlc_record r;
	struct hv_measurement m;
	uint8_t rec[48];

	(void)state;
	memset(rec, 0xff, sizeof(rec));
	assert_int_equal(hv_omron_wlc_record_decode(p, rec, 48, &r), -ENODATA);
	assert_int_equal(decode_answer("HBF-702T", rec, 48, 0, &m), 0);
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
	memset(rec, 0, sizeof(rec));
	assert_int_equal(hv_omron_wlc_record_decode(p, rec, 48, &r), -ENODATA);
	/* no weight */
	unhex(record702t, rec, sizeof(rec));
	rec[26] = rec[27] = 0;
	assert_int_equal(hv_omron_wlc_record_decode(p, rec, 48, &r), -ENODATA);
	assert_int_equal(decode_answer("HBF-702T", rec, 48, 0, &m), 0);
	assert_false(m.final);
	/* month 15 */
	unhex(record702t, rec, sizeof(rec));
	rec[11] = 0x3f;
	assert_int_equal(hv_omron_wlc_record_decode(p, rec, 48, &r), -EBADMSG);
	assert_int_equal(decode_answer("HBF-702T", rec, 48, 0, &m), -EBADMSG);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

static void test_record_unmeasured_values(void **state)
{
	struct hv_measurement m;
	uint8_t rec[48];

	(void)state;
	unhex(record702t, rec, sizeof(rec));
	rec[2] = rec[3] = rec[4] = rec[5] = 0;
	assert_int_equal(decode_answer("HBF-702T", rec, 48, 0, &m), 0);
	assert_true(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	assert_null(hv_measurement_find(&m, HV_METRIC_VISCERAL_FAT_RATING));
	assert_null(hv_measurement_find(&m, HV_METRIC_BASAL_METABOLIC_RATE));
	assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
}

static void test_slot_addresses(void **state)
{
	const struct hv_omron_wlc_profile *p = profile("HBF-702T"),
					  *q = profile("HBF-228T");
	int u, i;
	unsigned off;

	(void)state;
	assert_int_equal(hv_omron_wlc_address(p, 0, 0), 0x02c0);
	assert_int_equal(hv_omron_wlc_address(p, 0, 29), 0x02c0 + 29 * 48);
	assert_int_equal(hv_omron_wlc_address(p, 3, 0), 0x1430);
	assert_int_equal(hv_omron_wlc_address(q, 1, 0), 0x06a0);
	assert_int_equal(hv_omron_wlc_address(q, 1, 0) -
				 hv_omron_wlc_address(q, 0, 0),
			 31 * 32);
	assert_int_equal(
		hv_omron_wlc_locate(p, 0x02c0 + 29 * 48 + 26, &u, &i, &off), 0);
	assert_int_equal(u, 0);
	assert_int_equal(i, 29);
	assert_int_equal(off, 26);
	/* the ring's spare record and the index block are no record */
	assert_int_equal(hv_omron_wlc_locate(q, 0x02c0 + 30 * 32, &u, &i, &off),
			 -ENOENT);
	assert_int_equal(
		hv_omron_wlc_locate(q, HV_OMRON_WLC_INDEX, &u, &i, &off),
		-ENOENT);
}

static void test_frames_as_published(void **state)
{
	uint8_t buf[HV_OMRON_FRAME_MAX], want[16];
	struct hv_omron_answer a;
	size_t len;

	(void)state;
	assert_int_equal(hv_omron_payload_start(NULL, buf, sizeof(buf), &len),
			 0);
	assert_int_equal(unhex("0800000000100018", want, sizeof(want)), len);
	assert_memory_equal(buf, want, len);
	assert_int_equal(hv_omron_payload_end(NULL, buf, sizeof(buf), &len), 0);
	assert_int_equal(unhex("080f000000000007", want, sizeof(want)), len);
	assert_memory_equal(buf, want, len);
	len = hv_omron_frame(HV_OMRON_READ, 0x02c0, 0x20, NULL, 0, buf,
			     sizeof(buf));
	assert_int_equal(unhex("08010002c02000eb", want, sizeof(want)), len);
	assert_memory_equal(buf, want, len);
	len = unhex("088f000000000087", want, sizeof(want));
	assert_int_equal(hv_omron_answer_parse(want, len, &a), 0);
	assert_int_equal(a.type, HV_OMRON_END | HV_OMRON_ANSWER);
	assert_int_equal(a.code, 0);
	/* a changed byte fails the checksum */
	want[3] ^= 1;
	assert_int_equal(hv_omron_answer_parse(want, len, &a), -EBADMSG);
}

static void test_encode_round_trip(void **state)
{
	struct hv_measurement m, back;
	struct hv_frame f = { 0 };
	uint8_t rec[48];

	(void)state;
	unhex(record702t, rec, sizeof(rec));
	assert_int_equal(decode_answer("HBF-702T", rec, 48, 2, &m), 0);
	assert_int_equal(omron_wlc_driver.encode(&m, NULL, &f), 0);
	/* the scale's answer to a read of the whole record, in user 3's ring */
	assert_int_equal(f.value_len, 56);
	assert_int_equal(hv_be16(f.value + 3), 0x0e60);
	/* bits of no field (BMR's classification, byte 11's high half) are
	 * not kept: the values are */
	{
		const struct hv_omron_wlc_profile *p = profile("HBF-702T");
		struct hv_omron_wlc_record a, b;

		assert_int_equal(hv_omron_wlc_record_decode(p, rec, 48, &a), 0);
		assert_int_equal(
			hv_omron_wlc_record_decode(p, f.value + 6, 48, &b), 0);
		assert_int_equal(a.weight, b.weight);
		assert_int_equal(a.fat, b.fat);
		assert_int_equal(a.visceral, b.visceral);
		assert_int_equal(a.bmr, b.bmr);
		assert_int_equal(a.muscle, b.muscle);
		assert_int_equal(a.bmi, b.bmi);
		assert_int_equal(a.age, b.age);
		assert_int_equal(hv_datetime_to_unix(&a.time),
				 hv_datetime_to_unix(&b.time));
	}
	assert_int_equal(hv_registry_decode(&f, &omron_wlc_driver, &back), 0);
	assert_true(back.final);
	assert_int_equal(back.n_readings, m.n_readings);
	for (size_t i = 0; i < m.n_readings; i++)
		assert_reading(&back, m.readings[i].metric,
			       m.readings[i].value);
}

static void test_selection(void **state)
{
	struct hv_frame f = { 0 };
	const char *const scales[] = {
		"BLEsmart_0001000C2871F2C6D3E4",
		"blesmart_0001040c",
		"BLEsmart_00010408AABBCC",
		"HBF-702T",
		"hbf-230t",
		"KRD-703T",
		"VIVA",
	};

	(void)state;
	f.n_service_uuids = 1;
	assert_int_equal(hv_uuid_parse(HV_OMRON_SERVICE, &f.service_uuids[0]),
			 0);
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		f.name = scales[i];
		assert_ptr_equal(hv_registry_select(&f), &omron_wlc_driver);
	}
	/* a cuff on the same service, and names that are no WLC scale */
	f.name = "BLEsmart_00000001AABBCC";
	assert_ptr_equal(hv_registry_select(&f), &omron_driver);
	f.name = "HEM-7322T";
	assert_ptr_equal(hv_registry_select(&f), &omron_driver);
	/* the cuffs' driver leaves a WLC scale's answers alone */
	{
		static struct hv_frame rx;
		struct hv_measurement m;
		uint8_t rec[48];

		unhex(record702t, rec, sizeof(rec));
		rx.has_characteristic = true;
		assert_int_equal(
			hv_uuid_parse(HV_OMRON_RX0, &rx.characteristic), 0);
		rx.value_len =
			hv_omron_frame(HV_OMRON_READ | HV_OMRON_ANSWER, 0x02c0,
				       8, rec, 8, rx.value, sizeof(rx.value));
		rx.name = "HBF-702T";
		assert_int_equal(omron_driver.decode(&rx, &m), -ENODEV);
		assert_int_equal(hv_registry_decode(&rx, NULL, &m), 0);
		assert_string_equal(m.driver, "omron_wlc");
	}
	assert_null(hv_omron_wlc_profile_by_name("BLEsmart_0001"));
	assert_null(hv_omron_wlc_profile_by_name("BLEsmart_0001ZZ0C"));
	assert_null(hv_omron_wlc_profile_by_name("HBF-214"));
	assert_null(hv_omron_wlc_profile_by_name(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_hbf702t),
		cmocka_unit_test(test_record_32_bytes),
		cmocka_unit_test(test_record_not_a_measurement),
		cmocka_unit_test(test_record_unmeasured_values),
		cmocka_unit_test(test_slot_addresses),
		cmocka_unit_test(test_frames_as_published),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
