// SPDX-License-Identifier: MIT
/*
 * OKOK / Chipsea scale tests (driver okok_chipsea): frames written from the
 * documented layouts (the driver's header comment, docs/scales.md), decoded
 * through the whole registry.
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
	sf_decode_final(&f, &m, "okok_chipsea");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	hex[28] ^= 1; /* corrupt the checksum */
	hv_test_mfr(&f, "Chipsea-BLE", hex);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);

	/* C0, nameless: W 0x02D4 = 724 / 10, attrib stable kg */
	hv_test_mfr(&f, NULL, "c05a" "02d4" "00000000" "01" "000000000000");
	sf_decode_final(&f, &m, "okok_chipsea");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
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
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(proprietary_families, m.driver));

	/* VF0: W LE 0x02D4 / 10 */
	hv_test_mfr(&f, "ADV", "fff0" "0000" "d402");
	sf_decode_as(&f, &m, "okok_chipsea");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
}


/* The encoder's frames decode back to what was encoded. */
static void test_okok_chipsea_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_display("okok_chipsea", NULL, 72.4, 0, true, HV_UNIT_KG, true);
	sf_roundtrip_display("okok_chipsea", NULL, 72.4, 0, false, HV_UNIT_LB, true);
	sf_roundtrip_display("okok_chipsea", NULL, 72.4, 0, true, HV_UNIT_JIN, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_okok),
		cmocka_unit_test(test_okok_chipsea_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
