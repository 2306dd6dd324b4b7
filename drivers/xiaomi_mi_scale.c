// SPDX-License-Identifier: MIT
/*
 * Xiaomi Mi Smart Scale v1 (XMTZC01HM, XMTZC04HM): service data 0x181D.
 *
 * Layout (10 bytes, little-endian), from openScale MiScaleHandler
 * (parseHistory10) and xiaomi-ble _parse_scale_v1:
 *
 *   CC WW WW YY YY MO DD HH MI SS
 *
 *   CC  control: bit0 pounds, bit4 jin (catty), bit5 stabilised,
 *       bit6 object weighing (Theengs' weighing_mode), bit7 load removed;
 *       bits 1-3 unknown (bit1 is set on real scales)
 *   WW  weight, u16: kg = raw / 200; lb and jin = raw / 100
 *   YY..SS  the scale's clock, local time (often never set: 1970, 2000)
 *
 * Final: stabilised (the scale keeps repeating its final value after the
 * person steps off, with the removed bit set). One exception: a jin frame
 * with the removed bit is accepted by no reference decoder (Theengs lists
 * one as a frame that must not decode), so it is reported as not final.
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/driver.h"
#include "drivers/xiaomi_scale.h"

#define MI_SCALE_V1_UUID 0x181D
#define MI_SCALE_V1_LEN 10

#define CTRL_LB (1u << 0)
#define CTRL_JIN (1u << 4)
#define CTRL_STABILISED (1u << 5)
#define CTRL_OBJECT (1u << 6)
#define CTRL_REMOVED (1u << 7)
#define CTRL_KNOWN_ONES (1u << 1) /* set by every real scale seen */

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_service_data *sd;
	const uint8_t *p;
	double weight_kg;

	sd = hv_frame_service_data(frame, MI_SCALE_V1_UUID);
	if (!sd || frame->has_characteristic)
		return -ENODEV;
	/* 0x181D is also the SIG Weight Scale service: only 10 bytes are ours. */
	if (sd->len != MI_SCALE_V1_LEN)
		return -ENODEV;
	p = sd->data;
	if ((p[0] & CTRL_LB) && (p[0] & CTRL_JIN))
		return hv_measurement_invalid(
			ret, "control byte 0x%02x sets both pound and jin units",
			p[0]);

	weight_kg = hv_mi_weight_kg(hv_le16(p + 1), p[0] & CTRL_LB,
				    p[0] & CTRL_JIN, ret);
	hv_mi_set_state(ret,
			(p[0] & CTRL_STABILISED) &&
				!((p[0] & CTRL_JIN) && (p[0] & CTRL_REMOVED)),
			p[0] & CTRL_REMOVED, p[0] & CTRL_OBJECT, p + 3,
			frame->now);
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT, weight_kg);
}

static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_reading *w = hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
	struct hv_service_data *sd;
	double raw;
	uint8_t ctrl = CTRL_KNOWN_ONES;

	if (target && !hv_uuid_is16(target, MI_SCALE_V1_UUID))
		return -EINVAL;
	if (!w || w->absent != HV_ABSENT_NONE || w->value < 0)
		return -EINVAL;
	if (hv_mi_weight_raw(w->value, m->display_unit, &raw) < 0)
		return -EINVAL;
	if (m->display_unit == HV_UNIT_LB)
		ctrl |= CTRL_LB;
	else if (m->display_unit == HV_UNIT_JIN)
		ctrl |= CTRL_JIN;
	if (m->final)
		ctrl |= CTRL_STABILISED;
	if (m->load_removed)
		ctrl |= CTRL_REMOVED;
	if (m->subject == HV_SUBJECT_OBJECT)
		ctrl |= CTRL_OBJECT;

	*ret = (struct hv_frame){ .n_service_data = 1 };
	sd = &ret->service_data[0];
	sd->uuid = hv_uuid16(MI_SCALE_V1_UUID);
	sd->len = MI_SCALE_V1_LEN;
	sd->data[0] = ctrl;
	hv_put_le16(sd->data + 1, (uint16_t)(raw + 0.5));
	hv_mi_write_clock(sd->data + 3, m);
	return 0;
}

static const char *const models[] = {
	"Xiaomi Mi Smart Scale (XMTZC01HM)",
	"Xiaomi Mi Smart Scale 2 (XMTZC04HM)",
	NULL,
};

static const uint16_t service_data[] = { MI_SCALE_V1_UUID, 0 };
static const char *const names[] = { "MI_SCALE", "MI SCALE", NULL };

const struct hv_driver xiaomi_mi_scale_driver = {
	.id = "xiaomi_mi_scale",
	.name = "Xiaomi Mi Smart Scale (v1 advertisements)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.service_data = service_data,
		.name_prefixes = names,
	},
	.decode = decode,
	.encode = encode,
};
