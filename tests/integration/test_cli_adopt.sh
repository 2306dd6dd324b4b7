#!/usr/bin/env bash
# A neighbour's scale is not a patient's scale (docs/people.md "Adopting a
# device"): two Mi scales of the same model weigh through the real pipeline
# (homevitalsd --replay). The household's, heard first, adopts itself and
# assigns; the neighbour's weigh-ins are stored unassigned and never move
# the person's last weight, until `homevitals devices adopt` — which can
# give its backlog too.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

for p in "$HV" "$HVD"; do
	[ -x "$p" ] || missing_dep "cli adopt" "$p not built"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/h.db
write_config "$tmp/c.json" "$db"
OURS=C8:0F:10:00:00:01
THEIRS=C8:0F:10:00:00:77

# replay FILE FRAME...: frames 0.1 s apart through the daemon.
replay() {
	local f=$1
	shift
	printf '%s\n' "$@" | awk '{ sub(/^\{/, "{\"t\":" (NR - 1) * 0.1 ","); print }' >"$f"
	timeout 30 "$HVD" --config "$tmp/c.json" --replay "$f" 2>>"$tmp/daemon.log"
}
theirs() { sed "s/$OURS/$THEIRS/"; }
# person_of KG: the person ("" unassigned) of the one body weight of KG.
person_of() {
	"$HV" readings --db "$db" --metric body_weight --format json | python3 -c '
import json, sys
rows = [m for m in json.load(sys.stdin)
        if any(abs(r.get("value", 0) - float(sys.argv[1])) < 1e-6 for r in m["readings"])]
assert len(rows) == 1, rows
print(rows[0]["person"] or "")' "$1"
}
expect_person() { # NAME KG PERSON
	local got
	got=$(person_of "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1: got '$got', expected '$3'"; fi
}
last_weight() {
	"$HV" people list --db "$db" --json | python3 -c '
import json, sys
print([p for p in json.load(sys.stdin) if p["id"] == "p-ben"][0]["last_weight_kg"])'
}

expect_hv "Ben added (80-90 kg)" 0 people add --db "$db" --id p-ben --weight-range 80-90

if replay "$tmp/r1.jsonl" "$(mi_frame 30 85.2)" "$(mi_frame 31 88.5 | theirs)"; then
	ok "both scales replayed through the daemon"
else
	not_ok "replay failed: $(tail -5 "$tmp/daemon.log")"
fi
expect_person "our scale, heard first, adopted itself: Ben's" 85.2 p-ben
expect_person "the neighbour's scale of the same model: unassigned" 88.5 ""
check "Ben's last weight is from his own scale" test "$(last_weight)" = 85.2
check "the daemon said so" grep -q "$THEIRS.*a device not adopted" "$tmp/daemon.log"
run_hv 0 devices --db "$db"
check "devices: ours adopted, theirs not" bash -c '
	grep -q "^$1 .* yes" <<<"$3" && grep -q "^$2 .* no" <<<"$3"' _ "$OURS" "$THEIRS" "$out"
run_hv 0 devices --db "$db" --json
check "devices --json: adopted true/false, adopted_for null" python3 -c '
import json, sys
d = {x["address"]: x for x in json.loads(sys.argv[1])}
assert d[sys.argv[2]]["adopted"] is True and d[sys.argv[2]]["adopted_for"] is None, d
assert d[sys.argv[3]]["adopted"] is False, d' "$out" "$OURS" "$THEIRS"
run_hv 0 status --db "$db" --pid-file "$tmp/none.pid"
check "status: one adopted, one not" contains "$out" "1 adopted, 1 not adopted (their readings stay unassigned"
run_hv 0 status --db "$db" --pid-file "$tmp/none.pid" --json
check "status --json: devices_not_adopted" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["devices"] == 2 and s["devices_not_adopted"] == 1, s' "$out"

expect_hv "adopt: malformed address" 2 devices adopt C8:0F:10 --db "$db"
expect_hv "adopt: unknown person" 3 devices adopt "$THEIRS" --person p-nobody --db "$db"
expect_hv "adopt: --backlog needs --person" 2 devices adopt "$THEIRS" --backlog --db "$db"
expect_hv "forget: a device not adopted" 3 devices forget "$THEIRS" --db "$db"
check "... nothing adopted by the refusals" bash -c '"$1" devices --db "$2" | grep -q "^$3 .* no"' _ "$HV" "$db" "$THEIRS"

# It was Ben's second scale after all: adopt it for him, with its backlog.
expect_hv "adopt the neighbour's scale for Ben, with its backlog" 0 \
	devices adopt "$THEIRS" --person p-ben --backlog --db "$db"
check "... one measurement given" contains "$out" "1 unassigned measurement of $THEIRS given to p-ben"
expect_person "its backlog is Ben's now" 88.5 p-ben
run_hv 0 readings --db "$db" --metric body_weight --format json
check "... as a correction" python3 -c '
import json, sys
m = [m for m in json.loads(sys.argv[1]) if m["device"]["address"] == sys.argv[2]][0]
assert m["correction"] is True, m' "$out" "$THEIRS"
run_hv 0 devices --db "$db"
check "devices: yes→p-ben" bash -c 'grep -q "^$1 .* yes→p-ben" <<<"$2"' _ "$THEIRS" "$out"

# Adopted for Ben: his whatever it weighs; forgotten: nobody's again.
replay "$tmp/r2.jsonl" "$(mi_frame 40 120.0 | theirs)"
expect_person "adopted for Ben: 120 kg is his (outside his range)" 120 p-ben
expect_hv "forget it" 0 devices forget "$THEIRS" --db "$db"
replay "$tmp/r3.jsonl" "$(mi_frame 41 86.0 | theirs)"
expect_person "forgotten: its next weigh-in is unassigned" 86 ""
expect_person "... what it stored before keeps its person" 120 p-ben

echo "1..$tap_n"
