// SPDX-License-Identifier: MIT
/*
 * Decode speed through the registry: every advert of the Theengs decoder's
 * test suite (tests/vectors/theengs_all_devices.json, or HV_VECTORS as for
 * the tests), decoded HV_BENCH_N (default
 * 2000) times in process, in ns per advert, for the adverts a driver claims
 * and those none does (best of 7 interleaved rounds). Two baselines from the same run: copying the frame
 * only (the floor of touching an advert at all) and the walk over every
 * driver, hv_registry_decode_linear(), which is how the registry decoded
 * before it had an index. The index must decide exactly as the walk: a
 * difference fails the run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/basic/hexutil.h"
#include "drivers/registry.h"

#define NOW_UNIX 1767225600 /* fixed: device clocks judged the same each run */

struct advert_set {
	struct hv_frame *frames;
	size_t n;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The Theengs files write placeholder digits ("xx") and odd lengths: as
 * the tests read them (tests/fakes/vectors.c), a placeholder is 0 and a
 * lone last digit dropped. */
static int unhex_lenient(const char *hex, uint8_t *buf, size_t *ret_len)
{
	char clean[2 * HV_FRAME_DATA_MAX + 1];
	size_t n = strlen(hex) & ~(size_t)1;

	if (n >= sizeof(clean))
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		clean[i] =
			strchr("0123456789abcdefABCDEF", hex[i]) ? hex[i] : '0';
	clean[n] = '\0';
	return hv_unhex(clean, buf, HV_FRAME_DATA_MAX, ret_len);
}

static struct hv_uuid uuid_of(const char *text)
{
	struct hv_uuid u = { 0 };

	if (text &&
	    (strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0))
		text += 2;
	if (text)
		(void)hv_uuid_parse(text, &u);
	return u;
}

static const char *str_of(const cJSON *e, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The advert an entry describes, as hv_test_theengs_advert() builds it. */
static int advert_of(const cJSON *e, struct hv_frame *ret)
{
	const char *kind = str_of(e, "kind"), *hex = str_of(e, "hex");
	const char *uuid = str_of(e, "uuid");
	const char *service_hex = str_of(e, "service_hex");
	struct hv_service_data *sd = &ret->service_data[0];
	struct hv_manufacturer_data *md = &ret->manufacturer_data[0];

	*ret = (struct hv_frame){
		.name = str_of(e, "name"),
		.address = str_of(e, "mac"),
		.now = NOW_UNIX,
	};
	if (!kind || !hex)
		return -EINVAL;
	if (strcmp(kind, "advert_service_data") == 0) {
		ret->n_service_data = 1;
		sd->uuid = uuid_of(uuid);
		return unhex_lenient(hex, sd->data, &sd->len);
	}
	ret->n_manufacturer_data = 1;
	if (unhex_lenient(hex, md->data, &md->len) < 0)
		return -EINVAL;
	if (service_hex) {
		ret->n_service_data = 1;
		sd->uuid = uuid_of(uuid);
		return unhex_lenient(service_hex, sd->data, &sd->len);
	}
	if (uuid)
		ret->service_uuids[ret->n_service_uuids++] = uuid_of(uuid);
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
		if (fread(buf, 1, (size_t)len, f) == (size_t)len) {
			buf[len] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Splits the adverts into those the walk decodes and those it does not. */
static int load(const char *path, struct advert_set *claimed,
		struct advert_set *unclaimed)
{
	char *text = read_file(path);
	cJSON *all = text ? cJSON_Parse(text) : NULL;
	size_t n = (size_t)cJSON_GetArraySize(all);
	const cJSON *e;

	free(text);
	if (!cJSON_IsArray(all) || n == 0) {
		cJSON_Delete(all);
		return -ENOENT;
	}
	claimed->frames = calloc(n, sizeof(struct hv_frame));
	unclaimed->frames = calloc(n, sizeof(struct hv_frame));
	if (!claimed->frames || !unclaimed->frames)
		return -ENOMEM;
	cJSON_ArrayForEach(e, all) {
		struct hv_measurement m;
		struct hv_frame f;

		if (advert_of(e, &f) < 0)
			continue;
		if (hv_registry_decode_linear(&f, &m) == -ENODEV)
			unclaimed->frames[unclaimed->n++] = f;
		else
			claimed->frames[claimed->n++] = f;
	}
	/* The names point into the JSON: it stays for the process. */
	return 0;
}

static volatile unsigned sink;

static double ns_decode(const struct advert_set *s, unsigned passes)
{
	static struct hv_measurement m;
	unsigned acc = 0;
	uint64_t t0 = now_ns();

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < s->n; i++)
			acc += (unsigned)hv_registry_decode(&s->frames[i], NULL,
							    &m);
	sink = acc;
	return (double)(now_ns() - t0) / ((double)passes * (double)s->n);
}

static double ns_walk(const struct advert_set *s, unsigned passes)
{
	static struct hv_measurement m;
	unsigned acc = 0;
	uint64_t t0 = now_ns();

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < s->n; i++)
			acc += (unsigned)hv_registry_decode_linear(
				&s->frames[i], &m);
	sink = acc;
	return (double)(now_ns() - t0) / ((double)passes * (double)s->n);
}

static double ns_copy(const struct advert_set *s, unsigned passes)
{
	static struct hv_frame copy;
	uint64_t t0 = now_ns();

	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < s->n; i++) {
			copy = s->frames[i];
			/* the copy must happen: the compiler sees it used */
			__asm__ volatile("" : : "r"(&copy) : "memory");
		}
	return (double)(now_ns() - t0) / ((double)passes * (double)s->n);
}

/* The index and the walk decide every advert alike (the test proves it
 * too; a benchmark of a wrong answer is worth nothing). */
static size_t differences(const struct advert_set *s)
{
	size_t bad = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct hv_measurement a, b;
		int ra = hv_registry_decode(&s->frames[i], NULL, &a);
		int rb = hv_registry_decode_linear(&s->frames[i], &b);

		if (ra != rb || a.status != b.status ||
		    (a.driver != b.driver &&
		     (!a.driver || !b.driver || strcmp(a.driver, b.driver))) ||
		    a.n_readings != b.n_readings || a.final != b.final)
			bad++;
	}
	return bad;
}

#define ROUNDS 7

static double min2(double a, double b)
{
	return a < b ? a : b;
}

/* Best of ROUNDS rounds, interleaved: on a shared machine the other
 * processes only ever add time. */
static void report(const char *what, const struct advert_set *s,
		   unsigned passes)
{
	double index = 1e300, walk = 1e300, copy = 1e300;
	unsigned per_round = passes / ROUNDS ? passes / ROUNDS : 1;

	if (!s->n)
		return;
	/* one pass first: caches, branch predictors, the index itself */
	(void)ns_decode(s, 1);
	(void)ns_walk(s, 1);
	for (int r = 0; r < ROUNDS; r++) {
		index = min2(index, ns_decode(s, per_round));
		walk = min2(walk, ns_walk(s, per_round));
		copy = min2(copy, ns_copy(s, per_round));
	}
	printf("bench_decode: %-9s %4zu adverts: %7.1f ns/advert (walk %7.1f ns: %5.2fx faster; frame copy %5.1f ns: %5.2fx a copy)\n",
	       what, s->n, index, walk, walk / index, copy, index / copy);
}

int main(void)
{
	const char *env = getenv("HV_BENCH_N"), *vectors = getenv("HV_VECTORS");
	unsigned passes = env ? (unsigned)strtoul(env, NULL, 10) : 2000;
	struct advert_set claimed = { 0 }, unclaimed = { 0 }, all = { 0 };
	char path[4096];
	size_t bad;

	if (!passes)
		passes = 1;
	if (!vectors || !*vectors)
		vectors = "tests/vectors";
	snprintf(path, sizeof(path), "%s/theengs_all_devices.json", vectors);
	if (load(path, &claimed, &unclaimed) < 0) {
		fprintf(stderr, "bench_decode: cannot read %s\n", path);
		return 1;
	}
	all.n = claimed.n + unclaimed.n;
	all.frames = calloc(all.n, sizeof(struct hv_frame));
	if (!all.frames)
		return 1;
	memcpy(all.frames, claimed.frames, claimed.n * sizeof(struct hv_frame));
	memcpy(all.frames + claimed.n, unclaimed.frames,
	       unclaimed.n * sizeof(struct hv_frame));

	bad = differences(&all);
	if (bad) {
		fprintf(stderr,
			"bench_decode: index and walk differ on %zu adverts\n",
			bad);
		return 1;
	}
	printf("bench_decode: %zu drivers, %u passes over the Theengs adverts, index %s\n",
	       hv_drivers_count, passes,
	       hv_registry_indexed() ? "in use" : "NOT in use");
	report("claimed", &claimed, passes);
	report("unclaimed", &unclaimed, passes);
	report("all", &all, passes);
	return 0;
}
