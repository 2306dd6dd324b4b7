// SPDX-License-Identifier: MIT
/*
 * Xiaomi S400/S200/S800 (encrypted MiBeacon adverts): every published frame
 * with its bind key (tests/vectors/xiaomi_mibeacon.json, from xiaomi-ble's
 * test suite) through the whole registry against the values stated there;
 * authentication failures; the encoder's frames back through the decoder.
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
#include "drivers/registry.h"
#include "drivers/xiaomi_s400.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

struct vector {
	struct hv_frame frame;
	uint8_t key[HV_BIND_KEY_LEN];
	char address[18];
	const cJSON *expected;
};

static void unhex(const char *s, uint8_t *buf, size_t size, size_t *ret_len)
{
	size_t n = 0;

	assert_int_equal(strlen(s) % 2, 0);
	for (; *s; s += 2) {
		assert_true(n < size);
		assert_true(hv_hex_digit(s[0]) >= 0 && hv_hex_digit(s[1]) >= 0);
		buf[n++] = (uint8_t)(hv_hex_digit(s[0]) << 4 | hv_hex_digit(s[1]));
	}
	*ret_len = n;
}

static void vector_of(const cJSON *e, struct vector *v)
{
	size_t n;

	memset(v, 0, sizeof(*v));
	v->frame.n_service_data = 1;
	v->frame.service_data[0].uuid = hv_test_uuid_of(hv_test_str(e, "uuid"));
	unhex(hv_test_str(e, "hex"), v->frame.service_data[0].data,
	      HV_FRAME_DATA_MAX, &v->frame.service_data[0].len);
	unhex(hv_test_str(e, "bind_key"), v->key, sizeof(v->key), &n);
	assert_int_equal(n, HV_BIND_KEY_LEN);
	(void)snprintf(v->address, sizeof(v->address), "%s",
		       hv_test_str(e, "address"));
	v->frame.address = v->address;
	v->frame.key = v->key;
	v->expected = hv_test_item(e, "expected");
	assert_non_null(v->expected);
}

static bool listed(const cJSON *list, const char *key)
{
	const cJSON *i;

	cJSON_ArrayForEach(i, list)
		if (cJSON_IsString(i) && strcmp(i->valuestring, key) == 0)
			return true;
	return false;
}

/* A stated value must be there; what the source states is absent must not. */
static void expect_metric(const struct hv_measurement *m, const cJSON *e,
			  const char *key, enum hv_metric metric)
{
	double want;

	if (hv_test_number(hv_test_item(e, "expected"), key, &want))
		assert_float_equal(hv_test_present(m, metric), want, 1e-9);
	if (listed(hv_test_item(e, "absent"), key))
		assert_null(hv_measurement_find(m, metric));
}

static void test_published_frames(void **state)
{
	cJSON *all = hv_test_vectors_load("xiaomi_mibeacon.json");
	const cJSON *e;
	size_t n = 0;

	(void)state;
	cJSON_ArrayForEach(e, all) {
		struct hv_measurement m;
		struct vector v;
		double profile, above;
		const cJSON *stab;

		vector_of(e, &v);
		assert_int_equal(hv_registry_decode(&v.frame, NULL, &m), 0);
		assert_string_equal(m.driver, "xiaomi_s400");
		expect_metric(&m, e, "body_weight", HV_METRIC_BODY_WEIGHT);
		expect_metric(&m, e, "heart_rate", HV_METRIC_HEART_RATE);
		expect_metric(&m, e, "impedance_low", HV_METRIC_IMPEDANCE);
		expect_metric(&m, e, "impedance_high",
			      HV_METRIC_IMPEDANCE_250KHZ);
		if (hv_test_number(v.expected, "body_weight_above", &above))
			assert_true(hv_test_present(&m, HV_METRIC_BODY_WEIGHT) >
				    above);
		if (hv_test_number(v.expected, "profile_id", &profile))
			assert_int_equal(m.user_index, (int)profile);
		/* xiaomi-ble's "stabilized": the weigh-in's last packet */
		stab = hv_test_item(v.expected, "stabilized");
		if (stab && cJSON_IsTrue(stab))
			assert_true(m.final && !m.more_packets);
		if (stab && cJSON_IsFalse(stab))
			assert_true(!m.final || m.more_packets);
		n++;
	}
	assert_int_equal(n, 14);
	cJSON_Delete(all);
}

/* The two packets of the published weigh-in share their weigh-in id, and
 * their counters grow. */
static void test_info_of_one_weighin(void **state)
{
	cJSON *all = hv_test_vectors_load("xiaomi_mibeacon.json");
	struct hv_mibeacon_info a, b;
	struct vector v1, v2;

	(void)state;
	vector_of(cJSON_GetArrayItem(all, 0), &v1);
	vector_of(cJSON_GetArrayItem(all, 1), &v2);
	assert_int_equal(hv_xiaomi_s400_info(&v1.frame, &a), 0);
	assert_int_equal(hv_xiaomi_s400_info(&v2.frame, &b), 0);
	assert_true(a.has_weighin && b.has_weighin);
	assert_int_equal(a.weighin, b.weighin);
	assert_true(b.counter == a.counter + 1);
	assert_int_equal(a.product_id, HV_S400_PID_MJTZC01YM);
	cJSON_Delete(all);
}

/*
 * The S800 frames ble-scale-sync's test builds that carry no weight
 * (KristianP26/ble-scale-sync@3cce009 tests/scales/xiaomi-s800.test.ts,
 * its key and MAC, counter 0x5B): the idle object 0x5201 and a 0x4E16
 * object whose weight is 0x0048, 0.72 kg, which that test rejects as out
 * of range. Neither is a reading; both authenticate.
 */
static void test_s800_frames_without_weight(void **state)
{
	static const char *const frames[] = {
		"5859e2515baba18f47ae048f3e03eb010000882f9fe3",
		"5859e2515baba18f47ae0498220b7b824c60101c580b9b0100004c392bd7",
	};
	cJSON *all = hv_test_vectors_load("xiaomi_mibeacon.json");
	struct hv_measurement m;
	struct vector v;

	(void)state;
	/* the key and address of the source's weigh-in frames */
	vector_of(cJSON_GetArrayItem(all, 11), &v);
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		unhex(frames[i], v.frame.service_data[0].data, HV_FRAME_DATA_MAX,
		      &v.frame.service_data[0].len);
		(void)hv_registry_decode(&v.frame, NULL, &m);
		assert_string_equal(m.driver, "xiaomi_s400");
		assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));
		assert_false(m.final);
	}
	cJSON_Delete(all);
}

static void test_wrong_or_missing_key(void **state)
{
	cJSON *all = hv_test_vectors_load("xiaomi_mibeacon.json");
	struct hv_mibeacon_info info;
	struct hv_measurement m;
	struct vector v;

	(void)state;
	vector_of(cJSON_GetArrayItem(all, 0), &v);
	v.frame.key = NULL;
	assert_int_equal(hv_registry_decode(&v.frame, NULL, &m), -EBADMSG);
	assert_string_equal(m.driver, "xiaomi_s400");
	assert_string_equal(m.error, "no bind key for 8C:D0:B2:F6:BE:EF");

	v.frame.key = v.key;
	v.key[15] ^= 1;
	assert_int_equal(hv_registry_decode(&v.frame, NULL, &m), -EBADMSG);
	assert_non_null(strstr(m.error, "authentication failed for 8C:D0:B2:F6:BE:EF"));
	assert_int_equal(hv_xiaomi_s400_info(&v.frame, &info), -EBADMSG);
	v.key[15] ^= 1;

	/* Another device's address: another nonce, no reading. */
	v.frame.address = "8C:D0:B2:F6:BE:EE";
	assert_int_equal(hv_registry_decode(&v.frame, NULL, &m), -EBADMSG);
	v.frame.address = v.address;

	/* Any flipped bit of ciphertext, counter or tag. */
	for (size_t i = 4; i < v.frame.service_data[0].len; i++) {
		v.frame.service_data[0].data[i] ^= 0x40;
		assert_int_equal(hv_registry_decode(&v.frame, NULL, &m),
				 -EBADMSG);
		v.frame.service_data[0].data[i] ^= 0x40;
	}
	assert_int_equal(hv_registry_decode(&v.frame, NULL, &m), 0);
	cJSON_Delete(all);
}

/* The plaintext of the published first packet sent in the clear: a forgery
 * for a device with a key; read as xiaomi-ble would for one without. */
static void test_unencrypted_object(void **state)
{
	/* frame control 0x5940: v5, registered, object, not encrypted */
	static const uint8_t plain[] = { 0x40, 0x59, 0xd5, 0x3b, 0x0a,
					 0x16, 0x6e, 0x09, 0x01, 0xbb, 0x52,
					 0xe1, 0x54, 0xed, 0x26, 0xf7, 0x67 };
	struct hv_frame f = { .n_service_data = 1,
			      .address = "8C:D0:B2:F6:BE:EF" };
	uint8_t key[16] = { 0 };
	struct hv_measurement m;

	(void)state;
	f.service_data[0].uuid = hv_uuid16(HV_MIBEACON_UUID);
	f.service_data[0].len = sizeof(plain);
	memcpy(f.service_data[0].data, plain, sizeof(plain));
	assert_int_equal(hv_registry_decode(&f, NULL, &m), 0);
	assert_float_equal(hv_test_present(&m, HV_METRIC_BODY_WEIGHT), 69.9, 1e-9);
	f.key = key;
	assert_int_equal(hv_registry_decode(&f, NULL, &m), -EBADMSG);
	assert_non_null(strstr(m.error, "unencrypted measurement from 8C:D0:B2:F6:BE:EF"));
}

/* Other Xiaomi products on 0xFE95 stay someone else's (or no one's). */
static void test_other_products_not_claimed(void **state)
{
	struct hv_frame f = { .n_service_data = 1, .address = "A4:C1:38:00:00:01" };
	static const uint8_t lywsd03[] = { 0x58, 0x58, 0x5b, 0x05, 0x01, 0x00,
					   0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					   0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	struct hv_measurement m;

	(void)state;
	f.service_data[0].uuid = hv_uuid16(HV_MIBEACON_UUID);
	f.service_data[0].len = sizeof(lywsd03);
	memcpy(f.service_data[0].data, lywsd03, sizeof(lywsd03));
	assert_int_equal(hv_driver_by_id("xiaomi_s400")->decode(&f, &m), -ENODEV);
}

static const uint8_t test_key[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba,
				      0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67,
				      0x89, 0xab, 0xcd, 0xef };

static void seal_decode(const struct hv_measurement *in, uint16_t pid,
			bool mac, struct hv_measurement *ret)
{
	struct hv_mibeacon_seal seal = {
		.key = test_key, .address = "AA:BB:CC:00:11:22",
		.product_id = pid, .counter = 0x123456, .weighin = 0x6a000000,
		.mac_included = mac,
	};
	struct hv_mibeacon_info info;
	struct hv_frame f;

	assert_int_equal(hv_xiaomi_s400_encode(in, &seal, &f), 0);
	f.address = seal.address;
	f.key = test_key;
	assert_int_equal(hv_registry_decode(&f, NULL, ret), 0);
	assert_string_equal(ret->driver, "xiaomi_s400");
	if (in->n_readings) {
		assert_int_equal(hv_xiaomi_s400_info(&f, &info), 0);
		assert_int_equal(info.counter, 0x123456);
		assert_int_equal(info.product_id, pid);
		if (pid != HV_S800_PID)
			assert_int_equal(info.weighin, 0x6a000000);
	}
}

static void test_encoder_round_trip(void **state)
{
	struct hv_measurement in, out;

	(void)state;
	for (int mac = 0; mac < 2; mac++) {
		hv_measurement_init(&in, NULL);
		in.user_index = 3;
		(void)hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 81.3);
		(void)hv_measurement_add(&in, HV_METRIC_HEART_RATE, 71);
		(void)hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 512.4);
		seal_decode(&in, HV_S400_PID_MJTZC01YM, mac, &out);
		assert_true(out.final && out.more_packets);
		assert_int_equal(out.user_index, 3);
		assert_float_equal(hv_test_present(&out, HV_METRIC_BODY_WEIGHT), 81.3, 1e-9);
		assert_float_equal(hv_test_present(&out, HV_METRIC_HEART_RATE), 71, 1e-9);
		assert_float_equal(hv_test_present(&out, HV_METRIC_IMPEDANCE), 512.4, 1e-9);

		hv_measurement_init(&in, NULL);
		in.user_index = 3;
		(void)hv_measurement_add(&in, HV_METRIC_IMPEDANCE_250KHZ, 470.1);
		seal_decode(&in, HV_S400_PID_MJTZC01YM, mac, &out);
		assert_true(out.final && !out.more_packets);
		assert_float_equal(hv_test_present(&out, HV_METRIC_IMPEDANCE_250KHZ), 470.1, 1e-9);
		assert_null(hv_measurement_find(&out, HV_METRIC_BODY_WEIGHT));

		hv_measurement_init(&in, NULL);
		in.has_load_removed = in.load_removed = true;
		seal_decode(&in, HV_S400_PID_MJTZC01YM, mac, &out);
		assert_false(out.final);
		assert_true(out.load_removed);
		assert_int_equal(out.n_readings, 0);

		hv_measurement_init(&in, NULL);
		(void)hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 63.15);
		seal_decode(&in, HV_S800_PID, mac, &out);
		assert_true(out.final);
		assert_float_equal(hv_test_present(&out, HV_METRIC_BODY_WEIGHT), 63.15, 1e-9);

		seal_decode(&in, HV_S200_PID_MJTZC02YM, mac, &out);
		assert_float_equal(hv_test_present(&out, HV_METRIC_BODY_WEIGHT), 63.15, 1e-9);
		assert_int_equal(out.user_index, 1);
	}
}

static void test_encoder_refuses(void **state)
{
	struct hv_mibeacon_seal seal = { .key = test_key,
					 .address = "AA:BB:CC:00:11:22",
					 .product_id = HV_S400_PID_MJTZC01YM };
	struct hv_measurement in;
	struct hv_frame f;

	(void)state;
	hv_measurement_init(&in, NULL);
	(void)hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 250); /* > 204.7 */
	assert_int_equal(hv_xiaomi_s400_encode(&in, &seal, &f), -EINVAL);
	hv_measurement_init(&in, NULL);
	(void)hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 70);
	(void)hv_measurement_add(&in, HV_METRIC_IMPEDANCE_250KHZ, 400);
	assert_int_equal(hv_xiaomi_s400_encode(&in, &seal, &f), -EINVAL);
	seal.key = NULL;
	assert_int_equal(hv_xiaomi_s400_encode(&in, &seal, &f), -EINVAL);
	seal.key = test_key;
	seal.product_id = 0x055b;
	hv_measurement_init(&in, NULL);
	(void)hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 70);
	assert_int_equal(hv_xiaomi_s400_encode(&in, &seal, &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_frames),
		cmocka_unit_test(test_info_of_one_weighin),
		cmocka_unit_test(test_wrong_or_missing_key),
		cmocka_unit_test(test_s800_frames_without_weight),
		cmocka_unit_test(test_other_products_not_claimed),
		cmocka_unit_test(test_unencrypted_object),
		cmocka_unit_test(test_encoder_round_trip),
		cmocka_unit_test(test_encoder_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
