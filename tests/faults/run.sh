#!/usr/bin/env bash
# make check-faults: each tests/faults/fault_*.sh starts real processes
# (a private dbus-daemon, the virtual devices, mosquitto, homevitalsd on a
# SQLite file), injects one fault and counts from outside the daemon. Prints
# the TAP lines, the summary table (docs/reliability.md) and last
# "N passed, N failed, N skipped". HV_TESTS=pattern filters.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export BUILD
out=$BUILD/faults
rm -rf "$out"
mkdir -p "$out"
passed=0 failed=0 skipped=0
for s in tests/faults/fault_*.sh; do
	name=$(basename "$s" .sh)
	[ -z "${HV_TESTS:-}" ] || [[ $name == *$HV_TESTS* ]] || continue
	log=$out/$name.log
	started=$SECONDS
	timeout 900 bash "$s" >"$log" 2>&1
	rc=$?
	p=$(grep -E '^ok ' "$log" | grep -vc '# SKIP')
	k=$(grep -E '^ok .*# SKIP' "$log" | grep -c .)
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
	if [ "$f" -ne 0 ]; then
		echo "--- $name (exit $rc, $((SECONDS - started)) s)"
		grep -v '^ok ' "$log" | tail -60
	else
		grep -E '^ok ' "$log" | sed "s/^/$name: /"
	fi
done
if [ -s "$out/summary.tsv" ]; then
	echo
	printf '| %-44s | %6s | %9s | %4s | %10s | %7s |\n' scenario stored delivered lost duplicated seconds
	printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" -------- ----------- ------ ------------ ---------
	while IFS=$'\t' read -r sc st de lo du se _; do
		printf '| %-44s | %6s | %9s | %4s | %10s | %7s |\n' "$sc" "$st" "$de" "$lo" "$du" "$se"
	done <"$out/summary.tsv"
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
fi
echo "$passed $failed $skipped" >"$out/counts"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
