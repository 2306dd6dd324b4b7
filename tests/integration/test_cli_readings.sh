#!/usr/bin/env bash
# A household of four with overlapping weights (docs/people.md), weighed
# through the real pipeline (homevitalsd --replay), then looked at with
# homevitals readings / unassigned / devices / status: who got what, the
# filters, and the CSV (RFC 4180), JSON and FHIR exports.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

for p in "$HV" "$HVD"; do
	[ -x "$p" ] || missing_dep "cli readings" "$p not built"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/h.db
write_config "$tmp/c.json" "$db"

check "household added" add_household "$db"
expect_hv "Cleo's slot 2 on the SIG scale linked" 0 devices link AA:BB:CC:00:00:02 2 p-cleo --db "$db"
# A name that needs every kind of CSV quoting.
expect_hv "Ben's name has a comma, a quote and a newline" 0 people edit p-ben --db "$db" \
	--name $'Ben "Big B", Senior\nflat 2'

{
	mi_frame 30 85.2  # Ben's range only
	mi_frame 31 68.0  # Cleo's (Ann's ends at 64 + 1 kg tolerance)
	mi_frame 32 62.5  # Ann and Cleo both fit: never a guess
	mi_frame 33 120.4 # Dan's last weight
	mi_frame 34 45.0  # nobody
	sig_weight_frame 2 62.5 # ambiguous weight, but slot 2 is Cleo's
	sig_weight_frame 3 85.2 # an unlinked slot: the weight rule decides
} | awk '{ sub(/^\{/, "{\"t\":" (NR - 1) * 0.1 ","); print }' >"$tmp/replay.jsonl"
if timeout 30 "$HVD" --config "$tmp/c.json" --replay "$tmp/replay.jsonl" 2>"$tmp/daemon.log"; then
	ok "replayed through the daemon"
else
	not_ok "replay failed: $(tail -5 "$tmp/daemon.log")"
fi

# --- who got what ---------------------------------------------------------------------
run_hv 0 readings --db "$db" --metric body_weight --format csv
printf '%s\n' "$out" >"$tmp/weights.csv"
assigned() { # KG DEVICE_MODEL → person ("" unassigned)
	python3 - "$tmp/weights.csv" "$1" "$2" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], newline=""))
        if abs(float(r["value"]) - float(sys.argv[2])) < 1e-6 and r["device_model"] == sys.argv[3]]
assert len(rows) == 1, rows
print(rows[0]["person"])
PY
}
expect_person() { # NAME KG MODEL PERSON
	local got
	got=$(assigned "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1: got '$got', expected '$4'"; fi
}
expect_person "85.2 kg: Ben by his range" 85.2 xiaomi_mi_scale2 p-ben
expect_person "68 kg: Cleo, just outside Ann's range + tolerance" 68 xiaomi_mi_scale2 p-cleo
expect_person "62.5 kg fits Ann and Cleo: unassigned" 62.5 xiaomi_mi_scale2 ""
expect_person "120.4 kg: Dan by his last weight" 120.4 xiaomi_mi_scale2 p-dan
expect_person "45 kg fits nobody: unassigned" 45 xiaomi_mi_scale2 ""
expect_person "62.5 kg on Cleo's linked slot: Cleo" 62.5 sig_weight_scale p-cleo
expect_person "85.2 kg on an unlinked slot: Ben by weight" 85.2 sig_weight_scale p-ben

run_hv 0 unassigned --db "$db"
check "unassigned lists the two, one line each" test "$(printf '%s\n' "$out" | grep -c '^[0-9a-f]\{8,\}')" = 2
check "... with their weights" bash -c '[[ $1 == *"62.5 kg"* && $1 == *"45 kg"* && $1 != *"85.2 kg"* ]]' _ "$out"
run_hv 0 unassigned --db "$db" --json
check "unassigned --json: two stored measurements, person null" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 2 and all(m["person"] is None for m in d), d' "$out"

# --- the CSV export: RFC 4180 as a spreadsheet reads it -------------------------------------
expect_hv "readings --format csv" 0 readings --db "$db" --format csv
"$HV" readings --db "$db" --format csv >"$tmp/all.csv"
check "CSV rows end with CRLF" bash -c '[ "$(head -1 "$1" | od -An -c | tr -s " " | tail -c 7)" = "\\r \\n" ] || tail -c 2 "$1" | od -An -c | grep -q "\\\\r  *\\\\n"' _ "$tmp/all.csv"
check "CSV parses with Python's csv (excel dialect); Ben's name round-trips" python3 - "$tmp/all.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline=""), dialect="excel"))
assert rows, "no rows"
header = ["measurement_id", "time", "person", "name", "device_address", "device_model",
          "metric", "value", "unit", "absent_reason", "method", "correction"]
assert list(rows[0].keys()) == header, rows[0].keys()
ben = [r for r in rows if r["person"] == "p-ben"]
assert ben and all(r["name"] == 'Ben "Big B", Senior\nflat 2' for r in ben), ben[:1]
# Ben's scale reading carries body composition derived with his profile
assert any(r["metric"] == "body_fat_percent" and r["method"] == "mifit" for r in ben), ben
for r in rows:
    assert len(r) == len(header) and None not in r, r
PY
check "CSV quotes the name field exactly once" grep -q '"Ben ""Big B"", Senior' "$tmp/all.csv"

# --- filters -----------------------------------------------------------------------------------
run_hv 0 readings --db "$db" --person p-dan --format csv
check "--person: only Dan's rows" python3 -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
assert rows and {r["person"] for r in rows} == {"p-dan"}, rows' "$out"
run_hv 0 readings --db "$db" --metric body_weight --unassigned --format csv
check "--unassigned --metric: the two unassigned weights" test "$(printf '%s\n' "$out" | tail -n +2 | grep -c body_weight)" = 2
run_hv 0 readings --db "$db" --metric body_weight --since 2024-03-15T08:31:00Z --until 2024-03-15T08:33:00Z --format csv
check "--since/--until (RFC 3339): the 08:31 and 08:32 weighings" python3 -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
assert sorted(r["time"] for r in rows) == ["2024-03-15T08:31:00Z", "2024-03-15T08:32:00Z"], rows' "$out"
run_hv 0 readings --db "$db" --metric body_weight --since 2024-03-15 --until 2024-03-15 --format csv
check "--until with a date covers that whole day (5 scale weighings)" python3 -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
assert len(rows) == 5 and all(r["time"].startswith("2024-03-15T") for r in rows), rows' "$out"
run_hv 0 readings --db "$db" --metric body_weight --until 2024-03-14 --format csv
check "a day before anything: header only" test "$(printf '%s\n' "$out" | grep -c .)" = 1
run_hv 0 readings --db "$db" --person p-ann
check "Ann has no readings (her weights were ambiguous)" test "$(printf '%s\n' "$out" | grep -c p-ann)" = 0
expect_hv "--person unknown: not found" 3 readings --db "$db" --person p-nobody
expect_hv "--metric unknown: usage" 2 readings --db "$db" --metric weightiness
expect_hv "--since malformed: usage" 2 readings --db "$db" --since 15/03/2024
expect_hv "--since without a zone: usage" 2 readings --db "$db" --since 2024-03-15T08:00:00
expect_hv "--format unknown: usage" 2 readings --db "$db" --format xml

# --- table, JSON and FHIR ----------------------------------------------------------------------
run_hv 0 readings --db "$db" --person p-ben
check "table: one line per reading, Ben's weight shown" bash -c '[[ $1 == *"body_weight"*"85.2"*"kg"* ]]' _ "$out"
run_hv 0 readings --db "$db" --format json
check "json: an array of the stored measurements (readings.md)" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 7, len(d)
for m in d:
    assert {"id", "time", "device", "person", "readings"} <= set(m), m
assert sum(1 for m in d if m["person"] is None) == 2' "$out"
run_hv 0 readings --db "$db" --format json --metric body_weight
check "json --metric keeps only that metric's readings" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 7 and all([r["metric"] for r in m["readings"]] == ["body_weight"] for m in d)' "$out"
run_hv 0 readings --db "$db" --format fhir --person p-ben
check "fhir: a Bundle of type collection holding Observations" python3 -c '
import json, sys
b = json.loads(sys.argv[1])
assert b["resourceType"] == "Bundle" and b["type"] == "collection", b.keys()
obs = [e["resource"] for e in b["entry"]]
assert obs and all(o["resourceType"] == "Observation" for o in obs)
w = [o for o in obs if any(c.get("code") == "29463-7" for c in o["code"]["coding"])]
assert len(w) == 2 and all(abs(o["valueQuantity"]["value"] - 85.2) < 1e-6 for o in w), w
assert w[0]["valueQuantity"]["unit"] in ("kg",) or w[0]["valueQuantity"]["code"] == "kg"
' "$out"
run_hv 0 readings --db "$db" --format fhir --person p-ann
check "fhir with nothing to export: an empty Bundle" python3 -c '
import json, sys
b = json.loads(sys.argv[1]); assert b["type"] == "collection" and b["entry"] == []' "$out"

# --- devices and status -------------------------------------------------------------------------
run_hv 0 devices --db "$db"
check "devices: both scales, driver and the linked slot" bash -c '[[ $1 == *"C8:0F:10:00:00:01"*"xiaomi_mi_scale2"* && $1 == *"sig_weight_scale"*"2→p-cleo"* ]]' _ "$out"
run_hv 0 devices --db "$db" --json
check "devices --json" python3 -c '
import json, sys
d = {x["address"]: x for x in json.loads(sys.argv[1])}
assert d["AA:BB:CC:00:00:02"]["users"] == [{"user_index": 2, "person": "p-cleo", "consent_code": False}], d
assert d["C8:0F:10:00:00:01"]["driver"] == "xiaomi_mi_scale2"' "$out"
run_hv 0 status --db "$db" --pid-file "$tmp/none.pid"
check "status: backlog (MQTT off: all 7 waiting), unassigned, people" bash -c '
[[ $1 == *"Backlog:     7 measurements"* && $1 == *"Unassigned:  2 measurements"* &&
   $1 == *"Devices:     2 seen"* && $1 == *"p-dan"*"120.4 kg"* && $1 == *"p-ann"*"none yet"* ]]' _ "$out"
check "status without a pid file: daemon unknown" contains "$out" "Daemon:      unknown"
echo 999999999 >"$tmp/stale.pid"
expect_hv "status with a stale pid file: exit 1" 1 status --db "$db" --pid-file "$tmp/stale.pid"
check "... says not running" contains "$out" "not running"
run_hv 0 status --db "$db" --pid-file "$tmp/none.pid" --json
check "status --json" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["backlog"] == 7 and s["unassigned"] == 2 and s["devices"] == 2, s
p = {x["id"]: x for x in s["people"]}
assert p["p-ben"]["last_weight_kg"] == 85.2 and "last_time" not in p["p-ann"], p' "$out"

# --- many rows stream ---------------------------------------------------------------------------
python3 - "$tmp/many.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(400):
        # one weigh-in each: consecutive weights differ by more than the
        # pipeline's repeat window (0.1 kg)
        kg = 80 + (i % 2) * 2 + (i % 25) / 10
        raw = round(kg * 200)
        day, minute = 1 + i // 60, i % 60
        b = bytes([0x02, 0x26, 0xE8, 0x07, 4, day, 9, minute, 0, 0xF4, 0x01, raw & 0xFF, raw >> 8])
        f.write('{"service_data":{"181b":"%s"},"address":"C8:0F:10:00:00:01"}\n' % b.hex())
PY
timeout 60 "$HVD" --config "$tmp/c.json" --replay "$tmp/many.jsonl" 2>"$tmp/daemon2.log"
"$HV" readings --db "$db" --person p-ben --format csv >"$tmp/ben.csv" 2>"$tmp/ben.err"
check "a 400-measurement export: every row, nothing on stderr when not a terminal" python3 - "$tmp/ben.csv" "$tmp/ben.err" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
weights = [r for r in rows if r["metric"] == "body_weight"]
# 400 here + the two Ben weighed earlier (his range, and by weight on an unlinked slot)
assert len(weights) == 402, len(weights)
assert open(sys.argv[2]).read() == ""
PY
if command -v script >/dev/null; then
	script -qec "$HV readings --db $db --person p-ben --format csv >/dev/null" /dev/null >"$tmp/tty.out" 2>&1
	check "on a terminal, progress on stderr" grep -q "rows" "$tmp/tty.out"
else
	ok "progress on a terminal # SKIP no script(1)"
fi
