// SPDX-License-Identifier: MIT
/*
 * Scale families drawn from openScale's handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/):
 * AAA-series broadcast, Hesley, Exingtech Y1, Digoo DG-SO38H, Ebelter
 * Body Fat-B2, Excelvan CF36x, Hoffen BBS-8107, Cult Smart Scale Pro,
 * Renpho ES-CS20M, Active Era BF-06, 1BODY CONNECT / X-LINE;
 * EEBBL and the Dr Trust SSW532 set-up as variants of lefu_icomon. Frames are written here from the layouts in the drivers'
 * header comments unless a test cites a published one; each is decoded
 * through the whole registry. Selection and cross-claims, the Theengs
 * corpus claimed by none of them, encoders round trip, conversation
 * payloads and the steps' handling of the values.
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

#include "drivers/bodycomp_active_era.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const char *const my_drivers[] = {
	"aaax", "hesley", "exingtech_y1", "digoo_dgso38h", "ebelter_b2",
	"excelvan_cf36x", "hoffen_bbs8107", "cult_scale_pro", "es_cs20m",
	"active_era_bf06", "body_connect", NULL,
};

/* Drivers with a GATT conversation. */
static const char *const my_connected[] = {
	"hesley", "exingtech_y1", "digoo_dgso38h", "ebelter_b2",
	"excelvan_cf36x", "hoffen_bbs8107", "cult_scale_pro", "es_cs20m",
	"active_era_bf06", "body_connect", NULL,
};

static const struct hv_profile male44 = { .height_m = 1.80, .age_years = 44,
					  .sex = HV_SEX_MALE };

static void assert_invalid(const struct hv_measurement *m, const char *id)
{
	assert_int_equal(m->status, HV_STATUS_INVALID);
	assert_string_equal(m->driver, id);
	assert_true(m->error[0] != 0);
}

/* Decoded by id as a protocol frame: OK, not final, no readings. */
static void assert_control(const struct hv_measurement *m, const char *id)
{
	hv_test_assert_driver(m, id);
	assert_false(m->final);
	assert_int_equal(m->n_readings, 0);
}

static struct hv_session session(const char *name)
{
	return (struct hv_session){
		.now_unix = 1710491400, /* 2024-03-15 08:30:00 UTC */
		.now_local = { 2024, 3, 15, 9, 30, 0 },
		.day_of_week = 5,
		.user_index = 3,
		.profile = male44,
		.name = name,
		.last_sequence = -1,
		.records_expected = -1,
	};
}

/* A write step's static bytes are exactly expect (hex). */
static void assert_step_bytes(const char *id, const char *what, const char *expect)
{
	const struct hv_step *st = hv_test_find_step(id, what, NULL);
	char hex[2 * 64 + 1] = "";

	assert_int_equal(st->op, HV_STEP_WRITE);
	assert_non_null(st->bytes);
	assert_true(st->n_bytes <= 64);
	for (size_t i = 0; i < st->n_bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", st->bytes[i]);
	assert_string_equal(hex, expect);
}

/* --- AAA-series ------------------------------------------------------------- */

/*
 * Manufacturer data for company `company` carrying the clear payload
 * `clear` (six bytes, hex), masked with the company's high byte; the
 * checksum byte is computed unless `bad_checksum`.
 */
static void aaa_advert(struct hv_frame *f, const char *name, uint16_t company,
		       const char *clear, bool bad_checksum)
{
	uint8_t p[6], key = (uint8_t)(company >> 8);
	char hex[2 * 14 + 1];
	size_t n = 0;

	for (int i = 0; i < 6; i++)
		p[i] = (uint8_t)(hv_hex_digit(clear[2 * i]) << 4 |
				 hv_hex_digit(clear[2 * i + 1]));
	p[5] = (uint8_t)((p[0] + p[1] + p[2] + p[3] + p[4]) & 0x1F);
	if (bad_checksum)
		p[5] ^= 0x01;
	n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x%02x",
			      company & 0xFF, company >> 8);
	n += (size_t)snprintf(hex + n, sizeof(hex) - n, "112233445566");
	for (int i = 0; i < 6; i++)
		n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%02x",
				      p[i] ^ key);
	hv_test_mfr(f, name, hex);
}

static void test_aaax(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* stable, 72 450 g = 0x011B02 */
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ad00", false);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "aaax");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* the reserved bits are not weight */
	aaa_advert(&f, "AAA013", 0x0001, "bffd1b02ad00", false);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "aaax");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* settling: live */
	aaa_advert(&f, "AAA007", 0xC3A0, "00011b02ad00", false);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "aaax");
	assert_false(m.final);
	/* impedance, other types, zero weight: protocol frames */
	aaa_advert(&f, "AAA002", 0x5D12, "800001f4a600", false);
	hv_test_decode(&f, &m);
	assert_control(&m, "aaax");
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ae00", false);
	hv_test_decode(&f, &m);
	assert_control(&m, "aaax");
	aaa_advert(&f, "AAA002", 0x5D12, "80000000ad00", false);
	hv_test_decode(&f, &m);
	assert_control(&m, "aaax");
	/* a bad checksum, a short payload */
	aaa_advert(&f, "AAA002", 0x5D12, "80011b02ad00", true);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "aaax");
	hv_test_mfr(&f, "AAA002", "125d112233445566aabbccdd");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "aaax");
	/* the same bytes under another name, or none, are not ours */
	aaa_advert(&f, "AAA0021", 0x5D12, "80011b02ad00", false);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "aaax") != 0);
	aaa_advert(&f, NULL, 0x5D12, "80011b02ad00", false);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "aaax") != 0);
}

/* --- Hesley ------------------------------------------------------------------ */

static void test_hesley(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 72.45 kg, fat 21.3 %, water 55.2 %, muscle 38.4 %, bone 3.1 kg,
	 * 1650 kcal, body age 40 */
	hv_test_gatt(&f, "YunChen", "fff4",
		     "0000" "1c4d" "00d5" "0000" "0228" "0180" "001f" "0672" "00" "28" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hesley");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* any case of the name */
	f.name = "yunchen";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hesley");
	/* other lengths: protocol frames; zero weight: invalid */
	hv_test_gatt(&f, "YunChen", "fff4", "a5012c", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "hesley");
	hv_test_gatt(&f, "YunChen", "fff4",
		     "0000" "0000" "00d5" "0000" "0228" "0180" "001f" "0672" "00" "28" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "hesley");
	/* 0xFFF4 under another name, or none, is not Hesley's */
	hv_test_gatt(&f, "YunChen2", "fff4",
		     "0000" "1c4d" "00d5" "0000" "0228" "0180" "001f" "0672" "00" "28" "0000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "hesley") != 0);
	f.name = NULL;
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "hesley") != 0);
}

static void test_hesley_conversation(void **state)
{
	struct hv_session s = session("YunChen");
	const struct hv_step *wait;
	uint8_t result[20] = { 0 }, ack[3] = { 0 };

	(void)state;
	assert_step_bytes("hesley", "arm", "a5012cab505a29");
	wait = hv_test_find_step("hesley", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, ack, sizeof(ack)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}

/* --- Exingtech Y1 ------------------------------------------------------------ */

#define EX_NOTIFY "1a2ea400-75b9-11e2-be05-0002a5d5c51b"

static const struct hv_profile female35 = { .height_m = 1.65, .age_years = 35,
					    .sex = HV_SEX_FEMALE };

static void test_exingtech_y1(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 72.4 kg, fat 21.3 %, water 55.2 %, bone 3.1 kg, muscle 38.4 %,
	 * visceral 9; no name needed: the UUID is the vendor's */
	hv_test_gatt(&f, NULL, EX_NOTIFY,
		     "00000000" "02d4" "00d5" "0228" "001f" "0180" "09" "0672" "00e6" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "exingtech_y1");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 9, 1e-9);
	/* weight only ([6] = 0xFF): live, no composition */
	hv_test_gatt(&f, "VScale", EX_NOTIFY,
		     "00000000" "02d4" "ffff" "0000" "0000" "0000" "00" "0000" "0000" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "exingtech_y1");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* other lengths; zero weight */
	hv_test_gatt(&f, "VScale", EX_NOTIFY, "10030000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "exingtech_y1");
	hv_test_gatt(&f, "VScale", EX_NOTIFY,
		     "00000000" "0000" "00d5" "0228" "001f" "0180" "09" "0672" "00e6" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "exingtech_y1");
}

static void test_exingtech_y1_conversation(void **state)
{
	struct hv_session s = session("VScale");
	const struct hv_step *wait;
	uint8_t weight_only[20] = { [5] = 0x01, [6] = 0xFF }, result[20] = { [5] = 1 };
	char hex[32];

	(void)state;
	/* slot 3, male (0), 44 y, 180 cm */
	hv_test_assert_payload("exingtech_y1", "user block", &s, "1003002cb4");
	s.profile = female35;
	s.user_index = -1;
	hv_test_assert_payload("exingtech_y1", "user block", &s, "100101" "23" "a5");
	/* no profile: nothing to write (the step is optional) */
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("exingtech_y1", "user block", &s, hex,
					 sizeof(hex)),
			 -ENODATA);
	assert_true(hv_test_find_step("exingtech_y1", "user block", NULL)->flags &
		    HV_STEP_OPTIONAL);
	wait = hv_test_find_step("exingtech_y1", "wait for the composition", NULL);
	assert_int_equal(wait->on_value(&s, weight_only, sizeof(weight_only)),
			 HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
	assert_int_equal(wait->on_value(&s, result, 19), HV_VALUE_MORE);
}

/* --- Digoo DG-SO38H ---------------------------------------------------------- */

static void test_digoo(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* all values: 72.45 kg, fat 21.3 %, visceral 8.5, water 55.2 %,
	 * muscle 38.4 %, bone 3.1 kg */
	hv_test_gatt(&f, "Mengii", "fff1",
		     "000000" "1c4d" "02" "00d5" "0000" "55" "0228" "000000" "0180" "1f" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "digoo_dgso38h");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 8.5, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	/* all values with fat 0: the weight alone */
	hv_test_gatt(&f, "Mengii", "fff1",
		     "000000" "1c4d" "02" "0000" "0000" "55" "0228" "000000" "0180" "1f" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "digoo_dgso38h");
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	/* stable weight: live (the all-values frame follows) */
	hv_test_gatt(&f, "mengii", "fff1",
		     "000000" "1c4d" "01" "0000" "0000" "00" "0000" "000000" "0000" "00" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "digoo_dgso38h");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* empty, short */
	hv_test_gatt(&f, "Mengii", "fff1",
		     "000000" "0000" "00" "0000" "0000" "00" "0000" "000000" "0000" "00" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "digoo_dgso38h");
	hv_test_gatt(&f, "Mengii", "fff1", "0000001c4d02", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "digoo_dgso38h");
	/* 0xFFF1 without the name is not Digoo's */
	hv_test_gatt(&f, NULL, "fff1",
		     "000000" "1c4d" "02" "00d5" "0000" "55" "0228" "000000" "0180" "1f" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "digoo_dgso38h") != 0);
}

static void test_digoo_conversation(void **state)
{
	struct hv_session s = session("Mengii");
	const struct hv_step *stable, *all;
	size_t i_end;
	uint8_t live[20] = { [3] = 0x1c, [4] = 0x4d }, st[20] = { [3] = 0x1c, [4] = 0x4d, [5] = 1 };
	uint8_t result[20] = { [3] = 0x1c, [4] = 0x4d, [5] = 2 };

	(void)state;
	/* 180 cm, 44 y, male (0), kg (1); 11+0d+01+b4+2c+00+01 = 0x100 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01b42c000100000000" "0000");
	s.profile = female35;
	/* 11+0d+01+a5+23+01+01 = 0xe9 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01a523010100000000" "00e9");
	s.profile = (struct hv_profile){ 0 };
	/* zeros: 11+0d+01+00+00+00+01 = 0x20 */
	hv_test_assert_payload("digoo_dgso38h", "profile and unit", &s,
			       "091012110d01000000010000000000" "20");
	stable = hv_test_find_step("digoo_dgso38h", "wait for a stable weight", NULL);
	all = hv_test_find_step("digoo_dgso38h", "wait for all values", NULL);
	(void)hv_test_find_step("digoo_dgso38h", "done", &i_end);
	assert_int_equal(stable->on_value(&s, live, sizeof(live)), HV_VALUE_MORE);
	assert_int_equal(stable->on_value(&s, st, sizeof(st)), HV_VALUE_DONE);
	assert_int_equal(stable->on_value(&s, result, sizeof(result)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	assert_int_equal(all->on_value(&s, st, sizeof(st)), HV_VALUE_MORE);
	assert_int_equal(all->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}

/* --- Ebelter Body Fat-B2 ------------------------------------------------------- */

static void test_ebelter(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 72.4 kg (724 LE), fat 21.3 % (213 LE) */
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "8d110000d402d50000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ebelter_b2");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	/* fat 0: weight alone; any case of the name and a suffix */
	hv_test_gatt(&f, "BODY FAT-B2 01", "faa2", "8d110000d4020000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "ebelter_b2");
	assert_int_equal(m.n_readings, 1);
	/* status, below 10 kg, other: protocol frames; short, foreign: invalid */
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "8d01", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "ebelter_b2");
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "8d11000063000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "ebelter_b2");
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "8d22", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "ebelter_b2");
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "8d110000d402d5", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "ebelter_b2");
	hv_test_gatt(&f, "Body Fat-B2", "faa2", "ab09", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "ebelter_b2");
}

static void test_ebelter_conversation(void **state)
{
	struct hv_session s = session("Body Fat-B2");
	const struct hv_step *wait;
	uint8_t status[] = { 0x8D, 0x01 }, light[] = { 0x8D, 0x11, 0, 0, 0x63, 0, 0, 0 };
	uint8_t result[] = { 0x8D, 0x11, 0, 0, 0xD4, 0x02, 0, 0 };

	(void)state;
	assert_step_bytes("ebelter_b2", "handshake, first", "ab0998fc121711180a2714");
	assert_step_bytes("ebelter_b2", "handshake, second",
			  "ab0e9906151442148bbc0aa611bd12e9ea");
	/* openScale's writeTo() writes with response by default */
	assert_true(hv_test_find_step("ebelter_b2", "handshake, first", NULL)->flags &
		    HV_STEP_WITH_RESPONSE);
	assert_true(hv_test_find_step("ebelter_b2", "handshake, second", NULL)->flags &
		    HV_STEP_WITH_RESPONSE);
	wait = hv_test_find_step("ebelter_b2", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, status, sizeof(status)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, light, sizeof(light)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}

/* --- Excelvan CF36x ------------------------------------------------------------ */

static void test_excelvan(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* 72.4 kg, fat 21.3 %, bone 3.1 kg, muscle 38.4 %, visceral 9,
	 * water 55.2 %, BMR 1650 */
	hv_test_gatt(&f, "Electronic Scale", "fff4",
		     "cf000000" "02d4" "00d5" "1f" "0180" "09" "0228" "0672", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "excelvan_cf36x");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 9, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.2, 1e-9);
	/* 17 bytes too */
	hv_test_gatt(&f, "electronic scale", "fff4",
		     "cf000000" "02d4" "00d5" "1f" "0180" "09" "0228" "0672" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "excelvan_cf36x");
	/* other heads: protocol frames; bad length, zero weight: invalid */
	hv_test_gatt(&f, "Electronic Scale", "fff4", "fe0101", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "excelvan_cf36x");
	hv_test_gatt(&f, "Electronic Scale", "fff4", "cf00000002d400d5", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "excelvan_cf36x");
	hv_test_gatt(&f, "Electronic Scale", "fff4",
		     "cf000000" "0000" "00d5" "1f" "0180" "09" "0228" "0672", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "excelvan_cf36x");
	/* 0xFFF4 under another name is not Excelvan's */
	hv_test_gatt(&f, "Electronic Scale 2", "fff4",
		     "cf000000" "02d4" "00d5" "1f" "0180" "09" "0228" "0672", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "excelvan_cf36x") != 0);
}

static void test_excelvan_conversation(void **state)
{
	struct hv_session s = session("Electronic Scale");
	const struct hv_step *wait;
	uint8_t result[16] = { 0xCF }, echo[8] = { 0xFE };

	(void)state;
	/* user 1, male (1), activity 0, 180 cm, 44 y, kg; XOR 01^01^00^b4^2c^01 */
	hv_test_assert_payload("excelvan_cf36x", "user and unit", &s, "fe010100b42c0199");
	s.profile = female35;
	/* 01^00^00^a5^23^01 = 0x86 */
	hv_test_assert_payload("excelvan_cf36x", "user and unit", &s, "fe010000a5230186");
	wait = hv_test_find_step("excelvan_cf36x", "wait for the result", NULL);
	assert_int_equal(wait->on_value(&s, echo, sizeof(echo)), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}

/* --- Hoffen BBS-8107 ------------------------------------------------------------ */

#define HOFFEN_RESULT "fa0210" "d402" "00" "d500" "2802" "8001" "0000" "1f" "0000" "5f00" "00"

static void test_hoffen(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* barefoot: 72.4 kg, fat 21.3 %, water 55.2 %, muscle 38.4 %, bone
	 * 3.1 kg, visceral 9.5 */
	hv_test_gatt(&f, "Hoffen BS-8107", "ffb2", HOFFEN_RESULT, HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hoffen_bbs8107");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 21.3, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 55.2, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 38.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.1, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_VISCERAL_FAT_RATING), 9.5, 1e-9);
	/* its checksum may come later: the result stands without it */
	hv_test_gatt(&f, "PC-PW 3008 BT", "ffb2", HOFFEN_RESULT, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hoffen_bbs8107");
	assert_true(m.final);
	/* shoes on ([5] = 04): the weight alone */
	hv_test_gatt(&f, "PC-PW 3008 BT", "ffb2", "fa0204d4020400", HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hoffen_bbs8107");
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	/* barefoot but cut short: invalid */
	hv_test_gatt(&f, "PC-PW 3008 BT", "ffb2", "fa0210d40200d500280280010000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "hoffen_bbs8107");
	/* live weight; an acknowledgement; a bad checksum */
	hv_test_gatt(&f, "Hoffen BS-8107", "ffb2", "fa010300d40200", HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "hoffen_bbs8107");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_test_gatt(&f, "Hoffen BS-8107", "ffb2", "fa03010000", HV_CS_XOR_FROM1);
	hv_test_decode(&f, &m);
	assert_control(&m, "hoffen_bbs8107");
	hv_test_gatt(&f, "Hoffen BS-8107", "ffb2", "fa010300d40201", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "hoffen_bbs8107");
	/* an AC frame under the LeFu name stays LeFu's */
	hv_test_gatt(&f, "Swan", "ffb2", "ac021c480000ce00", HV_CS_AC);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
}

/* Selection as openScale's HoffenBbs8107HandlerTest (commit f7a733b2) has it. */
static void test_hoffen_selection(void **state)
{
	static const char *const ours[] = { "Hoffen BS-8107", "PC-PW 3008 BT",
					    "pc-pw 3008 bt", " PC-PW 3008 BT ", NULL };
	static const char *const not_ours[] = { "MI Band 5", "", "PC-PW 3007 BT",
						"PC-PW 3008", NULL };
	const struct hv_driver *d = hv_driver_by_id("hoffen_bbs8107");
	struct hv_frame f;

	(void)state;
	for (const char *const *n = ours; *n; n++) {
		f = (struct hv_frame){ .name = *n, .n_service_uuids = 2 };
		f.service_uuids[0] = hv_uuid16(0xFEE7);
		f.service_uuids[1] = hv_uuid16(0xFFB0);
		/* before the LeFu family, which takes 0xFFB0 otherwise */
		assert_ptr_equal(hv_registry_select(&f), d);
	}
	for (const char *const *n = not_ours; *n; n++) {
		f = (struct hv_frame){ .name = *n, .n_service_uuids = 1 };
		f.service_uuids[0] = hv_uuid16(0xFEE7);
		assert_false(d->claims_device(&f));
	}
}

static void test_hoffen_conversation(void **state)
{
	struct hv_session s = session("Hoffen BS-8107");
	const struct hv_step *ack, *fin;
	uint8_t ok[] = { 0xFA, 0x03, 0x01, 0x00, 0x02 }, bad[] = { 0xFA, 0x03, 0x01, 0x00, 0x00 };
	uint8_t result[] = { 0xFA, 0x02, 0x10, 0xD4, 0x02, 0x04 }, live[] = { 0xFA, 0x01, 0x03, 0, 0xD4, 0x02, 0xD5 };

	(void)state;
	/* user: plan 0, male 1, 44 y, 180 cm; XOR 85^04^00^01^2c^b4 */
	hv_test_assert_payload("hoffen_bbs8107", "user", &s, "fa850400012cb418");
	hv_test_assert_payload("hoffen_bbs8107", "unit kg", &s, "fa8302010080");
	hv_test_assert_payload("hoffen_bbs8107", "measurement received", &s, "fa82010083");
	ack = hv_test_find_step("hoffen_bbs8107", "user acknowledged", NULL);
	fin = hv_test_find_step("hoffen_bbs8107", "wait for the final", NULL);
	assert_int_equal(ack->on_value(&s, bad, sizeof(bad)), HV_VALUE_MORE);
	assert_int_equal(ack->on_value(&s, ok, sizeof(ok)), HV_VALUE_DONE);
	assert_int_equal(fin->on_value(&s, live, sizeof(live)), HV_VALUE_MORE);
	assert_int_equal(fin->on_value(&s, result, sizeof(result)), HV_VALUE_DONE);
}

/* --- Cult Smart Scale Pro ---------------------------------------------------------- */

/* *f = hex on 0xFFF4 under "Cult…", its last byte the XOR of all before. */
static void cult_frame(struct hv_frame *f, const char *hex)
{
	hv_test_gatt(f, "CULT-SCALE", "fff4", hex, HV_CS_NONE);
	f->value[f->value_len - 1] = 0;
	for (size_t i = 0; i + 1 < f->value_len; i++)
		f->value[f->value_len - 1] ^= f->value[i];
}

/* Impedance set 0 with the values CultSmartScaleProHandler's comment gives
 * from its capture (2867, 3013, 248, 2904, 2668 Ohm). */
#define CULT_SET0 "be00" "330b" "c50b" "f800" "580b" "6c0a" "00"

static void test_cult(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* settling, stable (no handles), handles measuring / stable */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "01" "00");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "cult_scale_pro");
	assert_false(m.final);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "cult_scale_pro");
	assert_true(m.final);
	assert_false(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "05" "00");
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.more_packets);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "08" "00");
	hv_test_decode(&f, &m);
	assert_true(m.more_packets);
	/* set 0 out of a session: the impedance alone, not final */
	cult_frame(&f, CULT_SET0);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "cult_scale_pro");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 248, 1e-9);
	/* with the weight kept: the measurement, standard impedance */
	f.quirks = 7245u << 8;
	f.profile = &male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 248, 1e-9);
	/* 248 Ohm gives this person a fat-free mass above the weight (Sun
	 * 2003: −10.68 + 0.65 × 180²/248 + 0.26 × 72.45 + 0.02 × 248 = 98):
	 * no composition rather than a negative fat */
	assert_null(hv_measurement_find(&m, HV_METRIC_FAT_FREE_MASS));
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* 500 Ohm (written from the layout): standard impedance */
	cult_frame(&f, "be00" "330b" "c50b" "f401" "580b" "6c0a" "00");
	f.quirks = 7245u << 8;
	f.profile = &male44;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS),
		       -10.68 + 0.65 * 180 * 180 / 500.0 + 0.26 * 72.45 + 0.02 * 500,
		       0.006);
	/* set 1, composition frames: nothing read */
	cult_frame(&f, "be01" "330b" "c50b" "f800" "580b" "6c0a" "00");
	hv_test_decode(&f, &m);
	assert_control(&m, "cult_scale_pro");
	cult_frame(&f, "df000102" "000000000000000000000000" "00");
	hv_test_decode(&f, &m);
	assert_control(&m, "cult_scale_pro");
	/* a bad XOR, a short frame */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	f.value[10] ^= 1;
	hv_test_decode(&f, &m);
	assert_invalid(&m, "cult_scale_pro");
	cult_frame(&f, "cf8000" "4d1c" "0000" "00");
	hv_test_decode(&f, &m);
	assert_invalid(&m, "cult_scale_pro");
	/* 0xFFF4 under Excelvan's name is Excelvan's, whatever the bytes */
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	f.name = "Electronic Scale";
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "cult_scale_pro") != 0);
}

static void test_cult_conversation(void **state)
{
	struct hv_session s = session("Cult Smart Scale");
	const struct hv_step *wait_w, *wait_z;
	size_t i_end;
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	wait_w = hv_test_find_step("cult_scale_pro", "wait for a stable weight", NULL);
	wait_z = hv_test_find_step("cult_scale_pro", "wait for the impedance", NULL);
	(void)hv_test_find_step("cult_scale_pro", "done", &i_end);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "01" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* measuring: kept, still waiting; stable with handles: done */
	cult_frame(&f, "cf8000" "4c1c" "00000000" "08" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7244);
	cult_frame(&f, "cf8000" "4d1c" "00000000" "05" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks >> 8, 7245);
	cult_frame(&f, "be01" "330b" "c50b" "f800" "580b" "6c0a" "00");
	assert_int_equal(wait_z->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	cult_frame(&f, CULT_SET0);
	assert_int_equal(wait_z->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* the impedance before any 05: decoded with the 08 weight, done */
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	/* stable without handles: nothing follows */
	s = session("Cult");
	cult_frame(&f, "cf8000" "4d1c" "00000000" "00" "00");
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
	/* no weight kept: the impedance is not a reason to stop */
	cult_frame(&f, CULT_SET0);
	assert_int_equal(wait_w->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

/* --- EEBBL (a lefu_icomon variant) ------------------------------------------------- */

#define A2_LOCKED_72450 "0107" "00a2" "03" "00" "011b02" "00000000000000000000" "00"
#define A2_SETTLING "0107" "00a2" "01" "00" "011a00" "00000000000000000000" "00"

static void test_eebbl(void **state)
{
	struct hv_session s = session("EEBBL Scale");
	const struct hv_step *stable, *fin;
	size_t i_fin, i_end;
	struct hv_frame f, settling;
	struct hv_measurement m;

	(void)state;
	assert_ptr_equal(hv_registry_select(&(struct hv_frame){ .name = "EEBBL Scale" }),
			 hv_driver_by_id("lefu_icomon"));
	/* the same AC initialisation as the family */
	hv_test_assert_payload("lefu_icomon", "init F7", &s, "ac02f7000000ccc3");
	hv_test_assert_payload("lefu_icomon", "user", &s, "ac02fb012cb4cca8");

	stable = hv_test_find_step("lefu_icomon", "wait for a stable weight", NULL);
	fin = hv_test_find_step("lefu_icomon", "EEBBL: wait", &i_fin);
	(void)hv_test_find_step("lefu_icomon", "done (EEBBL)", &i_end);
	assert_int_equal(i_end, i_fin + 1);
	hv_test_gatt(&f, "EEBBL Scale", "ffb2", A2_LOCKED_72450, HV_CS_NEW);
	hv_test_gatt(&settling, "EEBBL Scale", "ffb2", A2_SETTLING, HV_CS_NEW);
	/* out of a session, or before it settles: live */
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* seven locked, a settling one: the run starts again */
	for (int i = 0; i < 7; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(stable->on_value(&s, settling.value, settling.value_len),
			 HV_VALUE_MORE);
	for (int i = 0; i < 7; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* the eighth: settled, kept */
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_fin);
	/* the next locked frame is the measurement, once */
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* a locked frame of another weight is not */
	hv_test_gatt(&settling, "EEBBL Scale", "ffb2",
		     "0107" "00a2" "03" "00" "011a00" "00000000000000000000" "00", HV_CS_NEW);
	settling.quirks = s.quirks;
	hv_test_decode(&settling, &m);
	assert_false(m.final);
	assert_int_equal(fin->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* other names on the family keep the AC path */
	s = session("Swan");
	hv_test_gatt(&f, "Swan", "ffb2", A2_LOCKED_72450, HV_CS_NEW);
	for (int i = 0; i < 10; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* below 30 kg never settles */
	s = session("EEBBL");
	hv_test_gatt(&f, "EEBBL", "ffb2",
		     "0107" "00a2" "03" "00" "004e20" "00000000000000000000" "00", HV_CS_NEW);
	for (int i = 0; i < 10; i++)
		assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

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
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "es_cs20m");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	f.profile = &male44;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "trisa");
	/* live weight */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_WEIGHT, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "es_cs20m");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* stop: the kept weight when no BIA result came */
	hv_test_gatt(&f, "ES-CS20M", "2a10", ES_STOP, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "es_cs20m");
	f.quirks = 7245u << 8;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "es_cs20m");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	f.quirks |= 1;
	hv_test_decode(&f, &m);
	assert_control(&m, "es_cs20m");
	/* start, a fragment: protocol frames; short BIA, foreign: invalid */
	hv_test_gatt(&f, "ES-CS20M", "2a10", "55aa11000101" "12", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "ad0000" "55aa1900", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "55aa18000b00000000001c4d01", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "es_cs20m");
	hv_test_gatt(&f, "ES-CS20M", "2a10", "a5a5a5a5a5a5", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "es_cs20m");
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
	struct hv_session s = session("ES-CS20M");
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

/* --- Dr Trust SSW532 (a lefu_icomon variant) ------------------------------------- */

#define SSW_RESULT0 "072300a30000000000011ad0000001000000000f"
/* Z3 42.4, Z4 230.0, Z5 227.6 Ohm: 500 Ohm foot to foot */
#define SSW_RESULT1 "07230100000000a801fc08e40800000000000019"
#define SSW_END "0723020000000000000000000000000000000000"
#define SSW_REPLAY0 "072300a10000000000011ad0000001000000000d"

static void test_ssw532_conversation(void **state)
{
	struct hv_session s = session("SSW532");
	const struct hv_step *init, *setup0, *setup1, *result;
	size_t i_setup0, i_setup1, i_teardown;
	uint8_t v0[20] = { 0x5A, 0x18, 0x00 }, v1[20] = { 0x5A, 0x18, 0x01 };
	struct hv_frame f;
	struct hv_measurement m;
	char hex[64];

	(void)state;
	/* 0xFFB3 before 0xFFB2, as openScale subscribes */
	assert_string_equal(hv_driver_by_id("lefu_icomon")->conversation->steps[0].characteristic,
			    "ffb3");
	/* the AC initialisation refuses the new framing and leads to the
	 * new framing's first frame (shared with the Runstar R6), whose
	 * set-up frame 0 goes on to the SSW532 set-up */
	init = hv_test_find_step("lefu_icomon", "init F7", NULL);
	setup0 = hv_test_find_step("lefu_icomon", "Runstar R6: wait for a frame", &i_setup0);
	setup1 = hv_test_find_step("lefu_icomon", "SSW532: set-up frame 1", &i_setup1);
	result = hv_test_find_step("lefu_icomon", "SSW532: wait for the end", NULL);
	(void)hv_test_find_step("lefu_icomon", "SSW532: teardown", &i_teardown);
	assert_int_equal(init->on_fail, (int)i_setup0);
	assert_int_equal(hv_test_payload("lefu_icomon", "init F7", &s, hex, sizeof(hex)),
			 -EOPNOTSUPP);
	/* no session id yet: nothing to send */
	assert_int_equal(hv_test_payload("lefu_icomon", "SSW532: session packet", &s, hex,
					 sizeof(hex)),
			 -ENODATA);
	v0[19] = 0;
	assert_int_equal(setup0->on_value(&s, v1, sizeof(v1)), HV_VALUE_MORE);
	assert_int_equal(setup0->on_value(&s, v0, sizeof(v0)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_setup1);
	assert_int_equal(setup1->on_value(&s, v1, sizeof(v1)), HV_VALUE_DONE);
	/* session id 0x5A; [19] = sum of [3..18] mod 32 */
	hv_test_assert_payload("lefu_icomon", "SSW532: session packet", &s,
			       "000300b05a00000000000000000000000000000a");
	/* 2024-03-15 08:30:00 UTC, 180 cm, 0x80 | 44 */
	hv_test_assert_payload("lefu_icomon", "SSW532: profile and time", &s,
			       "011a00b865f40708014a01b41770ac13880f001d");
	hv_test_assert_payload("lefu_icomon", "SSW532: app id", &s,
			       "011a010000000669636f6d6f6e0000000000000b");
	hv_test_assert_payload("lefu_icomon", "SSW532: teardown", &s,
			       "040300b05a00000000000000000000000000000a");
	{
		const struct hv_conversation *c = hv_driver_by_id("lefu_icomon")->conversation;

		/* the teardown is the SSW532 set-up's last step before its end */
		assert_true(i_teardown + 1 < c->n_steps);
		assert_int_equal(c->steps[i_teardown + 1].op, HV_STEP_END);
	}

	/* fragment 0: the final weight, first packet; kept */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT0, HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks >> 8, 7240);
	/* fragment 1: Z3 + Z4 + Z5 completes it, standard impedance */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT1, HV_CS_NONE);
	f.quirks = s.quirks;
	f.profile = &male44;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	assert_false(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS),
			    "standard_impedance");
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	/* the end: nothing more to decode, the conversation acknowledges */
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_control(&m, "lefu_icomon");
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);

	/* without the handles: the end completes it with the weight */
	s = session("SSW532");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT0, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "lefu_icomon");
	assert_true(m.final);
	assert_int_equal(m.n_readings, 1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.4, 1e-9);

	/* a stored replay keeps nothing: its end is not waited for */
	s = session("SSW532");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_REPLAY0, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_RESULT1, HV_CS_NONE);
	f.quirks = s.quirks;
	hv_test_decode(&f, &m);
	assert_control(&m, "lefu_icomon");
	hv_test_gatt(&f, "SSW532", "ffb3", SSW_END, HV_CS_NONE);
	assert_int_equal(result->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
}

/* --- Active Era BF-06 ---------------------------------------------------------- */

#define AE_STABLE_HR "ac27" "82" "011b02" "000000000000000000000000" "d5" "00"
#define AE_STABLE "ac27" "80" "011b02" "000000000000000000000000" "d5" "00"
#define AE_Z500 "ac27" "01" "00" "01f4" "0000000000000000000000" "00" "d6" "00"
#define AE_HR72 "ac27" "00" "48" "0000000000000000000000000000" "d7" "00"

static void test_active_era(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	double ffm;

	(void)state;
	/* settling, stable: the final weight, first packet */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "00" "011b02" "000000000000000000000000" "d5" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "active_era_bf06");
	assert_false(m.final);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* the impedance with the weight kept: the last packet, "active_era" */
	hv_test_gatt(&f, "ae bs-06", "ffb2", AE_Z500, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final); /* no weight kept */
	f.quirks = 1u | 72450u << 8;
	f.profile = &male44;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "active_era_bf06");
	assert_true(m.final);
	assert_false(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 500, 1e-9);
	ffm = 0.36 * 180 * 180 / 500.0 + 0.162 * 180 + 0.289 * 72.45 - 0.134 * 44 + 4.83 - 6.83;
	assert_string_equal(hv_test_method(&m, HV_METRIC_FAT_FREE_MASS), "active_era");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), ffm, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT),
		       (72.45 - ffm) / 72.45 * 100, 0.06);
	/* a heart rate announced: the impedance is not the last packet */
	f.quirks |= 2;
	hv_test_decode(&f, &m);
	assert_true(m.more_packets);
	/* the vendor's WLA07 (id 7): the impedance alone */
	f.quirks = 1u | 72450u << 8;
	f.value[17] = 0x07;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_FAT_FREE_MASS));
	/* a raw report of 1500 or more, corrected as openScale does */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "01" "00" "09c4" "0000000000000000000000" "00" "d6" "00", HV_CS_NONE);
	f.quirks = 1u | 72450u << 8;
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE),
		       ((2500 - 1000.0) + 724.5 * -0.4) / 0.6 / 10, 0.06);
	/* the heart rate completes it */
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_HR72, HV_CS_NONE);
	f.quirks = 3u | 72450u << 8;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE), 72, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.45, 1e-9);
	/* balance, history: not read; other lengths: invalid */
	hv_test_gatt(&f, "AE BS-06", "ffb2",
		     "ac27" "01" "1c4d" "01f4" "0000000000000000000000" "d0" "00", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "active_era_bf06");
	hv_test_gatt(&f, "AE BS-06", "ffb2", "ac27d5", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "active_era_bf06");
	/* on 0xFFB0 with its service advertised: not the LeFu family's */
	f = (struct hv_frame){ .name = "AE BS-06", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFB0);
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("active_era_bf06"));
}

static void test_active_era_method(void **state)
{
	struct hv_measurement m;
	const struct hv_profile female = { .height_m = 1.65, .age_years = 35,
					   .sex = HV_SEX_FEMALE };
	double ffm = 0.36 * 165 * 165 / 600.0 + 0.162 * 165 + 0.289 * 60 - 0.134 * 35 - 6.83;

	(void)state;
	hv_measurement_init(&m, "active_era_bf06");
	assert_int_equal(hv_bodycomp_active_era(&female, 60, 600, &m), 0);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS), ffm, 0.006);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), (60 - ffm) / 60 * 100,
		       0.06);
	/* incomplete profile, implausible impedance, FFM above the weight */
	hv_measurement_init(&m, "active_era_bf06");
	assert_int_equal(hv_bodycomp_active_era(&(struct hv_profile){ .height_m = 1.65 }, 60,
						600, &m),
			 0);
	assert_int_equal(hv_bodycomp_active_era(&female, 60, 5, &m), 0);
	assert_int_equal(hv_bodycomp_active_era(&female, 30, 100, &m), 0);
	assert_int_equal(m.n_readings, 0);
}

static void test_active_era_conversation(void **state)
{
	struct hv_session s = session("AE BS-06");
	const struct hv_step *stable, *imp, *hr;
	size_t i_end;
	struct hv_frame f;

	(void)state;
	/* time, 04, kg, user 1, 180 cm, no weights, 44 y, male; sum [2..16] */
	hv_test_assert_payload("active_era_bf06", "configuration", &s,
			       "ac2765f40708040001b400002c01000003" "00d0" "51");
	s.profile = female35;
	hv_test_assert_payload("active_era_bf06", "configuration", &s,
			       "ac2765f40708040001a50000230200000300d0" "3a");
	stable = hv_test_find_step("active_era_bf06", "wait for a stable weight", NULL);
	imp = hv_test_find_step("active_era_bf06", "wait for the impedance", NULL);
	hr = hv_test_find_step("active_era_bf06", "wait for the heart rate", NULL);
	(void)hv_test_find_step("active_era_bf06", "done", &i_end);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE_HR, HV_CS_NONE);
	f.value[2] = 0x02; /* not stable yet */
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE_HR, HV_CS_NONE);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	assert_int_equal(s.quirks, 3u | 72450u << 8);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_Z500, HV_CS_NONE);
	assert_int_equal(imp->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_HR72, HV_CS_NONE);
	assert_int_equal(hr->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	/* no heart rate announced: the impedance ends it */
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_STABLE, HV_CS_NONE);
	assert_int_equal(stable->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	hv_test_gatt(&f, "AE BS-06", "ffb2", AE_Z500, HV_CS_NONE);
	assert_int_equal(imp->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_end);
}

/* --- 1BODY CONNECT / X-LINE ------------------------------------------------------ */

/*
 * The frames of openScale's BodyConnectHandlerTest (f7a733b2),
 * buildWeightFrame(524159516, 8020) and buildBodyFrame(524159516, 176, 616,
 * 427, 36): 80.2 kg, fat 17.6 %, water 61.6 %, muscle 42.7 %, bone 3.6.
 */
#define BC_WEIGHT_FRAME "1f541f00fe" "1c0a3e1f" "00000000" "ffb21300" "ff011900"
#define BC_BODY_FRAME "7f" "1c0a3e1f" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000"

static void test_body_connect(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "1BODY CONNECT", "8a24", BC_WEIGHT_FRAME, HV_CS_NONE);
	f.now = 1786000000;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "body_connect");
	assert_true(m.final);
	assert_true(m.more_packets);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.2, 1e-9);
	/* 2010-01-01 + 524159516 s = 2026-08-11 15:51:56 UTC */
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2026);
	assert_int_equal(m.raw_device_time.month, 8);
	assert_int_equal(m.raw_device_time.day, 11);
	assert_int_equal(m.raw_device_time.hour, 15);
	assert_int_equal(m.raw_device_time.minute, 51);

	/* the body frame with the weight's time kept: the last packet */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	f.quirks = 524159516u;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "body_connect");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 17.6, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT), 61.6, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT), 42.7, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS), 3.6, 1e-9);
	/* the X-LINE's time, 315619200 s earlier (the test's 208540316) */
	hv_test_gatt(&f, "1X-LINE", "8a22",
		     "7f" "9c126e0c" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000", HV_CS_NONE);
	f.quirks = 524159516u;
	hv_test_decode(&f, &m);
	assert_true(m.final);
	/* another time (123456), no weight kept: not final */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22",
		     "7f" "40e20100" "010000" "b0f0" "68f2" "00f0" "abf1" "24f0" "0000", HV_CS_NONE);
	f.quirks = 524159516u;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "body_connect");
	assert_false(m.final);
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_false(m.final);
	/* no valid nibble anywhere; zero weight; the test's truncated frame */
	hv_test_gatt(&f, "1BODY CONNECT", "8a22",
		     "7f" "1c0a3e1f" "010000" "b000" "6800" "0000" "ab00" "2400" "0000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "body_connect");
	hv_test_gatt(&f, "1BODY CONNECT", "8a24",
		     "1f000000fe" "1c0a3e1f" "00000000" "ffb21300" "ff011900", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_control(&m, "body_connect");
	hv_test_gatt(&f, "1BODY CONNECT", "8a22", "7f000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_invalid(&m, "body_connect");
	/* Medisana shares 0x8A22: its names keep it */
	hv_test_gatt(&f, "SomeOther Scale", "8a22", BC_BODY_FRAME, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.driver == NULL || strcmp(m.driver, "body_connect") != 0);
}

/* Selection as BodyConnectHandlerTest has it (case-sensitive prefixes). */
static void test_body_connect_selection(void **state)
{
	static const char *const ours[] = { "1BODY CONNECT", "0BODY CONNECT 12",
					    "1X-LINE", "0X-LINE", NULL };
	static const char *const not_ours[] = { "SomeOther Scale", "1body connect",
						"BODY CONNECT", NULL };
	const struct hv_driver *d = hv_driver_by_id("body_connect");
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
}

static void test_body_connect_conversation(void **state)
{
	struct hv_session s = session("1BODY CONNECT");
	const struct hv_step *auth, *slots, *weights;
	/* the test's PASSWORD 0x12345678 and CHALLENGE 0xDEADBEEF */
	uint8_t password[] = { 0xA0, 0x78, 0x56, 0x34, 0x12 };
	uint8_t challenge[] = { 0xA1, 0xEF, 0xBE, 0xAD, 0xDE };
	uint8_t slot[18] = { 0x83 };
	struct hv_frame f;

	(void)state;
	auth = hv_test_find_step("body_connect", "password", NULL);
	slots = hv_test_find_step("body_connect", "the slot list", NULL);
	weights = hv_test_find_step("body_connect", "weights until", NULL);
	assert_int_equal(auth->on_value(&s, challenge, sizeof(challenge)), -EACCES);
	assert_int_equal(auth->on_value(&s, password, 3), HV_VALUE_MORE);
	assert_int_equal(auth->on_value(&s, password, sizeof(password)), HV_VALUE_DONE);
	assert_int_equal(s.scratch[0], 0x12345678u);
	hv_test_assert_payload("body_connect", "broadcast id", &s, "2148564243");

	/* slots 1, 2 and 4..8 taken ("Other"), 3 free: the session's slot 3 */
	s.user_index = -1;
	for (uint8_t n = 1; n <= 8; n++) {
		slot[1] = n;
		memset(slot + 2, ' ', 16);
		if (n != 3)
			memcpy(slot + 2, "Other", 5);
		assert_int_equal(slots->on_value(&s, slot, sizeof(slot)),
				 n == 8 ? HV_VALUE_DONE : HV_VALUE_MORE);
	}
	assert_int_equal(s.user_index, 3);
	assert_true(s.user_registered);
	hv_test_assert_payload("body_connect", "register the user", &s,
			       "0303" "48563320202020202020202020202020");
	/* DF, slot 3, male 1, 44 y, 180 cm, E0, activity 0, no weight, FE */
	hv_test_assert_payload("body_connect", "profile", &s,
			       "51df03012cb4e000000000" "00fe0000");
	/* 2024-03-15 08:30:00 UTC − 2010-01-01 = 448 187 400 s */
	hv_test_assert_payload("body_connect", "time", &s, "02" "08ccb61a");
	assert_step_bytes("body_connect", "set-up done", "22");
	/* a linked slot is kept */
	s = session("1BODY CONNECT");
	for (uint8_t n = 1; n <= 8; n++) {
		slot[1] = n;
		memset(slot + 2, 0, 16);
		(void)slots->on_value(&s, slot, sizeof(slot));
	}
	assert_int_equal(s.scratch[3], 3u);
	assert_false(s.user_registered);
	/* the weight's time is kept for its body frame */
	hv_test_gatt(&f, "1BODY CONNECT", "8a24", BC_WEIGHT_FRAME, HV_CS_NONE);
	assert_int_equal(weights->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(s.quirks, 524159516u);
}

/* --- every family ------------------------------------------------------------- */

/* Encode a measurement, decode it again through the registry under name. */
static void roundtrip(const char *id, const char *name, bool final,
		      const enum hv_metric *metrics, const double *values,
		      size_t n, unsigned quirks)
{
	const struct hv_driver *d = hv_driver_by_id(id);
	struct hv_measurement in, out;
	struct hv_frame f;

	assert_non_null(d);
	hv_measurement_init(&in, id);
	in.final = final;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hv_measurement_add(&in, metrics[i], values[i]), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = name;
	f.quirks = quirks;
	hv_test_decode(&f, &out);
	hv_test_assert_driver(&out, id);
	assert_int_equal(out.final, final);
	for (size_t i = 0; i < n; i++)
		hv_assert_near(hv_test_reading(&out, metrics[i]), values[i], 1e-6);
}

static void test_encoders_roundtrip(void **state)
{
	static const enum hv_metric w[] = { HV_METRIC_BODY_WEIGHT };
	static const enum hv_metric comp[] = {
		HV_METRIC_BODY_WEIGHT, HV_METRIC_BODY_FAT_PERCENT,
		HV_METRIC_BODY_WATER_PERCENT, HV_METRIC_MUSCLE_PERCENT,
		HV_METRIC_BONE_MASS,
	};
	static const double kg[] = { 72.45 }, heavy[] = { 180.001 };
	static const enum hv_metric comp6[] = {
		HV_METRIC_BODY_WEIGHT, HV_METRIC_BODY_FAT_PERCENT,
		HV_METRIC_BODY_WATER_PERCENT, HV_METRIC_MUSCLE_PERCENT,
		HV_METRIC_BONE_MASS, HV_METRIC_VISCERAL_FAT_RATING,
	};
	static const enum hv_metric wfat[] = { HV_METRIC_BODY_WEIGHT,
					       HV_METRIC_BODY_FAT_PERCENT };
	static const double hesley[] = { 72.45, 21.3, 55.2, 38.4, 3.1 };
	static const double full[] = { 72.4, 21.3, 55.2, 38.4, 3.1, 9 };
	static const double digoo[] = { 72.45, 21.3, 55.2, 38.4, 3.1, 8.5 };
	static const double kg1[] = { 72.4 }, ebelter[] = { 72.4, 21.3 };
	static const enum hv_metric wz[] = { HV_METRIC_BODY_WEIGHT, HV_METRIC_IMPEDANCE };
	static const double cult[] = { 72.45, 248 }, es[] = { 72.45, 500 };
	static const enum hv_metric bc_comp[] = {
		HV_METRIC_BODY_FAT_PERCENT, HV_METRIC_BODY_WATER_PERCENT,
		HV_METRIC_MUSCLE_PERCENT, HV_METRIC_BONE_MASS,
	};
	static const double bc[] = { 17.6, 61.6, 42.7, 3.6 };

	(void)state;
	roundtrip("aaax", "AAA002", true, w, kg, 1, 0);
	roundtrip("aaax", "AAA013", false, w, heavy, 1, 0);
	roundtrip("hesley", "YunChen", true, comp, hesley, 5, 0);
	roundtrip("exingtech_y1", NULL, true, comp6, full, 6, 0);
	roundtrip("exingtech_y1", "VScale", false, w, kg1, 1, 0);
	roundtrip("digoo_dgso38h", "Mengii", true, comp6, digoo, 6, 0);
	roundtrip("digoo_dgso38h", "Mengii", false, w, kg, 1, 0);
	roundtrip("ebelter_b2", "Body Fat-B2", true, wfat, ebelter, 2, 0);
	roundtrip("ebelter_b2", "Body Fat-B2", true, w, kg1, 1, 0);
	roundtrip("excelvan_cf36x", "Electronic Scale", true, comp6, full, 6, 0);
	roundtrip("hoffen_bbs8107", "Hoffen BS-8107", true, comp6, full, 6, 0);
	roundtrip("hoffen_bbs8107", "PC-PW 3008 BT", true, w, kg1, 1, 0);
	roundtrip("hoffen_bbs8107", "PC-PW 3008 BT", false, w, kg1, 1, 0);
	roundtrip("cult_scale_pro", "Cult", true, w, kg, 1, 0);
	roundtrip("cult_scale_pro", "CULT", false, w, kg, 1, 0);
	roundtrip("cult_scale_pro", "Cult", true, wz, cult, 2, 7245u << 8);
	roundtrip("es_cs20m", "ES-CS20M", true, wz, es, 2, 0);
	roundtrip("es_cs20m", "ES-32MD", false, w, kg, 1, 0);
	roundtrip("active_era_bf06", "AE BS-06", false, w, kg, 1, 0);
	roundtrip("active_era_bf06", "AE BS-06", true, wz, es, 2, 1u | 72450u << 8);
	roundtrip("body_connect", "1BODY CONNECT", true, w, kg, 1, 0);
	roundtrip("body_connect", "1X-LINE", true, bc_comp, bc, 4, 1);
}

static void test_conversations_well_formed(void **state)
{
	(void)state;
	for (const char *const *id = my_drivers; *id; id++) {
		const struct hv_driver *d = hv_driver_by_id(*id);

		assert_non_null(d);
		assert_non_null(d->claims_device);
		assert_non_null(d->encode);
		assert_int_equal(d->kind, HV_DRIVER_KIND_SCALE);
	}
	for (const char *const *id = my_connected; *id; id++)
		hv_test_check_conversation(hv_driver_by_id(*id)->conversation);
}

static void test_theengs_not_claimed(void **state)
{
	(void)state;
	hv_test_theengs_not_claimed(my_drivers, true);
}

static void test_selection(void **state)
{
	static const struct {
		const char *name;
		const char *id;
	} cases[] = {
		{ "AAA002", "aaax" },
		{ "AAA007", "aaax" },
		{ "AAA013", "aaax" },
		{ "YunChen", "hesley" },
		{ "YUNCHEN", "hesley" },
		{ "VScale", "exingtech_y1" },
		{ "Mengii", "digoo_dgso38h" },
		{ "Body Fat-B2", "ebelter_b2" },
		{ "Electronic Scale", "excelvan_cf36x" },
		{ "Cult Smart Scale Pro", "cult_scale_pro" },
		{ "AE BS-06", "active_era_bf06" },
		{ "ae bs-06", "active_era_bf06" },
		{ "cult", "cult_scale_pro" },
	};
	static const char *const not_ours[] = { "AAA001", "AAA0020", "YunChen1",
						"Yun", "VScale2", "Mengii-X",
						"Body Fat", "Electronic", "Cul", "AE BS-061", NULL };
	struct hv_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hv_driver *d = hv_driver_by_id(cases[i].id);

		f = (struct hv_frame){ .name = cases[i].name };
		/* only a driver with a conversation is selected to connect */
		assert_ptr_equal(hv_registry_select(&f), d->conversation ? d : NULL);
		assert_true(d->claims_device(&f));
	}
	for (const char *const *n = not_ours; *n; n++)
		for (const char *const *id = my_drivers; *id; id++) {
			f = (struct hv_frame){ .name = *n };
			assert_false(hv_driver_by_id(*id)->claims_device(&f));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aaax),
		cmocka_unit_test(test_hesley),
		cmocka_unit_test(test_hesley_conversation),
		cmocka_unit_test(test_exingtech_y1),
		cmocka_unit_test(test_exingtech_y1_conversation),
		cmocka_unit_test(test_digoo),
		cmocka_unit_test(test_digoo_conversation),
		cmocka_unit_test(test_ebelter),
		cmocka_unit_test(test_ebelter_conversation),
		cmocka_unit_test(test_excelvan),
		cmocka_unit_test(test_excelvan_conversation),
		cmocka_unit_test(test_hoffen),
		cmocka_unit_test(test_hoffen_selection),
		cmocka_unit_test(test_hoffen_conversation),
		cmocka_unit_test(test_cult),
		cmocka_unit_test(test_cult_conversation),
		cmocka_unit_test(test_eebbl),
		cmocka_unit_test(test_es_cs20m),
		cmocka_unit_test(test_es_cs20m_selection),
		cmocka_unit_test(test_es_cs20m_conversation),
		cmocka_unit_test(test_ssw532_conversation),
		cmocka_unit_test(test_active_era),
		cmocka_unit_test(test_active_era_method),
		cmocka_unit_test(test_active_era_conversation),
		cmocka_unit_test(test_body_connect),
		cmocka_unit_test(test_body_connect_selection),
		cmocka_unit_test(test_body_connect_conversation),
		cmocka_unit_test(test_encoders_roundtrip),
		cmocka_unit_test(test_conversations_well_formed),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
