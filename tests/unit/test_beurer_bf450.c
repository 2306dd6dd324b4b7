// SPDX-License-Identifier: MIT
/*
 * Beurer BF450 tests (driver beurer_bf450 and the BF450 steps of the SIG
 * scale conversation), from openScale's BeurerBF450Handler.kt
 * (oliexdev/openScale@f7a733b2). No frame of a BF450 is published (no test,
 * no log in openScale's threads): every frame here is written from the
 * handler's layout, described in the driver's header comment.
 */
#include "daemon/basic/macro.h"
#include "drivers/sig_scale.h"
#include "tests/unit/scale_frames.h"

/* 0xFFF6: 500 Ohm at [5..6], the scale's user 1 at [9] */
#define BF450_EXTRA "0000000000" "f401" "0000" "01" "000000000000"

static const struct sf_case bf450_frames[] = {
	{ "Beurer BF450", "fff6", BF450_EXTRA, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_IMPEDANCE, 500 }) },
	/* "bf450" anywhere in the name, any case, as openScale selects it */
	{ "bf450-1", "fff6", BF450_EXTRA, HV_CS_NONE, SF_OK },
	/* shorter than 16 bytes: invalid; no impedance: a protocol frame */
	{ "Beurer BF450", "fff6", "0000000000f401000001", HV_CS_NONE,
	  SF_INVALID },
	{ "Beurer BF450", "fff6", "00000000000000000001000000000000",
	  HV_CS_NONE, SF_CONTROL },
	/* 0xFFF6 of another scale, or of no name, is not the BF450's */
	{ "BF700", "fff6", BF450_EXTRA, HV_CS_NONE, SF_NOT_OURS },
	{ NULL, "fff6", BF450_EXTRA, HV_CS_NONE, SF_NOT_OURS },
};

static void test_bf450_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	sf_check_cases("beurer_bf450", bf450_frames, ELEMENTSOF(bf450_frames));
	/* the scale's user number is the reading's slot */
	sf_decode_case(&bf450_frames[0], "beurer_bf450", &f, &m);
	assert_int_equal(m.user_index, 1);
}

/* A session: the SIG weight, the SIG composition with the BF450's body
 * masses in 0.1 kg, the impedance on 0xFFF6. */
static void test_bf450_session(void **state)
{
	static const struct sf_value values[] = {
		/* 72.00 kg (0.005 kg units) */
		{ "2a9d", "00" "4038", HV_CS_NONE },
		/* flags BMR, muscle %, muscle mass, water mass; fat 22.5 %,
		 * 6694 kJ, muscle 35.0 %, 27.3 kg, water 40.1 kg */
		{ "2a9c", "3801" "e100" "261a" "5e01" "1101" "9101", HV_CS_NONE },
		{ "fff6", BF450_EXTRA, HV_CS_NONE },
	};
	struct sf_session_run r;
	struct sf_sink out;

	(void)state;
	sf_replay(&r, "beurer_bf450", "Beurer BF450", values,
		  ELEMENTSOF(values));
	sf_assert_final(&r.m[0], "sig_weight_scale", 72.0, false);
	sf_assert_ok(&r.m[1], "sig_body_composition");
	hv_assert_near(hv_test_present(&r.m[1], HV_METRIC_MUSCLE_MASS), 27.3, 1e-9);
	hv_assert_near(hv_test_present(&r.m[1], HV_METRIC_BODY_WATER_MASS), 40.1, 1e-9);
	hv_assert_near(hv_test_present(&r.m[1], HV_METRIC_MUSCLE_PERCENT), 35.0, 1e-9);
	hv_assert_near(hv_test_present(&r.m[1], HV_METRIC_BODY_FAT_PERCENT), 22.5, 1e-9);
	sf_assert_ok(&r.m[2], "beurer_bf450");
	hv_assert_near(hv_test_present(&r.m[2], HV_METRIC_IMPEDANCE), 500, 1e-9);
	/* stored as a SIG scale's weighing, and the impedance apart */
	sf_stored(&r, &out);
	assert_int_equal(out.n, 3);
	hv_test_assert_driver(&out.records[0].m, "sig_weight_scale");
	sf_assert_stored(&out.records[0], HV_METRIC_BODY_WEIGHT, 72.0);
	hv_test_assert_driver(&out.records[1].m, "sig_body_composition");
	sf_assert_stored(&out.records[1], HV_METRIC_BODY_WATER_MASS, 40.1);
	hv_test_assert_driver(&out.records[2].m, "beurer_bf450");
	sf_assert_stored(&out.records[2], HV_METRIC_IMPEDANCE, 500);
}

/* The same composition from another SIG scale keeps the SIG's units. */
static void test_bf450_units_are_by_name(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Sanitas SBF72", "2a9c",
		     "3801" "e100" "261a" "5e01" "1101" "9101", HV_CS_NONE);
	hv_measurement_init(&m, NULL);
	(void)hv_registry_decode(&f, NULL, &m);
	sf_assert_ok(&m, "sig_body_composition");
	hv_assert_near(hv_test_present(&m, HV_METRIC_MUSCLE_MASS), 1.365, 1e-9);
	hv_assert_near(hv_test_present(&m, HV_METRIC_BODY_WATER_MASS), 2.005, 1e-9);
}

/* The BF450 steps: subscribe 0xFFF6, activity level to 0xFFF2, take a
 * measurement with 0xFFF4, by name only, before the wait. */
static void test_bf450_conversation(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("beurer_bf450");
	const struct hv_conversation *c = d->conversation;
	const struct hv_step *sub = &c->steps[HV_SIG_STEP_BF450_SUBSCRIBE_EXTRA];
	const struct hv_step *act = &c->steps[HV_SIG_STEP_BF450_ACTIVITY];
	const struct hv_step *take = &c->steps[HV_SIG_STEP_BF450_TAKE_MEASUREMENT];
	struct hv_session s = { .user_index = 1, .records_expected = -1,
				.name = "Beurer BF450" };
	struct hv_frame f = { .name = "Beurer BF450", .n_service_uuids = 1 };
	uint8_t buf[8];
	size_t n;

	(void)state;
	assert_ptr_equal(c, &hv_sig_scale_conversation);
	hv_test_check_conversation(c);
	assert_string_equal(sub->characteristic, "fff6");
	assert_int_equal(sub->op, HV_STEP_SUBSCRIBE);
	assert_true(sub->flags & HV_STEP_OPTIONAL);
	assert_string_equal(act->service, "ffff");
	assert_string_equal(act->characteristic, "fff2");
	assert_string_equal(take->characteristic, "fff4");
	assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 3);
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf[0], 0);
	assert_true(take->flags & HV_STEP_SKIP_IF_NO_USER);
	assert_int_equal(HV_SIG_STEP_BF450_TAKE_MEASUREMENT + 1,
			 HV_SIG_STEP_WAIT_MEASUREMENT);
	/* the SBF72's writes are not the BF450's, nor the reverse */
	assert_int_equal(c->steps[HV_SIG_STEP_VENDOR_ACTIVITY].payload(
				 &s, buf, sizeof(buf), &n),
			 -EOPNOTSUPP);
	s.name = "Sanitas SBF72";
	assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	/* selected before the SIG scale driver, by name */
	f.service_uuids[0] = hv_uuid16(0x181D);
	assert_ptr_equal(hv_registry_select(&f), d);
	f.name = "Sanitas SBF72";
	assert_ptr_equal(hv_registry_select(&f),
			 hv_driver_by_id("sig_weight_scale"));
}

/* The encoder: an impedance as the 0xFFF6 frame; a weighing as the SIG
 * scale's. */
static void test_bf450_encoder_roundtrip(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("beurer_bf450");
	struct hv_measurement in, out;
	struct hv_frame f;

	(void)state;
	hv_measurement_init(&in, "beurer_bf450");
	in.final = true;
	in.user_index = 2;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 512), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	assert_true(hv_uuid_is16(&f.characteristic, 0xFFF6));
	f.name = "BF450";
	hv_measurement_init(&out, NULL);
	(void)hv_registry_decode(&f, NULL, &out);
	sf_assert_ok(&out, "beurer_bf450");
	hv_assert_near(hv_test_present(&out, HV_METRIC_IMPEDANCE), 512, 1e-9);
	assert_int_equal(out.user_index, 2);
	/* a weighing: the SIG weight frame */
	hv_measurement_init(&in, "beurer_bf450");
	in.final = true;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 81.25), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	assert_true(hv_uuid_is16(&f.characteristic, 0x2A9D));
	f.name = "BF450";
	hv_measurement_init(&out, NULL);
	(void)hv_registry_decode(&f, d, &out);
	sf_assert_final(&out, "sig_weight_scale", 81.25, false);
	/* nothing to send */
	hv_measurement_init(&in, "beurer_bf450");
	assert_int_equal(d->encode(&in, NULL, &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bf450_frames),
		cmocka_unit_test(test_bf450_session),
		cmocka_unit_test(test_bf450_units_are_by_name),
		cmocka_unit_test(test_bf450_conversation),
		cmocka_unit_test(test_bf450_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
