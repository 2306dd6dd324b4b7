/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What the Transtek scales' links share (Trisa Body Analyze 4.0, 1BODY
 * CONNECT / X-LINE, Weight Gurus 0376; openScale's
 * TrisaBodyAnalyzeHandler.kt, BodyConnectHandler.kt and
 * WeightGurusA3Handler.kt at oliexdev/openScale@f7a733b2): commands of an
 * opcode and a u32 LE on 0x8A81, the time in seconds since 2010-01-01, a
 * user registered under a blank-padded name, and the password a scale
 * hands over once (A0 + 4 bytes) answering every later challenge
 * (A1 + 4 bytes) with 20 + (challenge XOR password).
 */
#include <errno.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/conversation.h"

#define HV_TRANSTEK_EPOCH 1262304000 /* 2010-01-01 00:00 UTC */
#define HV_TRANSTEK_PASSWORD 0xA0
#define HV_TRANSTEK_CHALLENGE 0xA1

/* op + v (u32 LE): 5 bytes. */
static inline int hv_transtek_command(uint8_t op, uint32_t v, uint8_t *buf,
				      size_t size, size_t *ret_len)
{
	if (size < 5)
		return -ENOSPC;
	buf[0] = op;
	hv_put_le32(buf + 1, v);
	*ret_len = 5;
	return 0;
}

/* 02 + the session's time in the 2010 epoch. */
static inline int hv_transtek_time(const struct hv_session *s, uint8_t *buf,
				   size_t size, size_t *ret_len)
{
	int64_t t = s->now_unix - HV_TRANSTEK_EPOCH;

	if (t < 0 || t > INT32_MAX)
		return -ERANGE;
	return hv_transtek_command(0x02, (uint32_t)t, buf, size, ret_len);
}

/* 03 slot "HV<slot>" padded with blanks to name_len. */
static inline int hv_transtek_add_user(unsigned slot, unsigned max_slot,
				       size_t name_len, uint8_t *buf,
				       size_t size, size_t *ret_len)
{
	if (slot < 1 || slot > max_slot || slot > 9)
		return -ENODATA;
	if (name_len < 3 || size < 2 + name_len)
		return -ENOSPC;
	buf[0] = 0x03;
	buf[1] = (uint8_t)slot;
	memset(buf + 2, ' ', name_len);
	buf[2] = 'H';
	buf[3] = 'V';
	buf[4] = (uint8_t)('0' + slot);
	*ret_len = 2 + name_len;
	return 0;
}

/* A0 + the password: the session's secret, for the runner to keep. */
static inline bool hv_transtek_keep_password(struct hv_session *s,
					     const uint8_t *v, size_t len)
{
	if (len < 5 || v[0] != HV_TRANSTEK_PASSWORD)
		return false;
	memcpy(s->secret, v + 1, 4);
	s->secret_len = 4;
	s->secret_received = true;
	return true;
}

/* The answer to A1 + challenge with the kept password (the bytes XOR
 * alike as little-endian words); -ENOKEY with none kept: the scale was
 * paired elsewhere, or the secret was lost. */
static inline int hv_transtek_answer(const struct hv_session *s,
				     const uint8_t *v, uint32_t *ret)
{
	if (s->secret_len != 4)
		return -ENOKEY;
	*ret = hv_le32(v + 1) ^ hv_le32(s->secret);
	return 0;
}
