#!/usr/bin/env bash
# Disk full on a real small file system (a 4 MiB tmpfs holding the store):
# while readings flow the disk is filled to the last byte. From outside:
# a clear log line, the storage state in the retained MQTT status, nothing
# stored before is lost, and capture resumes by itself once space returns.
# Needs root to mount the tmpfs (CI runs check-faults as root).
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
if [ "$(id -u)" -ne 0 ]; then
	echo "ok 1 - fault_disk_full # SKIP mounting a tmpfs needs root (make check-faults runs as root in CI)"
	exit 0
fi
e2e_init fault_disk_full
start=$SECONDS
small=$tmp/small
mkdir -p "$small"
mount -t tmpfs -o size=4m,mode=0755 tmpfs "$small" || { echo "not ok 1 - mount a tmpfs"; exit 1; }
# The e2e trap stops the processes; the file system goes after them.
trap 'e2e_cleanup_small' EXIT
e2e_cleanup_small() {
	local rc=$?
	stop_all
	umount "$small" 2>/dev/null
	(exit "$rc")
	e2e_cleanup
}
db=$small/homevitals.db

status_has() { # the retained status mentions WORD
	timeout 3 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'homevitals/e2e/status' -C 1 -W 2 2>/dev/null |
		grep -q "$1"
}

e2e_bus
e2e_broker_start
e2e_config
e2e_sub fault-sub
faults_scenario "$tmp/scenario.json" 2 40
e2e_vdev "$tmp/scenario.json"
e2e_daemon
e2e_check "readings are stored on the small disk" e2e_wait 30 e2e_stored_at_least 5
e2e_wait 20 e2e_backlog_empty
faults_stored_ids >"$tmp/before.ids"
dd if=/dev/zero of="$small/filler" bs=16k >/dev/null 2>&1 # to the last byte
full_at=$(grep -c . "$tmp/before.ids")
e2e_check "the daemon says the disk is full in its log" \
	e2e_wait 30 grep -qiE 'disk full|no space|database or disk is full' "$tmp/homevitalsd.log"
e2e_check "the retained status shows the storage problem" e2e_wait 20 status_has '"storage":"full"'
e2e_check "the daemon keeps running" kill -0 "$daemon_pid"
rm -f "$small/filler"
e2e_check "capture resumes by itself once space returns" \
	e2e_wait 60 e2e_stored_at_least $((full_at + 3))
e2e_check "the status says storage ok again" e2e_wait 30 status_has '"storage":"ok"'
e2e_wait_vdev 120
e2e_check "the backlog drains to 0" e2e_wait 60 e2e_backlog_empty
sleep 1
faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
kept=$(comm -23 "$tmp/before.ids" "$tmp/stored.ids" | grep -c .)
e2e_check "nothing stored before the disk filled was lost ($kept missing)" [ "$kept" -eq 0 ]
e2e_check "PRAGMA integrity_check is ok" faults_integrity
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
lost=$(comm -3 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
e2e_check "every stored measurement was delivered ($lost differ)" [ "$lost" -eq 0 ]
faults_row "disk full (4 MiB tmpfs), then space back" "$stored" "$received" \
	"$((lost + kept))" "$(($(faults_received_total) - received))" "$((SECONDS - start))"
e2e_finish
