#!/usr/bin/env bash
# Runs every $BUILD/bench/bench_* binary and bench/bench_*.sh script, after
# stating the machine.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
echo "machine: $(uname -srm), $(nproc) CPU(s): $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "mosquitto: $(mosquitto -h 2>/dev/null | head -1)"
rc=0
for b in "$BUILD"/bench/bench_* bench/bench_*.sh; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || rc=1
done
exit $rc
