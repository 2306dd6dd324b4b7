#!/usr/bin/env bash
# An advert flood with address churn: homevitals-vdev announces a Mi scale
# under HV_BENCH_FLOOD (default 10,000) new addresses, HV_BENCH_FLOOD_RATE
# (default 1,000) a second, the way a spoofer or a crowd of privacy
# addresses would (docs/vdev.md, "rotate"). Measured: the daemon's CPU time
# per advert and its memory at the start, peak and end; beside it, in the
# same run, dbus-monitor receiving the same bus traffic and writing it out
# (--pcap to /dev/null), the bare cost of taking those messages off the bus.
# It measures; it asserts no time.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
. tests/helpers/e2e.sh
e2e_init bench_flood
require bench_flood dbus-monitor
FLOOD=${HV_BENCH_FLOOD:-10000}
RATE=${HV_BENCH_FLOOD_RATE:-1000}

say() { echo "bench_flood: $*"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

python3 - "$tmp/flood.json" "$FLOOD" "$RATE" <<'PY'
import json, sys
path, flood, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
json.dump({"name": "flood", "end": 2 + flood / rate + 2,
           "devices": [{"id": "spoofer", "model": "mi_scale", "driver": "xiaomi_mi_scale2",
                        "address": "DE:AD:00:00:00:00", "name": "MIBFS"}],
           "timeline": [{"t": 1, "device": "spoofer", "do": "rotate", "count": flood,
                         "interval": 1.0 / rate}]},
          open(path, "w"))
PY

e2e_bus || exit 1
e2e_broker_start || exit 1
e2e_config
sed -i 's/"log_level": "debug"/"log_level": "info"/' "$tmp/homevitals.json"
e2e_daemon
dbus-monitor --system --pcap >/dev/null 2>"$tmp/monitor.err" &
monitor_pid=$!
HV_PIDS+=("$monitor_pid")
e2e_wait 10 grep -q "running" "$tmp/homevitalsd.log"
sleep 1
d0=$(cpu_ticks "$daemon_pid")
m0=$(cpu_ticks "$monitor_pid")
rss0=$(rss_kb "$daemon_pid")
peak=$rss0
start=$(date +%s.%N)
e2e_vdev "$tmp/flood.json"
while kill -0 "$vdev_pid" 2>/dev/null; do
	r=$(rss_kb "$daemon_pid")
	[ "${r:-0}" -gt "$peak" ] && peak=$r
	sleep 0.2
done
sleep 1
d1=$(cpu_ticks "$daemon_pid")
m1=$(cpu_ticks "$monitor_pid")
rss1=$(rss_kb "$daemon_pid")
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
adverts=$(grep -c 'spoofer advert' "$tmp/vdev.out")
hz=$(getconf CLK_TCK)
per_advert() { # TICKS: µs per advert
	awk -v t="$1" -v hz="$hz" -v n="$adverts" 'BEGIN { printf "%.1f", n ? t / hz * 1e6 / n : 0 }'
}
say "$adverts adverts under as many addresses in ${elapsed} s ($FLOOD asked at $RATE/s)"
say "  homevitalsd     $(per_advert $((d1 - d0))) µs of CPU per advert"
say "  dbus-monitor    $(per_advert $((m1 - m0))) µs of CPU per advert (the same messages, taken off the bus and written out)"
say "  ratio           $(awk -v d=$((d1 - d0)) -v m=$((m1 - m0)) 'BEGIN { printf "%.2f", m ? d / m : 0 }')x the bare receiver"
say "  daemon memory   VmRSS $rss0 KiB at the start, $peak KiB at the peak, $rss1 KiB at the end"
e2e_finish >/dev/null
