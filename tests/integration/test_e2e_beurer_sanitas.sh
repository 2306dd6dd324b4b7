#!/usr/bin/env bash
# End to end: a Sanitas SBF70 (Beurer/Sanitas proprietary protocol on
# 0xFFE0) that keeps saved measurements per user and hands them out in
# parts, each sent once the gateway acknowledged the previous one (vdev's
# beurer_sanitas model, the real daemon, test-beurer-sanitas.json). The
# gateway inits, sets the clock, reads the user list, asks for its user's
# saved measurements (not the other user's). The first link drops before
# the last part is acknowledged: nothing is deleted and no half record is
# stored; the next link gets them all, stores each once and deletes them,
# then a measurement started on the link comes in three acknowledged
# parts. A weighing made while away is saved and stored by a new gateway,
# once.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e beurer sanitas"

SCALE=D0:5F:B8:00:70:01
vdev_count() { grep -c -- "$1" "$tmp/vdev.out"; }

e2e_start_scales test-beurer-sanitas.json --slot 0 "$SCALE"

e2e_check "init answered, the clock set (Unix, within a minute)" eval \
	'e2e_wait 30 grep -q "sbf70 clock set to .* UTC ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out" &&
	 e2e_vdev_has "sbf70 notify ffe1:e600 init"'
e2e_check "  both users listed and acknowledged" e2e_wait 10 e2e_vdev_has "sbf70 all 2 parts acknowledged"
e2e_check "  the saved measurements of user 1 asked (not user 2's)" \
	e2e_wait 10 e2e_vdev_has "sbf70 saved measurements of user 1 asked: 2"
e2e_check "  the link drops before the last part is acknowledged" \
	e2e_wait 10 e2e_vdev_has "sbf70 drops the link (fault: disconnect_after)"
check "  nothing deleted on it" eval '! e2e_vdev_has "sbf70 .* deleted"'
e2e_check "  the complete record stored, not the half one" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = 63.2 ]'
e2e_check "the next link gets both again, acknowledges them all, deletes them" \
	e2e_wait 40 e2e_vdev_has "sbf70 2 saved measurements of user 1 deleted"
e2e_check "  each stored once" e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "63.2 62.9" ]'
e2e_check "  a measurement is started for user 1" e2e_wait 10 e2e_vdev_has "sbf70 measurement for user 1 started"
e2e_check "  the weighing comes in three acknowledged parts" \
	e2e_wait 40 e2e_vdev_has "sbf70 all 3 parts acknowledged"
e2e_check "  and is stored" e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "63.2 62.9 62.7" ]'
e2e_check "a weighing while away is saved" e2e_wait 120 e2e_vdev_has "sbf70 steps on: saved measurement 4 of user 1"
e2e_daemon_restart
e2e_check "a new gateway gets it" e2e_wait 60 e2e_vdev_has "sbf70 saved measurements of user 1 asked: 1"
e2e_check "  stored once, the others not again" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "63.2 62.9 62.7 62.5" ]'
check "  user 2's saved measurements never asked" eval '! e2e_vdev_has "saved measurements of user 2"'
e2e_check "four measurements published" e2e_wait 10 e2e_published_at_least 4
e2e_readings_json
e2e_py "the records with the time and composition the scale kept" '
got = sorted((value(m, "body_weight"), value(m, "impedance"), value(m, "body_fat_percent"), m["final"]) for m in R)
assert got == [(62.5, 550, None, True), (62.7, 548, 26.6, True),
               (62.9, 545, 26.8, True), (63.2, 540, 27.1, True)], got
by = {value(m, "body_weight"): m for m in R}
assert by[63.2]["device_time"] == "2025-02-01T06:40:00", by[63.2]
assert by[62.5]["device_time"] == "2025-02-05T06:45:00", by[62.5]
'
e2e_published_once 4
e2e_finish
