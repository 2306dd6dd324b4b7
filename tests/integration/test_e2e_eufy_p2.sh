#!/usr/bin/env bash
# End to end: a Eufy P2 Pro over GATT. The daemon connects, runs the
# C0/C1/C2/C3 handshake (its key derived from the device's address), and
# the weighing the scale then notifies on 0xFFF2 is stored once, with its
# impedance and standard_impedance body composition, and published.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e eufy p2"

e2e_person p-olaf Olaf 1.88 1972-02-10 male 80-95
e2e_start_scales test-eufy-p2-handshake.json CF:E6:03:1D:09:F7
e2e_check "session done" e2e_wait 30 grep -q "GATT session with CF:E6:03:1D:09:F7 (eufy_p2) done" "$tmp/homevitalsd.log"
e2e_check "the scale opened the client's C0" grep -q "p2 C0 from client [0-9a-f]\{15\}$" "$tmp/vdev.out"
e2e_check "the scale accepted C2" grep -q "p2 C2 accepted" "$tmp/vdev.out"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 30
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json

e2e_py "the final weighing stored once, with its impedance, for Olaf" '
got = [(m["driver"], value(m, "body_weight"), value(m, "impedance"), m["person"], m["final"]) for m in R]
assert got == [("eufy_p2", 88.0, 470, "p-olaf", True)], got
assert R[0]["device"]["address"] == "CF:E6:03:1D:09:F7", R[0]["device"]
r = reading(R[0], "body_fat_percent")
assert r is not None and r.get("method") == "standard_impedance", r
'
e2e_published_once 1
e2e_finish
