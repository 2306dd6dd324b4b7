// SPDX-License-Identifier: MIT
/*
 * Medisana BS430 / BS440 / BS444: service 0x78B2. Source: openScale
 * MedisanaBs44xHandler.kt (oliexdev/openScale@f7a733b2) and its issue #712.
 *
 *   0x8A21 weight (indicate), little-endian:
 *   FL WW WW ?? ?? TT TT TT TT ?? ?? ?? ?? UU
 *      FL  bits 5-6: display unit (00 kg, 01 lb, 10 st:lb)
 *      W   weight u16, 0.01 kg
 *      T   time stamp u32: BS430 Unix seconds; BS440/BS444 seconds since
 *          2010-01-01 00:00 (offset 1 262 304 000)
 *      UU  scale user 1..8 (0xFF: none)
 *
 *   0x8A22 feature (indicate): fat @8, water @10, muscle @12, bone @14,
 *      each (u16 LE & 0x0FFF) / 10 (%, %, %, kg)
 *
 *   0x8A81 command (write): 02 TT TT TT TT starts the session (time in the
 *   scale's epoch).
 *
 * The weight indication comes first and is decoded with more_packets set;
 * the feature indication completes the measurement (final): the pipeline
 * joins them. Epoch: the name says which model (0203B… = BS430); otherwise
 * whichever epoch puts the time within 90 days of the caller's clock, else
 * the 2010 epoch. The characteristics 0x8A21/0x8A22 are shared with Trisa,
 * 1BODY and Weight Gurus: the driver needs selection (service 0x78B2 or a
 * Medisana name).
 */
#include <errno.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/vendor_util.h"

#define MD_SERVICE 0x78B2
#define MD_WEIGHT 0x8A21
#define MD_FEATURE 0x8A22
#define MD_EPOCH_2010 1262304000LL
#define MD_WEIGHT_LEN 14
#define MD_FEATURE_LEN 16

/* frame->quirks */
#define HV_MEDISANA_UNIX_EPOCH (1u << 0)
#define HV_MEDISANA_2010_EPOCH (1u << 1)

static const char *const bs430_names[] = { "0203B", NULL };
static const char *const bs44x_names[] = { "013197", "013198", "0202B6",
					   NULL };

static int64_t md_time(const struct hv_frame *f, uint32_t raw)
{
	int64_t unix_t = raw, t2010 = MD_EPOCH_2010 + raw;

	if ((f->quirks & HV_MEDISANA_UNIX_EPOCH) ||
	    hv_name_any_prefix_ci(f->name, bs430_names))
		return unix_t;
	if ((f->quirks & HV_MEDISANA_2010_EPOCH) ||
	    hv_name_any_prefix_ci(f->name, bs44x_names))
		return t2010;
	if (f->now > 0) {
		int64_t d = unix_t - f->now;

		if (d < 0)
			d = -d;
		if (d < 90 * 86400LL)
			return unix_t;
	}
	return t2010;
}

static int decode_weight(const struct hv_frame *frame, const uint8_t *p,
			 size_t len, struct hv_measurement *ret)
{
	struct hv_datetime clock;
	unsigned unit;

	if (len < MD_WEIGHT_LEN)
		return hv_measurement_invalid(
			ret, "weight indication has %zu bytes, needs %d", len,
			MD_WEIGHT_LEN);
	if (hv_le16(p + 1) == 0)
		return hv_measurement_invalid(ret, "weight is zero");
	unit = (p[0] >> 5) & 3;
	ret->display_unit = unit == 1 ? HV_UNIT_LB : unit == 0 ? HV_UNIT_KG :
							       HV_UNIT_NONE;
	if (unit == 2)
		(void)hv_measurement_add_context(ret, "display_unit", "st:lb");
	hv_datetime_from_unix(md_time(frame, hv_le32(p + 5)), &clock);
	hv_measurement_set_clock(ret, &clock, frame->now);
	if (p[13] >= 1 && p[13] <= 8)
		ret->user_index = p[13];
	ret->subject = HV_SUBJECT_PERSON;
	ret->more_packets = true;
	ret->final = false;
	return hv_measurement_add(ret, HV_METRIC_BODY_WEIGHT,
				  hv_le16(p + 1) / 100.0);
}

static int decode_feature(const uint8_t *p, size_t len,
			  struct hv_measurement *ret)
{
	static const enum hv_metric metrics[] = {
		HV_METRIC_BODY_FAT_PERCENT, HV_METRIC_BODY_WATER_PERCENT,
		HV_METRIC_MUSCLE_PERCENT, HV_METRIC_BONE_MASS,
	};
	int r = 0;

	if (len < MD_FEATURE_LEN)
		return hv_measurement_invalid(
			ret, "feature indication has %zu bytes, needs %d", len,
			MD_FEATURE_LEN);
	for (size_t i = 0; i < 4; i++) {
		unsigned v = hv_le16(p + 8 + 2 * i) & 0x0FFF;

		if (v == 0)
			continue;
		if (i < 3 && v > 1000)
			return hv_measurement_invalid(ret, "percentage %u/10", v);
		r = hv_measurement_add(ret, metrics[i], v / 10.0);
		if (r < 0)
			return r;
	}
	ret->final = true;
	ret->subject = HV_SUBJECT_PERSON;
	return 0;
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const uint8_t *p;
	size_t len;

	p = hv_frame_value_on(frame, MD_WEIGHT, &len);
	if (p)
		return decode_weight(frame, p, len, ret);
	p = hv_frame_value_on(frame, MD_FEATURE, &len);
	if (p)
		return decode_feature(p, len, ret);
	return -ENODEV;
}

/* target 0x8A21 (default): the weight indication, 2010 epoch;
 * 0x8A22: the feature indication. */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	static const enum hv_metric metrics[] = {
		HV_METRIC_BODY_FAT_PERCENT, HV_METRIC_BODY_WATER_PERCENT,
		HV_METRIC_MUSCLE_PERCENT, HV_METRIC_BONE_MASS,
	};
	uint8_t b[MD_FEATURE_LEN] = { 0 };

	if (!target || hv_uuid_is16(target, MD_WEIGHT)) {
		const struct hv_reading *w =
			hv_measurement_find(m, HV_METRIC_BODY_WEIGHT);
		int64_t t = 0;

		if (!w || w->absent != HV_ABSENT_NONE || w->value <= 0 ||
		    w->value * 100 + 0.5 > UINT16_MAX)
			return -EINVAL;
		b[0] = m->display_unit == HV_UNIT_LB ? 1 << 5 : 0;
		hv_put_le16(b + 1, (uint16_t)(w->value * 100 + 0.5));
		if (m->has_raw_device_time)
			t = hv_datetime_to_unix(&m->raw_device_time) - MD_EPOCH_2010;
		hv_put_le32(b + 5, (uint32_t)(t > 0 ? t : 0));
		b[13] = m->user_index >= 1 && m->user_index <= 8 ?
				(uint8_t)m->user_index :
				0xFF;
		return hv_frame_put_value(ret, MD_WEIGHT, b, MD_WEIGHT_LEN);
	}
	if (!hv_uuid_is16(target, MD_FEATURE))
		return -EINVAL;
	for (size_t i = 0; i < 4; i++) {
		const struct hv_reading *rd = hv_measurement_find(m, metrics[i]);

		if (rd && rd->absent == HV_ABSENT_NONE && rd->value > 0 &&
		    rd->value * 10 < 0x1000)
			hv_put_le16(b + 8 + 2 * i, (uint16_t)(rd->value * 10 + 0.5));
	}
	return hv_frame_put_value(ret, MD_FEATURE, b, MD_FEATURE_LEN);
}

static bool claims_device(const struct hv_frame *f)
{
	return hv_frame_has_service(f, MD_SERVICE) ||
	       hv_name_any_prefix_ci(f->name, bs430_names) ||
	       hv_name_any_prefix_ci(f->name, bs44x_names);
}

static int pl_start(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	int64_t t = s->now_unix;

	if (size < 5)
		return -ENOSPC;
	if (!hv_name_any_prefix_ci(s->name, bs430_names) &&
	    !(s->quirks & HV_MEDISANA_UNIX_EPOCH))
		t -= MD_EPOCH_2010;
	buf[0] = 0x02;
	hv_put_le32(buf + 1, (uint32_t)t);
	*ret_len = 5;
	return 0;
}

static int on_feature(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	(void)v;
	return len >= MD_FEATURE_LEN ? HV_VALUE_DONE : HV_VALUE_MORE;
}

enum { ST_MORE = 5 };

/* The scale pushes every weighing it keeps, one weight and feature pair
 * after the other (openScale's handler listens on; keptenkurk/BS440's
 * README: the scale hands over its stored sets): each pair's feature
 * starts the quiet window again. */
static int on_more(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (len < MD_FEATURE_LEN || on_feature(s, v, len) != HV_VALUE_DONE)
		return HV_VALUE_MORE;
	s->next_step = ST_MORE;
	return HV_VALUE_GOTO;
}

static const struct hv_step steps[] = {
	{ .op = HV_STEP_SUBSCRIBE, .service = "78b2", .characteristic = "8a22",
	  .what = "indications on 0x8A22 (feature)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "78b2", .characteristic = "8a21",
	  .what = "indications on 0x8A21 (weight)" },
	{ .op = HV_STEP_SUBSCRIBE, .service = "78b2", .characteristic = "8a82",
	  .flags = HV_STEP_OPTIONAL, .what = "indications on 0x8A82" },
	{ .op = HV_STEP_WRITE, .service = "78b2", .characteristic = "8a81",
	  .payload = pl_start, .flags = HV_STEP_WITH_RESPONSE,
	  .what = "start: 02 + time in the scale's epoch" },
	{ .op = HV_STEP_WAIT, .service = "78b2", .characteristic = "8a22",
	  .on_value = on_feature, .timeout_ms = 30000,
	  .what = "wait for the feature indication" },
	[ST_MORE] = { .op = HV_STEP_WAIT, .service = "78b2",
		      .characteristic = "8a22", .on_value = on_more,
		      .timeout_ms = 3000, .flags = HV_STEP_OPTIONAL,
		      .what = "more kept weighings, until 3 quiet seconds" },
	{ .op = HV_STEP_END, .what = "done" },
};

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = sizeof(steps) / sizeof(steps[0]),
};

static const char *const models[] = {
	"Medisana BS430 (0203B…)", "Medisana BS440 (013197…)",
	"Medisana BS444 (013198…, 0202B6…)", NULL,
};

static const uint16_t characteristics[] = { MD_WEIGHT, MD_FEATURE, 0 };
static const uint16_t services[] = { MD_SERVICE, 0 };
static const char *const name_prefixes[] = { "0203B", "013197", "013198",
					     "0202B6", NULL };

const struct hv_driver medisana_bs4xx_driver = {
	.id = "medisana_bs4xx",
	.name = "Medisana BS430 / BS440 / BS444 (0x78B2)",
	.models = models,
	.kind = HV_DRIVER_KIND_SCALE,
	.match = {
		.characteristics = characteristics,
		.services = services,
		.name_prefixes = name_prefixes,
	},
	.flags = HV_DRIVER_NEEDS_SELECTION,
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
