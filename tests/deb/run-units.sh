#!/usr/bin/env bash
# Run every unit test of tests/unit/ except those named in
# tests/deb/units.skip, and replay every fuzz corpus, from $BUILD, optionally
# through an emulator:
#   BUILD=build-arm64 HV_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
#       tests/deb/run-units.sh
# Prints "ok NAME" or the tail of the log per test, and last
# "N passed, N failed" (a cmocka binary or a corpus counts one). A test that
# runs longer than HV_UNIT_TIMEOUT seconds (600) is stopped and fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
read -r -a runner <<<"${HV_RUNNER:-}"
runner=(timeout -k 10 "${HV_UNIT_TIMEOUT:-600}" "${runner[@]}")
skip=tests/deb/units.skip
logdir=$BUILD/test-logs
mkdir -p "$logdir"
passed=0
failed=0

record() { # name rc log
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); echo "ok $1"
	elif [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then
		failed=$((failed + 1)); echo "--- $1 (timed out: HV_UNIT_TIMEOUT)"; tail -20 "$3"
	else
		failed=$((failed + 1)); echo "--- $1 (exit $2)"; tail -20 "$3"
	fi
}

for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	grep -qxF "$name" "$skip" && continue
	log=$logdir/$name.log
	if grep -qE 'private_bus\.h|dbus-daemon|mosquitto' "$src"; then
		echo "$src starts a bus or a broker: name it in $skip" >"$log"
		record "$name" 1 "$log"
		continue
	fi
	if [ ! -x "$BUILD/tests/$name" ]; then
		echo "missing $BUILD/tests/$name" >"$log"
		record "$name" 127 "$log"
		continue
	fi
	"${runner[@]}" "$BUILD/tests/$name" >"$log" 2>&1
	record "$name" $? "$log"
done

for r in "$BUILD"/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=${r##*/replay_}
	log=$logdir/fuzz_$name.log
	if [ -d "tests/fuzz/corpus/$name" ]; then
		"${runner[@]}" "$r" "tests/fuzz/corpus/$name"/* >"$log" 2>&1
		record "fuzz corpus $name" $? "$log"
	else
		echo "no corpus tests/fuzz/corpus/$name" >"$log"
		record "fuzz corpus $name" 1 "$log"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
