#!/usr/bin/env bash
# End to end: 1byone "new" scales (0xFFB0) that open a measurement on the
# gateway's weight request and hand over the weighings they keep as
# history entries, never cleared (vdev's onebyone_new model, the real
# daemon, test-onebyone-new.json). The request's sum and clock are taken;
# the kept entry and the live weighing (final weight, then its impedance)
# are stored once each. A scale whose first link drops after one of its
# two entries sends both again on the next link: each stored once.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e 1byone new"

SCALE=D8:0B:CB:00:B0:01
DROP=D8:0B:CB:00:B0:02

e2e_start_scales test-onebyone-new.json "$SCALE" "$DROP"

e2e_check "the weight request taken (its sum, the local clock)" \
	e2e_wait 30 grep -q "^t=[0-9.]* obn weight request: clock .* ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out"
e2e_check "  the kept entry, then the live weighing" e2e_wait 10 eval \
	'e2e_vdev_has "obn notify ffb2:ab2a00.* history entry" &&
	 e2e_vdev_has "obn notify ffb2:ab2a01.* impedance"'
e2e_check "  session done, both stored" e2e_wait 20 eval \
	'grep -q "GATT session with $SCALE (eufy_1byone) done" "$tmp/homevitalsd.log" &&
	 [ "$(e2e_stored_of "$SCALE")" = 2 ]'
e2e_check "the other scale drops the link after one entry" \
	e2e_wait 40 e2e_vdev_has "obn-drop drops the link (fault: disconnect_after)"
e2e_check "  its session ends early" e2e_wait 10 \
	grep -q "Session with $DROP (eufy_1byone) ended early" "$tmp/homevitalsd.log"
e2e_check "  the next link: both entries again, then the live weighing" e2e_wait 60 eval \
	'[ "$(grep -c "obn-drop notify ffb2:ab2a00.* history entry" "$tmp/vdev.out")" = 3 ] &&
	 grep -q "GATT session with $DROP (eufy_1byone) done" "$tmp/homevitalsd.log"'
check "  each stored once" eval '[ "$(e2e_stored_of "$DROP")" = 3 ]'
check "nothing ignored" eval '! e2e_vdev_has "frame ignored"'
e2e_check "five measurements published" e2e_wait 10 e2e_published_at_least 5
e2e_readings_json
e2e_py "each weighing once; the entries dated by the scale" '
got = sorted((m["device"]["address"], value(m, "body_weight"), value(m, "impedance"),
              m.get("device_time") or "") for m in R)
assert [g[:3] for g in got] == [
    ("D8:0B:CB:00:B0:01", 81.0, 495), ("D8:0B:CB:00:B0:01", 81.3, 498),
    ("D8:0B:CB:00:B0:02", 70.0, 515), ("D8:0B:CB:00:B0:02", 70.1, 518),
    ("D8:0B:CB:00:B0:02", 70.2, 520)], got
times = {g[1]: g[3] for g in got}
assert (times[81.3], times[70.2], times[70.0]) == (
    "2025-05-01T07:00:00", "2025-05-02T07:00:00", "2025-05-03T07:00:00"), times
'
e2e_py "published once each" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_finish
