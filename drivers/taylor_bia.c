// SPDX-License-Identifier: MIT
/*
 * Taylor 5331891 BIA scale ("5331891 BIA Scale"): the LeFu/Icomon service
 * 0xFFB0 (0xFFB1 write, 0xFFB2 notify) with its own notification layout.
 * Source: openScale TaylorBIAHandler and TaylorBIAHandlerTest
 * (android_app/app/src/{main,test}/java/com/health/openscale/core/
 * bluetooth/scales/TaylorBIAHandler*.kt, oliexdev/openScale@f7a733b2).
 *
 * Scale to app, 20 bytes on 0xFFB2:
 *
 *   AC 27 FL CH HI LO 02 00 00 01 00 00 00 00 00 00 00 24 D5 CS
 *     FL 0x00 live, 0x80 stable
 *     CH 0x8C / 0x8D: weight channel; its bit 0 is bit 16 of the weight
 *     weight = ((CH & 1) << 16 | HI << 8 | LO) g (0 = idle)
 *   AC 27 01 00 02 II 01 80 CH HI LO 00 …     summary: the locked weight
 *     again at [8..10]
 *   CS: a checksum whose rule is not known (not checked)
 *
 * App to scale, 8 bytes on 0xFFB1 (the MGB framing):
 *   AC 02 B2 B3 B4 B5 CC SUM    SUM = B2 + B3 + B4 + B5 + 0xCC (mod 256)
 *   F7 00 00 00, FA 00 00 00 (start), FB sex(1 m, 2 f) age height_cm,
 *   FD yy(−2000) month day, FC hour minute second, FE 06 unit(1 kg) 00
 *
 * openScale found the scale never sends the stable flag or the summary
 * after that start: the weight plateaus. It takes a weight seen four times
 * running as the result. The conversation counts the run in
 * session.quirks (bits 8..24 the last weight in grams, bits 25..27 how
 * many times running; the runner hands them to decode() in frame.quirks),
 * so the fourth equal frame decodes as final; the stable flag and the
 * summary are final too. openScale also publishes the last weight 8 s
 * after the first if it never settles; a weight that never settles is not
 * stored here. Weight only: the body composition is the vendor
 * app's own (not on the link). Registered before lefu_icomon, which would
 * claim the same service.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

#define TY_NOTIFY 0xFFB2
#define TY_LEN 20
#define TY_FLAG_STABLE 0x80
#define TY_FLAG_SUMMARY 0x01
#define TY_STABLE_RUN 4

#define TY_GRAMS_SHIFT 8
#define TY_GRAMS_MASK 0x1FFFFu
#define TY_RUN_SHIFT 25
#define TY_RUN_MASK 0x7u

static bool is_frame(const uint8_t *p, size_t len)
{
	return len >= TY_LEN && p[0] == 0xAC && p[1] == 0x27;
}

static bool is_channel(uint8_t ch)
{
	return ch == 0x8C || ch == 0x8D;
}

static uint32_t grams(const uint8_t *chhilo)
{
	return (uint32_t)(chhilo[0] & 1) << 16 | (uint32_t)chhilo[1] << 8 |
	       chhilo[2];
}

/* The run kept by the conversation: the count of frames of this weight. */
static unsigned run_before(unsigned quirks, uint32_t g)
{
	if (((quirks >> TY_GRAMS_SHIFT) & TY_GRAMS_MASK) != g)
		return 0;
	return (quirks >> TY_RUN_SHIFT) & TY_RUN_MASK;
}

static int weight(struct hv_measurement *ret, uint32_t g, bool final)
{
	ret->final = final;
	ret->subject = HV_SUBJECT_PERSON;
	ret->display_unit = HV_UNIT_KG;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, g / 1000.0);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;
	uint32_t g;

	p = hv_frame_value_on(frame, TY_NOTIFY, &len);
	if (!p)
		return -ENODEV;
	if (!is_frame(p, len))
		return hv_measurement_invalid(ret, "not an AC 27 frame (%zu bytes)",
					      len);
	if (p[2] == TY_FLAG_SUMMARY && p[3] == 0x00) {
		if (!is_channel(p[8]))
			return hv_measurement_invalid(ret, "summary channel 0x%02x",
						      p[8]);
		g = grams(p + 8);
		return g ? weight(ret, g, true) :
			   hv_measurement_invalid(ret, "summary weight is zero");
	}
	if (!is_channel(p[3]))
		return hv_measurement_control(ret, "other");
	g = grams(p + 3);
	if (g == 0)
		return hv_measurement_control(ret, "idle");
	return weight(ret, g,
		      p[2] == TY_FLAG_STABLE ||
			      run_before(frame->quirks, g) + 1 == TY_STABLE_RUN);
}

/* Final: the summary frame; otherwise a live frame. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	uint8_t b[TY_LEN] = { 0xAC, 0x27 };
	uint32_t g;
	uint8_t *at;

	if (target && !hv_uuid_is16(target, TY_NOTIFY))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0)
		return -EINVAL;
	g = (uint32_t)(w->value * 1000 + 0.5);
	if (g == 0 || g > TY_GRAMS_MASK)
		return -EINVAL;
	if (m->final) {
		static const uint8_t head[] = { TY_FLAG_SUMMARY, 0x00, 0x02, 0x01,
						0x01, 0x80 };

		memcpy(b + 2, head, sizeof(head));
		at = b + 8;
	} else {
		at = b + 3;
		b[6] = 0x02;
		b[9] = 0x01;
	}
	at[0] = (uint8_t)(0x8C | (g >> 16));
	at[1] = (uint8_t)(g >> 8);
	at[2] = (uint8_t)g;
	return hv_frame_put_value(ret, TY_NOTIFY, b, TY_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	/* the name, not the service: 0xFFB0 is the whole LeFu family's */
	return hv_name_prefix_ci(f->name, "5331891") ||
	       hv_name_contains_ci(f->name, "BIA SCALE");
}

/* --- conversation --------------------------------------------------------- */

static int pl_unit(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	(void)s;
	return hv_lefu_ac_command(0xFE, 0x06, 0x01, 0x00, buf, size, ret_len);
}

/* Keeps the run of equal weights for decode(); DONE on the final one. */
static int on_weight(struct hv_session *s, const uint8_t *v, size_t len)
{
	unsigned run;
	uint32_t g;

	if (!is_frame(v, len))
		return HV_VALUE_MORE;
	if (v[2] == TY_FLAG_SUMMARY && v[3] == 0x00)
		return is_channel(v[8]) && grams(v + 8) ? HV_VALUE_DONE :
							  HV_VALUE_MORE;
	if (!is_channel(v[3]) || (g = grams(v + 3)) == 0)
		return HV_VALUE_MORE;
	run = run_before(s->quirks, g) + 1;
	if (run > TY_RUN_MASK)
		run = TY_RUN_MASK;
	s->quirks = (s->quirks & ~(TY_GRAMS_MASK << TY_GRAMS_SHIFT |
				   TY_RUN_MASK << TY_RUN_SHIFT)) |
		    g << TY_GRAMS_SHIFT | run << TY_RUN_SHIFT;
	return v[2] == TY_FLAG_STABLE || run == TY_STABLE_RUN ? HV_VALUE_DONE :
								HV_VALUE_MORE;
}

static const struct hv_step steps[] = {
	HV_LEFU_AC_STEPS(pl_unit, on_weight, "wait for a steady weight"),
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = { "Taylor 5331891 BIA", NULL };
static const uint16_t characteristics[] = { TY_NOTIFY, 0 };
static const char *const name_prefixes[] = { "5331891", NULL };

const struct hv_driver taylor_bia_driver = {
	.id = "taylor_bia",
	.name = "Taylor 5331891 BIA (0xFFB0, AC 27 frames)",
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
