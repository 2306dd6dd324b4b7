#!/usr/bin/env bash
# The broker's ACL refuses the gateway's measurement topic (MQTT 5: PUBACK
# with reason 0x87, then mosquitto closes the connection) while readings
# flow: nothing is marked delivered, nothing is lost, the backlog shows in
# the store, on the retained status topic and in `homevitals status`; once
# the ACL allows the topic (the broker reloads it on SIGHUP), the backlog
# drains and every stored measurement reaches the subscriber.
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
e2e_init fault_acl_refusal
start=$SECONDS

# write_acl ALLOW: anonymous clients read everything and write the
# gateway's availability and status; with ALLOW=1 its unassigned
# measurements too (nobody is set up here: every measurement is unassigned).
write_acl() {
	{
		echo "topic read homevitals/#"
		echo "topic write homevitals/e2e/availability"
		echo "topic write homevitals/e2e/status"
		[ "$1" = 1 ] && echo "topic write homevitals/e2e/unassigned/#"
	} >"$tmp/acl"
}
delivered_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" "SELECT count(*) FROM outbox WHERE state = 'delivered';"
}
refused_rows() {
	sqlite3 -cmd ".timeout 2000" "$db" \
		"SELECT count(*) FROM outbox WHERE state = 'pending' AND last_error LIKE '%Not authorized (0x87)%';"
}
refused_at_least() { [ "$(refused_rows)" -ge "$1" ]; }
# The retained status's backlog, as a subscriber sees it.
status_backlog() {
	mosquitto_sub -h 127.0.0.1 -p "$port" -t homevitals/e2e/status -C 1 -W 5 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["backlog"])'
}
status_backlog_at_least() { [ "$(status_backlog)" -ge "$1" ]; }

e2e_bus
write_acl 0
port=$("$BROKER_SH" start "$tmp/broker" --acl "$tmp/acl") || port=""
[ -n "$port" ] && HV_PIDS+=("$(cat "$tmp/broker/pid")")
e2e_check "mosquitto with an acl_file" [ -n "$port" ]
e2e_config
e2e_sub fault-sub
faults_scenario "$tmp/scenario.json" 1 24
e2e_vdev "$tmp/scenario.json"
e2e_daemon
e2e_check "readings are stored while the topic is refused" e2e_wait 40 e2e_stored_at_least 6
e2e_check "the broker refused them: pending with 'Not authorized (0x87)'" e2e_wait 30 refused_at_least 1
e2e_check "nothing marked delivered ($(delivered_rows))" [ "$(delivered_rows)" = 0 ]
e2e_check "the subscriber received none" [ ! -s "$tmp/sub.out" ]
backlog=$(e2e_backlog)
e2e_check "the backlog shows in the store ($backlog)" [ "$backlog" -ge 6 ]
e2e_check "... on the retained status topic" e2e_wait 20 status_backlog_at_least 6
run_hv 0 status --db "$db" --pid-file "$tmp/none.pid" --json >/dev/null 2>&1
e2e_check "... and in homevitals status" python3 -c '
import json, sys
assert json.loads(sys.argv[1])["backlog"] >= 6' "$out"

write_acl 1
kill -HUP "$(cat "$tmp/broker/pid")"
allowed=$SECONDS
e2e_check "allowed: the backlog drains to 0" e2e_wait 120 e2e_backlog_empty
drain=$((SECONDS - allowed))
e2e_wait_vdev 90
e2e_check "and stays drained to the scenario's end" e2e_wait 60 e2e_backlog_empty
e2e_check "no row left with the refusal" [ "$(refused_rows)" = 0 ]
sleep 1

faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
total=$(faults_received_total)
lost=$(comm -3 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
e2e_check "every stored measurement was received, no stranger ($lost differ)" [ "$lost" -eq 0 ]
e2e_check "PRAGMA integrity_check is ok" faults_integrity
faults_row "broker ACL refuses the topic, then allows it (drained in ${drain} s)" "$stored" \
	"$received" "$lost" "$((total - received))" "$((SECONDS - start))"
e2e_finish
