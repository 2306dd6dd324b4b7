/* SPDX-License-Identifier: MIT */
/*
 * Conversation sequencing and connection policy, without D-Bus (see
 * gatt_session.h). The rules are those written at the top of
 * drivers/conversation.h.
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/bluez/gatt_session.h"
#include "drivers/bytes.h"

/* Current Time (Current Time Service 0x1805). */
#define HV_UUID16_CURRENT_TIME 0x2A2B

void hv_session_init(struct hv_session *s, int64_t now_unix)
{
	struct tm tm;
	time_t t = (time_t)now_unix;

	memset(s, 0, sizeof(*s));
	s->now_unix = now_unix;
	s->user_index = -1;
	s->last_sequence = -1;
	s->records_expected = -1;
	if (now_unix > 0 && localtime_r(&t, &tm)) {
		s->now_local = (struct hv_datetime){
			.year = (uint16_t)(tm.tm_year + 1900),
			.month = (uint8_t)(tm.tm_mon + 1),
			.day = (uint8_t)tm.tm_mday,
			.hour = (uint8_t)tm.tm_hour,
			.minute = (uint8_t)tm.tm_min,
			.second = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec),
		};
		s->day_of_week = (uint8_t)(tm.tm_wday == 0 ? 7 : tm.tm_wday);
	}
}

bool hv_session_note_current_time(struct hv_session *s,
				  const struct hv_uuid *characteristic,
				  const uint8_t *value, size_t len,
				  int64_t now_usec)
{
	struct hv_datetime dt;

	/* Current Time: Date Time (7 octets) first (GATT XML
	 * org.bluetooth.characteristic.current_time). */
	if (s->has_device_clock || now_usec <= 0 || len < HV_DATETIME_WIRE_LEN ||
	    !hv_uuid_is16(characteristic, HV_UUID16_CURRENT_TIME))
		return false;
	/* An implausible date (an unset clock) is kept too: a time fault. */
	hv_read_datetime(value, &dt);
	s->has_device_clock = true;
	s->device_clock = dt;
	s->device_clock_read_usec = now_usec;
	return true;
}

void hv_conv_init(struct hv_conv *c, const struct hv_conversation *conv,
		  struct hv_session *session)
{
	memset(c, 0, sizeof(*c));
	c->conv = conv;
	c->session = session;
	if (!conv || conv->n_steps == 0)
		c->finished = true;
}

static void conv_finish(struct hv_conv *c, int result)
{
	c->finished = true;
	c->result = result;
}

static void conv_go(struct hv_conv *c, size_t index)
{
	if (++c->transitions > HV_CONV_MAX_TRANSITIONS) {
		conv_finish(c, -ELOOP);
		return;
	}
	c->index = index;
}

const struct hv_step *hv_conv_current(struct hv_conv *c)
{
	while (!c->finished) {
		const struct hv_step *st;

		if (c->index >= c->conv->n_steps) {
			conv_finish(c, 0);
			break;
		}
		st = &c->conv->steps[c->index];
		if (st->op == HV_STEP_END || st->op >= _HV_STEP_OP_MAX) {
			conv_finish(c, st->op == HV_STEP_END ? 0 : -EINVAL);
			break;
		}
		if (((st->flags & HV_STEP_SKIP_IF_NO_USER) &&
		     c->session->user_index < 0) ||
		    ((st->flags & HV_STEP_SKIP_IF_USER) &&
		     c->session->user_index >= 0)) {
			conv_go(c, c->index + 1);
			continue;
		}
		return st;
	}
	return NULL;
}

void hv_conv_step_done(struct hv_conv *c, int r)
{
	const struct hv_step *st;

	if (c->finished || c->index >= c->conv->n_steps)
		return;
	st = &c->conv->steps[c->index];
	if (r >= 0) {
		conv_go(c, c->index + 1);
		return;
	}
	if (st->on_fail > 0 && (size_t)st->on_fail < c->conv->n_steps)
		conv_go(c, (size_t)st->on_fail);
	else if (st->flags & HV_STEP_OPTIONAL)
		conv_go(c, c->index + 1);
	else
		conv_finish(c, r);
}

int hv_conv_feed(struct hv_conv *c, const uint8_t *value, size_t len)
{
	const struct hv_step *st;
	int r;

	if (c->finished || c->index >= c->conv->n_steps)
		return 1;
	st = &c->conv->steps[c->index];
	if (!st->on_value) {
		hv_conv_step_done(c, 0);
		return 1;
	}
	r = st->on_value(c->session, value, len);
	if (r < 0) {
		hv_conv_step_done(c, r);
		return 1;
	}
	switch (r) {
	case HV_VALUE_DONE:
		hv_conv_step_done(c, 0);
		return 1;
	case HV_VALUE_GOTO:
		if (c->session->next_step < 0 ||
		    (size_t)c->session->next_step >= c->conv->n_steps) {
			hv_conv_step_done(c, -EINVAL);
			return 1;
		}
		conv_go(c, (size_t)c->session->next_step);
		return 1;
	case HV_VALUE_MORE:
	default:
		/* A read gives one value: MORE cannot wait for another. */
		if (st->op == HV_STEP_READ) {
			hv_conv_step_done(c, 0);
			return 1;
		}
		return 0;
	}
}

int hv_conv_time_out(struct hv_conv *c, uint8_t *buf, size_t size,
		     size_t *ret_len, struct hv_uuid *ret_characteristic)
{
	const struct hv_step *st = hv_conv_current(c);
	struct hv_uuid u;
	size_t len = 0;
	int r;

	if (!st)
		return 0;
	if (st->op != HV_STEP_WAIT || !st->on_timeout) {
		hv_conv_step_done(c, -ETIMEDOUT);
		return 0;
	}
	r = hv_conv_step_uuid(st->characteristic, &u);
	if (r >= 0)
		r = st->on_timeout(c->session, buf, size, &len);
	if (r >= 0 && len > size)
		r = -ENOSPC;
	if (r <= 0) {
		hv_conv_step_done(c, r < 0 ? r : -ETIMEDOUT);
		return 0;
	}
	hv_conv_step_done(c, 0);
	*ret_len = len;
	*ret_characteristic = u;
	return 1;
}

bool hv_conv_waits_for(struct hv_conv *c, const struct hv_uuid *characteristic)
{
	const struct hv_step *st = hv_conv_current(c);
	struct hv_uuid u;

	return st && st->op == HV_STEP_WAIT &&
	       hv_conv_step_uuid(st->characteristic, &u) >= 0 &&
	       hv_uuid_equal(&u, characteristic);
}

void hv_conv_stash(struct hv_conv *c, const struct hv_uuid *characteristic,
		   const uint8_t *value, size_t len)
{
	struct hv_conv_stashed *s;

	if (len > sizeof(c->stash[0].value))
		return;
	if (c->n_stash == HV_CONV_STASH_MAX) {
		memmove(&c->stash[0], &c->stash[1],
			sizeof(c->stash[0]) * (HV_CONV_STASH_MAX - 1));
		c->n_stash--;
	}
	s = &c->stash[c->n_stash++];
	s->characteristic = *characteristic;
	s->len = len;
	if (len)
		memcpy(s->value, value, len);
}

int hv_conv_replay_stash(struct hv_conv *c)
{
	struct hv_conv_stashed stash[HV_CONV_STASH_MAX];
	size_t n = c->n_stash;
	int ended = 0;

	memcpy(stash, c->stash, sizeof(stash[0]) * n);
	c->n_stash = 0;
	for (size_t i = 0; i < n && !ended; i++)
		if (hv_conv_waits_for(c, &stash[i].characteristic))
			ended = hv_conv_feed(c, stash[i].value, stash[i].len);
	return ended;
}

int hv_conv_write_payload(const struct hv_step *step,
			  const struct hv_session *s, uint8_t *buf,
			  size_t size, size_t *ret_len)
{
	size_t len = 0;
	int r;

	if (step->payload) {
		r = step->payload(s, buf, size, &len);
		if (r < 0)
			return r;
		if (len > size)
			return -ENOSPC;
	} else {
		if (step->n_bytes > size)
			return -ENOSPC;
		if (step->n_bytes)
			memcpy(buf, step->bytes, step->n_bytes);
		len = step->n_bytes;
	}
	*ret_len = len;
	return 0;
}

usec_t hv_conv_step_timeout_usec(const struct hv_step *step)
{
	unsigned ms = step->timeout_ms ? step->timeout_ms :
					 HV_CONV_DEFAULT_TIMEOUT_MS;

	return (usec_t)ms * USEC_PER_MSEC;
}

int hv_conv_step_uuid(const char *text, struct hv_uuid *ret)
{
	if (!text)
		return -ENOENT;
	return hv_uuid_parse(text, ret);
}

const struct hv_gatt_timing hv_gatt_timing_default = {
	.cooldown = 5 * 60 * USEC_PER_SEC,
	.absence = 60 * USEC_PER_SEC,
	.backoff_base = 10 * USEC_PER_SEC,
	.backoff_max = 30 * 60 * USEC_PER_SEC,
};

usec_t hv_gatt_backoff_usec(const struct hv_gatt_timing *t, unsigned failures)
{
	usec_t d = t->backoff_base;

	if (failures == 0)
		return 0;
	for (unsigned i = 1; i < failures && d < t->backoff_max; i++)
		d *= 2;
	return d < t->backoff_max ? d : t->backoff_max;
}

bool hv_gatt_peer_advert(struct hv_gatt_peer *p, const struct hv_gatt_timing *t,
			 usec_t now)
{
	/* Silent long enough: the device went away and is back (a new
	 * weigh-in), so a success's cool-down no longer holds. */
	if (p->last_seen && now >= p->last_seen + t->absence && p->succeeded)
		p->not_before = 0;
	p->last_seen = now;
	if (p->busy || now < p->not_before)
		return false;
	return true;
}

void hv_gatt_peer_finished(struct hv_gatt_peer *p,
			   const struct hv_gatt_timing *t, int result,
			   usec_t now)
{
	p->busy = false;
	if (result >= 0) {
		p->failures = 0;
		p->succeeded = true;
		p->not_before = now + t->cooldown;
	} else {
		p->failures++;
		p->succeeded = false;
		p->not_before = now + hv_gatt_backoff_usec(t, p->failures);
	}
	/* The device was just connected: count silence from now. */
	p->last_seen = now;
}
