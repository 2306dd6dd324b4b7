// SPDX-License-Identifier: MIT
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/common/status.h"
#include "daemon/common/version.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

const char *hv_adapter_state_name(enum hv_adapter_state s)
{
	switch (s) {
	case HV_ADAPTER_OK:
		return "ok";
	case HV_ADAPTER_MISSING:
		return "missing";
	case HV_ADAPTER_ERROR:
		return "error";
	default:
		return "unknown";
	}
}

const char *hv_broker_state_name(enum hv_broker_state s)
{
	switch (s) {
	case HV_BROKER_DISABLED:
		return "disabled";
	case HV_BROKER_CONNECTING:
		return "connecting";
	case HV_BROKER_CONNECTED:
		return "connected";
	default:
		return "unreachable";
	}
}

const char *hv_storage_state_name(enum hv_storage_state s)
{
	switch (s) {
	case HV_STORAGE_OK:
		return "ok";
	case HV_STORAGE_FULL:
		return "full";
	default:
		return "error";
	}
}

/* How bad a broker state is for the readings waiting on it. */
static int broker_badness(enum hv_broker_state b)
{
	switch (b) {
	case HV_BROKER_DISABLED:
		return 0;
	case HV_BROKER_CONNECTED:
		return 1;
	case HV_BROKER_CONNECTING:
		return 2;
	default:
		return 3;
	}
}

enum hv_broker_state hv_status_worst_broker(const struct hv_status *s)
{
	enum hv_broker_state worst = s->broker;

	for (size_t i = 0; s->audiences && i < s->n_audiences; i++)
		if (broker_badness(s->audiences[i].broker) >
		    broker_badness(worst))
			worst = s->audiences[i].broker;
	return worst;
}

/* ", audience NAME broker STATE" for each audience not connected. */
static size_t format_audiences(const struct hv_status *s, char *buf,
			       size_t size)
{
	size_t len = 0;

	for (size_t i = 0; s->audiences && i < s->n_audiences; i++) {
		const struct hv_audience_status *a = &s->audiences[i];
		int n;

		if (a->broker == HV_BROKER_CONNECTED || len >= size)
			continue;
		n = snprintf(buf + len, size - len, ", audience %s broker %s",
			     a->name, hv_broker_state_name(a->broker));
		if (n < 0)
			break;
		len += (size_t)n < size - len ? (size_t)n : size - len - 1;
	}
	return len;
}

void hv_status_format(const struct hv_status *s, uint64_t now_usec, char *buf,
		      size_t size)
{
	uint64_t ago = 0;
	size_t len;
	int n;

	if (!size)
		return;
	n = snprintf(buf, size, "adapter %s, broker %s",
		     hv_adapter_state_name(s->adapter),
		     hv_broker_state_name(s->broker));
	len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
	len += format_audiences(s, buf + len, size - len);
	if (len >= size - 1)
		return;
	if (s->last_reading_usec && now_usec > s->last_reading_usec)
		ago = (now_usec - s->last_reading_usec) / 1000000;
	if (s->last_reading_usec)
		(void)snprintf(buf + len, size - len,
			       ", storage %s, backlog %llu, last reading %llus ago",
			       hv_storage_state_name(s->storage),
			       (unsigned long long)s->backlog,
			       (unsigned long long)ago);
	else
		(void)snprintf(buf + len, size - len,
			       ", storage %s, backlog %llu, no reading yet",
			       hv_storage_state_name(s->storage),
			       (unsigned long long)s->backlog);
}

static int add_drivers(cJSON *o, const struct hv_status *s)
{
	cJSON *drivers = cJSON_AddObjectToObject(o, "drivers");

	if (!drivers)
		return -ENOMEM;
	for (size_t i = 0; s->drivers && i < s->n_drivers && i < hv_drivers_count;
	     i++) {
		const struct hv_driver_counters *c = &s->drivers[i];
		cJSON *d;

		if (!c->claimed)
			continue; /* only the drivers that saw frames */
		d = cJSON_AddObjectToObject(drivers, hv_drivers[i]->id);
		if (!d ||
		    !cJSON_AddNumberToObject(d, "claimed", (double)c->claimed) ||
		    !cJSON_AddNumberToObject(d, "final", (double)c->final) ||
		    !cJSON_AddNumberToObject(d, "invalid", (double)c->invalid))
			return -ENOMEM;
		if (c->last_invalid_reason[0] &&
		    !cJSON_AddStringToObject(d, "last_invalid",
					     c->last_invalid_reason))
			return -ENOMEM;
	}
	return 0;
}

static int add_audiences(cJSON *o, const struct hv_status *s)
{
	cJSON *audiences;

	if (!s->audiences || !s->n_audiences)
		return 0;
	audiences = cJSON_AddObjectToObject(o, "audiences");
	if (!audiences)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_audiences; i++) {
		const struct hv_audience_status *a = &s->audiences[i];
		cJSON *j = cJSON_AddObjectToObject(audiences, a->name);

		if (!j || !cJSON_AddStringToObject(j, "broker",
						   hv_broker_state_name(a->broker)))
			return -ENOMEM;
		if (a->broker_error[0] &&
		    !cJSON_AddStringToObject(j, "broker_error", a->broker_error))
			return -ENOMEM;
	}
	return 0;
}

int hv_status_to_json(const struct hv_status *s, const char *gateway,
		      uint64_t now_usec, int64_t wall_usec, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();

	if (!s || !ret)
		return -EINVAL;
	if (!o || !cJSON_AddStringToObject(o, "version", HV_VERSION) ||
	    !cJSON_AddStringToObject(o, "gateway", gateway ? gateway : "") ||
	    !cJSON_AddNumberToObject(
		    o, "uptime_s",
		    s->started_usec && now_usec > s->started_usec ?
			    (double)((now_usec - s->started_usec) / 1000000) :
			    0) ||
	    !cJSON_AddNumberToObject(o, "backlog", (double)s->backlog) ||
	    !cJSON_AddNumberToObject(o, "accepted", (double)s->accepted) ||
	    !cJSON_AddStringToObject(o, "adapter",
				     hv_adapter_state_name(s->adapter)) ||
	    !cJSON_AddStringToObject(o, "broker",
				     hv_broker_state_name(s->broker)) ||
	    !cJSON_AddStringToObject(o, "storage",
				     hv_storage_state_name(s->storage)) ||
	    !cJSON_AddBoolToObject(o, "clock_synchronised",
				   s->clock_synchronised))
		return -ENOMEM;
	if (wall_usec > 0) {
		/* When this status was true: a retained one may be old. */
		time_t t = (time_t)(wall_usec / 1000000);
		struct tm tm;
		char buf[32];

		if (!gmtime_r(&t, &tm) ||
		    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) ||
		    !cJSON_AddStringToObject(o, "time", buf))
			return -ENOMEM;
	}
	if (s->adapter_name[0] &&
	    !cJSON_AddStringToObject(o, "adapter_name", s->adapter_name))
		return -ENOMEM;
	if (s->broker_error[0] &&
	    !cJSON_AddStringToObject(o, "broker_error", s->broker_error))
		return -ENOMEM;
	if (s->last_reading_usec && now_usec >= s->last_reading_usec &&
	    !cJSON_AddNumberToObject(
		    o, "last_reading_age_s",
		    (double)((now_usec - s->last_reading_usec) / 1000000)))
		return -ENOMEM;
	if (add_audiences(o, s) < 0 || add_drivers(o, s) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}

int hv_status_write_file(const char *path, const cJSON *status)
{
	_cleanup_free_ char *text = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;

	if (!path || !status)
		return -EINVAL;
	text = cJSON_PrintUnformatted(status);
	if (!text || asprintf(&tmp, "%s.new", path) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	len = strlen(text);
	text[len] = '\0';
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	if (rename(tmp, path) < 0)
		return -errno;
	return 0;
}
