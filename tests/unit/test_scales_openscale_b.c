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
#include "drivers/sig_scale.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const char *const my_drivers[] = {
	"sinocare", "scaleup", "renpho_es26bb", "custom_openscale", "taylor_bia", "runstar_r5", "ryfit", "senssun", "inlife", "realme", "trisa_body_analyze", "weight_gurus_a3", "relaxmedic", NULL,
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


/* --- Renpho ES-26BB-B ------------------------------------------------------- */

static const struct hv_profile female30 = { .height_m = 1.67, .age_years = 30,
					    .sex = HV_SEX_FEMALE };
static const struct hv_profile male35 = { .height_m = 1.80, .age_years = 35,
					  .sex = HV_SEX_MALE };

/* openScale RenphoES26BBHandlerTest.kt (openScale@14da7cea) */
#define ES26_FINAL "55aa1400070100001d8301f4b0"
#define ES26_FINAL_NO_BIA "55aa1400071100001d830000cb"
#define ES26_SETTLING "55aa1400070000001d8301f4af"
#define ES26_RECORD "55aa15000c00001d8301f40000001e0000d3"

static void test_es26bb_published(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* final 75.55 kg, 500 Ohm */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", ES26_FINAL, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 75.55, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	/* final in BIA zero-current mode: 75.55 kg, no impedance */
	hv_test_gatt(&f, "R-A012", "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 75.55, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* settling: not final (openScale drops it) */
	hv_test_gatt(&f, "R-A020", "2a10", ES26_SETTLING, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	assert_false(m.final);
	/* stored record 75.55 kg, 500 Ohm, 30 s ago */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", ES26_RECORD, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 75.55, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
}

static void test_es26bb_checks(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "ES-26BB-B", "2a10", "55aa1400070100001d8301f4b1", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "renpho_es26bb");
	/* declared length 8, seven bytes of payload */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", "55aa1400080100001d8301f4b1", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "renpho_es26bb");
	/* a status frame (55 AA 11 …, written from the layout) reads nothing */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", "55aa11000501010102001a", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
	/* only the exact names select it on 0x2A10 (R-A033 speaks another) */
	hv_test_gatt(&f, "R-A033", "2a10", ES26_FINAL, HV_CS_NONE);
	assert_not_mine(&f);
	hv_test_gatt(&f, NULL, "2a10", ES26_FINAL, HV_CS_NONE);
	assert_not_mine(&f);
}

/*
 * The method's expected outputs, from RenphoES26BBHandlerTest.kt
 * (openScale@14da7cea): female 54.7 kg, 1.67 m, 30 y, 385 Ohm: fat ~19.2 %;
 * male 75 kg, 1.80 m, 35 y, 500 Ohm: fat ~15.9 % (within 0.2 there).
 */
static void test_es26bb_method(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("renpho_es26bb");
	struct hv_measurement in, m;
	struct hv_frame f;
	double fat;

	(void)state;
	hv_measurement_init(&in, "renpho_es26bb");
	in.final = true;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 54.7), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 385), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = "ES-26BB-B";
	f.profile = &female30;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "renpho_es26bb");
	fat = hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT);
	hv_assert_near(fat, 19.2, 0.2);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "renpho_es26bb");
	/* the rest follow from the fat figure as the handler states */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       68.651 - 0.68725 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT),
		       58.390 - 0.58654 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_PROTEIN_PERCENT),
		       25.340 - 0.30245 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS),
		       54.7 * (100 - fat) / 100, 0.03);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS),
		       54.7 - 54.7 * (93.988 - 0.93960 * fat) / 100 -
			       fat * 54.7 / 100,
		       0.02);

	hv_measurement_init(&in, "renpho_es26bb");
	in.final = true;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 75), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 500), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = "ES-26BB-B";
	f.profile = &male35;
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 15.9, 0.2);

	/* no impedance (0x11 frame): no method readings */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE);
	f.profile = &male35;
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
}

static void step_bytes_hex(const struct hv_step *s, char *out)
{
	for (size_t i = 0; i < s->n_bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", s->bytes[i]);
}

static void test_es26bb_conversation(void **state)
{
	const struct hv_conversation *c =
		hv_driver_by_id("renpho_es26bb")->conversation;
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	const struct hv_step *wait;
	size_t i_ack, i_end;
	uint8_t v[32];
	char hex[64];

	(void)state;
	hv_test_check_conversation(c);
	step_bytes_hex(hv_test_find_step("renpho_es26bb", "unit kg and start", NULL), hex);
	assert_string_equal(hex, "55aa9000040100000094");
	step_bytes_hex(hv_test_find_step("renpho_es26bb", "acknowledge the stored", &i_ack), hex);
	assert_string_equal(hex, "55aa9500010196");
	i_end = c->n_steps - 1;

	/* a stored record is acknowledged, the final weight ends it, a
	 * settling frame or a bad checksum waits on */
	wait = hv_test_find_step("renpho_es26bb", "wait for a stored", NULL);
	{
		struct hv_frame f;

		hv_test_gatt(&f, NULL, "2a10", ES26_RECORD, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_GOTO);
		assert_int_equal(s.next_step, (int)i_ack);
		hv_test_gatt(&f, NULL, "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_GOTO);
		assert_int_equal(s.next_step, (int)i_end);
		hv_test_gatt(&f, NULL, "2a10", ES26_SETTLING, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_MORE);
		v[f.value_len - 1] ^= 1;
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_MORE);
	}
	/* after the acknowledgement it waits again */
	assert_int_equal(c->steps[i_ack + 1].op, HV_STEP_WAIT);
	assert_int_equal(c->steps[i_ack + 1].on_fail, (int)i_end);
}

/* --- the openScale DIY scale ------------------------------------------------ */

/*
 * openScale CustomOpenScaleHandler.kt (openScale@f7a733b2) publishes no
 * capture: these lines are written from its parser.
 */
static void ascii_value(struct hv_frame *f, const char *name, const char *text)
{
	*f = (struct hv_frame){ .name = name, .has_characteristic = true };
	f->characteristic = hv_uuid16(0xFFE1);
	f->value_len = strlen(text);
	assert_true(f->value_len <= sizeof(f->value));
	memcpy(f->value, text, f->value_len);
}

static void test_custom_openscale(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* record 3, 2024-03-15 08:30, 72.40 kg, fat 20.5, water 55.1,
	 * muscle 40.2; checksum 3^24^3^15^8^30^72^20^55^40 = 66 */
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\r\n");
	f.now = 1710491400;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "custom_openscale");
	assert_true(m.final);
	assert_int_equal(m.sequence_number, 3);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.40, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 20.5, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 40.2, 1e-9);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.year, 2024);
	assert_int_equal(m.device_time.month, 3);
	assert_int_equal(m.device_time.day, 15);
	assert_int_equal(m.device_time.hour, 8);
	assert_int_equal(m.device_time.minute, 30);
	/* a four-digit year is taken as sent (and checksummed as sent) */
	ascii_value(&f, "OPENSCALE", "$D$0,2024,3,15,8,30,72.4,0,0,0,1978\n");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "custom_openscale");
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* checksum off, ten fields, a letter in a number, zero weight */
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,67\n");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2\n");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.4x,20.5,55.1,40.2,66\n");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,0,20.5,55.1,40.2,10\n");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "custom_openscale");

	/* information lines and a 20-byte piece read nothing */
	ascii_value(&f, "openScale", "$S$4\n");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "custom_openscale");
	assert_false(m.final);
	assert_int_equal(m.n_readings, 0);
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,7");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "custom_openscale");
	assert_int_equal(m.n_readings, 0);

	/* 0xFFE1 is every HM-10's: the exact name only */
	ascii_value(&f, "openScale2", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\n");
	assert_not_mine(&f);
	ascii_value(&f, NULL, "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\n");
	assert_not_mine(&f);
}

static void test_custom_openscale_conversation(void **state)
{
	struct hv_session s = { .now_local = { 2024, 3, 5, 9, 7, 4 },
				.user_index = -1, .records_expected = -1 };
	const struct hv_step *wait;
	char hex[64];
	const char *want = "224,3,5,9,7,4,";

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("custom_openscale")->conversation);
	assert_int_equal(hv_test_payload("custom_openscale", "set the clock", &s,
					 hex, sizeof(hex)), 0);
	for (size_t i = 0; want[i]; i++) {
		char b[3];

		snprintf(b, sizeof(b), "%02x", (unsigned char)want[i]);
		assert_memory_equal(hex + 2 * i, b, 2);
	}
	assert_int_equal(strlen(hex), 2 * strlen(want));
	/* not before 2000: no clock written */
	s.now_local.year = 1999;
	assert_int_equal(hv_test_payload("custom_openscale", "set the clock", &s,
					 hex, sizeof(hex)), -EINVAL);

	wait = hv_test_find_step("custom_openscale", "wait for the stored", NULL);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$D$1,2", 6), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$F$\n", 4), HV_VALUE_DONE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"0,1\n$F$\n", 8),
			 HV_VALUE_DONE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"x$F$", 4), HV_VALUE_MORE);
	/* the clear command "9" is never sent */
	for (size_t i = 0; i < hv_driver_by_id("custom_openscale")->conversation->n_steps; i++) {
		const struct hv_step *st =
			&hv_driver_by_id("custom_openscale")->conversation->steps[i];

		assert_false(st->bytes && st->n_bytes == 1 && st->bytes[0] == '9');
	}
}

/* --- Taylor 5331891 BIA ------------------------------------------------------ */

/*
 * openScale TaylorBIAHandlerTest.kt (openScale@f7a733b2) gives the first
 * six bytes of captured frames and their weights; the rest of the 20 bytes
 * is the layout its handler draws (02 00 00 01 … 24 D5), the last byte a
 * checksum whose rule is not known (00 here).
 */
#define TY_TAIL "0200000100000000000000" "24d5" "00"
#define TY_NAME "5331891 BIA Scale"

static void taylor_frame(struct hv_frame *f, const char *head, unsigned quirks)
{
	char hex[64];

	snprintf(hex, sizeof(hex), "%s%s", head, TY_TAIL);
	hv_test_gatt(f, TY_NAME, "ffb2", hex, HV_CS_NONE);
	f->quirks = quirks;
}

static void test_taylor_published(void **state)
{
	static const struct {
		const char *head;
		double kg;
	} published[] = {
		{ "ac27808d2f52", 77.650 }, /* 171.2 lb on the display */
		{ "ac27808d3240", 78.400 }, /* 173.0 lb */
		{ "ac27008d0000", 65.536 }, /* bit 16 from the channel */
		{ "ac27008c9c40", 40.000 },
	};
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(published); i++) {
		taylor_frame(&f, published[i].head, 0);
		hv_test_decode(&f, &m);
		hv_test_assert_driver(&m, "taylor_bia");
		hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT),
			       published[i].kg, 1e-9);
		/* 0x80: the stable flag */
		assert_int_equal(m.final, i < 2);
	}
	/* the idle frame reads nothing */
	taylor_frame(&f, "ac27008c0000", 0);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "taylor_bia");
	assert_int_equal(m.n_readings, 0);
	/* the summary: the locked weight again at [8..10] */
	hv_test_gatt(&f, TY_NAME, "ffb2",
		     "ac270100020301808d2f52000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "taylor_bia");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 77.650, 1e-9);
	/* short */
	hv_test_gatt(&f, TY_NAME, "ffb2", "ac27808d2f52", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "taylor_bia");
	/* the name selects it over the LeFu driver on the shared service */
	taylor_frame(&f, "ac27808d2f52", 0);
	f.name = "BIA Scale";
	f.service_uuids[f.n_service_uuids++] = hv_uuid16(0xFFB0);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "taylor_bia");
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("taylor_bia"));
	f.name = "Swan";
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "taylor_bia");
}

/* The plateau: the fourth equal weight running is final, as openScale's
 * handler takes it; the conversation keeps the run in session.quirks. */
static void test_taylor_plateau(void **state)
{
	const struct hv_step *wait = hv_test_find_step("taylor_bia", "wait for a steady", NULL);
	static const char *const frames[] = {
		"ac27008d2000", "ac27008d2f52", "ac27008d2f52", "ac27008d2f52",
		"ac27008d2f52",
	};
	static const bool final[] = { false, false, false, false, true };
	static const int step[] = { HV_VALUE_MORE, HV_VALUE_MORE, HV_VALUE_MORE,
				    HV_VALUE_MORE, HV_VALUE_DONE };
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* a 65.0 kg reading between breaks the run */
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		const char *head = i == 2 ? "ac27008cfde8" : frames[i];

		taylor_frame(&f, head, s.quirks);
		hv_test_decode(&f, &m);
		hv_test_assert_driver(&m, "taylor_bia");
		assert_false(m.final);
		assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	}
	s.quirks = 0;
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		taylor_frame(&f, frames[i], s.quirks);
		hv_test_decode(&f, &m);
		assert_int_equal(m.final, final[i]);
		assert_int_equal(wait->on_value(&s, f.value, f.value_len), step[i]);
	}
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 77.650, 1e-9);
	/* the idle frame does not count */
	taylor_frame(&f, "ac27008c0000", s.quirks);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

static void test_taylor_conversation(void **state)
{
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = male35, .user_index = -1,
				.records_expected = -1 };

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("taylor_bia")->conversation);
	/* the MGB framing: AC 02 B2..B5 CC, sum of B2..CC */
	hv_test_assert_payload("taylor_bia", "start (F7)", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("taylor_bia", "start (FA)", &s, "ac02fa000000ccc6");
	hv_test_assert_payload("taylor_bia", "profile", &s, "ac02fb0123b4cc9f");
	hv_test_assert_payload("taylor_bia", "date", &s, "ac02fd18030fccf3");
	hv_test_assert_payload("taylor_bia", "time", &s, "ac02fc091e05ccf4");
	hv_test_assert_payload("taylor_bia", "unit kg", &s, "ac02fe060100ccd1");
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("taylor_bia", "profile", &s, (char[64]){ 0 }, 64),
			 -ENODATA);
}

/* --- Runstar R6 (lefu_icomon, new framing) ------------------------------------ */

/* openScale RunstarR6HandlerTest.kt (openScale@7d4c6d71): the frame of a
 * physical R6 verbatim, and frames its helper builds (checksum computed) */
#define R6_CAPTURED "f30800a30001032e4b024500000000000000" "0007"
#define R6_A3 "010800a300014c084a01f4" "0000000000000000" "00"
#define R6_A4 "010900a46800000000014c08" "00000000000000" "00"

static void test_runstar_r6(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_CAPTURED, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 66.35, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE), 75, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 581, 1e-9);

	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A3, HV_CS_NEW);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 85.0, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE), 74, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	/* a non-zero status is not a reason to drop the weighing */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010800a307014c084a01f4" "0000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 85.0, 1e-9);
	/* zero heart rate and impedance: absent, the weight kept */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010800a300014c0800000000" "00000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 85.0, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_HEART_RATE));
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	/* checksum 0x1E where 0x1F.. is due */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A3, HV_CS_NEW);
	f.value[19] = (uint8_t)((f.value[19] + 1) & 0x1F);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "lefu_icomon");
	/* the third byte not zero: no result */
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010801a300014c084a01f4" "0000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* a live frame and the device information are not results */
	hv_test_gatt(&f, "Runstar-R6", "ffb2",
		     "010600a20100014c08" "00000000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	hv_test_gatt(&f, "Runstar-R6", "ffb3",
		     "010500a100010203" "0000000000000000000000" "00", HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);

	/* RunstarR6HandlerTest's Fitdays FG2202WB frame, verbatim: the first
	 * part of a 0x1A message, status 0x25, 10.34 kg, heart rate 0 */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", "051a00a32500286400003200" "0a0000000a00001a",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 10.34, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_HEART_RATE));
	/* the Robi S9 keeps its 0x08 rule */
	f.name = "Robi S9";
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));

	/* the stored weighing (A4): 85.0 kg at Unix 0x68000000 */
	hv_test_gatt(&f, "Runstar-R6", "ffb3", R6_A4, HV_CS_NEW);
	f.now = 1744830464 + 3600;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 85.0, 1e-9);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2025);
	assert_int_equal(m.raw_device_time.month, 4);
	assert_int_equal(m.raw_device_time.day, 16);
	assert_int_equal(m.raw_device_time.hour, 19);
	assert_int_equal(m.raw_device_time.minute, 7);

	/* selected by its name alone */
	f = (struct hv_frame){ .name = "Runstar-R6" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("lefu_icomon"));
}

static void test_runstar_r6_conversation(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("lefu_icomon")->conversation;
	struct hv_session s = { .name = "Runstar-R6", .user_index = -1,
				.records_expected = -1 };
	const struct hv_step *init, *wait, *next;
	size_t i_init, i_wait, i_ack, i_next;
	struct hv_frame f;
	char hex[64];

	(void)state;
	hv_test_check_conversation(c);
	/* no AC start for it: the refused start leads to the R6 wait */
	init = hv_test_find_step("lefu_icomon", "init F7", &i_init);
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);
	wait = hv_test_find_step("lefu_icomon", "Runstar R6: wait for a frame", &i_wait);
	assert_int_equal(init->on_fail, (int)i_wait);
	hv_test_find_step("lefu_icomon", "Runstar R6: acknowledge", &i_ack);
	next = hv_test_find_step("lefu_icomon", "Runstar R6: wait for the next", &i_next);
	assert_int_equal(i_next, i_ack + 1);

	/* the published frame, sequence 0xF3, is acknowledged: B0 F3 00 */
	hv_test_gatt(&f, NULL, "ffb3", R6_CAPTURED, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack);
	assert_int_equal(hv_test_payload("lefu_icomon", "Runstar R6: acknowledge", &s,
					 hex, sizeof(hex)), 0);
	assert_string_equal(hex, "000300b0f3000000000000000000000000000003");
	/* a stored weighing, then the device information */
	hv_test_gatt(&f, NULL, "ffb3", R6_A4, HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	hv_test_gatt(&f, NULL, "ffb3", "070500a100010203" "0000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(hv_test_payload("lefu_icomon", "Runstar R6: acknowledge", &s,
					 hex, sizeof(hex)), 0);
	assert_memory_equal(hex + 8, "07", 2);
	/* a bad checksum or an A0 echo is not acknowledged */
	f.value[19] ^= 1;
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffb3", "070300a0f300" "00000000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(next->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* the Robi S9 keeps needing its own handshake: nothing here is for
	 * it (only an SSW532 set-up frame would go on), it ends at the timeout */
	s.name = "Robi S9";
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(c->steps[wait->on_fail].op, HV_STEP_END);
}

/* --- Runstar R5 --------------------------------------------------------------- */

/*
 * openScale RunstarR5Handler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its layout (type A2 at [3], mode at [4], weight
 * 0x680000 + grams at [6..8]).
 */
static void test_runstar_r5(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* measuring 72.400 kg: 0x680000 + 72400 = 0x691AD0 */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20100691ad0" "0000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "runstar_r5");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* stable */
	hv_test_gatt(&f, "Runstar-RX", "ffb2",
		     "000000a20200691ad0" "0000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "runstar_r5");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* below the base: nothing on the scale */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20200680000" "0000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* other types and modes read nothing; 19 bytes is malformed */
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a30200691ad0" "0000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "runstar_r5");
	assert_int_equal(m.n_readings, 0);
	hv_test_gatt(&f, "RUNSTAR-R5", "ffb2",
		     "000000a20200691ad0" "00000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "runstar_r5");
	/* the known names only: not the R6, nor any RUNSTAR- */
	hv_test_gatt(&f, "RUNSTAR-R7", "ffb2",
		     "000000a20200691ad0" "0000000000000000000000", HV_CS_NONE);
	assert_false(hv_driver_by_id("runstar_r5")->claims_device(&f));
	f.name = "Runstar-R6";
	assert_false(hv_driver_by_id("runstar_r5")->claims_device(&f));
	/* chosen over the LeFu driver on the shared service */
	f = (struct hv_frame){ .name = "RUNSTAR-R5", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("runstar_r5"));
}

static void test_runstar_r5_conversation(void **state)
{
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = male35, .user_index = -1,
				.records_expected = -1 };
	const struct hv_step *wait = hv_test_find_step("runstar_r5", "wait for the stable", NULL);
	struct hv_frame f;

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("runstar_r5")->conversation);
	hv_test_assert_payload("runstar_r5", "start (F7)", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("runstar_r5", "start (FA)", &s, "ac02fa000000ccc6");
	hv_test_assert_payload("runstar_r5", "profile", &s, "ac02fb0123b4cc9f");
	hv_test_assert_payload("runstar_r5", "date", &s, "ac02fd18030fccf3");
	hv_test_assert_payload("runstar_r5", "time", &s, "ac02fc091e05ccf4");
	/* its unit code: 0 = kg */
	hv_test_assert_payload("runstar_r5", "unit kg", &s, "ac02fe060000ccd0");
	hv_test_gatt(&f, NULL, "ffb2", "000000a20100691ad0" "0000000000000000000000",
		     HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	f.value[4] = 0x02;
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
}

/* --- RyFit ----------------------------------------------------------------------- */

/*
 * openScale RyFitHandler.kt (openScale@f7a733b2) publishes no capture: the
 * result packets are written from its parser. RyFitHandlerTest.kt
 * (openScale@b692649f) pins the C0 age clamp (9 → 10, 101 → 100).
 */

static void test_ryfit(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* live 72.4 kg */
	hv_test_gatt(&f, "RyFit", "ffe1", "d20002d4", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ryfit");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* the first packet: weight 72.4, fat 21.3 %, water 55.0 % */
	hv_test_gatt(&f, "ChronoCloud-01", "ffe1", "d00001000000000002d400d50226",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ryfit");
	assert_false(m.final);
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.0, 1e-9);
	/* the second: muscle 40.2 %, bone 4.2 % of 72.4 kg, BMR 1573,
	 * visceral level 7 */
	hv_test_gatt(&f, "RyFit", "ffe1", "d0000000019200" "2a0625" "00" "00" "07" "00",
		     HV_CS_NONE);
	f.quirks = 724u << 8;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ryfit");
	assert_true(m.final);
	assert_false(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 40.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.04, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE), 1573, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 7, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_WEIGHT));
	/* without the kept weight: no bone mass */
	f.quirks = 0;
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BONE_MASS));
	/* 13 bytes is malformed; the clock answer reads nothing */
	hv_test_gatt(&f, "RyFit", "ffe1", "d00001000000000002d400d502", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "ryfit");
	hv_test_gatt(&f, "RyFit", "ffe1", "fbf8", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ryfit");
	assert_int_equal(m.n_readings, 0);
	/* 0xFFE1 is shared: by name or the vendor's address block only */
	hv_test_gatt(&f, NULL, "ffe1", "d20002d4", HV_CS_NONE);
	assert_not_mine(&f);
	f.address = "D0:39:72:01:02:03";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ryfit");
}

static void test_ryfit_conversation(void **state)
{
	struct hv_session s = { .now_unix = 1710491400, .profile = male35,
				.user_index = -1, .records_expected = -1 };
	const struct hv_step *live, *first, *second;
	size_t i_ack_first;
	struct hv_frame f;
	char hex[32];

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("ryfit")->conversation);
	/* 1710491400 = 0x65F40708, little-endian */
	hv_test_assert_payload("ryfit", "set the clock", &s, "faf80807f465");
	/* 180 cm → 160, 35 y, male */
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a02301");
	/* RyFitHandlerTest: the age clamp */
	s.profile.age_years = 9;
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a00a01");
	s.profile.age_years = 101;
	hv_test_assert_payload("ryfit", "profile, guest", &s, "c009a06401");
	s.profile = female30;
	hv_test_assert_payload("ryfit", "profile again", &s, "c009861e00");

	live = hv_test_find_step("ryfit", "wait for someone", NULL);
	first = hv_test_find_step("ryfit", "wait for the first", NULL);
	second = hv_test_find_step("ryfit", "wait for the second", NULL);
	hv_test_find_step("ryfit", "acknowledge the first", &i_ack_first);
	hv_test_gatt(&f, NULL, "ffe1", "d20002d4", HV_CS_NONE);
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, NULL, "ffe1", "d20000", HV_CS_NONE);
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffe1", "d00001000000000002d400d50226", HV_CS_NONE);
	assert_int_equal(first->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal((s.quirks >> 8) & 0xFFFF, 724);
	assert_int_equal(hv_test_payload("ryfit", "acknowledge the first", &s, hex,
					 sizeof(hex)), 0);
	assert_string_equal(hex, "fad00001");
	/* a first packet while waiting for someone: straight to its ack */
	s.quirks = 0;
	assert_int_equal(live->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_first);
	assert_int_equal(second->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffe1", "d10000000192002a062500000700", HV_CS_NONE);
	assert_int_equal(second->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(hv_test_payload("ryfit", "acknowledge the second", &s, hex,
					 sizeof(hex)), 0);
	assert_string_equal(hex, "fad10000");
}

/* --- Senssun ----------------------------------------------------------------------- */

/*
 * openScale SenssunHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its parser (FF A5 V1 V2 type).
 */
static void test_senssun(void **state)
{
	const struct hv_step *stable = hv_test_find_step("senssun", "wait for the stable weight, fff0", NULL);
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* live and stable 72.4 kg: not final, the composition follows */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d40000a0", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "senssun");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d40000aa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal((s.quirks >> 8) & 0xFFFF, 724);

	/* B0: fat 21.3 %, water 55.0 %, the first packet with the weight */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa500d50226b0", HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "senssun");
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.0, 1e-9);
	/* C0: muscle 40.2 %, bone 3.1 kg (little-endian), the last packet */
	hv_test_gatt(&f, "SENSSUN FAT", "ffb2", "ffa501921f00c0", HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "senssun");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 40.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	/* BE: the fat test failed: the kept weight alone */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa500000000be", HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	assert_int_equal(m.n_readings, 1);
	/* without a kept weight (outside a session) these read nothing */
	f.quirks = 0;
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	/* short, and not FF A5 */
	hv_test_gatt(&f, "SENSSUN FAT", "fff1", "ffa502d400", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "senssun");
	/* the exact name only on the shared UUIDs */
	hv_test_gatt(&f, "SENSSUN FAT 2", "fff1", "ffa502d40000aa", HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "senssun");
	/* model B's service does not make it a LeFu scale */
	f = (struct hv_frame){ .name = "Senssun Fat", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("senssun"));
}

static void test_senssun_conversation(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("senssun")->conversation;
	struct hv_session s = { .now_local = { 2024, 3, 15, 9, 30, 5 },
				.profile = male35, .user_index = 2,
				.records_expected = -1 };
	const struct hv_step *sub_a;
	size_t i_sub_b;

	(void)state;
	hv_test_check_conversation(c);
	/* 2024-03-15 is day 75: A5 30 18 00 4B 00 00 sum 00 */
	hv_test_assert_payload("senssun", "date (A5 30), fff0", &s, "a53018004b00009300");
	hv_test_assert_payload("senssun", "time (A5 31), ffb0", &s, "a531091e0500005d00");
	/* male, slot 2, 35 y, 180 cm */
	hv_test_assert_payload("senssun", "user (A5 10), fff0", &s, "a510f223b40000d900");
	/* model A missing: model B's steps */
	sub_a = hv_test_find_step("senssun", "subscribe 0xFFF1", NULL);
	hv_test_find_step("senssun", "subscribe 0xFFB2", &i_sub_b);
	assert_int_equal(sub_a->on_fail, (int)i_sub_b);
	assert_int_equal(c->steps[i_sub_b - 1].op, HV_STEP_END);
}

/* --- Inlife ------------------------------------------------------------------------- */

/*
 * openScale InlifeHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its parser (02 CMD … XOR AA).
 */
#define IL_LEGACY "02dd02d400dac002580000004baa"
#define IL_NEW "02dd02d4000001f4000000807eaa"
#define IL_LIVE "02d802d400000000000000000eaa"
#define IL_FAILED "02dd02d4ffffff0258000000aeaa"
#define IL_ACK "02df00000000000000000000dfaa"

static void test_inlife(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	double w = 72.4, lbm = 56.0, fat_kg = w - lbm;

	(void)state;
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LIVE, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "inlife");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* the older result: 72.4 kg, lean 56.000 kg, visceral factor 60.0 */
	hv_test_gatt(&f, "042FATSCALE01", "fff1", IL_LEGACY, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "inlife");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), 56.0, 1e-9);
	assert_null(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS));
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* with a profile: method "inlife", the handler's formulas */
	f.profile = &male35;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "inlife");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       fat_kg / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       0.73 * lbm / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT),
		       0.548 * lbm / w * 100, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 0.05158 * lbm, 0.005);
	/* male, 180 cm ≥ 1.6 × 72.4 + 63: factor − 50 + (0.765 − 0.002 h) w */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING),
		       60.0 - 50 + (0.765 - 0.002 * 180) * w, 0.05);
	/* the feet off the electrodes: the weight alone */
	hv_test_gatt(&f, "000fatscale02", "fff1", IL_FAILED, HV_CS_NONE);
	f.profile = &male35;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	/* the newer result: 72.4 kg, 500 Ohm, standard_impedance */
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_NEW, HV_CS_NONE);
	f.profile = &male35;
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	/* checksum and framing */
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LEGACY, HV_CS_NONE);
	f.value[12] ^= 1;
	hv_test_decode(&f, &m);
	assert_invalid(&m, "inlife");
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_LEGACY, HV_CS_NONE);
	f.value[13] = 0xAB;
	hv_test_decode(&f, &m);
	assert_invalid(&m, "inlife");
	hv_test_gatt(&f, "000fatscale01", "fff1", IL_ACK, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "inlife");
	assert_int_equal(m.n_readings, 0);
	/* exact names only on 0xFFF1 */
	hv_test_gatt(&f, "000fatscale03", "fff1", IL_LEGACY, HV_CS_NONE);
	assert_false(hv_driver_by_id("inlife")->claims_device(&f));
}

static void test_inlife_conversation(void **state)
{
	const struct hv_step *wait = hv_test_find_step("inlife", "wait for the result", NULL);
	struct hv_session s = { .profile = female30, .user_index = 3,
				.records_expected = -1 };
	struct hv_frame f;

	(void)state;
	hv_test_check_conversation(hv_driver_by_id("inlife")->conversation);
	/* general level 1, female 1, slot 3, 30 y, 167 cm */
	hv_test_assert_payload("inlife", "user (D2)", &s, "02d20101031ea7000000000068aa");
	hv_test_assert_payload("inlife", "finished (D4)", &s, "02d400000000000000000000d4aa");
	hv_test_gatt(&f, NULL, "fff1", IL_LIVE, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "fff1", IL_LEGACY, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("inlife", "user (D2)", &s, (char[64]){ 0 }, 64),
			 -ENODATA);
}

/* --- Realme Smart Scale ------------------------------------------------------------- */

/*
 * openScale RealmeSmartScaleHandler.kt (openScale@f7a733b2) publishes no
 * capture: a measurement written from its parser (72.40 kg, the scale's
 * time 2024-03-15 08:30:00, 500 Ohm) and ciphered with C8:0F:10:11:22:33.
 */
#define RM_FRAME "1011c80f10112233c80f0c5947c7cf0711e522"

static void test_realme(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "realme Smart Scale", "a621", RM_FRAME, HV_CS_NONE);
	f.address = "C8:0F:10:11:22:33";
	f.now = 1710491400 + 60;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "realme");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.40, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.raw_device_time.minute, 30);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* with a profile: openScale's Yunmai model */
	f.profile = &male35;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "yunmai");
	/* another address deciphers to no weight; none: nothing read */
	f.address = "C8:0F:11:11:22:33";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "realme");
	assert_true(fabs(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT) - 72.40) > 1);
	f.address = NULL;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "realme");
	assert_int_equal(m.n_readings, 0);
	/* by name or by its service only */
	hv_test_gatt(&f, NULL, "a621", RM_FRAME, HV_CS_NONE);
	f.address = "C8:0F:10:11:22:33";
	assert_not_mine(&f);
	f.service_uuids[f.n_service_uuids++] = hv_uuid16(0xA602);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "realme");
	/* its handshake is keyed with the address: no conversation */
	assert_null(hv_driver_by_id("realme")->conversation);
}

/* --- Sanitas SBF72 / SBF73, Beurer BF915 (the SIG scale conversation) --------------- */

/* openScale SanitasSbf72Handler.kt (openScale@f7a733b2): a SIG scale with
 * the vendor service 0xFFFF; its activity and take-measurement writes. */
static void test_sbf72(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("sig_weight_scale")->conversation;
	const struct hv_step *act = &c->steps[HV_SIG_STEP_VENDOR_ACTIVITY];
	const struct hv_step *take = &c->steps[HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT];
	static const char *const family[] = { "SBF72", "Sanitas SBF73", "BF915 x" };
	struct hv_session s = { .user_index = 1, .records_expected = -1 };
	struct hv_frame f = { .n_service_uuids = 1 };
	uint8_t buf[8];
	size_t n;

	(void)state;
	hv_test_check_conversation(c);
	for (size_t i = 0; i < ELEMENTSOF(family); i++) {
		s.name = family[i];
		assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 3);
		assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 0);
		/* selected as a SIG scale */
		f.name = family[i];
		f.service_uuids[0] = hv_uuid16(0x181D);
		assert_ptr_equal(hv_registry_select(&f),
				 hv_driver_by_id("sig_weight_scale"));
	}
	/* optional, with a user, on the vendor service, before the wait */
	assert_true(act->flags & HV_STEP_OPTIONAL);
	assert_true(take->flags & HV_STEP_SKIP_IF_NO_USER);
	assert_string_equal(act->service, "ffff");
	assert_string_equal(act->characteristic, "0004");
	assert_string_equal(take->characteristic, "0006");
	assert_int_equal(HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT + 1,
			 HV_SIG_STEP_WAIT_MEASUREMENT);
	/* any other SIG scale: not written */
	s.name = "Renpho ES-WBE28";
	assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	s.name = NULL;
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
}

/* --- Trisa Body Analyze 4.0 ----------------------------------------------------------- */

/*
 * openScale's TrisaBodyAnalyzeLibTest.java (android_app/app/src/androidTest/
 * java/com/health/openscale/, openScale@7120927d): two captured
 * measurements with their weights, times and (male, 36 y, 186 cm) the
 * composition openScale computed: fat 14.728368 %, water 64.37914 %,
 * muscle 43.36414 %, bone 4.525733 kg.
 */
#define TRISA_A "9fb01d00fedc2f8110000000ff0a1500ff000900"
#define TRISA_B "9fba1d00fe322b7110000000ff8d1400ff000900"

static void test_trisa(void **state)
{
	static const struct hv_profile male36 = { .height_m = 1.86, .age_years = 36,
						  .sex = HV_SEX_MALE };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "01257B0123", "8a21", TRISA_A, HV_CS_NONE);
	f.profile = &male36;
	f.now = 1539205852 + 60;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "trisa_body_analyze");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.0, 1e-3);
	/* Wed Oct 10 21:10:52 2018, the scale's clock */
	assert_true(m.has_raw_device_time);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1539205852);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 538.6, 1e-6);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "trisa");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 14.728368, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 64.37914, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 43.36414, 0.05);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 4.525733, 0.005);

	/* 76.1 kg, Fri Sep 28 17:34:42 2018; no profile: no composition */
	hv_test_gatt(&f, "11257B", "8a21", TRISA_B, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "trisa_body_analyze");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.1, 1e-3);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1538156082);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* no time bit: openScale reads nothing; flags that want more bytes */
	hv_test_gatt(&f, "01257B", "8a21", "9eb01d00fedc2f8110", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "trisa_body_analyze");
	hv_test_gatt(&f, "01257B", "8a21", "9fb01d00fedc2f811000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "trisa_body_analyze");
	/* a weight alone (flags 01) */
	hv_test_gatt(&f, "01257B", "8a21", "01b01d00fedc2f8110", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 76.0, 1e-3);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* 0x8A21 is Medisana's too: the name (case as sent) or 0x7802 only */
	hv_test_gatt(&f, "01257b", "8a21", TRISA_A, HV_CS_NONE);
	assert_false(hv_driver_by_id("trisa_body_analyze")->claims_device(&f));
	hv_test_gatt(&f, "0203B", "8a21", TRISA_A, HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "trisa_body_analyze");
	/* the password handshake needs what no session keeps */
	assert_null(hv_driver_by_id("trisa_body_analyze")->conversation);
}

/* --- Weight Gurus 0376 (Transtek A3) --------------------------------------------------- */

/*
 * openScale WeightGurusA3HandlerTest.kt (openScale@f7a733b2) pins the
 * number encodings: FLOAT 2D 1E 00 FE = 77.25, F4 01 00 00 = 500; SFLOAT
 * F0D5 = 21.3, 000C = 12, 0FFF = −1. The frames around them are written
 * from the handler's layout; the time 0x0F000000 s after 2010-01-01.
 */
#define WG_WEIGHT_FRAME "15" "2d1e00fe" "0000000f" "f4010000" "11"
#define WG_APPEND_FRAME "3e" "0000000f" "2006" "d5f0" "2ef2" "0c00" "92f1"

static void test_weight_gurus_a3(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* weight 77.25 kg, 500 Ohm, status: composition follows */
	hv_test_gatt(&f, "00376B251016AA", "8a24", WG_WEIGHT_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "weight_gurus_a3");
	assert_true(m.more_packets);
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 77.25, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_true(m.has_raw_device_time);
	assert_int_equal(hv_datetime_to_unix(&m.raw_device_time), 1262304000 + 0x0F000000);
	/* the composition: BMR 1568, fat 21.3 %, water 55.8 %, visceral 12,
	 * muscle 40.2 % */
	hv_test_gatt(&f, "10376B", "8a22", WG_APPEND_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "weight_gurus_a3");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BASAL_METABOLIC_RATE), 1568, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.8, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 12, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 40.2, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BONE_MASS));
	/* a negative SFLOAT (0FFF = −1) is no figure; bone % is skipped */
	hv_test_gatt(&f, "10376B", "8a22", "44" "0000000f" "ff0f" "23f0", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "weight_gurus_a3");
	assert_int_equal(m.n_readings, 0);
	/* no status: the weight is the whole record */
	hv_test_gatt(&f, "00376B", "8a24", "01" "2d1e00fe" "0000000f", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_false(m.more_packets);
	/* truncated fields */
	hv_test_gatt(&f, "00376B", "8a24", "05" "2d1e00fe" "0000000f" "f401", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "weight_gurus_a3");
	hv_test_gatt(&f, "00376B", "8a22", "04" "0000000f" "d5", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "weight_gurus_a3");
	/* "[01]0376B" only: the other Transtek scales share 0x8A2x */
	hv_test_gatt(&f, "20376B", "8a24", WG_WEIGHT_FRAME, HV_CS_NONE);
	assert_false(hv_driver_by_id("weight_gurus_a3")->claims_device(&f));
	hv_test_gatt(&f, "01257B", "8a22", WG_APPEND_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	if (m.status == HV_STATUS_OK)
		assert_string_not_equal(m.driver, "weight_gurus_a3");
	assert_null(hv_driver_by_id("weight_gurus_a3")->conversation);
}

/* --- Relaxmedic -------------------------------------------------------------------------- */

/*
 * openScale RelaxmedicHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its layout (checksum computed), the weight word with
 * high bits set that the 18-bit mask drops.
 */
#define RX_RESULT "051900a3" "80011ad0" "0000" "1388" "0fa0" "0000000000" "00"
#define RX_LIVE "060600a2" "01" "00011ad0" "00000000000000000000" "00"

static void test_relaxmedic(void **state)
{
	const struct hv_step *wait;
	size_t i_ack_result, i_ack_request;
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Relaxmedic BS", "ffb3", RX_RESULT, HV_CS_NEW);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "relaxmedic");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500.0, 1e-9);
	hv_test_gatt(&f, "relaxmedic", "ffb2", RX_LIVE, HV_CS_NEW);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "relaxmedic");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	/* fragment 1 and a bad checksum */
	hv_test_gatt(&f, "Relaxmedic", "ffb3", "051901" "0fa00fa00fa00fa00fa00fa00fa00fa0" "00",
		     HV_CS_NEW);
	hv_test_decode(&f, &m);
	assert_int_equal(m.n_readings, 0);
	hv_test_gatt(&f, "Relaxmedic", "ffb3", RX_RESULT, HV_CS_NEW);
	f.value[19] = (uint8_t)((f.value[19] + 1) & 0x1F);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "relaxmedic");
	/* chosen over lefu_icomon on the shared service, by name */
	f = (struct hv_frame){ .name = "Relaxmedic", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("relaxmedic"));

	/* the conversation: A0 acknowledged and on; the result acknowledged, end */
	hv_test_check_conversation(hv_driver_by_id("relaxmedic")->conversation);
	wait = hv_test_find_step("relaxmedic", "wait for the result", NULL);
	hv_test_find_step("relaxmedic", "acknowledge a request", &i_ack_request);
	hv_test_find_step("relaxmedic", "acknowledge the result", &i_ack_result);
	hv_test_gatt(&f, NULL, "ffb3", "070200a0" "000000000000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_request);
	hv_test_assert_payload("relaxmedic", "acknowledge a request", &s,
			       "000200b007000000000000000000000000000017");
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT, HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_result);
	assert_int_equal(hv_driver_by_id("relaxmedic")->conversation->steps[i_ack_result + 1].op,
			 HV_STEP_END);
}

static void test_relaxmedic_profile(void **state)
{
	/* 2024-03-15 08:30:00 UTC, local +01:00; male 35, 180 cm */
	struct hv_session s = { .now_unix = 1710491400,
				.now_local = { 2024, 3, 15, 9, 30, 0 },
				.profile = male35, .user_index = -1,
				.records_expected = -1 };

	(void)state;
	hv_test_assert_payload("relaxmedic", "profile (BA)", &s, "001000ba65f40708003c00000000b41770a32f0b");
	/* west of Greenwich: bit 15 */
	s.now_local.hour = 3;
	hv_test_assert_payload("relaxmedic", "profile (BA)", &s, "001000ba65f40708812c00000000b41770a32f1c");
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("relaxmedic", "profile (BA)", &s, (char[64]){ 0 }, 64),
			 -ENODATA);
}

/* --- cross-claims ------------------------------------------------------------------------ */

static bool is_mine(const char *id)
{
	for (const char *const *d = my_drivers; id && *d; d++)
		if (strcmp(*d, id) == 0)
			return true;
	return false;
}

struct family_frame {
	const char *driver;
	const char *name;
	const char *uuid; /* NULL: manufacturer data */
	const char *hex;
	enum hv_test_checksum cs;
};

static const struct family_frame family_frames[] = {
	{ "sinocare", "Weight Scale", NULL, SINOCARE_CW286, HV_CS_NONE },
	{ "scaleup", "da", NULL, "e01c4801f4112233445566", HV_CS_NONE },
	{ "renpho_es26bb", "ES-26BB-B", "2a10", ES26_FINAL, HV_CS_NONE },
	{ "taylor_bia", TY_NAME, "ffb2", "ac27808d2f52" TY_TAIL, HV_CS_NONE },
	{ "runstar_r5", "RUNSTAR-R5", "ffb2", "000000a20200691ad0" "0000000000000000000000",
	  HV_CS_NONE },
	{ "lefu_icomon", "Runstar-R6", "ffb3", R6_CAPTURED, HV_CS_NONE },
	{ "ryfit", "RyFit", "ffe1", "d00001000000000002d400d50226", HV_CS_NONE },
	{ "senssun", "SENSSUN FAT", "fff1", "ffa502d40000aa", HV_CS_NONE },
	{ "inlife", "000fatscale01", "fff1", IL_LEGACY, HV_CS_NONE },
	{ "trisa_body_analyze", "01257B", "8a21", TRISA_A, HV_CS_NONE },
	{ "weight_gurus_a3", "00376B1", "8a24", WG_WEIGHT_FRAME, HV_CS_NONE },
	{ "relaxmedic", "Relaxmedic", "ffb3", RX_RESULT, HV_CS_NEW },
	/* the families already there whose UUIDs these share */
	{ "vitafit", "Vitafit", "fff1", "5a0a26100200000" "01c4800aa", HV_CS_VITAFIT },
	{ "lefu_icomon", "Swan", "ffb2", "ac021c480000ce00", HV_CS_AC },
	{ "beurer_sanitas", "SANITAS SBF70", "ffe1",
	  "e759030265f4070805a801f400eb0227017e0000", HV_CS_NONE },
	{ "medisana_bs4xx", "0203B", "8a21", "0000000000000000000000000001", HV_CS_NONE },
};

static void family_frame(struct hv_frame *f, const struct family_frame *ff,
			 const char *name)
{
	if (ff->uuid)
		hv_test_gatt(f, name, ff->uuid, ff->hex, ff->cs);
	else
		hv_test_mfr(f, name, ff->hex);
	f->address = "C8:0F:10:11:22:33";
}

/* Each family's frame is its own under its name, and no other family's
 * name makes one of these drivers take it (or these names another's). */
static void test_cross_family(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(family_frames); i++) {
		const struct family_frame *ff = &family_frames[i];
		struct hv_frame f;
		struct hv_measurement m;

		family_frame(&f, ff, ff->name);
		hv_test_decode(&f, &m);
		if (strcmp(ff->driver, "medisana_bs4xx") != 0)
			hv_test_assert_driver(&m, ff->driver);
		else
			assert_string_equal(m.driver, ff->driver);
		for (size_t j = 0; j < ELEMENTSOF(family_frames); j++) {
			const struct family_frame *o = &family_frames[j];

			if (strcmp(o->driver, ff->driver) == 0)
				continue;
			/* a name selects its driver on a shared UUID, by
			 * design: skip UUIDs the other driver also lists */
			family_frame(&f, ff, NULL);
			if (hv_driver_matches(hv_driver_by_id(o->driver), &f))
				continue;
			family_frame(&f, ff, o->name);
			hv_test_decode(&f, &m);
			if (m.status != HV_STATUS_NOT_MINE && m.driver &&
			    strcmp(m.driver, ff->driver) != 0 &&
			    (is_mine(m.driver) || is_mine(ff->driver)))
				fail_msg("%s frame claimed by %s with name %s",
					 ff->driver, m.driver, o->name);
		}
	}
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
	roundtrip("renpho_es26bb", "ES-26BB-B", 72.4, 500, true);
	roundtrip("renpho_es26bb", "R-A020", 150.25, 0, false);
	roundtrip("custom_openscale", "openScale", 72.4, 0, true);
	roundtrip("custom_openscale", "openScale", 999.99, 0, true);
	roundtrip("taylor_bia", TY_NAME, 77.65, 0, true);
	roundtrip("taylor_bia", TY_NAME, 130.5, 0, false);
	roundtrip("runstar_r5", "RUNSTAR-R5", 72.4, 0, true);
	roundtrip("runstar_r5", "RUNSTAR-RX", 180.25, 0, false);
	roundtrip("ryfit", "RyFit", 72.4, 0, false);
	roundtrip("senssun", "SENSSUN FAT", 72.4, 0, false);
	roundtrip("inlife", "000fatscale01", 72.4, 500, true);
	roundtrip("inlife", "000fatscale02", 72.4, 0, false);
	roundtrip("realme", "realme", 72.4, 500, true);
	roundtrip("trisa_body_analyze", "01257B", 76.1, 538.6, true);
	roundtrip("weight_gurus_a3", "00376B1", 77.25, 500, true);
	roundtrip("relaxmedic", "Relaxmedic", 72.4, 500, true);
	roundtrip("relaxmedic", "Relaxmedic", 150.2, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sinocare_published),
		cmocka_unit_test(test_sinocare_checks),
		cmocka_unit_test(test_scaleup),
		cmocka_unit_test(test_es26bb_published),
		cmocka_unit_test(test_es26bb_checks),
		cmocka_unit_test(test_es26bb_method),
		cmocka_unit_test(test_es26bb_conversation),
		cmocka_unit_test(test_custom_openscale),
		cmocka_unit_test(test_custom_openscale_conversation),
		cmocka_unit_test(test_taylor_published),
		cmocka_unit_test(test_taylor_plateau),
		cmocka_unit_test(test_taylor_conversation),
		cmocka_unit_test(test_runstar_r6),
		cmocka_unit_test(test_runstar_r6_conversation),
		cmocka_unit_test(test_runstar_r5),
		cmocka_unit_test(test_runstar_r5_conversation),
		cmocka_unit_test(test_ryfit),
		cmocka_unit_test(test_ryfit_conversation),
		cmocka_unit_test(test_senssun),
		cmocka_unit_test(test_senssun_conversation),
		cmocka_unit_test(test_inlife),
		cmocka_unit_test(test_inlife_conversation),
		cmocka_unit_test(test_realme),
		cmocka_unit_test(test_sbf72),
		cmocka_unit_test(test_trisa),
		cmocka_unit_test(test_weight_gurus_a3),
		cmocka_unit_test(test_relaxmedic),
		cmocka_unit_test(test_relaxmedic_profile),
		cmocka_unit_test(test_cross_family),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_encoders_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
