// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "daemon/common/status.h"

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

void hv_status_format(const struct hv_status *s, uint64_t now_usec, char *buf,
		      size_t size)
{
	uint64_t ago = 0;

	if (s->last_reading_usec && now_usec > s->last_reading_usec)
		ago = (now_usec - s->last_reading_usec) / 1000000;
	if (s->last_reading_usec)
		(void)snprintf(buf, size,
			       "adapter %s, broker %s, storage %s, backlog %llu, last reading %llus ago",
			       hv_adapter_state_name(s->adapter),
			       hv_broker_state_name(s->broker),
			       hv_storage_state_name(s->storage),
			       (unsigned long long)s->backlog,
			       (unsigned long long)ago);
	else
		(void)snprintf(buf, size,
			       "adapter %s, broker %s, storage %s, backlog %llu, no reading yet",
			       hv_adapter_state_name(s->adapter),
			       hv_broker_state_name(s->broker),
			       hv_storage_state_name(s->storage),
			       (unsigned long long)s->backlog);
}
