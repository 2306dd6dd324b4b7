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

int hv_topic_ha_config(const char *ha_prefix, const char *gateway,
		       const char *person, const char *metric, char *buf,
		       size_t size)
{
	char node[160], node_id[160], object_id[64];
	int r;

	if (!hv_topic_prefix_valid(ha_prefix) ||
	    !hv_topic_level_valid(gateway) || !hv_topic_level_valid(person) ||
	    !hv_topic_level_valid(metric))
		return -EINVAL;
	r = format_topic(node, sizeof(node), "homevitals_%s_%s", gateway,
			 person);
	if (r < 0)
		return r;
	hv_topic_ha_id(node, node_id, sizeof(node_id));
	hv_topic_ha_id(metric, object_id, sizeof(object_id));
	return format_topic(buf, size, "%s/sensor/%s/%s/config", ha_prefix,
			    node_id, object_id);
}
