// SPDX-License-Identifier: MIT
/*
 * PICOOC GATT scale tests (driver picooc). The frames are those of
 * openScale's PicoocHandlerTest (oliexdev/openScale@93aaf697,
 * android_app/app/src/test/java/com/health/openscale/core/bluetooth/
 * scales/PicoocHandlerTest.kt): the captured PICOOC-CQ session (handshake,
 * weight frames, the heart-rate exchange) and the test's own built frames;
 * the answers are those the test expects of PicoocHandler (@ dc16a3f4).
 * Each frame is decoded through the whole registry.
 */
#include "drivers/bodycomp_libs.h"
#include "tests/unit/scale_frames.h"

/* captured from a PICOOC-CQ, 71.7 kg on its display */
#define CQ_WEIGHT "39106a7b9ae1059a13a6862c0002b700"
/* the replayed session's weight frame: 72.1 kg / 505 Ohm */
#define CQ_SESSION_WEIGHT "39106a7ba55005a213ba86360002c800"
#define CQ_HANDSHAKE "3a120a0000000000000000103903a0464703"
#define CQ_HR_MEASURING "3c05000001"
#define CQ_HR_RESULT "3c05004402"
/* the test's liveFrame(): 70.00 kg / 500.0 Ohm, settled */
#define LIVE_SETTLED "39101234567805781388060700020d00"
#define LIVE_MOVING "39101234567805781388060700020d01"
/* the test's compositionFrame() */
#define COMPOSITION "3214057800b902281122003c3344081b000001f4"

static void test_picooc_frames(void **state)
{
	static const struct sf_case cases[] = {
		{ "PICOOC-CQ", "fff1", CQ_WEIGHT, HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 71.7 },
			      { HV_METRIC_IMPEDANCE, 503.0 }) },
		{ "PICOOC-CQ", "fff1", CQ_SESSION_WEIGHT, HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 72.1 },
			      { HV_METRIC_IMPEDANCE, 505.0 }) },
		{ "PICOOC-CQ", "fff1", CQ_HR_MEASURING, HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-CQ", "fff1", CQ_HR_RESULT, HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_HEART_RATE, 68 }) },
		{ "PICOOC-CQ", "fff1", CQ_HANDSHAKE, HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-C1", "fff1", LIVE_SETTLED, HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 70.0 },
			      { HV_METRIC_IMPEDANCE, 500.0 }) },
		{ "Latin-S", "fff1", LIVE_MOVING, HV_CS_NONE, SF_LIVE, true,
		  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 70.0 }) },
		/* the test's truncated live frame */
		{ "PICOOC-CQ", "fff1", "39101234567805781388060700020d", HV_CS_NONE,
		  SF_INVALID },
		/* the newer models' opcode, same layout */
		{ "PICOOC-IS", "fff1", "52101234567805781388060700020d00", HV_CS_NONE,
		  SF_FINAL, false, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 70.0 }) },
		{ "PICOOC-CQ", "fff1", COMPOSITION, HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_BODY_FAT_PERCENT, 18.5 },
			      { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
			      { HV_METRIC_BONE_MASS, 3.0 },
			      { HV_METRIC_VISCERAL_FAT_RATING, 8 }) },
		/* the single-byte heart rate of other models */
		{ "PICOOC-14", "fff1", "3c0348", HV_CS_NONE, SF_FINAL, true,
		  SF_READINGS({ HV_METRIC_HEART_RATE, 72 }) },
		{ "PICOOC-14", "fff1", "3c0300", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-14", "fff1", "3c03", HV_CS_NONE, SF_INVALID },
		/* the test's undocumented opcodes: tolerated */
		{ "PICOOC-25", "fff1", "3e08010203040506", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-25", "fff1", "3f05010203", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-25", "fff1", "36040102", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-25", "fff1", "3b0301", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-25", "fff1", "7f02", HV_CS_NONE, SF_CONTROL },
		{ "PICOOC-25", "fff1", "39", HV_CS_NONE, SF_INVALID },
		/* the same bytes from a scale of another family */
		{ "QN-Scale", "fff1", CQ_WEIGHT, HV_CS_NONE, SF_NOT_OURS },
		{ "PICOOC-L", "fff1", CQ_WEIGHT, HV_CS_NONE, SF_NOT_OURS },
	};
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases("picooc", cases, sizeof(cases) / sizeof(cases[0]));

	/* the scale's clock: 0x6A7B9AE1 = 2026-08-11 21:57:53 UTC */
	hv_test_gatt(&f, "PICOOC-CQ", "fff1", CQ_WEIGHT, HV_CS_NONE);
	f.now = 1786485500;
	sf_decode_final(&f, &m, "picooc");
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2026);
	assert_int_equal(m.raw_device_time.month, 8);
	assert_int_equal(m.raw_device_time.day, 11);
	assert_int_equal(m.raw_device_time.hour, 21);
	assert_int_equal(m.raw_device_time.minute, 57);

	/* with a profile: openScale's StandardImpedanceLib composition */
	hv_test_gatt(&f, "PICOOC-CQ", "fff1", CQ_WEIGHT, HV_CS_NONE);
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, "picooc");
	assert_true(hv_test_present(&m, HV_METRIC_BODY_FAT_PERCENT) > 0);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    HV_METHOD_STANDARD_IMPEDANCE);
	/* and none from a live frame */
	hv_test_gatt(&f, "PICOOC-CQ", "fff1", LIVE_MOVING, HV_CS_NONE);
	f.profile = &sf_male44;
	sf_decode_live(&f, &m, "picooc");
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
}

/* Selection as PicoocHandlerTest has it. */
static void test_picooc_selection(void **state)
{
	static const char *const ours[] = { "PICOOC-CQ", "PICOOC-C1", "PICOOC-14",
					    "PICOOC-25", "PICOOC-IS",
					    "Picooc S3 Lite V2.0", "Latin-S", NULL };
	static const char *const not_ours[] = { "PICOOC-L", "PICOOC-L1",
						"Vitafit VT701", "QN-Scale", "",
						"Latin", NULL };
	const struct hv_driver *d = hv_driver_by_id("picooc");
	struct hv_frame f;

	(void)state;
	assert_non_null(d);
	for (const char *const *n = ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_ptr_equal(hv_registry_select(&f), d);
	}
	for (const char *const *n = not_ours; *n; n++) {
		f = (struct hv_frame){ .name = *n };
		assert_false(d->claims_device(&f));
	}
	/* the broadcast PICOOC-L is never connected to */
	f = (struct hv_frame){ .name = "PICOOC-L" };
	assert_null(hv_registry_select(&f));
}

/* on_value of step at, with hex; returns the step it goes to (or -1). */
static int feed(const struct hv_step *st, struct hv_session *s, const char *hex)
{
	struct hv_frame f;
	int r;

	hv_test_gatt(&f, "PICOOC-CQ", "fff1", hex, HV_CS_NONE);
	s->next_step = -1;
	r = st->on_value(s, f.value, f.value_len);
	if (r == HV_VALUE_GOTO)
		return s->next_step;
	assert_int_equal(r, HV_VALUE_MORE);
	return -1;
}

static void assert_goes_to(const struct hv_driver *d, int step, const char *what)
{
	assert_true(step > 0 && (size_t)step < d->conversation->n_steps);
	assert_true(strncmp(d->conversation->steps[step].what, what, strlen(what)) == 0);
}

static void test_picooc_conversation(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("picooc");
	const struct hv_step *handshake, *settle, *pause, *st;
	struct hv_session s = sf_session("PICOOC-CQ");
	char out[16];
	size_t end;

	(void)state;
	hv_test_check_conversation(d->conversation);
	handshake = hv_test_find_step("picooc", "handshake", NULL);
	settle = hv_test_find_step("picooc", "frames until", NULL);
	pause = hv_test_find_step("picooc", "pause before the profile", NULL);
	st = hv_test_find_step("picooc", "done", &end);
	assert_int_equal(st->op, HV_STEP_END);

	/* the captured handshake: the time, then the profile after a pause */
	assert_goes_to(d, feed(handshake, &s, CQ_HANDSHAKE), "time (0x3A)");
	/* F1 0A 3A, 2024-03-15 08:30:00 UTC, flag 0, kg, 0 */
	hv_test_assert_payload("picooc", "time (0x3A)", &s, "f10a3a" "65f40708" "000000");
	assert_int_equal(pause->timeout_ms, 100);
	assert_true(pause->flags & HV_STEP_OPTIONAL);
	/* the settle window: 8 s of quiet ends the session well */
	assert_int_equal(settle->timeout_ms, 8000);
	assert_int_equal(settle->on_fail, (int)end);

	/* the test's profiles: male 180 cm 24 y, female 165 cm 31 y, 9 y */
	s.profile = (struct hv_profile){ .height_m = 1.80, .age_years = 24,
					 .sex = HV_SEX_MALE };
	hv_test_assert_payload("picooc", "profile (0x31)", &s, "310601" "01a018");
	s.profile = (struct hv_profile){ .height_m = 1.65, .age_years = 31,
					 .sex = HV_SEX_FEMALE };
	hv_test_assert_payload("picooc", "profile (0x31)", &s, "310601" "02821f");
	s.profile = (struct hv_profile){ .height_m = 1.40, .age_years = 9,
					 .sex = HV_SEX_MALE };
	hv_test_assert_payload("picooc", "profile (0x31)", &s, "310601" "015012");
	/* no height: 0, clamped high: 255 */
	s.profile = (struct hv_profile){ .age_years = 24, .sex = HV_SEX_MALE };
	hv_test_assert_payload("picooc", "profile (0x31)", &s, "310601" "010018");
	s.profile.height_m = 2.50;
	hv_test_assert_payload("picooc", "profile (0x31)", &s, "310601" "01ff18");

	/* nothing came in the pause: no held acknowledgement */
	assert_int_equal(hv_test_payload("picooc", "held acknowledgement", &s, out,
					 sizeof(out)),
			 -ENODATA);
	/* every frame the scale repeats until acknowledged: F1 03 op */
	assert_goes_to(d, feed(settle, &s, CQ_WEIGHT), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f10339");
	assert_goes_to(d, feed(settle, &s, CQ_HR_MEASURING), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f1033c");
	assert_goes_to(d, feed(settle, &s, COMPOSITION), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f10332");
	assert_goes_to(d, feed(settle, &s, "3e08010203040506"), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f1033e");
	assert_goes_to(d, feed(settle, &s, "3f05010203"), "acknowledgement");
	assert_goes_to(d, feed(settle, &s, "36040102"), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f10336");
	assert_goes_to(d, feed(settle, &s, "3702"), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "f10337");
	/* low battery and unknown opcodes are not acknowledged */
	assert_int_equal(feed(settle, &s, "3b0301"), -1);
	assert_int_equal(feed(settle, &s, "7f02"), -1);

	/* a repeated handshake gets the time only; a time request its own */
	assert_goes_to(d, feed(settle, &s, CQ_HANDSHAKE), "time again");
	hv_test_assert_payload("picooc", "time again", &s, "f10a3a" "65f40708" "000000");
	assert_goes_to(d, feed(settle, &s, "3502"), "time again");
	hv_test_assert_payload("picooc", "time again", &s, "f10a35" "65f40708" "000000");
	/* a profile request: acknowledged, then the profile */
	assert_goes_to(d, feed(settle, &s, "3002"), "profile request acknowledged");
	hv_test_assert_payload("picooc", "profile request acknowledged", &s, "f10330");
	assert_int_equal(hv_test_find_step("picooc", "requested profile", NULL)->op,
			 HV_STEP_WRITE);

	/* the newer opcodes switch to the A1 prefix, the reply still 3A */
	s = sf_session("PICOOC-IS");
	assert_goes_to(d, feed(handshake, &s, "510b010203040506070809"), "time (0x3A)");
	hv_test_assert_payload("picooc", "time (0x3A)", &s, "a10a3a" "65f40708" "000000");
	assert_goes_to(d, feed(settle, &s, LIVE_MOVING), "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "a10339");
	/* and a 0x52 frame alone does so too */
	s = sf_session("PICOOC-IS");
	assert_goes_to(d, feed(settle, &s, "52101234567805781388060700020d00"),
		       "acknowledgement");
	hv_test_assert_payload("picooc", "acknowledgement", &s, "a10352");
}

/*
 * The steps the runner takes without a value from the scale, up to a
 * WAIT: what each write sends goes to *writes (hex, comma-separated); a
 * write whose payload refuses is skipped when optional, as the runner
 * does.
 */
static void run_to_wait(struct hv_conv *c, struct hv_session *s, char *writes,
			size_t size)
{
	const struct hv_step *st;

	writes[0] = '\0';
	while ((st = hv_conv_current(c)) && st->op != HV_STEP_WAIT) {
		uint8_t buf[32];
		size_t len, at;
		int r = 0;

		if (st->op == HV_STEP_WRITE) {
			r = hv_conv_write_payload(st, s, buf, sizeof(buf), &len);
			if (r < 0)
				assert_true(st->flags & HV_STEP_OPTIONAL);
			for (size_t i = 0; r == 0 && i < len; i++) {
				at = strlen(writes);
				if (i == 0 && at > 0) {
					(void)snprintf(writes + at, size - at, ",");
					at++;
				}
				(void)snprintf(writes + at, size - at, "%02x", buf[i]);
			}
		}
		hv_conv_step_done(c, r);
	}
}

/* The captured value hex arrives: decoded by the session's driver alone
 * into *m (and *f), then given to the waiting step. */
static void arrive(struct hv_conv *c, struct hv_session *s, const char *hex,
		   struct hv_frame *f, struct hv_measurement *m)
{
	hv_test_gatt(f, s->name, "fff1", hex, HV_CS_NONE);
	f->now = SF_NOW;
	f->profile = &s->profile;
	hv_measurement_init(m, "picooc");
	(void)hv_registry_decode(f, hv_driver_by_id("picooc"), m);
	assert_true(hv_conv_waits_for(c, &f->characteristic));
	(void)hv_conv_feed(c, f->value, f->value_len);
}

/*
 * PicoocHandlerTest's replay of the captured PICOOC-CQ session: the
 * handshake, 2.8 s later the settled weight, 4 s later the heart rate
 * measuring, 6.4 s later its result; then the scale hangs up (here: the
 * settle window passes). Every write byte for byte, and what is stored:
 * the weight with its impedance (and composition from the profile), and
 * the heart rate.
 */
static void test_picooc_captured_session(void **state)
{
	static const char *const frames[] = { CQ_HANDSHAKE, CQ_SESSION_WEIGHT,
					      CQ_HR_MEASURING, CQ_HR_RESULT };
	static const char *const answers[] = { "f10a3a" "6a883dc0" "000000", "f10339",
					       "f1033c", "f1033c" };
	struct sf_session_run r = { .n = 4 };
	struct sf_sink stored;
	char writes[256];

	(void)state;
	hv_session_init(&r.s, SF_NOW);
	r.s.name = "PICOOC-CQ";
	r.s.profile = (struct hv_profile){ .height_m = 1.80, .age_years = 24,
					   .sex = HV_SEX_MALE };
	hv_conv_init(&r.c, hv_driver_by_id("picooc")->conversation, &r.s);
	run_to_wait(&r.c, &r.s, writes, sizeof(writes));
	assert_string_equal(writes, "");
	for (size_t i = 0; i < 4; i++) {
		arrive(&r.c, &r.s, frames[i], &r.f[i], &r.m[i]);
		run_to_wait(&r.c, &r.s, writes, sizeof(writes));
		assert_string_equal(writes, answers[i]);
		if (i == 0) {
			/* the pause passes: the profile, nothing held over */
			assert_true(strncmp(hv_conv_current(&r.c)->what, "pause", 5) == 0);
			hv_conv_step_done(&r.c, -ETIMEDOUT);
			run_to_wait(&r.c, &r.s, writes, sizeof(writes));
			assert_string_equal(writes, "310601" "01a018");
		}
	}
	sf_assert_control(&r.m[0], "picooc");
	sf_assert_final(&r.m[1], "picooc", 72.1, false);
	sf_assert_control(&r.m[2], "picooc");
	assert_true(r.m[3].final);
	/* quiet for the settle window: the conversation ends well */
	hv_conv_step_done(&r.c, -ETIMEDOUT);
	assert_null(hv_conv_current(&r.c));
	assert_int_equal(r.c.result, 0);

	sf_stored(&r, &stored);
	assert_int_equal(stored.n, 2);
	sf_assert_stored(&stored.records[0], HV_METRIC_BODY_WEIGHT, 72.1);
	sf_assert_stored(&stored.records[0], HV_METRIC_IMPEDANCE, 505.0);
	assert_true(sf_stored_reading(&stored.records[0], HV_METRIC_BODY_FAT_PERCENT) > 0);
	sf_assert_stored(&stored.records[1], HV_METRIC_HEART_RATE, 68);
}

/* A frame in the pause before the profile: acknowledged after it. */
static void test_picooc_frame_in_pause(void **state)
{
	struct hv_session s;
	struct hv_conv c;
	struct hv_frame f;
	struct hv_measurement m;
	char writes[256];

	(void)state;
	hv_session_init(&s, SF_NOW);
	s.name = "PICOOC-IS";
	s.profile = sf_female35;
	hv_conv_init(&c, hv_driver_by_id("picooc")->conversation, &s);
	run_to_wait(&c, &s, writes, sizeof(writes));
	arrive(&c, &s, CQ_HANDSHAKE, &f, &m);
	run_to_wait(&c, &s, writes, sizeof(writes));
	assert_string_equal(writes, "f10a3a" "6a883dc0" "000000");
	/* a 0x52 weight: the new prefix from then on */
	arrive(&c, &s, "52101234567805781388060700020d01", &f, &m);
	sf_assert_live(&m, "picooc", 70.0);
	hv_conv_step_done(&c, -ETIMEDOUT);
	run_to_wait(&c, &s, writes, sizeof(writes));
	/* female, 165 cm (130), 35 y; then the held acknowledgement */
	assert_string_equal(writes, "310601" "028223" ",a10352");
	/* the next frame clears it: a profile request's pause holds none */
	arrive(&c, &s, "3002", &f, &m);
	run_to_wait(&c, &s, writes, sizeof(writes));
	assert_string_equal(writes, "a10330");
	hv_conv_step_done(&c, -ETIMEDOUT);
	run_to_wait(&c, &s, writes, sizeof(writes));
	assert_string_equal(writes, "310601" "028223");
}

/* The encoder's frames decode back to what was encoded. */
static void test_picooc_encoder_roundtrip(void **state)
{
	(void)state;
	SF_ROUNDTRIP("picooc", "PICOOC-CQ", true, 0,
		     { HV_METRIC_BODY_WEIGHT, 71.7 }, { HV_METRIC_IMPEDANCE, 503.0 });
	SF_ROUNDTRIP("picooc", "Latin-S", false, 0, { HV_METRIC_BODY_WEIGHT, 70.05 });
	SF_ROUNDTRIP("picooc", "PICOOC-CQ", true, 0, { HV_METRIC_HEART_RATE, 68 });
	SF_ROUNDTRIP("picooc", "PICOOC-C1", true, 0,
		     { HV_METRIC_BODY_FAT_PERCENT, 18.5 },
		     { HV_METRIC_BODY_WATER_PERCENT, 55.2 },
		     { HV_METRIC_BONE_MASS, 3.0 },
		     { HV_METRIC_VISCERAL_FAT_RATING, 8 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_picooc_frames),
		cmocka_unit_test(test_picooc_selection),
		cmocka_unit_test(test_picooc_conversation),
		cmocka_unit_test(test_picooc_captured_session),
		cmocka_unit_test(test_picooc_frame_in_pause),
		cmocka_unit_test(test_picooc_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
