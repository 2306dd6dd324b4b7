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
	uint8_t key[HV_DEVICE_SECRETS_MAX]; /* the bind key first */
	size_t len; /* HV_DEVICE_KEY_LEN or HV_DEVICE_SECRETS_MAX */
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

/* 32 hex digits (a bind key) or 96 (three secrets, e.g. a Huawei
 * "Hagrid" scale's CAK, C1 and C2, in that order, blanks between them
 * allowed), blanks around them, up to the first line end. The length in
 * bytes, 0 for none. */
static size_t parse_secrets(const char *s, size_t n,
			    uint8_t ret[HV_DEVICE_SECRETS_MAX])
{
	uint8_t k[HV_DEVICE_SECRETS_MAX];
	size_t i = 0, got = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; i < n && got < 2 * HV_DEVICE_SECRETS_MAX; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 && (s[i] == ' ' || s[i] == '\t') && got % 32 == 0)
			continue; /* between two keys */
		if (d < 0)
			break;
		if (got % 2 == 0)
			k[got / 2] = (uint8_t)(d << 4);
		else
			k[got / 2] |= (uint8_t)d;
		got++;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if ((i < n && s[i] != '\n') ||
	    (got != 2 * HV_DEVICE_KEY_LEN && got != 2 * HV_DEVICE_SECRETS_MAX)) {
		explicit_bzero(k, sizeof(k));
		return 0;
	}
	memcpy(ret, k, got / 2);
	explicit_bzero(k, sizeof(k));
	return got / 2;
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
	       const uint8_t *key, size_t len)
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
	memcpy(d->key, key, len);
	d->len = len;
	return 0;
}

/* A key file's key or secrets: their length, -EBADMSG for none, -errno. */
static int read_secrets_file(const char *path,
			     uint8_t ret[HV_DEVICE_SECRETS_MAX])
{
	char buf[KEY_FILE_MAX];
	size_t n;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	(void)fclose(f);
	n = parse_secrets(buf, n, ret);
	explicit_bzero(buf, sizeof(buf));
	return n ? (int)n : -EBADMSG;
}

int hv_device_key_read_file(const char *path, uint8_t ret[HV_DEVICE_KEY_LEN])
{
	uint8_t k[HV_DEVICE_SECRETS_MAX];
	int r = read_secrets_file(path, k);

	if (r == HV_DEVICE_KEY_LEN)
		memcpy(ret, k, HV_DEVICE_KEY_LEN);
	explicit_bzero(k, sizeof(k));
	return r < 0 ? r : r == HV_DEVICE_KEY_LEN ? 0 : -EBADMSG;
}

static int from_config(struct hv_device_keys *k, const struct hv_config *c,
		       struct hv_config_error *reterr)
{
	for (size_t i = 0; i < c->bluetooth.n_devices; i++) {
		const struct hv_config_device *d = &c->bluetooth.devices[i];
		uint8_t key[HV_DEVICE_SECRETS_MAX];
		int r;

		if (!d->bind_key_file || !d->address)
			continue;
		r = read_secrets_file(d->bind_key_file, key);
		if (r == -EBADMSG)
			return fail(reterr, -EINVAL,
				    "bluetooth.devices[%zu].bind_key_file: %s holds no key of 32 hex digits (or 96: three secrets)",
				    i, d->bind_key_file);
		if (r < 0)
			return fail(reterr, r,
				    "bluetooth.devices[%zu].bind_key_file: cannot read %s: %s",
				    i, d->bind_key_file, strerror(-r));
		r = add(k, d->address, key, (size_t)r);
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
		uint8_t key[HV_DEVICE_SECRETS_MAX];
		const char *eq;
		size_t len, key_len;
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
		key_len = parse_secrets(eq + 1, strlen(eq + 1), key);
		if (!key_len)
			return fail(reterr, -EINVAL,
				    ENV_PREFIX "%s holds no key of 32 hex digits (or 96: three secrets)",
				    digits);
		r = add(k, address, key, key_len);
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
		uint8_t key[HV_DEVICE_SECRETS_MAX];
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
		r = read_secrets_file(path, key);
		if (r < 0) {
			r = fail(reterr, r == -EBADMSG ? -EINVAL : r,
				 "credential %s: %s", path,
				 r == -EBADMSG ? "holds no key of 32 hex digits (or 96: three secrets)" :
						 strerror(-r));
			break;
		}
		r = add(k, address, key, (size_t)r);
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

	/* Three secrets are no bind key: a decoder must not take their
	 * first as one. */
	return d && d->len == HV_DEVICE_KEY_LEN ? d->key : NULL;
}

const uint8_t *hv_device_keys_find_secrets(const struct hv_device_keys *k,
					   const char *address,
					   size_t *ret_len)
{
	const struct device_key *d = find(k, address);

	if (!d)
		return NULL;
	*ret_len = d->len;
	return d->key;
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
