// SPDX-License-Identifier: MIT
/*
 * homevitals-vdev --scenario FILE [--speed X]
 *
 * A stand-in org.bluez on the bus named by DBUS_SYSTEM_BUS_ADDRESS, driven
 * by a scenario file (docs/vdev.md). One line per event on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/basic/log.h"
#include "daemon/basic/macro.h"
#include "firmware-host/vdev.h"

static void help(void)
{
	printf("homevitals-vdev --scenario FILE [--speed X]\n\n"
	       "A virtual org.bluez (bluetoothd 5.66 look-alike) on the bus in\n"
	       "DBUS_SYSTEM_BUS_ADDRESS, playing the scenario's devices and\n"
	       "timeline. --speed 2 plays it twice as fast.\n");
}

static int read_file(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0, size = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (;;) {
		char *b;

		if (size - n < 4096) {
			if (size > 16 * 1024 * 1024)
				return -EFBIG;
			b = realloc(buf, size + 65536);
			if (!b)
				return -ENOMEM;
			buf = b;
			size += 65536;
		}
		size_t k = fread(buf + n, 1, size - n - 1, f);

		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		return -EIO;
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si,
		     void *userdata)
{
	(void)si;
	(void)userdata;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "speed", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ char *json = NULL;
	sd_event *event = NULL;
	struct vdev *v = NULL;
	const char *scenario = NULL;
	char error[256] = "";
	double speed = 1.0;
	sigset_t mask;
	int c, r;

	while ((c = getopt_long(argc, argv, "s:x:h", options, NULL)) >= 0) {
		switch (c) {
		case 's':
			scenario = optarg;
			break;
		case 'x':
			speed = strtod(optarg, NULL);
			if (speed <= 0) {
				log_error("--speed must be positive");
				return 2;
			}
			break;
		case 'h':
			help();
			return 0;
		default:
			return 2;
		}
	}
	if (!scenario || optind != argc) {
		help();
		return 2;
	}
	r = read_file(scenario, &json);
	if (r < 0) {
		log_error_errno(r, "Failed to read %s: %m", scenario);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_new(&event);
	if (r < 0)
		goto out;
	r = sd_event_add_signal(event, NULL, SIGTERM, on_signal, NULL);
	if (r >= 0)
		r = sd_event_add_signal(event, NULL, SIGINT, on_signal, NULL);
	if (r < 0)
		goto out;
	r = vdev_new(json, speed, event, &v, error, sizeof(error));
	if (r < 0) {
		log_error("%s: %s", scenario, error);
		r = 1;
		goto done;
	}
	r = vdev_start(v);
	if (r == -EEXIST) {
		log_error("org.bluez is already owned on this bus");
		r = 1;
		goto done;
	}
	if (r < 0)
		goto out;
	r = sd_event_loop(event);
	if (r < 0)
		goto out;
	r = v->exit_code;
	goto done;
out:
	log_error_errno(r, "homevitals-vdev: %m");
	r = 1;
done:
	vdev_free(v);
	sd_event_unref(event);
	return r;
}
