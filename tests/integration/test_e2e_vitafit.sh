#!/usr/bin/env bash
# End to end: a Vitafit VT701 that is greeted and measures the impedance
# only once the gateway acknowledged the stable weight (vdev's vitafit
# model, the real daemon, test-vitafit.json). The three greetings are
# taken in order, the stable weight and then the impedance acknowledged;
# the weighing is stored once with both and published. A scale whose
# firmware checks a byte sum instead of the XOR ignores the greetings and
# never weighs for the gateway: its session ends early, nothing stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e vitafit"

SCALE=A4:C1:38:00:07:01
SUM=A4:C1:38:00:07:02

e2e_start_scales test-vitafit.json "$SCALE" "$SUM"

e2e_check "the three greetings taken in order" e2e_wait 30 e2e_vdev_has "vt701 greeted"
e2e_check "  the stable weight acknowledged" e2e_wait 10 e2e_vdev_has "vt701 weight acknowledged"
e2e_check "  then the impedance" e2e_wait 10 e2e_vdev_has "vt701 impedance acknowledged"
check "  nothing ignored" eval '! e2e_vdev_has "vt701 frame ignored"'
e2e_check "  session done" e2e_wait 10 \
	grep -q "GATT session with $SCALE (vitafit) done" "$tmp/homevitalsd.log"
e2e_check "the other firmware ignores the greetings (checksum)" \
	e2e_wait 30 grep -q "vt701-sum frame ignored: a5052633.* (checksum)" "$tmp/vdev.out"
e2e_check_refused "$SUM" vitafit "vt701-sum notify"
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_readings_json
e2e_py "the weighing stored once, weight and impedance joined" '
got = [(m["device"]["address"], value(m, "body_weight"), value(m, "impedance"), m["final"]) for m in R]
assert got == [("A4:C1:38:00:07:01", 85.0, 498, True)], got
'
e2e_published_once 1
e2e_finish
