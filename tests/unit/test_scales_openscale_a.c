// SPDX-License-Identifier: MIT
/*
 * Scale families drawn from openScale's handlers (oliexdev/openScale@f7a733b2,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/scales/):
 * AAA-series broadcast, Hesley, Exingtech Y1, Digoo DG-SO38H, Ebelter
 * Body Fat-B2. Frames are written here from the layouts in the drivers'
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

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/registry.h"
#include "tests/fakes/frames.h"
#include "tests/fakes/vectors.h"

static const char *const my_drivers[] = {
	"aaax", "hesley", NULL,
};

/* Drivers with a GATT conversation. */
static const char *const my_connected[] = {
	"hesley", NULL,
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
	static const double hesley[] = { 72.45, 21.3, 55.2, 38.4, 3.1 };

	(void)state;
	roundtrip("aaax", "AAA002", true, w, kg, 1, 0);
	roundtrip("aaax", "AAA013", false, w, heavy, 1, 0);
	roundtrip("hesley", "YunChen", true, comp, hesley, 5, 0);
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
	};
	static const char *const not_ours[] = { "AAA001", "AAA0020", "YunChen1",
						"Yun", NULL };
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
		cmocka_unit_test(test_encoders_roundtrip),
		cmocka_unit_test(test_conversations_well_formed),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
