#!/usr/bin/env bash
# Each audience's broker in the status (docs/consent.md "Delivery"): the
# community's broker is down while the clinic's is up. The status file, the
# retained MQTT status and `homevitals status` name the community's broker
# unreachable with its rows waiting, and the clinic's connected with none;
# once the community's broker is back, both are connected and nothing waits.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
. tests/helpers/consent.sh
e2e_init "consent_status"

e2e_bus || { not_ok "private bus"; exit 1; }
e2e_broker_start || { not_ok "broker"; exit 1; }
# A free port for the community's broker, which starts only later.
port2=$("$BROKER_SH" start "$tmp/broker2") || { not_ok "community broker"; exit 1; }
"$BROKER_SH" stop "$tmp/broker2" >/dev/null

consent_config
consent_add_ana
"$HV" consent grant p-ana clinic --metrics all "${HVC[@]}" >/dev/null
"$HV" consent grant p-ana community --metrics weight "${HVC[@]}" >/dev/null
consent_weighins "$tmp/r1.jsonl" 57.0 57.2 57.4

# state FILE AUDIENCE: the audience's broker state in a status JSON.
state() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["audiences"][sys.argv[2]]["broker"])' \
		"$1" "$2" 2>/dev/null
}
cli_status() {
	"$HV" status --db "$db" --status-file "$tmp/status.json" "$@" 2>&1
}

RUNTIME_DIRECTORY=$tmp e2e_daemon --replay "$tmp/r1.jsonl"
e2e_check "three measurements stored" e2e_wait 20 e2e_stored_at_least 3
e2e_check "the status file names the community's broker unreachable" \
	e2e_wait 20 eval '[ "$(state "$tmp/status.json" community)" = unreachable ]'
check "  and the clinic's connected" eval '[ "$(state "$tmp/status.json" clinic)" = connected ]'
check "  the main broker is connected" eval \
	'[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"broker\"])" "$tmp/status.json")" = connected ]'
timeout 5 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'homevitals/e2e/status' -C 1 -W 4 \
	>"$tmp/mqtt-status.json" 2>/dev/null
check "the retained MQTT status says the same" eval \
	'[ "$(state "$tmp/mqtt-status.json" community)" = unreachable ] && [ "$(state "$tmp/mqtt-status.json" clinic)" = connected ]'
e2e_check "the clinic's three are delivered" e2e_wait 20 eval \
	'cli_status | grep -q "clinic: broker connected, 0 waiting"'
cli_status >"$tmp/status.txt"
sed 's/^/# /' "$tmp/status.txt"
check "homevitals status: the community's broker unreachable, three waiting" \
	grep -qE '^ +community: broker unreachable \(.+\), 3 waiting$' "$tmp/status.txt"
check "  under the backlog line" grep -q '^Audiences:   ' "$tmp/status.txt"
cli_status --json >"$tmp/status-cli.json"
e2e_py "homevitals status --json counts the rows waiting per audience" '
o = json.load(open(os.path.join(tmp, "status-cli.json")))
assert o["audiences"]["community"]["waiting"] == 3, o
assert o["audiences"]["clinic"]["waiting"] == 0, o
assert o["daemon"]["reported"]["audiences"]["community"]["broker"] == "unreachable", o
'

"$BROKER_SH" start "$tmp/broker2" --port "$port2" >/dev/null || not_ok "community broker restart"
HV_PIDS+=("$(cat "$tmp/broker2/pid")")
e2e_check "the community's broker back: connected in the status file" \
	e2e_wait 30 eval '[ "$(state "$tmp/status.json" community)" = connected ]'
e2e_check "  its rows go out and the replay ends" e2e_wait 30 eval '! kill -0 "$daemon_pid"'
cli_status >"$tmp/status.txt"
sed 's/^/# /' "$tmp/status.txt"
check "homevitals status: the community's broker connected, nothing waiting" \
	grep -qE '^ +community: broker connected, 0 waiting$' "$tmp/status.txt"
"$BROKER_SH" stop "$tmp/broker2" >/dev/null
e2e_finish
