/* SPDX-License-Identifier: MIT */
/*
 * The checks every Huawei family goes through (tests/unit/
 * test_huawei_ah100.c, test_huawei_ch100s.c), run over a case table each
 * family fills with its own frames and expectations: its measurement
 * frames decoded, malformed and control frames, selection by name, no
 * Theengs frame claimed, encoder round trips, the bytes its conversation
 * writes and one whole session. Each huawei_test_* is a cmocka test whose
 * state is the family (huawei_family_test()); a family's own checks call
 * it and go on.
 */
#pragma once

#include "tests/unit/huawei_frames.h"

/* A frame decoded to no reading: invalid (`invalid` is part of the error)
 * or a control frame (`control` is its context value). */
struct huawei_frame_case {
	const char *name;
	const char *address;
	const char *hex;
	unsigned quirks;
	const char *id;
	const char *invalid;
	const char *control;
};

/* A measurement encoded with `quirks` and decoded under `name`. */
struct huawei_roundtrip_case {
	const char *name;
	unsigned quirks;
	int user;
	double kg, fat, ohm;
};

/* What the conversation's step `what` writes in huawei_session(). */
struct huawei_payload_case {
	const char *what;
	const char *hex;
};

struct huawei_family {
	const char *id;
	/* the names its frames decode under; sessions go by the first */
	const char *const *names;
	/* app user 1 at HUAWEI_MAC, encoded back byte for byte too */
	const struct huawei_expected *frames;
	size_t n_frames;
	const struct huawei_frame_case *no_reading;
	size_t n_no_reading;
	const struct huawei_name_case *selection;
	size_t n_selection;
	const struct huawei_roundtrip_case *roundtrips;
	size_t n_roundtrips;
	const struct huawei_payload_case *payloads;
	size_t n_payloads;
	/* what the scale sends in a session ending with frames[0] */
	const char *const *session;
};

/* A case table and its length, for a struct huawei_family initializer */
#define HUAWEI_CASES(a) (a), ELEMENTSOF(a)

#define huawei_family_test(f, family) \
	cmocka_unit_test_prestate(f, (void *)(family))

static inline const struct huawei_family *huawei_family_of(void **state)
{
	return *state;
}

static inline void huawei_test_frames(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);
	struct hv_frame f;
	struct hv_measurement m;

	for (size_t i = 0; i < fam->n_frames; i++)
		for (const char *const *n = fam->names; *n; n++) {
			huawei_frame_of(&f, *n, HUAWEI_MAC, fam->frames[i].hex);
			hv_test_decode(&f, &m);
			huawei_assert_expected(&m, fam->id, &fam->frames[i]);
		}
}

static inline void huawei_test_malformed_and_control(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);
	struct hv_frame f;
	struct hv_measurement m;

	for (size_t i = 0; i < fam->n_no_reading; i++) {
		const struct huawei_frame_case *c = &fam->no_reading[i];

		huawei_frame_of(&f, c->name, c->address, c->hex);
		f.quirks = c->quirks;
		hv_test_decode(&f, &m);
		if (c->invalid)
			huawei_assert_invalid(&m, c->id, c->invalid);
		else
			huawei_assert_control(&m, c->id, c->control);
	}
}

static inline void huawei_test_selection(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);

	huawei_assert_selection(fam->selection, fam->n_selection);
}

static inline void huawei_test_theengs_not_claimed(void **state)
{
	const char *const my_drivers[] = { huawei_family_of(state)->id, NULL };

	hv_test_theengs_not_claimed(my_drivers, true);
}

static inline void huawei_test_encoders_roundtrip(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);

	for (size_t i = 0; i < fam->n_roundtrips; i++) {
		const struct huawei_roundtrip_case *c = &fam->roundtrips[i];

		huawei_roundtrip(fam->id, c->name, c->quirks, c->user, c->kg,
				 c->fat, c->ohm);
	}
	for (size_t i = 0; i < fam->n_frames; i++)
		huawei_assert_encodes_to(fam->id, &fam->frames[i]);
}

static inline void huawei_test_conversation_payloads(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);
	const struct hv_driver *d = hv_driver_by_id(fam->id);
	struct hv_session s = huawei_session(fam->names[0]);

	assert_non_null(d->claims_device);
	hv_test_check_conversation(d->conversation);
	for (size_t i = 0; i < fam->n_payloads; i++)
		hv_test_assert_payload(fam->id, fam->payloads[i].what, &s,
				       fam->payloads[i].hex);
}

/* The session authenticates as app user 1 and ends with the reading. */
static inline void huawei_test_session(void **state)
{
	const struct huawei_family *fam = huawei_family_of(state);
	struct hv_session s = huawei_session(fam->names[0]);
	struct hv_measurement m;

	assert_int_equal(huawei_run_session(fam->id, &s, fam->session, &m), 0);
	assert_int_equal(s.quirks & 0xFF, 1);
	huawei_assert_expected(&m, fam->id, &fam->frames[0]);
}
