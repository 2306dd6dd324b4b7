// SPDX-License-Identifier: MIT
/*
 * The scale families added from openScale's handlers after f7a733b2
 * (ailink_broadcast, picooc_mini_lite, lenovo_hs10, healthkeep_280,
 * hume_dara2, bodypod2, alpha_scale_pro3, drtrust_ssw526) against each
 * other and the families sharing their UUIDs: each family's frame, under
 * its name, is decoded by its own driver (no driver registered earlier
 * takes it), each name selects its driver for a connection, and under the
 * other names none of these drivers takes another family's frame unless it
 * reads the frame's keys too (a shared UUID, manufacturer data of any
 * company: there the name decides, by design). The frames are those of the
 * families' own tests (tests/unit/test_<driver>.c, where each is cited).
 */
#include "daemon/basic/macro.h"
#include "tests/unit/scale_frames.h"

struct later_frame {
	const char *driver;
	const char *name;
	const char *uuid; /* NULL: manufacturer data */
	const char *hex;
	uint16_t service; /* advertised with the frame, 0: none */
	enum hv_test_checksum cs;
};

static const char *const later_drivers[] = {
	"ailink_broadcast", "picooc_mini_lite", "lenovo_hs10", "healthkeep_280",
	"hume_dara2", "bodypod2", "alpha_scale_pro3", "drtrust_ssw526", NULL,
};

static const struct later_frame frames[] = {
	{ "ailink_broadcast", "EL1", NULL, "0103015f4e3d2c1b0a8f10e69cf7cb452cccffff", 0xF0A0 },
	{ "picooc_mini_lite", "PICOOC-L", NULL, "d049004b4f1e391f065e13388704009c" },
	{ "lenovo_hs10", "HS10", "fff4", "671f0f1e3bf2e07a1200" },
	{ "healthkeep_280", "Healthkeep", "ffb3", "cf0800a30001c6b044016500000000000000000004" },
	{ "hume_dara2", "Dara 2.0", "fff4", "cfc413e821e5e796000045" },
	{ "bodypod2", "Body Pod 2", "fff4", "cf0080512400000000013b" },
	{ "alpha_scale_pro3", "MY_SCALE", "ffb2", "ac27010001d50180695b8a00000000000024d600" },
	{ "alpha_scale_pro3", "meditive", "ffb2", "ac27806d8fa6000000000000000000000003d51a" },
	{ "drtrust_ssw526", "SSW526", "ffb2", "ac2780692282000000000000000000000003d50000" },
	/* the families already there whose UUIDs or names these share */
	{ "lefu_icomon", "Swan", "ffb2", "ac021c480000ce00", 0, HV_CS_AC },
	{ "lefu_icomon", "SSW532", "ffb3", "050800a300011ad04801f4" "000000000000000000",
	  0, HV_CS_NEW },
	{ "active_era_bf06", "AE BS-06", "ffb2",
	  "ac2780011c48000000000000000000000000d500", 0, HV_CS_NONE },
	{ "taylor_bia", "5331891 BIA Scale", "ffb2",
	  "ac27808d2f52" "0200000100000000000000" "24d5" "00" },
	{ "aaax", "AAA002", NULL, "125d112233445566dd5c465ff056" },
	{ "scaleup", "da", NULL, "e01c4801f4112233445566" },
	{ "sinocare", "Weight Scale", NULL,
	  "0000" "000000000000" "ce0000" "061d" "0000000001" "d4" },
};

static void frame_of(struct hv_frame *f, const struct later_frame *lf, const char *name)
{
	if (lf->uuid)
		hv_test_gatt(f, name, lf->uuid, lf->hex, lf->cs);
	else
		hv_test_mfr(f, name, lf->hex);
	if (lf->service) {
		f->n_service_uuids = 1;
		f->service_uuids[0] = hv_uuid16(lf->service);
	}
}

static void test_later_families_cross_claims(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		const struct later_frame *lf = &frames[i];
		struct hv_frame f;
		struct hv_measurement m;

		frame_of(&f, lf, lf->name);
		hv_test_decode(&f, &m);
		assert_non_null(m.driver);
		assert_string_equal(m.driver, lf->driver);
		for (size_t j = 0; j < ELEMENTSOF(frames); j++) {
			const struct later_frame *o = &frames[j];
			const struct hv_driver *od = hv_driver_by_id(o->driver);

			if (strcmp(o->driver, lf->driver) == 0)
				continue;
			frame_of(&f, lf, NULL);
			/* keys the other driver also reads (a shared UUID,
			 * manufacturer data of any company): its name selects */
			if (hv_driver_matches(od, &f) ||
			    (!lf->uuid && (od->flags & HV_DRIVER_ANY_COMPANY)))
				continue;
			frame_of(&f, lf, o->name);
			hv_test_decode(&f, &m);
			if (m.status == HV_STATUS_NOT_MINE || !m.driver ||
			    strcmp(m.driver, lf->driver) == 0)
				continue;
			/* what the older families take under names
			 * they select (lefu_icomon: ssw*) is theirs */
			if (sf_is_listed(later_drivers, m.driver))
				fail_msg("%s frame claimed by %s with name %s", lf->driver,
					 m.driver, o->name);
		}
	}
}

/* Each family's name selects its driver for a connection (the advert
 * drivers have none: no driver connects to them). */
static void test_later_families_selection(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(frames); i++) {
		const struct later_frame *lf = &frames[i];
		const struct hv_driver *d = hv_driver_by_id(lf->driver);
		struct hv_frame f = { .name = lf->name };

		if (!sf_is_listed(later_drivers, lf->driver))
			continue;
		if (lf->service) {
			f.n_service_uuids = 1;
			f.service_uuids[0] = hv_uuid16(lf->service);
		}
		if (d->conversation)
			assert_ptr_equal(hv_registry_select(&f), d);
		else
			assert_null(hv_registry_select(&f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_later_families_cross_claims),
		cmocka_unit_test(test_later_families_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
