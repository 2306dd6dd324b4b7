#!/usr/bin/env bash
# Run every test and print one closing line: "N passed, N failed, N skipped".
#  - cmocka binaries in $BUILD/tests (counted by their own summaries; a
#    cmocka skip() is a skip)
#  - fuzz corpus replays in $BUILD/fuzz
#  - integration scripts tests/integration/test_*.sh (TAP "ok"/"not ok"
#    lines; "ok … # SKIP reason" is a skip, never a pass)
# A skip is only for what this machine cannot do as this user (root-only
# checks run as a user, for instance) and says why. A tool that
# scripts/deps.sh installs for `make check` is never a reason to skip: the
# test fails instead (HV_ALLOW_MISSING_TOOLS=1 turns that into a skip).
# $BUILD/test-logs/summary holds "passed failed skipped".
# HV_VALGRIND=1 runs the unit tests under valgrind. HV_JOBS=N runs N at once. HV_TESTS=pattern filters:
# names containing it; 'a|b' runs the names containing a or b.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
export HV_VECTORS=${HV_VECTORS:-$PWD/tests/vectors}
# Debian keeps daemons (mosquitto) in the sbin folders, which are not on an
# ordinary user's PATH.
for d in /usr/local/sbin /usr/sbin /sbin; do
	case ":$PATH:" in *":$d:"*) ;; *) PATH=$PATH:$d ;; esac
done
export PATH
export ASAN_OPTIONS=${ASAN_OPTIONS:-strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:print_summary=1:halt_on_error=1}
pattern=${HV_TESTS:-}
IFS='|' read -r -a patterns <<<"$pattern"
selected() { # NAME: wanted by HV_TESTS?
	local p
	[ -z "$pattern" ] && return 0
	for p in "${patterns[@]}"; do
		[ -n "$p" ] && [[ $1 == *"$p"* ]] && return 0
	done
	return 1
}
passed=0
failed=0
skipped=0
failures=()
skips=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"

sum_of() { # regex-with-one-group log
	sed -n "s/$1/\\1/p" "$2" | awk '{s+=$1} END {print s+0}'
}

count_cmocka() { # log name rc
	local log=$1 name=$2 rc=$3 p f s
	p=$(sum_of '^\[  PASSED  \] \([0-9]*\) test.*' "$log")
	f=$(sum_of '^\[  FAILED  \] \([0-9]*\) test.*' "$log")
	s=$(sum_of '^\[  SKIPPED \] \([0-9]*\) test.*' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, or a sanitizer stopped it
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failures+=("$name")
	[ "$s" -eq 0 ] || skips+=("$name: $(sed -n 's/^\[  SKIPPED \] \(test_[^ ]*\)$/\1/p' "$log" | sort -u | tr '\n' ' ')")
	if [ "$rc" -ne 0 ]; then
		echo "--- $name (exit $rc)"; tail -30 "$log"
	else
		echo "ok $name"
	fi
}

count_fuzz() { # log name rc
	if [ "$3" -eq 0 ]; then
		passed=$((passed + 1)); echo "ok fuzz corpus ${2#fuzz_}"
	else
		failed=$((failed + 1)); failures+=("$2"); echo "--- fuzz corpus ${2#fuzz_}"; tail -20 "$1"
	fi
}

count_tap() { # log name rc
	local log=$1 name=$2 rc=$3 p f k line
	k=$(grep -c -i '^ok .*# *skip' "$log")
	p=$(($(grep -c '^ok ' "$log") - k))
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
	while IFS= read -r line; do
		skips+=("$name: ${line#ok }")
	done < <(grep -i '^ok .*# *skip' "$log")
	if [ "$f" -ne 0 ]; then
		# the failed checks first: a chatty log's tail may not reach them
		failures+=("$name"); echo "--- $name (exit $rc)"
		grep '^not ok ' "$log"
		grep -v '^ok ' "$log" | tail -40
	else
		echo "ok $name ($p$([ "$k" -eq 0 ] || echo ", $k skipped"))"
	fi
}

# The tests wait on brokers, buses and daemons far more than they compute,
# so a few run at once (HV_JOBS, one more than the cores by default; 1 runs
# them one after the other). Each has its own temporary folder and ports.
jobs_max=${HV_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 1))}
rcdir=$(mktemp -d)
trap 'rm -rf "$rcdir"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
queued=() # "kind name log" of the started jobs not yet counted

start_job() { # kind name log command...
	local kind=$1 name=$2 log=$3
	shift 3
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
		count_finished
	done
	("$@" >"$log" 2>&1; echo $? >"$rcdir/$kind-$name") &
	queued+=("$kind $name $log")
}

count_finished() {
	local job kind name log rest=()
	for job in "${queued[@]}"; do
		read -r kind name log <<<"$job"
		if [ -s "$rcdir/$kind-$name" ]; then
			"count_$kind" "$log" "$name" "$(cat "$rcdir/$kind-$name")"
		else
			rest+=("$job")
		fi
	done
	queued=("${rest[@]}")
}

run_unit() { # binary
	if [ "${HV_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp "$1"
	else
		"$1"
	fi
}

run_corpus() { # replayer corpus
	[ -d "$2" ] && "$1" "$2"/*
}

# The slowest first, so that the last minutes are not one long test alone.
if [ "${HV_VALGRIND:-0}" != 1 ]; then
	for s in tests/integration/test_*.sh; do
		[ -f "$s" ] || continue
		name=$(basename "$s" .sh)
		selected "$name" || continue
		# a unit test of the same name runs beside it: each its own log
		log=$logdir/$name.log
		[ -e "$BUILD/tests/$name" ] && log=$logdir/$name.sh.log
		start_job tap "$name" "$log" timeout 600 bash "$s"
	done
fi

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	selected "$name" || continue
	start_job cmocka "$name" "$logdir/$name.log" run_unit "$t"
done

for r in "$BUILD"/fuzz/replay_*; do
	[ -x "$r" ] || continue
	name=fuzz_${r##*/replay_}
	selected "$name" || continue
	start_job fuzz "$name" "$logdir/$name.log" run_corpus "$r" "tests/fuzz/corpus/${name#fuzz_}"
done

wait
count_finished

if [ ${#skips[@]} -gt 0 ]; then
	echo "skipped here (and why):"
	printf '  %s\n' "${skips[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $logdir)"
fi
echo "$passed $failed $skipped" >"$logdir/summary"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
