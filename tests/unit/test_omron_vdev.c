// SPDX-License-Identifier: MIT
/*
 * The vdev's Omron cuff (firmware-host/model_omron.c) as the gateway's
 * commands reach it: the HEM-7530T, whose settings block's layout omblepy
 * leaves unknown (deviceSpecific/hem-7530t.py), refuses and reports any
 * write, while the HEM-7322T takes the same kind of write to its clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "drivers/omron.h"
#include "firmware-host/vdev.h"

static const char scenario[] =
	"{ \"name\": \"omron-write\", \"end\": 1, \"devices\": [ { \"id\": \"omron\","
	" \"model\": \"omron\", \"omron_model\": \"%s\","
	" \"address\": \"00:5F:BF:10:20:32\", \"name\": \"%s\","
	" \"key\": \"686f6d65766974616c732d6f6d726f6e\","
	" \"records\": [ { \"readings\": { \"systolic_pressure\": 121,"
	" \"diastolic_pressure\": 79, \"pulse_rate\": 61 },"
	" \"time\": \"2024-03-01T07:30:00\" } ] } ] }";

static struct vdev_char *find_char(struct vdev_device *d, const char *uuid)
{
	struct hv_uuid u;

	assert_int_equal(hv_uuid_parse(uuid, &u), 0);
	for (size_t i = 0; i < d->n_services; i++)
		for (size_t k = 0; k < d->services[i].n_chars; k++)
			if (hv_uuid_equal(&d->services[i].chars[k].uuid, &u))
				return &d->services[i].chars[k];
	fail();
	return NULL;
}

/* Unlock with the scenario's key, start a transmission, then write
 * `block` (n bytes) at `address`, as the gateway's driver would: what the
 * cuff printed from the write on. */
static char *write_block(const char *model, uint16_t address,
			 const uint8_t *block, size_t n)
{
	char json[1024], error[256], *printed = NULL;
	uint8_t frame[HV_OMRON_FRAME_MAX], start[8];
	sd_event *event = NULL;
	struct vdev *v = NULL;
	struct vdev_device *d;
	struct vdev_char *tx[2];
	size_t len, printed_len = 0;
	FILE *out;

	(void)snprintf(json, sizeof(json), scenario, model, model);
	assert_int_equal(sd_event_new(&event), 0);
	assert_int_equal(vdev_new(json, 1.0, event, &v, error, sizeof(error)),
			 0);
	d = vdev_device_by_id(v, "omron");
	assert_non_null(d);
	d->connected = true;
	assert_int_equal(d->model->write(d, find_char(d, HV_OMRON_UNLOCK),
					 hv_omron_unlock_request,
					 sizeof(hv_omron_unlock_request)),
			 0);
	tx[0] = find_char(d, HV_OMRON_TX0);
	tx[1] = find_char(d, HV_OMRON_TX1);
	assert_int_equal(hv_omron_frame(HV_OMRON_START, 0, 0x10, NULL, 0, start,
					sizeof(start)),
			 8);
	assert_int_equal(d->model->write(d, tx[0], start, sizeof(start)), 0);
	out = open_memstream(&printed, &printed_len);
	assert_non_null(out);
	v->out = out;
	len = hv_omron_frame(HV_OMRON_WRITE, address, (uint8_t)n, block, n,
			     frame, sizeof(frame));
	assert_true(len > 16 && len <= 32);
	assert_int_equal(d->model->write(d, tx[0], frame, 16), 0);
	assert_int_equal(d->model->write(d, tx[1], frame + 16, len - 16), 0);
	fclose(out);
	v->out = stdout;
	d->connected = false;
	vdev_free(v);
	sd_event_unref(event);
	return printed;
}

static void test_7530t_refuses_settings_writes(void **state)
{
	const struct hv_omron_model *mdl = hv_omron_model_by_name("HEM-7530T");
	static const uint8_t block[10] = { 0x12, 0x34, 3, 24, 7, 1, 0, 30 };
	char *printed;

	(void)state;
	assert_non_null(mdl);
	/* where the 7322T's clock goes, in the 7530T's settings block */
	printed = write_block("HEM-7530T", mdl->settings_write + 0x14, block,
			      sizeof(block));
	assert_non_null(strstr(
		printed, "omron write refused at 0x02b8 (settings block)"));
	assert_null(strstr(printed, "clock set"));
	free(printed);
	/* anywhere else too, reported without the block's name */
	printed = write_block("HEM-7530T", mdl->bank[0], block, sizeof(block));
	assert_non_null(strstr(printed, "omron write refused at 0x02e8\n"));
	free(printed);
}

/* The same write to a HEM-7322T's clock block is taken. */
static void test_7322t_takes_its_clock(void **state)
{
	const struct hv_omron_model *mdl = hv_omron_model_by_name("HEM-7322T");
	uint8_t block[10] = { 0x12, 0x34, 3, 24, 7, 1, 0, 30, 0 };
	char *printed;

	(void)state;
	assert_non_null(mdl);
	for (size_t i = 0; i < 9; i++)
		block[9] = (uint8_t)(block[9] + block[i]);
	printed = write_block("HEM-7322T", mdl->settings_write + 0x14, block,
			      sizeof(block));
	assert_non_null(strstr(printed, "omron clock set to 2024-03-01"));
	assert_null(strstr(printed, "refused"));
	free(printed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_7530t_refuses_settings_writes),
		cmocka_unit_test(test_7322t_takes_its_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
