// SPDX-License-Identifier: MIT
/*
 * Cult Smart Scale Pro (Espressif-based, 8-electrode): service 0xFFF0,
 * 0xFFF4 notify (0xFFF1 write, unused). Source: openScale
 * CultSmartScaleProHandler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/CultSmartScaleProHandler.kt),
 * oliexdev/openScale@f7a733b2 (file last changed in 7161ca01), itself read
 * from an HCI capture. Subscribing starts the stream; nothing is written.
 *
 *   CF FL 00 WL WH .. .. .. .. ST CS        11 bytes, live weight
 *     W u16 LE 0.01 kg; ST 01 settling, 00 stable (no handles: the
 *     weighing ends here), 08 impedance being measured / 05 stable (the
 *     handles held: the impedance follows); CS XOR of [0..9]
 *   BE II Z0 Z0 Z1 Z1 Z2 Z2 Z3 Z3 Z4 Z4 CS   13 bytes, impedances u16 LE
 *     Ohm, set II 0 or 1; Z2 of set 0 is the whole body (~250 Ohm), the
 *     others segmental; CS XOR of [0..11]
 *   DF …                                   17 bytes ×4, the scale's own
 *     composition, encoding unknown (openScale does not read it either)
 *
 * Stable with status 00 is a weight-only measurement (final). Stable with
 * 05/08 is the final weight, first packet (final and more_packets, as for
 * Vitafit); the conversation keeps it in session.quirks (bits 8..23, 0.01
 * kg) and impedance set 0 then decodes as the last packet: weight, the
 * whole-body impedance and method "standard_impedance" with a complete
 * profile (what openScale computes for this scale). A set-0 frame without
 * a weight kept is not final; set 1 and DF frames carry nothing we read.
 * openScale publishes after the fourth DF frame; the conversation stops
 * after set 0, which is all it uses. No clock.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define CU_NOTIFY 0xFFF4
#define CU_LIVE 0xCF
#define CU_IMPEDANCE 0xBE
#define CU_COMPOSITION 0xDF
#define CU_LIVE_LEN 11
#define CU_IMPEDANCE_LEN 13
#define CU_SETTLING 0x01
#define CU_STABLE 0x00
#define CU_HANDLES_STABLE 0x05
#define CU_HANDLES_MEASURING 0x08

#define CU_WEIGHT_SHIFT 8
#define CU_WEIGHT_MASK 0xFFFFu

static bool frame_ok(const uint8_t *p, size_t len)
{
	size_t need = p[0] == CU_LIVE ? CU_LIVE_LEN : CU_IMPEDANCE_LEN;

	return len >= need && hv_xor8(p, need - 1) == p[need - 1];
}

static void person_kg(struct hv_measurement *ret)
{
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
}

static bool handles(uint8_t status)
{
	return status == CU_HANDLES_STABLE || status == CU_HANDLES_MEASURING;
}

static int decode_live(const uint8_t *p, struct hv_measurement *ret)
{
	double w = hv_le16(p + 3) / 100.0;

	if (w <= 0)
		return hv_measurement_control(ret, "empty");
	ret->final = p[9] == CU_STABLE || handles(p[9]);
	ret->more_packets = handles(p[9]);
	person_kg(ret);
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode_impedance(const struct hv_frame *frame, const uint8_t *p,
			    struct hv_measurement *ret)
{
	unsigned kept = (frame->quirks >> CU_WEIGHT_SHIFT) & CU_WEIGHT_MASK;
	double z = hv_le16(p + 6), w = kept / 100.0;
	int r;

	if (p[1] != 0x00 || z <= 0)
		return hv_measurement_control(ret, "impedance");
	person_kg(ret);
	if (!kept) {
		/* No weight to go with it (decoded out of a session). */
		ret->final = false;
		return hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	}
	ret->final = true;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, w);
	if (r >= 0)
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, z);
	if (r >= 0)
		r = hv_decode_derive(ret, w, z, frame->profile,
				     derive_bodycomp);
	return r < 0 ? r : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, CU_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len < 1 || (p[0] != CU_LIVE && p[0] != CU_IMPEDANCE))
		return hv_measurement_control(ret, len && p[0] == CU_COMPOSITION ?
							   "composition" :
							   "other");
	if (!frame_ok(p, len))
		return hv_measurement_invalid(ret, "0x%02X frame of %zu bytes: bad length or XOR",
					      p[0], len);
	return p[0] == CU_LIVE ? decode_live(p, ret) :
				 decode_impedance(frame, p, ret);
}

/*
 * Final with an impedance: impedance set 0 (decode it with the weight in
 * frame.quirks, as a session does); final: a stable weight without
 * handles; otherwise a settling weight.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	const struct hv_reading *z = hv_measurement_find(m, HV_METRIC_IMPEDANCE);
	uint8_t b[CU_IMPEDANCE_LEN] = { 0 };
	double raw;
	int r;

	if (target && !hv_uuid_is16(target, CU_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	raw = w->value * 100 + 0.5;
	if (raw >= CU_WEIGHT_MASK)
		return -EINVAL;
	if (m->final && z && z->absent == HV_ABSENT_NONE && z->value >= 1 &&
	    z->value < UINT16_MAX) {
		b[0] = CU_IMPEDANCE;
		hv_put_le16(b + 6, (uint16_t)(z->value + 0.5));
		b[12] = hv_xor8(b, 12);
		r = hv_frame_put_value(ret, CU_NOTIFY, b, CU_IMPEDANCE_LEN);
		if (r == 0)
			ret->quirks = (unsigned)raw << CU_WEIGHT_SHIFT;
		return r;
	}
	b[0] = CU_LIVE;
	hv_put_le16(b + 3, (uint16_t)raw);
	b[9] = m->final ? CU_STABLE : CU_SETTLING;
	b[10] = hv_xor8(b, 10);
	return hv_frame_put_value(ret, CU_NOTIFY, b, CU_LIVE_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_name_prefix_ci(f->name, "CULT");
}

/* --- conversation --------------------------------------------------------- */

enum { ST_END = 3 };

static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len >= 2 && v[0] == CU_IMPEDANCE && v[1] == 0x00 && frame_ok(v, len) &&
	    (s->quirks >> CU_WEIGHT_SHIFT) & CU_WEIGHT_MASK) {
		/* the impedance came before a 05 frame: it is decoded with
		 * the weight kept from 08 */
		s->next_step = ST_END;
		return HV_VALUE_GOTO;
	}
	if (len < 1 || v[0] != CU_LIVE || !frame_ok(v, len) || hv_le16(v + 3) == 0)
		return HV_VALUE_MORE;
	if (v[9] == CU_STABLE) {
		/* weight only: nothing follows */
		s->next_step = ST_END;
		return HV_VALUE_GOTO;
	}
	if (!handles(v[9]))
		return HV_VALUE_MORE;
	s->quirks = (s->quirks & ~(CU_WEIGHT_MASK << CU_WEIGHT_SHIFT)) |
		    (unsigned)hv_le16(v + 3) << CU_WEIGHT_SHIFT;
	/* 08 (measuring) comes before 05: keep the latest, wait on */
	return v[9] == CU_HANDLES_STABLE ? HV_VALUE_DONE : HV_VALUE_MORE;
}

static int on_impedance(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len >= 2 && v[0] == CU_IMPEDANCE && v[1] == 0x00 && frame_ok(v, len) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	/* 0 */ { .op = HV_STEP_SUBSCRIBE, .service = "fff0",
		  .characteristic = "fff4", .what = "subscribe 0xFFF4" },
	/* 1 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff4", .on_value = on_weight,
		  .timeout_ms = 60000, .what = "wait for a stable weight" },
	/* 2 */ { .op = HV_STEP_WAIT, .service = "fff0",
		  .characteristic = "fff4", .on_value = on_impedance,
		  .timeout_ms = 30000, .what = "wait for the impedance" },
	/* 3 */ { .op = HV_STEP_END, .what = "done" },
};

_Static_assert(sizeof(steps) / sizeof(steps[0]) == ST_END + 1,
	       "step indices out of date");

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Cult Smart Scale Pro", NULL };
static const uint16_t characteristics[] = { CU_NOTIFY, 0 };
static const char *const name_prefixes[] = { "CULT", "Cult", "cult", NULL };

const struct hv_driver cult_scale_pro_driver = {
	.id = "cult_scale_pro",
	.name = "Cult Smart Scale Pro (0xFFF0)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.derive = derive_bodycomp,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
