// SPDX-License-Identifier: MIT
/*
 * The huawei_hagrid conversation (drivers/huawei_hagrid.c): the handshake
 * of openScale's HuaweiHagridWspHandler.kt (oliexdev/openScale@f7a733b2)
 * as data, with the session's random bytes and secrets. The scale's
 * address and C1 / C2 are those of the Scale 3 capture in
 * HuaweiHagridWspLibTest.kt; CAK, randA, randB and the IVs are the
 * test's counting bytes. Every expected frame was computed independently
 * of the driver (Python hmac / hashlib / `cryptography`, CRCs written
 * from their definitions).
 */
#include "tests/unit/scale_frames.h"

#include "drivers/huawei_hagrid.h"

#define ID "huawei_hagrid"
#define ADDRESS "38:1E:C7:66:08:D3"

static struct hv_session session(bool with_secrets)
{
	static const char c1c2[] = "CA4946D061C9FE534F6044F930EBB69B"
				   "FBCE6E2B4BAF80ED969BA26B4A4B9325";
	struct hv_session s = sf_session("HUAWEI Scale 3");

	s.address = ADDRESS;
	for (unsigned i = 0; i < 32; i++)
		s.random[i] = (uint8_t)(i < 16 ? 16 + i : 48 + i - 16);
	if (with_secrets) {
		for (unsigned i = 0; i < 16; i++)
			s.secrets[i] = (uint8_t)(32 + i);
		for (unsigned i = 0; i < 32; i++)
			s.secrets[16 + i] =
				(uint8_t)(hv_hex_digit(c1c2[2 * i]) << 4 |
					  hv_hex_digit(c1c2[2 * i + 1]));
		s.secrets_len = 48;
	}
	return s;
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hv_hex_digit(hex[2 * i]) << 4 |
				   hv_hex_digit(hex[2 * i + 1]));
	return n;
}

/* Feed the frames to the step's on_value; the result of the last. */
static int feed(const char *what, struct hv_session *s,
		const char *const *frames, size_t n)
{
	const struct hv_step *st = hv_test_find_step(ID, what, NULL);
	uint8_t v[HV_HAGRID_FRAME_MAX];
	int r = -1;

	assert_non_null(st->on_value);
	for (size_t i = 0; i < n; i++) {
		r = st->on_value(s, v, unhex(frames[i], v));
		if (i + 1 < n)
			assert_int_equal(r, HV_VALUE_MORE);
	}
	return r;
}

/* A realtime weighing sealed under the work key the conversation sends
 * (86.25 kg, 97 min-1: test_weighing), in its three notifications. */
static const char *const sealed_weighing[] = {
	"cd12206465666768696a6b6c6d6e6f707172f568",
	"cd1221739cfdd8298224e979e001904d11b440f4",
	"cd0f22ce7f3106e17a3c1dccb0c2bca305",
};

static const char *const challenge[] = {
	"bd1210000102030405060708090a0b0c0d0e5e0f", "bd04110f29dd",
};

static void test_well_formed(void **state)
{
	(void)state;
	hv_test_check_conversation(hv_driver_by_id(ID)->conversation);
}

static void test_handshake(void **state)
{
	static const char *const scale_token[] = {
		"bd122033933a169af8fbafde831ab11f9212e60e",
		"bd1221b1225cd75b9e4b391275e276c2a3a64492",
		"bd0522a11bd146",
	};
	static const char *const ack[] = { "bd0400006589" };
	struct hv_session s = session(true);

	(void)state;
	hv_test_assert_payload(ID, "ask for authentication", &s, "db0300c140");
	assert_int_equal(feed("wait for the challenge", &s, challenge, 2),
			 HV_VALUE_DONE);
	/* randB (the session's first random bytes), then the app's token */
	hv_test_assert_payload(ID, "token frame 1/4", &s,
			       "db1230101112131415161718191a1b1c1d1e33e9");
	hv_test_assert_payload(ID, "token frame 2/4", &s,
			       "db12311f549cae3b8401acb228964882f16e6f7b");
	hv_test_assert_payload(ID, "token frame 3/4", &s,
			       "db12327e4ff02f7d41556141714f80292d052f18");
	hv_test_assert_payload(ID, "token frame 4/4", &s, "db06330c7a9ece62");
	assert_int_equal(feed("check the scale's token", &s, scale_token, 3),
			 HV_VALUE_DONE);
	/* The work key under the capture's root key, IV = random[16..31]. */
	hv_test_assert_payload(ID, "work key frame 1/3", &s,
			       "dc1220303132333435363738393a3b3c3d3ef107");
	hv_test_assert_payload(ID, "work key frame 2/3", &s,
			       "dc12213f0644663bad9a681e0efa4bf1ce30cb2e");
	hv_test_assert_payload(ID, "work key frame 3/3", &s, "dc0522f4782638");
	assert_int_equal(feed("wait for the work key", &s, ack, 1),
			 HV_VALUE_DONE);
	/* The user information under the work key: huid, uid of slot 3,
	 * male on a Scale 3 = 1, 44 years, 180 cm, no weight. */
	hv_test_assert_payload(ID, "user frame 1/6", &s,
			       "dc1250b83252a91f05fbbe1230c7ceab2d1438d5");
	hv_test_assert_payload(ID, "user frame 2/6", &s,
			       "dc1251f8b4de8a0c5b7bd01085e960a74e5559de");
	hv_test_assert_payload(ID, "user frame 3/6", &s,
			       "dc125214da7b4d4d7759d912baae066a241f67bb");
	hv_test_assert_payload(ID, "user frame 4/6", &s,
			       "dc1253cc0ee472fa2052d4e7ee5fe4196ce7606e");
	hv_test_assert_payload(ID, "user frame 5/6", &s,
			       "dc1254bc404f3d972923a1e652a1027f0a261e9f");
	hv_test_assert_payload(ID, "user frame 6/6", &s,
			       "dc0d55e7fa15d03095c872d6fc3879");
	/* 2024-03-15 09:30:00, a Friday */
	hv_test_assert_payload(ID, "set the clock", &s,
			       "db0b00e807030f091e0005b35d");
	hv_test_assert_payload(ID, "start the realtime", &s, "db0300c140");
}

static void test_refusals(void **state)
{
	static const char *const forged[] = {
		"bd122033933a169af8fbafde831ab11f9212e60e",
		/* the second frame of the app's own token: not the scale's */
		"bd12211f549cae3b8401acb228964882f16e3538",
		"bd0522a11bd146",
	};
	static const char *const nack[] = { "bd040001a449" };
	struct hv_session s = session(true), none = session(false);
	char hex[128];

	(void)state;
	/* Without CAK, C1, C2 there is nothing to answer with. */
	assert_int_equal(feed("wait for the challenge", &none, challenge, 1),
			 -ENOKEY);
	assert_int_equal(hv_test_payload(ID, "token frame 1/4", &none, hex,
					 sizeof(hex)),
			 -ENOKEY);
	assert_int_equal(hv_test_payload(ID, "work key frame 1/3", &none, hex,
					 sizeof(hex)),
			 -ENOKEY);

	assert_int_equal(feed("wait for the challenge", &s, challenge, 2),
			 HV_VALUE_DONE);
	assert_int_equal(feed("check the scale's token", &s, forged, 3),
			 -EACCES);
	assert_int_equal(feed("wait for the work key", &s, nack, 1), -EACCES);
}

/* The user information the six frames carry, opened with the work key. */
static void user_plain(const struct hv_session *sp,
		       uint8_t plain[HV_HAGRID_USER_INFO_LEN])
{
	static const char *const frames[] = {
		"user frame 1/6", "user frame 2/6", "user frame 3/6",
		"user frame 4/6", "user frame 5/6", "user frame 6/6",
	};
	struct hv_session s = *sp;
	uint8_t root[16], work[16], msg[128], out[128], v[32];
	size_t len = 0, n;
	char hex[64];

	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		struct hv_hagrid_frame f;
		size_t vlen;

		assert_int_equal(hv_test_payload(ID, frames[i], &s, hex,
						 sizeof(hex)),
				 0);
		vlen = unhex(hex, v);
		assert_int_equal(hv_hagrid_parse_frame(v, vlen, &f), 0);
		assert_true(f.encrypted);
		memcpy(msg + len, f.payload, f.len);
		len += f.len;
	}
	assert_int_equal(hv_hagrid_session_keys(s.secrets, s.secrets_len,
						ADDRESS, root, work),
			 0);
	assert_int_equal(hv_hagrid_decrypt(work, msg, len, out, sizeof(out),
					   &n),
			 0);
	assert_int_equal(n, HV_HAGRID_USER_INFO_LEN);
	memcpy(plain, out, n);
}

/* The sex byte of the user information sent under a name: the Huawei
 * Scale 3 takes male = 1, the other families male = 0. */
static int user_sex_byte(const char *name, enum hv_sex sex)
{
	struct hv_session s = session(true);
	uint8_t plain[HV_HAGRID_USER_INFO_LEN];

	s.name = name;
	s.profile.sex = sex;
	user_plain(&s, plain);
	assert_int_equal(plain[63], 44);
	return plain[62];
}

/* Feed a message as the scale sends it (plain 0xBD or sealed 0xCD frames
 * under the session's work key, IV 0x40…) to a step; the last result. */
static int feed_message(const char *what, struct hv_session *s, bool seal,
			const uint8_t *msg, size_t len)
{
	const struct hv_step *st = hv_test_find_step(ID, what, NULL);
	uint8_t root[16], work[16], iv[16], sealed[HV_HAGRID_MESSAGE_MAX];
	uint8_t frames[HV_HAGRID_MESSAGE_MAX + 5 * HV_HAGRID_FRAMES_MAX];
	size_t n, at = 0;
	int r = -1;

	if (seal) {
		for (unsigned i = 0; i < 16; i++)
			iv[i] = (uint8_t)(0x40 + i);
		assert_int_equal(hv_hagrid_session_keys(s->secrets,
							s->secrets_len, ADDRESS,
							root, work),
				 0);
		assert_int_equal(hv_hagrid_encrypt(work, iv, msg, len, sealed,
						   sizeof(sealed), &len),
				 0);
		msg = sealed;
	}
	assert_int_equal(hv_hagrid_build_frames(seal ? HV_HAGRID_NOTIFY_ENCRYPTED :
						       HV_HAGRID_NOTIFY_PLAIN,
						msg, len, frames, sizeof(frames),
						&n),
			 0);
	while (at < n) {
		if (at)
			assert_int_equal(r, HV_VALUE_MORE);
		r = st->on_value(s, frames + at, frames[at + 1] + 2u);
		at += frames[at + 1] + 2u;
	}
	return r;
}

static size_t step_at(const char *what)
{
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;

	return (size_t)(hv_test_find_step(ID, what, NULL) - conv->steps);
}

/* openScale's manager info (HuaweiHagridWspLib.kt parseManagerInfo): the
 * account id in its first 30 bytes becomes the huid of the user
 * information; without one the address's stand-in stays. */
static void test_manager_info(void **state)
{
	uint8_t info[70] = { 0 }, plain[HV_HAGRID_USER_INFO_LEN];
	struct hv_session s = session(true);

	(void)state;
	user_plain(&s, plain);
	assert_memory_equal(plain, "homevitals:381EC76608D3\0", 24);

	/* 30 bytes or fewer: not a manager info, the step waits on */
	assert_int_equal(feed_message("wait for the manager info", &s, false,
				      info, 30),
			 HV_VALUE_MORE);
	memcpy(info, "7001234567 ", 11); /* a blank at its end goes */
	memcpy(info + 30, "device-42", 9);
	assert_int_equal(feed_message("wait for the manager info", &s, true,
				      info, sizeof(info)),
			 HV_VALUE_DONE);
	user_plain(&s, plain);
	assert_memory_equal(plain, "7001234567\0", 11);

	/* Not printable: "hex:" and the digits of its bytes. */
	memset(info, 0, sizeof(info));
	memcpy(info, "\x01\xfe\x10", 3);
	assert_int_equal(feed_message("wait for the manager info", &s, false,
				      info, sizeof(info)),
			 HV_VALUE_DONE);
	user_plain(&s, plain);
	assert_memory_equal(plain, "hex:01fe10\0", 11);
	/* cut where the huid's 30 bytes end */
	memset(info, 0xfe, 30);
	assert_int_equal(feed_message("wait for the manager info", &s, false,
				      info, sizeof(info)),
			 HV_VALUE_DONE);
	user_plain(&s, plain);
	assert_memory_equal(plain, "hex:fefefefefefefefefefefefefefe", 30);
	assert_int_equal(plain[30], 'u'); /* the uid follows */

	/* Empty: no account, the stand-in again. */
	assert_int_equal(feed_message("wait for the manager info", &s, false,
				      info, 0),
			 HV_VALUE_DONE);
	user_plain(&s, plain);
	assert_memory_equal(plain, "homevitals:381EC76608D3\0", 24);
}

/* openScale's history read (HuaweiHagridWspHandler.kt
 * handleHistoryWeightPayload): a record not the last asks for the next
 * (0x00), the last, a payload that is no record, or the 64th record ends
 * the read; a read that cannot begin or go on ends the conversation well. */
static void test_history(void **state)
{
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;
	static const char *const history_steps[] = {
		"read the history", "wait for a history record",
		"ask for the next history record",
		"wait for the next history record",
	};
	struct hv_session s = session(true);
	uint8_t rec[40] = { 0 };
	char hex[64];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(history_steps); i++) {
		const struct hv_step *st =
			hv_test_find_step(ID, history_steps[i], NULL);

		assert_true(st->on_fail > 0);
		assert_int_equal(conv->steps[st->on_fail].op, HV_STEP_END);
	}
	hv_test_assert_payload(ID, "read the history", &s, "db0300c140");
	assert_int_equal(hv_test_payload(ID, "ask for the next history record",
					 &s, hex, sizeof(hex)),
			 0);
	/* CRC-16/CCITT over db 04 00 00 (00 00), computed apart */
	assert_string_equal(hex, "db04000010ee");

	/* 80.50 kg, 2026-03-14 07:05:09, suspected 1, complete 1: more */
	hv_put_le16(rec, 8050);
	hv_put_le16(rec + 4, 2026);
	rec[6] = 3;
	rec[7] = 14;
	rec[8] = 7;
	rec[9] = 5;
	rec[10] = 9;
	rec[38] = 1;
	rec[39] = 1;
	assert_int_equal(feed_message("wait for a history record", &s, true,
				      rec, sizeof(rec)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, step_at("ask for the next history"));
	/* the same from the second wait, plain, 28-byte form (the flags
	 * right after the 26 bytes) */
	rec[26] = rec[27] = 1;
	assert_int_equal(feed_message("wait for the next history record", &s,
				      false, rec, 28),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, step_at("ask for the next history"));
	rec[26] = rec[27] = 0;
	rec[39] = 0; /* the last */
	assert_int_equal(feed_message("wait for the next history record", &s,
				      true, rec, sizeof(rec)),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, step_at("done"));
	/* no record: the read is over */
	assert_int_equal(feed_message("wait for a history record", &s, false,
				      rec, 0),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, step_at("done"));

	/* 64 records at most in one connection */
	s = session(true);
	rec[39] = 1;
	for (unsigned i = 1; i <= 64; i++) {
		assert_int_equal(feed_message("wait for the next history record",
					      &s, false, rec, sizeof(rec)),
				 HV_VALUE_GOTO);
		assert_int_equal(s.next_step,
				 step_at(i < 64 ? "ask for the next history" :
						  "done"));
	}
}

static void test_user_information(void **state)
{
	struct hv_session s = session(true);
	char hex[64];

	(void)state;
	assert_int_equal(user_sex_byte("HUAWEI Scale 3", HV_SEX_MALE), 1);
	assert_int_equal(user_sex_byte("HUAWEI Scale 3", HV_SEX_FEMALE), 0);
	assert_int_equal(user_sex_byte("HEM-B19", HV_SEX_MALE), 1);
	assert_int_equal(user_sex_byte("HUAWEI Scale 3 Pro", HV_SEX_MALE), 0);
	assert_int_equal(user_sex_byte("HONOR Scale 2", HV_SEX_MALE), 0);
	assert_int_equal(user_sex_byte("HONOR Scale 2", HV_SEX_FEMALE), 1);
	/* No profile: nothing to send (the steps are optional). */
	s.profile = (struct hv_profile){ 0 };
	assert_int_equal(hv_test_payload(ID, "user frame 1/6", &s, hex,
					 sizeof(hex)),
			 -ENODATA);
}

/* A weighing sealed under the work key the conversation sent: decode()
 * with that key (found again from the secrets and the address) gives the
 * capture's values. */
static void test_weighing(void **state)
{
	const char *const *weighing = sealed_weighing;
	struct hv_session s = session(true);
	uint8_t root[16], work[16];
	struct hv_measurement m;
	struct hv_frame f = { .has_characteristic = true,
			      .now = 1788220800,
			      .address = ADDRESS };

	(void)state;
	assert_int_equal(hv_hagrid_session_keys(s.secrets, s.secrets_len,
						ADDRESS, root, work),
			 0);
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &f.characteristic),
			 0);
	for (size_t i = 0; i < 3; i++)
		f.value_len += unhex(weighing[i], f.value + f.value_len);
	f.key = work;
	sf_decode_final(&f, &m, ID);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 86.25, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE), 97, 1e-9);
	assert_int_equal(hv_hagrid_session_keys(s.secrets, 16, ADDRESS, root,
						work),
			 -ENOKEY);
	assert_int_equal(hv_hagrid_session_keys(s.secrets, 48, "nope", root,
						work),
			 -EINVAL);
}

/* The runner's join (hv_conversation.assemble): the sealed weighing of
 * test_weighing comes in three notifications, each seen by assemble() and
 * then by the waiting step, as the runner hands them on; only the third
 * gives decode() a value, plain frames that decode without a key. */
/* The sealed weighing's notifications through assemble(): nothing for the
 * first two (asserted); the third's result. */
static int assemble_weighing(struct hv_session *s, struct hv_uuid *chr,
			     struct hv_frame *f, size_t size)
{
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;
	uint8_t v[HV_HAGRID_FRAME_MAX];
	int r = -1;

	for (size_t i = 0; i < ELEMENTSOF(sealed_weighing); i++) {
		size_t n = unhex(sealed_weighing[i], v);

		r = conv->assemble(s, chr, v, n, f->value, size, &f->value_len);
		if (i + 1 < ELEMENTSOF(sealed_weighing))
			assert_int_equal(r, 0);
	}
	return r;
}

/* A plain realtime weighing of the layout: 72.50 kg, fat as given, dated
 * 2026-08-09 07:30:00, no impedance, no heart rate. */
static size_t realtime_frames(unsigned fat_tenths, uint8_t *out, size_t size)
{
	uint8_t w[26] = { 0x52, 0x1C, (uint8_t)fat_tenths,
			  (uint8_t)(fat_tenths >> 8), 0xEA, 0x07, 8, 9, 7, 30 };
	size_t n;

	assert_int_equal(hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, w,
						sizeof(w), out, size, &n),
			 0);
	return n;
}

/* Its frames notified one by one through assemble(): what the last gives. */
static int assemble_frames(struct hv_session *s, struct hv_frame *f,
			   const uint8_t *v, size_t n)
{
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;
	struct hv_hagrid_frame fr;
	int r = -1;

	for (size_t at = 0; at < n; at += fr.frame_len) {
		assert_int_equal(hv_hagrid_parse_frame(v + at, n - at, &fr), 0);
		r = conv->assemble(s, &f->characteristic, v + at, fr.frame_len,
				   f->value, sizeof(f->value), &f->value_len);
	}
	return r;
}

/*
 * A Scale 3 weighing without fat or heart rate (shoes on) is not final in
 * the realtime flow; the status "ready" makes its last realtime value the
 * record of the weighing, as openScale publishes its cached value on
 * status 0 (handleMeasurementStatusPayload): handed on once, as the
 * history form, final. A final realtime weighing leaves nothing to hand
 * on at the status.
 */
static void test_realtime_final_on_status(void **state)
{
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;
	struct hv_session s = session(true);
	struct hv_frame f = { .has_characteristic = true,
			      .now = 1788220800,
			      .address = ADDRESS };
	struct hv_uuid realtime, status, history;
	const uint8_t ready = 0x00, measuring = 0x01;
	uint8_t v[64];
	struct hv_measurement m;
	size_t n;

	(void)state;
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &realtime), 0);
	assert_int_equal(hv_uuid_parse("ba216311-1787-472b-bef6-3eb29e62293e",
				       &status),
			 0);
	assert_int_equal(hv_uuid_parse(HV_HAGRID_HISTORY, &history), 0);

	n = realtime_frames(0, v, sizeof(v));
	f.characteristic = realtime;
	assert_int_equal(assemble_frames(&s, &f, v, n), 1);
	assert_int_equal(hv_registry_decode(&f, hv_driver_by_id(ID), &m), 0);
	assert_false(m.final);

	/* "measuring": nothing yet */
	f.characteristic = status;
	assert_int_equal(conv->assemble(&s, &f.characteristic, &measuring, 1,
					f.value, sizeof(f.value), &f.value_len),
			 1);
	assert_true(hv_uuid_equal(&f.characteristic, &status));

	/* "ready": the weighing's record */
	assert_int_equal(conv->assemble(&s, &f.characteristic, &ready, 1,
					f.value, sizeof(f.value), &f.value_len),
			 1);
	assert_true(hv_uuid_equal(&f.characteristic, &history));
	sf_decode_final(&f, &m, ID);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 72.5, 1e-9);
	assert_true(m.has_device_time);
	assert_int_equal(m.device_time.hour, 7);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));

	/* once only */
	f.characteristic = status;
	assert_int_equal(conv->assemble(&s, &f.characteristic, &ready, 1,
					f.value, sizeof(f.value), &f.value_len),
			 1);
	assert_true(hv_uuid_equal(&f.characteristic, &status));

	/* a final realtime weighing (fat 21.0 %) is stored as it comes */
	n = realtime_frames(210, v, sizeof(v));
	f.characteristic = realtime;
	assert_int_equal(assemble_frames(&s, &f, v, n), 1);
	sf_decode_final(&f, &m, ID);
	f.characteristic = status;
	assert_int_equal(conv->assemble(&s, &f.characteristic, &ready, 1,
					f.value, sizeof(f.value), &f.value_len),
			 1);
	assert_true(hv_uuid_equal(&f.characteristic, &status));

	/* the other families: no realtime weighing, nothing kept */
	s.name = "HUAWEI Scale 3 Pro";
	n = realtime_frames(0, v, sizeof(v));
	f.characteristic = realtime;
	assert_int_equal(assemble_frames(&s, &f, v, n), 0);
	f.characteristic = status;
	assert_int_equal(conv->assemble(&s, &f.characteristic, &ready, 1,
					f.value, sizeof(f.value), &f.value_len),
			 1);
	assert_true(hv_uuid_equal(&f.characteristic, &status));
}

static void test_assemble(void **state)
{
	const char *const *weighing = sealed_weighing;
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;
	/* a step that reads whole messages too: its own reassembly */
	const struct hv_step *wait =
		hv_test_find_step(ID, "wait for a history record", NULL);
	struct hv_session s = session(true), none = session(false);
	struct hv_frame f = { .has_characteristic = true,
			      .now = 1788220800,
			      .address = ADDRESS };
	struct hv_uuid other;
	uint8_t v[HV_HAGRID_FRAME_MAX];
	struct hv_measurement m;
	size_t n;

	(void)state;
	assert_non_null(conv->assemble);
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &f.characteristic),
			 0);
	for (size_t i = 0; i < 3; i++) {
		n = unhex(weighing[i], v);
		assert_int_equal(conv->assemble(&s, &f.characteristic, v, n,
						f.value, sizeof(f.value),
						&f.value_len),
				 i == 2);
		/* a realtime weighing is no history record: the read ends */
		assert_int_equal(wait->on_value(&s, v, n),
				 i == 2 ? HV_VALUE_GOTO : HV_VALUE_MORE);
	}
	/* 26 plain bytes: two 0xBD frames */
	assert_int_equal(f.value_len, 26 + 2 * 5);
	assert_int_equal(f.value[0], HV_HAGRID_NOTIFY_PLAIN);
	sf_decode_final(&f, &m, ID);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 86.25, 1e-9);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_HEART_RATE), 97, 1e-9);

	/* Pieces out of order: a continuation without its start is dropped,
	 * the start begins again. */
	n = unhex(weighing[1], v);
	assert_int_equal(conv->assemble(&s, &f.characteristic, v, n, f.value,
					sizeof(f.value), &f.value_len),
			 0);
	assert_int_equal(assemble_weighing(&s, &f.characteristic, &f,
					   sizeof(f.value)),
			 1);
	/* The same message on the history characteristic is joined too. */
	assert_int_equal(hv_uuid_parse(HV_HAGRID_HISTORY, &other), 0);
	assert_int_equal(assemble_weighing(&s, &other, &f, sizeof(f.value)), 1);

	/* The other families' realtime weighings are not stored (openScale
	 * takes theirs from the history): nothing handed on; their history
	 * is. */
	s.name = "HUAWEI Scale 3 Pro";
	assert_int_equal(assemble_weighing(&s, &f.characteristic, &f,
					   sizeof(f.value)),
			 0);
	s.name = NULL;
	assert_int_equal(assemble_weighing(&s, &f.characteristic, &f,
					   sizeof(f.value)),
			 0);
	s.name = "HONOR Scale 2";
	assert_int_equal(assemble_weighing(&s, &other, &f, sizeof(f.value)), 1);
	s.name = "HUAWEI Scale 3";

	/* No secrets in the session: the sealed message cannot be read. */
	assert_int_equal(assemble_weighing(&none, &f.characteristic, &f,
					   sizeof(f.value)),
			 -ENOKEY);

	/* Another characteristic's value, and a value that is no WSP frame,
	 * go on as they came. */
	assert_int_equal(hv_uuid_parse("2a9d", &other), 0);
	n = unhex(weighing[1], v);
	assert_int_equal(conv->assemble(&s, &other, v, n, f.value,
					sizeof(f.value), &f.value_len),
			 1);
	assert_int_equal(f.value_len, n);
	assert_memory_equal(f.value, v, n);
	v[0] = 0x00;
	assert_int_equal(conv->assemble(&s, &f.characteristic, v, 3, f.value,
					sizeof(f.value), &f.value_len),
			 1);
	assert_int_equal(f.value_len, 3);
	/* A sealed message shorter than its IV cannot be opened. */
	assert_int_equal(hv_hagrid_build_frames(HV_HAGRID_NOTIFY_ENCRYPTED,
						(const uint8_t[]){ 1, 2, 3, 4, 5 },
						5, v, sizeof(v), &n),
			 0);
	assert_int_equal(conv->assemble(&s, &f.characteristic, v, n, f.value,
					sizeof(f.value), &f.value_len),
			 -EBADMSG);
	/* An empty message (no record) hands nothing on. */
	assert_int_equal(hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, NULL, 0,
						v, sizeof(v), &n),
			 0);
	assert_int_equal(conv->assemble(&s, &f.characteristic, v, n, f.value,
					sizeof(f.value), &f.value_len),
			 0);
	/* No room for the joined frames. */
	assert_int_equal(assemble_weighing(&s, &f.characteristic, &f, 20),
			 -ENOSPC);
}

/*
 * openScale's measurement-status polling (HuaweiHagridWspHandler.kt
 * startMeasurementFlow, startMeasurementStatusPolling,
 * sendMeasurementStatusPoll, handleMeasurementStatusPayload,
 * sendPostMeasurementReads; MEASUREMENT_STATUS_POLL_INTERVAL_MS 3000,
 * MAX_STATUS_POLLS 30), run as the runner sequences the steps
 * (daemon/bluez/gatt_session.c), from the start of the realtime flow.
 */
#define CHR_STATUS_POLL "bfc36f6e-4150-4a4b-9052-3d359e52962e"
#define CHR_STATUS_RESULT "ba216311-1787-472b-bef6-3eb29e62293e"

static void poll_start(struct hv_conv *c, struct hv_session *s)
{
	hv_conv_init(c, hv_driver_by_id(ID)->conversation, s);
	c->index = step_at("start the realtime weighing");
}

/* Run the writes up to a wait or the history read; each status poll is
 * an empty plain frame, counted in *polls; poll_absent: the poll
 * characteristic is not there (the runner's -ENOENT). */
static void poll_writes(struct hv_conv *c, bool poll_absent, unsigned *polls)
{
	const struct hv_step *st;
	char hex[64];

	while ((st = hv_conv_current(c)) && st->op == HV_STEP_WRITE &&
	       strcmp(st->what, "read the history") != 0) {
		bool poll = strcmp(st->characteristic, CHR_STATUS_POLL) == 0;

		if (poll) {
			(*polls)++;
			assert_string_equal(st->service, "1805");
			assert_true(st->flags & HV_STEP_WITH_RESPONSE);
			assert_int_equal(hv_test_payload(ID, st->what, c->session,
							 hex, sizeof(hex)),
					 0);
			assert_string_equal(hex, "db0300c140");
		}
		hv_conv_step_done(c, poll && poll_absent ? -ENOENT : 0);
	}
}

static void assert_status_wait(struct hv_conv *c)
{
	const struct hv_step *st = hv_conv_current(c);

	assert_non_null(st);
	assert_int_equal(st->op, HV_STEP_WAIT);
	assert_string_equal(st->service, "1805");
	assert_string_equal(st->characteristic, CHR_STATUS_RESULT);
	assert_int_equal(st->timeout_ms, 3000);
}

static void feed_hex(struct hv_conv *c, const char *hex, int want)
{
	uint8_t v[HV_HAGRID_FRAME_MAX];

	assert_int_equal(hv_conv_feed(c, v, unhex(hex, v)), want);
}

static void assert_at_history(struct hv_conv *c)
{
	assert_false(c->finished);
	assert_string_equal(hv_conv_current(c)->what, "read the history");
}

/* Both status characteristics subscribed when present (onConnected). */
static void test_status_subscriptions(void **state)
{
	static const char *const chrs[] = { CHR_STATUS_POLL, CHR_STATUS_RESULT };
	const struct hv_conversation *conv = hv_driver_by_id(ID)->conversation;

	(void)state;
	for (size_t k = 0; k < ELEMENTSOF(chrs); k++) {
		bool found = false;

		for (size_t i = 0; i < conv->n_steps; i++) {
			const struct hv_step *st = &conv->steps[i];

			if (st->op != HV_STEP_SUBSCRIBE ||
			    strcmp(st->characteristic, chrs[k]) != 0)
				continue;
			found = true;
			assert_string_equal(st->service, "1805");
			assert_true(st->flags & HV_STEP_OPTIONAL);
			assert_true(i < step_at("ask for authentication"));
		}
		assert_true(found);
	}
}

/* Status 0 on the first poll: the history is read at once. */
static void test_status_ready(void **state)
{
	struct hv_session s = session(true);
	struct hv_conv c;
	unsigned polls = 0;

	(void)state;
	poll_start(&c, &s);
	poll_writes(&c, false, &polls);
	assert_int_equal(polls, 1);
	assert_status_wait(&c);
	feed_hex(&c, "bd0400006589", 1); /* plain frame, status 0 */
	assert_at_history(&c);
}

/* "Still measuring" waits out the interval, the next poll follows; the
 * answer as a bare byte and sealed under the work key count too. */
static void test_status_measuring_then_ready(void **state)
{
	struct hv_session s = session(true);
	static const uint8_t zero = 0x00;
	struct hv_conv c;
	unsigned polls = 0;

	(void)state;
	poll_start(&c, &s);
	poll_writes(&c, false, &polls);
	assert_status_wait(&c);
	feed_hex(&c, "bd040001a449", 0); /* status 1: the wait goes on */
	assert_status_wait(&c);
	/* a cut frame is read as a bare byte, 0xBD: not "ready" */
	feed_hex(&c, "bd0400", 0);
	hv_conv_step_done(&c, -ETIMEDOUT);
	poll_writes(&c, false, &polls);
	assert_int_equal(polls, 2);
	assert_status_wait(&c);
	feed_hex(&c, "02", 0); /* bare byte, status 2 */
	hv_conv_step_done(&c, -ETIMEDOUT);
	poll_writes(&c, false, &polls);
	assert_int_equal(polls, 3);
	feed_hex(&c, "00", 1); /* bare byte, status 0 */
	assert_at_history(&c);

	/* sealed under the work key */
	assert_int_equal(feed_message("wait for the measurement status", &s,
				      true, &zero, 1),
			 HV_VALUE_GOTO);
	assert_int_equal(s.next_step, step_at("read the history"));
	assert_int_equal(feed_message("wait for the measurement status", &s,
				      true, (const uint8_t[]){ 0x01 }, 1),
			 HV_VALUE_MORE);
}

/* Thirty polls that never say "ready" (answered or not): the history is
 * still read after the last. */
static void test_status_polls_exhausted(void **state)
{
	(void)state;
	for (int answered = 0; answered <= 1; answered++) {
		struct hv_session s = session(true);
		struct hv_conv c;
		unsigned polls = 0;

		poll_start(&c, &s);
		for (;;) {
			poll_writes(&c, false, &polls);
			if (strcmp(hv_conv_current(&c)->what,
				   "read the history") == 0)
				break;
			assert_status_wait(&c);
			if (answered)
				feed_hex(&c, "bd040001a449", 0);
			hv_conv_step_done(&c, -ETIMEDOUT);
		}
		assert_int_equal(polls, 30);
		assert_at_history(&c);
	}
}

/* No poll characteristic: straight to the history read, no wait. */
static void test_status_absent(void **state)
{
	struct hv_session s = session(true);
	struct hv_conv c;
	unsigned polls = 0;

	(void)state;
	poll_start(&c, &s);
	poll_writes(&c, true, &polls);
	assert_int_equal(polls, 1);
	assert_at_history(&c);
}

/* Selection: openScale's product markers in the name or the advert's
 * data, any case; the other Huawei families and strangers not. */
static void test_selection(void **state)
{
	static const char *const ours[] = { "HUAWEI Scale 3", "HUAWEI Scale 3 Pro",
					    "huawei scale 2 pro", "HONOR Scale 2",
					    "HAGRID-B19-7A2C", "Hem-B19" };
	static const char *const theirs[] = { "AH100", "CH100S", "HUAWEI",
					      "HONOR Scale", "MI SCALE2", "M00D" };
	const struct hv_driver *d = hv_driver_by_id(ID);
	struct hv_frame f;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(ours); i++) {
		memset(&f, 0, sizeof(f));
		f.name = ours[i];
		assert_true(d->claims_device(&f));
	}
	for (size_t i = 0; i < ELEMENTSOF(theirs); i++) {
		memset(&f, 0, sizeof(f));
		f.name = theirs[i];
		assert_false(d->claims_device(&f));
	}
	memset(&f, 0, sizeof(f));
	assert_false(d->claims_device(&f));
	f.n_manufacturer_data = 1;
	f.manufacturer_data[0].len = 11;
	memcpy(f.manufacturer_data[0].data, "\x7d\x02LUP-B19\x00", 11);
	assert_true(d->claims_device(&f));
	f.manufacturer_data[0].len = 8; /* the marker cut short */
	assert_false(d->claims_device(&f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_weighing),
		cmocka_unit_test(test_assemble),
		cmocka_unit_test(test_realtime_final_on_status),
		cmocka_unit_test(test_manager_info),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_user_information),
		cmocka_unit_test(test_status_subscriptions),
		cmocka_unit_test(test_status_ready),
		cmocka_unit_test(test_status_measuring_then_ready),
		cmocka_unit_test(test_status_polls_exhausted),
		cmocka_unit_test(test_status_absent),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
