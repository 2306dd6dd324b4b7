#!/usr/bin/env bash
# homevitals assign with the daemon running: a measurement whose weight fits
# two people is given to one of them; its body composition is derived again
# with her profile, and the daemon (told by SIGHUP) publishes it again on
# her topic with the same id and "correction": true. Real mosquitto on
# 127.0.0.1, a private D-Bus bus standing in for the system bus (no
# bluetoothd: the daemon waits for it), real SQLite store.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh
. scripts/lib/stack.sh

for p in "$HV" "$HVD"; do
	[ -x "$p" ] || missing_dep "cli assign" "$p not built"
done
require "cli assign" mosquitto mosquitto_sub mosquitto_pub dbus-daemon python3
tmp=$(mktemp -d)
cleanup() {
	stop_all
	rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/h.db
write_config "$tmp/replay.json" "$db"

# --- a store with one ambiguous measurement ---------------------------------------------
check "household added" add_household "$db"
{
	mi_frame 30 85.2 # Ben
	mi_frame 32 62.5 # Ann and Cleo both fit: unassigned
} | awk '{ sub(/^\{/, "{\"t\":" (NR - 1) * 0.1 ","); print }' >"$tmp/replay.jsonl"
timeout 30 "$HVD" --config "$tmp/replay.json" --replay "$tmp/replay.jsonl" 2>"$tmp/replay.log"
run_hv 0 unassigned --db "$db" --json
id=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d[0]["id"] if len(d) == 1 else "")' "$out")
check "one unassigned measurement to give away" test -n "$id"
run_hv 0 readings --db "$db" --unassigned --format csv
check "unassigned: no body composition (no profile)" lacks "$out" "mifit"

# --- errors before any daemon ---------------------------------------------------------------
expect_hv "assign to an unknown person: not found" 3 assign "$id" p-nobody --db "$db"
expect_hv "assign an unknown measurement: not found" 3 assign 0123456789abcdef p-ann --db "$db"
expect_hv "assign without a person: usage" 2 assign "$id" --db "$db"
expect_hv "assign without a database: no store" 4 assign "$id" p-ann --db "$tmp/missing.db"
run_hv 0 unassigned --db "$db" --json
check "failed assigns changed nothing" contains "$out" "$id"

# --- the daemon, a broker and a subscriber ------------------------------------------------------
port=$(free_port)
start_private_bus "$tmp" || { not_ok "private bus"; exit 0; }
start_broker "$tmp" "$port" || { not_ok "broker"; exit 0; }
cat >"$tmp/daemon.json" <<CONF
{
  "gateway_id": "test",
  "store": { "path": "$db" },
  "mqtt": { "host": "127.0.0.1", "port": $port, "topic_prefix": "homevitals",
            "reconnect_min_s": 1 },
  "time": { "assume_synchronised": true },
  "assignment": { "tolerance_kg": 1 }
}
CONF
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'homevitals/test/people/+/measurements' \
	-t 'homevitals/test/unassigned/measurements' -t 'homevitals/test/probe' >"$tmp/sub.log" 2>&1 &
HV_PIDS+=($!)
# The subscriber must be listening before the daemon publishes: probe it.
for _ in $(seq 50); do
	mosquitto_pub -h 127.0.0.1 -p "$port" -t homevitals/test/probe -m ready
	grep -q '^homevitals/test/probe ready' "$tmp/sub.log" && break
	sleep 0.1
done
"$HVD" --config "$tmp/daemon.json" 2>"$tmp/daemon.log" &
daemon_pid=$!
HV_PIDS+=($daemon_pid)
echo "$daemon_pid" >"$tmp/homevitalsd.pid"

backlog() { "$HV" status --db "$db" --pid-file "$tmp/homevitalsd.pid" --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["backlog"])'; }
backlog_empty() { [ "$(backlog)" = 0 ]; }
wait_for() { # SECONDS COMMAND...
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
check "the daemon delivers the backlog" wait_for 20 backlog_empty
run_hv 0 status --db "$db" --pid-file "$tmp/homevitalsd.pid"
check "status: running, with its pid" contains "$out" "Daemon:      running (pid $daemon_pid)"
check "status: nothing waiting" contains "$out" "Backlog:     0 measurements"
unassignedmsg() { grep "^homevitals/test/unassigned/measurements " "$tmp/sub.log" | grep -q "$id"; }
check "the unassigned measurement was published as unassigned" wait_for 5 unassignedmsg

# --- assign: re-derived, republished at once ----------------------------------------------------
start=$(date +%s%N)
expect_hv "assign the 62.5 kg measurement to Ann" 0 assign "$id" p-ann --db "$db" \
	--pid-file "$tmp/homevitalsd.pid"
check "... body composition derived again for her" contains "$out" "derived readings computed again"
check "... the daemon was told (SIGHUP)" contains "$out" "Told homevitalsd (pid $daemon_pid)"
annmsg() { grep "^homevitals/test/people/p-ann/measurements " "$tmp/sub.log" | grep "$id"; }
annseen() { annmsg >/dev/null; }
if wait_for 10 annseen; then
	ms=$((($(date +%s%N) - start) / 1000000))
	ok "republished on Ann's topic ($ms ms after assign)"
else
	not_ok "no correction on Ann's topic: $(cat "$tmp/sub.log")"
fi
check "the daemon logged the rescan" grep -q "SIGHUP" "$tmp/daemon.log"
annmsg | head -1 | cut -d' ' -f2- >"$tmp/ann.json"
# Ann: 1.62 m, born 1970-01-01, so 54 at the weighing (2024-03-15).
"$HV" decode --service-data 181b:0226e807030f082000f401d430 \
	--profile height=1.62,age=54.2,sex=female >"$tmp/expected.json"
check "published: same id, person p-ann, correction, BMI 62.5/1.62² and the decoder's body fat" \
	python3 - "$tmp/ann.json" "$tmp/expected.json" "$id" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
exp = {r["metric"]: r for r in json.load(open(sys.argv[2]))["readings"]}
got = {r["metric"]: r for r in m["readings"]}
assert m["id"] == sys.argv[3] and m["person"] == "p-ann" and m["correction"] is True, m
assert abs(got["bmi"]["value"] - 62.5 / 1.62 ** 2) < 0.01, got["bmi"]
assert got["body_fat_percent"]["method"] == "mifit"
assert abs(got["body_fat_percent"]["value"] - exp["body_fat_percent"]["value"]) < 0.05, (got, exp)
assert got["body_weight"]["value"] == 62.5 and got["impedance"]["value"] == 500
PY
run_hv 0 readings --db "$db" --person p-ann --format csv
check "readings: Ann's now, with her BMI" python3 -c '
import csv, io, sys
rows = {r["metric"]: r for r in csv.DictReader(io.StringIO(sys.argv[1]))}
assert abs(float(rows["bmi"]["value"]) - 23.81) < 0.01 and rows["bmi"]["correction"] == "true", rows' "$out"
run_hv 0 readings --db "$db" --metric body_fat_percent --format csv
check "--metric finds the newly derived reading" bash -c '[[ $1 == *"$2"*"p-ann"*"body_fat_percent"*"mifit,true"* ]]' _ "$out" "$id"
run_hv 0 unassigned --db "$db"
check "unassigned: empty now" test "$(printf '%s\n' "$out" | grep -c "$id")" = 0

# Ann was wrong after all: Cleo. Derived again with Cleo's height (1.70 m).
expect_hv "assign again, to Cleo" 0 assign "$id" p-cleo --db "$db" --pid-file "$tmp/homevitalsd.pid"
cleomsg() { grep "^homevitals/test/people/p-cleo/measurements " "$tmp/sub.log" | grep "$id"; }
cleoseen() { cleomsg >/dev/null; }
check "republished on Cleo's topic" wait_for 10 cleoseen
cleomsg | head -1 | cut -d' ' -f2- >"$tmp/cleo.json"
check "Cleo's BMI 62.5/1.70²" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
bmi = [r for r in m["readings"] if r["metric"] == "bmi"]
assert m["person"] == "p-cleo" and len(bmi) == 1 and abs(bmi[0]["value"] - 62.5 / 1.7 ** 2) < 0.01, m' "$tmp/cleo.json"

expect_hv "assign --unassign" 0 assign "$id" --unassign --db "$db" --pid-file "$tmp/homevitalsd.pid"
run_hv 0 unassigned --db "$db" --json
check "back in the unassigned bucket, without derived readings" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 1 and d[0]["id"] == sys.argv[2] and d[0]["person"] is None
assert not [r for r in d[0]["readings"] if "method" in r], d' "$out" "$id"
check "the backlog drains again" wait_for 10 backlog_empty

# --- no daemon: the correction waits in the outbox ----------------------------------------------
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
expect_hv "assign with the daemon stopped" 0 assign "$id" p-ann --db "$db" --pid-file "$tmp/homevitalsd.pid"
check "... says it is not running" contains "$out" "not running"
run_hv 1 status --db "$db" --pid-file "$tmp/homevitalsd.pid"
check "status: not running (exit 1), one waiting" bash -c '[[ $1 == *"not running"* && $1 == *"Backlog:     1 measurement "* ]]' _ "$out"
