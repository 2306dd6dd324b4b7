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

/*
 * The conversation both send, as the elements of a steps array: subscribe
 * to 0xFFB2, the start, the person's profile, date and time (optional),
 * the unit (UNIT: a payload function), then ON_WEIGHT on 0xFFB2 until the
 * weight is final (WAIT_WHAT says how), then the end.
 */
#define HV_LEFU_AC_CMD(pl, text, extra)                                     \
	{ .op = HV_STEP_WRITE, .service = "ffb0", .characteristic = "ffb1", \
	  .payload = pl, .flags = HV_STEP_WITH_RESPONSE | (extra),          \
	  .what = text }
#define HV_LEFU_AC_STEPS(unit, on_weight, wait_what)                          \
	{ .op = HV_STEP_SUBSCRIBE, .service = "ffb0",                        \
	  .characteristic = "ffb2", .what = "subscribe 0xFFB2" },            \
	HV_LEFU_AC_CMD(hv_lefu_ac_init1, "start (F7)", 0),                   \
	HV_LEFU_AC_CMD(hv_lefu_ac_init2, "start (FA)", 0),                   \
	HV_LEFU_AC_CMD(hv_lefu_ac_profile, "profile (FB sex age height)",    \
		       HV_STEP_OPTIONAL),                                    \
	HV_LEFU_AC_CMD(hv_lefu_ac_date, "date (FD)", HV_STEP_OPTIONAL),      \
	HV_LEFU_AC_CMD(hv_lefu_ac_time, "time (FC)", HV_STEP_OPTIONAL),      \
	HV_LEFU_AC_CMD(unit, "unit kg (FE)", 0),                             \
	{ .op = HV_STEP_WAIT, .service = "ffb0", .characteristic = "ffb2",   \
	  .on_value = on_weight, .timeout_ms = 60000, .what = wait_what },   \
	{ .op = HV_STEP_END, .what = "done" }

/*
 * FE 01 sex(1 male) activity(0) height-cm age unit(01 kg) XOR[1..6]: the
 * profile the LeFu scales on 0xFFF0 take (Excelvan CF36x, Lefu Body Pod 2,
 * Hume Dara 2.0; openScale's ExcelvanCF36xHandler, BodyPod2Handler and
 * HumeDara2Handler); out-of-range height or age written 0.
 */
int hv_lefu_fe_config(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len);
