// SPDX-License-Identifier: MIT
/*
 * Etekcity ESF-551 and Fit 8S (drivers/etekcity.c). Every frame the
 * sources' tests publish, with the values they state:
 *
 *  - ESF-551: ronnnnnnnnnnnnn/etekcity_esf551_ble
 *    tests/unit/test_esf551_protocol.py at f91e4eca51e869e2dadafffeee370ce688b81016
 *    and, real captures, KristianP26/ble-scale-sync issue #385 and
 *    ronnnnnnnnnnnnn/etekcity_fitness_scale_ble issue #9
 *  - Fit 8S: the same repository, tests/unit/test_fit8s_protocol.py at
 *    f91e4eca (a Wireshark sample and a live capture, and two written
 *    from them for the lb and st display units)
 *
 * Then frames of the families sharing 0xFFF1, the Theengs corpus,
 * encoders, the ESF-551 conversation and selection.
 */
#include "drivers/conversation.h"
#include "tests/unit/scale_frames.h"

static const char *const my_drivers[] = { "etekcity_esf551", "etekcity_fit8s", NULL };

/*
 * A frame of these tests must not be taken by the wrong one of these: the
 * Etekcity and the Eufy scales share the 0xFFF0 service's characteristics
 * (tests/unit/test_eufy_p2_c20.c has the other family).
 */
static const char *const these_scales[] = {
	"etekcity_esf551", "etekcity_fit8s", "eufy_c20", "eufy_p2", NULL,
};

#define ESF551 "Etekcity Smart Fitness Scale"

/* --- ESF-551 --------------------------------------------------------------- */

/* test_esf551_protocol.py @ f91e4eca: 1.0 kg, 100 Ohm, display kg */
#define ESF551_WITH_Z "a502001000000161a100e803006400000000000101" "00"
/* the same without impedance ([20] = 0) */
#define ESF551_NO_Z "a502001000000161a100e803006400000000000100" "00"

static void test_esf551_published(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, ESF551, "fff1", ESF551_WITH_Z, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_esf551");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 1.0, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 100, 1e-9);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	hv_test_gatt(&f, ESF551, "fff1", ESF551_NO_Z, HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_esf551");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 1.0, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	assert_false(m.final);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	/* 22 zero bytes: no weight frame (the library returns None) */
	hv_test_gatt(&f, ESF551, "fff1",
		     "00000000000000000000000000000000000000000000", HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_weightless(&m, "etekcity_esf551");

	/* one byte short: the library rejects it; here it is malformed */
	hv_test_gatt(&f, ESF551, "fff1", "a502001000000161a100e8030064000000000001" "01",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_invalid(&m, "etekcity_esf551");
}

/*
 * Real frames from issue threads, [19] = 0 in both:
 *  - KristianP26/ble-scale-sync issue #385 (an ESF-551, the first
 *    notification after subscribing); the thread states no value: 71.400 kg
 *    (0x0116E8 g), lb shown, complete, no impedance, read from the layout
 *  - ronnnnnnnnnnnnn/etekcity_fitness_scale_ble issue #9 (an ESF93 under
 *    the same name): stated {'display_unit': 1, 'weight': 5.5} once [19] = 0
 *    was accepted; its weight-0 frame did not parse
 */
static void test_esf551_issue_frames(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, ESF551, "fff1", "a5029d1000d80161a100e81601000" "00dc0986a000101",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_esf551");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 71.4, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	assert_int_equal(m.display_unit, HV_UNIT_LB);

	hv_test_gatt(&f, ESF551, "fff1", "a502261000ef0161a1007c1500000" "0bffb7b68000101",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_esf551");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 5.5, 1e-9);
	assert_int_equal(m.display_unit, HV_UNIT_LB);

	hv_test_gatt(&f, ESF551, "fff1", "a5020b1000230161a10000000000" "00141d7c68000101",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_weightless(&m, "etekcity_esf551");
}

static void test_esf551_layout(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* written from protocol.py: 81.02 kg (0x013C7C g), 537 Ohm, lb shown,
	 * decoded with a profile: standard_impedance composition */
	hv_test_gatt(&f, ESF551, "fff1", "a502001000000161a1007c3c011902000000000101" "01",
		     HV_CS_NONE);
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_esf551");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 81.02, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 537, 1e-9);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "standard_impedance");

	/* [19] other than 0 or 1: not a weight frame */
	hv_test_gatt(&f, ESF551, "fff1", "a502001000000161a100e803006400000000000201" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_weightless(&m, "etekcity_esf551");
	/* weight 0: the platform is empty */
	hv_test_gatt(&f, ESF551, "fff1", "a502001000000161a1000000000000000000000100" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_weightless(&m, "etekcity_esf551");
	/* [20] = 1 with no impedance (shoes on): final, weight only */
	hv_test_gatt(&f, ESF551, "fff1", "a502001000000161a100e803000000000000000101" "00",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* 0xFFF1 is shared (QN, Vitafit): no name, no decode */
	hv_test_gatt(&f, NULL, "fff1", ESF551_WITH_Z, HV_CS_NONE);
	sf_assert_not_claimed_by(&f, these_scales);
	hv_test_gatt(&f, "Vitafit", "fff1", ESF551_WITH_Z, HV_CS_NONE);
	sf_assert_not_claimed_by(&f, these_scales);
}

/* --- Fit 8S ---------------------------------------------------------------- */

/* test_fit8s_protocol.py @ f91e4eca, after the company ID 0x06D0 */
#define FIT8S_KG "0163a0ed5d89a9c0a901563a0100000100020300" /* Wireshark: 80.47 kg */
#define FIT8S_KG_Z "0163a0ed5d89a9c0a9017c3c0119020100020300" /* live: 81.02 kg, 537 Ohm */
#define FIT8S_LB "0163a0ed5d89a9c0a901563a0100000101020300"
#define FIT8S_ST "0163a0ed5d89a9c0a901563a0100000102020300"

static void fit8s(struct hv_frame *f, const char *payload)
{
	char hex[128];

	snprintf(hex, sizeof(hex), "d006%s", payload);
	hv_test_mfr(f, NULL, hex);
	f->n_service_uuids = 1;
	f->service_uuids[0] = hv_uuid16(0xFFD0);
}

static void test_fit8s_published(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	fit8s(&f, FIT8S_KG);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_fit8s");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.47, 1e-9);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	fit8s(&f, FIT8S_KG_Z);
	f.profile = &sf_male44;
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_fit8s");
	assert_true(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 81.02, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE), 537, 1e-9);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "standard_impedance");

	fit8s(&f, FIT8S_LB);
	hv_test_decode(&f, &m);
	assert_int_equal(m.display_unit, HV_UNIT_LB);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.47, 1e-9);
	/* stones: no display unit of ours, the weight still in kg */
	fit8s(&f, FIT8S_ST);
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_fit8s");
	assert_int_equal(m.display_unit, HV_UNIT_NONE);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.47, 1e-9);

	/* the library's "wrong MAC" case ([3] ^ 0xFF, address known): it
	 * returns None; the driver does not compare the embedded address
	 * (openScale neither, see drivers/etekcity.c) and decodes it */
	fit8s(&f, "0163a012" "5d89a9c0a901563a0100000100020300");
	f.address = "A9:89:5D:ED:A0:63";
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_fit8s");
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.47, 1e-9);

	/* one byte short, one byte long: not this layout */
	fit8s(&f, "0163a0ed5d89a9c0a901563a01000001000203");
	sf_assert_not_claimed_by(&f, these_scales);
	fit8s(&f, FIT8S_KG "00");
	sf_assert_not_claimed_by(&f, these_scales);
	/* unstable ([15] = 0): the library returns None; here a live weight */
	fit8s(&f, "0163a0ed5d89a9c0a901563a0100000000020300");
	hv_test_decode(&f, &m);
	hv_test_assert_driver(&m, "etekcity_fit8s");
	assert_false(m.final);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 80.47, 1e-9);
}

static void test_fit8s_other_models(void **state)
{
	struct hv_frame f;

	(void)state;
	/* detection.py: the ESF-551 (model code 1) and EFS-A591S (3) advertise
	 * under the same company; their adverts are not a Fit 8S weighing */
	fit8s(&f, "0163a0ed5d89a9" "0001" "01563a01" "0000" "01" "00" "020300");
	sf_assert_not_claimed_by(&f, these_scales);
	fit8s(&f, "0163a0ed5d89a9" "0003" "01563a01" "0000" "01" "00" "020300");
	sf_assert_not_claimed_by(&f, these_scales);
	/* another company, same bytes */
	hv_test_mfr(&f, NULL, "d106" FIT8S_KG);
	sf_assert_not_claimed_by(&f, these_scales);
}

/* --- across families ------------------------------------------------------- */

static void test_etekcity_frames_apart(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	/* QN and Vitafit frames on 0xFFF1 under their own names */
	hv_test_gatt(&f, "QN-Scale", "fff1", "100bff1c480101f401f400", HV_CS_SUM);
	hv_test_decode(&f, &m);
	sf_assert_not_claimed_by(&f, these_scales);
	hv_test_gatt(&f, "Vitafit", "fff1", "5a0a26100200000" "01c4800aa", HV_CS_VITAFIT);
	hv_test_decode(&f, &m);
	sf_assert_not_claimed_by(&f, these_scales);
	/* an ESF-551 frame under a QN name */
	hv_test_gatt(&f, "QN-Scale", "fff1", ESF551_WITH_Z, HV_CS_NONE);
	sf_assert_not_claimed_by(&f, these_scales);
}

static void test_theengs_not_claimed(void **state)
{
	(void)state;
	hv_test_theengs_not_claimed(my_drivers, true);
}

/* --- encoders -------------------------------------------------------------- */

static void test_encoders_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_to("etekcity_esf551", ESF551, NULL, 81.02, 537, 0, true);
	sf_roundtrip_to("etekcity_esf551", ESF551, NULL, 81.02, 0, 0, false);
	sf_roundtrip_to("etekcity_esf551", ESF551, NULL, 149.999, 0, 0, true);
	sf_roundtrip_to("etekcity_fit8s", NULL, NULL, 80.47, 537, 0, true);
	sf_roundtrip_to("etekcity_fit8s", NULL, NULL, 80.47, 0, 0, false);
}

/* --- ESF-551 conversation and selection ------------------------------------ */

static void test_esf551_conversation(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("etekcity_esf551");
	const struct hv_step *wait;
	struct hv_session s = { .user_index = -1, .last_sequence = -1,
				.records_expected = -1, .name = ESF551 };
	struct hv_frame f;

	(void)state;
	hv_test_check_conversation(d->conversation);
	assert_false(d->conversation->needs_bonding);
	wait = hv_test_find_step("etekcity_esf551", "wait for the complete", NULL);
	hv_test_gatt(&f, ESF551, "fff1", ESF551_NO_Z, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, ESF551, "fff1", ESF551_WITH_Z, HV_CS_NONE);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_DONE);
	/* a short one is not the end */
	assert_int_equal(wait->on_value(&s, f.value, f.value_len - 1), HV_VALUE_MORE);
	/* the Fit 8S only advertises: no conversation */
	assert_null(hv_driver_by_id("etekcity_fit8s")->conversation);
}

static void test_selection(void **state)
{
	struct hv_frame f;

	(void)state;
	f = (struct hv_frame){ .name = ESF551 };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("etekcity_esf551"));
	f = (struct hv_frame){ .name = "etekcity smart fitness scale" };
	assert_ptr_equal(hv_registry_select(&f), hv_driver_by_id("etekcity_esf551"));
	f = (struct hv_frame){ .name = "Etekcity" };
	assert_false(hv_driver_by_id("etekcity_esf551")->claims_device(&f));
	/* a QN name on 0xFFF0 is not an ESF-551 */
	f = (struct hv_frame){ .name = "QN-Scale", .n_service_uuids = 1 };
	f.service_uuids[0] = hv_uuid16(0xFFF0);
	assert_false(hv_driver_by_id("etekcity_esf551")->claims_device(&f));
	/* the Fit 8S wants its company and its service */
	fit8s(&f, FIT8S_KG);
	assert_true(hv_driver_by_id("etekcity_fit8s")->claims_device(&f));
	f.n_service_uuids = 0;
	assert_false(hv_driver_by_id("etekcity_fit8s")->claims_device(&f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esf551_published),
		cmocka_unit_test(test_esf551_issue_frames),
		cmocka_unit_test(test_esf551_layout),
		cmocka_unit_test(test_fit8s_published),
		cmocka_unit_test(test_fit8s_other_models),
		cmocka_unit_test(test_etekcity_frames_apart),
		cmocka_unit_test(test_theengs_not_claimed),
		cmocka_unit_test(test_encoders_roundtrip),
		cmocka_unit_test(test_esf551_conversation),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
