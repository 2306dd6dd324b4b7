#!/usr/bin/env bash
# Run every test and print one closing line: "N passed, N failed".
#  - cmocka binaries in $BUILD/tests (counted by their own summaries)
#  - fuzz corpus replays in $BUILD/fuzz
#  - integration scripts tests/integration/test_*.sh (TAP "ok"/"not ok" lines)
# HV_VALGRIND=1 runs the unit tests under valgrind. HV_TESTS=pattern filters.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export HV_VECTORS=${HV_VECTORS:-$PWD/tests/vectors}
export ASAN_OPTIONS=${ASAN_OPTIONS:-strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:print_summary=1:halt_on_error=1}
pattern=${HV_TESTS:-}
passed=0
failed=0
failures=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"

count_cmocka() { # log name rc
	local log=$1 name=$2 rc=$3 p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("$name")
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -z "$pattern" ] || [[ $name == *$pattern* ]] || continue
	log=$logdir/$name.log
	if [ "${HV_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	count_cmocka "$log" "$name" "$rc"
	if [ "$rc" -ne 0 ]; then
		echo "--- $name (exit $rc)"; tail -30 "$log"
	else
		echo "ok $name"
	fi
done

for r in "$BUILD"/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=${r##*/replay_}
	[ -z "$pattern" ] || [[ fuzz_$name == *$pattern* ]] || continue
	corpus=tests/fuzz/corpus/$name
	log=$logdir/fuzz_$name.log
	if [ -d "$corpus" ] && "$r" "$corpus"/* >"$log" 2>&1; then
		passed=$((passed + 1)); echo "ok fuzz corpus $name"
	else
		failed=$((failed + 1)); failures+=("fuzz_$name"); echo "--- fuzz corpus $name"; tail -20 "$log"
	fi
done

if [ "${HV_VALGRIND:-0}" != 1 ]; then
	for s in tests/integration/test_*.sh; do
		[ -f "$s" ] || continue
		name=$(basename "$s" .sh)
		[ -z "$pattern" ] || [[ $name == *$pattern* ]] || continue
		log=$logdir/$name.log
		timeout 600 bash "$s" >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		passed=$((passed + p)); failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			failures+=("$name"); echo "--- $name (exit $rc)"; grep -v '^ok ' "$log" | tail -40
		else
			echo "ok $name ($p)"
		fi
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $logdir)"
fi
echo "$passed $failed" >"$logdir/summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
