// SPDX-License-Identifier: MIT
/*
 * SIG Weight Scale conversation for Sanitas SBF72 / SBF73 and Beurer BF915 scale tests (driver sig_weight_scale), drawn from
 * openScale (oliexdev/openScale). Frames openScale publishes (its tests,
 * issue and pull-request threads) are pinned with their source and the
 * values it states; frames a source only describes are written from the
 * layout in the driver's header comment and say so. Every frame is
 * decoded through the whole registry.
 */
#include "daemon/basic/macro.h"
#include "drivers/sig_scale.h"
#include "tests/unit/scale_frames.h"

/* --- Sanitas SBF72 / SBF73, Beurer BF915 (the SIG scale conversation) --------------- */

/* openScale SanitasSbf72Handler.kt (openScale@f7a733b2): a SIG scale with
 * the vendor service 0xFFFF; its activity and take-measurement writes. */
static void test_sbf72(void **state)
{
	const struct hv_conversation *c = hv_driver_by_id("sig_weight_scale")->conversation;
	const struct hv_step *act = &c->steps[HV_SIG_STEP_VENDOR_ACTIVITY];
	const struct hv_step *take = &c->steps[HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT];
	static const char *const family[] = { "SBF72", "Sanitas SBF73", "BF915 x" };
	struct hv_session s = { .user_index = 1, .records_expected = -1 };
	struct hv_frame f = { .n_service_uuids = 1 };
	uint8_t buf[8];
	size_t n;

	(void)state;
	hv_test_check_conversation(c);
	for (size_t i = 0; i < ELEMENTSOF(family); i++) {
		s.name = family[i];
		assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 3);
		assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(buf[0], 0);
		/* selected as a SIG scale */
		f.name = family[i];
		f.service_uuids[0] = hv_uuid16(0x181D);
		assert_ptr_equal(hv_registry_select(&f),
				 hv_driver_by_id("sig_weight_scale"));
	}
	/* optional, with a user, on the vendor service, before the wait */
	assert_true(act->flags & HV_STEP_OPTIONAL);
	assert_true(take->flags & HV_STEP_SKIP_IF_NO_USER);
	assert_string_equal(act->service, "ffff");
	assert_string_equal(act->characteristic, "0004");
	assert_string_equal(take->characteristic, "0006");
	assert_int_equal(HV_SIG_STEP_VENDOR_TAKE_MEASUREMENT + 1,
			 HV_SIG_STEP_WAIT_MEASUREMENT);
	/* any other SIG scale: not written */
	s.name = "Renpho ES-WBE28";
	assert_int_equal(act->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
	s.name = NULL;
	assert_int_equal(take->payload(&s, buf, sizeof(buf), &n), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbf72),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
