// SPDX-License-Identifier: MIT
/*
 * Status LED patterns (pure). Timelines, one cycle each, repeated
 * ("#" lit, "." dark, one character per 50 ms):
 *
 *   steady       ################################  (constant)
 *   slow-blink   ####################....................          1 s / 1 s
 *   fast-blink   ##..##..                                          125 / 125 ms
 *   double-blink .....###...###........                            250 off, 150 on,
 *                                                                  150 off, 150 on, 400 off
 *   long-short   ##################.....####.............          900 on, 250 off,
 *                                                                  200 on, 650 off
 *   off          ................................  (constant)
 *
 * Source: our own choice, written down in docs/led.md (the caregiver's
 * card). They differ in rhythm, not only in speed, so that a person can tell
 * them apart without counting: steady, slow even blink, fast flicker, a pair
 * of short flashes, and a long flash followed by a short one (the "morse"
 * pattern for the one condition that needs someone to act soon). The
 * acknowledgement is two short flashes on a dark field, shown for 3.3 s
 * (three cycles) after the last reading, then the LED returns to what it
 * showed before; readings in a row extend it without restarting its cycle.
 */
#include "daemon/led/led_pattern.h"

#define USEC_PER_MSEC ((uint64_t)1000)

static const struct hv_led_step steps_off[] = { { false, 1000 } };
static const struct hv_led_step steps_steady[] = { { true, 1000 } };
static const struct hv_led_step steps_slow[] = { { true, 1000 },
						 { false, 1000 } };
static const struct hv_led_step steps_fast[] = { { true, 125 },
						 { false, 125 } };
static const struct hv_led_step steps_double[] = {
	{ false, 250 }, { true, 150 }, { false, 150 }, { true, 150 },
	{ false, 400 },
};
static const struct hv_led_step steps_long_short[] = {
	{ true, 900 },
	{ false, 250 },
	{ true, 200 },
	{ false, 650 },
};

#define PATTERN(n, m, s) { n, m, s, sizeof(s) / sizeof((s)[0]) }

static const struct hv_led_pattern_info patterns[_HV_LED_PATTERN_MAX] = {
	[HV_LED_OFF] = PATTERN("off", "homevitals is not running (or no power)",
			       steps_off),
	[HV_LED_STEADY] = PATTERN("steady", "all well", steps_steady),
	[HV_LED_SLOW_BLINK] =
		PATTERN("slow-blink",
			"cannot reach the server (MQTT broker); readings are kept safely on the gateway and sent later",
			steps_slow),
	[HV_LED_FAST_BLINK] =
		PATTERN("fast-blink",
			"Bluetooth problem: the gateway cannot listen for devices",
			steps_fast),
	[HV_LED_DOUBLE_BLINK] =
		PATTERN("double-blink",
			"a reading was just received and stored (shown for about 3 seconds)",
			steps_double),
	[HV_LED_LONG_SHORT] =
		PATTERN("long-short",
			"storage problem (disk full or failing): new readings cannot be kept",
			steps_long_short),
};

const struct hv_led_pattern_info *hv_led_pattern_info(enum hv_led_pattern p)
{
	if ((unsigned)p >= _HV_LED_PATTERN_MAX)
		return NULL;
	return &patterns[p];
}

enum hv_led_pattern hv_led_pattern_choose(const struct hv_led_conditions *c,
					  bool reading_ack)
{
	if (c->storage_problem)
		return HV_LED_LONG_SHORT;
	if (reading_ack)
		return HV_LED_DOUBLE_BLINK;
	if (c->bluetooth_problem)
		return HV_LED_FAST_BLINK;
	if (c->broker_problem)
		return HV_LED_SLOW_BLINK;
	return HV_LED_STEADY;
}

bool hv_led_pattern_level(enum hv_led_pattern p, uint64_t elapsed_usec,
			  uint64_t *ret_next_usec)
{
	const struct hv_led_pattern_info *info = hv_led_pattern_info(p);
	uint64_t cycle = 0, pos, start, end;
	size_t i, k;
	bool on;

	if (!info)
		info = &patterns[HV_LED_OFF];
	for (i = 0; i < info->n_steps; i++)
		cycle += info->steps[i].ms * USEC_PER_MSEC;
	if (info->n_steps < 2 || cycle == 0) {
		if (ret_next_usec)
			*ret_next_usec = UINT64_MAX;
		return info->steps[0].on;
	}

	pos = elapsed_usec % cycle;
	start = elapsed_usec - pos; /* when this cycle began */
	end = 0;
	for (i = 0; i < info->n_steps; i++) {
		end += info->steps[i].ms * USEC_PER_MSEC;
		if (pos < end)
			break;
	}
	on = info->steps[i].on;

	/* Skip following steps (wrapping into the next cycle) of the same level. */
	for (k = 1; k < info->n_steps; k++) {
		size_t j = (i + k) % info->n_steps;

		if (info->steps[j].on != on)
			break;
		end += info->steps[j].ms * USEC_PER_MSEC;
	}
	if (ret_next_usec)
		*ret_next_usec = start + end;
	return on;
}

void hv_led_machine_init(struct hv_led_machine *m)
{
	*m = (struct hv_led_machine){ .pattern = HV_LED_OFF };
}

void hv_led_machine_set_conditions(struct hv_led_machine *m,
				   const struct hv_led_conditions *c)
{
	m->cond = *c;
}

void hv_led_machine_reading(struct hv_led_machine *m, uint64_t now_usec)
{
	/* A reading during the acknowledgement extends it without restarting
	 * its cycle: a restart begins dark, and readings closer together than
	 * that dark start would keep the light off, which the card says means
	 * "not running". */
	if (m->ack_until_usec == 0 || now_usec >= m->ack_until_usec)
		m->ack_start_usec = now_usec;
	m->ack_until_usec = now_usec + HV_LED_ACK_USEC;
}

enum hv_led_pattern hv_led_machine_step(struct hv_led_machine *m,
					uint64_t now_usec, bool *ret_on,
					uint64_t *ret_next_usec)
{
	enum hv_led_pattern p;
	uint64_t origin, next_rel, next;
	bool ack, on;

	ack = m->ack_until_usec != 0 && now_usec < m->ack_until_usec;
	if (!ack)
		m->ack_until_usec = 0;

	p = hv_led_pattern_choose(&m->cond, ack);
	if (p != m->pattern) {
		m->pattern = p;
		m->pattern_start_usec = now_usec;
	}
	origin = p == HV_LED_DOUBLE_BLINK ? m->ack_start_usec :
					    m->pattern_start_usec;
	if (origin > now_usec)
		origin = now_usec;

	on = hv_led_pattern_level(p, now_usec - origin, &next_rel);
	next = next_rel == UINT64_MAX ? UINT64_MAX : origin + next_rel;
	/* The acknowledgement ends even under a storage problem: wake then. */
	if (ack && m->ack_until_usec < next)
		next = m->ack_until_usec;

	*ret_on = on;
	*ret_next_usec = next;
	return p;
}
