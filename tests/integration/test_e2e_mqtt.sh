#!/usr/bin/env bash
# End to end, MQTT at the daemon level:
#  A. the broker is down before the scenario starts and comes back after it
#     ended: every measurement arrives, none twice in that broker session,
#     in order per person.
#  B. homevitalsd --replay of many measurements is SIGKILLed in the middle
#     and started again over the same store: every measurement arrives at
#     least once (the subscriber deduplicates by id), none is missing.
# The subscriber is a persistent QoS 1 session, so it misses nothing while
# it reconnects; the broker keeps it across a graceful restart.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e mqtt"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start --persist || { not_ok "broker"; exit 1; }
e2e_sub e2e-sub || not_ok "subscriber"
"$HV" people add --db "$db" --id p-ines --name Ines --height 1.60 \
	--birth-date 1988-08-08 --sex female --weight-range 50-65 >/dev/null
"$HV" people add --db "$db" --id p-jon --name Jon --height 1.92 \
	--birth-date 1960-01-20 --sex male --weight-range 80-100 >/dev/null

# --- A: broker down during the whole scenario --------------------------------
e2e_broker_stop
e2e_config
e2e_daemon
sleep 0.3
e2e_vdev "$E2E_SCENARIOS/test-mqtt-outage.json" --speed 2
e2e_check "A: scenario played to its end" e2e_wait_vdev 30
e2e_check "A: five measurements stored while the broker was down" e2e_wait 5 e2e_stored_at_least 5
e2e_check "A: all five waiting in the outbox" eval '[ "$(e2e_backlog)" = 5 ]'
e2e_check "A: nothing published yet" eval '[ "$(e2e_published)" = 0 ]'
e2e_broker_restart || not_ok "A: broker back"
e2e_check "A: the outbox drained" e2e_wait 20 e2e_backlog_empty
e2e_check "A: five received" e2e_wait 10 e2e_published_at_least 5
sleep 1 # a duplicate would come now
sqlite3 -cmd ".timeout 2000" "$db" "SELECT measurement_id FROM outbox ORDER BY seq;" >"$tmp/outbox-order"
e2e_readings_json
e2e_py "A: every measurement once, in the store order per person" '
ids = [p["id"] for t, p in P]
assert len(ids) == 5 and len(set(ids)) == 5, ids
assert set(ids) == set(m["id"] for m in R), ids
order = open(os.path.join(tmp, "outbox-order")).read().split()
for person in ("p-ines", "p-jon"):
    got = [p["id"] for t, p in P if p["person"] == person]
    want = [i for i in order if i in got]
    assert got == want, (person, got, want)
ines = [value(p, "body_weight") for t, p in P if p["person"] == "p-ines"]
assert ines == [58.4, 58.1, 57.9], ines
'
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null

# --- B: SIGKILL in the middle of a replay, then again ------------------------
python3 - "$tmp/replay.jsonl" <<'PY'
import sys
# Mi Body Composition Scale 2 adverts (drivers/xiaomi_mi_scale2.c layout):
# control 0x02 0xA6 (stabilised, impedance, load removed: one weigh-in each),
# year LE16, month, day, hour, minute, second, impedance LE16, weight/0.005.
with open(sys.argv[1], "w") as f:
    for i in range(400):
        kg = (55.0 if i % 2 == 0 else 82.0) + (i // 2) * 0.05
        raw = round(kg * 200)
        sec = i * 60
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 3, 15, 6 + sec // 3600, sec // 60 % 60,
                   sec % 60, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.3f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:07"}\n'
                % (i * 0.01, b.hex()))
PY
before=$(e2e_stored)
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_wait 20 e2e_stored_at_least $((before + 120))
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
mid=$(( $(e2e_stored) - before ))
e2e_check "B: killed in the middle ($mid of 400 stored)" eval '[ "$mid" -gt 0 ] && [ "$mid" -lt 400 ]'
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "B: the second replay ran to its end (backlog empty)" e2e_wait 60 eval '! kill -0 "$daemon_pid"'
wait "$daemon_pid"
e2e_check "B: it exited 0" test $? = 0
e2e_check "B: 400 stored" eval '[ $(( $(e2e_stored) - before )) = 400 ]'
e2e_wait 10 eval '[ "$(cut -d" " -f2- "$tmp/sub.out" | python3 -c "import json,sys; print(len({json.loads(l)[\"id\"] for l in sys.stdin}))")" -ge 405 ]'
e2e_readings_json
e2e_py "B: every measurement received at least once, none missing" '
got = set(p["id"] for t, p in P)
stored = set(m["id"] for m in R)
assert len(stored) == 405, len(stored)
missing = stored - got
assert not missing, "%d missing" % len(missing)
print("received %d messages for %d measurements" % (len(P), len(got)))
'
e2e_finish
