// SPDX-License-Identifier: MIT
/*
 * Keep S3 scale tests (driver keep_s3): frames written from the layouts in
 * the driver's header comment (the checksums computed by the helpers),
 * decoded through the whole registry; the conversation's payloads and its
 * handling of the responses. Below them, captures other projects published,
 * each next to its source (repository, path, commit) with the values the
 * source states.
 */
#include "daemon/basic/macro.h"
#include "daemon/common/measurement_json.h"
#include "tests/unit/scale_frames.h"

/* 0xFF01 is every ESP32 demo's characteristic: without the name a frame
 * on it is none of these proprietary families'. */
static const char *const not_on_ff01[] = {
	"soehnle_shape", "lefu_icomon", "keep_s3", "vitafit", NULL,
};

/* --- Keep S3 ------------------------------------------------------------- */

static void keep_record(char *hex, size_t size, const char *imp50,
			const char *weight)
{
	/* 03 53 58 00 3D, 48 zero bytes [5..52], weight [53..54], impedances
	 * [55..60], phase angles −5.0° / −4.8° [61..64], HR 72 [65] */
	snprintf(hex, size, "0353580" "03d" "%096d" "%s" "%s" "%s" "ffce" "ffd0" "48",
		 0, weight, imp50, imp50);
}

static void test_keep_s3(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;
	char hex[200];

	(void)state;
	/* final event: stage 0x29, 72.4 kg × 200 = 14480 = 0x3890, the
	 * scale's impedance figure 500, HR 72; the record that follows is
	 * the measurement */
	hv_test_gatt(&f, "Keep_S3", "ff01", "0353570008" "29" "3890" "0000" "01f4" "48",
		     HV_CS_NONE);
	sf_decode_live(&f, &m, "keep_s3");
	assert_false(m.more_packets);
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 72);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	/* live stage */
	hv_test_gatt(&f, "Keep_S3", "ff01", "0353570008" "01" "3890" "0000" "0000" "00",
		     HV_CS_NONE);
	sf_decode_live(&f, &m, "keep_s3");
	assert_false(m.more_packets);

	/* final record: encoded 50 kHz impedance E8 03 00 → U 1000, L 0 →
	 * 500 Ohm */
	keep_record(hex, sizeof(hex), "e80300", "3890");
	hv_test_gatt(&f, "Keep_S3", "ff01", hex, HV_CS_NONE);
	assert_int_equal(f.value_len, 66);
	f.profile = &sf_male44;
	sf_decode_final(&f, &m, "keep_s3");
	sf_assert_reading(&m, HV_METRIC_BODY_WEIGHT, 72.4);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 500);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 72);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "standard_impedance");
	/* E8 03 10: L = 0x10 << 2 = 64 → (1000 − 64) / 2 = 468 */
	keep_record(hex, sizeof(hex), "e80310", "3890");
	hv_test_gatt(&f, "Keep_S3", "ff01", hex, HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 468);
	/* E8 13 00: L = 1 → 999 / 2 truncates to 499 */
	keep_record(hex, sizeof(hex), "e81300", "3890");
	hv_test_gatt(&f, "Keep_S3", "ff01", hex, HV_CS_NONE);
	hv_test_decode(&f, &m);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 499);
	/* FF FF FF: no impedance, weight only (still final) */
	keep_record(hex, sizeof(hex), "ffffff", "3890");
	hv_test_gatt(&f, "Keep_S3", "ff01", hex, HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.final);
	assert_null(hv_measurement_find(&m, HV_METRIC_IMPEDANCE));

	/* declared length does not match; bad magic; zero weight */
	hv_test_gatt(&f, "Keep_S3", "ff01", "0353570009" "29" "3890" "0000" "01f4" "48",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "keep_s3");
	hv_test_gatt(&f, "Keep_S3", "ff01", "0354570008" "29" "3890" "0000" "01f4" "48",
		     HV_CS_NONE);
	sf_decode_invalid(&f, &m, "keep_s3");
	keep_record(hex, sizeof(hex), "e80300", "0000");
	hv_test_gatt(&f, "Keep_S3", "ff01", hex, HV_CS_NONE);
	sf_decode_invalid(&f, &m, "keep_s3");

	/* a response is a protocol frame */
	hv_test_gatt(&f, "Keep_S3", "ff01", "0253380000" "80", HV_CS_NONE);
	sf_decode_as(&f, &m, "keep_s3");
	assert_int_equal(m.n_readings, 0);

	/* 0xFF01 without the name: every ESP32 demo uses it */
	hv_test_gatt(&f, NULL, "ff01", "0353570008" "29" "3890" "0000" "01f4" "48", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(not_on_ff01, m.driver));
	hv_test_gatt(&f, "Keep_S3 Pro", "ff01", "0353570008" "29" "3890" "0000" "01f4" "48",
		     HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_true(m.status == HV_STATUS_NOT_MINE || !sf_is_listed(not_on_ff01, m.driver));
}

static void test_keep_s3_conversation(void **state)
{
	struct hv_session s = sf_session("Keep_S3");
	const struct hv_step *wait_event, *time_resp;
	size_t i_ack_event, i_ack_record;
	char hex[600], expect[600];
	uint8_t time_ok[] = { 0x02, 0x53, 0x0A, 0x00, 0x04, 0x80, 0x65, 0xF4, 0x00, 0x00 };
	uint8_t neg_bad[] = { 0x02, 0x53, 0x38, 0x00, 0x00, 0x81 };
	uint8_t event[13] = { 0x03, 0x53, 0x57, 0x00, 0x08, 0x29, 0x38, 0x90 };
	uint8_t record[66] = { 0x03, 0x53, 0x58, 0x00, 0x3D };
	static const char token_hex[] = "686f6d65766974616c730003";
	char token_ascii[2 * 48 + 1] = "";

	(void)state;
	hv_test_assert_payload("keep_s3", "negotiate", &s, "0153380000");
	hv_test_assert_payload("keep_s3", "read the scale", &s, "01530a0000");
	/* no time from the scale: Unix time, big-endian */
	hv_test_assert_payload("keep_s3", "set time", &s, "015301000465f40708");
	time_resp = hv_test_find_step("keep_s3", "time response", NULL);
	assert_int_equal(time_resp->on_value(&s, time_ok, sizeof(time_ok)),
			 HV_VALUE_DONE);
	hv_test_assert_payload("keep_s3", "set time", &s, "015301000465f40000");
	hv_test_assert_payload("keep_s3", "unit kg", &s, "015305000100");
	assert_int_equal(hv_test_find_step("keep_s3", "negotiate response", NULL)
				 ->on_value(&s, neg_bad, sizeof(neg_bad)),
			 -EPROTO);

	/* the token: hex of "homevitals" and slot 3, twice, as ASCII */
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < 24; i++)
			snprintf(token_ascii + strlen(token_ascii), 3, "%02x",
				 (unsigned char)token_hex[i]);
	snprintf(expect, sizeof(expect), "0153360032%s0001", token_ascii);
	hv_test_assert_payload("keep_s3", "start measuring", &s, expect);
	snprintf(expect, sizeof(expect), "0153360032%s0000", token_ascii);
	hv_test_assert_payload("keep_s3", "stop measuring", &s, expect);
	/* profile: token ×2, no previous record, 180 cm, born 1980 (44 y
	 * before 2024-03-15) */
	assert_int_equal(hv_test_payload("keep_s3", "profile", &s, hex, sizeof(hex)), 0);
	assert_int_equal(strlen(hex), 2 * 68);
	assert_memory_equal(hex, "015332003f", 10);
	assert_memory_equal(hex + 10, token_ascii, 96);
	assert_memory_equal(hex + 106, "00000000000000000000" "b4" "07bc", 26);

	hv_test_assert_payload("keep_s3", "acknowledge the event", &s, "045357000080");
	hv_test_assert_payload("keep_s3", "acknowledge the final", &s, "045358000080");

	wait_event = hv_test_find_step("keep_s3", "wait for a measurement event", NULL);
	(void)hv_test_find_step("keep_s3", "acknowledge the event", &i_ack_event);
	(void)hv_test_find_step("keep_s3", "acknowledge the final", &i_ack_record);
	assert_int_equal(wait_event->on_value(&s, event, sizeof(event)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_event);
	assert_int_equal(wait_event->on_value(&s, record, sizeof(record)), HV_VALUE_GOTO);
	assert_int_equal(s.next_step, (int)i_ack_record);
	/* a truncated event is not acknowledged */
	assert_int_equal(wait_event->on_value(&s, event, 12), HV_VALUE_MORE);
}


/* The encoder's frames decode back to what was encoded. */
static void test_keep_s3_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_body("keep_s3", "Keep_S3", 72.4, 500, 72, true, false, 0);
	sf_roundtrip_body("keep_s3", "Keep_S3", 88.15, 0, 0, false, false, 0);
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

/* --- Keep S3 -------------------------------------------------------------- */

/*
 * oliexdev/openScale android_app/app/src/test/java/com/health/openscale/
 * core/bluetooth/scales/KeepS3HandlerTest.kt at
 * cfec324fd0734a170dc333a4cd074d1f54507dbb: the capture-verified final
 * measurements (03 53 57 00 08 29 42 7C 00 00 01 2D 6B: 85.10 kg, 301 Ohm,
 * 107/min; … 29 42 68 00 00 01 2C 61: 85.00 kg, 300 Ohm, 97/min), the
 * live event 03 53 57 00 08 00 42 5E 00 00 00 00 00 (84.95 kg), and the
 * final records its finalRecord() writes from the captures' values (the
 * token "0123456789abcdef01234567" twice, weight, encoded 50 and 100 kHz
 * impedances, phase angles, heart rate): 50 kHz 506 / 502 Ohm. The
 * responses are written by that test's response() helper.
 */
/* "0123456789abcdef01234567" twice, ASCII */
#define KEEP_TOKEN2                                                      \
	"303132333435363738396162636465663031323334353637"                \
	"303132333435363738396162636465663031323334353637"
#define KEEP_RECORD_1                                                    \
	"035358003d" KEEP_TOKEN2 "427c" "5e255a" "2627da" "ffb4" "ffb4" "6b"
#define KEEP_RECORD_2                                                    \
	"035358003d" KEEP_TOKEN2 "4268" "8227e5" "6c66ac" "ffb3" "ffb3" "61"

static void test_keep_s3_final_events(void **state)
{
	static const struct {
		const char *hex;
		double kg, ohm, bpm;
	} events[] = {
		{ "035357000829427c0000012d6b", 85.10, 301, 107 },
		{ "03535700082942680000012c61", 85.00, 300, 97 },
	};
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(events); i++) {
		hv_test_gatt(&f, "Keep_S3", "ff01", events[i].hex, HV_CS_NONE);
		hv_test_decode(&f, &m);
		sf_assert_ok(&m, "keep_s3");
		sf_assert_weight(&m, events[i].kg);
		hv_assert_near(hv_test_reading(&m, HV_METRIC_IMPEDANCE),
			       events[i].ohm, 1e-9);
		hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE),
			       events[i].bpm, 1e-9);
	}
}

static void test_keep_s3_session(void **state)
{
	const struct sf_value v[] = {
		{ "ff01", "025338000080" },
		{ "ff01", "02530a00048012345678" },
		{ "ff01", "025301000080" },
		{ "ff01", "025305000080" },
		{ "ff01", "0253e7000080" },
		{ "ff01", "0253f500018001" },
		{ "ff01", "0253f500018001" },
		{ "ff01", "0253030001805f" },
		{ "ff01", "025320000080" },
		{ "ff01", "02533200018000" },
		{ "ff01", "025336000080" },
		{ "ff01", "035357000800425e0000000000" },
		{ "ff01", "03535700082942680000012c61" },
		{ "ff01", KEEP_RECORD_2 },
	};
	struct sf_session_run r;
	struct sf_sink out;

	(void)state;
	hv_session_init(&r.s, SF_NOW);
	r.s.user_index = 7;
	r.s.profile = (struct hv_profile){ .height_m = 1.68, .age_years = 26,
					   .sex = HV_SEX_MALE };
	sf_replay_ex(&r, true, "keep_s3", "Keep_S3", NULL, v, ELEMENTSOF(v));
	for (size_t i = 0; i < 11; i++)
		assert_true(r.fed[i]);
	sf_assert_live(&r.m[11], "keep_s3", 84.95);
	sf_assert_ok(&r.m[12], "keep_s3");
	assert_false(r.m[12].final);
	hv_assert_near(hv_test_reading(&r.m[12], HV_METRIC_IMPEDANCE),
		       300, 1e-9);
	/* the final record is the measurement, with its 50 kHz impedance */
	sf_assert_ok(&r.m[13], "keep_s3");
	assert_true(r.m[13].final);
	assert_false(r.m[13].more_packets);
	sf_assert_weight(&r.m[13], 85.00);
	hv_assert_near(hv_test_reading(&r.m[13], HV_METRIC_IMPEDANCE),
		       502, 1e-9);
	hv_assert_near(hv_test_reading(&r.m[13], HV_METRIC_HEART_RATE), 97,
		       1e-9);
	assert_string_equal(
		hv_test_method(&r.m[13], HV_METRIC_BODY_FAT_PERCENT),
		"standard_impedance");
	sf_assert_session_done(&r);
	/* one record: the final record's, its BIA impedance */
	sf_stored(&r, &out);
	assert_int_equal(out.n, 1);
	sf_assert_stored(&out.records[0], HV_METRIC_BODY_WEIGHT, 85.00);
	sf_assert_stored(&out.records[0], HV_METRIC_IMPEDANCE, 502);
	sf_assert_stored(&out.records[0], HV_METRIC_HEART_RATE, 97);
}

/* The first capture's record alone: 85.10 kg, 50 kHz 506 Ohm, 107/min. */
static void test_keep_s3_record(void **state)
{
	struct hv_frame f;
	struct hv_measurement m;

	(void)state;
	hv_test_gatt(&f, "Keep_S3", "ff01", KEEP_RECORD_1, HV_CS_NONE);
	assert_int_equal(f.value_len, 66);
	hv_test_decode(&f, &m);
	sf_assert_final(&m, "keep_s3", 85.10, false);
	sf_assert_reading(&m, HV_METRIC_IMPEDANCE, 506);
	sf_assert_reading(&m, HV_METRIC_HEART_RATE, 107);
	/* truncated (12 bytes): not a measurement */
	hv_test_gatt(&f, "Keep_S3", "ff01", "035357000829427c0000012d", HV_CS_NONE);
	hv_test_decode(&f, &m);
	assert_int_equal(m.status, HV_STATUS_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_s3),
		cmocka_unit_test(test_keep_s3_conversation),
		cmocka_unit_test(test_keep_s3_encoder_roundtrip),
		cmocka_unit_test(test_keep_s3_final_events),
		cmocka_unit_test(test_keep_s3_session),
		cmocka_unit_test(test_keep_s3_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
