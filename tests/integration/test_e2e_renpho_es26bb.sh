#!/usr/bin/env bash
# End to end: a Renpho ES-26BB-B that keeps the weighings made with no app
# connected and hands them over one at a time, each forgotten on the
# gateway's acknowledgement (vdev's renpho_es26bb model, the real daemon,
# test-renpho-es26bb.json). The first link drops after the first record's
# acknowledgement: that record is stored once and not sent again, the
# second comes on the next link, then a live weighing ends the session.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e renpho es26bb"

SCALE=C8:47:8C:00:26:01

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_sub || not_ok "subscriber"
# No driver is named: the scale advertises es_cs20m's service 0x1A10, and
# its name selects renpho_es26bb.
e2e_config '"bluetooth": { "devices": [ { "address": "'"$SCALE"'" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-renpho-es26bb.json"

e2e_check "the start command taken, two kept records announced" \
	e2e_wait 30 e2e_vdev_has "es26 started: 2 kept records"
e2e_check "  the first acknowledged, then the link drops" e2e_wait 10 eval \
	'e2e_vdev_has "es26 record 1 acknowledged" &&
	 e2e_vdev_has "es26 drops the link (fault: disconnect_after)"'
e2e_check "  its session ends early, the first record stored" e2e_wait 10 eval \
	'grep -q "Session with $SCALE (renpho_es26bb) ended early" "$tmp/homevitalsd.log" &&
	 [ "$(e2e_stored_of "$SCALE")" = 1 ]'
e2e_check "the next link: only the second record, acknowledged" e2e_wait 60 \
	e2e_vdev_has "es26 started: 1 kept records"
e2e_check "  then the live weighing, the session done" e2e_wait 40 eval \
	'e2e_vdev_has "es26 notify 2a10:55aa14000701.* live (final)" &&
	 grep -q "GATT session with $SCALE (renpho_es26bb) done" "$tmp/homevitalsd.log"'
check "  nothing ignored" eval '! e2e_vdev_has "es26 frame ignored"'
e2e_check "three measurements stored and published" e2e_wait 10 eval \
	'[ "$(e2e_stored_of "$SCALE")" = 3 ] && e2e_published_at_least 3'
e2e_readings_json
e2e_py "each weighing once, with its impedance" '
got = sorted((value(m, "body_weight"), value(m, "impedance"), m["final"]) for m in R)
assert got == [(79.6, 505, True), (79.9, 508, True), (80.25, 512, True)], got
'
e2e_py "published once each" '
ids = sorted(p["id"] for t, p in P)
assert ids == sorted(m["id"] for m in R), (ids, [m["id"] for m in R])
'
e2e_finish
