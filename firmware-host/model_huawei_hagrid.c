// SPDX-License-Identifier: MIT
/*
 * Firmware model: a Huawei Scale 3 / Scale 2 Pro / Honor Scale 2, the
 * scale's side of the "Hagrid" WSP protocol (layout, keys and sources in
 * drivers/huawei_hagrid.c, after openScale's HuaweiHagridWspLib.kt and
 * HuaweiHagridWspHandler.kt, oliexdev/openScale@f7a733b2):
 *
 *   service 0x181C
 *     02b2a08e-…  request-auth   an empty frame: the scale's challenge randA
 *     32330a04-…  auth-token     randB | the app's token: the scale's token
 *     a3d330f8-…  send-work-key  the work key under the root key: 0x00
 *     8cc61d7d-…  set-user-info  the user information under the work key: 0x00
 *     4338c65e-…  manager-info   an empty frame: huid (30) | device id (40)
 *   service 0x1805
 *     0x2A2B      the clock, one plain frame
 *     bfc36f6e-…  status-poll    an empty frame: the measurement status,
 *                                on the result characteristic
 *     ba216311-…  status-result  one plain frame, the status: 0x01 while
 *                                measuring, 0x00 once the weighing is done
 *   service 0x181B
 *     46797c17-…  realtime       an empty frame: the weighing, live then final
 *     0212f42a-…  history        empty: the first record, 0x00: the next
 *
 * Every message goes in WSP frames (hv_hagrid_build_frames), the scale's
 * weighings and history records sealed under the work key the host sent
 * (hv_hagrid_encrypt, a new IV each), so a weighing of 26 bytes takes
 * three notifications. The scale checks the host's token with its own CAK
 * (hv_hagrid_auth_token) and refuses a wrong one: it answers the token
 * with the one byte 0x01 instead of its own token and goes no further
 * (the sources do not say what a real scale answers; this one answers so
 * the host fails at once). Its root key comes from its own C1, C2 and
 * address, so a host with other C1 / C2 sends a work key it reads as
 * another.
 *
 * The status polls (openScale HuaweiHagridWspHandler.kt
 * startMeasurementStatusPolling, handleMeasurementStatusPayload): the
 * scale counts them and answers "measuring" until it has sent its final
 * weighing on this connection and "measuring_polls" more polls went by,
 * then 0.
 *
 * Scenario: "cak", "c1", "c2" (32 hex digits each; required), "huid" (the
 * account id its manager info names; none: an empty answer), "history"
 * ([{ readings, "time" }], oldest first, before anything weighed here),
 * "status_poll" (false: no status characteristics, default true),
 * "measuring_polls" (default 1).
 * Action "weigh": readings (body_weight, body_fat_percent, impedance,
 * heart_rate), "time" (default: the host's local clock now); sent on the
 * next realtime request, and kept in the history too, as the scale does.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "drivers/huawei_hagrid.h"
#include "firmware-host/vdev.h"

#define SVC_USER_DATA 0x181C
#define SVC_CURRENT_TIME 0x1805
#define SVC_BODY_COMPOSITION 0x181B
#define CHR_CURRENT_TIME 0x2A2B
#define CHR_REQUEST_AUTH "02b2a08e-f8b0-4047-b1fd-f4e0efeee679"
#define CHR_AUTH_TOKEN "32330a04-15d9-421a-91c5-2a2d5c7525c9"
#define CHR_SEND_WORK_KEY "a3d330f8-b84f-4f48-a78c-f8d1e33b597a"
#define CHR_SET_USER_INFO "8cc61d7d-66c0-4802-89c3-38c5a163592e"
#define CHR_GET_MANAGER_INFO "4338c65e-ed8e-4085-bbea-a25e33ca6b54"
#define CHR_STATUS_POLL "bfc36f6e-4150-4a4b-9052-3d359e52962e"
#define CHR_STATUS_RESULT "ba216311-1787-472b-bef6-3eb29e62293e"
#define WSP_FLAGS (VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR | VDEV_CHAR_NOTIFY)
#define LIVE_FRAMES 2
#define HISTORY_MAX 8
#define KEY HV_HAGRID_SECRET_LEN

struct message {
	uint8_t p[HV_HAGRID_MESSAGE_MAX];
	size_t len;
};

struct hagrid {
	uint8_t cak[KEY], c1[KEY], c2[KEY], root[KEY];
	char huid[31];
	/* this connection */
	uint8_t rand_a[KEY], work[KEY];
	bool challenged, authenticated, keyed, realtime;
	uint32_t challenges, ivs;
	/* status polls: this connection's, and "measuring" answers still due
	 * after the final weighing */
	unsigned polls, measuring_polls, measuring_left;
	bool weighed;
	/* the message being written, frame by frame */
	const struct vdev_char *rx_char;
	uint8_t rx_total, rx_next;
	struct message rx;
	/* a weighing to send: live ones then the final one */
	bool pending;
	struct message weighing[LIVE_FRAMES + 1];
	/* the records kept, oldest first; next: the one the host gets next */
	size_t n_history, history_next;
	struct message history[HISTORY_MAX];
};

static struct vdev_char *find(struct vdev_device *d, const char *uuid)
{
	struct hv_uuid u;

	if (hv_uuid_parse(uuid, &u) < 0)
		return NULL;
	for (size_t i = 0; i < d->n_services; i++)
		for (size_t j = 0; j < d->services[i].n_chars; j++)
			if (hv_uuid_equal(&d->services[i].chars[j].uuid, &u))
				return &d->services[i].chars[j];
	return NULL;
}

static bool is(const struct vdev_char *c, const char *uuid)
{
	struct hv_uuid u;

	return hv_uuid_parse(uuid, &u) == 0 && hv_uuid_equal(&c->uuid, &u);
}

static int add_char(struct vdev_service *s, const char *uuid)
{
	struct hv_uuid u;

	if (hv_uuid_parse(uuid, &u) < 0)
		return -EINVAL;
	return vdev_add_char_uuid(s, &u, WSP_FLAGS) ? 0 : -ENOSPC;
}

static int secret_from_json(const cJSON *conf, const char *key,
			    uint8_t ret[KEY])
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(conf, key);

	if (!cJSON_IsString(j) || strlen(j->valuestring) != 2 * KEY)
		return -EINVAL;
	for (size_t i = 0; i < KEY; i++) {
		int hi = hv_hex_digit(j->valuestring[2 * i]);
		int lo = hv_hex_digit(j->valuestring[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		ret[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The plain message of the 0xBD frames the driver's encoder made. */
static int message_of(const struct hv_frame *f, struct message *ret)
{
	struct hv_hagrid_reassembly st = { 0 };
	size_t at = 0;
	bool enc;
	int r = 0;

	while (at < f->value_len && r == 0) {
		struct hv_hagrid_frame fr;

		if (hv_hagrid_parse_frame(f->value + at, f->value_len - at,
					  &fr) < 0)
			return -EBADMSG;
		r = hv_hagrid_reassemble(&st, f->value + at, fr.frame_len,
					 ret->p, sizeof(ret->p), &ret->len,
					 &enc);
		at += fr.frame_len;
	}
	return r == 1 ? 0 : -EBADMSG;
}

/* A record for the history characteristic: the driver's encoding (the
 * last record: complete flag 0). */
static int history_of(struct vdev_device *d, const struct hv_measurement *m,
		      struct message *ret)
{
	struct hv_uuid target;
	struct hv_frame f;
	int r;

	if (hv_uuid_parse(HV_HAGRID_HISTORY, &target) < 0)
		return -EINVAL;
	r = d->driver->encode(m, &target, &f);
	if (r < 0)
		return r;
	return message_of(&f, ret);
}

static int history_add(struct vdev_device *d, struct hagrid *h,
		       const struct hv_measurement *m)
{
	if (h->n_history == HISTORY_MAX) {
		memmove(&h->history[0], &h->history[1],
			sizeof(h->history[0]) * (HISTORY_MAX - 1));
		h->n_history--;
	}
	return history_of(d, m, &h->history[h->n_history++]);
}

static void time_now(struct hv_measurement *m)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	m->device_time = (struct hv_datetime){
		.year = (uint16_t)(tm.tm_year + 1900),
		.month = (uint8_t)(tm.tm_mon + 1),
		.day = (uint8_t)tm.tm_mday,
		.hour = (uint8_t)tm.tm_hour,
		.minute = (uint8_t)tm.tm_min,
		.second = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec),
	};
	m->has_device_time = true;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *huid = cJSON_GetObjectItemCaseSensitive(conf, "huid");
	const cJSON *history = cJSON_GetObjectItemCaseSensitive(conf, "history");
	const cJSON *status_poll =
		cJSON_GetObjectItemCaseSensitive(conf, "status_poll");
	const cJSON *measuring =
		cJSON_GetObjectItemCaseSensitive(conf, "measuring_polls");
	const cJSON *item;
	uint8_t c3[KEY];
	struct vdev_service *s;
	struct hagrid *h;
	int r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	d->model_data = h;
	if (secret_from_json(conf, "cak", h->cak) < 0 ||
	    secret_from_json(conf, "c1", h->c1) < 0 ||
	    secret_from_json(conf, "c2", h->c2) < 0) {
		vdev_print(d->vdev, d->id,
			   "error: \"cak\", \"c1\" and \"c2\" need 32 hex digits each");
		return -EINVAL;
	}
	if (hv_hagrid_c3_from_address(d->address, c3) < 0)
		return -EINVAL;
	hv_hagrid_root_key(h->c1, h->c2, c3, h->root);
	if (cJSON_IsString(huid))
		(void)snprintf(h->huid, sizeof(h->huid), "%s", huid->valuestring);
	h->measuring_polls = 1;
	if (cJSON_IsNumber(measuring) && measuring->valueint >= 0 &&
	    measuring->valueint <= 100)
		h->measuring_polls = (unsigned)measuring->valueint;

	s = vdev_add_service(d, SVC_USER_DATA);
	if (!s)
		return -ENOSPC;
	r = add_char(s, CHR_REQUEST_AUTH);
	if (r >= 0)
		r = add_char(s, CHR_AUTH_TOKEN);
	if (r >= 0)
		r = add_char(s, CHR_SEND_WORK_KEY);
	if (r >= 0)
		r = add_char(s, CHR_SET_USER_INFO);
	if (r >= 0)
		r = add_char(s, CHR_GET_MANAGER_INFO);
	if (r < 0)
		return r;
	s = vdev_add_service(d, SVC_CURRENT_TIME);
	if (!s || !vdev_add_char(s, CHR_CURRENT_TIME,
				 VDEV_CHAR_READ | WSP_FLAGS))
		return -ENOSPC;
	if (!cJSON_IsFalse(status_poll)) {
		r = add_char(s, CHR_STATUS_POLL);
		if (r >= 0)
			r = add_char(s, CHR_STATUS_RESULT);
		if (r < 0)
			return r;
	}
	s = vdev_add_service(d, SVC_BODY_COMPOSITION);
	if (!s)
		return -ENOSPC;
	r = add_char(s, HV_HAGRID_REALTIME);
	if (r >= 0)
		r = add_char(s, HV_HAGRID_HISTORY);
	if (r < 0)
		return r;

	cJSON_ArrayForEach(item, history) {
		struct hv_measurement m;

		r = vdev_measurement_from_json(d, item, &m);
		if (r >= 0 && !m.has_device_time)
			r = -EINVAL;
		if (r >= 0)
			r = history_add(d, h, &m);
		if (r < 0) {
			vdev_print(d->vdev, d->id,
				   "error: a history record needs readings and a time");
			return r;
		}
	}
	return 0;
}

/* One message as notifications: plain (0xBD), or sealed under the work key
 * (0xCD) with the next IV. */
static void send(struct vdev_device *d, const char *uuid, const uint8_t *msg,
		 size_t len, bool seal, const char *what)
{
	struct hagrid *h = d->model_data;
	struct vdev_char *c = find(d, uuid);
	uint8_t sealed[HV_HAGRID_MESSAGE_MAX], iv[KEY] = { 0x5C, 0xA1, 0xE3 };
	uint8_t frames[HV_HAGRID_MESSAGE_MAX + 5 * HV_HAGRID_FRAMES_MAX];
	size_t n, at = 0, k = 0;

	if (seal) {
		hv_put_le32(iv + 12, ++h->ivs);
		if (hv_hagrid_encrypt(h->work, iv, msg, len, sealed,
				      sizeof(sealed), &len) < 0)
			return;
		msg = sealed;
	}
	if (!c || hv_hagrid_build_frames(seal ? HV_HAGRID_NOTIFY_ENCRYPTED :
						HV_HAGRID_NOTIFY_PLAIN,
					 msg, len, frames, sizeof(frames),
					 &n) < 0)
		return;
	while (at < n) {
		char label[64];

		(void)snprintf(label, sizeof(label), "%s %zu", what, ++k);
		(void)vdev_queue_notify(d, c, frames + at, frames[at + 1] + 2u,
					label);
		at += frames[at + 1] + 2u;
	}
}

static void send_byte(struct vdev_device *d, const char *uuid, uint8_t b,
		      const char *what)
{
	send(d, uuid, &b, 1, false, what);
}

/* A written frame into the message being written: 1 when it is whole. */
static int receive(struct hagrid *h, const struct vdev_char *c,
		   const uint8_t *v, size_t len, bool *ret_encrypted)
{
	struct hv_hagrid_frame f;

	if (hv_hagrid_parse_frame(v, len, &f) < 0 ||
	    !(f.type == HV_HAGRID_WRITE_PLAIN ||
	      f.type == HV_HAGRID_WRITE_ENCRYPTED))
		return -EBADMSG;
	if (f.index == 0) {
		h->rx_char = c;
		h->rx_total = f.total;
		h->rx_next = 0;
		h->rx.len = 0;
	}
	if (h->rx_char != c || f.total != h->rx_total || f.index != h->rx_next)
		return -EBADMSG;
	memcpy(h->rx.p + h->rx.len, f.payload, f.len);
	h->rx.len += f.len;
	h->rx_next++;
	*ret_encrypted = f.encrypted;
	return h->rx_next == h->rx_total ? 1 : 0;
}

static void challenge(struct vdev_device *d, struct hagrid *h)
{
	h->challenges++;
	for (unsigned i = 0; i < KEY; i++)
		h->rand_a[i] = (uint8_t)(h->challenges * 37 + i * 11);
	h->challenged = true;
	h->authenticated = h->keyed = false;
	vdev_print(d->vdev, d->id, "sends its challenge");
	send(d, CHR_REQUEST_AUTH, h->rand_a, KEY, false, "challenge");
}

static void check_token(struct vdev_device *d, struct hagrid *h)
{
	uint8_t want[HV_HAGRID_TOKEN_LEN], mine[HV_HAGRID_TOKEN_LEN];
	const uint8_t *rand_b = h->rx.p;

	if (!h->challenged || h->rx.len != KEY + HV_HAGRID_TOKEN_LEN) {
		vdev_print(d->vdev, d->id, "token refused (no challenge, or %zu bytes)",
			   h->rx.len);
		send_byte(d, CHR_AUTH_TOKEN, 0x01, "refusal");
		return;
	}
	hv_hagrid_auth_token(h->rand_a, rand_b, h->cak, false, want);
	if (memcmp(want, h->rx.p + KEY, sizeof(want)) != 0) {
		vdev_print(d->vdev, d->id, "token refused");
		send_byte(d, CHR_AUTH_TOKEN, 0x01, "refusal");
		return;
	}
	h->authenticated = true;
	hv_hagrid_auth_token(h->rand_a, rand_b, h->cak, true, mine);
	vdev_print(d->vdev, d->id, "token accepted");
	send(d, CHR_AUTH_TOKEN, mine, sizeof(mine), false, "token");
}

static void take_work_key(struct vdev_device *d, struct hagrid *h, bool enc)
{
	uint8_t plain[HV_HAGRID_MESSAGE_MAX];
	size_t n;

	if (!h->authenticated || !enc ||
	    hv_hagrid_decrypt(h->root, h->rx.p, h->rx.len, plain,
			      sizeof(plain), &n) < 0 ||
	    n != KEY) {
		vdev_print(d->vdev, d->id, "work key refused");
		send_byte(d, CHR_SEND_WORK_KEY, 0x01, "work key refusal");
		return;
	}
	memcpy(h->work, plain, KEY);
	h->keyed = true;
	vdev_print(d->vdev, d->id, "work key accepted");
	send_byte(d, CHR_SEND_WORK_KEY, 0x00, "work key answer");
}

static void take_user(struct vdev_device *d, struct hagrid *h, bool enc)
{
	uint8_t plain[HV_HAGRID_MESSAGE_MAX];
	char huid[31] = "";
	size_t n;

	if (!h->keyed || !enc ||
	    hv_hagrid_decrypt(h->work, h->rx.p, h->rx.len, plain,
			      sizeof(plain), &n) < 0 ||
	    n != HV_HAGRID_USER_INFO_LEN) {
		vdev_print(d->vdev, d->id, "user information refused");
		send_byte(d, CHR_SET_USER_INFO, 0x01, "user answer");
		return;
	}
	memcpy(huid, plain, 30);
	vdev_print(d->vdev, d->id,
		   "user information: huid %s, sex %u, age %u, height %u cm",
		   huid, plain[62], plain[63], (unsigned)hv_le16(plain + 64));
	send_byte(d, CHR_SET_USER_INFO, 0x00, "user answer");
}

static void manager_info(struct vdev_device *d, struct hagrid *h)
{
	uint8_t info[70] = { 0 };

	if (!h->huid[0]) {
		vdev_print(d->vdev, d->id, "manager info: no account");
		send(d, CHR_GET_MANAGER_INFO, info, 0, false, "manager info");
		return;
	}
	memcpy(info, h->huid, strlen(h->huid));
	memcpy(info + 30, d->id, strnlen(d->id, 40));
	vdev_print(d->vdev, d->id, "manager info: huid %s", h->huid);
	send(d, CHR_GET_MANAGER_INFO, info, sizeof(info), false,
	     "manager info");
}

static void send_weighing(struct vdev_device *d, struct hagrid *h)
{
	if (!h->pending)
		return;
	h->pending = false;
	h->weighed = true;
	h->measuring_left = h->measuring_polls;
	vdev_print(d->vdev, d->id, "sends the weighing, sealed");
	for (size_t i = 0; i <= LIVE_FRAMES; i++)
		send(d, HV_HAGRID_REALTIME, h->weighing[i].p,
		     h->weighing[i].len, true,
		     i < LIVE_FRAMES ? "live weighing" : "final weighing");
}

/* The next history record (complete flag 1 but for the last), or an
 * empty message once all went. */
static void send_history(struct vdev_device *d, struct hagrid *h)
{
	struct message m;

	if (h->history_next >= h->n_history) {
		vdev_print(d->vdev, d->id, "history: no more records");
		send(d, HV_HAGRID_HISTORY, m.p, 0, false, "history end");
		return;
	}
	m = h->history[h->history_next++];
	m.p[m.len - 1] = h->history_next < h->n_history;
	vdev_print(d->vdev, d->id, "history: record %zu of %zu, sealed",
		   h->history_next, h->n_history);
	send(d, HV_HAGRID_HISTORY, m.p, m.len, true, "history record");
}

/* A status poll: 0x01 (measuring) until the final weighing went and
 * measuring_polls more polls, then 0x00. */
static void status_poll(struct vdev_device *d, struct hagrid *h)
{
	uint8_t status = 0x01;

	h->polls++;
	if (h->weighed && h->measuring_left > 0)
		h->measuring_left--;
	else if (h->weighed)
		status = 0x00;
	vdev_print(d->vdev, d->id, "status poll %u answered: %u (%s)", h->polls,
		   status, status ? "measuring" : "ready");
	send_byte(d, CHR_STATUS_RESULT, status, "status");
}

static int write_value(struct vdev_device *d, struct vdev_char *c,
		       const uint8_t *v, size_t len)
{
	struct hagrid *h = d->model_data;
	bool enc = false;
	int r;

	r = receive(h, c, v, len, &enc);
	if (r < 0)
		return VDEV_ATT_INVALID_LENGTH;
	if (r == 0)
		return 0;
	if (is(c, CHR_REQUEST_AUTH)) {
		challenge(d, h);
	} else if (is(c, CHR_AUTH_TOKEN)) {
		check_token(d, h);
	} else if (is(c, CHR_SEND_WORK_KEY)) {
		take_work_key(d, h, enc);
	} else if (hv_uuid_is16(&c->uuid, CHR_CURRENT_TIME)) {
		if (h->rx.len >= 7)
			vdev_print(d->vdev, d->id,
				   "clock set %04u-%02u-%02u %02u:%02u:%02u",
				   (unsigned)hv_le16(h->rx.p), h->rx.p[2],
				   h->rx.p[3], h->rx.p[4], h->rx.p[5],
				   h->rx.p[6]);
	} else if (!h->keyed) {
		/* nothing else before the handshake */
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	} else if (is(c, CHR_SET_USER_INFO)) {
		take_user(d, h, enc);
	} else if (is(c, CHR_GET_MANAGER_INFO)) {
		manager_info(d, h);
	} else if (is(c, HV_HAGRID_REALTIME)) {
		vdev_print(d->vdev, d->id, "realtime flow started");
		h->realtime = true;
		send_weighing(d, h);
	} else if (is(c, CHR_STATUS_POLL)) {
		status_poll(d, h);
	} else if (is(c, HV_HAGRID_HISTORY)) {
		if (h->rx.len == 0)
			h->history_next = 0;
		send_history(d, h);
	}
	return 0;
}

static void disconnected(struct vdev_device *d)
{
	struct hagrid *h = d->model_data;

	h->challenged = h->authenticated = h->keyed = h->realtime = false;
	h->weighed = false;
	h->polls = 0;
	h->rx_char = NULL;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	static const double live[LIVE_FRAMES] = { 0.90, 0.97 };
	struct hagrid *h = d->model_data;
	const struct hv_reading *w;
	struct hv_measurement full, m;
	struct hv_frame f;
	int r;

	r = vdev_measurement_from_json(d, ev, &full);
	if (r < 0)
		return r;
	w = hv_measurement_find(&full, HV_METRIC_BODY_WEIGHT);
	if (!w)
		return -EINVAL;
	if (!full.has_device_time)
		time_now(&full);
	for (size_t i = 0; i <= LIVE_FRAMES; i++) {
		m = full;
		if (i < LIVE_FRAMES) {
			/* settling: the weight alone, no fat or heart rate */
			m.n_readings = 0;
			(void)hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT,
						 (int)(w->value * live[i] * 20) / 20.0);
		}
		r = vdev_encode(d, &m, 0, &f);
		if (r >= 0)
			r = message_of(&f, &h->weighing[i]);
		if (r < 0)
			return r;
	}
	r = history_add(d, h, &full);
	if (r < 0)
		return r;
	h->pending = true;
	vdev_print(d->vdev, d->id, "steps on: %.2f kg, kept for the realtime flow",
		   w->value);
	if (h->realtime)
		send_weighing(d, h);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_huawei_hagrid = {
	.id = "huawei_hagrid",
	.default_driver = "huawei_hagrid",
	.init = init,
	.action = action,
	.write = write_value,
	.disconnected = disconnected,
	.free = vdev_model_free_data,
};
