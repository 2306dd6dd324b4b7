// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "daemon/publish/mqtt_topics.h"

bool hv_topic_level_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '/' || c == '+' || c == '#' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool hv_topic_prefix_valid(const char *s)
{
	const char *p = s;

	if (!s || !*s || *s == '/')
		return false;
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '+' || c == '#' || c < 0x20 || c == 0x7f)
			return false;
		if (c == '/' && (p[1] == '/' || p[1] == '\0'))
			return false;
	}
	return true;
}

__attribute__((format(printf, 3, 4))) static int
format_topic(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOBUFS;
	return 0;
}

static int check_base(const char *prefix, const char *gateway)
{
	if (!hv_topic_prefix_valid(prefix) || !hv_topic_level_valid(gateway))
		return -EINVAL;
	return 0;
}

/* PREFIX/GATEWAY/LEAF */
static int gateway_topic(const char *prefix, const char *gateway,
			 const char *leaf, char *buf, size_t size)
{
	int r = check_base(prefix, gateway);

	if (r < 0)
		return r;
	return format_topic(buf, size, "%s/%s/%s", prefix, gateway, leaf);
}

int hv_topic_availability(const char *prefix, const char *gateway, char *buf,
			  size_t size)
{
	return gateway_topic(prefix, gateway, "availability", buf, size);
}

int hv_topic_status(const char *prefix, const char *gateway, char *buf,
		    size_t size)
{
	return gateway_topic(prefix, gateway, "status", buf, size);
}

int hv_topic_measurements(const char *prefix, const char *gateway,
			  const char *person, bool fhir, char *buf,
			  size_t size)
{
	int r = check_base(prefix, gateway);

	if (r < 0)
		return r;
	if (!person || !*person)
		return format_topic(buf, size, "%s/%s/unassigned/measurements%s",
				    prefix, gateway, fhir ? "/fhir" : "");
	if (!hv_topic_level_valid(person))
		return -EINVAL;
	return format_topic(buf, size, "%s/%s/people/%s/measurements%s",
			    prefix, gateway, person, fhir ? "/fhir" : "");
}

int hv_topic_latest(const char *prefix, const char *gateway,
		    const char *person, const char *metric, char *buf,
		    size_t size)
{
	int r = check_base(prefix, gateway);

	if (r < 0)
		return r;
	if (!hv_topic_level_valid(person) || !hv_topic_level_valid(metric))
		return -EINVAL;
	return format_topic(buf, size, "%s/%s/people/%s/latest/%s", prefix,
			    gateway, person, metric);
}

int hv_topic_person(const char *prefix, const char *gateway,
		    const char *person, const char *leaf, char *buf, size_t size)
{
	int r = check_base(prefix, gateway);

	if (r < 0)
		return r;
	if (!hv_topic_level_valid(person) || !hv_topic_level_valid(leaf))
		return -EINVAL;
	return format_topic(buf, size, "%s/%s/people/%s/%s", prefix, gateway,
			    person, leaf);
}

void hv_topic_ha_id(const char *in, char *buf, size_t size)
{
	size_t i = 0;

	if (!size)
		return;
	for (; in && in[i] && i + 1 < size; i++) {
		char c = in[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-')
			buf[i] = c;
		else
			buf[i] = '_';
	}
	buf[i] = '\0';
}

static bool ha_clean(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* '_' and every byte outside [A-Za-z0-9-] as "_XX": never "__" inside. */
static int ha_escape(const char *in, char *buf, size_t size, size_t *pos)
{
	static const char hex[] = "0123456789abcdef";

	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (*pos + 4 > size)
			return -ENOBUFS;
		if (c != '_' && ha_clean((char[]){ (char)c, 0 })) {
			buf[(*pos)++] = (char)c;
			continue;
		}
		buf[(*pos)++] = '_';
		buf[(*pos)++] = hex[c >> 4];
		buf[(*pos)++] = hex[c & 15];
	}
	buf[*pos] = '\0';
	return 0;
}

int hv_topic_ha_node(const char *gateway, const char *person, char *buf,
		     size_t size)
{
	size_t pos;

	if (!gateway || !person || !*gateway || !*person)
		return -EINVAL;
	if (ha_clean(gateway) && ha_clean(person))
		return format_topic(buf, size, "homevitals_%s_%s", gateway,
				    person);
	if (size < sizeof("homevitals__"))
		return -ENOBUFS;
	pos = strlen(strcpy(buf, "homevitals__"));
	if (ha_escape(gateway, buf, size, &pos) < 0 || pos + 3 > size)
		return -ENOBUFS;
	buf[pos++] = '_';
	buf[pos++] = '_';
	return ha_escape(person, buf, size, &pos);
}

int hv_topic_ha_config(const char *ha_prefix, const char *gateway,
		       const char *person, const char *metric, char *buf,
		       size_t size)
{
	char node_id[256], object_id[64];
	int r;

	if (!hv_topic_prefix_valid(ha_prefix) ||
	    !hv_topic_level_valid(gateway) || !hv_topic_level_valid(person) ||
	    !hv_topic_level_valid(metric))
		return -EINVAL;
	r = hv_topic_ha_node(gateway, person, node_id, sizeof(node_id));
	if (r < 0)
		return r;
	hv_topic_ha_id(metric, object_id, sizeof(object_id));
	return format_topic(buf, size, "%s/sensor/%s/%s/config", ha_prefix,
			    node_id, object_id);
}
