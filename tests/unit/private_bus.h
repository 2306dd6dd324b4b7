/* SPDX-License-Identifier: MIT */
/*
 * A private dbus-daemon for a test program that plays or talks to a
 * stand-in bluetoothd (tests/unit/test_vdev_bus.c, test_vdev_spp.c,
 * test_spp_link.c): private_bus_setup starts it in a folder of its own
 * under /tmp, named after the program, and makes it the system bus of
 * everything the test starts (DBUS_SYSTEM_BUS_ADDRESS); private_bus_teardown
 * stops it and removes the folder. They are cmocka group set-up and
 * teardown, so the bus goes even when a test fails. tmpdir is the folder.
 * test_bluez_dbus.c starts its buses its own way (a deaf one among them)
 * with the same configuration (tests/unit/bus_config.h).
 */
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "tests/unit/bus_config.h"

static char tmpdir[64];
static pid_t bus_pid = -1;

static inline int private_bus_setup(void **state)
{
	char conf[128], cmd[256], addr[160];
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hv-%s-XXXXXX",
		 program_invocation_short_name);
	if (!mkdtemp(tmpdir))
		return -1;
	if (private_bus_write_config(tmpdir, "", conf, sizeof(conf)) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "dbus-daemon --config-file=%s --fork --print-pid", conf);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &bus_pid) != 1)
		bus_pid = -1;
	pclose(f);
	if (bus_pid <= 0)
		return -1;
	snprintf(addr, sizeof(addr), "unix:path=%s/bus", tmpdir);
	setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
	return 0;
}

static inline int private_bus_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (bus_pid > 0)
		kill(bus_pid, SIGTERM);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Wait up to 5 s for name to have an owner on bus (a stand-in
 * bluetoothd the test just forked); 0, or -ETIMEDOUT. */
static inline int private_bus_wait_for_name(sd_bus *bus, const char *name)
{
	for (int i = 0; i < 100; i++) {
		sd_bus_error e = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;
		int r = sd_bus_call_method(bus, "org.freedesktop.DBus",
					   "/org/freedesktop/DBus",
					   "org.freedesktop.DBus", "GetNameOwner",
					   &e, &reply, "s", name);

		sd_bus_error_free(&e);
		sd_bus_message_unref(reply);
		if (r >= 0)
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}
