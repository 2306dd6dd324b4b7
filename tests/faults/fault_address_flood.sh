#!/usr/bin/env bash
# An address-rotation flood: while one real scale weighs people, a spoofer
# in radio range (no local access needed) advertises as a Mi scale under
# FLOOD (default 5000) addresses never seen again, one after the other
# (the vdev's "rotate" action: bluetoothd drops each old object and
# announces the new one). From outside: the daemon's memory stays
# bounded (its device table holds at most 512 entries, docs/bluez.md), the
# real scale's weigh-ins are all stored and delivered.
set -u
cd "$(dirname "$0")/../.."
. tests/faults/lib.sh
e2e_init fault_address_flood
FLOOD=${HV_FAULT_FLOOD:-5000}
start=$SECONDS

python3 - "$tmp/scenario.json" "$FLOOD" <<'PY'
import json, sys
path, flood = sys.argv[1], int(sys.argv[2])
devices = [{"id": "real", "model": "mi_scale", "driver": "xiaomi_mi_scale2",
            "address": "C8:47:8C:30:00:01", "name": "MIBFS"}]
timeline = []
for i in range(20):
    timeline.append({"t": 2 + i * 1.5, "device": "real", "do": "weigh", "interval": 0.1,
                     "time": "2026-04-01T07:%02d:00" % i,
                     "readings": {"body_weight": 70 + i * 0.1, "impedance": 500}})
devices.append({"id": "spoofer", "model": "mi_scale", "driver": "xiaomi_mi_scale2",
                "address": "DE:AD:00:00:00:00", "name": "MIBFS"})
timeline.append({"t": 1, "device": "spoofer", "do": "rotate", "count": flood,
                 "interval": 25.0 / flood})
timeline.sort(key=lambda e: e["t"])
json.dump({"name": "flood", "end": 36, "devices": devices, "timeline": timeline}, open(path, "w"))
PY

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$daemon_pid/status" 2>/dev/null || echo 0; }

e2e_bus
e2e_broker_start
e2e_config
e2e_sub fault-sub
e2e_vdev "$tmp/scenario.json"
e2e_daemon
e2e_check "the real scale's first weigh-in is stored" e2e_wait 30 e2e_stored_at_least 1
rss_start=$(rss_kb)
peak=$rss_start
while kill -0 "$vdev_pid" 2>/dev/null; do
	r=$(rss_kb)
	[ "$r" -gt "$peak" ] && peak=$r
	sleep 0.5
done
e2e_wait_vdev 5
rotated=$(grep -c 'spoofer advert' "$tmp/vdev.out")
e2e_check "the spoofer advertised under $FLOOD addresses ($rotated adverts)" [ "$rotated" -ge "$FLOOD" ]
growth=$(((peak - rss_start) / 1024))
e2e_check "daemon memory bounded under $FLOOD addresses (RSS $((rss_start / 1024)) → peak $((peak / 1024)) MiB)" \
	[ "$growth" -le 4 ]
e2e_check "the daemon keeps running" kill -0 "$daemon_pid"
real=$(sqlite3 -cmd ".timeout 5000" "$db" \
	"SELECT count(*) FROM measurements WHERE device_address = 'C8:47:8C:30:00:01';")
e2e_check "every real weigh-in was stored ($real of 20)" [ "$real" -eq 20 ]
e2e_check "the backlog drains to 0" e2e_wait 60 e2e_backlog_empty
sleep 1
faults_stored_ids >"$tmp/stored.ids"
faults_received_ids >"$tmp/received.ids"
stored=$(grep -c . "$tmp/stored.ids")
received=$(grep -c . "$tmp/received.ids")
lost=$(comm -3 "$tmp/stored.ids" "$tmp/received.ids" | grep -c .)
e2e_check "every stored measurement was delivered ($lost differ)" [ "$lost" -eq 0 ]
faults_row "address flood ($FLOOD spoofed scales, peak +${growth} MiB)" "$stored" "$received" "$lost" \
	"$(($(faults_received_total) - received))" "$((SECONDS - start))"
e2e_finish
