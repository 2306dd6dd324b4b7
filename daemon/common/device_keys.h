/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The bind keys of devices whose adverts are encrypted (docs/config.md,
 * "Bind keys"): from bluetooth.devices[N].bind_key_file, the environment
 * ($HOMEVITALS_BIND_KEY_<ADDRESS>) and systemd credentials
 * (bind-key-<ADDRESS>), in that order. Secrets: never logged, wiped when
 * freed.
 */

#include <stddef.h>
#include <stdint.h>

#include "daemon/common/config.h"

#define HV_DEVICE_KEY_LEN 16
/* Three 16-byte secrets in one entry: a Huawei "Hagrid" scale's CAK, C1
 * and C2 (96 hex digits, blanks between the three allowed), where a bind
 * key would be. */
#define HV_DEVICE_SECRETS_MAX (3 * HV_DEVICE_KEY_LEN)

struct hv_device_keys;

/*
 * Every key the configuration, the environment and $CREDENTIALS_DIRECTORY
 * name. A file or variable that cannot be read or holds no key of 32 hex
 * digits is an error naming it (never its content): -EINVAL etc., with
 * reterr filled. No key anywhere is no error.
 */
int hv_device_keys_load(const struct hv_config *c, struct hv_device_keys **ret,
			struct hv_config_error *reterr);

/* The bind key of an address (any case), or NULL (none, or three
 * secrets). Valid until freed. */
const uint8_t *hv_device_keys_find(const struct hv_device_keys *k,
				   const char *address);
/* The whole entry of an address (16 or 48 bytes, *ret_len), or NULL.
 * Valid until freed. */
const uint8_t *hv_device_keys_find_secrets(const struct hv_device_keys *k,
					   const char *address,
					   size_t *ret_len);
size_t hv_device_keys_count(const struct hv_device_keys *k);

struct hv_device_keys *hv_device_keys_free(struct hv_device_keys *k);

/* One key file, as bind_key_file reads it (first line, 32 hex digits):
 * 0, -EBADMSG when it holds no key, -errno when it cannot be read. */
int hv_device_key_read_file(const char *path,
			    uint8_t ret[HV_DEVICE_KEY_LEN]);
