// SPDX-License-Identifier: MIT
/*
 * The outbox drain: the store's pending rows, oldest first, handed to the
 * library through a bounded in-flight window. The window is refilled after
 * every acknowledgement (once per loop turn), so the broker always has work
 * and its PUBACKs never wait for a half-empty window.
 *
 * Delivered marks are grouped: an acknowledgement only notes the row; the
 * notes of one loop turn are written in one transaction (one commit, one
 * fsync) by a defer source. A mark lost in a crash or a failed write means
 * the measurement is published again with the same id, which subscribers
 * dedupe (docs/mqtt.md); a failed write is retried every second on the
 * live connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "daemon/store/store.h"

#include "daemon/publish/mqtt_private.h"
#include "daemon/publish/mqtt_topics.h"

#define FETCH_MAX	 32
#define MARK_RETRY_USEC	 USEC_PER_SEC
#define REQUEUE_MIN_USEC USEC_PER_SEC
#define REQUEUE_MAX_USEC (300 * USEC_PER_SEC)
#define PARKED_MAX	 256

static bool is_parked(struct hv_mqtt *m, int64_t seq);

static struct inflight *free_slot(struct hv_mqtt *m)
{
	for (size_t i = 0; i < m->window_size; i++)
		if (!m->window[i].seq)
			return &m->window[i];
	return NULL;
}

static void note_attempt(struct hv_mqtt *m, int64_t seq, const char *why)
{
	int r = hv_store_outbox_mark_attempt(m->store, seq, why);

	if (r < 0)
		log_warning_errno(r,
				  "Failed to note the attempt, ignoring: %m");
}

static void give_up_item(struct hv_mqtt *m, const struct hv_outbox_item *item,
			 const char *why)
{
	log_warning("MQTT: measurement '%s' not published: %s; it stays queued",
		    item->id, why);
	note_attempt(m, item->seq, why);
}

static bool record_ready(struct mqtt_item *it)
{
	if (!it->record && !it->parse_failed) {
		it->record = cJSON_Parse(it->item->json);
		it->parse_failed = !it->record;
	}
	return it->record;
}

/* Publish the tracked formats into slot; false when one failed. */
static bool publish_tracked(struct hv_mqtt *m, struct mqtt_item *it,
			    struct inflight *slot)
{
	bool ok = true;

	for (size_t i = 0; i < mqtt_n_formats; i++) {
		const struct mqtt_format *f = &mqtt_formats[i];
		int mid = 0, r;

		if (!f->tracked || !f->wanted(m->cfg))
			continue;
		if (f->needs_record && !record_ready(it)) {
			ok = false;
			continue;
		}
		r = f->publish(m, it, &mid);
		if (r == -ENODATA)
			continue; /* this format has nothing for this item */
		if (r < 0 || !mid) {
			log_debug_errno(
				r,
				"MQTT: %s payload of '%s' not handed over: %m",
				f->name, it->item->id);
			ok = false;
			continue;
		}
		slot->mid[slot->pending++] = mid;
	}
	return ok;
}

static void publish_untracked(struct hv_mqtt *m, struct mqtt_item *it)
{
	for (size_t i = 0; i < mqtt_n_formats; i++) {
		const struct mqtt_format *f = &mqtt_formats[i];

		if (f->tracked || !f->wanted(m->cfg))
			continue;
		if (f->needs_record && !record_ready(it))
			continue;
		(void)f->publish(m, it, NULL);
	}
}

/* An audience's row it may no longer see: gone from its queue. */
static void drop_item(struct hv_mqtt *m, const struct hv_outbox_item *item)
{
	int r = hv_store_outbox_drop(m->store, item->seq);

	if (r < 0)
		log_warning_errno(r, "Failed to drop '%s' from the queue of audience %s, ignoring: %m",
				  item->id, m->audience->name);
	else
		log_debug("MQTT: '%s' is not shared with audience %s (consent): dropped",
			  item->id, m->audience->name);
}

static void publish_audience_item(struct hv_mqtt *m,
				  const struct hv_outbox_item *item);

/* Hand one outbox item to the library. */
static void publish_item(struct hv_mqtt *m, const struct hv_outbox_item *item)
{
	struct mqtt_item it = { .item = item, .measurement_id = item->id };
	struct inflight *slot = free_slot(m);

	if (!slot || is_parked(m, item->seq))
		return;
	if (m->audience) {
		publish_audience_item(m, item);
		return;
	}
	*slot = (struct inflight){ .seq = item->seq };
	if (!publish_tracked(m, &it, slot)) {
		slot->failed = true;
		give_up_item(m, item,
			     it.parse_failed ?
				     "stored JSON does not parse" :
				     "a payload could not be published");
	}
	if (slot->pending) {
		m->n_inflight++;
		publish_untracked(m, &it);
	} else {
		slot->seq = 0;
	}
	cJSON_Delete(it.record);
}

/* A day's summary on …/people/<person>/daily/<date>: not retained, so a
 * withdrawal leaves none behind; each reading of the day sends it again. */
static void publish_daily(struct hv_mqtt *m, const struct hv_outbox_item *day,
			  struct inflight *slot)
{
	char topic[MQTT_TOPIC_MAX], leaf[20];
	int mid = 0, r;

	(void)snprintf(leaf, sizeof(leaf), "daily");
	r = hv_topic_person(m->cfg->mqtt.topic_prefix, m->gateway, day->person,
			    leaf, topic, sizeof(topic));
	if (r >= 0 && strlen(topic) + 1 + strlen(day->id) < sizeof(topic)) {
		strcat(topic, "/");
		strcat(topic, day->id);
		r = mqtt_publish(m, MQTT_KIND_MEASUREMENT, topic, day->json,
				 false, &mid);
	}
	if (r < 0 || !mid) {
		slot->seq = 0;
		note_attempt(m, day->seq, "the daily summary could not be published");
		return;
	}
	slot->mid[slot->pending++] = mid;
	m->n_inflight++;
}

/* What the audience may see of it, published like any item. */
static void publish_audience_item(struct hv_mqtt *m,
				  const struct hv_outbox_item *item)
{
	struct hv_outbox_item seen = { 0 };
	const struct hv_config_audience *a = m->audience;
	struct mqtt_item it = { .item = &seen, .measurement_id = item->id };
	struct inflight *slot = free_slot(m);
	int r;

	r = mqtt_audience_item(m, item, &seen);
	if (r == 0) {
		drop_item(m, item);
		return;
	}
	if (r < 0) {
		log_warning_errno(r, "MQTT: measurement '%s' not published to audience %s: %m; it stays queued",
				  item->id, a->name);
		note_attempt(m, item->seq, "cannot be cut to the consent");
		return;
	}
	*slot = (struct inflight){ .seq = item->seq };
	if (r == 2) {
		publish_daily(m, &seen, slot);
		hv_outbox_item_done(&seen);
		return;
	}
	if (!publish_tracked(m, &it, slot)) {
		slot->failed = true;
		give_up_item(m, item, "a payload could not be published");
	}
	if (slot->pending) {
		m->n_inflight++;
		publish_untracked(m, &it);
	} else {
		slot->seq = 0;
	}
	cJSON_Delete(it.record);
	hv_outbox_item_done(&seen);
}

static void drain(struct hv_mqtt *m)
{
	mqtt_audience_withdrawals(m);
	while (m->connected && m->n_inflight < m->window_size) {
		struct hv_outbox_item items[FETCH_MAX];
		size_t want = m->window_size - m->n_inflight, n = 0;
		int r;

		if (want > FETCH_MAX)
			want = FETCH_MAX;
		r = hv_store_outbox_next_audience(m->store,
						  m->audience ? m->audience->name :
								"",
						  m->cursor, want, items, &n);
		if (r < 0) {
			log_error_errno(r, "Failed to read the outbox: %m (%s)",
					hv_store_errmsg(m->store));
			break;
		}
		for (size_t i = 0; i < n; i++) {
			if (m->connected)
				publish_item(m, &items[i]);
			if (m->connected)
				m->cursor = items[i].seq;
			hv_outbox_item_done(&items[i]);
		}
		if (n < want)
			break;
	}
	mqtt_update_io_events(m);
}

static int on_drain(sd_event_source *s, void *userdata)
{
	(void)s;
	drain(userdata);
	return 0;
}

void mqtt_outbox_schedule(struct hv_mqtt *m)
{
	if (m->drain)
		(void)sd_event_source_set_enabled(m->drain, SD_EVENT_ONESHOT);
}

/* --- delivered marks ------------------------------------------------------------ */

static void arm_retry(struct hv_mqtt *m)
{
	uint64_t now = 0;

	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	(void)sd_event_source_set_time(m->retry, now + MARK_RETRY_USEC);
	(void)sd_event_source_set_enabled(m->retry, SD_EVENT_ONESHOT);
}

void mqtt_outbox_flush(struct hv_mqtt *m)
{
	size_t n = m->n_marks;
	int r;

	if (!n)
		return;
	r = hv_store_outbox_mark_delivered_many(m->store, m->marks, n);
	if (r < 0) {
		/* Kept: retried every second. */
		if (!m->marks_failing)
			log_warning_errno(
				r,
				"Failed to mark %zu outbox entries delivered, retrying: %m (%s)",
				n, hv_store_errmsg(m->store));
		else
			log_debug_errno(
				r,
				"Marking %zu outbox entries delivered failed again: %m",
				n);
		m->marks_failing = true;
		arm_retry(m);
		return;
	}
	if (m->marks_failing)
		log_info("Marked %zu outbox entries delivered after all", n);
	m->marks_failing = false;
	m->n_marks = 0;
	if (m->cb.delivered)
		m->cb.delivered(n, m->userdata);
}

static int on_flush(sd_event_source *s, void *userdata)
{
	(void)s;
	mqtt_outbox_flush(userdata);
	return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	mqtt_outbox_flush(userdata);
	return 0;
}

/* --- refused publications ---------------------------------------------------------- */

/*
 * A row the broker refused (MQTT 5 reason code >= 0x80) stays pending and is
 * parked: the drain passes over it until its retry time, which doubles with
 * every refusal of that row, so one refused topic never holds up the rows
 * behind it, and a reconnect does not send it straight again.
 */
static struct parked *find_parked(struct hv_mqtt *m, int64_t seq)
{
	for (size_t i = 0; i < m->n_parked; i++)
		if (m->parked[i].seq == seq)
			return &m->parked[i];
	return NULL;
}

static void unpark(struct hv_mqtt *m, struct parked *p)
{
	*p = m->parked[--m->n_parked];
}

static uint64_t now_usec(struct hv_mqtt *m)
{
	uint64_t now = 0;

	(void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	return now;
}

static bool is_parked(struct hv_mqtt *m, int64_t seq)
{
	struct parked *p = find_parked(m, seq);

	return p && now_usec(m) < p->until_usec;
}

/* The timer for the next parked row to come due. A row due already is
 * looked at again within REQUEUE_MIN_USEC: a rescan that starts past it
 * (a reconnect while the library resends what was in flight) would not. */
static void arm_requeue(struct hv_mqtt *m)
{
	uint64_t first = UINT64_MAX, now = now_usec(m);

	for (size_t i = 0; i < m->n_parked; i++) {
		uint64_t at = m->parked[i].until_usec;

		if (at <= now)
			at = now + REQUEUE_MIN_USEC;
		if (at < first)
			first = at;
	}
	if (first == UINT64_MAX) {
		(void)sd_event_source_set_enabled(m->requeue, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(m->requeue, first);
	(void)sd_event_source_set_enabled(m->requeue, SD_EVENT_ONESHOT);
}

static void park(struct hv_mqtt *m, int64_t seq)
{
	struct parked *p = find_parked(m, seq);
	uint64_t delay = REQUEUE_MIN_USEC;

	if (!p) {
		if (m->n_parked == PARKED_MAX)
			return; /* retried with the next rescan */
		p = &m->parked[m->n_parked++];
		*p = (struct parked){ .seq = seq };
	}
	for (unsigned i = 0; i < p->refusals && delay < REQUEUE_MAX_USEC; i++)
		delay *= 2;
	if (delay > REQUEUE_MAX_USEC)
		delay = REQUEUE_MAX_USEC;
	if (p->refusals < 32)
		p->refusals++;
	p->until_usec = now_usec(m) + delay;
	arm_requeue(m);
}

/* A parked row is due: rescan once nothing is in flight. */
static int on_requeue(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct hv_mqtt *m = userdata;

	(void)s;
	(void)usec;
	if (!m->connected)
		return 0; /* connecting rescans anyway */
	if (m->n_inflight || m->n_marks) {
		(void)sd_event_source_set_time(m->requeue,
					       now_usec(m) + REQUEUE_MIN_USEC);
		(void)sd_event_source_set_enabled(m->requeue, SD_EVENT_ONESHOT);
		return 0;
	}
	m->cursor = 0;
	mqtt_outbox_schedule(m);
	arm_requeue(m);
	return 0;
}

/* --- acknowledgements ------------------------------------------------------------------ */

static void note_delivered(struct hv_mqtt *m, int64_t seq)
{
	struct parked *p = find_parked(m, seq);

	if (p)
		unpark(m, p);
	if (m->n_marks == m->marks_size) {
		/* Full after failed writes: this row is sent again after a
		 * reconnect rescans the outbox. */
		log_warning(
			"MQTT: outbox entry %lld not marked delivered, it will be sent again",
			(long long)seq);
		return;
	}
	m->marks[m->n_marks++] = seq;
	(void)sd_event_source_set_enabled(m->flush, SD_EVENT_ONESHOT);
}

static struct inflight *find_mid(struct hv_mqtt *m, int mid, size_t *ret_k)
{
	if (!mid)
		return NULL;
	for (size_t i = 0; i < m->window_size; i++) {
		struct inflight *slot = &m->window[i];

		if (!slot->seq)
			continue;
		for (size_t k = 0; k < MQTT_TRACKED_MAX; k++)
			if (slot->mid[k] == mid) {
				*ret_k = k;
				return slot;
			}
	}
	return NULL;
}

void mqtt_outbox_acknowledged(struct hv_mqtt *m, int mid, int reason)
{
	struct inflight *slot;
	size_t k;

	if (mqtt_audience_acknowledged(m, mid, reason))
		return;
	slot = find_mid(m, mid, &k);
	if (!slot)
		return;
	slot->mid[k] = 0;
	if (reason >= 0x80) {
		slot->failed = true;
		(void)snprintf(slot->refusal, sizeof(slot->refusal),
			       "refused by the broker: %s (0x%02x)",
			       mosquitto_reason_string(reason), reason);
	}
	if (--slot->pending)
		return;
	if (!slot->failed) {
		note_delivered(m, slot->seq);
	} else if (slot->refusal[0]) {
		log_warning("MQTT: outbox entry %lld %s; it stays queued",
			    (long long)slot->seq, slot->refusal);
		note_attempt(m, slot->seq, slot->refusal);
		park(m, slot->seq);
	}
	slot->seq = 0;
	m->n_inflight--;
	mqtt_outbox_schedule(m);
}

/* --- lifetime ----------------------------------------------------------------------- */

/* The broker lost our session (restarted without persistence, or MQTT 5
 * without a session expiry): a QoS 2 message it had acknowledged with PUBREC
 * but not released is gone, and the PUBCOMP for the library's PUBREL may
 * still come. Forget every message in flight; their rows are pending and
 * published again. QoS 1 needs nothing: the library resends PUBLISH. */
static void forget_in_flight(struct hv_mqtt *m)
{
	if (!m->n_inflight || m->cfg->mqtt.qos != 2)
		return;
	log_info(
		"MQTT: the broker kept no session; %zu measurements in flight are sent again",
		m->n_inflight);
	for (size_t i = 0; i < m->window_size; i++)
		m->window[i] = (struct inflight){ 0 };
	m->n_inflight = 0;
}

void mqtt_outbox_connected(struct hv_mqtt *m, bool session_present)
{
	m->withdrawal_mid = 0; /* announced again: the broker may not have it */
	if (!session_present)
		forget_in_flight(m);
	/* Nothing of ours in the library's queue: rescan from the start, so
	 * an item whose delivered mark failed is sent again. */
	mqtt_outbox_flush(m);
	if (m->n_inflight == 0 && m->n_marks == 0)
		m->cursor = 0;
	arm_requeue(m);
	mqtt_outbox_schedule(m);
}

int mqtt_outbox_setup(struct hv_mqtt *m)
{
	int r;

	m->window_size = m->cfg->mqtt.max_inflight ?: 32;
	m->window = calloc(m->window_size, sizeof(*m->window));
	m->marks_size = 4 * m->window_size;
	m->marks = calloc(m->marks_size, sizeof(*m->marks));
	m->parked = calloc(PARKED_MAX, sizeof(*m->parked));
	if (!m->window || !m->marks || !m->parked)
		return -ENOMEM;
	/* The refill before the marks: the broker has work while we commit. */
	r = sd_event_add_defer(m->event, &m->drain, on_drain, m);
	if (r >= 0)
		r = sd_event_source_set_priority(m->drain,
						 SD_EVENT_PRIORITY_NORMAL - 1);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->drain, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_defer(m->event, &m->flush, on_flush, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->flush, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time_relative(m->event, &m->retry,
					       CLOCK_MONOTONIC, MARK_RETRY_USEC,
					       0, on_retry, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->retry, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time_relative(
			m->event, &m->requeue, CLOCK_MONOTONIC,
			REQUEUE_MIN_USEC, 0, on_requeue, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->requeue, SD_EVENT_OFF);
	return r < 0 ? r : 0;
}

void mqtt_outbox_done(struct hv_mqtt *m)
{
	m->drain = sd_event_source_disable_unref(m->drain);
	m->flush = sd_event_source_disable_unref(m->flush);
	m->retry = sd_event_source_disable_unref(m->retry);
	m->requeue = sd_event_source_disable_unref(m->requeue);
	free(m->window);
	m->window = NULL;
	free(m->marks);
	m->marks = NULL;
	free(m->parked);
	m->parked = NULL;
}
