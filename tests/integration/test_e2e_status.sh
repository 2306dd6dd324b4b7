#!/usr/bin/env bash
# Per-driver counters (docs/architecture.md, docs/cli.md): homevitalsd
# replays Mi Body Composition Scale 2 adverts, one of them malformed (both
# the pound and the jin bit set), with a real broker and store. The
# retained MQTT status and the status file in RUNTIME_DIRECTORY count, for
# the driver, the frames it claimed, the final ones and the invalid one
# with its reason, and `homevitals status` shows them.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "driver counters in the status"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
python3 - "$tmp/replay.jsonl" <<'PY'
import sys
def frame(control, kg, minute):
    raw = round(kg * 200)
    return bytes([0x02 | control >> 8, control & 0xff, 0xE8, 0x07, 5, 2, 7, minute, 0,
                  0xF4, 0x01, raw & 0xFF, raw >> 8]).hex()
lines = [(0.0, frame(0x26, 64.0, 1)), (0.2, frame(0xA6, 64.0, 1)),
         (0.4, frame(0x66 | 0x100, 64.0, 2)),  # pound and jin: malformed
         (0.6, frame(0xA6, 71.0, 3)),
         (6.5, frame(0xA6, 71.0, 3))]  # the same again, past the status throttle
with open(sys.argv[1], "w") as f:
    for t, hexs in lines:
        f.write('{"t":%.1f,"service_data":{"181b":"%s"},"address":"C8:47:8C:10:30:09"}\n' % (t, hexs))
PY
e2e_config
RUNTIME_DIRECTORY=$tmp e2e_daemon --replay "$tmp/replay.jsonl"
e2e_check "the replay ran to its end" e2e_wait 60 eval '! kill -0 "$daemon_pid"'
e2e_check "the daemon wrote its status file" test -s "$tmp/status.json"
timeout 5 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'homevitals/e2e/status' -C 1 -W 4 \
	>"$tmp/mqtt-status.json" 2>/dev/null
e2e_py "the MQTT status and the file count the driver's frames" '
for name in ("status.json", "mqtt-status.json"):
    st = json.load(open(os.path.join(tmp, name)))
    d = st["drivers"]["xiaomi_mi_scale2"]
    assert d["invalid"] == 1, (name, d)
    assert "jin" in d["last_invalid"], (name, d)
    assert d["claimed"] >= 4 and d["final"] >= 3, (name, d)
    assert "time" in st and st["version"], (name, st)
'
"$HV" status --db "$db" --status-file "$tmp/status.json" >"$tmp/status.txt" 2>&1
e2e_check "homevitals status shows the counts and the last reason" \
	grep -qE 'xiaomi_mi_scale2 +[0-9]+ claimed, +[0-9]+ final, +1 invalid \(last: .*jin' "$tmp/status.txt"
sed 's/^/# /' "$tmp/status.txt"
"$HV" status --db "$db" --status-file "$tmp/status.json" --json >"$tmp/status-cli.json" 2>&1
e2e_py "homevitals status --json carries the daemon report" '
o = json.load(open(os.path.join(tmp, "status-cli.json")))
assert o["daemon"]["reported"]["drivers"]["xiaomi_mi_scale2"]["invalid"] == 1, o["daemon"]
'
e2e_finish
