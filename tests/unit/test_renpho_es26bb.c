// SPDX-License-Identifier: MIT
/*
 * Renpho ES-26BB-B scale tests (driver renpho_es26bb), drawn from openScale
 * (oliexdev/openScale). Frames openScale publishes (its tests, issue and
 * pull-request threads) are pinned with their source and the values it
 * states; frames a source only describes are written from the layout in the
 * driver's header comment and say so. Every frame is decoded through the
 * whole registry.
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

/* --- Renpho ES-26BB-B ------------------------------------------------------- */


/* openScale RenphoES26BBHandlerTest.kt (openScale@14da7cea) */
#define ES26_FINAL "55aa1400070100001d8301f4b0"
#define ES26_FINAL_NO_BIA "55aa1400071100001d830000cb"
#define ES26_SETTLING "55aa1400070000001d8301f4af"
#define ES26_RECORD "55aa15000c00001d8301f40000001e0000d3"

static const struct sf_case es26bb_published[] = {
	/* final 75.55 kg, 500 Ohm */
	{ "ES-26BB-B", "2a10", ES26_FINAL, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 75.55 }, { HV_METRIC_IMPEDANCE, 500 }) },
	/* final in BIA zero-current mode: 75.55 kg, no impedance */
	{ "R-A012", "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 75.55 },
		      { HV_METRIC_IMPEDANCE, SF_ABSENT }) },
	/* settling: not final (openScale drops it) */
	{ "R-A020", "2a10", ES26_SETTLING, HV_CS_NONE, SF_LIVE },
	/* stored record 75.55 kg, 500 Ohm, 30 s ago */
	{ "ES-26BB-B", "2a10", ES26_RECORD, HV_CS_NONE, SF_FINAL, false,
	  SF_READINGS({ HV_METRIC_BODY_WEIGHT, 75.55 }, { HV_METRIC_IMPEDANCE, 500 }) },
};

static void test_es26bb_published(void **state)
{
	(void)state;
	sf_check_cases("renpho_es26bb", es26bb_published, ELEMENTSOF(es26bb_published));
}

static const struct sf_case es26bb_malformed[] = {
	{ "ES-26BB-B", "2a10", "55aa1400070100001d8301f4b1", HV_CS_NONE, SF_INVALID },
	/* declared length 8, seven bytes of payload */
	{ "ES-26BB-B", "2a10", "55aa1400080100001d8301f4b1", HV_CS_NONE, SF_INVALID },
	/* a status frame (55 AA 11 …, written from the layout) reads nothing */
	{ "ES-26BB-B", "2a10", "55aa11000501010102001a", HV_CS_NONE, SF_LIVE, true },
	/* only the exact names select it on 0x2A10 (R-A033 speaks another) */
	{ "R-A033", "2a10", ES26_FINAL, HV_CS_NONE, SF_NOT_MINE },
	{ NULL, "2a10", ES26_FINAL, HV_CS_NONE, SF_NOT_MINE },
};

static void test_es26bb_checks(void **state)
{
	(void)state;
	sf_check_cases("renpho_es26bb", es26bb_malformed, ELEMENTSOF(es26bb_malformed));
}

/*
 * The method's expected outputs, from RenphoES26BBHandlerTest.kt
 * (openScale@14da7cea): female 54.7 kg, 1.67 m, 30 y, 385 Ohm: fat ~19.2 %;
 * male 75 kg, 1.80 m, 35 y, 500 Ohm: fat ~15.9 % (within 0.2 there).
 */
static void test_es26bb_method(void **state)
{
	const struct hv_driver *d = hv_driver_by_id("renpho_es26bb");
	struct hv_measurement in, m;
	struct hv_frame f;
	double fat;

	(void)state;
	hv_measurement_init(&in, "renpho_es26bb");
	in.final = true;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 54.7), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 385), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = "ES-26BB-B";
	f.profile = &sf_female30;
	sf_decode_as(&f, &m, "renpho_es26bb");
	fat = hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT);
	hv_assert_near(fat, 19.2, 0.2);
	assert_string_equal(hv_test_method(&m, HV_METRIC_BODY_FAT_PERCENT),
			    "renpho_es26bb");
	/* the rest follow from the fat figure as the handler states */
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_WATER_PERCENT),
		       68.651 - 0.68725 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_MUSCLE_PERCENT),
		       58.390 - 0.58654 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_PROTEIN_PERCENT),
		       25.340 - 0.30245 * fat, 0.1);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_FAT_FREE_MASS),
		       54.7 * (100 - fat) / 100, 0.03);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BONE_MASS),
		       54.7 - 54.7 * (93.988 - 0.93960 * fat) / 100 -
			       fat * 54.7 / 100,
		       0.02);

	hv_measurement_init(&in, "renpho_es26bb");
	in.final = true;
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_BODY_WEIGHT, 75), 0);
	assert_int_equal(hv_measurement_add(&in, HV_METRIC_IMPEDANCE, 500), 0);
	assert_int_equal(d->encode(&in, NULL, &f), 0);
	f.name = "ES-26BB-B";
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	hv_assert_near(hv_test_reading(&m, HV_METRIC_BODY_FAT_PERCENT), 15.9, 0.2);

	/* no impedance (0x11 frame): no method readings */
	hv_test_gatt(&f, "ES-26BB-B", "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE);
	f.profile = &sf_male35;
	hv_test_decode(&f, &m);
	assert_null(hv_measurement_find(&m, HV_METRIC_BODY_FAT_PERCENT));
}

static void step_bytes_hex(const struct hv_step *s, char *out)
{
	for (size_t i = 0; i < s->n_bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", s->bytes[i]);
}

static void test_es26bb_conversation(void **state)
{
	const struct hv_conversation *c =
		hv_driver_by_id("renpho_es26bb")->conversation;
	struct hv_session s = { .user_index = -1, .records_expected = -1 };
	const struct hv_step *wait;
	size_t i_ack, i_end;
	uint8_t v[32];
	char hex[64];

	(void)state;
	hv_test_check_conversation(c);
	step_bytes_hex(hv_test_find_step("renpho_es26bb", "unit kg and start", NULL), hex);
	assert_string_equal(hex, "55aa9000040100000094");
	step_bytes_hex(hv_test_find_step("renpho_es26bb", "acknowledge the stored", &i_ack), hex);
	assert_string_equal(hex, "55aa9500010196");
	i_end = c->n_steps - 1;

	/* a stored record is acknowledged, the final weight ends it, a
	 * settling frame or a bad checksum waits on */
	wait = hv_test_find_step("renpho_es26bb", "wait for a stored", NULL);
	{
		struct hv_frame f;

		hv_test_gatt(&f, NULL, "2a10", ES26_RECORD, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_GOTO);
		assert_int_equal(s.next_step, (int)i_ack);
		hv_test_gatt(&f, NULL, "2a10", ES26_FINAL_NO_BIA, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_GOTO);
		assert_int_equal(s.next_step, (int)i_end);
		hv_test_gatt(&f, NULL, "2a10", ES26_SETTLING, HV_CS_NONE);
		memcpy(v, f.value, f.value_len);
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_MORE);
		v[f.value_len - 1] ^= 1;
		assert_int_equal(wait->on_value(&s, v, f.value_len), HV_VALUE_MORE);
	}
	/* after the acknowledgement it waits again */
	assert_int_equal(c->steps[i_ack + 1].op, HV_STEP_WAIT);
	assert_int_equal(c->steps[i_ack + 1].on_fail, (int)i_end);
}


/* The encoder's frames decode back to what was encoded. */
static void test_renpho_es26bb_encoder_roundtrip(void **state)
{
	(void)state;
	sf_roundtrip_weight("renpho_es26bb", "ES-26BB-B", 72.4, 500, true);
	sf_roundtrip_weight("renpho_es26bb", "R-A020", 150.25, 0, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es26bb_published),
		cmocka_unit_test(test_es26bb_checks),
		cmocka_unit_test(test_es26bb_method),
		cmocka_unit_test(test_es26bb_conversation),
		cmocka_unit_test(test_renpho_es26bb_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
