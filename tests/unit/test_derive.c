// SPDX-License-Identifier: MIT
/*
 * Body composition without a second decode (drivers/driver.h, derive):
 * for every driver with a derive hook and every captured frame we hold
 * (tests/vectors, and the committed fuzz corpora presented on the driver's
 * own characteristics, manufacturer data and names), decoding with a
 * profile gives exactly what decoding without one and then
 * hv_registry_derive() gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

static const struct hv_profile profiles[] = {
	{ .height_m = 1.80, .age_years = 44, .sex = HV_SEX_MALE },
	{ .height_m = 1.64, .age_years = 29, .sex = HV_SEX_FEMALE },
	{ .height_m = 1.72, .age_years = 71, .sex = HV_SEX_FEMALE },
};

/* Kept weights (frame.quirks bits 8..) as the conversations hand them to
 * decode, in the units the drivers keep (0.01 kg, grams): 70 kg, and 120 kg
 * for which the captured 248 Ohm of a Cult scale gives a composition. */
static const unsigned quirk_set[] = {
	0, 1, 2, 3, 7000u << 8, 7000u << 8 | 1, 12000u << 8, 70000u << 8,
	70000u << 8 | 1, 120000u << 8 | 1,
};

/* The Realme scale ciphers with its address: the one its frames were
 * written with (openScale RealmeSmartScaleHandler.kt layout). */
static const char address[] = "C8:0F:10:11:22:33";

struct tally {
	size_t decoded[HV_DRIVERS_MAX]; /* by hv_drivers[] index */
	size_t derived[HV_DRIVERS_MAX];
	size_t frames;
};

static bool same_reading(const struct hv_reading *a, const struct hv_reading *b)
{
	if (a->metric != b->metric || a->absent != b->absent ||
	    !a->method != !b->method)
		return false;
	if (a->method && strcmp(a->method, b->method) != 0)
		return false;
	/* Exact: the same formula on the same inputs. */
	return a->absent != HV_ABSENT_NONE || a->value == b->value;
}

static void check_frame(size_t di, const struct hv_frame *frame,
			struct tally *t)
{
	const struct hv_driver *d = hv_drivers[di];

	for (size_t k = 0; k < ELEMENTSOF(profiles); k++) {
		struct hv_measurement plain, with, derived;
		struct hv_frame f = *frame;
		int r_plain, r_with, n;

		f.profile = NULL;
		r_plain = hv_registry_decode(&f, d, &plain);
		f.profile = &profiles[k];
		r_with = hv_registry_decode(&f, d, &with);
		assert_int_equal(r_plain, r_with);
		assert_int_equal(plain.status, with.status);
		if (plain.status != HV_STATUS_OK)
			return;
		t->frames++;
		t->decoded[di]++;
		n = hv_registry_derive(d, &plain, &profiles[k], &derived);
		assert_true(n >= 0);
		if (derived.n_readings != with.n_readings)
			fail_msg("%s: %zu readings derived, %zu decoded with the profile",
				 d->id, derived.n_readings, with.n_readings);
		for (size_t i = 0; i < with.n_readings; i++)
			if (!same_reading(&derived.readings[i], &with.readings[i]))
				fail_msg("%s: reading %zu (%s) differs: %.17g derived, %.17g decoded",
					 d->id, i,
					 hv_metric_info(with.readings[i].metric)->name,
					 derived.readings[i].value,
					 with.readings[i].value);
		if (n > 0)
			t->derived[di]++;
	}
}

static void present(size_t di, const uint8_t *data, size_t len,
		    struct tally *t)
{
	const struct hv_driver *d = hv_drivers[di];
	const struct hv_match *mt = &d->match;
	const char *const none[] = { NULL };
	const char *const *names = mt->name_prefixes ? mt->name_prefixes : none;
	struct hv_frame f;

	if (len > HV_FRAME_DATA_MAX)
		len = HV_FRAME_DATA_MAX;
	for (size_t q = 0; q < ELEMENTSOF(quirk_set); q++)
		for (size_t nm = 0; nm == 0 || names[nm - 1]; nm++) {
			const char *name = nm ? names[nm - 1] : NULL;

			for (size_t c = 0; mt->characteristics &&
					   mt->characteristics[c];
			     c++) {
				f = (struct hv_frame){
					.has_characteristic = true,
					.address = address,
					.characteristic = hv_uuid16(
						mt->characteristics[c]),
					.value_len = len,
					.name = name,
					.quirks = quirk_set[q],
					.now = 1710491400,
				};
				memcpy(f.value, data, len);
				check_frame(di, &f, t);
			}
			for (size_t c = 0; mt->characteristics128 &&
					   mt->characteristics128[c];
			     c++) {
				f = (struct hv_frame){
					.has_characteristic = true,
					.address = address,
					.value_len = len,
					.name = name,
					.quirks = quirk_set[q],
					.now = 1710491400,
				};
				assert_int_equal(hv_uuid_parse(mt->characteristics128[c],
							       &f.characteristic),
						 0);
				memcpy(f.value, data, len);
				check_frame(di, &f, t);
			}
			if (len >= 2) {
				f = (struct hv_frame){
					.n_manufacturer_data = 1,
					.name = name,
					.address = address,
					.quirks = quirk_set[q],
					.now = 1710491400,
				};
				f.manufacturer_data[0].len = len;
				memcpy(f.manufacturer_data[0].data, data, len);
				/* with the services the driver's adverts list
				 * (AiLink: 0xF0A0) */
				for (size_t s = 0; mt->services && mt->services[s] &&
						   s < HV_FRAME_SERVICE_UUIDS_MAX;
				     s++)
					f.service_uuids[f.n_service_uuids++] =
						hv_uuid16(mt->services[s]);
				check_frame(di, &f, t);
			}
		}
}

static size_t corpus_file(const char *path, uint8_t *buf, size_t size)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, size, fp);
	fclose(fp);
	return n;
}

/* Each corpus file as it is (the fuzz targets' first two bytes pick a
 * presentation) and without those two bytes: the captured value. */
static void replay_corpora(size_t di, struct tally *t)
{
	DIR *top = opendir("tests/fuzz/corpus");
	struct dirent *fam, *e;

	assert_non_null(top);
	while ((fam = readdir(top))) {
		char dir[512], path[1024];
		uint8_t buf[2 * HV_FRAME_DATA_MAX];
		DIR *sub;
		size_t n;

		if (fam->d_name[0] == '.')
			continue;
		(void)snprintf(dir, sizeof(dir), "tests/fuzz/corpus/%s",
			       fam->d_name);
		sub = opendir(dir);
		if (!sub)
			continue;
		while ((e = readdir(sub))) {
			if (e->d_name[0] == '.')
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", dir,
				       e->d_name);
			n = corpus_file(path, buf, sizeof(buf));
			present(di, buf, n, t);
			if (n > 2)
				present(di, buf + 2, n - 2, t);
		}
		closedir(sub);
	}
	closedir(top);
}

static void replay_vectors(const char *file, size_t di, struct tally *t)
{
	cJSON *all = hv_test_vectors_load(file);
	const cJSON *e;

	cJSON_ArrayForEach(e, all) {
		struct hv_frame f;

		hv_test_theengs_advert(e, &f);
		check_frame(di, &f, t);
	}
	cJSON_Delete(all);
}

static void test_decode_with_profile_equals_derive(void **state)
{
	struct tally t = { 0 };
	size_t hooks = 0;

	(void)state;
	assert_true(hv_drivers_count <= ELEMENTSOF(t.decoded));
	for (size_t di = 0; di < hv_drivers_count; di++) {
		if (!hv_drivers[di]->derive)
			continue;
		hooks++;
		replay_vectors("theengs_scales_health.json", di, &t);
		replay_vectors("theengs_all_devices.json", di, &t);
		replay_corpora(di, &t);
		printf("%-24s %6zu decoded, %5zu with body composition\n",
		       hv_drivers[di]->id, t.decoded[di], t.derived[di]);
		/* The proof needs frames the hook derives from. */
		if (!t.derived[di])
			fail_msg("%s: no captured frame gives body composition",
				 hv_drivers[di]->id);
	}
	printf("%zu drivers derive; %zu frame/profile pairs compared\n", hooks,
	       t.frames);
	assert_true(hooks >= 20);
}

/* A driver without the hook derives nothing; derived readings of m go. */
static void test_registry_derive_drops_old(void **state)
{
	const struct hv_driver *mi2 = hv_driver_by_id("xiaomi_mi_scale2");
	struct hv_measurement m, out;

	(void)state;
	assert_non_null(mi2);
	assert_non_null(mi2->derive);
	hv_measurement_init(&m, mi2->id);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BODY_WEIGHT, 70), 0);
	assert_int_equal(hv_measurement_add(&m, HV_METRIC_BMI, 20), 0);
	m.readings[1].method = "mifit";
	/* nothing kept by a decode: only the old ones go */
	assert_int_equal(hv_registry_derive(NULL, &m, &profiles[0], &out), 0);
	assert_int_equal(out.n_readings, 1);
	hv_measurement_set_bia(&m, 70, 500);
	assert_true(hv_registry_derive(NULL, &m, &profiles[0], &out) > 2);
	/* an incomplete profile: none */
	assert_int_equal(hv_registry_derive(NULL, &m,
					    &(struct hv_profile){ .height_m = 1.8 },
					    &out),
			 0);
	assert_int_equal(out.n_readings, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_with_profile_equals_derive),
		cmocka_unit_test(test_registry_derive_drops_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
