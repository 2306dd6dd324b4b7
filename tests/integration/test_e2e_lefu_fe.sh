#!/usr/bin/env bash
# End to end: the LeFu scales that take a user set-up (FE) before they
# send a weighing (vdev's lefu_fe model, the real daemon,
# test-lefu-fe.json): an Excelvan CF36x, a Hume Dara 2.0 and a Body Pod 2,
# each with user slot 1 linked to Ana. Each scale takes the gateway's set-up (Ana's sex,
# height and age, unit kg) and its weighing is stored once and published.
# A scale set up for another user ignores the gateway's set-up (user 1)
# and sends nothing: the session ends early, nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e lefu fe"

CF=D8:E7:2F:00:36:01
DARA=D8:E7:2F:00:36:02
POD=D8:E7:2F:00:36:03
OTHER=D8:E7:2F:00:36:04

e2e_person p-ana Ana 1.68 1990-03-03 female 65-80
e2e_start_scales test-lefu-fe.json --slot 1 --person p-ana "$CF" "$DARA" "$POD" "$OTHER"

age=$(python3 -c 'import datetime as d; t = d.date.today(); print(t.year - 1990 - ((t.month, t.day) < (3, 3)))')
for s in cf36x dara bodypod; do
	e2e_check "$s takes the set-up: Ana, 168 cm, $age y, kg" \
		e2e_wait 40 e2e_vdev_has "$s set-up: user 1, female, activity 0, 168 cm, $age y, kg"
done
for a in $CF $DARA $POD; do
	e2e_check "session with $a done" e2e_wait 30 \
		grep -q "GATT session with $a ([a-z0-9_]*) done" "$tmp/homevitalsd.log"
done
e2e_check "the scale of user 2 ignores the set-up for user 1" \
	e2e_wait 40 e2e_vdev_has "cf36x-user2 set-up ignored: fe01000"
e2e_check "  its session ends early, said in the log" e2e_wait 70 \
	grep -q "Session with $OTHER (excelvan_cf36x) ended early" "$tmp/homevitalsd.log"
check "  nothing of it stored" eval '[ "$(e2e_stored_of "$OTHER")" = 0 ]'
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
e2e_readings_json
e2e_py "one weighing each, stored once, with what each scale sends" '
got = sorted((m["device"]["address"], m["driver"], value(m, "body_weight"), m["final"], m["person"]) for m in R)
assert got == [
    ("D8:E7:2F:00:36:01", "excelvan_cf36x", 71.4, True, "p-ana"),
    ("D8:E7:2F:00:36:02", "hume_dara2", 72.35, True, "p-ana"),
    ("D8:E7:2F:00:36:03", "bodypod2", 73.1, True, "p-ana"),
], got
by = {m["driver"]: m for m in R}
assert value(by["excelvan_cf36x"], "body_fat_percent") == 24.1, by["excelvan_cf36x"]
assert value(by["excelvan_cf36x"], "visceral_fat_rating") == 7, by["excelvan_cf36x"]
assert value(by["hume_dara2"], "impedance") == 512.5, by["hume_dara2"]
assert abs(value(by["bodypod2"], "impedance") - 540) < 1, by["bodypod2"]
'
e2e_published_once 3
e2e_finish
