// SPDX-License-Identifier: MIT
/*
 * SIG Weight Scale conversation for Sanitas SBF72 / SBF73 and Beurer BF915
 * scale tests (driver sig_weight_scale), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry. Below them, captures other projects published, each next
 * to its source (repository, path, commit) with the values the source
 * states.
 */
#include "daemon/basic/macro.h"
#include "drivers/sig_scale.h"
#include "tests/unit/scale_frames.h"

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
	/* then the BF450's steps (test_beurer_bf450.c), then the wait */
	assert_int_equal(HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT + 1,
			 HV_SIG_STEP_BF450_SUBSCRIBE_EXTRA);
	assert_true(HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT <
		    HV_SIG_STEP_WAIT_MEASUREMENT);
	/* any other SIG scale: not written */
	s.name = "Renpho ES-WBE28";
	assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	s.name = NULL;
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
}

/* --- published captures ---------------------------------------------------
 *
 * Frames captured from real scales and published, with the values the
 * device showed or the source decoded, by other projects: openScale's
 * handler tests (oliexdev/openScale), ble-scale-sync's adapter tests
 * (KristianP26/ble-scale-sync) and the issue threads they cite. Each frame
 * names its source (repository, path, commit) next to it; the stated
 * values are the expectations.
 */

#define HV_RENPHO_SLOT 0xAA

/* --- Renpho ES-WBE28 (SIG Weight Scale, 0.05 kg) ------------------------- */

/*
 * KristianP26/ble-scale-sync tests/scales/renpho.test.ts at
 * f4d7d5cb055163df009c81cdc39feb7ef20644f1, "decoded from the
 * physical-device btsnoop capture": the weight frame 1374
 * (4e 6a07 ea07 07 04 0c 1a 06 aa 0000 0000: flags 0x4E, 1898 × 0.05 =
 * 94.9 kg, 2026-07-04 12:26:06, user 0xAA, BMI and height zero) and the
 * body-composition packet 2 of frame 1477 (flags 0x020C, impedance 0x0D00
 * = 332.8 Ohm, vendor bytes after it); the device advertised
 * "Renpho-Scale" with services 0x181B and 0x181D.
 */
static const char wbe28_weight[] = "4e6a07ea0707040c1a06aa00000000";
static const char wbe28_body[] = "0c02f901f70144000dec00a500290091020600";

/* The frame alone, under a name the driver does not know: its reserved
 * flag bits tell the variant. */
static void test_wbe28_weight_by_frame(void **state)
{
	static const char *const names[] = { NULL, "R-A033", "Renpho-Scale" };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		hv_test_gatt(&f, names[i], "2a9d", wbe28_weight, HV_CS_NONE);
		hv_test_decode(&f, &m);
		sf_assert_final(&m, "sig_weight_scale", 94.9, false);
		assert_int_equal(m.user_index, 0xAA);
		/* announced, sent as zeros: not readings */
		assert_null(hv_measurement_find(&m, HV_METRIC_BMI));
		assert_null(hv_measurement_find(&m, HV_METRIC_BODY_HEIGHT));
		assert_true(m.has_raw_device_time);
		assert_int_equal(m.raw_device_time.year, 2026);
		assert_int_equal(m.raw_device_time.month, 7);
		assert_int_equal(m.raw_device_time.day, 4);
	}
}

/*
 * openScale's legacy marker: oliexdev/openScale android_app/app/src/main/
 * java/com/health/openscale/core/bluetooth/scales/RenphoHandler.kt at
 * 6ed3f62617ce1e966528b9a0a08978c404e51193 takes a 0x2A9D value whose
 * byte 0 is 0x2E and reads u16 LE [1..2] / 20. No frame is published:
 * this one is the capture above with that flags byte.
 */
static void test_wbe28_weight_legacy_marker(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, NULL, "2a9d", "2e6a07ea0707040c1a06aa00000000",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "sig_weight_scale");
	sf_assert_weight(&m, 94.9);
}

/* The body-composition packet under the advertised name (any case). */
static void test_wbe28_body_by_name(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Renpho-Scale", "2a9c", wbe28_body, HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_ok(&m, "sig_body_composition");
	assert_true(m.final);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 332.8);
	/* the scale's own results for the app's profile are not reported */
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	assert_null(hv_measurement_find(&m, HV_METRIC_BASAL_METABOLIC_RATE));
	assert_int_equal(m.user_index, -1);
}

/*
 * A session under an unknown name: the weight frame, then the
 * body-composition packet; the weight frame's flags carry the variant to
 * the packet (the session's quirks). The session's driver,
 * sig_weight_scale, hands the packet to the body composition decoder (the
 * runner decodes with the session's driver alone). The User Data exchange
 * before them (register, slot 3; consent) is written from the UDS
 * specification: the sources publish the scale's answers to the Renpho
 * app's consent only.
 */
static void test_wbe28_session_unknown_name(void **state)
{
	const struct sf_value v[] = {
		{ "2a9f", "20010103" }, /* registered in slot 3 */
		{ "2a9f", "200201" }, /* consent: success */
		{ "2a9d", wbe28_weight },
		{ "2a9c", wbe28_body },
	};
	struct sf_session_run r;
	struct sf_sink out;

	(void)state;
	sf_replay(&r, "sig_weight_scale", NULL, v, ELEMENTSOF(v));
	assert_true(r.fed[0] && r.fed[1] && r.fed[2]);
	sf_assert_ok(&r.m[2], "sig_weight_scale");
	sf_assert_weight(&r.m[2], 94.9);
	sf_assert_ok(&r.m[3], "sig_body_composition");
	assert_true(r.m[3].final);
	hv_assert_near(hv_test_reading(&r.m[3], HV_METRIC_IMPEDANCE),
		       332.8, 1e-9);
	/* stored: the weight and the body composition, as SIG scales are */
	sf_stored(&r, &out);
	assert_int_equal(out.n, 2);
	sf_assert_stored(&out.records[0], HV_METRIC_BODY_WEIGHT, 94.9);
	sf_assert_stored(&out.records[1], HV_METRIC_IMPEDANCE, 332.8);
}

/*
 * What else the session knows. No source publishes a conforming weight
 * frame of this scale nor its device information strings: the frames are
 * the capture's with the reserved bits cleared (flags 0x0E), and the
 * strings are those the sources name the device by. The slot is the one
 * both sources consent with (02 AA 0F 27, "user 0xAA=170, code 9999").
 */
static void test_wbe28_session_device_info_and_slot(void **state)
{
	const struct sf_value by_info[] = {
		{ "2a29", "52454e50484f" }, /* "RENPHO" */
		{ "2a24", "45532d57424532382d57" }, /* "ES-WBE28-W" */
		{ "2a9d", "0e6a07ea0707040c1a06aa00000000" },
		{ "2a9c", wbe28_body },
	};
	const struct sf_value by_slot[] = {
		{ "2a9f", "200201" }, /* consent: success */
		{ "2a9d", "0e6a07ea0707040c1a06aa00000000" },
		{ "2a9c", wbe28_body },
	};
	struct sf_session_run r;

	(void)state;
	sf_replay(&r, "sig_weight_scale", NULL, by_info, ELEMENTSOF(by_info));
	assert_true(r.fed[0] && r.fed[1]);
	sf_assert_ok(&r.m[2], "sig_weight_scale");
	sf_assert_weight(&r.m[2], 94.9);
	sf_assert_ok(&r.m[3], "sig_body_composition");
	hv_assert_near(hv_test_reading(&r.m[3], HV_METRIC_IMPEDANCE),
		       332.8, 1e-9);

	hv_session_init(&r.s, SF_NOW);
	r.s.user_index = HV_RENPHO_SLOT;
	r.s.consent_code = 9999;
	sf_replay_ex(&r, true, "sig_weight_scale", NULL, NULL, by_slot,
		  ELEMENTSOF(by_slot));
	assert_true(r.fed[0]);
	sf_assert_ok(&r.m[1], "sig_weight_scale");
	sf_assert_weight(&r.m[1], 94.9);
	sf_assert_ok(&r.m[2], "sig_body_composition");
	hv_assert_near(hv_test_reading(&r.m[2], HV_METRIC_IMPEDANCE),
		       332.8, 1e-9);

	/* a conforming scale in another slot keeps 0.005 kg units */
	hv_session_init(&r.s, SF_NOW);
	r.s.user_index = 3;
	r.s.consent_code = 9999;
	sf_replay_ex(&r, true, "sig_weight_scale", NULL, NULL, by_slot,
		  ELEMENTSOF(by_slot));
	sf_assert_weight(&r.m[1], 9.49);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbf72),
		cmocka_unit_test(test_wbe28_weight_by_frame),
		cmocka_unit_test(test_wbe28_weight_legacy_marker),
		cmocka_unit_test(test_wbe28_body_by_name),
		cmocka_unit_test(test_wbe28_session_unknown_name),
		cmocka_unit_test(test_wbe28_session_device_info_and_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
