#!/usr/bin/env bash
# SIGKILL storm: homevitalsd is killed (kill -9) at random moments while
# scales advertise weigh-ins, and started again at once, KILLS times
# (default 100). Then one clean run until the backlog is empty. From
# outside: the store passes PRAGMA integrity_check, every id a persistent
# QoS 1 subscriber saw is in the store, every stored measurement reached
# the subscriber, and redeliveries (same id again) are counted.
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
e2e_init fault_sigkill
KILLS=${HV_FAULT_KILLS:-100}
SCALES=3
EACH=30
start=$SECONDS

e2e_bus
e2e_broker_start
e2e_config
e2e_sub fault-sub
faults_scenario "$tmp/scenario.json" "$SCALES" "$EACH"
e2e_vdev "$tmp/scenario.json"
e2e_daemon

# Random moments across the scenario (about 1.2 s x EACH long).
kills=0
while [ "$kills" -lt "$KILLS" ] && kill -0 "$vdev_pid" 2>/dev/null; do
	sleep "0.$((RANDOM % 6 + 1))$((RANDOM % 10))"
	kill -9 "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	kills=$((kills + 1))
	e2e_daemon
done
# Whatever is left of the scenario runs with a living daemon.
e2e_wait_vdev 120
e2e_check "the scenario ran to its end ($kills kills)" [ "$kills" -gt 0 ]
e2e_check "the last daemon drains the backlog to 0" e2e_wait 60 e2e_backlog_empty
sleep 1 # the subscriber's last lines

faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
total=$(faults_received_total)
lost=$(comm -13 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
undelivered=$(comm -23 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)

e2e_check "PRAGMA integrity_check is ok after $kills SIGKILLs" faults_integrity
e2e_check "measurements were stored ($stored)" [ "$stored" -gt 0 ]
e2e_check "every id the subscriber saw is in the store ($lost missing)" [ "$lost" -eq 0 ]
e2e_check "every stored measurement was delivered ($undelivered not)" [ "$undelivered" -eq 0 ]
faults_row "SIGKILL x$kills while readings flow" "$stored" "$received" \
	"$((lost + undelivered))" "$((total - received))" "$((SECONDS - start))"
e2e_finish
