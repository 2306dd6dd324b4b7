#!/usr/bin/env bash
# End to end: an Eufy C1 (1byone protocol on 0xFFF0) that takes a unit and
# a clock, then hands out its stored weighings until cleared (vdev's
# eufy_1byone model, the real daemon, test-eufy-1byone.json). The scale
# checks the unit command's XOR and acknowledges the clock. The first
# history loses the link after two of three records: nothing is cleared,
# no record is lost; the next session gets all three again and clears
# them, each stored once. A weighing during the session's wait comes live
# and is stored with its impedance.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e eufy 1byone"

SCALE=AC:4D:16:00:91:46

e2e_start_scales test-eufy-1byone.json "$SCALE"

e2e_check "the scale takes the unit command (its XOR checked)" \
	e2e_wait 30 e2e_vdev_has "c1 unit kg, group 1"
e2e_check "  and the local clock, acknowledged" eval \
	'e2e_wait 10 grep -q "c1 clock set to .* ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out" &&
	 e2e_wait 10 e2e_vdev_has "c1 notify fff4:f100 clock ack"'
check "  nothing ignored" eval '! e2e_vdev_has "c1 frame ignored"'
e2e_check "  the history asked" e2e_wait 10 e2e_vdev_has "c1 history asked: 3"
e2e_check "  the link drops after two records" e2e_wait 10 e2e_vdev_has "c1 disconnected (link lost)"
check "  nothing cleared on it" eval '! e2e_vdev_has "c1 .* records cleared"'
e2e_check "  the two received are stored" e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "70.35 70.1" ]'
e2e_check "the next session gets all three and clears them" \
	e2e_wait 40 e2e_vdev_has "c1 3 records cleared, 0 kept"
e2e_check "  each stored once" e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "70.35 70.1 69.85" ]'
e2e_check "a weighing during the session comes live, stored" \
	e2e_wait 60 eval '[ "$(e2e_weights "$SCALE")" = "70.35 70.1 69.85 69.6" ]'
e2e_check "four measurements published" e2e_wait 10 e2e_published_at_least 4
e2e_readings_json
e2e_py "the records dated by the scale, all with their impedance" '
got = sorted((m["device_time"], value(m, "body_weight"), value(m, "impedance"), m["final"]) for m in R if m.get("device_time"))
assert [g[1:] for g in got] == [(70.35, 512.4, True), (70.1, 508.9, True), (69.85, 505.0, True)], got
assert [g[0] for g in got] == ["2025-01-10T07:00:00", "2025-01-11T07:02:00", "2025-01-12T06:58:30"], got
live = [m for m in R if not m.get("device_time")]
assert [(value(m, "body_weight"), value(m, "impedance"), m["final"]) for m in live] == [(69.6, 501.5, True)], live
'
e2e_published_once 4
e2e_finish
