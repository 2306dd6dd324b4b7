#!/usr/bin/env bash
# End to end: a Bangle.js with the Gadgetbridge protocol through vdev and
# the real daemon (test-bangle-js.json). Its lines arrive in 20-byte
# notifications and are joined in ingest. The first session sets the
# watch's clock and fetches the whole health log; after a gateway restart
# the next fetch asks only for the blocks after the last stored one, and
# nothing is stored twice.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e bangle.js"

WATCH=E3:4B:00:00:0B:01
sessions() { grep -c "GATT session with $WATCH (bangle_js) done" "$tmp/homevitalsd.log"; }
step_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM readings WHERE metric = 'step_count';" 2>/dev/null || echo 0
}

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
"$HV" people add --db "$db" --id p-noor --name Noor >/dev/null
"$HV" devices link "$WATCH" 0 p-noor --db "$db" >/dev/null
e2e_config
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-bangle-js.json"
e2e_check "first session done" e2e_wait 20 eval '[ "$(sessions)" -ge 1 ]'
e2e_check "the watch's clock was set, its own DST rules off" grep -q "bangle clock set .* zone 0, DST rules off" "$tmp/vdev.out"
e2e_check "the whole log fetched" grep -q "bangle actfetch since 0: 3 blocks" "$tmp/vdev.out"
e2e_check "its three blocks stored" e2e_wait 5 eval '[ "$(step_rows)" = 3 ]'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_check "the watch logged a block while the gateway was down" \
	e2e_wait 20 grep -q "bangle logged block" "$tmp/vdev.out"
e2e_daemon
e2e_check "second session done" e2e_wait 20 eval '[ "$(sessions)" -ge 2 ]'
e2e_check "the second fetch asked after the last stored block" \
	grep -q "bangle actfetch since 1700002200000: 1 blocks" "$tmp/vdev.out"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
e2e_readings_json
e2e_py "four blocks, each once, for the wearer; no line was malformed" '
steps = [m for m in R if reading(m, "step_count")]
assert sorted(value(m, "step_count") for m in steps) == [0, 120, 312, 845], steps
assert len({m["id"] for m in steps}) == 4
assert all(m["person"] == "p-noor" and m["driver"] == "bangle_js" for m in steps)
bpm = sorted(value(m, "heart_rate") for m in steps if reading(m, "heart_rate"))
assert bpm == [68, 71, 96], bpm
'
e2e_py "each block dated by the watch at its start (its ts less 10 minutes)" '
steps = [m for m in R if reading(m, "step_count")]
got = sorted(m["time"] for m in steps)
assert got == ["2023-11-14T22:10:00Z", "2023-11-14T22:20:00Z",
               "2023-11-14T22:30:00Z", "2023-11-14T22:40:00Z"], got
assert all(m["time_source"] == "device" for m in steps), [m.get("time_source") for m in steps]
'
e2e_check "no malformed line counted" eval '! grep -q "Dropped a malformed frame from $WATCH" "$tmp/homevitalsd.log"'
e2e_finish
