// SPDX-License-Identifier: MIT
/*
 * Xiaomi Body Composition Scale S400 (MJTZC01YM, MJTZC03YM), Smart Scale
 * S200 (MJTZC02YM) and Mijia Body Fat Scale S800: encrypted MiBeacon v4/v5
 * adverts, service data 0xFE95. Sources: xiaomi-ble
 * (Bluetooth-Devices/xiaomi-ble@509f516e46dfd21172a70c7e66955ecf3f0923e6,
 * src/xiaomi_ble/parser.py _parse_xiaomi, _decrypt_mibeacon_v4_v5, obj6e16,
 * obj4e16; src/xiaomi_ble/devices.py for the product ids) and, for the S800,
 * ble-scale-sync (KristianP26/ble-scale-sync@3cce009047e847c14f28cd5c92ef7b40f955496d,
 * src/scales/xiaomi-s800.ts).
 *
 *   FC FC PI PI CN [MAC×6] [CAP [IO]] payload… EX EX EX T T T T
 *
 *   FC  frame control, u16 LE: bit 3 encrypted, bit 4 MAC included, bit 5
 *       capability byte, bit 6 object included, bit 7 mesh, bits 12-15
 *       version (4 and 5: AES-CCM; below: a legacy scheme we do not read)
 *   PI  product id, u16 LE (table below)
 *   CN  frame counter; EX the extended counter (24 bits, LE)
 *   MAC the device address reversed (as in the nonce)
 *   T   the CCM tag (4 bytes)
 *
 * Encryption: AES-128-CCM (drivers/aes128.c), key = the device's bind key,
 * nonce = address reversed (6) + PI PI CN (3) + EX EX EX (3), associated
 * data the one byte 0x11, tag 4 bytes. The plaintext is objects
 * `type u16 LE, length u8, value`:
 *
 *   0x6E16, 9 bytes (S400): profile u8, packed u32 LE, weigh-in u32 LE
 *       packed: bits 0-10 mass (0.1 kg), 11-17 heart rate (+50 /min;
 *       0 and 127 = none), 18-31 impedance (0.1 Ohm)
 *       A barefoot weigh-in sends mass + heart rate + 50 kHz impedance,
 *       then mass 0, heart rate 0 and the 250 kHz impedance, both with the
 *       same weigh-in u32 (a Unix time in every published frame); with
 *       socks only the first, without impedance; all zero: stepped off.
 *       Which packet is which frequency: xiaomi-ble's reading, and the
 *       physics agrees (the published pair has 543.2 Ohm, then 497.6 Ohm:
 *       impedance falls as frequency rises); openScale's S400Decryptor
 *       (oliexdev/openScale@f7a733b2) names them the other way round.
 *   0x4E16, 9 bytes (S200): profile u8, weight u32 LE (0.01 kg), weigh-in
 *       u32 LE; (S800): weight u16 LE (0.01 kg) in the last two bytes.
 *
 * The S400's first packet is final with more_packets set (the 250 kHz one
 * follows); joining the two is the gateway's (daemon/ingest/mibeacon.c,
 * which also drops replayed frame counters: hv_xiaomi_s400_info()). The
 * profile id is the user index (a slot linked to a person, docs/people.md).
 * No body composition is derived: the vendor's two-frequency model is not
 * public.
 */
#include <errno.h>
#include <string.h>

#include "drivers/aes128.h"
#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/xiaomi_s400.h"

#define FC_ENCRYPTED (1u << 3)
#define FC_MAC (1u << 4)
#define FC_CAPABILITY (1u << 5)
#define FC_OBJECT (1u << 6)
#define FC_MESH (1u << 7)
#define FC_REGISTERED (1u << 8)
#define CAP_IO (1u << 5)

#define OBJ_S400 0x6E16
#define OBJ_WEIGHT 0x4E16
#define S800_WEIGHT_MIN_10G 1000
#define S800_WEIGHT_MAX_10G 25000
#define OBJ_LEN 9
#define TAG_LEN 4
#define EXT_LEN 3
#define NONCE_LEN 12

#define HR_NONE 127

/* The associated data of every frame. */
static const uint8_t aad[1] = { 0x11 };

enum family {
	FAMILY_S400,
	FAMILY_S200,
	FAMILY_S800,
};

static const struct {
	uint16_t pid;
	enum family family;
} products[] = {
	{ 0x30D9, FAMILY_S400 }, { 0x3BD5, FAMILY_S400 },
	{ 0x48CF, FAMILY_S400 }, { 0x4B05, FAMILY_S400 }, /* MJTZC03YM */
	{ 0x45C9, FAMILY_S200 }, { 0x4C04, FAMILY_S200 },
	{ 0x4DCB, FAMILY_S200 }, { HV_S800_PID, FAMILY_S800 },
};

static int family_of(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(products) / sizeof(products[0]); i++)
		if (products[i].pid == pid)
			return (int)products[i].family;
	return -ENODEV;
}

/* A frame's parts, from its header. */
struct beacon {
	uint16_t fc, pid;
	enum family family;
	const uint8_t *data;
	size_t len;
	const uint8_t *mac; /* reversed, from the frame; NULL: not in it */
	size_t payload; /* offset of the (encrypted) objects */
};

static int parse_header(const struct hv_frame *frame, struct beacon *ret)
{
	const struct hv_service_data *sd;
	struct beacon b = { 0 };
	int family;

	sd = hv_frame_service_data(frame, HV_MIBEACON_UUID);
	if (!sd || frame->has_characteristic || sd->len < 5)
		return -ENODEV;
	b.data = sd->data;
	b.len = sd->len;
	b.fc = hv_le16(b.data);
	b.pid = hv_le16(b.data + 2);
	family = family_of(b.pid);
	if (family < 0 || (b.fc & FC_MESH))
		return -ENODEV;
	b.family = (enum family)family;
	b.payload = 5;
	if (b.fc & FC_MAC) {
		if (b.len < b.payload + 6)
			return -EBADMSG;
		b.mac = b.data + b.payload;
		b.payload += 6;
	}
	if (b.fc & FC_CAPABILITY) {
		if (b.len < b.payload + 1)
			return -EBADMSG;
		b.payload += (b.data[b.payload] & CAP_IO) ? 2 : 1;
		if (b.len < b.payload)
			return -EBADMSG;
	}
	*ret = b;
	return 0;
}

/* "AA:BB:CC:DD:EE:FF" into the reversed byte order of the nonce. */
static bool address_reversed(const char *s, uint8_t ret[6])
{
	uint8_t a[6];

	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hv_hex_digit(s[3 * i]), lo = hv_hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		a[i] = (uint8_t)(hi << 4 | lo);
	}
	for (int i = 0; i < 6; i++)
		ret[i] = a[5 - i];
	return true;
}

static void nonce_of(const uint8_t mac[6], const uint8_t *pid_cn,
		     const uint8_t *ext, uint8_t ret[NONCE_LEN])
{
	memcpy(ret, mac, 6);
	memcpy(ret + 6, pid_cn, 3);
	memcpy(ret + 9, ext, EXT_LEN);
}

/*
 * The plaintext objects of a frame with an object: decrypted and
 * authenticated when encrypted. Errors name the device, as the gateway
 * counts them per driver.
 */
static int open_objects(const struct hv_frame *frame, const struct beacon *b,
			uint8_t plain[HV_FRAME_DATA_MAX], size_t *ret_len,
			uint32_t *ret_counter, struct hv_measurement *m)
{
	const char *who = frame->address ? frame->address : "a device";
	const uint8_t *ext, *tag;
	uint8_t mac[6], nonce[NONCE_LEN];
	size_t n;
	int r;

	if (!(b->fc & FC_ENCRYPTED)) {
		/* The scales encrypt every measurement: a plain one for a
		 * device whose key we hold can only be forged. */
		if (frame->key)
			return hv_measurement_invalid(
				m, "unencrypted measurement from %s, which has a bind key",
				who);
		n = b->len - b->payload;
		memcpy(plain, b->data + b->payload, n);
		*ret_len = n;
		*ret_counter = b->data[4];
		return 0;
	}
	if ((b->fc >> 12) < 4)
		return hv_measurement_invalid(
			m, "MiBeacon v%u encryption is not supported (%s)",
			b->fc >> 12, who);
	if (b->len < b->payload + EXT_LEN + TAG_LEN)
		return hv_measurement_invalid(m, "encrypted frame of %zu bytes",
					      b->len);
	if (!frame->key)
		return hv_measurement_invalid(m, "no bind key for %s", who);
	if (b->mac)
		memcpy(mac, b->mac, 6);
	else if (!address_reversed(frame->address, mac))
		return hv_measurement_invalid(
			m, "no device address to authenticate the frame with");
	n = b->len - b->payload - EXT_LEN - TAG_LEN;
	ext = b->data + b->len - TAG_LEN - EXT_LEN;
	tag = b->data + b->len - TAG_LEN;
	nonce_of(mac, b->data + 2, ext, nonce);
	r = hv_ccm_decrypt(frame->key, nonce, NONCE_LEN, aad, 1,
			   b->data + b->payload, n, tag, TAG_LEN, plain);
	if (r < 0)
		return hv_measurement_invalid(
			m, "authentication failed for %s (wrong bind key, or a forged frame)",
			who);
	*ret_len = n;
	*ret_counter = (uint32_t)b->data[4] | hv_le24(ext) << 8;
	return 0;
}

/* The family's measurement object in the plaintext, or NULL. */
static const uint8_t *find_object(const struct beacon *b, const uint8_t *p,
				  size_t n)
{
	uint16_t want = b->family == FAMILY_S400 ? OBJ_S400 : OBJ_WEIGHT;

	for (size_t i = 0; i + 3 <= n; i += 3 + p[i + 2]) {
		if (i + 3 + p[i + 2] > n)
			break;
		if (hv_le16(p + i) == want && p[i + 2] == OBJ_LEN)
			return p + i + 3;
	}
	return NULL;
}

static int decode_s400(const uint8_t *v, struct hv_measurement *ret)
{
	uint32_t packed = hv_le32(v + 1);
	unsigned mass = packed & 0x7FF, hr = (packed >> 11) & 0x7F,
		 z = packed >> 18;
	int r = 0;

	ret->user_index = v[0];
	if (!mass && !hr && !z) {
		ret->has_load_removed = ret->load_removed = true;
		return 0;
	}
	if (!mass) {
		if (hr && hr != HR_NONE)
			return hv_measurement_invalid(
				ret, "heart rate without a weight (packed 0x%08x)",
				(unsigned)packed);
		/* The second packet: the 250 kHz impedance alone. */
		ret->final = true;
		return hv_measurement_add(ret, HV_METRIC_IMPEDANCE_250KHZ,
					  z / 10.0);
	}
	ret->final = true;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, mass / 10.0);
	if (r >= 0 && hr && hr != HR_NONE)
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, hr + 50);
	if (r >= 0 && z) {
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z / 10.0);
		/* The 250 kHz packet follows (gateway joins them). */
		ret->more_packets = true;
	}
	return r < 0 ? r : 0;
}

static int decode_weight(const struct beacon *b, const uint8_t *v,
			 struct hv_measurement *ret)
{
	uint32_t raw = b->family == FAMILY_S800 ? hv_le16(v + 7) : hv_le32(v + 1);

	if (b->family == FAMILY_S200)
		ret->user_index = v[0];
	if (!raw) {
		ret->has_load_removed = ret->load_removed = true;
		return 0;
	}
	/* The S800's u16 holds other values between weigh-ins; only 10 to
	 * 250 kg is a weight (ble-scale-sync@3cce009
	 * src/scales/xiaomi-s800.ts, WEIGHT_MIN and WEIGHT_MAX). */
	if (b->family == FAMILY_S800 &&
	    (raw < S800_WEIGHT_MIN_10G || raw > S800_WEIGHT_MAX_10G))
		return 0;
	ret->final = true;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, raw / 100.0);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	uint8_t plain[HV_FRAME_DATA_MAX];
	const uint8_t *v;
	struct beacon b;
	uint32_t counter;
	size_t n;
	int r;

	r = parse_header(frame, &b);
	if (r == -ENODEV)
		return r;
	if (r < 0)
		return hv_measurement_invalid(ret, "MiBeacon header cut short");
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	/* An idle advert (no object) needs no key: claimed, no reading. */
	if (!(b.fc & FC_OBJECT))
		return 0;
	r = open_objects(frame, &b, plain, &n, &counter, ret);
	if (r < 0)
		return r;
	v = find_object(&b, plain, n);
	if (!v)
		return 0;
	if (b.family == FAMILY_S400)
		return decode_s400(v, ret);
	return decode_weight(&b, v, ret);
}

int hv_xiaomi_s400_info(const struct hv_frame *frame,
			struct hv_mibeacon_info *ret)
{
	uint8_t plain[HV_FRAME_DATA_MAX];
	struct hv_measurement scratch;
	const uint8_t *v;
	struct beacon b;
	uint32_t counter;
	size_t n;

	if (parse_header(frame, &b) < 0 || !(b.fc & FC_OBJECT))
		return -ENODEV;
	hv_measurement_init(&scratch, NULL);
	if (open_objects(frame, &b, plain, &n, &counter, &scratch) < 0)
		return -EBADMSG;
	v = find_object(&b, plain, n);
	if (!v)
		return -ENODEV;
	*ret = (struct hv_mibeacon_info){
		.product_id = b.pid,
		.counter = counter,
		.has_weighin = b.family != FAMILY_S800,
		.weighin = b.family != FAMILY_S800 ? hv_le32(v + 5) : 0,
	};
	return 0;
}

/* --- encoder ------------------------------------------------------------ */

static bool raw_of(const struct hv_reading *r, double scale, double max,
		   uint32_t *ret)
{
	double v;

	if (!r)
		return (*ret = 0), true;
	if (r->absent != HV_ABSENT_NONE)
		return false;
	v = r->value * scale + 0.5;
	if (!(v >= 1 && v < max + 1))
		return false;
	*ret = (uint32_t)v;
	return true;
}

static int object_s400(const struct hv_measurement *m, uint8_t v[OBJ_LEN])
{
	uint32_t mass, hr, z, z250;

	if (!raw_of(hv_measurement_find(m, HV_METRIC_BODY_WEIGHT), 10, 0x7FF,
		    &mass) ||
	    !raw_of(hv_measurement_find(m, HV_METRIC_HEART_RATE), 1, 176, &hr) ||
	    !raw_of(hv_measurement_find(m, HV_METRIC_IMPEDANCE), 10, 0x3FFF,
		    &z) ||
	    !raw_of(hv_measurement_find(m, HV_METRIC_IMPEDANCE_250KHZ), 10,
		    0x3FFF, &z250))
		return -EINVAL;
	if (hr && (hr <= 50 || hr - 50 >= HR_NONE))
		return -EINVAL;
	if (mass) {
		if (z250)
			return -EINVAL; /* a packet of its own */
		hv_put_le32(v + 1, mass | (hr ? hr - 50 : 0) << 11 | z << 18);
	} else if (z250) {
		if (hr || z)
			return -EINVAL;
		hv_put_le32(v + 1, z250 << 18);
	} else if (m->n_readings || !m->load_removed)
		return -EINVAL;
	return 0;
}

static int object_weight(enum family family, const struct hv_measurement *m,
			 uint8_t v[OBJ_LEN])
{
	uint32_t w;

	if (m->n_readings > 1 ||
	    !raw_of(hv_measurement_find(m, HV_METRIC_BODY_WEIGHT), 100,
		    family == FAMILY_S800 ? 0xFFFF : 0xFFFFFF, &w) ||
	    (!w && !m->load_removed))
		return -EINVAL;
	if (family == FAMILY_S800)
		hv_put_le16(v + 7, (uint16_t)w);
	else
		hv_put_le32(v + 1, w);
	return 0;
}

int hv_xiaomi_s400_encode(const struct hv_measurement *m,
			  const struct hv_mibeacon_seal *seal,
			  struct hv_frame *ret)
{
	uint8_t plain[3 + OBJ_LEN] = { 0 }, mac[6], nonce[NONCE_LEN], *p;
	struct hv_service_data *sd;
	uint16_t fc = 5u << 12 | FC_REGISTERED | FC_OBJECT | FC_ENCRYPTED;
	int family, r;
	size_t n = 0;

	if (!m || !seal || !seal->key || !address_reversed(seal->address, mac))
		return -EINVAL;
	family = family_of(seal->product_id);
	if (family < 0 || m->user_index > 255)
		return -EINVAL;
	hv_put_le16(plain, family == FAMILY_S400 ? OBJ_S400 : OBJ_WEIGHT);
	plain[2] = OBJ_LEN;
	if (family != FAMILY_S800)
		plain[3] = (uint8_t)(m->user_index < 0 ? 1 : m->user_index);
	if (family != FAMILY_S800)
		hv_put_le32(plain + 3 + 5, seal->weighin);
	r = family == FAMILY_S400 ? object_s400(m, plain + 3) :
				    object_weight((enum family)family, m, plain + 3);
	if (r < 0)
		return r;

	if (seal->mac_included)
		fc |= FC_MAC;
	*ret = (struct hv_frame){ .n_service_data = 1 };
	sd = &ret->service_data[0];
	sd->uuid = hv_uuid16(HV_MIBEACON_UUID);
	p = sd->data;
	hv_put_le16(p, fc);
	hv_put_le16(p + 2, seal->product_id);
	p[4] = (uint8_t)seal->counter;
	n = 5;
	if (seal->mac_included) {
		memcpy(p + n, mac, 6);
		n += 6;
	}
	/* extended counter, after the ciphertext */
	p[n + sizeof(plain)] = (uint8_t)(seal->counter >> 8);
	p[n + sizeof(plain) + 1] = (uint8_t)(seal->counter >> 16);
	p[n + sizeof(plain) + 2] = (uint8_t)(seal->counter >> 24);
	nonce_of(mac, p + 2, p + n + sizeof(plain), nonce);
	r = hv_ccm_encrypt(seal->key, nonce, NONCE_LEN, aad, 1,
			   plain, sizeof(plain), p + n,
			   p + n + sizeof(plain) + EXT_LEN, TAG_LEN);
	if (r < 0)
		return r;
	sd->len = n + sizeof(plain) + EXT_LEN + TAG_LEN;
	return 0;
}

static const char *const models[] = {
	"Xiaomi Body Composition Scale S400 (MJTZC01YM)",
	"Xiaomi Body Composition Scale S400 (MJTZC03YM)",
	"Xiaomi Smart Scale S200 (MJTZC02YM)",
	"Xiaomi Mijia Body Fat Scale S800",
	NULL,
};

static const uint16_t service_data[] = { HV_MIBEACON_UUID, 0 };

const struct hv_driver xiaomi_s400_driver = {
	.id = "xiaomi_s400",
	.name = "Xiaomi S400/S200/S800 scales (encrypted MiBeacon adverts)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.service_data = service_data,
	},
	.decode = decode,
};
