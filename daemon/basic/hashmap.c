// SPDX-License-Identifier: MIT
/* String-keyed open-addressing hash table (see hashmap.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "daemon/basic/hashmap.h"

#define INITIAL_BUCKETS 16

struct entry {
	const char *key; /* NULL: empty */
	void *value;
};

struct hv_hashmap {
	struct entry *buckets;
	size_t n_buckets; /* a power of two */
	size_t size;
	uint64_t seed;
};

/* FNV-1a (64 bit) over a random seed, finished with a 64-bit mixer
 * (splitmix64's) so that the low bits used as the index depend on every
 * byte of the key. */
static uint64_t hash(uint64_t seed, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static uint64_t random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	/* Early boot without entropy: unpredictable enough for a table
	 * whose callers bound its size anyway. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
	       (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
}

int hv_hashmap_new(struct hv_hashmap **ret)
{
	struct hv_hashmap *h;

	if (!ret)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->buckets = calloc(INITIAL_BUCKETS, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return -ENOMEM;
	}
	h->n_buckets = INITIAL_BUCKETS;
	h->seed = random_seed();
	*ret = h;
	return 0;
}

struct hv_hashmap *hv_hashmap_free(struct hv_hashmap *h)
{
	if (!h)
		return NULL;
	free(h->buckets);
	free(h);
	return NULL;
}

size_t hv_hashmap_size(const struct hv_hashmap *h)
{
	return h ? h->size : 0;
}

/* The bucket holding key, or the empty one where it would go. */
static size_t find(const struct hv_hashmap *h, const char *key)
{
	size_t mask = h->n_buckets - 1;
	size_t i = (size_t)hash(h->seed, key) & mask;

	while (h->buckets[i].key && strcmp(h->buckets[i].key, key) != 0)
		i = (i + 1) & mask;
	return i;
}

void *hv_hashmap_get(const struct hv_hashmap *h, const char *key)
{
	size_t i;

	if (!h || !key)
		return NULL;
	i = find(h, key);
	return h->buckets[i].key ? h->buckets[i].value : NULL;
}

static int resize(struct hv_hashmap *h, size_t n_buckets)
{
	struct hv_hashmap bigger = { .n_buckets = n_buckets, .seed = h->seed };

	bigger.buckets = calloc(n_buckets, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_buckets; i++)
		if (h->buckets[i].key)
			bigger.buckets[find(&bigger, h->buckets[i].key)] =
				h->buckets[i];
	free(h->buckets);
	h->buckets = bigger.buckets;
	h->n_buckets = n_buckets;
	return 0;
}

int hv_hashmap_put(struct hv_hashmap *h, const char *key, void *value)
{
	size_t i;
	int r;

	if (!h || !key || !value)
		return -EINVAL;
	i = find(h, key);
	if (h->buckets[i].key)
		return -EEXIST;
	/* At most half full: short probe runs. */
	if (2 * (h->size + 1) > h->n_buckets) {
		if (h->n_buckets > SIZE_MAX / 2 / sizeof(*h->buckets))
			return -ENOMEM;
		r = resize(h, 2 * h->n_buckets);
		if (r < 0)
			return r;
		i = find(h, key);
	}
	h->buckets[i] = (struct entry){ .key = key, .value = value };
	h->size++;
	return 0;
}

void *hv_hashmap_remove(struct hv_hashmap *h, const char *key)
{
	size_t mask, i, j;
	void *value;

	if (!h || !key)
		return NULL;
	mask = h->n_buckets - 1;
	i = find(h, key);
	if (!h->buckets[i].key)
		return NULL;
	value = h->buckets[i].value;
	h->buckets[i].key = NULL;
	h->size--;
	/* Backward shift: move later members of the probe run into the hole
	 * when their home bucket is not between the hole and them. */
	for (j = (i + 1) & mask; h->buckets[j].key; j = (j + 1) & mask) {
		size_t home = (size_t)hash(h->seed, h->buckets[j].key) & mask;
		bool stays = i <= j ? (i < home && home <= j) :
				      (i < home || home <= j);

		if (stays)
			continue;
		h->buckets[i] = h->buckets[j];
		h->buckets[j].key = NULL;
		i = j;
	}
	return value;
}
