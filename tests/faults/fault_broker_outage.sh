#!/usr/bin/env bash
# A broker outage while readings accumulate, then the broker back: every
# stored measurement reaches the persistent subscriber (0 lost), and the
# time from the broker's return to an empty backlog is reported.
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
e2e_init fault_broker_outage
start=$SECONDS

e2e_bus
e2e_broker_start --persist
e2e_config
e2e_sub fault-sub
faults_scenario "$tmp/scenario.json" 2 20
e2e_vdev "$tmp/scenario.json"
e2e_daemon
e2e_check "readings flow before the outage" e2e_wait 30 e2e_stored_at_least 3
e2e_broker_stop
down_at=$(e2e_stored)
e2e_check "readings keep being stored while the broker is down" \
	e2e_wait 40 e2e_stored_at_least $((down_at + 10))
backlog_down=$(e2e_backlog)
e2e_check "they wait in the outbox (backlog $backlog_down)" [ "$backlog_down" -gt 0 ]
e2e_broker_restart
back=$SECONDS
e2e_check "the backlog drains to 0 once the broker is back" e2e_wait 60 e2e_backlog_empty
drain=$((SECONDS - back))
e2e_wait_vdev 90
e2e_check "and stays drained to the scenario's end" e2e_wait 60 e2e_backlog_empty
sleep 1

faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
total=$(faults_received_total)
lost=$(comm -3 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
e2e_check "every stored measurement was received, no stranger ($lost differ)" [ "$lost" -eq 0 ]
faults_row "broker outage, then back (drained in ${drain} s)" "$stored" "$received" \
	"$lost" "$((total - received))" "$((SECONDS - start))"
e2e_finish
