#!/usr/bin/env bash
# End to end: a Realme Smart Scale over GATT (vdev's realme model, the
# real daemon, test-realme.json). The daemon ciphers the six handshake
# frames with the scale's address, sends the person's profile of the
# linked slot and a keep-alive every second; the scale accepts, and its
# weighing (the realme encoder's frame, ciphered) is stored once, with its
# impedance and the yunmai composition, and published. A scale whose
# firmware keys with another MAC than its link address refuses the first
# frame and drops the link: nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e realme"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-mei --name Mei --height 1.80 \
	--birth-date 1980-01-15 --sex male --weight-range 68-78 >/dev/null
"$HV" people add --db "$db" --id p-lan --name Lan --height 1.62 \
	--birth-date 1990-05-05 --sex female --weight-range 60-68 >/dev/null
e2e_sub || not_ok "subscriber"
"$HV" devices link --db "$db" C8:0F:10:11:22:33 0 p-mei >/dev/null ||
	not_ok "link slot 0 of the scale"
e2e_config '"bluetooth": { "devices": [
    { "address": "C8:0F:10:11:22:33", "user_index": 0 },
    { "address": "C8:0F:10:11:22:44" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-realme.json"
e2e_check "session done" e2e_wait 30 grep -q "GATT session with C8:0F:10:11:22:33 (realme) done" "$tmp/homevitalsd.log"
e2e_check "the scale took the handshake: clock, Mei's profile, accepted" eval \
	'grep -q "realme clock set, zone [+-][0-9]* min" "$tmp/vdev.out" &&
	 grep -q "realme user male [0-9]* y 180 cm" "$tmp/vdev.out" &&
	 grep -q "realme handshake accepted" "$tmp/vdev.out"'
e2e_check "keep-alives came" grep -q "realme first keep-alive" "$tmp/vdev.out"
e2e_check "the other key: refused at the first frame" e2e_wait 30 \
	grep -q "realme-other-key handshake refused at frame 1" "$tmp/vdev.out"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 40
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_check "nothing accepted from the other key" eval \
	'! grep -q "realme-other-key handshake accepted" "$tmp/vdev.out"'
e2e_readings_json

e2e_py "the weighing stored once, with its impedance and composition, for Mei" '
got = [(m["driver"], value(m, "body_weight"), value(m, "impedance"), m["person"], m["final"]) for m in R]
assert got == [("realme", 72.4, 500, "p-mei", True)], got
assert R[0]["device"]["address"] == "C8:0F:10:11:22:33", R[0]["device"]
r = reading(R[0], "body_fat_percent")
assert r is not None and r.get("method") == "yunmai", r
'
e2e_py "published once, the stored one" '
ids = [p["id"] for t, p in P]
assert ids == [R[0]["id"]], (ids, R[0]["id"])
'
e2e_finish
