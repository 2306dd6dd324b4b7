// SPDX-License-Identifier: MIT
/*
 * Omron blood-pressure cuffs, proprietary memory-read service
 * ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b (framing, layouts and sources in
 * drivers/omron.h). Every answer on RX channel 0 is decoded here: a record
 * read from a user's ring is a final measurement (systolic, diastolic,
 * pulse, the cuff's clock, user, flags `body_movement` and
 * `irregular_pulse`); the other answers explain themselves as context
 * `omron` and are not final.
 *
 * The conversation (steps below), as omblepy.py does it: unlock with the
 * gateway's key (or, in pairing mode "-P-", program it: 02 + 16 x 00 →
 * 82 00, 00 + key → 80 00), start transmission (80 00), read the write
 * positions from the settings, read every record written since the
 * position this gateway stopped at (from the stored sequence number,
 * drivers/omron.h; a ring with no known position is read whole, or only
 * up to its write slot when that slot is still empty), set the clock where
 * its layout is known, end transmission (8f 00, code 0). Where the clock's
 * layout is known it is read before the records (omblepy reads it just
 * before setting it, after them): the records are then dated by its offset
 * from the gateway's clock. The offset-8 block takes two reads (its date
 * lies in the second 8 bytes). The record reads
 * loop by GOTO; a 2 x 100 ring read whole takes ~420 of the runner's 1024
 * transitions.
 *
 * The HEM-7530T has no known write positions or clock block (omblepy's
 * hem-7530t.py): after the start it walks its ring and takes the records
 * newer than the last one stored (drivers/omron.h, "read by time"), dated
 * by the cuff's clock as it is; nothing is written. A full ring takes
 * 2 x 90 reads, ~380 transitions.
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"
#include "drivers/driver.h"
#include "drivers/ieee11073.h"
#include "drivers/omron.h"

/* omblepy deviceSpecific/hem-7322t.py, hem-7600t.py */
/* clang-format off */
static const struct hv_omron_layout layout_be = {
	.dia = { 0, 7 }, .sys = { 8, 15 }, .year = { 16, 23 },
	.pulse = { 24, 31 }, .movement = { 32, 32 }, .irregular = { 33, 33 },
	.month = { 34, 37 }, .day = { 38, 42 }, .hour = { 43, 47 },
	.minute = { 52, 57 }, .second = { 58, 63 },
};
/* clang-format on */

/* omblepy deviceSpecific/hem-6232t.py: a 6-bit year, the flags swapped */
/* clang-format off */
static const struct hv_omron_layout layout_be_6232 = {
	.dia = { 0, 7 }, .sys = { 8, 15 }, .year = { 18, 23 },
	.pulse = { 24, 31 }, .irregular = { 32, 32 }, .movement = { 33, 33 },
	.month = { 34, 37 }, .day = { 38, 42 }, .hour = { 43, 47 },
	.minute = { 52, 57 }, .second = { 58, 63 },
};
/* clang-format on */

/* omblepy deviceSpecific/hem-7530t.py: the 7322T's with a 6-bit year */
/* clang-format off */
static const struct hv_omron_layout layout_be_7530 = {
	.dia = { 0, 7 }, .sys = { 8, 15 }, .year = { 18, 23 },
	.pulse = { 24, 31 }, .movement = { 32, 32 }, .irregular = { 33, 33 },
	.month = { 34, 37 }, .day = { 38, 42 }, .hour = { 43, 47 },
	.minute = { 52, 57 }, .second = { 58, 63 },
};
/* clang-format on */

/* omblepy deviceSpecific/hem-7361t.py, hem-7155t.py, hem-7342t.py,
 * hem-7150t.py (16-byte records, little-endian) */
/* clang-format off */
static const struct hv_omron_layout layout_le = {
	.minute = { 68, 73 }, .second = { 74, 79 }, .movement = { 80, 80 },
	.irregular = { 81, 81 }, .month = { 82, 85 }, .day = { 86, 90 },
	.hour = { 91, 95 }, .year = { 98, 103 }, .pulse = { 104, 111 },
	.dia = { 112, 119 }, .sys = { 120, 127 },
};
/* clang-format on */

/* omblepy deviceSpecific/hem-NNNN.py files; time layouts as omblepy's
 * deviceSpecific_syncWithSystemTime, only for the models its README marks
 * as time sync tested. */
/* clang-format off */
const struct hv_omron_model hv_omron_models[] = {
	{ "HEM-7322T", false, 2, { 0x02ac, 0x0824 }, { 100, 100 }, 14, 0x0260,
	  0x0286, 0x00, 0x14, HV_OMRON_TIME_CLASSIC, &layout_be, false },
	{ "HEM-7600T", false, 1, { 0x02ac, 0 }, { 100, 0 }, 14, 0x0260, 0x0286,
	  0x00, 0x14, HV_OMRON_TIME_CLASSIC, &layout_be, false },
	{ "HEM-6232T", false, 2, { 0x02e8, 0x0860 }, { 100, 100 }, 14, 0x0260,
	  0x02a4, 0x00, 0, HV_OMRON_TIME_NONE, &layout_be_6232, false },
	{ "HEM-7361T", true, 2, { 0x0098, 0x06d8 }, { 100, 100 }, 16, 0x0010,
	  0x0054, 0x00, 0x2c, HV_OMRON_TIME_OFFSET8, &layout_le, false },
	{ "HEM-7155T", true, 2, { 0x0098, 0x0458 }, { 60, 60 }, 16, 0x0010,
	  0x0054, 0x00, 0x2c, HV_OMRON_TIME_OFFSET8, &layout_le, false },
	{ "HEM-7342T", true, 2, { 0x0098, 0x06d8 }, { 100, 100 }, 16, 0x0010,
	  0x0054, 0x00, 0, HV_OMRON_TIME_NONE, &layout_le, false },
	{ "HEM-7150T", true, 1, { 0x0098, 0 }, { 60, 0 }, 16, 0x0010, 0x0054,
	  0x00, 0, HV_OMRON_TIME_NONE, &layout_le, false },
	/* eigger/hass-omron custom_components/omron/omron_ble/device_catalog.py
	 * (same layouts, other rings; no clock: nobody tested one) */
	{ "HEM-7511T", false, 2, { 0x02ac, 0x0798 }, { 90, 90 }, 14, 0x0260,
	  0x0286, 0x00, 0, HV_OMRON_TIME_NONE, &layout_be, false },
	{ "HEM-8732T", false, 2, { 0x02ac, 0x05f4 }, { 60, 60 }, 14, 0x0260,
	  0x0286, 0x00, 0, HV_OMRON_TIME_NONE, &layout_be, false },
	{ "HEM-8732K", false, 2, { 0x02ac, 0x0522 }, { 45, 45 }, 14, 0x0260,
	  0x0286, 0x00, 0, HV_OMRON_TIME_NONE, &layout_be, false },
	{ "HEM-7157T", true, 1, { 0x0098, 0 }, { 100, 0 }, 16, 0x0010, 0x0054,
	  0x00, 0, HV_OMRON_TIME_NONE, &layout_le, false },
	{ "HEM-7151T", true, 1, { 0x0098, 0 }, { 80, 0 }, 16, 0x0010, 0x0054,
	  0x00, 0, HV_OMRON_TIME_NONE, &layout_le, false },
	/* omblepy deviceSpecific/hem-7530t.py (Omron Complete; the ECG is not
	 * read): one user, settings written at 0x02a4, but its unread-records
	 * and time-sync bytes are commented out there and its time sync
	 * raises "not supported": read by time, nothing written. */
	{ "HEM-7530T", false, 1, { 0x02e8, 0 }, { 90, 0 }, 14, 0x0260, 0x02a4,
	  0x00, 0, HV_OMRON_TIME_NONE, &layout_be_7530, true },
};
/* clang-format on */

/* The model index rides in 4 bits of the quirks. */
_Static_assert(sizeof(hv_omron_models) / sizeof(hv_omron_models[0]) <=
		       HV_OMRON_Q_MODEL_MASK,
	       "models fit the quirks");

const size_t hv_omron_n_models =
	sizeof(hv_omron_models) / sizeof(hv_omron_models[0]);

/* Other model numbers with a table row's memory map and layout
 * (hass-omron device_catalog.py, equivalent_model_ids; not tested). */
static const struct {
	const char *name, *as;
} aliases[] = {
	{ "HEM-7280T", "HEM-7322T" }, { "HEM-7281T", "HEM-7322T" },
	{ "HEM-7282T", "HEM-7322T" }, { "HEM-7321T", "HEM-7322T" },
	{ "HEM-7271T", "HEM-7600T" },
};

static bool starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

const struct hv_omron_model *hv_omron_model_by_name(const char *text)
{
	if (!text)
		return NULL;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (starts_with(text, aliases[i].name))
			text = aliases[i].as;
	for (size_t i = 0; i < hv_omron_n_models; i++)
		if (starts_with(text, hv_omron_models[i].name))
			return &hv_omron_models[i];
	return NULL;
}

/* ---- frames ---------------------------------------------------------------- */

uint8_t hv_omron_xor(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	return x;
}

size_t hv_omron_frame(uint16_t type, uint16_t address, uint8_t count,
		      const uint8_t *data, size_t n, uint8_t *buf, size_t size)
{
	size_t len = n + 8;

	if (len > size || len > HV_OMRON_FRAME_MAX)
		return 0;
	/* the data first: it may lie where the header goes */
	if (n)
		memmove(buf + 6, data, n);
	buf[0] = (uint8_t)len;
	hv_put_be16(buf + 1, type);
	hv_put_be16(buf + 3, address);
	buf[5] = count;
	buf[len - 2] = 0;
	buf[len - 1] = hv_omron_xor(buf, len - 1);
	return len;
}

int hv_omron_answer_parse(const uint8_t *v, size_t len,
			  struct hv_omron_answer *ret)
{
	struct hv_omron_answer a = { 0 };
	size_t declared;

	if (len < 8 || v[0] < 8 || v[0] > HV_OMRON_FRAME_MAX)
		return -EBADMSG;
	declared = v[0];
	a.type = hv_be16(v + 1);
	a.address = hv_be16(v + 3);
	a.count = v[5];
	if (declared > len) {
		/* The rest is on the next channel: only the header is ours. */
		if (len < HV_OMRON_CHANNEL_MAX ||
		    a.type == (HV_OMRON_READ | HV_OMRON_ANSWER))
			return -EBADMSG;
		a.partial = true;
		*ret = a;
		return 0;
	}
	if (hv_omron_xor(v, declared) != 0)
		return -EBADMSG;
	if (a.type == (HV_OMRON_READ | HV_OMRON_ANSWER)) {
		if (declared != (size_t)a.count + 8)
			return -EBADMSG;
		a.data = v + 6;
		a.code = v[declared - 2];
	} else {
		/* omblepy.py and hass-omron read the code of 8f 00 there */
		a.code = v[6];
	}
	*ret = a;
	return 0;
}

/* The key this gateway programs in pairing mode and unlocks with
 * ("homevitals-omron"): any 16 bytes will do (omblepy picks one too). */
const uint8_t hv_omron_unlock_request[1 + HV_OMRON_KEY_LEN] = {
	0x01, 'h', 'o', 'm', 'e', 'v', 'i', 't', 'a',
	'l',  's', '-', 'o', 'm', 'r', 'o', 'n',
};
const uint8_t hv_omron_pair_request[1 + HV_OMRON_KEY_LEN] = { 0x02 };
const uint8_t hv_omron_key_request[1 + HV_OMRON_KEY_LEN] = {
	0x00, 'h', 'o', 'm', 'e', 'v', 'i', 't', 'a',
	'l',  's', '-', 'o', 'm', 'r', 'o', 'n',
};

bool hv_omron_unlock_ok(const uint8_t *v, size_t len, uint8_t code)
{
	return len >= 2 && v[0] == code && v[1] == 0x00;
}

/* ---- records ----------------------------------------------------------------- */

static int byte_of_bit(const struct hv_omron_model *mdl, unsigned bit)
{
	return mdl->little_endian ? mdl->record_size - 1 - (int)(bit / 8) :
				    (int)(bit / 8);
}

static int get_bits(const struct hv_omron_model *mdl, const uint8_t *p,
		    size_t n, struct hv_omron_bits b, unsigned *ret)
{
	unsigned v = 0;

	for (unsigned i = b.first; i <= b.last; i++) {
		int k = byte_of_bit(mdl, i);

		if (k < 0 || (size_t)k >= n)
			return -EBADMSG;
		v = v << 1 | ((p[k] >> (7 - i % 8)) & 1);
	}
	*ret = v;
	return 0;
}

static int put_bits(const struct hv_omron_model *mdl, uint8_t *p,
		    struct hv_omron_bits b, unsigned v)
{
	unsigned width = b.last - b.first + 1u;

	if (v >> width)
		return -ERANGE;
	for (unsigned i = b.last + 1; i-- > b.first; v >>= 1) {
		int k = byte_of_bit(mdl, i);
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		p[k] = (uint8_t)((v & 1) ? p[k] | bit : p[k] & ~bit);
	}
	return 0;
}

/* Systolic is sent as the value - 25 (omblepy: + 25), so 25..280. */
#define SYS_OFFSET 25

int hv_omron_record_decode(const struct hv_omron_model *mdl, const uint8_t *p,
			   size_t n, struct hv_omron_record *ret)
{
	const struct hv_omron_layout *l = mdl->layout;
	struct hv_omron_record r = { 0 };
	unsigned year, month, day, hour, minute, second, mov, ihb;
	bool empty = true;

	if (n < HV_OMRON_PREFIX)
		return -EBADMSG;
	for (size_t i = 0; i < HV_OMRON_PREFIX; i++)
		if (p[i] != 0xff)
			empty = false;
	if (empty)
		return -ENODATA;
	if (get_bits(mdl, p, n, l->sys, &r.sys) < 0 ||
	    get_bits(mdl, p, n, l->dia, &r.dia) < 0 ||
	    get_bits(mdl, p, n, l->pulse, &r.pulse) < 0 ||
	    get_bits(mdl, p, n, l->year, &year) < 0 ||
	    get_bits(mdl, p, n, l->month, &month) < 0 ||
	    get_bits(mdl, p, n, l->day, &day) < 0 ||
	    get_bits(mdl, p, n, l->hour, &hour) < 0 ||
	    get_bits(mdl, p, n, l->minute, &minute) < 0 ||
	    get_bits(mdl, p, n, l->second, &second) < 0 ||
	    get_bits(mdl, p, n, l->movement, &mov) < 0 ||
	    get_bits(mdl, p, n, l->irregular, &ihb) < 0)
		return -EBADMSG;
	r.sys += SYS_OFFSET;
	r.movement = mov;
	r.irregular = ihb;
	r.time = (struct hv_datetime){
		.year = (uint16_t)(2000 + year),
		.month = (uint8_t)month,
		.day = (uint8_t)day,
		.hour = (uint8_t)hour,
		.minute = (uint8_t)minute,
		/* the field goes to 63; omblepy caps it at 59 */
		.second = (uint8_t)(second > 59 ? 59 : second),
	};
	*ret = r;
	return 0;
}

int hv_omron_record_encode(const struct hv_omron_model *mdl,
			   const struct hv_omron_record *r, uint8_t *buf)
{
	const struct hv_omron_layout *l = mdl->layout;
	const struct hv_datetime *t = &r->time;
	int k = 0;

	if (r->sys < SYS_OFFSET || t->year < 2000)
		return -ERANGE;
	memset(buf, 0, mdl->record_size);
	k |= put_bits(mdl, buf, l->sys, r->sys - SYS_OFFSET);
	k |= put_bits(mdl, buf, l->dia, r->dia);
	k |= put_bits(mdl, buf, l->pulse, r->pulse);
	k |= put_bits(mdl, buf, l->year, t->year - 2000u);
	k |= put_bits(mdl, buf, l->month, t->month);
	k |= put_bits(mdl, buf, l->day, t->day);
	k |= put_bits(mdl, buf, l->hour, t->hour);
	k |= put_bits(mdl, buf, l->minute, t->minute);
	k |= put_bits(mdl, buf, l->second, t->second);
	k |= put_bits(mdl, buf, l->movement, r->movement);
	k |= put_bits(mdl, buf, l->irregular, r->irregular);
	return k ? -ERANGE : 0;
}

bool hv_omron_record_dated(const struct hv_omron_record *r)
{
	const struct hv_datetime *t = &r->time;
	struct hv_datetime back;

	if (t->month < 1 || t->month > 12 || t->day < 1 || t->hour > 23 ||
	    t->minute > 59 || t->second > 59)
		return false;
	/* 31 February comes back as March: not a date */
	hv_datetime_from_unix(hv_datetime_to_unix(t), &back);
	return back.day == t->day;
}

#define UNIX_2000 946684800

int32_t hv_omron_record_time_sequence(const struct hv_omron_record *r)
{
	/* a 6-bit year ends in 2063: within 31 bits */
	return (int32_t)(hv_datetime_to_unix(&r->time) - UNIX_2000);
}

int hv_omron_locate(const struct hv_omron_model *mdl, uint16_t address,
		    int *ret_user, int *ret_slot)
{
	for (int u = 0; u < mdl->n_users; u++) {
		unsigned off;

		if (address < mdl->bank[u])
			continue;
		off = address - mdl->bank[u];
		if (off % mdl->record_size ||
		    off / mdl->record_size >= mdl->slots[u])
			continue;
		*ret_user = u;
		*ret_slot = (int)(off / mdl->record_size);
		return 0;
	}
	return -ENOENT;
}

uint16_t hv_omron_slot_address(const struct hv_omron_model *mdl, int user,
			       int slot)
{
	return (uint16_t)(mdl->bank[user] + slot * mdl->record_size);
}

int hv_omron_write_slot(const struct hv_omron_model *mdl, const uint8_t *p,
			size_t n, int user)
{
	size_t k = 2 * (size_t)user + (mdl->little_endian ? 0 : 1);

	if (user < 0 || user >= mdl->n_users || k >= n)
		return -EBADMSG;
	/* bits 8-15 of the word (omblepy _bytearrayBitsToInt(…, 8, 15)) */
	if (p[k] >= mdl->slots[user])
		return -EBADMSG;
	return p[k];
}

/* ---- the clock ------------------------------------------------------------------ */

size_t hv_omron_time_len(const struct hv_omron_model *mdl)
{
	switch (mdl->time_layout) {
	case HV_OMRON_TIME_CLASSIC:
		return 10;
	case HV_OMRON_TIME_OFFSET8:
		return 16;
	default:
		return 0;
	}
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return (uint8_t)s;
}

int hv_omron_time_block(const struct hv_omron_model *mdl, const uint8_t *kept,
			const struct hv_datetime *now, uint8_t *buf)
{
	uint8_t y;

	if (now->year < 2000 || now->year > 2099)
		return -ERANGE;
	y = (uint8_t)(now->year - 2000);
	switch (mdl->time_layout) {
	case HV_OMRON_TIME_CLASSIC: {
		const uint8_t t[6] = { now->month, y,		now->hour,
				       now->day,   now->second, now->minute };

		memcpy(buf, kept, 2);
		memcpy(buf + 2, t, sizeof(t));
		buf[8] = 0;
		buf[9] = sum8(buf, 9);
		return 0;
	}
	case HV_OMRON_TIME_OFFSET8: {
		const uint8_t t[6] = { y,	  now->month,  now->day,
				       now->hour, now->minute, now->second };

		memcpy(buf, kept, 8);
		memcpy(buf + 8, t, sizeof(t));
		buf[14] = sum8(buf, 14);
		buf[15] = 0;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

/* The classic layout's month, year - 2000, hour, day, second, minute. */
static struct hv_datetime classic_time(const uint8_t *t)
{
	return (struct hv_datetime){ .year = (uint16_t)(2000 + t[1]),
				     .month = t[0],
				     .day = t[3],
				     .hour = t[2],
				     .minute = t[5],
				     .second = t[4] };
}

int hv_omron_clock_of_prefix(const struct hv_omron_model *mdl, const uint8_t *p,
			     size_t n, struct hv_datetime *ret)
{
	if (mdl->time_layout != HV_OMRON_TIME_CLASSIC || n < HV_OMRON_PREFIX)
		return -EOPNOTSUPP;
	*ret = classic_time(p + 2);
	return 0;
}

int hv_omron_time_parse(const struct hv_omron_model *mdl, const uint8_t *p,
			size_t n, struct hv_datetime *ret)
{
	size_t len = hv_omron_time_len(mdl);
	const uint8_t *t;

	if (!len)
		return -EOPNOTSUPP;
	if (n < len)
		return -EBADMSG;
	if (mdl->time_layout == HV_OMRON_TIME_CLASSIC) {
		if (p[9] != sum8(p, 9))
			return -EBADMSG;
		*ret = classic_time(p + 2);
		return 0;
	}
	if (p[14] != sum8(p, 14))
		return -EBADMSG;
	t = p + 8;
	*ret = (struct hv_datetime){ .year = (uint16_t)(2000 + t[0]),
				     .month = t[1],
				     .day = t[2],
				     .hour = t[3],
				     .minute = t[4],
				     .second = t[5] };
	return 0;
}

/* ---- positions ------------------------------------------------------------------ */

int32_t hv_omron_sequence(const struct hv_omron_position *p)
{
	return (int32_t)((uint32_t)p->known[1] << 26 |
			 (uint32_t)p->known[0] << 25 |
			 (p->laps & HV_OMRON_LAPS_MAX) << 14 |
			 (p->next[0] & 0x7fu) << 7 | (p->next[1] & 0x7fu));
}

int hv_omron_position_from_sequence(int32_t seq, struct hv_omron_position *ret)
{
	if (seq < 0 || seq >> 27)
		return -EINVAL;
	*ret = (struct hv_omron_position){
		.laps = ((unsigned)seq >> 14) & HV_OMRON_LAPS_MAX,
		.next = { (uint8_t)((seq >> 7) & 0x7f), (uint8_t)(seq & 0x7f) },
		.known = { (seq >> 25) & 1, (seq >> 26) & 1 },
	};
	return 0;
}

unsigned hv_omron_quirks(const struct hv_omron_model *mdl)
{
	if (!mdl)
		return 0;
	return (unsigned)(mdl - hv_omron_models) + 1u;
}

const struct hv_omron_model *hv_omron_model_of_quirks(unsigned quirks)
{
	unsigned i = quirks & HV_OMRON_Q_MODEL_MASK;

	return i && i <= hv_omron_n_models ? &hv_omron_models[i - 1] : NULL;
}

unsigned hv_omron_quirks_reading(const struct hv_omron_model *mdl, int user,
				 unsigned start, unsigned other,
				 bool other_known, unsigned laps)
{
	return hv_omron_quirks(mdl) | HV_OMRON_Q_POSITION |
	       (unsigned)(user & 1) << 5 | (start & 0x7fu) << 6 |
	       (other & 0x7fu) << 13 | (unsigned)other_known << 20 |
	       (laps & HV_OMRON_LAPS_MAX) << 21;
}

int32_t hv_omron_record_sequence(const struct hv_omron_model *mdl,
				 unsigned quirks, int user, int slot)
{
	unsigned n = mdl->slots[user], start = (quirks >> 6) & 0x7f;
	unsigned laps = quirks >> 21, pos;
	struct hv_omron_position p;

	if (!(quirks & HV_OMRON_Q_POSITION) ||
	    ((quirks >> 5) & 1) != (unsigned)user || start >= n)
		return -1;
	/* the slot's distance from where this reading started, plus one */
	pos = start + ((unsigned)slot + n - start) % n + 1;
	if (pos >= n)
		laps++;
	if (laps > HV_OMRON_LAPS_MAX)
		return -1;
	p.laps = laps;
	p.next[user] = (uint8_t)(pos % n);
	p.next[!user] = (uint8_t)((quirks >> 13) & 0x7f);
	p.known[user] = true;
	p.known[!user] = (quirks >> 20) & 1;
	return hv_omron_sequence(&p);
}

/* ---- decode / encode ------------------------------------------------------------ */

static const struct hv_omron_model *frame_model(const struct hv_frame *f)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(f->quirks);

	return mdl ? mdl : hv_omron_model_by_name(f->name);
}

static int decode_record(const struct hv_frame *frame,
			 const struct hv_omron_model *mdl,
			 const struct hv_omron_answer *a, int user, int slot,
			 struct hv_measurement *ret)
{
	struct hv_omron_record r;
	int k;

	k = hv_omron_record_decode(mdl, a->data, a->count, &r);
	if (k == -ENODATA)
		return hv_measurement_add_context(ret, "omron", "empty_slot");
	if (k < 0)
		return hv_measurement_invalid(
			ret, "record shorter than %d bytes", HV_OMRON_PREFIX);
	if (mdl->by_time) {
		/* only a record the walk found new is a measurement */
		if (!(frame->quirks & HV_OMRON_Q_TAKE))
			return hv_measurement_add_context(ret, "omron",
							  "memory_read");
		if (!hv_omron_record_dated(&r))
			return hv_measurement_invalid(ret, "record date");
	}
	if ((k = hv_measurement_add(ret, HV_METRIC_SYSTOLIC_PRESSURE, r.sys)) <
		    0 ||
	    (k = hv_measurement_add(ret, HV_METRIC_DIASTOLIC_PRESSURE, r.dia)) <
		    0 ||
	    (k = hv_measurement_add(ret, HV_METRIC_PULSE_RATE, r.pulse)) < 0)
		return k;
	if (r.movement)
		(void)hv_measurement_add_flag(ret, "body_movement");
	if (r.irregular)
		(void)hv_measurement_add_flag(ret, "irregular_pulse");
	hv_measurement_set_clock(ret, &r.time, frame->now);
	ret->user_index = user;
	ret->sequence_number =
		mdl->by_time ? hv_omron_record_time_sequence(&r) :
			       hv_omron_record_sequence(mdl, frame->quirks,
							user, slot);
	ret->display_unit = HV_UNIT_MMHG;
	ret->subject = HV_SUBJECT_PERSON;
	ret->final = true;
	return 0;
}

const char *hv_omron_answer_name(uint16_t type)
{
	switch (type) {
	case HV_OMRON_START | HV_OMRON_ANSWER:
		return "transmission_started";
	case HV_OMRON_READ | HV_OMRON_ANSWER:
		return "memory_read";
	case HV_OMRON_WRITE | HV_OMRON_ANSWER:
		return "memory_written";
	case HV_OMRON_END | HV_OMRON_ANSWER:
		return "transmission_ended";
	default:
		return NULL;
	}
}

int hv_omron_decode_answer(const struct hv_frame *frame,
			   struct hv_omron_answer *a, const char **ret_what,
			   struct hv_measurement *ret)
{
	struct hv_uuid rx0;
	const char *what;

	if (!frame->has_characteristic ||
	    hv_uuid_parse(HV_OMRON_RX0, &rx0) < 0 ||
	    !hv_uuid_equal(&frame->characteristic, &rx0))
		return -ENODEV;
	if (hv_omron_answer_parse(frame->value, frame->value_len, a) < 0)
		return hv_measurement_invalid(ret, "frame length or checksum");
	what = hv_omron_answer_name(a->type);
	if (!what)
		return hv_measurement_invalid(ret, "frame type %04x", a->type);
	if (a->code)
		(void)hv_measurement_add_flag(ret, "device_error");
	*ret_what = what;
	return 0;
}

int hv_omron_encode_answer(unsigned quirks, uint16_t address,
			   const uint8_t *data, uint8_t n, struct hv_frame *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->quirks = quirks;
	ret->has_characteristic = true;
	(void)hv_uuid_parse(HV_OMRON_RX0, &ret->characteristic);
	ret->value_len =
		hv_omron_frame(HV_OMRON_READ | HV_OMRON_ANSWER, address, n,
			       data, n, ret->value, sizeof(ret->value));
	return ret->value_len ? 0 : -ENOSPC;
}

bool hv_omron_is_rx0(const struct hv_uuid *u)
{
	struct hv_uuid rx0;

	return hv_uuid_parse(HV_OMRON_RX0, &rx0) == 0 && hv_uuid_equal(u, &rx0);
}

static int decode(const struct hv_frame *frame, struct hv_measurement *ret)
{
	const struct hv_omron_model *mdl;
	struct hv_omron_answer a;
	const char *what;
	int user, slot, k;

	/* a WLC scale's answers are omron_wlc's */
	if (hv_omron_wlc_profile_by_name(frame->name))
		return -ENODEV;
	k = hv_omron_decode_answer(frame, &a, &what, ret);
	if (k < 0)
		return k;
	mdl = frame_model(frame);
	if (mdl && a.data && a.count >= HV_OMRON_PREFIX &&
	    a.count <= mdl->record_size &&
	    hv_omron_locate(mdl, a.address, &user, &slot) == 0)
		return decode_record(frame, mdl, &a, user, slot, ret);
	return hv_measurement_add_context(ret, "omron", what);
}

/*
 * What the cuff answers to the read of a record's first bytes: for the
 * firmware model and round trips. The model comes from ret->quirks (else
 * the first in the table); the slot from the sequence number's position of
 * the measurement's user (slot 0 without one).
 */
static int encode(const struct hv_measurement *m, const struct hv_uuid *target,
		  struct hv_frame *ret)
{
	const struct hv_omron_model *mdl =
		hv_omron_model_of_quirks(ret->quirks);
	const struct hv_reading *sys =
		hv_measurement_find(m, HV_METRIC_SYSTOLIC_PRESSURE);
	const struct hv_reading *dia =
		hv_measurement_find(m, HV_METRIC_DIASTOLIC_PRESSURE);
	const struct hv_reading *pulse =
		hv_measurement_find(m, HV_METRIC_PULSE_RATE);
	const struct hv_datetime *clock = hv_measurement_clock(m);
	struct hv_omron_record r = { 0 };
	struct hv_omron_position p;
	uint8_t rec[16];
	int user = m->user_index < 0 ? 0 : m->user_index, slot = 0, k;

	if (!mdl)
		mdl = &hv_omron_models[0];
	if (target && !hv_omron_is_rx0(target))
		return -EINVAL;
	if (!sys || !dia || !pulse || !clock || user >= mdl->n_users ||
	    sys->absent || dia->absent || pulse->absent ||
	    !(sys->value >= 0 && sys->value < 1000) ||
	    !(dia->value >= 0 && dia->value < 1000) ||
	    !(pulse->value >= 0 && pulse->value < 1000))
		return -EINVAL; /* NaN or far out: not an integer cast */
	if (!mdl->by_time &&
	    hv_omron_position_from_sequence(m->sequence_number, &p) == 0)
		slot = (p.next[user] + mdl->slots[user] - 1) % mdl->slots[user];
	r.sys = (unsigned)(sys->value + 0.5);
	r.dia = (unsigned)(dia->value + 0.5);
	r.pulse = (unsigned)(pulse->value + 0.5);
	r.time = *clock;
	r.movement = hv_measurement_has_flag(m, "body_movement");
	r.irregular = hv_measurement_has_flag(m, "irregular_pulse");
	k = hv_omron_record_encode(mdl, &r, rec);
	if (k < 0)
		return -EINVAL;
	/* a model read by time: the answer to a record taken as new */
	return hv_omron_encode_answer(
		hv_omron_quirks(mdl) | (mdl->by_time ? HV_OMRON_Q_TAKE : 0),
		hv_omron_slot_address(mdl, user, slot), rec, HV_OMRON_PREFIX,
		ret);
}

/* ---- the conversation -------------------------------------------------------- */

enum {
	ST_SUB_UNLOCK,
	ST_SUB_RX0,
	ST_SUB_RX1,
	ST_SUB_RX2,
	ST_SUB_RX3,
	ST_MODEL,
	ST_UNLOCK,
	ST_UNLOCK_WAIT,
	ST_START,
	ST_START_WAIT,
	ST_INDEX,
	ST_INDEX_WAIT,
	ST_TIME_READ,
	ST_TIME_READ_WAIT,
	ST_TIME_READ_REST,
	ST_TIME_READ_REST_WAIT,
	ST_INDEX_AGAIN,
	ST_INDEX_AGAIN_WAIT,
	ST_RECORD,
	ST_RECORD_WAIT,
	ST_WALK,
	ST_WALK_WAIT,
	ST_TAKE,
	ST_TAKE_WAIT,
	ST_TIME_WRITE0,
	ST_TIME_WRITE1,
	ST_TIME_WRITE_WAIT,
	ST_END_TX,
	ST_END_TX_WAIT,
	ST_DONE,
	ST_PAIR,
	ST_PAIR_WAIT,
	ST_PAIR_KEY,
	ST_PAIR_KEY_WAIT,
	_ST_MAX,
};

/* What a session keeps between steps, in session.scratch. */
struct omron_state {
	uint16_t laps;			   /* laps when this session started */
	uint8_t start[HV_OMRON_USERS_MAX]; /* first slot to read, per user */
	uint8_t count[HV_OMRON_USERS_MAX]; /* records to read, per user */
	uint8_t user;			   /* the ring being read */
	uint8_t done;			   /* records of that ring read */
	uint8_t paired;	    /* the key was programmed in this session */
	uint8_t known;	    /* rings whose position was known (bit per user) */
	uint8_t probe;	    /* rings read whole: is the write slot empty? */
	uint8_t kept[8];    /* the time block's first bytes, written back */
	uint8_t clock_read; /* kept holds what the cuff answered */
};

_Static_assert(sizeof(struct omron_state) <=
		       sizeof(((struct hv_session *)0)->scratch),
	       "state fits the session's scratch");

/* A by_time model's walk (drivers/omron.h), in session.scratch_bytes. */
struct omron_walk {
	int32_t last;	/* the last sequence stored when the session began */
	int32_t oldest; /* the time of the oldest new record found */
	uint8_t slot;	/* the slot being read */
	uint8_t first;	/* the oldest new record's slot */
	uint8_t n_new;	/* new records found */
	uint8_t left;	/* of those, still to take */
	uint8_t newer[HV_OMRON_SLOTS_MAX / 8]; /* new slots, a bit each */
};

_Static_assert(sizeof(struct omron_walk) <=
		       sizeof(((struct hv_session *)0)->scratch_bytes),
	       "walk fits the session's scratch");

static struct omron_walk walk_get(const struct hv_session *s)
{
	struct omron_walk w;

	memcpy(&w, s->scratch_bytes, sizeof(w));
	return w;
}

static void walk_put(struct hv_session *s, const struct omron_walk *w)
{
	memcpy(s->scratch_bytes, w, sizeof(*w));
}

static bool walk_is_new(const struct omron_walk *w, unsigned slot)
{
	return (w->newer[slot / 8] >> (slot % 8)) & 1;
}

static struct omron_state state_get(const struct hv_session *s)
{
	struct omron_state st;

	memcpy(&st, s->scratch, sizeof(st));
	return st;
}

static void state_put(struct hv_session *s, const struct omron_state *st)
{
	memcpy(s->scratch, st, sizeof(*st));
}

static const struct hv_omron_model *session_model(struct hv_session *s)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);

	if (!mdl) {
		mdl = hv_omron_model_by_name(s->name);
		s->quirks = hv_omron_quirks(mdl);
	}
	return mdl;
}

static int goto_step(struct hv_session *s, int step)
{
	s->next_step = step;
	return HV_VALUE_GOTO;
}

/* Device Information Model Number, e.g. "HEM-7322T-D". */
static int on_model_number(struct hv_session *s, const uint8_t *v, size_t len)
{
	char text[32];
	const struct hv_omron_model *mdl;

	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, v, len);
	text[len] = '\0';
	mdl = hv_omron_model_by_name(text);
	if (mdl)
		s->quirks = hv_omron_quirks(mdl);
	return HV_VALUE_DONE;
}

/* Unlock answers: 81 00 unlocked; anything else: not our key (or pairing
 * mode), so try to program it. */
static int on_unlock(struct hv_session *s, const uint8_t *v, size_t len)
{
	if (hv_omron_unlock_ok(v, len, 0x81))
		return HV_VALUE_DONE;
	return goto_step(s, ST_PAIR);
}

int hv_omron_on_pair_mode(struct hv_session *s, const uint8_t *v, size_t len)
{
	(void)s;
	/* anything but 82 00: the cuff is not in pairing mode */
	return hv_omron_unlock_ok(v, len, 0x82) ? HV_VALUE_DONE : -EACCES;
}

static int on_pair_key(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct omron_state st = state_get(s);

	if (!hv_omron_unlock_ok(v, len, 0x80))
		return -EACCES;
	st.paired = 1;
	state_put(s, &st);
	return goto_step(s, ST_START);
}

int hv_omron_answer_of(const uint8_t *v, size_t len, uint16_t type,
		       struct hv_omron_answer *ret)
{
	if (hv_omron_answer_parse(v, len, ret) < 0)
		return HV_VALUE_MORE; /* a garbled frame: the step times out */
	if (ret->type == (HV_OMRON_END | HV_OMRON_ANSWER) &&
	    type != (HV_OMRON_END | HV_OMRON_ANSWER))
		return -EPROTO; /* the cuff refused the command */
	if (ret->type != type)
		return HV_VALUE_MORE; /* a late answer to an earlier command */
	if (ret->code)
		return -EIO;
	return HV_VALUE_DONE;
}

static int on_started(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct omron_state st = state_get(s);
	struct hv_omron_answer a;
	int k = hv_omron_answer_of(v, len, HV_OMRON_START | HV_OMRON_ANSWER,
				   &a);

	if (k != HV_VALUE_DONE)
		return k;
	/* After programming the key omblepy only starts and ends a
	 * transmission; the records are read on the next connection. */
	if (st.paired)
		return goto_step(s, ST_END_TX);
	if (!session_model(s))
		return -EOPNOTSUPP;
	if (session_model(s)->by_time) {
		/* no positions to read: walk the ring from slot 0 */
		walk_put(s, &(struct omron_walk){ .last = s->last_sequence });
		return goto_step(s, ST_WALK);
	}
	return HV_VALUE_DONE;
}

int hv_omron_payload_frame(uint16_t type, uint16_t address, uint8_t count,
			   const uint8_t *data, size_t n, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	size_t len = hv_omron_frame(type, address, count, data, n, buf, size);

	if (!len)
		return -ENOSPC;
	*ret_len = len;
	return 0;
}

int hv_omron_payload_start(const struct hv_session *s, uint8_t *buf,
			   size_t size, size_t *ret_len)
{
	(void)s;
	/* omblepy.py startTransmission: 08 00 00 00 00 10 00 18 */
	return hv_omron_payload_frame(HV_OMRON_START, 0, 0x10, NULL, 0, buf,
				      size, ret_len);
}

int hv_omron_payload_end(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	(void)s;
	/* omblepy.py endTransmission: 08 0f 00 00 00 00 00 07 */
	return hv_omron_payload_frame(HV_OMRON_END, 0, 0, NULL, 0, buf, size,
				      ret_len);
}

static int payload_index(const struct hv_session *s, uint8_t *buf, size_t size,
			 size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);

	if (!mdl)
		return -EOPNOTSUPP;
	return hv_omron_payload_frame(
		HV_OMRON_READ, mdl->settings_read + mdl->index_offset,
		HV_OMRON_PREFIX, NULL, 0, buf, size, ret_len);
}

/* The quirks while user u's ring is read: where it started, where the
 * other ring stands, and the laps so far. */
static void begin_ring(struct hv_session *s, const struct hv_omron_model *mdl,
		       struct omron_state *st, int u)
{
	unsigned laps = st->laps, other = 0;
	bool other_known = true; /* a ring the model lacks, or read already */

	if (u == 1) {
		laps += (unsigned)st->start[0] + st->count[0] >= mdl->slots[0];
		other = (st->start[0] + st->count[0]) % mdl->slots[0];
	} else if (mdl->n_users > 1) {
		other = st->start[1];
		other_known = st->known & 2;
	}
	st->user = (uint8_t)u;
	st->done = 0;
	s->quirks = hv_omron_quirks_reading(mdl, u, st->start[u], other,
					    other_known, laps);
}

/* After the last record (or none): set the clock read before them, then
 * the end. */
static int after_records(struct hv_session *s, const struct hv_omron_model *mdl,
			 const struct omron_state *st)
{
	s->quirks = hv_omron_quirks(mdl);
	if (st->clock_read && hv_datetime_plausible(&s->now_local, 0))
		return goto_step(s, ST_TIME_WRITE0);
	return goto_step(s, ST_END_TX);
}

static int next_ring(struct hv_session *s, const struct hv_omron_model *mdl,
		     struct omron_state *st, int from)
{
	for (int u = from; u < mdl->n_users; u++)
		if (st->count[u]) {
			begin_ring(s, mdl, st, u);
			state_put(s, st);
			return goto_step(s, ST_RECORD);
		}
	state_put(s, st);
	return after_records(s, mdl, st);
}

/* The write positions: read every slot written since the position the
 * stored sequence number gives, the whole ring where it gives none; the
 * cuff's clock first when its layout is known (below), so that the
 * records it stored are dated by its offset from the gateway's clock
 * (docs/pipeline.md, "Time"). */
static int index_read(struct hv_session *s, const uint8_t *v, size_t len,
		      bool clock_first)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	struct hv_omron_position pos = { 0 };
	struct hv_omron_answer a;
	bool parsed;
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (!mdl || a.address != mdl->settings_read + mdl->index_offset)
		return -EPROTO;
	parsed = hv_omron_position_from_sequence(s->last_sequence, &pos) == 0;
	st.laps = (uint16_t)pos.laps;
	for (int u = 0; u < mdl->n_users; u++)
		if (pos.known[u] && pos.next[u] >= mdl->slots[u]) {
			/* numbers of another layout: start again above them */
			memset(pos.known, 0, sizeof(pos.known));
			st.laps = (uint16_t)(pos.laps + 1);
		}
	st.known = 0;
	for (int u = 0; u < mdl->n_users; u++) {
		int w = hv_omron_write_slot(mdl, a.data, a.count, u);
		bool known = parsed && pos.known[u];

		if (w < 0)
			return w;
		/* unknown: the whole ring, oldest first (from the write slot) */
		st.start[u] = (uint8_t)(known ? pos.next[u] : w);
		st.count[u] =
			(uint8_t)(known ? (w + mdl->slots[u] - pos.next[u]) %
						  mdl->slots[u] :
					  mdl->slots[u]);
		st.known |= (uint8_t)(known << u);
		st.probe |= (uint8_t)(!known << u);
	}
	if (clock_first && hv_omron_time_len(mdl)) {
		state_put(s, &st);
		return goto_step(s, ST_TIME_READ);
	}
	return next_ring(s, mdl, &st, 0);
}

static int on_index(struct hv_session *s, const uint8_t *v, size_t len)
{
	return index_read(s, v, len, true);
}

/* The clock could not be read: the positions again, and the records
 * without it (dated by the cuff's clock as it is). */
static int on_index_again(struct hv_session *s, const uint8_t *v, size_t len)
{
	return index_read(s, v, len, false);
}

static int payload_record(const struct hv_session *s, uint8_t *buf, size_t size,
			  size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	int slot;

	if (!mdl || st.user >= mdl->n_users)
		return -EINVAL;
	slot = (st.start[st.user] + st.done) % mdl->slots[st.user];
	return hv_omron_payload_frame(
		HV_OMRON_READ, hv_omron_slot_address(mdl, st.user, slot),
		HV_OMRON_PREFIX, NULL, 0, buf, size, ret_len);
}

/* A record came (decode() already handed it on): the next one. */
static int on_record(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	struct hv_omron_answer a;
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (!mdl || st.user >= mdl->n_users ||
	    a.address != hv_omron_slot_address(mdl, st.user,
					       (st.start[st.user] + st.done) %
						       mdl->slots[st.user]))
		return -EPROTO;
	if ((st.probe >> st.user) & 1) {
		struct hv_omron_record r;
		int u = st.user;

		st.probe &= (uint8_t) ~(1u << u);
		if (hv_omron_record_decode(mdl, a.data, a.count, &r) ==
		    -ENODATA) {
			/* The write slot of a ring read whole is empty: the ring
			 * never went round, its records are slots 0 to it. */
			st.count[u] = st.start[u];
			st.start[u] = 0;
			if (!st.count[u])
				return next_ring(s, mdl, &st, u + 1);
			begin_ring(s, mdl, &st, u);
			state_put(s, &st);
			return goto_step(s, ST_RECORD);
		}
	}
	if (++st.done < st.count[st.user]) {
		state_put(s, &st);
		return goto_step(s, ST_RECORD);
	}
	return next_ring(s, mdl, &st, st.user + 1);
}

/* ---- a by_time model: walk the ring, then take the new records ---- */

static int payload_walk_slot(const struct hv_session *s, uint8_t *buf,
			     size_t size, size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_walk w = walk_get(s);

	if (!mdl || !mdl->by_time || w.slot >= mdl->slots[0])
		return -EINVAL;
	return hv_omron_payload_frame(
		HV_OMRON_READ, hv_omron_slot_address(mdl, 0, w.slot),
		HV_OMRON_PREFIX, NULL, 0, buf, size, ret_len);
}

/* The answer to the read of the walk's slot: HV_VALUE_DONE, or what the
 * step returns. */
static int walk_answer(const struct hv_session *s, const uint8_t *v, size_t len,
		       const struct hv_omron_model **ret_mdl,
		       struct hv_omron_answer *ret)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_walk w = walk_get(s);
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER,
				   ret);

	if (k != HV_VALUE_DONE)
		return k;
	if (!mdl || !mdl->by_time || w.slot >= mdl->slots[0] ||
	    w.first >= mdl->slots[0] ||
	    ret->address != hv_omron_slot_address(mdl, 0, w.slot))
		return -EPROTO;
	*ret_mdl = mdl;
	return HV_VALUE_DONE;
}

/* The next new slot after `from` round the ring: the new records lie
 * oldest first from the oldest one on, in a ring gone round too. */
static unsigned next_new(const struct omron_walk *w, unsigned from, unsigned n)
{
	for (unsigned i = 1; i <= n; i++)
		if (walk_is_new(w, (from + i) % n))
			return (from + i) % n;
	return from;
}

static int take_next(struct hv_session *s, const struct hv_omron_model *mdl,
		     struct omron_walk *w)
{
	s->quirks = hv_omron_quirks(mdl) | (w->left ? HV_OMRON_Q_TAKE : 0);
	walk_put(s, w);
	return goto_step(s, w->left ? ST_TAKE : ST_END_TX);
}

/* A slot walked: an empty or undated one ends the walk (the ring has
 * never been written past it); a record newer than the last stored is
 * noted. */
static int on_walk_slot(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl;
	struct omron_walk w = walk_get(s);
	struct hv_omron_answer a;
	struct hv_omron_record r;
	int k = walk_answer(s, v, len, &mdl, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (hv_omron_record_decode(mdl, a.data, a.count, &r) == 0 &&
	    hv_omron_record_dated(&r)) {
		int32_t t = hv_omron_record_time_sequence(&r);

		if (t > w.last) {
			w.newer[w.slot / 8] |= (uint8_t)(1u << (w.slot % 8));
			if (!w.n_new++ || t < w.oldest) {
				w.oldest = t;
				w.first = w.slot;
			}
		}
		if (++w.slot < mdl->slots[0]) {
			walk_put(s, &w);
			return goto_step(s, ST_WALK);
		}
	}
	w.left = w.n_new;
	w.slot = w.first;
	return take_next(s, mdl, &w);
}

/* A new record came (decode() handed it on, taken): the next one. */
static int on_take(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl;
	struct omron_walk w = walk_get(s);
	struct hv_omron_answer a;
	int k = walk_answer(s, v, len, &mdl, &a);

	if (k != HV_VALUE_DONE)
		return k;
	w.left--;
	w.slot = (uint8_t)next_new(&w, w.slot, mdl->slots[0]);
	return take_next(s, mdl, &w);
}

static int payload_time_read(const struct hv_session *s, uint8_t *buf,
			     size_t size, size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);

	if (!mdl)
		return -EOPNOTSUPP;
	return hv_omron_payload_frame(
		HV_OMRON_READ, mdl->settings_read + mdl->time_offset,
		HV_OMRON_PREFIX, NULL, 0, buf, size, ret_len);
}

static int on_time_read(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	struct hv_omron_answer a;
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (!mdl || a.address != mdl->settings_read + mdl->time_offset)
		return -EPROTO;
	memcpy(st.kept, a.data, sizeof(st.kept));
	if (mdl->time_layout == HV_OMRON_TIME_OFFSET8) {
		/* the date lies in the block's second 8 bytes: read them too */
		state_put(s, &st);
		return goto_step(s, ST_TIME_READ_REST);
	}
	st.clock_read = 1;
	/* The runner stamps the gateway's clock of this moment
	 * (device_clock_read_usec 0: conversation.h). An unset clock is
	 * kept too: a time fault. */
	if (hv_omron_clock_of_prefix(mdl, a.data, a.count, &s->device_clock) ==
	    0) {
		s->has_device_clock = true;
		s->device_clock_read_usec = 0;
	}
	return next_ring(s, mdl, &st, 0);
}

/* The offset-8 block's second half, at its address + 8: a read answer
 * carries 8 bytes, and the read command takes any address (omblepy.py
 * readContinuousEepromData reads a long block 8 or 16 bytes at a time, each
 * at the address the last one ended). */
static uint16_t rest_address(const struct hv_omron_model *mdl)
{
	return (uint16_t)(mdl->settings_read + mdl->time_offset +
			  HV_OMRON_PREFIX);
}

static int payload_time_read_rest(const struct hv_session *s, uint8_t *buf,
				  size_t size, size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);

	if (!mdl)
		return -EOPNOTSUPP;
	return hv_omron_payload_frame(HV_OMRON_READ, rest_address(mdl),
				      HV_OMRON_PREFIX, NULL, 0, buf, size,
				      ret_len);
}

/* Both halves: the clock when the block's checksum holds (the runner
 * stamps the gateway's clock of this moment), and the clock is set after
 * the records. A block that fails its checksum is not ours to rewrite:
 * the records keep their own clock and the clock is left alone. */
static int on_time_read_rest(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	struct hv_omron_answer a;
	uint8_t block[2 * HV_OMRON_PREFIX];
	int k = hv_omron_answer_of(v, len, HV_OMRON_READ | HV_OMRON_ANSWER, &a);

	if (k != HV_VALUE_DONE)
		return k;
	if (!mdl || a.count < HV_OMRON_PREFIX || a.address != rest_address(mdl))
		return -EPROTO;
	memcpy(block, st.kept, HV_OMRON_PREFIX);
	memcpy(block + HV_OMRON_PREFIX, a.data, HV_OMRON_PREFIX);
	if (hv_omron_time_parse(mdl, block, sizeof(block), &s->device_clock) ==
	    0) {
		st.clock_read = 1;
		s->has_device_clock = true;
		s->device_clock_read_usec = 0;
	}
	return next_ring(s, mdl, &st, 0);
}

/* The whole write command; TX channel `part` takes its 16-byte share. */
static int time_write_part(const struct hv_session *s, unsigned part,
			   uint8_t *buf, size_t size, size_t *ret_len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct omron_state st = state_get(s);
	uint8_t block[16], frame[HV_OMRON_FRAME_MAX];
	size_t n, len, from = part * HV_OMRON_CHANNEL_MAX;

	if (!mdl || !(n = hv_omron_time_len(mdl)) ||
	    hv_omron_time_block(mdl, st.kept, &s->now_local, block) < 0)
		return -EOPNOTSUPP;
	len = hv_omron_frame(HV_OMRON_WRITE,
			     mdl->settings_write + mdl->time_offset, (uint8_t)n,
			     block, n, frame, sizeof(frame));
	if (!len || from >= len)
		return -EINVAL;
	len -= from;
	if (len > HV_OMRON_CHANNEL_MAX)
		len = HV_OMRON_CHANNEL_MAX;
	if (len > size)
		return -ENOSPC;
	memcpy(buf, frame + from, len);
	*ret_len = len;
	return 0;
}

static int payload_time_write0(const struct hv_session *s, uint8_t *buf,
			       size_t size, size_t *ret_len)
{
	return time_write_part(s, 0, buf, size, ret_len);
}

static int payload_time_write1(const struct hv_session *s, uint8_t *buf,
			       size_t size, size_t *ret_len)
{
	return time_write_part(s, 1, buf, size, ret_len);
}

static int on_time_written(struct hv_session *s, const uint8_t *v, size_t len)
{
	const struct hv_omron_model *mdl = hv_omron_model_of_quirks(s->quirks);
	struct hv_omron_answer a;
	int k = hv_omron_answer_of(v, len, HV_OMRON_WRITE | HV_OMRON_ANSWER,
				   &a);

	if (k != HV_VALUE_DONE)
		return k;
	return mdl && a.address == mdl->settings_write + mdl->time_offset ?
		       HV_VALUE_DONE :
		       -EPROTO;
}

int hv_omron_on_ended(struct hv_session *s, const uint8_t *v, size_t len)
{
	struct hv_omron_answer a;

	(void)s;
	return hv_omron_answer_of(v, len, HV_OMRON_END | HV_OMRON_ANSWER, &a);
}

#define WRITE_TX(chr, fn, what_) HV_OMRON_STEP_TX(chr, fn, ST_END_TX, what_)
#define WAIT_RX(fn, fail, what_) HV_OMRON_STEP_RX(fn, fail, what_)

/* clang-format off */
static const struct hv_step steps[_ST_MAX] = {
	HV_OMRON_COMMON_STEPS(on_unlock, on_pair_key),
	[ST_MODEL] = { .op = HV_STEP_READ, .service = "180a",
		       .characteristic = "2a24", .on_value = on_model_number,
		       .flags = HV_STEP_OPTIONAL, .what = "read the model number" },
	[ST_START] = WRITE_TX(HV_OMRON_TX0, hv_omron_payload_start, "start transmission"),
	[ST_START_WAIT] = WAIT_RX(on_started, ST_END_TX, "wait for the start answer"),
	[ST_INDEX] = WRITE_TX(HV_OMRON_TX0, payload_index, "read the write positions"),
	[ST_INDEX_WAIT] = WAIT_RX(on_index, ST_END_TX, "wait for the write positions"),
	[ST_TIME_READ] = WRITE_TX(HV_OMRON_TX0, payload_time_read, "read the clock settings"),
	[ST_TIME_READ_WAIT] = WAIT_RX(on_time_read, ST_INDEX_AGAIN, "wait for the clock settings"),
	[ST_TIME_READ_REST] = WRITE_TX(HV_OMRON_TX0, payload_time_read_rest, "read the clock settings' second half"),
	[ST_TIME_READ_REST_WAIT] = WAIT_RX(on_time_read_rest, ST_INDEX_AGAIN, "wait for the clock settings' second half"),
	[ST_INDEX_AGAIN] = WRITE_TX(HV_OMRON_TX0, payload_index, "read the write positions again"),
	[ST_INDEX_AGAIN_WAIT] = WAIT_RX(on_index_again, ST_END_TX, "wait for the write positions"),
	[ST_RECORD] = WRITE_TX(HV_OMRON_TX0, payload_record, "read a record"),
	[ST_RECORD_WAIT] = WAIT_RX(on_record, ST_END_TX, "wait for the record"),
	[ST_WALK] = WRITE_TX(HV_OMRON_TX0, payload_walk_slot, "read a slot of the ring"),
	[ST_WALK_WAIT] = WAIT_RX(on_walk_slot, ST_END_TX, "wait for the slot"),
	[ST_TAKE] = WRITE_TX(HV_OMRON_TX0, payload_walk_slot, "read a new record again"),
	[ST_TAKE_WAIT] = WAIT_RX(on_take, ST_END_TX, "wait for the new record"),
	[ST_TIME_WRITE0] = WRITE_TX(HV_OMRON_TX0, payload_time_write0, "set the clock (TX 0)"),
	[ST_TIME_WRITE1] = WRITE_TX(HV_OMRON_TX1, payload_time_write1, "set the clock (TX 1)"),
	[ST_TIME_WRITE_WAIT] = WAIT_RX(on_time_written, ST_END_TX, "wait for the clock written"),
};
/* clang-format on */

static const struct hv_conversation conversation = {
	.steps = steps,
	.n_steps = _ST_MAX,
	/* subscribing RX 0 makes the cuff ask for pairing (omblepy.py) */
	.needs_bonding = true,
};

/* Selected for a connection by the advertised service, or by a model name
 * when the advert names no SIG Blood Pressure Service: the newer firmware
 * of some of these models speaks that instead (hass-omron's catalog). */
static bool claims_device(const struct hv_frame *advert)
{
	struct hv_uuid svc;

	/* the WLC scales advertise the same service */
	if (hv_omron_wlc_profile_by_name(advert->name))
		return false;
	if (hv_uuid_parse(HV_OMRON_SERVICE, &svc) == 0)
		for (size_t i = 0; i < advert->n_service_uuids; i++)
			if (hv_uuid_equal(&advert->service_uuids[i], &svc))
				return true;
	return hv_omron_model_by_name(advert->name) &&
	       !hv_frame_has_service(advert, 0x1810);
}

static const char *const models[] = {
	"Omron HEM-7322T (M700 Intelli IT)",
	"Omron HEM-7600T (Evolv)",
	"Omron HEM-6232T (RS7 Intelli IT)",
	"Omron HEM-7361T (M500 / M7 Intelli IT)",
	"Omron HEM-7155T (M400 / M4 / X4 Smart)",
	"Omron HEM-7342T (BP7450)",
	"Omron HEM-7150T (BP7250)",
	"Omron HEM-7511T",
	"Omron HEM-8732T",
	"Omron HEM-8732K",
	"Omron HEM-7157T",
	"Omron HEM-7151T",
	"Omron HEM-7530T (Complete; blood pressure only, read by time)",
	NULL,
};

static const char *const characteristics128[] = { HV_OMRON_RX0, NULL };

const struct hv_driver omron_driver = {
	.id = "omron",
	.name = "Omron blood-pressure cuffs (memory-read service)",
	.models = models,
	.kind = HV_DRIVER_KIND_BLOOD_PRESSURE,
	.match = {
		.characteristics128 = characteristics128,
	},
	.decode = decode,
	.encode = encode,
	.conversation = &conversation,
	.claims_device = claims_device,
};
