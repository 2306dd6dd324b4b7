// SPDX-License-Identifier: MIT
/*
 * What holds across scale families rather than within one: each driver is
 * complete (claims_device, encode, kind) and its conversation well formed,
 * the Theengs decoder corpus (theengs/decoder) is claimed by none of them,
 * selection by advertised name picks the right driver and near-miss names
 * are claimed by none of the set, and frames of one family are claimed by
 * no other. The per-family tests are in tests/unit/test_<driver>.c.
 */
#include "tests/unit/scale_frames.h"

/*
 * AAA-series, Hesley, Exingtech Y1, Digoo, Ebelter, Excelvan, Hoffen, Cult,
 * ES-CS20M, Active Era, 1BODY CONNECT (ported from openScale@f7a733b2).
 */
static const char *const aaax_set_drivers[] = {
	"aaax", "hesley", "exingtech_y1", "digoo_dgso38h", "ebelter_b2",
	"excelvan_cf36x", "hoffen_bbs8107", "cult_scale_pro", "es_cs20m",
	"active_era_bf06", "body_connect", NULL,
};

/* Drivers with a GATT conversation. */
static const char *const aaax_set_connected[] = {
	"hesley", "exingtech_y1", "digoo_dgso38h", "ebelter_b2",
	"excelvan_cf36x", "hoffen_bbs8107", "cult_scale_pro", "es_cs20m",
	"active_era_bf06", "body_connect", NULL,
};


static void test_aaax_set_conversations_well_formed(void **state)
{
	(void)state;
	for (const char *const *id = aaax_set_drivers; *id; id++) {
		const struct hv_driver *d = hv_driver_by_id(*id);

		assert_non_null(d);
		assert_non_null(d->claims_device);
		assert_non_null(d->encode);
		assert_int_equal(d->kind, HV_DRIVER_KIND_SCALE);
	}
	for (const char *const *id = aaax_set_connected; *id; id++)
		hv_test_check_conversation(hv_driver_by_id(*id)->conversation);
}

static void test_aaax_set_theengs_not_claimed(void **state)
{
	(void)state;
	hv_test_theengs_not_claimed(aaax_set_drivers, true);
}

static void test_aaax_set_selection(void **state)
{
	static const struct {
		const char *name;
		const char *id;
	} cases[] = {
		{ "AAA002", "aaax" },
		{ "AAA007", "aaax" },
		{ "AAA013", "aaax" },
		{ "YunChen", "hesley" },
		{ "YUNCHEN", "hesley" },
		{ "VScale", "exingtech_y1" },
		{ "Mengii", "digoo_dgso38h" },
		{ "Body Fat-B2", "ebelter_b2" },
		{ "Electronic Scale", "excelvan_cf36x" },
		{ "Cult Smart Scale Pro", "cult_scale_pro" },
		{ "AE BS-06", "active_era_bf06" },
		{ "ae bs-06", "active_era_bf06" },
		{ "cult", "cult_scale_pro" },
	};
	static const char *const not_ours[] = { "AAA001", "AAA0020", "YunChen1",
						"Yun", "VScale2", "Mengii-X",
						"Body Fat", "Electronic", "Cul", "AE BS-061", NULL };
	struct hv_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hv_driver *d = hv_driver_by_id(cases[i].id);

		f = (struct hv_frame){ .name = cases[i].name };
		/* only a driver with a conversation is selected to connect */
		assert_ptr_equal(hv_registry_select(&f), d->conversation ? d : NULL);
		assert_true(d->claims_device(&f));
	}
	for (const char *const *n = not_ours; *n; n++)
		for (const char *const *id = aaax_set_drivers; *id; id++) {
			f = (struct hv_frame){ .name = *n };
			assert_false(hv_driver_by_id(*id)->claims_device(&f));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aaax_set_conversations_well_formed),
		cmocka_unit_test(test_aaax_set_theengs_not_claimed),
		cmocka_unit_test(test_aaax_set_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
