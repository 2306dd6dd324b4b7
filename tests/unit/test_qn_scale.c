// SPDX-License-Identifier: MIT
/*
 * QN scale tests (driver qn_scale):
 * frames written from the documented layouts (the driver's header comment,
 * docs/scales.md), decoded through the whole registry.
 */
#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* The proprietary families tested alongside (Beurer, QN, Yunmai, Medisana,
 * OKOK, 1byone/Eufy): a frame that is not this family's is none of theirs. */
static const char *const proprietary_families[] = {
	"beurer_sanitas", "qn_scale", "yunmai", "yunmai_x", "medisana_bs4xx",
	"okok_chipsea", "eufy_1byone", NULL,
};

/* --- QN ------------------------------------------------------------------- */

static void test_qn_weight(void **state)
{
	struct hv_profile p = { .height_m = 1.80, .age_years = 44,
				.sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 10 LL PP W=0x1C48 (72.40) stable R1=R2=500 sum */
	hv_test_gatt(&f, "QN-Scale", "ffe1", "100bff1c480101f401f400", HV_CS_SUM);
	sf_decode_as(&f, &m, "qn_scale");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* live, on the type-2 characteristic, with a profile */
	hv_test_gatt(&f, "Renpho-Scale", "fff1", "100bff1c480001f401f400", HV_CS_SUM);
	f.profile = &p;
	sf_decode_as(&f, &m, "qn_scale");
	assert_false(m.final);

	hv_test_gatt(&f, "Renpho-Scale", "fff1", "100bff1c480101f401f400", HV_CS_SUM);
	f.profile = &p;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	/* Trisa male, BMI 22.35, Z = 0.3 × (500 − 400) = 30:
	 * fat = 22.35 × (1.479 + 0.0132) + 4.4 − 21.764 = 15.99 */
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "trisa");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 16.0, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BMI), 22.3, 0.051);

	/* bad checksum */
	hv_test_gatt(&f, "QN-Scale", "ffe1", "100bff1c480101f401f400", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);

	/* not named: 0xFFE1 is shared */
	hv_test_gatt(&f, NULL, "ffe1", "100bff1c480101f401f400", HV_CS_SUM);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);

	/* 0.1 kg scales: raw 724 / 100 = 7.24 kg → heuristics do not apply;
	 * with the DIV10 quirk (scale info [10] != 1) it is 72.4 kg */
	hv_test_gatt(&f, "QN-Scale", "ffe1", "100bff02d40101f401f400", HV_CS_SUM);
	f.quirks = 1;
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
}

static void test_qn_record_and_broadcast(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	/* 2024-03-15 08:30:00 = 1710491400; QN epoch 2000 → 763806600
	 * = 0x2D86C388, LE 88 c3 86 2d */
	(void)state;
	hv_test_gatt(&f, "QN-Scale", "ffe1",
		     "2313ff000000" "88c3862d" "1c48" "00" "f401" "f401" "00", HV_CS_SUM);
	f.now = 1710491400 + 30;
	sf_decode_as(&f, &m, "qn_scale");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.month, 3);
	assert_int_equal(m.device_time.day, 15);
	assert_int_equal(m.device_time.hour, 8);
	assert_int_equal(m.device_time.minute, 30);
	/* a weighing made while the gateway was away (two days before): still
	 * final, with its own time (the pipeline's id dedupes repeats) */
	f.now = 1710491400 + 2 * 86400;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_int_equal(m.status, HV_STATUS_OK);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.day, 15);
	/* 101.35 kg = 0x2797, R1 = 0x0226 = 550 LE, 2024-03-14 07:05:09
	 * UTC = 1710399909 − 946684800 = 763715109 = 0x2D855E25, LE */
	hv_test_gatt(&f, "Renpho-Scale", "fff1",
		     "2313ff010100" "255e852d" "2797" "00" "2602" "2002" "00", HV_CS_SUM);
	f.now = 1710491400;
	sf_decode_as(&f, &m, "qn_scale");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 101.35);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 550);
	assert_int_equal(m.device_time.day, 14);
	assert_int_equal(m.device_time.hour, 7);
	assert_int_equal(m.device_time.minute, 5);
	assert_int_equal(m.device_time.second, 9);
	/* the empty slot: weight 0, no measurement */
	hv_test_gatt(&f, "QN-Scale", "ffe1",
		     "2313ff000000" "00000000" "0000" "00" "0000" "0000" "00", HV_CS_SUM);
	sf_decode_as(&f, &m, "qn_scale");
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
	/* 3.00 kg: out of range; a short record; a bad sum */
	hv_test_gatt(&f, "QN-Scale", "ffe1",
		     "2313ff000000" "88c3862d" "012c" "00" "f401" "f401" "00", HV_CS_SUM);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "QN-Scale", "ffe1", "2311ff000000" "88c3862d" "1c48" "00" "f401" "00",
		     HV_CS_SUM);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "QN-Scale", "ffe1",
		     "2313ff000000" "88c3862d" "1c48" "00" "f401" "f401" "00" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);

	/* broadcast: company FFFF, AA BB, MAC, …, [15] 0x20 stable, [17..18]
	 * 0x1C48 LE */
	hv_test_mfr(&f, NULL, "ffff" "aabb" "112233445566" "00000000000000" "20" "00"
		      "481c");
	sf_decode_as(&f, &m, "qn_scale");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	hv_test_mfr(&f, NULL, "ffff" "aabb" "112233445566" "00000000000000" "00" "00"
		      "481c");
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* other 0xFFFF payloads are not QN's */
	hv_test_mfr(&f, NULL, "ffff" "0102030405060708090a0b0c0d0e0f101112131415");
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(proprietary_families, m.driver));
}

static size_t qn_frame(const char *hex, uint8_t *v, size_t size)
{
	size_t n;

	assert_int_equal(hv_unhex(hex, v, size - 1, &n), 0);
	assert_true(n >= 2);
	hv_test_checksum(v, n + 1, HV_CS_SUM);
	return n + 1;
}

static const struct hv_step *qn_step(size_t i)
{
	const struct hv_conversation *c = hv_driver_by_id("qn_scale")->conversation;

	assert_true(i < c->n_steps);
	return &c->steps[i];
}

/* Where the QN conversation goes for the step at `wait` (index) given value
 * `hex`: the next index, or -1 while it keeps waiting. */
static int qn_next(struct hv_session *s, size_t wait, const char *hex)
{
	uint8_t v[32];
	size_t n = qn_frame(hex, v, sizeof(v));
	int r;

	assert_int_equal(qn_step(wait)->op, HV_STEP_WAIT);
	r = qn_step(wait)->on_value(s, v, n);
	if (r == HV_VALUE_DONE)
		return (int)wait + 1;
	if (r == HV_VALUE_GOTO)
		return s->next_step;
	assert_int_equal(r, HV_VALUE_MORE);
	return -1;
}

/* The writes from index i up to the next wait: the handshake and query. */
static size_t qn_assert_handshake(const struct hv_session *s, size_t i,
				  const char *chr)
{
	static const char *const whats[] = { "record handshake 1",
					     "record handshake 2",
					     "query the stored record" };

	for (size_t k = 0; k < ELEMENTSOF(whats); k++, i++) {
		assert_int_equal(qn_step(i)->op, HV_STEP_WRITE);
		assert_string_equal(qn_step(i)->characteristic, chr);
		assert_true(strncmp(qn_step(i)->what, whats[k], strlen(whats[k])) == 0);
		assert_non_null(qn_step(i)->payload);
		(void)s;
	}
	return i;
}

static void test_qn_record_flow(void **state)
{
	static const char *const stable = "100bff1c480101f401f4";
	static const char *const live = "100bff1c480001f401f4";
	static const char *const record = "2313ff010100" "88c3862d" "1c48" "00" "f401" "f401" "00";
	static const char *const request = "2106ff0154";
	const struct hv_conversation *c = hv_driver_by_id("qn_scale")->conversation;
	struct hv_session s = { .user_index = -1 };
	size_t wait_stable, i, records, early;
	int next;

	(void)state;
	hv_test_check_conversation(c);

	for (int type = 1; type <= 2; type++) {
		const char *notify = type == 1 ? "ffe1" : "fff1";
		const char *write = type == 1 ? "ffe3" : "fff2";

		/* find the type's stable-weight wait */
		wait_stable = 0;
		for (i = 0; i < c->n_steps; i++)
			if (c->steps[i].op == HV_STEP_WAIT &&
			    strcmp(c->steps[i].characteristic, notify) == 0 &&
			    strcmp(c->steps[i].what, "wait for a stable weight") == 0)
				wait_stable = i;
		assert_true(wait_stable > 0);

		/* the weight first: then the handshake, the query, the record
		 * wait, the end */
		memset(s.scratch, 0, sizeof(s.scratch));
		assert_int_equal(qn_next(&s, wait_stable, live), -1);
		assert_int_equal(qn_next(&s, wait_stable, stable), (int)wait_stable + 1);
		records = qn_assert_handshake(&s, wait_stable + 1, write);
		assert_string_equal(qn_step(records)->characteristic, notify);
		assert_true(qn_step(records)->flags & HV_STEP_OPTIONAL);
		assert_int_equal(qn_next(&s, records, stable), -1);
		assert_int_equal(qn_next(&s, records, "a106020101"), -1);
		assert_int_equal(qn_next(&s, records, record), (int)records + 1);
		assert_int_equal(qn_step(records + 1)->op, HV_STEP_END);
		/* the empty slot ends the wait as well */
		assert_int_equal(qn_next(&s, records,
					 "2313ff000000" "00000000" "0000" "00" "0000" "0000" "00"),
				 (int)records + 1);

		/* 0x21 before the weight: the handshake now, then both */
		memset(s.scratch, 0, sizeof(s.scratch));
		next = qn_next(&s, wait_stable, request);
		assert_true(next > (int)records + 1);
		early = (size_t)next;
		i = qn_assert_handshake(&s, early, write);
		assert_string_equal(qn_step(i)->characteristic, notify);
		assert_false(qn_step(i)->flags & HV_STEP_OPTIONAL);
		/* record then weight: done */
		assert_int_equal(qn_next(&s, i, live), -1);
		assert_int_equal(qn_next(&s, i, record), -1);
		assert_int_equal(qn_next(&s, i, stable), (int)i + 1);
		assert_int_equal(qn_step(i + 1)->op, HV_STEP_END);
		/* weight before the record: on to the record wait */
		memset(s.scratch, 0, sizeof(s.scratch));
		assert_int_equal(qn_next(&s, i, stable), (int)records);
		assert_int_equal(qn_next(&s, records, record), (int)records + 1);
	}
}


/* The encoder's frames decode back to what was encoded. */
static void test_qn_scale_encoder_roundtrip(void **state)
{
	struct hv_measurement in;
	struct hv_frame f;

	(void)state;
	sf_roundtrip_display("qn_scale", "QN-Scale", 72.4, 500, true, HV_UNIT_KG, true);
	sf_roundtrip_display("qn_scale", "QN-Scale", 101.35, 0, false, HV_UNIT_KG, true);

	/* no weight: nothing to encode */
	hv_measurement_init(&in, "qn_scale");
	assert_int_equal(hv_driver_by_id("qn_scale")->encode(&in, NULL, &f), -EINVAL);
}

/* The conversation's payloads for a fixed clock and user. */
static void test_qn_scale_conversation_payloads(void **state)
{
	struct hv_session s = {
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.user_index = 0,
		.profile = { .height_m = 1.80, .age_years = 44, .sex = HV_SEX_MALE },
		.name = "SANITAS SBF70",
	};

	(void)state;
	/* QN: config with the echoed protocol type and its sum */
	s.scratch[0] = 0xFF;
	hv_test_assert_payload("qn_scale", "config", &s, "1309ff01100000002c");
	/* time since 2000-01-01 on the local clock, 2024-03-15 09:30:00:
	 * 1710495000 − 946684800 = 763810200 = 0x2D86D198 LE */
	hv_test_assert_payload("qn_scale", "time", &s, "2008ff98d1862d" "43");
	/* the stored-record query 22 06 PP 00 03, sum */
	hv_test_assert_payload("qn_scale", "query the stored record", &s,
			       "2206ff0003" "2a");
	/* the static handshake frames, sums 0x1AF and 0x19D */
	hv_test_assert_payload("qn_scale", "record handshake 1", &s,
			       "a00d04fe0000000000000000" "af");
	hv_test_assert_payload("qn_scale", "record handshake 2", &s,
			       "a00d0201000800" "2106b80402" "9d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qn_weight),
		cmocka_unit_test(test_qn_record_and_broadcast),
		cmocka_unit_test(test_qn_record_flow),
		cmocka_unit_test(test_qn_scale_encoder_roundtrip),
		cmocka_unit_test(test_qn_scale_conversation_payloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
