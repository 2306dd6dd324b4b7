// SPDX-License-Identifier: MIT
/*
 * openScale DIY scale tests (driver custom_openscale), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "daemon/common/config.h"
#include "daemon/ingest/ingest.h"
#include "daemon/store/store.h"
#include "tests/unit/scale_frames.h"
#include "tests/unit/tmp_store.h"

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
	sf_decode_final(&f, &m, "custom_openscale");
	assert_int_equal(m.sequence_number, 3);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	sf_assert_reading(&m, HV_METRIC_BODY_FAT_PERCENT, 20.5);
	sf_assert_reading(&m, HV_METRIC_BODY_WATER_PERCENT, 55.1);
	sf_assert_reading(&m, HV_METRIC_MUSCLE_PERCENT, 40.2);
	assert_null(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT));
	sf_assert_device_time(&m, 2024, 3, 15, 8, 30);
	/* a four-digit year is taken as sent (and checksummed as sent) */
	ascii_value(&f, "OPENSCALE", "$D$0,2024,3,15,8,30,72.4,0,0,0,1978\n");
	sf_decode_as(&f, &m, "custom_openscale");
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* checksum off, ten fields, a letter in a number, zero weight */
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,67\n");
	sf_decode_invalid(&f, &m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2\n");
	sf_decode_invalid(&f, &m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.4x,20.5,55.1,40.2,66\n");
	sf_decode_invalid(&f, &m, "custom_openscale");
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,0,20.5,55.1,40.2,10\n");
	sf_decode_invalid(&f, &m, "custom_openscale");

	/* a line as ingest joins it, without its '\n' */
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66");
	f.now = 1710491400;
	sf_decode_final(&f, &m, "custom_openscale");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	/* information lines read nothing; a 20-byte piece of a record line
	 * (ingest joins them first) is a malformed record */
	ascii_value(&f, "openScale", "$S$4\n");
	sf_decode_live(&f, &m, "custom_openscale");
	assert_int_equal(m.n_readings, 0);
	ascii_value(&f, "openScale", "$D$3,24,3,15,8,30,7");
	sf_decode_invalid(&f, &m, "custom_openscale");
	ascii_value(&f, "openScale", "D$3,24");
	sf_decode_live(&f, &m, "custom_openscale");
	assert_int_equal(m.n_readings, 0);

	/* 0xFFE1 is every HM-10's: the exact name only */
	ascii_value(&f, "openScale2", "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\n");
	sf_assert_not_mine(&f);
	ascii_value(&f, NULL, "$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\n");
	sf_assert_not_mine(&f);
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

	/* "$F$" at the start of a line ends the wait, in whatever pieces the
	 * HM-10 cut the stream (each case a session of its own) */
	wait = hv_test_find_step("custom_openscale", "wait for the stored", NULL);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$D$1,2", 6), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)",3\n", 3), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$F$\n", 4), HV_VALUE_DONE);
	s.scratch[0] = 0;
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"0,1\n$F$\n", 8),
			 HV_VALUE_DONE);
	s.scratch[0] = 0;
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"0,1\n$", 5), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"F", 1), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$\n", 2), HV_VALUE_DONE);
	s.scratch[0] = 0;
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$F$", 3), HV_VALUE_DONE);
	/* not at a line's start, nor a line that only begins alike */
	s.scratch[0] = 0;
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"x$F$", 4), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$D", 2), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$F$", 3), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"\n\n$F", 4), HV_VALUE_MORE);
	assert_int_equal(wait->on_value(&s, (const uint8_t *)"$", 1), HV_VALUE_DONE);
	/* the clear command "9" is never sent */
	for (size_t i = 0; i < hv_driver_by_id("custom_openscale")->conversation->n_steps; i++) {
		const struct hv_step *st =
			&hv_driver_by_id("custom_openscale")->conversation->steps[i];

		assert_false(st->bytes && st->n_bytes == 1 && st->bytes[0] == '9');
	}
}


static int count_weights(const struct hv_reading_row *row, void *userdata)
{
	(void)row;
	(*(unsigned *)userdata)++;
	return 0;
}

/* The scale's memory as its HM-10 hands it out, 20 bytes a notification:
 * each record line is longer, so it is stored only when ingest joins the
 * pieces (HV_DRIVER_LINES). */
static void test_custom_openscale_pieces_through_ingest(void **state)
{
	static const char stream[] =
		"$I$openScale v1.2\n$S$2\n"
		"$D$3,24,3,15,8,30,72.40,20.5,55.1,40.2,66\r\n"
		"$D$0,2024,3,15,8,30,72.4,0,0,0,1978\n$F$\n";
	const struct hv_driver *d = hv_driver_by_id("custom_openscale");
	struct hv_clock_sample now = { .mono_usec = 5000000,
				       .wall_usec = 1710491400LL * 1000000,
				       .wall_known = true };
	struct hv_reading_filter weights = { .metric = "body_weight" };
	struct hv_ingest_result res;
	struct hv_ingest *in = NULL;
	struct hv_store *st = NULL;
	struct hv_config cfg;
	struct hv_frame f = { .has_characteristic = true, .name = "openScale",
			      .address = "88:C2:55:00:0D:1E" };
	size_t n = strlen(stream);
	unsigned rows = 0;

	(void)state;
	assert_int_equal(hv_store_open(dbpath, 0, &st), 0);
	hv_config_init(&cfg);
	assert_int_equal(hv_ingest_new(st, &cfg, NULL, &in), 0);
	f.characteristic = hv_uuid16(0xFFE1);
	for (size_t i = 0; i < n; i += 20) {
		f.value_len = n - i < 20 ? n - i : 20;
		memcpy(f.value, stream + i, f.value_len);
		assert_int_equal(hv_ingest_frame(in, &f, d, &now, &res), 0);
		assert_int_equal(res.failed, 0);
	}
	assert_int_equal(hv_store_readings_foreach(st, &weights, count_weights,
						   &rows), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(hv_ingest_driver_counters(in, &n)[0].invalid, 0);
	hv_ingest_free(in);
	hv_store_close(st);
	hv_config_done(&cfg);
}

/* The encoder's frames decode back to what was encoded. */
static void test_custom_openscale_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("custom_openscale", "openScale", 72.4, 0, true);
	sf_roundtrip_weight("custom_openscale", "openScale", 999.99, 0, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_openscale),
		cmocka_unit_test(test_custom_openscale_conversation),
		tmp_store_test(test_custom_openscale_pieces_through_ingest),
		cmocka_unit_test(test_custom_openscale_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
