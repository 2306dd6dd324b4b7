// SPDX-License-Identifier: MIT
/*
 * Proprietary scale families: frames written from the documented layouts
 * (the drivers' header comments, docs/scales.md), decoded
 * through the whole registry; selection; checksums; encoders round trip;
 * conversations; the family body-composition methods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "drivers/bodycomp_libs.h"
#include "drivers/conversation.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const char *const my_drivers[] = {
	"beurer_sanitas", "qn_scale", "yunmai", "yunmai_x", "medisana_bs4xx",
	"okok_chipsea", "eufy_1byone", NULL,
};

static bool is_mine(const char *id)
{
	for (const char *const *d = my_drivers; id && *d; d++)
		if (strcmp(*d, id) == 0)
			return true;
	return false;
}

/* --- Beurer / Sanitas ----------------------------------------------------- */

static void test_beurer_record(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* part 2 of 3: time 2024-03-15 08:30:00 UTC (0x65F40708), 72.40 kg
	 * (1448 × 50 g), 500 Ohm, fat 23.5 %, water 55.1 %, muscle 38.2 % */
	hv_test_gatt(&f, "SANITAS SBF70", "ffe1",
		     "e7590302" "65f40708" "05a8" "01f4" "00eb" "0227" "017e" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "beurer_sanitas");
	assert_false(m.final);
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 23.5, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.2, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BONE_MASS));
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.month, 3);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.raw_device_time.minute, 30);

	/* part 3 of 3: BMR 1650 kcal, AMR 2400, BMI 22.3 */
	hv_test_gatt(&f, "SANITAS SBF70", "ffe1", "e7590303" "0672" "0960" "00df",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "beurer_sanitas");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE), 1650, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BMI), 22.3, 1e-9);

	/* saved measurement 0x42, part 1 of 2 = first half, BF700 start F7 */
	hv_test_gatt(&f, "bf-700", "ffe1",
		     "f7420201" "65f40708" "05a8" "01f4" "00eb" "0227" "017e" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "beurer_sanitas");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
}

static void test_beurer_live_and_invalid(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "BEURER BF710", "ffe1", "e7580005a8", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "beurer_sanitas");
	assert_false(m.final); /* the record is the measurement */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);

	/* No name: 0xFFE1 is shared, nobody may claim it. */
	hv_test_gatt(&f, NULL, "ffe1", "e7580005a8", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_NOT_MINE);

	hv_test_gatt(&f, "BEURER BF710", "ffe1", "a7580005a8", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "BEURER BF710", "ffe1", "e75800", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	/* part 2 cut short */
	hv_test_gatt(&f, "BEURER BF710", "ffe1", "e759030265f40708", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	/* fat above 100 % */
	hv_test_gatt(&f, "BEURER BF710", "ffe1",
		     "e7590302" "65f40708" "05a8" "01f4" "0fff" "0227" "017e" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

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
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* live, on the type-2 characteristic, with a profile */
	hv_test_gatt(&f, "Renpho-Scale", "fff1", "100bff1c480001f401f400", HV_CS_SUM);
	f.profile = &p;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
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
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
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
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
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
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 101.35, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 550, 1e-9);
	assert_int_equal(m.device_time.day, 14);
	assert_int_equal(m.device_time.hour, 7);
	assert_int_equal(m.device_time.minute, 5);
	assert_int_equal(m.device_time.second, 9);
	/* the empty slot: weight 0, no measurement */
	hv_test_gatt(&f, "QN-Scale", "ffe1",
		     "2313ff000000" "00000000" "0000" "00" "0000" "0000" "00", HV_CS_SUM);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
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
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "qn_scale");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_test_mfr(&f, NULL, "ffff" "aabb" "112233445566" "00000000000000" "00" "00"
		      "481c");
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* other 0xFFFF payloads are not QN's */
	hv_test_mfr(&f, NULL, "ffff" "0102030405060708090a0b0c0d0e0f101112131415");
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !is_mine(m.driver));
}

/* --- Yunmai --------------------------------------------------------------- */

static void test_yunmai(void **state)
{
	struct hv_profile p = { .height_m = 1.75, .age_years = 30,
				.sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 0D VV=10 LL=12 TT=02 00 ts uid W=0x1C48 R=0x01F4 XX */
	hv_test_gatt(&f, "YUNMAI-ISM2-W", "ffe4",
		     "0d101202" "00" "65f40708" "00000001" "1c48" "01f4" "00",
		     HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "yunmai");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_int_equal(m.raw_device_time.year, 2024);

	f.profile = &p;
	hv_test_decode(&f, &m);
	/* r = sqrt(4) = 2; fat = 72.4 × 1.5 / 1.75² + 2.4 − 10.8 − 7.4 + 2 */
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "yunmai");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       72.4 * 1.5 / (1.75 * 1.75) + 2.4 - 10.8 - 7.4 + 2, 0.051);
	assert_non_null(hv_measurement_find(&m, HV_METRIC_VISCERAL_FAT_RATING));

	/* protocol >= 0x1E: the scale's fat, 21.50 % */
	hv_test_gatt(&f, "YUNMAI-SIGNAL-M1", "ffe4",
		     "0d1e1402" "00" "65f40708" "00000001" "1c48" "01f4" "0866" "00",
		     HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "yunmai");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.5, 1e-9);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* SE: weight only; measuring frames are live */
	hv_test_gatt(&f, "YUNMAI-ISSE-US", "ffe4",
		     "0d101201" "00" "65f40708" "00000001" "1c48" "01f4" "00",
		     HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "yunmai");
	assert_false(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* wrong XOR */
	hv_test_gatt(&f, "YUNMAI-ISM2-W", "ffe4",
		     "0d101202" "00" "65f40708" "00000001" "1c48" "01f4" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

static void test_yunmai_x(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* MAC reversed, 0B 74 17, session 04, state 03, W 0x1C48, Z 0x01F4,
	 * XOR(04 03 1C 48 01 F4) = 0xA6 */
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "03" "1c48" "01f4" "a6");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "yunmai_x");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "01" "1c48" "0000" "51");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "yunmai_x");
	assert_false(m.final);
	hv_test_mfr(&f, NULL, "665544332211" "0b7417" "04" "03" "1c48" "01f4" "a7");
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

/* --- Medisana ------------------------------------------------------------- */

static void test_medisana(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* weight 72.40 kg LE 48 1c; time 2024-03-15 08:30:00 in the 2010
	 * epoch: 1710491400 − 1262304000 = 448187400 = 0x1AB6C408; user 2 */
	hv_test_gatt(&f, "0202B6", "8a21", "00481c0000" "08ccb61a" "00000000" "02",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "medisana_bs4xx");
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.user_index, 2);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	/* BS430: Unix time, unit lb (bits 5-6 = 01) */
	hv_test_gatt(&f, "0203B2", "8a21", "20481c0000" "0807f465" "00000000" "ff",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "medisana_bs4xx");
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_int_equal(m.user_index, -1);

	/* feature: fat 23.5 %, water 55.1 %, muscle 38.2 %, bone 3.1 kg; the
	 * top nibble is masked off */
	hv_test_gatt(&f, "0202B6", "8a22", "0000000000000000" "eb00" "2702" "7ef1" "1f00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "medisana_bs4xx");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 23.5, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);

	/* short: invalid; nameless: 0x8A21 is shared with Trisa & co */
	hv_test_gatt(&f, "0202B6", "8a21", "00481c", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, NULL, "8a21", "00481c0000" "08ccb61a" "00000000" "02", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !is_mine(m.driver));
}

/* --- OKOK ----------------------------------------------------------------- */

static void test_okok(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	uint8_t x = 0x20;
	char hex[80];
	static const uint8_t v20[12] = { 0, 0, 0, 0, 0, 0, 0x05, 0, 0x1c, 0x48,
					 0x13, 0x88 };

	(void)state;
	/* V20: [6] final + /100, W 0x1C48, Z 5000/10 = 500 Ohm, XOR seeded 0x20 */
	for (size_t i = 0; i < sizeof(v20); i++)
		x ^= v20[i];
	snprintf(hex, sizeof(hex), "ca20" "000000000000" "05" "00" "1c48" "1388"
				   "%02x" "000000000000", x);
	hv_test_mfr(&f, "Chipsea-BLE", hex);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "okok_chipsea");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	hex[28] ^= 1; /* corrupt the checksum */
	hv_test_mfr(&f, "Chipsea-BLE", hex);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);

	/* C0, nameless: W 0x02D4 = 724 / 10, attrib stable kg */
	hv_test_mfr(&f, NULL, "c05a" "02d4" "00000000" "01" "000000000000");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "okok_chipsea");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* lb, /10: 159.6 lb; attrib 0x11 */
	hv_test_mfr(&f, "ADV", "c011" "063c" "00000000" "11" "000000000000");
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 159.6 * 0.45359237, 1e-3);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	/* not stable */
	hv_test_mfr(&f, NULL, "c05a" "02d4" "00000000" "00" "000000000000");
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* a named device of another kind with a C0 company: not ours */
	hv_test_mfr(&f, "Thermometer", "c05a" "02d4" "00000000" "01" "000000000000");
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !is_mine(m.driver));

	/* VF0: W LE 0x02D4 / 10 */
	hv_test_mfr(&f, "ADV", "fff0" "0000" "d402");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "okok_chipsea");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
}

/* --- 1byone / Eufy -------------------------------------------------------- */

static void test_eufy(void **state)
{
	struct hv_profile p = { .height_m = 1.80, .age_years = 30,
				.sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* CF, Z = 5270 × 0.1 = 527.0 (ZL 96 ZH 14), W 8000 LE = 80.00 kg */
	hv_test_gatt(&f, "eufy T9146", "fff4", "cf9614" "401f" "00000000" "00" "00",
		     HV_CS_NONE);
	f.profile = &p;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "eufy_1byone");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.0, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 527.0, 1e-9);
	/* the standard impedance fixture: M 30 y, 1.80 m, 80 kg, 527 Ohm */
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), 60.62, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 24.2, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 53.8, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 39.3, 0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE), 1679, 0.51);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.46, 0.006);

	/* no impedance (b9 = 1): live weight */
	hv_test_gatt(&f, "Health Scale", "fff4", "cf0000" "401f" "00000000" "01" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "eufy_1byone");
	assert_false(m.final);

	/* history record with its time, 2024-03-15 08:30:00 */
	hv_test_gatt(&f, "Health Scale", "fff4",
		     "cf9614" "401f" "00000000" "00" "00" "07e8" "030f081e00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	/* invalid record time */
	hv_test_gatt(&f, "Health Scale", "fff4",
		     "cf9614" "401f" "00000000" "00" "00" "07e8" "0d0f081e00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, "Health Scale", "fff4", "cf9614401f", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

/* --- cross-family: no driver claims another family's frame ---------------- */

struct family_frame {
	const char *driver;
	const char *name;
	const char *uuid; /* NULL: manufacturer data */
	const char *hex;
	enum hv_test_checksum cs;
};

static const struct family_frame family_frames[] = {
	{ "beurer_sanitas", "SANITAS SBF70", "ffe1",
	  "e759030265f4070805a801f400eb0227017e0000", HV_CS_NONE },
	{ "qn_scale", "QN-Scale", "ffe1", "100bff1c480101f401f400", HV_CS_SUM },
	{ "qn_scale", "QN-Scale", "fff1", "100bff1c480101f401f400", HV_CS_SUM },
	{ "yunmai", "YUNMAI-ISM2-W", "ffe4",
	  "0d1012020065f40708000000011c4801f400", HV_CS_XOR_FROM1 },
	{ "medisana_bs4xx", "0202B6", "8a21", "00481c000008c4b61a0000000002",
	  HV_CS_NONE },
	{ "eufy_1byone", "eufy T9147", "fff4", "cf9614401f000000000000",
	  HV_CS_NONE },
	{ "yunmai_x", NULL, NULL, "6655443322110b741704031c4801f4a6", HV_CS_NONE },
	{ "okok_chipsea", NULL, NULL, "c05a02d40000000001000000000000",
	  HV_CS_NONE },
	{ "qn_scale", NULL, NULL,
	  "ffffaabb1122334455660000000000000020" "00481c", HV_CS_NONE },
};

static void build(struct hv_frame *f, const struct family_frame *ff,
		  const char *name)
{
	if (ff->uuid)
		hv_test_gatt(f, name, ff->uuid, ff->hex, ff->cs);
	else
		hv_test_mfr(f, name, ff->hex);
}

static void test_cross_family(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(family_frames); i++) {
		const struct family_frame *ff = &family_frames[i];
		struct hv_frame f;
		struct hv_measurement m;

		/* with its own name: its driver */
		build(&f, ff, ff->name);
		hv_test_decode(&f, &m);
		hv_test_assert_driver(&m, ff->driver);
		assert_true(hv_driver_by_id(ff->driver)->claims_device(&f));

		/* with every other family's name: never another of ours */
		for (size_t j = 0; j < ELEMENTSOF(family_frames); j++) {
			const char *other = family_frames[j].name;

			if (strcmp(family_frames[j].driver, ff->driver) == 0)
				continue;
			/* GATT UUIDs shared by vendors (0xFFE1): the name
			 * selects the driver, by design */
			build(&f, ff, NULL);
			if (ff->uuid &&
			    hv_driver_matches(hv_driver_by_id(family_frames[j].driver), &f))
				continue;
			build(&f, ff, other);
			hv_test_decode(&f, &m);
			if (m.status != HV_STATUS_NOT_MINE && is_mine(m.driver)) {
				if (strcmp(m.driver, ff->driver) != 0)
					fail_msg("%s frame claimed by %s with name %s",
						 ff->driver, m.driver,
						 other ? other : "(none)");
			}
		}
	}
}

/* --- the Theengs corpus: none of these devices is ours -------------------- */

static void test_theengs_not_claimed(void **state)
{
	(void)state;
	hv_test_theengs_not_claimed(my_drivers, false);
}

/* --- encoders round trip ---------------------------------------------------- */

static void roundtrip(const char *id, const char *name, double kg,
		      double ohm, bool final, enum hv_display_unit unit)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	in.display_unit = unit;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, id);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 0.051);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm, 0.51);
	if (strcmp(id, "beurer_sanitas") && strcmp(id, "medisana_bs4xx"))
		assert_int_equal(out.final, final);
	/* a wrong target is refused */
	{
		struct hv_uuid other = hv_uuid16(0x2a9d);

		assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
	}
}

static void test_encoders_roundtrip(void **state)
{
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid feature = hv_uuid16(0x8a22);

	(void)state;
	roundtrip("beurer_sanitas", "SANITAS SBF70", 72.4, 500, true, HV_UNIT_KG);
	roundtrip("beurer_sanitas", "bf-700", 95.05, 0, false, HV_UNIT_KG);
	roundtrip("qn_scale", "QN-Scale", 72.4, 500, true, HV_UNIT_KG);
	roundtrip("qn_scale", "QN-Scale", 101.35, 0, false, HV_UNIT_KG);
	roundtrip("yunmai", "YUNMAI-ISM", 72.4, 480, true, HV_UNIT_KG);
	roundtrip("yunmai", "YUNMAI-ISM", 55.55, 0, false, HV_UNIT_KG);
	roundtrip("yunmai_x", NULL, 72.4, 500, true, HV_UNIT_KG);
	roundtrip("medisana_bs4xx", "0202B6", 72.4, 0, true, HV_UNIT_KG);
	roundtrip("okok_chipsea", NULL, 72.4, 0, true, HV_UNIT_KG);
	roundtrip("okok_chipsea", NULL, 72.4, 0, false, HV_UNIT_LB);
	roundtrip("okok_chipsea", NULL, 72.4, 0, true, HV_UNIT_JIN);
	roundtrip("eufy_1byone", "eufy T9120", 80.0, 527, true, HV_UNIT_KG);

	/* Medisana's feature indication */
	hv_measurement_init(&in, "medisana_bs4xx");
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_FAT_PERCENT, 23.5), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BONE_MASS, 3.1), 0);
	assert_int_equal(hv_driver_by_id("medisana_bs4xx")->encode(&in, &feature, &f), 0);
	f.name = "013197";
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, "medisana_bs4xx");
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_FAT_PERCENT), 23.5, 1e-9);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BONE_MASS), 3.1, 1e-9);

	/* no weight: nothing to encode */
	hv_measurement_init(&in, "qn_scale");
	assert_int_equal(hv_driver_by_id("qn_scale")->encode(&in, NULL, &f), -EINVAL);
}

/* --- body-composition methods ---------------------------------------------- */

static void test_bodycomp_methods(void **state)
{
	struct hv_profile male = { .height_m = 1.80, .age_years = 30,
				   .sex = HV_SEX_MALE };
	struct hv_profile female = { .height_m = 1.65, .age_years = 28,
				     .sex = HV_SEX_FEMALE };
	struct hv_profile partial = { .height_m = 1.65 };
	struct hv_measurement m;

	(void)state;
	hv_assert_near(hv_sqrt(2), 1.41421356, 1e-8);
	hv_assert_near(hv_sqrt(0.25), 0.5, 1e-12);
	hv_assert_near(hv_sqrt(-1), 0, 0);

	/* Trisa female: BMI 60/1.65² = 22.04, Z 30 */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_trisa(&female, 60, 30, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       60 / (1.65 * 1.65) * (1.506 + 3.908e-4 * 30) + 2.8 - 12.834,
		       0.051);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       77.721 - 1.148 * 60 / (1.65 * 1.65) - 0.00573 * 30 +
			    0.06448 * 28,
		       0.051);

	/* Yunmai female, R 500 */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_yunmai(&female, 60, 500, &m), 0);
	{
		double fat = 60 * 1.5 / (1.65 * 1.65) + 28 * 0.08 - 7.4 + 2;

		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), fat, 0.051);
		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
			       (100 - fat) * 0.726, 0.051);
		/* visceral: f = fat − 34 < 0 → f / 1.8 + 9.5 */
		hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING),
			       (fat - 34) / 1.8 + 9.5, 0.051);
	}

	/* incomplete profile: nothing */
	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_standard(&partial, 80, 527, &m), 0);
	assert_int_equal(hv_bodycomp_trisa(&partial, 80, 30, &m), 0);
	assert_int_equal(hv_bodycomp_yunmai(&partial, 80, 500, &m), 0);
	assert_int_equal(m.n_readings, 0);

	hv_measurement_init(&m, "t");
	assert_int_equal(hv_bodycomp_standard(&male, 80, 527, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), 60.62, 0.006);
	hv_assert_near(hv_qn_impedance(500), 30, 1e-9);
	hv_assert_near(hv_qn_impedance(300), 3, 1e-9);
}

/* --- conversations --------------------------------------------------------- */

static void test_conversations_well_formed(void **state)
{
	(void)state;
	for (const char *const *id = my_drivers; *id; id++) {
		const struct hv_driver *d = hv_driver_by_id(*id);

		assert_non_null(d);
		assert_non_null(d->claims_device);
		assert_non_null(d->encode);
		if (d->conversation)
			hv_test_check_conversation(d->conversation);
	}
}

static void test_conversation_payloads(void **state)
{
	struct hv_session s = {
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.user_index = 0,
		.profile = { .height_m = 1.80, .age_years = 44, .sex = HV_SEX_MALE },
	};

	(void)state;
	/* Beurer: init with the alternative start of the model */
	s.name = "bf-700";
	hv_test_assert_payload("beurer_sanitas", "init", &s, "f601");
	s.name = "SANITAS SBF70";
	hv_test_assert_payload("beurer_sanitas", "init", &s, "e601");
	hv_test_assert_payload("beurer_sanitas", "set time", &s, "e965f40708");

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
	memset(s.scratch, 0, sizeof(s.scratch));

	/* Yunmai: user (uid 1, 180 cm, male, 44 y, kg) and time, XOR from 1 */
	hv_test_assert_payload("yunmai", "set user", &s,
			       "0d1210010000" "0001" "b4" "01" "2c" "555a0000" "01" "00" "95");
	hv_test_assert_payload("yunmai", "set time", &s,
			       "0d0d11" "65f40708" "000000000000" "82");

	/* Medisana: 02 + time in the 2010 epoch for BS44x, Unix for BS430 */
	s.name = "0202B6";
	hv_test_assert_payload("medisana_bs4xx", "start", &s, "02" "08ccb61a");
	s.name = "0203B2";
	hv_test_assert_payload("medisana_bs4xx", "start", &s, "02" "0807f465");

	/* Eufy: unit (XOR of all previous bytes) and local clock, year BE */
	hv_test_assert_payload("eufy_1byone", "unit", &s,
			       "fd370001" "000000000000" "cb");
	hv_test_assert_payload("eufy_1byone", "clock", &s, "f107e8030f091e00");
}

/* Frame bytes with their QN byte sum (hex without the sum). */
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

static void test_beurer_user_list_flow(void **state)
{
	const struct hv_step *wait_users;
	struct hv_session s = { .user_index = 1, .name = "SANITAS SBF70" };
	size_t i_wait, i_ack_more, i_ack_last, i_get;
	uint8_t u1[16] = { 0xE7, 0x34, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0x11, 'A', 'N', 'N', 80 };
	uint8_t u2[16] = { 0xE7, 0x34, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0x22, 'B', 'O', 'B', 75 };
	uint8_t empty[6] = { 0xE7, 0xF0, 0x33, 0x00, 0x00, 0x08 };

	(void)state;
	wait_users = hv_test_find_step("beurer_sanitas", "wait for the users", &i_wait);
	(void)hv_test_find_step("beurer_sanitas", "acknowledge a user", &i_ack_more);
	(void)hv_test_find_step("beurer_sanitas", "acknowledge the last user", &i_ack_last);
	(void)hv_test_find_step("beurer_sanitas", "get saved", &i_get);

	assert_int_equal(wait_users->on_value(&s, u1, sizeof(u1)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_more);
	assert_int_equal(s.scratch[2], 0); /* slot 1 (0-based) is user 2 */
	hv_test_assert_payload("beurer_sanitas", "acknowledge a user", &s,
			       "e7f1340201");
	assert_int_equal(wait_users->on_value(&s, u2, sizeof(u2)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_last);
	assert_int_equal(s.scratch[2], 1);
	hv_test_assert_payload("beurer_sanitas", "get saved", &s,
			       "e741" "0000000000000022");

	assert_int_equal(wait_users->on_value(&s, empty, sizeof(empty)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_get);
}

/* 0x31: the linked slot is not on the scale yet and is the next one it
 * gives: the person is added with their profile, then their records read. */
static void test_beurer_add_user(void **state)
{
	const struct hv_step *wait_users, *wait_added;
	struct hv_session s = {
		.now_unix = 1710491400, /* 0x65F40708 */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.user_index = 2,
		.name = "SANITAS SBF70",
		.profile = { .height_m = 1.80, .age_years = 44, .sex = HV_SEX_MALE },
	};
	size_t i_wait, i_ack_add, i_add, i_wait_added, i_get, i_ack_last;
	uint8_t ack[6] = { 0xE7, 0xF0, 0x33, 0x00, 0x02, 0x08 };
	uint8_t u1[16] = { 0xE7, 0x34, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0x11, 'A', 'N', 'N', 80 };
	uint8_t u2[16] = { 0xE7, 0x34, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0x22, 'B', 'O', 'B', 75 };
	uint8_t empty[6] = { 0xE7, 0xF0, 0x33, 0x00, 0x00, 0x08 };
	uint8_t full[6] = { 0xE7, 0xF0, 0x33, 0x00, 0x02, 0x02 };
	uint8_t added[4] = { 0xE7, 0xF0, 0x31, 0x00 };

	(void)state;
	wait_users = hv_test_find_step("beurer_sanitas", "wait for the users", &i_wait);
	(void)hv_test_find_step("beurer_sanitas", "ack the last user before", &i_ack_add);
	(void)hv_test_find_step("beurer_sanitas", "add a scale user", &i_add);
	wait_added = hv_test_find_step("beurer_sanitas", "wait for the new user", &i_wait_added);
	(void)hv_test_find_step("beurer_sanitas", "get saved", &i_get);
	(void)hv_test_find_step("beurer_sanitas", "acknowledge the last user", &i_ack_last);
	assert_int_equal(i_wait_added, i_add + 1);

	assert_int_equal(wait_users->on_value(&s, ack, sizeof(ack)), HV_VALUE_MORE);
	assert_int_equal(wait_users->on_value(&s, u1, sizeof(u1)), HV_VALUE_GOTO);
	assert_int_equal(wait_users->on_value(&s, u2, sizeof(u2)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_add);
	hv_test_assert_payload("beurer_sanitas", "ack the last user before", &s,
			       "e7f1340202");
	/* uid "HV" + time, name HV3, born 1980 (44 y), January 1st, 180 cm,
	 * male | activity 3 */
	hv_test_assert_payload("beurer_sanitas", "add a scale user", &s,
			       "e731" "4856000065f40708" "485633" "50" "00" "01"
			       "b4" "83");
	assert_int_equal(wait_added->on_value(&s, u1, sizeof(u1)), HV_VALUE_MORE);
	assert_int_equal(wait_added->on_value(&s, added, sizeof(added)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_get);
	hv_test_assert_payload("beurer_sanitas", "get saved", &s,
			       "e741" "4856000065f40708");

	/* An empty scale and slot 0: added straight away (female: 0x03). */
	memset(s.scratch, 0, sizeof(s.scratch));
	s.user_index = 0;
	s.profile.sex = HV_SEX_FEMALE;
	assert_int_equal(wait_users->on_value(&s, empty, sizeof(empty)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_add);
	hv_test_assert_payload("beurer_sanitas", "add a scale user", &s,
			       "e731" "4856000065f40708" "485631" "50" "00" "01"
			       "b4" "03");

	/* Not the slot the scale gives next, a full scale, no profile: the
	 * records are asked for as before (and fail without a uid). */
	memset(s.scratch, 0, sizeof(s.scratch));
	s.user_index = 1;
	assert_int_equal(wait_users->on_value(&s, empty, sizeof(empty)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_get);
	memset(s.scratch, 0, sizeof(s.scratch));
	s.user_index = 2;
	assert_int_equal(wait_users->on_value(&s, full, sizeof(full)), HV_VALUE_MORE);
	(void)wait_users->on_value(&s, u1, sizeof(u1));
	(void)wait_users->on_value(&s, u2, sizeof(u2));
	assert_int_equal(s.next_step, (int)i_ack_last);
	memset(s.scratch, 0, sizeof(s.scratch));
	s.profile = (struct hv_profile){ 0 };
	(void)wait_users->on_value(&s, ack, sizeof(ack));
	(void)wait_users->on_value(&s, u1, sizeof(u1));
	(void)wait_users->on_value(&s, u2, sizeof(u2));
	assert_int_equal(s.next_step, (int)i_ack_last);
}

static void test_selection(void **state)
{
	struct hv_frame f = { 0 };
	struct hv_uuid svc = hv_uuid16(0xFFE0);

	(void)state;
	/* QN needs its service in an advert, besides its name */
	f.name = "QN-Scale";
	assert_false(hv_driver_by_id("qn_scale")->claims_device(&f));
	f.n_service_uuids = 1;
	f.service_uuids[0] = svc;
	assert_true(hv_driver_by_id("qn_scale")->claims_device(&f));
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("qn_scale"));

	f = (struct hv_frame){ .name = "YUNMAI-ISM2-W" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("yunmai"));
	f = (struct hv_frame){ .name = "sbf75" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("beurer_sanitas"));
	f = (struct hv_frame){ .name = "eufy T9147" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("eufy_1byone"));
	f = (struct hv_frame){ .name = "013198ABC" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("medisana_bs4xx"));
	f = (struct hv_frame){ .name = "Some Thermometer" };
	assert_null(hv_registry_select(&f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beurer_record),
		cmocka_unit_test(test_beurer_live_and_invalid),
		cmocka_unit_test(test_qn_weight),
		cmocka_unit_test(test_qn_record_and_broadcast),
		cmocka_unit_test(test_qn_record_flow),
		cmocka_unit_test(test_yunmai),
		cmocka_unit_test(test_yunmai_x),
		cmocka_unit_test(test_medisana),
		cmocka_unit_test(test_okok),
		cmocka_unit_test(test_eufy),
		cmocka_unit_test(test_cross_family),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_encoders_roundtrip),
		cmocka_unit_test(test_bodycomp_methods),
		cmocka_unit_test(test_conversations_well_formed),
		cmocka_unit_test(test_beurer_add_user),
		cmocka_unit_test(test_conversation_payloads),
		cmocka_unit_test(test_beurer_user_list_flow),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
