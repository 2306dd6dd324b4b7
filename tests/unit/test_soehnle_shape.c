// SPDX-License-Identifier: MIT
/*
 * Soehnle Shape/Style scale tests (driver soehnle_shape): frames written
 * from the layouts in the driver's header comment (the checksums computed by
 * the helpers), decoded through the whole registry; the conversation's
 * payloads and its handling of the responses.
 */
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "tests/unit/scale_frames.h"

#define SOEHNLE_A "352e3001-28e9-40b8-a361-6db4cca4147c"
#define SOEHNLE_B "352e3004-28e9-40b8-a361-6db4cca4147c"

/* --- Soehnle --------------------------------------------------------------- */

static void test_soehnle(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 09, user 2, 2024-03-15 08:30:00, 72.4 kg (724 × 0.1), 5 kHz 550,
	 * 50 kHz 500 Ohm */
	hv_test_gatt(&f, "Shape200", SOEHNLE_A, "09" "02" "07e8030f081e00" "02d4" "0226" "01f4",
		     HV_CS_NONE);
	f.now = 1710491400 + 60;
	sf_decode_final(&f, &m, "soehnle_shape");
	assert_int_equal(m.user_index, 2);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.month, 3);
	assert_int_equal(m.device_time.hour, 8);
	assert_int_equal(m.device_time.minute, 30);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* with a profile: standard impedance on the 50 kHz value */
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	/* Sun 2003 male: −10.68 + 0.65 × 180²/500 + 0.26 × 72.4 + 0.02 × 500 */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS),
		       -10.68 + 0.65 * 180 * 180 / 500.0 + 0.26 * 72.4 + 10, 0.006);

	/* the 128-bit UUID is the vendor's own: no name needed */
	hv_test_gatt(&f, NULL, SOEHNLE_A, "09" "01" "07e8030f081e00" "02d4" "0000" "0000",
		     HV_CS_NONE);
	sf_decode_as(&f, &m, "soehnle_shape");
	assert_int_equal(m.user_index, 1);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* short, bad user, bad month, zero weight */
	hv_test_gatt(&f, "Shape200", SOEHNLE_A, "0902" "07e8030f081e00" "02d4" "0226",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "soehnle_shape");
	hv_test_gatt(&f, "Shape200", SOEHNLE_A, "09" "08" "07e8030f081e00" "02d4" "0226" "01f4",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "soehnle_shape");
	hv_test_gatt(&f, "Shape200", SOEHNLE_A, "09" "02" "07e80d0f081e00" "02d4" "0226" "01f4",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "soehnle_shape");
	hv_test_gatt(&f, "Shape200", SOEHNLE_A, "09" "02" "07e8030f081e00" "0000" "0226" "01f4",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "soehnle_shape");

	/* other opcodes and the B characteristic: protocol frames */
	hv_test_gatt(&f, "Shape200", SOEHNLE_B, "0102", HV_CS_NONE);
	sf_decode_live(&f, &m, "soehnle_shape");
	assert_int_equal(m.n_readings, 0);
}

static void test_soehnle_conversation(void **state)
{
	struct hv_session s = sf_session("Shape200");
	const struct hv_step *sel, *reg;
	size_t i_reg;
	char hex[64];
	uint8_t ok[] = { 0x20, 0x02, 0x01 }, refused[] = { 0x20, 0x02, 0x05 };
	uint8_t created[] = { 0x20, 0x01, 0x01, 0x04 }, full[] = { 0x20, 0x01, 0x04 };

	(void)state;
	hv_test_assert_payload("soehnle_shape", "set the clock", &s, "e807030f091e000500");
	hv_test_assert_payload("soehnle_shape", "select", &s, "02030000");
	hv_test_assert_payload("soehnle_shape", "register", &s, "010000");
	hv_test_assert_payload("soehnle_shape", "write age", &s, "2c");
	hv_test_assert_payload("soehnle_shape", "write gender", &s, "00");
	hv_test_assert_payload("soehnle_shape", "write height", &s, "b400");
	hv_test_assert_payload("soehnle_shape", "request the user", &s, "0903");
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("soehnle_shape", "write age", &s, hex, sizeof(hex)),
			 -ENODATA);

	sel = hv_test_find_step("soehnle_shape", "select response", NULL);
	reg = hv_test_find_step("soehnle_shape", "new user index", NULL);
	(void)hv_test_find_step("soehnle_shape", "register", &i_reg);
	assert_int_equal(sel->on_value(&s, ok, sizeof(ok)), HV_VALUE_DONE);
	/* the scale forgot the slot: register anew */
	assert_int_equal(sel->on_value(&s, refused, sizeof(refused)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_reg);
	assert_int_equal(s.user_index, -1);
	assert_int_equal(reg->on_value(&s, created, sizeof(created)), HV_VALUE_DONE);
	assert_int_equal(s.user_index, 4);
	assert_true(s.user_registered);
	assert_int_equal(reg->on_value(&s, full, sizeof(full)), -ENOSPC);
}


/* The encoder's frames decode back to what was encoded. */
static void test_soehnle_shape_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_body("soehnle_shape", "Shape50", 72.4, 500, 0, true, true, 0);
	sf_roundtrip_body("soehnle_shape", "Style100", 123.4, 0, 0, true, true, 0);
	/* Soehnle needs the record's time */
	{
		struct hv_measurement in;
		struct hv_frame f;

		hv_measurement_init(&in, "soehnle_shape");
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 70), 0);
		assert_int_equal(hv_driver_by_id("soehnle_shape")->encode(&in, NULL, &f),
				 -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soehnle),
		cmocka_unit_test(test_soehnle_conversation),
		cmocka_unit_test(test_soehnle_shape_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
