// SPDX-License-Identifier: MIT
/*
 * Medisana BS4xx scale tests (driver medisana_bs4xx): frames written from
 * the documented layouts (the driver's header comment, docs/scales.md),
 * decoded through the whole registry.
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
	sf_decode_as(&f, &m, "medisana_bs4xx");
	assert_true(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.user_index, 2);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	/* BS430: Unix time, unit lb (bits 5-6 = 01) */
	hv_test_gatt(&f, "0203B2", "8a21", "20481c0000" "0807f465" "00000000" "ff",
		     HV_CS_NONE);
	sf_decode_as(&f, &m, "medisana_bs4xx");
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_int_equal(m.user_index, -1);

	/* feature: fat 23.5 %, water 55.1 %, muscle 38.2 %, bone 3.1 kg; the
	 * top nibble is masked off */
	hv_test_gatt(&f, "0202B6", "8a22", "0000000000000000" "eb00" "2702" "7ef1" "1f00",
		     HV_CS_NONE);
	sf_decode_final(&f, &m, "medisana_bs4xx");
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.1);
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 38.2);
	sf_assert_reading(&m, HV_METRIC_BONE_MASS, 3.1);

	/* short: invalid; nameless: 0x8A21 is shared with Trisa & co */
	hv_test_gatt(&f, "0202B6", "8a21", "00481c", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
	hv_test_gatt(&f, NULL, "8a21", "00481c0000" "08ccb61a" "00000000" "02", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(proprietary_families, m.driver));
}


/* The encoder's frames decode back to what was encoded. */
static void test_medisana_bs4xx_encoder_roundtrip(void **state)
{
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid feature = hv_uuid16(0x8a22);

	(void)state;
	sf_roundtrip_display("medisana_bs4xx", "0202B6", 72.4, 0, true, HV_UNIT_KG, false);

	/* Medisana's feature indication */
	hv_measurement_init(&in, "medisana_bs4xx");
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_FAT_PERCENT, 23.5), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BONE_MASS, 3.1), 0);
	assert_int_equal(hv_driver_by_id("medisana_bs4xx")->encode(&in, &feature, &f), 0);
	f.name = "013197";
	sf_decode_as(&f, &out, "medisana_bs4xx");
	sf_assert_reading(&out, HV_METRIC_BODY_FAT_PERCENT, 23.5);
	sf_assert_reading(&out, HV_METRIC_BONE_MASS, 3.1);
}

/* The conversation's payloads for a fixed clock and user. */
static void test_medisana_bs4xx_conversation_payloads(void **state)
{
	struct hv_session s = sf_payload_session(NULL);

	(void)state;
	/* Medisana: 02 + time in the 2010 epoch for BS44x, Unix for BS430 */
	s.name = "0202B6";
	hv_test_assert_payload("medisana_bs4xx", "start", &s, "02" "08ccb61a");
	s.name = "0203B2";
	hv_test_assert_payload("medisana_bs4xx", "start", &s, "02" "0807f465");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_medisana),
		cmocka_unit_test(test_medisana_bs4xx_encoder_roundtrip),
		cmocka_unit_test(test_medisana_bs4xx_conversation_payloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
