// SPDX-License-Identifier: MIT
/*
 * hv_config_parse on arbitrary bytes: it must never crash, leak or read past
 * the text, whatever the JSON; on success the result must be consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(const char *message, void *userdata)
{
	(void)message;
	(void)userdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_config_error e;
	struct hv_config c;
	char *text;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	hv_config_init(&c);
	if (hv_config_parse(text, &c, &e, ignore, NULL) == 0) {
		/* What parsing promises about a valid config. */
		if (!c.gateway_id || !c.store.path || !c.mqtt.host ||
		    !c.mqtt.client_id || c.mqtt.port == 0 ||
		    (c.mqtt.qos != 1 && c.mqtt.qos != 2) ||
		    c.mqtt.reconnect_min_s > c.mqtt.reconnect_max_s)
			abort();
		for (size_t i = 0; i < c.bluetooth.n_devices; i++)
			if (!c.bluetooth.devices[i].address ||
			    strlen(c.bluetooth.devices[i].address) != 17)
				abort();
	} else if (memchr(e.message, '\0', sizeof(e.message)) == NULL) {
		abort();
	}
	hv_config_done(&c);
	free(text);
	return 0;
}
