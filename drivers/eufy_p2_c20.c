// SPDX-License-Identifier: MIT
/*
 * Eufy Smart Scale C20 (T9130; the P3, T9150, advertises the same) and
 * Eufy Smart Scale P2 (T9148) / P2 Pro (T9149).
 *
 * These are not 1byone protocol variants in the sense of drivers/eufy_1byone.c
 * (C1, P1, A1 on 0xFFF4, no handshake): the C20 only advertises, and the P2
 * streams on 0xFFF2 only after an AES handshake on 0xFFF1/0xFFF4. The P2's
 * 0xFFF2 frame does wrap a 1byone-like CF record (CF at [3], impedance and
 * weight behind it), but its header, checksum, characteristic and names
 * are its own, so the families are kept apart: neither driver decodes the
 * other's characteristic, and their names (T9130/T9150, T9148/T9149 here;
 * T9146/T9147/T9120 there) do not overlap.
 *
 * Sources: bdr99/eufylife-ble-client eufylife_ble_client/client.py at
 * commit 58459f082d98267da4d5c54a7c51a1d92036ab5e (the library of Home
 * Assistant's eufylife_ble integration); KristianP26/ble-scale-sync
 * src/scales/eufy-p2.ts and tests/scales/eufy-p2.test.ts at commit
 * 3cce009047e847c14f28cd5c92ef7b40f955496d (frames of real P2 Pro scales
 * from its issue #289); openScale EufyC20Handler.kt, EufyP2Handler.kt and
 * libs/EufyP2Lib.kt (oliexdev/openScale@f7a733b2).
 *
 * C20 advert, manufacturer data (openScale: company 48228 = 0xBC64; the
 * library takes any manufacturer data of a device named "eufy T9130" or
 * "eufy T9150"), payload after the company ID, 18+ bytes:
 *
 *   [10]      flags: bit0 weight, bit2 final (the library: 0x01 live,
 *             0x05 final), bit6 impedance, bit7 heart rate (openScale)
 *   [12..13]  weight u16 LE, 0.01 kg
 *   [15]      heart rate, /min (bit7; 16+ bytes)
 *   [17..18]  impedance u16 LE, 0.1 Ohm (bit6; 19+ bytes)
 *
 *   A frame with bit0 and bit2 is final. openScale merges impedance and
 *   heart rate from several adverts; here each advert stands alone.
 *
 * P2 advert, manufacturer data of company 0xFF48, payload 19 bytes:
 *
 *   [0..5]   the scale's address; [6] CF; [7] heart rate, valid when
 *   [8] >> 6 == 3; [9..10] weight u16 LE, 0.01 kg; [15] 0 = final
 *
 *   (no impedance in the advert: ble-scale-sync found none in its samples)
 *
 * P2 GATT, service 0xFFF0: 0xFFF2 notify (weight), 0xFFF4 notify (auth
 * C1/C3), 0xFFF1 write (auth C0/C2). A 16-byte 0xFFF2 frame:
 *
 *   CF 0E 00 CF ZZ ZZ WW WW ?? ?? ?? ?? FF ?? ?? XX
 *      Z   impedance u16 LE, 0.1 Ohm, 0 when the scale ran no BIA
 *          (ble-scale-sync #289: [4..5], not openScale's [8..10], which
 *          orders two people's impedance the wrong way round)
 *      W   weight u16 LE, 0.01 kg
 *      FF  [12] 0 = final
 *      XX  XOR of [2..14]; [1] the length of the rest (14)
 *
 *   As ble-scale-sync does, a frame that fails its length byte or XOR
 *   keeps its weight but gives no impedance (a corrupted resistance would
 *   rewrite the whole body composition), and an impedance outside
 *   200–1000 Ohm is dropped; a weight outside 2–200 kg is no weighing.
 *
 * The P2 sends 0xFFF2 frames only after the C0/C1/C2/C3 handshake
 * (drivers/eufy_p2_auth.h: key MD5 of the address, AES-128-CBC, base64,
 * segments with an XOR), which the conversation runs:
 *
 *   write C0 segments 0, 1 (0xFFF1)  the client's 15 characters, sealed
 *   0xFFF4 C1 segments               the scale's text, sealed
 *   write C2 segments 0, 1, 2        "<client>_<scale>", sealed
 *   0xFFF4 C3 01 00 01 SS XX         SS 0: accepted
 *   0xFFF2 weight frames             until a final one with a weight
 *
 * The sources pause 1 s between the C0 writes (eufylife-ble-client) and
 * between the C2 writes (ble-scale-sync: shorter pauses made some T9149
 * drop the link): the conversation waits 1 s on 0xFFF4 there. The
 * client's text is not random (a driver is pure) but MD5 of the key and
 * the session's clock: one per session. The scale's text is kept in
 * session.scratch; one cipher block of it (up to 15 characters, as the
 * sources' tests have) fits, so a C1 longer than 24 base64 characters
 * fails the handshake rather than being cut. With it, C0 is always two
 * segments and C2 always three.
 *
 * Body composition: method "standard_impedance" where there is an
 * impedance (openScale uses its Mi Scale library for the C20).
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/eufy_p2_auth.h"
#include "drivers/vendor_util.h"

#define C20_COMPANY 0xBC64
#define C20_MIN_LEN 18
#define C20_FLAGS_AT 10
#define C20_WEIGHT_AT 12
#define C20_HR_AT 15
#define C20_IMPEDANCE_AT 17
#define C20_ENCODED_LEN 19
#define C20_HAS_WEIGHT 0x01
#define C20_FINAL 0x04
#define C20_HAS_IMPEDANCE 0x40
#define C20_HAS_HR 0x80

#define P2_COMPANY 0xFF48
#define P2_ADVERT_LEN 19
#define P2_AD_SIGNATURE_AT 6
#define P2_AD_HR_AT 7
#define P2_AD_FLAGS_AT 8
#define P2_AD_WEIGHT_AT 9
#define P2_AD_FINAL_AT 15

#define P2_DATA 0xFFF2
#define P2_AUTH 0xFFF4
#define P2_DATA_LEN 16
#define P2_IMPEDANCE_AT 4
#define P2_WEIGHT_AT 6
#define P2_FINAL_AT 12
#define P2_XOR_AT 15

#define P2_MIN_KG 2.0
#define P2_MAX_KG 200.0
#define P2_MIN_OHM 200.0 /* exclusive, as ble-scale-sync */
#define P2_MAX_OHM 1000.0

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

/* Weight, then impedance and heart rate when given (0: none). */
static int weighing(const struct hv_frame *frame, double kg, double ohm,
		    unsigned bpm, bool final, struct hv_measurement *ret)
{
	int r;

	ret->final = final;
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r >= 0 && ohm > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, hv_round_to(ohm, 1));
	if (r >= 0 && bpm > 0)
		r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, bpm);
	if (r >= 0 && final && ohm > 0)
		r = hv_decode_derive(ret, kg, ohm, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

/* The 0.01 kg weight of a measurement, or -EINVAL. */
static int centi_kg(const struct hv_measurement *m, uint16_t *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	double raw;

	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw > UINT16_MAX)
		return -EINVAL;
	*ret = (uint16_t)raw;
	return 0;
}

static double reading_or_zero(const struct hv_measurement *m,
			      enum hv_metric metric)
{
	const struct hv_reading *r = hv_measurement_find(m, metric);

	return r && r->absent == HV_ABSENT_NONE && r->value > 0 ? r->value : 0;
}

/* --- C20 ------------------------------------------------------------------ */

static const char *const c20_names[] = { "eufy T9130", "eufy T9150", NULL };

static bool c20_named(const struct hv_frame *f)
{
	return hv_name_any_prefix_ci(f->name, c20_names);
}

/* The C20's manufacturer data: company 0xBC64, or any company for a
 * device named as one (the library keys on the name alone). */
static const struct hv_manufacturer_data *c20_data(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md;

	if (f->has_characteristic)
		return NULL;
	md = hv_frame_manufacturer_data(f, C20_COMPANY);
	if (md)
		return md;
	if (!c20_named(f))
		return NULL;
	for (size_t i = 0; i < f->n_manufacturer_data; i++)
		if (f->manufacturer_data[i].len >= 2 + C20_MIN_LEN)
			return &f->manufacturer_data[i];
	return NULL;
}

static int c20_decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md = c20_data(frame);
	const uint8_t *p;
	size_t n;
	uint8_t flags;
	double kg, ohm = 0;
	unsigned bpm = 0;
	int r;

	if (!md)
		return -ENODEV;
	p = md->data + 2;
	n = md->len - 2;
	if (n < C20_MIN_LEN)
		return hv_measurement_invalid(ret, "C20 advert has %zu bytes, needs %d",
					      n, C20_MIN_LEN);
	flags = p[C20_FLAGS_AT];
	if (flags & C20_HAS_HR && n > C20_HR_AT)
		bpm = p[C20_HR_AT];
	if (flags & C20_HAS_IMPEDANCE && n > C20_IMPEDANCE_AT + 1)
		ohm = hv_le16(p + C20_IMPEDANCE_AT) / 10.0;
	if (!(flags & C20_HAS_WEIGHT)) {
		if (!ohm && !bpm)
			return hv_measurement_control(ret, "other");
		/* A later advert's impedance or pulse alone: not a weighing. */
		ret->final = false;
		ret->subject = HV_SUBJECT_PERSON;
		r = ohm ? hv_measurement_add(ret, HV_METRIC_IMPEDANCE,
					     hv_round_to(ohm, 1)) :
			  0;
		if (r >= 0 && bpm)
			r = hv_measurement_add(ret, HV_METRIC_HEART_RATE, bpm);
		return r < 0 ? r : 0;
	}
	kg = hv_le16(p + C20_WEIGHT_AT) / 100.0;
	if (kg <= 0)
		return hv_measurement_control(ret, "empty");
	return weighing(frame, kg, ohm, bpm, flags & C20_FINAL, ret);
}

static int c20_encode(const struct hv_measurement *m,
		      const struct hv_uuid *target, struct hv_frame *ret)
{
	double ohm = reading_or_zero(m, HV_METRIC_IMPEDANCE);
	double bpm = reading_or_zero(m, HV_METRIC_HEART_RATE);
	struct hv_manufacturer_data *md;
	uint16_t w;
	uint8_t *p;
	int r;

	if (target)
		return -EINVAL;
	r = centi_kg(m, &w);
	if (r < 0)
		return r;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = 2 + C20_ENCODED_LEN;
	hv_put_le16(md->data, C20_COMPANY);
	p = md->data + 2;
	p[C20_FLAGS_AT] = C20_HAS_WEIGHT | (m->final ? C20_FINAL : 0);
	hv_put_le16(p + C20_WEIGHT_AT, w);
	if (bpm > 0 && bpm < 256) {
		p[C20_FLAGS_AT] |= C20_HAS_HR;
		p[C20_HR_AT] = (uint8_t)(bpm + 0.5);
	}
	if (ohm > 0 && ohm * 10 < UINT16_MAX) {
		p[C20_FLAGS_AT] |= C20_HAS_IMPEDANCE;
		hv_put_le16(p + C20_IMPEDANCE_AT, (uint16_t)(ohm * 10 + 0.5));
	}
	return 0;
}

static bool c20_claims_device(const struct hv_frame *f)
{
	return c20_named(f) || hv_frame_manufacturer_data(f, C20_COMPANY);
}

static const char *const c20_models[] = { "Eufy Smart Scale C20 (T9130)",
					  "Eufy Smart Scale P3 (T9150)", NULL };
static const uint16_t c20_companies[] = { C20_COMPANY, 0xFFFF };

const struct hv_driver eufy_c20_driver = {
	.id = "eufy_c20",
	.name = "Eufy C20 (adverts)",
	.models = c20_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.company_ids = c20_companies,
		.name_prefixes = c20_names,
	},
	.flags = HV_DRIVER_ANY_COMPANY,
	.decode = c20_decode,
	.derive = derive_bodycomp,
	.encode = c20_encode,
	.claims_device = c20_claims_device,
};

/* --- P2 / P2 Pro ---------------------------------------------------------- */

static int p2_advert(const struct hv_frame *frame, const uint8_t *p,
		     size_t n, struct hv_measurement *ret)
{
	double kg;

	if (n != P2_ADVERT_LEN)
		return hv_measurement_invalid(ret, "P2 advert has %zu bytes, needs %d",
					      n, P2_ADVERT_LEN);
	if (p[P2_AD_SIGNATURE_AT] != 0xCF)
		return hv_measurement_control(ret, "other");
	kg = hv_le16(p + P2_AD_WEIGHT_AT) / 100.0;
	if (kg < P2_MIN_KG || kg > P2_MAX_KG)
		return hv_measurement_control(ret, "empty");
	return weighing(frame, kg, 0,
			p[P2_AD_FLAGS_AT] >> 6 == 3 ? p[P2_AD_HR_AT] : 0,
			p[P2_AD_FINAL_AT] == 0, ret);
}

static bool p2_frame_intact(const uint8_t *p)
{
	return p[1] == P2_DATA_LEN - 2 && hv_xor8(p + 2, 13) == p[P2_XOR_AT];
}

static int p2_weight(const struct hv_frame *frame, const uint8_t *p,
		     size_t len, struct hv_measurement *ret)
{
	double kg, ohm = 0;

	if (len < 1 || p[0] != 0xCF)
		return hv_measurement_control(ret, "other");
	if (len != P2_DATA_LEN || p[2] != 0x00)
		return hv_measurement_invalid(ret, "CF frame of %zu bytes is not the 16-byte weight frame",
					      len);
	kg = hv_le16(p + P2_WEIGHT_AT) / 100.0;
	if (kg < P2_MIN_KG || kg > P2_MAX_KG)
		return hv_measurement_control(ret, "empty");
	if (p2_frame_intact(p)) {
		ohm = hv_le16(p + P2_IMPEDANCE_AT) / 10.0;
		if (ohm <= P2_MIN_OHM || ohm > P2_MAX_OHM)
			ohm = 0;
	}
	return weighing(frame, kg, ohm, 0, p[P2_FINAL_AT] == 0, ret);
}

static int p2_decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_manufacturer_data *md;
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, P2_DATA, &len);
	if (p)
		return p2_weight(frame, p, len, ret);
	p = hv_frame_value_on(frame, P2_AUTH, &len);
	if (p)
		return hv_measurement_control(ret, len && (p[0] == 0xC1 || p[0] == 0xC3) ?
							   "auth" :
							   "other");
	if (frame->has_characteristic)
		return -ENODEV;
	md = hv_frame_manufacturer_data(frame, P2_COMPANY);
	if (!md)
		return -ENODEV;
	return p2_advert(frame, md->data + 2, md->len - 2, ret);
}

/* The advert by default; target 0xFFF2: the GATT weight frame. */
static int p2_encode(const struct hv_measurement *m,
		     const struct hv_uuid *target, struct hv_frame *ret)
{
	double ohm = reading_or_zero(m, HV_METRIC_IMPEDANCE);
	double bpm = reading_or_zero(m, HV_METRIC_HEART_RATE);
	uint8_t b[P2_DATA_LEN] = { 0xCF, P2_DATA_LEN - 2, 0x00, 0xCF };
	struct hv_manufacturer_data *md;
	uint16_t w;
	int r;

	r = centi_kg(m, &w);
	if (r < 0)
		return r;
	if (target && hv_uuid_is16(target, P2_DATA)) {
		hv_put_le16(b + P2_WEIGHT_AT, w);
		if (ohm > 0 && ohm * 10 < UINT16_MAX)
			hv_put_le16(b + P2_IMPEDANCE_AT,
				    (uint16_t)(ohm * 10 + 0.5));
		b[P2_FINAL_AT] = m->final ? 0 : 1;
		b[P2_XOR_AT] = hv_xor8(b + 2, 13);
		return hv_frame_put_value(ret, P2_DATA, b, sizeof(b));
	}
	if (target)
		return -EINVAL;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1 };
	md = &ret->manufacturer_data[0];
	md->len = 2 + P2_ADVERT_LEN;
	hv_put_le16(md->data, P2_COMPANY);
	md->data[2 + P2_AD_SIGNATURE_AT] = 0xCF;
	if (bpm > 0 && bpm < 256) {
		md->data[2 + P2_AD_HR_AT] = (uint8_t)(bpm + 0.5);
		md->data[2 + P2_AD_FLAGS_AT] = 0xC0;
	}
	hv_put_le16(md->data + 2 + P2_AD_WEIGHT_AT, w);
	md->data[2 + P2_AD_FINAL_AT] = m->final ? 0 : 1;
	return 0;
}

/* --- P2 handshake --------------------------------------------------------- */

/* session.scratch as bytes: the C1 text while it arrives, then the
 * scale's text; counters after them. */
#define SC_TEXT 0 /* 24 bytes */
#define SC_TEXT_MAX 24
#define SC_HAVE 24 /* C1 characters so far */
#define SC_NEXT 25 /* next C1 segment */
#define SC_TOTAL 26 /* C1 length the segments announce */
#define SC_UUID_LEN 27 /* the scale's text, once opened */
#define SC_OPENED 28
#define C0_SEGMENTS 2
#define C2_SEGMENTS 3

static uint8_t *scratch(struct hv_session *s)
{
	return (uint8_t *)s->scratch;
}

static const uint8_t *scratch_c(const struct hv_session *s)
{
	return (const uint8_t *)s->scratch;
}

static int sealed_c0(const struct hv_session *s, uint8_t key[16], char *b64,
		     size_t size, size_t *ret_len)
{
	char client[HV_EUFY_UUID_LEN + 1];
	int r;

	r = hv_eufy_key(s->address, key);
	if (r < 0)
		return -ENODATA;
	hv_eufy_client_uuid(key, s->now_unix, client);
	return hv_eufy_seal(key, (const uint8_t *)client, HV_EUFY_UUID_LEN,
			    b64, size, ret_len);
}

static int sealed_c2(const struct hv_session *s, char *b64, size_t size,
		     size_t *ret_len)
{
	const uint8_t *sc = scratch_c(s);
	uint8_t key[16], text[HV_EUFY_UUID_LEN + 1 + SC_TEXT_MAX];
	char client[HV_EUFY_UUID_LEN + 1];
	size_t n = sc[SC_UUID_LEN];

	if (!sc[SC_OPENED] || n > HV_EUFY_UUID_LEN)
		return -ENODATA;
	if (hv_eufy_key(s->address, key) < 0)
		return -ENODATA;
	hv_eufy_client_uuid(key, s->now_unix, client);
	memcpy(text, client, HV_EUFY_UUID_LEN);
	text[HV_EUFY_UUID_LEN] = '_';
	memcpy(text + HV_EUFY_UUID_LEN + 1, sc + SC_TEXT, n);
	return hv_eufy_seal(key, text, HV_EUFY_UUID_LEN + 1 + n, b64, size,
			    ret_len);
}

static int c0_segment(const struct hv_session *s, size_t index, uint8_t *buf,
		      size_t size, size_t *ret_len)
{
	uint8_t key[16];
	char b64[64];
	size_t n;
	int r;

	r = sealed_c0(s, key, b64, sizeof(b64), &n);
	if (r < 0)
		return r;
	if (hv_eufy_segments(n) != C0_SEGMENTS)
		return -EMSGSIZE;
	return hv_eufy_segment(0xC0, b64, n, index, buf, size, ret_len);
}

static int c2_segment(const struct hv_session *s, size_t index, uint8_t *buf,
		      size_t size, size_t *ret_len)
{
	char b64[96];
	size_t n;
	int r;

	r = sealed_c2(s, b64, sizeof(b64), &n);
	if (r < 0)
		return r;
	if (hv_eufy_segments(n) != C2_SEGMENTS)
		return -EMSGSIZE;
	return hv_eufy_segment(0xC2, b64, n, index, buf, size, ret_len);
}

static int pl_c0_0(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return c0_segment(s, 0, buf, size, ret_len);
}

static int pl_c0_1(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return c0_segment(s, 1, buf, size, ret_len);
}

static int pl_c2_0(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return c2_segment(s, 0, buf, size, ret_len);
}

static int pl_c2_1(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return c2_segment(s, 1, buf, size, ret_len);
}

static int pl_c2_2(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	return c2_segment(s, 2, buf, size, ret_len);
}

/* C1 segments in order, then the scale's text opened into scratch. */
static int on_c1(struct hv_session *s, const uint8_t *v, size_t len)
{
	uint8_t *sc = scratch(s), key[16], text[SC_TEXT_MAX];
	size_t chunk, n;
	int r;

	if (!hv_eufy_segment_valid(0xC1, v, len))
		return HV_VALUE_MORE;
	if (v[2] == 0) {
		memset(sc, 0, sizeof(s->scratch));
		sc[SC_TOTAL] = v[3];
	}
	if (v[2] != sc[SC_NEXT])
		return HV_VALUE_MORE; /* out of order: wait for a new segment 0 */
	chunk = len - 5;
	if (sc[SC_TOTAL] > SC_TEXT_MAX || sc[SC_HAVE] + chunk > sc[SC_TOTAL])
		return -EMSGSIZE;
	memcpy(sc + SC_TEXT + sc[SC_HAVE], v + 4, chunk);
	sc[SC_HAVE] = (uint8_t)(sc[SC_HAVE] + chunk);
	sc[SC_NEXT]++;
	if (v[2] + 1 < v[1])
		return HV_VALUE_MORE;
	if (sc[SC_HAVE] != sc[SC_TOTAL])
		return -EBADMSG;
	r = hv_eufy_key(s->address, key);
	if (r < 0)
		return -ENODATA;
	r = hv_eufy_open(key, (const char *)sc + SC_TEXT, sc[SC_HAVE], text,
			 sizeof(text), &n);
	if (r < 0)
		return r;
	if (n > HV_EUFY_UUID_LEN)
		return -EMSGSIZE;
	memcpy(sc + SC_TEXT, text, n);
	sc[SC_UUID_LEN] = (uint8_t)n;
	sc[SC_OPENED] = 1;
	return HV_VALUE_DONE;
}

static int on_c3(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (len < 5 || v[0] != 0xC3)
		return HV_VALUE_MORE;
	return v[4] == 0 ? HV_VALUE_DONE : -EACCES;
}

static int on_pause(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	(void)len;
	return HV_VALUE_MORE;
}

static int on_p2_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	double kg;

	(void)s;
	if (len != P2_DATA_LEN || v[0] != 0xCF || v[2] != 0x00 ||
	    v[P2_FINAL_AT] != 0)
		return HV_VALUE_MORE;
	kg = hv_le16(v + P2_WEIGHT_AT) / 100.0;
	return kg >= P2_MIN_KG && kg <= P2_MAX_KG ? HV_VALUE_DONE :
						    HV_VALUE_MORE;
}

#define P2_PAUSE(w)                                                          \
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",   \
	  .on_value = on_pause, .timeout_ms = 1000,                          \
	  .flags = HV_STEP_OPTIONAL, .what = "pause 1 s " w }

static const struct hv_step p2_steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff2",
	  .what = "subscribe 0xFFF2 (weight)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff4",
	  .what = "subscribe 0xFFF4 (auth)" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = pl_c0_0, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "C0 segment 0" },
	P2_PAUSE("between the C0 segments"),
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = pl_c0_1, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "C0 segment 1" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
	  .on_value = on_c1, .timeout_ms = 10000,
	  .what = "C1: the scale's text" },
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = pl_c2_0, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "C2 segment 0" },
	P2_PAUSE("between the C2 segments"),
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = pl_c2_1, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "C2 segment 1" },
	P2_PAUSE("before the last C2 segment"),
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = pl_c2_2, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "C2 segment 2" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
	  .on_value = on_c3, .timeout_ms = 10000,
	  .what = "C3: accepted (status 0)" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff2",
	  .on_value = on_p2_weight, .timeout_ms = 60000,
	  .what = "wait for a final weight" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation p2_conversation = {
	.steps = p2_steps,
	.n_steps = sizeof(p2_steps) / sizeof(p2_steps[0]),
};

static const char *const p2_names[] = { "eufy T9148", "eufy T9149", NULL };

static bool p2_claims_device(const struct hv_frame *f)
{
	return hv_name_any_prefix_ci(f->name, p2_names) ||
	       hv_frame_manufacturer_data(f, P2_COMPANY);
}

static const char *const p2_models[] = { "Eufy Smart Scale P2 (T9148)",
					 "Eufy Smart Scale P2 Pro (T9149)",
					 NULL };
static const uint16_t p2_characteristics[] = { P2_DATA, P2_AUTH, 0 };
static const uint16_t p2_companies[] = { P2_COMPANY, 0xFFFF };

const struct hv_driver eufy_p2_driver = {
	.id = "eufy_p2",
	.name = "Eufy P2, P2 Pro (adverts; GATT 0xFFF0 after a handshake)",
	.models = p2_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.company_ids = p2_companies,
		.characteristics = p2_characteristics,
		.name_prefixes = p2_names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = p2_decode,
	.derive = derive_bodycomp,
	.encode = p2_encode,
	.conversation = &p2_conversation,
	.claims_device = p2_claims_device,
};
