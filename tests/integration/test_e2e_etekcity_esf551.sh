#!/usr/bin/env bash
# End to end: an Etekcity ESF-551 over GATT. The daemon connects, subscribes
# to 0xFFF1, and of the live and complete frames the scale notifies the
# complete one is stored once, with its impedance and standard_impedance
# body composition, and published; the session then ends.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e etekcity esf551"

e2e_person p-olaf Olaf 1.88 1972-02-10 male 75-95
e2e_start_scales test-etekcity-esf551.json A4:C1:38:55:10:01
e2e_check "session done" e2e_wait 30 grep -q "GATT session with A4:C1:38:55:10:01 (etekcity_esf551) done" "$tmp/homevitalsd.log"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 30
e2e_check "no command written (the unit is the household's)" eval '! grep -q "esf551 command" "$tmp/vdev.out"'
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json

e2e_py "the complete frame stored once, with its impedance, for Olaf" '
got = [(m["driver"], value(m, "body_weight"), value(m, "impedance"), m["person"], m["final"]) for m in R]
assert got == [("etekcity_esf551", 81.02, 537, "p-olaf", True)], got
r = reading(R[0], "body_fat_percent")
assert r is not None and r.get("method") == "standard_impedance", r
'
e2e_published_once 1
e2e_finish
