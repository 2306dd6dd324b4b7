// SPDX-License-Identifier: MIT
/*
 * Huawei AH100 / Honor CH100 and Honor CH100S body-fat scales (Chipsea
 * CST34M97): service 0xFAA0, 0xFAA1 write, 0xFAA2 notify. Sources, at
 * oliexdev/openScale@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/:
 * scales/HuaweiAhCh100Handler.kt (AH100/CH100, last changed in 939143c9,
 * the v2.5.4 behaviour restored by PR #1374, issues #1206/#1280) and
 * scales/HuaweiCH100SHandler.kt (CH100S, PR #1338, b2ea12db).
 *
 * Frames, both directions:
 *
 *   SS LL OP tail…
 *   SS  scale → app: 0xBD plain, 0xBC encrypted (measurement halves)
 *       app → scale: 0xDB plain, 0xDC encrypted (user information)
 *   LL  length: tail bytes (scale → app); app → scale plain: AH100 tail
 *       + 1, CH100S tail; the encrypted user frame: 14 (AH100 sends two
 *       more, outside the count)
 *   OP  opcode, in the clear
 *   tail  XOR-ed with the scale's Bluetooth address, its six bytes in
 *       display order repeated ("5C:CA:…": 5C CA …); encrypted frames
 *       also pass AES-128-CTR with the IV 4E F7 64 32 2F DA 76 32 12 3D
 *       EB 87 90 FE A2 19:
 *       AH100/CH100: tail = XOR(AES(key_s, plain)), key_s = XOR(token)
 *         followed by bytes 7..15 of 3D A2 78 4A FB 87 B1 2A 98 0F DE 34
 *         56 73 21 56 (the session's key follows from the token);
 *       CH100S: tail = AES(key_0, XOR(plain)) with key_0 that constant
 *         itself, the counter restarted for each notification.
 *       Both keys come with the apps: no user key is needed.
 *
 *   token (7 bytes): 11 22 33 44 55 CK UU, UU the app's user id, CK making
 *   the seven XOR to zero.
 *
 * Scale → app opcodes: 00 wake-up, 01 going to sleep, 02 unit set, 08
 * clock, 0C version, 0E measurement (first half), 8E its second half, 0F
 * stable weight (layout not published), 10 / 90 stored record halves, 19
 * records done, 20 user changed, 26 authentication result (tail[0] = 1:
 * accepted), 27 bound.
 *
 * The measurement, decrypted, first half (openScale parseMeasurement; the
 * second half is not read by any source):
 *
 *   [0] user id  [1..2] weight u16 LE 0.1 kg  [3..4] fat u16 LE 0.1 %
 *   [5..6] year u16 LE  [7] month [8] day [9] hour [10] minute
 *   [11] second (the scale's clock, set by the app: local time)
 *   [12] day of week  [13..14] impedance u16 LE, Ohm (1..3999 kept)
 *
 * The conversation (openScale's onNotification, as data): on the wake-up
 * send the token (0x24); on acceptance set kg (0x02 01), the clock (0x08,
 * year LE, month, day, hour, minute, second, weekday 1 = Monday), the
 * user (0x09, encrypted: token, age | 0x80 for a woman, height cm, 00,
 * weight u16 LE 0.1 kg, FF FF for no impedance; AH100 adds 1C E2; sent
 * again when the scale says "user changed", 0x20) and ask the version
 * (0x0C); on refusal bind (0x25, token) and authenticate again once. The
 * measurement is acknowledged with 0x13 00.
 *
 * The session's user id (UU) is session.user_index when it is 1..255,
 * else 1; the conversation keeps it in session.quirks bits 0..7 (the runner
 * hands the session's quirks to decode() as frame.quirks), as the AH100
 * key depends on it. The device address comes from frame.address (decode)
 * and session.address (conversation); without it nothing can be read.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/aes128.h"
#include "drivers/vendor_util.h"

#define HW_WRITE 0xFAA1
#define HW_NOTIFY 0xFAA2

#define HW_SCALE_PLAIN 0xBD
#define HW_SCALE_ENCRYPTED 0xBC
#define HW_APP_PLAIN 0xDB
#define HW_APP_ENCRYPTED 0xDC

enum {
	OP_WAKEUP = 0x00,
	OP_SLEEP = 0x01,
	OP_UNIT = 0x02,
	OP_CLOCK = 0x08,
	OP_USER_INFO = 0x09,
	OP_VERSION = 0x0C,
	OP_MEASUREMENT = 0x0E,
	OP_WEIGHT = 0x0F,
	OP_RECORD = 0x10,
	OP_FAT_ACK = 0x13,
	OP_RECORDS_DONE = 0x19,
	OP_USER_CHANGED = 0x20,
	OP_AUTH = 0x24,
	OP_BIND = 0x25,
	OP_AUTH_RESULT = 0x26,
	OP_BOUND = 0x27,
	OP_MEASUREMENT2 = 0x8E,
	OP_RECORD2 = 0x90,
};

#define HW_MAC_LEN 6
#define HW_TOKEN_LEN 7
#define HW_PLAIN_LEN 15 /* what the layout above reads */
#define HW_UID_MASK 0xFFu
#define HW_IMPEDANCE_MAX 3999

enum hw_variant {
	HW_AH100, /* AH100, CH100 */
	HW_CH100S,
};

static const uint8_t hw_key0[HV_AES128_KEY_LEN] = {
	0x3D, 0xA2, 0x78, 0x4A, 0xFB, 0x87, 0xB1, 0x2A,
	0x98, 0x0F, 0xDE, 0x34, 0x56, 0x73, 0x21, 0x56,
};

static const uint8_t hw_iv[HV_AES_BLOCK_LEN] = {
	0x4E, 0xF7, 0x64, 0x32, 0x2F, 0xDA, 0x76, 0x32,
	0x12, 0x3D, 0xEB, 0x87, 0x90, 0xFE, 0xA2, 0x19,
};

/* "AA:BB:CC:DD:EE:FF" (or '-') to its six bytes in display order. */
static int parse_mac(const char *text, uint8_t mac[HW_MAC_LEN])
{
	if (!text)
		return -EADDRNOTAVAIL;
	for (size_t i = 0; i < HW_MAC_LEN; i++) {
		const char *p = text + 3 * i;
		int hi = hv_hex_digit(p[0]);
		int lo = hi < 0 ? -1 : hv_hex_digit(p[1]);

		if (lo < 0)
			return -EADDRNOTAVAIL;
		if (i + 1 < HW_MAC_LEN ? p[2] != ':' && p[2] != '-' : p[2] != '\0')
			return -EADDRNOTAVAIL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void mac_xor(const uint8_t mac[HW_MAC_LEN], uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= mac[i % HW_MAC_LEN];
}

static uint8_t uid_of(unsigned quirks)
{
	uint8_t uid = quirks & HW_UID_MASK;

	return uid ? uid : 1;
}

static void make_token(uint8_t uid, uint8_t token[HW_TOKEN_LEN])
{
	static const uint8_t head[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };

	memcpy(token, head, sizeof(head));
	token[5] = 0;
	token[6] = uid;
	token[5] = hv_xor8(token, HW_TOKEN_LEN);
}

/* AH100: the session key, XOR(token) then the constant's tail. */
static void session_key(uint8_t uid, const uint8_t mac[HW_MAC_LEN],
			uint8_t key[HV_AES128_KEY_LEN])
{
	make_token(uid, key);
	mac_xor(mac, key, HW_TOKEN_LEN);
	memcpy(key + HW_TOKEN_LEN, hw_key0 + HW_TOKEN_LEN,
	       HV_AES128_KEY_LEN - HW_TOKEN_LEN);
}

/* An encrypted notification's tail to plaintext, in place; the inverse of
 * seal_tail(). CH100S restarts the counter per notification and only its
 * first 16 bytes are known to be one part (openScale's 16-byte halves). */
static void open_tail(enum hw_variant v, uint8_t uid,
		      const uint8_t mac[HW_MAC_LEN], uint8_t *p, size_t n)
{
	uint8_t key[HV_AES128_KEY_LEN];

	if (v == HW_AH100) {
		mac_xor(mac, p, n);
		session_key(uid, mac, key);
		hv_aes128_ctr(key, hw_iv, p, n);
		return;
	}
	hv_aes128_ctr(hw_key0, hw_iv, p, n);
	mac_xor(mac, p, n);
}

static void seal_tail(enum hw_variant v, uint8_t uid,
		      const uint8_t mac[HW_MAC_LEN], uint8_t *p, size_t n)
{
	uint8_t key[HV_AES128_KEY_LEN];

	if (v == HW_AH100) {
		session_key(uid, mac, key);
		hv_aes128_ctr(key, hw_iv, p, n);
		mac_xor(mac, p, n);
		return;
	}
	mac_xor(mac, p, n);
	hv_aes128_ctr(hw_key0, hw_iv, p, n);
}

static const char *plain_name(uint8_t op)
{
	switch (op) {
	case OP_WAKEUP:
		return "wakeup";
	case OP_SLEEP:
		return "sleep";
	case OP_UNIT:
		return "unit_set";
	case OP_CLOCK:
		return "clock";
	case OP_VERSION:
		return "version";
	case OP_WEIGHT:
		return "stable_weight";
	case OP_RECORDS_DONE:
		return "records_done";
	case OP_USER_CHANGED:
		return "user_changed";
	case OP_AUTH_RESULT:
		return "auth_result";
	case OP_BOUND:
		return "bound";
	default:
		return "other";
	}
}

static int read_measurement(const uint8_t *p, int64_t now,
			    struct hv_measurement *ret)
{
	struct hv_datetime dt;
	double w = hv_le16(p + 1) / 10.0;
	double fat = hv_le16(p + 3) / 10.0;
	unsigned z = hv_le16(p + 13);
	int r;

	if (w <= 0)
		return hv_measurement_control(ret, "empty");
	/* A wrong key (address, user id) gives noise: the clock fields are
	 * what shows it, as the layout has no checksum. */
	if (p[7] < 1 || p[7] > 12 || p[8] < 1 || p[8] > 31 || p[9] > 23 ||
	    p[10] > 59 || p[11] > 59)
		return hv_measurement_invalid(
			ret, "clock %u-%u %u:%u:%u: wrong key (address or user id)?",
			p[7], p[8], p[9], p[10], p[11]);
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	ret->user_index = p[0];
	dt = (struct hv_datetime){
		.year = hv_le16(p + 5),
		.month = p[7],
		.day = p[8],
		.hour = p[9],
		.minute = p[10],
		.second = p[11],
	};
	hv_measurement_set_clock(ret, &dt, now);
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0 && fat > 0 && fat < 100)
		r = hv_measurement_add(ret, HV_METRIC_BODY_FAT_PERCENT, fat);
	if (r >= 0 && z >= 1 && z <= HW_IMPEDANCE_MAX)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	return r < 0 ? r : 0;
}

static int decode_variant(enum hw_variant v, const struct hv_frame *frame,
			  struct hv_measurement *ret)
{
	uint8_t mac[HW_MAC_LEN];
	uint8_t plain[HV_FRAME_DATA_MAX];
	const uint8_t *p;
	size_t len, n;

	p = hv_frame_value_on(frame, HW_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 3 || (p[0] != HW_SCALE_PLAIN && p[0] != HW_SCALE_ENCRYPTED))
		return hv_measurement_invalid(
			ret, "not a Huawei 0xFAA2 frame (%zu bytes)", len);
	if (p[0] == HW_SCALE_PLAIN)
		return hv_measurement_control(ret, plain_name(p[2]));
	if (p[2] == OP_MEASUREMENT2 || p[2] == OP_RECORD2)
		return hv_measurement_control(ret, "second_half");
	if (p[2] != OP_MEASUREMENT && p[2] != OP_RECORD)
		return hv_measurement_control(ret, "other");
	n = len - 3;
	if (n < HW_PLAIN_LEN)
		return hv_measurement_invalid(
			ret, "measurement has %zu encrypted bytes, needs %d", n,
			HW_PLAIN_LEN);
	if (parse_mac(frame->address, mac) < 0)
		return hv_measurement_invalid(
			ret, "the device address is needed to decrypt");
	if (v == HW_CH100S && n > HV_AES_BLOCK_LEN)
		n = HV_AES_BLOCK_LEN;
	memcpy(plain, p + 3, n);
	open_tail(v, uid_of(frame->quirks), mac, plain, n);
	return read_measurement(plain, frame->now, ret);
}

static int decode_ah100(const struct hv_frame *frame, struct hv_measurement *ret)
{
	return decode_variant(HW_AH100, frame, ret);
}

static int decode_ch100s(const struct hv_frame *frame,
			 struct hv_measurement *ret)
{
	return decode_variant(HW_CH100S, frame, ret);
}

/* 1 = Monday … 7 = Sunday (Sakamoto's method), as the scale writes [12]. */
static uint8_t weekday(unsigned y, unsigned m, unsigned d)
{
	static const uint8_t t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };
	unsigned sunday0;

	if (m < 1 || m > 12)
		return 0;
	if (m < 3)
		y--;
	sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
	return (uint8_t)(sunday0 == 0 ? 7 : sunday0);
}

/*
 * A final measurement as the first half the scale sends (0xBC 0x10 0x0E,
 * 16 encrypted bytes). The key depends on the device: the caller puts its
 * address in ret->address (and a user id other than 1 in ret->quirks)
 * before the call; they are kept. -EINVAL without an address or a weight.
 */
static int encode_variant(enum hw_variant v, const struct hv_measurement *m,
			  const struct hv_uuid *target, struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *fat =
		hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_datetime *dt = hv_measurement_clock(m);
	const char *address = ret->address;
	unsigned quirks = ret->quirks;
	uint8_t b[3 + HV_AES_BLOCK_LEN] = { HW_SCALE_ENCRYPTED, HV_AES_BLOCK_LEN,
					    OP_MEASUREMENT };
	uint8_t *pl = b + 3;
	uint8_t mac[HW_MAC_LEN];
	double raw;
	int r;

	if (target && !hv_uuid_is16(target, HW_NOTIFY))
		return -EINVAL;
	if (parse_mac(address, mac) < 0)
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 10 + 0.5;
	if (raw >= UINT16_MAX)
		return -EINVAL;
	pl[0] = m->user_index > 0 && m->user_index <= 255 ?
			(uint8_t)m->user_index :
			uid_of(quirks);
	hv_put_le16(pl + 1, (uint16_t)raw);
	if (fat && fat->absent == HV_ABSENT_NONE && fat->value > 0 &&
	    fat->value < 100)
		hv_put_le16(pl + 3, (uint16_t)(fat->value * 10 + 0.5));
	if (dt) {
		hv_put_le16(pl + 5, dt->year);
		pl[7] = dt->month;
		pl[8] = dt->day;
		pl[9] = dt->hour;
		pl[10] = dt->minute;
		pl[11] = dt->second;
		pl[12] = dt->year ? weekday(dt->year, dt->month, dt->day) : 0;
	} else {
		pl[7] = 1; /* a month, so the frame still reads */
		pl[8] = 1;
	}
	if (z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value <= HW_IMPEDANCE_MAX)
		hv_put_le16(pl + 13, (uint16_t)(z->value + 0.5));
	seal_tail(v, uid_of(quirks), mac, pl, HV_AES_BLOCK_LEN);
	r = hv_frame_put_value(ret, HW_NOTIFY, b, sizeof(b));
	if (r < 0)
		return r;
	ret->address = address;
	ret->quirks = quirks;
	return 0;
}

static int encode_ah100(const struct hv_measurement *m,
			const struct hv_uuid *target, struct hv_frame *ret)
{
	return encode_variant(HW_AH100, m, target, ret);
}

static int encode_ch100s(const struct hv_measurement *m,
			 const struct hv_uuid *target, struct hv_frame *ret)
{
	return encode_variant(HW_CH100S, m, target, ret);
}

/*
 * The advertised name, as openScale's supportFor() reads it: NULs and
 * spaces around it dropped, any case, an optional "HUAWEI " / "HONOR "
 * before it, and for AH100/CH100 anything after a '-', '_' or ' '.
 * CH100S matches only whole, so neither driver takes the other's scale.
 */
static bool name_is(const char *name, const char *model, bool suffix_ok)
{
	size_t n = strlen(model);

	if (!name)
		return false;
	while (*name == ' ')
		name++;
	if (hv_name_prefix_ci(name, "HUAWEI "))
		name += 7;
	else if (hv_name_prefix_ci(name, "HONOR "))
		name += 6;
	if (!hv_name_prefix_ci(name, model))
		return false;
	name += n;
	if (suffix_ok && (*name == '-' || *name == '_' || *name == ' '))
		return true;
	while (*name == ' ')
		name++;
	return *name == '\0';
}

static bool claims_ah100(const struct hv_frame *f)
{
	return name_is(f->name, "AH100", true) || name_is(f->name, "CH100", true);
}

static bool claims_ch100s(const struct hv_frame *f)
{
	return name_is(f->name, "CH100S", false);
}

/* --- conversation --------------------------------------------------------- */

static enum hw_variant variant_of(const struct hv_session *s)
{
	return claims_ch100s(&(struct hv_frame){ .name = s->name }) ?
		       HW_CH100S :
		       HW_AH100;
}

static uint8_t session_uid(const struct hv_session *s)
{
	if (s->quirks & HW_UID_MASK)
		return s->quirks & HW_UID_MASK;
	return s->user_index >= 1 && s->user_index <= 255 ?
		       (uint8_t)s->user_index :
		       1;
}

static int plain_command(const struct hv_session *s, uint8_t op,
			 const uint8_t *data, size_t n, uint8_t *buf,
			 size_t size, size_t *ret_len)
{
	uint8_t mac[HW_MAC_LEN];
	int r;

	r = parse_mac(s->address, mac);
	if (r < 0)
		return r;
	if (size < n + 3)
		return -ENOSPC;
	buf[0] = HW_APP_PLAIN;
	/* openScale v2.5.4 and the AH100 handler write one more than the
	 * data; the CH100S handler the data length itself. */
	buf[1] = (uint8_t)(variant_of(s) == HW_AH100 ? n + 1 : n);
	buf[2] = op;
	if (n)
		memcpy(buf + 3, data, n);
	mac_xor(mac, buf + 3, n);
	*ret_len = n + 3;
	return 0;
}

static int pl_token(const struct hv_session *s, uint8_t op, uint8_t *buf,
		    size_t size, size_t *ret_len)
{
	uint8_t token[HW_TOKEN_LEN];

	make_token(session_uid(s), token);
	return plain_command(s, op, token, sizeof(token), buf, size, ret_len);
}

static int pl_auth(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return pl_token(s, OP_AUTH, buf, size, ret_len);
}

static int pl_bind(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return pl_token(s, OP_BIND, buf, size, ret_len);
}

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	static const uint8_t kg[] = { 0x01 };

	return plain_command(s, OP_UNIT, kg, sizeof(kg), buf, size, ret_len);
}

static int pl_clock(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;
	uint8_t d[8];

	if (!t->year || !s->day_of_week)
		return -ENODATA;
	hv_put_le16(d, t->year);
	d[2] = t->month;
	d[3] = t->day;
	d[4] = t->hour;
	d[5] = t->minute;
	d[6] = t->second;
	d[7] = s->day_of_week;
	return plain_command(s, OP_CLOCK, d, sizeof(d), buf, size, ret_len);
}

/* The user, encrypted: needs the person's age, height and sex. The
 * weight is never 0: a CH100 answers a weightless record with "user
 * changed" over and over (openScale 41efdd4b, PR #1450). The session has
 * no last weight, so it is the one a BMI of 22 gives for the height, as
 * openScale's last fallback; the scale measures the real one. */
static int pl_user(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	enum hw_variant v = variant_of(s);
	size_t n = v == HW_AH100 ? 16 : 14; /* token, 7 bytes, 1C E2 */
	uint8_t mac[HW_MAC_LEN];
	unsigned age, height;
	int r;

	r = parse_mac(s->address, mac);
	if (r < 0)
		return r;
	if (!hv_profile_complete(&s->profile))
		return -ENODATA;
	if (size < n + 3)
		return -ENOSPC;
	age = (unsigned)(s->profile.age_years);
	height = (unsigned)(s->profile.height_m * 100 + 0.5);
	if (age > 127 || height > 255)
		return -ERANGE;
	buf[0] = HW_APP_ENCRYPTED;
	/* 14 either way: the AH100's 1C E2 go outside the length, as the
	 * vendor app sends it (openScale PR #1450, 8142b8ce) */
	buf[1] = 14;
	buf[2] = OP_USER_INFO;
	make_token(session_uid(s), buf + 3);
	buf[10] = (uint8_t)(age | (s->profile.sex == HV_SEX_FEMALE ? 0x80 : 0));
	buf[11] = (uint8_t)height;
	buf[12] = 0;
	hv_put_le16(buf + 13, (uint16_t)(22 * s->profile.height_m *
					 s->profile.height_m * 10 + 0.5));
	hv_put_le16(buf + 15, 0xFFFF);
	if (v == HW_AH100) {
		buf[17] = 0x1C;
		buf[18] = 0xE2;
	}
	seal_tail(v, session_uid(s), mac, buf + 3, n);
	*ret_len = n + 3;
	return 0;
}

static int pl_version(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	return plain_command(s, OP_VERSION, NULL, 0, buf, size, ret_len);
}

static int pl_fat_ack(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	static const uint8_t zero[] = { 0x00 };

	return plain_command(s, OP_FAT_ACK, zero, sizeof(zero), buf, size,
			     ret_len);
}

/* The user id is fixed for the session from here on: decode() needs it. */
static void keep_uid(struct hv_session *s)
{
	s->quirks = (s->quirks & ~HW_UID_MASK) | session_uid(s);
}

static int on_wakeup(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 3 || v[0] != HW_SCALE_PLAIN || v[2] != OP_WAKEUP)
		return HV_VALUE_MORE;
	keep_uid(s);
	return HV_VALUE_DONE;
}

static int on_auth_result(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t mac[HW_MAC_LEN];

	if (len < 4 || v[0] != HW_SCALE_PLAIN || v[2] != OP_AUTH_RESULT)
		return HV_VALUE_MORE;
	if (parse_mac(s->address, mac) < 0)
		return -EADDRNOTAVAIL;
	keep_uid(s);
	return (v[3] ^ mac[0]) == 0x01 ? HV_VALUE_DONE : -EACCES;
}

/* Bound: authenticate again, once (scratch[0] counts the binds). */
static int on_bound(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < 3 || v[0] != HW_SCALE_PLAIN || v[2] != OP_BOUND)
		return HV_VALUE_MORE;
	if (s->scratch[0]++)
		return -EACCES;
	s->next_step = 2; /* the token write */
	return HV_VALUE_GOTO;
}

#define HW_USER_STEP 6
#define HW_USER_RESENDS 5

/* The measurement ends the wait; "user changed" (0x20) asks for the user
 * again, as openScale answers it (scratch[1] counts, a few times only). */
static int on_measurement(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 3 && v[0] == HW_SCALE_PLAIN && v[2] == OP_USER_CHANGED &&
	    hv_profile_complete(&s->profile) &&
	    s->scratch[1] < HW_USER_RESENDS) {
		s->scratch[1]++;
		s->next_step = HW_USER_STEP;
		return HV_VALUE_GOTO;
	}
	return len >= 3 + HW_PLAIN_LEN && v[0] == HW_SCALE_ENCRYPTED &&
			       v[2] == OP_MEASUREMENT ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

#define S "faa0"

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = S,
		  .characteristic = "faa2", .what = "subscribe 0xFAA2" },
	/* 1 */ { .op = HV_STEP_WAIT, .service = S, .characteristic = "faa2",
		  .on_value = on_wakeup, .timeout_ms = 30000,
		  .what = "wait for the wake-up (0x00)" },
	/* 2 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_auth, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "authenticate (0x24 token)" },
	/* 3 */ { .op = HV_STEP_WAIT, .service = S, .characteristic = "faa2",
		  .on_value = on_auth_result, .on_fail = 11,
		  .what = "wait for the authentication result (0x26)" },
	/* 4 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_unit, .flags = HV_STEP_WITH_RESPONSE,
		  .what = "set kg (0x02)" },
	/* 5 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_clock,
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "set the clock (0x08)" },
	/* 6 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_user,
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "set the user (0x09, encrypted)" },
	/* 7 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_version,
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "ask the version (0x0C)" },
	/* 8 */ { .op = HV_STEP_WAIT, .service = S, .characteristic = "faa2",
		  .on_value = on_measurement, .timeout_ms = 60000,
		  .what = "wait for the measurement (0x0E)" },
	/* 9 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		  .payload = pl_fat_ack,
		  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
		  .what = "acknowledge the measurement (0x13)" },
	/* 10 */ { .op = HV_STEP_END, .what = "done" },
	/* The refusal path: bind, then authenticate again (on_bound). */
	/* 11 */ { .op = HV_STEP_WRITE, .service = S, .characteristic = "faa1",
		   .payload = pl_bind, .flags = HV_STEP_WITH_RESPONSE,
		   .what = "bind (0x25 token)" },
	/* 12 */ { .op = HV_STEP_WAIT, .service = S, .characteristic = "faa2",
		   .on_value = on_bound, .what = "wait for the binding (0x27)" },
	/* 13 */ { .op = HV_STEP_END, .what = "done (not reached)" },
};

#undef S

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const uint16_t characteristics[] = { HW_NOTIFY, 0 };
static const uint16_t services[] = { 0xFAA0, 0 };

static const char *const ah100_models[] = { "Huawei AH100 Body Fat Scale",
					    "Honor CH100", NULL };
static const char *const ah100_names[] = { "AH100", "CH100", NULL };

const struct hv_driver huawei_ah100_driver = {
	.id = "huawei_ah100",
	.name = "Huawei AH100 / Honor CH100 (0xFAA0)",
	.models = ah100_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = ah100_names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode_ah100,
	.encode = encode_ah100,
	.conversation = &conversation,
	.claims_device = claims_ah100,
};

static const char *const ch100s_models[] = { "Honor Smart Scale CH100S", NULL };
static const char *const ch100s_names[] = { "CH100S", NULL };

const struct hv_driver huawei_ch100s_driver = {
	.id = "huawei_ch100s",
	.name = "Honor CH100S (0xFAA0)",
	.models = ch100s_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = ch100s_names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode_ch100s,
	.encode = encode_ch100s,
	.conversation = &conversation,
	.claims_device = claims_ch100s,
};
