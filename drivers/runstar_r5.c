// SPDX-License-Identifier: MIT
/*
 * Runstar R5 ("RUNSTAR-R5", "RUNSTAR-RX"): the LeFu/Icomon service 0xFFB0
 * (0xFFB1 write, 0xFFB2 notify) with a weight layout of its own. Source:
 * openScale RunstarR5Handler (android_app/app/src/main/java/com/health/
 * openscale/core/bluetooth/scales/RunstarR5Handler.kt,
 * oliexdev/openScale@f7a733b2), drawn there from a captured session.
 *
 * Scale to app, 20 bytes on 0xFFB2:
 *
 *   ?? ?? ?? A2 MD ?? W2 W1 W0 …
 *     MD 0x01 measuring, 0x02 stable
 *     weight = (W2 W1 W0 u24 BE − 0x680000) g (below the base: 0)
 *   other types: not read. No checksum is known (none is checked).
 *
 * App to scale, 8 bytes on 0xFFB1 (the MGB framing, as taylor_bia):
 *   AC 02 B2 B3 B4 B5 CC SUM    SUM = B2 + B3 + B4 + B5 + 0xCC (mod 256)
 *   F7 00 00 00, FA 00 00 00, FB sex(1 m, 2 f) age height_cm,
 *   FD yy(−2000) month day, FC hour minute second, FE 06 unit(0 kg) 00
 *
 * The stable frame is the measurement (weight only: no composition was
 * seen on the link); the conversation ends on it, as openScale disconnects.
 * Not the R6 (lefu_icomon), whose frames differ. Registered before
 * lefu_icomon, which would claim the same service.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

#define R5_NOTIFY 0xFFB2
#define R5_LEN 20
#define R5_TYPE_WEIGHT 0xA2
#define R5_MODE_MEASURING 0x01
#define R5_MODE_STABLE 0x02
#define R5_WEIGHT_BASE 0x680000u

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t grams(const uint8_t *p)
{
	uint32_t raw = be24(p + 6);

	return raw > R5_WEIGHT_BASE ? raw - R5_WEIGHT_BASE : 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	uint32_t g;

	p = hv_frame_value_on(frame, R5_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (len != R5_LEN)
		return hv_measurement_invalid(ret, "frame has %zu bytes, needs %d",
					      len, R5_LEN);
	if (p[3] != R5_TYPE_WEIGHT ||
	    (p[4] != R5_MODE_MEASURING && p[4] != R5_MODE_STABLE))
		return hv_measurement_control(ret, "other");
	g = grams(p);
	if (g == 0)
		return hv_measurement_control(ret, "empty");
	ret->final = p[4] == R5_MODE_STABLE;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[R5_LEN] = { 0 };
	uint32_t raw;

	if (target && !hv_uuid_is16(target, R5_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 ||
	    w->value > 1000)
		return -EINVAL;
	raw = R5_WEIGHT_BASE + (uint32_t)(w->value * 1000 + 0.5);
	b[3] = R5_TYPE_WEIGHT;
	b[4] = m->final ? R5_MODE_STABLE : R5_MODE_MEASURING;
	b[6] = (uint8_t)(raw >> 16);
	b[7] = (uint8_t)(raw >> 8);
	b[8] = (uint8_t)raw;
	return hv_frame_put_value(ret, R5_NOTIFY, b, R5_LEN);
}

static bool name_is_ci(const char *name, const char *what)
{
	return hv_name_prefix_ci(name, what) && name[strlen(what)] == '\0';
}

static bool claims_device(const struct hv_frame *f)
{
	/* the known names only: a "RUNSTAR-" prefix would take the R6 too */
	return name_is_ci(f->name, "RUNSTAR-R5") ||
	       name_is_ci(f->name, "RUNSTAR-RX");
}

/* --- conversation --------------------------------------------------------- */

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	(void)s;
	return hv_lefu_ac_command(0xFE, 0x06, 0x00, 0x00, buf, size, ret_len);
}

static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	if (len != R5_LEN || v[3] != R5_TYPE_WEIGHT || v[4] != R5_MODE_STABLE ||
	    grams(v) == 0)
		return HV_VALUE_MORE;
	return HV_VALUE_DONE;
}

static const struct hv_step steps[] = {
	HV_LEFU_AC_STEPS(pl_unit, on_weight, "wait for the stable weight"),
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Runstar R5 (RUNSTAR-R5, RUNSTAR-RX)",
				      NULL };
static const uint16_t characteristics[] = { R5_NOTIFY, 0 };
static const char *const name_prefixes[] = { "RUNSTAR-R5", "RUNSTAR-RX", NULL };

const struct hv_driver runstar_r5_driver = {
	.id = "runstar_r5",
	.name = "Runstar R5 (0xFFB0, A2 frames)",
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
};
