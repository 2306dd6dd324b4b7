#!/usr/bin/env bash
# Bridge mode (docs/fleet.md): homevitalsd -> a mosquitto on the gateway ->
# a mosquitto bridge (QoS 1, cleansession false, persistence on disk, its own
# queue) -> a central mosquitto -> a persistent QoS 1 subscriber there. The
# bridge adds the tenant's prefix to every topic on the way out.
# Each phase replays a batch of weigh-ins while a link is down:
#  1. gateway -> local broker down (local broker stopped)
#  2. bridge link down (central broker stopped)
#  3. both down; the local broker comes back first and is restarted while the
#     bridge is still down (its queue must survive on disk), then the central
#     broker comes back.
# Measurements stored vs distinct ids received centrally: none lost;
# duplicates are counted and printed (QoS 1 allows them).
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "bridge"

local_dir=$tmp/local
bridge_cleanup() {
	local rc=$?
	"$BROKER_SH" stop "$local_dir" >/dev/null 2>&1
	(exit "$rc")
	e2e_cleanup
}
trap bridge_cleanup EXIT

# The central broker is e2e.sh's broker ($tmp/broker, $port), persistent.
e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start --persist || { not_ok "central broker"; exit 1; }
central_port=$port

# The local broker: broker.sh's config plus the bridge section.
lport=$("$BROKER_SH" start "$local_dir" --persist) || { not_ok "local broker"; exit 1; }
"$BROKER_SH" stop "$local_dir"
sed -i 's/^max_queued_messages 0$/max_queued_messages 100000/' "$local_dir/mosquitto.conf"
cat >>"$local_dir/mosquitto.conf" <<CONF
autosave_interval 60
connection central
address 127.0.0.1:$central_port
bridge_protocol_version mqttv311
clientid bridge-gw-test
cleansession false
local_clientid bridge-gw-test.local
restart_timeout 1
notifications false
try_private false
topic # out 1 homevitals/ tenants/acme/homevitals/
CONF

local_start() {
	mosquitto -c "$local_dir/mosquitto.conf" >>"$local_dir/stderr.log" 2>&1 &
	echo $! >"$local_dir/pid"
	e2e_wait 5 eval '(exec 3<>"/dev/tcp/127.0.0.1/$lport") 2>/dev/null'
}
local_stop() { "$BROKER_SH" stop "$local_dir"; }
central_stop() { e2e_broker_stop; }
central_start() { e2e_broker_restart; }

# Bridge connected: the central broker logged its CONNACK to the bridge.
bridge_connections() {
	grep -c "New client connected .* as bridge-gw-test" "$tmp/broker/mosquitto.log" 2>/dev/null
}
bridge_up_again() { [ "$(bridge_connections)" -gt "$1" ]; }

local_start || { not_ok "local broker with the bridge"; exit 1; }
e2e_check "the bridge connects to the central broker" e2e_wait 10 bridge_up_again 0

# The central subscriber sees the tenant's topics only.
sub_id=central-sub
mosquitto_sub -h 127.0.0.1 -p "$central_port" -q 1 -i "$sub_id" -c -v \
	-t 'tenants/acme/homevitals/+/people/+/measurements' \
	-t 'tenants/acme/homevitals/+/unassigned/measurements' \
	>>"$tmp/sub.out" 2>>"$tmp/sub.err" &
sub_pid=$!
e2e_wait 10 grep -q "Sending SUBACK to $sub_id" "$tmp/broker/mosquitto.log" ||
	not_ok "central subscriber"

cat >"$tmp/homevitals.json" <<CONF
{
  "gateway_id": "gw-test",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $lport, "reconnect_min_s": 1,
            "reconnect_max_s": 2, "retain_latest": false },
  "time": { "assume_synchronised": true },
  "log_level": "debug"
}
CONF

# batch N COUNT: Mi Body Composition Scale 2 adverts (as test_e2e_mqtt.sh),
# one weigh-in each, distinct per batch (the day is the batch).
batch() {
	python3 - "$tmp/batch$1.jsonl" "$1" "$2" <<'PY'
import sys
path, day, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        kg = (55.0 if i % 2 == 0 else 82.0) + (i // 2) * 0.05
        raw = round(kg * 200)
        sec = i * 60
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 4, day, 6 + sec // 3600, sec // 60 % 60,
                   sec % 60, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.3f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:07"}\n'
                % (i * 0.01, b.hex()))
PY
}

# replay N COUNT: the daemon replays batch N in the background.
replay() {
	batch "$1" "$2"
	e2e_daemon --replay "$tmp/batch$1.jsonl"
}

# The daemon exits once the replay is stored and PUBACKed by the local broker.
daemon_done() { ! kill -0 "$daemon_pid"; }

# Distinct measurement ids received centrally.
central_distinct() {
	cut -d" " -f2- "$tmp/sub.out" 2>/dev/null |
		python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in sys.stdin if l.strip()}))'
}
central_has() { [ "$(central_distinct)" -ge "$1" ]; }

total=0

# --- 1: gateway -> local broker down ------------------------------------------
local_stop
replay 1 30
total=$((total + 30))
e2e_check "1: 30 stored while the local broker is down" e2e_wait 20 e2e_stored_at_least $total
e2e_check "1: all waiting in the gateway's outbox" eval '[ "$(e2e_backlog)" = 30 ]'
local_start || not_ok "1: local broker back"
e2e_check "1: the daemon drained its outbox and exited" e2e_wait 30 daemon_done
e2e_check "1: all $total reached the central subscriber" e2e_wait 20 central_has $total

# --- 2: bridge link down ---------------------------------------------------------
conns=$(bridge_connections)
central_stop
replay 2 30
total=$((total + 30))
e2e_check "2: the local broker PUBACKed all (the gateway's outbox is empty)" e2e_wait 30 daemon_done
e2e_check "2: stored $total" eval '[ "$(e2e_stored)" = $total ]'
central_start || not_ok "2: central broker back"
e2e_check "2: the bridge reconnects" e2e_wait 20 bridge_up_again "$conns"
e2e_check "2: all $total reached the central subscriber" e2e_wait 20 central_has $total

# --- 3: both down; the local broker restarts while the bridge is down ---------
conns=$(bridge_connections)
central_stop
local_stop
replay 3 30
total=$((total + 30))
e2e_check "3: 30 stored while both brokers are down" e2e_wait 20 e2e_stored_at_least $total
local_start || not_ok "3: local broker back"
e2e_check "3: the local broker PUBACKed all" e2e_wait 30 daemon_done
local_stop
local_start || not_ok "3: local broker restarted with the bridge still down"
e2e_check "3: nothing arrived centrally while the bridge was down" eval '[ "$(central_distinct)" = $((total - 30)) ]'
central_start || not_ok "3: central broker back"
e2e_check "3: the bridge reconnects" e2e_wait 20 bridge_up_again "$conns"
e2e_check "3: all $total reached the central subscriber" e2e_wait 30 central_has $total
sleep 1 # a late duplicate would come now

e2e_readings_json
e2e_py "stored ids = distinct ids received centrally: none lost" '
stored = set(m["id"] for m in R)
got = [p["id"] for t, p in P]
assert len(stored) == int(ARGS[0]), (len(stored), ARGS[0])
missing = stored - set(got)
assert not missing, "%d lost: %s" % (len(missing), sorted(missing)[:5])
extra = set(got) - stored
assert not extra, "received ids never stored: %s" % sorted(extra)[:5]
assert all(t.startswith("tenants/acme/homevitals/gw-test/") for t, p in P), P[0][0]
print("stored %d, received %d messages, %d distinct, %d duplicates"
      % (len(stored), len(got), len(set(got)), len(got) - len(set(got))))
' "$total"
sed 's/^/# /' "$tmp/py.out"
e2e_finish
