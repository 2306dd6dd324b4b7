// SPDX-License-Identifier: MIT
/*
 * PICOOC Mini Lite broadcast tests (driver picooc_mini_lite). The three
 * adverts are captures from a physical Mini Lite published in openScale's
 * PicoocBroadcastHandlerTest.kt
 * (android_app/app/src/test/java/com/health/openscale/core/bluetooth/
 * scales/, oliexdev/openScale@fa8f7683) with the values stated there: the
 * manufacturer data is the AD structure of type 0xFF in each. Each frame is
 * decoded through the whole registry.
 */
#include "tests/unit/scale_frames.h"

#define PC_ID "picooc_mini_lite"

/* 81.5 kg / 492 Ohm, 81.6 kg / 498 Ohm, 82.7 kg / 496 Ohm */
#define PACKET_A "d049004b4f1e391f065e13388704009c"
#define PACKET_B "d049004b4f1e391f066013748706005c"
#define PACKET_C "d049004b4f1e391f0676136087200040"

static void test_picooc_captures(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_mfr(&f, "PICOOC-L", PACKET_A);
	sf_decode_final(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 81.5);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 492.0);
	hv_test_mfr(&f, "PICOOC-L", PACKET_B);
	sf_decode_final(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 81.6);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 498.0);
	hv_test_mfr(&f, "PICOOC-L", PACKET_C);
	sf_decode_final(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 82.7);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 496.0);
	/* the name in any case, as openScale matches it */
	hv_test_mfr(&f, "picooc-l", PACKET_C);
	sf_decode_final(&f, &m, PC_ID);
}

static void test_picooc_edits(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(PC_ID);
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* state 0x38 with the checksum redone (openScale's test): in progress */
	hv_test_mfr(&f, "PICOOC-L", "d049004b4f1e381f0676136087200041");
	sf_decode_live(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 82.7);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* another address, checksum redone: the address is not fixed */
	hv_test_mfr(&f, "PICOOC-L", "123456781122391f06761360872000ca");
	sf_decode_final(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 82.7);
	/* impedance 0xFFFF: the weight alone */
	hv_test_mfr(&f, "PICOOC-L", "d049004b4f1e391f0676ffff872000b5");
	sf_decode_final(&f, &m, PC_ID);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* checksum off by one; the weight changed under a stale checksum */
	hv_test_mfr(&f, "PICOOC-L", "d049004b4f1e391f0676136087200041");
	sf_decode_invalid(&f, &m, PC_ID);
	hv_test_mfr(&f, "PICOOC-L", "d049004b4f1e391f0677136087200040");
	sf_decode_invalid(&f, &m, PC_ID);
	/* another vendor's record first: the 16-byte one is read */
	hv_test_mfr(&f, "PICOOC-L", "4c000215");
	f.n_manufacturer_data = 2;
	f.manufacturer_data[1].len = 16;
	memcpy(f.manufacturer_data[1].data,
	       "\xd0\x49\x00\x4b\x4f\x1e\x39\x1f\x06\x76\x13\x60\x87\x20\x00\x40", 16);
	sf_decode_final(&f, &m, PC_ID);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 82.7);
		/* a byte short */
	hv_test_mfr(&f, "PICOOC-L", "d049004b4f1e391f06761360872000");
	sf_decode_invalid(&f, &m, PC_ID);
	/* other names: not ours, and not claimed */
	hv_test_mfr(&f, "PICOOC-L1", PACKET_C);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, PC_ID);
	assert_false(d->claims_device(&f));
	hv_test_mfr(&f, "Scale Up", PACKET_C);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, PC_ID);
	hv_test_mfr(&f, NULL, PACKET_C);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, PC_ID);
	hv_test_mfr(&f, "PICOOC-L", PACKET_C);
	assert_true(d->claims_device(&f));
}

/* The encoder's frames decode back to what was encoded. */
static void test_picooc_encoder_roundtrip(void **state)
{

	(void)state;
	SF_ROUNDTRIP(PC_ID, "PICOOC-L", true, 0, { HV_METRIC_BODY_WEIGHT, 82.7 },
		     { HV_METRIC_IMPEDANCE, 496.0 });
	SF_ROUNDTRIP(PC_ID, "PICOOC-L", true, 0, { HV_METRIC_BODY_WEIGHT, 151.35 },
		     { HV_METRIC_IMPEDANCE, 612.3 });
	SF_ROUNDTRIP(PC_ID, "PICOOC-L", false, 0, { HV_METRIC_BODY_WEIGHT, 81.55 });
}

/* The encoder reproduces capture C from its reading (address aside). */
static void test_picooc_encoder_capture(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(PC_ID);
	struct hv_measurement in;
	struct hv_frame f, want;

	(void)state;
	sf_weight_measurement(&in, PC_ID, true, 82.7, 496.0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	hv_test_mfr(&want, "PICOOC-L", PACKET_C);
	assert_int_equal(f.manufacturer_data[0].len, 16);
	/* state, protocol, weight, impedance (the lb word has a bit 15
	 * openScale masks and does not explain) */
	assert_memory_equal(f.manufacturer_data[0].data + 6,
			    want.manufacturer_data[0].data + 6, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_picooc_captures),
		cmocka_unit_test(test_picooc_edits),
		cmocka_unit_test(test_picooc_encoder_roundtrip),
		cmocka_unit_test(test_picooc_encoder_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
