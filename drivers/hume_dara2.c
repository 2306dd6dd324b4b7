// SPDX-License-Identifier: MIT
/*
 * Hume Health Dara 2.0 (advertised exactly as "Dara 2.0"; Device
 * Information says "LeFu Scale"): service 0xFFF0, 0xFFF1 write, 0xFFF4
 * notify. Not the FitTrack Dara (lefu_icomon). Source: openScale
 * HumeDara2Handler (android_app/app/src/main/java/com/health/openscale/
 * core/bluetooth/scales/HumeDara2Handler.kt, oliexdev/openScale@ae418916;
 * openScale issue #1448), whose five locked frames are real weigh-ins
 * checked against the vendor app (HumeDara2HandlerTest.kt @ 27434c19).
 *
 * App → scale (0xFFF1, with response), the same user set-up as the
 * Excelvan CF36x (same chip family):
 *   FE 01 SS AA HH YY UU CS   SS 1 male / 0 female, AA activity 0..2,
 *                             HH height cm, YY age, UU unit (1 kg, 2 lb,
 *                             4 st), CS XOR of [1..6]
 *
 * 0xFFF4, 11 bytes:
 *   [0]     0xCF
 *   [1..2]  impedance u16 BE, 0.01 Ohm
 *   [3..4]  weight u16 LE, 0.01 in the unit set (kg here)
 *   [5..9]  not explained (they move while the vendor's readings do not)
 *   [10]    XOR of [0..9]
 *
 * While the weight settles [1], [2], [5], [6], [7] are zero: a live
 * weight; once any of them is set the frame is locked (final), and the
 * scale repeats it. openScale keeps the impedance only in 300..900 Ohm
 * (a rushed step-on gave 25.8 Ohm) and derives body composition from it
 * with its StandardImpedanceLib: here method "standard_impedance", from a
 * locked frame's plausible impedance and a profile.
 * The conversation (openScale's onConnected): the user set-up with the
 * unit kg (activity 0: the profile has none), notifications, then wait for
 * a locked frame.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "drivers/bodycomp_libs.h"
#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

#define HD_NOTIFY 0xFFF4
#define HD_LEN 11
#define HD_HEAD 0xCF
#define HD_NAME "Dara 2.0"
#define HD_OHM_MIN 300.0
#define HD_OHM_MAX 900.0

static bool is_dara2_name(const char *name)
{
	return name && strlen(name) == strlen(HD_NAME) && hv_name_prefix_ci(name, HD_NAME);
}

static bool claims_device(const struct hv_frame *f)
{
	return is_dara2_name(f->name);
}

static bool is_locked(const uint8_t *v)
{
	return (v[1] | v[2] | v[5] | v[6] | v[7]) != 0;
}

/* Body composition from what decode() kept (driver.h, derive). */
static int derive_bodycomp(const struct hv_profile *p, struct hv_measurement *m)
{
	return hv_bodycomp_standard(p, m->bia.weight_kg, m->bia.impedance_ohm, m);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	size_t len;
	const uint8_t *v = hv_frame_value_on(frame, HD_NOTIFY, &len);
	unsigned centi_kg;
	double ohm;
	int r;

	if (!v)
		return -ENODEV;
	if (len != HD_LEN || v[0] != HD_HEAD)
		return hv_measurement_invalid(ret, "value of %zu bytes starting 0x%02x, not %d from 0x%02x",
					      len, len ? v[0] : 0, HD_LEN, HD_HEAD);
	if (hv_xor8(v, HD_LEN - 1) != v[HD_LEN - 1])
		return hv_measurement_invalid(ret, "checksum 0x%02x, XOR 0x%02x", v[HD_LEN - 1],
					      hv_xor8(v, HD_LEN - 1));
	centi_kg = hv_le16(v + 3);
	if (centi_kg == 0)
		return hv_measurement_control(ret, "no weight");
	ret->final = is_locked(v);
	ret->display_unit = HV_UNIT_KG;
	ret->subject = HV_SUBJECT_PERSON;
	r = hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, centi_kg / 100.0);
	if (r < 0)
		return r;
	ohm = hv_be16(v + 1) / 100.0;
	if (ret->final && ohm >= HD_OHM_MIN && ohm <= HD_OHM_MAX) {
		r = hv_measurement_add(ret, HV_METRIC_IMPEDANCE, ohm);
		if (r >= 0)
			r = hv_decode_derive(ret, centi_kg / 100.0, ohm, frame->profile,
					     derive_bodycomp);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A locked frame (final) or a live one. A locked frame without a plausible
 * impedance sets [5] (not explained, never read) so that it stays locked.
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	uint8_t p[HD_LEN] = { HD_HEAD };
	double centi_kg, ohm = 0, centi_ohm;

	if (!hv_encode_target_ok(target, HD_NOTIFY) ||
	    hv_encode_weight(m, 100, 0xFFFF, &centi_kg) < 0)
		return -EINVAL;
	if (m->final && hv_encode_impedance(m, HD_OHM_MIN, HD_OHM_MAX, &ohm) < 0)
		return -EINVAL;
	centi_ohm = round(ohm * 100);
	hv_put_be16(p + 1, (uint16_t)centi_ohm);
	hv_put_le16(p + 3, (uint16_t)centi_kg);
	if (m->final && centi_ohm == 0)
		p[5] = 0x01;
	p[HD_LEN - 1] = hv_xor8(p, HD_LEN - 1);
	return hv_frame_put_value(ret, HD_NOTIFY, p, sizeof(p));
}

/* --- conversation --------------------------------------------------------- */

static int on_locked(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	return len == HD_LEN && v[0] == HD_HEAD && hv_xor8(v, HD_LEN - 1) == v[HD_LEN - 1] &&
			       is_locked(v) ?
		       HV_VALUE_DONE :
		       HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_WRITE, .service = "fff0", .characteristic = "fff1",
	  .payload = hv_lefu_fe_config, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "user and unit kg (0xFE)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "fff0", .characteristic = "fff4",
	  .what = "subscribe 0xFFF4" },
	{ .op = HV_STEP_WAIT, .service = "fff0", .characteristic = "fff4",
	  .on_value = on_locked, .timeout_ms = 60000,
	  .what = "wait for the locked frame" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Hume Health Dara 2.0", NULL };
static const uint16_t characteristics[] = { HD_NOTIFY, 0 };
static const char *const name_prefixes[] = { HD_NAME, NULL };

const struct hv_driver hume_dara2_driver = {
	.id = "hume_dara2",
	.name = "Hume Health Dara 2.0 (0xFFF0)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
	.derive = derive_bodycomp,
};
