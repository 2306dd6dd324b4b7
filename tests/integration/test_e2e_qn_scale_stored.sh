#!/usr/bin/env bash
# End to end: the stored slot of a QN scale (type 1; vdev's qn_scale model,
# the real daemon, test-qn-scale-stored.json). The scale keeps the last
# weighing made with no app connected and hands it over in a 0x23 frame
# when the gateway queries it after a live weighing; it never clears the
# slot. The kept weighing is stored once with the scale's date; the next
# session gets the same record again and stores nothing new; a weighing
# made while the gateway is away replaces it and is stored on the next
# connection. A scale whose link drops instead of answering the query
# loses nothing: the next session gets the record, stored once. A type 2
# scale (0xFFF0: 0xFFF1 notify, 0xFFF2 write) hands over its slot the same.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e qn scale stored records"

SCALE=F0:2B:5C:00:20:11
DROP=F0:2B:5C:00:20:12
T2=F0:2B:5C:00:20:13
restart() { # stop the daemon cleanly, start a new one
	kill "$daemon_pid" && wait "$daemon_pid"
	e2e_daemon
}
sessions_done() { # the log runs on across restarts
	grep -c "GATT session with $1 (qn_scale) done" "$tmp/homevitalsd.log"
}

e2e_start_scales test-qn-scale-stored.json "$SCALE" "$DROP" "$T2"

e2e_check "the query is answered with the kept weighing" \
	e2e_wait 30 e2e_vdev_has "qn-keep notify ffe1:2312.* stored record"
e2e_check "  the live weighing and the kept one stored, once each" \
	e2e_wait 20 eval '[ "$(e2e_stored_of "$SCALE")" = 2 ]'
e2e_check "  session done" e2e_wait 10 eval '[ "$(sessions_done "$SCALE")" = 1 ]'
e2e_check "the other scale drops the link on the query" \
	e2e_wait 30 e2e_vdev_has "qn-drop drops the link (fault: drop_on_query)"
e2e_check "  its session ends early, the live weighing kept" e2e_wait 10 eval \
	'grep -q "Session with $DROP (qn_scale) ended early" "$tmp/homevitalsd.log" &&
	 [ "$(e2e_stored_of "$DROP")" = 1 ]'
e2e_check "  the next session gets the record: stored once" \
	e2e_wait 40 eval '[ "$(e2e_stored_of "$DROP")" = 3 ]'
e2e_check "  that session is done" e2e_wait 10 eval '[ "$(sessions_done "$DROP")" = 1 ]'

e2e_check "type 2: configured and timed on 0xFFF2" e2e_wait 40 eval \
	'e2e_vdev_has "qn-t2 write fff2:1309ff01" && e2e_vdev_has "qn-t2 clock set to"'
e2e_check "  its slot handed over on 0xFFF1, it and the live weighing stored" \
	e2e_wait 20 eval 'e2e_vdev_has "qn-t2 notify fff1:2312.* stored record" &&
	 [ "$(e2e_stored_of "$T2")" = 2 ]'
e2e_check "  session done" e2e_wait 10 eval '[ "$(sessions_done "$T2")" = 1 ]'

e2e_check "the scale wakes for the next weighing" e2e_wait 40 \
	e2e_vdev_has "qn-keep steps on: 83.20 kg"
restart
e2e_check "  a new gateway: the same record again" e2e_wait 40 eval \
	'[ "$(grep -c "qn-keep notify ffe1:2312.* stored record" "$tmp/vdev.out")" = 2 ]'
e2e_check "  session done" e2e_wait 20 eval '[ "$(sessions_done "$SCALE")" = 2 ]'
check "  only the live weighing added" eval '[ "$(e2e_stored_of "$SCALE")" = 3 ]'

e2e_check "a weighing made while the gateway is away is kept" e2e_wait 40 \
	e2e_vdev_has "qn-keep keeps 82.80 kg in its stored slot"
e2e_check "  the scale wakes again" e2e_wait 10 e2e_vdev_has "qn-keep steps on: 82.95 kg"
restart
e2e_check "  the next connection hands it over" e2e_wait 40 eval \
	'[ "$(grep -c "qn-keep notify ffe1:2312.* stored record" "$tmp/vdev.out")" = 3 ]'
e2e_check "  session done" e2e_wait 20 eval '[ "$(sessions_done "$SCALE")" = 3 ]'
check "  it and the live weighing stored" eval '[ "$(e2e_stored_of "$SCALE")" = 5 ]'
check "nothing ignored" eval '! e2e_vdev_has "frame ignored"'
e2e_check "ten measurements published" e2e_wait 10 e2e_published_at_least 10
e2e_readings_json
e2e_py "each weighing once; the kept ones dated by the scale" '
import datetime
got = sorted((m["device"]["address"], value(m, "body_weight"), value(m, "impedance"),
              m.get("device_time") is not None) for m in R)
assert got == [
    ("F0:2B:5C:00:20:11", 82.1, 515, True),
    ("F0:2B:5C:00:20:11", 82.8, 512, True),
    ("F0:2B:5C:00:20:11", 82.95, 514, False),
    ("F0:2B:5C:00:20:11", 83.2, 518, False),
    ("F0:2B:5C:00:20:11", 83.45, 520, False),
    ("F0:2B:5C:00:20:12", 64.3, 580, True),
    ("F0:2B:5C:00:20:12", 64.8, 577, False),
    ("F0:2B:5C:00:20:12", 65.0, 575, False),
    ("F0:2B:5C:00:20:13", 90.5, 530, True),
    ("F0:2B:5C:00:20:13", 91.0, 528, False),
], got
times = {value(m, "body_weight"): m["device_time"] for m in R if m.get("device_time")}
assert times[82.1] == "2025-06-01T07:30:00" and times[64.3] == "2025-06-02T08:00:00", times
assert times[90.5] == "2025-06-03T06:45:00", times
away = datetime.datetime.fromisoformat(times[82.8])
assert abs((away - datetime.datetime.now()).total_seconds()) < 300, times
'
e2e_py "published once each" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_finish
