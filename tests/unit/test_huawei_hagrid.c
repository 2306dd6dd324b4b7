// SPDX-License-Identifier: MIT
/*
 * Huawei / Honor "Hagrid" WSP scales (drivers/huawei_hagrid.c) and the
 * SHA-256 / HMAC-SHA256 they need (drivers/sha256.c).
 *
 * Sources: FIPS 180-4 (and its example appendix: "abc", the 448-bit
 * message, a million "a"), RFC 4231 §4.2, §4.3, §4.7 (HMAC-SHA256 test
 * cases 1, 2 and 6), and every case of openScale's
 * android_app/app/src/test/java/com/health/openscale/core/bluetooth/libs/
 * HuaweiHagridWspLibTest.kt at oliexdev/openScale@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4
 * (GPL-3.0; frames and values only), among them a Huawei Scale 3 capture
 * (38:1E:C7:66:08:D3: the app's work-key frames, the scale's weighing).
 * Values that test only asserts the shape of (the tokens, the CTR
 * ciphertext) were computed independently of the driver with Python's
 * hashlib / hmac / `cryptography`.
 */
#include "tests/unit/scale_frames.h"

#include "drivers/huawei_hagrid.h"
#include "drivers/sha256.h"

#define ID "huawei_hagrid"
/* 2026-09-01 00:00:00 UTC: after the capture's date */
#define NOW 1788220800

/* m carries exactly these readings. */
#define ASSERT_ONLY(m, ...)                                                    \
	do {                                                                   \
		const struct sf_reading want_[] = { __VA_ARGS__ };             \
		assert_int_equal(sf_assert_readings(m, want_,                  \
						    ELEMENTSOF(want_)),        \
				 (m)->n_readings);                             \
	} while (0)

static void assert_time(const struct hv_measurement *m, int year, int month,
			int day, int hour, int minute, int second)
{
	sf_assert_device_time(m, year, month, day, hour, minute);
	assert_int_equal(m->device_time.second, second);
}

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= size);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hv_hex_digit(hex[2 * i]) << 4 |
				   hv_hex_digit(hex[2 * i + 1]));
	return n;
}

static void assert_hex(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t want[512];

	assert_int_equal(unhex(hex, want, sizeof(want)), n);
	assert_memory_equal(p, want, n);
}

/* --- SHA-256, HMAC-SHA256 -------------------------------------------------- */

static void test_sha256_fips180(void **state)
{
	static const uint8_t a1000[1000] = { [0 ... 999] = 'a' };
	const char *m448 =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t d[HV_SHA256_LEN];
	struct hv_sha256 ctx;

	(void)state;
	hv_sha256("abc", 3, d);
	assert_hex(d, sizeof(d),
		   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hv_sha256("", 0, d);
	assert_hex(d, sizeof(d),
		   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hv_sha256(m448, strlen(m448), d);
	assert_hex(d, sizeof(d),
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* A million "a", fed in pieces that straddle the blocks. */
	hv_sha256_init(&ctx);
	for (unsigned i = 0; i < 1000; i++)
		hv_sha256_update(&ctx, a1000, sizeof(a1000));
	hv_sha256_final(&ctx, d);
	assert_hex(d, sizeof(d),
		   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_rfc4231(void **state)
{
	uint8_t key[131], d[HV_SHA256_LEN];
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";

	(void)state;
	memset(key, 0x0b, 20);
	hv_hmac_sha256(key, 20, (const uint8_t *)"Hi There", 8, d);
	assert_hex(d, sizeof(d),
		   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hv_hmac_sha256((const uint8_t *)"Jefe", 4,
		       (const uint8_t *)"what do ya want for nothing?", 28, d);
	assert_hex(d, sizeof(d),
		   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof(key));
	hv_hmac_sha256(key, sizeof(key), (const uint8_t *)m6, strlen(m6), d);
	assert_hex(d, sizeof(d),
		   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* --- frames and reassembly -------------------------------------------------- */

/* The Kotlin test turns its write frames into notifications (type 0xBD,
 * CRC-16/MODBUS): built as notifications here. */
static size_t notify_frames(const uint8_t *payload, size_t len, uint8_t *out,
			    size_t size)
{
	size_t n;

	assert_int_equal(hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, payload,
						len, out, size, &n),
			 0);
	return n;
}

static int feed(struct hv_hagrid_reassembly *st, const uint8_t *frames,
		unsigned which, uint8_t *out, size_t *len)
{
	size_t at = 0;
	bool enc;

	for (unsigned i = 0; i < which; i++)
		at += frames[at + 1] + 2u;
	return hv_hagrid_reassemble(st, frames + at, frames[at + 1] + 2u, out,
				    HV_HAGRID_MESSAGE_MAX, len, &enc);
}

/* "write frames reassemble from notification frames" */
static void test_reassembly_three_frames(void **state)
{
	uint8_t payload[40], frames[64], out[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_reassembly st = { 0 };
	size_t n, len = 0;

	(void)state;
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	n = notify_frames(payload, sizeof(payload), frames, sizeof(frames));
	assert_int_equal(n, 40 + 3 * 5); /* three frames */
	assert_int_equal(frames[2], 0x20);
	assert_int_equal(frames[20 + 2], 0x21);
	assert_int_equal(frames[40 + 2], 0x22);
	assert_int_equal(feed(&st, frames, 0, out, &len), 0);
	assert_int_equal(feed(&st, frames, 1, out, &len), 0);
	assert_int_equal(feed(&st, frames, 2, out, &len), 1);
	assert_int_equal(len, sizeof(payload));
	assert_memory_equal(out, payload, sizeof(payload));
}

/* "accumulator drops orphan continuation frame before packet start" */
static void test_reassembly_orphan(void **state)
{
	uint8_t a[26], b[26], fa[64], fb[64], out[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_reassembly st = { 0 };
	size_t len = 0;

	(void)state;
	for (unsigned i = 0; i < 26; i++) {
		a[i] = (uint8_t)(i + 1);
		b[i] = (uint8_t)(i + 101);
	}
	notify_frames(a, sizeof(a), fa, sizeof(fa));
	notify_frames(b, sizeof(b), fb, sizeof(fb));
	assert_int_equal(feed(&st, fa, 1, out, &len), 0);
	assert_int_equal(feed(&st, fb, 0, out, &len), 0);
	assert_int_equal(feed(&st, fb, 1, out, &len), 1);
	assert_int_equal(len, sizeof(b));
	assert_memory_equal(out, b, sizeof(b));
}

/* "accumulator resets when a new frame index zero arrives" */
static void test_reassembly_restart(void **state)
{
	uint8_t a[26], b[26], fa[64], fb[64], out[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_reassembly st = { 0 };
	size_t len = 0;

	(void)state;
	for (unsigned i = 0; i < 26; i++) {
		a[i] = (uint8_t)(i + 11);
		b[i] = (uint8_t)(i + 41);
	}
	notify_frames(a, sizeof(a), fa, sizeof(fa));
	notify_frames(b, sizeof(b), fb, sizeof(fb));
	assert_int_equal(feed(&st, fa, 0, out, &len), 0);
	assert_int_equal(feed(&st, fb, 0, out, &len), 0);
	assert_int_equal(feed(&st, fb, 1, out, &len), 1);
	assert_int_equal(len, sizeof(b));
	assert_memory_equal(out, b, sizeof(b));
}

/* The capture's frames, both directions. */
static const char *const work_key_frames[] = {
	"dc12203b033efce70954e24a3a06ac75603b418e",
	"dc12218a68cb34e5250a6c185813b62e6958c13f",
	"dc0522a49ddc06",
};
static const char *const weighing_frames[] = {
	"cd1220ddae5ad500d352ad002d9ab60055a313f1",
	"cd12216d4c5b1e4fa529d8fc4225d8db8b3726b3",
	"cd0f222285c5b012308c6ee4a7829efa52",
};

static size_t join(const char *const *frames, size_t n, uint8_t *out,
		   size_t size)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		at += unhex(frames[i], out + at, size - at);
	return at;
}

/* Both CRC rules hold on every captured frame, and building the app's
 * message again gives its frames byte for byte. */
static void test_capture_frames_and_crcs(void **state)
{
	uint8_t raw[64], msg[64], again[64];
	size_t n, len = 0, again_len;
	struct hv_hagrid_frame f;

	(void)state;
	n = join(work_key_frames, 3, raw, sizeof(raw));
	for (size_t at = 0; at < n; at += f.frame_len) {
		assert_int_equal(hv_hagrid_parse_frame(raw + at, n - at, &f), 0);
		assert_true(f.encrypted);
		assert_int_equal(f.total, 3);
		memcpy(msg + len, f.payload, f.len);
		len += f.len;
	}
	assert_int_equal(len, 32); /* IV, key */
	assert_int_equal(hv_hagrid_build_frames(HV_HAGRID_WRITE_ENCRYPTED, msg,
						len, again, sizeof(again),
						&again_len),
			 0);
	assert_int_equal(again_len, n);
	assert_memory_equal(again, raw, n);

	n = join(weighing_frames, 3, raw, sizeof(raw));
	for (size_t at = 0; at < n; at += f.frame_len)
		assert_int_equal(hv_hagrid_parse_frame(raw + at, n - at, &f), 0);
	/* One bit off, and the CRC says so. */
	raw[5] ^= 0x01;
	assert_int_equal(hv_hagrid_parse_frame(raw, n, &f), -EBADMSG);
}

/* --- keys, tokens, payload crypto ------------------------------------------------ */

/* "auth token validates expected scale response" */
static void test_auth_token(void **state)
{
	uint8_t ra[16], rb[16], cak[16], payload[48], resp[32];

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		ra[i] = (uint8_t)i;
		rb[i] = (uint8_t)(i + 16);
		cak[i] = (uint8_t)(i + 32);
	}
	hv_hagrid_auth_payload(ra, rb, cak, payload);
	assert_memory_equal(payload, rb, 16);
	assert_hex(payload + 16, 32,
		   "549cae3b8401acb228964882f16e7e4ff02f7d41556141714f80292d050c7a9e");
	hv_hagrid_auth_token(ra, rb, cak, true, resp);
	assert_hex(resp, 32,
		   "33933a169af8fbafde831ab11f9212b1225cd75b9e4b391275e276c2a3a6a11b");
	assert_true(hv_hagrid_auth_response_ok(resp, 32, ra, rb, cak));
	/* The app's own token is not the scale's answer. */
	assert_false(hv_hagrid_auth_response_ok(payload + 16, 32, ra, rb, cak));
	resp[31] ^= 0x80;
	assert_false(hv_hagrid_auth_response_ok(resp, 32, ra, rb, cak));
	assert_false(hv_hagrid_auth_response_ok(resp, 31, ra, rb, cak));
}

/* "encrypted payload round trips" */
static void test_encrypted_round_trip(void **state)
{
	const char *text = "hagrid-user-profile";
	uint8_t key[16], iv[16], enc[64], plain[64];
	size_t n, m;

	(void)state;
	for (unsigned i = 0; i < 16; i++) {
		key[i] = (uint8_t)(i + 4);
		iv[i] = (uint8_t)(i + 80);
	}
	assert_int_equal(hv_hagrid_encrypt(key, iv, (const uint8_t *)text,
					   strlen(text), enc, sizeof(enc), &n),
			 0);
	assert_int_equal(n, 16 + strlen(text));
	assert_memory_equal(enc, iv, 16);
	assert_hex(enc + 16, strlen(text), "b96043cb1fae2801d8b85a7e4a676d4f9f8b8c");
	assert_int_equal(hv_hagrid_decrypt(key, enc, n, plain, sizeof(plain), &m),
			 0);
	assert_int_equal(m, strlen(text));
	assert_memory_equal(plain, text, m);
	assert_int_equal(hv_hagrid_decrypt(key, enc, 15, plain, sizeof(plain), &m),
			 -EINVAL);
}

static void test_c3(void **state)
{
	uint8_t c3[16];

	(void)state;
	assert_int_equal(hv_hagrid_c3_from_address("38:1e:c7:66:08:d3", c3), 0);
	assert_memory_equal(c3, "381EC76608D30000", 16);
	assert_int_equal(hv_hagrid_c3_from_address("38-1E-C7-66-08-D3", c3), 0);
	assert_memory_equal(c3, "381EC76608D30000", 16);
	assert_int_equal(hv_hagrid_c3_from_address("38:1E:C7:66:08", c3),
			 -EINVAL);
	assert_int_equal(hv_hagrid_c3_from_address("38:1E:C7:66:08:D3:00", c3),
			 -EINVAL);
	assert_int_equal(hv_hagrid_c3_from_address("38:1E:C7:66:08:G3", c3),
			 -EINVAL);
	assert_int_equal(hv_hagrid_c3_from_address(NULL, c3), -EINVAL);
}

/* "huawei scale 3 PoC capture decodes to the expected measurement": the
 * root key from C1, C2 and the address, the work key the app sent under
 * it, the weighing under the work key. */
static void capture_work_key(uint8_t work_key[16])
{
	uint8_t c1[16], c2[16], c3[16], root[16], raw[64], msg[64];
	struct hv_hagrid_frame f;
	size_t n, len = 0, m;

	unhex("CA4946D061C9FE534F6044F930EBB69B", c1, 16);
	unhex("FBCE6E2B4BAF80ED969BA26B4A4B9325", c2, 16);
	assert_int_equal(hv_hagrid_c3_from_address("38:1E:C7:66:08:D3", c3), 0);
	hv_hagrid_root_key(c1, c2, c3, root);
	assert_hex(root, 16, "d680f0f3b50576a74c8815653e8b7243");

	n = join(work_key_frames, 3, raw, sizeof(raw));
	for (size_t at = 0; at < n; at += f.frame_len) {
		assert_int_equal(hv_hagrid_parse_frame(raw + at, n - at, &f), 0);
		memcpy(msg + len, f.payload, f.len);
		len += f.len;
	}
	assert_int_equal(hv_hagrid_decrypt(root, msg, len, work_key, 16, &m), 0);
	assert_int_equal(m, 16);
	assert_hex(work_key, 16, "36697370363671706d64386733696b62");
}

static void test_capture_codec(void **state)
{
	uint8_t work_key[16], raw[64], msg[HV_HAGRID_MESSAGE_MAX], plain[64];
	struct hv_hagrid_reassembly st = { 0 };
	struct hv_hagrid_weight w;
	size_t n, len = 0, m;
	bool enc = false;
	int r = 0;

	(void)state;
	capture_work_key(work_key);
	n = join(weighing_frames, 3, raw, sizeof(raw));
	for (size_t at = 0; at < n; at += raw[at + 1] + 2u)
		r = hv_hagrid_reassemble(&st, raw + at, raw[at + 1] + 2u, msg,
					 sizeof(msg), &len, &enc);
	assert_int_equal(r, 1);
	assert_true(enc);
	assert_int_equal(hv_hagrid_decrypt(work_key, msg, len, plain,
					   sizeof(plain), &m),
			 0);
	assert_hex(plain, m, "b1212d01ea07080917271da0ea13000000000000000000006100");

	assert_int_equal(hv_hagrid_parse_realtime(plain, m, &w), 0);
	hv_assert_near(w.weight_kg, 86.25, 1e-9);
	hv_assert_near(w.fat_percent, 30.1, 1e-9);
	assert_int_equal(w.heart_rate, 97);
	assert_true(w.has_time);
	assert_int_equal(w.time.year, 2026);
	assert_int_equal(w.time.month, 8);
	assert_int_equal(w.time.day, 9);
	assert_int_equal(w.time.hour, 23);
	assert_int_equal(w.time.minute, 39);
	assert_int_equal(w.time.second, 29);
	assert_false(w.has_high);
	/* Not asserted by the source; the layout's first low-band value,
	 * 0x13EA = 5098 tenths. */
	hv_assert_near(hv_hagrid_band_ohm(w.low), 509.8, 1e-9);
}

/* The same capture through the registry, as a session hands it over:
 * the three notifications joined, the work key as the frame's key. */
static void capture_frame(struct hv_frame *f, const uint8_t *key)
{
	uint8_t raw[64];
	size_t n = join(weighing_frames, 3, raw, sizeof(raw));

	memset(f, 0, sizeof(*f));
	f->has_characteristic = true;
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &f->characteristic),
			 0);
	memcpy(f->value, raw, n);
	f->value_len = n;
	f->key = key;
	f->now = NOW;
}

static void test_capture_decode(void **state)
{
	uint8_t work_key[16];
	struct hv_measurement m;
	struct hv_frame f;

	(void)state;
	capture_work_key(work_key);
	capture_frame(&f, work_key);
	sf_decode_final(&f, &m, ID);
	ASSERT_ONLY(&m, { HV_METRIC_BODY_WEIGHT, 86.25 },
			   { HV_METRIC_BODY_FAT_PERCENT, 30.1 },
			   { HV_METRIC_IMPEDANCE, 509.8 },
			   { HV_METRIC_HEART_RATE, 97 });
	assert_time(&m, 2026, 8, 9, 23, 39, 29);
	assert_int_equal(m.display_unit, HV_UNIT_KG);

	/* Without the work key: claimed, and said why. */
	capture_frame(&f, NULL);
	sf_decode_invalid(&f, &m, ID);
	assert_non_null(strstr(m.error, "no work key"));

	/* The first notification alone: the message is not whole yet. */
	capture_frame(&f, work_key);
	f.value_len = 20;
	hv_test_decode(&f, &m);
	sf_assert_control(&m, ID);

	/* A corrupted frame. */
	capture_frame(&f, work_key);
	f.value[7] ^= 0x40;
	sf_decode_invalid(&f, &m, ID);
	assert_non_null(strstr(m.error, "CRC"));

	/* Two messages in one value. */
	capture_frame(&f, work_key);
	memcpy(f.value + f.value_len, f.value + 40, 17);
	f.value_len += 17;
	sf_decode_invalid(&f, &m, ID);

	/* Another characteristic is not this driver's. */
	capture_frame(&f, work_key);
	assert_int_equal(hv_uuid_parse("0000fff4-0000-1000-8000-00805f9b34fb",
				       &f.characteristic),
			 0);
	hv_test_decode(&f, &m);
	sf_assert_not_driver(&m, ID);
}

/* --- payloads ---------------------------------------------------------------------- */

static const uint8_t realtime_payload[38] = {
	0x34, 0x1E, 0xB9, 0x00, 0xEA, 0x07, 0x06, 0x16, 0x0F, 0x0E,
	0x2A, 0x00, 0xF4, 0x01, 0xF5, 0x01, 0xF6, 0x01, 0xF7, 0x01,
	0xF8, 0x01, 0xF9, 0x01, 0x48, 0x00, 0x58, 0x02, 0x59, 0x02,
	0x5A, 0x02, 0x5B, 0x02, 0x5C, 0x02, 0x5D, 0x02,
};

/* "realtime payload parses low and high impedance bands" */
static void test_realtime_bands(void **state)
{
	struct hv_hagrid_weight w;

	(void)state;
	assert_int_equal(hv_hagrid_parse_realtime(realtime_payload, 38, &w), 0);
	hv_assert_near(w.weight_kg, 77.32, 1e-9);
	hv_assert_near(w.fat_percent, 18.5, 1e-9);
	assert_int_equal(w.heart_rate, 72);
	assert_true(w.has_high);
	for (unsigned i = 0; i < 6; i++) {
		hv_assert_near(hv_hagrid_impedance_ohm(w.low[i]), 500 + i, 1e-9);
		hv_assert_near(hv_hagrid_impedance_ohm(w.high[i]), 600 + i, 1e-9);
	}
	assert_false(w.has_history_flags);
	/* Neither a realtime length nor a history one. */
	assert_int_equal(hv_hagrid_parse_realtime(realtime_payload, 37, &w),
			 -EBADMSG);
	assert_int_equal(hv_hagrid_parse_history(realtime_payload, 38, &w),
			 -EBADMSG);
}

/* "history payload parses timestamp and terminal flag" */
static void test_history(void **state)
{
	uint8_t p[40];
	struct hv_hagrid_weight w;

	(void)state;
	memcpy(p, realtime_payload, 38);
	p[38] = 0x01;
	p[39] = 0x00;
	assert_int_equal(hv_hagrid_parse_history(p, 40, &w), 0);
	assert_true(w.has_time);
	assert_int_equal(w.time.year, 2026);
	assert_int_equal(w.time.month, 6);
	assert_int_equal(w.time.day, 22);
	assert_true(w.has_complete_flag);
	assert_true(w.history_complete);
	assert_int_equal(w.history_suspected, 0x01);
	p[39] = 0x01;
	assert_int_equal(hv_hagrid_parse_history(p, 40, &w), 0);
	assert_false(w.history_complete);
}

/* "realtime with invalid timestamp still parses", "history with invalid
 * timestamp is rejected" */
static void test_invalid_timestamps(void **state)
{
	uint8_t p[40];
	struct hv_hagrid_weight w;

	(void)state;
	memcpy(p, realtime_payload, 38);
	p[38] = 0x01;
	p[39] = 0x00;
	p[4] = p[5] = p[6] = 0x00;
	assert_int_equal(hv_hagrid_parse_realtime(p, 38, &w), 0);
	assert_false(w.has_time);
	assert_true(w.weight_kg > 0);
	assert_int_equal(hv_hagrid_parse_history(p, 40, &w), -EBADMSG);
}

/* "standard weight measurement parses kilograms" */
static void test_standard_weight(void **state)
{
	static const uint8_t p[] = { 0x00, 0x8C, 0x3C };
	static const uint8_t timed_short[] = { 0x02, 0x8C, 0x3C, 0xEA, 0x07 };
	double kg = 0;

	(void)state;
	assert_int_equal(hv_hagrid_parse_standard_weight(p, sizeof(p), &kg), 0);
	hv_assert_near(kg, 77.5, 1e-9);
	assert_int_equal(hv_hagrid_parse_standard_weight(
				 timed_short, sizeof(timed_short), &kg),
			 -EBADMSG);
	assert_int_equal(hv_hagrid_parse_standard_weight(p, 2, &kg), -EBADMSG);
}

/* "user info payload has fixed Huawei layout" */
static void test_user_info(void **state)
{
	const struct hv_hagrid_user u = {
		.huid = "openscale:001122334455", .uid = "u:00000007",
		.gender = 1, .age_years = 26, .height_cm = 171,
		.weight_kg = 83.2,
	};
	uint8_t p[HV_HAGRID_USER_INFO_LEN];

	(void)state;
	hv_hagrid_user_info(&u, p);
	assert_int_equal(sizeof(p), 69);
	assert_memory_equal(p, "openscale:001122334455", 22);
	assert_int_equal(p[22], 0);
	assert_memory_equal(p + 30, "u:00000007", 10);
	assert_int_equal(p[62], 1);
	assert_int_equal(p[63], 26);
	assert_int_equal(p[64], 171);
	assert_int_equal(p[65], 0);
	assert_int_equal(p[66], 0x80);
	assert_int_equal(p[67], 0x20);
	assert_int_equal(p[68], 0);
}

/* The driver on the source's realtime payload, sent plain, both forms,
 * and its encoder back. */
static void test_decode_plain_and_encode(void **state)
{
	const struct hv_driver *d = hv_driver_by_id(ID);
	struct hv_measurement m, again;
	struct hv_frame f = { .has_characteristic = true, .now = NOW };
	uint8_t p[40];

	(void)state;
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &f.characteristic),
			 0);
	f.value_len = notify_frames(realtime_payload, 38, f.value,
				    sizeof(f.value));
	sf_decode_final(&f, &m, ID);
	ASSERT_ONLY(&m, { HV_METRIC_BODY_WEIGHT, 77.32 },
			   { HV_METRIC_BODY_FAT_PERCENT, 18.5 },
			   { HV_METRIC_IMPEDANCE, 500 },
			   { HV_METRIC_IMPEDANCE_250KHZ, 600 },
			   { HV_METRIC_HEART_RATE, 72 });
	assert_time(&m, 2026, 6, 22, 15, 14, 42);

	/* Weight alone: still weighing. */
	memcpy(p, realtime_payload, 26);
	memset(p + 2, 0, 2);
	memset(p + 12, 0, 14);
	f.value_len = notify_frames(p, 26, f.value, sizeof(f.value));
	sf_decode_live(&f, &m, ID);
	ASSERT_ONLY(&m, { HV_METRIC_BODY_WEIGHT, 77.32 });

	/* An empty plate: no reading. */
	memset(p, 0, 2);
	f.value_len = notify_frames(p, 26, f.value, sizeof(f.value));
	hv_test_decode(&f, &m);
	sf_assert_control(&m, ID);

	/* History, the last record. */
	memcpy(p, realtime_payload, 38);
	p[38] = 0x01;
	p[39] = 0x00;
	assert_int_equal(hv_uuid_parse(HV_HAGRID_HISTORY, &f.characteristic), 0);
	f.value_len = notify_frames(p, 40, f.value, sizeof(f.value));
	sf_decode_final(&f, &m, ID);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WEIGHT), 77.32, 1e-9);
	/* A realtime length on the history characteristic. */
	f.value_len = notify_frames(p, 38, f.value, sizeof(f.value));
	sf_decode_invalid(&f, &m, ID);

	/* encode → decode gives the same readings. */
	assert_int_equal(hv_uuid_parse(HV_HAGRID_REALTIME, &f.characteristic),
			 0);
	f.value_len = notify_frames(realtime_payload, 38, f.value,
				    sizeof(f.value));
	sf_decode_final(&f, &m, ID);
	for (int h = 0; h < 2; h++) {
		struct hv_uuid t;
		struct hv_frame e;

		assert_int_equal(hv_uuid_parse(h ? HV_HAGRID_HISTORY :
						   HV_HAGRID_REALTIME,
					       &t),
				 0);
		assert_int_equal(d->encode(&m, &t, &e), 0);
		e.now = NOW;
		sf_decode_final(&e, &again, ID);
		assert_int_equal(again.n_readings, m.n_readings);
		for (size_t i = 0; i < m.n_readings; i++) {
			assert_int_equal(again.readings[i].metric,
					 m.readings[i].metric);
			hv_assert_near(again.readings[i].value,
				       m.readings[i].value, 1e-9);
		}
		assert_time(&again, 2026, 6, 22, 15, 14, 42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_fips180),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_reassembly_three_frames),
		cmocka_unit_test(test_reassembly_orphan),
		cmocka_unit_test(test_reassembly_restart),
		cmocka_unit_test(test_capture_frames_and_crcs),
		cmocka_unit_test(test_auth_token),
		cmocka_unit_test(test_encrypted_round_trip),
		cmocka_unit_test(test_c3),
		cmocka_unit_test(test_capture_codec),
		cmocka_unit_test(test_capture_decode),
		cmocka_unit_test(test_realtime_bands),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_invalid_timestamps),
		cmocka_unit_test(test_standard_weight),
		cmocka_unit_test(test_user_info),
		cmocka_unit_test(test_decode_plain_and_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
