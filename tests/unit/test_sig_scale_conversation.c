// SPDX-License-Identifier: MIT
/*
 * The SIG scale conversation (drivers/sig_scale_conversation.c), run by a
 * small runner written here from the rules in drivers/conversation.h
 * against a scripted scale: new user registration, consent, "user not
 * authorized", full user slots, a scale without User Data Service.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/bytes.h"
#include "drivers/registry.h"
#include "drivers/sig_scale.h"
#include "tests/fakes/frames.h"

/* The scripted scale. */
struct scale {
	bool no_uds; /* no User Data Service: subscribing to 0x2A9F fails */
	int known_index; /* the slot that accepts our consent; -1 none */
	uint16_t known_code;
	bool full; /* no free slot for registration */
	int next_index; /* slot granted by Register New User */
	uint8_t pending[8]; /* UCP indication waiting to be read */
	size_t pending_len;
	/* What the gateway wrote, in order: "2a9f:01d204" … */
	char log[32][48];
	size_t n_log;
};

static void log_write(struct scale *sc, const char *chr, const uint8_t *b,
		      size_t n)
{
	char *p = sc->log[sc->n_log++];

	assert_true(sc->n_log <= 32);
	p += sprintf(p, "%s:", chr);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%02x", b[i]);
}

static void scale_write(struct scale *sc, const char *chr, const uint8_t *b,
			size_t n)
{
	log_write(sc, chr, b, n);
	if (strcmp(chr, "2a9f") != 0)
		return;
	sc->pending[0] = HV_UCP_RESPONSE;
	sc->pending[1] = b[0];
	sc->pending_len = 3;
	if (b[0] == HV_UCP_REGISTER_NEW_USER) {
		if (sc->full) {
			sc->pending[2] = HV_UCP_OPERATION_FAILED;
		} else {
			sc->pending[2] = HV_UCP_SUCCESS;
			sc->pending[3] = (uint8_t)sc->next_index;
			sc->pending_len = 4;
			sc->known_index = sc->next_index;
			sc->known_code = hv_le16(b + 1);
		}
	} else if (b[0] == HV_UCP_CONSENT) {
		sc->pending[2] = (b[1] == sc->known_index &&
				  hv_le16(b + 2) == sc->known_code) ?
					 HV_UCP_SUCCESS :
					 HV_UCP_NOT_AUTHORIZED;
	}
}

/* Runs the steps; returns 0 at the end, or the error of a failing step. */
static int run(const struct hv_conversation *c, struct hv_session *s,
	       struct scale *sc, size_t *ret_steps_run)
{
	size_t i = 0, guard = 0;

	*ret_steps_run = 0;
	while (i < c->n_steps) {
		const struct hv_step *st = &c->steps[i];
		int r = 0;

		assert_true(++guard < 100);
		if (((st->flags & HV_STEP_SKIP_IF_NO_USER) && s->user_index < 0) ||
		    ((st->flags & HV_STEP_SKIP_IF_USER) && s->user_index >= 0)) {
			i++;
			continue;
		}
		(*ret_steps_run)++;
		switch (st->op) {
		case HV_STEP_END:
			return 0;
		case HV_STEP_SUBSCRIBE:
			if (sc->no_uds && strcmp(st->service, "181c") == 0)
				r = -ENOENT;
			break;
		case HV_STEP_WRITE: {
			uint8_t buf[64];
			size_t n = st->n_bytes;

			if (st->payload)
				r = st->payload(s, buf, sizeof(buf), &n);
			else
				memcpy(buf, st->bytes, n);
			if (r >= 0)
				scale_write(sc, st->characteristic, buf, n);
			break;
		}
		case HV_STEP_READ: {
			static const uint8_t feature[] = { 0xa7, 0x01, 0, 0 };
			static const uint8_t dbci[] = { 0x07, 0, 0, 0 };

			if (strcmp(st->characteristic, "2a9e") == 0)
				r = st->on_value(s, feature, 4);
			else if (strcmp(st->characteristic, "2a99") == 0)
				r = st->on_value(s, dbci, 4);
			else
				r = -ENOENT;
			break;
		}
		case HV_STEP_WAIT:
			if (strcmp(st->characteristic, "2a9f") == 0 &&
			    sc->pending_len) {
				size_t n = sc->pending_len;

				sc->pending_len = 0;
				r = st->on_value(s, sc->pending, n);
			} else {
				r = -ETIMEDOUT; /* nothing arrives */
			}
			break;
		default:
			fail();
		}
		if (r == HV_VALUE_GOTO) {
			assert_true(s->next_step >= 0 &&
				    (size_t)s->next_step < c->n_steps);
			i = (size_t)s->next_step;
			continue;
		}
		if (r < 0) {
			if (st->flags & HV_STEP_OPTIONAL) {
				i++;
				continue;
			}
			if (st->on_fail) {
				i = (size_t)st->on_fail;
				continue;
			}
			return r;
		}
		assert_true(r == HV_VALUE_DONE); /* MORE would wait on */
		i++;
	}
	return 0;
}

static struct hv_session session(int user_index)
{
	return (struct hv_session){
		.now_local = { 2024, 3, 15, 8, 30, 0 },
		.day_of_week = 5,
		.user_index = user_index,
		.consent_code = 1234, /* 0x04d2 */
		.last_sequence = -1,
		.profile = { 1.80, 44, HV_SEX_MALE },
		.records_expected = -1,
	};
}

static const struct hv_conversation *conversation(void)
{
	const struct hv_driver *d = hv_driver_by_id("sig_weight_scale");

	assert_non_null(d);
	assert_ptr_equal(d->conversation, &hv_sig_scale_conversation);
	return d->conversation;
}

static void test_table(void **state)
{
	const struct hv_conversation *c = conversation();

	(void)state;
	assert_int_equal(c->n_steps, _HV_SIG_STEP_MAX);
	hv_test_check_conversation(c);
}

static void test_new_user(void **state)
{
	struct hv_session s = session(-1);
	struct scale sc = { .known_index = -1, .next_index = 5 };
	size_t n;

	(void)state;
	assert_int_equal(run(conversation(), &s, &sc, &n), 0);
	assert_int_equal(s.user_index, 5);
	assert_true(s.user_registered);
	assert_int_equal(s.scratch[0], 0x1a7); /* feature kept */
	assert_int_equal(sc.n_log, 7);
	/* Current Time: 2024-03-15 08:30:00, Friday, fractions 0, reason 0 */
	assert_string_equal(sc.log[0], "2a2b:e807030f081e00050000");
	assert_string_equal(sc.log[1], "2a9f:01d204"); /* register, code 1234 */
	assert_string_equal(sc.log[2], "2a9f:0205d204"); /* consent slot 5 */
	/* 44 years before 2024-03-15 (44 × 365.2425 days): 1980-03-15 */
	assert_string_equal(sc.log[3], "2a85:bc07030f");
	assert_string_equal(sc.log[4], "2a8c:00"); /* male */
	assert_string_equal(sc.log[5], "2a8e:b400"); /* 180 cm */
	assert_string_equal(sc.log[6], "2a99:08000000"); /* 7 + 1 */
}

static void test_known_user(void **state)
{
	struct hv_session s = session(2);
	struct scale sc = { .known_index = 2, .known_code = 1234 };
	size_t n;

	(void)state;
	assert_int_equal(run(conversation(), &s, &sc, &n), 0);
	assert_int_equal(s.user_index, 2);
	assert_false(s.user_registered);
	assert_string_equal(sc.log[1], "2a9f:0202d204");
	assert_string_equal(sc.log[2], "2a85:bc07030f"); /* no registration */
}

static void test_not_authorized_registers_again(void **state)
{
	/* The scale lost its users (batteries out): consent for slot 2 is
	 * refused, the gateway registers anew and consents with the slot. */
	struct hv_session s = session(2);
	struct scale sc = { .known_index = -1, .next_index = 7 };
	size_t n;

	(void)state;
	assert_int_equal(run(conversation(), &s, &sc, &n), 0);
	assert_string_equal(sc.log[1], "2a9f:0202d204");
	assert_string_equal(sc.log[2], "2a9f:01d204");
	assert_string_equal(sc.log[3], "2a9f:0207d204");
	assert_int_equal(s.user_index, 7);
	assert_true(s.user_registered);
}

static void test_slots_full(void **state)
{
	struct hv_session s = session(-1);
	struct scale sc = { .known_index = -1, .full = true };
	size_t n;

	(void)state;
	assert_int_equal(run(conversation(), &s, &sc, &n), -ENOSPC);
	assert_int_equal(s.user_index, -1);
	assert_false(s.user_registered);
}

static void test_without_user_data_service(void **state)
{
	/* A single-user scale: no UDS, so straight to waiting for weights. */
	struct hv_session s = session(-1);
	struct scale sc = { .no_uds = true, .known_index = -1 };
	size_t n;

	(void)state;
	assert_int_equal(run(conversation(), &s, &sc, &n), 0);
	assert_int_equal(sc.n_log, 0);
	assert_int_equal(s.user_index, -1);
}

static void test_payload_limits(void **state)
{
	const struct hv_step *st = conversation()->steps;
	struct hv_session s = session(-1);
	uint8_t buf[16];
	size_t n;

	(void)state;
	s.consent_code = 10000; /* UDS allows 0–9999 */
	assert_int_equal(st[HV_SIG_STEP_REGISTER].payload(&s, buf, sizeof(buf),
							  &n),
			 -EINVAL);
	s = session(-1);
	s.profile.sex = HV_SEX_UNKNOWN;
	assert_int_equal(st[HV_SIG_STEP_WRITE_GENDER].payload(&s, buf,
							      sizeof(buf), &n),
			 -ENODATA);
	s.profile.height_m = 0;
	assert_int_equal(st[HV_SIG_STEP_WRITE_HEIGHT].payload(&s, buf,
							      sizeof(buf), &n),
			 -ENODATA);
	s.now_local = (struct hv_datetime){ 0 }; /* clock unknown */
	assert_int_equal(st[HV_SIG_STEP_SET_TIME].payload(&s, buf, sizeof(buf),
							  &n),
			 -EINVAL);
	assert_int_equal(st[HV_SIG_STEP_SET_TIME].payload(&s, buf, 4, &n),
			 -ENOSPC);
	/* A UCP indication for another op code is not our answer. */
	s = session(-1);
	assert_int_equal(st[HV_SIG_STEP_REGISTER_WAIT].on_value(
				 &s, (const uint8_t[]){ 0x20, 0x02, 0x01 }, 3),
			 HV_VALUE_MORE);
	assert_int_equal(st[HV_SIG_STEP_REGISTER_WAIT].on_value(
				 &s, (const uint8_t[]){ 0x20, 0x01, 0x01 }, 3),
			 -EBADMSG); /* success without the index */
}

static void test_selection(void **state)
{
	struct hv_frame sig = { .name = "BF720", .n_service_uuids = 2 };
	struct hv_frame mi = { .name = "MIBFS", .n_service_uuids = 1,
			       .n_service_data = 1 };
	struct hv_frame none = { .name = "Something" };

	(void)state;
	sig.service_uuids[0] = hv_uuid16(0x181D);
	sig.service_uuids[1] = hv_uuid16(0x181C);
	assert_non_null(hv_registry_select(&sig));
	assert_string_equal(hv_registry_select(&sig)->id, "sig_weight_scale");
	sig.service_uuids[0] = hv_uuid16(0x181B);
	assert_string_equal(hv_registry_select(&sig)->id, "sig_weight_scale");

	/* A Mi Body Composition Scale lists 0x181B too: not a SIG scale. */
	mi.service_uuids[0] = hv_uuid16(0x181B);
	mi.service_data[0].uuid = hv_uuid16(0x181B);
	mi.service_data[0].len = 13;
	assert_null(hv_registry_select(&mi));
	mi.n_service_data = 0;
	assert_null(hv_registry_select(&mi)); /* the name says Xiaomi */
	assert_null(hv_registry_select(&none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_new_user),
		cmocka_unit_test(test_known_user),
		cmocka_unit_test(test_not_authorized_registers_again),
		cmocka_unit_test(test_slots_full),
		cmocka_unit_test(test_without_user_data_service),
		cmocka_unit_test(test_payload_limits),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
