#!/usr/bin/env bash
# Consumers that scale (docs/fleet.md): two copies of
# scripts/clinic-consumer.py share one MQTT v5 subscription
# ($share/clinic/...). homevitalsd replays weigh-ins from two gateways'
# worth of adverts; together the consumers accept every stored measurement
# exactly once, and each of them takes a part of the stream.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "shared subscription"

consumer_pids=()
shared_cleanup() {
	local rc=$? pid
	for pid in "${consumer_pids[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	(exit "$rc")
	e2e_cleanup
}
trap shared_cleanup EXIT

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }

# consumer N: one copy, accepted lines in $tmp/consumerN.out.
consumer() {
	scripts/clinic-consumer.py --port "$port" --id "clinic-$1" \
		--db "$tmp/consumer$1.db" >"$tmp/consumer$1.out" 2>"$tmp/consumer$1.err" &
	consumer_pids+=($!)
	e2e_wait 10 grep -q "Sending SUBACK to clinic-$1" "$tmp/broker/mosquitto.log"
}
e2e_check "consumer 1 subscribed" consumer 1
e2e_check "consumer 2 subscribed" consumer 2

n=120
python3 - "$tmp/replay.jsonl" "$n" <<'PY'
import sys
# Mi Body Composition Scale 2 adverts, as test_e2e_mqtt.sh: one weigh-in each.
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        kg = (55.0 if i % 2 == 0 else 82.0) + (i // 2) * 0.05
        raw = round(kg * 200)
        sec = i * 60
        b = bytes([0x02, 0xA6, 0xE8, 0x07, 5, 2, 6 + sec // 3600, sec // 60 % 60,
                   sec % 60, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"t":%.3f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:07"}\n'
                % (i * 0.01, b.hex()))
PY
e2e_config
e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "the replay ran to its end" e2e_wait 60 eval '! kill -0 "$daemon_pid"'
e2e_check "$n stored" eval '[ "$(e2e_stored)" = $n ]'
accepted() { cat "$tmp"/consumer[12].out 2>/dev/null | grep -c .; }
e2e_check "the consumers accepted $n together" e2e_wait 20 eval '[ "$(accepted)" -ge $n ]'
sleep 1 # a message delivered to both would arrive now

e2e_readings_json
e2e_py "each stored measurement accepted once, by one consumer; both took a share" '
stored = set(m["id"] for m in R)
got = {}
for c in ("1", "2"):
    with open(os.path.join(tmp, "consumer%s.out" % c)) as f:
        got[c] = [l.split()[0] for l in f if l.strip()]
both = got["1"] + got["2"]
assert len(stored) == int(ARGS[0]), len(stored)
assert set(both) == stored, "missing %d, extra %d" % (len(stored - set(both)), len(set(both) - stored))
assert len(both) == len(set(both)), "%d accepted twice" % (len(both) - len(set(both)))
assert got["1"] and got["2"], "one consumer took everything: %d / %d" % (len(got["1"]), len(got["2"]))
print("consumer 1: %d, consumer 2: %d" % (len(got["1"]), len(got["2"])))
' "$n"
sed 's/^/# /' "$tmp/py.out"
e2e_finish
