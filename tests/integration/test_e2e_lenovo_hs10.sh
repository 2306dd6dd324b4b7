#!/usr/bin/env bash
# End to end: a Lenovo HS10 that keeps its weighings until they are
# downloaded and cleared (vdev's lenovo_hs10 model, the real daemon,
# test-lenovo-hs10.json). The first download loses the link after two of
# the three stored records, so nothing is cleared; the daemon comes back,
# gets all three again and clears them: each record is stored once. A
# weighing during the session's wait is notified live and stored too. A
# scale of another firmware refuses the gateway's request (F2 00):
# nothing of it is stored and the log says the session ended early.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e lenovo hs10"

SCALE=C8:B2:1E:00:10:01
OTHER=C8:B2:1E:00:10:02

e2e_start_scales test-lenovo-hs10.json "$SCALE" "$OTHER"

e2e_check "the gateway asks for the stored records" \
	e2e_wait 30 e2e_vdev_has "hs10 write fff1:f200"
e2e_check "  the link drops after two of three: nothing cleared" \
	e2e_wait 10 e2e_vdev_has "hs10 disconnected (link lost)"
check "  no clear on that link" eval '! e2e_vdev_has "hs10 write fff1:f201"'
e2e_check "  the two received are stored" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "80.1 79.6" ]'
e2e_check "the next session gets all three and clears them" \
	e2e_wait 40 e2e_vdev_has "hs10 3 records cleared, 0 kept"
e2e_check "  each record stored once" \
	e2e_wait 10 eval '[ "$(e2e_weights "$SCALE")" = "80.1 79.6 79.2" ]'
check "  the first two went out twice" eval \
	'[ "$(grep -c "hs10 notify fff4:.* record 1$" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "a weighing during the session is notified live and stored" \
	e2e_wait 60 eval '[ "$(e2e_weights "$SCALE")" = "80.1 79.6 79.2 78.9" ]'
e2e_check "another firmware refuses the request" \
	e2e_wait 10 e2e_vdev_has "hs10-other-firmware command refused: f200"
e2e_check "  the session ends early, said once in the log" \
	grep -q "Session with $OTHER (lenovo_hs10) ended early" "$tmp/homevitalsd.log"
check "  nothing of it stored" eval '[ -z "$(e2e_weights "$OTHER")" ]'
e2e_check "four measurements published" e2e_wait 10 e2e_published_at_least 4
e2e_readings_json
e2e_py "published once each, the stored ones, dated by the scale" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
got = sorted((value(m, "body_weight"), value(m, "impedance")) for m in R)
assert got == [(78.9, 490), (79.2, 498), (79.6, 505), (80.1, 512)], got
assert all(m["driver"] == "lenovo_hs10" and m["final"] for m in R), R
'
e2e_finish
