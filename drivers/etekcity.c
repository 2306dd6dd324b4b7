// SPDX-License-Identifier: MIT
/*
 * Etekcity ESF-551 ("Etekcity Smart Fitness Scale", GATT) and Etekcity
 * Fit 8S (adverts). Sources: ronnnnnnnnnnnnn/etekcity_esf551_ble
 * src/etekcity_esf551_ble/esf551/protocol.py, fit8s/protocol.py and
 * detection.py at commit 1ab90b13223d117d0e0a6c994f0fc29cfae3d18c (the
 * library Home Assistant's etekcity_fitness_scale_ble integration uses);
 * openScale EtekcityESF551Handler.kt and EtekcityFit8SHandler.kt
 * (oliexdev/openScale@f7a733b2), which follow it.
 *
 * ESF-551: service 0xFFF0, 0xFFF1 notify (weight), 0xFFF2 write.
 *
 *   A5 02 ?? 10 00 ?? 01 61 A1 00 WW WW WW ZZ ZZ ?? ?? ?? ?? 01 FF UU
 *      W   weight u24 LE, grams
 *      Z   impedance u16 LE, Ohm (0: none measured)
 *      [19] 0 or 1 (the library takes 1 only; the ESF-551 frame of
 *          ble-scale-sync issue #385 and the ESF93 frames of
 *          etekcity_fitness_scale_ble issue #9 have 0, and the reporter of
 *          #9 read the right weight by taking 0 too): other values are not
 *          a weight frame
 *      [15..18] change between frames and read as a Unix time in the #9
 *          captures; not used
 *      FF  [20] 1: the measurement is complete (impedance valid);
 *          0: weight only, still measuring
 *      UU  display unit: 0 kg, 1 lb, 2 st
 *
 *   Unit command (0xFFF2): A5 22 03 05 00 (0x2B - U) 01 63 A1 00 U. The scale
 *   needs nothing written to measure, and nothing says which unit the
 *   household wants, so the conversation does not send it.
 *
 * The frames carry no checksum. The header bytes the library checks are
 * checked; any other frame on 0xFFF1 is a control frame.
 *
 * Fit 8S: manufacturer data of company 0x06D0 (Etekcity) with service
 * 0xFFD0 advertised; the payload after the company ID, 20 bytes:
 *
 *   HH M0 M1 M2 M3 M4 M5 C0 A9 ?? WW WW WW ZZ ZZ SS UU ?? ?? ??
 *      HH  header: low nibble the advert generation (1)
 *      M   the scale's address, least significant byte first
 *      C0 A9  model code 0xC0A9 (u16 BE), the Fit 8S in detection.py; other
 *          Etekcity products advertise other codes under the same company
 *      W   weight u24 LE, grams; Z impedance u16 LE, Ohm (0: none)
 *      SS  1 = stable; UU display unit (0 kg, 1 lb, 2 st)
 *
 * A stable frame is final, with its impedance when there is one. The
 * embedded address is not compared with the advertiser's: openScale does
 * not, and the model code, length and company already single it out.
 * Body composition for both: method "standard_impedance" (openScale feeds
 * both scales' impedance to its StandardImpedanceLib).
 */
#include <errno.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define ESF551_NOTIFY 0xFFF1
#define ESF551_LEN 22
#define ESF551_WEIGHT_AT 10
#define ESF551_IMPEDANCE_AT 13
#define ESF551_KIND_AT 19
#define ESF551_DONE_AT 20
#define ESF551_UNIT_AT 21

#define FIT8S_COMPANY 0x06D0
#define FIT8S_SERVICE 0xFFD0
#define FIT8S_LEN 20 /* after the company ID */
#define FIT8S_MODEL 0xC0A9
#define FIT8S_MODEL_AT 7
#define FIT8S_WEIGHT_AT 10
#define FIT8S_IMPEDANCE_AT 13
#define FIT8S_STABLE_AT 15
#define FIT8S_UNIT_AT 16

static const uint8_t esf551_head[] = { 0xA5, 0x02 };
static const uint8_t esf551_mid[] = { 0x10, 0x00 }; /* [3..4] */
static const uint8_t esf551_tag[] = { 0x01, 0x61, 0xA1, 0x00 }; /* [6..9] */

static void put_le24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
}

static enum hv_display_unit unit_of(uint8_t u)
{
	/* Stones have no display unit of ours: the weight is in kg anyway. */
	return u == 0 ? HV_UNIT_KG : u == 1 ? HV_UNIT_LB : HV_UNIT_NONE;
}

static uint8_t unit_byte(enum hv_display_unit u)
{
	return u == HV_UNIT_LB ? 1 : 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

/* Weight (grams), impedance (Ohm, 0 none) and finality into ret. */
static int weighing(const struct hv_frame *frame, uint32_t grams, unsigned z,
		    bool final, uint8_t unit, struct hv_measurement *ret)
{
	double kg = grams / 1000.0;
	int r;

	ret->final = final;
	ret->display_unit = unit_of(unit);
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, kg);
	if (r >= 0 && final && z > 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0 && final && z > 0)
		r = hv_decode_derive(ret, kg, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static bool esf551_is_weight_frame(const uint8_t *p, size_t len)
{
	return len == ESF551_LEN && !memcmp(p, esf551_head, 2) &&
	       !memcmp(p + 3, esf551_mid, 2) && !memcmp(p + 6, esf551_tag, 4) &&
	       p[ESF551_KIND_AT] <= 1;
}

static int esf551_decode(const struct hv_frame *frame,
			 struct hv_measurement *ret)
{
	const uint8_t *p;
	uint32_t grams;
	size_t len;

	p = hv_frame_value_on(frame, ESF551_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len >= 2 && !memcmp(p, esf551_head, 2) && len != ESF551_LEN)
		return hv_measurement_invalid(ret, "A5 02 frame has %zu bytes, needs %d",
					      len, ESF551_LEN);
	if (!esf551_is_weight_frame(p, len))
		return hv_measurement_control(ret, "other");
	grams = hv_le24(p + ESF551_WEIGHT_AT);
	if (!grams)
		return hv_measurement_control(ret, "empty");
	return weighing(frame, grams, hv_le16(p + ESF551_IMPEDANCE_AT),
			p[ESF551_DONE_AT] == 1, p[ESF551_UNIT_AT], ret);
}

/* Grams and Ohm of a measurement an encoder can express, or -EINVAL. */
static int grams_and_ohm(const struct hv_measurement *m, uint32_t *ret_g,
			 uint16_t *ret_z)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	double g;

	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	g = w->value * 1000 + 0.5;
	if (g >= 1 << 24)
		return -EINVAL;
	*ret_g = (uint32_t)g;
	*ret_z = z && z->absent == HV_ABSENT_NONE && z->value > 0 &&
				 z->value < UINT16_MAX ?
			 (uint16_t)(z->value + 0.5) :
			 0;
	return 0;
}

static int esf551_encode(const struct hv_measurement *m,
			 const struct hv_uuid *target, struct hv_frame *ret)
{
	uint8_t b[ESF551_LEN] = { 0 };
	uint32_t g;
	uint16_t z;
	int r;

	if (target && !hv_uuid_is16(target, ESF551_NOTIFY))
		return -EINVAL;
	r = grams_and_ohm(m, &g, &z);
	if (r < 0)
		return r;
	memcpy(b, esf551_head, 2);
	memcpy(b + 3, esf551_mid, 2);
	memcpy(b + 6, esf551_tag, 4);
	put_le24(b + ESF551_WEIGHT_AT, g);
	hv_put_le16(b + ESF551_IMPEDANCE_AT, m->final ? z : 0);
	b[ESF551_KIND_AT] = 1;
	b[ESF551_DONE_AT] = m->final ? 1 : 0;
	b[ESF551_UNIT_AT] = unit_byte(m->display_unit);
	return hv_frame_put_value(ret, ESF551_NOTIFY, b, sizeof(b));
}

/* --- ESF-551 conversation ----------------------------------------------- */

static int on_complete(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return esf551_is_weight_frame(v, len) && v[ESF551_DONE_AT] == 1 &&
			       hv_le24(v + ESF551_WEIGHT_AT) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const struct hv_step esf551_steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff1",
	  .what = "subscribe 0xFFF1 (weight)" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff1",
	  .on_value = on_complete, .timeout_ms = 60000,
	  .what = "wait for the complete measurement ([20] = 1)" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation esf551_conversation = {
	.steps = esf551_steps,
	.n_steps = sizeof(esf551_steps) / sizeof(esf551_steps[0]),
};

static const char *const esf551_models[] = { "Etekcity ESF-551", NULL };
static const uint16_t esf551_characteristics[] = { ESF551_NOTIFY, 0 };
static const char *const esf551_names[] = { "Etekcity Smart Fitness Scale",
					    NULL };

/* openScale and the library select it by this name, in any case. */
static bool esf551_claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, esf551_names[0]);
}

const struct hv_driver etekcity_esf551_driver = {
	.id = "etekcity_esf551",
	.name = "Etekcity ESF-551 (0xFFF0)",
	.models = esf551_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = esf551_characteristics,
		.name_prefixes = esf551_names,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = esf551_decode,
	.derive = derive_bodycomp,
	.encode = esf551_encode,
	.conversation = &esf551_conversation,
	.claims_device = esf551_claims_device,
};

/* --- Fit 8S --------------------------------------------------------------- */

static const uint8_t *fit8s_payload(const struct hv_frame *f)
{
	const struct hv_manufacturer_data *md;

	if (f->has_characteristic)
		return NULL;
	md = hv_frame_manufacturer_data(f, FIT8S_COMPANY);
	if (!md || md->len != 2 + FIT8S_LEN ||
	    hv_be16(md->data + 2 + FIT8S_MODEL_AT) != FIT8S_MODEL)
		return NULL;
	return md->data + 2;
}

static int fit8s_decode(const struct hv_frame *frame,
			struct hv_measurement *ret)
{
	const uint8_t *p = fit8s_payload(frame);
	uint32_t grams;

	if (!p)
		return -ENODEV;
	grams = hv_le24(p + FIT8S_WEIGHT_AT);
	if (!grams)
		return hv_measurement_control(ret, "empty");
	return weighing(frame, grams, hv_le16(p + FIT8S_IMPEDANCE_AT),
			p[FIT8S_STABLE_AT] == 1, p[FIT8S_UNIT_AT], ret);
}

static int fit8s_encode(const struct hv_measurement *m,
			const struct hv_uuid *target, struct hv_frame *ret)
{
	struct hv_manufacturer_data *md;
	uint8_t *p;
	uint32_t g;
	uint16_t z;
	int r;

	if (target)
		return -EINVAL;
	r = grams_and_ohm(m, &g, &z);
	if (r < 0)
		return r;
	*ret = (struct hv_frame){ .n_manufacturer_data = 1,
				  .n_service_uuids = 1 };
	ret->service_uuids[0] = hv_uuid16(FIT8S_SERVICE);
	md = &ret->manufacturer_data[0];
	md->len = 2 + FIT8S_LEN;
	hv_put_le16(md->data, FIT8S_COMPANY);
	p = md->data + 2;
	p[0] = 0x01;
	hv_put_be16(p + FIT8S_MODEL_AT, FIT8S_MODEL);
	put_le24(p + FIT8S_WEIGHT_AT, g);
	hv_put_le16(p + FIT8S_IMPEDANCE_AT, m->final ? z : 0);
	p[FIT8S_STABLE_AT] = m->final ? 1 : 0;
	p[FIT8S_UNIT_AT] = unit_byte(m->display_unit);
	return 0;
}

/* Nameless: the company ID and the 0xFFD0 service, as openScale asks. */
static bool fit8s_claims_device(const struct hv_frame *f)
{
	return hv_frame_manufacturer_data(f, FIT8S_COMPANY) &&
	       hv_frame_has_service(f, FIT8S_SERVICE);
}

static const char *const fit8s_models[] = { "Etekcity Fit 8S", NULL };
static const uint16_t fit8s_companies[] = { FIT8S_COMPANY, 0xFFFF };
static const uint16_t fit8s_services[] = { FIT8S_SERVICE, 0 };

const struct hv_driver etekcity_fit8s_driver = {
	.id = "etekcity_fit8s",
	.name = "Etekcity Fit 8S (adverts, company 0x06D0)",
	.models = fit8s_models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.company_ids = fit8s_companies,
		.services = fit8s_services,
	},
	.decode = fit8s_decode,
	.derive = derive_bodycomp,
	.encode = fit8s_encode,
	.claims_device = fit8s_claims_device,
};
