#!/usr/bin/env bash
# End to end: a blood pressure cuff whose conversation needs bonding
# (test-bonding.json: "pairing": "passkey", "passkey": 123456) and two
# stored readings it indicates once subscribed.
# Run 1: the config carries the cuff's passkey; the daemon's agent answers
# RequestPasskey, the pairing succeeds, both readings are stored and
# published once.
# Run 2: a fresh store and a config naming the cuff without a passkey; the
# agent refuses, Pair() fails, the daemon logs the device and the refusal,
# stores nothing and keeps running.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e bonding"

CUFF=A4:C1:38:10:20:0B
SCENARIO=$E2E_SCENARIOS/test-bonding.json

# stop_pid PID: SIGTERM and reap.
stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }

# --- run 1: passkey configured --------------------------------------------
e2e_config '"bluetooth": { "devices": [ { "address": "'$CUFF'", "passkey": "123456" } ] }'
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$SCENARIO"
e2e_check "passkey: the cuff asked the agent and paired" \
	e2e_wait 15 grep -q "bp-cuff paired (passkey entered)" "$tmp/vdev.out"
e2e_check "passkey: no failed pairing" eval '! grep -q "pairing failed" "$tmp/vdev.out"'
e2e_check "passkey: two readings stored" e2e_wait 10 e2e_stored_at_least 2
e2e_check "passkey: two published" e2e_wait 10 e2e_published_at_least 2
sleep 2 # a duplicate would come now
e2e_check "passkey: stored and published exactly once" \
	eval '[ "$(e2e_stored)" = 2 ] && [ "$(e2e_published)" = 2 ]'
e2e_readings_json
e2e_py "passkey: the cuff's readings, same ids stored and published" '
got = sorted((m["time"][:10], value(m, "systolic_pressure"),
              value(m, "diastolic_pressure")) for m in R)
assert got == [("2024-05-06", 131, 84), ("2024-05-07", 127, 81)], got
ids = [p["id"] for t, p in P]
assert sorted(ids) == sorted(m["id"] for m in R), ids
'
e2e_check "passkey: daemon still running" kill -0 "$daemon_pid"
stop_pid "$vdev_pid"
stop_pid "$daemon_pid"
mv "$tmp/vdev.out" "$tmp/vdev-passkey.out"
mv "$tmp/homevitalsd.log" "$tmp/homevitalsd-passkey.log"

# --- run 2: no passkey configured -----------------------------------------
published_before=$(e2e_published)
db=$tmp/homevitals-nopasskey.db
e2e_config '"bluetooth": { "devices": [ { "address": "'$CUFF'" } ] }'
e2e_daemon
sleep 0.3
e2e_vdev "$SCENARIO"
e2e_check "no passkey: the pairing failed" \
	e2e_wait 15 grep -q "bp-cuff pairing failed" "$tmp/vdev.out"
e2e_check "no passkey: the cuff never paired" eval '! grep -q "bp-cuff paired" "$tmp/vdev.out"'
e2e_check "no passkey: the daemon's log names the cuff and the refusal" \
	e2e_wait 5 grep -q "No passkey configured for $CUFF .*pairing refused" "$tmp/homevitalsd.log"
e2e_check "no passkey: the daemon logs the failed pairing of the cuff" \
	e2e_wait 5 grep -q "Pairing with $CUFF failed" "$tmp/homevitalsd.log"
sleep 2 # a reading read without bonding would arrive now
e2e_check "no passkey: nothing stored" eval '[ "$(e2e_stored)" = 0 ]'
e2e_check "no passkey: nothing published" eval '[ "$(e2e_published)" = "$published_before" ]'
e2e_check "no passkey: daemon still running" kill -0 "$daemon_pid"
e2e_finish
