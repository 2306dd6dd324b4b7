// SPDX-License-Identifier: MIT
/*
 * libgpiod backend for the status LED. Debian 12 and Raspberry Pi OS
 * bookworm ship libgpiod 1.6 (the v1 API); the Makefile defines HV_GPIOD_V2
 * when pkg-config reports libgpiod 2 or later, whose API differs throughout
 * (chips by path only, line requests built from settings objects).
 *
 * The chip is named as gpiodetect prints it ("gpiochip0"), by its label
 * ("pinctrl-bcm2711"), by path ("/dev/gpiochip0") or by number ("0").
 * Levels are physical: daemon/led/led.c applies active-low itself.
 */
#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/macro.h"
#include "daemon/led/led.h"

#define LED_CONSUMER "homevitalsd"

/* A chip that is not there reads as ENOENT (path) or ENODEV (lookup). */
static int chip_errno(void)
{
	int e = errno > 0 ? errno : ENODEV;

	if (e == ENOENT || e == ENODEV || e == ENOTTY || e == EINVAL)
		return -ENODEV;
	return -e;
}

#ifndef HV_GPIOD_V2

struct gpiod_led {
	struct gpiod_chip *chip;
	struct gpiod_line *line;
};

static int gpiod_led_open(const char *chip_name, unsigned offset,
			  bool initial, void **ret_line)
{
	struct gpiod_led *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	errno = 0;
	l->chip = gpiod_chip_open_lookup(chip_name);
	if (!l->chip) {
		r = chip_errno();
		goto fail;
	}
	if (offset >= gpiod_chip_num_lines(l->chip)) {
		r = -EINVAL;
		goto fail;
	}
	l->line = gpiod_chip_get_line(l->chip, offset);
	if (!l->line) {
		r = negative_errno();
		goto fail;
	}
	if (gpiod_line_request_output(l->line, LED_CONSUMER, initial) < 0) {
		r = negative_errno();
		l->line = NULL;
		goto fail;
	}
	*ret_line = l;
	return 0;
fail:
	if (l->chip)
		gpiod_chip_close(l->chip);
	free(l);
	return r;
}

static int gpiod_led_set(void *line, bool level)
{
	struct gpiod_led *l = line;

	if (gpiod_line_set_value(l->line, level) < 0)
		return negative_errno();
	return 0;
}

static void gpiod_led_close(void *line)
{
	struct gpiod_led *l = line;

	if (!l)
		return;
	if (l->line)
		gpiod_line_release(l->line);
	gpiod_chip_close(l->chip); /* also releases the line */
	free(l);
}

#else /* HV_GPIOD_V2 */

struct gpiod_led {
	struct gpiod_chip *chip;
	struct gpiod_line_request *request;
	unsigned offset;
};

/* v2 opens chips by path only: resolve a name, number or label first. */
static struct gpiod_chip *open_chip(const char *descr)
{
	char path[PATH_MAX];
	struct gpiod_chip *chip;
	struct dirent *de;
	DIR *d;
	char *end;
	unsigned long n;

	if (descr[0] == '/')
		return gpiod_chip_open(descr);
	n = strtoul(descr, &end, 10);
	if (*descr && !*end) {
		(void)snprintf(path, sizeof(path), "/dev/gpiochip%lu", n);
		return gpiod_chip_open(path);
	}
	if (!strchr(descr, '/')) {
		(void)snprintf(path, sizeof(path), "/dev/%s", descr);
		if (gpiod_is_gpiochip_device(path))
			return gpiod_chip_open(path);
	}

	d = opendir("/dev");
	if (!d)
		return NULL;
	chip = NULL;
	while (!chip && (de = readdir(d))) {
		struct gpiod_chip_info *info;
		struct gpiod_chip *c;

		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		c = gpiod_chip_open(path);
		if (!c)
			continue;
		info = gpiod_chip_get_info(c);
		if (info && strcmp(gpiod_chip_info_get_label(info), descr) == 0)
			chip = c;
		else
			gpiod_chip_close(c);
		if (info)
			gpiod_chip_info_free(info);
	}
	(void)closedir(d);
	if (!chip)
		errno = ENODEV;
	return chip;
}

static int gpiod_led_open(const char *chip_name, unsigned offset,
			  bool initial, void **ret_line)
{
	struct gpiod_line_settings *settings = NULL;
	struct gpiod_line_config *lcfg = NULL;
	struct gpiod_request_config *rcfg = NULL;
	struct gpiod_chip_info *info;
	struct gpiod_led *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->offset = offset;
	errno = 0;
	l->chip = open_chip(chip_name);
	if (!l->chip) {
		r = chip_errno();
		goto out;
	}
	info = gpiod_chip_get_info(l->chip);
	if (!info) {
		r = negative_errno();
		goto out;
	}
	r = offset < gpiod_chip_info_get_num_lines(info) ? 0 : -EINVAL;
	gpiod_chip_info_free(info);
	if (r < 0)
		goto out;

	settings = gpiod_line_settings_new();
	lcfg = gpiod_line_config_new();
	rcfg = gpiod_request_config_new();
	if (!settings || !lcfg || !rcfg) {
		r = -ENOMEM;
		goto out;
	}
	if (gpiod_line_settings_set_direction(settings,
					      GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
	    gpiod_line_settings_set_output_value(
		    settings, initial ? GPIOD_LINE_VALUE_ACTIVE :
					GPIOD_LINE_VALUE_INACTIVE) < 0 ||
	    gpiod_line_config_add_line_settings(lcfg, &l->offset, 1,
						settings) < 0) {
		r = negative_errno();
		goto out;
	}
	gpiod_request_config_set_consumer(rcfg, LED_CONSUMER);
	l->request = gpiod_chip_request_lines(l->chip, rcfg, lcfg);
	if (!l->request) {
		r = negative_errno();
		goto out;
	}
	r = 0;
out:
	gpiod_request_config_free(rcfg);
	gpiod_line_config_free(lcfg);
	gpiod_line_settings_free(settings);
	if (r < 0) {
		if (l->chip)
			gpiod_chip_close(l->chip);
		free(l);
		return r;
	}
	*ret_line = l;
	return 0;
}

static int gpiod_led_set(void *line, bool level)
{
	struct gpiod_led *l = line;

	if (gpiod_line_request_set_value(l->request, l->offset,
					 level ? GPIOD_LINE_VALUE_ACTIVE :
						 GPIOD_LINE_VALUE_INACTIVE) < 0)
		return negative_errno();
	return 0;
}

static void gpiod_led_close(void *line)
{
	struct gpiod_led *l = line;

	if (!l)
		return;
	if (l->request)
		gpiod_line_request_release(l->request);
	gpiod_chip_close(l->chip);
	free(l);
}

#endif /* HV_GPIOD_V2 */

const struct hv_led_line_ops hv_led_gpiod_ops = {
	.name = "gpiod",
	.open = gpiod_led_open,
	.set = gpiod_led_set,
	.close = gpiod_led_close,
};
