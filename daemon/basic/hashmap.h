/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A small string-keyed hash table: open addressing with linear probing,
 * power-of-two sizes, at most half full, deletion by backward shift (no
 * tombstones, so a table that saw many keys come and go stays fast).
 * The table stores the key pointer, not a copy: a key must stay valid and
 * unchanged while its entry is in the table (point it into the value).
 * The hash is seeded per table at random, so keys chosen by someone else
 * (Bluetooth addresses heard over the air) cannot be picked to collide
 * across runs. Not thread-safe.
 */

#include <stddef.h>

struct hv_hashmap;

int hv_hashmap_new(struct hv_hashmap **ret);
/* Frees the table, not the keys or values. NULL ok; returns NULL. */
struct hv_hashmap *hv_hashmap_free(struct hv_hashmap *h);

/* The value for key, NULL when absent. */
void *hv_hashmap_get(const struct hv_hashmap *h, const char *key);
/* Add key → value (value not NULL). -EEXIST when key is present, -ENOMEM. */
int hv_hashmap_put(struct hv_hashmap *h, const char *key, void *value);
/* Remove key; returns its value, NULL when absent. */
void *hv_hashmap_remove(struct hv_hashmap *h, const char *key);
size_t hv_hashmap_size(const struct hv_hashmap *h);
