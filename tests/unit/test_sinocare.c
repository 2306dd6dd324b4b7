// SPDX-License-Identifier: MIT
/*
 * Sinocare scale tests (driver sinocare), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Sinocare --------------------------------------------------------------- */

/*
 * openScale SinocareHandlerTest.kt (openScale@daeb37ff, PR #1517): a
 * CW286 advert, AD 14 FF 00 00 …, address zeroed: 74.30 kg.
 */
#define SINOCARE_CW286 "0000" "000000000000" "ce0000" "061d" "0000000001" "d4"

static const struct sf_case sinocare_published[] = {
	{ "Weight Scale", NULL, SINOCARE_CW286, HV_CS_NONE, SF_FINAL, true,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 74.30 }) },
	/* the same payload under 0xFF64, the handler's own company ID */
	{ NULL, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001" "d4",
	  HV_CS_NONE, SF_OK, false, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 74.30 }) },
	/* 0x0000 is Ericsson's ID: not Sinocare's without the name */
	{ NULL, NULL, SINOCARE_CW286, HV_CS_NONE, SF_NOT_MINE },
	{ "Weight Scale 2", NULL, SINOCARE_CW286, HV_CS_NONE, SF_NOT_MINE },
};

static void test_sinocare_published(void **state)
{
	(void)state;
	sf_check_cases("sinocare", sinocare_published, ELEMENTSOF(sinocare_published));
}

static const struct sf_case sinocare_malformed[] = {
	/* checksum off by one */
	{ "Weight Scale", NULL, "0000" "000000000000" "ce0000" "061d" "0000000001" "d5",
	  HV_CS_NONE, SF_INVALID },
	/* the checksum leaves bytes 0..5 out */
	{ NULL, NULL, "64ff" "a1b2c3d4e5f6" "ce0000" "061d" "0000000001" "d4", HV_CS_NONE,
	  SF_OK },
	/* 16 bytes: too short */
	{ NULL, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001", HV_CS_NONE,
	  SF_INVALID },
	/* nothing on the scale: no reading */
	{ NULL, NULL, "64ff" "000000000000" "ce0000" "0000" "0000000001" "cf", HV_CS_NONE,
	  SF_LIVE, true },
};

static void test_sinocare_checks(void **state)
{
	(void)state;
	sf_check_cases("sinocare", sinocare_malformed, ELEMENTSOF(sinocare_malformed));
}


/* The encoder's frames decode back to what was encoded. */
static void test_sinocare_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("sinocare", NULL, 74.30, 0, true);
	sf_roundtrip_weight("sinocare", "Weight Scale", 150.05, 0, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sinocare_published),
		cmocka_unit_test(test_sinocare_checks),
		cmocka_unit_test(test_sinocare_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
