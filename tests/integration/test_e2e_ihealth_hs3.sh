#!/usr/bin/env bash
# End to end: an iHealth HS3, a Bluetooth Classic scale that streams over
# the Serial Port Profile (vdev's ihealth_hs3 model, the real daemon,
# test-ihealth-hs3.json). The daemon registers its Profile1 for SPP, asks
# for BR/EDR inquiry (Transport auto) because a stream device is
# configured, and once the scale is heard calls ConnectProfile; the stream
# (a time packet, then the weight packet in two writes) is joined and the
# weighing stored once and published. A second weighing goes out on the
# next connection. A stream closed mid-packet keeps the complete weighing
# before it and stores nothing of the cut one. A NewConnection forged by
# another bus client (the model's forge_new_connection: a second bus
# connection of the vdev, with a socket holding a 55.5 kg packet) is
# refused and its socket closed; nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e ihealth_hs3"

HS3=00:1C:05:00:33:01
CUT=00:1C:05:00:33:02

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_sub || not_ok "subscriber"
e2e_config '"bluetooth": { "devices": [
    { "address": "'"$HS3"'", "driver": "ihealth_hs3" },
    { "address": "'"$CUT"'", "driver": "ihealth_hs3" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-ihealth-hs3.json"

e2e_check "the daemon registers its SPP profile" e2e_wait 10 \
	e2e_vdev_has "profile /org/homevitals/spp registered by .* (00001101-0000-1000-8000-00805f9b34fb)"
e2e_check "the scale is linked by ConnectProfile" e2e_wait 30 \
	e2e_vdev_has "hs3 connected (BR/EDR), NewConnection to"
e2e_check "  the weight packet went out in two writes" e2e_wait 10 \
	e2e_vdev_has "hs3 weighing 72.4 kg sent"
e2e_check "  the stream ends with the scale" e2e_wait 10 \
	grep -q "SPP stream of $HS3 ends (closed by the device) after 2 packets" "$tmp/homevitalsd.log"
e2e_check "  the weighing stored" e2e_wait 10 eval '[ "$(e2e_stored_of "$HS3")" = 1 ]'

e2e_check "a NewConnection forged by another bus client is refused" e2e_wait 30 \
	e2e_vdev_has "hs3 forged NewConnection refused: org.bluez.Error.Rejected: Not bluetoothd"
e2e_check "  its socket closed unread" e2e_wait 10 \
	e2e_vdev_has "hs3 forged stream closed by the client"
check "  the daemon says so" grep -q "SPP NewConnection from .*, not bluetoothd: refused" \
	"$tmp/homevitalsd.log"

e2e_check "the cut stream: the complete weighing before the cut" e2e_wait 30 \
	e2e_vdev_has "hs3-cut weighing 65.3 kg sent"
e2e_check "  then the cut" e2e_wait 10 \
	e2e_vdev_has "hs3-cut stream cut after 7 bytes of the 91.2 kg packet"
e2e_check "  the partial packet dropped" e2e_wait 10 \
	grep -q "SPP stream of $CUT ends (closed by the device) with 7 bytes of an unfinished packet, dropped" \
	"$tmp/homevitalsd.log"

e2e_check "the second weighing on the next connection" e2e_wait 60 \
	e2e_vdev_has "hs3 weighing 80.1 kg sent"
e2e_check "  stored" e2e_wait 10 eval '[ "$(e2e_stored_of "$HS3")" = 2 ]'
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
e2e_readings_json
e2e_py "each weighing stored once, nothing partial, nothing forged" '
got = sorted((m["device"]["address"], value(m, "body_weight"), m["final"]) for m in R)
assert got == [("00:1C:05:00:33:01", 72.4, True), ("00:1C:05:00:33:01", 80.1, True),
               ("00:1C:05:00:33:02", 65.3, True)], got
'
e2e_py "published once each, the stored ones" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_finish
