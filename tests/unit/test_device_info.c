// SPDX-License-Identifier: MIT
/*
 * The Device Information Service's values as the GATT session keeps them
 * (daemon/common/device_info.c): bounded, printable UTF-8, the System ID
 * in the IG's dashed form, and the reads as an all-optional conversation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "daemon/common/device_info.h"

static struct hv_uuid uuid(const char *text)
{
	struct hv_uuid u;

	assert_int_equal(hv_uuid_parse(text, &u), 0);
	return u;
}

static int take(struct hv_dis *d, const char *characteristic, const void *v,
		size_t len)
{
	struct hv_uuid u = uuid(characteristic);

	return hv_dis_take(d, &u, v, len);
}

static void test_fields(void **state)
{
	static const char *const chars[_HV_DIS_FIELD_MAX] = {
		[HV_DIS_MANUFACTURER] = "2a29", [HV_DIS_MODEL] = "2a24",
		[HV_DIS_SERIAL] = "2a25",	[HV_DIS_HARDWARE] = "2a27",
		[HV_DIS_FIRMWARE] = "2a26",	[HV_DIS_SOFTWARE] = "2a28",
		[HV_DIS_SYSTEM_ID] = "2a23",
	};
	struct hv_uuid u;

	(void)state;
	for (int f = 0; f < _HV_DIS_FIELD_MAX; f++) {
		u = uuid(chars[f]);
		assert_int_equal(hv_dis_field_of(&u), f);
		assert_non_null(hv_dis_field_name((enum hv_dis_field)f));
	}
	u = uuid("2a19"); /* battery level: none of them */
	assert_int_equal(hv_dis_field_of(&u), -ENOENT);
	assert_null(hv_dis_field_name(_HV_DIS_FIELD_MAX));
}

static void test_strings(void **state)
{
	struct hv_dis d = { 0 };
	char long_value[100];

	(void)state;
	assert_true(hv_dis_empty(&d));
	/* no terminator on the air, or one: the same */
	assert_int_equal(take(&d, "2a29", "Acme", 4), 0);
	assert_string_equal(d.value[HV_DIS_MANUFACTURER], "Acme");
	assert_false(hv_dis_empty(&d));
	assert_int_equal(take(&d, "2a24", "WS-1\0junk", 9), 0);
	assert_string_equal(d.value[HV_DIS_MODEL], "WS-1");
	/* blanks around go, controls and DEL show as '?' */
	assert_int_equal(take(&d, "2a25", "  S\tN\x7f" "1  ", 10), 0);
	assert_string_equal(d.value[HV_DIS_SERIAL], "S?N?1");
	/* valid UTF-8 stays; invalid, overlong, surrogates and C1 do not */
	assert_int_equal(take(&d, "2a26", "v\xc3\xa9r", 4), 0);
	assert_string_equal(d.value[HV_DIS_FIRMWARE], "v\xc3\xa9r");
	assert_int_equal(take(&d, "2a26", "a\xff\xc0\xaf\xed\xa0\x80\xc2\x85z",
			      10),
			 0);
	/* one ? per stray byte, one per C1 character */
	assert_string_equal(d.value[HV_DIS_FIRMWARE], "a???????z");
	/* a sequence cut by the end of the value */
	assert_int_equal(take(&d, "2a27", "r1\xe2\x82", 4), 0);
	assert_string_equal(d.value[HV_DIS_HARDWARE], "r1??");
	/* bounded, never inside a character */
	memset(long_value, 'x', sizeof(long_value));
	memcpy(long_value + HV_DIS_VALUE_MAX - 1, "\xc3\xa9", 2);
	assert_int_equal(take(&d, "2a28", long_value, sizeof(long_value)), 0);
	assert_int_equal(strlen(d.value[HV_DIS_SOFTWARE]), HV_DIS_VALUE_MAX - 1);
	/* nothing usable: the field keeps what it had */
	assert_int_equal(take(&d, "2a29", "", 0), -EINVAL);
	assert_int_equal(take(&d, "2a29", "   ", 3), -EINVAL);
	assert_int_equal(take(&d, "2a29", "\0Acme", 5), -EINVAL);
	assert_string_equal(d.value[HV_DIS_MANUFACTURER], "Acme");
	assert_int_equal(take(&d, "2a19", "\x64", 1), -ENOENT);
	/* from the store: the same rules */
	hv_dis_set(&d, HV_DIS_MODEL, " M\n1 ");
	assert_string_equal(d.value[HV_DIS_MODEL], "M?1");
	hv_dis_set(&d, HV_DIS_MODEL, NULL);
	assert_string_equal(d.value[HV_DIS_MODEL], "");
}

static void test_system_id(void **state)
{
	static const uint8_t id[8] = { 0x74, 0xE8, 0xFF, 0xFE,
				       0xFF, 0x05, 0x1C, 0x00 };
	static const uint8_t zero[8], ones[8] = { 0xFF, 0xFF, 0xFF, 0xFF,
						  0xFF, 0xFF, 0xFF, 0xFF };
	struct hv_dis d = { 0 };

	(void)state;
	/* the IG's example device phd-74E8FFFEFF051C00.001C05FFE874 */
	assert_int_equal(take(&d, "2a23", id, 8), 0);
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID],
			    "74-E8-FF-FE-FF-05-1C-00");
	assert_int_equal(take(&d, "2a23", id, 7), -EINVAL);
	assert_int_equal(take(&d, "2a23", zero, 8), -EINVAL);
	assert_int_equal(take(&d, "2a23", ones, 8), -EINVAL);
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID],
			    "74-E8-FF-FE-FF-05-1C-00");
	/* from the store: only that form */
	hv_dis_set(&d, HV_DIS_SYSTEM_ID, "01-02-03-04-05-06-07-0A");
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID],
			    "01-02-03-04-05-06-07-0A");
	hv_dis_set(&d, HV_DIS_SYSTEM_ID, "ZZ-02-03-04-05-06-07-0A");
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID], "");
	hv_dis_set(&d, HV_DIS_SYSTEM_ID, "01-02-03-04-05-06-07-0A-");
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID], "");
	hv_dis_set(&d, HV_DIS_SYSTEM_ID, "01:02:03:04:05:06:07:0A");
	assert_string_equal(d.value[HV_DIS_SYSTEM_ID], "");
}

/* Every read optional and bounded: a device without the service, or with
 * some of it, still gets its driver's steps. */
static void test_conversation(void **state)
{
	const struct hv_conversation *c = &hv_dis_conversation;
	unsigned seen = 0;

	(void)state;
	assert_int_equal(c->n_steps, _HV_DIS_FIELD_MAX);
	assert_false(c->needs_bonding);
	for (size_t i = 0; i < c->n_steps; i++) {
		const struct hv_step *st = &c->steps[i];
		struct hv_uuid u = uuid(st->characteristic);
		int f = hv_dis_field_of(&u);

		assert_int_equal(st->op, HV_STEP_READ);
		assert_string_equal(st->service, "180a");
		assert_true(st->flags & HV_STEP_OPTIONAL);
		assert_true(st->timeout_ms > 0 && st->timeout_ms <= 5000);
		assert_null(st->on_value);
		assert_true(f >= 0);
		seen |= 1u << f;
	}
	assert_int_equal(seen, (1u << _HV_DIS_FIELD_MAX) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_system_id),
		cmocka_unit_test(test_conversation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
