// SPDX-License-Identifier: MIT
/*
 * Relaxmedic scale tests (driver relaxmedic), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Relaxmedic -------------------------------------------------------------------------- */

/*
 * openScale RelaxmedicHandler.kt (openScale@f7a733b2) publishes no capture:
 * frames written from its layout (checksum computed), the weight word with
 * high bits set that the 18-bit mask drops. The ten impedances are the set
 * of openScale's Wla25BodyCompositionTest.kt (@ 1acbe48a): 20.0, 300.0,
 * 320.0, 310.0, 305.0 in fragment 0 from byte 9, 18.0, 300.0, 315.0,
 * 308.0, 302.0 in fragment 1.
 */
#define RX_RESULT "051900a3" "80011ad0" "00" "00c8" "0bb8" "0c80" "0c1c" "0bea" "00"
#define RX_RESULT_1 "051901" "00b4" "0bb8" "0c4e" "0c08" "0bcc" "000000000000" "00"
/* the same with another sequence number, as a scale may number fragments */
#define RX_RESULT_1_SQ9 "091901" "00b4" "0bb8" "0c4e" "0c08" "0bcc" "000000000000" "00"
#define RX_LIVE "060600a2" "01" "00011ad0" "00000000000000000000" "00"

/*
 * Real live frames: openScale issue #1434 (a Relaxmedic's log of
 * 2026-07-29, 0xFFB2 notifications as openScale's debug build logged
 * them). The issue states no values: these are the layout's (the low 18
 * bits of [5..8], grams), the checksums the scale's own.
 */
static const struct sf_case relaxmedic_issue_1434[] = {
	{ "Relaxmedic", "ffb2", "040700a2032500" "4bc8" "00000000000000000000" "1d", HV_CS_NONE,
	  SF_LIVE, true, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 19.4 }) },
	{ "Relaxmedic", "ffb2", "050700a2012500" "1fe0" "00000000000000000000" "07", HV_CS_NONE,
	  SF_LIVE, true, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 8.16 }) },
	{ "Relaxmedic", "ffb2", "060700a2012500" "000a" "00000000000000000000" "12", HV_CS_NONE,
	  SF_LIVE, true, SF_READINGS({ HV_METRIC_BODY_WEIGHT, 0.01 }) },
};

static void test_relaxmedic_captured_live(void **state)
{
	(void)state;
	sf_check_cases("relaxmedic", relaxmedic_issue_1434, ELEMENTSOF(relaxmedic_issue_1434));
}

static void test_relaxmedic(void **state)
{
	const struct hv_step *wait;
	size_t i_ack_result, i_ack_request;
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Relaxmedic BS", "ffb3", RX_RESULT, HV_CS_NEW);
	sf_decode_final(&f, &m, "relaxmedic");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* the first of the ten, from byte 9 (byte 10 would read 0xC80B) */
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 20.0);
	hv_test_gatt(&f, "relaxmedic", "ffb2", RX_LIVE, HV_CS_NEW);
	sf_decode_live(&f, &m, "relaxmedic");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* fragment 1 and a bad checksum */
	hv_test_gatt(&f, "Relaxmedic", "ffb3", RX_RESULT_1, HV_CS_NEW);
	sf_decode_control(&f, &m, "relaxmedic");
	assert_int_equal(m.n_readings, 0);
	hv_test_gatt(&f, "Relaxmedic", "ffb3", RX_RESULT, HV_CS_NEW);
	f.value[19] = (uint8_t)((f.value[19] + 1) & 0x1F);
	sf_decode_invalid(&f, &m, "relaxmedic");
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
	/* the result is acknowledged once its second fragment is in, with
	 * that fragment's sequence number (openScale acknowledges the whole
	 * message) */
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT, HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT_1_SQ9, HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_result);
	hv_test_assert_payload("relaxmedic", "acknowledge the result", &s,
			       "000200b009000000000000000000000000000019");
	/* a continuation not after the result's fragment 0 (another message
	 * came between) acknowledges nothing */
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT, HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffb3", "070200a1" "000000000000000000000000000000" "00",
		     HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT_1, HV_CS_NEW);
	assert_int_equal(wait->on_value(&s, f.value, f.value_len), HV_VALUE_MORE);
	assert_int_equal(hv_driver_by_id("relaxmedic")->conversation->steps[i_ack_result + 1].op,
			 HV_STEP_END);
}

static void test_relaxmedic_profile(void **state)
{
	/* 2024-03-15 08:30:00 UTC, local +01:00; male 35, 180 cm */
	struct hv_session s = { .now_unix = 1710491400,
				.now_local = { 2024, 3, 15, 9, 30, 0 },
				.profile = sf_male35, .user_index = -1,
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


/* --- the join (hv_conversation.assemble) ----------------------------------- */

static int rx_assemble(struct hv_session *s, const char *chr, const char *hex,
		       struct hv_frame *out)
{
	const struct hv_conversation *c = hv_driver_by_id("relaxmedic")->conversation;
	struct hv_frame in;

	hv_test_gatt(&in, "Relaxmedic", chr, hex, HV_CS_NEW);
	hv_test_gatt(out, "Relaxmedic", chr, "", HV_CS_NONE);
	return c->assemble(s, &in.characteristic, in.value, in.value_len, out->value,
			   sizeof(out->value), &out->value_len);
}

/* The result's two fragments join into one value with the ten impedances
 * of openScale's Wla25BodyCompositionTest set; decoded once, final. */
static void test_relaxmedic_join(void **state)
{
	struct hv_session s = { .user_index = -1 };
	struct hv_frame f, f0, f1;
	struct hv_measurement m;
	static const double ohm[10] = { 20.0, 300.0, 320.0, 310.0, 305.0,
					18.0, 300.0, 315.0, 308.0, 302.0 };

	(void)state;
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), 1);
	hv_test_gatt(&f0, NULL, "ffb3", RX_RESULT, HV_CS_NEW);
	hv_test_gatt(&f1, NULL, "ffb3", RX_RESULT_1, HV_CS_NEW);
	assert_int_equal(f.value_len, 40);
	assert_memory_equal(f.value, f0.value, 20);
	assert_memory_equal(f.value + 20, f1.value, 20);
	/* all ten impedances, u16 BE 0.1 Ohm: five from byte 9 of fragment 0,
	 * five from byte 3 of fragment 1 */
	for (unsigned i = 0; i < 10; i++) {
		const uint8_t *at = i < 5 ? f.value + 9 + 2 * i : f.value + 23 + 2 * (i - 5);

		assert_int_equal(hv_be16(at), (unsigned)(ohm[i] * 10));
	}
	sf_decode_final(&f, &m, "relaxmedic");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 20.0);
	/* single-fragment messages (live weight, A0) go on as they came,
	 * and nothing is left kept */
	assert_int_equal(rx_assemble(&s, "ffb2", RX_LIVE, &f), 1);
	assert_int_equal(f.value_len, 20);
	sf_decode_live(&f, &m, "relaxmedic");
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), 1);
	/* the joined value with a fragment out of order, or its second
	 * frame's checksum broken, is no result */
	hv_test_gatt(&f, "Relaxmedic", "ffb3", RX_RESULT_1 RX_RESULT, HV_CS_NONE);
	memcpy(f.value, f1.value, 20);
	memcpy(f.value + 20, f0.value, 20);
	sf_decode_control(&f, &m, "relaxmedic");
	memcpy(f.value, f0.value, 20);
	memcpy(f.value + 20, f1.value, 20);
	f.value[39] ^= 1;
	sf_decode_invalid(&f, &m, "relaxmedic");
}

/* A continuation that does not follow the kept fragment is refused, drops
 * it, and the next result joins as if nothing had happened. */
static void test_relaxmedic_broken_join(void **state)
{
	struct hv_session s = { .user_index = -1 };
	struct hv_frame f;
	struct hv_measurement m;
	char bad[64];

	(void)state;
	/* a continuation without its start */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), -EBADMSG);
	/* fragment 1 with a bad checksum */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	hv_test_gatt(&f, NULL, "ffb3", RX_RESULT_1, HV_CS_NEW);
	f.value[19] ^= 1;
	assert_int_equal(hv_driver_by_id("relaxmedic")->conversation->assemble(
				 &s, &f.characteristic, f.value, 20, f.value, sizeof(f.value),
				 &f.value_len),
			 -EBADMSG);
	/* fragment 2 where 1 is due; another message length */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	snprintf(bad, sizeof(bad), "%s", RX_RESULT_1);
	bad[5] = '2';
	assert_int_equal(rx_assemble(&s, "ffb3", bad, &f), -EBADMSG);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	bad[5] = '1';
	bad[3] = 'a';
	assert_int_equal(rx_assemble(&s, "ffb3", bad, &f), -EBADMSG);
	/* a cut frame */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", "051901", &f), -EBADMSG);
	/* nothing kept after any of them: the next result joins */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), -EBADMSG);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), 1);
	sf_decode_final(&f, &m, "relaxmedic");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	/* a new fragment 0 starts over (openScale's reassembly) */
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT, &f), 0);
	assert_int_equal(rx_assemble(&s, "ffb3", RX_RESULT_1, &f), 1);
	assert_int_equal(f.value_len, 40);
}

/* The encoder's frames decode back to what was encoded. */
static void test_relaxmedic_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("relaxmedic", "Relaxmedic", 72.4, 500, true);
	sf_roundtrip_weight("relaxmedic", "Relaxmedic", 150.2, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relaxmedic),
		cmocka_unit_test(test_relaxmedic_captured_live),
		cmocka_unit_test(test_relaxmedic_join),
		cmocka_unit_test(test_relaxmedic_broken_join),
		cmocka_unit_test(test_relaxmedic_profile),
		cmocka_unit_test(test_relaxmedic_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
