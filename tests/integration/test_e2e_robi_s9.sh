#!/usr/bin/env bash
# End to end: a Robi S9 over GATT (vdev's robi_s9 model, the real daemon,
# test-robi-s9.json). The daemon's lefu_icomon session finds the AC start
# refused for the name and replays openScale's eleven handshake frames on
# 0xFFB1; the scale accepts them, and its A3 final result (the
# lefu_icomon encoder's frame) on 0xFFB3 is stored once, with its heart
# rate and impedance, and published. A scale bound with another token
# refuses the B1 frame carrying the capture's and drops the link: nothing
# of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e robi s9"

e2e_person p-ana Ana 1.70 1985-04-04 female 74-80
e2e_start_scales test-robi-s9.json D4:11:22:33:44:55 D4:11:22:33:44:66
e2e_check "session done" e2e_wait 30 grep -q "GATT session with D4:11:22:33:44:55 (lefu_icomon) done" "$tmp/homevitalsd.log"
e2e_check "the scale accepted the eleven frames" eval \
	'[ "$(grep -c "robi write ffb1:" "$tmp/vdev.out")" -eq 11 ] &&
	 grep -q "robi handshake accepted" "$tmp/vdev.out"'
e2e_check "the other token: refused at frame 1 (B1)" e2e_wait 30 \
	grep -q "robi-other-token handshake refused at frame 1: 011000b1" "$tmp/vdev.out"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 40
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_check "nothing accepted from the other token" eval \
	'! grep -q "robi-other-token handshake accepted" "$tmp/vdev.out"'
e2e_readings_json

e2e_py "the final result stored once, with heart rate and impedance, for Ana" '
got = [(m["driver"], value(m, "body_weight"), value(m, "heart_rate"), value(m, "impedance"), m["person"], m["final"]) for m in R]
assert got == [("lefu_icomon", 77.25, 71, 510, "p-ana", True)], got
assert R[0]["device"]["address"] == "D4:11:22:33:44:55", R[0]["device"]
'
e2e_published_once 1
e2e_finish
