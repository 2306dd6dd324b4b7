// SPDX-License-Identifier: MIT
/*
 * Huawei Scale 2 Pro / Scale 3 / Scale 3 Pro and Honor Scale 2: the
 * "Hagrid" WSP protocol. Sources, at
 * oliexdev/openScale@f7a733b2cb6e8ccd751c3051232f3195c84dd8c4,
 * android_app/app/src/main/java/com/health/openscale/core/bluetooth/:
 * libs/HuaweiHagridWspLib.kt (layout), scales/HuaweiHagridWspHandler.kt
 * (the conversation) and the test libs/HuaweiHagridWspLibTest.kt (a Huawei
 * Scale 3 capture, 38:1E:C7:66:08:D3).
 *
 * Frames, at most 20 bytes:
 *
 *   TT LL FI payload… CRC
 *   TT  0xDB / 0xDC app → scale plain / encrypted, 0xBD / 0xCD scale → app
 *   LL  payload bytes + 3 (the frame is LL + 2 bytes)
 *   FI  (frames in the message - 1) << 4 | this frame's index
 *   payload  at most 15 bytes of the message
 *   CRC u16 LE: writes CRC-16/CCITT (0x1021, init 0) over the frame with
 *       its CRC field zeroed; notifications CRC-16/MODBUS over the frame
 *       before it (both checked on the capture).
 *
 * An encrypted message is IV (16) then AES-128-CTR ciphertext (the whole
 * IV counted up, drivers/aes128.h). Keys: root = the first 16 bytes of
 * SHA-256 over (C1[i] << 4 ^ C2[i]) … then of SHA-256 over (those >> 6 ^
 * C3[i]) with C3 the address in ASCII ("381EC76608D30000"); the app sends
 * a work key under the root key and the scale encrypts under the work key.
 * The handshake: the scale challenges with randA, the app answers randB
 * and HMAC-SHA256(randA|randB, key = HMAC-SHA256(randA|randB, key = CAK |
 * "1123")); the scale proves itself with the same over CAK | "9856". CAK,
 * C1 and C2 are per scale, from the owner's Huawei Health account.
 *
 * Weighings (realtime 26 / 38 bytes, history the same and one or two flag
 * bytes), u16 LE:
 *
 *   [0..1] weight 0.01 kg  [2..3] fat 0.1 %  [4..10] year, month, day,
 *   hour, minute, second (local)  [11] ?  [12..23] six impedances, low
 *   band  [24..25] heart rate (1..240)  [26..37] six impedances, high
 *   band (38-byte form)  then, history: suspected flag, complete flag
 *   (0 = the last record)
 *
 * An impedance of 1..3999 is ohms, 4000..39999 tenths of an ohm.
 */
#include <errno.h>
#include <string.h>

#include "drivers/aes128.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/huawei_hagrid.h"
#include "drivers/sha256.h"

#define REALTIME_LEN 26
#define REALTIME_HIGH_LEN 38

/* --- frames ----------------------------------------------------------------- */

uint16_t hv_hagrid_crc_ccitt(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (unsigned b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x1021 :
					     (uint16_t)(crc << 1);
	}
	return crc;
}

uint16_t hv_hagrid_crc_modbus(const uint8_t *p, size_t n)
{
	uint16_t crc = 0xFFFF;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (unsigned b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0xA001 : crc >> 1;
	}
	return crc;
}

static bool is_write(uint8_t type)
{
	return type == HV_HAGRID_WRITE_PLAIN ||
	       type == HV_HAGRID_WRITE_ENCRYPTED;
}

static bool is_notify(uint8_t type)
{
	return type == HV_HAGRID_NOTIFY_PLAIN ||
	       type == HV_HAGRID_NOTIFY_ENCRYPTED;
}

/* The CRC of a frame of frame_len bytes, by its type's rule. */
static uint16_t frame_crc(const uint8_t *frame, size_t frame_len)
{
	uint8_t tmp[HV_HAGRID_FRAME_MAX];

	if (is_notify(frame[0]))
		return hv_hagrid_crc_modbus(frame, frame_len - 2);
	memcpy(tmp, frame, frame_len - 2);
	tmp[frame_len - 2] = tmp[frame_len - 1] = 0;
	return hv_hagrid_crc_ccitt(tmp, frame_len);
}

int hv_hagrid_parse_frame(const uint8_t *p, size_t n,
			  struct hv_hagrid_frame *ret)
{
	size_t frame_len;
	uint8_t total, index;

	if (n < 5 || !(is_write(p[0]) || is_notify(p[0])))
		return -EBADMSG;
	if (p[1] < 3 || p[1] - 3 > HV_HAGRID_CHUNK_MAX)
		return -EBADMSG;
	frame_len = (size_t)p[1] + 2;
	if (n < frame_len)
		return -EBADMSG;
	total = (uint8_t)((p[2] >> 4) + 1);
	index = p[2] & 0x0F;
	if (index >= total)
		return -EBADMSG;
	if (hv_le16(p + frame_len - 2) != frame_crc(p, frame_len))
		return -EBADMSG;
	*ret = (struct hv_hagrid_frame){
		.type = p[0],
		.encrypted = p[0] == HV_HAGRID_WRITE_ENCRYPTED ||
			     p[0] == HV_HAGRID_NOTIFY_ENCRYPTED,
		.total = total,
		.index = index,
		.payload = p + 3,
		.len = (size_t)p[1] - 3,
		.frame_len = frame_len,
	};
	return 0;
}

int hv_hagrid_build_frames(uint8_t type, const uint8_t *payload, size_t len,
			   uint8_t *out, size_t size, size_t *ret_len)
{
	size_t total = len == 0 ? 1 :
				  (len + HV_HAGRID_CHUNK_MAX - 1) /
					  HV_HAGRID_CHUNK_MAX;
	size_t need = len + 5 * total, at = 0;

	if (!(is_write(type) || is_notify(type)) || len > HV_HAGRID_MESSAGE_MAX)
		return -EINVAL;
	if (size < need)
		return -ENOSPC;
	for (size_t i = 0; i < total; i++) {
		size_t off = i * HV_HAGRID_CHUNK_MAX;
		size_t chunk = len - off < HV_HAGRID_CHUNK_MAX ?
				       len - off :
				       HV_HAGRID_CHUNK_MAX;
		uint8_t *f = out + at;

		f[0] = type;
		f[1] = (uint8_t)(chunk + 3);
		f[2] = (uint8_t)((total - 1) << 4 | i);
		if (chunk > 0)
			memcpy(f + 3, payload + off, chunk);
		hv_put_le16(f + chunk + 3, frame_crc(f, chunk + 5));
		at += chunk + 5;
	}
	*ret_len = at;
	return 0;
}

static void reassembly_reset(struct hv_hagrid_reassembly *st)
{
	st->expected = 0;
	st->encrypted = false;
	st->have = 0;
}

int hv_hagrid_reassemble(struct hv_hagrid_reassembly *st, const uint8_t *frame,
			 size_t n, uint8_t *out, size_t size, size_t *ret_len,
			 bool *ret_encrypted)
{
	struct hv_hagrid_frame f;
	size_t len = 0;
	int r;

	r = hv_hagrid_parse_frame(frame, n, &f);
	if (r < 0 || !is_notify(f.type))
		return -EBADMSG;
	if (f.total == 1) {
		reassembly_reset(st);
		if (size < f.len)
			return -ENOSPC;
		memcpy(out, f.payload, f.len);
		*ret_len = f.len;
		*ret_encrypted = f.encrypted;
		return 1;
	}
	if (f.index == 0) {
		reassembly_reset(st);
		st->expected = f.total;
		st->encrypted = f.encrypted;
	} else if (st->expected == 0) {
		return 0; /* a continuation without its start */
	} else if (st->expected != f.total || st->encrypted != f.encrypted) {
		reassembly_reset(st);
		return 0;
	}
	memcpy(st->chunks[f.index], f.payload, f.len);
	st->chunk_len[f.index] = (uint8_t)f.len;
	st->have |= (uint16_t)(1u << f.index);
	if (st->have != (uint16_t)((1u << st->expected) - 1))
		return 0;

	for (unsigned i = 0; i < st->expected; i++)
		len += st->chunk_len[i];
	if (size < len) {
		reassembly_reset(st);
		return -ENOSPC;
	}
	len = 0;
	for (unsigned i = 0; i < st->expected; i++) {
		memcpy(out + len, st->chunks[i], st->chunk_len[i]);
		len += st->chunk_len[i];
	}
	*ret_len = len;
	*ret_encrypted = st->encrypted;
	reassembly_reset(st);
	return 1;
}

/* --- keys and tokens ------------------------------------------------------------ */

int hv_hagrid_c3_from_address(const char *address,
			      uint8_t ret[HV_HAGRID_SECRET_LEN])
{
	uint8_t c3[HV_HAGRID_SECRET_LEN];
	size_t digits = 0;

	if (!address)
		return -EINVAL;
	for (const char *p = address; *p; p++) {
		if (*p == ':' || *p == '-')
			continue;
		if (hv_hex_digit(*p) < 0 || digits == 12)
			return -EINVAL;
		c3[digits++] = (uint8_t)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
	}
	if (digits != 12)
		return -EINVAL;
	memset(c3 + 12, '0', 4);
	memcpy(ret, c3, sizeof(c3));
	return 0;
}

void hv_hagrid_root_key(const uint8_t c1[HV_HAGRID_SECRET_LEN],
			const uint8_t c2[HV_HAGRID_SECRET_LEN],
			const uint8_t c3[HV_HAGRID_SECRET_LEN],
			uint8_t ret[HV_HAGRID_SECRET_LEN])
{
	uint8_t mixed[HV_HAGRID_SECRET_LEN], digest[HV_SHA256_LEN];

	for (unsigned i = 0; i < HV_HAGRID_SECRET_LEN; i++)
		mixed[i] = (uint8_t)(c1[i] << 4) ^ c2[i];
	hv_sha256(mixed, sizeof(mixed), digest);
	for (unsigned i = 0; i < HV_HAGRID_SECRET_LEN; i++)
		mixed[i] = (uint8_t)(digest[i] >> 6) ^ c3[i];
	hv_sha256(mixed, sizeof(mixed), digest);
	memcpy(ret, digest, HV_HAGRID_SECRET_LEN);
}

void hv_hagrid_auth_token(const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
			  const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
			  const uint8_t cak[HV_HAGRID_SECRET_LEN], bool from_scale,
			  uint8_t ret[HV_HAGRID_TOKEN_LEN])
{
	uint8_t rand[2 * HV_HAGRID_SECRET_LEN], key[HV_HAGRID_SECRET_LEN + 4];
	uint8_t inner[HV_SHA256_LEN];

	memcpy(rand, rand_a, HV_HAGRID_SECRET_LEN);
	memcpy(rand + HV_HAGRID_SECRET_LEN, rand_b, HV_HAGRID_SECRET_LEN);
	memcpy(key, cak, HV_HAGRID_SECRET_LEN);
	memcpy(key + HV_HAGRID_SECRET_LEN, from_scale ? "9856" : "1123", 4);
	hv_hmac_sha256(key, sizeof(key), rand, sizeof(rand), inner);
	hv_hmac_sha256(inner, sizeof(inner), rand, sizeof(rand), ret);
}

void hv_hagrid_auth_payload(const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
			    const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
			    const uint8_t cak[HV_HAGRID_SECRET_LEN],
			    uint8_t ret[HV_HAGRID_SECRET_LEN + HV_HAGRID_TOKEN_LEN])
{
	memcpy(ret, rand_b, HV_HAGRID_SECRET_LEN);
	hv_hagrid_auth_token(rand_a, rand_b, cak, false,
			     ret + HV_HAGRID_SECRET_LEN);
}

bool hv_hagrid_auth_response_ok(const uint8_t *response, size_t len,
				const uint8_t rand_a[HV_HAGRID_SECRET_LEN],
				const uint8_t rand_b[HV_HAGRID_SECRET_LEN],
				const uint8_t cak[HV_HAGRID_SECRET_LEN])
{
	uint8_t want[HV_HAGRID_TOKEN_LEN], diff = 0;

	if (len != HV_HAGRID_TOKEN_LEN)
		return false;
	hv_hagrid_auth_token(rand_a, rand_b, cak, true, want);
	for (unsigned i = 0; i < HV_HAGRID_TOKEN_LEN; i++)
		diff |= want[i] ^ response[i];
	return diff == 0;
}

int hv_hagrid_encrypt(const uint8_t key[HV_HAGRID_SECRET_LEN],
		      const uint8_t iv[HV_HAGRID_SECRET_LEN],
		      const uint8_t *plain, size_t len, uint8_t *out,
		      size_t size, size_t *ret_len)
{
	if (size < len + HV_HAGRID_SECRET_LEN)
		return -ENOSPC;
	memcpy(out, iv, HV_HAGRID_SECRET_LEN);
	memmove(out + HV_HAGRID_SECRET_LEN, plain, len);
	hv_aes128_ctr(key, iv, out + HV_HAGRID_SECRET_LEN, len);
	*ret_len = len + HV_HAGRID_SECRET_LEN;
	return 0;
}

int hv_hagrid_decrypt(const uint8_t key[HV_HAGRID_SECRET_LEN],
		      const uint8_t *in, size_t len, uint8_t *out, size_t size,
		      size_t *ret_len)
{
	uint8_t iv[HV_HAGRID_SECRET_LEN];

	if (len < HV_HAGRID_SECRET_LEN)
		return -EINVAL;
	if (size < len - HV_HAGRID_SECRET_LEN)
		return -ENOSPC;
	memcpy(iv, in, sizeof(iv));
	memmove(out, in + HV_HAGRID_SECRET_LEN, len - HV_HAGRID_SECRET_LEN);
	hv_aes128_ctr(key, iv, out, len - HV_HAGRID_SECRET_LEN);
	*ret_len = len - HV_HAGRID_SECRET_LEN;
	return 0;
}

/* --- payloads ------------------------------------------------------------------- */

static bool read_time(const uint8_t *p, struct hv_datetime *ret)
{
	struct hv_datetime t = {
		.year = hv_le16(p), .month = p[2], .day = p[3],
		.hour = p[4], .minute = p[5], .second = p[6],
	};

	if (t.year < 2000 || t.month < 1 || t.month > 12 || t.day < 1 ||
	    t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 59)
		return false;
	*ret = t;
	return true;
}

static int parse_weight(const uint8_t *p, size_t n, bool history,
			struct hv_hagrid_weight *ret)
{
	struct hv_hagrid_weight w = { 0 };
	size_t base;

	if (history ? !(n == 27 || n == 28 || n == 39 || n == 40) :
		      !(n == REALTIME_LEN || n == REALTIME_HIGH_LEN))
		return -EBADMSG;
	base = n >= REALTIME_HIGH_LEN ? REALTIME_HIGH_LEN : REALTIME_LEN;
	w.weight_kg = hv_le16(p) / 100.0;
	w.fat_percent = hv_le16(p + 2) / 10.0;
	w.has_time = read_time(p + 4, &w.time);
	if (history && !w.has_time)
		return -EBADMSG;
	for (unsigned i = 0; i < HV_HAGRID_IMPEDANCES; i++)
		w.low[i] = hv_le16(p + 12 + 2 * i);
	w.has_high = base == REALTIME_HIGH_LEN;
	for (unsigned i = 0; w.has_high && i < HV_HAGRID_IMPEDANCES; i++)
		w.high[i] = hv_le16(p + 26 + 2 * i);
	w.heart_rate = hv_le16(p + 24);
	if (w.heart_rate > 240)
		w.heart_rate = 0;
	if (n > base) {
		w.has_history_flags = true;
		w.history_suspected = p[base];
	}
	if (n > base + 1) {
		w.has_complete_flag = true;
		w.history_complete = p[base + 1] == 0;
	}
	*ret = w;
	return 0;
}

int hv_hagrid_parse_realtime(const uint8_t *p, size_t n,
			     struct hv_hagrid_weight *ret)
{
	return parse_weight(p, n, false, ret);
}

int hv_hagrid_parse_history(const uint8_t *p, size_t n,
			    struct hv_hagrid_weight *ret)
{
	return parse_weight(p, n, true, ret);
}

double hv_hagrid_impedance_ohm(uint16_t raw)
{
	if (raw >= 1 && raw <= 3999)
		return raw;
	if (raw >= 4000 && raw <= 39999)
		return raw / 10.0;
	return -1;
}

double hv_hagrid_band_ohm(const uint16_t band[HV_HAGRID_IMPEDANCES])
{
	for (unsigned i = 0; i < HV_HAGRID_IMPEDANCES; i++)
		if (hv_hagrid_impedance_ohm(band[i]) > 0)
			return hv_hagrid_impedance_ohm(band[i]);
	return -1;
}

int hv_hagrid_parse_standard_weight(const uint8_t *p, size_t n,
				    double *ret_kg)
{
	size_t need = 3;
	bool imperial;

	if (n < 3)
		return -EBADMSG;
	imperial = p[0] & 0x01;
	need += p[0] & 0x02 ? 7 : 0; /* time */
	need += p[0] & 0x04 ? 1 : 0; /* user */
	need += p[0] & 0x08 ? 4 : 0; /* BMI, height */
	if (n < need)
		return -EBADMSG;
	*ret_kg = imperial ? hv_le16(p + 1) * 0.01 * 0.45359237 :
			     hv_le16(p + 1) * 0.005;
	return 0;
}

static void copy_fixed(uint8_t *dst, const char *text, size_t room)
{
	size_t n = text ? strlen(text) : 0;

	memcpy(dst, text ? text : "", n < room ? n : room);
}

void hv_hagrid_user_info(const struct hv_hagrid_user *u,
			 uint8_t ret[HV_HAGRID_USER_INFO_LEN])
{
	double cg = u->weight_kg * 100 + 0.5;

	memset(ret, 0, HV_HAGRID_USER_INFO_LEN);
	copy_fixed(ret, u->huid, 30);
	copy_fixed(ret + 30, u->uid, 32);
	ret[62] = u->gender;
	ret[63] = u->age_years;
	hv_put_le16(ret + 64, u->height_cm);
	hv_put_le16(ret + 66, cg >= 1 && cg < 65536 ? (uint16_t)cg : 0);
	ret[68] = u->user_type;
}

/* --- the driver ------------------------------------------------------------------ */

/*
 * decode() takes a GATT value of the realtime or history characteristic
 * holding the notification frames of one message back to back (one frame,
 * or all of them as the session joined them). In a session the
 * conversation's assemble() hands it the message joined and opened, as
 * plain frames; a sealed message (a capture) needs frame->key, the work
 * key. A message not yet whole is claimed without a reading.
 *
 * A realtime weighing is final once it carries a body-fat percentage or a
 * heart rate: the scale fills those only when it has finished (openScale
 * waits for the status characteristic instead, which a lone value cannot
 * see); a history record is always final.
 */

static bool is_uuid(const struct hv_uuid *u, const char *text)
{
	struct hv_uuid t;

	return hv_uuid_parse(text, &t) == 0 && hv_uuid_equal(&t, u);
}

static int join_message(const struct hv_frame *frame, uint8_t *out,
			size_t size, size_t *ret_len, bool *ret_encrypted)
{
	struct hv_hagrid_reassembly st = { 0 };
	size_t at = 0;
	int r = 0;

	while (at < frame->value_len) {
		struct hv_hagrid_frame f;

		if (hv_hagrid_parse_frame(frame->value + at,
					  frame->value_len - at, &f) < 0)
			return -EBADMSG;
		r = hv_hagrid_reassemble(&st, frame->value + at, f.frame_len,
					 out, size, ret_len, ret_encrypted);
		if (r < 0)
			return r;
		at += f.frame_len;
		if (r == 1 && at != frame->value_len)
			return -EBADMSG; /* one message a value */
	}
	return r == 1 ? 0 : -EAGAIN;
}

static void add_time(const struct hv_hagrid_weight *w, int64_t now,
		     struct hv_measurement *m)
{
	if (!w->has_time)
		return;
	m->has_raw_device_time = true;
	m->raw_device_time = w->time;
	if (hv_datetime_plausible(&w->time, now)) {
		m->has_device_time = true;
		m->device_time = w->time;
	}
}

static int fill_weight(const struct hv_hagrid_weight *w, bool history,
		       int64_t now, struct hv_measurement *m)
{
	double low = hv_hagrid_band_ohm(w->low), high = -1;
	int r;

	if (w->has_high)
		high = hv_hagrid_band_ohm(w->high);
	add_time(w, now, m);
	if (w->weight_kg <= 0)
		return 0; /* nothing on the plate yet */
	m->final = history || w->fat_percent > 0 || w->heart_rate > 0;
	r = hv_measurement_add(m, HV_METRIC_BODY_WEIGHT, w->weight_kg);
	/* openScale keeps fat only in (0, 80) %: 0 is "not measured". */
	if (r >= 0 && w->fat_percent > 0 && w->fat_percent < 80)
		r = hv_measurement_add(m, HV_METRIC_BODY_FAT_PERCENT,
				       w->fat_percent);
	if (r >= 0 && low > 0)
		r = hv_measurement_add(m, HV_METRIC_IMPEDANCE, low);
	if (r >= 0 && high > 0)
		r = hv_measurement_add(m, HV_METRIC_IMPEDANCE_250KHZ, high);
	if (r >= 0 && w->heart_rate > 0)
		r = hv_measurement_add(m, HV_METRIC_HEART_RATE, w->heart_rate);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_weight w;
	size_t len, plain_len;
	bool history, encrypted;
	int r;

	if (!frame->has_characteristic)
		return -ENODEV;
	history = is_uuid(&frame->characteristic, HV_HAGRID_HISTORY);
	if (!history && !is_uuid(&frame->characteristic, HV_HAGRID_REALTIME))
		return -ENODEV;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;

	r = join_message(frame, msg, sizeof(msg), &len, &encrypted);
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return hv_measurement_invalid(
			ret, "not a run of Hagrid WSP notification frames (type, length, index or CRC)");
	if (encrypted) {
		if (!frame->key)
			return hv_measurement_invalid(
				ret, "encrypted Hagrid message and no work key");
		if (hv_hagrid_decrypt(frame->key, msg, len, plain,
				      sizeof(plain), &plain_len) < 0)
			return hv_measurement_invalid(
				ret, "encrypted Hagrid message of %zu bytes",
				len);
	} else {
		memcpy(plain, msg, len);
		plain_len = len;
	}

	r = history ? hv_hagrid_parse_history(plain, plain_len, &w) :
		      hv_hagrid_parse_realtime(plain, plain_len, &w);
	if (r < 0)
		return hv_measurement_invalid(
			ret, "Hagrid %s weighing of %zu bytes%s",
			history ? "history" : "realtime", plain_len,
			encrypted ? " (wrong work key?)" : "");
	r = fill_weight(&w, history, frame->now, ret);
	if (r < 0)
		return hv_measurement_invalid(ret, "too many readings");
	return 0;
}

static uint16_t impedance_raw(double ohm)
{
	/* Whole ohms: what the scale sends for a body (1..3999). */
	return ohm >= 1 && ohm < 3999.5 ? (uint16_t)(ohm + 0.5) : 0;
}

/* A plain (0xBD) realtime message, or a history record that is the last
 * (target HV_HAGRID_HISTORY), from the measurement: the vdev's and the
 * round-trip tests' frames. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *wt = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *fat =
		hv_measurement_find(m, HV_METRIC_BODY_FAT_PERCENT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	const struct hv_reading *zh =
		hv_measurement_find(m, HV_METRIC_IMPEDANCE_250KHZ);
	const struct hv_reading *hr = hv_measurement_find(m, HV_METRIC_HEART_RATE);
	uint8_t p[REALTIME_HIGH_LEN + 2] = { 0 };
	bool history = target && is_uuid(target, HV_HAGRID_HISTORY);
	size_t n = zh ? REALTIME_HIGH_LEN : REALTIME_LEN;
	double kg;

	if (target && !history && !is_uuid(target, HV_HAGRID_REALTIME))
		return -EINVAL;
	if (!wt || wt->absent)
		return -EINVAL;
	kg = wt->value * 100 + 0.5;
	if (kg < 1 || kg >= 65536 || (history && !m->has_device_time))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	hv_put_le16(p, (uint16_t)kg);
	if (fat && !fat->absent && fat->value > 0 && fat->value < 80)
		hv_put_le16(p + 2, (uint16_t)(fat->value * 10 + 0.5));
	if (m->has_device_time) {
		hv_put_le16(p + 4, m->device_time.year);
		p[6] = m->device_time.month;
		p[7] = m->device_time.day;
		p[8] = m->device_time.hour;
		p[9] = m->device_time.minute;
		p[10] = m->device_time.second;
	}
	if (z && !z->absent)
		hv_put_le16(p + 12, impedance_raw(z->value));
	if (hr && !hr->absent && hr->value >= 1 && hr->value <= 240)
		hv_put_le16(p + 24, (uint16_t)(hr->value + 0.5));
	if (zh && !zh->absent)
		hv_put_le16(p + 26, impedance_raw(zh->value));
	if (history) {
		/* suspected 0x01, complete 0x00: the last record */
		p[n] = 0x01;
		n += 2;
	}
	ret->has_characteristic = true;
	if (hv_uuid_parse(history ? HV_HAGRID_HISTORY : HV_HAGRID_REALTIME,
			  &ret->characteristic) < 0)
		return -EINVAL;
	return hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, p, n, ret->value,
				      sizeof(ret->value), &ret->value_len);
}

/* --- selection ----------------------------------------------------------------- */

/*
 * openScale's product markers (HuaweiHagridWspHandler.kt PRODUCT_MARKERS),
 * found anywhere in the name or in the ASCII of manufacturer or service
 * data, any case. Its four-character product ids (M00F, M00D, M0CJ, N001,
 * 007B) are left out: too short to tell a Hagrid scale from other names.
 */
static const char *const markers[] = {
	"HUAWEI SCALE 2 PRO", "HAG-B19",     "HAGRID-B19", "HUAWEI SCALE 3 PRO",
	"HAGRID-B29",	      "HAGRID2021-B19", "HUAWEI SCALE 3", "HEM-B19",
	"HERM-B19",	      "HONOR SCALE 2", "LUP-B19",    "LUPIN-B19HN",
	"DOBBY-B19",	      NULL,
};

static uint8_t upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
}

/* p holds text (upper case), any case. */
static bool has_text(const uint8_t *p, size_t n, const char *text)
{
	size_t len = strlen(text);

	for (size_t at = 0; at + len <= n; at++) {
		size_t i = 0;

		while (i < len && upper(p[at + i]) == (uint8_t)text[i])
			i++;
		if (i == len)
			return true;
	}
	return false;
}

static bool has_marker(const uint8_t *p, size_t n)
{
	for (const char *const *m = markers; *m; m++)
		if (has_text(p, n, *m))
			return true;
	return false;
}

static bool claims_device(const struct hv_frame *f)
{
	if (f->name && has_marker((const uint8_t *)f->name, strlen(f->name)))
		return true;
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (has_marker(f->manufacturer_data[i].data,
			       f->manufacturer_data[i].len))
			return true;
	for (size_t i = 0; i < f->n_service_data; i++)
		if (has_marker(f->service_data[i].data,
			       f->service_data[i].len))
			return true;
	return false;
}

/* --- the conversation ----------------------------------------------------------- */

/*
 * openScale's handshake (HuaweiHagridWspHandler.kt onConnected,
 * handleAuthChallenge, handleAuthResponse, handleWorkKeyAck), as data:
 * subscribe, ask for authentication (an empty plain frame on the
 * request-auth characteristic); the scale's challenge randA (16 bytes);
 * write randB and the app's token; the scale's token checked; write the
 * work key under the root key; its acknowledgement (0x00); set the clock;
 * the manager info; the user information; start the realtime flow (an
 * empty frame on the realtime characteristic), poll the measurement
 * status until the scale says the weighing is over (startMeasurementFlow,
 * startMeasurementStatusPolling, handleMeasurementStatusPayload); read the
 * history (sendPostMeasurementReads, handleManagerInfoPayload,
 * handleHistoryWeightPayload). Every message goes in WSP frames, one write
 * step per frame.
 *
 * From the session: randB = random[0..15], the work-key IV random[16..31];
 * CAK, C1, C2 = secrets (48 bytes; none: the conversation stops at the
 * challenge), the address for C3. The work key is not drawn but derived,
 * the first 16 bytes of HMAC-SHA256(key = root key, "homevitals work key"):
 * the scale takes any, and a decoder holding the secrets finds it again
 * without the session. State between steps lives in scratch_bytes.
 */

#define SVC_USER_DATA "181c"
#define SVC_CURRENT_TIME "1805"
#define SVC_BODY_COMPOSITION "181b"
#define CHR_REQUEST_AUTH "02b2a08e-f8b0-4047-b1fd-f4e0efeee679"
#define CHR_AUTH_TOKEN "32330a04-15d9-421a-91c5-2a2d5c7525c9"
#define CHR_SEND_WORK_KEY "a3d330f8-b84f-4f48-a78c-f8d1e33b597a"
#define CHR_CURRENT_TIME "2a2b"
#define CHR_SET_USER_INFO "8cc61d7d-66c0-4802-89c3-38c5a163592e"
#define CHR_GET_MANAGER_INFO "4338c65e-ed8e-4085-bbea-a25e33ca6b54"
#define CHR_STATUS_POLL "bfc36f6e-4150-4a4b-9052-3d359e52962e"
#define CHR_STATUS_RESULT "ba216311-1787-472b-bef6-3eb29e62293e"
#define MANAGER_HUID_LEN 30 /* openScale MANAGER_HUID_BYTES */
#define HISTORY_RECORDS_MAX 64 /* openScale MAX_HISTORY_RECORDS */
#define STATUS_POLL_INTERVAL_MS 3000 /* MEASUREMENT_STATUS_POLL_INTERVAL_MS */
#define STATUS_POLLS_MAX 30 /* openScale MAX_STATUS_POLLS */

struct hagrid_state {
	struct hv_hagrid_reassembly rx; /* the steps' messages */
	uint8_t rand_a[HV_HAGRID_SECRET_LEN];
	/* the weighings assemble() joins for decode(): a reassembly of its
	 * own, as both see the realtime notifications */
	struct hv_hagrid_reassembly weighing_rx;
	/* the account id the scale's manager info named; "" none */
	char huid[MANAGER_HUID_LEN + 1];
	uint8_t history_records; /* read on this connection */
	/* a Scale 3's last realtime weighing not yet final (no fat, no
	 * heart rate), plain: the record of the weighing once the status
	 * says it is over */
	uint8_t realtime[REALTIME_HIGH_LEN];
	uint8_t realtime_len;
};

_Static_assert(sizeof(struct hagrid_state) <=
		       sizeof(((struct hv_session *)0)->scratch_bytes),
	       "the Hagrid state fits the session's byte scratch");

static void state_load(const struct hv_session *s, struct hagrid_state *st)
{
	memcpy(st, s->scratch_bytes, sizeof(*st));
}

static void state_save(struct hv_session *s, const struct hagrid_state *st)
{
	memcpy(s->scratch_bytes, st, sizeof(*st));
}

void hv_hagrid_work_key(const uint8_t root[HV_HAGRID_SECRET_LEN],
			uint8_t ret[HV_HAGRID_SECRET_LEN])
{
	static const char label[] = "homevitals work key";
	uint8_t mac[HV_SHA256_LEN];

	hv_hmac_sha256(root, HV_HAGRID_SECRET_LEN, (const uint8_t *)label,
		       sizeof(label) - 1, mac);
	memcpy(ret, mac, HV_HAGRID_SECRET_LEN);
}

int hv_hagrid_session_keys(const uint8_t *secrets, size_t secrets_len,
			   const char *address,
			   uint8_t ret_root[HV_HAGRID_SECRET_LEN],
			   uint8_t ret_work[HV_HAGRID_SECRET_LEN])
{
	uint8_t c3[HV_HAGRID_SECRET_LEN], root[HV_HAGRID_SECRET_LEN];

	if (!secrets || secrets_len != 3 * HV_HAGRID_SECRET_LEN)
		return -ENOKEY;
	if (hv_hagrid_c3_from_address(address, c3) < 0)
		return -EINVAL;
	hv_hagrid_root_key(secrets + HV_HAGRID_SECRET_LEN,
			   secrets + 2 * HV_HAGRID_SECRET_LEN, c3, root);
	hv_hagrid_work_key(root, ret_work);
	memcpy(ret_root, root, sizeof(root));
	return 0;
}

/* Frame `index` of the message, as hv_hagrid_build_frames() cuts it. */
static int frame_of(uint8_t type, const uint8_t *msg, size_t len,
		    unsigned index, uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t all[HV_HAGRID_MESSAGE_MAX + 5 * HV_HAGRID_FRAMES_MAX];
	size_t n, at = 0;
	int r;

	r = hv_hagrid_build_frames(type, msg, len, all, sizeof(all), &n);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < index; i++) {
		at += all[at + 1] + 2u;
		if (at >= n)
			return -EINVAL;
	}
	if (size < all[at + 1] + 2u)
		return -ENOSPC;
	memcpy(buf, all + at, all[at + 1] + 2u);
	*ret_len = all[at + 1] + 2u;
	return 0;
}

static int pl_empty(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	(void)s;
	return frame_of(HV_HAGRID_WRITE_PLAIN, NULL, 0, 0, buf, size, ret_len);
}

static int token_frame(const struct hv_session *s, unsigned index,
		       uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t msg[HV_HAGRID_SECRET_LEN + HV_HAGRID_TOKEN_LEN];
	struct hagrid_state st;

	if (s->secrets_len != 3 * HV_HAGRID_SECRET_LEN)
		return -ENOKEY;
	state_load(s, &st);
	hv_hagrid_auth_payload(st.rand_a, s->random, s->secrets, msg);
	return frame_of(HV_HAGRID_WRITE_PLAIN, msg, sizeof(msg), index, buf,
			size, ret_len);
}

static int work_key_frame(const struct hv_session *s, unsigned index,
			  uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t root[HV_HAGRID_SECRET_LEN], work[HV_HAGRID_SECRET_LEN];
	uint8_t msg[2 * HV_HAGRID_SECRET_LEN];
	size_t len;
	int r;

	r = hv_hagrid_session_keys(s->secrets, s->secrets_len, s->address,
				   root, work);
	if (r < 0)
		return r;
	r = hv_hagrid_encrypt(root, s->random + HV_HAGRID_SECRET_LEN, work,
			      sizeof(work), msg, sizeof(msg), &len);
	if (r < 0)
		return r;
	return frame_of(HV_HAGRID_WRITE_ENCRYPTED, msg, len, index, buf, size,
			ret_len);
}


/*
 * The user information (openScale buildUserInfo): huid the account id of
 * the scale's manager info, else "homevitals:" and the address's 12 digits
 * (openScale's own stand-in when the account's is not read), uid "u:" and
 * the user slot (1 when none) as 8 hex digits, the sex (the Huawei Scale 3 takes male = 1, the others male = 0, as
 * openScale found), age, height cm, no weight. Sealed under the work key
 * with the IV HMAC-SHA256(work key, session.random), first 16 bytes: new
 * each session. Six frames; none without a complete profile.
 */
/* name holds needle (upper case), any case. */
static bool contains(const char *name, const char *needle)
{
	return name && has_text((const uint8_t *)name, strlen(name), needle);
}

static bool is_scale_3(const char *name)
{
	if (contains(name, "HUAWEI SCALE 3 PRO"))
		return false;
	return contains(name, "HUAWEI SCALE 3") || contains(name, "HEM-B19") ||
	       contains(name, "HERM-B19");
}

static int user_info_message(const struct hv_session *s, uint8_t *msg,
			     size_t size, size_t *ret_len)
{
	uint8_t root[HV_HAGRID_SECRET_LEN], work[HV_HAGRID_SECRET_LEN];
	uint8_t plain[HV_HAGRID_USER_INFO_LEN], iv[HV_SHA256_LEN];
	uint8_t c3[HV_HAGRID_SECRET_LEN];
	char huid[32], uid[16];
	struct hv_hagrid_user u = { .huid = huid, .uid = uid };
	struct hagrid_state st;
	bool male = s->profile.sex == HV_SEX_MALE;
	double cm = s->profile.height_m * 100 + 0.5;
	int r;

	if (!hv_profile_complete(&s->profile) || cm > 65535 ||
	    s->profile.age_years > 255)
		return -ENODATA;
	r = hv_hagrid_session_keys(s->secrets, s->secrets_len, s->address,
				   root, work);
	if (r < 0)
		return r;
	if (hv_hagrid_c3_from_address(s->address, c3) < 0)
		return -EINVAL;
	state_load(s, &st);
	if (st.huid[0]) {
		memcpy(huid, st.huid, sizeof(st.huid));
	} else {
		memcpy(huid, "homevitals:", 11);
		memcpy(huid + 11, c3, 12);
		huid[23] = '\0';
	}
	uid[0] = 'u';
	uid[1] = ':';
	for (unsigned i = 0, slot = s->user_index > 0 ? (unsigned)s->user_index : 1;
	     i < 8; i++)
		uid[2 + i] = "0123456789ABCDEF"[(slot >> (28 - 4 * i)) & 0xF];
	uid[10] = '\0';
	u.gender = is_scale_3(s->name) ? male : !male;
	u.age_years = (uint8_t)s->profile.age_years;
	u.height_cm = (uint16_t)cm;
	hv_hagrid_user_info(&u, plain);
	hv_hmac_sha256(work, sizeof(work), s->random, sizeof(s->random), iv);
	return hv_hagrid_encrypt(work, iv, plain, sizeof(plain), msg, size,
				 ret_len);
}

static int user_frame(const struct hv_session *s, unsigned index,
		      uint8_t *buf, size_t size, size_t *ret_len)
{
	uint8_t msg[HV_HAGRID_USER_INFO_LEN + HV_HAGRID_SECRET_LEN];
	size_t len;
	int r;

	r = user_info_message(s, msg, sizeof(msg), &len);
	if (r < 0)
		return r;
	return frame_of(HV_HAGRID_WRITE_ENCRYPTED, msg, len, index, buf, size,
			ret_len);
}

#define FRAME_PAYLOAD(name, fn, index)                                          \
	static int name(const struct hv_session *s, uint8_t *buf, size_t size, \
			size_t *ret_len)                                       \
	{                                                                      \
		return fn(s, index, buf, size, ret_len);                       \
	}
FRAME_PAYLOAD(pl_token0, token_frame, 0)
FRAME_PAYLOAD(pl_token1, token_frame, 1)
FRAME_PAYLOAD(pl_token2, token_frame, 2)
FRAME_PAYLOAD(pl_token3, token_frame, 3)
FRAME_PAYLOAD(pl_work_key0, work_key_frame, 0)
FRAME_PAYLOAD(pl_work_key1, work_key_frame, 1)
FRAME_PAYLOAD(pl_work_key2, work_key_frame, 2)
FRAME_PAYLOAD(pl_user0, user_frame, 0)
FRAME_PAYLOAD(pl_user1, user_frame, 1)
FRAME_PAYLOAD(pl_user2, user_frame, 2)
FRAME_PAYLOAD(pl_user3, user_frame, 3)
FRAME_PAYLOAD(pl_user4, user_frame, 4)
FRAME_PAYLOAD(pl_user5, user_frame, 5)

/* The clock (openScale currentTimePayload): year LE, month, day, hour,
 * minute, second, weekday 1 = Monday; local time. */
static int pl_clock(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;
	uint8_t msg[8];

	if (t->year == 0)
		return -ENODATA;
	hv_put_le16(msg, t->year);
	msg[2] = t->month;
	msg[3] = t->day;
	msg[4] = t->hour;
	msg[5] = t->minute;
	msg[6] = t->second;
	msg[7] = s->day_of_week;
	return frame_of(HV_HAGRID_WRITE_PLAIN, msg, sizeof(msg), 0, buf, size,
			ret_len);
}

/* Feed a notification to the reassembly: 1 with a whole message, 0 while
 * one is due (or the value was not a WSP frame: the step waits on). */
static int receive(struct hv_session *s, const uint8_t *v, size_t len,
		   uint8_t *msg, size_t *ret_len, bool *ret_encrypted)
{
	struct hagrid_state st;
	int r;

	state_load(s, &st);
	r = hv_hagrid_reassemble(&st.rx, v, len, msg, HV_HAGRID_MESSAGE_MAX,
				 ret_len, ret_encrypted);
	state_save(s, &st);
	return r == 1 ? 1 : 0;
}

static int on_challenge(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX];
	struct hagrid_state st;
	size_t n;
	bool enc;

	if (s->secrets_len != 3 * HV_HAGRID_SECRET_LEN)
		return -ENOKEY; /* no CAK, C1, C2: nothing to answer with */
	if (!receive(s, v, len, msg, &n, &enc))
		return HV_VALUE_MORE;
	if (enc || n != HV_HAGRID_SECRET_LEN)
		return HV_VALUE_MORE;
	state_load(s, &st);
	memcpy(st.rand_a, msg, HV_HAGRID_SECRET_LEN);
	state_save(s, &st);
	return HV_VALUE_DONE;
}

static int on_scale_token(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX];
	struct hagrid_state st;
	size_t n;
	bool enc;

	if (!receive(s, v, len, msg, &n, &enc))
		return HV_VALUE_MORE;
	state_load(s, &st);
	/* A scale that cannot prove it holds the CAK is not the owner's. */
	return !enc && hv_hagrid_auth_response_ok(msg, n, st.rand_a, s->random,
						  s->secrets) ?
		       HV_VALUE_DONE :
		       -EACCES;
}

/* Whatever the scale answers to the user information, go on (openScale
 * only logs a refusal). */
static int on_user_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX];
	size_t n;
	bool enc;

	return receive(s, v, len, msg, &n, &enc) ? HV_VALUE_DONE :
						   HV_VALUE_MORE;
}

static int on_work_key_ack(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX];
	size_t n;
	bool enc;

	if (!receive(s, v, len, msg, &n, &enc))
		return HV_VALUE_MORE;
	return n >= 1 && msg[0] == 0x00 ? HV_VALUE_DONE : -EACCES;
}

/* A step's whole message, opened with the work key when it is sealed:
 * 0, -errno when it cannot be opened. */
static int open_message(const struct hv_session *s, const uint8_t *msg,
			size_t n, bool enc, uint8_t *plain, size_t *ret_len)
{
	uint8_t root[HV_HAGRID_SECRET_LEN], work[HV_HAGRID_SECRET_LEN];
	int r;

	if (!enc) {
		memcpy(plain, msg, n);
		*ret_len = n;
		return 0;
	}
	r = hv_hagrid_session_keys(s->secrets, s->secrets_len, s->address,
				   root, work);
	if (r < 0)
		return r;
	return hv_hagrid_decrypt(work, msg, n, plain, HV_HAGRID_MESSAGE_MAX,
				 ret_len);
}

/*
 * The manager info (openScale parseManagerInfo): the account id (huid) in
 * the first 30 bytes, text up to a NUL without trailing blanks, then a
 * device id; empty: no account. openScale takes text that is not
 * printable ASCII as "hex:" and its hex digits. A shorter answer is not
 * one: the step waits on, until its time-out.
 */
static int on_manager_info(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hagrid_state st;
	size_t n, plain_len, text = 0;
	bool enc, printable = true;

	if (!receive(s, v, len, msg, &n, &enc) ||
	    open_message(s, msg, n, enc, plain, &plain_len) < 0)
		return HV_VALUE_MORE;
	if (plain_len > 0 && plain_len <= MANAGER_HUID_LEN)
		return HV_VALUE_MORE;
	state_load(s, &st);
	memset(st.huid, 0, sizeof(st.huid));
	while (plain_len && text < MANAGER_HUID_LEN && plain[text])
		text++;
	while (text && plain[text - 1] == ' ')
		text--;
	for (size_t i = 0; i < text; i++)
		printable = printable && plain[i] >= 0x20 && plain[i] <= 0x7E;
	if (printable) {
		memcpy(st.huid, plain, text);
	} else if (text) {
		memcpy(st.huid, "hex:", 4);
		/* the digits of the text's bytes, cut where the huid ends */
		for (size_t i = 0; i < text && 4 + 2 * i + 1 < MANAGER_HUID_LEN;
		     i++) {
			st.huid[4 + 2 * i] = "0123456789abcdef"[plain[i] >> 4];
			st.huid[4 + 2 * i + 1] = "0123456789abcdef"[plain[i] & 0xF];
		}
	}
	state_save(s, &st);
	return HV_VALUE_DONE;
}

static int history_next_step(void);
static int history_end_step(void);

/*
 * The history (openScale handleHistoryWeightPayload): each record the
 * scale sends is answered with 0x00 for the next, until one says it is the
 * last (complete flag 0), a payload that is no record ends the read, and
 * at most 64 records. decode() stores them from the same notifications.
 */
static int on_history(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_weight w;
	struct hagrid_state st;
	size_t n, plain_len;
	bool enc;

	if (!receive(s, v, len, msg, &n, &enc))
		return HV_VALUE_MORE;
	state_load(s, &st);
	s->next_step = history_end_step();
	if (open_message(s, msg, n, enc, plain, &plain_len) < 0 ||
	    hv_hagrid_parse_history(plain, plain_len, &w) < 0 ||
	    w.weight_kg <= 0)
		return HV_VALUE_GOTO; /* finished, or not a record */
	st.history_records++;
	state_save(s, &st);
	if (!(w.has_complete_flag && w.history_complete) &&
	    st.history_records < HISTORY_RECORDS_MAX)
		s->next_step = history_next_step();
	return HV_VALUE_GOTO;
}

static int pl_history_next(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	static const uint8_t next = 0x00;

	(void)s;
	return frame_of(HV_HAGRID_WRITE_PLAIN, &next, 1, 0, buf, size, ret_len);
}

/*
 * The measurement status (openScale handleMeasurementStatusPayload): the
 * first byte of the answer to a poll, 0 = the weighing is over, anything
 * else = still measuring. The answer may come in a WSP frame (sealed or
 * not) or as the bare byte, as openScale takes both. Status 0 goes on to
 * the history read; another status waits out the poll interval, as
 * openScale's loop polls every 3 s whatever the answer. openScale also
 * takes a status notified on the poll characteristic; a step waits on one
 * characteristic, the result one here.
 */
static int history_read_step(void);

static int on_status(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_frame f;
	size_t n, plain_len;
	bool enc;

	if (len > 0 && hv_hagrid_parse_frame(v, len, &f) < 0) {
		plain[0] = v[0];
		plain_len = 1;
	} else if (!receive(s, v, len, msg, &n, &enc) ||
		   open_message(s, msg, n, enc, plain, &plain_len) < 0) {
		return HV_VALUE_MORE;
	}
	if (plain_len == 0 || plain[0] != 0x00)
		return HV_VALUE_MORE;
	s->next_step = history_read_step();
	return HV_VALUE_GOTO;
}

/*
 * The runner's side of decode() (hv_conversation.assemble): a realtime or
 * history message is joined from its notifications, opened with the work
 * key this session sent when it is encrypted, and handed on as the plain
 * (0xBD) frames decode() reads. The other characteristics' values, and
 * what is no WSP frame, go on as they came. Realtime weighings go on from a
 * Huawei Scale 3 only: openScale stores the other families' weighings from
 * their history alone (handleRealtimePayload), which this conversation
 * reads after the weighing. A "ready" status hands on the Scale 3's last
 * realtime weighing that was not final (realtime_on_ready).
 */
/* A Scale 3 realtime weighing kept while not final, dropped once final. */
static void keep_realtime(struct hv_session *s, const uint8_t *plain,
			  size_t n)
{
	struct hv_hagrid_weight w;
	struct hagrid_state st;

	state_load(s, &st);
	st.realtime_len = 0;
	if (hv_hagrid_parse_realtime(plain, n, &w) == 0 && w.weight_kg > 0 &&
	    w.has_time && w.fat_percent <= 0 && w.heart_rate == 0) {
		memcpy(st.realtime, plain, n);
		st.realtime_len = (uint8_t)n;
	}
	state_save(s, &st);
}

/* Status 0 in one frame (plain or sealed) or one bare byte. */
static bool status_ready(const struct hv_session *s, const uint8_t *v,
			 size_t len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hv_hagrid_reassembly rx = { 0 };
	size_t n, plain_len;
	bool enc;

	if (len == 1)
		return v[0] == 0x00;
	return hv_hagrid_reassemble(&rx, v, len, msg, sizeof(msg), &n, &enc) ==
		       1 &&
	       open_message(s, msg, n, enc, plain, &plain_len) == 0 &&
	       plain_len > 0 && plain[0] == 0x00;
}

/*
 * The status says the weighing is over (openScale publishes the Scale 3's
 * cached realtime value then, handleMeasurementStatusPayload): the kept
 * realtime weighing goes on as the record of that weighing, in its
 * history form (the realtime bytes and a flag byte), which is final.
 */
static int realtime_on_ready(struct hv_session *s, struct hv_uuid *chr,
			     const uint8_t *v, size_t len, uint8_t *out,
			     size_t size, size_t *ret_len)
{
	uint8_t record[REALTIME_HIGH_LEN + 1];
	struct hagrid_state st;
	size_t n;
	int r;

	state_load(s, &st);
	if (st.realtime_len == 0 || !status_ready(s, v, len))
		return 0;
	n = st.realtime_len;
	memcpy(record, st.realtime, n);
	record[n++] = 0x00; /* not suspected */
	r = hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, record, n, out,
				   size, ret_len);
	if (r < 0)
		return r;
	st.realtime_len = 0;
	state_save(s, &st);
	r = hv_uuid_parse(HV_HAGRID_HISTORY, chr);
	return r < 0 ? r : 1;
}

static int assemble(struct hv_session *s, struct hv_uuid *chr,
		    const uint8_t *v, size_t len, uint8_t *out, size_t size,
		    size_t *ret_len)
{
	uint8_t msg[HV_HAGRID_MESSAGE_MAX], plain[HV_HAGRID_MESSAGE_MAX];
	struct hagrid_state st;
	size_t n, plain_len;
	bool enc;
	int r;

	if (is_uuid(chr, CHR_STATUS_RESULT)) {
		r = realtime_on_ready(s, chr, v, len, out, size, ret_len);
		if (r != 0)
			return r;
		goto as_is;
	}
	if (!is_uuid(chr, HV_HAGRID_REALTIME) && !is_uuid(chr, HV_HAGRID_HISTORY))
		goto as_is;
	state_load(s, &st);
	r = hv_hagrid_reassemble(&st.weighing_rx, v, len, msg, sizeof(msg), &n,
				 &enc);
	state_save(s, &st);
	if (r == -EBADMSG)
		goto as_is; /* decode() says what it is */
	if (r <= 0 || n == 0)
		return r < 0 ? r : 0; /* an empty message: no weighing */
	if (is_uuid(chr, HV_HAGRID_REALTIME) && !is_scale_3(s->name))
		return 0;
	r = open_message(s, msg, n, enc, plain, &plain_len);
	if (r < 0)
		return r == -EINVAL ? -EBADMSG : r; /* shorter than its IV */
	if (is_uuid(chr, HV_HAGRID_REALTIME))
		keep_realtime(s, plain, plain_len);
	r = hv_hagrid_build_frames(HV_HAGRID_NOTIFY_PLAIN, plain, plain_len,
				   out, size, ret_len);
	return r < 0 ? r : 1;

as_is:
	if (len > size)
		return -ENOSPC;
	memcpy(out, v, len);
	*ret_len = len;
	return 1;
}

/*
 * Step indices: the realtime flow starts at ST_START_WEIGHING, the status
 * polls follow (two steps each), then the history read, ending at ST_DONE
 * (test_huawei_hagrid_conversation checks them).
 */
enum {
	ST_START_WEIGHING = 30,
	ST_POLLS = ST_START_WEIGHING + 1,
	ST_HISTORY = ST_POLLS + 2 * STATUS_POLLS_MAX,
	ST_DONE = ST_HISTORY + 4,
};

#define SUBSCRIBE(svc, chr, flags_, what_)                                     \
	{ .op = HV_STEP_SUBSCRIBE, .service = svc, .characteristic = chr,     \
	  .flags = flags_, .what = what_ }
#define WRITE(svc, chr, pl, flags_, what_)                                     \
	{ .op = HV_STEP_WRITE, .service = svc, .characteristic = chr,         \
	  .payload = pl, .flags = flags_, .what = what_ }

/*
 * Status poll n (1..STATUS_POLLS_MAX): an empty plain frame written with
 * response on the poll characteristic (sendMeasurementStatusPoll), then
 * the poll interval for an answer on the result characteristic. A poll
 * whose write fails goes to fail_to (0: on to its wait, as openScale's
 * loop polls on); an unanswered or "still measuring" poll goes to the
 * next, and after the last to the history read.
 */
#define POLL(n, fail_to)                                                       \
	{ .op = HV_STEP_WRITE, .service = SVC_CURRENT_TIME,                    \
	  .characteristic = CHR_STATUS_POLL, .payload = pl_empty,              \
	  .flags = HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,                   \
	  .on_fail = fail_to,                                                  \
	  .what = "poll the measurement status (" #n "/30)" },                  \
	{ .op = HV_STEP_WAIT, .service = SVC_CURRENT_TIME,                     \
	  .characteristic = CHR_STATUS_RESULT, .on_value = on_status,          \
	  .timeout_ms = STATUS_POLL_INTERVAL_MS, .flags = HV_STEP_OPTIONAL,    \
	  .what = "wait for the measurement status (" #n "/30)" }

static const struct hv_step steps[] = {
	SUBSCRIBE(SVC_USER_DATA, CHR_REQUEST_AUTH, 0,
		  "subscribe to the authentication requests"),
	SUBSCRIBE(SVC_USER_DATA, CHR_AUTH_TOKEN, 0,
		  "subscribe to the authentication tokens"),
	SUBSCRIBE(SVC_USER_DATA, CHR_SEND_WORK_KEY, 0,
		  "subscribe to the work-key answers"),
	SUBSCRIBE(SVC_USER_DATA, CHR_SET_USER_INFO, HV_STEP_OPTIONAL,
		  "subscribe to the user-information answers"),
	SUBSCRIBE(SVC_USER_DATA, CHR_GET_MANAGER_INFO, HV_STEP_OPTIONAL,
		  "subscribe to the manager info"),
	SUBSCRIBE(SVC_BODY_COMPOSITION, HV_HAGRID_REALTIME, 0,
		  "subscribe to the realtime weighings"),
	SUBSCRIBE(SVC_BODY_COMPOSITION, HV_HAGRID_HISTORY, HV_STEP_OPTIONAL,
		  "subscribe to the history records"),
	/* openScale subscribes to both status characteristics when present */
	SUBSCRIBE(SVC_CURRENT_TIME, CHR_STATUS_POLL, HV_STEP_OPTIONAL,
		  "subscribe to the measurement-status polls"),
	SUBSCRIBE(SVC_CURRENT_TIME, CHR_STATUS_RESULT, HV_STEP_OPTIONAL,
		  "subscribe to the measurement status"),
	WRITE(SVC_USER_DATA, CHR_REQUEST_AUTH, pl_empty, 0,
	      "ask for authentication"),
	{ .op = HV_STEP_WAIT, .service = SVC_USER_DATA,
	  .characteristic = CHR_REQUEST_AUTH, .on_value = on_challenge,
	  .what = "wait for the challenge (randA)" },
	WRITE(SVC_USER_DATA, CHR_AUTH_TOKEN, pl_token0, 0, "token frame 1/4"),
	WRITE(SVC_USER_DATA, CHR_AUTH_TOKEN, pl_token1, 0, "token frame 2/4"),
	WRITE(SVC_USER_DATA, CHR_AUTH_TOKEN, pl_token2, 0, "token frame 3/4"),
	WRITE(SVC_USER_DATA, CHR_AUTH_TOKEN, pl_token3, 0, "token frame 4/4"),
	{ .op = HV_STEP_WAIT, .service = SVC_USER_DATA,
	  .characteristic = CHR_AUTH_TOKEN, .on_value = on_scale_token,
	  .what = "check the scale's token" },
	WRITE(SVC_USER_DATA, CHR_SEND_WORK_KEY, pl_work_key0, 0,
	      "work key frame 1/3"),
	WRITE(SVC_USER_DATA, CHR_SEND_WORK_KEY, pl_work_key1, 0,
	      "work key frame 2/3"),
	WRITE(SVC_USER_DATA, CHR_SEND_WORK_KEY, pl_work_key2, 0,
	      "work key frame 3/3"),
	{ .op = HV_STEP_WAIT, .service = SVC_USER_DATA,
	  .characteristic = CHR_SEND_WORK_KEY, .on_value = on_work_key_ack,
	  .what = "wait for the work key's acceptance" },
	WRITE(SVC_CURRENT_TIME, CHR_CURRENT_TIME, pl_clock, HV_STEP_OPTIONAL,
	      "set the clock"),
	/* openScale reads the manager info before the user information and
	 * waits 2.5 s for it (MANAGER_INFO_TIMEOUT_MS) */
	WRITE(SVC_USER_DATA, CHR_GET_MANAGER_INFO, pl_empty,
	      HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL, "ask for the manager info"),
	{ .op = HV_STEP_WAIT, .service = SVC_USER_DATA,
	  .characteristic = CHR_GET_MANAGER_INFO, .on_value = on_manager_info,
	  .timeout_ms = 2500, .flags = HV_STEP_OPTIONAL,
	  .what = "wait for the manager info" },
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user0, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 1/6"),
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user1, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 2/6"),
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user2, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 3/6"),
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user3, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 4/6"),
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user4, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 5/6"),
	WRITE(SVC_USER_DATA, CHR_SET_USER_INFO, pl_user5, HV_STEP_WITH_RESPONSE | HV_STEP_OPTIONAL,
	      "user frame 6/6"),
	{ .op = HV_STEP_WAIT, .service = SVC_USER_DATA,
	  .characteristic = CHR_SET_USER_INFO, .on_value = on_user_ack,
	  .timeout_ms = 3000, .flags = HV_STEP_OPTIONAL,
	  .what = "wait for the user information's answer" },
	WRITE(SVC_BODY_COMPOSITION, HV_HAGRID_REALTIME, pl_empty,
	      HV_STEP_WITH_RESPONSE, "start the realtime weighing"),
	/* 31.. the status polls; without the poll characteristic the first
	 * fails and the history is read at once (startMeasurementStatusPolling) */
	POLL(1, ST_HISTORY), POLL(2, 0), POLL(3, 0), POLL(4, 0), POLL(5, 0),
	POLL(6, 0), POLL(7, 0), POLL(8, 0), POLL(9, 0), POLL(10, 0),
	POLL(11, 0), POLL(12, 0), POLL(13, 0), POLL(14, 0), POLL(15, 0),
	POLL(16, 0), POLL(17, 0), POLL(18, 0), POLL(19, 0), POLL(20, 0),
	POLL(21, 0), POLL(22, 0), POLL(23, 0), POLL(24, 0), POLL(25, 0),
	POLL(26, 0), POLL(27, 0), POLL(28, 0), POLL(29, 0), POLL(30, 0),
	/* ST_HISTORY: status 0, or the last poll gone unanswered
	 * (sendPostMeasurementReads) */
	{ .op = HV_STEP_WRITE, .service = SVC_BODY_COMPOSITION,
	  .characteristic = HV_HAGRID_HISTORY, .payload = pl_empty,
	  .flags = HV_STEP_WITH_RESPONSE, .on_fail = ST_DONE,
	  .what = "read the history" },
	{ .op = HV_STEP_WAIT, .service = SVC_BODY_COMPOSITION,
	  .characteristic = HV_HAGRID_HISTORY, .on_value = on_history,
	  .timeout_ms = 5000, .on_fail = ST_DONE,
	  .what = "wait for a history record" },
	{ .op = HV_STEP_WRITE, .service = SVC_BODY_COMPOSITION,
	  .characteristic = HV_HAGRID_HISTORY, .payload = pl_history_next,
	  .flags = HV_STEP_WITH_RESPONSE, .on_fail = ST_DONE,
	  .what = "ask for the next history record" },
	{ .op = HV_STEP_WAIT, .service = SVC_BODY_COMPOSITION,
	  .characteristic = HV_HAGRID_HISTORY, .on_value = on_history,
	  .timeout_ms = 5000, .on_fail = ST_DONE,
	  .what = "wait for the next history record" },
	{ .op = HV_STEP_END, .what = "done" },
};

static int step_index(const char *what)
{
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(steps[i].what, what) == 0)
			return (int)i;
	return -1;
}

static int history_next_step(void)
{
	return step_index("ask for the next history record");
}

static int history_end_step(void)
{
	return ST_DONE;
}

static int history_read_step(void)
{
	return ST_HISTORY;
}

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_DONE + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
	.assemble = assemble,
};

static const char *const models[] = { "HUAWEI Scale 2 Pro", "HUAWEI Scale 3",
				      "HUAWEI Scale 3 Pro", "HONOR Scale 2",
				      NULL };
static const char *const characteristics128[] = { HV_HAGRID_REALTIME,
						  HV_HAGRID_HISTORY, NULL };

const struct hv_driver huawei_hagrid_driver = {
	.id = "huawei_hagrid",
	.name = "Huawei / Honor \"Hagrid\" WSP scales",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics128 = characteristics128,
	},
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
