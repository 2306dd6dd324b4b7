#!/usr/bin/env bash
# End to end: Medisana BS444 scales that push the weighings they keep once
# the phone sets their clock (vdev's medisana_bs4xx model, the real
# daemon, test-medisana-bs4xx.json). The two kept weighings (each a
# weight, then a feature indication) are stored once each with their
# composition and published — the session listens until the scale is
# quiet, not only for the first; the scale keeps them, so a new gateway
# gets them again and still stores each once. A scale whose link drops between a weighing's two indications
# leaves no half of it stored: the session ends early, and the next one
# gets the whole weighing.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e medisana bs4xx"

SCALE=E4:54:EB:00:44:01
DROP=E4:54:EB:00:44:02

e2e_start_scales test-medisana-bs4xx.json "$SCALE" "$DROP"

e2e_check "the gateway sets the scale's clock (2010 epoch, within a minute)" \
	e2e_wait 30 grep -q "bs444 clock set to .* ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out"
e2e_check "  the scale pushes what it keeps" e2e_wait 10 e2e_vdev_has "bs444 pushes 2 kept weighings"
e2e_check "  both stored, once each" e2e_wait 20 eval '[ "$(e2e_stored_of "$SCALE")" = 2 ]'
e2e_check "the other link drops between weight and feature" \
	e2e_wait 30 e2e_vdev_has "bs444-drop drops the link (fault: disconnect_after)"
e2e_check "  its session ends early" e2e_wait 10 \
	grep -q "Session with $DROP (medisana_bs4xx) ended early" "$tmp/homevitalsd.log"
check "  no half weighing stored" eval '[ "$(e2e_stored_of "$DROP")" = 0 ]'
e2e_check "  the next session gets the whole weighing, stored once" \
	e2e_wait 60 eval '[ "$(e2e_stored_of "$DROP")" = 1 ]'

e2e_daemon_restart
e2e_check "a new gateway: the scale pushes the kept weighings again" \
	e2e_wait 40 eval '[ "$(grep -c "bs444 pushes 2 kept weighings" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "  its session is done" e2e_wait 20 eval \
	'[ "$(grep -c "GATT session with $SCALE (medisana_bs4xx) done" "$tmp/homevitalsd.log")" -ge 2 ]'
check "  still stored once each" eval '[ "$(e2e_stored_of "$SCALE")" = 2 ]'
e2e_check "three measurements published" e2e_wait 10 e2e_published_at_least 3
e2e_readings_json
e2e_py "each weighing once, dated by the scale, with its composition" '
got = sorted((m["device"]["address"], m["device_time"], value(m, "body_weight"),
              value(m, "body_fat_percent"), value(m, "body_water_percent"),
              value(m, "muscle_percent"), value(m, "bone_mass"), m["final"]) for m in R)
assert got == [
    ("E4:54:EB:00:44:01", "2025-04-01T07:15:00", 74.6, 22.4, 55.1, 36.8, 3.1, True),
    ("E4:54:EB:00:44:01", "2025-04-03T07:15:00", 74.1, 22.0, 55.5, 37.0, 3.1, True),
    ("E4:54:EB:00:44:02", "2025-04-02T07:20:00", 68.2, 27.5, 50.3, 33.0, 2.6, True),
], got
'
e2e_published_once 3
e2e_finish
