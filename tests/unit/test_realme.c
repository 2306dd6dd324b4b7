// SPDX-License-Identifier: MIT
/*
 * Realme Smart Scale scale tests (driver realme), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

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
	sf_decode_final(&f, &m, "realme");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.40);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	assert_true(m.has_raw_device_time);
	assert_int_equal(m.raw_device_time.year, 2024);
	assert_int_equal(m.raw_device_time.hour, 8);
	assert_int_equal(m.raw_device_time.minute, 30);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
	/* with a profile: openScale's Yunmai model */
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT), "yunmai");
	/* another address deciphers to no weight; none: nothing read */
	f.address = "C8:0F:11:11:22:33";
	sf_decode_as(&f, &m, "realme");
	assert_true(fabs(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT) - 72.40) > 1);
	f.address = NULL;
	sf_decode_as(&f, &m, "realme");
	assert_int_equal(m.n_readings, 0);
	/* by name or by its service only */
	hv_test_gatt(&f, NULL, "a621", RM_FRAME, HV_CS_NONE);
	f.address = "C8:0F:10:11:22:33";
	sf_assert_not_mine(&f);
	f.service_uuids[f.n_service_uuids++] = hv_uuid16(0xA602);
	sf_decode_as(&f, &m, "realme");
}

/*
 * The handshake, a worked example of openScale's buildHandshake() and
 * wrapAndObfuscate() (RealmeSmartScaleHandler.kt, openScale@f7a733b2; the
 * handler has no test): the address C8:0F:10:11:22:33, the clock
 * 2024-03-15 08:30:00 UTC = 0x65F40708 with the local time one hour
 * ahead (+60 min = 0x3C), a man of 44 and 180 cm without a last weight
 * (FF FF). Each payload XOR C8 0F 10 11 22 33 repeating, after 10 LL.
 */
#define RM_ADDRESS "C8:0F:10:11:22:33"

static struct hv_session rm_session(void)
{
	struct hv_session s = sf_session("realme Smart Scale");

	s.address = RM_ADDRESS;
	return s;
}

static void test_realme_handshake_payloads(void **state)
{
	struct hv_session s = rm_session();
	char hex[64];

	(void)state;
	/* 00 08 01 00 00 00 00 00 00 00 02 */
	hv_test_assert_payload("realme", "handshake: register", &s,
			       "100bc80711112233c80f101120");
	/* 00 0A 18 65 F4 07 08 3C */
	hv_test_assert_payload("realme", "handshake: time", &s,
			       "1008c8050874d634c033");
	/* 48 01 00 01 */
	hv_test_assert_payload("realme", "handshake: start", &s, "1004800e1010");
	/* 10 01 01 00 2C 00 B4 00 00 FF FF */
	hv_test_assert_payload("realme", "handshake: user", &s,
			       "100bd80e11110e337c0f10eedd");
	/* 10 04 00, 10 07 01 */
	hv_test_assert_payload("realme", "handshake: formula", &s, "1003d80b10");
	hv_test_assert_payload("realme", "handshake: unit", &s, "1003d80811");
	/* a woman (80) of 30 and 165 cm */
	s.profile = (struct hv_profile){ .height_m = 1.65, .age_years = 30,
					 .sex = HV_SEX_FEMALE };
	hv_test_assert_payload("realme", "handshake: user", &s,
			       "100bd80e11913c336d0f10eedd");
	/* five hours behind UTC: -300 min, one byte (toByte) 0xD4 */
	s.now_local = (struct hv_datetime){ 2024, 3, 15, 3, 30, 0 };
	hv_test_assert_payload("realme", "handshake: time", &s,
			       "1008c8050874d634c0db");
	/* India, +330 min: the low byte 0x4A, as toByte() keeps it */
	s.now_local = (struct hv_datetime){ 2024, 3, 15, 14, 0, 0 };
	hv_test_assert_payload("realme", "handshake: time", &s,
			       "1008c8050874d634c045");
	/* no profile: no user frame (the step is optional) */
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload("realme", "handshake: user", &s, hex,
					 sizeof(hex)), -ENODATA);
	assert_true(hv_test_find_step("realme", "handshake: user", NULL)->flags &
		    HV_STEP_OPTIONAL);
	/* another address, another cipher; none: nothing to send */
	s.address = "C8:0F:10:11:22:34";
	hv_test_assert_payload("realme", "handshake: start", &s, "1004800e1010");
	hv_test_assert_payload("realme", "handshake: register", &s,
			       "100bc80711112234c80f101120");
	s.address = NULL;
	assert_int_equal(hv_test_payload("realme", "handshake: register", &s, hex,
					 sizeof(hex)), -EINVAL);
}

/* A step's characteristic, op and what, as the handler does them. */
struct rm_expect {
	enum hv_step_op op;
	const char *chr;
	const char *what;
};

/*
 * The steps are onConnected()'s, in order: notify on 0xA621 and 0xA625,
 * the six frames on 0xA624 with response (writeTo's default), then the
 * keep-alive 00 01 D9 on 0xA622 with a second between two.
 */
static void test_realme_conversation_order(void **state)
{
	static const struct rm_expect expect[] = {
		{ HV_STEP_SUBSCRIBE, "a621", "subscribe 0xA621" },
		{ HV_STEP_SUBSCRIBE, "a625", "subscribe 0xA625" },
		{ HV_STEP_WRITE, "a624", "handshake: register" },
		{ HV_STEP_WRITE, "a624", "handshake: time and zone" },
		{ HV_STEP_WRITE, "a624", "handshake: start" },
		{ HV_STEP_WRITE, "a624", "handshake: user" },
		{ HV_STEP_WRITE, "a624", "handshake: formula" },
		{ HV_STEP_WRITE, "a624", "handshake: unit kg" },
		{ HV_STEP_WRITE, "a622", "keep-alive" },
		{ HV_STEP_WAIT, "a621", "a second for a weighing" },
	};
	const struct hv_conversation *c = hv_driver_by_id("realme")->conversation;

	(void)state;
	assert_non_null(c);
	hv_test_check_conversation(c);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		assert_int_equal(c->steps[i].op, expect[i].op);
		assert_string_equal(c->steps[i].characteristic, expect[i].chr);
		assert_memory_equal(c->steps[i].what, expect[i].what,
				    strlen(expect[i].what));
		if (c->steps[i].op == HV_STEP_WRITE)
			assert_true(c->steps[i].flags & HV_STEP_WITH_RESPONSE);
	}
	sf_assert_step_bytes("realme", "keep-alive", "0001d9");
	assert_int_equal(c->steps[9].timeout_ms, 1000);
}

/* Run the steps that need no value; every write must build. */
static void rm_run(struct hv_conv *c)
{
	const struct hv_step *st;
	uint8_t buf[64];
	size_t len;

	while ((st = hv_conv_current(c)) && st->op != HV_STEP_WAIT)
		hv_conv_step_done(c, st->op == HV_STEP_WRITE ?
					     hv_conv_write_payload(st, c->session, buf,
								   sizeof(buf), &len) :
					     0);
}

/*
 * A session: nobody steps on for a minute: sixty keep-alives, then the
 * session fails; a weighing (the frame of test_realme) is followed by
 * keep-alives until three quiet seconds, and another weighing in them
 * starts the three seconds again.
 */
static void test_realme_session(void **state)
{
	struct hv_session s = rm_session();
	struct hv_conv c;
	struct hv_frame f;
	size_t quiet = 0;

	(void)state;
	hv_conv_init(&c, hv_driver_by_id("realme")->conversation, &s);
	for (;;) {
		rm_run(&c);
		if (!hv_conv_current(&c))
			break;
		quiet++;
		hv_conv_step_done(&c, -ETIMEDOUT);
	}
	assert_int_equal(quiet, 60);
	assert_true(c.finished);
	assert_int_equal(c.result, -ETIMEDOUT);

	/* a weighing on the fifth second */
	s = rm_session();
	hv_conv_init(&c, hv_driver_by_id("realme")->conversation, &s);
	for (int i = 0; i < 4; i++) {
		rm_run(&c);
		hv_conv_step_done(&c, -ETIMEDOUT);
	}
	rm_run(&c);
	hv_test_gatt(&f, NULL, "a621", RM_FRAME, HV_CS_NONE);
	/* not a weighing: short, another header, no weight */
	assert_int_equal(hv_conv_feed(&c, f.value, 10), 0);
	f.value[1] = 0x12;
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 0);
	f.value[1] = 0x11;
	f.value[10] ^= 0x1C; /* deciphered weight 00 00 */
	f.value[11] ^= 0x48;
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 0);
	f.value[10] ^= 0x1C;
	f.value[11] ^= 0x48;
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 1);
	/* two quiet seconds, another weighing, then three */
	for (int i = 0; i < 2; i++) {
		rm_run(&c);
		assert_string_equal(hv_conv_current(&c)->what, "a second for a weighing");
		hv_conv_step_done(&c, -ETIMEDOUT);
	}
	rm_run(&c);
	assert_int_equal(hv_conv_feed(&c, f.value, f.value_len), 1);
	for (int i = 0; i < 3; i++) {
		rm_run(&c);
		assert_false(c.finished);
		hv_conv_step_done(&c, -ETIMEDOUT);
	}
	assert_null(hv_conv_current(&c));
	assert_true(c.finished);
	assert_int_equal(c.result, 0);
}


/* The encoder's frames decode back to what was encoded. */
static void test_realme_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("realme", "realme", 72.4, 500, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realme),
		cmocka_unit_test(test_realme_encoder_roundtrip),
		cmocka_unit_test(test_realme_handshake_payloads),
		cmocka_unit_test(test_realme_conversation_order),
		cmocka_unit_test(test_realme_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
