// SPDX-License-Identifier: MIT
/*
 * Firmware model: an Omron cuff with the memory-read service (HEM-7322T,
 * HEM-7361T or HEM-7530T), written from userx14/omblepy (omblepy.py,
 * README.md, deviceSpecific/hem-7322t.py, hem-7361t.py and hem-7530t.py;
 * commit
 * 708c13e4a6e62ddeb863dffff046ff93de200bef), not from the gateway's driver:
 * only the bytes of a stored record come from the driver's encoder.
 *
 *   service ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b
 *     b305b680-…  unlock        write, notify
 *     49123040-…, 4d0bf320-…, 5128ce60-…, 560f1420-…   RX 0-3   notify
 *     db5b55e0-…, e0b8a060-…, 0ae12b00-…, 10e1ba60-…   TX 0-3   write
 *   service 0x180A
 *     0x2A24 Model Number   read ("HEM-7322T-E")
 *
 * Unlock channel: 01 + key → 81 00 (81 01 for another key, or in pairing
 * mode); 02 + 16 x 00 → 82 00 in pairing mode (82 01 otherwise); 00 + key
 * → 80 00 in pairing mode: the key is kept. Commands come split in 16-byte
 * pieces over TX 0, 1, …; answers go the same way over RX 0, 1, …:
 *
 *   08 00 00 00 00 10 00 18   start  → 08 80 00 00 00 10 00 98
 *   08 01 00 AH AL NN 00 XX   read   → LL 81 00 AH AL NN <NN bytes> 00 XX
 *   LL 01 c0 AH AL NN <data> 00 XX     write → 08 81 c0 AH AL NN 00 XX
 *   08 0f 00 00 00 00 00 07   end    → 08 8f 00 00 00 00 00 87
 *   (a bad checksum, or a read before unlock → 08 8f 00 … with code 01)
 *
 * Memory: each user's ring of records; the settings hold one 16-bit word
 * per user whose low byte is the slot the next record goes to, and the
 * clock block (written back at settings_write).
 *
 * Clock block (at settings_read + time_offset, omblepy's
 * deviceSpecific/hem-7322t.py and hem-7361t.py): HEM-7322T 10 bytes (2 kept,
 * month, year - 2000, hour, day, second, minute, 00, sum of the 9 before);
 * HEM-7361T 16 bytes (8 kept, year - 2000, month, day, hour, minute,
 * second, sum of the 14 before, 00).
 *
 * HEM-7530T (omblepy deviceSpecific/hem-7530t.py): one user, a ring of 90
 * records of 14 bytes at 0x02e8. Where its settings keep the write
 * position, the unread records and the clock is not known (commented out
 * there), so this model keeps its write position out of the memory, has no
 * clock block, and refuses any write ("write refused at …": the gateway
 * must write nothing).
 *
 * Settings: "omron_model" ("HEM-7322T" default, "HEM-7361T" or
 * "HEM-7530T"),
 * "pairing_mode" (true: the -P- display; no key yet), "key" (hex, 16
 * bytes; default: none, or the one programmed), "records" [{readings,
 * time, user (0 or 1)}], "clock_offset_s" (the cuff's clock runs, that
 * many seconds ahead of the host's local time, negative behind, until the
 * gateway sets it; without it the clock block stays zero), fault
 * "disconnect_after_reads" N (the link drops right after the answer to the
 * N-th memory read since the start).
 * Actions: "measure"/"store" (a record for "user").
 *
 * Model "omron_wlc": an Omron WLC scale (HBF-702T) on the same service,
 * written from oliexdev/openScale OmronWlcHandler.kt and libs/OmronLib.kt
 * (commit f7a733b2cb6e8ccd751c3051232f3195c84dd8c4): four users ("user"
 * 0-3), each a ring of 30 records of 48 bytes at 0x02c0, 0x0890, 0x0e60,
 * 0x1430; the index block at 0x01a0 holds one byte per user, the slot the
 * next record goes to in its low 6 bits. A record's bytes come from the
 * omron_wlc encoder. No clock block.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/omron.h"
#include "firmware-host/vdev.h"

#define MEM_SIZE 0x2000

struct memory_map {
	const char *name;
	bool little_endian;
	unsigned users, record_size, settings_read, settings_write;
	unsigned bank[4], slots[4], time_offset, time_len;
	bool wlc; /* a WLC scale: one write position byte per user at 0x01a0 */
	bool hidden; /* no known settings: position kept apart, no writes */
};

static const struct memory_map maps[] = {
	{ "HEM-7322T",
	  false,
	  2,
	  14,
	  0x0260,
	  0x0286,
	  { 0x02ac, 0x0824 },
	  { 100, 100 },
	  0x14,
	  10 },
	{ "HEM-7361T",
	  true,
	  2,
	  16,
	  0x0010,
	  0x0054,
	  { 0x0098, 0x06d8 },
	  { 100, 100 },
	  0x2c,
	  16 },
	/* OmronLib.kt PROFILE_HBF_702T, OmronWlcHandler.kt ADDR_INDEX_BLOCK */
	{ .name = "HBF-702T",
	  .users = 4,
	  .record_size = 48,
	  .settings_read = 0x01a0,
	  .bank = { 0x02c0, 0x0890, 0x0e60, 0x1430 },
	  .slots = { 30, 30, 30, 30 },
	  .wlc = true },
	/* omblepy deviceSpecific/hem-7530t.py */
	{ .name = "HEM-7530T",
	  .users = 1,
	  .record_size = 14,
	  .settings_read = 0x0260,
	  .settings_write = 0x02a4,
	  .bank = { 0x02e8 },
	  .slots = { 90 },
	  .hidden = true },
};

static const char *const rx_uuids[4] = {
	"49123040-aee8-11e1-a74d-0002a5d5c51b",
	"4d0bf320-aee8-11e1-a0d9-0002a5d5c51b",
	"5128ce60-aee8-11e1-b84b-0002a5d5c51b",
	"560f1420-aee8-11e1-8184-0002a5d5c51b",
};
static const char *const tx_uuids[4] = {
	"db5b55e0-aee7-11e1-965e-0002a5d5c51b",
	"e0b8a060-aee7-11e1-92f4-0002a5d5c51b",
	"0ae12b00-aee8-11e1-a192-0002a5d5c51b",
	"10e1ba60-aee8-11e1-89e5-0002a5d5c51b",
};

struct cuff {
	const struct memory_map *map;
	uint8_t mem[MEM_SIZE];
	bool pairing_mode, keyed, unlocked, started;
	uint8_t key[16];
	uint8_t cmd[64];
	size_t cmd_len;
	int drop_after_reads; /* fault: the link drops after read N; 0 none */
	int n_reads;
	uint8_t next[4];   /* write positions of a model that hides them */
	bool has_clock;	   /* "clock_offset_s" given: the clock runs */
	long clock_offset; /* seconds ahead of the host's local time */
	struct vdev_char *unlock, *rx[4], *tx[4], *model;
};

static uint8_t xor_of(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	while (n--)
		x ^= *p++;
	return x;
}

static uint8_t *write_slot(struct cuff *c, int user)
{
	size_t k;

	if (c->map->hidden)
		return &c->next[user];
	k = c->map->wlc ? c->map->settings_read + (size_t)user :
			  c->map->settings_read + 2 * (size_t)user +
				  (c->map->little_endian ? 0 : 1);

	return &c->mem[k];
}

/* A new record in the user's next slot; the write position moves on. */
static int store(struct vdev_device *d, struct cuff *c, const cJSON *o)
{
	struct hv_measurement m;
	struct hv_frame f = { 0 };
	uint8_t *w;
	unsigned n, slot;
	int user, r;

	r = vdev_measurement_from_json(d, o, &m);
	if (r < 0)
		return r;
	user = m.user_index < 0 ? 0 : m.user_index;
	if ((unsigned)user >= c->map->users)
		return -EINVAL;
	m.user_index = user;
	m.sequence_number = -1;
	/* the driver's encoder gives the cuff's answer to a read of the
	 * record's first 8 bytes (a cuff) or of all of it (a WLC scale):
	 * those bytes are the record */
	f.quirks =
		c->map->wlc ?
			0 :
			hv_omron_quirks(hv_omron_model_by_name(c->map->name));
	n = c->map->wlc ? c->map->record_size : 8;
	r = d->driver->encode(&m, NULL, &f);
	if (r < 0 || f.value_len != n + 8 || f.value[5] != n)
		return r < 0 ? r : -EINVAL;
	w = write_slot(c, user);
	/* a WLC scale keeps status flags in the top two bits */
	slot = c->map->wlc ? *w & 0x3fu : *w;
	memset(c->mem + c->map->bank[user] + slot * c->map->record_size, 0,
	       c->map->record_size);
	memcpy(c->mem + c->map->bank[user] + slot * c->map->record_size,
	       f.value + 6, n);
	vdev_print(d->vdev, d->id, "record stored for user %d in slot %u",
		   user + 1, slot);
	/* the next slot; the WLC flags stay (a cuff's byte is the slot) */
	*w = (uint8_t)((*w ^ slot) | (slot + 1) % c->map->slots[user]);
	return 0;
}

static uint8_t sum_of(const uint8_t *p, size_t n)
{
	unsigned x = 0;

	while (n--)
		x += *p++;
	return (uint8_t)x;
}

/* The clock block as it reads now: the running clock in the model's
 * layout, the kept bytes as they are. */
static void refresh_clock(struct cuff *c)
{
	uint8_t *b = c->mem + c->map->settings_read + c->map->time_offset;
	uint8_t ct[10], y;

	vdev_current_time(c->clock_offset, ct);
	y = (uint8_t)(hv_le16(ct) - 2000);
	if (c->map->time_len == 10) {
		/* month, year, hour, day, second, minute, 00, sum */
		b[2] = ct[2];
		b[3] = y;
		b[4] = ct[4];
		b[5] = ct[3];
		b[6] = ct[6];
		b[7] = ct[5];
		b[8] = 0;
		b[9] = sum_of(b, 9);
	} else {
		/* year, month, day, hour, minute, second, sum, 00 */
		b[8] = y;
		memcpy(b + 9, ct + 2, 5);
		b[14] = sum_of(b, 14);
		b[15] = 0;
	}
}

static bool reads_clock(const struct cuff *c, unsigned addr, unsigned n)
{
	unsigned from = c->map->settings_read + c->map->time_offset;

	return addr < from + c->map->time_len && addr + n > from;
}

/* The gateway set the clock: it runs from the written time on. */
static void clock_written(struct cuff *c, const uint8_t *block)
{
	struct hv_datetime w, host;
	uint8_t ct[10];

	if (!c->has_clock)
		return;
	if (c->map->time_len == 10)
		w = (struct hv_datetime){ .year = (uint16_t)(2000 + block[3]),
					  .month = block[2],
					  .day = block[5],
					  .hour = block[4],
					  .minute = block[7],
					  .second = block[6] };
	else
		w = (struct hv_datetime){ .year = (uint16_t)(2000 + block[8]),
					  .month = block[9],
					  .day = block[10],
					  .hour = block[11],
					  .minute = block[12],
					  .second = block[13] };
	vdev_current_time(0, ct);
	hv_read_datetime(ct, &host);
	c->clock_offset =
		(long)(hv_datetime_to_unix(&w) - hv_datetime_to_unix(&host));
}

static void send_answer(struct vdev_device *d, struct cuff *c, uint8_t *v,
			size_t len, const char *what)
{
	v[0] = (uint8_t)len;
	v[len - 1] = 0;
	v[len - 1] = xor_of(v, len - 1);
	for (size_t off = 0, ch = 0; off < len && ch < 4; off += 16, ch++)
		(void)vdev_queue_notify(d, c->rx[ch], v + off,
					len - off > 16 ? 16 : len - off, what);
}

static void refuse(struct vdev_device *d, struct cuff *c)
{
	uint8_t v[8] = { 0, 0x8f, 0x00, 0, 0, 0, 0x01 };

	send_answer(d, c, v, sizeof(v), "refused");
}

static void command(struct vdev_device *d, struct cuff *c)
{
	const uint8_t *v = c->cmd;
	unsigned type = (unsigned)(v[1] << 8 | v[2]),
		 addr = (unsigned)(v[3] << 8 | v[4]);
	uint8_t a[64] = { 0 };

	if (xor_of(v, c->cmd_len) != 0) {
		refuse(d, c);
		return;
	}
	switch (type) {
	case 0x0000:
		c->started = true;
		a[1] = 0x80;
		a[5] = 0x10;
		send_answer(d, c, a, 8, "transmission started");
		return;
	case 0x0f00:
		c->started = false;
		a[1] = 0x8f;
		send_answer(d, c, a, 8, "transmission ended");
		vdev_print(d->vdev, d->id, "transmission ended");
		return;
	case 0x0100:
		if (!c->started || !c->unlocked || addr + v[5] > MEM_SIZE ||
		    v[5] > 56) {
			refuse(d, c);
			return;
		}
		if (c->has_clock && reads_clock(c, addr, v[5]))
			refresh_clock(c);
		memcpy(a + 1, (const uint8_t[]){ 0x81, 0x00 }, 2);
		memcpy(a + 3, v + 3, 3);
		memcpy(a + 6, c->mem + addr, v[5]);
		send_answer(d, c, a, (size_t)v[5] + 8, "memory read");
		if (++c->n_reads == c->drop_after_reads)
			(void)vdev_queue_drop(d, "mid-transfer fault");
		return;
	case 0x01c0:
		if (c->map->hidden) {
			/* what the bytes there mean is not known */
			vdev_print(d->vdev, d->id, "write refused at 0x%04x%s",
				   addr,
				   addr >= c->map->settings_read &&
						   addr < c->map->bank[0] ?
					   " (settings block)" :
					   "");
			refuse(d, c);
			return;
		}
		if (!c->started || !c->unlocked || addr + v[5] > MEM_SIZE ||
		    (size_t)v[5] + 8 != c->cmd_len) {
			refuse(d, c);
			return;
		}
		memcpy(c->mem + addr, v + 6, v[5]);
		if (addr == c->map->settings_write + c->map->time_offset) {
			const uint8_t *t = v + 6;

			if (c->map->time_len == 10)
				vdev_print(
					d->vdev, d->id,
					"clock set to 20%02u-%02u-%02u %02u:%02u:%02u",
					t[3], t[2], t[5], t[4], t[7], t[6]);
			else
				vdev_print(
					d->vdev, d->id,
					"clock set to 20%02u-%02u-%02u %02u:%02u:%02u",
					t[8], t[9], t[10], t[11], t[12], t[13]);
			clock_written(c, t);
		}
		memcpy(a + 1, (const uint8_t[]){ 0x81, 0xc0 }, 2);
		memcpy(a + 3, v + 3, 3);
		send_answer(d, c, a, 8, "memory written");
		return;
	default:
		refuse(d, c);
	}
}

static void unlock_write(struct vdev_device *d, struct cuff *c,
			 const uint8_t *v, size_t len)
{
	uint8_t a[2] = { (uint8_t)(0x80 | (len ? v[0] : 0)), 0x01 };

	if (len == 17 && v[0] == 0x01) {
		c->unlocked = c->keyed && !c->pairing_mode &&
			      memcmp(c->key, v + 1, 16) == 0;
		a[1] = c->unlocked ? 0 : 1;
	} else if (len == 17 && v[0] == 0x02) {
		a[1] = c->pairing_mode ? 0 : 1;
	} else if (len == 17 && v[0] == 0x00 && c->pairing_mode) {
		/* the key it was just given unlocks it (OmronWlcHandler.kt
		 * reads on) */
		memcpy(c->key, v + 1, 16);
		c->keyed = c->unlocked = true;
		a[1] = 0;
		vdev_print(d->vdev, d->id, "key programmed");
	}
	(void)vdev_queue_notify(d, c->unlock, a, sizeof(a), "unlock answer");
}

static int cuff_write(struct vdev_device *d, struct vdev_char *ch,
		      const uint8_t *v, size_t len)
{
	struct cuff *c = d->model_data;

	if (ch == c->unlock) {
		unlock_write(d, c, v, len);
		return 0;
	}
	for (size_t i = 0; i < 4; i++) {
		if (ch != c->tx[i])
			continue;
		if (len > 16 || (i > 0 && c->cmd_len != 16 * i))
			return VDEV_ATT_INVALID_LENGTH;
		if (i == 0)
			c->cmd_len = 0;
		memcpy(c->cmd + c->cmd_len, v, len);
		c->cmd_len += len;
		if (c->cmd_len >= 8 && c->cmd_len >= c->cmd[0]) {
			c->cmd_len = c->cmd[0];
			command(d, c);
			c->cmd_len = 0;
		}
		return 0;
	}
	return VDEV_ATT_WRITE_NOT_PERMITTED;
}

static int cuff_read(struct vdev_device *d, struct vdev_char *ch, uint8_t *buf,
		     size_t size, size_t *ret_len)
{
	struct cuff *c = d->model_data;
	size_t n = strlen(c->map->name) + 2;

	if (ch != c->model || size < n)
		return VDEV_ATT_READ_NOT_PERMITTED;
	memcpy(buf, c->map->name, n - 2);
	memcpy(buf + n - 2, "-E", 2);
	*ret_len = n;
	return 0;
}

static void cuff_disconnected(struct vdev_device *d)
{
	struct cuff *c = d->model_data;

	c->unlocked = c->started = false;
	c->cmd_len = 0;
}

static int init_map(struct vdev_device *d, const cJSON *conf,
		    const struct memory_map *map)
{
	const char *name =
		cJSON_GetStringValue(cJSON_GetObjectItem(conf, "omron_model"));
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(conf, "records"),
		    *o;
	struct vdev_service *s;
	struct hv_uuid u;
	struct cuff *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	d->model_data = c;
	c->map = map;
	for (size_t i = 0; name && i < sizeof(maps) / sizeof(maps[0]); i++)
		if (strcmp(name, maps[i].name) == 0 && maps[i].wlc == map->wlc)
			c->map = &maps[i];
	if (name && strcmp(name, c->map->name) != 0)
		return -EINVAL;
	memset(c->mem, 0xff, sizeof(c->mem));
	memset(c->mem + c->map->settings_read, 0,
	       c->map->bank[0] - c->map->settings_read);
	c->pairing_mode =
		cJSON_IsTrue(cJSON_GetObjectItem(conf, "pairing_mode"));
	c->drop_after_reads = vdev_conf_int(conf, "disconnect_after_reads", 0);
	c->has_clock = cJSON_GetObjectItem(conf, "clock_offset_s") != NULL;
	c->clock_offset = vdev_conf_int(conf, "clock_offset_s", 0);
	{
		const char *key =
			cJSON_GetStringValue(cJSON_GetObjectItem(conf, "key"));

		if (key) {
			for (size_t i = 0; i < 16; i++) {
				int hi = hv_hex_digit(key[2 * i]), lo;

				if (hi < 0 ||
				    (lo = hv_hex_digit(key[2 * i + 1])) < 0)
					return -EINVAL;
				c->key[i] = (uint8_t)(hi << 4 | lo);
			}
			c->keyed = true;
		}
	}
	if (hv_uuid_parse("ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b", &u) < 0 ||
	    !(s = vdev_add_service_uuid(d, &u)))
		return -EINVAL;
	if (hv_uuid_parse("b305b680-aee7-11e1-a730-0002a5d5c51b", &u) < 0)
		return -EINVAL;
	c->unlock =
		vdev_add_char_uuid(s, &u, VDEV_CHAR_WRITE | VDEV_CHAR_NOTIFY);
	for (size_t i = 0; i < 4; i++) {
		if (hv_uuid_parse(rx_uuids[i], &u) < 0)
			return -EINVAL;
		c->rx[i] = vdev_add_char_uuid(s, &u, VDEV_CHAR_NOTIFY);
		if (hv_uuid_parse(tx_uuids[i], &u) < 0)
			return -EINVAL;
		c->tx[i] = vdev_add_char_uuid(
			s, &u, VDEV_CHAR_WRITE | VDEV_CHAR_WRITE_NR);
	}
	s = vdev_add_service(d, 0x180a);
	if (!s)
		return -EINVAL;
	c->model = vdev_add_char(s, 0x2a24, VDEV_CHAR_READ);
	if (!c->unlock || !c->rx[3] || !c->tx[3] || !c->model)
		return -ENOSPC;
	cJSON_ArrayForEach(o, list) {
		r = store(d, c, o);
		if (r < 0)
			return r;
	}
	return 0;
}

static int init(struct vdev_device *d, const cJSON *conf)
{
	return init_map(d, conf, &maps[0]);
}

static int init_wlc(struct vdev_device *d, const cJSON *conf)
{
	return init_map(d, conf, &maps[2]);
}

static int action(struct vdev_device *d, const char *what, const cJSON *ev)
{
	if (strcmp(what, "measure") != 0 && strcmp(what, "store") != 0)
		return -EOPNOTSUPP;
	return store(d, d->model_data, ev);
}

static void model_free(struct vdev_device *d)
{
	free(d->model_data);
	d->model_data = NULL;
}

const struct vdev_model vdev_model_omron = {
	.id = "omron",
	.default_driver = "omron",
	.init = init,
	.action = action,
	.read = cuff_read,
	.write = cuff_write,
	.disconnected = cuff_disconnected,
	.free = model_free,
};

const struct vdev_model vdev_model_omron_wlc = {
	.id = "omron_wlc",
	.default_driver = "omron_wlc",
	.init = init_wlc,
	.action = action,
	.read = cuff_read,
	.write = cuff_write,
	.disconnected = cuff_disconnected,
	.free = model_free,
};
