// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/basic/macro.h"
#include "daemon/common/device_keys.h"

#define ENV_PREFIX "HOMEVITALS_BIND_KEY_"
#define CRED_PREFIX "bind-key-"
#define KEY_FILE_MAX 256
#define ADDRESS_LEN 17

extern char **environ;

struct device_key {
	char address[ADDRESS_LEN + 1]; /* upper case */
	uint8_t key[HV_DEVICE_KEY_LEN];
};

struct hv_device_keys {
	size_t n, cap;
	struct device_key *v;
};

static int fail(struct hv_config_error *reterr, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct hv_config_error *reterr, int r, const char *fmt, ...)
{
	va_list ap;

	if (reterr) {
		va_start(ap, fmt);
		(void)vsnprintf(reterr->message, sizeof(reterr->message), fmt,
				ap);
		va_end(ap);
	}
	return r;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 hex digits, blanks around them allowed, up to the first line end. */
static bool parse_key(const char *s, size_t n, uint8_t ret[HV_DEVICE_KEY_LEN])
{
	uint8_t k[HV_DEVICE_KEY_LEN];
	size_t i = 0, got = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; got < 2 * HV_DEVICE_KEY_LEN; got++, i++) {
		int d = i < n ? hex_digit(s[i]) : -1;

		if (d < 0)
			return false;
		if (got % 2 == 0)
			k[got / 2] = (uint8_t)(d << 4);
		else
			k[got / 2] |= (uint8_t)d;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i < n && s[i] != '\n')
		return false;
	memcpy(ret, k, sizeof(k));
	explicit_bzero(k, sizeof(k));
	return true;
}

/* "8CD0B2F6BEEF" (any case) → "8C:D0:B2:F6:BE:EF". */
static bool address_of_digits(const char *s, char ret[ADDRESS_LEN + 1])
{
	if (strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		if (hex_digit(s[i]) < 0)
			return false;
		ret[i / 2 * 3 + i % 2] = (char)toupper((unsigned char)s[i]);
		if (i % 2 && i < 11)
			ret[i / 2 * 3 + 2] = ':';
	}
	ret[ADDRESS_LEN] = '\0';
	return true;
}

static struct device_key *find(const struct hv_device_keys *k,
			       const char *address)
{
	for (size_t i = 0; k && address && i < k->n; i++)
		if (strcasecmp(k->v[i].address, address) == 0)
			return &k->v[i];
	return NULL;
}

/* The first source of an address wins; later ones are not read for it. */
static int add(struct hv_device_keys *k, const char *address,
	       const uint8_t key[HV_DEVICE_KEY_LEN])
{
	struct device_key *d;

	if (find(k, address))
		return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 4;
		struct device_key *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		if (k->n)
			memcpy(v, k->v, k->n * sizeof(*v));
		if (k->v) {
			explicit_bzero(k->v, k->cap * sizeof(*k->v));
			free(k->v);
		}
		k->v = v;
		k->cap = cap;
	}
	d = &k->v[k->n++];
	for (size_t i = 0; i <= ADDRESS_LEN; i++)
		d->address[i] = (char)toupper((unsigned char)address[i]);
	memcpy(d->key, key, HV_DEVICE_KEY_LEN);
	return 0;
}

int hv_device_key_read_file(const char *path, uint8_t ret[HV_DEVICE_KEY_LEN])
{
	char buf[KEY_FILE_MAX];
	size_t n;
	FILE *f;
	bool ok;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	(void)fclose(f);
	ok = parse_key(buf, n, ret);
	explicit_bzero(buf, sizeof(buf));
	return ok ? 0 : -EBADMSG;
}

static int from_config(struct hv_device_keys *k, const struct hv_config *c,
		       struct hv_config_error *reterr)
{
	for (size_t i = 0; i < c->bluetooth.n_devices; i++) {
		const struct hv_config_device *d = &c->bluetooth.devices[i];
		uint8_t key[HV_DEVICE_KEY_LEN];
		int r;

		if (!d->bind_key_file || !d->address)
			continue;
		r = hv_device_key_read_file(d->bind_key_file, key);
		if (r == -EBADMSG)
			return fail(reterr, -EINVAL,
				    "bluetooth.devices[%zu].bind_key_file: %s holds no key of 32 hex digits",
				    i, d->bind_key_file);
		if (r < 0)
			return fail(reterr, r,
				    "bluetooth.devices[%zu].bind_key_file: cannot read %s: %s",
				    i, d->bind_key_file, strerror(-r));
		r = add(k, d->address, key);
		explicit_bzero(key, sizeof(key));
		if (r < 0)
			return r;
	}
	return 0;
}

static int from_environment(struct hv_device_keys *k,
			    struct hv_config_error *reterr)
{
	for (char **e = environ; e && *e; e++) {
		char digits[13], address[ADDRESS_LEN + 1];
		uint8_t key[HV_DEVICE_KEY_LEN];
		const char *eq;
		size_t len;
		int r;

		if (strncmp(*e, ENV_PREFIX, strlen(ENV_PREFIX)) != 0)
			continue;
		eq = strchr(*e, '=');
		len = eq ? (size_t)(eq - *e) - strlen(ENV_PREFIX) : 0;
		if (len >= sizeof(digits))
			len = sizeof(digits) - 1;
		memcpy(digits, *e + strlen(ENV_PREFIX), len);
		digits[len] = '\0';
		if (!eq || (size_t)(eq - *e) != strlen(ENV_PREFIX) + 12 ||
		    !address_of_digits(digits, address))
			return fail(reterr, -EINVAL,
				    "%.*s: not a Bluetooth address's 12 hex digits after " ENV_PREFIX,
				    eq ? (int)(eq - *e) : 40, *e);
		if (!parse_key(eq + 1, strlen(eq + 1), key))
			return fail(reterr, -EINVAL,
				    ENV_PREFIX "%s holds no key of 32 hex digits",
				    digits);
		r = add(k, address, key);
		explicit_bzero(key, sizeof(key));
		if (r < 0)
			return r;
	}
	return 0;
}

static int from_credentials(struct hv_device_keys *k,
			    struct hv_config_error *reterr)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!dir || !*dir)
		return 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 :
		       fail(reterr, -errno, "credentials %s: cannot read: %s",
			    dir, strerror(errno));
	while (r >= 0 && (de = readdir(d))) {
		char address[ADDRESS_LEN + 1], path[4096];
		uint8_t key[HV_DEVICE_KEY_LEN];
		const char *name = de->d_name;

		if (strncmp(name, CRED_PREFIX, strlen(CRED_PREFIX)) != 0)
			continue;
		if (!address_of_digits(name + strlen(CRED_PREFIX), address)) {
			r = fail(reterr, -EINVAL,
				 "credential %s: not named " CRED_PREFIX "<12 hex digits of the address>",
				 name);
			break;
		}
		(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = hv_device_key_read_file(path, key);
		if (r < 0) {
			r = fail(reterr, r == -EBADMSG ? -EINVAL : r,
				 "credential %s: %s", path,
				 r == -EBADMSG ? "holds no key of 32 hex digits" :
						 strerror(-r));
			break;
		}
		r = add(k, address, key);
		explicit_bzero(key, sizeof(key));
	}
	(void)closedir(d);
	return r;
}

int hv_device_keys_load(const struct hv_config *c, struct hv_device_keys **ret,
			struct hv_config_error *reterr)
{
	struct hv_device_keys *k;
	int r;

	if (reterr)
		reterr->message[0] = '\0';
	if (!c || !ret)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	r = from_config(k, c, reterr);
	if (r >= 0)
		r = from_environment(k, reterr);
	if (r >= 0)
		r = from_credentials(k, reterr);
	if (r < 0) {
		hv_device_keys_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

const uint8_t *hv_device_keys_find(const struct hv_device_keys *k,
				   const char *address)
{
	const struct device_key *d = find(k, address);

	return d ? d->key : NULL;
}

size_t hv_device_keys_count(const struct hv_device_keys *k)
{
	return k ? k->n : 0;
}

struct hv_device_keys *hv_device_keys_free(struct hv_device_keys *k)
{
	if (!k)
		return NULL;
	if (k->v) {
		explicit_bzero(k->v, k->cap * sizeof(*k->v));
		free(k->v);
	}
	free(k);
	return NULL;
}
