// SPDX-License-Identifier: MIT
/*
 * The daemon's SPP stream link (daemon/bluez/spp_link.c) on a private
 * dbus-daemon, with this test as bluetoothd (a connection that owns
 * org.bluez and answers RegisterProfile and ConnectProfile the way
 * doc/profile-api.txt and doc/device-api.txt describe, bluez/bluez tag
 * 5.66) and as a hostile local client (a third connection). Checked:
 * what is registered, ConnectProfile asked once per device, the stream's
 * packets handed on as 0x1101 values of the device, NewConnection,
 * RequestDisconnection and Release refused from anyone but bluetoothd (a
 * refused socket left unread and closed), one stream per device, the cap
 * on devices asked at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/bluez/spp_link.h"
#include "drivers/registry.h"
#include "tests/unit/private_bus.h"

#define _cleanup_bus_message_ __attribute__((cleanup(sd_bus_message_unrefp)))
#define DEV1 "/org/bluez/hci0/dev_00_1C_05_00_33_01"
#define ADDR1 "00:1C:05:00:33:01"
#define LIMIT_USEC (10 * 1000000ULL) /* a guard against a hang */


struct ctx {
	sd_event *event;
	sd_bus *bluez, *daemon, *stranger;
	struct hv_spp_link *link;
	/* what "bluetoothd" was asked */
	unsigned n_register, n_connect_profile;
	char register_uuid[64], register_role[16];
	char connect_path[128];
	sd_bus_message *connect_call; /* held until NewConnection is done */
	/* what the link handed on */
	unsigned n_packets;
	char packet_address[32];
	struct hv_uuid packet_uuid;
	size_t packet_len;
	/* replies to calls made here */
	bool replied;
	char reply_error[128];
	char reply_message[128];
};

/* --- "bluetoothd" ----------------------------------------------------------------- */

static int bz_register_profile(sd_bus_message *m, void *userdata,
			       sd_bus_error *e)
{
	struct ctx *c = userdata;
	const char *path, *uuid, *key, *role;

	(void)e;
	assert_true(sd_bus_message_read(m, "os", &path, &uuid) > 0);
	assert_string_equal(path, HV_SPP_PROFILE_PATH);
	snprintf(c->register_uuid, sizeof(c->register_uuid), "%s", uuid);
	assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") > 0);
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		assert_true(sd_bus_message_read(m, "s", &key) > 0);
		if (strcmp(key, "Role") == 0) {
			assert_true(sd_bus_message_read(m, "v", "s", &role) > 0);
			snprintf(c->register_role, sizeof(c->register_role),
				 "%s", role);
		} else {
			assert_true(sd_bus_message_skip(m, "v") >= 0);
		}
		assert_true(sd_bus_message_exit_container(m) >= 0);
	}
	c->n_register++;
	return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable profile_manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("RegisterProfile", "osa{sv}", "", bz_register_profile, 0),
	SD_BUS_VTABLE_END,
};

/* Held: the test answers it once NewConnection is done, as 5.66 does. */
static int bz_connect_profile(sd_bus_message *m, void *userdata,
			      sd_bus_error *e)
{
	struct ctx *c = userdata;
	const char *uuid;

	(void)e;
	assert_true(sd_bus_message_read(m, "s", &uuid) > 0);
	assert_string_equal(uuid, HV_SPP_UUID);
	snprintf(c->connect_path, sizeof(c->connect_path), "%s",
		 sd_bus_message_get_path(m));
	c->n_connect_profile++;
	sd_bus_message_unref(c->connect_call);
	c->connect_call = sd_bus_message_ref(m);
	return 1;
}

static const sd_bus_vtable device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("ConnectProfile", "s", "", bz_connect_profile, 0),
	SD_BUS_VTABLE_END,
};

/* --- the harness ------------------------------------------------------------------- */

static void on_packet(const struct hv_frame *frame,
		      const struct hv_driver *driver, void *userdata)
{
	struct ctx *c = userdata;

	assert_string_equal(driver->id, "ihealth_hs3");
	assert_true(frame->has_characteristic);
	c->n_packets++;
	c->packet_uuid = frame->characteristic;
	c->packet_len = frame->value_len;
	snprintf(c->packet_address, sizeof(c->packet_address), "%s",
		 frame->address);
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(sd_event_new(&c->event), 0);
	assert_int_equal(sd_bus_open_system(&c->bluez), 0);
	assert_int_equal(sd_bus_open_system(&c->daemon), 0);
	assert_int_equal(sd_bus_open_system(&c->stranger), 0);
	assert_true(sd_bus_attach_event(c->bluez, c->event, 0) >= 0);
	assert_true(sd_bus_attach_event(c->daemon, c->event, 0) >= 0);
	assert_true(sd_bus_attach_event(c->stranger, c->event, 0) >= 0);
	assert_true(sd_bus_request_name(c->bluez, "org.bluez", 0) >= 0);
	assert_true(sd_bus_add_object_vtable(c->bluez, NULL, "/org/bluez",
					     "org.bluez.ProfileManager1",
					     profile_manager_vtable, c) >= 0);
	assert_true(sd_bus_add_fallback_vtable(c->bluez, NULL, "/org/bluez/hci0",
					       "org.bluez.Device1",
					       device_vtable, NULL, c) >= 0);
	assert_int_equal(hv_spp_link_new(c->event, c->daemon, on_packet, c,
					 &c->link),
			 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	hv_spp_link_free(c->link);
	sd_bus_message_unref(c->connect_call);
	sd_bus_flush_close_unref(c->bluez);
	sd_bus_flush_close_unref(c->daemon);
	sd_bus_flush_close_unref(c->stranger);
	sd_event_unref(c->event);
	free(c);
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Run the loop until *flag (false after the guard). */
static bool run_until(struct ctx *c, const bool *flag)
{
	uint64_t end = now_usec() + LIMIT_USEC;

	while (!*flag) {
		if (now_usec() >= end)
			return false;
		assert_true(sd_event_run(c->event, 100000) >= 0);
	}
	return true;
}

static bool run_until_count(struct ctx *c, const unsigned *n, unsigned want)
{
	uint64_t end = now_usec() + LIMIT_USEC;

	while (*n < want) {
		if (now_usec() >= end)
			return false;
		assert_true(sd_event_run(c->event, 100000) >= 0);
	}
	return true;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct ctx *c = userdata;
	const sd_bus_error *err = sd_bus_message_get_error(m);

	(void)e;
	c->reply_error[0] = c->reply_message[0] = '\0';
	if (err) {
		snprintf(c->reply_error, sizeof(c->reply_error), "%s", err->name);
		snprintf(c->reply_message, sizeof(c->reply_message), "%s",
			 err->message ? err->message : "");
	}
	c->replied = true;
	return 0;
}

/* A Profile1 call from `from` to the daemon's connection; its error name
 * ("" on success). */
static const char *profile_call(struct ctx *c, sd_bus *from,
				const char *member, const char *sig, ...)
{
	_cleanup_bus_message_ sd_bus_message *m = NULL;
	const char *dest;
	va_list ap;

	assert_true(sd_bus_get_unique_name(c->daemon, &dest) >= 0);
	assert_true(sd_bus_message_new_method_call(from, &m, dest,
						   HV_SPP_PROFILE_PATH,
						   "org.bluez.Profile1",
						   member) >= 0);
	if (sig) {
		va_start(ap, sig);
		assert_true(sd_bus_message_appendv(m, sig, ap) >= 0);
		va_end(ap);
	}
	c->replied = false;
	assert_true(sd_bus_call_async(from, NULL, m, on_reply, c, 0) >= 0);
	assert_true(run_until(c, &c->replied));
	return c->reply_error;
}

/* NewConnection(device, one end of a socketpair) from `from`; our end in
 * *ret_fd. */
static const char *new_connection(struct ctx *c, sd_bus *from,
				  const char *device, int *ret_fd)
{
	const char *r;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	r = profile_call(c, from, "NewConnection", "oha{sv}", device, sv[0], 0);
	close(sv[0]);
	*ret_fd = sv[1];
	return r;
}

static void registered(struct ctx *c)
{
	const char *owner;

	assert_true(sd_bus_get_unique_name(c->bluez, &owner) >= 0);
	assert_int_equal(hv_spp_link_register(c->link, owner), 0);
	assert_true(run_until_count(c, &c->n_register, 1));
}

/* The daemon asks DEV1 for its stream and "bluetoothd" hands it over. */
static int linked(struct ctx *c)
{
	int fd;

	registered(c);
	assert_int_equal(hv_spp_link_connect(c->link, DEV1, ADDR1,
					     "iHealth HS3 3301",
					     hv_driver_by_id("ihealth_hs3")),
			 0);
	assert_true(run_until_count(c, &c->n_connect_profile, 1));
	assert_string_equal(new_connection(c, c->bluez, DEV1, &fd), "");
	assert_int_equal(hv_spp_link_n_streams(c->link), 1);
	assert_true(sd_bus_reply_method_return(c->connect_call, NULL) >= 0);
	return fd;
}

/* Our end of a socket reads EOF once every copy of the other end is
 * closed (the loop runs meanwhile; false after the guard). */
static bool eof_reached(struct ctx *c, int fd)
{
	uint64_t end = now_usec() + LIMIT_USEC;
	uint8_t buf[64];

	assert_true(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) >= 0);
	while (now_usec() < end) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0)
			return true;
		assert_true(n < 0 && errno == EAGAIN);
		assert_true(sd_event_run(c->event, 100000) >= 0);
	}
	return false;
}

static const uint8_t weight_packet[] = { 0xa0, 0x09, 0xa6, 0x28, 0, 0, 0, 0,
					 0, 0x07, 0x24 };

/* --- tests ------------------------------------------------------------------------- */

static void test_registers_and_streams(void **state)
{
	struct ctx *c = *state;
	int fd;

	fd = linked(c);
	assert_string_equal(c->register_uuid, HV_SPP_UUID);
	assert_string_equal(c->register_role, "client");
	assert_string_equal(c->connect_path, DEV1);
	/* asked again while the stream is open: no second ConnectProfile */
	assert_int_equal(hv_spp_link_connect(c->link, DEV1, ADDR1, NULL,
					     hv_driver_by_id("ihealth_hs3")),
			 -EALREADY);
	/* the packet in two writes, one packet handed on */
	assert_int_equal(write(fd, weight_packet, 5), 5);
	assert_true(sd_event_run(c->event, 100000) >= 0);
	assert_int_equal(c->n_packets, 0);
	assert_int_equal(write(fd, weight_packet + 5, sizeof(weight_packet) - 5),
			 (ssize_t)(sizeof(weight_packet) - 5));
	assert_true(run_until_count(c, &c->n_packets, 1));
	assert_string_equal(c->packet_address, ADDR1);
	assert_true(hv_uuid_is16(&c->packet_uuid, 0x1101));
	assert_int_equal(c->packet_len, sizeof(weight_packet));
	/* EOF closes it */
	close(fd);
	while (hv_spp_link_n_streams(c->link) > 0)
		assert_true(sd_event_run(c->event, 100000) >= 0);
}

static void test_forged_calls_refused(void **state)
{
	struct ctx *c = *state;
	int fd, forged;

	fd = linked(c);
	/* a stranger's NewConnection: refused, its socket closed unread */
	assert_string_equal(new_connection(c, c->stranger, DEV1, &forged),
			    "org.bluez.Error.Rejected");
	assert_string_equal(c->reply_message, "Not bluetoothd");
	assert_true(eof_reached(c, forged)); /* no copy kept */
	close(forged);
	/* a stranger cannot end the stream or release the profile */
	assert_string_equal(profile_call(c, c->stranger, "RequestDisconnection",
					 "o", DEV1),
			    "org.bluez.Error.Rejected");
	assert_string_equal(profile_call(c, c->stranger, "Release", NULL),
			    "org.bluez.Error.Rejected");
	assert_int_equal(hv_spp_link_n_streams(c->link), 1);
	/* one stream per device, even from bluetoothd */
	assert_string_equal(new_connection(c, c->bluez, DEV1, &forged),
			    "org.bluez.Error.Rejected");
	close(forged);
	/* a device nobody asked for */
	assert_string_equal(new_connection(c, c->bluez,
					   "/org/bluez/hci0/dev_00_1C_05_00_33_09",
					   &forged),
			    "org.bluez.Error.Rejected");
	close(forged);
	assert_int_equal(c->n_packets, 0);
	/* bluetoothd may */
	assert_string_equal(profile_call(c, c->bluez, "RequestDisconnection",
					 "o", DEV1),
			    "");
	assert_int_equal(hv_spp_link_n_streams(c->link), 0);
	close(fd);
}

static void test_devices_asked_at_once_bounded(void **state)
{
	struct ctx *c = *state;
	const struct hv_driver *hs3 = hv_driver_by_id("ihealth_hs3");
	char path[64], addr[20];

	registered(c);
	for (int i = 0; i < HV_SPP_STREAMS_MAX; i++) {
		snprintf(path, sizeof(path), "/org/bluez/hci0/dev_00_1C_05_00_34_%02X", i);
		snprintf(addr, sizeof(addr), "00:1C:05:00:34:%02X", i);
		assert_int_equal(hv_spp_link_connect(c->link, path, addr, NULL, hs3), 0);
	}
	assert_int_equal(hv_spp_link_connect(c->link, DEV1, ADDR1, NULL, hs3),
			 -EBUSY);
	assert_true(run_until_count(c, &c->n_connect_profile, HV_SPP_STREAMS_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registers_and_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_calls_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_asked_at_once_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, private_bus_setup,
				      private_bus_teardown);
}
