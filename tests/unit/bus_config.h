/* SPDX-License-Identifier: MIT */
/*
 * The configuration file of a test's private dbus-daemon
 * (tests/unit/private_bus.h, test_bluez_dbus.c).
 */
#pragma once

#include <errno.h>
#include <stdio.h>

/* The configuration of a private bus listening on dir/bus, where anyone
 * may own a name, send, receive and eavesdrop, with extra_policy's rules
 * after those ("" none): written to dir/bus.conf, its path in ret (size
 * bytes). */
static inline int private_bus_write_config(const char *dir, const char *extra_policy,
					   char *ret, size_t size)
{
	FILE *f;

	if ((size_t)snprintf(ret, size, "%s/bus.conf", dir) >= size)
		return -ENAMETOOLONG;
	f = fopen(ret, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus "
		"Configuration 1.0//EN\" "
		"\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig><type>session</type>"
		"<listen>unix:path=%s/bus</listen><auth>EXTERNAL</auth>"
		"<policy context=\"default\">"
		"<allow send_destination=\"*\" eavesdrop=\"true\"/>"
		"<allow receive_sender=\"*\"/>"
		"<allow eavesdrop=\"true\"/><allow own=\"*\"/>%s"
		"</policy></busconfig>\n",
		dir, extra_policy);
	return fclose(f) == 0 ? 0 : -errno;
}
