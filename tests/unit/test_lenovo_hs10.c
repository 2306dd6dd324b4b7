// SPDX-License-Identifier: MIT
/*
 * Lenovo HS10 tests (driver lenovo_hs10). The stored record and the names
 * are openScale's LenovoHS10HandlerTest.kt
 * (android_app/app/src/test/java/com/health/openscale/core/bluetooth/
 * scales/, oliexdev/openScale@1d1b9f08), with the values stated there;
 * the other records are written from the layout in the driver's header.
 */
#include "tests/unit/scale_frames.h"

#define HS_ID "lenovo_hs10"

/* 2023-07-31 15:30:59, 73.6 kg, 4730 Ohm (openScale's test record) */
#define RECORD "671f0f1e3bf2e07a1200"
/* 2024-03-02 07:05:00, 81.2 kg (0x32C), 512 Ohm */
#define RECORD_2 "7302070500f32c000200"
#define END "f200"

static const struct sf_case hs10_frames[] = {
	{ "HS10", "fff4", RECORD, HV_CS_NONE, SF_FINAL, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 73.6 }, { HV_METRIC_IMPEDANCE, 4730 }) },
	/* the end marker is a protocol frame; ten zero bytes are no record */
	{ "HS10", "fff4", END, HV_CS_NONE, SF_CONTROL },
	{ "HS10", "fff4", "00000000000000000000", HV_CS_NONE, SF_INVALID },
	/* month 13; a type nibble other than 0xF; a zero weight */
	{ "HS10", "fff4", "6d1f0f1e3bf2e07a1200", HV_CS_NONE, SF_INVALID },
	{ "HS10", "fff4", "671f0f1e3be2e07a1200", HV_CS_NONE, SF_INVALID },
	{ "HS10", "fff4", "671f0f1e3bf0007a1200", HV_CS_NONE, SF_INVALID },
	/* a cut record, alone or after a whole one: not joined */
	{ "HS10", "fff4", "671f0f1e3bf2e0", HV_CS_NONE, SF_INVALID },
	{ "HS10", "fff4", RECORD "671f0f1e3bf2e0", HV_CS_NONE, SF_INVALID },
	/* the record on the shared 0xFFF4 under another name is not ours */
	{ "Chipsea-BLE", "fff4", RECORD, HV_CS_NONE, SF_NOT_OURS },
};

static void test_hs10_record(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases(HS_ID, hs10_frames, ELEMENTSOF(hs10_frames));
	hv_test_gatt(&f, "HS10", "fff4", RECORD, HV_CS_NONE);
	f.now = SF_NOW;
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_device_time(&m, 2023, 7, 31, 15, 30);
	assert_int_equal(m.device_time.second, 59);
}

/* Several whole records and end markers in one value (openScale cuts them
 * from its byte stream): one record each. */
static void test_hs10_joined_records(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HS_ID);
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "HS10", "fff4", RECORD RECORD_2 END, HV_CS_NONE);
	assert_int_equal(d->records(&f), 3);
	f.record = 1;
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 81.2);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 512);
	f.record = 0;
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 73.6);
	f.record = 2;
	sf_decode_control(&f, &m, HS_ID);
	/* the end marker first, then a new weighing */
	hv_test_gatt(&f, "HS10", "fff4", END RECORD_2, HV_CS_NONE);
	assert_int_equal(d->records(&f), 2);
	f.record = 1;
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 81.2);
	/* one unit, or a cut one: one value */
	hv_test_gatt(&f, "HS10", "fff4", RECORD, HV_CS_NONE);
	assert_int_equal(d->records(&f), 1);
	hv_test_gatt(&f, "HS10", "fff4", RECORD "671f", HV_CS_NONE);
	assert_int_equal(d->records(&f), 1);
}

/* --- the join (hv_conversation.assemble) ----------------------------------- */

/* One notification through the conversation's join, as the runner hands it
 * on: returns assemble()'s result, the value handed on in *f. */
static int hs10_assemble(struct hv_session *s, const uint8_t *v, size_t len,
			 struct hv_frame *f)
{
	const struct hv_conversation *c = hv_driver_by_id(HS_ID)->conversation;

	hv_test_gatt(f, "HS10", "fff4", "", HV_CS_NONE);
	return c->assemble(s, &f->characteristic, v, len, f->value,
			   sizeof(f->value), &f->value_len);
}

/* openScale's test record cut at every byte: the first piece is kept,
 * the second hands on the whole record, which decodes as unsplit. */
static void test_hs10_split_record(void **state)
{
	struct hv_frame whole, f;
	struct hv_measurement want, m;

	(void)state;
	assert_non_null(hv_driver_by_id(HS_ID)->conversation->assemble);
	hv_test_gatt(&whole, "HS10", "fff4", RECORD, HV_CS_NONE);
	whole.now = SF_NOW;
	sf_decode_final(&whole, &want, HS_ID);
	for (size_t cut = 1; cut < whole.value_len; cut++) {
		struct hv_session s = { .user_index = -1 };

		assert_int_equal(hs10_assemble(&s, whole.value, cut, &f), 0);
		assert_int_equal(hs10_assemble(&s, whole.value + cut,
					       whole.value_len - cut, &f), 1);
		assert_int_equal(f.value_len, whole.value_len);
		assert_memory_equal(f.value, whole.value, whole.value_len);
		f.now = SF_NOW;
		sf_decode_final(&f, &m, HS_ID);
		sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 73.6);
		sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 4730);
		assert_int_equal(m.device_time.year, want.device_time.year);
		assert_int_equal(m.device_time.second, want.device_time.second);
		/* nothing kept: the next record comes whole */
		assert_int_equal(hs10_assemble(&s, whole.value, whole.value_len, &f), 1);
		assert_int_equal(f.value_len, whole.value_len);
	}
}

/* Two records and the end marker as one stream, cut in two anywhere: the
 * first piece's whole units go on, the cut one with the rest. */
static void test_hs10_split_stream(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HS_ID);
	struct hv_frame stream, f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&stream, "HS10", "fff4", RECORD RECORD_2 END, HV_CS_NONE);
	for (size_t cut = 1; cut < stream.value_len; cut++) {
		struct hv_session s = { .user_index = -1 };
		uint8_t joined[32];
		size_t n = 0;
		int r = hs10_assemble(&s, stream.value, cut, &f);

		assert_true(r == 0 || r == 1);
		if (r == 1) {
			memcpy(joined, f.value, f.value_len);
			n = f.value_len;
		}
		assert_int_equal(hs10_assemble(&s, stream.value + cut,
					       stream.value_len - cut, &f), 1);
		memcpy(joined + n, f.value, f.value_len);
		n += f.value_len;
		assert_int_equal(n, stream.value_len);
		assert_memory_equal(joined, stream.value, n);
		/* the second value's records decode */
		assert_int_equal(d->records(&f), cut < 10 ? 3 : cut < 20 ? 2 : 1);
		f.record = 0;
		if (cut < 10) {
			sf_decode_final(&f, &m, HS_ID);
			sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 73.6);
		}
		/* what assemble() handed on: two records, one end marker */
		assert_int_equal(s.scratch[1], 2);
		assert_int_equal(s.scratch[2], 1);
	}
}

/* A continuation that is not the rest of the kept record is refused, and
 * the next record is read as if nothing had happened. */
static void test_hs10_broken_continuation(void **state)
{
	struct hv_session s = { .user_index = -1 };
	struct hv_frame whole, f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&whole, "HS10", "fff4", RECORD, HV_CS_NONE);
	/* the head, then a whole record where the rest should be (its
	 * first byte would be the seconds: 0x67 = 103) */
	assert_int_equal(hs10_assemble(&s, whole.value, 4, &f), 0);
	assert_int_equal(hs10_assemble(&s, whole.value, whole.value_len, &f), -EBADMSG);
	assert_int_equal(hs10_assemble(&s, whole.value, whole.value_len, &f), 1);
	f.now = SF_NOW;
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 73.6);
	/* the head, then an end marker where the minute should be (0xF2) */
	assert_int_equal(hs10_assemble(&s, whole.value, 3, &f), 0);
	assert_int_equal(hs10_assemble(&s, (const uint8_t *)"\xf2\x00", 2, &f), -EBADMSG);
	/* a type nibble other than 0xF in the joined record */
	assert_int_equal(hs10_assemble(&s, whole.value, 5, &f), 0);
	assert_int_equal(hs10_assemble(&s, (const uint8_t *)"\xe2\xe0\x7a\x12\x00", 5, &f),
			 -EBADMSG);
	/* then a record split again joins */
	assert_int_equal(hs10_assemble(&s, whole.value, 6, &f), 0);
	assert_int_equal(hs10_assemble(&s, whole.value + 6, 4, &f), 1);
	sf_decode_final(&f, &m, HS_ID);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 4730);
	/* a cut value that starts no record (month 0) is refused alone */
	assert_int_equal(hs10_assemble(&s, (const uint8_t *)"\x60\x1f", 2, &f), -EBADMSG);
	assert_int_equal(hs10_assemble(&s, whole.value, whole.value_len, &f), 1);
}

/* The history step counts records the join handed on: with a record cut
 * across two values and the end marker after its rest, F2 01 is sent. */
static void test_hs10_split_history(void **state)
{
	const struct hv_step *history = hv_test_find_step(HS_ID, "stored records", NULL);
	struct hv_session s = { .user_index = -1 };
	struct hv_frame whole, f, tail;

	(void)state;
	hv_test_gatt(&whole, "HS10", "fff4", RECORD, HV_CS_NONE);
	hv_test_gatt(&tail, "HS10", "fff4", "3bf2e07a1200" END, HV_CS_NONE);
	assert_int_equal(hs10_assemble(&s, whole.value, 4, &f), 0);
	assert_int_equal(history->on_value(&s, whole.value, 4), HV_VALUE_MORE);
	assert_int_equal(hs10_assemble(&s, tail.value, tail.value_len, &f), 1);
	assert_int_equal(f.value_len, 12);
	assert_int_equal(history->on_value(&s, tail.value, tail.value_len), HV_VALUE_DONE);
	/* no record at all: on to the new weighing, nothing cleared */
	s = (struct hv_session){ .user_index = -1 };
	assert_int_equal(hs10_assemble(&s, (const uint8_t *)"\xf2\x00", 2, &f), 1);
	assert_int_equal(history->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
}

/* openScale's selection test: by name, with no or a compatible service. */
static void test_hs10_selection(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HS_ID);
	struct hv_frame f = { 0 };

	(void)state;
	f.name = "HS10";
	assert_true(d->claims_device(&f));
	f.name = "Lenovo HS10";
	assert_true(d->claims_device(&f));
	/* the connection is this driver's, with or without 0xFFF0 listed */
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 1;
	f.service_uuids[0] = hv_uuid16(0xFFF0);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.n_service_uuids = 0;
	f.name = " lenovo hs10 ";
	assert_true(d->claims_device(&f));
	f.name = "HS100";
	assert_false(d->claims_device(&f));
	f.name = "XHS10";
	assert_false(d->claims_device(&f));
	f.name = NULL;
	assert_false(d->claims_device(&f));
	/* a service list without 0xFFF0 (openScale: a random UUID) */
	f.name = "HS10";
	f.n_service_uuids = 1;
	f.service_uuids[0] = hv_uuid16(0x181D);
	assert_false(d->claims_device(&f));
	f.service_uuids[0] = hv_uuid16(0xFFF0);
	assert_true(d->claims_device(&f));
}

/*
 * The session: F2 00, two records, the end marker, F2 01 (clear), then a
 * new weighing ends it. With no records the clear is skipped: one step
 * fewer.
 */
static void test_hs10_session(void **state)
{
	static const struct sf_value with_records[] = {
		{ "fff4", RECORD, HV_CS_NONE },
		{ "fff4", RECORD_2, HV_CS_NONE },
		{ "fff4", END, HV_CS_NONE },
		{ "fff4", RECORD_2, HV_CS_NONE },
	};
	static const struct sf_value without[] = {
		{ "fff4", END, HV_CS_NONE },
		{ "fff4", RECORD_2, HV_CS_NONE },
	};
	/* the stored records and the end marker in one value */
	static const struct sf_value joined[] = {
		{ "fff4", RECORD RECORD_2 END, HV_CS_NONE },
		{ "fff4", RECORD_2, HV_CS_NONE },
	};
	struct sf_session_run a, b, c;

	(void)state;
	sf_assert_step_bytes(HS_ID, "request the stored records", "f200");
	sf_assert_step_bytes(HS_ID, "clear the records read", "f201");
	sf_replay(&a, HS_ID, "HS10", with_records, 4);
	sf_assert_session_done(&a);
	sf_assert_final(&a.m[0], HS_ID, 73.6, false);
	sf_assert_final(&a.m[1], HS_ID, 81.2, false);
	sf_assert_reading(&a.m[1], HV_METRIC_IMPEDANCE, 512);
	sf_assert_device_time(&a.m[1], 2024, 3, 2, 7, 5);
	sf_assert_control(&a.m[2], HS_ID);
	sf_assert_final(&a.m[3], HS_ID, 81.2, false);
	sf_replay(&b, HS_ID, "HS10", without, 2);
	sf_assert_session_done(&b);
	assert_int_equal(a.c.transitions, b.c.transitions + 1);
	/* joined: the same steps, the clear included */
	sf_replay(&c, HS_ID, "HS10", joined, 2);
	sf_assert_session_done(&c);
	assert_int_equal(c.c.transitions, a.c.transitions);
}

/* The encoder's records decode back to what was encoded. */
static void test_hs10_encoder_roundtrip(void **state)
{

	(void)state;
	SF_ROUNDTRIP(HS_ID, "HS10", true, 0, { HV_METRIC_BODY_WEIGHT, 73.6 },
		     { HV_METRIC_IMPEDANCE, 4730 });
	SF_ROUNDTRIP(HS_ID, "Lenovo HS10", true, 0, { HV_METRIC_BODY_WEIGHT, 299.9 },
		     { HV_METRIC_IMPEDANCE, 0x123456 });
}

/* The encoder writes openScale's record from its values and date. */
static void test_hs10_encoder_record(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(HS_ID);
	struct hv_measurement in;
	struct hv_frame f, want;

	(void)state;
	sf_weight_measurement(&in, HS_ID, true, 73.6, 4730);
	in.has_raw_device_time = true;
	in.raw_device_time = (struct hv_datetime){ 2023, 7, 31, 15, 30, 59 };
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	hv_test_gatt(&want, NULL, "fff4", RECORD, HV_CS_NONE);
	assert_int_equal(f.value_len, want.value_len);
	assert_memory_equal(f.value, want.value, want.value_len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hs10_record),
		cmocka_unit_test(test_hs10_joined_records),
		cmocka_unit_test(test_hs10_split_record),
		cmocka_unit_test(test_hs10_split_stream),
		cmocka_unit_test(test_hs10_broken_continuation),
		cmocka_unit_test(test_hs10_split_history),
		cmocka_unit_test(test_hs10_selection),
		cmocka_unit_test(test_hs10_session),
		cmocka_unit_test(test_hs10_encoder_roundtrip),
		cmocka_unit_test(test_hs10_encoder_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
