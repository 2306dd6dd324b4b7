#!/usr/bin/env bash
# End to end: PICOOC scales that repeat every frame until it is
# acknowledged (vdev's picooc model, the real daemon, test-picooc.json).
# A PICOOC-CQ sends its captured handshake, takes the time and the
# profile, then a settled weight (the captured 71.7 kg / 503 Ohm), and a
# heart rate (measuring, then 68 bpm), each acknowledged; it hangs up
# when done (as PicoocHandler.kt says it does), which ends the session as
# done, not failed: weight and heart rate stored once each and published.
# A scale whose acknowledgement of the weight is lost drops the link (the
# gateway cannot tell it from the end: done), powers off, and sends the
# same weighing again on the next link: stored once. A newer model
# (0x51/0x52) takes only A1-prefixed frames: the gateway switches.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e picooc"

CQ=E8:A2:10:00:01:01
LOST=E8:A2:10:00:01:02
NEWER=E8:A2:10:00:01:03
weight_frames() { # the distinct weight frames a scale sent
	sed -n "s/^t=[0-9.]* $1 notify fff1:\(3910[0-9a-f]*\) weight.*/\1/p;
		s/^t=[0-9.]* $1 notify fff1:\(5210[0-9a-f]*\) weight.*/\1/p" \
		"$tmp/vdev.out" | sort -u
}

e2e_start_scales test-picooc.json "$CQ" "$LOST" "$NEWER"

e2e_check "the CQ takes the time (Unix seconds, unit kg)" \
	e2e_wait 30 grep -q "^t=[0-9.]* cq clock set to .* UTC ([-+][0-5]\?[0-9] s), unit kg" "$tmp/vdev.out"
e2e_check "  and the profile, unasked" e2e_wait 10 e2e_vdev_has "cq profile: "
e2e_check "  the captured weight frame's reading, acknowledged" e2e_wait 10 eval \
	'[ "$(weight_frames cq | cut -c13-20)" = 059a13a6 ] && e2e_vdev_has "cq weight acknowledged"'
e2e_check "  the heart rate measured, then its result" e2e_wait 30 eval \
	'e2e_vdev_has "cq notify fff1:3c05000001 heart rate measuring" &&
	 e2e_vdev_has "cq notify fff1:3c05004402 heart rate result"'
e2e_check "  the scale hangs up when done" e2e_wait 10 e2e_vdev_has "cq hangs up: done"
e2e_check "  which ends its session as done" e2e_wait 10 \
	grep -q "GATT session with $CQ (picooc) done" "$tmp/homevitalsd.log"
check "  not as a failure" eval '! grep -q "Session with $CQ (picooc) ended early" "$tmp/homevitalsd.log"'
check "  nothing repeated unanswered" eval '! e2e_vdev_has "cq hangs up: no answer"'
check "  the weight and the heart rate stored" eval '[ "$(e2e_stored_of "$CQ")" = 2 ]'

e2e_check "the other CQ: the acknowledgement lost, the link drops" \
	e2e_wait 60 e2e_vdev_has "cq-lost acknowledgement lost, link drops (fault: lose_ack)"
e2e_check "  its session ends, the weight kept" e2e_wait 10 eval \
	'grep -q "GATT session with $LOST (picooc) done" "$tmp/homevitalsd.log" &&
	 [ "$(e2e_stored_of "$LOST")" = 1 ]'
e2e_check "  the scale powers off, then back" e2e_wait 90 e2e_vdev_has "cq-lost powers on"
e2e_check "  the next link: the same weighing again, acknowledged" e2e_wait 60 \
	e2e_vdev_has "cq-lost weight acknowledged"
check "  sent twice with the same date" eval \
	'[ "$(grep -c "cq-lost notify fff1:3910.* weight" "$tmp/vdev.out")" -ge 2 ] &&
	 [ "$(weight_frames cq-lost | wc -l)" = 1 ]'
check "  stored once" eval '[ "$(e2e_stored_of "$LOST")" = 1 ]'

e2e_check "the newer model: the time in an A1 frame" e2e_wait 60 \
	grep -q "^t=[0-9.]* newer clock set to" "$tmp/vdev.out"
e2e_check "  its 0x52 weight acknowledged (A1 03 52)" e2e_wait 20 eval \
	'[ -n "$(weight_frames newer)" ] && e2e_vdev_has "newer weight acknowledged"'
e2e_check "  the scale hangs up when done" e2e_wait 10 e2e_vdev_has "newer hangs up: done"
check "no frame refused for its prefix or form" eval \
	'! grep -q "frame ignored: .* (\(prefix\|not a\|nothing\)" "$tmp/vdev.out"'
e2e_check "four measurements published" e2e_wait 10 e2e_published_at_least 4
e2e_readings_json
e2e_py "each stored once: weights with impedance and the scale date, the heart rate" '
v = lambda m, k: value(m, k) or 0
got = sorted((m["device"]["address"], v(m, "body_weight"), v(m, "impedance"),
              v(m, "heart_rate"), m.get("device_time") is not None) for m in R)
assert got == [
    ("E8:A2:10:00:01:01", 0, 0, 68, False),
    ("E8:A2:10:00:01:01", 71.7, 503, 0, True),
    ("E8:A2:10:00:01:02", 72.1, 505, 0, True),
    ("E8:A2:10:00:01:03", 80.0, 480, 0, True),
], got
'
e2e_py "published once each" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_finish
