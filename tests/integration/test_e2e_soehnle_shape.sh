#!/usr/bin/env bash
# End to end: Soehnle Shape scales with User Data Service slots that hand
# out one user's stored weighings on request (vdev's soehnle_shape model,
# the real daemon, test-soehnle-shape.json). The gateway sets the clock,
# selects slot 1 (consent 0000), writes Dora's age, gender and height and
# asks for slot 1's records: they are stored, the other user's are not
# sent. The scale keeps its records, so a new gateway gets them again
# with one weighed since: each stored once. A scale whose slot 1 has
# another consent code refuses the selection; the gateway registers a new
# slot, which has no records: nothing of slot 1 is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e soehnle shape"

SCALE=C8:B2:1E:5A:00:01
PIN=C8:B2:1E:5A:00:02

e2e_person p-dora Dora 1.64 1975-09-09 female 60-72
e2e_start_scales test-soehnle-shape.json --slot 1 --person p-dora "$SCALE" "$PIN"

age=$(python3 -c 'import datetime as d; t = d.date.today(); print(t.year - 1975 - ((t.month, t.day) < (9, 9)))')
e2e_check "the gateway sets the clock (local time)" \
	e2e_wait 90 grep -q "^t=[0-9.]* shape clock set to .* ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out"
e2e_check "  selects slot 1 with its consent" e2e_wait 10 e2e_vdev_has "shape user 1 selected"
e2e_check "  writes Dora's age, gender and height" eval \
	'e2e_wait 10 e2e_vdev_has "shape user 1 height 164 cm" &&
	 e2e_vdev_has "shape user 1 age $age" && e2e_vdev_has "shape user 1 female"'
e2e_check "  asks for slot 1's records" e2e_wait 10 e2e_vdev_has "shape records of user 1 asked: 2"
e2e_check "  both stored, not the other user's" \
	e2e_wait 20 eval '[ "$(e2e_weights "$SCALE")" = "66.4 66.1" ]'
e2e_check "the other scale refuses slot 1 without its code" \
	e2e_wait 90 e2e_vdev_has "shape-pin user 1 refused: consent"
e2e_check "  the gateway registers a new slot" e2e_wait 10 e2e_vdev_has "shape-pin user 2 registered"
e2e_check "  which has no records" e2e_wait 10 e2e_vdev_has "shape-pin records of user 2 asked: 0"
e2e_check "the scale stores a new weighing" e2e_wait 120 e2e_vdev_has "shape steps on: record 4 stored for user 1"
e2e_check "  the sessions are over" e2e_wait 90 eval \
	'grep -q "GATT session with $PIN (soehnle_shape) done" "$tmp/homevitalsd.log" &&
	 grep -q "GATT session with $SCALE (soehnle_shape) done" "$tmp/homevitalsd.log"'
check "  nothing of the refused slot stored" eval '[ -z "$(e2e_weights "$PIN")" ]'
e2e_daemon_restart
e2e_check "a new gateway gets slot 1's three records" \
	e2e_wait 60 e2e_vdev_has "shape records of user 1 asked: 3"
e2e_check "  each stored once" \
	e2e_wait 20 eval '[ "$(e2e_weights "$SCALE")" = "66.4 66.1 65.8" ]'
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
e2e_readings_json
e2e_py "dated by the scale, with the impedance, for Dora" '
got = sorted((m["device_time"], value(m, "body_weight"), value(m, "impedance"), m["person"], m["final"]) for m in R)
assert [g[1:] for g in got] == [(66.4, 560, "p-dora", True), (66.1, 555, "p-dora", True),
                                (65.8, 552, "p-dora", True)], got
assert [g[0][:16] for g in got[:2]] == ["2025-03-01T07:05", "2025-03-02T07:06"], got
'
e2e_published_once 3
e2e_finish
