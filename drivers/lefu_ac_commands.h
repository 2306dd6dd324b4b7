/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The app's commands of the LeFu "AC" framing on 0xFFB1, as the Runstar R5
 * and Taylor BIA conversations send them (openScale RunstarR5Handler,
 * TaylorBIAHandler at oliexdev/openScale@f7a733b2; the same framing as
 * drivers/lefu_icomon.c's): AC 02 B2 B3 B4 B5 CC, then the byte sum of
 * [2..6]. Payload functions for conversation steps.
 */

#include <stddef.h>
#include <stdint.h>

#include "drivers/conversation.h"

int hv_lefu_ac_command(uint8_t b2, uint8_t b3, uint8_t b4, uint8_t b5,
		       uint8_t *buf, size_t size, size_t *ret_len);

/* F7 and FA: the start. */
int hv_lefu_ac_init1(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len);
int hv_lefu_ac_init2(const struct hv_session *s, uint8_t *buf, size_t size,
		     size_t *ret_len);
/* FB sex age height; -ENODATA without a complete, plausible profile. */
int hv_lefu_ac_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		       size_t *ret_len);
/* FD year-2000 month day and FC hour minute second, local. */
int hv_lefu_ac_date(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len);
int hv_lefu_ac_time(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len);
