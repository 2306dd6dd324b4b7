// SPDX-License-Identifier: MIT
/*
 * Firmware model: a multi-user Bluetooth SIG weight scale that needs consent
 * (docs/drivers.md, "The SIG scale conversation"):
 *
 *   service 0x181D Weight Scale
 *     0x2A9E Weight Scale Feature     read      uint32: time stamp, multiple
 *                                               users, resolution 0.005 kg
 *     0x2A9D Weight Measurement       indicate  (frames from the driver)
 *   service 0x181C User Data
 *     0x2A9A User Index               read      consented user, 0xFF none
 *     0x2A99 Database Change Incr.    read, write, notify   uint32; ATT
 *                                               error 0x80 without consent
 *     0x2A9F User Control Point       write, indicate
 *   service 0x1805 Current Time
 *     0x2A2B Current Time             read, write, notify   10 octets
 *   service 0x180A Device Information (only with "device_information")
 *     0x2A29 0x2A24 0x2A25 0x2A27 0x2A26 0x2A28   read   the strings given
 *     0x2A23 System ID                read      8 octets given in hex
 *
 * User Control Point (response: 20 <request op> <result> [param]):
 *   01 cc cc       register new user → 20 01 01 <index> (04 when full,
 *                  03 for a consent code above 9999)
 *   02 ii cc cc    consent → 20 02 01, then the user's stored measurements
 *                  as 0x2A9D indications (each sent record is forgotten);
 *                  wrong code → 20 02 05 (User Not Authorized), unknown
 *                  user → 20 02 03
 *   03             delete the consented user's data → 20 03 01 (05 none)
 *   other          20 op 02
 * Writing the UCP without its CCC enabled fails with ATT error 0xFD.
 *
 * Settings: "users" [{"index", "consent"}], "max_users" (4),
 * "device_information" {"manufacturer", "model", "serial", "hardware",
 * "firmware", "software", "system_id"} (each optional; false: the reads
 * fail), "records" [{readings, time, user}], "clock_offset_s" (the scale's
 * clock runs that many seconds ahead of the host's until the gateway sets
 * it; negative: behind), faults "disconnect_after", "corrupt_record".
 * Action "weigh": readings + "user": indicated at once when that user has
 * consented on the current link and 0x2A9D is subscribed, stored otherwise.
 *
 * "bf450" {"impedance"}: the Beurer BF450's vendor service 0xFFFF (openScale
 * BeurerBF450Handler.kt, oliexdev/openScale@f7a733b2):
 *   0xFFF2  write: the activity level, one byte 1..5
 *   0xFFF4  write 00: take a measurement; answered with the impedance on
 *           0xFFF6 (16 bytes: Ohm little-endian at [5..6], the consented
 *           user at [9]) when a user has consented, refused (ATT error
 *           0x80, as the UDS refuses) otherwise
 *   0xFFF6  notify
 * What the real scale sends on 0xFFF4 and in the rest of 0xFFF6 is not
 * published; the refusal without consent is ours.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/basic/macro.h"
#include "drivers/bytes.h"
#include "firmware-host/vdev.h"

#define WSS 0x181D
#define WEIGHT_FEATURE 0x2A9E
#define WEIGHT_MEASUREMENT 0x2A9D
#define UDS 0x181C
#define USER_INDEX 0x2A9A
#define DB_CHANGE 0x2A99
#define UCP 0x2A9F
#define CTS 0x1805
#define CURRENT_TIME 0x2A2B
#define DIS 0x180A
#define SYSTEM_ID 0x2A23
#define DIS_VALUE_MAX 64
#define ATT_CCC_IMPROPER 0xFD
#define USERS_MAX 8
#define BF450_SERVICE 0xFFFF
#define BF450_ACTIVITY 0xFFF2
#define BF450_TAKE_MEASUREMENT 0xFFF4
#define BF450_EXTRA 0xFFF6
#define BF450_EXTRA_LEN 16

struct user {
	bool used;
	uint16_t consent;
	uint32_t db_change;
};

struct ws {
	struct vdev_records records;
	struct user users[USERS_MAX];
	int max_users;
	int consented; /* user index on this link, -1 none */
	int disconnect_after;
	long clock_offset; /* seconds added to the host clock */
	struct vdev_char *wm, *ucp, *ct;
	struct vdev_char *bf450_extra; /* NULL: not a BF450 */
	uint16_t bf450_impedance;
	/* Device Information: characteristic, value (uuid 0: absent) */
	struct {
		uint16_t uuid;
		bool refused; /* reads fail with an ATT error */
		uint8_t value[DIS_VALUE_MAX];
		size_t len;
	} dis[7];
};

static const struct {
	const char *key;
	uint16_t uuid;
} dis_keys[] = {
	{ "manufacturer", 0x2A29 }, { "model", 0x2A24 },
	{ "serial", 0x2A25 },	    { "hardware", 0x2A27 },
	{ "firmware", 0x2A26 },	    { "software", 0x2A28 },
	{ "system_id", SYSTEM_ID },
};

/* The service with a characteristic for each value given. */
static int dis_init(struct vdev_device *d, struct ws *ws, const cJSON *conf)
{
	const cJSON *info =
		cJSON_GetObjectItemCaseSensitive(conf, "device_information");
	struct vdev_service *s;

	if (!info)
		return 0;
	s = vdev_add_service(d, DIS);
	for (size_t i = 0; i < ELEMENTSOF(dis_keys); i++) {
		const cJSON *item =
			cJSON_GetObjectItemCaseSensitive(info, dis_keys[i].key);
		const char *v = cJSON_GetStringValue(item);
		size_t len = 0;

		if (!item)
			continue;
		if (!v) {
			/* false: the characteristic is there, its reads fail */
			ws->dis[i].refused = true;
		} else if (dis_keys[i].uuid == SYSTEM_ID) {
			if (hv_unhex(v, ws->dis[i].value, DIS_VALUE_MAX, &len) < 0)
				return -EINVAL;
		} else {
			len = strlen(v);
			if (len > DIS_VALUE_MAX)
				return -EINVAL;
			memcpy(ws->dis[i].value, v, len);
		}
		ws->dis[i].uuid = dis_keys[i].uuid;
		ws->dis[i].len = len;
		if (!vdev_add_char(s, dis_keys[i].uuid, VDEV_CHAR_READ))
			return -ENOSPC;
	}
	return 0;
}

/* The BF450's vendor service, when "bf450" is given. */
static int bf450_init(struct vdev_device *d, struct ws *ws, const cJSON *conf)
{
	const cJSON *bf450 = cJSON_GetObjectItemCaseSensitive(conf, "bf450");
	struct vdev_service *s;
	int ohm;

	if (!bf450)
		return 0;
	ohm = vdev_conf_int(bf450, "impedance", 500);
	if (ohm < 1 || ohm > 0xFFFF)
		return -EINVAL;
	ws->bf450_impedance = (uint16_t)ohm;
	s = vdev_add_service(d, BF450_SERVICE);
	if (!vdev_add_char(s, BF450_ACTIVITY, VDEV_CHAR_WRITE) ||
	    !vdev_add_char(s, BF450_TAKE_MEASUREMENT,
			   VDEV_CHAR_WRITE | VDEV_CHAR_NOTIFY))
		return -ENOSPC;
	ws->bf450_extra = vdev_add_char(s, BF450_EXTRA, VDEV_CHAR_NOTIFY);
	return ws->bf450_extra ? 0 : -ENOSPC;
}

static int bf450_write(struct vdev_device *d, struct ws *ws, int uuid,
		       const uint8_t *v, size_t len)
{
	uint8_t extra[BF450_EXTRA_LEN] = { 0 };

	if (len != 1)
		return VDEV_ATT_INVALID_LENGTH;
	if (uuid == BF450_ACTIVITY) {
		if (v[0] < 1 || v[0] > 5)
			return VDEV_ATT_WRITE_NOT_PERMITTED;
		vdev_print(d->vdev, d->id, "bf450 activity level %u", v[0]);
		return 0;
	}
	if (v[0] != 0)
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	if (ws->consented < 0)
		return VDEV_ATT_UDS_NOT_PERMITTED;
	vdev_print(d->vdev, d->id, "bf450 take measurement");
	hv_put_le16(extra + 5, ws->bf450_impedance);
	extra[9] = (uint8_t)ws->consented;
	if (vdev_bus_delivers(d, ws->bf450_extra))
		(void)vdev_queue_notify(d, ws->bf450_extra, extra,
					sizeof(extra), "bf450 impedance");
	return 0;
}

/* 0 with the value, an ATT error, or -ENOENT: not a DIS characteristic. */
static int dis_read(const struct ws *ws, int uuid, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	for (size_t i = 0; i < ELEMENTSOF(ws->dis); i++) {
		if (!ws->dis[i].uuid || (int)ws->dis[i].uuid != uuid)
			continue;
		if (ws->dis[i].refused)
			return VDEV_ATT_READ_NOT_PERMITTED;
		if (ws->dis[i].len > size)
			return VDEV_ATT_INVALID_LENGTH;
		memcpy(buf, ws->dis[i].value, ws->dis[i].len);
		*ret_len = ws->dis[i].len;
		return 0;
	}
	return -ENOENT;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	const cJSON *users = cJSON_GetObjectItemCaseSensitive(conf, "users");
	const cJSON *u;
	struct vdev_service *s;
	struct ws *ws;
	int r;

	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	d->model_data = ws;
	ws->consented = -1;
	ws->max_users = vdev_conf_int(conf, "max_users", 4);
	if (ws->max_users < 1 || ws->max_users > USERS_MAX)
		return -EINVAL;
	ws->disconnect_after = vdev_conf_int(conf, "disconnect_after", 0);
	ws->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
	cJSON_ArrayForEach(u, users) {
		int idx = vdev_conf_int(u, "index", -1);
		int code = vdev_conf_int(u, "consent", -1);

		if (idx < 0 || idx >= ws->max_users || code < 0 || code > 9999)
			return -EINVAL;
		ws->users[idx] = (struct user){ true, (uint16_t)code, 0 };
	}

	s = vdev_add_service(d, WSS);
	(void)vdev_add_char(s, WEIGHT_FEATURE, VDEV_CHAR_READ);
	ws->wm = vdev_add_char(s, WEIGHT_MEASUREMENT, VDEV_CHAR_INDICATE);
	s = vdev_add_service(d, UDS);
	(void)vdev_add_char(s, USER_INDEX, VDEV_CHAR_READ);
	(void)vdev_add_char(s, DB_CHANGE,
			    VDEV_CHAR_READ | VDEV_CHAR_WRITE | VDEV_CHAR_NOTIFY);
	ws->ucp = vdev_add_char(s, UCP, VDEV_CHAR_WRITE | VDEV_CHAR_INDICATE);
	s = vdev_add_service(d, CTS);
	ws->ct = vdev_add_char(s, CURRENT_TIME,
			       VDEV_CHAR_READ | VDEV_CHAR_WRITE |
				       VDEV_CHAR_NOTIFY);
	if (!ws->wm || !ws->ucp || !ws->ct)
		return -ENOSPC;
	r = dis_init(d, ws, conf);
	if (r < 0)
		return r;
	r = bf450_init(d, ws, conf);
	if (r < 0)
		return r;
	return vdev_records_load(d, &ws->records, conf, WEIGHT_MEASUREMENT);
}

static void device_clock(const struct ws *ws, uint8_t out[10])
{
	vdev_current_time(ws->clock_offset, out);
}

static int ws_read(struct vdev_device *d, struct vdev_char *c, uint8_t *buf,
		   size_t size, size_t *ret_len)
{
	struct ws *ws = d->model_data;
	int u = hv_uuid_to16(&c->uuid), r;

	if (size < 10)
		return VDEV_ATT_INVALID_LENGTH;
	r = dis_read(ws, u, buf, size, ret_len);
	if (r != -ENOENT)
		return r;
	switch (u) {
	case WEIGHT_FEATURE:
		/* time stamp | multiple users | resolution 7 (0.005 kg) */
		hv_put_le32(buf, 0x01 | 0x02 | 7u << 3);
		*ret_len = 4;
		return 0;
	case USER_INDEX:
		buf[0] = ws->consented < 0 ? 0xFF : (uint8_t)ws->consented;
		*ret_len = 1;
		return 0;
	case DB_CHANGE:
		if (ws->consented < 0)
			return VDEV_ATT_UDS_NOT_PERMITTED;
		hv_put_le32(buf, ws->users[ws->consented].db_change);
		*ret_len = 4;
		return 0;
	case CURRENT_TIME:
		device_clock(ws, buf);
		*ret_len = 10;
		return 0;
	default:
		return VDEV_ATT_READ_NOT_PERMITTED;
	}
}

static void ucp_respond(struct vdev_device *d, struct ws *ws, uint8_t op,
			uint8_t result, int param)
{
	uint8_t v[4] = { 0x20, op, result, (uint8_t)param };

	(void)vdev_queue_notify(d, ws->ucp, v, param >= 0 ? 4 : 3,
				"ucp response");
}

/* Send the consented user's stored measurements (each is then forgotten). */
static void flush_records(struct vdev_device *d, struct ws *ws)
{
	char what[32];
	int sent = 0;

	if (ws->consented < 0 || !vdev_bus_delivers(d, ws->wm))
		return;
	for (size_t i = 0; i < ws->records.n;) {
		struct vdev_record *rec = &ws->records.r[i];

		if (rec->user != ws->consented) {
			i++;
			continue;
		}
		snprintf(what, sizeof(what), "record %u", rec->seq);
		(void)vdev_queue_notify(d, ws->wm, rec->value, rec->len, what);
		vdev_records_remove(&ws->records, i);
		if (++sent == ws->disconnect_after) {
			(void)vdev_queue_drop(d, "mid-transfer fault");
			return;
		}
	}
}

static int ucp_write(struct vdev_device *d, struct ws *ws, const uint8_t *v,
		     size_t len)
{
	uint16_t code;
	int idx;

	if (!vdev_bus_delivers(d, ws->ucp))
		return ATT_CCC_IMPROPER;
	if (len < 1)
		return VDEV_ATT_INVALID_LENGTH;
	switch (v[0]) {
	case 0x01:
		if (len != 3) {
			ucp_respond(d, ws, v[0], 0x03, -1);
			return 0;
		}
		code = hv_le16(v + 1);
		if (code > 9999) {
			ucp_respond(d, ws, v[0], 0x03, -1);
			return 0;
		}
		for (idx = 0; idx < ws->max_users && ws->users[idx].used; idx++)
			;
		if (idx == ws->max_users) {
			ucp_respond(d, ws, v[0], 0x04, -1);
			return 0;
		}
		ws->users[idx] = (struct user){ true, code, 0 };
		vdev_print(d->vdev, d->id, "registered user %d", idx);
		ucp_respond(d, ws, v[0], 0x01, idx);
		return 0;
	case 0x02:
		if (len != 4 || v[1] >= ws->max_users || !ws->users[v[1]].used) {
			ucp_respond(d, ws, v[0], 0x03, -1);
			return 0;
		}
		if (ws->users[v[1]].consent != hv_le16(v + 2)) {
			vdev_print(d->vdev, d->id, "consent refused for user %u",
				   v[1]);
			ucp_respond(d, ws, v[0], 0x05, -1);
			return 0;
		}
		ws->consented = v[1];
		vdev_print(d->vdev, d->id, "consent given for user %u", v[1]);
		ucp_respond(d, ws, v[0], 0x01, -1);
		flush_records(d, ws);
		return 0;
	case 0x03:
		if (ws->consented < 0) {
			ucp_respond(d, ws, v[0], 0x05, -1);
			return 0;
		}
		for (size_t i = 0; i < ws->records.n;)
			if (ws->records.r[i].user == ws->consented)
				vdev_records_remove(&ws->records, i);
			else
				i++;
		ws->users[ws->consented].used = false;
		ws->consented = -1;
		ucp_respond(d, ws, v[0], 0x01, -1);
		return 0;
	default:
		ucp_respond(d, ws, v[0], 0x02, -1);
		return 0;
	}
}

static int ws_write(struct vdev_device *d, struct vdev_char *c,
		    const uint8_t *v, size_t len)
{
	struct ws *ws = d->model_data;
	struct hv_datetime dt;

	switch (hv_uuid_to16(&c->uuid)) {
	case UCP:
		return ucp_write(d, ws, v, len);
	case BF450_ACTIVITY:
	case BF450_TAKE_MEASUREMENT:
		if (!ws->bf450_extra)
			return VDEV_ATT_WRITE_NOT_PERMITTED;
		return bf450_write(d, ws, hv_uuid_to16(&c->uuid), v, len);
	case DB_CHANGE:
		if (ws->consented < 0)
			return VDEV_ATT_UDS_NOT_PERMITTED;
		if (len != 4)
			return VDEV_ATT_INVALID_LENGTH;
		ws->users[ws->consented].db_change = hv_le32(v);
		return 0;
	case CURRENT_TIME:
		if (len != 10)
			return VDEV_ATT_INVALID_LENGTH;
		hv_read_datetime(v, &dt);
		if (!hv_datetime_plausible(&dt, 0))
			return VDEV_ATT_WRITE_NOT_PERMITTED;
		/* keep the offset between the written and the host's clock */
		{
			uint8_t now[10];
			struct hv_datetime host;

			ws->clock_offset = 0;
			device_clock(ws, now);
			hv_read_datetime(now, &host);
			ws->clock_offset = (long)(hv_datetime_to_unix(&dt) -
						  hv_datetime_to_unix(&host));
		}
		vdev_print(d->vdev, d->id, "clock set (offset %ld s)",
			   ws->clock_offset);
		return 0;
	default:
		return VDEV_ATT_WRITE_NOT_PERMITTED;
	}
}

static void subscribed(struct vdev_device *d, struct vdev_char *c)
{
	struct ws *ws = d->model_data;

	if (c == ws->wm)
		flush_records(d, ws);
}

static void disconnected(struct vdev_device *d)
{
	struct ws *ws = d->model_data;

	ws->consented = -1;
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	struct ws *ws = d->model_data;
	int i;

	if (strcmp(what, "weigh") != 0 && strcmp(what, "store") != 0)
		return -EOPNOTSUPP;
	i = vdev_records_add_json(d, &ws->records, ev, WEIGHT_MEASUREMENT);
	if (i < 0)
		return i;
	vdev_print(d->vdev, d->id, "measured user %d (record %u)",
		   ws->records.r[i].user, ws->records.r[i].seq);
	if (strcmp(what, "weigh") == 0 && d->connected &&
	    ws->records.r[i].user == ws->consented)
		flush_records(d, ws);
	return 0;
}

const struct vdev_model vdev_model_sig_weight_scale = {
	.id = "sig_weight_scale",
	.default_driver = "sig_weight_scale",
	.init = init,
	.action = action,
	.read = ws_read,
	.write = ws_write,
	.subscribed = subscribed,
	.disconnected = disconnected,
	.free = vdev_model_free_data,
};
