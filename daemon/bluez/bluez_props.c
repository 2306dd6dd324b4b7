/* SPDX-License-Identifier: MIT */
/*
 * Device1 / GATT properties → plain structs → struct hv_frame.
 * Types follow BlueZ 5.66 (tag 5.66: doc/device-api.txt, doc/gatt-api.txt,
 * src/device.c).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/bluez/bluez_props.h"
#include "drivers/bytes.h"

static void copy_string(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Is the variant at the read position of this exact signature? */
static int variant_is(sd_bus_message *m, const char *signature)
{
	const char *contents = NULL;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r < 0)
		return r;
	if (r == 0 || type != SD_BUS_TYPE_VARIANT)
		return -EBADMSG;
	return contents && strcmp(contents, signature) == 0;
}

static int read_string(sd_bus_message *m, char *buf, size_t size)
{
	const char *s;
	int r;

	r = sd_bus_message_read(m, "v", "s", &s);
	if (r < 0)
		return r;
	copy_string(buf, size, s);
	return 0;
}

static int read_bool(sd_bus_message *m, bool *ret)
{
	int b, r;

	r = sd_bus_message_read(m, "v", "b", &b);
	if (r < 0)
		return r;
	*ret = b;
	return 0;
}

/* Enter a variant holding "ay" and read the bytes. */
static int read_variant_bytes(sd_bus_message *m, const void **ret,
			      size_t *ret_size)
{
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "ay");
	if (r < 0)
		return r;
	r = sd_bus_message_read_array(m, 'y', ret, ret_size);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* ServiceData a{sv}: the dict is the whole current set; replace ours. */
static int read_service_data(sd_bus_message *m,
			     struct hv_bluez_device_props *p)
{
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "a{sv}");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
	if (r < 0)
		return r;
	p->n_service_data = 0;
	while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY,
						   "sv")) > 0) {
		struct hv_service_data *sd;
		const void *data;
		const char *key;
		struct hv_uuid uuid;
		size_t size;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		r = variant_is(m, "ay");
		if (r < 0)
			return r;
		if (r == 0 || hv_uuid_parse(key, &uuid) < 0) {
			r = sd_bus_message_skip(m, "v");
			if (r < 0)
				return r;
		} else {
			r = read_variant_bytes(m, &data, &size);
			if (r < 0)
				return r;
			if (p->n_service_data < HV_FRAME_SERVICE_DATA_MAX &&
			    size <= HV_FRAME_DATA_MAX) {
				sd = &p->service_data[p->n_service_data++];
				sd->uuid = uuid;
				sd->len = size;
				if (size)
					memcpy(sd->data, data, size);
			}
		}
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

/* ManufacturerData a{qv}: company id key, ay value (bytes after the id). */
static int read_manufacturer_data(sd_bus_message *m,
				  struct hv_bluez_device_props *p)
{
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "a{qv}");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{qv}");
	if (r < 0)
		return r;
	p->n_manufacturer_data = 0;
	while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY,
						   "qv")) > 0) {
		struct hv_manufacturer_data *md;
		const void *data;
		uint16_t company;
		size_t size;

		r = sd_bus_message_read(m, "q", &company);
		if (r < 0)
			return r;
		r = variant_is(m, "ay");
		if (r < 0)
			return r;
		if (r == 0) {
			r = sd_bus_message_skip(m, "v");
			if (r < 0)
				return r;
		} else {
			r = read_variant_bytes(m, &data, &size);
			if (r < 0)
				return r;
			if (p->n_manufacturer_data < HV_FRAME_MANUFACTURER_MAX &&
			    size + 2 <= HV_FRAME_DATA_MAX) {
				md = &p->manufacturer_data[p->n_manufacturer_data++];
				md->data[0] = (uint8_t)company;
				md->data[1] = (uint8_t)(company >> 8);
				if (size)
					memcpy(md->data + 2, data, size);
				md->len = size + 2;
			}
		}
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_uuids(sd_bus_message *m, struct hv_bluez_device_props *p)
{
	const char *s;
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as");
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s");
	if (r < 0)
		return r;
	p->n_uuids = 0;
	while ((r = sd_bus_message_read(m, "s", &s)) > 0) {
		struct hv_uuid u;

		if (hv_uuid_parse(s, &u) < 0 ||
		    p->n_uuids >= HV_FRAME_SERVICE_UUIDS_MAX)
			continue;
		p->uuids[p->n_uuids++] = u;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}

static int read_device_entry(sd_bus_message *m, const char *key,
			     struct hv_bluez_device_props *p)
{
	int r;

	if (strcmp(key, "Address") == 0) {
		if ((r = variant_is(m, "s")) <= 0)
			return r;
		r = read_string(m, p->address, sizeof(p->address));
		p->mask |= HV_PROP_ADDRESS;
	} else if (strcmp(key, "Name") == 0) {
		if ((r = variant_is(m, "s")) <= 0)
			return r;
		r = read_string(m, p->name, sizeof(p->name));
		p->mask |= HV_PROP_NAME;
	} else if (strcmp(key, "RSSI") == 0) {
		if ((r = variant_is(m, "n")) <= 0)
			return r;
		r = sd_bus_message_read(m, "v", "n", &p->rssi);
		p->mask |= HV_PROP_RSSI;
	} else if (strcmp(key, "Connected") == 0) {
		if ((r = variant_is(m, "b")) <= 0)
			return r;
		r = read_bool(m, &p->connected);
		p->mask |= HV_PROP_CONNECTED;
	} else if (strcmp(key, "ServicesResolved") == 0) {
		if ((r = variant_is(m, "b")) <= 0)
			return r;
		r = read_bool(m, &p->services_resolved);
		p->mask |= HV_PROP_SERVICES_RESOLVED;
	} else if (strcmp(key, "Paired") == 0) {
		if ((r = variant_is(m, "b")) <= 0)
			return r;
		r = read_bool(m, &p->paired);
		p->mask |= HV_PROP_PAIRED;
	} else if (strcmp(key, "ServiceData") == 0) {
		if ((r = variant_is(m, "a{sv}")) <= 0)
			return r;
		r = read_service_data(m, p);
		p->mask |= HV_PROP_SERVICE_DATA;
	} else if (strcmp(key, "ManufacturerData") == 0) {
		if ((r = variant_is(m, "a{qv}")) <= 0)
			return r;
		r = read_manufacturer_data(m, p);
		p->mask |= HV_PROP_MANUFACTURER_DATA;
	} else if (strcmp(key, "UUIDs") == 0) {
		if ((r = variant_is(m, "as")) <= 0)
			return r;
		r = read_uuids(m, p);
		p->mask |= HV_PROP_UUIDS;
	} else
		return 0;
	return r < 0 ? r : 1;
}

/*
 * Walk an a{sv} property dictionary: entry() reads the values it knows
 * (returns 1), leaves the others to be skipped (0), or fails (<0).
 */
static int read_props_dict(sd_bus_message *m,
			   int (*entry)(sd_bus_message *m, const char *key,
					void *props),
			   void *props)
{
	int r;

	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY,
						   "sv")) > 0) {
		const char *key;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		r = entry(m, key, props);
		if (r < 0)
			return r;
		if (r == 0) {
			r = sd_bus_message_skip(m, "v");
			if (r < 0)
				return r;
		}
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(m);
	return r < 0 ? r : 0;
}

static int device_entry(sd_bus_message *m, const char *key, void *props)
{
	return read_device_entry(m, key, props);
}

int hv_bluez_device_props_read(sd_bus_message *m,
			       struct hv_bluez_device_props *props)
{
	return read_props_dict(m, device_entry, props);
}

/* BlueZ 5.66 doc/gatt-api.txt, in the order src/gatt-client.c lists a
 * remote characteristic's flags (properties, then extended ones), then the
 * security flags of the same document. */
static const struct {
	const char *name;
	unsigned flag;
} gatt_flags[] = {
	{ "broadcast", HV_GATT_BROADCAST },
	{ "read", HV_GATT_READ },
	{ "write-without-response", HV_GATT_WRITE_WITHOUT_RESPONSE },
	{ "write", HV_GATT_WRITE },
	{ "notify", HV_GATT_NOTIFY },
	{ "indicate", HV_GATT_INDICATE },
	{ "authenticated-signed-writes", HV_GATT_AUTHENTICATED_SIGNED_WRITES },
	{ "extended-properties", HV_GATT_EXTENDED_PROPERTIES },
	{ "reliable-write", HV_GATT_RELIABLE_WRITE },
	{ "writable-auxiliaries", HV_GATT_WRITABLE_AUXILIARIES },
	{ "encrypt-read", HV_GATT_ENCRYPT_READ },
	{ "encrypt-write", HV_GATT_ENCRYPT_WRITE },
	{ "encrypt-notify", HV_GATT_ENCRYPT_NOTIFY },
	{ "encrypt-indicate", HV_GATT_ENCRYPT_INDICATE },
	{ "encrypt-authenticated-read", HV_GATT_ENCRYPT_AUTHENTICATED_READ },
	{ "encrypt-authenticated-write", HV_GATT_ENCRYPT_AUTHENTICATED_WRITE },
	{ "encrypt-authenticated-notify", HV_GATT_ENCRYPT_AUTHENTICATED_NOTIFY },
	{ "encrypt-authenticated-indicate", HV_GATT_ENCRYPT_AUTHENTICATED_INDICATE },
	{ "secure-read", HV_GATT_SECURE_READ },
	{ "secure-write", HV_GATT_SECURE_WRITE },
	{ "secure-notify", HV_GATT_SECURE_NOTIFY },
	{ "secure-indicate", HV_GATT_SECURE_INDICATE },
	{ "authorize", HV_GATT_AUTHORIZE },
};

unsigned hv_bluez_gatt_flag_from_string(const char *s)
{
	for (size_t i = 0; i < sizeof(gatt_flags) / sizeof(gatt_flags[0]); i++)
		if (strcmp(s, gatt_flags[i].name) == 0)
			return gatt_flags[i].flag;
	return 0;
}

unsigned hv_bluez_gatt_flag_nth(size_t i, const char **ret_name)
{
	if (i >= sizeof(gatt_flags) / sizeof(gatt_flags[0]))
		return 0;
	*ret_name = gatt_flags[i].name;
	return gatt_flags[i].flag;
}

static int read_gatt_entry(sd_bus_message *m, const char *key,
			   struct hv_bluez_gatt_props *p)
{
	const char *s;
	int r;

	if (strcmp(key, "UUID") == 0) {
		if ((r = variant_is(m, "s")) <= 0)
			return r;
		r = sd_bus_message_read(m, "v", "s", &s);
		if (r < 0)
			return r;
		p->has_uuid = hv_uuid_parse(s, &p->uuid) >= 0;
		return 1;
	}
	if (strcmp(key, "Service") == 0 || strcmp(key, "Device") == 0) {
		if ((r = variant_is(m, "o")) <= 0)
			return r;
		r = sd_bus_message_read(m, "v", "o", &s);
		if (r < 0)
			return r;
		copy_string(p->parent, sizeof(p->parent), s);
		return 1;
	}
	if (strcmp(key, "NotifyAcquired") == 0) {
		int b;

		if ((r = variant_is(m, "b")) <= 0)
			return r;
		r = sd_bus_message_read(m, "v", "b", &b);
		if (r < 0)
			return r;
		p->has_notify_acquired = true;
		p->notify_acquired = b;
		return 1;
	}
	if (strcmp(key, "Flags") == 0) {
		if ((r = variant_is(m, "as")) <= 0)
			return r;
		r = sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, "as");
		if (r < 0)
			return r;
		r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "s");
		if (r < 0)
			return r;
		p->flags = 0;
		while ((r = sd_bus_message_read(m, "s", &s)) > 0)
			p->flags |= hv_bluez_gatt_flag_from_string(s);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		return r < 0 ? r : 1;
	}
	return 0;
}

static int gatt_entry(sd_bus_message *m, const char *key, void *props)
{
	return read_gatt_entry(m, key, props);
}

int hv_bluez_gatt_props_read(sd_bus_message *m,
			     struct hv_bluez_gatt_props *props)
{
	return read_props_dict(m, gatt_entry, props);
}

void hv_bluez_device_props_merge(struct hv_bluez_device_props *cache,
				 const struct hv_bluez_device_props *change,
				 bool keep_name)
{
	unsigned mask = change->mask;

	if ((mask & HV_PROP_NAME) && keep_name && (cache->mask & HV_PROP_NAME))
		mask &= ~(unsigned)HV_PROP_NAME;

	if (mask & HV_PROP_ADDRESS)
		memcpy(cache->address, change->address, sizeof(cache->address));
	if (mask & HV_PROP_NAME)
		memcpy(cache->name, change->name, sizeof(cache->name));
	if (mask & HV_PROP_RSSI)
		cache->rssi = change->rssi;
	if (mask & HV_PROP_CONNECTED)
		cache->connected = change->connected;
	if (mask & HV_PROP_SERVICES_RESOLVED)
		cache->services_resolved = change->services_resolved;
	if (mask & HV_PROP_PAIRED)
		cache->paired = change->paired;
	if (mask & HV_PROP_SERVICE_DATA) {
		cache->n_service_data = change->n_service_data;
		memcpy(cache->service_data, change->service_data,
		       sizeof(cache->service_data));
	}
	if (mask & HV_PROP_MANUFACTURER_DATA) {
		cache->n_manufacturer_data = change->n_manufacturer_data;
		memcpy(cache->manufacturer_data, change->manufacturer_data,
		       sizeof(cache->manufacturer_data));
	}
	if (mask & HV_PROP_UUIDS) {
		cache->n_uuids = change->n_uuids;
		memcpy(cache->uuids, change->uuids, sizeof(cache->uuids));
	}
	cache->mask |= mask;
}

void hv_bluez_device_props_invalidate(struct hv_bluez_device_props *cache,
				      const char *property)
{
	if (strcmp(property, "RSSI") == 0) {
		cache->rssi = 0;
		cache->mask &= ~(unsigned)HV_PROP_RSSI;
	} else if (strcmp(property, "ServiceData") == 0) {
		cache->n_service_data = 0;
		cache->mask &= ~(unsigned)HV_PROP_SERVICE_DATA;
	} else if (strcmp(property, "ManufacturerData") == 0) {
		cache->n_manufacturer_data = 0;
		cache->mask &= ~(unsigned)HV_PROP_MANUFACTURER_DATA;
	} else if (strcmp(property, "Name") == 0) {
		cache->name[0] = '\0';
		cache->mask &= ~(unsigned)HV_PROP_NAME;
	}
}

bool hv_bluez_device_props_is_advert(const struct hv_bluez_device_props *change)
{
	return change->mask & (HV_PROP_SERVICE_DATA | HV_PROP_MANUFACTURER_DATA |
			       HV_PROP_NAME | HV_PROP_RSSI);
}

void hv_bluez_device_props_to_frame(const struct hv_bluez_device_props *props,
				    struct hv_frame *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->address = (props->mask & HV_PROP_ADDRESS) ? props->address : NULL;
	ret->name = (props->mask & HV_PROP_NAME) && props->name[0] ?
			    props->name :
			    NULL;
	/* 127 is "not available" in HCI; the test radios report it always. */
	ret->rssi = (props->mask & HV_PROP_RSSI) && props->rssi != 127 ?
			    props->rssi :
			    0;
	ret->n_service_data = props->n_service_data;
	memcpy(ret->service_data, props->service_data,
	       props->n_service_data * sizeof(props->service_data[0]));
	ret->n_manufacturer_data = props->n_manufacturer_data;
	memcpy(ret->manufacturer_data, props->manufacturer_data,
	       props->n_manufacturer_data * sizeof(props->manufacturer_data[0]));
	ret->n_service_uuids = props->n_uuids;
	memcpy(ret->service_uuids, props->uuids,
	       props->n_uuids * sizeof(props->uuids[0]));
}

int hv_bluez_path_to_address(const char *path, char ret[HV_BLUEZ_ADDRESS_MAX])
{
	char buf[HV_BLUEZ_ADDRESS_MAX];
	const char *p;

	if (!path || strncmp(path, "/org/bluez/", 11) != 0)
		return -EINVAL;
	p = strstr(path, "/dev_");
	if (!p)
		return -EINVAL;
	p += 5;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (p[i] != '_')
				return -EINVAL;
			buf[i] = ':';
		} else {
			if (hv_hex_digit(p[i]) < 0)
				return -EINVAL;
			buf[i] = p[i] >= 'a' && p[i] <= 'f' ?
					 (char)(p[i] - 'a' + 'A') :
					 p[i];
		}
	}
	if (p[17] != '\0' && p[17] != '/')
		return -EINVAL;
	buf[17] = '\0';
	memcpy(ret, buf, sizeof(buf));
	return 0;
}

int hv_bluez_device_path_of(const char *path, char *ret, size_t size)
{
	char address[HV_BLUEZ_ADDRESS_MAX];
	const char *p;
	size_t n;

	if (hv_bluez_path_to_address(path, address) < 0)
		return -EINVAL;
	p = strstr(path, "/dev_");
	n = (size_t)(p - path) + 5 + 17;
	if (n >= size)
		return -ENOBUFS;
	memcpy(ret, path, n);
	ret[n] = '\0';
	return 0;
}

bool hv_bluez_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

bool hv_bluez_address_equal(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool hv_bluez_sent_by(sd_bus_message *m, const char *owner)
{
	const char *sender = sd_bus_message_get_sender(m);

	return owner && sender && strcmp(sender, owner) == 0;
}

int hv_bluez_owner_set(char **owner, const char *name)
{
	char *copy;

	if (!name)
		return -EINVAL;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(*owner);
	*owner = copy;
	return 0;
}
