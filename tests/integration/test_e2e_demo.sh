#!/usr/bin/env bash
# End to end: `make demo DEMO_SECONDS=N` (scripts/demo.sh) runs the whole
# stack on the household of firmware-host/scenarios/demo.json, exits 0 and
# stops everything it started. The household's readings are published and
# stored: both people's weigh-ins (assigned, with body composition), the
# blood pressure cuff's three stored readings and the one taken during the
# demo, the heart-rate strap's series.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/e2e.sh
e2e_init "e2e demo"

TMPDIR=$tmp BUILD=$BUILD DEMO_SECONDS=50 timeout 120 scripts/demo.sh >"$tmp/demo.out" 2>&1
rc=$?
e2e_check "demo exited 0 (got $rc)" test "$rc" = 0
demo_dir=$(sed -n 's/.*store \(.*\)\/homevitals.db$/\1/p' "$tmp/demo.out" | head -1)
e2e_check "demo removed its folder" eval '[ -n "$demo_dir" ] && [ ! -e "$demo_dir" ]'
e2e_check "demo left no process behind" eval '! pgrep -f "${demo_dir:-/nonexistent}" >/dev/null'

# Published lines (scripts/demo_listen.py: time, person, model, readings)
# come before "demo: N s elapsed", the stored table after it.
published() { sed '/^demo: .* elapsed/,$d' "$tmp/demo.out" | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z  '; }
stored() { sed -n '/^demo: .* elapsed/,$p' "$tmp/demo.out"; }
count() { published | grep -E -c "$1"; }
e2e_check "Karl's two weigh-ins published, assigned, with body composition" \
	eval '[ "$(count "p-karl +xiaomi_mi_scale2 +body_weight 82\.[46] kg, impedance 50[03] Ohm, bmi")" = 2 ]'
e2e_check "Anna's weigh-in published, assigned, with body composition" \
	eval '[ "$(count "p-anna +xiaomi_mi_scale2 +body_weight 64\.2 kg, impedance 561 Ohm, bmi")" = 1 ]'
e2e_check "the cuff's three stored readings published, with the cuff's dates" \
	eval '[ "$(count "^2025-03-0[123]T07:[0-9:]+Z +unassigned +sig_blood_pressure +systolic_pressure (121|128|118) ")" = 3 ]'
e2e_check "the reading taken during the demo published" \
	eval '[ "$(count "sig_blood_pressure +systolic_pressure 124 mm\[Hg\], diastolic_pressure 81")" = 1 ]'
e2e_check "the heart-rate strap's series published (72 74 77 75 73)" \
	eval '[ "$(published | grep sig_heart_rate | sed -n "s/.*heart_rate \([0-9]*\) .*/\1/p" | tr "\n" " ")" = "72 74 77 75 73 " ]'
e2e_check "nothing published twice" eval '[ -z "$(published | sort | uniq -d)" ]'
e2e_check "the stored table lists every reading" \
	eval '[ "$(stored | grep -c -E "^[0-9T:-]+Z +(p-karl|p-anna) +xiaomi_mi_scale2 +body_weight ")" = 3 ] &&
	      [ "$(stored | grep -c -E "sig_blood_pressure +systolic_pressure ")" = 4 ] &&
	      [ "$(stored | grep -c -E "sig_heart_rate +heart_rate ")" = 5 ]'
[ -s "$tmp/failed" ] && sed 's/^/# /' "$tmp/demo.out" | tail -60
echo "1..$tap_n"
