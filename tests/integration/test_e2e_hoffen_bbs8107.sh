#!/usr/bin/env bash
# End to end: a Hoffen BBS-8107 (Chipsea WeChat scale) that acknowledges
# every command and is told when its result arrived (vdev's hoffen_bbs8107
# model, the real daemon, test-hoffen-bbs8107.json). The scale takes the
# user (Carl's sex, age and height) and the unit kg, each acknowledged;
# its result is stored once with its composition and published, and the
# gateway's "measurement received" powers it off. A scale whose firmware
# checks the Kotlin port's checksum (one byte less) ignores the user
# frame: no acknowledgement, the session ends early, nothing stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e hoffen bbs8107"

SCALE=C4:7F:51:00:81:07
SHORT=C4:7F:51:00:81:08

e2e_person p-carl Carl 1.78 1982-01-15 male 70-85
e2e_start_scales test-hoffen-bbs8107.json --slot 1 --person p-carl "$SCALE" "$SHORT"

age=$(python3 -c 'import datetime as d; t = d.date.today(); print(t.year - 1982 - ((t.month, t.day) < (1, 15)))')
e2e_check "the scale takes Carl as its user" \
	e2e_wait 30 e2e_vdev_has "hoffen user: male, $age y, 178 cm"
e2e_check "  and the unit kg" e2e_wait 10 e2e_vdev_has "hoffen unit kg"
e2e_check "  both acknowledged" e2e_wait 10 eval \
	'[ "$(grep -c "hoffen notify ffb2:fa0301.* acknowledged" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "  told the result arrived, it powers off" \
	e2e_wait 20 e2e_vdev_has "hoffen measurement received: powers off"
e2e_check "  session done" e2e_wait 10 \
	grep -q "GATT session with $SCALE (hoffen_bbs8107) done" "$tmp/homevitalsd.log"
e2e_check "the other checksum: the user frame is ignored" \
	e2e_wait 30 grep -q "hoffen-short frame ignored: fa8504.* (checksum)" "$tmp/vdev.out"
e2e_check_refused "$SHORT" hoffen_bbs8107 "hoffen-short notify ffb2:fa03" 20
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 60
e2e_readings_json
e2e_py "the result stored once, with its composition, for Carl" '
got = [(m["device"]["address"], value(m, "body_weight"), value(m, "body_fat_percent"),
        value(m, "body_water_percent"), value(m, "muscle_percent"), value(m, "bone_mass"),
        m["person"], m["final"]) for m in R]
assert got == [("C4:7F:51:00:81:07", 78.4, 19.6, 58.2, 41.3, 3.4, "p-carl", True)], got
'
e2e_published_once 1
e2e_finish
