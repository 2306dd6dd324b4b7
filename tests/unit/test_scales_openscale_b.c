// SPDX-License-Identifier: MIT
/*
 * openScale's scale families, second batch: Sinocare, Scale Up, and the
 * families below them in this file. Frames published by openScale (its
 * tests, its issue and pull-request threads) are pinned with their source
 * and the values it states; frames a source only describes are written
 * here from the layout in the driver's header comment and say so. Every
 * frame is decoded through the whole registry; cross-claims against the
 * other families; the Theengs corpus is claimed by none of them; encoders
 * round trip; conversation payloads.
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

#include "daemon/basic/macro.h"
#include "drivers/conversation.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const char *const my_drivers[] = {
	"sinocare", "scaleup", NULL,
};

static void assert_invalid(const struct hv_measurement *m, const char *id)
{
	assert_int_equal(m->status, HV_STATUS_INVALID);
	assert_string_equal(m->driver, id);
	assert_true(m->error[0] != 0);
}

static void assert_not_mine(const struct hv_frame *f)
{
	struct hv_measurement m;

	hv_test_decode(f, &m);
	if (m.status != HV_STATUS_NOT_MINE)
		fail_msg("claimed by %s", m.driver ? m.driver : "?");
}

/* --- Sinocare --------------------------------------------------------------- */

/*
 * openScale SinocareHandlerTest.kt (openScale@daeb37ff, PR #1517): a
 * CW286 advert, AD 14 FF 00 00 …, address zeroed: 74.30 kg.
 */
#define SINOCARE_CW286 "0000" "000000000000" "ce0000" "061d" "0000000001" "d4"

static void test_sinocare_published(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_mfr(&f, "Weight Scale", SINOCARE_CW286);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "sinocare");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 74.30, 1e-9);
	assert_int_equal(m.n_readings, 1);

	/* the same payload under 0xFF64, the handler's own company ID */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001" "d4");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "sinocare");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 74.30, 1e-9);

	/* 0x0000 is Ericsson's ID: not Sinocare's without the name */
	hv_test_mfr(&f, NULL, SINOCARE_CW286);
	assert_not_mine(&f);
	hv_test_mfr(&f, "Weight Scale 2", SINOCARE_CW286);
	assert_not_mine(&f);
}

static void test_sinocare_checks(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* checksum off by one */
	hv_test_mfr(&f, "Weight Scale", "0000" "000000000000" "ce0000" "061d" "0000000001" "d5");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "sinocare");
	/* the checksum leaves bytes 0..5 out */
	hv_test_mfr(&f, NULL, "64ff" "a1b2c3d4e5f6" "ce0000" "061d" "0000000001" "d4");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "sinocare");
	/* 16 bytes: too short */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "061d" "0000000001");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "sinocare");
	/* nothing on the scale: no reading */
	hv_test_mfr(&f, NULL, "64ff" "000000000000" "ce0000" "0000" "0000000001" "cf");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "sinocare");
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
}

/* --- Scale Up --------------------------------------------------------------- */

/*
 * openScale ScaleupHandler.kt (openScale@f7a733b2) publishes no frame:
 * these are written from its layout (flag, weight BE, impedance BE, MAC).
 */
static void test_scaleup(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* measuring 72.40 kg */
	hv_test_mfr(&f, "da", "d01c48" "0000" "112233445566");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "scaleup");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.40, 1e-9);
	/* stable 72.40 kg, impedance 500 */
	hv_test_mfr(&f, "DA", "e01c48" "01f4" "112233445566");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "scaleup");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.40, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	/* out of range (0.49 kg, 300.01 kg): no weight */
	hv_test_mfr(&f, "da", "e00031" "01f4" "112233445566");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "scaleup");
	assert_int_equal(m.n_readings, 0);
	hv_test_mfr(&f, "da", "e07531" "01f4" "112233445566");
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);

	/* nameless: only when bytes 5..10 are the device's own address */
	hv_test_mfr(&f, NULL, "e01c48" "01f4" "112233445566");
	assert_not_mine(&f);
	f.address = "11:22:33:44:55:66";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "scaleup");
	f.address = "66:55:44:33:22:11";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "scaleup");
	f.address = "11:22:33:44:55:67";
	assert_not_mine(&f);
	/* Google's company 0x00E0 with other data, even from a "da" */
	hv_test_mfr(&f, "dab", "e000" "0102030405060708");
	assert_not_mine(&f);
	/* other flags are not Scale Up's */
	hv_test_mfr(&f, "da", "c01c48" "01f4" "112233445566");
	assert_not_mine(&f);
}

/* --- every family ------------------------------------------------------------- */

static void test_theengs_not_claimed(void **state)
{
	(void)state;
	hv_test_theengs_not_claimed(my_drivers, true);
}

static void roundtrip(const char *id, const char *name, double kg, double ohm,
		      bool final)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;
	struct hv_uuid other = hv_uuid16(0x2a9d);

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, kg), 0);
	if (ohm > 0)
		assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, ohm), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, id);
	hv_assert_near(hv_test_reading(&out, HV_METRIC_BODY_WEIGHT), kg, 0.006);
	if (ohm > 0)
		hv_assert_near(hv_test_reading(&out, HV_METRIC_IMPEDANCE), ohm, 0.51);
	assert_int_equal(out.final, final);
	assert_int_equal(d->encode(&in, &other, &f), -EINVAL);
	hv_measurement_init(&in, id);
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL);
}

static void test_encoders_roundtrip(void **state)
{
	(void)state;
	roundtrip("sinocare", NULL, 74.30, 0, true);
	roundtrip("sinocare", "Weight Scale", 150.05, 0, true);
	roundtrip("scaleup", "da", 72.4, 500, true);
	roundtrip("scaleup", "da", 88.15, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sinocare_published),
		cmocka_unit_test(test_sinocare_checks),
		cmocka_unit_test(test_scaleup),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_encoders_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
