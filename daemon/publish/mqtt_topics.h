/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * MQTT topic names (docs/mqtt.md). Pure string building, no I/O:
 *
 *   <prefix>/<gateway>/availability                     "online"/"offline", retained
 *   <prefix>/<gateway>/status                           JSON, retained
 *   <prefix>/<gateway>/people/<person>/measurements     one message per measurement
 *   <prefix>/<gateway>/people/<person>/measurements/fhir  FHIR R4 Bundle (payload_format fhir/both)
 *   <prefix>/<gateway>/people/<person>/latest/<metric>  latest value, retained
 *   <prefix>/<gateway>/unassigned/measurements[/fhir]   measurements of nobody yet
 *
 * Each function returns 0, -EINVAL when a component is not a valid topic
 * level (empty, or holds '/', '+', '#' or a control character; the prefix
 * may hold '/'), or -ENOBUFS when buf is too small.
 */

#include <stdbool.h>
#include <stddef.h>

/* One topic level: non-empty, no '/', '+', '#', no control characters. */
bool hv_topic_level_valid(const char *s);
/* A prefix: one or more levels separated by '/'. */
bool hv_topic_prefix_valid(const char *s);

int hv_topic_availability(const char *prefix, const char *gateway, char *buf,
			  size_t size);
int hv_topic_status(const char *prefix, const char *gateway, char *buf,
		    size_t size);
/* person NULL or "" = unassigned. fhir: the "/fhir" sub-topic. */
int hv_topic_measurements(const char *prefix, const char *gateway,
			  const char *person, bool fhir, char *buf,
			  size_t size);
int hv_topic_latest(const char *prefix, const char *gateway,
		    const char *person, const char *metric, char *buf,
		    size_t size);
/* <prefix>/<gateway>/people/<person>/<leaf> ("consent": docs/consent.md). */
int hv_topic_person(const char *prefix, const char *gateway,
		    const char *person, const char *leaf, char *buf, size_t size);

/*
 * Home Assistant object ids allow only [a-zA-Z0-9_-]: any other byte becomes
 * '_'. Truncates to size - 1 characters.
 */
void hv_topic_ha_id(const char *in, char *buf, size_t size);
/*
 * The Home Assistant node id of a person, one-to-one: "homevitals_G_P" when
 * both ids are made of [A-Za-z0-9-] only (most are), else
 * "homevitals__G__P" with '_' and every other byte written "_XX" — so
 * "p.anna" and "p_anna" never share a node or a unique_id.
 */
int hv_topic_ha_node(const char *gateway, const char *person, char *buf,
		     size_t size);
/* <ha_prefix>/sensor/<hv_topic_ha_node>/<metric>/config */
int hv_topic_ha_config(const char *ha_prefix, const char *gateway,
		       const char *person, const char *metric, char *buf,
		       size_t size);
