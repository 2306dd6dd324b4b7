#!/usr/bin/env bash
# End to end: a blood pressure cuff that keeps its stored readings until a
# whole transfer went out (resend-after-drop.json, "keep_until_confirmed")
# drops the link after two of its four readings. On the retry it sends all
# four again: the two it sent before carry the same device times, so the
# same ids; every reading is stored and published exactly once, none lost.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e resend after drop"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
e2e_config
e2e_sub || not_ok "subscriber"
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/resend-after-drop.json"
e2e_check "the link dropped mid-transfer" e2e_wait 5 grep -q "mid-transfer fault" "$tmp/vdev.out"
e2e_check "retried: the cuff connected again" e2e_wait 25 eval '[ "$(grep -c "bp-cuff connected" "$tmp/vdev.out")" -ge 2 ]'
e2e_check "the cuff saw the whole transfer and forgot its records" e2e_wait 5 grep -q "transfer confirmed: 4 records forgotten" "$tmp/vdev.out"
e2e_check "records 1 and 2 were indicated twice" eval '[ "$(grep -c "indicate 2a35:.* record 1$" "$tmp/vdev.out")" = 2 ] && [ "$(grep -c "indicate 2a35:.* record 2$" "$tmp/vdev.out")" = 2 ]'
e2e_check "four readings stored" e2e_wait 5 e2e_stored_at_least 4
e2e_check "four published" e2e_wait 5 e2e_published_at_least 4
sleep 2 # a duplicate would come now
e2e_check "daemon still running" kill -0 "$daemon_pid"
e2e_readings_json
e2e_py "each reading stored once, with the cuff's time" '
got = sorted((m["time"][:10], value(m, "systolic_pressure")) for m in R)
assert got == [("2024-03-01", 120), ("2024-03-02", 122),
               ("2024-03-03", 118), ("2024-03-04", 125)], got
assert len(set(m["id"] for m in R)) == 4
'
e2e_py "published exactly once each (same ids as stored)" '
ids = [p["id"] for t, p in P]
assert len(ids) == 4 and set(ids) == set(m["id"] for m in R), ids
'
e2e_finish
