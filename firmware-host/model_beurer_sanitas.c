// SPDX-License-Identifier: MIT
/*
 * Firmware model: Beurer BF710 / Sanitas SBF70 / SilverCrest SBF75 (start
 * byte E7), the proprietary protocol on 0xFFE0 (layout in
 * drivers/beurer_sanitas.c, after openScale's BeurerSanitasHandler.kt,
 * oliexdev/openScale@f7a733b2):
 *
 *   service 0xFFE0
 *     0xFFE1  write, notify   every frame both ways: SS CC params…
 *
 * The scale takes: E6 01 (init, answered E6 00), E9 + Unix time u32 BE
 * (`clock set to …`), E7 4F (status, answered E7 F0 4F 00), E7 33 (user
 * list: E7 F0 33 00 CC MM, then each user E7 34 NN KK uid×8 AAA YY …
 * once the previous one is acknowledged), E7 41 uid (its saved
 * measurements: E7 F0 41 N, then two parts a record, E7 42 NN KK, each
 * sent once the previous one is acknowledged with E7 F1 42 NN KK), E7 43
 * uid (deletes that user's saved measurements: `N saved measurements
 * deleted`), E7 40 uid (a measurement for that user: E7 F0 40 00; the
 * weighing comes as live E7 58 frames and the three parts of E7 59, each
 * after the acknowledgement of the previous). A uid the scale does not
 * know is answered E7 F0 CC 01 and nothing follows (`unknown user
 * <uid>`); an acknowledgement of another part than the one sent, or any
 * other frame, is ignored (`frame ignored: <hex> (<why>)`). The record
 * bytes 0..15 are the driver's encoder's (its E7 59 03 02 frame), bytes
 * 16..21 (BMR, AMR, BMI) zero.
 *
 * Scenario: "users" [{ "uid": "16 hex digits", "name": "ANA" }] (max 8),
 * "records" (readings with "time", "user": the user's number, 1-based),
 * fault "disconnect_after" N (the link drops as the N-th saved part
 * leaves, before its acknowledgement; once).
 * Action "weigh" (readings, "user"): for a measurement started on the
 * link (E7 40) of that user, sent at once; otherwise kept as a saved
 * measurement.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/bytes.h"
#include "firmware-host/record_queue.h"
#include "firmware-host/vdev.h"

#define SVC 0xFFE0
#define CHR 0xFFE1
#define SS 0xE7
#define USERS_MAX 8
#define PARTS_MAX (2 * VDEV_RECORDS_MAX + 3)
#define PART_LEN 20

struct bs_user {
	uint8_t uid[8];
	char name[4];
};

/* A multi-part answer: each part goes out when the previous one is
 * acknowledged (SS F1 CC NN KK). */
struct bs_parts {
	size_t n, next;
	uint8_t len[PARTS_MAX];
	uint8_t b[PARTS_MAX][PART_LEN];
	uint16_t seq[PARTS_MAX]; /* saved record of the part, 0 none */
};

struct beurer {
	size_t n_users;
	struct bs_user users[USERS_MAX];
	struct vdev_records records; /* encoder's 0x59 part-2 frames */
	struct bs_parts out;
	int measuring; /* user number of a started measurement, 0 none */
	int disconnect_after; /* saved parts; 0 once the fault happened */
	unsigned saved_parts_sent;
};

#define TAG_DROP 1

static int parse_uid(const char *text, uint8_t uid[8])
{
	unsigned x;

	if (!text || strlen(text) != 16)
		return -EINVAL;
	for (size_t i = 0; i < 8; i++) {
		if (sscanf(text + 2 * i, "%2x", &x) != 1)
			return -EINVAL;
		uid[i] = (uint8_t)x;
	}
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *u;
	struct vdev_service *s;
	struct beurer *b;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	d->model_data = b;
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(conf, "users")) {
		const cJSON *uid = cJSON_GetObjectItemCaseSensitive(u, "uid"),
			    *name = cJSON_GetObjectItemCaseSensitive(u, "name");
		struct bs_user *bu = &b->users[b->n_users];

		if (b->n_users == USERS_MAX || !cJSON_IsString(uid) ||
		    parse_uid(uid->valuestring, bu->uid) < 0) {
			vdev_print(d->vdev, d->id,
				   "users: at most 8, \"uid\" 16 hex digits");
			return -EINVAL;
		}
		(void)snprintf(bu->name, sizeof(bu->name), "%s",
			       cJSON_IsString(name) ? name->valuestring : "USR");
		b->n_users++;
	}
	s = vdev_add_service(d, SVC);
	if (!s || !vdev_add_char(s, CHR, VDEV_CHAR_WRITE | VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	b->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	return vdev_records_load(d, &b->records, conf, CHR);
}

static void send(struct vdev_device *d, const uint8_t *v, size_t n,
		 const char *what)
{
	(void)vdev_queue_notify(d, vdev_find_char(d, CHR), v, n, what);
}

static void send_next_part(struct vdev_device *d, struct beurer *b)
{
	struct bs_parts *o = &b->out;

	unsigned tag = 0;

	if (o->next >= o->n)
		return;
	if (b->disconnect_after > 0 && o->b[o->next][1] == 0x42 &&
	    ++b->saved_parts_sent == (unsigned)b->disconnect_after) {
		b->disconnect_after = 0;
		tag = TAG_DROP;
	}
	(void)vdev_queue_notify_tagged(d, vdev_find_char(d, CHR), o->b[o->next],
				       o->len[o->next], "part", tag);
}

/* The fault: the link drops as the part leaves, before its
 * acknowledgement. */
static void beurer_delivered(struct vdev_device *d, struct vdev_char *c,
			     unsigned tag)
{
	(void)c;
	if (tag != TAG_DROP)
		return;
	vdev_print(d->vdev, d->id, "drops the link (fault: disconnect_after)");
	vdev_queue_clear(d);
	vdev_bus_link_lost(d);
}

static void parts_reset(struct bs_parts *o)
{
	o->n = 0;
	o->next = 0;
}

static void parts_add(struct bs_parts *o, const uint8_t *v, size_t n,
		      uint16_t seq)
{
	if (o->n == PARTS_MAX || n > PART_LEN)
		return;
	memcpy(o->b[o->n], v, n);
	o->len[o->n] = (uint8_t)n;
	o->seq[o->n] = seq;
	o->n++;
}

/* Number (1-based) of the user whose uid is at p, 0 none. */
static int user_by_uid(const struct beurer *b, const uint8_t *p)
{
	for (size_t i = 0; i < b->n_users; i++)
		if (memcmp(b->users[i].uid, p, 8) == 0)
			return (int)i + 1;
	return 0;
}

static void ack(struct vdev_device *d, uint8_t cmd, uint8_t status)
{
	uint8_t v[4] = { SS, 0xF0, cmd, status };

	send(d, v, sizeof(v), "ack");
}

static void user_list(struct vdev_device *d, struct beurer *b)
{
	uint8_t v[6] = { SS, 0xF0, 0x33, 0x00, (uint8_t)b->n_users, USERS_MAX };

	send(d, v, sizeof(v), "user list");
	parts_reset(&b->out);
	for (size_t i = 0; i < b->n_users; i++) {
		uint8_t u[PART_LEN] = { SS, 0x34, (uint8_t)b->n_users,
					(uint8_t)(i + 1) };

		memcpy(u + 4, b->users[i].uid, 8);
		memcpy(u + 12, b->users[i].name, 3);
		u[15] = 85; /* birth year - 1900 */
		parts_add(&b->out, u, 16, 0);
	}
	send_next_part(d, b);
}

/* A record as the two parts of a saved measurement (KK odd: bytes 0..15,
 * from the encoder's 59 part; even: 16..21, zero). */
static void add_saved(struct beurer *b, const struct vdev_record *r,
		      uint8_t nn, uint8_t kk)
{
	uint8_t p1[PART_LEN] = { SS, 0x42, nn, kk },
		p2[10] = { SS, 0x42, nn, (uint8_t)(kk + 1) };

	memcpy(p1 + 4, r->value + 4, 16);
	parts_add(&b->out, p1, sizeof(p1), r->seq);
	parts_add(&b->out, p2, sizeof(p2), r->seq);
}

static void saved_measurements(struct vdev_device *d, struct beurer *b,
			       int user)
{
	size_t n = vdev_records_of_user(&b->records, user);

	vdev_print(d->vdev, d->id, "saved measurements of user %d asked: %zu",
		   user, n);
	ack(d, 0x41, (uint8_t)n);
	parts_reset(&b->out);
	for (size_t i = 0, k = 1; i < b->records.n; i++) {
		if (b->records.r[i].user != user)
			continue;
		add_saved(b, &b->records.r[i], (uint8_t)(2 * n), (uint8_t)k);
		k += 2;
	}
	send_next_part(d, b);
}

static void delete_saved(struct vdev_device *d, struct beurer *b, int user)
{
	size_t n = vdev_records_remove_user(&b->records, user);

	vdev_print(d->vdev, d->id, "%zu saved measurements of user %d deleted",
		   n, user);
	ack(d, 0x43, 0x00);
}

static const char *take_ack(struct vdev_device *d, struct beurer *b,
			    const uint8_t *v, size_t len)
{
	struct bs_parts *o = &b->out;

	if (len != 5 || o->next >= o->n)
		return "acknowledges nothing sent";
	if (memcmp(v + 2, o->b[o->next] + 1, 3) != 0)
		return "acknowledges another part";
	o->next++;
	if (o->next == o->n)
		vdev_print(d->vdev, d->id, "all %zu parts acknowledged", o->n);
	send_next_part(d, b);
	return NULL;
}

static const char *take_command(struct vdev_device *d, struct beurer *b,
				const uint8_t *v, size_t len)
{
	char hex[17];
	int user;

	switch (v[1]) {
	case 0x4F:
		ack(d, 0x4F, 0x00);
		return NULL;
	case 0x33:
		user_list(d, b);
		return NULL;
	case 0xF1:
		return take_ack(d, b, v, len);
	case 0x40:
	case 0x41:
	case 0x43:
		if (len != 10)
			return "length";
		user = user_by_uid(b, v + 2);
		if (!user) {
			vdev_hex(v + 2, 8, hex, sizeof(hex));
			vdev_print(d->vdev, d->id, "unknown user %s", hex);
			ack(d, v[1], 0x01);
			return NULL;
		}
		if (v[1] == 0x41)
			saved_measurements(d, b, user);
		else if (v[1] == 0x43)
			delete_saved(d, b, user);
		else {
			b->measuring = user;
			vdev_print(d->vdev, d->id, "measurement for user %d started",
				   user);
			ack(d, 0x40, 0x00);
		}
		return NULL;
	default:
		return "unknown command";
	}
}

static int beurer_write(struct vdev_device *d, struct vdev_char *c,
			const uint8_t *v, size_t len)
{
	struct beurer *b = d->model_data;
	const char *fault = NULL;
	struct hv_datetime dt;

	if (!hv_uuid_is16(&c->uuid, CHR))
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (len == 2 && v[0] == 0xE6 && v[1] == 0x01) {
		uint8_t a[2] = { 0xE6, 0x00 };

		send(d, a, sizeof(a), "init");
	} else if (len == 5 && v[0] == 0xE9) {
		hv_datetime_from_unix(hv_be32(v + 1), &dt);
		vdev_print(d->vdev, d->id, "clock set to %04u-%02u-%02u %02u:%02u UTC (%+lld s)",
			   dt.year, dt.month, dt.day, dt.hour, dt.minute,
			   (long long)((int64_t)hv_be32(v + 1) - (int64_t)time(NULL)));
	} else if (len >= 2 && v[0] == SS) {
		fault = take_command(d, b, v, len);
	} else {
		fault = "not an E7 frame";
	}
	if (fault)
		vdev_print_ignored(d, v, len, fault);
	return 0;
}

static void beurer_disconnected(struct vdev_device *d)
{
	struct beurer *b = d->model_data;

	b->measuring = 0;
	parts_reset(&b->out);
}

/* A weighing for the user measuring on this link: live, then the three
 * parts of 59, each after the previous one's acknowledgement. */
static int send_measurement(struct vdev_device *d, struct beurer *b,
			    const struct hv_measurement *m)
{
	struct hv_measurement live = *m;
	struct hv_frame f;
	uint8_t p1[13] = { SS, 0x59, 3, 1 }, p3[10] = { SS, 0x59, 3, 3 };
	int r;

	live.final = false;
	live.more_packets = false;
	r = vdev_encode(d, &live, CHR, &f);
	if (r < 0)
		return r;
	send(d, f.value, f.value_len, "live");
	r = vdev_encode(d, m, CHR, &f);
	if (r < 0)
		return r;
	memcpy(p1 + 5, b->users[b->measuring - 1].uid, 8);
	parts_reset(&b->out);
	parts_add(&b->out, p1, sizeof(p1), 0);
	parts_add(&b->out, f.value, f.value_len, 0);
	parts_add(&b->out, p3, sizeof(p3), 0);
	b->measuring = 0;
	send_next_part(d, b);
	return 0;
}

static int weigh(struct vdev_device *d, const cJSON *ev)
{
	struct beurer *b = d->model_data;
	struct hv_measurement m;
	int i, r;

	r = vdev_kept_weighing(d, ev, (int64_t)time(NULL), &m);
	if (r < 0)
		return r;
	m.final = true;
	if (b->measuring && b->measuring == m.user_index &&
	    vdev_bus_delivers(d, vdev_find_char(d, CHR))) {
		vdev_print(d->vdev, d->id, "steps on: measurement for user %d sent",
			   m.user_index);
		return send_measurement(d, b, &m);
	}
	i = vdev_records_add(d, &b->records, &m, CHR);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "steps on: saved measurement %u of user %d",
		   b->records.r[i].seq, b->records.r[i].user);
	return 0;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "weigh") == 0)
		return weigh(d, ev);
	return -EOPNOTSUPP;
}

const struct vdev_model vdev_model_beurer_sanitas = {
	.id = "beurer_sanitas",
	.default_driver = "beurer_sanitas",
	.init = init,
	.action = action,
	.write = beurer_write,
	.delivered = beurer_delivered,
	.disconnected = beurer_disconnected,
	.free = vdev_model_free_data,
};
