// SPDX-License-Identifier: MIT
/* The captured reference frames of tests/vectors: see vectors.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "daemon/common/measurement_json.h"
#include "drivers/registry.h"
#include "tests/fakes/vectors.h"

cJSON *hv_test_vectors_load(const char *file)
{
	const char *dir = getenv("HV_VECTORS");
	char path[4096];
	char *buf;
	FILE *f;
	long len;
	cJSON *j;

	if (!dir || !*dir)
		dir = "tests/vectors";
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s: %s (the captured frames live in tests/vectors; run the test from the repository's top folder or set HV_VECTORS)",
			 path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	j = cJSON_Parse(buf);
	free(buf);
	assert_non_null(j);
	assert_true(cJSON_IsArray(j));
	return j;
}

const cJSON *hv_test_item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

const char *hv_test_str(const cJSON *o, const char *key)
{
	const cJSON *v = hv_test_item(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool hv_test_number(const cJSON *o, const char *key, double *ret)
{
	const cJSON *v = hv_test_item(o, key);

	if (!cJSON_IsNumber(v))
		return false;
	*ret = v->valuedouble;
	return true;
}

void hv_test_unhex_lenient(const char *hex, uint8_t *buf, size_t size,
			   size_t *ret_len)
{
	char clean[2 * HV_FRAME_DATA_MAX + 1];
	size_t n = strlen(hex) & ~(size_t)1;

	assert_true(n < sizeof(clean));
	for (size_t i = 0; i < n; i++)
		clean[i] = strchr("0123456789abcdefABCDEF", hex[i]) ? hex[i] :
								       '0';
	clean[n] = 0;
	assert_int_equal(hv_unhex(clean, buf, size, ret_len), 0);
}

struct hv_uuid hv_test_uuid_of(const char *text)
{
	struct hv_uuid u = { 0 };

	if (!text)
		return u;
	if (strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0)
		text += 2;
	assert_int_equal(hv_uuid_parse(text, &u), 0);
	return u;
}

static void add_service_data(struct hv_frame *f, const char *uuid,
			     const char *hex)
{
	struct hv_service_data *sd;

	assert_true(f->n_service_data < HV_FRAME_SERVICE_DATA_MAX);
	sd = &f->service_data[f->n_service_data++];
	sd->uuid = hv_test_uuid_of(uuid);
	hv_test_unhex_lenient(hex, sd->data, sizeof(sd->data), &sd->len);
}

void hv_test_theengs_advert(const cJSON *e, struct hv_frame *ret)
{
	const char *kind = hv_test_str(e, "kind");
	const char *uuid = hv_test_str(e, "uuid"), *hex = hv_test_str(e, "hex");
	const char *service_hex = hv_test_str(e, "service_hex");

	*ret = (struct hv_frame){
		.name = hv_test_str(e, "name"),
		.address = hv_test_str(e, "mac"),
		.now = (int64_t)time(NULL),
	};
	assert_non_null(kind);
	assert_non_null(hex);
	if (strcmp(kind, "advert_service_data") == 0) {
		add_service_data(ret, uuid, hex);
	} else {
		struct hv_manufacturer_data *md = &ret->manufacturer_data[0];

		assert_string_equal(kind, "advert_manufacturer_data");
		ret->n_manufacturer_data = 1;
		hv_test_unhex_lenient(hex, md->data, sizeof(md->data),
				      &md->len);
		if (service_hex)
			add_service_data(ret, uuid, service_hex);
		else if (uuid)
			ret->service_uuids[ret->n_service_uuids++] =
				hv_test_uuid_of(uuid);
	}
}

/* "0x181d:hex" → "181d:hex", for hv_frame_add_service_data(). */
static int add_service_data_strict(struct hv_frame *f, const char *uuid,
				   const char *hex)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%s:%s",
		 uuid + (strncmp(uuid, "0x", 2) ? 0 : 2), hex);
	return hv_frame_add_service_data(f, buf);
}

bool hv_test_theengs_advert_strict(const cJSON *e, struct hv_frame *ret)
{
	const char *kind = hv_test_str(e, "kind"), *hex = hv_test_str(e, "hex");
	const char *uuid = hv_test_str(e, "uuid");
	const char *shex = hv_test_str(e, "service_hex");

	*ret = (struct hv_frame){ .name = hv_test_str(e, "name") };
	if (!kind || !hex)
		return false;
	if (strcmp(kind, "advert_service_data") == 0)
		return uuid && add_service_data_strict(ret, uuid, hex) >= 0;
	if (hv_frame_add_manufacturer_data(ret, hex) < 0)
		return false;
	if (shex && uuid)
		(void)add_service_data_strict(ret, uuid, shex);
	return true;
}

static bool is_one_of(const char *const *ids, const char *id)
{
	for (const char *const *d = ids; id && *d; d++)
		if (strcmp(*d, id) == 0)
			return true;
	return false;
}

void hv_test_theengs_not_claimed(const char *const *ids, bool no_select)
{
	cJSON *all = hv_test_vectors_load("theengs_all_devices.json");
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, all) {
		struct hv_frame f;
		struct hv_measurement m;

		if (!hv_test_theengs_advert_strict(it, &f))
			continue;
		n++;
		(void)hv_registry_decode(&f, NULL, &m);
		if (m.status != HV_STATUS_NOT_MINE && is_one_of(ids, m.driver))
			fail_msg("%s (%s) claimed by %s",
				 hv_test_str(it, "model"), hv_test_str(it, "hex"),
				 m.driver);
		for (const char *const *d = ids; *d; d++) {
			const struct hv_driver *drv = hv_driver_by_id(*d);

			if (no_select && drv->claims_device(&f))
				fail_msg("%s selects the %s advert", *d,
					 hv_test_str(it, "model"));
			/* forced, it must not crash either */
			(void)hv_registry_decode(&f, drv, &m);
		}
	}
	assert_true(n > 400);
	cJSON_Delete(all);
}
