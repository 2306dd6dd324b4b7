#!/usr/bin/env bash
# End to end: a blood pressure cuff drops the link after two of its four
# stored readings (disconnect-mid-transfer.json; the third is garbled). The
# daemon retries; every good reading is stored and published exactly once,
# the garbled one never.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e mid-transfer"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/disconnect-mid-transfer.json"
e2e_check "the link dropped mid-transfer" e2e_wait 5 grep -q "mid-transfer fault" "$tmp/vdev.out"
e2e_check "the daemon saw the session end early" e2e_wait 5 grep -q "Session with A4:C1:38:10:20:05 (sig_blood_pressure) ended early" "$tmp/homevitalsd.log"
e2e_check "retried: the cuff connected again" e2e_wait 25 eval '[ "$(grep -c "bp-cuff connected" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "three good readings stored" e2e_wait 5 e2e_stored_at_least 3
e2e_check "three published" e2e_wait 5 e2e_published_at_least 3
sleep 2 # a duplicate would come now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json
e2e_py "records 1, 2 and 4 stored once each, the garbled one dropped" '
got = sorted(value(m, "systolic_pressure") for m in R)
assert got == [120, 122, 125], got
assert len(set(m["id"] for m in R)) == 3
for m in R:
    assert m["driver"] == "sig_blood_pressure", m["driver"]
'
e2e_py "published exactly once each (distinct ids = records)" '
ids = [p["id"] for t, p in P]
assert len(ids) == 3 and set(ids) == set(m["id"] for m in R), ids
'
e2e_finish
