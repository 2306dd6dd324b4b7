#!/usr/bin/env bash
# A sanity check of the daemon's footprint, not a benchmark: run
# $BUILD/homevitalsd (optionally under an emulator, HV_RUNNER) with MQTT off
# and no system bus for HV_FOOTPRINT_SECONDS (default 20), then replay
# HV_FOOTPRINT_FRAMES scale frames (default 500) through the pipeline into
# the store, and print the peak RSS and the CPU time used.
# Under qemu-user the figures include the emulator's own memory and its
# translation cost: they bound, they do not measure. Real figures need the
# board itself.
#   BUILD=build-arm64 HV_RUNNER=qemu-aarch64-static tests/deb/footprint.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
read -r -a runner <<<"${HV_RUNNER:-}"
seconds=${HV_FOOTPRINT_SECONDS:-20}
frames=${HV_FOOTPRINT_FRAMES:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '{ "mqtt": { "enabled": false }, "store": { "path": "%s/h.db" } }\n' "$tmp" >"$tmp/c.json"

# Xiaomi Mi Scale frames (drivers/xiaomi_mi_scale.c), one a tenth of a second.
python3 - "$frames" >"$tmp/replay.jsonl" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    raw = round((60 + (i % 40) * 0.5) * 200)
    # Each a different second, so none is dropped as a repeat.
    b = bytes([0x02, 0x26, 0xE8, 0x07, 3, 15, 8 + i // 3600, i // 60 % 60, i % 60,
               0xF4, 0x01, raw & 0xFF, raw >> 8])
    print('{"t":%.1f,"service_data":{"181b":"%s"},"address":"C8:0F:10:00:00:01"}' % (i * 0.1, b.hex()))
PY

measure() { # label limit-seconds command...
	local label=$1 limit=$2 pid hwm ticks hz waited=0
	shift 2
	"$@" >/dev/null 2>"$tmp/log" &
	pid=$!
	hwm=0 ticks=0
	hz=$(getconf CLK_TCK)
	# Sampled once a second while it lives (the last sample is within a
	# second of the end); VmHWM is the kernel's own peak.
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$waited" -ge "$limit" ]; then
			kill -TERM "$pid"
		fi
		waited=$((waited + 1))
		if [ -r "/proc/$pid/status" ]; then
			hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "$hwm")
			ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$ticks")
		fi
		sleep 1
	done
	wait "$pid" || true
	echo "$label: peak RSS ${hwm:-?} KiB, CPU $(awk -v t="$ticks" -v h="$hz" 'BEGIN {printf "%.2f", t / h}') s"
}

measure "idle ${seconds}s" "$seconds" "${runner[@]}" "$BUILD/homevitalsd" --config "$tmp/c.json"
measure "replay of $frames frames" 600 "${runner[@]}" "$BUILD/homevitalsd" --config "$tmp/c.json" \
	--replay "$tmp/replay.jsonl"
echo "stored measurements: $(sqlite3 "$tmp/h.db" 'SELECT count(*) FROM measurements' 2>/dev/null || echo '?')"
