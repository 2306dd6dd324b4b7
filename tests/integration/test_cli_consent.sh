#!/usr/bin/env bash
# homevitals consent grant|revoke|list and the SHARED WITH column of
# `people list`, against a real store file and a configuration with two
# audiences (docs/consent.md), with the errors and exit codes of docs/cli.md.
set -u
cd "$(dirname "$0")/../.."
. tests/helpers/cli.sh

[ -x "$HV" ] || missing_dep "cli consent" "$HV not built"
require "cli consent" sqlite3 python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/h.db
cat >"$tmp/c.json" <<CONF
{
  "store": { "path": "$db" },
  "audiences": [
    { "name": "clinic", "topic_prefix": "clinic", "care_identity": true },
    { "name": "community", "topic_prefix": "peers" }
  ]
}
CONF
write_config "$tmp/plain.json" "$db"

"$HV" people add --db "$db" --id p-ana --name "Ana" >/dev/null
"$HV" people add --db "$db" --id p-bo --name "Bo" >/dev/null

check "consent --help" run_hv 0 consent --help
expect_hv "nothing in force at first" 0 consent list --config "$tmp/c.json"
check "  says so" contains "$out" "nothing is shared"

expect_hv "grant clinic all" 0 consent grant p-ana clinic --metrics all \
	--device-details --by "nurse Ana" --config "$tmp/c.json"
expect_hv "grant community weight+activity, daily, from a date" 0 consent grant \
	p-ana community --metrics " weight, activity,weight" --daily --from 2024-03-01 \
	--config "$tmp/c.json"
check "  the scope as stored" contains "$out" "shares weight,activity with community as daily summaries from 2024-03-01"
sql_row=$(sqlite3 "$db" "SELECT person_id, audience, metrics, granularity, device_details, from_date
	FROM consent WHERE revoked_usec IS NULL ORDER BY audience")
check "store rows" [ "$sql_row" = "p-ana|clinic|all|each|1|
p-ana|community|weight,activity|daily|0|2024-03-01" ]
check "recorded_by kept" [ "$(sqlite3 "$db" "SELECT recorded_by FROM consent WHERE audience = 'clinic'")" = "nurse Ana" ]

expect_hv "people list shows what is shared" 0 people list --config "$tmp/c.json"
check "  SHARED WITH column" contains "$out" "clinic: all; community: weight,activity (daily)"
expect_hv "people list --json" 0 people list --db "$db" --json
check "  consents in JSON" python3 -c '
import json, sys
people = {p["id"]: p for p in json.loads(sys.argv[1])}
assert [c["audience"] for c in people["p-ana"]["consents"]] == ["clinic", "community"], people
assert people["p-ana"]["consents"][1]["granularity"] == "daily"
assert people["p-bo"]["consents"] == []
' "$out"

# --- refusals ---------------------------------------------------------------------
expect_hv "unknown group" 2 consent grant p-ana community --metrics weight,bloodpressure \
	--config "$tmp/c.json"
check "  names it" contains "$err" "'bloodpressure' is neither a metric group nor a metric"
expect_hv "no --metrics" 2 consent grant p-ana community --config "$tmp/c.json"
expect_hv "audience not in the configuration" 2 consent grant p-ana research \
	--metrics weight --config "$tmp/c.json"
check "  lists the configured ones" contains "$err" "it has: clinic community"
expect_hv "configuration without audiences" 2 consent grant p-ana clinic \
	--metrics weight --config "$tmp/plain.json"
check "  says it is the implicit audience" contains "$err" "one implicit audience"
expect_hv "bad --from" 2 consent grant p-ana community --metrics weight --from 2024-02-30 \
	--config "$tmp/c.json"
expect_hv "unknown person" 3 consent grant p-zed community --metrics weight \
	--config "$tmp/c.json"
expect_hv "grant options on revoke" 2 consent revoke p-ana community --daily --db "$db"
expect_hv "missing audience" 2 consent revoke p-ana --db "$db"
expect_hv "unknown action" 2 consent share p-ana community --db "$db"
check "refusals changed nothing" [ "$(sqlite3 "$db" "SELECT count(*) FROM consent")" = 2 ]

# --- a new grant replaces; revoke ends -----------------------------------------------
expect_hv "grant community weight only" 0 consent grant p-ana community --metrics weight \
	--config "$tmp/c.json"
expect_hv "list p-ana" 0 consent list p-ana --db "$db"
check "  only the new one in force" bash -c '[[ $1 != *"weight,activity"* && $1 == *community* ]]' _ "$out"
expect_hv "list --all keeps history" 0 consent list p-ana --all --json --db "$db"
check "  three rows, the replaced one revoked" python3 -c '
import json, sys
rows = json.loads(sys.argv[1])
assert len(rows) == 3, rows
old = [r for r in rows if r["metrics"] == "weight,activity"][0]
assert "revoked" in old, old
' "$out"
expect_hv "revoke community" 0 consent revoke p-ana community --db "$db"
check "  says it" contains "$out" "p-ana no longer shares anything with community"
expect_hv "revoke again: nothing in force" 3 consent revoke p-ana community --db "$db"
expect_hv "people list after revoke" 0 people list --db "$db"
check "  community gone" bash -c '[[ $1 == *"clinic: all"* && $1 != *"community:"* ]]' _ "$out"
expect_hv "list of an unknown person" 3 consent list p-zed --db "$db"

echo "1..$tap_n"
