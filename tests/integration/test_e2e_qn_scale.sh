#!/usr/bin/env bash
# End to end: a QN scale (type 1, 0xFFE0) that leads the conversation
# (vdev's qn_scale model, the real daemon, test-qn-scale.json): it sends
# its info, takes the gateway's configuration, asks for the time, and
# weighs only once its clock is set; the stable weight is stored once with
# its impedance and published, and the record handshake and query are
# answered (no stored record). A scale whose info frame arrives garbled
# is never configured: the gateway waits for a readable one, the session
# ends early and nothing of it is stored.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e qn scale"

SCALE=F0:2B:5C:00:20:01
GARBLED=F0:2B:5C:00:20:02

e2e_start_scales test-qn-scale.json "$SCALE" "$GARBLED"

e2e_check "the scale takes the configuration (echoed type, unit kg)" \
	e2e_wait 30 e2e_vdev_has "qn config: unit kg"
e2e_check "  asks the time and takes the gateway's local clock" \
	e2e_wait 10 grep -q "qn clock set to .* ([-+][0-5]\?[0-9] s)" "$tmp/vdev.out"
check "  nothing ignored" eval '! e2e_vdev_has "qn frame ignored"'
e2e_check "  the record handshake acknowledged, the query answered" eval \
	'e2e_wait 20 e2e_vdev_has "qn notify ffe1:.* no stored record" &&
	 [ "$(grep -c "qn notify ffe1:.* handshake acknowledged" "$tmp/vdev.out")" -eq 2 ]'
e2e_check "  session done" e2e_wait 20 \
	grep -q "GATT session with $SCALE (qn_scale) done" "$tmp/homevitalsd.log"
e2e_check "the garbled info: the gateway never configures that scale" \
	e2e_wait 40 grep -q "Session with $GARBLED (qn_scale) ended early" "$tmp/homevitalsd.log"
check "  it got no configuration" eval '! e2e_vdev_has "qn-garbled config"'
check "  nothing of it stored" eval '[ "$(e2e_stored_of "$GARBLED")" = 0 ]'
e2e_check "one measurement published" e2e_wait 10 e2e_published_at_least 1
e2e_check "scenario played to its end" e2e_wait_vdev 60
e2e_readings_json
e2e_py "the stable weight stored once, with its impedance" '
got = [(m["device"]["address"], m["driver"], value(m, "body_weight"), value(m, "impedance"), m["final"]) for m in R]
assert got == [("F0:2B:5C:00:20:01", "qn_scale", 83.45, 520, True)], got
'
e2e_published_once 1
e2e_finish
