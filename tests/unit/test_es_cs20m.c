// SPDX-License-Identifier: MIT
/*
 * Renpho ES-CS20M scale tests (driver es_cs20m), drawn from openScale's
 * scale handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/).
 * Frames are written from the layouts in the driver's header comment unless
 * a test cites a published one; each is decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

/* --- Renpho ES-CS20M ------------------------------------------------------------- */

#define ES_BIA "55aa18000b" "0000000000" "1c4d" "01f4" "01c2" "43"
#define ES_WEIGHT "55aa140007" "000000" "1c4d" "0000" "83"
#define ES_STOP "55aa110001" "00" "11"

static void test_es_cs20m(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* final BIA result: 72.45 kg, R1 500, R2 450 Ohm; trisa with a profile */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_BIA, HV_CS_NONE);
	sf_decode_final(&f, &m, "es_cs20m");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "trisa");
	/* live weight */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_WEIGHT, HV_CS_NONE);
	sf_decode_live(&f, &m, "es_cs20m");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	/* stop: the kept weight when no BIA result came */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_STOP, HV_CS_NONE);
	sf_decode_control(&f, &m, "es_cs20m");
	f.quirks = 7245u << 8;
	sf_decode_final(&f, &m, "es_cs20m");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.45);
	f.quirks |= 1;
	sf_decode_control(&f, &m, "es_cs20m");
	/* start, a fragment: protocol frames; short BIA, foreign: invalid */
	hv_test_gatt(&f, "ES-CS20M", "2a10", "55aa11000101" "12", HV_CS_NONE);
	sf_decode_control(&f, &m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "ad0000" "55aa1900", HV_CS_NONE);
	sf_decode_control(&f, &m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "55aa18000b00000000001c4d01", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "a5a5a5a5a5a5", HV_CS_NONE);
	sf_decode_invalid(&f, &m, "es_cs20m");
}

/* Selection as openScale's handler and ble-scale-sync's es-cs20m.test.ts
 * (14ef35b2) have it; the ESCS20MB2 advert is the latter's capture (#376). */
static void test_es_cs20m_selection(void **state)
{
	static const char *const ours[] = { "es-cs20m", "My ES-CS20M Scale", "ES-32MD",
					    "My ES-32MD Scale", "113360_ABCDEF", NULL };
	static const char *const not_ours[] = { "cs20", "Random Scale", "113360", NULL };
	const struct hv_driver *d = hv_driver_by_id("es_cs20m");
	struct hv_frame f;

	(void)state;
	for (const char *const *n = ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_ptr_equal(hv_registry_select(&f), d);
	}
	for (const char *const *n = not_ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_false(d->claims_device(&f));
	}
	f = (struct hv_frame){ .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0x1A10);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.service_uuids[0] = hv_uuid16(0xFFE0);
	assert_false(d->claims_device(&f));

	/* the anonymous ESCS20MB2: its own address in the payload */
	hv_test_mfr(&f, "", "101a" "00040031cfea02072c870109");
	f.address = "CF:EA:02:07:2C:87";
	assert_ptr_equal(hv_registry_select(&f), d);
	hv_test_mfr(&f, "", "101a" "00040031" "872c0702eacf" "0109");
	f.address = "CF:EA:02:07:2C:87";
	assert_true(d->claims_device(&f));
	hv_test_mfr(&f, "", "101a" "00040031cfea02072c870109");
	f.address = "AA:BB:CC:DD:EE:FF";
	assert_false(d->claims_device(&f));
	f.address = NULL;
	assert_false(d->claims_device(&f));
	hv_test_mfr(&f, "", "ac02" "00040031cfea02072c870109");
	f.address = "CF:EA:02:07:2C:87";
	assert_false(d->claims_device(&f));
	hv_test_mfr(&f, "", "101a" "00040031cfea02072c87010900");
	f.address = "CF:EA:02:07:2C:87";
	assert_false(d->claims_device(&f));
}

static void test_es_cs20m_conversation(void **state)
{
	struct hv_session s = sf_session("ES-CS20M");
	const struct hv_step *ack, *measuring;
	size_t i_measure, i_interim, i_records, i_end;
	struct hv_frame f;
	uint8_t accepted[] = { 0x55, 0xAA, 0x16, 0x00, 0x01, 0x01, 0x17 };
	uint8_t refused[] = { 0x55, 0xAA, 0x16, 0x00, 0x01, 0x00, 0x16 };
	uint8_t interim[] = { 0xAD, 0x00, 0x00, 0x55, 0xAA, 0x19, 0x00, 0x15, 0, 0, 0, 0, 0 };

	(void)state;
	/* 2024-03-15 08:30:00 UTC = 0x65F40708 */
	hv_test_assert_payload("es_cs20m", "profile and time", &s,
			       "55aa97000901000065f4070801060f");
	/* male, born 1980-03-15 (44 y), 1800 mm, no weight yet, standard */
	hv_test_assert_payload("es_cs20m", "record before", &s,
			       "55aa96000e1107bc030f070800000000aa010548");
	hv_test_assert_payload("es_cs20m", "start with BIA", &s, "55aa9000040100010095");
	hv_test_assert_payload("es_cs20m", "interim result acknowledged", &s,
			       "55aa990001019a");
	assert_true(hv_test_find_step("es_cs20m", "start with BIA", NULL)->flags &
		    HV_STEP_WITH_RESPONSE);

	ack = hv_test_find_step("es_cs20m", "record acknowledged", NULL);
	measuring = hv_test_find_step("es_cs20m", "weighing until", &i_measure);
	(void)hv_test_find_step("es_cs20m", "interim result acknowledged", &i_interim);
	(void)hv_test_find_step("es_cs20m", "record after the result (", &i_records);
	(void)hv_test_find_step("es_cs20m", "done", &i_end);
	assert_int_equal(ack->on_value(&s, accepted, sizeof(accepted)), HV_VALUE_DONE);
	assert_int_equal(ack->on_value(&s, refused, sizeof(refused)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_measure);

	/* a stop before any weight: not the end */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_STOP, HV_CS_NONE);
	assert_int_equal(measuring->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* the live weight is kept, and goes into the next record */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_WEIGHT, HV_CS_NONE);
	assert_int_equal(measuring->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7245);
	hv_test_assert_payload("es_cs20m", "record with the interim", &s,
			       "55aa96000e1107bc030f070800001c4daa0105b1");
	/* the interim result, fragmented: answer it */
	assert_int_equal(measuring->on_value(&s, interim, sizeof(interim)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_interim);
	/* the stop without a BIA result: done, the stop is the measurement */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_STOP, HV_CS_NONE);
	assert_int_equal(measuring->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	/* after a BIA result: noted, the stop leads to the two records */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_BIA, HV_CS_NONE);
	assert_int_equal(measuring->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_true(s.quirks & 1);
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_STOP, HV_CS_NONE);
	assert_int_equal(measuring->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_records);
}


/* The encoder's frames decode back to what was encoded. */
static void test_es_cs20m_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("es_cs20m", "ES-CS20M", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 72.45 },
		     { HV_METRIC_IMPEDANCE, 500 });
	SF_ROUNDTRIP("es_cs20m", "ES-32MD", false, 0, { HV_METRIC_BODY_WEIGHT, 72.45 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es_cs20m),
		cmocka_unit_test(test_es_cs20m_selection),
		cmocka_unit_test(test_es_cs20m_conversation),
		cmocka_unit_test(test_es_cs20m_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
