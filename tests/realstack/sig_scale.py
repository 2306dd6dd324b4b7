#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A Bluetooth SIG weight scale as a GATT application of the real bluetoothd.

Registered with org.bluez.GattManager1.RegisterApplication on the adapter
given as argv[1]; the advertisement itself is made by the scenario (btmgmt).
Every event is printed on stdout, one line each, for the scenario to grep.

  0x181D Weight Scale
    0x2A9E Weight Scale Feature      read      u32
    0x2A9D Weight Measurement        indicate
  0x181C User Data
    0x2A9F User Control Point        write, indicate
    0x2A99 Database Change Increment read, write   u32
    0x2A85 Date of Birth             read, write
    0x2A8C Gender                    read, write
    0x2A8E Height                    read, write
  0x1805 Current Time
    0x2A2B Current Time              read, write, notify

User Control Point (User Data Service 1.0, 3.3): requests
  01 <consent u16>            register a new user   -> 20 01 <result> <index>
  02 <index> <consent u16>    consent               -> 20 02 <result>
  03                          delete the user       -> 20 03 <result>
results: 01 success, 02 op code not supported, 03 invalid parameter,
04 operation failed, 05 user not authorized.

Weight Measurement 0x2A9D (GATT specification supplement, weight_measurement):
  flags u8 (bit0 imperial, bit1 time stamp, bit2 user id, bit3 BMI+height),
  weight u16 (SI: 0.005 kg), [Date Time: year u16, month, day, h, m, s],
  [user index u8], [BMI u16 0.1, height u16 0.001 m]
Weight Scale Feature 0x2A9E: bit0 time stamp, bit1 multiple users,
  bit2 BMI, bits 3-6 weight resolution (7 = 0.005 kg).

The scale holds one registered user (index 0, consent code 1234) and one
stored measurement for that user: 81.30 kg, 2024-03-15 07:00:00. After a
successful consent it indicates the stored measurement.
"""
import struct
import sys

import dbus
import dbus.exceptions
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

ADAPTER = sys.argv[1] if len(sys.argv) > 1 else "hci2"
BASE = "/org/homevitals/realstack"
SVC_IF, CHR_IF = "org.bluez.GattService1", "org.bluez.GattCharacteristic1"
PROPS_IF, OM_IF = "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.ObjectManager"

USERS = {0: 1234}  # index -> consent code
STORED = {0: [(81.30, (2024, 3, 15, 7, 0, 0))]}
FEATURE = 0x01 | 0x02 | (7 << 3)


def say(what):
    print("scale: " + what, flush=True)


def weight_measurement(kg, when, user):
    raw = int(round(kg / 0.005))
    return struct.pack("<BH", 0x02 | 0x04, raw) + struct.pack("<HBBBBB", *when) + bytes([user])


def uuid16(u):
    return "0000%04x-0000-1000-8000-00805f9b34fb" % u


def ay(b):
    return dbus.Array([dbus.Byte(x) for x in b], signature="y")


class Failed(dbus.exceptions.DBusException):
    _dbus_error_name = "org.bluez.Error.Failed"


class Application(dbus.service.Object):
    def __init__(self, bus):
        self.services = []
        dbus.service.Object.__init__(self, bus, BASE)

    @dbus.service.method(OM_IF, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        objs = {}
        for s in self.services:
            objs[s.path] = s.properties()
            for c in s.chrcs:
                objs[c.path] = c.properties()
        return objs


class Service(dbus.service.Object):
    def __init__(self, bus, app, uuid):
        self.path = "%s/service%d" % (BASE, len(app.services))
        self.uuid = uuid
        self.chrcs = []
        app.services.append(self)
        dbus.service.Object.__init__(self, bus, self.path)

    def properties(self):
        return {SVC_IF: {"UUID": uuid16(self.uuid), "Primary": True,
                         "Characteristics": dbus.Array([c.path for c in self.chrcs], signature="o")}}


class Characteristic(dbus.service.Object):
    def __init__(self, bus, svc, uuid, flags, value=b"", on_write=None):
        self.path = "%s/char%d" % (svc.path, len(svc.chrcs))
        self.svc, self.uuid, self.flags = svc, uuid, flags
        self.value, self.on_write, self.subscribed = bytes(value), on_write, False
        svc.chrcs.append(self)
        dbus.service.Object.__init__(self, bus, self.path)

    def properties(self):
        return {CHR_IF: {"Service": dbus.ObjectPath(self.svc.path), "UUID": uuid16(self.uuid),
                         "Flags": dbus.Array(self.flags, signature="s")}}

    @dbus.service.method(PROPS_IF, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.properties()[CHR_IF]

    @dbus.service.method(CHR_IF, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        say("read %04x -> %s" % (self.uuid, self.value.hex()))
        return ay(self.value)

    @dbus.service.method(CHR_IF, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        value = bytes(value)
        say("write %04x %s (%s)" % (self.uuid, value.hex(), options.get("type", "request")))
        if self.on_write:
            self.on_write(value)
        else:
            self.value = value

    @dbus.service.method(CHR_IF)
    def StartNotify(self):
        say("subscribe %04x" % self.uuid)
        self.subscribed = True

    @dbus.service.method(CHR_IF)
    def StopNotify(self):
        say("unsubscribe %04x" % self.uuid)
        self.subscribed = False

    @dbus.service.method(CHR_IF)
    def Confirm(self):
        say("confirmed %04x" % self.uuid)

    @dbus.service.signal(PROPS_IF, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def indicate(self, value):
        self.value = bytes(value)
        if not self.subscribed:
            say("not subscribed %04x, kept %s" % (self.uuid, self.value.hex()))
            return
        say("indicate %04x %s" % (self.uuid, self.value.hex()))
        self.PropertiesChanged(CHR_IF, {"Value": ay(self.value)}, [])


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
app = Application(bus)

wss = Service(bus, app, 0x181D)
Characteristic(bus, wss, 0x2A9E, ["read"], struct.pack("<I", FEATURE))
measurement = Characteristic(bus, wss, 0x2A9D, ["indicate"])

uds = Service(bus, app, 0x181C)
consented = set()


def send_stored(index):
    for kg, when in STORED.pop(index, []):
        measurement.indicate(weight_measurement(kg, when, index))
    return False


def ucp_write(v):
    if len(v) == 3 and v[0] == 0x01:
        index = max(USERS) + 1 if USERS else 0
        USERS[index] = struct.unpack("<H", v[1:3])[0]
        reply = bytes([0x20, 0x01, 0x01, index])
    elif len(v) == 4 and v[0] == 0x02:
        index, code = v[1], struct.unpack("<H", v[2:4])[0]
        ok = USERS.get(index) == code
        reply = bytes([0x20, 0x02, 0x01 if ok else 0x05])
        if ok:
            consented.add(index)
            say("consent for user %d" % index)
            GLib.timeout_add(300, send_stored, index)
    elif len(v) >= 1 and v[0] == 0x03:
        reply = bytes([0x20, 0x03, 0x01])
    elif len(v) >= 1:
        reply = bytes([0x20, v[0], 0x02])
    else:
        raise Failed("0x80")
    GLib.timeout_add(50, lambda: ucp.indicate(reply) and False)


ucp = Characteristic(bus, uds, 0x2A9F, ["write", "indicate"], on_write=ucp_write)
Characteristic(bus, uds, 0x2A99, ["read", "write"], struct.pack("<I", 7))
Characteristic(bus, uds, 0x2A85, ["read", "write"], b"\x00\x00\x00\x00")
Characteristic(bus, uds, 0x2A8C, ["read", "write"], b"\x00")
Characteristic(bus, uds, 0x2A8E, ["read", "write"], b"\x00\x00")

cts = Service(bus, app, 0x1805)


def clock_write(v):
    if len(v) != 10:
        raise Failed("0x80")
    year, month, day, h, m, s, dow = struct.unpack("<HBBBBBB", v[:8])
    say("clock set to %04d-%02d-%02d %02d:%02d:%02d dow %d" % (year, month, day, h, m, s, dow))
    current_time.value = v


current_time = Characteristic(bus, cts, 0x2A2B, ["read", "write", "notify"],
                              bytes(10), on_write=clock_write)

loop = GLib.MainLoop()


def registered():
    say("application registered on " + ADAPTER)


def failed(e):
    say("RegisterApplication failed: %s" % e)
    loop.quit()


manager = dbus.Interface(bus.get_object("org.bluez", "/org/bluez/" + ADAPTER), "org.bluez.GattManager1")
manager.RegisterApplication(BASE, {}, reply_handler=registered, error_handler=failed)
loop.run()
