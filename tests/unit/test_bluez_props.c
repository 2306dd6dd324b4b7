// SPDX-License-Identifier: MIT
/* Device1 / GATT property parsing and the advert frame built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "daemon/bluez/bluez_props.h"

/* Messages need a bus in a started state; a socketpair is enough. */
static int setup_bus(void **state)
{
	sd_bus *bus = NULL;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, sv[0], sv[0]) < 0 ||
	    sd_bus_start(bus) < 0)
		return -1;
	close(sv[1]);
	*state = bus;
	return 0;
}

static int teardown_bus(void **state)
{
	sd_bus_close_unref(*state);
	return 0;
}

static sd_bus_message *new_msg(sd_bus *bus)
{
	sd_bus_message *m = NULL;

	assert_int_equal(sd_bus_message_new_signal(bus, &m, "/org/bluez/hci0",
						   "org.freedesktop.DBus.Properties",
						   "PropertiesChanged"),
			 0);
	return m;
}

static void seal(sd_bus_message *m)
{
	assert_int_equal(sd_bus_message_seal(m, 1, 0), 0);
	assert_true(sd_bus_message_rewind(m, 1) >= 0);
}

static void test_device_interfaces_added(void **state)
{
	sd_bus_message *m = new_msg(*state);
	struct hv_bluez_device_props p = { 0 };
	struct hv_frame f;

	/* As in an InterfacesAdded of BlueZ 5.66: ServiceData keyed by the
	 * 128-bit string, ManufacturerData by the uint16 company id. */
	assert_true(sd_bus_message_append(
			    m, "a{sv}", 9, "Address", "s", "00:AA:01:01:00:01",
			    "AddressType", "s", "public", "Name", "s",
			    "MI SCALE2", "RSSI", "n", -61, "Connected", "b", 0,
			    "UUIDs", "as", 2,
			    "0000181d-0000-1000-8000-00805f9b34fb", "bogus",
			    "ServiceData", "a{sv}", 2,
			    "0000181d-0000-1000-8000-00805f9b34fb", "ay", 3,
			    0x22, 0x98, 0x3a,
			    "a0b1c2d3-e4f5-4607-8819-2a3b4c5d6e7f", "ay", 1, 0x7f,
			    "ManufacturerData", "a{qv}", 1, 0x0157, "ay", 2,
			    0xcc, 0xdd,
			    "ServicesResolved", "b", 0) >= 0);
	seal(m);
	assert_int_equal(hv_bluez_device_props_read(m, &p), 0);
	assert_string_equal(p.address, "00:AA:01:01:00:01");
	assert_string_equal(p.name, "MI SCALE2");
	assert_int_equal(p.rssi, -61);
	assert_true(p.mask & HV_PROP_CONNECTED);
	assert_false(p.connected);
	assert_int_equal(p.n_uuids, 1);
	assert_true(hv_uuid_is16(&p.uuids[0], 0x181d));

	hv_bluez_device_props_to_frame(&p, &f);
	assert_string_equal(f.address, "00:AA:01:01:00:01");
	assert_string_equal(f.name, "MI SCALE2");
	assert_int_equal(f.rssi, -61);
	assert_int_equal(f.n_service_data, 2);
	assert_non_null(hv_frame_service_data(&f, 0x181d));
	assert_int_equal(hv_frame_service_data(&f, 0x181d)->len, 3);
	assert_int_equal(hv_frame_service_data(&f, 0x181d)->data[1], 0x98);
	assert_int_equal(hv_uuid_to16(&f.service_data[1].uuid), -1);
	/* Company id first, little-endian, as on air. */
	assert_non_null(hv_frame_manufacturer_data(&f, 0x0157));
	assert_int_equal(f.manufacturer_data[0].len, 4);
	assert_int_equal(f.manufacturer_data[0].data[0], 0x57);
	assert_int_equal(f.manufacturer_data[0].data[1], 0x01);
	assert_int_equal(f.manufacturer_data[0].data[3], 0xdd);
	assert_true(hv_frame_has_service(&f, 0x181d));
	sd_bus_message_unref(m);
}

static void test_mistyped_values_skipped(void **state)
{
	sd_bus_message *m = new_msg(*state);
	struct hv_bluez_device_props p = { 0 };

	/* RSSI as int32 and a service-data value that is a string: skipped,
	 * the rest still read. */
	assert_true(sd_bus_message_append(
			    m, "a{sv}", 4, "RSSI", "i", -40, "ServiceData",
			    "a{sv}", 2, "0000181b-0000-1000-8000-00805f9b34fb",
			    "s", "nope", "0000181d-0000-1000-8000-00805f9b34fb",
			    "ay", 1, 0x01,
			    "Modalias", "s", "usb:v1D6Bp0246d0542", "Name", "s",
			    "Scale") >= 0);
	seal(m);
	assert_int_equal(hv_bluez_device_props_read(m, &p), 0);
	assert_false(p.mask & HV_PROP_RSSI);
	assert_int_equal(p.n_service_data, 1);
	assert_true(hv_uuid_is16(&p.service_data[0].uuid, 0x181d));
	assert_string_equal(p.name, "Scale");
	sd_bus_message_unref(m);
}

static void test_merge_and_invalidate(void **state)
{
	struct hv_bluez_device_props cache = { 0 }, change = { 0 };
	struct hv_frame f;

	(void)state;
	cache.mask = HV_PROP_NAME | HV_PROP_RSSI | HV_PROP_SERVICE_DATA;
	strcpy(cache.name, "MI SCALE2");
	cache.rssi = -70;
	cache.n_service_data = 1;
	cache.service_data[0].uuid = hv_uuid16(0x181d);
	cache.service_data[0].len = 1;

	/* Connected: the GAP name replaces the advertised one; keep ours. */
	change.mask = HV_PROP_NAME | HV_PROP_CONNECTED;
	strcpy(change.name, "BlueZ 5.66");
	change.connected = true;
	assert_false(hv_bluez_device_props_is_advert(&(struct hv_bluez_device_props){
		.mask = HV_PROP_CONNECTED }));
	hv_bluez_device_props_merge(&cache, &change, true);
	assert_string_equal(cache.name, "MI SCALE2");
	assert_true(cache.connected);
	hv_bluez_device_props_merge(&cache, &change, false);
	assert_string_equal(cache.name, "BlueZ 5.66");

	/* ServiceData in a change replaces the whole dict. */
	memset(&change, 0, sizeof(change));
	change.mask = HV_PROP_SERVICE_DATA | HV_PROP_RSSI;
	change.rssi = -50;
	assert_true(hv_bluez_device_props_is_advert(&change));
	hv_bluez_device_props_merge(&cache, &change, false);
	assert_int_equal(cache.n_service_data, 0);
	assert_int_equal(cache.rssi, -50);

	hv_bluez_device_props_invalidate(&cache, "RSSI");
	hv_bluez_device_props_to_frame(&cache, &f);
	assert_int_equal(f.rssi, 0);
	assert_null(f.address);

	/* RSSI 127 is HCI's "not available". */
	cache.mask |= HV_PROP_RSSI;
	cache.rssi = 127;
	hv_bluez_device_props_to_frame(&cache, &f);
	assert_int_equal(f.rssi, 0);
}

static void test_gatt_props(void **state)
{
	sd_bus_message *m = new_msg(*state);
	struct hv_bluez_gatt_props g = { 0 };

	assert_true(sd_bus_message_append(
			    m, "a{sv}", 5, "UUID", "s",
			    "00002a9d-0000-1000-8000-00805f9b34fb", "Service",
			    "o", "/org/bluez/hci0/dev_00_AA_01_01_00_01/service0015",
			    "Value", "ay", 0, "Flags", "as", 4, "indicate",
			    "write-without-response", "authenticated-signed-writes",
			    "frobnicate", "MTU", "q", 517) >= 0);
	seal(m);
	assert_int_equal(hv_bluez_gatt_props_read(m, &g), 0);
	assert_true(g.has_uuid);
	assert_true(hv_uuid_is16(&g.uuid, 0x2a9d));
	/* an unknown flag is skipped */
	assert_int_equal(g.flags, HV_GATT_INDICATE | HV_GATT_WRITE_WITHOUT_RESPONSE |
					  HV_GATT_AUTHENTICATED_SIGNED_WRITES);
	assert_string_equal(g.parent,
			    "/org/bluez/hci0/dev_00_AA_01_01_00_01/service0015");
	sd_bus_message_unref(m);
}

static void test_paths(void **state)
{
	char a[HV_BLUEZ_ADDRESS_MAX], dev[128];

	(void)state;
	assert_int_equal(hv_bluez_path_to_address(
				 "/org/bluez/hci0/dev_00_AA_01_01_00_01", a),
			 0);
	assert_string_equal(a, "00:AA:01:01:00:01");
	assert_int_equal(hv_bluez_path_to_address(
				 "/org/bluez/hci1/dev_c8_47_8c_0A_0b_0C/service0015/char0018",
				 a),
			 0);
	assert_string_equal(a, "C8:47:8C:0A:0B:0C");
	assert_int_equal(hv_bluez_path_to_address("/org/bluez/hci0", a), -EINVAL);
	assert_int_equal(hv_bluez_path_to_address("/org/bluez/hci0/dev_00_AA_01", a),
			 -EINVAL);
	assert_int_equal(hv_bluez_path_to_address(
				 "/org/bluez/hci0/dev_00_AA_01_01_00_01x", a),
			 -EINVAL);
	assert_int_equal(hv_bluez_path_to_address("/x/dev_00_AA_01_01_00_01", a),
			 -EINVAL);

	assert_int_equal(hv_bluez_device_path_of(
				 "/org/bluez/hci0/dev_00_AA_01_01_00_01/service0015/char0018",
				 dev, sizeof(dev)),
			 0);
	assert_string_equal(dev, "/org/bluez/hci0/dev_00_AA_01_01_00_01");
	assert_int_equal(hv_bluez_device_path_of(
				 "/org/bluez/hci0/dev_00_AA_01_01_00_01", dev, 10),
			 -ENOBUFS);

	assert_true(hv_bluez_path_under("/org/bluez/hci0/dev_X", "/org/bluez/hci0"));
	assert_true(hv_bluez_path_under("/org/bluez/hci0", "/org/bluez/hci0"));
	assert_false(hv_bluez_path_under("/org/bluez/hci01/dev_X", "/org/bluez/hci0"));
	assert_true(hv_bluez_address_equal("aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF"));
	assert_false(hv_bluez_address_equal("aa:bb:cc:dd:ee:ff", NULL));
	assert_int_equal(hv_bluez_gatt_flag_from_string("notify"), HV_GATT_NOTIFY);
	assert_int_equal(hv_bluez_gatt_flag_from_string("reliable-write"),
			 HV_GATT_RELIABLE_WRITE);
	assert_int_equal(hv_bluez_gatt_flag_from_string("frobnicate"), 0);
}

/* Every flag string of BlueZ's list comes back from its bit, in BlueZ's
 * order (a capture writes them so). */
static void test_gatt_flag_names(void **state)
{
	const char *name = NULL, *prev = NULL;
	unsigned bit, seen = 0;
	size_t i;

	(void)state;
	for (i = 0; (bit = hv_bluez_gatt_flag_nth(i, &name)); i++) {
		assert_int_equal(hv_bluez_gatt_flag_from_string(name), bit);
		assert_int_equal(seen & bit, 0);
		seen |= bit;
		if (i == 1)
			assert_string_equal(name, "read");
		if (i == 3)
			assert_string_equal(prev, "write-without-response");
		prev = name;
	}
	assert_int_equal(i, 23);
	assert_string_equal(name, "authorize");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_interfaces_added),
		cmocka_unit_test(test_mistyped_values_skipped),
		cmocka_unit_test(test_merge_and_invalidate),
		cmocka_unit_test(test_gatt_props),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_gatt_flag_names),
	};

	return cmocka_run_group_tests(tests, setup_bus, teardown_bus);
}
