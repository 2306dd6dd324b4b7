// SPDX-License-Identifier: MIT
/* The LeFu AC framing's app commands (drivers/lefu_ac_commands.h). */
#include <errno.h>
#include <math.h>

#include "drivers/bytes.h"
#include "drivers/lefu_ac_commands.h"
#include "drivers/vendor_util.h"

int hv_lefu_ac_command(uint8_t b2, uint8_t b3, uint8_t b4, uint8_t b5,
		       uint8_t *buf, size_t size, size_t *ret_len)
{
	if (size < 8)
		return -ENOSPC;
	buf[0] = 0xAC;
	buf[1] = 0x02;
	buf[2] = b2;
	buf[3] = b3;
	buf[4] = b4;
	buf[5] = b5;
	buf[6] = 0xCC;
	buf[7] = hv_sum8(buf + 2, 5);
	*ret_len = 8;
	return 0;
}

int hv_lefu_ac_init1(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	(void)s;
	return hv_lefu_ac_command(0xF7, 0, 0, 0, buf, size, ret_len);
}

int hv_lefu_ac_init2(const struct hv_session *s, uint8_t *buf, size_t size,
		    size_t *ret_len)
{
	(void)s;
	return hv_lefu_ac_command(0xFA, 0, 0, 0, buf, size, ret_len);
}

int hv_lefu_ac_profile(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	const struct hv_profile *p = &s->profile;
	double cm = p->height_m * 100;

	if (!hv_profile_complete(p) || p->age_years <= 0 ||
	    p->age_years > 120 || cm < 50 || cm > 255)
		return -ENODATA;
	return hv_lefu_ac_command(0xFB, p->sex == HV_SEX_MALE ? 1 : 2,
		       (uint8_t)p->age_years, (uint8_t)(cm + 0.5), buf, size,
		       ret_len);
}

int hv_lefu_ac_date(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (t->year < 2000 || t->year > 2099)
		return -EINVAL;
	return hv_lefu_ac_command(0xFD, (uint8_t)(t->year - 2000), t->month, t->day, buf,
		       size, ret_len);
}

int hv_lefu_ac_time(const struct hv_session *s, uint8_t *buf, size_t size,
		   size_t *ret_len)
{
	const struct hv_datetime *t = &s->now_local;

	if (t->year < 2000)
		return -EINVAL;
	return hv_lefu_ac_command(0xFC, t->hour, t->minute, t->second, buf, size, ret_len);
}

int hv_lefu_fe_config(const struct hv_session *s, uint8_t *buf, size_t size,
		      size_t *ret_len)
{
	double cm = round(s->profile.height_m * 100),
	       age = floor(s->profile.age_years);

	if (size < 8)
		return -ENOSPC;
	buf[0] = 0xFE;
	buf[1] = 0x01;
	buf[2] = s->profile.sex == HV_SEX_MALE ? 1 : 0;
	buf[3] = 0; /* activity: the profile has none */
	buf[4] = cm >= 1 && cm <= 255 ? (uint8_t)cm : 0;
	buf[5] = age >= 1 && age <= 255 ? (uint8_t)age : 0;
	buf[6] = 0x01; /* kg */
	buf[7] = hv_xor8(buf + 1, 6);
	*ret_len = 8;
	return 0;
}
